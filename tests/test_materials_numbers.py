"""Numbers in materials read as people write them: a decimal at a sentence's start keeps its integer part,
approximate amounts (300余人) are values that never conflict with exact ones, Chinese numerals with 万 are
read whole, no sentence with a figure vanishes, and a spreadsheet's float is the number it shows."""

import asyncio
import io
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook

from drafting.materials import Material
from drafting.materials.extract import extract
from drafting.materials.model import Extraction
from drafting.materials.prose import Passage, extract_offline, fact_text
from drafting.materials.values import Amount, amount_of, amounts, cell_amount, stated_values, states_a_figure


def run(*materials: tuple[str, str | bytes]) -> Extraction:
    files = [Material(name, data.encode() if isinstance(data, str) else data) for name, data in materials]
    return asyncio.run(extract(files, None))[0]


def offline(*paragraphs: str) -> tuple[list, list]:
    return extract_offline([Passage("月报.txt", f"第{i}段", p) for i, p in enumerate(paragraphs, start=1)])


# 1. A decimal at a sentence's start is no list number


@pytest.mark.parametrize(
    ("sentence", "bullet"),
    [
        ("1.5万元专项资金已全部用于职工书屋建设。", "1.5万元专项资金已全部用于职工书屋建设"),
        ("12.5%的会员参加了春季健步走活动。", "12.5%的会员参加了春季健步走活动"),
        ("3.8妇女节当天，组织女职工开展插花活动。", "3.8妇女节当天，组织女职工开展插花活动"),
        ("2．6万元用于慰问一线职工", "2．6万元用于慰问一线职工"),
        ("1.组织女职工开展插花活动", "组织女职工开展插花活动"),
        ("1. 组织女职工开展插花活动", "组织女职工开展插花活动"),
        ("2、发放慰问金3万元", "发放慰问金3万元"),
        ("3．走访困难职工17户", "走访困难职工17户"),
        ("（一）走访困难职工17户", "走访困难职工17户"),
        ("十二、走访困难职工17户", "走访困难职工17户"),
    ],
)
def test_a_list_number_is_taken_off_but_never_a_decimal_s_integer_part(sentence, bullet):
    assert fact_text(sentence) == bullet


def test_a_briefing_starting_with_a_decimal_keeps_it_in_the_fact():
    text = (
        "3月份工会工作月报\n\n3.8妇女节当天，组织女职工开展插花活动，参加女职工86人。\n\n"
        "1.5万元专项资金已全部用于职工书屋建设，新增图书1,350册。\n\n"
        "12.5%的会员参加了春季健步走活动，共计参加职工408人。"
    )
    facts = {f.text: f.values for f in run(("月报_3月.txt", text)).facts}
    assert facts == {
        "3.8妇女节当天，组织女职工开展插花活动，参加女职工86人": ["86人"],
        "1.5万元专项资金已全部用于职工书屋建设，新增图书1,350册": ["1.5万元", "1,350册"],
        "12.5%的会员参加了春季健步走活动，共计参加职工408人": ["12.5%", "408人"],
    }


# 2. Common number forms are values; approximate ones are never exact


