"""`drafting doctor`: check the drafts database, the index, the user's report files and the settings;
with `repair`, fix what can be fixed.

Repairs never delete user data: a damaged file or folder is renamed `<name>.damaged-<timestamp>` and
kept; only leftover `*.part` files of interrupted writes are removed. The drafts database is backed
up before anything is touched.
"""

import json
import logging
import re
import sqlite3
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafting.errors import UserError
from drafting.maintenance.salvage import salvage_into
from drafting.settings import Settings
from drafting.storage.backup import (
    BACKUP_FOLDER,
    PG_DUMP_NOTE,
    backups,
    maybe_backup,
    newest_sound_backup,
    sqlite_file,
)
from drafting.storage.disk import LOW_SPACE_BYTES, disk_full, free_bytes, shown_size
from drafting.storage.errors import DiskFull
from drafting.storage.opening import database_url, legacy_file, mark_created, vanished
from drafting.storage.sqlite_files import (
    count_drafts,
    count_rows,
    move_aside,
    remove_with_sidecars,
    sqlite_problem,
    timestamp,
)

if TYPE_CHECKING:
    from drafting.retrieval.index import Progress

REPAIR = "运行 `drafting doctor --repair`（先关闭本程序）"
USER_REPORT_NAME = re.compile(r"user-[0-9a-f]{10}\.md")
STRAY_AFTER_SECONDS = 60  # a *.part younger than this may belong to an import or backup still running
LEGACY_SCHEMA = (
    "CREATE TABLE drafts (id TEXT PRIMARY KEY, title TEXT, created_at TEXT, "
    "updated_at TEXT DEFAULT CURRENT_TIMESTAMP, body TEXT NOT NULL)"
)

logger = logging.getLogger(__name__)


LABELS = {
    "settings": "设置与数据目录",
    "corpus": "旧版的范文文件",
    "database": "草稿数据库",
    "index": "范文索引",
}


@dataclass
class Check:
    name: str  # the key in --json output, one of LABELS
    problems: list[str] = field(default_factory=list)
    fix: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    summary: str = ""  # shown when healthy

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def label(self) -> str:
        return LABELS[self.name]

    def line(self) -> str:
        if self.ok:
            return f"{self.label}：正常" + (f"（{self.summary}）" if self.summary else "")
        return f"{self.label}：有问题——{'；'.join(self.problems)}。修复：{self.fix}"

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": self.problems, "fix": self.fix, **self.facts}


@dataclass
class DoctorReport:
    checks: list[Check]
    repairs: list[str] = field(default_factory=list)
    backup: str = ""

    @property
    def healthy(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "repairs": self.repairs,
            "backup": self.backup,
            **{check.name: check.as_json() for check in self.checks},
        }


def diagnose(settings: Settings) -> DoctorReport:
    return DoctorReport([_guarded(step, settings) for step in CHECKS])


def repair(settings: Settings, progress: "Progress | None" = None) -> DoctorReport:
    """Back up, repair what the checks found (settings, report files, database, index), then check again."""
    if disk_full(settings.data_dir):  # every repair writes a copy first: on a full disk it would fail halfway
        raise DiskFull(settings.data_dir)
    stamp = timestamp()
    before = diagnose(settings)
    found = {check.name: check for check in before.checks}
    backup = ""
    if not found["database"].facts.get("damaged"):
        backup = maybe_backup(settings.data_dir, database_url(settings), force=True).note
    repairs: list[str] = []
    if not found["settings"].ok:
        repairs += repair_settings(settings, stamp)
    if not found["corpus"].ok:
        repairs += repair_corpus(settings, stamp)
    if not found["database"].ok:
        repairs += repair_database(settings, stamp)
    if not (found["index"].ok and found["corpus"].ok):  # a report file set aside changes the index too
        repairs += repair_index(settings, stamp, progress)
    after = diagnose(settings)
    return DoctorReport(after.checks, repairs, backup)


def _guarded(step: Callable[[Settings], Check], settings: Settings) -> Check:
    """A check that fails unexpectedly is itself a finding, never a traceback."""
    try:
        return step(settings)
    except Exception as error:
        logger.exception("doctor check %s failed", step.__name__)
        name = step.__name__.removeprefix("check_")
        return Check(name, [f"检查时出错（{type(error).__name__}：{error}）"], "请把这行信息告诉管理员")


# --- the drafts database ------------------------------------------------------------------------------------------


