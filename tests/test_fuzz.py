"""Fuzzing (hypothesis) over the stages that read user text: the .docx numbering, the report parser, the
fact parser and the proofreader (issue #21).

Inputs are built from the pieces that once blew up a stage, repeated and mixed at random. Each stage
runs in a child process with a CPU-time limit (not wall time, so a busy machine changes nothing); every
example must finish within 10 CPU-seconds, end in a result or a Chinese UserError, and the child's peak
memory must stay under 600 MB. The search is derandomized, so CI replays the same examples every run.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = 60

_CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_CPU, (240, 240))
from hypothesis import HealthCheck, given, settings, strategies as st
from drafting.errors import UserError
from loadtest import hostile

PIECES = ["【", "!【", "![", "](", "<", "。", ".", "，", ",", "“", "（", "一、", "（一）", "1.", "1.1.", "一是",
          "第一章", "\\n", "\\n\\n", "2025年,", "工会", "走访慰问23户", "4.6万元", "%1", " ", "a", "0", "\\u200b"]
repeated = st.tuples(st.sampled_from(PIECES), st.integers(1, 20_000)).map(lambda pair: pair[0] * pair[1])
texts = st.lists(st.sampled_from(PIECES) | st.text(max_size=8) | repeated, max_size=40).map("".join)
FORMATS = ["decimal", "lowerLetter", "upperLetter", "lowerRoman", "upperRoman", "chineseCounting",
           "ideographTraditional", "decimalEnclosedCircle", "bullet", "none", "bogus"]
level = st.tuples(
    st.one_of(st.integers(0, 50), st.integers(0, 2**31 - 1), st.integers(-5, 10**15)),
    st.sampled_from(FORMATS),
    st.lists(st.sampled_from(["%1", "%2", "%9", "%0", "%", "、", ".", "第", "章", "（", "）"]), max_size=300).map("".join),
)
documents = st.tuples(
    st.lists(level, min_size=1, max_size=9),
    st.lists(st.integers(0, 9), min_size=1, max_size=12),
    st.integers(1, 20_000),
).map(lambda parts: hostile.docx(
    "".join(hostile.numbered_paragraph("工会", ilvl) for ilvl in parts[1]) * parts[2],
    numbering=hostile.list_definition(parts[0]),
))

def parse_facts(text):
    from drafting.writing.facts import parse_facts
    return parse_facts({{"organization": "某工会", "period": "2025年", "facts": [text]}}).facts

def parse_report(text):
    from drafting.corpus.parser import parse_report
    return parse_report(text).sections

def proofread(text):
    from drafting.checks.proof import proofread
    return proofread(text)

def read_docx(data):
    from drafting.documents.reader import read_document_bytes
    return read_document_bytes("fuzz.docx", data)

STAGES = {{"parse_facts": (parse_facts, texts), "parse_report": (parse_report, texts),
          "proofread": (proofread, texts), "read_docx": (read_docx, documents)}}
stage, inputs = STAGES[sys.argv[1]]
slowest = [0.0]

@settings(max_examples={examples}, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(inputs)
def check(value):
    started = time.process_time()
    try:
        stage(value)
    except UserError as error:
        assert str(error).strip(), "a refusal without a message"
    spent = time.process_time() - started
    slowest[0] = max(slowest[0], spent)
    assert spent < 10, f"{{spent:.1f}} CPU-seconds on an input of {{len(value)}}"

check()
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"peak_kb": peak_kb, "slowest": slowest[0]}}))
"""


@pytest.mark.parametrize(
    "stage",
    [
        "parse_facts",
        "parse_report",
        "proofread",
        pytest.param("read_docx", marks=pytest.mark.slow),
    ],  # 10 s here
)
def test_no_generated_input_runs_away(stage):
    child = subprocess.run(
        [sys.executable, "-c", _CHILD.format(examples=EXAMPLES), stage],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert child.returncode == 0, child.stderr[-4000:]
    outcome = json.loads(child.stdout.strip().splitlines()[-1])
    assert outcome["peak_kb"] < 600 * 1024, f"peak {outcome['peak_kb'] // 1024} MB"
