"""The `eval` and `simulator` subcommands; `register` adds them to the `drafting` command's subparsers."""

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from drafting.cli_files import make_folder, reason
from drafting.errors import UserError
from drafting.writing.estimate import cost_words

if TYPE_CHECKING:
    from drafting.evaluation.runner import CaseResult
    from drafting.settings import Settings


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    evaluate = commands.add_parser("eval", help="评测模型接口：起草用例集并与离线引擎逐项对比")
    evaluate.add_argument("--cases", type=Path, help="要点文件所在文件夹（默认用内置的评测用例）")
    evaluate.add_argument("--json", action="store_true", help="只输出 JSON 结果")
    evaluate.add_argument("--out", type=Path, help="写出 report.md、results.json 和盲评材料的文件夹")
    evaluate.add_argument(
        "--endpoint",
        action="append",
        default=[],
        metavar="SPEC",
        help="预设名:模型（如 deepseek:deepseek-chat、ollama:qwen2.5:7b）或 http://主机:端口/v1@模型；"
        "可多次给出以并排对比；不给则评测已配置的接口",
    )
    evaluate.add_argument(
        "--concurrency", type=int, help="同时起草的用例数（不超过 LLM_CONCURRENCY，默认取其值）"
    )
    evaluate.add_argument("--yes", action="store_true", help="不再询问，直接开始（付费接口）")
    evaluate.set_defaults(handler=run_eval_command)

    simulator = commands.add_parser("simulator", help="启动本机模拟的模型接口（可注入故障），供测试与演示")
    simulator.add_argument("--port", type=int, default=8765)
    simulator.add_argument("--host", default="127.0.0.1", help="只允许 127.0.0.1")
    simulator.add_argument(
        "--first-token", type=float, default=0.0, metavar="S", help="首个 token 前等待的秒数"
    )
    simulator.add_argument(
        "--tps", type=float, default=0.0, metavar="N", help="每秒输出 token 数（0 为不限速）"
    )
    simulator.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND[:N]",
        help="注入故障：429、500、400、malformed、stall、invent；KIND:N 只作用于 N 次请求；可多次给出",
    )
    simulator.set_defaults(handler=run_simulator_command)


def run_simulator_command(args: argparse.Namespace, settings: "Settings | None" = None) -> int:
    from drafting.simulator import LOOPBACK, Behaviour, parse_fault, serve

    if args.host not in (LOOPBACK, "localhost"):
        raise UserError(f"模拟接口只在本机 {LOOPBACK} 上监听，不能绑定到 {args.host}。请去掉 --host。")
    if not 0 <= args.port <= 65535:
        raise UserError("端口应在 0 到 65535 之间。")
    try:
        faults = [parse_fault(spec) for spec in args.fault]
    except ValueError as error:
        raise UserError(str(error)) from None
    behaviour = Behaviour(first_token_delay=args.first_token, tokens_per_second=args.tps, faults=faults)
    described = "、".join(args.fault) or "无"
    try:
        serve(
            behaviour,
            args.port,
            lambda url: print(
                f"模拟模型接口已在 {url} 监听（注入故障：{described}），按 Ctrl-C 停止。", flush=True
            ),
        )
    except OSError as error:
        raise UserError(
            f"无法在端口 {args.port} 上监听（{error.strerror}）。请换一个端口（--port）。"
        ) from None
    print("模拟模型接口已停止。", flush=True)
    return 0


def run_eval_command(args: argparse.Namespace, settings: "Settings") -> int:
    from drafting.evaluation.cases import load_cases
    from drafting.evaluation.report import summary_table, to_json, write_outputs
    from drafting.evaluation.runner import estimate_run, run_eval
    from drafting.evaluation.systems import configured_system, missing_key, offline_system, parse_endpoint
    from drafting.retrieval.library import Library

    if args.concurrency is not None and args.concurrency < 1:
        raise UserError("--concurrency 应是正整数。")
    if args.out:
        make_folder(args.out)  # refused now, not after a run that may have cost money
    cases = load_cases(args.cases)
    endpoints = [parse_endpoint(spec, settings) for spec in args.endpoint]
    if not args.endpoint and (configured := configured_system(settings)):
        endpoints = [configured]
    names = [system.name for system in endpoints]
    if len(set(names)) != len(names):
        raise UserError("同一个接口给了两次，请去掉重复的 --endpoint。")
    if not endpoints:
        _note("未配置模型接口，也没有给出 --endpoint：只评测离线引擎。")
    paid = 0.0
    for system in endpoints:
        figures = estimate_run(system.settings, cases)
        paid += figures.cost
        _note(
            f"预计 {system.name}：{len(cases)} 个用例，提示约 {figures.prompt_tokens} token，"
            f"输出约 {figures.completion_tokens} token，{cost_words(figures.cost)}，"
            f"用时约 {figures.seconds / 60:.1f} 分钟（按每路约 30 token/秒粗估）。"
        )
        if missing_key(system):
            _note(
                f"注意：{system.host} 没有可用的密钥。LLM_API_KEY 只发往 LLM_BASE_URL 所指的主机；"
                "其他主机请设置 LLM_API_KEY_<域名>（如 LLM_API_KEY_DEEPSEEK）。"
            )
    if paid > 0 and not args.yes:
        _confirm(paid)
    library = Library(settings)
    if library.index.count() == 0:
        _note("首次使用：正在建立范文索引，可能需要几分钟……")

    def progress(system: str, case: "CaseResult") -> None:
        outcome = f"失败：{case.error}" if case.error else f"完成，{case.total_s:.1f} 秒"
        _note(f"[{system}] {case.case} {outcome}")

    result = run_eval(cases, [offline_system(), *endpoints], library, args.concurrency, progress)
    written = True
    if args.out:
        try:
            write_outputs(args.out, result)
        except OSError as error:  # the run is done (and maybe paid for): its table is still printed below
            written = False
            print(f"错误：无法写入“{args.out}”：{reason(error)}。评测结果只在下方输出。", file=sys.stderr)
        else:
            _note(
                f"已写入 {args.out / 'report.md'}、results.json 和盲评材料（blind/、scoring_sheet.csv、key.json）。"
            )
    print(to_json(result) if args.json else summary_table(result))
    return 0 if written else 1


def _confirm(cost: float) -> None:
    """A paid run starts only when the user says so: at a terminal by answering, otherwise with --yes."""
    if not sys.stdin.isatty():
        raise UserError(
            f"本次评测预计费用约 {cost:.4f}。当前不是交互终端，无法确认：如确定要运行，请加 --yes。"
        )
    print(f"本次评测预计费用约 {cost:.4f}，继续吗？[y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()  # the question goes to stderr: stdout may be --json
    if answer not in ("y", "yes", "是"):
        raise UserError("已取消评测，未调用任何付费接口。")


def _note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
