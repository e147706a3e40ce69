"""The `drafting` command: a thin adapter over the library. Errors reach the user as Chinese messages."""

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

from drafting.corpus.classify import UNIT_TYPES, guess_unit_type
from drafting.checks.copyguard import copied_from
from drafting.documents import SUPPORTED_SUFFIXES, read_document
from drafting.writing.draft import Draft
from drafting.writing.pipeline import Event, generate_draft, regenerate_section
from drafting.errors import UserError
from drafting.output.docx import draft_to_docx
from drafting.checks.factguard import check_draft
from drafting.writing.facts import load_facts_file
from drafting.retrieval.library import Library
from drafting.writing.model_writer import cost, estimate
from drafting.settings import Settings, load_settings
from drafting.output.store import DraftStore
from drafting.checks.tone import compare

Handler = Callable[[argparse.Namespace, Settings], int]


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        return args.handler(args, load_settings())
    except UserError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="drafting", description="工会工作总结起草工具")
    commands = parser.add_subparsers(title="命令")

    index = commands.add_parser("index", help="建立或更新范文检索索引（增量）")
    index.set_defaults(handler=_index)

    corpus = commands.add_parser("corpus", help="管理范文库").add_subparsers(title="范文库命令")
    add = corpus.add_parser("add", help="导入自己的范文（.docx/.pdf/.doc/.wps/.txt/.md）")
    add.add_argument("files", nargs="+", type=Path)
    add.set_defaults(handler=_corpus_add)
    listing = corpus.add_parser("list", help="列出范文")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_corpus_list)
    remove = corpus.add_parser("remove", help="删除自己导入的范文")
    remove.add_argument("id")
    remove.set_defaults(handler=_corpus_remove)

    search = commands.add_parser("search", help="检索范文段落")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=5)
    search.add_argument("--part", choices=["opening", "work", "experience", "problems", "plan", "closing"])
    search.add_argument("--unit-type", choices=UNIT_TYPES)
    search.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=_search)

    draft = commands.add_parser("draft", help="根据要点文件（YAML/JSON）生成总结草稿")
    draft.add_argument("facts", type=Path)
    draft.add_argument("--offline", action="store_true", help="即使配置了大模型也用离线引擎")
    draft.add_argument("--format", choices=["md", "json", "docx"], default="md")
    draft.add_argument("-o", "--output", type=Path)
    draft.set_defaults(handler=_draft)
    regen = commands.add_parser("regen", help="重新生成草稿中的某一部分")
    regen.add_argument("draft_id")
    regen.add_argument("section_key")
    regen.add_argument("--instruction", default="")
    regen.add_argument("--format", choices=["md", "json", "docx"], default="md")
    regen.add_argument("-o", "--output", type=Path)
    regen.set_defaults(handler=_regen)
    show = commands.add_parser("show", help="显示已保存的草稿")
    show.add_argument("draft_id")
    show.add_argument("--format", choices=["md", "json", "docx"], default="md")
    show.add_argument("-o", "--output", type=Path)
    show.set_defaults(handler=_show)
    listing_drafts = commands.add_parser("list", help="列出已保存的草稿")
    listing_drafts.set_defaults(handler=_list_drafts)

    check = commands.add_parser("check", help="核对草稿中的数字、日期、级别是否都来自要点")
    check.add_argument("draft", help="草稿文件（.md/.txt/.docx）或草稿编号")
    check.add_argument("--facts", type=Path, required=True)
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_check)

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
    bench.set_defaults(handler=_bench)
    return parser