@pytest.mark.parametrize(
    ("sentence", "written", "amount"),
    [
        ("资助困难职工子女300余人", "300余人", Amount(Decimal(300), "人", approximate=True)),
        ("发放助学金20余万元", "20余万元", Amount(Decimal(200_000), "元", approximate=True)),
        ("参加职工400多人", "400多人", Amount(Decimal(400), "人", approximate=True)),
        ("参与教职工3百余人", "3百余人", Amount(Decimal(300), "人", approximate=True)),
        ("发放慰问金3万余元", "3万余元", Amount(Decimal(30_000), "元", approximate=True)),
        ("约300人参加", "约300人", Amount(Decimal(300), "人", approximate=True)),
        ("参加职工300人左右", "300人左右", Amount(Decimal(300), "人", approximate=True)),
        ("安康杯竞赛覆盖率达百分之九十五", "百分之九十五", Amount(Decimal(95), "%")),
        ("覆盖率达百分之百", "百分之百", Amount(Decimal(100), "%")),
        ("走访慰问退休教职工 36 户", "36 户", Amount(Decimal(36), "户")),
        ("慰问患病住院职工 17 人次", "17 人次", Amount(Decimal(17), "人次")),
        ("人均标准￥150", "￥150", Amount(Decimal(150), "元")),
        ("发放工会会员生日蛋糕卡1,050张", "1,050张", Amount(Decimal(1050), "张")),
        ("签约3家", "3家", Amount(Decimal(3), "家")),  # 签约 is no 约
        ("最近3个月", "3个", Amount(Decimal(3), "个")),  # 最近 is no 近
    ],
)
def test_common_number_forms_are_values_kept_as_written(sentence, written, amount):
    assert stated_values(sentence) == [written]
    assert amount_of(written) == amount
    assert amounts(sentence, approximate=True) == [amount]
    assert amounts(sentence) == ([] if amount.approximate else [amount])  # approximate is never exact


@pytest.mark.parametrize(
    "text", ["第 3 期", "第3期", "十九大", "二十大以来", "3.8妇女节当天", "数十年如一日"]
)
def test_ordinals_and_congresses_are_no_values(text):
    assert stated_values(text) == []


@pytest.mark.parametrize(
    "written",
    [
        *("十几人", "几十人", "数百人", "近百人", "百余人", "千余人", "上千人", "数万元"),
        *("5-8户", "500至800元", "五至八户", "二百至三百户", "5.5-8万元", "1,000-2,000元", "2—3千人"),
    ],
)
def test_a_vague_figure_is_a_value_as_written_but_no_amount(written):
    """参训职工十几人 vanished: neither a fact nor set aside; 5-8户 was an exact 8户. Each is the sentence's
    figure, quoted as is, with nothing to compare or add up."""
    sentence = f"组织开展职工技能培训，参训职工{written}"
    assert stated_values(sentence) == [written]
    assert amounts(sentence, approximate=True) == []
    facts, set_aside = offline(sentence + "。")
    assert [(f.text, f.values) for f in facts] == [(sentence, [written])] and set_aside == []


def test_the_variants_month_report_loses_no_sentence():
    report = run(
        (
            "月报_变体.txt",
            "11月份工会工作月报\n\n开展金秋助学活动，资助困难职工子女300余人。\n\n发放助学金20余万元。\n\n"
            "组织职工观影活动，参加职工400多人。\n\n安康杯竞赛覆盖率达百分之九十五。\n\n"
            "走访慰问退休教职工 36 户。\n\n发放防暑降温慰问品，人均标准￥150。\n\n"
            "发放工会会员生日蛋糕卡1,050张。\n\n慰问患病住院职工 17 人次，发放慰问品价值3,600元。",
        )
    )
    assert [(f.text, f.values) for f in report.facts] == [
        ("开展金秋助学活动，资助困难职工子女300余人", ["300余人"]),
        ("发放助学金20余万元", ["20余万元"]),
        ("组织职工观影活动，参加职工400多人", ["400多人"]),
        ("安康杯竞赛覆盖率达百分之九十五", ["百分之九十五"]),
        ("走访慰问退休教职工 36 户", ["36 户"]),
        ("发放防暑降温慰问品，人均标准￥150", ["￥150"]),
        ("发放工会会员生日蛋糕卡1,050张", ["1,050张"]),
        ("慰问患病住院职工 17 人次，发放慰问品价值3,600元", ["17 人次", "3,600元"]),
    ]
    assert report.set_aside == []
    for fact in report.facts:
        assert all(v in fact.sources[0].excerpt for v in fact.values)


