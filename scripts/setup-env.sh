#!/usr/bin/env bash
# Create .venv (once) and install the project into it; shared by run.sh and test.sh.
# `setup-env.sh` installs what the app needs; `setup-env.sh test` adds the test tools and the llama.cpp
# server the real-wire tests use (it compiles from source: ~7 min on 2 cores the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
fi
if [ "${1:-}" = "test" ]; then
  # A native llama.cpp build uses every instruction the CPU reports; on some VMs (AMX reported, not
  # enabled) that server crashes on its first request, so build for a portable x86-64 baseline.
  export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
  .venv/bin/pip install --quiet -e ".[test,llm-server]"
else
  .venv/bin/pip install --quiet -e .
fi
