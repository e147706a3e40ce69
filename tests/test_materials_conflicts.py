"""数字不一致 only where two sources state the same measure of the same work, and settling one keeps what
else the losing material says; bad inputs to `drafting extract` are named with what to do."""

import asyncio
import io

import pytest
from docx import Document
from openpyxl import Workbook

from drafting.cli import main
from drafting.materials import Material
from drafting.materials.extract import extract
from drafting.materials.model import Candidate, Conflict, Extraction, Source


def run(*materials: Material) -> Extraction:
    return asyncio.run(extract(list(materials)))[0]


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def text(*paragraphs: str) -> bytes:
    return "\n\n".join(paragraphs).encode()


LEDGER = workbook(
    {
        # a generic 慰问 ledger and an 活动 ledger with its 经费, as a school union keeps them
        "慰问台账": [
            ["序号", "姓名", "部门", "慰问金（元）", "家庭人口"],
            [1, "张三", "教务处", 1234.5, "3人"],
            [2, "李四", "后勤", 2000, "4人"],
            [3, "王五", "总务", 1500.25, "5人"],
            [4, "赵六", "语文组", 800, "2人"],
            [5, "钱七", "数学组", 1000.1, "12人"],
        ],
        "活动台账": [["活动名称", "参与人次", "经费（万元）"], ["健步走", 1216, 1.2], ["篮球赛", 356, 0.35]],
        "春节送温暖": [
            ["姓名", "慰问金（元）", "家庭人口"],
            ["甲", 1000, "3人"],
            ["乙", 1500, "4人"],
            ["丙", 2000, "5人"],
            ["丁", 1000, "2人"],
            ["戊", 1000, "1人"],
        ],
        "职工书屋": [["日期", "购书金额（元）"], ["3月", 8000], ["6月", 6000]],
    }
)
REPORT = text(
    "10月份工会工作月报",
    "发放中秋、国庆节日慰问品，覆盖在职职工1,120人，金额合计33.6万元。",
    "工会经费收入320万元，支出298.75万元。",
    "2.6万元用于慰问一线职工，慰问职工520人。",
    "春节送温暖活动走访慰问困难职工6户，发放慰问金6000元。",
    "春节送温暖活动组织志愿者32人参加。",
    "职工书屋建设购书投入1.5万元，比上年增加0.3万元。",
)


def test_a_ledger_conflicts_only_with_prose_on_the_same_measure_of_the_same_work():
    """The probe's 慰问：5户 / 1,120人, 慰问金：6534.85元 / 33.6万元, 慰问家庭人口：26人 / 520人 and
    活动经费：16300元 / 320万元 / 298.75万元 were no disagreements: 慰问, 经费 and 活动 name no one work,
    人 is never 户, 家庭人口 is not 32 volunteers, and of 1.5万元 and 0.3万元 neither is known to be the
    ledger's. The 春节送温暖 ledger against the sentence on 春节送温暖 itself still disagrees, twice."""
    result = run(Material("台账.xlsx", LEDGER), Material("月报.txt", REPORT))
    assert [c.values for c in result.conflicts] == [
        ["5户（台账计算）", "6户"],
        ["6500元（台账计算）", "6000元"],
    ]
    assert {s.excerpt for c in result.conflicts for s in c.sources if s.file == "月报.txt"} == {
        "春节送温暖活动走访慰问困难职工6户，发放慰问金6000元。"
    }
    written = result.facts_file("第一中学工会", "2025年")["facts"]
    assert "发放中秋、国庆节日慰问品，覆盖在职职工1,120人，金额合计33.6万元" in written
    assert "工会经费收入320万元，支出298.75万元" in written


def test_a_ledger_figure_a_sentence_states_among_others_is_agreement():
    """收入320万元，支出298.75万元 beside a 经费支出 ledger of 298.75万元: the sentence confirms it."""
    ledger = workbook({"工会经费支出": [["项目", "支出（万元）"], ["教育", 120], ["文体", 178.75]]})
    result = run(
        Material("经费台账.xlsx", ledger), Material("月报.txt", text("工会经费收入320万元，支出298.75万元。"))
    )
    assert result.conflicts == []
    total = next(f for f in result.facts if f.computed and "元" in f.values[0])
    assert [s.file for s in total.sources] == ["经费台账.xlsx", "月报.txt"]


