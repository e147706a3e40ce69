"""One unit's private reports never reach another unit: not in search (keyword or vector side), exemplar
prompts, the copy guard, tone references or 范文库 — until an administrator publishes them."""

import shutil

import pytest

from drafting.errors import UserError
from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.writing.facts import parse_facts
from tests.conftest import ROOT
from tests.fakes import scripted_model

PRIVATE_PHRASE = "杏林匠心技能比武"
PRIVATE_PARAGRAPH = (
    f"今年院工会首次举办“{PRIVATE_PHRASE}”，护理、医技、药学三个系列同台竞技，"
    "参赛职工一百二十七人，评出岗位能手十五名，比武成绩纳入职称评聘参考。"
)
PRIVATE_REPORT = "\n\n".join(
    [
        "红杉医院工会2024年工作总结",
        "2024年，院工会在医院党委的领导下，紧紧围绕医院中心工作，扎实开展各项工作。现将有关情况总结如下：",
        "一、劳动和技能竞赛",
        PRIVATE_PARAGRAPH,
        "二、存在的问题",
        "职工参与面还不够广。",
    ]
)
FACTS = {
    "organization": "红杉医院工会",  # a hospital: the private report is the best exemplar for it
    "period": "2024年",
    "facts": ["举办教职工技能比武，参赛教师八十人", "开展“杏林”主题读书活动"],
    "problems": ["活动形式较为单一"],
    "plans": ["丰富活动形式"],
}


@pytest.fixture
def office(database_url, tmp_path, sign_in, monkeypatch):
    """One bundled report, two units (a hospital and a school) and an administrator, on each database."""
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    shutil.copy(sorted((ROOT / "examples_corpus").glob("*.md"))[0], bundled)
    settings = load_settings(
        data_dir=tmp_path / "data",
        corpus_dir=bundled,
        database_url=database_url,
        llm_base_url="http://127.0.0.1:9/v1",  # a model is "configured"; the fake below answers
    )
    model = scripted_model()
    local = DraftingService(settings, models=lambda settings: model)
    db, library = local.database, local.library
    users = {
        "hospital": sign_in(db, "alice", "红杉医院工会"),
        "school": sign_in(db, "bob", "青松中学工会"),
        "admin": sign_in(db, "root", "区总工会", admin=True),
    }
    services = {
        who: DraftingService(settings, actor, library=library, models=lambda settings: model)
        for who, actor in users.items()
    }
    report = services["hospital"].import_upload("红杉医院总结.txt", PRIVATE_REPORT.encode())
    return services, report.meta.id, model


def reached(results) -> bool:
    return any(PRIVATE_PHRASE in hit.text for hit in results)


def test_search_keeps_a_private_report_in_its_unit_on_both_sides(office):
    services, report_id, _ = office
    hospital, school = services["hospital"], services["school"]
    for mode in ("bm25", "dense", "hybrid"):
        assert reached(hospital.search(PRIVATE_PHRASE, k=10, mode=mode)), mode
        assert not reached(school.search(PRIVATE_PHRASE, k=10, mode=mode)), mode
        assert school.search("工会 职工 技能比武", k=10, mode=mode), "the bundled report is still found"
    assert report_id in [r.id for r in hospital.list_reports()]
    assert report_id not in [r.id for r in school.list_reports()]
    with pytest.raises(UserError, match="没有编号为"):
        school.report(report_id)
    with pytest.raises(UserError):
        school.remove_report(report_id)


def test_exemplars_copy_guard_and_tone_never_see_another_units_report(office):
    services, report_id, model = office
    hospital, school = services["hospital"], services["school"]
    facts = parse_facts(FACTS)

    school.draft(facts)
    assert model.prompts and not any(PRIVATE_PHRASE in p.text("human") for p in model.prompts)
    model.prompts.clear()
    hospital.draft(facts)
    assert any(PRIVATE_PHRASE in p.text("human") for p in model.prompts), "the owner's exemplars use it"

    assert not school.check(PRIVATE_PARAGRAPH, facts)[1]
    assert [c.report_id for c in hospital.check(PRIVATE_PARAGRAPH, facts)[1]] == [report_id]

    assert not any(PRIVATE_PHRASE in text for text in school.tone_references(PRIVATE_PARAGRAPH, []))
    with pytest.raises(UserError):
        school.tone_references(PRIVATE_PARAGRAPH, [report_id])


