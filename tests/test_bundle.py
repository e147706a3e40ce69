"""The offline bundle (issue 16): built from the lock where the index is reachable, then installed and run
inside a network namespace with no network at all (`unshare -n`), as on an intranet machine. A package
missing from the bundle makes the no-index install fail, and so this test."""

import platform
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from bundle import requirements  # noqa: E402 - scripts/ is not a package

pytestmark = pytest.mark.slow
FACTS = "organization: 北湖区自来水公司工会\nperiod: 2025年\nfacts:\n  - 召开职工代表大会\n  - 走访慰问困难职工20人\n"
HEALTH = """
import sys, time, urllib.request
for _ in range(120):
    try:
        if urllib.request.urlopen("http://127.0.0.1:8765/_stcore/health", timeout=2).status == 200:
            sys.exit(0)
    except OSError:
        time.sleep(0.5)
sys.exit(1)
"""


def canonical(pins: list[str]) -> list[str]:
    return [re.sub(r"[-_.]+", "-", pin.split("==")[0]).lower() + "==" + pin.split("==")[1] for pin in pins]


def locked(python: str) -> list[str]:
    """The pins of the runtime and pip locks that apply on this machine (what every install must be)."""
    wanted = {
        **requirements(ROOT / "locks" / "runtime.txt", python, platform.machine()),
        **requirements(ROOT / "locks" / "pip.txt", python, platform.machine()),
    }
    return [line.split()[0] for line in wanted.values()]


def offline(command: str, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    """`command` in a new network namespace: only its own loopback, no route anywhere."""
    environment = {
        "PATH": "/usr/sbin:/usr/bin:/bin",
        "HOME": str(home),
        "DRAFTING_DATA_DIR": str(home / "data"),
    }
    return subprocess.run(
        # a line of its own: `up && a & b` would put the whole `up && a` in the background as one subshell
        ["unshare", "-n", "bash", "-c", f"ip link set lo up || exit 1\n{command}"],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def test_the_bundle_installs_and_runs_with_no_network(tmp_path):
    built = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bundle.py"), "--out", str(tmp_path / "dist")],
        capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    assert "离线安装包：" in built.stdout and " MB），用时 " in built.stdout
    (archive,) = (tmp_path / "dist").glob("drafting-*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "intranet", filter="data")
    (bundle,) = (tmp_path / "intranet").iterdir()
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert (bundle / "TARGET").read_text().split() == [python, platform.machine()]
    home = tmp_path / "home"
    home.mkdir()
    interpreter = Path(sys.base_prefix) / "bin" / f"python{python}"

    installed = offline(f"PYTHON={interpreter} bash install.sh", bundle, home)
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert "没能预先编译" not in installed.stderr and "SyntaxWarning" not in installed.stderr, (
        installed.stderr[-3000:]
    )
    # setuptools: seeded into a 3.11 venv by the interpreter itself (3.12 seeds none); not ours to pin
    frozen = offline(
        ".venv/bin/python -m pip --isolated freeze --all --exclude drafting --exclude setuptools",
        bundle,
        home,
    )
    assert sorted(canonical(frozen.stdout.split())) == sorted(canonical(locked(python))), (
        "not exactly the lock"
    )
    (home / "facts.yaml").write_text(FACTS, encoding="utf-8")
    drafted = offline(f".venv/bin/drafting draft {home / 'facts.yaml'} --offline", bundle, home)
    assert drafted.returncode == 0, drafted.stderr[-3000:]
    assert "北湖区自来水公司工会2025年工作总结" in drafted.stdout and "走访慰问困难职工20人" in drafted.stdout
    (bundle / "health.py").write_text(HEALTH)
    served = offline(
        "bash run.sh --server.port 8765 > server.log 2>&1 & server=$!; "  # run.sh execs streamlit: same pid
        ".venv/bin/python health.py; code=$?; kill $server; wait $server; exit $code",
        bundle,
        home,
    )
    assert served.returncode == 0, (bundle / "server.log").read_text()[-3000:]
