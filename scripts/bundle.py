"""Build the offline bundle for an intranet machine: every wheel the app needs, the app, and its installer.

Run through scripts/bundle.sh on a machine that can reach the package index. The bundle installs with no
network at all (`--no-index`), from exactly the versions of locks/runtime.txt, each file checked against its
hash. One bundle per target: `--arch x86_64|aarch64` and `--python 3.11|3.12` (Kylin and UOS servers are
often aarch64). A package the index offers only as source (jieba) is built here into a pure-Python wheel.
"""

import argparse
import hashlib
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import parse_wheel_filename

ROOT = Path(__file__).resolve().parent.parent
APP_FILES = ["serve.py", "app.py", "app", ".streamlit/config.toml"]
MANYLINUX = ["manylinux_2_17", "manylinux2014", "manylinux_2_28", "manylinux_2_5", "manylinux1", "linux"]
_NOT_FOUND = re.compile(r"No matching distribution found for ([A-Za-z0-9_.\-]+)==")


def requirements(lock: Path, python: str, arch: str) -> dict[str, str]:
    """name → its requirement lines (`name==version --hash=…`), for the target's markers only."""
    environment = {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "platform_machine": arch,
        "sys_platform": "linux",
        "os_name": "posix",
        "platform_system": "Linux",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    wanted: dict[str, str] = {}
    for entry in re.split(r"\n(?=\S)", lock.read_text(encoding="utf-8")):
        if entry.startswith("#") or "==" not in entry:
            continue
        head, *hashes = [part.strip() for part in entry.replace("\\\n", " ").split("--hash=")]
        spec, _, marker = head.partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate(environment):
            continue
        name = spec.split("==")[0].strip()
        wanted[name] = spec.strip() + "".join(f" --hash={h.split()[0]}" for h in hashes)
    return wanted


def pip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", "--isolated", *args], capture_output=True, text=True)


def download_wheels(wanted: dict[str, str], python: str, arch: str, folder: Path, work: Path) -> set[str]:
    """The target's wheels into `folder`; returns the names the index offers only as source."""
    targets = [arg for tag in MANYLINUX for arg in ("--platform", f"{tag}_{arch}")]
    abi = f"cp{python.replace('.', '')}"
    source_only: set[str] = set()
    while True:
        listed = work / f"{folder.name}.txt"
        listed.write_text("\n".join(v for k, v in wanted.items() if k not in source_only) + "\n")
        done = pip(
            "download", "--quiet", "--no-deps", "--require-hashes", "--only-binary=:all:", *targets,
            "--python-version", python, "--implementation", "cp", "--abi", abi, "--abi", "abi3", "--abi", "none",
            "-r", str(listed), "-d", str(folder),
        )  # fmt: skip
        if done.returncode == 0:
            return source_only
        missing = _NOT_FOUND.search(done.stderr)
        if missing is None:
            raise SystemExit(f"下载依赖失败：\n{done.stderr[-2000:]}")
        name = next(
            k for k in wanted if k.lower().replace("_", "-") == missing.group(1).lower().replace("_", "-")
        )
        source_only.add(name)


def build_pure_wheels(lines: list[str], folder: Path, work: Path) -> None:
    """Source-only packages built into wheels here; a package that would need a compiler is refused."""
    sources = work / "sources"
    listed = work / "sources.txt"
    listed.write_text("\n".join(lines) + "\n")
    done = pip(
        "download",
        "--quiet",
        "--no-deps",
        "--require-hashes",
        "--no-binary=:all:",
        "-r",
        str(listed),
        "-d",
        str(sources),
    )
    if done.returncode != 0:
        raise SystemExit(f"下载源码包失败：\n{done.stderr[-2000:]}")
    for source in sorted(sources.iterdir()):
        before = set(folder.iterdir())
        built = pip("wheel", "--quiet", "--no-deps", str(source), "-w", str(folder))
        new = set(folder.iterdir()) - before
        if built.returncode != 0 or not new or not all(w.name.endswith("-none-any.whl") for w in new):
            raise SystemExit(
                f"{source.name} 不能构建成纯 Python 的 wheel，离线包无法包含它：\n{built.stderr[-1000:]}"
            )


def bundle_lock(folder: Path) -> str:
    """Exactly the files in the bundle, each pinned by its own hash (built wheels have new hashes)."""
    lines = []
    for wheel in sorted(folder.glob("*.whl")):
        name, version, *_ = parse_wheel_filename(wheel.name)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        lines.append(f"{name}=={version} --hash=sha256:{digest}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description="为内网机器打离线安装包")
    parser.add_argument("--arch", default=platform.machine(), choices=["x86_64", "aarch64"])
    parser.add_argument(
        "--python", default=f"{sys.version_info.major}.{sys.version_info.minor}", choices=["3.11", "3.12"]
    )
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args()
    started = time.monotonic()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    name = f"drafting-{version}-linux-{args.arch}-py{args.python}"
    with tempfile.TemporaryDirectory(prefix="bundle-") as scratch:
        work = Path(scratch)
        bundle = work / name
        wheels = bundle / "wheels"
        wheels.mkdir(parents=True)
        wanted = requirements(ROOT / "locks" / "runtime.txt", args.python, args.arch)
        source_only = download_wheels(wanted, args.python, args.arch, wheels, work)
        if source_only:
            build_pure_wheels([wanted[n] for n in sorted(source_only)], wheels, work)
        installer = requirements(ROOT / "locks" / "pip.txt", args.python, args.arch)
        download_wheels(installer, args.python, args.arch, bundle / "installer", work)
        built = pip("wheel", "--quiet", "--no-deps", str(ROOT), "-w", str(wheels))
        if built.returncode != 0:
            raise SystemExit(f"构建本项目的 wheel 失败：\n{built.stderr[-2000:]}")
        (bundle / "bundle-lock.txt").write_text(bundle_lock(wheels))
        (bundle / "installer-lock.txt").write_text(bundle_lock(bundle / "installer"))
        for relative in APP_FILES:
            source, target = ROOT / relative, bundle / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
        for script in ("install.sh", "run.sh"):
            shutil.copy(ROOT / "scripts" / "offline" / script, bundle / script)
        (bundle / "TARGET").write_text(f"{args.python} {args.arch}\n")
        args.out.mkdir(parents=True, exist_ok=True)
        archive = args.out / f"{name}.tar.gz"
        # stored, not deflated: wheels are zip files already, and deflating 400 MB saved 0.9 % in 16 s
        with tarfile.open(archive, "w:gz", compresslevel=0) as tar:
            tar.add(bundle, arcname=name, filter=lambda info: None if "__pycache__" in info.name else info)
    size = archive.stat().st_size / 2**20
    print(f"离线安装包：{archive}（{size:.0f} MB），用时 {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
