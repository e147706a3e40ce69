"""The library's layers point down: faces → services → pipeline, checks and retrieval → models, storage, text.

Each package of `drafting/` has a layer; a module may import its own package, or a package of a lower
layer, never one of its own layer or above. The faces (the CLI and its per-package `cli.py` modules, the
benches, the simulator) may import anything, and nothing but a face may import a face.
"""

from pathlib import Path

from tests.conftest import ROOT
from tests.imports import imported_modules

LAYERS = [
    {"errors", "lazy", "resources", "access", "endpoint_file", "text", "memo", "chroma_import"},
    {"endpoint_url"},
    {"settings", "background"},
    {"storage", "documents"},
    {"models", "corpus"},
    {"retrieval", "accounts"},
    {"writing"},
    {"checks"},
    {"materials", "carryover"},
    {"output", "maintenance"},
    {"review"},
    {"service"},
    {"evaluation"},
    {"office"},
]
LAYER = {package: level for level, packages in enumerate(LAYERS) for package in packages}
FACE_MODULES = {
    "cli",
    "cli_chinese",
    "cli_files",
    "bench",
    "browser_bench",
    "scale_bench",
    "simulator",
    "__main__",
}


def package_of(module: str) -> str:
    """`drafting.writing.pipeline` → `writing`; a top-level module is its own package."""
    return module.split(".")[1] if module.count(".") else module


def is_face(module: str) -> bool:
    parts = module.split(".")
    return parts[-1] == "cli" or (len(parts) > 1 and parts[1] in FACE_MODULES)


def imported(source: str) -> list[str]:
    return [name for name in imported_modules(source) if name == "drafting" or name.startswith("drafting.")]


def violations(module: str, source: str) -> list[str]:
    """Each import of `module` that points up, sideways into another package of its layer, or into a face."""
    found = []
    own = package_of(module)
    for target in imported(source):
        if target == "drafting" or package_of(target) == own:
            continue
        if is_face(target):
            if not is_face(module):
                found.append(f"{module} → {target} (a face)")
        elif not is_face(module) and LAYER[package_of(target)] >= LAYER[own]:
            found.append(f"{module} → {target}")
    return found


def library_modules() -> dict[str, Path]:
    folder = ROOT / "drafting"
    modules = {}
    for path in folder.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def test_every_package_has_a_layer():
    packages = {package_of(module) for module in library_modules() if module != "drafting"}
    faces = {package for package in packages if package in FACE_MODULES}
    assert packages - faces == set(LAYER)


def test_the_library_imports_point_down():
    found = [
        problem
        for module, path in sorted(library_modules().items())
        for problem in violations(module, path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_an_upward_sideways_or_face_import_is_caught():
    assert violations("drafting.storage.drafts", "from drafting.writing.draft import Draft") == [
        "drafting.storage.drafts → drafting.writing.draft"
    ]
    lazy = "def f():\n    from drafting.corpus.reports import Report\n"
    assert violations("drafting.models.factory", lazy) == [
        "drafting.models.factory → drafting.corpus.reports"
    ]
    assert violations("drafting.writing.pipeline", "import drafting.materials.cli") == [
        "drafting.writing.pipeline → drafting.materials.cli (a face)"
    ]
    assert violations("drafting.checks.guard", "from drafting.writing.facts import Facts") == []
    assert violations("drafting.materials.cli", "from drafting.service import DraftingService") == []
    assert violations("drafting.service", "from drafting.service import x") == []
