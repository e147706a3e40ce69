"""The office service: what administrators run beside drafting — users, quotas, the audit log, the saved chat
endpoint and evaluation runs.

It sits beside `DraftingService` and shares its parts (the one database connection pool, the settings with
the saved endpoint, the open index), so the app's pages only adapt it: forms in, rows and messages out.
Every call acts as the service's actor; the storage layer refuses what that actor may not do.
"""

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from drafting.errors import UserError
from drafting.service import DraftingService
from drafting.storage.audit import AuditFilter  # the pages build filters; a value type, no SQL runs here

if TYPE_CHECKING:
    from drafting.accounts import Quotas, UserInfo, Users
    from drafting.evaluation.cases import Case
    from drafting.evaluation.runner import Estimate, EvalResult
    from drafting.evaluation.systems import System
    from drafting.models.presets import Preset
    from drafting.storage.audit import AuditRecord
    from drafting.storage.secrets import EndpointSummary

Progress = Callable[[int, int, str], None]  # cases done, cases in all, the name of the case just finished


class OfficeService:
    def __init__(self, drafting: DraftingService):
        self.drafting = drafting
        self.actor = drafting.actor

    # --- users and quotas -----------------------------------------------------------------------------------

    @cached_property
    def users(self) -> "Users":
        from drafting.accounts import Users

        return Users(self.drafting.database)

    @cached_property
    def quotas(self) -> "Quotas":
        return self.drafting.quotas

    def create_user(self, name: str, unit: str, password: str, admin: bool) -> None:
        self.users.create_user(name, unit, password, admin, by=self.actor)

    def list_users(self) -> list["UserInfo"]:
        return self.users.list_users(by=self.actor)

    def set_disabled(self, name: str, disabled: bool) -> None:
        (self.users.disable if disabled else self.users.enable)(name, by=self.actor)

    def unlock(self, name: str) -> None:
        self.users.unlock(name, by=self.actor)

    def reset_password(self, name: str) -> str:
        """A new password for `name`, shown once to the administrator."""
        return self.users.reset_password(name, by=self.actor)

    def change_own_password(self, old: str, new: str, keep_token: str) -> None:
        """The actor's own password; every other session of theirs ends, `keep_token`'s stays."""
        self.users.change_password(self.actor, old, new, keep_token=keep_token)

    def set_quota(self, of_unit: bool, name: str, daily_tokens: int | None) -> None:
        """A daily token quota for a user or a unit (None: no limit; 0: no model use)."""
        self.quotas.set_quota("unit" if of_unit else "user", name, daily_tokens, by=self.actor)

    def audit_log(
        self, where: AuditFilter | None = None, page: int = 1, per_page: int = 50
    ) -> list["AuditRecord"]:
        """One page (from 1) of the entries `where` selects, newest first."""
        from drafting.storage.audit import EVERYTHING, audit_log

        offset = (max(page, 1) - 1) * per_page
        return audit_log(self.drafting.database, self.actor, per_page, offset, where or EVERYTHING)

    def audit_count(self, where: AuditFilter | None = None) -> int:
        from drafting.storage.audit import EVERYTHING, audit_count

        return audit_count(self.drafting.database, self.actor, where or EVERYTHING)

    def audit_actions(self) -> list[str]:
        from drafting.storage.audit import audit_actions

        return audit_actions(self.drafting.database, self.actor)

    def audit_csv(self, where: AuditFilter | None = None) -> bytes:
        """Every entry `where` selects, as a CSV no spreadsheet runs formulas from."""
        from drafting.output.audit_csv import audit_csv
        from drafting.storage.audit import EVERYTHING, audit_log

        return audit_csv(audit_log(self.drafting.database, self.actor, 100_000, 0, where or EVERYTHING))

    # --- the saved chat endpoint ----------------------------------------------------------------------------

    @property
    def presets(self) -> list["Preset"]:
        from drafting.models.presets import PRESETS

        return list(PRESETS)

    def endpoint_summary(self) -> "EndpointSummary | None":
        return self.drafting.endpoint_store.endpoint_summary()

    def save_endpoint(self, base_url: str, model: str, api_key: str, method: str) -> str:
        """Save (administrators only) and say, in Chinese, what became of the key."""
        from drafting.models.saved_endpoint import save_endpoint

        return save_endpoint(self.drafting.endpoint_store, self.actor, base_url, model, api_key, method)

    def clear_endpoint(self) -> None:
        self.drafting.endpoint_store.clear_endpoint(self.actor)

    def check_connection(self, base_url: str, model: str, api_key: str) -> str:
        """Try what was typed. A blank key box means the key kept for exactly this address, as 保存 keeps
        it; a stored key never goes to another address. A UserError says what failed and how to fix it."""
        from drafting.models.presets import check_connection, checked_base_url

        address = checked_base_url(base_url)
        typed = api_key.strip()
        kept = "" if typed else self._key_for(address.address)
        if typed:
            key_note = "请核对 API Key 后重新填写。"
        elif kept:
            key_note = "测试用的是已保存的密钥；如密钥已更换，请在 API Key 框填写新的密钥。"
        elif self._saved_key_elsewhere():
            key_note = "已保存的密钥只发往保存时的地址，不会发往这个地址：请在 API Key 框填写这个接口的密钥。"
        else:
            key_note = "API Key 框是空的，这个地址也没有已保存的密钥：请填写这个接口的密钥。"
        trial = self.drafting.settings.model_copy(
            update={
                "llm_base_url": address.address,
                "llm_model": model,
                "llm_api_key": SecretStr(typed or kept),
            }
        )
        try:
            answered = check_connection(trial, key_note)
        except UserError as error:  # the repair is said either way: the address tried is not the one typed
            raise UserError(address.note + str(error)) from error
        return address.note + answered + ("（用的是已保存的密钥。）" if kept else "")

    def _key_for(self, address: str) -> str:
        """The key in use for exactly this address: the configured one (the environment's or the saved one),
        else the one saved with it."""
        from drafting.models.presets import chat_base_url

        in_use = self.drafting.settings
        if in_use.llm_configured and chat_base_url(in_use) == address:
            return in_use.llm_api_key.get_secret_value()
        saved = self.drafting.endpoint_store.endpoint_for_use()
        return saved.api_key.get_secret_value() if saved is not None and saved.base_url == address else ""

    def _saved_key_elsewhere(self) -> bool:
        summary = self.endpoint_summary()
        return summary is not None and summary.has_key

    # --- evaluation runs ------------------------------------------------------------------------------------

    @cached_property
    def eval_cases(self) -> list["Case"]:
        from drafting.evaluation.cases import load_cases

        return load_cases()

    @cached_property
    def eval_systems(self) -> list["System"]:
        """The offline engine, and the configured endpoint when there is one."""
        from drafting.evaluation.systems import configured_system, offline_system

        configured = configured_system(self.drafting.settings)
        return [offline_system(), *([configured] if configured else [])]

    def eval_estimate(self, names: list[str]) -> "Estimate | None":
        """What a run of these cases would cost on the configured endpoint (None: offline only, free)."""
        from drafting.evaluation.runner import estimate_run

        chosen = self._cases(names)
        endpoints = [s for s in self.eval_systems if s.settings is not None]
        return estimate_run(endpoints[0].settings, chosen) if endpoints and chosen else None

    @property
    def latest_eval_file(self) -> Path:
        return self.drafting.settings.data_dir / "eval" / "latest.json"

    def run_eval(self, names: list[str], progress: Progress | None = None) -> "EvalResult":
        """Every system on the chosen cases; the result is kept as the latest run.

        The cases run one at a time and `progress` is called in the caller's thread after each (a face's
        progress bar may only be drawn from there, not from the runner's worker threads).
        """
        from drafting.evaluation.runner import EvalResult, SystemRun, run_eval, summarize

        chosen, systems = self._cases(names), self.eval_systems
        per_case = []
        for number, case in enumerate(chosen, start=1):
            per_case.append(run_eval([case], systems, self.drafting.library))
            if progress is not None:
                progress(number, len(chosen), case.name)
        runs = []
        for index, system in enumerate(systems):
            results = [one.runs[index].cases[0] for one in per_case]
            wall = sum(one.runs[index].summary.total_s for one in per_case)
            runs.append(SystemRun(system=system.name, summary=summarize(results, wall), cases=results))
        result = EvalResult(runs=runs)
        self.latest_eval_file.parent.mkdir(parents=True, exist_ok=True)
        self.latest_eval_file.write_text(result.model_dump_json(), encoding="utf-8")
        return result

    def latest_eval(self) -> "EvalResult | None":
        from drafting.evaluation.runner import EvalResult

        if not self.latest_eval_file.exists():
            return None
        return EvalResult.model_validate_json(self.latest_eval_file.read_text(encoding="utf-8"))

    def eval_table(self, result: "EvalResult") -> str:
        """The run's summary as a Markdown table, one row per system."""
        from drafting.evaluation.report import summary_table

        return summary_table(result)

    def _cases(self, names: list[str]) -> list["Case"]:
        return [c for c in self.eval_cases if c.name in names]


__all__ = ["AuditFilter", "OfficeService"]
