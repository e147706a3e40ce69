#!/usr/bin/env bash
# Install and run the linters and the whole test suite (offline).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup-env.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest -q "$@"
