"""A draft's searches are embedded ahead, while the process still opens its index, and not again."""

from drafting import background
from drafting.memo import Memo
from drafting.models import e5
from drafting.resources import load_data
from drafting.service import DraftingService
from drafting.writing.facts import parse_facts
from tests.fakes import CountingQueries

FACTS = parse_facts(load_data("example_facts.yaml"))  # every fact placed by keywords: the plan is no guess


def _fresh_memory(monkeypatch) -> Memo:  # noqa: ANN001
    """Not the process's memory of queries: what is embedded here is counted from nothing."""
    memory = Memo(e5.REMEMBERED_QUERIES)
    monkeypatch.setattr(e5, "QUERIES", memory)
    return memory


def _draft_counting(service: DraftingService, monkeypatch) -> tuple[list[list[str]], list[list[str]]]:  # noqa: ANN001
    """The batches of queries the draft embedded itself, and each section's exemplar report ids."""
    embedder = service.library.index.embedder
    counting = CountingQueries(embedder._model)
    monkeypatch.setattr(embedder, "_model", counting)
    draft = service.draft(FACTS, offline=True)
    return counting.batches, [[hit.report for hit in section.sources] for section in draft.sections]


def test_a_draft_looked_ahead_embeds_none_of_its_searches_and_finds_the_same_exemplars(
    built_library, monkeypatch
):
    _fresh_memory(monkeypatch)
    embedded, found = _draft_counting(
        DraftingService(built_library.settings, library=built_library), monkeypatch
    )
    searched = [text for batch in embedded for text in batch]
    assert len(searched) >= 5  # each work section searched, its query embedded then

    memory = _fresh_memory(monkeypatch)
    prepared = DraftingService(built_library.settings, library=built_library)
    prepared.look_ahead(FACTS, offline=True)
    embedded_after, found_after = _draft_counting(prepared, monkeypatch)
    assert embedded_after == []
    assert found_after == found
    assert list(memory.recall(searched)) == searched  # the very texts the searches embed


def test_no_look_ahead_for_an_embeddings_endpoint_or_a_model_planned_outline(built_library, monkeypatch):
    started: list[tuple[str, bool]] = []
    monkeypatch.setattr(
        background, "in_background", lambda name, work, below_pages=True: started.append((name, below_pages))
    )
    settings = built_library.settings
    for changed in ({"embedder": "openai"}, {"llm_planner": True}):
        DraftingService(settings.model_copy(update=changed), library=built_library).look_ahead(FACTS)
        assert started == [], changed
    DraftingService(settings.model_copy(update={"llm_planner": True}), library=built_library).look_ahead(
        FACTS, offline=True
    )
    # offline, the outline is planned here; the draft waits for it, so it is not ranked below the pages
    assert started == [("drafting-look-ahead", False)]