def test_a_one_paragraph_text_is_read_not_called_a_copy_of_itself():
    """A .txt of one paragraph is its own text, byte for byte: it was skipped as 与“月报.txt”内容相同."""
    result = run(Material("月报.txt", text("10月组织职工秋季登山活动，参加职工246人。")))
    assert result.skipped == [] and [f.text for f in result.facts] == [
        "10月组织职工秋季登山活动，参加职工246人"
    ]


def _settling(*texts: str) -> Extraction:
    """A ledger's 17户 against prose: the ledger fact and each sentence, all in one conflict."""
    ledger = Source(file="台账.xlsx", location="春节送温暖!B3:B19", excerpt="春节送温暖!B3:B19 计数 = 17 户")
    facts = [Candidate(text="春节送温暖台账共17户", theme="care", values=["17户"], sources=[ledger])]
    for number, sentence in enumerate(texts, start=1):
        source = Source(file="半年报.txt", location=f"第{number}段", excerpt=f"{sentence}。")
        facts.append(Candidate(text=sentence, theme="care", values=[], sources=[source]))
    conflict = Conflict(
        about="春节送温暖（台账计算与材料所写不一致）",
        values=["17户（台账计算）", "18户"],
        sources=[s for f in facts for s in f.sources],
    )
    return Extraction(facts=facts, conflicts=[conflict])


def test_choosing_a_value_takes_out_only_the_other_value_and_says_so():
    """Choosing the ledger's 5户 removed 发放中秋、国庆节日慰问品，覆盖在职职工1,120人，金额合计33.6万元
    whole. A losing sentence now loses only its clause stating the other figure, and says so; a sentence
    that said nothing else goes; one whose clause says more stays whole, out of the facts file until the
    user corrects it."""
    extraction = _settling(
        "春节期间，区总工会走访慰问困难职工18户，发放慰问金3.4万元",
        "1月，走访慰问困难职工18户",
        "走访18户发放慰问金3.4万元",
    )
    settled = extraction.choose(0, "17户（台账计算）")
    assert settled.conflicts == []
    assert [f.text for f in settled.facts] == [
        "春节送温暖台账共17户",
        "春节期间，发放慰问金3.4万元",
        "走访18户发放慰问金3.4万元",
    ]
    trimmed, whole = settled.facts[1:]
    assert settled.status(trimmed) == "已删去未选定的18户，请核对" and not settled.unsettled(trimmed)
    assert settled.status(whole) == "仍写着未选定的18户，请改正" and settled.unsettled(whole)
    assert settled.facts_file("", "")["facts"] == ["春节送温暖台账共17户", "春节期间，发放慰问金3.4万元"]
    corrected = settled.edit(2, "走访发放慰问金3.4万元")
    assert not corrected.unsettled(corrected.facts[2])
    # the page keeps the extraction as JSON between runs: the mark survives it, and is absent when unset
    assert Extraction.model_validate(settled.model_dump()) == settled
    assert "rejected" not in extraction.model_dump()["facts"][0]

    by_prose = extraction.choose(0, "18户")  # the ledger's count said nothing else
    assert [f.text for f in by_prose.facts] == [f.text for f in extraction.facts[1:]]


def test_what_a_losing_sentence_has_left_that_the_chosen_one_says_too_leaves_with_it():
    """Choosing 18户: the 17户 sentence, without its 17户, told only the 3.4万元 the 18户 sentence gives as
    well, and the draft told that money twice (三次 with the ledger's sum). It leaves; a figure of its own
    would have kept it."""
    prose = Source(
        file="简报.txt", location="第1段", excerpt="春节期间，走访慰问困难职工18户，发放慰问金3.4万元。"
    )
    other = Source(
        file="半年报.txt", location="第2段", excerpt="1月20日，走访慰问困难职工17户，发放慰问金3.4万元。"
    )
    third = Source(file="月报.txt", location="第1段", excerpt="走访慰问困难职工17户，发放米面油200份。")
    facts = [
        Candidate(
            text="春节期间，走访慰问困难职工18户，发放慰问金3.4万元", theme="care", values=[], sources=[prose]
        ),
        Candidate(
            text="1月20日，走访慰问困难职工17户，发放慰问金3.4万元", theme="care", values=[], sources=[other]
        ),
        Candidate(text="走访慰问困难职工17户，发放米面油200份", theme="care", values=[], sources=[third]),
    ]
    conflict = Conflict(
        about="走访慰问困难职工（户）", values=["18户", "17户"], sources=[prose, other, third]
    )
    settled = Extraction(facts=facts, conflicts=[conflict]).choose(0, "18户")
    assert [f.text for f in settled.facts] == [
        "春节期间，走访慰问困难职工18户，发放慰问金3.4万元",
        "发放米面油200份",
    ]


