"""The LLM path: stages with a fake model at the factory seam, and the failure modes against the simulator."""

import re
import time
from pathlib import Path

import pytest

from drafting.errors import UserError
from drafting.models import factory
from drafting.retrieval.library import Library
from drafting.simulator import Behaviour, Fault, running
from drafting.writing.facts import load_facts_file, parse_facts
from drafting.writing.model_writer import clean_reply, cost, estimate, section_messages
from drafting.writing.outline import plan_outline
from drafting.writing.pipeline import generate_draft, regenerate_section
from drafting.writing.prompts import load_prompt, prompt_names
from tests.fakes import FakeChatModel

EXAMPLE = Path(__file__).resolve().parent.parent / "drafting" / "data" / "example_facts.yaml"


@pytest.fixture
def facts():
    return load_facts_file(EXAMPLE)


@pytest.fixture
def fake_model(monkeypatch):
    model = FakeChatModel()
    monkeypatch.setattr(factory, "build_chat_model", lambda settings: model)
    return model


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", text))


def test_full_draft_with_the_fake_model(fake_model, facts, built_library):
    events = []
    draft = generate_draft(facts, built_library, on_event=events.append)
    assert draft.engine.startswith("llm:") and fake_model.calls >= 8
    assert [e.kind for e in events][0] == "outline" and events[-1].kind == "done"
    done = {e.key for e in events if e.kind == "section_done"}
    assert done == {s.key for s in draft.sections}
    text = draft.markdown()
    for fact in facts.facts + facts.problems + facts.plans:
        assert fact in text
    assert _numbers(text) <= _numbers(" ".join(facts.facts + facts.problems + facts.plans)) | {"2025", "2026"}
    assert draft.usage.prompt_tokens > 0 and draft.usage.completion_tokens > 0
    assert all(s.sources for s in draft.sections if s.kind == "work")
    assert [s.kind for s in draft.sections][0] == "opening" and draft.sections[-1].kind == "closing"


def test_every_prompt_gets_all_its_variables(facts, built_library):
    settings = built_library.settings
    outline = plan_outline(facts, embed=None)
    hits = built_library.search("送温暖", k=2)
    for planned in outline.sections:
        messages = section_messages(
            planned, outline, facts, hits, settings, instruction="更简洁", neighbours=["上一节"]
        )
        assert messages[0].type == "system" and messages[1].type == "human"
        assert not any(re.search(r"\{[a-z_]+\}", str(m.content)) for m in messages)  # every variable filled
    work = next(s for s in outline.sections if s.kind == "work")
    prompt = section_messages(work, outline, facts, hits, settings)[1].content
    assert all(fact in prompt for fact in work.facts) and '<exemplar source="' in prompt
    load_prompt("outline").format_messages(
        themes="t", facts="F1：x", organization="o", unit_type="医院", period="2025年"
    )
    assert set(prompt_names()) == {"outline", "section", "problems", "plan", "frame"}


def test_exemplars_are_trimmed_before_facts(facts, built_library):
    settings = built_library.settings.model_copy(update={"llm_context_tokens": 1500})
    outline = plan_outline(facts, embed=None)
    work = next(s for s in outline.sections if s.kind == "work")
    hits = built_library.search("职工 活动 工作", k=5)
    prompt = section_messages(work, outline, facts, hits, settings)[1].content
    assert all(fact in prompt for fact in work.facts)
    assert prompt.count("<exemplar") < 3  # five were offered
    tiny = built_library.settings.model_copy(update={"llm_context_tokens": 500})
    with pytest.raises(UserError, match="超出了模型上下文"):
        section_messages(work, outline, facts, hits, tiny)


def test_regenerating_with_the_model_keeps_other_sections(fake_model, facts, built_library):
    draft = generate_draft(facts, built_library)
    before = {s.key: s.text for s in draft.sections}
    calls = fake_model.calls
    regenerate_section(draft, "problems", built_library, instruction="更正式")
    assert fake_model.calls == calls + 1  # one model call, for that section only
    assert all(draft.section(k).text == before[k] for k in before if k != "problems")
    assert draft.section("problems").previous_versions == [before["problems"]]


