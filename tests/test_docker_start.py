"""The Docker image's command, listening on every address, makes no request to the outside as it starts.

Streamlit's welcome message looks up the machine's public address (checkip.amazonaws.com) when it listens
on 0.0.0.0; the image hides that message. The command is read from deploy/Dockerfile and run as the image
runs it; an audit hook refuses, and records, every lookup or connection beyond this machine."""

import json
import shutil
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.server

GUARDED = """
import sys
log = open(sys.argv[1], "a", encoding="utf-8")
LOCAL = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "", None}

def refuse_outward(event, args):
    host = args[0] if event == "socket.getaddrinfo" else None
    if event == "socket.connect" and isinstance(args[1], tuple):
        host = args[1][0]
    if event in ("socket.getaddrinfo", "socket.connect") and host not in LOCAL:
        log.write(f"{event} {host}\\n")
        log.flush()
        raise OSError("refused by the test")

sys.addaudithook(refuse_outward)
sys.argv = sys.argv[2:]
from streamlit.web.cli import main
main()
"""


def docker_command() -> list[str]:
    line = next(c for c in (ROOT / "deploy" / "Dockerfile").read_text().splitlines() if c.startswith("CMD "))
    return json.loads(line.removeprefix("CMD "))


def test_the_images_command_starts_without_reaching_outside(tmp_path):
    command = docker_command()
    assert command[:3] == ["streamlit", "run", "serve.py"] and "0.0.0.0" in command
    port = free_port()
    arguments = [
        str(ROOT / "serve.py") if a == "serve.py" else str(port) if a == "8501" else a for a in command
    ]
    (tmp_path / ".streamlit").mkdir()
    shutil.copy(ROOT / ".streamlit" / "config.toml", tmp_path / ".streamlit" / "config.toml")
    attempts = tmp_path / "outward.log"
    attempts.touch()
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DRAFTING_DATA_DIR": str(tmp_path / "data"),
    }
    server = subprocess.Popen(
        [sys.executable, "-c", GUARDED, str(attempts), *arguments],
        cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not _healthy(port):
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        time.sleep(2)  # the welcome message comes just after the server starts listening
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert attempts.read_text(encoding="utf-8") == ""


def _healthy(port: int) -> bool:
    try:
        return (
            httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2, trust_env=False).status_code
            == 200
        )
    except httpx.HTTPError:
        return False
