"""Drafts in the database, on SQLite and PostgreSQL: isolation between users and units, and saves that never
silently overwrite each other."""

import threading
import uuid
from collections.abc import Callable
from datetime import datetime

import pytest
from pydantic import BaseModel, Field

from drafting.access import Actor
from drafting.errors import UserError
from drafting.storage import ConflictError, Database, DraftRepository, PermissionDenied
from drafting.storage.audit import audit_log

SignIn = Callable[..., Actor]  # the sign_in fixture of tests/pg.py


class Section(BaseModel):
    key: str
    text: str
    previous_versions: list[str] = []


class SampleDraft(BaseModel):
    """Shaped like drafting.draft.Draft where the repository cares: id, title, created_at, JSON."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    title: str
    sections: list[Section] = []
    created_at: str = Field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))


@pytest.fixture
def drafts(db: Database) -> DraftRepository[SampleDraft]:
    return DraftRepository(db, SampleDraft)


@pytest.fixture
def office(db: Database, sign_in: SignIn) -> dict[str, Actor]:
    """Two members of 机关工会, one of 教育工会, and an administrator."""
    return {
        "alice": sign_in(db, "alice", "机关工会"),
        "amy": sign_in(db, "amy", "机关工会"),
        "bob": sign_in(db, "bob", "教育工会"),
        "admin": sign_in(db, "admin", "总工会", admin=True),
    }


def _draft(title: str = "2024年度工会工作总结", text: str = "一年来，工会……") -> SampleDraft:
    return SampleDraft(
        title=title, sections=[Section(key="opening", text=text, previous_versions=["旧的开头"])]
    )


def _message(error: pytest.ExceptionInfo[UserError], draft_id: str) -> str:
    return str(error.value).replace(draft_id, "<id>")


def test_save_get_list_and_delete_round_trip(
    drafts: DraftRepository[SampleDraft], office: dict[str, Actor]
) -> None:
    alice = office["alice"]
    draft = _draft()
    assert drafts.save(draft, alice, open_findings=True) == 1
    stored = drafts.get(draft.id, alice)
    assert stored.draft == draft
    assert (stored.revision, stored.owner, stored.shared, stored.editable, stored.open_findings) == (
        1,
        "alice",
        False,
        True,
        True,
    )
    draft.sections[0].text = "改过的开头"
    assert drafts.save(draft, alice, expected_revision=1) == 2
    [listed] = drafts.list(alice)
    assert (listed.id, listed.title, listed.owner, listed.revision, listed.has_findings) == (
        draft.id,
        draft.title,
        "alice",
        2,
        False,
    )
    assert drafts.get(draft.id, alice).draft.sections[0].text == "改过的开头"
    drafts.delete(draft.id, alice)
    assert drafts.list(alice) == []
    with pytest.raises(UserError, match="找不到"):
        drafts.get(draft.id, alice)


def test_list_is_newest_first(drafts: DraftRepository[SampleDraft], office: dict[str, Actor]) -> None:
    first, second = _draft("第一份"), _draft("第二份")
    drafts.save(first, office["alice"])
    drafts.save(second, office["alice"])
    assert [d.title for d in drafts.list(office["alice"])] == ["第二份", "第一份"]
    drafts.save(first, office["alice"])
    assert [d.title for d in drafts.list(office["alice"])] == ["第一份", "第二份"]


def test_titles_offer_what_the_list_shows_in_its_order(
    drafts: DraftRepository[SampleDraft], office: dict[str, Actor]
) -> None:
    """The 起草 form's chooser reads only ids and titles, and must offer exactly the listed drafts."""
    alice, amy, bob, admin = office["alice"], office["amy"], office["bob"], office["admin"]
    first, shared, foreign = _draft("第一份"), _draft("共享的"), _draft("别单位的")
    drafts.save(first, alice)
    drafts.save(shared, amy)
    drafts.share(shared.id, amy, True)
    drafts.save(foreign, bob)
    for actor in (alice, amy, bob, admin):
        assert [(t.id, t.title) for t in drafts.titles(actor)] == [
            (d.id, d.title) for d in drafts.list(actor)
        ]
    assert [t.title for t in drafts.titles(alice)] == ["共享的", "第一份"]
    assert [t.title for t in drafts.titles(admin)] == ["别单位的", "共享的", "第一份"]