def test_estimate_and_cost(facts, built_library):
    settings = built_library.settings.model_copy(
        update={"llm_price_input_per_mtok": 2.0, "llm_price_output_per_mtok": 8.0}
    )
    usage = estimate(facts, settings)
    assert usage.prompt_tokens > 1000 and usage.completion_tokens > 1000
    assert cost(usage, settings) == pytest.approx(
        (usage.prompt_tokens * 2 + usage.completion_tokens * 8) / 1e6
    )


def test_clean_reply_drops_markdown_and_repeated_heading():
    text = "## 民主管理\n\n**一是**召开职代会；\n- 二是公开院务。"
    assert clean_reply(text, "民主管理") == "一是召开职代会；\n\n二是公开院务。"


def _library_for(url: str, built_library: Library, **overrides) -> Library:
    settings = built_library.settings.model_copy(
        update={
            "llm_base_url": url,
            "llm_model": "simulated",
            "llm_idle_timeout": 2.0,
            "llm_max_retries": 2,
            **overrides,
        }
    )
    return Library(settings)


@pytest.mark.parametrize("method", ["json_mode", "json_schema", "function_calling"])
def test_structured_outline_with_each_method_over_the_wire(method, facts, built_library):
    with running(Behaviour()) as (url, simulator):
        draft = generate_draft(facts, _library_for(url, built_library, llm_structured_method=method))
    assert not [w for w in draft.warnings if "提纲失败" in w]
    assert {s.key for s in draft.sections} >= {"work-care", "work-democracy", "problems", "plan"}
    assert draft.usage.prompt_tokens > 0


def test_429_with_retry_after_is_honoured_and_500_is_retried(facts, built_library):
    faults = [
        Fault(kind="429", match="小节标题：心系职工冷暖", retry_after=1.0),
        Fault(kind="500", match="小节标题：坚持民主管理"),
    ]
    with running(Behaviour(faults=faults)) as (url, simulator):
        started = time.perf_counter()
        draft = generate_draft(facts, _library_for(url, built_library))
        elapsed = time.perf_counter() - started
    assert all(s.status == "ok" for s in draft.sections)
    assert elapsed >= 1.0  # waited as Retry-After asked
    assert faults[0].times == 0 and faults[1].times == 0


def test_a_400_is_not_retried_and_fails_that_section_alone(facts, built_library):
    faults = [Fault(kind="400", match="小节标题：做好女职工工作", times=10)]
    with running(Behaviour(faults=faults)) as (url, simulator):
        library = _library_for(url, built_library)
        draft = generate_draft(facts, library)
        women = draft.section("work-women")
        assert women.status == "failed" and "拒绝了请求（400）" in women.error
        assert faults[0].times == 9  # one attempt: a 400 is not retried
        assert all(s.status == "ok" for s in draft.sections if s.key != "work-women")
        assert "【本部分生成失败" in draft.markdown() and any("生成失败" in w for w in draft.warnings)
        faults[0].times = 0
        regenerate_section(draft, "work-women", library)
    assert (
        draft.section("work-women").status == "ok" and "参与女职工120人" in draft.section("work-women").text
    )


def test_a_stalled_stream_times_out_and_is_retried(facts, built_library):
    faults = [Fault(kind="stall", match="小节标题：开展丰富多彩的文体活动")]
    with running(Behaviour(faults=faults, stall_seconds=20)) as (url, simulator):
        started = time.perf_counter()
        draft = generate_draft(facts, _library_for(url, built_library, llm_idle_timeout=1.0))
        elapsed = time.perf_counter() - started
    assert faults[0].times == 0
    assert (
        draft.section("work-culture").status == "ok"
        and "组织全院职工健步走活动" in draft.section("work-culture").text
    )
    assert 1.0 <= elapsed < 15  # waited one idle timeout, not the 20 s stall


