"""The `drafting` command: a thin adapter over DraftingService. Errors reach the user as Chinese messages.

Every handler imports what it needs when it runs, so `drafting --help` answers at once and an offline
draft never loads the model clients.
"""

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from drafting.cli_files import read_file, write_document, write_file
from drafting.errors import UserError
from drafting.settings import Settings, load_settings, settings_problem
from drafting.text.control import strip_control

if TYPE_CHECKING:
    from drafting.service import DraftingService
    from drafting.writing.draft import Draft
    from drafting.writing.pipeline import Event

Handler = Callable[[argparse.Namespace, Settings], int]
UNIT_TYPES = ["学校", "医院", "企业", "机关", "地方工会", "其他"]
PARTS = ["opening", "work", "experience", "problems", "plan", "closing"]


def main(argv: list[str] | None = None) -> int:
    try:
        try:
            return _run(argv)
        finally:
            sys.stdout.flush()  # here, not at exit: a reader that quit early is met inside the try
    except BrokenPipeError:
        # The reader quit early (`drafting corpus show X | head`): not an error. Point stdout at
        # /dev/null so the interpreter's final flush does not raise it again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell reports a command ended by SIGPIPE
    except Exception as error:  # noqa: BLE001 - a bug here or in a library: one Chinese line, the details in a file
        print(f"错误：{internal_failure(error)}", file=sys.stderr)
        return 1


