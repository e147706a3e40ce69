"""The `carryover` subcommand (上年计划对照); `register` adds it to the `drafting` command's subparsers."""

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from drafting.cli_files import write_file
from drafting.errors import UserError

if TYPE_CHECKING:
    from drafting.carryover.match import Carryover
    from drafting.service import DraftingService
    from drafting.settings import Settings
    from drafting.writing.facts import Facts


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    carryover = commands.add_parser(
        "carryover", help="上年计划对照：去年计划中的每一项，今年的要点里做了没有"
    )
    carryover.add_argument("previous", help="上年报告：草稿编号、范文编号或文件（.docx/.pdf/.doc/.txt/.md）")
    carryover.add_argument("--facts", type=Path, required=True, help="今年的要点文件（YAML/JSON）")
    carryover.add_argument("--json", action="store_true")
    carryover.add_argument("--offline", action="store_true", help="即使配置了大模型也只做离线对照")
    carryover.add_argument(
        "--decisions",
        type=Path,
        help="对各项的处理（YAML 列表：plan、choice 为 add_fact/problem/carry、text），与 -o 一起用；"
        "没有完成的每一项都要写，对照为已完成的也可改写为 problem 或 carry",
    )
    carryover.add_argument(
        "-o",
        "--output",
        type=Path,
        help="确认对照表：写出带对照表和处理结果的要点文件，再用 drafting draft 起草",
    )
    carryover.set_defaults(handler=run_carryover_command)


def run_carryover_command(args: argparse.Namespace, settings: "Settings") -> int:
    from drafting.service import DraftingService
    from drafting.writing.facts import load_facts_file

    facts = load_facts_file(args.facts)
    service = DraftingService(settings)
    result = service.carryover(args.previous, facts, offline=args.offline)
    if warning := result.year_warning(facts.period):
        print(f"注意：{warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    else:
        print(format_table(result))
    for item in result.items:
        if item.note:
            print(f"提示：{item.plan}：{item.note}", file=sys.stderr)
    if args.output:
        _write_confirmed(service, facts, result, args.decisions, args.output)
    elif args.decisions:
        raise UserError("--decisions 需要与 -o 一起使用：处理结果写进新的要点文件。")
    return 0


def _write_confirmed(
    service: "DraftingService", facts: "Facts", result: "Carryover", decisions: Path | None, output: Path
) -> None:
    """The confirmed facts file: what the user saw above, their choices applied, ready for `drafting draft`.
    Nothing is written while an item not done has no choice: the message shows the decisions file to write."""
    from drafting.carryover.decisions import Undecided, decisions_template, load_decisions

    try:
        confirmed = service.confirm_carryover(facts, result, load_decisions(decisions) if decisions else [])
    except Undecided as error:
        raise UserError(
            f"{error}\n没有写出 {output}。请把这些项的处理写进 --decisions 指定的 YAML 文件，例如：\n\n"
            f"{decisions_template(error.items)}\n"
            "choice 可选：add_fact（其实做了，text 写要补充的事实）、problem（写入存在的问题，text 写原因）、"
            "carry（列入明年计划，text 可不写）。"
        ) from error
    data = confirmed.model_dump(exclude={"flagged"}, exclude_defaults=True)
    write_file(output, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    print(
        f"已写入 {output}（对照表已确认：{confirmed.carryover.tally()}）；用 drafting draft {output} 起草。",
        file=sys.stderr,
    )


def format_table(result: "Carryover") -> str:
    """The comparison as text: a heading line, the counts, then each item with its facts and targets."""
    from drafting.carryover.decisions import STATUS_LABELS

    counts = result.counts()
    lines = [
        f"上年报告：《{result.title}》" + (f"（{result.period}）" if result.period else ""),
        f"计划共 {len(result.items)} 项：已完成 {counts['done']} 项，部分完成 {counts['partial']} 项，"
        f"未提及 {counts['not_mentioned']} 项。",
    ]
    for number, item in enumerate(result.items, start=1):
        judged = "" if item.judged_by == "offline" else f"（模型判断：{item.judged_by}）"
        lines.append(f"{number}. [{STATUS_LABELS[item.status]}] {item.plan}{judged}")
        lines += [f"     {target.describe()}" for target in item.targets]
        lines += [f"     · {fact}" for fact in item.facts]
    lines.append(
        "以上为自动对照结果，请核对；只有确认过的对照表（“起草”页的“确认对照表”，或这里的 --decisions 加 -o）才会写进草稿。"
    )
    return "\n".join(lines)
