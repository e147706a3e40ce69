"""The `extract` and `evidence` subcommands; `register` adds them to the `drafting` command's subparsers."""

import argparse
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from drafting.cli_files import read_file, write_document, write_file
from drafting.errors import UserError

if TYPE_CHECKING:
    from drafting.materials.model import Conflict, Extraction
    from drafting.settings import Settings


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    extract = commands.add_parser(
        "extract",
        help="从素材（简报、月报、台账等 .docx/.pdf/.doc/.wps/.txt/.md/.xlsx/.csv）提取工作要点及出处",
    )
    extract.add_argument("files", nargs="+", type=Path, metavar="FILE")
    extract.add_argument(
        "--json",
        action="store_true",
        help="输出 JSON：facts、conflicts、set_aside、skipped（模型出错时另有 without_model）",
    )
    extract.add_argument(
        "-o", "--output", type=Path, metavar="FACTS.yaml", help="写出可供 draft 使用的要点文件"
    )
    extract.add_argument("--organization", metavar="NAME", help="单位名称（写要点文件时需要）")
    extract.add_argument("--period", metavar="P", help="总结期间，如 2025年（写要点文件时需要）")
    extract.add_argument("--offline", action="store_true", help="即使配置了大模型也用规则提取")
    extract.set_defaults(handler=run_extract)

    evidence = commands.add_parser(
        "evidence", help="事实依据表：草稿中每个带数字的句子出自哪条要点、哪份材料"
    )
    evidence.add_argument("draft_id")
    evidence.add_argument("--format", choices=["md", "xlsx", "json"], default="md")
    evidence.add_argument("-o", "--output", type=Path)
    evidence.set_defaults(handler=run_evidence)


def run_extract(args: argparse.Namespace, settings: "Settings") -> int:
    from drafting.materials import Material
    from drafting.service import DraftingService

    if args.output and not (args.organization and args.period):
        raise UserError(
            "写出要点文件需要单位名称和总结期间：请加上 --organization 单位名称 --period 2025年。"
        )
    materials = [Material(path.name, _read(path)) for path in args.files]
    extraction = DraftingService(settings).extract_materials(
        materials, offline=args.offline, progress=_progress
    )
    if notice := extraction.offline_notice():
        print(f"提示：{notice}如不需要大模型，可加 --offline 直接按规则提取。", file=sys.stderr)
    if args.json:
        print(json.dumps(extraction.model_dump(), ensure_ascii=False, indent=2))
    else:
        print(_summary(extraction))  # first: why a file was not read is why there may be nothing to write
    if args.output:
        _write_facts(extraction, args.output, args.organization, args.period)
    return 0


def run_evidence(args: argparse.Namespace, settings: "Settings") -> int:
    from drafting.output.evidence import evidence_markdown, evidence_xlsx
    from drafting.service import DraftingService

    table = DraftingService(settings).evidence(args.draft_id)
    if args.format == "xlsx":
        target = write_document(evidence_xlsx(table), args.output, Path(f"事实依据表-{args.draft_id}.xlsx"))
        if target is not None:
            print(f"已写入 {target}", file=sys.stderr)
        return 0
    text = (
        json.dumps([row.model_dump() for row in table], ensure_ascii=False, indent=2)
        if args.format == "json"
        else evidence_markdown(table)
    )
    if args.output:
        write_file(args.output, text)
        print(f"已写入 {args.output}", file=sys.stderr)
    else:
        print(text)
    return 0


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise UserError(
            f"找不到文件：{path}" if not path.exists() else f"“{path.name}”不是文件，请选择具体的素材。"
        )
    return read_file(path)


def _write_facts(extraction: "Extraction", target: Path, organization: str, period: str) -> None:
    from drafting.writing.facts import parse_facts

    data = extraction.facts_file(organization, period)
    if not extraction.facts:
        why = "（未读取的文件及原因见上）" if extraction.skipped else ""
        raise UserError(f"没有从素材中提取到任何要点{why}，没有写入 {target}。")
    if not data["facts"]:
        raise UserError(
            f"提取到的 {len(extraction.facts)} 条要点都有数字不一致，尚待核对，没有写入 {target}。"
            "请核对上面列出的数字不一致，把正确的写法写入要点文件。"
        )
    parse_facts(data)  # the file must be one `drafting draft` accepts: refuse now, not at drafting time
    write_file(target, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    print(f"已写入 {target}（{len(data['facts'])} 条要点，出处一并保存）", file=sys.stderr)
    if extraction.conflicts:
        print(
            f"提示：有 {len(extraction.conflicts)} 处数字不一致，相关要点没有写入 facts，"
            "列在文件的 conflicts 下；请核对后把正确的写法加入 facts。",
            file=sys.stderr,
        )


def _attributed(conflict: "Conflict") -> list[str]:
    """Each value with where it is written: the ledger's computed one with the ledger (its first source),
    a stated one with the materials whose excerpt states it (7户（台账计算：台账.xlsx 表!B3:B9） / 18户（简报.docx
    第5段）, not every source after the last value)."""
    from drafting.materials.model import COMPUTED

    shown = []
    for value in conflict.values:
        stated = value.removesuffix(COMPUTED)
        sources = (
            conflict.sources[:1]
            if value.endswith(COMPUTED)
            else [s for s in conflict.sources if re.search(rf"(?<![\d.,]){re.escape(stated)}", s.excerpt)]
            or conflict.sources  # 7户 is not written in 17户
        )
        where = "；".join(f"{s.file} {s.location}" for s in sources)
        shown.append(f"{stated}（{'台账计算：' if value.endswith(COMPUTED) else ''}{where}）")
    return shown


def _summary(extraction: "Extraction") -> str:
    lines = [f"候选要点 {len(extraction.facts)} 条：" if extraction.facts else "没有提取到候选要点。"]
    for fact in extraction.facts:
        where = "；".join(f"{s.file} {s.location}" for s in fact.sources)
        lines.append(f"- {fact.text}（出处：{where}）")
        if fact.computed:
            lines.append(f"  计算：{fact.computed.formula}")
    for conflict in extraction.conflicts:
        lines.append(f"数字不一致：{conflict.about}：{' / '.join(_attributed(conflict))}，请核对后选定")
    lines += [f"已搁置：{item.file}：{item.excerpt}（{item.reason}）" for item in extraction.set_aside]
    lines += [f"未读取：{item.file}：{item.reason}" for item in extraction.skipped]
    return "\n".join(lines)


def _progress(done: int, total: int, name: str) -> None:
    if name:
        print(f"[{done + 1}/{total}] 读取 {name}", file=sys.stderr)
