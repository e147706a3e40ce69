"""The office service without a face: accounts, quotas, the audit log, the saved endpoint and evaluation runs."""

from pathlib import Path

import pytest

from drafting.access import Actor
from drafting.accounts import Passwords, Sessions, Users
from drafting.errors import UserError
from drafting.office import OfficeService
from drafting.retrieval.library import Library
from drafting.service import DraftingService
from drafting.settings import Settings, load_settings
from tests.test_accounts import PASSWORD
from tests.test_eval import tiny_library  # noqa: F401 - a fixture


def office_of(settings: Settings, name: str) -> OfficeService:
    drafting = DraftingService(settings)
    actor = Sessions(drafting.database).session_user(Sessions(drafting.database).authenticate(name, PASSWORD))
    return OfficeService(DraftingService(settings, actor, database=drafting.database))


@pytest.fixture
def settings(tmp_path: Path, fast_passwords: Passwords) -> Settings:
    settings = load_settings(data_dir=tmp_path / "data")
    users = Users(DraftingService(settings).database, fast_passwords)
    users.create_user("王刚", "青松中学工会", PASSWORD, admin=True)
    users.create_user("李红", "红杉医院工会", PASSWORD)
    return settings


def test_an_administrator_manages_accounts_and_quotas_and_each_step_is_audited(settings: Settings):
    office = office_of(settings, "王刚")
    office.create_user("赵六", "红杉医院工会", "another good password", admin=False)
    assert sorted(u.name for u in office.list_users()) == sorted(["王刚", "李红", "赵六"])
    office.set_disabled("赵六", True)
    assert next(u for u in office.list_users() if u.name == "赵六").disabled
    office.set_disabled("赵六", False)
    new_password = office.reset_password("赵六")
    assert Sessions(office.drafting.database).authenticate("赵六", new_password)
    office.set_quota(of_unit=True, name="红杉医院工会", daily_tokens=0)
    member = office_of(settings, "李红")
    assert member.drafting.remaining_tokens() == 0
    office.set_quota(of_unit=True, name="红杉医院工会", daily_tokens=None)
    assert member.drafting.remaining_tokens() is None
    actions = [entry.action for entry in office.audit_log()]
    assert len(actions) >= 5 and all(actions)


def test_a_member_may_not_do_an_administrators_work(settings: Settings):
    member = office_of(settings, "李红")
    for attempt in (
        lambda: member.create_user("赵六", "红杉医院工会", "another good password", admin=False),
        member.list_users,
        lambda: member.set_quota(of_unit=False, name="李红", daily_tokens=None),
        lambda: member.save_endpoint("http://127.0.0.1:9/v1", "m", "sk-x", "json_mode"),
    ):
        with pytest.raises(UserError):
            attempt()


def test_members_change_their_own_password(settings: Settings):
    member = office_of(settings, "李红")
    with pytest.raises(UserError):
        member.change_own_password("wrong old one", "a brand new password", keep_token="")
    member.change_own_password(PASSWORD, "a brand new password", keep_token="")
    assert Sessions(member.drafting.database).authenticate("李红", "a brand new password")


def test_the_saved_endpoint_is_used_by_new_drafts_until_cleared(settings: Settings):
    office = office_of(settings, "王刚")
    assert office.endpoint_summary() is None and not office.drafting.settings.llm_configured
    note = office.save_endpoint("http://127.0.0.1:9/v1", "local-model", "sk-test", "json_mode")
    assert "加密" in note
    assert office.endpoint_summary().base_url == "http://127.0.0.1:9/v1"
    assert office_of(settings, "李红").drafting.settings.llm_model == "local-model"
    office.clear_endpoint()
    assert (
        office.endpoint_summary() is None and not office_of(settings, "李红").drafting.settings.llm_configured
    )


def test_an_evaluation_run_reports_progress_and_is_kept_as_the_latest(tiny_library: Library):  # noqa: F811
    office = OfficeService(DraftingService(tiny_library.settings, Actor.local(), library=tiny_library))
    assert [s.name for s in office.eval_systems] == ["offline"] and office.eval_estimate(["x"]) is None
    first = office.eval_cases[0].name
    steps: list[tuple[int, int, str]] = []
    result = office.run_eval([first], lambda done, total, what: steps.append((done, total, what)))
    assert steps == [(1, 1, first)]
    assert [c.case for c in result.runs[0].cases] == [first]
    assert office.latest_eval().model_dump() == result.model_dump()  # the JSON drops the markdown
