#!/usr/bin/env bash
# Create .venv (once) and install exactly the lock into it, then the project without dependencies; shared
# by run.sh and test.sh, so every install has the versions the tests passed with (locks/, scripts/lock.sh).
# `setup-env.sh` installs what the app needs (locks/runtime.txt); `setup-env.sh test` installs
# locks/test.txt: the test tools and the llama.cpp server the real-wire tests use (it compiles from
# source: ~7 min on 2 cores the first time, then pip's wheel cache).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
if [ "${1:-}" = "test" ]; then
  # A native llama.cpp build uses every instruction the CPU reports; on some VMs (AMX reported, not
  # enabled) that server crashes on its first request, so build for a portable x86-64 baseline.
  export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
  lock=locks/test.txt
else
  lock=locks/runtime.txt
fi
# Nothing to do when this .venv was last installed from these very files: pip's own check of the pinned
# packages took 10 s of every ./test.sh and ./run.sh. Removing .venv removes the note with it.
installed=.venv/installed-from-$(basename "$lock" .txt)
wanted=$(cat locks/pip.txt "$lock" pyproject.toml | sha256sum)
if [ "$(cat "$installed" 2>/dev/null)" = "$wanted" ]; then
  exit 0
fi
rm -f "$installed"  # until every install below has succeeded
.venv/bin/python -m pip install --quiet --require-hashes -r locks/pip.txt
.venv/bin/python -m pip install --quiet --require-hashes -r "$lock"
.venv/bin/python -m pip install --quiet --no-deps -e .
echo "$wanted" > "$installed"
