"""Every install path installs the lock (issue 16): run.sh and test.sh through scripts/setup-env.sh, the
Dockerfile by hand, the offline bundle from its own hash-pinned files. Read from the files themselves, so a
path that goes back to open ranges (`pip install .`) fails here; docker itself is not available to run."""

import re

from tests.conftest import ROOT


def commands(path: str) -> list[str]:
    """The shell commands of a script or Dockerfile, continuation lines joined."""
    return [line.strip() for line in (ROOT / path).read_text().replace("\\\n", " ").splitlines()]


def installs(path: str) -> list[str]:
    return [c for c in commands(path) if re.search(r"pip\"? install|-m pip .*install", c)]


def test_run_and_test_scripts_install_through_the_locked_setup():
    for script in ("run.sh", "test.sh"):
        assert any(c.startswith("bash scripts/setup-env.sh") for c in commands(script)), script
        assert installs(script) == [], script
    setup = installs("scripts/setup-env.sh")
    assert all("--require-hashes" in c or "--no-deps" in c for c in setup), setup
    assert any("locks/pip.txt" in c for c in setup) and any('"$lock"' in c for c in setup)


def test_the_dockerfile_installs_the_lock_then_the_project_without_dependencies():
    pip_lines = [c for c in commands("deploy/Dockerfile") if "pip install" in c]
    assert pip_lines, "the Dockerfile installs nothing?"
    for line in pip_lines:
        for install in (part for part in line.split("&&") if "pip install" in part):
            assert "--require-hashes" in install or "--no-deps" in install, install
    joined = " ".join(pip_lines)
    assert "locks/pip.txt" in joined and "locks/runtime.txt" in joined
    assert "COPY app ./app" in commands("deploy/Dockerfile")  # the pages, not only the frame


def test_the_offline_bundle_installs_only_from_its_own_files():
    setup = [c for c in commands("scripts/offline/install.sh") if "pip install" in c]
    assert setup and all("${offline[@]}" in c and "--find-links" in c for c in setup)
    assert any(
        c.startswith("offline=(--isolated --no-index --require-hashes")
        for c in commands("scripts/offline/install.sh")
    )
