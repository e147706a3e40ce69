"""The soak test: simulated users on `streamlit run serve.py`, each one a real websocket session.

Every user goes once through all six actions (draft offline, regenerate, export Word, tone, import a
report, search for it), which warms the server up, even when that takes longer than the soak's time (so
under load every action is still covered), then picks actions at random (seeded) until the time is up. Each action is timed from the click to the end of the run it started; an export until the .docx has
been downloaded and opened as a zip. An error is anything a user would see go wrong: an exception or
st.error on the page, a page that lacks what the action should show, a broken connection, a timeout.
Afterwards every draft a user saw created must be in the drafts database, and the server's memory must not
have grown by more than a tenth between the end of the warm-up and the end.

With accounts (`accounts(users)`, created by `create_accounts` before the server starts) every session signs
in first, and the soak also checks that units stay apart under load: a search for another unit's imported
report must not find it, 范文库 must not list it, 历史 (a seventh action) must list none of another user's
drafts, and every draft must be stored under the user who made it. Each breach is an isolation violation.
"""

import io
import json
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import httpx
import numpy as np
from streamlit.proto.Alert_pb2 import Alert

from drafting.errors import UserError
from drafting.storage.database import Database
from loadtest.attacker import Attacker, AttackTally
from loadtest.client import AppClient, Page, widget_key

ACTIONS = ("draft offline", "regenerate", "search", "tone", "export Word", "import report")
FIRST_ROUND = ("draft offline", "regenerate", "export Word", "tone", "import report", "search")
WEIGHTS = {"draft offline": 3, "regenerate": 3, "search": 3, "tone": 2, "export Word": 2, "import report": 1}
HISTORY = (
    "history"  # the seventh action, signed in only: 历史 must list the user's own drafts and no one else's
)
PAGE_SWITCH = "page switch"
RUN_LOG = "runs.jsonl"
MAX_GROWTH = 0.10
PLACES = "云岭 青溪 白石 金沙 枫桥 松涛 柳营 梅岭 桃源 竹溪 石门 龙泉 凤城 鹤山 雁塔 兰亭 荷塘 杏林 槐安 栖霞 望江 临川 清河".split()
UNITS = "第一中学 人民医院 供电公司 机械厂 税务局 实验小学 港务公司".split()
CONTESTS = "职工乒乓球邀请赛 青年岗位技能比武 女职工插花展示 职工书画摄影展 安全知识竞赛 健步走挑战赛 读书分享会".split()
QUERIES = [
    "职工之家建设",
    "困难职工帮扶救助",
    "劳动竞赛和技能比武",
    "女职工权益保护",
    "工会经费审查监督",
    "职工代表大会",
    "职工文体活动",
    "厂务公开民主管理",
    "新会员发展",
]
TONE_TEXTS = [
    "今年我们工会干了不少事，大家都挺满意的，明年还要接着干，争取搞得更好一点。",
    "一年来，工会坚持以职工为中心，认真履行维护职能，扎实推进民主管理，不断提升服务水平。",
    "我们组织了好多活动，职工参加得很积极，效果还不错，不过有些地方还得改进。",
]
T = TypeVar("T")


class AppError(Exception):
    """The page showed a failure, or lacked what the action should have shown."""


@dataclass(frozen=True)
class AppServer:
    url: str
    pid: int
    log: Path  # the server's output
    runs: Path  # the app's log of its page runs (app/run_log.py)


@dataclass(frozen=True)
class Account:
    name: str
    unit: str
    password: str


@dataclass(frozen=True)
class Import:
    """A report a user imported: only `unit` may find it."""

    unit: str
    report_id: str
    title: str
    activity: str  # the phrase only this report contains
    at: float = field(default_factory=time.monotonic)  # when its 已导入 was shown


@dataclass(frozen=True)
class Export:
    organization: str
    draft_id: str
    data: bytes


