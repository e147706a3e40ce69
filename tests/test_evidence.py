"""Sources through to the output (issue 18): the 事实依据表 of a draft, the Word appendix, correcting a fact once."""

import asyncio
import io
import json

from docx import Document
from openpyxl import load_workbook

from drafting.cli import main
from drafting.materials import Material
from drafting.materials.extract import extract
from drafting.materials.samples import briefing_docx, half_year_gbk, ledger_xlsx
from drafting.output.docx import draft_to_docx
from drafting.output.evidence import APPENDIX_TITLE, CHANGED, FROM_MATERIALS, GENERAL, TYPED, evidence_xlsx
from drafting.writing.facts import parse_facts

TYPED_FACT = "组织职工健步走活动，参与职工300人"


def _facts():
    extraction, _ = asyncio.run(
        extract(
            [
                Material("简报第3期.docx", briefing_docx()),
                Material("半年报.txt", half_year_gbk()),
                Material("慰问台账.xlsx", ledger_xlsx()),
            ]
        )
    )
    households = next(i for i, c in enumerate(extraction.conflicts) if "台账" not in c.about)
    settled = extraction.choose(households, "18户")
    settled = settled.choose(0, "18户")  # the ledger's count disagrees with the chosen value too
    data = settled.facts_file("江北区总工会", "2025年")
    data["facts"].append(TYPED_FACT)  # typed by the user: no source
    return parse_facts(data)


def test_evidence_gives_each_numbered_sentence_its_fact_and_sources(service):
    draft = service.draft(_facts(), offline=True)
    rows = service.evidence(draft.id)
    money = next(r for r in rows if "34000元" in r.sentence)
    assert money.basis == FROM_MATERIALS
    assert money.sources[0].location == "春节送温暖!E3:E19"
    assert money.sources[0].excerpt == "春节送温暖!E3:E19 求和 = 34000 元（3.4万元）"
    assert {s.file for s in money.sources[1:]} == {"简报第3期.docx", "半年报.txt"}  # the prose that agrees
    walk = next(r for r in rows if "300人" in r.sentence)
    assert (walk.basis, walk.fact, walk.sources) == (TYPED, TYPED_FACT, [])
    assert any(r.basis == GENERAL for r in rows)
    households = next(r for r in rows if "18户" in r.sentence)
    assert households.sources[0].file == "半年报.txt"

    book = load_workbook(io.BytesIO(evidence_xlsx(rows)))
    assert [c.value for c in book.active[1]] == ["部分", "句子", "依据", "要点", "文件", "位置", "原文摘录"]
    parts = {row[0].value for row in book.active.iter_rows(min_row=2)}
    assert {"开头", "结尾"} <= parts and not parts & {"opening", "closing", "problems", "plan"}
    document = Document(io.BytesIO(draft_to_docx(draft, evidence=True)))
    assert APPENDIX_TITLE in [p.text for p in document.paragraphs]
    assert any("春节送温暖!E3:E19" in cell.text for cell in document.tables[0].columns[2].cells)
    assert APPENDIX_TITLE not in [p.text for p in Document(io.BytesIO(draft_to_docx(draft))).paragraphs]


def test_a_figure_changed_by_hand_is_not_vouched_for_by_the_old_sources(service):
    """A reviewer changed 18户 to 19户 in the text: the sentence is 数字与要点不符 beside its nearest fact,
    and the sources of 18户 are not shown as its evidence."""
    draft = service.draft(_facts(), offline=True)
    section = next(s for s in draft.sections if "18户" in s.text)
    service.edit(draft.id, section.key, section.text.replace("18户", "19户"))
    row = next(r for r in service.evidence(draft.id) if "19户" in r.sentence)
    assert (row.basis, row.sources) == (CHANGED, [])
    assert "18户" in row.fact