def _run(argv: list[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        return args.handler(args, load_settings())
    except ValidationError as error:  # a malformed .env or environment value
        problem = (
            settings_problem(error) or f"配置有误（{error.errors()[0]['loc'][0]}），请检查 .env 或环境变量。"
        )
        print(f"错误：{problem}", file=sys.stderr)
        return 1
    except UserError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130


def internal_failure(error: Exception) -> str:
    """What to tell a user about an error the program did not expect, with its traceback kept in a file
    they can send on (the traceback itself is no use to them and may quote their data)."""
    import tempfile
    import traceback

    try:
        handle, name = tempfile.mkstemp(prefix="drafting-error-", suffix=".txt")  # only this user may read it
        with os.fdopen(handle, "w", encoding="utf-8") as record:
            record.write("".join(traceback.format_exception(error)))
    except OSError:
        return f"程序内部出错（{type(error).__name__}），命令没有完成。"
    return f"程序内部出错（{type(error).__name__}），命令没有完成。详细记录已写入 {name}，请发给管理员。"


def _service(settings: Settings) -> "DraftingService":
    from drafting.service import DraftingService

    return DraftingService(settings)


def _parser() -> argparse.ArgumentParser:
    from drafting.accounts.cli import register as register_users
    from drafting.carryover.cli import register as register_carryover
    from drafting.cli_chinese import speak_chinese
    from drafting.evaluation.cli import register as register_eval
    from drafting.maintenance.cli import register as register_doctor
    from drafting.materials.cli import register as register_materials
    from drafting.review.cli import register as register_review

    speak_chinese()
    parser = argparse.ArgumentParser(prog="drafting", description="工会工作总结起草工具")
    commands = parser.add_subparsers(title="命令")

    index = commands.add_parser("index", help="建立或更新范文检索索引（增量）")
    index.set_defaults(handler=_index)

    corpus = commands.add_parser("corpus", help="管理范文库").add_subparsers(title="范文库命令")
    add = corpus.add_parser("add", help="导入自己的范文（.docx/.pdf/.doc/.wps/.txt/.md）")
    add.add_argument("files", nargs="+", type=Path)
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=_corpus_add)
    listing = corpus.add_parser("list", help="列出范文")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_corpus_list)
    show_report = corpus.add_parser("show", help="显示范文的识别结果：标题、单位类型、期间、章节树")
    show_report.add_argument("id")
    show_report.add_argument("--json", action="store_true")
    show_report.set_defaults(handler=_corpus_show)
    remove = corpus.add_parser("remove", help="删除自己导入的范文")
    remove.add_argument("id")
    remove.set_defaults(handler=_corpus_remove)

    search = commands.add_parser("search", help="检索范文段落")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=5)
    search.add_argument("--part", choices=PARTS)
    search.add_argument("--unit-type", choices=UNIT_TYPES)
    search.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=_search)

    outline = commands.add_parser("outline", help="根据要点文件拟定提纲（可编辑后用 draft --outline 写作）")
    outline.add_argument("facts", type=Path)
    outline.add_argument("--json", action="store_true")
    outline.set_defaults(handler=_outline)

    draft = commands.add_parser("draft", help="根据要点文件（YAML/JSON）生成总结草稿")
    draft.add_argument("facts", type=Path)
    draft.add_argument("--outline", type=Path, help="按编辑过的提纲（drafting outline --json 的输出）写作")
    draft.add_argument("--offline", action="store_true", help="即使配置了大模型也用离线引擎")
    draft.add_argument("--format", choices=["md", "json", "docx"], default="md")
    draft.add_argument("-o", "--output", type=Path)
    draft.set_defaults(handler=_draft)
    regen = commands.add_parser("regen", help="重新生成草稿中的某一部分（--unwritten：所有没有写成的部分）")
    regen.add_argument("draft_id")
    regen.add_argument(
        "section_key", nargs="?", help="部分编号，如 work-care（drafting show --format json 可查）"
    )
    regen.add_argument(
        "--unwritten", action="store_true", help="重新生成所有没有写成的部分（生成失败或起草中途停止的）"
    )
    regen.add_argument("--instruction", default="")
    regen.add_argument("--offline", action="store_true")
    regen.add_argument("--format", choices=["md", "json", "docx"], default="md")
    regen.add_argument("-o", "--output", type=Path)
    regen.set_defaults(handler=_regen)
    show = commands.add_parser("show", help="显示已保存的草稿")
    show.add_argument("draft_id")
    show.add_argument("--format", choices=["md", "json", "docx"], default="md")
    show.add_argument("-o", "--output", type=Path)
    show.add_argument("--comments", action="store_true", help="导出 Word 时把待核对的问题写成批注")
    show.add_argument("--evidence", action="store_true", help="导出 Word 时附上“附件：事实依据表”")
    show.set_defaults(handler=_show)
    listing_drafts = commands.add_parser("list", help="列出已保存的草稿")
    listing_drafts.set_defaults(handler=_list_drafts)

    check = commands.add_parser(
        "check", help="核对草稿中的数字、日期、级别是否都来自要点（发现问题时退出码为 1）"
    )
    check.add_argument("draft", help="草稿文件（.md/.txt/.docx）或草稿编号")
    check.add_argument("--facts", type=Path, required=True)
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_check)

    proof = commands.add_parser("proof", help="校对：标点、空格、数字日期、序号层级、重复词句、规范表述")
    proof.add_argument("text", help="文字、文件（.docx/.pdf/.md/.txt 等）或草稿编号")
    proof.add_argument("--json", action="store_true")
    proof.add_argument("--fix", action="store_true", help="输出改正了机械性错误的全文")
    proof.set_defaults(handler=_proof)

    tone = commands.add_parser("tone", help="与范文对比语气（句长、四字格、公文用语、口语词等）")
    tone.add_argument("text", help="文字、文件（.md/.txt/.docx）或草稿编号")
    tone.add_argument(
        "--ref", action="append", default=[], help="参考范文编号或文件；可多次给出；不给则用同类单位的范文"
    )
    tone.add_argument("--json", action="store_true")
    tone.set_defaults(handler=_tone)

    bench = commands.add_parser("bench", help="检索质量与速度基准")
    bench.add_argument("--synthetic", type=int, default=10000, help="合成语料的段落数（0 表示跳过）")
    bench.add_argument("--llm", action="store_true", help="只测起草流程（模拟的模型接口）与离线引擎")
    bench.add_argument("--soak", type=float, metavar="MINUTES", help="压力测试：多个会话同时操作应用若干分钟")
    bench.add_argument("--users", type=int, default=20, metavar="N", help="压力测试的并发会话数（默认 20）")
    bench.add_argument(
        "--accounts",
        action="store_true",
        help="压力测试时每个会话先登录自己的账户（N 个账户分属 N/2 个单位）",
    )
    bench.add_argument(
        "--attacker",
        action="store_true",
        help="压力测试跑两遍：不带和带一个发送超长、伪造输入的攻击会话，比较其他会话的 p95（目标：相差不超过 20%%）",
    )
    bench.add_argument(
        "--scale", action="store_true", help="城市联合会规模（25 万段落、500 个单位）的检索基准，约 1–3 分钟"
    )
    bench.add_argument(
        "--browser",
        action="store_true",
        help="在真实浏览器（Chromium）里测从点击“生成草稿”到首段模型文字的时间",
    )
    bench.set_defaults(handler=_bench)

    register_eval(commands)
    register_carryover(commands)
    register_doctor(commands)
    register_materials(commands)
    register_users(commands, lambda settings: _service(settings).database)
    register_review(commands, _service)
    return parser


def _progress(done: int, total: int) -> None:
    from drafting.maintenance.cli import print_progress

    print_progress(done, total)