def check_database(settings: Settings) -> Check:
    url = database_url(settings)
    path = sqlite_file(url)
    if path is None:
        return _check_server_database(url)
    check = Check("database", facts={"backend": "sqlite", "path": str(path)})
    check.facts["backups"] = len(backups(settings.data_dir))
    if leftovers := stray_parts(settings.data_dir / BACKUP_FOLDER):
        check.problems.append(f"{len(leftovers)} 个中断备份留下的 .part 临时文件")
    if reason := vanished(settings):
        check.problems.append(f"{path.name} {reason}，之前存有数据")
        check.facts["damaged"] = [path.name]
        check.fix = REPAIR + "：会用最近一个存有草稿的自动备份恢复（被清空的文件改名保存）"
        return check
    legacy = legacy_file(settings)
    for candidate in (path, legacy):
        if (
            candidate is not None
            and candidate.exists()
            and (problem := sqlite_problem(candidate, thorough=True))
        ):
            check.problems.append(f"{candidate.name} {problem}")
            check.facts.setdefault("damaged", []).append(candidate.name)
    if check.problems:
        check.fix = REPAIR + "：损坏的文件会改名保存，能读出的草稿会救回并用最近的备份补齐，临时文件会删除"
        return check
    drafts = count_drafts(path) if path.exists() else 0
    unfinished = _count_unfinished(path) if path.exists() else 0
    reports = count_rows(path, "reports") if path.exists() else 0
    check.facts |= {"drafts": drafts, "unfinished": unfinished, "reports": reports}
    check.summary = (
        f"{drafts} 份草稿，{reports} 篇导入的范文，{check.facts['backups']} 个自动备份"
        if path.exists()
        else "尚未建立"
    )
    if unfinished:  # not a fault of the data: `drafting list` marks them, and each can be regenerated
        check.summary += f"；其中 {unfinished} 份未完成，可打开后重新生成未写的部分"
    return check


def _count_unfinished(path: Path) -> int:
    from drafting.storage.drafts import PENDING_SECTION

    if not count_drafts(path):
        return 0
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)) as db:
        return db.execute(
            "SELECT count(*) FROM drafts WHERE instr(body, ?) > 0", (PENDING_SECTION,)
        ).fetchone()[0]


def _check_server_database(url: str) -> Check:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from drafting.storage import open_database

    shown = make_url(url).render_as_string(hide_password=True)
    check = Check("database", facts={"backend": "postgresql", "url": shown, "note": PG_DUMP_NOTE})
    try:
        database = open_database(url)
        try:
            with database.reading() as session:
                for table in ("drafts", "reports"):
                    check.facts[table] = session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        finally:
            database.close()
    except UserError as error:
        check.problems.append(str(error))
        check.fix = (
            f"检查 DATABASE_URL（{shown}）和数据库服务器；数据损坏时用 pg_dump 的备份通过 pg_restore 恢复"
        )
        return check
    check.summary = f"{check.facts['drafts']} 份草稿，{check.facts['reports']} 篇导入的范文；{PG_DUMP_NOTE}"
    return check


def repair_database(settings: Settings, stamp: str) -> list[str]:
    done = []
    for leftover in stray_parts(settings.data_dir / BACKUP_FOLDER):
        leftover.unlink(missing_ok=True)
        done.append(f"删除了中断备份留下的临时文件 {leftover.name}。")
    path = sqlite_file(database_url(settings))
    if path is not None and vanished(settings):
        backup = newest_sound_backup(settings.data_dir, with_drafts=True)
        done.append(_rebuild(path, stamp, _create_database, backup, "已被清空"))
        mark_created(path)
    elif path is not None and path.exists() and sqlite_problem(path, thorough=True):
        done.append(_rebuild(path, stamp, _create_database, newest_sound_backup(settings.data_dir)))
    legacy = legacy_file(settings)
    if legacy is not None and legacy.exists() and sqlite_problem(legacy, thorough=True):
        done.append(_rebuild(legacy, stamp, _create_legacy, None))
    return done


def _rebuild(
    path: Path, stamp: str, create: Callable[[Path], None], backup: Path | None, found: str = "已损坏"
) -> str:
    """Fill a fresh file (with the schema) from what can be read, then swap it in, keeping the damaged one.

    Until the two renames at the end the damaged file stays where it was, so an interrupted repair
    can simply be run again.
    """
    fresh = path.with_name(path.name + ".salvage")
    remove_with_sidecars(fresh)  # our own half-built file from an interrupted earlier repair
    create(fresh)
    salvaged = salvage_into(path, fresh, backup)
    if path.exists():
        aside = move_aside(path, stamp)
        text = f"{path.name} {found}：原文件改名保存为 {aside.name}；从中读出 {salvaged.rows} 行数据"
    else:
        text = f"{path.name} 不见了：已重新建立"
    fresh.replace(path)
    if backup is not None:
        text += f"，另从备份 {backup.name} 补回 {salvaged.from_backup} 行（该备份之后删除的草稿可能重新出现）"
    elif not salvaged.rows:
        text += "，也没有可用的自动备份：已换成一个空的数据库"
    return text + "。"


