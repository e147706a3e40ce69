"""The LLM path: the pipeline with a FunctionModel at the factory seam, and failure modes against the simulator."""

import re
import time
from pathlib import Path

import pytest

from drafting.errors import UserError
from drafting.models import ModelRequestsBlocked
from drafting.service import DraftingService
from drafting.simulator import Behaviour, Fault, running
from drafting.writing.estimate import cost, cost_words, estimate
from drafting.writing.facts import load_facts_file, parse_facts
from drafting.writing.model_writer import clean_reply, section_prompt
from drafting.writing.pipeline import SectionJob
from drafting.writing.planner import plan_locally
from drafting.writing.prompts import Template, TemplateError, load_prompt, prompt_names
from tests.fakes import REPLIES, scripted_model

EXAMPLE = Path(__file__).resolve().parent.parent / "drafting" / "data" / "example_facts.yaml"


@pytest.fixture
def facts():
    return load_facts_file(EXAMPLE)


@pytest.fixture
def fake_model():
    return scripted_model()


def service_with(model, built_library) -> DraftingService:
    """A service whose settings name an endpoint, writing with `model` (passed in, never over the wire)."""
    settings = built_library.settings.model_copy(update={"llm_base_url": "http://fake.invalid/v1"})
    return DraftingService(settings, library=built_library, models=lambda settings: model)


@pytest.fixture
def model_service(fake_model, built_library):
    return service_with(fake_model, built_library)


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", text))


def test_full_draft_with_the_fake_model(fake_model, model_service, facts):
    events = []
    draft = model_service.draft(facts, on_event=events.append)
    assert draft.engine == "llm:function" and {p.name for p in fake_model.prompts} == {
        "opening",
        "section",
        "problems",
        "plan",
        "closing",
    }
    assert [e.kind for e in events][0] == "outline" and events[-1].kind == "done"
    done = {e.key for e in events if e.kind == "section_done"}
    assert done == {s.key for s in draft.sections}
    text = draft.markdown(signature=False)  # the model's text: the 落款's date is the drafting day's
    for fact in facts.facts + facts.problems + facts.plans:
        assert fact in text
    assert _numbers(text) <= _numbers(" ".join(facts.facts + facts.problems + facts.plans)) | {"2025", "2026"}
    assert draft.usage.prompt_tokens > 0 and draft.usage.completion_tokens > 0
    assert all(s.sources for s in draft.sections if s.kind == "work")
    assert all(s.status == "ok" and s.theme for s in draft.sections if s.kind == "work")
    assert model_service.get(draft.id).sections == draft.sections  # saved as it was written


def test_the_model_planner_is_optional(fake_model, model_service, facts):
    outline, usage = model_service.improve_outline(facts)
    assert fake_model.prompts[-1].name == "outline" and usage.prompt_tokens > 0
    placed = [fact for s in outline.sections if s.kind == "work" for fact in s.facts]
    assert sorted(placed) == sorted(facts.facts)
    model_service.draft(facts)
    assert [p.name for p in fake_model.prompts].count("outline") == 1  # not asked again by default


def test_with_llm_planner_the_pipeline_plans_with_the_model_and_counts_it(fake_model, built_library, facts):
    settings = built_library.settings.model_copy(
        update={"llm_base_url": "http://fake.invalid/v1", "llm_planner": True}
    )
    service = DraftingService(settings, library=built_library, models=lambda settings: fake_model)
    draft = service.draft(facts)
    outline_calls = [p for p in fake_model.prompts if p.name == "outline"]
    assert len(outline_calls) == 1 and draft.usage.total > 0
    work = [fact for s in draft.sections if s.kind == "work" for fact in s.facts]
    assert sorted(work) == sorted(facts.facts)  # the planner's grouping, every fact placed once
    service.draft(facts, outline=plan_locally(facts))  # an outline given: the planner is not asked
    assert [p.name for p in fake_model.prompts].count("outline") == 1


def test_no_test_reaches_a_real_model_without_opting_in(built_library, facts):
    settings = built_library.settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1"})
    with pytest.raises(ModelRequestsBlocked):
        DraftingService(settings, library=built_library).draft(facts)


def test_templates_declare_their_variables_and_are_checked():
    assert set(prompt_names()) == {
        "outline",
        "section",
        "problems",
        "plan",
        "opening",
        "closing",
        "carryover",
        "extract",
    }
    for name in prompt_names():
        assert load_prompt(name).variables
    with pytest.raises(TemplateError, match="undeclared"):
        Template("t", "---\nvariables: [a]\n---\n### system\n{a}{b}\n### user\nx")
    with pytest.raises(TemplateError, match="missing"):
        load_prompt("problems").render(title="t")


