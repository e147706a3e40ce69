"""Text fields are bounded on the server, whatever a widget allowed (issue 21, item 5): a search of at most
500 characters, facts of at most 20,000, a section heading of at most 100; over that, a Chinese message."""

import pytest

from drafting.errors import UserError
from drafting.service import MAX_QUERY_CHARS, DraftingService
from drafting.settings import load_settings
from drafting.writing.facts import MAX_TOTAL_CHARS, parse_facts
from drafting.writing.outline import HEADING, KEEP, MAX_HEADING_CHARS, edited_outline, section_rows
from drafting.writing.planner import plan_locally

FACTS = {
    "organization": "江北区总工会",
    "period": "2025年",
    "facts": ["召开职工代表大会", "走访慰问困难职工20户"],
}


def test_a_search_over_500_characters_is_refused_before_it_runs(tmp_path):
    (tmp_path / "corpus").mkdir()
    service = DraftingService(load_settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus"))
    with pytest.raises(UserError, match=f"最多 {MAX_QUERY_CHARS} 字"):
        service.search("职代会" * 40_000)  # 120,000 characters: minutes of server time before the limit
    assert MAX_QUERY_CHARS == 500
    service.search("职" * MAX_QUERY_CHARS)  # at the limit: searched


def test_facts_over_20000_characters_are_refused():
    assert MAX_TOTAL_CHARS == 20_000
    lines = [
        f"第{n}期：" + "组织职工开展技能培训活动，参训职工踊跃，效果良好" * 20 for n in range(50)
    ]  # >24,000
    with pytest.raises(UserError, match="超过 20000 字"):
        parse_facts({**FACTS, "facts": lines})


def test_a_heading_over_100_characters_is_refused():
    outline = plan_locally(parse_facts(FACTS))
    rows = section_rows(outline)
    rows[0] = {**rows[0], HEADING: "加强民主管理" * 20, KEEP: True}
    assert MAX_HEADING_CHARS == 100
    with pytest.raises(UserError, match="超过 100 字"):
        edited_outline(outline, rows, [])
