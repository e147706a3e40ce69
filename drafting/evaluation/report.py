"""Writing an evaluation out: results.json, report.md side by side, and a blind-review pack.

The pack lets people judge drafts without knowing which system wrote them: blind/case-01-A.md …
(letters shuffled per case by a seeded RNG), scoring_sheet.csv for the reviewers, and key.json, kept
apart, mapping each blind file to its system.
"""

import csv
import json
import random
import string
from collections.abc import Callable
from pathlib import Path

from drafting.evaluation.metrics import NOT_WRITTEN
from drafting.evaluation.runner import CaseResult, EvalResult

BLIND_SEED = 20250101
SCORING_COLUMNS = [
    "file",
    "major_problems",
    "minor_problems",
    "trivial_problems",
    "可否作为送审稿",
    "estimated_minutes_to_fix",
]


def _number(value: float | int | None, pattern: str = "{}") -> str:
    return "—" if value is None else pattern.format(value)


METRICS: list[tuple[str, str, Callable[[object], str]]] = [
    ("fact_coverage", "要点覆盖率", lambda v: _number(v, "{:.0%}")),
    ("invented_values", "无依据的数值（个）", _number),
    ("altered_values", "其中改动了要点原值（个）", _number),
    ("status_promotions", "计划写成已完成（处）", _number),
    ("sections_failed", "生成失败的部分（个）", _number),
    ("length_score", "篇幅得分（满分 100）", lambda v: _number(v, "{:.1f}")),
    ("tone_distance", "语气距离（越小越像同类范文）", lambda v: _number(v, "{:.2f}")),
    ("time_to_first_text_s", "出现第一段文字（秒）", lambda v: _number(v, "{:.2f}")),
    ("total_s", "总用时（秒）", lambda v: _number(v, "{:.1f}")),
    ("prompt_tokens", "提示 token", _number),
    ("completion_tokens", "输出 token", _number),
    ("cost", "费用", lambda v: _number(v, "{:.4f}")),
]


def to_json(result: EvalResult) -> str:
    return json.dumps(result.model_dump(), ensure_ascii=False, indent=2)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(columns: list[str], rows: list[tuple[str, list[object]]], formats: dict[str, Callable]) -> str:
    lines = ["| 指标 | " + " | ".join(_cell(c) for c in columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for key, values in rows:
        label, fmt = formats[key]
        lines.append(f"| {label} | " + " | ".join(_cell(fmt(v)) for v in values) + " |")
    return "\n".join(lines)


def summary_table(result: EvalResult) -> str:
    """One column per system, one row per metric (the overall figures)."""
    formats = {key: (label, fmt) for key, label, fmt in METRICS}
    rows = [(key, [getattr(run.summary, key) for run in result.runs]) for key, _, _ in METRICS]
    return _table([run.system for run in result.runs], rows, formats)


def markdown_report(result: EvalResult) -> str:
    systems = [run.system for run in result.runs]
    formats = {key: (label, fmt) for key, label, fmt in METRICS}
    parts = [
        "# 起草评测报告",
        "",
        "每列一个系统（offline 为离线引擎基线）。要点覆盖率：数值全部写入草稿的要点所占比例；"
        "无依据的数值：草稿里要点中没有的数字、日期、级别和名称；篇幅得分按 LongBench-Write 的长度分计算。",
        "",
        "## 总体",
        "",
        summary_table(result),
    ]
    for index, case_name in enumerate(_case_names(result)):
        per_system = [run.cases[index] for run in result.runs]
        rows = [
            (key, [getattr(c, key) if not c.error else None for c in per_system]) for key, _, _ in METRICS
        ]
        parts += ["", f"## case-{index + 1:02d}：{case_name}", "", _table(systems, rows, formats)]
        for system, case in zip(systems, per_system, strict=True):
            details = _details(case)
            if details:
                parts += ["", f"**{system}**", "", *details]
    parts += ["", "盲评材料：blind/ 下的草稿与 scoring_sheet.csv 交评阅人；key.json 是答案，请另行保管。", ""]
    return "\n".join(parts)


def _details(case: CaseResult) -> list[str]:
    if case.error:
        return [f"- 未能生成：{case.error}"]
    lines = []
    listed = [
        ("无依据的数值", case.invented),
        ("其中改动了要点原值", case.altered),
        ("计划写成已完成", case.promoted),
        ("未写入的要点", case.missing_facts),
        ("没有对应措施的问题", case.problems_without_measure),
        (
            "生成失败的部分",
            [f"{s['key']}（{s.get('error', '')}）" for s in case.sections if s["status"] in NOT_WRITTEN],
        ),
    ]
    for label, values in listed:
        if values:
            lines.append(f"- {label}：" + "；".join(_cell(v) for v in values))
    if case.proof_findings:
        lines.append(f"- 校对发现：{case.proof_findings} 处")
    return lines


def _case_names(result: EvalResult) -> list[str]:
    return [case.case for case in result.runs[0].cases] if result.runs else []


def write_outputs(out_dir: Path, result: EvalResult, seed: int = BLIND_SEED) -> list[Path]:
    """report.md, results.json, blind/*.md, scoring_sheet.csv and key.json; returns the paths written."""
    blind = out_dir / "blind"
    blind.mkdir(parents=True, exist_ok=True)
    written = [out_dir / "report.md", out_dir / "results.json"]
    written[0].write_text(markdown_report(result), encoding="utf-8")
    written[1].write_text(to_json(result) + "\n", encoding="utf-8")
    rng = random.Random(seed)
    key: dict[str, str] = {}
    for number in range(1, len(_case_names(result)) + 1):
        drafted = [
            (run.system, run.cases[number - 1]) for run in result.runs if not run.cases[number - 1].error
        ]
        letters = list(string.ascii_uppercase[: len(drafted)])
        rng.shuffle(letters)
        for letter, (system, case) in sorted(zip(letters, drafted, strict=True)):
            name = f"blind/case-{number:02d}-{letter}.md"
            (out_dir / name).write_text(case.markdown, encoding="utf-8")
            key[name] = system
            written.append(out_dir / name)
    sheet = out_dir / "scoring_sheet.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:  # the BOM lets Excel read the Chinese
        writer = csv.writer(handle)
        writer.writerow(SCORING_COLUMNS)
        writer.writerows([name] + [""] * (len(SCORING_COLUMNS) - 1) for name in key)
    (out_dir / "key.json").write_text(json.dumps(key, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return [*written, sheet, out_dir / "key.json"]