def test_every_prompt_gets_all_its_variables(facts, built_library):
    settings = built_library.settings
    outline = plan_locally(facts)
    hits = built_library.search("送温暖", k=2)
    for planned in outline.sections:
        job = SectionJob(planned, outline, facts, hits, instruction="更简洁", neighbours=["上一节"])
        prompt = section_prompt(job, settings)
        assert prompt.name == {"work": "section"}.get(planned.kind, planned.kind)
        assert not any(re.search(r"\{[a-z_]+\}", str(m.content)) for m in prompt.messages)
    work = next(s for s in outline.sections if s.kind == "work")
    prompt = section_prompt(SectionJob(work, outline, facts, hits), settings).text("human")
    assert all(fact in prompt for fact in work.facts) and '<exemplar source="' in prompt


def test_exemplars_are_trimmed_before_facts(facts, built_library):
    settings = built_library.settings.model_copy(update={"llm_context_tokens": 1500})
    outline = plan_locally(facts)
    work = next(s for s in outline.sections if s.kind == "work")
    hits = built_library.search("职工 活动 工作", k=5)
    prompt = section_prompt(SectionJob(work, outline, facts, hits), settings).text("human")
    assert all(fact in prompt for fact in work.facts)
    assert prompt.count("<exemplar") < 3  # five were offered
    tiny = built_library.settings.model_copy(update={"llm_context_tokens": 500})
    with pytest.raises(UserError, match="超出了模型上下文"):
        section_prompt(SectionJob(work, outline, facts, hits), tiny)


def test_regenerating_with_the_model_keeps_other_sections(fake_model, model_service, facts):
    draft = model_service.draft(facts)
    before = {s.key: s.text for s in draft.sections}
    calls = len(fake_model.prompts)
    regenerated = model_service.regenerate(draft.id, "problems", instruction="更正式")
    assert len(fake_model.prompts) == calls + 1  # one model call, for that section only
    assert "修改要求：更正式" in fake_model.prompts[-1].text("human")
    assert all(regenerated.section(k).text == before[k] for k in before if k != "problems")
    assert regenerated.section("problems").previous_versions == [before["problems"]]


def test_estimate_and_cost(facts, built_library):
    settings = built_library.settings.model_copy(
        update={"llm_price_input_per_mtok": 2.0, "llm_price_output_per_mtok": 8.0}
    )
    usage = estimate(plan_locally(facts), facts, settings)
    assert usage.prompt_tokens > 1000 and usage.completion_tokens > 1000
    assert cost(usage, settings) == pytest.approx(
        (usage.prompt_tokens * 2 + usage.completion_tokens * 8) / 1e6
    )
    with_planner = estimate(plan_locally(facts), facts, settings.model_copy(update={"llm_planner": True}))
    assert with_planner.prompt_tokens > usage.prompt_tokens
    assert cost_words(cost(usage, settings)).startswith("费用约 0.0")
    unpriced = cost(usage, built_library.settings)  # no price set: 0, which read 费用约 0.0000 (free)
    assert cost_words(unpriced) == "费用未估算（没有设置每百万 token 单价）"


def test_clean_reply_drops_markdown_and_repeated_heading():
    text = "## 民主管理\n\n**一是**召开职代会；\n- 二是公开院务。"
    assert clean_reply(text, "民主管理") == "一是召开职代会；\n\n二是公开院务。"


def _service_for(url: str, built_library, **overrides) -> DraftingService:
    settings = built_library.settings.model_copy(
        update={
            "llm_base_url": url,
            "llm_model": "simulated",
            "llm_idle_timeout": 2.0,
            "llm_max_retries": 2,
            **overrides,
        }
    )
    return DraftingService(settings, library=built_library)


@pytest.mark.parametrize("method", ["json_mode", "json_schema", "function_calling"])
def test_structured_outline_with_each_method_over_the_wire(
    method, facts, built_library, allow_model_requests
):
    with running(Behaviour()) as (url, simulator):
        outline, usage = _service_for(url, built_library, llm_structured_method=method).improve_outline(facts)
    assert {s.key for s in outline.sections} >= {"work-care", "work-democracy", "problems", "plan"}
    assert usage.prompt_tokens > 0


def test_429_with_retry_after_is_honoured_and_500_is_retried(facts, built_library, allow_model_requests):
    faults = [
        Fault(kind="429", match="<facts>\n春节走访慰问", retry_after=1.0),
        Fault(kind="500", match="小节标题：深化院务公开"),
    ]
    with running(Behaviour(faults=faults)) as (url, simulator):
        started = time.perf_counter()
        draft = _service_for(url, built_library).draft(facts)
        elapsed = time.perf_counter() - started
    assert all(s.status == "ok" for s in draft.sections)
    assert elapsed >= 1.0  # waited as Retry-After asked
    assert faults[0].times == 0 and faults[1].times == 0