def _ready_service(settings: Settings) -> "DraftingService":
    """A service whose index is complete: a one-shot command cannot wait for a background repair."""
    return _with_complete_index(_service(settings))


def _with_complete_index(service: "DraftingService") -> "DraftingService":
    from drafting.maintenance.cli import complete_index_first

    complete_index_first(service.library, _progress)
    return service


def _index(args: argparse.Namespace, settings: Settings) -> int:
    result = _service(settings).library.build(_progress)
    print(
        f"索引完成：新增 {result.added} 段，删除 {result.removed} 段，未变 {result.unchanged} 段，用时 {result.seconds} 秒"
    )
    return 0


def _corpus_add(args: argparse.Namespace, settings: Settings) -> int:
    service = _service(settings)
    failed = 0
    added = []
    for path in args.files:
        try:
            report = service.import_file(path, _progress)
        except UserError as error:
            print(f"未导入 {path}：{error}", file=sys.stderr)
            failed += 1
            continue
        added.append({"id": report.meta.id, "title": report.meta.title})
        if not args.json:
            m = report.meta
            print(f"已导入 {m.id}：{m.title}（{m.unit_type}，{m.kind}，{m.script}）")
            for sentence in report.set_aside:
                print(f"  已去掉像是写作要求的句子（不进入范文库）：{strip_control(sentence)}")
    if args.json:
        print(json.dumps(added[0] if len(args.files) == 1 and added else added, ensure_ascii=False))
    return 1 if failed else 0


def _corpus_list(args: argparse.Namespace, settings: Settings) -> int:
    reports = _service(settings).list_reports()
    if args.json:
        print(json.dumps([m.model_dump() for m in reports], ensure_ascii=False, indent=2))
        return 0
    for m in reports:
        print(strip_control(f"{m.id}\t{m.unit_type}\t{m.kind}\t{m.period}\t{m.script}\t{m.title}"))
    return 0


