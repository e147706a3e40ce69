"""Every stage that renders, parses or checks user text stays within 40 CPU-seconds and 600 MB at its
worst case within the upload limit (issue #21: a 6 KB .docx once took `drafting corpus add` to 7.2 GB).

Each stage runs in a child process under RLIMIT_CPU, which counts CPU time, not wall time, so a busy
machine does not make these tests fail. The limit catches runaway work, not slowness: the costliest
stage, two million numbered items read from a 12 MB .docx, is linear and took 16 s on a slow 2-core
machine (10 s was the limit until then), where quadratic work would take hours. The child's peak RSS is its own VmHWM: ru_maxrss would carry over
the high-water mark of the pytest process it was forked from (a 1 GB test session read as a 1 GB child).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from drafting.documents.docx import MAX_DOCX_BYTES
from loadtest import hostile

CPU_SECONDS = 40
PEAK_BYTES = 600 * 1024 * 1024

_CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_CPU, ({cpu}, {cpu}))
data = open(sys.argv[1], "rb").read()
{stage}
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"peak_kb": peak_kb, "result": result}}))
"""

READ_DOCX = """
from drafting.documents.reader import read_document_bytes
from drafting.errors import UserError
try:
    result = len(read_document_bytes("hostile.docx", data))
except UserError as error:
    result = "refused: " + str(error)
"""
PARSE_FACTS = """
from drafting.writing.facts import parse_facts
facts = parse_facts({"organization": "某工会", "period": "2025年", "facts": [data.decode()]})
result = len(facts.facts[0])
"""
PARSE_REPORT = """
from drafting.corpus.parser import parse_report
result = len(parse_report(data.decode()).sections)
"""
PROOFREAD = """
from drafting.checks.proof import proofread
result = len(proofread(data.decode()))
"""


def _run_stage(stage: str, data: bytes, tmp_path: Path) -> dict:
    source = tmp_path / "input.bin"
    source.write_bytes(data)
    child = subprocess.run(
        [sys.executable, "-c", _CHILD.format(cpu=CPU_SECONDS, stage=stage), str(source)],
        capture_output=True,
        text=True,
    )
    assert child.returncode == 0, f"stage failed or ran out of CPU time: {child.stderr[-2000:]}"
    outcome = json.loads(child.stdout.strip().splitlines()[-1])
    assert outcome["peak_kb"] * 1024 < PEAK_BYTES, f"peak {outcome['peak_kb'] // 1024} MB"
    return outcome


def test_numbering_that_amplifies_its_level_text_renders_bounded_labels(tmp_path):
    data = hostile.numbering_amplifier()
    assert len(data) < 64 * 1024
    assert isinstance(_run_stage(READ_DOCX, data, tmp_path)["result"], int | str)


def test_a_lettered_list_starting_at_ten_to_the_twelfth_is_read(tmp_path):
    result = _run_stage(READ_DOCX, hostile.huge_letter_start(), tmp_path)["result"]
    assert isinstance(result, int) and result > 0


@pytest.mark.slow  # 16 CPU-seconds on a slow two-core machine
def test_two_million_lettered_items_within_the_upload_limit(tmp_path):
    data = hostile.many_lettered_items(items=2_000_000)
    assert len(data) < MAX_DOCX_BYTES
    _run_stage(READ_DOCX, data, tmp_path)


@pytest.mark.parametrize("unit", ["【", "!【", "![", "[", "<"])
def test_the_facts_file_parser_on_repeated_openers(unit, tmp_path):
    _run_stage(PARSE_FACTS, (unit * (6_000 // len(unit))).encode(), tmp_path)


@pytest.mark.parametrize("unit", ["（一）", "1.1.", "一是", "第一章"])
def test_the_report_parser_on_deeply_repeated_numbering_prefixes(unit, tmp_path):
    text = "\n".join([unit * 2_000] * 20 + ["工会" + unit * 20] * 2_000)
    _run_stage(PARSE_REPORT, text.encode(), tmp_path)


@pytest.mark.parametrize("unit", ["。", ".", "，", "“", "（"])
def test_the_proofreader_on_100000_repeated_marks(unit, tmp_path):
    _run_stage(PROOFREAD, (unit * 100_000).encode(), tmp_path)
