import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from drafting.retrieval.library import Library
from drafting.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"

# Tests never talk to a model endpoint or the network; clear anything the shell may have set.
for name in ("LLM_BASE_URL", "OPENAI_BASE_URL", "LLM_API_KEY", "OPENAI_API_KEY", "CHROMA_HOST", "EMBEDDER"):
    os.environ.pop(name, None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def built_library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """The bundled corpus indexed once for the whole session (embedding takes ~30 s)."""
    library = Library(load_settings(data_dir=tmp_path_factory.mktemp("built") / "data"))
    library.build()
    return library


@contextmanager
def serving(
    command: list[str], health_url: str, name: str, timeout: float = 60, **popen: object
) -> Iterator[None]:
    """Start a local server process, wait until `health_url` answers 200, and kill it afterwards."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen)  # type: ignore[call-overload]
    deadline = time.time() + timeout
    try:
        while True:
            try:
                if httpx.get(health_url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or process.poll() is not None:
                pytest.fail(f"{name} did not start within {timeout:.0f} s")
            time.sleep(0.3)
        yield
    finally:
        process.kill()  # llama.cpp keeps generating abandoned requests; a plain SIGTERM would wait for them
        process.wait(timeout=20)
