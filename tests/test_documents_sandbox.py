"""The converter sandbox really enforces its memory, CPU, output and wall-clock limits."""

import sys

from drafting.documents.sandbox import Limits, run_limited

SMALL = Limits(memory_bytes=256 * 1024 * 1024, cpu_seconds=1, wall_seconds=20, output_bytes=1024 * 1024)


def _python(code: str, limits: Limits = SMALL):
    return run_limited([sys.executable, "-I", "-S", "-c", code], limits)


def test_arguments_in_and_output_back(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("工会", encoding="utf-8")
    outcome = _python(f"print(open({str(source)!r}, encoding='utf-8').read()[::-1])")
    assert (outcome.returncode, outcome.stdout.decode().strip(), outcome.killed_for_output) == (
        0,
        "会工",
        False,
    )


def test_memory_limit_stops_a_greedy_child():
    outcome = _python("x = bytearray(600 * 1024 * 1024)")
    assert outcome.returncode == 1 and "MemoryError" in outcome.stderr


def test_cpu_limit_kills_a_busy_child():
    outcome = _python("while True: pass")
    assert outcome.killed_for_time and not outcome.timed_out


def test_wall_clock_limit_kills_a_sleeping_child():
    outcome = _python("import time; time.sleep(30)", Limits(wall_seconds=0.5))
    assert outcome.timed_out and outcome.killed_for_time


def test_output_limit_kills_a_flooding_child():
    outcome = _python("import sys\nwhile True: sys.stdout.write('x' * 65536)")
    assert outcome.killed_for_output and len(outcome.stdout) <= SMALL.output_bytes
