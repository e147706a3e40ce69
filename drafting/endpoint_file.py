"""The embedder chosen in the app's 设置 page, kept in the data folder (endpoint.json).

Readable only by its owner; a key stored there is never shown back, logged or printed. Nothing here
imports the rest of the program, so settings can read it without depending on the model layer.
"""

import json
import os
from pathlib import Path


def endpoint_file(data_dir: Path) -> Path:
    return data_dir / "endpoint.json"


def load_endpoint(data_dir: Path) -> dict:
    path = endpoint_file(data_dir)
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, json.JSONDecodeError):
        return {}


def write_endpoint_file(data_dir: Path, data: dict) -> None:
    path = endpoint_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.chmod(path, 0o600)
