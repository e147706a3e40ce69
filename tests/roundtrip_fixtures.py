"""Fixtures shared by the Word round-trip tests: a service on an empty corpus and one offline draft.

A module imports `offline_service` and `offline_draft`; they answer to `service` and `draft` there,
in place of the conftest's `service` on the built index (exemplars are not under test).
"""

import pytest
import yaml

from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.writing.facts import Facts, parse_facts
from tests.conftest import ROOT

FACTS = ROOT / "drafting" / "data" / "example_facts.yaml"
PLAN = "拟于10月举办第二届护理技能竞赛"


@pytest.fixture(name="service")
def offline_service(tmp_path, monkeypatch):
    """A service on an empty corpus (exemplars are not under test), in single-user mode."""
    (tmp_path / "corpus").mkdir()
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(tmp_path / "corpus"))
    return DraftingService(load_settings())


@pytest.fixture(name="draft")
def offline_draft(service):
    return service.draft(example_facts(), offline=True)


def example_facts() -> Facts:
    """The example facts, with one plan item stated as an intention (the status guard watches those)."""
    facts = yaml.safe_load(FACTS.read_text(encoding="utf-8"))
    facts["plans"] = [PLAN if "护理技能竞赛" in line else line for line in facts["plans"]]
    return parse_facts(facts)
