"""Imported example reports, on SQLite and PostgreSQL: a unit's reports stay in the unit until an admin publishes."""

import hashlib
from collections.abc import Callable

import pytest
from sqlalchemy import delete, event

from drafting.access import Actor
from drafting.errors import UserError
from drafting.storage import Database, PermissionDenied, ReportRepository, open_database
from drafting.storage.audit import audit_log
from drafting.storage.models import ReportRow, SettingRow
from drafting.storage.reports import REVISION_KEY

BODY = "一、主要工作\n\n全年组织职工培训 12 场。\n\n二、明年计划\n\n继续开展技能竞赛。"

SignIn = Callable[..., Actor]  # the sign_in fixture of tests/pg.py


@pytest.fixture
def office(db: Database, sign_in: SignIn) -> dict[str, Actor]:
    return {
        "alice": sign_in(db, "alice", "机关工会"),
        "amy": sign_in(db, "amy", "机关工会"),
        "bob": sign_in(db, "bob", "教育工会"),
        "admin": sign_in(db, "admin", "总工会", admin=True),
    }


def _visible(reports: ReportRepository, actor: Actor) -> set[str]:
    return {report.id for report in reports.listings(actor)}


def test_a_units_reports_are_seen_by_that_unit_only(db: Database, office: dict[str, Actor]) -> None:
    reports = ReportRepository(db)
    added = reports.add(office["alice"], "机关工会2023年总结", {"kind": "summary"}, BODY, "总结.docx")
    assert (added.unit_name, added.published, added.meta) == (
        "机关工会",
        False,
        {"kind": "summary", "id": added.id},
    )
    assert _visible(reports, office["amy"]) == {added.id}
    stored = reports.get(added.id, office["amy"])
    assert (stored.title, stored.body, stored.source) == ("机关工会2023年总结", BODY, "总结.docx")
    assert _visible(reports, office["bob"]) == set()
    with pytest.raises(UserError, match="没有编号为") as foreign:
        reports.get(added.id, office["bob"])
    with pytest.raises(UserError) as unknown:
        reports.get("user-0000000000", office["bob"])
    assert str(foreign.value).replace(added.id, "") == str(unknown.value).replace("user-0000000000", "")


def test_publishing_is_for_admins_and_shows_the_report_to_every_unit(
    db: Database, office: dict[str, Actor]
) -> None:
    reports = ReportRepository(db)
    added = reports.add(office["alice"], "范文", {}, BODY, "a.txt")
    with pytest.raises(PermissionDenied, match="只有管理员"):
        reports.publish(added.id, office["alice"])
    reports.publish(added.id, office["admin"])
    assert _visible(reports, office["bob"]) == {added.id}
    assert reports.get(added.id, office["bob"]).published
    with pytest.raises(PermissionDenied, match="其他单位"):
        reports.remove(added.id, office["bob"])
    with pytest.raises(PermissionDenied, match="只有管理员可以删除"):
        reports.remove(added.id, office["alice"])
    reports.publish(added.id, office["admin"], published=False)
    assert _visible(reports, office["bob"]) == set()
    assert reports.remove(added.id, office["alice"]).id == added.id
    assert _visible(reports, office["admin"]) == set()


def test_the_same_text_is_one_report_per_unit(db: Database, office: dict[str, Actor]) -> None:
    reports = ReportRepository(db)
    first = reports.add(office["alice"], "旧标题", {}, BODY, "a.txt")
    again = reports.add(office["amy"], "新标题", {}, BODY, "b.txt")
    elsewhere = reports.add(office["bob"], "教育工会的", {}, BODY, "c.txt")
    assert first.id == again.id != elsewhere.id
    assert [r.title for r in reports.listings(office["alice"])] == ["新标题"]
    assert len(reports.listings(office["admin"])) == 2


def test_an_import_landing_on_another_reports_id_changes_nothing(
    db: Database, office: dict[str, Actor]
) -> None:
    """Ids are short hashes: text made to land on another unit's id (or a plain collision) is refused, and
    that report keeps its title, source and body."""
    reports = ReportRepository(db)
    theirs = reports.add(office["alice"], "机关工会2023年总结", {}, BODY, "总结.docx")
    for actor, body in ((office["bob"], "教育工会的另一篇范文。"), (office["amy"], "机关工会的另一篇范文。")):
        with pytest.raises(UserError, match="编号相同的其他范文"):
            reports.add(actor, "改掉的标题", {}, body, "evil.docx", report_id=theirs.id)
    kept = reports.get(theirs.id, office["alice"])
    assert (kept.title, kept.source, kept.body) == ("机关工会2023年总结", "总结.docx", BODY)


def test_members_import_into_their_own_unit_only(db: Database, office: dict[str, Actor]) -> None:
    reports = ReportRepository(db)
    with pytest.raises(PermissionDenied):
        reports.add(office["alice"], "越权", {}, BODY, "a.txt", unit_id=office["bob"].unit_id)
    placed = reports.add(office["admin"], "代为导入", {}, BODY, "a.txt", unit_id=office["bob"].unit_id)
    assert _visible(reports, office["bob"]) == {placed.id}
    assert _visible(reports, office["alice"]) == set()


