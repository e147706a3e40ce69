"""Integration over the real wire: llama.cpp's OpenAI-compatible server with SmolLM2-135M on loopback.

The model's Chinese is nonsense; this proves streaming, usage accounting, timeouts, a section-level
retry and a full draft assembled, not prose quality.
"""

import pytest
from pydantic import SecretStr

from drafting.errors import NothingWritten, UserError
from drafting.retrieval.library import Library
from drafting.service import DraftingService
from drafting.writing.facts import parse_facts

FACTS = {
    "organization": "某中学工会",
    "org_type": "学校",
    "period": "2025年",
    "target_chars": 800,
    "facts": ["召开教代会，审议通过绩效方案", "慰问困难教职工12人"],
    "problems": ["活动场地不足"],
    "plans": ["建设教工之家"],
}


def _service(url: str, built_library: Library, **overrides) -> DraftingService:
    update = {
        "llm_base_url": url,
        "llm_model": "smollm2",
        "llm_api_key": SecretStr("local"),
        # small prompts and replies: SmolLM2 reads ~100 tokens/s here and writes ~30/s. The budget counts
        # tiktoken's tokens (under one a character); SmolLM2 spends about two on each Chinese character, so at
        # 1,500 a work section's prompt was 1,900 of its tokens. At 1,000 no exemplar fits: this is the wire.
        "llm_context_tokens": 1000,
        "llm_max_output_tokens": 60,
        "llm_provider": "llama.cpp",  # its profile: one stream at a time (concurrent ones come back empty)
        "llm_max_retries": 1,
        "llm_idle_timeout": 60.0,
        **overrides,
    }
    return DraftingService(built_library.settings.model_copy(update=update), library=built_library)


@pytest.mark.server
def test_full_draft_streams_and_counts_usage(llama_server, built_library, allow_model_requests):
    events = []
    draft = _service(llama_server, built_library).draft(parse_facts(FACTS), on_event=events.append)
    assert draft.engine == "llm:smollm2"
    kinds = [s.kind for s in draft.sections]
    assert kinds[0] == "opening" and kinds[-1] == "closing" and "problems" in kinds and "plan" in kinds
    written = [s for s in draft.sections if s.status in ("ok", "flagged")]  # its nonsense is flagged
    assert len(written) >= len(draft.sections) // 2 and all(s.text for s in written)
    # a 135M model sometimes answers nothing; such a section fails alone, with a Chinese reason
    assert all(s.error and "模型" in s.error for s in draft.sections if s.status == "failed")
    deltas = [e for e in events if e.kind == "delta"]
    assert len(deltas) > 3 * len(written)  # really streamed, piece by piece
    assert draft.usage.prompt_tokens > 500 and draft.usage.completion_tokens > 50


@pytest.mark.server
def test_timeouts_fail_sections_alone_and_a_section_retry_recovers(
    llama_server, built_library, allow_model_requests
):
    impatient = _service(llama_server, built_library, llm_idle_timeout=0.001, llm_max_retries=0)
    before = {row.id for row in impatient.list_drafts()}
    with pytest.raises(NothingWritten, match="一部分也没有写成：模型响应超时"):
        impatient.draft(parse_facts(FACTS))  # every section timed out: no empty draft is kept
    assert {row.id for row in impatient.list_drafts()} == before
    draft = impatient.draft(parse_facts(FACTS), offline=True)
    with pytest.raises(UserError, match="超时.*原文未改动"):
        impatient.regenerate(draft.id, "problems")  # one section fails alone, the others stay
    patient = _service(llama_server, built_library, llm_max_retries=3)
    regenerated = patient.regenerate(draft.id, "problems")
    assert (
        regenerated.section("problems").status in ("ok", "flagged") and regenerated.section("problems").text
    )
    assert [s.text for s in regenerated.sections if s.key != "problems"] == [
        s.text for s in draft.sections if s.key != "problems"
    ]