def test_a_400_is_not_retried_and_fails_that_section_alone(facts, built_library, allow_model_requests):
    faults = [Fault(kind="400", match="小节标题：做好女职工工作", times=10)]
    with running(Behaviour(faults=faults)) as (url, simulator):
        service = _service_for(url, built_library)
        draft = service.draft(facts)
        women = draft.section("work-women")
        assert women.status == "failed" and "拒绝了请求（400）" in women.error
        assert faults[0].times == 9  # one attempt: a 400 is not retried
        assert all(s.status == "ok" for s in draft.sections if s.key != "work-women")
        assert "【本部分生成失败" in draft.markdown() and any("生成失败" in w for w in draft.notices())
        faults[0].times = 0
        draft = service.regenerate(draft.id, "work-women")
    assert (
        draft.section("work-women").status == "ok" and "参与女职工120人" in draft.section("work-women").text
    )
    assert not any(
        "生成失败" in w for w in service.get(draft.id).notices()
    )  # it stayed, saved with the draft


def test_a_stalled_stream_times_out_and_is_retried(facts, built_library, allow_model_requests):
    faults = [Fault(kind="stall", match="小节标题：开展丰富多彩的文体活动")]
    with running(Behaviour(faults=faults, stall_seconds=20)) as (url, simulator):
        started = time.perf_counter()
        draft = _service_for(url, built_library, llm_idle_timeout=1.0).draft(facts)
        elapsed = time.perf_counter() - started
    assert faults[0].times == 0
    culture = draft.section("work-culture")
    assert culture.status == "ok" and "组织全院职工健步走活动" in culture.text
    assert 1.0 <= elapsed < 15  # waited one idle timeout, not the 20 s stall


def test_malformed_outline_json_is_repaired(facts, built_library, allow_model_requests):
    faults = [Fault(kind="malformed", match="拟定提纲")]
    with running(Behaviour(faults=faults)) as (url, simulator):
        outline, _ = _service_for(url, built_library, llm_structured_method="json_mode").improve_outline(
            facts
        )
    assert faults[0].times == 0
    assert "work-care" in {s.key for s in outline.sections}


@pytest.mark.slow  # two drafts streamed at a paced rate, 11 s here
def test_all_sections_start_at_once_unless_the_profile_caps_them(facts, built_library, allow_model_requests):
    with running(Behaviour(first_token_delay=0.3, tokens_per_second=200)) as (url, simulator):
        draft = _service_for(url, built_library).draft(facts)
    assert simulator.max_in_flight == len(draft.sections)
    with running(Behaviour(first_token_delay=0.1, tokens_per_second=400)) as (url, simulator):
        _service_for(url, built_library, llm_provider="llama.cpp").draft(facts)
    assert simulator.max_in_flight == 1  # llama.cpp's server answers one stream at a time


def test_the_first_text_streams_before_the_other_sections_finish(facts, built_library, allow_model_requests):
    kinds = []
    with running(Behaviour(first_token_delay=0.2, tokens_per_second=100)) as (url, simulator):
        _service_for(url, built_library).draft(facts, on_event=lambda event: kinds.append(event.kind))
    assert kinds[0] == "outline" and kinds.index("delta") < kinds.index("section_done")
    assert simulator.requests == kinds.count("section_started")  # no outline call, no retry


def test_offline_flag_skips_the_model(fake_model, model_service):
    facts = parse_facts({"organization": "某工会", "period": "2025年", "facts": ["组织篮球赛"]})
    assert model_service.draft(facts, offline=True).engine == "offline"
    assert fake_model.prompts == []


class ScriptStopped(Exception):
    """Stands for Streamlit's StopException, raised in the script thread when the user navigates away."""


def test_an_interrupted_generation_keeps_what_was_written(
    facts, built_library, tmp_path, allow_model_requests
):
    settings = built_library.settings.model_copy(update={"data_dir": tmp_path / "data"})
    snapshots = []
    finished = []

    def on_event(event):
        if event.kind == "section_done":
            finished.append(event.key)
            if len(finished) == 3:
                raise ScriptStopped  # the user clicked elsewhere: Streamlit stops the script

    with running(Behaviour(tokens_per_second=400)) as (url, simulator), pytest.raises(ScriptStopped):
        service = DraftingService(
            settings.model_copy(update={"llm_base_url": url, "llm_model": "simulated", "llm_concurrency": 1}),
            library=built_library,
        )
        service.draft(
            facts, on_event=on_event, on_saved=lambda d: snapshots.append([s.status for s in d.sections])
        )
    assert set(snapshots[0]) == {"pending"}
    (row,) = service.list_drafts()
    reopened = service.get(row.id)
    done = [s for s in reopened.sections if s.status == "ok"]
    assert len(done) == 2 and all(s.text for s in done)  # the third finished as the user left
    assert "【本部分尚未生成" in reopened.markdown()
    (notice,) = [n for n in reopened.notices() if "起草中途停止" in n]  # it said nothing of the stop
    assert len(notice.split("：", 1)[1].split("、")) == len(reopened.sections) - 2
    pending = next(s.key for s in reopened.sections if s.status == "pending")
    offline = DraftingService(settings, library=built_library)
    regenerated = offline.regenerate(row.id, pending)
    assert sum(s.status == "ok" for s in regenerated.sections) == 3
    started = []
    assert offline.write_unwritten(row.id, on_section=lambda *started_one: started.append(started_one)) == []
    assert [number for _, number, _ in started] == list(range(1, len(reopened.sections) - 2))
    completed = offline.get(row.id)
    assert not completed.unwritten() and not [n for n in completed.notices() if "起草中途停止" in n]