def test_malformed_outline_json_is_repaired(facts, built_library):
    faults = [Fault(kind="malformed", match="拟定提纲")]
    with running(Behaviour(faults=faults)) as (url, simulator):
        draft = generate_draft(facts, _library_for(url, built_library, llm_structured_method="json_mode"))
    assert faults[0].times == 0
    assert not [w for w in draft.warnings if "提纲失败" in w]
    assert "work-care" in {s.key for s in draft.sections}


def test_sections_are_written_in_parallel(facts, built_library):
    with running(Behaviour(first_token_delay=0.3, tokens_per_second=200)) as (url, simulator):
        generate_draft(facts, _library_for(url, built_library, llm_concurrency=4))
    assert simulator.max_in_flight >= 3


def test_offline_flag_skips_the_model(fake_model, built_library):
    facts = parse_facts({"organization": "某工会", "period": "2025年", "facts": ["组织篮球赛"]})
    assert generate_draft(facts, built_library, offline=True).engine == "offline"
    assert fake_model.calls == 0


class ScriptStopped(Exception):
    """Stands for Streamlit's StopException, raised in the script thread when the user navigates away."""


def test_an_interrupted_generation_keeps_what_was_written(facts, built_library, tmp_path):
    from drafting.output.store import DraftStore

    store = DraftStore(tmp_path / "drafts.sqlite3")
    snapshots = []

    def save(draft):
        store.save(draft)
        snapshots.append([s.status for s in draft.sections])

    finished = []

    def on_event(event):
        if event.kind == "section_done":
            finished.append(event.key)
            if len(finished) == 3:
                raise ScriptStopped  # the user clicked elsewhere: Streamlit stops the script

    with running(Behaviour(tokens_per_second=400)) as (url, simulator), pytest.raises(ScriptStopped):
        generate_draft(
            facts, _library_for(url, built_library, llm_concurrency=1), on_event=on_event, on_partial=save
        )
    assert set(snapshots[0]) == {"pending"}
    ((draft_id, _, _),) = store.list()
    reopened = store.get(draft_id)
    done = [s for s in reopened.sections if s.status == "ok"]
    assert len(done) == 2 and all(s.text for s in done)  # the third finished as the user left
    assert "【本部分尚未生成" in reopened.markdown()
    regenerate_section(
        reopened, next(s.key for s in reopened.sections if s.status == "pending"), built_library
    )
    assert sum(s.status == "ok" for s in reopened.sections) == 3


def test_the_fact_guard_makes_a_section_be_rewritten_once(facts, built_library):
    faults = [Fault(kind="invent", match="<facts>\n春节走访慰问")]
    with running(Behaviour(faults=faults)) as (url, simulator):
        draft = generate_draft(facts, _library_for(url, built_library))
    care = draft.section("work-care")
    assert faults[0].times == 0 and "99场" not in care.text and care.flags == []


def test_a_value_still_unsupported_after_the_retry_is_flagged(facts, built_library):
    faults = [Fault(kind="invent", match="<facts>\n春节走访慰问", times=2)]
    with running(Behaviour(faults=faults)) as (url, simulator):
        draft = generate_draft(facts, _library_for(url, built_library))
    care = draft.section("work-care")
    assert faults[0].times == 0 and "99场" in care.text and "99场" in care.flags
    assert all(s.flags == [] for s in draft.sections if s.key != "work-care")


def test_rewrite_toward_a_reference_keeps_facts_and_the_old_version(fake_model, facts, built_library):
    from drafting.writing.pipeline import rewrite_toward

    draft = generate_draft(facts, built_library)
    before = draft.section("work-care").text
    reference = built_library.corpus.get("seed002-04")
    rewrite_toward(draft, "work-care", reference, built_library)
    care = draft.section("work-care")
    assert care.previous_versions == [before] and "春节走访慰问困难职工23户" in care.text and care.flags == []


def test_rewrite_toward_needs_a_model(built_library, facts):
    from drafting.writing.pipeline import rewrite_toward

    draft = generate_draft(facts, built_library)
    with pytest.raises(UserError, match="需要大模型"):
        rewrite_toward(draft, "work-care", built_library.corpus.get("seed002-04"), built_library)
