"""The CPU figures `drafting bench --soak` weighs: the server's process tree against each action's own work."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from loadtest.soak import ACTIONS, HISTORY, tree_cpu_seconds
from loadtest.work import service_cpu_per_action, weighted

SPIN = "import time\nwhile time.process_time() < 1: pass\ntime.sleep(60)"
PARENT = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {SPIN!r}])"


def test_the_cpu_of_a_process_tree_counts_its_descendants():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while tree_cpu_seconds(parent.pid) < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        own = [int(f) for f in Path(f"/proc/{parent.pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13]]
        assert tree_cpu_seconds(parent.pid) >= 1  # the spinning grandchild's second
        assert sum(own) / os.sysconf("SC_CLK_TCK") < 0.5  # the parent itself only waited
    finally:
        os.killpg(parent.pid, signal.SIGKILL)  # the group this test started: parent and grandchild
        parent.wait()


def test_each_soak_action_is_done_through_the_service_and_costs_some_cpu():
    work = service_cpu_per_action(repeats=1)
    assert set(work) == {*ACTIONS, HISTORY}
    assert all(0 < seconds < 60 for seconds in work.values())
    assert work["import report"] > work["export Word"]  # an import embeds and indexes a new report


def test_the_work_per_action_is_weighted_by_how_often_each_was_done():
    work = {"draft offline": 0.04, "import report": 0.3, "search": 0.02}
    assert weighted(work, {"draft offline": 3, "import report": 1}) == (3 * 0.04 + 0.3) / 4
    assert weighted(work, {}) == 0
