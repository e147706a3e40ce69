"""Data files shipped in `drafting/data/` (theme schema, example facts, benchmark and test sets)."""

from importlib import resources
from typing import Any

import yaml


def load_data(name: str) -> Any:
    """The parsed YAML file `drafting/data/<name>`."""
    return yaml.safe_load((resources.files("drafting") / "data" / name).read_text("utf-8"))