def test_choosing_one_writing_of_a_figure_keeps_its_other_writings():
    """3.4万元 and 34000元 are one amount: choosing the first is no vote against the second."""
    source = Source(file="简报.txt", location="第1段", excerpt="发放慰问金34000元。")
    other = Source(file="月报.txt", location="第1段", excerpt="发放慰问金3.5万元。")
    facts = [
        Candidate(text="发放慰问金34000元", theme="care", values=["34000元"], sources=[source]),
        Candidate(text="发放慰问金3.5万元", theme="care", values=["3.5万元"], sources=[other]),
    ]
    conflict = Conflict(
        about="发放慰问金（元）", values=["3.4万元", "34000元", "3.5万元"], sources=[source, other]
    )
    settled = Extraction(facts=facts, conflicts=[conflict]).choose(0, "3.4万元")
    assert [f.text for f in settled.facts] == ["发放慰问金34000元"]


def test_extract_o_with_nothing_read_prints_why_and_writes_nothing(tmp_path, capsys, settings, monkeypatch):
    """Only 要点文件有问题：工作要点不能为空 was printed; the password or damage that was the reason was not."""
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(settings.data_dir))
    damaged = tmp_path / "台账.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not a workbook")
    target = tmp_path / "要点.yaml"
    naming = ["-o", str(target), "--organization", "第一中学工会", "--period", "2025年"]
    assert main(["extract", "--offline", str(damaged), *naming]) == 1
    captured = capsys.readouterr()
    assert "未读取：台账.xlsx：“台账.xlsx”不是有效的 Excel 文件" in captured.out
    assert "错误：没有从素材中提取到任何要点（未读取的文件及原因见上），没有写入" in captured.err
    assert "不能为空" not in captured.err and not target.exists()

    for name, households in [("简报.txt", 17), ("半年报.txt", 18)]:
        (tmp_path / name).write_bytes(text(f"春节期间走访慰问困难职工{households}户。"))
    assert (
        main(["extract", "--offline", str(tmp_path / "简报.txt"), str(tmp_path / "半年报.txt"), *naming]) == 1
    )
    captured = capsys.readouterr()
    assert "数字不一致：" in captured.out
    assert "提取到的 2 条要点都有数字不一致" in captured.err and not target.exists()


def test_other_workbooks_and_renamed_files_say_what_they_are_and_what_to_do():
    """.xls, .xlsm, .et and .ods had only 格式不支持; an .xlsx renamed .docx read as 不像是一篇工作总结."""
    document = Document()
    document.add_paragraph("3月8日，举办女职工插花活动，参与女职工120人。")
    buffer = io.BytesIO()
    document.save(buffer)
    reasons = {
        name: run(Material(name, data)).skipped[0].reason
        for name, data in [
            ("台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old"),
            ("台账.xlsm", LEDGER),
            ("台账.et", b"wps"),
            ("台账.ods", b"PK\x03\x04ods"),
            ("台账.docx", LEDGER),
            ("简报.xlsx", buffer.getvalue()),
        ]
    }
    for name in ["台账.xls", "台账.xlsm", "台账.et", "台账.ods"]:
        assert reasons[name].endswith("另存为 .xlsx 后再提取。"), reasons[name]
    assert "旧版 Excel" in reasons["台账.xls"] and "启用宏" in reasons["台账.xlsm"]
    assert (
        reasons["台账.docx"]
        == "“台账.docx”其实是 Excel 表格（.xlsx），只是扩展名为 .docx：请把扩展名改为 .xlsx 后再提取。"
    )
    assert (
        reasons["简报.xlsx"]
        == "“简报.xlsx”其实是 Word 文件（.docx），只是扩展名为 .xlsx：请把扩展名改为 .docx 后再提取。"
    )


