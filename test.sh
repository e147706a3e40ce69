#!/usr/bin/env bash
# Install the test lock (locks/test.txt), run the linters and the whole test suite (offline, local servers only).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup-env.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
if [[ "${1:-}" == --fast ]]; then shift; set -- -m "not slow and not browser and not server" -n 2 "$@"; fi  # the fast lane (pytest-xdist)
.venv/bin/python -m pytest -q "$@"
