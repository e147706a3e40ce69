"""`drafting eval` end to end against the simulated endpoint, and its parts: cases, specs, metrics, report."""

import csv
import io
import json
import random
import string
from pathlib import Path

import pytest
import yaml

from drafting.cli import main
from drafting.errors import UserError
from drafting.evaluation.cases import bundled_cases_dir, load_cases
from drafting.evaluation.metrics import length_score
from drafting.evaluation.report import BLIND_SEED, SCORING_COLUMNS
from drafting.evaluation.systems import parse_endpoint
from drafting.retrieval.library import Library
from drafting.settings import load_settings
from drafting.simulator import Behaviour, Fault, running

SUMMARY_KEYS = {
    "fact_coverage",
    "invented_values",
    "altered_values",
    "status_promotions",
    "sections_failed",
    "length_score",
    "tone_distance",
    "time_to_first_text_s",
    "total_s",
    "prompt_tokens",
    "completion_tokens",
    "cost",
}
CASE_KEYS = SUMMARY_KEYS | {
    "case",
    "invented",
    "missing_facts",
    "problems_without_measure",
    "proof_findings",
    "sections",
    "error",
}
REPORT = """---
id: tiny-{n}
title: 示例{unit}工会工作总结
unit_type: {unit}
period: 2024年
kind: 总结及计划
script: 简体
source: tiny-{n}.txt
origin: bundled
---
在上级工会和单位党组织的正确领导下，{unit}工会紧紧围绕中心工作，扎实开展各项工作。现将有关情况总结如下：

一、加强民主管理

我们坚持召开职工代表大会，切实保障职工的知情权、参与权和监督权，进一步推进公开工作。

二、关心职工生活

一是深入开展送温暖活动，走访慰问困难职工；二是组织丰富多彩的文体活动，增强队伍凝聚力。

三、存在的问题

工会活动形式还不够丰富，青年职工参与度有待提高。

四、明年工作计划

我们将进一步加强职工之家建设，扎实推进各项工作，为单位发展作出新的更大贡献。
"""
CASES = {
    "a-school": {
        "organization": "江南区第三中学工会",
        "org_type": "学校",
        "period": "2025年",
        "target_chars": 1200,
        "facts": [
            "召开教职工代表大会，审议通过《绩效工资分配办法》",
            "走访慰问困难教职工15人，发放慰问金2.4万元",
        ],
        "problems": ["教工活动场地较为紧张"],
        "plans": ["拟于2026年5月举办教职工趣味运动会", "改善教工活动场地"],
    },
    "b-hospital": {
        "organization": "滨海县人民医院工会",
        "org_type": "医院",
        "period": "2025年上半年",
        "target_chars": 1000,
        "facts": ["组织护理技能竞赛，146人次参赛，4人获市级二等奖", "组织职工健步走活动"],
        "problems": ["职工文体活动场地不足"],
        "plans": ["将改善职工文体活动场地"],
    },
}


@pytest.fixture(scope="module")
def tiny_library(tmp_path_factory) -> Library:
    """A two-report corpus (学校, 医院), indexed once: enough for exemplars and tone references, and quick."""
    root = tmp_path_factory.mktemp("eval")
    corpus = root / "corpus"
    corpus.mkdir()
    for n, unit in enumerate(("学校", "医院")):
        (corpus / f"tiny-{n}.md").write_text(REPORT.format(n=n, unit=unit), encoding="utf-8")
    library = Library(load_settings(data_dir=root / "data", corpus_dir=corpus))
    library.build()
    return library


@pytest.fixture
def env(tiny_library, monkeypatch) -> None:
    """`main` loads settings from the environment: point it at the indexed tiny corpus."""
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tiny_library.settings.data_dir))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(tiny_library.settings.corpus_dir))
    for name in [n for n in __import__("os").environ if n.startswith(("LLM_PRICE", "LLM_API_KEY_"))]:
        monkeypatch.delenv(name)