@dataclass
class Tally:
    """What all users record, shared between their threads."""

    users: int
    timings: dict[str, list[float]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    drafts_shown: dict[str, str] = field(default_factory=dict)  # draft id -> its maker's account ("" if none)
    drafts_not_shown: int = 0
    import_searches: int = 0
    import_searches_found: int = 0
    import_searches_missed: list[str] = field(default_factory=list)  # what each unfound search showed
    last_export: Export | None = None
    imports: list[Import] = field(default_factory=list)
    isolation_checks: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    warmed_up: threading.Event = field(default_factory=threading.Event)
    _warm: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def timing(self, action: str, seconds: float) -> None:
        with self._lock:
            self.timings.setdefault(action, []).append(seconds)

    def error(self, action: str, message: str) -> None:
        with self._lock:
            self.errors.append((action, message))

    def draft(self, draft_id: str | None, owner: str = "") -> None:
        with self._lock:
            if draft_id is None:
                self.drafts_not_shown += 1
            else:
                self.drafts_shown[draft_id] = owner

    def imported(self, report: Import) -> None:
        with self._lock:
            self.imports.append(report)

    def imports_of_other_units(self, unit: str) -> list[Import]:
        with self._lock:
            return [i for i in self.imports if i.unit != unit]

    def owners(self, draft_ids: set[str]) -> dict[str, str]:
        with self._lock:
            return {d: self.drafts_shown[d] for d in draft_ids if d in self.drafts_shown}

    def isolation_checked(self, what: str) -> None:
        with self._lock:
            self.isolation_checks[what] += 1

    def violation(self, message: str) -> None:
        with self._lock:
            self.violations.append(message)

    def import_search(self, found: bool, missed: str = "") -> None:
        with self._lock:
            self.import_searches += 1
            self.import_searches_found += found
            if not found:
                self.import_searches_missed.append(missed)

    def exported(self, export: Export) -> None:
        with self._lock:
            self.last_export = export

    def user_warm(self) -> None:
        """One more user is through the first round (or gave up); all of them means warmed up."""
        with self._lock:
            self._warm += 1
            if self._warm == self.users:
                self.warmed_up.set()


class SimulatedUser:
    """One person in one browser tab, working until `until` (time.monotonic()); signed in as `account`
    when the app has accounts."""

    def __init__(
        self,
        number: int,
        url: str,
        tally: Tally,
        until: float,
        seed: int,
        think: float,
        timeout: float,
        account: Account | None = None,
    ):
        self.url, self.tally, self.until, self.think, self.timeout = url, tally, until, think, timeout
        self.account = account
        self.rng = random.Random(seed + number)
        self.organization = f"{PLACES[number % len(PLACES)]}县{UNITS[number % len(UNITS)]}工会"
        self.client = AppClient(url, timeout=timeout)
        self.page_name = "起草"
        self.current_draft: str | None = None  # the draft this session shows on 起草
        self.created: set[str] = set()  # every draft this user saw created
        self.imports: list[Import] = []
        self.searched_foreign = False
        self.last_query = ""
        self.last_tone = ""
        self.actions: dict[str, Callable[[], None]] = {
            "draft offline": self.draft,
            "regenerate": self.regenerate,
            "search": self.search,
            "tone": self.tone,
            "export Word": self.export,
            "import report": self.import_report,
        }
        self.first_round, self.weights = FIRST_ROUND, WEIGHTS
        if account is not None:
            self.actions[HISTORY] = self.history
            # 历史 before the last search, which gives the other units' users time to import first
            self.first_round = (*FIRST_ROUND[:-1], HISTORY, FIRST_ROUND[-1])
            self.weights = {**WEIGHTS, HISTORY: 1}

    def run(self) -> None:
        connected = False
        try:
            connected = self._attempt("connect", self._connect)
            for (
                action
            ) in self.first_round:  # all of it, however long it takes: every action runs at least once
                if not connected:
                    break
                connected = self._attempt(action, self.actions[action]) or self._reconnect()
        finally:
            self.tally.user_warm()
        try:
            while connected and time.monotonic() < self.until:
                action = self.rng.choices(list(self.weights), list(self.weights.values()))[0]
                connected = self._attempt(action, self.actions[action]) or self._reconnect()
        finally:
            self.client.close()

    # --- the actions --------------------------------------------------------------------------------------

    def draft(self) -> None:
        self._open("起草")
        self._ok(self.client.click("载入示例要点"))
        self.client.set(key="f_organization", value=self.organization)
        page = self._ok(self._timed("draft offline", lambda: self.client.click("生成草稿")))
        shown = _draft_shown(page)
        if shown is None or shown == self.current_draft:
            self.tally.draft(None)
            raise AppError("点“生成草稿”后页面上没有新草稿")
        self.tally.draft(shown, self.account.name if self.account else "")
        self.current_draft = shown
        self.created.add(shown)

    def regenerate(self) -> None:
        draft_id = self._draft_open()
        prefix = f"regen_{draft_id}_"
        keys = [k for w in self.client.page.widgets() if (k := widget_key(w) or "").startswith(prefix)]
        if not keys:
            raise AppError("草稿下没有“重新生成”按钮")
        key = self.rng.choice(keys)
        page = self._ok(self._timed("regenerate", lambda: self.client.click(key=key)))
        if _draft_shown(page) != draft_id:
            raise AppError("重新生成后页面上不再是原来的草稿")

    def export(self) -> None:
        draft_id = self._draft_open()
        started = time.perf_counter()
        asks = (f"export_ok_{draft_id}_", f"export_{draft_id}_")  # confirm the findings, or ask for the files
        for ask in [key for w in self.client.page.widgets() if (key := widget_key(w) or "").startswith(asks)]:
            self._ok(self.client.set(key=ask, value=True))
        data = self.client.download("下载 Word (.docx)")
        self._ok(self.client.page)
        with zipfile.ZipFile(io.BytesIO(data)) as docx:
            if "word/document.xml" not in docx.namelist():
                raise AppError("下载的 Word 文件里没有正文")
        self.tally.timing("export Word", time.perf_counter() - started)
        self.tally.exported(Export(self.organization, draft_id, data))

    def tone(self) -> None:
        self._open("语气对比")
        text = self.last_tone
        while text == self.last_tone:  # an unchanged text would not make the page run
            text = self.rng.choice(TONE_TEXTS) + f"（{self.organization}，第{self.rng.randrange(1000)}稿）"
        self.last_tone = text
        page = self._ok(self._timed("tone", lambda: self.client.set(key="tone_text", value=text)))
        if not page.elements("metric"):
            raise AppError("语气对比没有给出与范文的距离")

    def import_report(self) -> None:
        self._open("范文库")
        number = len(self.imports) + 1
        activity = f"举办{self.organization.removesuffix('工会')}第{number}届{self.rng.choice(CONTESTS)}"
        name, data = report_file(self.organization, activity, number)
        started = time.perf_counter()
        self._ok(self.client.upload(name, data))
        page = self._ok(self.client.click("导入"))
        self.tally.timing("import report", time.perf_counter() - started)
        # 范文库 also lists the outcome of imports by other tabs of the same user (all sessions, unsigned)
        title = Path(name).stem
        done = [m for m in page.alerts(Alert.SUCCESS) if m.startswith(f"已导入：{title}（")]
        found = re.search(r"^已导入：(.*)（([^（）]+)）$", done[0]) if done else None
        if found is None:
            raise AppError("导入后没有“已导入”的提示")
        unit = self.account.unit if self.account else ""
        report = Import(unit, report_id=found.group(2), title=found.group(1), activity=activity)
        self.imports.append(report)
        self.tally.imported(report)

    def search(self) -> None:
        """Search for the user's own import (it must be found), another unit's (it must not be; signed in
        only, and first of all once there is one) or a common topic."""
        self._open("范文库")
        foreign = self.tally.imports_of_other_units(self.account.unit) if self.account else []
        target: Import | None = None
        if foreign and (not self.searched_foreign or self.rng.random() < 1 / 3):
            target = self.rng.choice(foreign)
        elif self.imports and (len(self.imports) == 1 or self.rng.random() < 0.5):
            target = self.rng.choice(self.imports)
        query = target.activity if target else self.rng.choice(QUERIES)
        if query == self.last_query:  # an unchanged query would not make the page run
            target, query = None, self.rng.choice([q for q in QUERIES if q != query])
        self.last_query = query
        page = self._ok(self._timed("search", lambda: self.client.set("检索范文段落", value=query)))
        found = target is not None and any(f"（{target.report_id}，" in c for c in page.captions())
        if target in foreign:
            self.searched_foreign = True
            self.tally.isolation_checked("search")
            if found or target.activity in page.text():  # a hit, or the report itself on show
                self.tally.violation(
                    f"{self.account.unit}的用户检索到了{target.unit}导入的范文 {target.report_id}"
                )  # type: ignore[union-attr]
        elif target is not None:
            self.tally.import_search(found, "" if found else _missed(target, page))
        if self.account:
            self._check_report_list(page)

    def history(self) -> None:
        """历史 lists every draft this user made and none that another user made."""
        started = time.perf_counter()
        if self.page_name == "历史":
            self._ok(self.client.rerun())
        else:
            self._open("历史")
        self.tally.timing(HISTORY, time.perf_counter() - started)
        listed = set(
            re.findall(r"，([0-9a-f]+)）", "\n".join(e.text.body for e in self.client.page.elements("text")))
        )
        self.tally.isolation_checked("history")
        me = self.account.name  # type: ignore[union-attr]
        for draft_id, owner in self.tally.owners(listed).items():
            if owner != me:
                self.tally.violation(f"{me} 的“历史”里列出了 {owner} 的草稿 {draft_id}")
        if missing := self.created - listed:
            raise AppError(f"“历史”里没有本人的草稿：{'、'.join(sorted(missing))}")

    # --- helpers ------------------------------------------------------------------------------------------

    def _attempt(self, action: str, do: Callable[[], object]) -> bool:
        """Do one action after a pause to think; False when it failed."""
        time.sleep(max(0.0, min(self.rng.uniform(0.5, 1.5) * self.think, self.until - time.monotonic())))
        try:
            do()
        except AppError as error:
            self.tally.error(action, str(error))
            return False
        except Exception as error:  # noqa: BLE001 - whatever breaks a session is an error to count
            self.tally.error(action, f"{type(error).__name__}: {error}")
            return False
        return True

    def _reconnect(self) -> bool:
        """After a failure the user reloads the tab: a new session (so one failure is counted once)."""
        self.client.close()
        self.client = AppClient(self.url, cookies=self.client.cookies, timeout=self.timeout)
        self.page_name, self.current_draft, self.last_query, self.last_tone = "起草", None, "", ""
        return self._attempt("connect", self._connect)

    def _connect(self) -> None:
        """Open the tab; signed in, go through the login page unless the session cookie still holds."""
        page = self._ok(self.client.connect())
        if self.account is None:
            return
        if any(w.WhichOneof("type") == "button" and w.button.label == "登录" for w in page.widgets()):
            page = self._ok(self.client.login(self.account.name, self.account.password))
        if f"{self.account.name} · {self.account.unit}" not in page.captions():
            raise AppError(
                f"{self.account.name} 没能登录：页面上没有“{self.account.name} · {self.account.unit}”"
            )

    def _check_report_list(self, page: Page) -> None:
        """范文库's 阅读范文 list must offer no report another unit imported."""
        options = page.widget("阅读范文", kind="selectbox").selectbox.options
        self.tally.isolation_checked("report list")
        for report in self.tally.imports_of_other_units(self.account.unit):  # type: ignore[union-attr]
            if any(option.startswith(f"{report.title}（") for option in options):
                self.tally.violation(
                    f"{self.account.unit}的“阅读范文”里列出了{report.unit}导入的 {report.title}"
                )  # type: ignore[union-attr]

    def _timed(self, action: str, do: Callable[[], T]) -> T:
        started = time.perf_counter()
        result = do()
        self.tally.timing(action, time.perf_counter() - started)
        return result

    def _ok(self, page: Page) -> Page:
        if errors := page.errors():
            raise AppError("；".join(errors))
        return page

    def _open(self, name: str) -> None:
        if self.page_name != name:
            self._ok(self._timed(PAGE_SWITCH, lambda: self.client.open_page(name)))
            self.page_name = name

    def _draft_open(self) -> str:
        """The 起草 page with this session's draft on it (drafting one first if there is none)."""
        if self.current_draft is None:
            self.draft()
        self._open("起草")
        return self.current_draft  # type: ignore[return-value]


def _missed(target: Import, page: Page) -> str:
    """What the page showed for a search that did not find the user's own import."""
    shown = "；".join(c[:60] for c in page.captions() if "（" in c) or "无"
    notices = "；".join(page.alerts(Alert.INFO)) or "无"
    return (
        f"检索“{target.activity}”没找到 {target.report_id}（导入 {time.monotonic() - target.at:.0f} 秒后）；"
        f"结果：{shown}；提示：{notices}"
    )


def _draft_shown(page: Page) -> str | None:
    found = re.search(r"草稿编号 ([0-9a-f]+)", "\n".join(page.captions()))
    return found.group(1) if found else None


def report_file(organization: str, activity: str, number: int) -> tuple[str, bytes]:
    """A small annual report of `organization` that alone mentions `activity`, as .md, .txt or .docx."""
    title = f"{organization}{2000 + number}年工作总结"
    lines = [
        title,
        f"{2000 + number}年，{organization}在上级工会和党组织的领导下，团结带领广大职工，较好完成了全年各项任务。现将有关情况总结如下。",
        "一、丰富职工文化生活",
        f"全年{activity}，参加职工186人次，评出优秀个人12名，职工队伍凝聚力进一步增强。",
        "二、做好困难职工帮扶",
        "春节前走访慰问困难职工43户，发放慰问金8.6万元，为职工办实事11件。",
    ]
    suffix = (".md", ".txt", ".docx")[number % 3]
    if suffix == ".md":
        return title + suffix, "\n\n".join([f"# {title}", *lines[1:]]).encode()
    if suffix == ".txt":
        return title + suffix, "\n".join(lines).encode()
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for line in lines[1:]:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return title + suffix, buffer.getvalue()


# --- the server and its memory ----------------------------------------------------------------------------


def clean_environment(data_dir: Path, home: Path) -> dict[str, str]:
    """Only what the app needs: no model endpoint, no other database, no developer `.env` settings; a
    server that dies of a fatal error leaves every thread's stack in its log (faulthandler)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8",
            "DRAFTING_DATA_DIR": str(data_dir), "PYTHONFAULTHANDLER": "1",
            "DRAFTING_RUN_LOG": str(home / RUN_LOG)}  # fmt: skip


def build_index(data_dir: Path, workdir: Path) -> None:
    """The bundled corpus indexed in `data_dir` by `drafting index`, in the server's environment."""
    result = subprocess.run(
        [sys.executable, "-m", "drafting.cli", "index"],
        env=clean_environment(data_dir, workdir), cwd=workdir, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    if result.returncode != 0:
        raise UserError(f"压力测试的范文索引没有建成：{(result.stderr or result.stdout).strip()[-500:]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_app(app: Path, data_dir: Path, workdir: Path, timeout: float = 180) -> Iterator[AppServer]:
    """`streamlit run serve.py` on loopback with the checkout's Streamlit config, as deployed: in a clean
    environment (offline engine, bundled embedder, SQLite in `data_dir`) and not reloading edited code.
    Its output goes to workdir/server.log."""
    folder = workdir / "cwd"
    (folder / ".streamlit").mkdir(parents=True, exist_ok=True)
    config = app.parent / ".streamlit" / "config.toml"
    if config.exists():
        shutil.copy(config, folder / ".streamlit" / "config.toml")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # No source watching: when a watched file changes, every session drops all the app's modules from
    # sys.modules at its next run, which races with the other sessions' imports (KeyError: 'drafting').
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none"]  # fmt: skip
    log = workdir / "server.log"
    environment = clean_environment(data_dir, workdir)
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=folder,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise UserError(f"应用没有在 {timeout:.0f} 秒内启动，请查看日志 {log}")
                time.sleep(0.3)
            yield AppServer(url, process.pid, log, Path(environment["DRAFTING_RUN_LOG"]))
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/_stcore/health", timeout=2, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def logged_exceptions(log: Path) -> Counter[str]:
    """The exceptions in a server log, by their last line ("ValueError: …"), for telling what went wrong."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", log.read_text(encoding="utf-8", errors="replace"))
    return Counter(re.findall(r"^((?:[A-Za-z_][\w.]*)?(?:Error|Exception): .*?)\s*$", plain, re.MULTILINE))


@dataclass(frozen=True)
class ScriptRun:
    """One page run as the app logged it (app/run_log.py): server time, not the client's wait."""

    page: str
    switch: bool
    seconds: float
    cpu: float
    gc_seconds: float  # the process's garbage collection so far
    gc_full_seconds: float  # of which the oldest generation's


def script_runs(log: Path) -> list[ScriptRun]:
    if not log.exists():
        return []
    return [ScriptRun(**json.loads(line)) for line in log.read_text(encoding="utf-8").splitlines() if line]


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    total = 0
    for member in _process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue  # it ended meanwhile
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total += int(found.group(1)) * 1024 if found else 0
    return total


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) a process and its living descendants have used, from /proc."""
    total = 0
    for member in _process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)
    return total / os.sysconf("SC_CLK_TCK")


def _process_tree(pid: int) -> Iterator[int]:
    yield pid
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found = children.read_text().split()
        except OSError:
            continue
        for child in found:
            yield from _process_tree(int(child))


class PeakMemory:
    """Samples a process tree's RSS every second in a thread and keeps the highest."""

    def __init__(self, pid: int):
        self.pid, self.peak = pid, tree_rss(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="soak-rss", daemon=True)
        self._thread.start()

    def now(self) -> int:
        current = tree_rss(self.pid)
        self.peak = max(self.peak, current)
        return current

    def _sample(self) -> None:
        while not self._stop.wait(1.0):
            self.now()

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


# --- running it and reporting ---------------------------------------------------------------------------------


@dataclass
class SoakResult:
    users: int
    seconds: float
    tally: Tally
    drafts_lost: int
    warm_up_seconds: float
    rss_idle: int
    rss_start: int
    rss_end: int
    rss_peak: int
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    driver_cpu_seconds: float
    server_cpu_seconds: float  # the app server's process tree, over the whole run
    server_exceptions: Counter[str]
    script_runs: list[ScriptRun]
    units: int = 0  # 0: single-user mode, no accounts
    attack: AttackTally | None = None  # what the attacker session sent and got back, when there was one
    rss_fresh: int = 0  # a new server on the data the soak left, after the same warm-up (0: not measured)

    @property
    def action_names(self) -> tuple[str, ...]:
        return (*ACTIONS, HISTORY) if self.units else ACTIONS

    @property
    def actions(self) -> int:
        return sum(len(t) for name, t in self.tally.timings.items() if name in self.action_names)

    @property
    def server_cpu_per_action(self) -> float:
        return self.server_cpu_seconds / max(self.actions, 1)

    @property
    def growth(self) -> float:
        return self.rss_end / self.rss_start - 1

    @property
    def problems(self) -> list[str]:
        """Why the soak failed, in words for the person who runs it; empty when it passed."""
        found = []
        if self.tally.errors:
            found.append(f"出现 {len(self.tally.errors)} 个错误")
        if self.drafts_lost:
            found.append(f"丢失 {self.drafts_lost} 份草稿")
        if self.tally.violations:
            found.append(f"出现 {len(self.tally.violations)} 处单位之间的隔离问题")
        if self.growth > MAX_GROWTH:
            found.append(f"服务器内存增长 {self.growth:.1%}，超过 {MAX_GROWTH:.0%}")
        if unfound := self.tally.import_searches - self.tally.import_searches_found:
            found.append(f"有 {unfound} 次检索没有找到用户自己刚导入的范文")
        if missing := [a for a in self.action_names if not self.tally.timings.get(a)]:
            found.append(f"这些操作一次也没有完成：{'、'.join(missing)}")
        if self.attack is not None and self.attack.failures:
            found.append(f"攻击会话遇到 {len(self.attack.failures)} 次异常或断线")
        return found

    def p95(self, action: str | None = None) -> float:
        """The 95th percentile over the ordinary sessions' actions, or one action's (the attacker's are not
        timed)."""
        names = self.action_names if action is None else (action,)
        timings = [t for name, ts in self.tally.timings.items() if name in names for t in ts]
        return float(np.percentile(timings, 95)) if timings else float("nan")

    def lines(self) -> list[str]:
        out = [
            f"soak: {self.users} sessions, {self.seconds / 60:.1f} min, {self.actions} actions "
            f"(warm-up, every session once through all six: {self.warm_up_seconds:.0f} s)"
        ]
        for action in (*ACTIONS, PAGE_SWITCH):
            timings = self.tally.timings.get(action, [])
            name = "draft offline (time to a finished draft)" if action == "draft offline" else action
            if timings:
                p50, p95 = np.percentile(timings, [50, 95])
                out.append(f"{name}: p50 {p50:.2f} s, p95 {p95:.2f} s (n={len(timings)})")
            else:
                out.append(f"{name}: not run")
        out.extend(self._server_time_lines())
        out.append(
            f"searches for a report the user had imported that found it: "
            f"{self.tally.import_searches_found}/{self.tally.import_searches}"
        )
        out.extend(f"  {missed[:600]}" for missed in self.tally.import_searches_missed[:5])
        out.append(f"errors: {len(self.tally.errors)}")
        for (action, message), count in Counter(self.tally.errors).most_common(8):
            out.append(f"  {count}× {action}: {message[:300]}")
        out.append(f"exceptions in the server log: {sum(self.server_exceptions.values())}")
        for line, count in self.server_exceptions.most_common(8):
            out.append(f"  {count}× {line[:300]}")
        out.append(f"drafts lost: {self.drafts_lost} (of {len(self.tally.drafts_shown)} created)")
        if self.units:
            checks = self.tally.isolation_checks
            out.append(f"accounts: {self.users} users in {self.units} units")
            out.append(
                f"isolation violations: {len(self.tally.violations)} ({checks['search']} searches for another "
                f"unit's report, {checks['report list']} report lists, {checks['history']} 历史 pages checked)"
            )
            for message, count in Counter(self.tally.violations).most_common(8):
                out.append(f"  {count}× {message[:300]}")
        out.append(
            f"server RSS: start {_mb(self.rss_start)} MB, end {_mb(self.rss_end)} MB ({self.growth:+.1%}), "
            f"peak {_mb(self.rss_peak)} MB (just started, before any session: {_mb(self.rss_idle)} MB)"
        )
        if self.rss_fresh:
            out.append(
                f"a new server on the data the soak left, after the same warm-up: {_mb(self.rss_fresh)} MB; "
                f"the soak's end is {self.rss_end / self.rss_fresh - 1:+.1%} of it"
            )
        out.append(
            f"load average (1/5/15 min): {_load(self.load_before)} before, {_load(self.load_after)} at the end, "
            f"on {os.cpu_count()} cores; the load driver itself used {self.driver_cpu_seconds:.0f} s of CPU "
            f"({self.driver_cpu_seconds / self.seconds:.0%} of one core)"
        )
        if self.attack is not None:
            out.extend(self.attack.lines())
        out.append("结论：通过" if not self.problems else "结论：未通过——" + "；".join(self.problems))
        return out

    def _server_time_lines(self) -> list[str]:
        """Page switches as the server timed them, and each page's full runs (a fragment's own reruns are
        not among them)."""
        if not (switches := [r for r in self.script_runs if r.switch]):
            return ["page switch server time: not logged"]
        wall = np.percentile([r.seconds for r in switches], [50, 95])
        cpu = np.percentile([r.cpu for r in switches], [50, 95])
        out = [
            f"page switch server time: p50 {wall[0]:.2f} s, p95 {wall[1]:.2f} s; "
            f"its CPU p50 {cpu[0]:.2f} s, p95 {cpu[1]:.2f} s (n={len(switches)})"
        ]
        runs = Counter(r.page for r in self.script_runs)
        for page, count in runs.most_common():
            cpu_seconds = [r.cpu for r in self.script_runs if r.page == page]
            out.append(
                f"  {page}: {count} full runs, CPU p50 {np.percentile(cpu_seconds, 50):.3f} s, "
                f"{sum(cpu_seconds):.0f} s in all"
            )
        last = max(self.script_runs, key=lambda r: r.gc_seconds)
        out.append(
            f"garbage collection in the server: {last.gc_seconds:.0f} s (full collections "
            f"{last.gc_full_seconds:.0f} s) of its {self.server_cpu_seconds:.0f} s of CPU"
        )
        return out


def _mb(size: int) -> str:
    return f"{size / 2**20:.0f}"


def _load(figures: tuple[float, float, float]) -> str:
    return "/".join(f"{f:.1f}" for f in figures)


@contextmanager
def app_database(data_dir: Path) -> Iterator[Database]:
    """The database the app in `data_dir` uses (SQLite there, as `clean_environment` leaves it)."""
    from drafting.settings import Settings
    from drafting.storage.opening import open_database_safely

    database = open_database_safely(Settings(_env_file=None, data_dir=data_dir, database_url=""))  # type: ignore[call-arg]
    try:
        yield database
    finally:
        database.close()


def accounts(users: int) -> list[Account]:
    """One account per session, spread over users/2 units (two colleagues each), none an administrator:
    an administrator sees every unit's drafts, which would hide a breach."""
    units = max(1, users // 2)
    password = secrets.token_urlsafe(12)
    return [Account(f"soak{n + 1:02d}", f"压力测试单位{n % units + 1:02d}", password) for n in range(users)]


def create_accounts(data_dir: Path, made: Sequence[Account]) -> None:
    """Create the accounts before the server starts, hashed with argon2 at its cheapest (the first sign-in
    rehashes each with the server's own cost, as for any account made with older settings)."""
    from argon2 import PasswordHasher

    from drafting.accounts import Passwords, Users

    with app_database(data_dir) as database:
        users = Users(database, Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)))
        for account in made:
            users.create_user(account.name, account.unit, account.password)


def stored_drafts(data_dir: Path) -> dict[str, str]:
    """Every draft in the app's database and its owner's account ("" for single-user drafts), read as an
    administrator so that no owner's drafts are left out."""
    from drafting.access import CONSOLE
    from drafting.storage import DraftRepository
    from drafting.writing.draft import Draft

    with app_database(data_dir) as database:
        return {row.id: row.owner or "" for row in DraftRepository(database, Draft).list(CONSOLE)}


def run_soak(
    server: AppServer,
    data_dir: Path,
    seconds: float,
    users: int,
    seed: int = 8,
    think: float = 1.0,
    timeout: float = 180.0,
    signed_in: Sequence[Account] = (),
    attacker: Account | bool = False,
) -> SoakResult:
    """`users` simulated users on a running app for `seconds`; `data_dir` is the app's data folder. With
    `signed_in` (one account per user) each user signs in first. With `attacker` one more session sends
    oversized and forged inputs the whole time (signed in as that account when it is one)."""
    if signed_in and len(signed_in) != users:
        raise ValueError(f"{users} users need {users} accounts, not {len(signed_in)}")
    tally = Tally(users)
    memory = PeakMemory(server.pid)
    load_before, rss_idle, driver_cpu = os.getloadavg(), memory.now(), time.process_time()
    server_cpu = tree_cpu_seconds(server.pid)
    started = time.monotonic()
    until = started + seconds
    threads = [
        threading.Thread(
            target=SimulatedUser(
                n, server.url, tally, until, seed, think, timeout, signed_in[n] if signed_in else None
            ).run,
            name=f"soak-user-{n}",
        )
        for n in range(users)
    ]
    hostile = None
    if attacker:
        login = (attacker.name, attacker.password) if isinstance(attacker, Account) else None
        hostile = Attacker(server.url, until, timeout, login)
        threads.append(threading.Thread(target=hostile.run, name="soak-attacker"))
    for thread in threads:
        thread.start()
    tally.warmed_up.wait()
    warm_up, rss_start = time.monotonic() - started, memory.now()
    for thread in threads:
        thread.join()
    rss_end, load_after = memory.now(), os.getloadavg()
    stored = stored_drafts(data_dir)
    for draft_id, maker in tally.drafts_shown.items():
        if signed_in and draft_id in stored and stored[draft_id] != maker:
            tally.violation(f"{maker} 生成的草稿 {draft_id} 存在了 {stored[draft_id] or '无主'} 名下")
    return SoakResult(
        users=users,
        seconds=seconds,
        tally=tally,
        drafts_lost=tally.drafts_not_shown + len(tally.drafts_shown.keys() - stored.keys()),
        warm_up_seconds=warm_up,
        rss_idle=rss_idle,
        rss_start=rss_start,
        rss_end=rss_end,
        rss_peak=memory.stop(),
        load_before=load_before,
        load_after=load_after,
        driver_cpu_seconds=time.process_time() - driver_cpu,
        server_cpu_seconds=tree_cpu_seconds(server.pid) - server_cpu,
        server_exceptions=logged_exceptions(server.log),
        script_runs=script_runs(server.runs),
        units=len({a.unit for a in signed_in}),
        attack=hostile.tally if hostile else None,
    )


def fresh_rss(app: Path, data_dir: Path, workdir: Path, users: int, signed_in: Sequence[Account] = ()) -> int:
    """The RSS of a new server on `data_dir` once `users` sessions have each been through every action once,
    as at the start of a soak: what the data alone makes the server hold, against which the end of a soak
    on the same data tells growth from the data apart from growth of the process."""
    with serve_app(app, data_dir, workdir) as server:
        warm = run_soak(server, data_dir, 0, users, signed_in=signed_in)
    if warm.problems:
        first = "；".join(f"{action}：{message}" for action, message in warm.tally.errors[:3])
        raise UserError(
            f"在压力测试留下的数据上新启动的应用热身时出错：{'；'.join(warm.problems)}（{first}）"
        )
    return warm.rss_start


def soak(
    app: Path, seconds: float, users: int, with_accounts: bool = False, with_attacker: bool = False
) -> SoakResult:
    """The whole soak in a scratch folder: index the bundled corpus, (create the accounts,) serve the app,
    run the users (and the attacker), then measure a new server on the data left (`fresh_rss`). The folder
    (server logs, data) is deleted after a pass and kept after a failure, to find out what went wrong."""
    workdir = Path(tempfile.mkdtemp(prefix="drafting-soak-"))
    data_dir = workdir / "data"
    result, kept = None, False
    try:
        print("正在为压力测试准备范文索引（用随包发布的索引，几秒钟）…", flush=True)
        build_index(data_dir, workdir)
        made = accounts(users) if with_accounts else []
        attacker: Account | bool = with_attacker
        if made and with_attacker:
            attacker = Account("soak-attacker", "外单位工会", made[0].password)  # a hostile member elsewhere
        if made:
            create_accounts(data_dir, [*made, attacker] if isinstance(attacker, Account) else made)
            print(
                f"已创建 {users} 个账户（{len({a.unit for a in made})} 个单位），每个会话先登录。", flush=True
            )
        with serve_app(app, data_dir, workdir) as server:
            print(f"应用已在 {server.url} 启动；{users} 个会话运行 {seconds / 60:.1f} 分钟…", flush=True)
            soaked = run_soak(server, data_dir, seconds, users, signed_in=made, attacker=attacker)
        print("在压力测试留下的数据上新启动一次应用、做同样的热身，量这些数据本身占多少内存…", flush=True)
        try:
            soaked = replace(soaked, rss_fresh=fresh_rss(app, data_dir, workdir / "fresh", users, made))
        except UserError as error:  # the soak's own figures still stand
            print(error, flush=True)
            kept = True
        result = soaked
        return result
    finally:
        if result is None or result.problems or kept:
            print(f"服务器日志和数据保留在 {workdir}（日志 server.log，数据目录 data）", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
