import os
import socket
from pathlib import Path

import pytest

from drafting.library import Library
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