def test_the_fact_guard_makes_a_section_be_rewritten_once(facts, built_library, allow_model_requests):
    faults = [Fault(kind="invent", match="<facts>\n春节走访慰问")]
    with running(Behaviour(faults=faults)) as (url, simulator):
        draft = _service_for(url, built_library).draft(facts)
    care = draft.section("work-care")
    assert faults[0].times == 0 and "99场" not in care.text and care.flags == [] and care.status == "ok"


def test_a_value_still_unsupported_after_the_retry_is_flagged(facts, built_library, allow_model_requests):
    faults = [Fault(kind="invent", match="<facts>\n春节走访慰问", times=2)]
    with running(Behaviour(faults=faults)) as (url, simulator):
        draft = _service_for(url, built_library).draft(facts)
    care = draft.section("work-care")
    assert faults[0].times == 0 and "99场" in care.text and "99场" in care.flags
    assert care.status == "flagged" and draft.has_findings
    assert all(s.flags == [] for s in draft.sections if s.key != "work-care")


def test_a_section_that_leaves_out_its_facts_is_rewritten_then_flagged(built_library, facts):
    vague = scripted_model(section=lambda prompt: "工会扎实推进相关工作，取得了积极成效。")
    draft = service_with(vague, built_library).draft(facts)
    care = draft.section("work-care")
    rewrites = [p for p in vague.prompts if p.name == "section" and "漏写了这些要点" in p.text("human")]
    assert rewrites and care.status == "flagged" and care.missing_facts == care.facts


def test_rewrite_toward_a_reference_keeps_facts_and_the_old_version(fake_model, model_service, facts):
    draft = model_service.draft(facts)
    before = draft.section("work-care").text
    rewritten = model_service.rewrite_toward(draft.id, "work-care", "seed002-04")
    care = rewritten.section("work-care")
    assert care.previous_versions == [before] and "春节走访慰问困难职工23户" in care.text and care.flags == []
    assert "<manner" in fake_model.prompts[-1].text("human")


def test_rewrite_toward_needs_a_model(service, facts):
    draft = service.draft(facts)
    with pytest.raises(UserError, match="需要大模型"):
        service.rewrite_toward(draft.id, "work-care", "seed002-04")


def test_a_failed_regeneration_names_the_part_as_a_user_calls_it(built_library, facts):
    """重新生成“opening”失败 reached the page (and regen --unwritten's notes): the key, in English."""
    from drafting.models.protocol import ModelCallError

    def refused(prompt):  # noqa: ANN001, ANN202 - the fake model's reply hook
        raise ModelCallError("模型接口拒绝了请求（400）。")

    offline = DraftingService(built_library.settings, library=built_library)
    draft = offline.draft(facts, offline=True)
    failing = service_with(scripted_model(opening=refused, closing=refused), built_library)
    for key, name in (("opening", "开头"), ("closing", "结尾")):
        with pytest.raises(UserError, match=f"重新生成“{name}”失败"):
            failing.regenerate(draft.id, key)


def test_a_draft_being_written_is_not_called_cut_off_nor_written_twice(built_library, facts):
    """Opened from another tab while drafting, its parts still to come read as 起草中途停止, and the button
    to write them would have paid for every part twice."""
    seen = {}
    other_tab = DraftingService(built_library.settings, library=built_library)

    def section_reply(prompt):  # noqa: ANN001, ANN202 - the fake model's reply hook
        draft_id = seen.setdefault("id", other_tab.list_drafts()[0].id)
        seen["writing"] = other_tab.is_being_written(draft_id)
        with pytest.raises(UserError, match="正在起草中"):
            other_tab.write_unwritten(draft_id)
        return REPLIES["section"](prompt)

    drafted = service_with(scripted_model(section=section_reply), built_library).draft(facts)
    assert seen == {"id": drafted.id, "writing": True}
    assert not other_tab.is_being_written(drafted.id)  # done: no longer