def test_single_user_mode_keeps_the_file_corpus_ids(db: Database) -> None:
    added = ReportRepository(db).add(Actor.local(), "本机范文", {}, BODY, "a.txt")
    assert added.id == "user-" + hashlib.sha1(BODY.encode()).hexdigest()[:10]
    assert _visible(ReportRepository(db), Actor.local()) == {added.id}


def test_report_actions_are_audited(db: Database, office: dict[str, Actor]) -> None:
    reports = ReportRepository(db)
    added = reports.add(office["alice"], "范文", {}, BODY, "a.txt")
    reports.publish(added.id, office["admin"])
    reports.remove(added.id, office["admin"])
    actions = [(e.user_name, e.action) for e in audit_log(db, office["admin"]) if "范文" in e.action]
    assert actions == [("admin", "删除范文"), ("admin", "发布范文"), ("alice", "导入范文")]


def test_the_corpus_reads_imported_reports_again_only_after_one_is_added_or_removed(
    db: Database, office: dict[str, Actor], tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reviews and the 语气对比 page ask for every report on each run; unchanged, they come from memory."""
    from drafting.corpus.reports import Corpus

    corpus = Corpus(tmp_path, ReportRepository(db))
    reads = []
    list_all = corpus.store.list_all
    monkeypatch.setattr(corpus.store, "list_all", lambda: reads.append(1) or list_all())
    first = corpus.add_text(BODY, "总结.txt", office["alice"])
    assert [r.meta.id for r in corpus.reports()] == [first.meta.id]
    assert [r.meta.id for r in corpus.reports()] == [first.meta.id] and len(reads) == 1
    second = corpus.add_text(BODY.replace("12", "15"), "另一篇.txt", office["bob"])
    assert [r.meta.id for r in corpus.reports()] == [first.meta.id, second.meta.id] and len(reads) == 2
    corpus.remove(first.meta.id, office["alice"])
    assert [r.meta.id for r in corpus.reports()] == [second.meta.id] and len(reads) == 3


def test_the_fingerprint_follows_every_change_but_publishing_and_reads_no_report(
    db: Database, office: dict[str, Actor]
) -> None:
    reports, elsewhere = (
        ReportRepository(db),
        ReportRepository(open_database(db.engine.url.render_as_string(hide_password=False))),
    )
    empty = reports.fingerprint()
    added = reports.add(office["alice"], "范文", {}, BODY, "a.txt")
    seen = [empty, reports.fingerprint()]
    reports.publish(added.id, office["admin"])
    assert reports.fingerprint() == seen[-1] == elsewhere.fingerprint()  # as another process sees it
    reports.add(office["alice"], "范文", {}, BODY, "a.txt")  # imported again as it was: nothing changed
    assert reports.fingerprint() == seen[-1]
    reports.add(office["alice"], "范文（改了标题）", {}, BODY, "a.txt")  # the same text, re-described
    seen.append(elsewhere.fingerprint())
    elsewhere.remove(added.id, office["admin"])
    seen.append(reports.fingerprint())
    assert len(set(seen)) == len(seen)
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert reports.fingerprint() == seen[-1]
    # remembered on SQLite until anything is committed; a database server is asked every time
    assert len([s for s in statements if s.startswith("SELECT")]) == (0 if db.dialect == "sqlite" else 1)
    with db.transaction() as session:  # a commit that changes nothing the fingerprint covers
        session.merge(SettingRow(key="unrelated", value="1", encrypted=False))
    statements.clear()
    assert reports.fingerprint() == seen[-1]
    (statement,) = [s for s in statements if s.startswith("SELECT")]  # the revision and the number of reports
    assert "count(*)" in statement and "title" not in statement
    with db.transaction() as session:  # a program older than the revision adds a report
        session.add(
            ReportRow(
                id="user-old",
                unit_id=None,
                published=False,
                title="旧版导入",
                meta={},
                body=BODY,
                source="o.txt",
            )
        )
    assert reports.fingerprint() not in seen
    elsewhere.db.close()


def test_a_database_whose_reports_have_not_changed_since_the_upgrade_digests_them(
    db: Database, office: dict[str, Actor]
) -> None:
    reports = ReportRepository(db)
    reports.add(office["alice"], "范文", {}, BODY, "a.txt")
    with db.transaction() as session:  # as a database written before reports had a revision
        session.execute(delete(SettingRow).where(SettingRow.key == REVISION_KEY))
    before = reports.fingerprint()
    assert before == reports.fingerprint()
    other = reports.add(office["bob"], "另一篇", {}, BODY, "b.txt")
    assert reports.fingerprint() != before
    reports.remove(other.id, office["bob"])
    assert reports.fingerprint() != before  # a new revision, though the reports are as they were
