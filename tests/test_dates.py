"""The 成文日期 under a 落款, as union offices write it."""

import pytest

from drafting.text.dates import is_date_line


@pytest.mark.parametrize(
    "line",
    [
        "2026年1月10日",
        "2026年 1 月 10 日",
        "二〇二六年一月十日",
        "二○二六年十二月三十一日",
        "2026年元月10日",
        "二〇二六年元月十日",
    ],
)
def test_a_date_line_as_written_under_a_signature(line):
    assert is_date_line(line)


@pytest.mark.parametrize("line", ["2026年1月", "2026年元旦", "元月10日", "2026年元月10日召开职代会"])
def test_a_line_that_is_no_full_date_alone(line):
    assert not is_date_line(line)