def test_a_sentence_with_a_number_read_as_no_value_is_set_aside_never_dropped():
    facts, set_aside = offline(
        "组织职工参加植树活动，共植树12。",  # a number with no unit
        "工会会员十几人参加了座谈。",  # a vague figure: a fact, quoted as written
        "2025年上半年，工会积极开展各项活动。",  # a year is no figure
        "3.8妇女节当天，组织女职工开展插花活动。",  # 3.8 is the day
        "一、组织建设",  # a heading's number
        "走访36户。",  # short, but a figure
        "其中女职工占比45%。",  # a figure, but no activity
    )
    assert [f.text for f in facts] == ["工会会员十几人参加了座谈", "走访36户"]
    assert [(s.excerpt, s.reason[:12]) for s in set_aside] == [
        ("组织职工参加植树活动，共植树12。", "有数字，但没有读出带单位"),
        ("其中女职工占比45%。", "有数字，但看不出是哪项工"),
    ]


def test_states_a_figure():
    assert states_a_figure("共植树12")
    assert states_a_figure("参加职工300余人")
    assert states_a_figure("覆盖率达百分之九十五")
    assert states_a_figure("资金一万二千")
    for text in [
        "1.组织建设",
        "2025年3月15日",
        "第3期",
        "党的二十大精神",
        "十四五规划",
        "一是加强学习",
        "三八节",
    ]:
        assert not states_a_figure(text), text


def test_an_approximate_amount_does_not_conflict_with_an_exact_one():
    result = run(
        ("简报.txt", "金秋助学简报\n\n开展金秋助学活动，资助困难职工子女300余人。"),
        ("半年报.txt", "上半年工作总结\n\n开展金秋助学活动，资助困难职工子女320人。"),
    )
    assert result.conflicts == []
    assert sorted(v for f in result.facts for v in f.values) == ["300余人", "320人"]


# 3. Chinese numerals with 万 and mixed forms are read whole


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("一万二千元", 12_000),
        ("1.2万元", 12_000),
        ("十二万元", 120_000),
        ("两千元", 2_000),
        ("一万二元", 12_000),
        ("1万2千元", 12_000),
        ("3千元", 3_000),
        ("一百零五元", 105),
        ("一千零五十元", 1_050),
        ("三十万元", 300_000),
        ("一亿二千万元", 120_000_000),
        ("二十三元", 23),
        ("十元", 10),
    ],
)
def test_chinese_and_mixed_numerals_are_read_to_the_right_amount(written, number):
    assert amount_of(written) == Amount(Decimal(number), "元")
    assert stated_values(f"发放慰问金{written}。") == [written]


def test_two_numerals_in_a_row_are_no_one_number():
    assert stated_values("三五人") == []


def test_a_briefing_in_chinese_numerals_agrees_with_the_report_in_digits():
    result = run(
        ("简报_大写数字.txt", "春节工作简报\n\n春节期间走访慰问困难职工三十六户，发放慰问金一万二千元。"),
        ("半年报_阿拉伯数字.txt", "上半年工作总结\n\n春节期间走访慰问困难职工36户，发放慰问金12,000元。"),
    )
    assert result.conflicts == []
    (fact,) = result.facts
    assert fact.values == ["三十六户", "一万二千元", "36户", "12,000元"]
    assert [s.file for s in fact.sources] == ["简报_大写数字.txt", "半年报_阿拉伯数字.txt"]


def test_chinese_numerals_in_a_cell():
    assert cell_amount("一万二千") == Amount(Decimal(12_000), "")
    assert cell_amount("两千元") == Amount(Decimal(2_000), "元")
    assert cell_amount("约200元") is None  # no exact number to add up
    assert cell_amount("300余人") is None


# 8. A float is the number the spreadsheet shows


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (59.699999999999996, "59.7"),
        (0.1 + 0.2, "0.3"),
        (114.99999999999999, "115"),
        (709.8999999999999, "709.9"),
        (2000.0, "2000"),
        (1 / 3, "0.333333333333333"),
        (123456789.12345678, "123456789.123457"),
    ],
)
def test_a_float_cell_is_the_decimal_excel_shows(value, shown):
    assert cell_amount(value) == Amount(Decimal(shown), "")