def test_the_same_approximate_figure_in_two_materials_is_one_fact_with_both_sources():
    """资助困难职工子女300余人 in the 简报 and the 半年报 came out as two identical facts: approximate amounts
    were left out of grouping, so the two were never seen as one event."""
    sentence = "开展金秋助学活动，资助困难职工子女300余人。"
    result = run(Material("简报.txt", text(sentence)), Material("半年报.txt", text("上半年，" + sentence)))
    assert [f.text for f in result.facts] == ["开展金秋助学活动，资助困难职工子女300余人"]
    assert [s.file for s in result.facts[0].sources] == ["简报.txt", "半年报.txt"]
    assert result.conflicts == []


@pytest.mark.parametrize(
    ("one", "other", "conflict"),
    [
        ("约300人", "30人", True),
        ("300余人", "500余人", True),
        ("300余人", "320人", False),
        ("约300人", "300人", False),
        ("1000余人", "800人", True),
        ("超过300人", "250人", True),
        ("不足300人", "320人", True),
        ("20余万元", "16万元", True),
        ("不足300人", "280人", False),
    ],
)
def test_an_approximate_figure_agrees_only_with_one_near_it(one, other, conflict):
    """约300人 against 30人 for one event was a conflict until approximate amounts were left out of the
    comparison; then neither it nor 300余人 against 500余人 was, and the draft got both figures."""
    result = run(
        Material("简报.txt", text(f"开展金秋助学活动，资助困难职工子女{one}。")),
        Material("半年报.txt", text(f"开展金秋助学活动，资助困难职工子女{other}。")),
    )
    assert bool(result.conflicts) == conflict
    if conflict:
        assert result.conflicts[0].values == [one, other]


def test_what_the_chosen_passage_says_in_another_fact_leaves_with_the_losing_remainder():
    """The 半年报's 18户；发放慰问金3.4万元 is two facts (split at ；): choosing 18户 kept the 简报's remainder
    春节期间开展送温暖活动，发放慰问金3.4万元 beside the 半年报's 发放慰问金3.4万元, the money twice."""
    result = run(
        Material("简报.txt", text("春节期间开展送温暖活动，走访慰问困难职工17户，发放慰问金3.4万元。")),
        Material("半年报.txt", text("春节期间开展送温暖活动，走访慰问困难职工18户；发放慰问金3.4万元。")),
    )
    households = next(i for i, c in enumerate(result.conflicts) if "18户" in c.values)
    settled = result.choose(households, "18户")
    texts = [f.text for f in settled.facts]
    assert sum("3.4万元" in t for t in texts) == 1, texts
    assert any("18户" in t for t in texts) and not any("17户" in t for t in texts)


def test_a_remainder_about_other_work_with_the_same_amount_is_kept():
    """The 简报's 春节…发放慰问金3万元 was dropped on choosing 18户 because its 金秋助学 sentence, about other
    work in the same paragraph, also said 3万元."""
    result = run(
        Material(
            "简报.txt",
            text(
                "春节期间开展送温暖活动，走访慰问困难职工17户，发放慰问金3万元。"
                "9月开展金秋助学活动，为困难职工子女发放助学金3万元。"
            ),
        ),
        Material("半年报.txt", text("春节期间开展送温暖活动，走访慰问困难职工18户。")),
    )
    households = next(i for i, c in enumerate(result.conflicts) if "18户" in c.values)
    texts = [f.text for f in result.choose(households, "18户").facts]
    assert "春节期间开展送温暖活动，发放慰问金3万元" in texts
    assert any("助学金3万元" in t for t in texts)


def test_choosing_against_an_approximate_figure_takes_it_out():
    """约300人 against 30人: choosing 30人 closed the conflict but left 约300人 in the facts, unflagged."""
    result = run(
        Material("简报.txt", text("开展金秋助学活动，资助困难职工子女约300人，发放助学金3万元。")),
        Material("半年报.txt", text("开展金秋助学活动，资助困难职工子女30人。")),
    )
    settled = result.choose(0, "30人")
    texts = settled.facts_file("", "")["facts"]
    assert not any("约300人" in t for t in texts), texts
    trimmed = next(f for f in settled.facts if "助学金3万元" in f.text)
    assert settled.status(trimmed) == "已删去未选定的约300人，请核对"


def test_two_figures_in_one_fact_are_no_disagreement():
    """300余人，其中大学生120人 was a conflict with itself once approximate figures were compared."""
    result = run(
        Material("简报.txt", text("开展金秋助学活动，资助困难职工子女300余人，其中大学生120人。")),
        Material("半年报.txt", text("开展金秋助学活动，资助困难职工子女300余人。")),
    )
    assert result.conflicts == []