def test_titles_offer_each_title_once_as_its_newest_visible_draft(
    drafts: DraftRepository[SampleDraft], office: dict[str, Actor]
) -> None:
    """Drafted again and again, a title is one choice of last year's report: its latest draft."""
    alice, amy, admin = office["alice"], office["amy"], office["admin"]
    older, other, newer = _draft("年度总结"), _draft("半年总结"), _draft("年度总结")
    for draft in (older, other, newer):
        drafts.save(draft, alice)
    hidden = _draft("年度总结")
    drafts.save(hidden, amy)  # amy's own, not shared: never alice's newest
    assert [(t.id, t.title) for t in drafts.titles(alice)] == [(newer.id, "年度总结"), (other.id, "半年总结")]
    drafts.save(older, alice)  # changed again: now the newest of its title
    assert [t.id for t in drafts.titles(alice)] == [older.id, other.id]
    assert [t.id for t in drafts.titles(admin)] == [older.id, other.id]
    assert [t.id for t in drafts.titles(amy)] == [hidden.id]


def test_members_see_only_their_own_drafts_and_foreign_ids_look_unknown(
    drafts: DraftRepository[SampleDraft], office: dict[str, Actor]
) -> None:
    alice, amy, bob = office["alice"], office["amy"], office["bob"]
    draft = _draft()
    drafts.save(draft, alice)
    assert drafts.list(amy) == [] and drafts.list(bob) == []
    with pytest.raises(UserError) as foreign:
        drafts.get(draft.id, bob)
    unknown_id = uuid.uuid4().hex[:12]
    with pytest.raises(UserError) as unknown:
        drafts.get(unknown_id, bob)
    assert _message(foreign, draft.id) == _message(unknown, unknown_id)
    for attempt in (lambda: drafts.delete(draft.id, bob), lambda: drafts.share(draft.id, amy, True)):
        with pytest.raises(UserError) as refused:
            attempt()
        assert _message(refused, draft.id) == _message(unknown, unknown_id)


def test_saving_under_someone_elses_id_never_overwrites_their_draft(
    drafts: DraftRepository[SampleDraft], office: dict[str, Actor]
) -> None:
    original = _draft(text="alice 的原文")
    drafts.save(original, office["alice"])
    intruder = SampleDraft(
        id=original.id, title="bob 的标题", sections=[Section(key="opening", text="bob 的文字")]
    )
    with pytest.raises(UserError, match="找不到"):
        drafts.save(intruder, office["bob"])
    assert drafts.get(original.id, office["alice"]).draft == original


def test_shared_drafts_are_read_only_for_the_unit_and_invisible_elsewhere(
    drafts: DraftRepository[SampleDraft], office: dict[str, Actor]
) -> None:
    alice, amy, bob = office["alice"], office["amy"], office["bob"]
    draft = _draft()
    drafts.save(draft, alice)
    drafts.share(draft.id, alice, True)
    [listed] = drafts.list(amy)
    assert (listed.id, listed.owner, listed.shared, listed.editable) == (draft.id, "alice", True, False)
    seen = drafts.get(draft.id, amy)
    assert seen.draft == draft and not seen.editable
    draft.sections[0].text = "amy 想改"
    with pytest.raises(PermissionDenied, match="只能查看"):
        drafts.save(draft, amy, expected_revision=seen.revision)
    with pytest.raises(PermissionDenied, match="只能查看"):
        drafts.delete(draft.id, amy)
    with pytest.raises(PermissionDenied):
        drafts.share(draft.id, amy, False)
    assert drafts.list(bob) == []
    drafts.share(draft.id, alice, False)
    assert drafts.list(amy) == []
    assert drafts.get(draft.id, alice).draft.sections[0].text == "一年来，工会……"


