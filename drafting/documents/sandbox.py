"""Run a document converter in a child process that cannot take the server down with it.

PDF and legacy Word parsers are large attack surfaces (deep recursion, page-count bombs, C code
that segfaults). The child gets hard limits on address space, CPU time and output size, a
wall-clock timeout, and its output goes to a file so a runaway writer is stopped by the kernel
(RLIMIT_FSIZE) instead of filling the parent's memory. Limits are set by a tiny launcher that then
exec()s the real program, because preexec_fn is unsafe in a threaded parent such as Streamlit.
"""

import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass

_SET_LIMITS_THEN_EXEC = """
import os, resource, sys
memory, cpu_seconds, output_bytes = (int(v) for v in sys.argv[1:4])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
resource.setrlimit(resource.RLIMIT_FSIZE, (output_bytes, output_bytes))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
os.execv(sys.argv[4], sys.argv[4:])
"""


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 1024 * 1024 * 1024
    cpu_seconds: int = 60
    wall_seconds: float = 90
    output_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class Outcome:
    """What the child did: its exit status and output, or that it ran out of time."""

    returncode: int
    stdout: bytes
    stderr: str
    timed_out: bool = False
    output_full: bool = False  # stdout reached the output limit (Python children get EFBIG, not SIGXFSZ)

    @property
    def killed_for_time(self) -> bool:
        return self.timed_out or self.returncode in (-signal.SIGXCPU, -signal.SIGKILL)

    @property
    def killed_for_output(self) -> bool:
        return self.output_full or self.returncode == -signal.SIGXFSZ


def run_limited(argv: list[str], limits: Limits) -> Outcome:
    """Run `argv` (argv[0] an absolute path) under `limits`; never raises for the child's failures."""
    launcher = [sys.executable, "-I", "-S", "-c", _SET_LIMITS_THEN_EXEC]
    numbers = [str(limits.memory_bytes), str(limits.cpu_seconds), str(limits.output_bytes)]
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        try:
            completed = subprocess.run(
                [*launcher, *numbers, *argv],
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                timeout=limits.wall_seconds,
                check=False,
            )
            returncode, timed_out = completed.returncode, False
        except subprocess.TimeoutExpired:
            returncode, timed_out = -signal.SIGKILL, True
        stdout.seek(0)
        stderr.seek(0)
        output = stdout.read(limits.output_bytes)
        return Outcome(
            returncode=returncode,
            stdout=output,
            stderr=stderr.read(64 * 1024).decode("utf-8", "replace"),
            timed_out=timed_out,
            output_full=len(output) >= limits.output_bytes,
        )
