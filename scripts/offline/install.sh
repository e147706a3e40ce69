#!/usr/bin/env bash
# Install this offline bundle into .venv beside it: no network, no package index. Every file is checked
# against its hash in bundle-lock.txt. Needs python3 of the version in TARGET (python3 -m venv works).
set -euo pipefail
cd "$(dirname "$0")"
read -r version arch < TARGET
PYTHON=${PYTHON:-python3}
found=$("$PYTHON" -c 'import platform, sys; print(f"{sys.version_info.major}.{sys.version_info.minor} {platform.machine()}")')
if [ "$found" != "$version $arch" ]; then
  echo "这个安装包是为 Python $version（$arch）准备的，本机的 $PYTHON 是 $found。请换用对应的安装包，或用 PYTHON=python$version 指定解释器。" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
offline=(--isolated --no-index --require-hashes --quiet)
.venv/bin/python -m pip install "${offline[@]}" --find-links installer -r installer-lock.txt
# pip compiles every module on one core (50 of the 77 s on two cores); compileall does it on all of them
.venv/bin/python -m pip install "${offline[@]}" --no-compile --find-links wheels -r bundle-lock.txt
# pip hides the SyntaxWarnings of packages' old escapes (jieba's '\.', on 3.12), and so does this
PYTHONWARNINGS=ignore::SyntaxWarning .venv/bin/python -m compileall -q -j 0 .venv/lib >/dev/null || echo "有的模块没能预先编译，首次启动时再编译，不影响使用。" >&2
echo "安装完成。启动：bash run.sh（在 127.0.0.1:8501 上）；命令行：.venv/bin/drafting --help"
