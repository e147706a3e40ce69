"""chromadb loads without `overrides`' import-time signature checks, and works as before."""

import json
import subprocess
import sys

import pytest

CHILD = """
import json, sys
import overrides
checks = sys.modules["overrides.overrides"]  # the module; the package's `overrides` is the decorator
real = overrides.override
checked = []
validate = checks._validate_method
checks._validate_method = lambda *args: checked.append(args[0].__qualname__) or validate(*args)

from drafting.retrieval.index import chromadb  # the library's way in
stand_ins_left = [name for name in ("opentelemetry.exporter.otlp.proto.grpc.trace_exporter", "httpx._main")
                  if name in sys.modules and not hasattr(sys.modules[name], "__file__")]
from chromadb.api.rust import RustBindingsAPI
from chromadb.config import Settings

client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
sections = client.get_or_create_collection("sections", embedding_function=None)
sections.add(ids=["a", "b"], documents=["职代会", "送温暖"], embeddings=[[1.0, 0.0], [0.0, 1.0]])
found = sections.query(query_embeddings=[[0.1, 0.9]], n_results=1)
loaded = sorted(name for name in ("grpc", "rich", "click") if name in sys.modules)
from chromadb.telemetry.opentelemetry import OTLPSpanExporter
exporter = OTLPSpanExporter(endpoint="http://127.0.0.1:4317")  # connects only when a span is exported
import httpx
print(json.dumps({
    "loaded": loaded,
    "exporter": f"{type(exporter).__module__}.{type(exporter).__name__}",
    "stand_ins_left": stand_ins_left,
    "httpx_main": httpx.main.__module__,
    "checked": checked,
    "restored": overrides.override is real,
    "marked": getattr(RustBindingsAPI.heartbeat, "__override__", False),
    "nearest": found["documents"][0],
}))
"""


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What a fresh process that imports chromadb the library's way, and uses it, reports."""
    folder = tmp_path_factory.mktemp("chroma")
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_chromadb_imports_unchecked_then_the_decorator_is_put_back(seen: dict) -> None:
    assert seen["checked"] == []  # no signature was compared while chromadb loaded
    assert seen["restored"] is True
    assert seen["marked"] is True  # marked as the real decorator marks it
    assert seen["nearest"] == ["送温暖"]


def test_chromadb_loads_without_the_trace_exporter_and_httpxs_command_line(seen: dict) -> None:
    """0.2 s of every start: gRPC for a trace collector never configured here, rich for httpx's own CLI."""
    assert seen["loaded"] == []
    assert seen["stand_ins_left"] == []
    # asked for, the exporter is the real one
    assert seen["exporter"] == "opentelemetry.exporter.otlp.proto.grpc.trace_exporter.OTLPSpanExporter"
    assert seen["httpx_main"] == "httpx"  # httpx's own stand-in for the CLI it could not import