def _ledger_with_cached_floats() -> bytes:
    """金额 = 单价 × 数量 as formulas whose cached values are the floats Excel stores (19.9 × 3 is
    59.699999999999996), written with openpyxl and the cached values put into the sheet's XML."""
    rows = [("张三", 19.9, 3), ("李四", 0.1, 3), ("王五", 33.3, 3), ("赵六", 1.15, 100), ("钱七", 4.35, 100)]
    book = Workbook()
    sheet = book.active
    sheet.title = "慰问品发放"
    sheet.append(["姓名", "单价（元）", "数量", "金额（元）"])
    for i, (name, price, count) in enumerate(rows, start=2):
        sheet.append([name, price, count, f"=B{i}*C{i}"])
    buffer = io.BytesIO()
    book.save(buffer)
    cached = {f"B{i}*C{i}": repr(price * count) for i, (_, price, count) in enumerate(rows, start=2)}
    assert cached["B2*C2"] == "59.699999999999996"
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = re.sub(
                    r"<f>(B\d+\*C\d+)</f><v\s*/?>(?:</v>)?",
                    lambda m: f"<f>{m.group(1)}</f><v>{cached[m.group(1)]}</v>",
                    data.decode(),
                )
                assert xml.count("<v>") >= len(rows) and "59.699999999999996" in xml
                data = xml.encode()
            target.writestr(item, data)
    return out.getvalue()


def test_a_ledger_of_cached_float_formulas_totals_to_the_amount_shown():
    result = run(("公式台账.xlsx", _ledger_with_cached_floats()))
    total = next(f for f in result.facts if f.computed and "D2:D6" in f.computed.formula)
    assert total.computed.formula.endswith("求和 = 709.9 元")
    assert total.values[0].startswith("709.9")
    assert "9999" not in total.text


def test_a_traditional_text_s_numbers_are_read_as_written():
    sentence = "春節前組織慰問一線工人200餘人次，發放慰問金和物資折款30餘萬元，走訪52戶。"
    assert stated_values(sentence) == ["200餘人次", "30餘萬元", "52戶"]
    assert amounts(sentence) == [Amount(Decimal(52), "户")]
    assert amount_of("一萬二千元") == Amount(Decimal(12_000), "元")
    facts, set_aside = offline(sentence)
    assert facts[0].values == ["200餘人次", "30餘萬元", "52戶"] and set_aside == []


def test_a_template_s_years_list_markers_and_anniversaries_are_no_figures():
    for text in [
        "现将20xx年工会工作总结如下：",
        "推动方针落到实处1、基层单位民主管理更加规范。",
        "[5]我们组织了全校教工体检。",
        "主要有：（1）工会工作如何适应教育改革需要思考得不深；",
        "建党90周年对老党员发放了慰问信。",
        "组织了“3.12”植树活动。",
        "体现了“健康工作四十年”的精神。",
        "召开第十二次会员代表大会。",
        "（十二）加强职工之家建设",
        "十二、加强职工之家建设",
    ]:
        assert not states_a_figure(text), text
    assert offline("组织了“3.12”植树活动和“五四”青年节红歌赛。") == ([], [])


def test_a_lone_one_before_a_classifier_is_no_count():
    assert stated_values("大家一块参加活动，一间办公室") == []
    assert stated_values("配发桌椅220 套，被褥两百套") == ["220 套", "两百套"]


def test_a_date_before_a_figure_is_no_range():
    """2024-05-01组织职工120人 gave a spurious 05-01组 (组 is a measure) once ranges were values."""
    assert stated_values("2024-05-01组织职工120人") == ["120人"]
    assert stated_values("2024-2025学年开展活动3次") == ["3次"]