def _corpus_show(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.corpus.show import format_report_tree, report_tree

    report = _service(settings).report(args.id)
    print(
        json.dumps(report_tree(report), ensure_ascii=False, indent=2)
        if args.json
        else format_report_tree(report)
    )
    return 0


def _corpus_remove(args: argparse.Namespace, settings: Settings) -> int:
    report = _service(settings).remove_report(args.id)
    print(f"已删除 {report.meta.id}：{report.meta.title}")
    return 0


def _search(args: argparse.Namespace, settings: Settings) -> int:
    if not args.query.strip():
        raise UserError("检索词不能为空。")
    hits = _ready_service(settings).search(
        args.query, k=args.k, part=args.part, unit_type=args.unit_type, mode=args.mode
    )
    if hits.incomplete:
        print(f"提示：{hits.notice}", file=sys.stderr)
    if args.json:
        print(json.dumps([h.model_dump() for h in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("没有找到相关段落。")
    for rank, hit in enumerate(hits, start=1):
        print(f"[{rank}] {hit.report_title}（{hit.report}，{hit.part}）{hit.heading_path}")
        print(f"    {hit.text[:160]}")
    return 0


def _outline(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.writing.facts import load_facts_file

    outline = _service(settings).plan(load_facts_file(args.facts))
    if args.json:
        print(outline.model_dump_json(indent=2))
        return 0
    print(outline.title)
    for section in outline.sections:
        print(
            f"[{section.key}] {section.heading or ('开头' if section.kind == 'opening' else '结尾')}（约 {section.budget_chars} 字）"
        )
        for fact in section.facts:
            print(f"    - {fact}")
    return 0


def _draft(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.writing.facts import load_facts_file

    facts = load_facts_file(args.facts)
    outline = _load_outline(args.outline) if args.outline else None
    service = _service(settings)
    service.look_ahead(facts, outline, offline=args.offline)
    _with_complete_index(service)
    if service.uses_model(args.offline):
        from drafting.models.presets import endpoint_host
        from drafting.writing.estimate import cost_words

        usage, cost = service.estimate(facts, outline)
        print(
            f"要点将发送到 {endpoint_host(service.settings)}。预计消耗：提示约 {usage.prompt_tokens} token，"
            f"输出约 {usage.completion_tokens} token，{cost_words(cost)}；单价用 LLM_PRICE_INPUT/LLM_PRICE_OUTPUT 设置。",
            file=sys.stderr,
        )
    from drafting.storage.errors import DraftNotSaved

    try:
        draft = service.draft(facts, outline=outline, offline=args.offline, on_event=_print_progress)
    except DraftNotSaved as error:  # the database went away: the finished text still reaches the user
        print(f"错误：{error}", file=sys.stderr)
        _write(error.draft, args.format, args.output)
        return 1
    for notice in draft.notices():
        print(f"提示：{notice}", file=sys.stderr)
    print(
        f"草稿编号：{draft.id}（可用 drafting regen {draft.id} 部分编号 重新生成某一部分）", file=sys.stderr
    )
    written = _write(draft, args.format, args.output, lambda saved: service.export_docx(saved.id))
    return 1 if any(section.status == "failed" for section in draft.sections) else written


def _load_outline(path: Path) -> "object":
    from pydantic import ValidationError

    from drafting.writing.outline import Outline

    try:
        return Outline.model_validate_json(read_file(path))
    except ValidationError as error:
        raise UserError(
            f"提纲文件“{path.name}”格式不对：请用 drafting outline 要点文件 --json 生成后再编辑。"
        ) from error


def _print_progress(event: "Event") -> None:
    if event.kind == "outline":
        print("提纲：" + " / ".join(line for line in event.text.split("\n") if line), file=sys.stderr)
    elif event.kind == "section_failed":
        print(f"  {event.name}（{event.key}）失败：{event.text}", file=sys.stderr)
    elif event.kind == "section_done":
        print(f"  {event.name}（{event.key}）完成", file=sys.stderr)


def _regen(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.section_key) == args.unwritten:
        raise UserError(
            "请给出要重新生成的部分编号（如 work-care），或用 --unwritten 重新生成所有没有写成的部分，二者选一。"
        )
    service = _ready_service(settings)
    if args.unwritten:
        if not service.get(args.draft_id).unwritten():
            print(f"草稿 {args.draft_id} 没有未写成的部分。", file=sys.stderr)
        failures = service.write_unwritten(
            args.draft_id,
            offline=args.offline,
            on_section=lambda name, number, total: print(
                f"  正在写：{name}（{number}/{total}）", file=sys.stderr
            ),
        )
        for failure in failures:
            print(f"错误：{failure}", file=sys.stderr)
        written = _write(
            service.get(args.draft_id), args.format, args.output, lambda saved: service.export_docx(saved.id)
        )
        return 1 if failures else written
    from drafting.writing.draft import section_name

    section = service.get(args.draft_id).section(
        args.section_key
    )  # an unknown key is refused before the wait
    print(f"  正在重新生成：{section_name(section.kind, section.heading)}…", file=sys.stderr)
    draft = service.regenerate(args.draft_id, args.section_key, args.instruction, offline=args.offline)
    return _write(draft, args.format, args.output, lambda saved: service.export_docx(saved.id))


def _show(args: argparse.Namespace, settings: Settings) -> int:
    for flag in ("comments", "evidence"):
        if getattr(args, flag) and args.format != "docx":
            raise UserError(f"--{flag} 只用于导出 Word：请同时给出 --format docx。")
    service = _service(settings)
    return _write(
        service.get(args.draft_id),
        args.format,
        args.output,
        lambda draft: service.export_docx(draft.id, comments=args.comments, evidence=args.evidence),
    )


def _list_drafts(args: argparse.Namespace, settings: Settings) -> int:
    for row in _service(settings).list_drafts():
        marks = ("\t未完成" if row.unfinished else "") + ("\t有待核对的问题" if row.has_findings else "")
        print(strip_control(f"{row.id}\t{row.updated_at:%Y-%m-%d %H:%M}\t{row.title}{marks}"))
    return 0


def _findings_summary(draft: "Draft") -> str:
    """One line a script or a person cannot miss: what the guard could not vouch for, and the proofreader's count."""
    from drafting.checks.proof import proofread

    flagged = sum(len(s.flags) for s in draft.sections)
    missing = sum(len(s.missing_facts) for s in draft.sections)
    proof = sum(len(proofread(s.text)) for s in draft.sections if s.status in ("ok", "flagged"))
    lines = []
    if flagged or missing:
        lines.append(
            f"注意：{flagged} 处数值无依据，{missing} 条要点未写入。请核对标出的部分（drafting show {draft.id} --format json 查看详情）。"
        )
    if proof:
        lines.append(f"校对：{proof} 处可能的文字问题（drafting proof {draft.id} 查看）。")
    return "\n".join(lines)


def _write(
    draft: "Draft", fmt: str, output: Path | None, export: "Callable[[Draft], bytes] | None" = None
) -> int:
    """Print or write the draft; `export` makes the Word file of a saved draft (with its identity)."""
    summary = _findings_summary(draft)
    if summary:
        print(summary, file=sys.stderr)
    if fmt == "docx":
        from drafting.output.docx import draft_to_docx

        target = write_document((export or draft_to_docx)(draft), output, Path(f"{draft.title}.docx"))
        if target is None:
            return 0
        print(
            f"已写入 {target}" + ("（草稿仍有未核对的问题，导出前请先核对）" if draft.has_findings else ""),
            file=sys.stderr,
        )
        return 0
    if fmt == "json":
        sections = [
            s.model_dump(
                include={
                    "key",
                    "kind",
                    "heading",
                    "theme",
                    "text",
                    "status",
                    "facts",
                    "flags",
                    "missing_facts",
                }
            )
            for s in draft.sections
        ]
        text = json.dumps(
            {
                "id": draft.id,
                "title": draft.title,
                "sections": sections,
                "markdown": draft.markdown(),
                "engine": draft.engine,
                "usage": draft.usage.model_dump(),
                "warnings": draft.notices(),
                "has_findings": draft.has_findings,
            },
            ensure_ascii=False,
            indent=2,
        )
    else:
        text = draft.markdown()
    if output:
        write_file(output, text)
        print(f"已写入 {output}", file=sys.stderr)
    else:
        print(text)
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.writing.facts import load_facts_file

    service = _service(settings)
    facts = load_facts_file(args.facts)
    result, copies = service.check(service.text_of(args.draft), facts)
    found = bool(
        copies
        or result.unsupported
        or result.changed_levels
        or result.missing_facts
        or result.problems_without_measure
        or result.carried_not_in_plan
    )
    if args.json:
        print(
            json.dumps(
                {**result.model_dump(), "copied_from": [c.model_dump() for c in copies]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return int(found)
    for copy in copies:
        print(
            f"与范文《{copy.report_title}》（{copy.report_id}）重合 {copy.overlap:.0%}，可能照抄了别的单位的文字"
        )
    print(f"要点覆盖率：{result.coverage:.0%}")
    for finding in result.unsupported:
        hint = f"（最接近的要点：{finding.nearest}）" if finding.nearest else ""
        print(f"没有依据：{finding.value}  ……{finding.context}……{hint}")
    for finding in result.changed_levels:
        print(f"级别/名次不符：{finding.value}  ……{finding.context}……")
    for fact in result.missing_facts:
        print(f"未写入的要点：{fact}")
    for problem in result.problems_without_measure:
        print(f"问题没有对应措施：{problem}")
    for item in result.carried_not_in_plan:
        print(f"决定延续的上年计划没有写进新计划：{item}")
    if not found:
        print("未发现问题：草稿中的数字、日期、级别都能在要点中找到。")
    return int(found)  # 1, as for a draft it could not read: a script sees the draft needs a look


def _proof(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.checks.proof import apply_fixes, proofread

    text = _service(settings).text_of(args.text)
    findings = proofread(text)
    if args.fix:
        print(apply_fixes(text, findings))
        return 0
    if args.json:
        print(
            json.dumps(
                [
                    f.model_dump(include={"rule", "excerpt", "suggestion", "line", "explanation"})
                    for f in findings
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for f in findings:
        print(f"第{f.line}行 [{f.rule}] “{f.excerpt}” → {f.suggestion}：{f.explanation}")
    print(f"共 {len(findings)} 处。" if findings else "未发现问题。")
    return 0


def _tone(args: argparse.Namespace, settings: Settings) -> int:
    service = _service(settings)
    report = service.tone(service.text_of(args.text), args.ref)
    if args.json:
        print(report.model_dump_json(indent=2))
        return 0
    print(f"与参考范文的距离：{report.distance}（0 表示很接近，2 以上差别明显）")
    if report.short_text_note:
        print(f"提示：{report.short_text_note}")
    for metric in report.metrics.values():
        print(
            f"  {metric.explanation}  本文 {metric.value}，范文 {metric.reference_mean}±{metric.reference_std}"
        )
    for suggestion in report.suggestions:
        print(f"建议：{suggestion}")
    return 0


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.bench import run_benchmark, run_llm_benchmark, run_soak_benchmark

    if args.soak is not None:
        return run_soak_benchmark(args.soak, args.users, accounts=args.accounts, attacker=args.attacker)
    if args.scale:
        from drafting.scale_bench import run_scale_benchmark

        run_scale_benchmark(settings)
        return 0
    if args.browser:
        from drafting.browser_bench import run_browser_benchmark

        run_browser_benchmark(settings)
        return 0
    if args.llm:
        run_llm_benchmark(settings)
    else:
        run_benchmark(settings, synthetic_sections=args.synthetic)
    return 0


if __name__ == "__main__":
    sys.exit(main())
