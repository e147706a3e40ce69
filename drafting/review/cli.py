"""`drafting reimport` (an edited Word file back into its draft) and `drafting template` (the unit's
own Word template for exports)."""

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafting.cli_files import read_file

if TYPE_CHECKING:  # imported by the handlers: `drafting --help` stays fast
    from drafting.review.reimport import ReimportResult
    from drafting.service import DraftingService

OpenService = Callable[[Any], "DraftingService"]
LISTED_COMMENTS = 20


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]", service: OpenService) -> None:
    reimport = commands.add_parser(
        "reimport",
        help="导入在 Word/WPS/LibreOffice 中修改过的草稿：接受修订、收集批注、按部分保存新版本并重新核查",
    )
    reimport.add_argument("file", type=Path)
    reimport.add_argument("--json", action="store_true")
    reimport.set_defaults(handler=lambda args, settings: _reimport(args, service(settings)))

    template = commands.add_parser(
        "template", help="本单位的 Word 模板（红头、版记、页边距）"
    ).add_subparsers(title="模板命令")
    put = template.add_parser("set", help="上传本单位的 .docx 模板（正文位置单独一段写 {{正文}}）")
    put.add_argument("file", type=Path)
    put.set_defaults(handler=lambda args, settings: _set_template(args, service(settings)))
    show = template.add_parser("show", help="显示本单位当前使用的模板")
    show.set_defaults(handler=lambda args, settings: _show_template(service(settings)))
    remove = template.add_parser("remove", help="删除本单位的模板，恢复 GB/T 9704 默认版式")
    remove.set_defaults(handler=lambda args, settings: _remove_template(service(settings)))


def _reimport(args: argparse.Namespace, service: "DraftingService") -> int:
    result = service.reimport(args.file.name, read_file(args.file))
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_result(result)
    return 0


def _print_result(result: "ReimportResult") -> None:
    """The outcome on stdout; the notices on content the file holds and the draft did not take there too
    (never hidden behind a success), the others (a file matched by content, many comments) on stderr."""
    if result.already_imported:
        print(f"这份修改稿已经导入过，没有新的改动，草稿 {result.draft_id} 保持原样。")
    else:
        _print_outcome(result)
    for notice in result.not_imported:
        print(f"提示：{notice}")
    for conflict in result.conflicts:
        print(f"冲突：{conflict.message}")
    for comment in result.comments[:LISTED_COMMENTS]:
        print(f"批注（{comment.author}）：{comment.text}  ——“{comment.anchor}”")
    for finding in result.findings:
        print(f"[{finding.section}] {finding.message}  ——“{finding.anchor}”")
    for notice in result.notices:
        if notice not in result.not_imported:
            print(f"提示：{notice}", file=sys.stderr)


def _print_outcome(result: "ReimportResult") -> None:
    """What the import did to the draft: merged with later saves, the tracked changes, what was saved."""
    if result.from_version is not None and result.from_version != result.found_version:
        print(
            f"修改稿导出之后，草稿 {result.draft_id} 在本系统里又保存过 {result.found_version - result.from_version} 次："
            "已逐部分合并，两边都改过的部分不导入。"
        )
    print(f"接受修订：插入 {result.inserted} 处，删除 {result.deleted} 处。")
    if result.changed_sections:
        print(f"已保存，修改的部分：{'、'.join(result.changed_names)}（旧文保留为各部分的历史版本）")
        if result.not_imported or result.conflicts:
            print("修改稿里还有没有导入的内容，请看下面的说明：")
    elif (
        result.not_imported or result.conflicts
    ):  # something in the file was not taken: said here, not hidden
        print(f"草稿 {result.draft_id} 没有保存新版本，修改稿里有没有导入的内容，请看下面的说明：")
    else:
        print(f"修改稿里没有改动，草稿 {result.draft_id} 保持原样。")


def _set_template(args: argparse.Namespace, service: "DraftingService") -> int:
    service.set_unit_template(args.file.name, read_file(args.file))
    print(f"已保存本单位的 Word 模板“{args.file.name}”，之后导出的 Word 文件都使用它。")
    return 0


def _show_template(service: "DraftingService") -> int:
    template = service.unit_template()
    if template is None:
        print("本单位没有上传模板，导出使用 GB/T 9704 默认版式。")
    else:
        print(f"{template.name}（{template.uploaded_by} 于 {template.uploaded_at:%Y-%m-%d %H:%M} 上传）")
    return 0


def _remove_template(service: "DraftingService") -> int:
    service.remove_unit_template()
    print("已删除本单位的模板，导出恢复 GB/T 9704 默认版式。")
    return 0
