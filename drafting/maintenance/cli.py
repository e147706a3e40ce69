"""`drafting doctor [--repair] [--json]`, and the index check the one-shot search command runs first."""

import argparse
import json
import sys
from typing import TYPE_CHECKING

from drafting.settings import Settings

if TYPE_CHECKING:
    from drafting.retrieval.index import Progress
    from drafting.retrieval.library import Library


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add `doctor`; its handler is `(args, settings) -> exit code` (0 healthy, 1 problems remain)."""
    doctor = commands.add_parser("doctor", help="检查草稿数据库、范文索引、范文文件和设置；--repair 修复")
    doctor.add_argument(
        "--repair", action="store_true", help="修复发现的问题（先自动备份；损坏的文件改名保存，不删除）"
    )
    doctor.add_argument("--json", action="store_true", help="以 JSON 输出检查结果")
    doctor.set_defaults(handler=_doctor)


def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.maintenance.doctor import diagnose, repair

    report = repair(settings, None if args.json else print_progress) if args.repair else diagnose(settings)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return 0 if report.healthy else 1
    if report.backup:
        print(f"备份：{report.backup}")
    for done in report.repairs:
        print(f"已修复：{done}")
    for check in report.checks:
        print(check.line())
    if not report.healthy and not args.repair:
        print("发现问题。请先关闭本程序，再运行 `drafting doctor --repair`。")
    return 0 if report.healthy else 1


def complete_index_first(library: "Library", progress: "Progress | None" = None) -> None:
    """For one-shot commands: finish an incomplete index before searching, and say so on stderr."""
    status = library.check()
    if status.complete:
        return
    print(
        f"索引不完整（已有 {status.chunks_indexed}/{status.chunks_expected} 段），先补全索引……",
        file=sys.stderr,
    )
    library.ensure_built(progress or print_progress)
    print("索引已补全。", file=sys.stderr)


def print_progress(done: int, total: int) -> None:
    """Embedding progress on stderr, for every command that indexes."""
    print(f"\r向量化 {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)