def test_a_published_report_reaches_every_unit_and_only_an_admin_publishes(office):
    services, report_id, _ = office
    hospital, school, admin = services["hospital"], services["school"], services["admin"]
    with pytest.raises(UserError, match="管理员"):
        hospital.publish_report(report_id)
    admin.publish_report(report_id)
    assert reached(school.search(PRIVATE_PHRASE, k=10, mode="bm25"))
    assert reached(school.search(PRIVATE_PHRASE, k=10, mode="dense"))
    assert report_id in [r.id for r in school.list_reports()]
    with pytest.raises(UserError, match="只有管理员可以删除"):
        hospital.remove_report(report_id)
    admin.publish_report(report_id, published=False)
    assert not reached(school.search(PRIVATE_PHRASE, k=10))


def test_a_withdrawn_reports_excerpts_leave_other_units_drafts_and_are_not_reused(office):
    """The probe: after a report was withdrawn, its excerpts stayed under 参考 in other units' drafts and
    a regenerate wrote from them again."""
    services, report_id, model = office
    school, admin = services["school"], services["admin"]
    admin.publish_report(report_id)
    draft = school.draft(parse_facts(FACTS))
    cited = [s for s in school.get(draft.id).sections if any(h.report == report_id for h in s.sources)]
    assert cited, "while published, the hospital's report is one of the school's exemplars"

    admin.publish_report(report_id, published=False)
    assert not any(h.report == report_id for s in school.get(draft.id).sections for h in s.sources)
    model.prompts.clear()
    regenerated = school.regenerate(draft.id, cited[0].key)
    assert model.prompts and not any(PRIVATE_PHRASE in p.text("human") for p in model.prompts)
    assert not any(h.report == report_id for h in regenerated.section(cited[0].key).sources)


def test_remembered_checks_and_files_stay_with_their_unit(office):
    """The 起草 page's checks and Word files are remembered per process: by scope, and only after the
    draft was read as the user."""
    services, report_id, _ = office
    hospital, school = services["hospital"], services["school"]
    draft = hospital.draft(parse_facts(FACTS), offline=True)
    key = next(s.key for s in draft.sections if s.key.startswith("work"))
    copied = hospital.edit(draft.id, key, PRIVATE_PARAGRAPH)
    assert [c.report_id for c in hospital.review(copied)[key].copies] == [report_id]
    assert school.review(copied)[key].copies == []  # the same text, checked against the school's reports
    hospital.export_docx(draft.id)
    with pytest.raises(UserError):
        school.export_docx(draft.id)
    with pytest.raises(UserError):
        school.export_evidence(draft.id)


def test_another_unit_pressing_write_unwritten_learns_nothing_and_claims_nothing(office):
    """补写 on a draft of another unit that is being written: not found, as any other request for it; the
    claim is not taken, so the owner's draft is not shown as being written by someone else."""
    services, _, _ = office
    hospital, school = services["hospital"], services["school"]
    draft = hospital.draft(parse_facts(FACTS))
    held = hospital.claims.hold(draft.id)  # the hospital is writing it now
    try:
        with pytest.raises(UserError, match="找不到编号为") as refused:
            school.write_unwritten(draft.id, offline=True)
        assert "正在起草" not in str(refused.value)
    finally:
        held.release()
    with pytest.raises(UserError, match="找不到编号为"):
        school.write_unwritten(draft.id, offline=True)
    assert not hospital.is_being_written(draft.id)  # the refused request left no claim behind
