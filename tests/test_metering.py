"""Tokens a model draft uses count against the user's daily quota as the draft is written, and a change
that could not be saved spends none."""

import pytest

from drafting.accounts import Quotas
from drafting.models import factory
from drafting.models.function import FunctionModel
from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.storage import Database
from drafting.storage.errors import PermissionDenied
from drafting.writing.facts import parse_facts
from drafting.writing.pipeline import Event
from tests.fakes import scripted_model
from tests.pg import SignIn

FACTS = {
    "organization": "江北市第一人民医院工会",
    "period": "2025年",
    "facts": ["春节走访慰问困难职工23户，发放慰问金4.6万元", "举办护理技能竞赛，参赛职工120人"],
}
QUOTA = 1_000_000


class ClickedAway(Exception):
    """What Streamlit raises inside an on_event call when the user clicks elsewhere while a draft is written."""


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> FunctionModel:
    """The fake model every service here talks to; it keeps the prompts it was asked."""
    model = scripted_model()
    monkeypatch.setattr(factory, "build_chat_model", lambda settings: model)
    return model


@pytest.fixture
def office(db: Database, sign_in: SignIn, tmp_path, monkeypatch: pytest.MonkeyPatch, model: FunctionModel):
    """Two members of one unit on a model endpoint, with no bundled reports to index."""
    (tmp_path / "corpus").mkdir()
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(tmp_path / "corpus"))
    settings = load_settings(data_dir=tmp_path / "data").model_copy(
        update={"llm_base_url": "http://127.0.0.1:9/v1"}
    )
    members = {name: sign_in(db, name, "第一人民医院工会") for name in ("alice", "bob")}
    Quotas(db).set_quota("unit", "第一人民医院工会", QUOTA)
    return {name: DraftingService(settings, actor, database=db) for name, actor in members.items()}


def test_a_draft_stopped_at_the_end_still_counts_its_tokens(office, model: FunctionModel) -> None:
    alice = office["alice"]
    saved: list[str] = []

    def click_away_at_the_end(event: Event) -> None:
        if event.kind == "done":
            raise ClickedAway

    with pytest.raises(ClickedAway):
        alice.draft(parse_facts(FACTS), on_event=click_away_at_the_end, on_saved=lambda d: saved.append(d.id))
    kept = alice.get(saved[-1])
    assert model.prompts and all(section.text for section in kept.sections)
    assert kept.usage.total > 0
    assert alice.remaining_tokens() == QUOTA - kept.usage.total


def test_a_finished_draft_counts_its_tokens_once(office) -> None:
    alice = office["alice"]
    draft = alice.draft(parse_facts(FACTS))
    assert draft.usage.total > 0
    assert alice.remaining_tokens() == QUOTA - draft.usage.total


def test_regenerating_a_colleagues_shared_draft_is_refused_before_any_model_call(
    office, model: FunctionModel
) -> None:
    alice, bob = office["alice"], office["bob"]
    draft = alice.draft(parse_facts(FACTS))
    alice.share(draft.id, True)
    remaining, calls = bob.remaining_tokens(), len(model.prompts)
    key = next(s.key for s in draft.sections if s.kind == "work")
    with pytest.raises(PermissionDenied, match="只能查看"):
        bob.regenerate(draft.id, key)
    assert (len(model.prompts), bob.remaining_tokens()) == (calls, remaining)
    assert bob.get(draft.id).section(key).text == draft.section(key).text
