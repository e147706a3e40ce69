"""chromadb loads without `overrides`' import-time signature checks, and works as before."""

import json
import subprocess
import sys
from pathlib import Path

CHILD = """
import json, sys
import overrides
checks = sys.modules["overrides.overrides"]  # the module; the package's `overrides` is the decorator
real = overrides.override
checked = []
validate = checks._validate_method
checks._validate_method = lambda *args: checked.append(args[0].__qualname__) or validate(*args)

from drafting.retrieval.index import chromadb  # the library's way in
from chromadb.api.rust import RustBindingsAPI
from chromadb.config import Settings

client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
sections = client.get_or_create_collection("sections", embedding_function=None)
sections.add(ids=["a", "b"], documents=["职代会", "送温暖"], embeddings=[[1.0, 0.0], [0.0, 1.0]])
found = sections.query(query_embeddings=[[0.1, 0.9]], n_results=1)
print(json.dumps({
    "checked": checked,
    "restored": overrides.override is real,
    "marked": getattr(RustBindingsAPI.heartbeat, "__override__", False),
    "nearest": found["documents"][0],
}))
"""


def test_chromadb_imports_unchecked_then_the_decorator_is_put_back(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "chroma")], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["checked"] == []  # no signature was compared while chromadb loaded
    assert seen["restored"] is True
    assert seen["marked"] is True  # marked as the real decorator marks it
    assert seen["nearest"] == ["送温暖"]
