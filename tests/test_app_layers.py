"""The app's pages adapt the services only: no page reaches into storage, accounts, evaluation or retrieval."""

from pathlib import Path

from tests.conftest import ROOT
from tests.imports import imported_modules

FORBIDDEN = (
    "drafting.storage",
    "drafting.accounts",
    "drafting.evaluation",
    "drafting.retrieval",
    "drafting.maintenance",
)


def forbidden_imports(source: str) -> list[str]:
    """The modules `source` imports (at any depth, lazily too) that a page may not use."""
    return [
        name
        for name in imported_modules(source)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    ]


# Not pages: the frame's per-process database, cookie tickets and index, moved out of app.py so that the
# server (serve.py) opens them as it starts; and the frame's sign-in check for a part of a page that reruns
# alone. Like app.py, they may open what the pages may not.
FRAME_MODULES = {"resources.py", "fragments.py"}


def page_modules() -> list[Path]:
    return sorted(path for path in (ROOT / "app").glob("*.py") if path.name not in FRAME_MODULES)


def test_the_pages_import_only_services_and_value_types():
    assert len(page_modules()) >= 8  # seven pages and their helpers: the glob found the package
    found = {path.name: forbidden_imports(path.read_text(encoding="utf-8")) for path in page_modules()}
    assert {name: bad for name, bad in found.items() if bad} == {}


def test_a_forbidden_import_is_caught_wherever_it_hides():
    assert forbidden_imports("from drafting.storage.drafts import Draft") == ["drafting.storage.drafts"]
    assert forbidden_imports("import drafting.accounts.users as u") == ["drafting.accounts.users"]
    lazy = "def page():\n    from drafting.evaluation.report import summary_table\n"
    assert forbidden_imports(lazy) == ["drafting.evaluation.report"]
    assert forbidden_imports("from drafting.service import DraftingService\nimport streamlit as st") == []
    assert forbidden_imports("import drafting.storage") == ["drafting.storage"]
    assert (
        forbidden_imports("from drafting.storagebox import x") == []
    )  # a prefix of a name is not the package


def test_the_server_and_the_app_tests_run_pages_without_magic():
    """Streamlit's magic parses every page with ast.parse on its first run, which races with other threads'
    parsing in CPython 3.11 and failed a page with "AST constructor recursion depth mismatch"."""
    import tomllib

    from streamlit import config

    served = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert served["runner"]["magicEnabled"] is False
    assert config.get_option("runner.magicEnabled") is False  # tests/conftest.py's AppTest setting