def _create_database(path: Path) -> None:
    from drafting.storage import open_database

    open_database(f"sqlite:///{path}").close()


def _create_legacy(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute(LEGACY_SCHEMA)
        db.commit()


# --- the index ------------------------------------------------------------------------------------------------------


def check_index(settings: Settings) -> Check:
    from drafting.retrieval.index import IndexDamaged
    from drafting.retrieval.library import CorpusUnreadable, Library

    check = Check("index")
    library = Library(settings)
    try:
        expected = len(library.expected.ids())
        check.facts |= {"chunks_expected": expected, "chunks_indexed": 0, "chunks_stale": 0}
        status = library.check()
        library.index.probe()
        damaged_files = library.damaged_keyword_files()
    except IndexDamaged as error:
        check.problems.append("索引文件已损坏")
        check.facts["damaged"] = str(error.where)
        check.fix = REPAIR + "：损坏的索引会改名为 index.damaged-<时间> 保存，并重新建立"
        return check
    except CorpusUnreadable:
        check.problems.append("范文文件有问题，无法核对索引")
        check.fix = REPAIR + "：先处理范文文件，再补全索引"
        return check
    except UserError as error:
        check.problems.append(f"无法核对（{error}）")
        check.fix = "按上面的提示处理后，再运行 `drafting doctor`"
        return check
    finally:
        library.close()
    check.facts |= {"chunks_indexed": status.chunks_indexed, "chunks_stale": status.chunks_stale}
    if status.chunks_indexed < status.chunks_expected:
        check.problems.append(f"只有 {status.chunks_indexed}/{status.chunks_expected} 段已索引")
    if status.chunks_stale:
        check.problems.append(f"有 {status.chunks_stale} 段属于已不在范文库中的范文")
    if damaged_files:
        check.problems.append(f"检索文件已损坏（{'、'.join(damaged_files)} 与保存时的校验值不符）")
        check.facts["damaged_keyword_files"] = damaged_files
    check.fix = REPAIR + "，或 `drafting index`" if check.problems else ""
    check.summary = f"{status.chunks_indexed}/{status.chunks_expected} 段"
    return check


def repair_index(settings: Settings, stamp: str, progress: "Progress | None") -> list[str]:
    from drafting.retrieval.index import IndexDamaged
    from drafting.retrieval.library import Library

    done = []
    library = Library(settings)
    try:
        library.check()
        library.index.probe()
    except IndexDamaged:
        library.close()
        if settings.chroma_host:
            return ["向量库服务器上的索引出错，无法在本机修复：请检查 CHROMA_HOST 所指的服务器。"]
        aside = move_aside(settings.index_dir, stamp)
        done.append(f"范文索引已损坏：原文件夹改名保存为 {aside.name}，正在重新建立。")
        library = Library(settings)
    except UserError as error:
        library.close()
        return [f"没有重建索引：{error}"]
    started = time.perf_counter()
    try:
        result = library.build(progress)
        if damaged := library.damaged_keyword_files():
            library.rebuild_keywords()
            done.append(f"检索文件已损坏（{'、'.join(damaged)}）：已从向量库重新生成。")
    finally:
        library.close()
    done.append(
        f"索引已补全：新增 {result.added} 段，删除 {result.removed} 段，用时 {time.perf_counter() - started:.1f} 秒。"
    )
    return done


# --- the user's report files -------------------------------------------------------------------------------------------


@dataclass
class CorpusFiles:
    """What is wrong in the user corpus folder, by file."""

    stray: list[Path] = field(default_factory=list)
    unreadable: dict[Path, str] = field(default_factory=dict)
    misnamed: dict[Path, str] = field(default_factory=dict)  # file → the report id inside it
    reports: int = 0


def survey_corpus(folder: Path) -> CorpusFiles:
    from pydantic import ValidationError

    from drafting.corpus.reports import Report

    found = CorpusFiles()
    if not folder.exists():
        return found
    found.stray = stray_parts(folder)
    for path in sorted(folder.glob("*.md")):
        try:
            report = Report.from_file_text(path.read_text(encoding="utf-8"))
        except (UserError, ValidationError, ValueError, OSError) as error:
            found.unreadable[path] = _reason(error)
            continue
        found.reports += 1
        if not USER_REPORT_NAME.fullmatch(path.name) or path.stem != report.meta.id:
            found.misnamed[path] = report.meta.id
    return found


def stray_parts(folder: Path) -> list[Path]:
    """`*.part` files an interrupted write left behind (young ones may still be in use)."""
    now = time.time()
    return [p for p in sorted(folder.glob("*.part")) if now - p.stat().st_mtime > STRAY_AFTER_SECONDS]


def _reason(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "不是 UTF-8 文本"
    if isinstance(error, UserError):
        return str(error)
    return "开头的元数据块无法解析"


def check_corpus(settings: Settings) -> Check:
    survey = survey_corpus(settings.user_corpus_dir)
    check = Check(
        "corpus",
        facts={
            "reports": survey.reports,
            "unreadable": [p.name for p in survey.unreadable],
            "misnamed": [p.name for p in survey.misnamed],
            "stray_parts": [p.name for p in survey.stray],
        },
        summary=f"{survey.reports} 篇，下次使用时并入数据库"
        if survey.reports
        else "没有，导入的范文都在数据库里",
    )
    check.problems += [f"{path.name} 无法读取（{reason}）" for path, reason in survey.unreadable.items()]
    check.problems += [
        f"{path.name} 文件名与编号 {report_id} 不符" for path, report_id in survey.misnamed.items()
    ]
    if survey.stray:
        check.problems.append(f"{len(survey.stray)} 个中断导入留下的 .part 临时文件")
    if check.problems:
        check.fix = REPAIR + "：无法读取的文件会改名保存，文件名会改正，临时文件会删除"
    return check


def repair_corpus(settings: Settings, stamp: str) -> list[str]:
    survey = survey_corpus(settings.user_corpus_dir)
    done = []
    for path in survey.stray:
        path.unlink(missing_ok=True)
        done.append(f"删除了中断导入留下的临时文件 {path.name}。")
    for path in survey.unreadable:
        done.append(
            f"范文文件 {path.name} 无法读取，已改名保存为 {move_aside(path, stamp).name}，请重新导入原文档。"
        )
    for path, report_id in survey.misnamed.items():
        target = path.with_name(f"{report_id}.md")
        if USER_REPORT_NAME.fullmatch(target.name) and not target.exists():
            path.rename(target)
            done.append(f"范文文件 {path.name} 已改名为 {target.name}。")
        else:
            done.append(
                f"范文文件 {path.name} 的编号 {report_id} 不是导入范文的编号或已被占用，"
                f"已改名保存为 {move_aside(path, stamp).name}。"
            )
    return done


# --- settings --------------------------------------------------------------------------------------------------------


def check_settings(settings: Settings) -> Check:
    from drafting.endpoint_file import endpoint_file

    free = free_bytes(settings.data_dir)
    check = Check("settings", facts={"data_dir": str(settings.data_dir), "free_bytes": free})
    if not _writable(settings.data_dir):
        check.problems.append(f"数据目录 {settings.data_dir} 无法写入")
        check.fix = "检查数据目录（DRAFTING_DATA_DIR）的权限和磁盘空间"
    if free is not None and free < LOW_SPACE_BYTES:
        check.problems.append(
            f"数据目录所在的磁盘只剩 {shown_size(free)}（低于 {shown_size(LOW_SPACE_BYTES)}）"
        )
        check.fix = (
            f"清理数据目录所在的磁盘，至少留出 {shown_size(LOW_SPACE_BYTES)}，草稿和自动备份才有地方保存"
        )
    endpoint = endpoint_file(settings.data_dir)
    if endpoint.exists() and not _json_object(endpoint):
        check.problems.append(f"已保存的模型接口文件 {endpoint.name} 无法解析（现在会当作没有保存过接口）")
        check.fix = (check.fix + "；" if check.fix else "") + REPAIR + "，然后在“设置”页重新填写模型接口"
    check.summary = str(settings.data_dir)
    return check


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            return True
    except OSError:
        return False


def _json_object(path: Path) -> bool:
    try:
        return isinstance(json.loads(path.read_text(encoding="utf-8")), dict)
    except (OSError, ValueError):
        return False


def repair_settings(settings: Settings, stamp: str) -> list[str]:
    from drafting.endpoint_file import endpoint_file

    endpoint = endpoint_file(settings.data_dir)
    if endpoint.exists() and not _json_object(endpoint):
        aside = move_aside(endpoint, stamp)
        return [f"无法解析的 {endpoint.name} 已改名保存为 {aside.name}；请在“设置”页重新填写模型接口。"]
    return []


CHECKS: list[Callable[[Settings], Check]] = [check_settings, check_corpus, check_database, check_index]