@pytest.fixture
def cases_dir(tmp_path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    for name, data in CASES.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def _eval_json(capsys, *argv: str) -> dict:
    assert main(["eval", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _run(result: dict, system: str) -> dict:
    return next(run for run in result["runs"] if run["system"] == system)


def test_invented_values_are_counted_and_named(allow_model_requests, env, cases_dir, capsys):
    with running(Behaviour(faults=[Fault(kind="invent", times=None)])) as (url, simulator):
        result = _eval_json(capsys, "--cases", str(cases_dir), "--endpoint", f"{url}@simulated")
    assert [run["system"] for run in result["runs"]] == ["offline", f"{url}@simulated"]
    model = _run(result, f"{url}@simulated")
    assert model["summary"]["invented_values"] > 0
    for case in model["cases"]:
        assert {"11月18日", "省级", "《职工之家建设白皮书》"} <= set(case["invented"])
        assert case["invented_values"] == len(case["invented"])
    assert _run(result, "offline")["summary"]["invented_values"] == 0


def test_a_clean_endpoint_next_to_the_offline_baseline(allow_model_requests, env, cases_dir, capsys):
    with running(Behaviour()) as (url, simulator):
        result = _eval_json(capsys, "--cases", str(cases_dir), "--endpoint", f"{url}@simulated")
    assert set(result) == {"runs"}
    for run in result["runs"]:
        assert set(run) == {"system", "summary", "cases"} and set(run["summary"]) == SUMMARY_KEYS
        assert [c["case"] for c in run["cases"]] == sorted(CASES)
        for case in run["cases"]:
            assert set(case) == CASE_KEYS and case["error"] == ""
            assert case["fact_coverage"] == 1.0 and case["invented"] == [] and case["sections_failed"] == 0
            assert case["status_promotions"] == 0 and case["problems_without_measure"] == []
            assert 0 < case["time_to_first_text_s"] <= case["total_s"]
            assert 0 < case["length_score"] <= 100 and case["tone_distance"] >= 0
    model, offline = _run(result, f"{url}@simulated"), _run(result, "offline")
    assert model["summary"]["fact_coverage"] == 1.0 and model["summary"]["invented_values"] == 0
    assert model["summary"]["prompt_tokens"] > 0 and model["summary"]["completion_tokens"] > 0
    for key in ("prompt_tokens", "completion_tokens"):  # the summary counts every case
        assert model["summary"][key] == sum(c[key] for c in model["cases"])
    assert offline["summary"]["prompt_tokens"] == 0 and offline["summary"]["cost"] == 0
    assert model["summary"]["cost"] == 0  # a loopback endpoint is free


def test_a_failed_section_is_counted_and_its_error_is_not_read_as_an_invented_value(
    allow_model_requests, env, cases_dir, capsys
):
    faults = [Fault(kind="400", match="<problems>", times=None)]  # the problems and plan sections
    with running(Behaviour(faults=faults)) as (url, simulator):
        result = _eval_json(capsys, "--cases", str(cases_dir), "--endpoint", f"{url}@simulated")
    for case in _run(result, f"{url}@simulated")["cases"]:
        failed = [s for s in case["sections"] if s["status"] == "failed"]
        assert case["sections_failed"] == len(failed) >= 1 and all("400" in s["error"] for s in failed)
        assert case["invented"] == []


@pytest.mark.slow  # 9 s here
def test_cases_run_side_by_side_within_the_concurrency_limit(
    allow_model_requests, env, cases_dir, monkeypatch, capsys
):
    for n in range(3):
        (cases_dir / f"c-extra-{n}.yaml").write_text(
            yaml.safe_dump({**CASES["a-school"], "organization": f"第{n + 4}中学工会"}, allow_unicode=True),
            encoding="utf-8",
        )
    monkeypatch.setenv("LLM_CONCURRENCY", "2")
    with running(Behaviour(first_token_delay=0.3)) as (url, simulator):
        result = _eval_json(capsys, "--cases", str(cases_dir), "--endpoint", f"{url}@simulated")
    assert simulator.max_in_flight == 2  # two cases at once, one request each, never more
    assert all(not case["error"] for case in _run(result, f"{url}@simulated")["cases"])


def test_out_writes_the_report_results_and_a_blind_pack(
    allow_model_requests, env, cases_dir, tiny_library, tmp_path, capsys
):
    out = tmp_path / "out"
    with running(Behaviour()) as (url, simulator):
        assert (
            main(["eval", "--cases", str(cases_dir), "--endpoint", f"{url}@simulated", "--out", str(out)])
            == 0
        )
    table = capsys.readouterr().out
    assert "要点覆盖率" in table and "offline" in table and f"{url}@simulated" in table
    result = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [run["system"] for run in result["runs"]] == ["offline", f"{url}@simulated"]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert all(name in report for name in CASES) and "| 指标 | offline |" in report
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))
    assert sorted(key) == [f"blind/case-{n:02d}-{x}.md" for n in (1, 2) for x in "AB"]
    assert sorted(key.values()) == sorted(["offline", "offline", f"{url}@simulated", f"{url}@simulated"])
    rng = random.Random(BLIND_SEED)  # the letters are shuffled per case with the seeded RNG
    for number in (1, 2):
        letters = list(string.ascii_uppercase[:2])
        rng.shuffle(letters)
        assert key[f"blind/case-{number:02d}-{letters[0]}.md"] == "offline"
    for name in key:
        text = (out / name).read_text(encoding="utf-8")
        assert "offline" not in text and "simulated" not in text and text.startswith("# ")
    offline_case_1 = next(name for name, system in key.items() if system == "offline" and "case-01" in name)
    from drafting.service import DraftingService
    from drafting.writing.facts import parse_facts

    service = DraftingService(
        tiny_library.settings.model_copy(update={"data_dir": tmp_path}), library=tiny_library
    )
    # the key points at the right draft (the text; its 落款 carries the drafting day, which midnight may change)
    expected = service.draft(parse_facts(CASES["a-school"]), offline=True).markdown(signature=False)
    assert (out / offline_case_1).read_text(encoding="utf-8").startswith(expected.rstrip("\n") + "\n\n")
    with (out / "scoring_sheet.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == SCORING_COLUMNS and [row[0] for row in rows[1:]] == list(key)
    assert all(cell == "" for row in rows[1:] for cell in row[1:])


def test_an_out_folder_that_cannot_be_made_is_refused_before_any_drafting(env, cases_dir, tmp_path, capsys):
    """--out under a file: a Chinese message before the run (which may cost money), not a traceback after it."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    assert main(["eval", "--cases", str(cases_dir), "--out", str(blocker / "out")]) == 1
    captured = capsys.readouterr()
    assert "无法写入文件夹" in captured.err and "Traceback" not in captured.err
    assert "要点覆盖率" not in captured.out  # nothing was drafted


def test_a_paid_run_needs_yes_when_nobody_can_answer(env, cases_dir, monkeypatch, capsys):
    monkeypatch.setenv("LLM_API_KEY", "sk-test-secret-123")
    monkeypatch.setenv("LLM_PRICE_INPUT", "2")
    monkeypatch.setenv("LLM_PRICE_OUTPUT", "8")
    assert main(["eval", "--cases", str(cases_dir), "--endpoint", "openai:gpt-4o-mini"]) == 1
    output = capsys.readouterr()
    assert "预计 openai:gpt-4o-mini" in output.err and "token" in output.err and "--yes" in output.err
    assert "sk-test-secret-123" not in output.err + output.out

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal("n\n"))  # at a terminal the user is asked, and says no
    assert main(["eval", "--cases", str(cases_dir), "--endpoint", "openai:gpt-4o-mini", "--json"]) == 1
    output = capsys.readouterr()
    assert "继续吗" in output.err and "已取消" in output.err and output.out == ""


def test_endpoint_specs_and_where_keys_go(settings, monkeypatch):
    from pydantic import SecretStr

    configured = settings.model_copy(
        update={"llm_base_url": "https://api.deepseek.com/v1", "llm_api_key": SecretStr("sk-deep")}
    )
    deepseek = parse_endpoint("deepseek:deepseek-chat", configured, environ={})
    assert deepseek.name == "deepseek:deepseek-chat" and deepseek.settings.llm_model == "deepseek-chat"
    assert deepseek.settings.llm_base_url == "https://api.deepseek.com/v1"
    assert deepseek.settings.llm_api_key.get_secret_value() == "sk-deep"
    ollama = parse_endpoint("Ollama:qwen2.5:7b", configured, environ={})
    assert ollama.settings.llm_model == "qwen2.5:7b" and ollama.settings.llm_base_url.startswith(
        "http://127.0.0.1"
    )
    assert ollama.settings.llm_api_key.get_secret_value() == ""  # the DeepSeek key stays with DeepSeek
    openai = parse_endpoint("OPENAI:", configured, environ={"LLM_API_KEY_OPENAI": "sk-oa"})
    assert (
        openai.settings.llm_model == "gpt-4o-mini"
        and openai.settings.llm_api_key.get_secret_value() == "sk-oa"
    )
    assert openai.settings.llm_structured_method == "json_schema"
    local = parse_endpoint("http://user:pw@127.0.0.1:8000/v1@my-model", configured, environ={})
    assert local.name == "http://127.0.0.1:8000/v1@my-model" and local.settings.llm_model == "my-model"
    with pytest.raises(UserError, match="没有名为“gemini”的预设接口.*deepseek"):
        parse_endpoint("gemini:pro", configured, environ={})
    with pytest.raises(UserError, match="@模型名"):
        parse_endpoint("http://127.0.0.1:8000/v1", configured, environ={})


def test_length_score_follows_longbench_write():
    assert length_score(1000, 1000) == 100
    assert length_score(1000, 2500) == pytest.approx(50)  # longer: 100·(1 − (2.5 − 1)/3)
    assert length_score(1000, 4000) == 0 and length_score(1000, 9000) == 0
    assert length_score(1000, 500) == pytest.approx(50)  # shorter: 100·(1 − (2 − 1)/2)
    assert length_score(900, 300) == 0 and length_score(1000, 0) == 0
    assert length_score(1000, 1100) > length_score(1000, 900)  # running over is punished less


def test_the_bundled_cases_cover_what_the_card_promises():
    cases = load_cases()
    assert len(cases) >= 12
    facts = [case.facts for case in cases]
    assert {f.org_type for f in facts} >= {"学校", "医院", "企业", "机关", "地方工会", "其他"}
    assert {f.report_type for f in facts} >= {"summary_and_plan", "summary", "half_year", "plan"}
    assert any(f.script == "繁體" for f in facts) and any(len(f.facts) >= 40 for f in facts)
    assert any(f.problems and not f.plans and f.report_type != "summary" for f in facts)
    assert sum(len(f.flagged) for f in facts) >= 3  # planted instructions are set aside by the parser
    raw = "".join(p.read_text(encoding="utf-8") for p in bundled_cases_dir().glob("*.yaml"))
    assert all(marker in raw for marker in ("忽略以上要求", "<a href", "](https://", "<script>"))


def test_a_bad_cases_folder_is_explained(tmp_path):
    with pytest.raises(UserError, match="找不到评测用例文件夹"):
        load_cases(tmp_path / "missing")
    with pytest.raises(UserError, match="没有要点文件"):
        load_cases(tmp_path)
    (tmp_path / "broken.yaml").write_text(
        "organization: 某工会\nperiod: 去年\nfacts: [x]\n", encoding="utf-8"
    )
    with pytest.raises(UserError, match="broken.yaml.*总结期间"):
        load_cases(tmp_path)


def test_proofreading_is_counted_when_a_proofreader_exists(monkeypatch):
    import sys
    import types

    from drafting.evaluation.metrics import proof_findings

    seen: list[str] = []
    fake = types.ModuleType("drafting.checks.proof")
    fake.proofread = lambda text: seen.append(text) or ["a", "b"]
    monkeypatch.setitem(sys.modules, "drafting.checks.proof", fake)
    assert proof_findings("# 标题\n\n## 一、工作\n\n正文,有半角逗号。") == 2
    assert seen == ["标题\n\n一、工作\n\n正文,有半角逗号。"]  # proofread as plain text, not Markdown
    monkeypatch.setitem(sys.modules, "drafting.checks.proof", None)  # not installed
    assert proof_findings("正文。") is None