def _progress(done: int, total: int) -> None:
    print(f"\r向量化 {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)


def _index(args: argparse.Namespace, settings: Settings) -> int:
    result = Library(settings).build(_progress)
    print(
        f"索引完成：新增 {result.added} 段，删除 {result.removed} 段，未变 {result.unchanged} 段，用时 {result.seconds} 秒"
    )
    return 0


def _corpus_add(args: argparse.Namespace, settings: Settings) -> int:
    library = Library(settings)
    failed = 0
    for path in args.files:
        try:
            report = library.add(path, _progress)
        except UserError as error:
            print(f"未导入 {path}：{error}", file=sys.stderr)
            failed += 1
            continue
        print(
            f"已导入 {report.meta.id}：{report.meta.title}（{report.meta.unit_type}，{report.meta.kind}，{report.meta.script}）"
        )
    return 1 if failed else 0


def _corpus_list(args: argparse.Namespace, settings: Settings) -> int:
    reports = Library(settings).corpus.reports()
    if args.json:
        print(json.dumps([r.meta.model_dump() for r in reports], ensure_ascii=False, indent=2))
        return 0
    for report in reports:
        m = report.meta
        print(f"{m.id}\t{m.unit_type}\t{m.kind}\t{m.period}\t{m.script}\t{m.title}")
    return 0


def _corpus_remove(args: argparse.Namespace, settings: Settings) -> int:
    report = Library(settings).remove(args.id)
    print(f"已删除 {report.meta.id}：{report.meta.title}")
    return 0


def _search(args: argparse.Namespace, settings: Settings) -> int:
    if not args.query.strip():
        raise UserError("检索词不能为空。")
    hits = Library(settings).search(
        args.query, k=args.k, part=args.part, unit_type=args.unit_type, mode=args.mode
    )
    if args.json:
        print(json.dumps([h.model_dump() for h in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("没有找到相关段落。")
    for rank, hit in enumerate(hits, start=1):
        print(f"[{rank}] {hit.report_title}（{hit.report}，{hit.part}）{hit.heading_path}")
        print(f"    {hit.text[:160]}")
    return 0


def _store(settings: Settings) -> DraftStore:
    return DraftStore(settings.data_dir / "drafts.sqlite3")


def _draft(args: argparse.Namespace, settings: Settings) -> int:
    facts = load_facts_file(args.facts)
    if settings.llm_configured and not args.offline:
        usage = estimate(facts, settings)
        print(
            f"预计消耗：提示约 {usage.prompt_tokens} token，输出约 {usage.completion_tokens} token，"
            f"费用约 {cost(usage, settings):.4f}（LLM_PRICE_INPUT/LLM_PRICE_OUTPUT 为每百万 token 单价）",
            file=sys.stderr,
        )
    store = _store(settings)
    draft = generate_draft(
        facts, Library(settings), offline=args.offline, on_event=_print_progress, on_partial=store.save
    )
    store.save(draft)
    for warning in draft.warnings:
        print(f"提示：{warning}", file=sys.stderr)
    print(
        f"草稿编号：{draft.id}（可用 drafting regen {draft.id} 部分编号 重新生成某一部分）", file=sys.stderr
    )
    return _write(draft, args.format, args.output)


def _print_progress(event: Event) -> None:
    if event.kind == "outline":
        print("提纲：" + " / ".join(line for line in event.text.split("\n") if line), file=sys.stderr)
    elif event.kind == "section_failed":
        print(f"  {event.key} 失败：{event.text}", file=sys.stderr)
    elif event.kind == "section_done":
        print(f"  {event.key} 完成", file=sys.stderr)


def _regen(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    draft = regenerate_section(
        store.get(args.draft_id), args.section_key, Library(settings), args.instruction
    )
    store.save(draft)
    return _write(draft, args.format, args.output)


def _show(args: argparse.Namespace, settings: Settings) -> int:
    return _write(_store(settings).get(args.draft_id), args.format, args.output)


def _list_drafts(args: argparse.Namespace, settings: Settings) -> int:
    for draft_id, title, updated in _store(settings).list():
        print(f"{draft_id}\t{updated}\t{title}")
    return 0


def _write(draft: Draft, fmt: str, output: Path | None) -> int:
    if fmt == "docx":
        data = draft_to_docx(draft)
        target = output or Path(f"{draft.title}.docx")
        target.write_bytes(data)
        print(f"已写入 {target}", file=sys.stderr)
        return 0
    if fmt == "json":
        sections = [
            s.model_dump(include={"key", "kind", "heading", "text", "status", "facts"})
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
                "warnings": draft.warnings,
            },
            ensure_ascii=False,
            indent=2,
        )
    else:
        text = draft.markdown()
    if output:
        output.write_text(text, encoding="utf-8")
        print(f"已写入 {output}", file=sys.stderr)
    else:
        print(text)
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    facts = load_facts_file(args.facts)
    text = _text_of(args.draft, settings)
    result = check_draft(text, facts)
    copies = copied_from(text, Library(settings).corpus.reports())
    if args.json:
        print(
            json.dumps(
                {**result.model_dump(), "copied_from": [c.model_dump() for c in copies]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
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
    if not (
        result.unsupported or result.changed_levels or result.missing_facts or result.problems_without_measure
    ):
        print("未发现问题：草稿中的数字、日期、级别都能在要点中找到。")
    return 0


def _text_of(value: str, settings: Settings) -> str:
    """A file's text, a saved draft's text, or the argument itself."""
    path = Path(value)
    if path.suffix.lower() in SUPPORTED_SUFFIXES:
        return read_document(path)  # a missing file is a Chinese error, not text to check
    if re.fullmatch(r"[0-9a-f]{12}", value):
        return _store(settings).get(value).markdown()
    return value


def _tone(args: argparse.Namespace, settings: Settings) -> int:
    corpus = Library(settings).corpus
    text = _text_of(args.text, settings)
    if args.ref:
        references = [
            corpus.get(ref).body if not Path(ref).exists() else read_document(Path(ref)) for ref in args.ref
        ]
    else:
        unit = guess_unit_type(text)
        references = [r.body for r in corpus.reports() if r.meta.unit_type == unit] or [
            r.body for r in corpus.reports()
        ]
    report = compare(text, references)
    if args.json:
        print(report.model_dump_json(indent=2))
        return 0
    print(f"与参考范文的距离：{report.distance}（0 表示很接近，2 以上差别明显）")
    for metric in report.metrics.values():
        print(
            f"  {metric.explanation}  本文 {metric.value}，范文 {metric.reference_mean}±{metric.reference_std}"
        )
    for suggestion in report.suggestions:
        print(f"建议：{suggestion}")
    return 0


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from drafting.bench import run_benchmark, run_llm_benchmark

    if args.llm:
        run_llm_benchmark(settings)
    else:
        run_benchmark(settings, synthetic_sections=args.synthetic)
    return 0


if __name__ == "__main__":
    sys.exit(main())