def test_admins_see_and_change_every_draft(
    drafts: DraftRepository[SampleDraft], office: dict[str, Actor]
) -> None:
    mine, theirs = _draft("alice 的"), _draft("bob 的")
    drafts.save(mine, office["alice"])
    drafts.save(theirs, office["bob"])
    admin = office["admin"]
    assert {d.title for d in drafts.list(admin)} == {"alice 的", "bob 的"}
    assert all(d.editable for d in drafts.list(admin))
    theirs.title = "管理员改过"
    assert drafts.save(theirs, admin, expected_revision=1) == 2
    stored = drafts.get(theirs.id, office["bob"])
    assert (stored.draft.title, stored.owner) == ("管理员改过", "bob")
    drafts.delete(mine.id, admin)
    assert drafts.list(office["alice"]) == []


def test_single_user_mode_owns_unowned_drafts(drafts: DraftRepository[SampleDraft]) -> None:
    local = Actor.local()
    draft = _draft()
    drafts.save(draft, local)
    [listed] = drafts.list(local)
    assert (listed.id, listed.owner, listed.editable) == (draft.id, None, True)
    assert drafts.get(draft.id, local).owner is None


def test_a_stale_save_is_refused_and_keeps_the_earlier_one(
    drafts: DraftRepository[SampleDraft], office: dict[str, Actor]
) -> None:
    alice = office["alice"]
    draft = _draft()
    drafts.save(draft, alice)
    tab_one = drafts.get(draft.id, alice)
    tab_two = drafts.get(draft.id, alice)
    tab_one.draft.sections[0].text = "第一个窗口的修改"
    assert drafts.save(tab_one.draft, alice, expected_revision=tab_one.revision) == 2
    tab_two.draft.sections[0].text = "第二个窗口的修改"
    with pytest.raises(ConflictError, match="第 2 版") as conflict:
        drafts.save(tab_two.draft, alice, expected_revision=tab_two.revision)
    assert conflict.value.stored_revision == 2
    stored = drafts.get(draft.id, alice)
    assert (stored.revision, stored.draft.sections[0].text) == (2, "第一个窗口的修改")


def test_of_simultaneous_saves_from_one_revision_exactly_one_wins(
    drafts: DraftRepository[SampleDraft], office: dict[str, Actor]
) -> None:
    alice = office["alice"]
    draft = _draft()
    drafts.save(draft, alice)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def save(number: int) -> None:
        edited = draft.model_copy(deep=True)
        edited.sections[0].text = f"版本 {number}"
        barrier.wait()
        try:
            drafts.save(edited, alice, expected_revision=1)
            outcomes.append(edited.sections[0].text)
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(n,), daemon=True) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [o for o in outcomes if o != "conflict"]
    assert len(outcomes) == 6 and len(winners) == 1
    stored = drafts.get(draft.id, alice)
    assert (stored.revision, stored.draft.sections[0].text) == (2, winners[0])


def test_saving_a_draft_deleted_meanwhile_does_not_bring_it_back(
    drafts: DraftRepository[SampleDraft], office: dict[str, Actor]
) -> None:
    alice = office["alice"]
    draft = _draft()
    drafts.save(draft, alice)
    opened = drafts.get(draft.id, alice)
    drafts.delete(draft.id, alice)
    with pytest.raises(UserError, match="找不到"):
        drafts.save(opened.draft, alice, expected_revision=opened.revision)
    assert drafts.list(alice) == []


def test_creating_sharing_and_deleting_are_audited(
    db: Database, drafts: DraftRepository[SampleDraft], office: dict[str, Actor]
) -> None:
    draft = _draft("<b>年度总结</b>")
    drafts.save(draft, office["alice"])
    drafts.share(draft.id, office["alice"], True)
    drafts.delete(draft.id, office["alice"])
    entries = [e for e in audit_log(db, office["admin"]) if e.user_name == "alice" and "草稿" in e.action]
    assert [e.action for e in entries] == ["删除草稿", "共享草稿", "创建草稿"]
    assert all(draft.id in e.detail and "<b>年度总结</b>" in e.detail for e in entries)
    assert {e.unit_name for e in entries} == {"机关工会"}
