"""A ledger cell says what its number format shows: 1.2 shown as 1.20万元 is 1.2万元, 0.853 shown as 85.3%
is a rate, a date shown as 2025年1月 has no day. And a sheet's 单位：万元 and a file's copy mark are read
as a person reads them."""

import io
from datetime import date

import pytest
from openpyxl import Workbook

from drafting.materials.ledger import read_ledger
from drafting.materials.ledger_sheet import LedgerResult


def _ledger(rows: list[list], formats: dict[str, str] | None = None, name: str = "台账.xlsx") -> LedgerResult:
    """A one-sheet workbook (sheet 月度活动) with a number format per column letter, from row 2 down."""
    book = Workbook()
    sheet = book.active
    sheet.title = "月度活动"
    for row in rows:
        sheet.append(row)
    for letter, number_format in (formats or {}).items():
        for cell in sheet[letter][1:]:
            cell.number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return read_ledger(name, buffer.getvalue())


def _texts(result: LedgerResult) -> list[str]:
    return [fact.text for fact in result.facts]


def test_a_period_of_dates_shown_as_months_is_written_in_months():
    """Excel holds 2025-01-01 for a cell showing 2025年1月: the first of the month is no day anyone wrote."""
    rows = [["月份", "活动名称", "参加人数"]]
    rows += [[date(2025, month, 1), "活动", 10] for month in (1, 3, 12)]
    months = _ledger(rows, {"A": 'yyyy"年"m"月"'})
    assert _texts(months)[0] == "月度活动台账共3条记录（2025年1月至2025年12月）"
    years = _ledger(rows, {"A": 'yyyy"年"'})
    assert _texts(years)[0] == "月度活动台账共3条记录（2025年至2025年）"
    days = _ledger(rows, {"A": "yyyy-mm-dd"})
    assert _texts(days)[0] == "月度活动台账共3条记录（2025年1月1日至2025年12月1日）"


def test_the_unit_a_number_format_shows_counts_like_a_unit_in_the_header():
    rows = [
        ["活动", "慰问金", "补助", "参加", "奖励（元）"],
        ["迎新春", 1.2, 1500, 320, 12345],
        ["插花", 0.35, 2000.5, 86, 23456],
        ["健步走", 2.05, 300, 1216, 1000],
        ["长跑", 0.8, 0, 408, 0],
    ]
    formats = {
        "B": '0.00"万元"',
        "C": '_ ¥* #,##0.00_ ;_ ¥* -#,##0.00_ ;_ ¥* "-"??_ ;_ @_ ',  # WPS 会计专用
        "D": '0"人"',
        "E": '0!.0,"万"',  # shows 12345 as 1.2万 by moving the point: the value is still 元
    }
    assert _texts(_ledger(rows, formats))[1:] == [
        "月度活动慰问金合计44000元（4.4万元）",
        "月度活动补助合计3800.5元",
        "月度活动参加合计2030人",
        "月度活动奖励合计36801元（3.6801万元）",
    ]


def test_rates_and_averages_are_not_summed_by_their_header_or_their_percent_format():
    rows = [
        ["月份", "参加人数", "出勤（%）", "到会", "人均", "户均补助"],
        ["1月", 320, 85.3, 0.912, 37.5, 500],
        ["3月", 86, 91.2, 0.8, 40.7, 600],
        ["5月", 1216, 80, 0.777, 16.4, 700],
    ]
    result = _ledger(rows, {"D": "0.0%"})
    assert _texts(result) == ["月度活动台账共3条记录", "月度活动参加人数合计1622人"]
    assert not result.skipped


def test_a_sheets_unit_above_the_table_is_every_amount_columns_unit():
    """2025年工会经费收支表（单位：万元）: 预算数 and 实际支出 name no money word, and are 万元 all the
    same; a count, a rate and a column with its own unit are not."""
    rows = [
        ["2025年工会经费收支表（单位：万元）"],
        ["项目", "预算数", "实际支出", "执行率", "参加人数", "物品（件）"],
        ["职工教育", 12.5, 11.38, 0.9104, 120, 30],
        ["文体活动", 30, 28.76, 0.9587, 800, 12],
        ["送温暖", 8, 7.2, 0.9, 60, 5],
    ]
    assert _texts(_ledger(rows, name="附件1.xlsx")) == [
        "月度活动台账共3条记录",
        "月度活动预算数合计505000元（50.5万元）",
        "月度活动实际支出合计473400元（47.34万元）",
        "月度活动参加人数合计980人",
        "月度活动物品合计47件",
    ]


def test_a_copy_mark_on_a_file_name_is_no_part_of_the_ledgers_name():
    data = "序号,姓名,慰问金额（元）\n1,张三,1000\n2,李四,2000\n".encode()
    for name in ("2025年慰问台账(1).csv", "2025年慰问台账（2）.csv", "2025年慰问台账 - 副本.csv"):
        assert _texts(read_ledger(name, data))[0] == "2025年慰问台账共2户", name


def test_a_sheets_unit_is_no_unit_for_a_column_that_counts_people_or_years():
    """困难职工帮扶台账（单位：万元）: 帮扶金 is 万元; 家庭人口 and 工龄 are no money, whatever the sheet's unit."""
    rows = [
        ["困难职工帮扶台账（单位：万元）"],
        ["姓名", "家庭人口", "帮扶金"],
        ["张三", 3, 0.2],
        ["李四", 4, 0.3],
        ["王五", 5, 0.5],
    ]
    assert _texts(_ledger(rows))[1:] == [
        "月度活动家庭人口合计12",
        "月度活动帮扶金合计10000元（1万元）",
    ]
    rows[1][1:1] = ["工龄"]
    for row, years in zip(rows[2:], (20, 12, 18), strict=True):
        row[1:1] = [years]
    texts = _texts(_ledger(rows))
    assert "月度活动工龄合计50" in texts
    assert "月度活动家庭人口合计12" in texts
    assert not any("工龄" in text and "元" in text for text in texts)


@pytest.mark.parametrize("header", ["资助额", "救助额", "捐赠", "物资价值", "实发", "发放", "帮扶", "一季度"])
def test_a_sheets_unit_is_the_unit_of_a_summed_column_that_names_no_money_word(header: str):
    """困难职工帮扶台账（单位：万元）: 0.2, 0.3 and 0.5 under 资助额 or 一季度 are 1万元, not a bare 合计1;
    the sheet's unit is refused only for a column that counts or measures (家庭人口, 工龄, 参加人数)."""
    rows = [
        ["困难职工帮扶台账（单位：万元）"],
        ["姓名", "家庭人口", header],
        ["张三", 3, 0.2],
        ["李四", 4, 0.3],
        ["王五", 5, 0.5],
    ]
    assert _texts(_ledger(rows))[1:] == [
        "月度活动家庭人口合计12",
        f"月度活动{header}合计10000元（1万元）",
    ]
