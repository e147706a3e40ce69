#!/usr/bin/env bash
# Install the test lock (locks/test.txt), run the linters and the whole test suite (offline, local servers only).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup-env.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest -q "$@"
