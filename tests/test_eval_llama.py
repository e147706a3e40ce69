"""`drafting eval` over the real wire: llama.cpp's OpenAI-compatible server with SmolLM2-135M on loopback.

The drafts are nonsense; this proves the report card's plumbing against a real server: streamed text
timed, usage counted, every case scored side by side with the offline baseline.
"""

import json

import pytest
import yaml

from drafting.cli import main
from tests.test_eval import CASE_KEYS, SUMMARY_KEYS, env, tiny_library  # noqa: F401 - fixtures

CASES = {  # one: a 135M model reads ~100 tokens/s here, ~40 s a case alone; test_eval sums several cases
    "school": {
        "organization": "某中学工会",
        "org_type": "学校",
        "period": "2025年",
        "report_type": "summary",
        "target_chars": 800,
        "facts": ["慰问困难教职工12人"],
    },
}


@pytest.mark.server
def test_eval_against_llama_cpp(allow_model_requests, llama_server, env, tmp_path, monkeypatch, capsys):  # noqa: F811 - env
    folder = tmp_path / "cases"
    folder.mkdir()
    for name, data in CASES.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for name, value in {
        "LLM_CONTEXT_TOKENS": "3000",
        "LLM_MAX_OUTPUT_TOKENS": "60",
        "LLM_CONCURRENCY": "1",  # llama-cpp-python serves one stream at a time
        "LLM_MAX_RETRIES": "1",
        "LLM_IDLE_TIMEOUT": "60",
    }.items():
        monkeypatch.setenv(name, value)
    system = f"{llama_server}@smollm2"
    assert main(["eval", "--cases", str(folder), "--endpoint", system, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [run["system"] for run in result["runs"]] == ["offline", system]
    model = result["runs"][1]
    assert set(model["summary"]) == SUMMARY_KEYS and [c["case"] for c in model["cases"]] == sorted(CASES)
    for case in model["cases"]:
        assert set(case) == CASE_KEYS and case["error"] == ""
        assert case["prompt_tokens"] > 0 and case["completion_tokens"] > 0
        assert 0 < case["time_to_first_text_s"] <= case["total_s"]
        assert 0 <= case["fact_coverage"] <= 1 and case["invented_values"] == len(case["invented"])
    assert model["summary"]["prompt_tokens"] == sum(c["prompt_tokens"] for c in model["cases"])
    assert model["summary"]["time_to_first_text_s"] > 0 and model["summary"]["cost"] == 0
