"""The CPU figures `drafting bench --soak` weighs: the server's process tree against the pipeline alone."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from drafting.bench import pipeline_cpu_per_draft
from loadtest.soak import tree_cpu_seconds

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


def test_the_pipeline_alone_costs_some_cpu_per_offline_draft():
    assert 0 < pipeline_cpu_per_draft(drafts=1) < 60