def test_cli_evidence_formats(service, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(service.base_settings.data_dir))
    draft = service.draft(_facts(), offline=True)
    assert main(["evidence", draft.id, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert set(rows[0]) == {"section", "sentence", "basis", "fact", "sources"}
    assert main(["evidence", draft.id]) == 0
    assert "| 部分 | 句子 | 依据 |" in capsys.readouterr().out
    assert main(["evidence", draft.id, "--format", "xlsx", "-o", str(tmp_path / "t.xlsx")]) == 0
    assert load_workbook(tmp_path / "t.xlsx").active.max_row > 1
    assert main(["evidence", "0123456789ab"]) == 1
    word = tmp_path / "附表.docx"
    assert main(["show", draft.id, "--format", "docx", "--evidence", "-o", str(word)]) == 0
    assert APPENDIX_TITLE in [p.text for p in Document(word).paragraphs]
    assert main(["show", draft.id, "--evidence"]) == 1


def test_correcting_a_fact_once_rewrites_every_section_that_used_it(service):
    facts = _facts()
    draft = service.draft(facts, offline=True)
    old = next(f for f in facts.facts if "18户" in f)
    using = [s.key for s in draft.sections if old in s.facts]
    assert using
    new = old.replace("18户", "19户")
    corrected = service.correct_fact(draft.id, old, new)
    assert new in corrected.facts.facts and old not in corrected.facts.facts
    assert corrected.facts.sources[new] == facts.sources[old]
    for key in using:
        section = corrected.section(key)
        assert "19户" in section.text and "18户" not in section.text
        assert section.previous_versions  # the old version is kept
    saved = service.get(draft.id)
    assert saved.section(using[0]).text == corrected.section(using[0]).text


def test_checking_a_word_export_reads_neither_its_date_nor_its_appendix(
    service, capsys, monkeypatch, tmp_path
):
    """The 落款's date (成文日期) and the 附件：事实依据表's source cells were reported as 没有依据."""
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(service.base_settings.data_dir))
    facts = _facts()
    draft = service.draft(facts, offline=True)
    facts_file = tmp_path / "facts.yaml"
    facts_file.write_text(facts.model_dump_json(exclude={"flagged"}, exclude_defaults=True), encoding="utf-8")
    word = tmp_path / "附表.docx"
    assert main(["show", draft.id, "--format", "docx", "--evidence", "-o", str(word)]) == 0
    capsys.readouterr()
    main(["check", str(word), "--facts", str(facts_file), "--json"])
    checked = json.loads(capsys.readouterr().out)
    assert checked["unsupported"] == [], checked["unsupported"]


def test_an_approximate_figure_changed_by_hand_is_not_vouched_for(service):
    """300余人 changed to 500余人 in the text: approximate amounts were left out of the comparison, so the
    row still said 用户填写 beside the old fact."""
    facts = parse_facts(
        {
            "organization": "江北区总工会",
            "period": "2025年",
            "facts": ["走访慰问困难职工300余人，发放慰问金2万元"],
        }
    )
    draft = service.draft(facts, offline=True)
    before = next(r for r in service.evidence(draft.id) if "300余人" in r.sentence)
    assert before.basis == TYPED  # as typed, the figure is vouched for by its fact
    section = next(s for s in draft.sections if "300余人" in s.text)
    service.edit(draft.id, section.key, section.text.replace("300余人", "500余人"))
    row = next(r for r in service.evidence(draft.id) if "500余人" in r.sentence)
    assert row.basis == CHANGED and "300余人" in row.fact


def test_a_vague_figure_changed_by_hand_is_not_vouched_for(service):
    """十几人 changed to 数百人, 5-8户 to 50-80户: vague figures have no amount to compare, and the rows still
    said 用户填写 beside the old facts."""
    facts = parse_facts(
        {
            "organization": "江北区总工会",
            "period": "2025年",
            "facts": [
                "组织职工技能培训，参训职工十几人，投入经费3万元",
                "走访慰问困难职工5-8户，发放慰问品40份",
            ],
        }
    )
    draft = service.draft(facts, offline=True)
    for old, new in (("十几人", "数百人"), ("5-8户", "50-80户")):
        section = next(s for s in service.get(draft.id).sections if old in s.text)
        service.edit(draft.id, section.key, section.text.replace(old, new))
    rows = service.evidence(draft.id)
    assert {r.basis for r in rows if "数百人" in r.sentence or "50-80户" in r.sentence} == {CHANGED}
