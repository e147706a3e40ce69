#!/usr/bin/env bash
# Install the test lock (locks/test.txt), run the linters and the whole test suite (offline, local servers only).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup-env.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Two pytest-xdist workers; --dist loadfile keeps each module (and its one app server) on one worker.
if [[ "${1:-}" == --fast ]]; then
  shift; set -- -m "not slow and not browser and not server" -n 2 "$@"  # the fast lane
else
  # the longest modules first (tests/conftest.py LONGEST_FIRST), not xdist's most-tests-first
  set -- -n 2 --dist loadfile --no-loadscope-reorder --durations=25 "$@"  # the slowest, for the 15-minute target
fi
# pytest keeps each test module with its asserts rewritten in tests/__pycache__ unless bytecode writing is
# off; with it off, every worker of every run rewrote all of them again (collection 14 s instead of 7 s).
unset PYTHONDONTWRITEBYTECODE
.venv/bin/python -m pytest -q "$@"
