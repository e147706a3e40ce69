"""Tokens a model draft uses count against the user's daily quota as the draft is written, and a change
that could not be saved spends none.

A job reserves its estimate before the first call, so tabs started together cannot all spend one
remainder; what a job really sent and received is what stays charged, also when it is abandoned
mid-stream; disabling the account stops a running job.
"""

import threading

import pytest

from drafting.accounts import QuotaExceeded, Quotas, Users
from drafting.accounts.metering import DISABLED
from drafting.errors import JobStopped
from drafting.models.function import FunctionModel
from drafting.models.protocol import Prompt
from drafting.models.tokens import count_tokens
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
def model() -> FunctionModel:
    """The fake model every service here talks to; it keeps the prompts it was asked."""
    return scripted_model()


@pytest.fixture
def settings(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """A model endpoint (never called: the services get the fake model), with no bundled reports to index."""
    (tmp_path / "corpus").mkdir()
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(tmp_path / "corpus"))
    return load_settings(data_dir=tmp_path / "data").model_copy(
        update={"llm_base_url": "http://127.0.0.1:9/v1"}
    )


@pytest.fixture
def office(db: Database, sign_in: SignIn, settings, model: FunctionModel):
    """Two members of one unit on a model endpoint."""
    members = {name: sign_in(db, name, "第一人民医院工会") for name in ("alice", "bob")}
    Quotas(db).set_quota("unit", "第一人民医院工会", QUOTA)
    return {
        name: DraftingService(settings, actor, database=db, models=lambda _: model)
        for name, actor in members.items()
    }


def used_today(service: DraftingService) -> int:
    return QUOTA - service.remaining_tokens()


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


def test_eight_tabs_started_at_once_cannot_spend_more_than_the_quota(db: Database, sign_in: SignIn, settings):
    """The probe's 8 tabs spent 4.98× a quota; each start now reserves its estimate in one locked transaction."""
    actor = sign_in(db, "alice", "第一人民医院工会")
    tabs = [
        DraftingService(settings, actor, database=db, models=lambda _: scripted_model()) for _ in range(8)
    ]
    facts = parse_facts(FACTS)
    expected = tabs[0].estimate(facts)[0].total
    quota = 2 * expected + expected // 2  # room for two drafts' estimates, never three
    Quotas(db).set_quota("user", "alice", quota)
    start = threading.Barrier(len(tabs))
    finished, refused, failed = [], [], []

    def press_generate(tab: DraftingService) -> None:
        start.wait()
        try:
            finished.append(tab.draft(facts))
        except QuotaExceeded as error:
            refused.append(str(error))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failed.append(repr(error))

    threads = [threading.Thread(target=press_generate, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failed == [] and len(finished) + len(refused) == len(tabs)
    assert 1 <= len(finished) < len(tabs) and all("今天剩余额度只有" in message for message in refused)
    spent = quota - tabs[0].remaining_tokens()
    assert spent == sum(draft.usage.total for draft in finished) <= quota
    assert len(tabs[0].list_drafts()) == len(finished)  # a refused tab saved nothing


def test_a_draft_abandoned_mid_stream_is_charged_for_what_was_sent_and_received(office, model) -> None:
    alice = office["alice"]
    expected = alice.estimate(parse_facts(FACTS))[0].total
    received: list[str] = []

    def click_away_after_some_text(event: Event) -> None:
        if event.kind == "delta":
            received.append(event.text)
            if len(received) == 3:
                raise ClickedAway

    with pytest.raises(ClickedAway):
        alice.draft(parse_facts(FACTS), on_event=click_away_after_some_text)
    sent = sum(count_tokens(p.text("system") + p.text("human")) for p in model.prompts)
    assert model.prompts and sent + sum(count_tokens(t) for t in received) <= used_today(alice)
    assert used_today(alice) < expected  # the rest of the reservation was given back
    before = used_today(alice)
    received.clear()
    with pytest.raises(ClickedAway):  # and the next abandoned draft is charged again: nothing is free
        alice.draft(parse_facts(FACTS), on_event=click_away_after_some_text)
    assert used_today(alice) > before


def test_with_one_token_left_a_regenerate_is_refused_before_any_model_call(
    office, model, db: Database
) -> None:
    alice = office["alice"]
    draft = alice.draft(parse_facts(FACTS))
    Quotas(db).set_quota("unit", "第一人民医院工会", used_today(alice) + 1)
    asked = len(model.prompts)
    key = next(s.key for s in draft.sections if s.kind == "work")
    with pytest.raises(QuotaExceeded, match="今天剩余额度只有 1 token"):
        alice.regenerate(draft.id, key)
    assert len(model.prompts) == asked and alice.remaining_tokens() == 1
    assert alice.get(draft.id).section(key).text == draft.section(key).text


def test_disabling_an_account_stops_its_running_draft(db: Database, sign_in: SignIn, settings) -> None:
    alice = sign_in(db, "alice", "第一人民医院工会")
    sign_in(db, "管理员", "第一人民医院工会", admin=True)
    Quotas(db).set_quota("unit", "第一人民医院工会", QUOTA)
    replies = scripted_model().reply

    def disable_during_the_second_section(prompt: Prompt) -> str:
        if len(model.prompts) == 2:
            Users(db).disable("alice")
        return replies(prompt)

    model = FunctionModel(disable_during_the_second_section, max_concurrency=1)
    service = DraftingService(settings, alice, database=db, models=lambda _: model)
    saved = []
    with pytest.raises(JobStopped, match=DISABLED):
        service.draft(parse_facts(FACTS), on_saved=saved.append)
    assert len(model.prompts) == 2  # the third section was never sent
    written = [s for s in saved[-1].sections if s.text]
    assert 1 <= len(written) <= 2 < len(saved[-1].sections)  # what was written before the stop is kept
