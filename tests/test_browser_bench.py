"""`drafting bench --browser` drives Chromium against the app and the simulator and prints the issue's line,
then a new browser's own first draft."""

import re

import pytest

from drafting.browser_bench import FIRST_TOKEN_DELAY, run_browser_benchmark
from drafting.settings import load_settings
from tests.test_browser import require_chromium

LINE = re.compile(
    r"browser first model text: (\d+\.\d\d) s after the click \(endpoint first-token (\d+\.\d+) s\); "
    r"first draft of the process (\d+\.\d\d) s\n"
    r"a new Chromium's first draft, its first use of the page code: (\d+\.\d\d) s"
)

pytestmark = pytest.mark.server  # serves the app, as the other test_browser_* modules


def test_the_browser_bench_times_the_first_text_after_the_click(tmp_path, capsys):
    require_chromium()
    run_browser_benchmark(load_settings(data_dir=tmp_path / "unused"), later_drafts=1)
    found = LINE.fullmatch(capsys.readouterr().out.strip())
    assert found, "the line as the issue names it"
    later, delay, first, new_browser = map(float, found.groups())
    assert delay == FIRST_TOKEN_DELAY
    assert min(later, first, new_browser) >= delay  # no text can show before the endpoint's first token
