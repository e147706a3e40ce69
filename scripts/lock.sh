#!/usr/bin/env bash
# Refresh the locks in locks/: every install path (run.sh, test.sh, .ci/run, deploy/Dockerfile, the offline
# bundle) installs exactly these versions, with hashes, for Python 3.11 and 3.12 on Linux x86-64 and aarch64.
#   scripts/lock.sh              re-resolve with packages uploaded before the date below (same set again)
#   scripts/lock.sh 2026-12-04   take everything pyproject.toml allows that was uploaded before that day
# Run scripts/check-latest.sh first, then ./test.sh with the new lock, and commit the locks with the date.
set -euo pipefail
cd "$(dirname "$0")/.."
CUTOFF=${1:-2026-11-21}
compile=(uv pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes
  --exclude-newer "$CUTOFF" --no-emit-package drafting)
# The test lock is resolved first; the runtime lock is held to its versions, so the two never disagree.
"${compile[@]}" --extra test --extra llm-server -o locks/test.txt
"${compile[@]}" -c locks/test.txt -o locks/runtime.txt
# pip itself: the venv's bundled pip (23.x) refuses a hashed lock whose packages ask for extras (uvicorn[standard]).
echo pip | uv pip compile - --quiet --generate-hashes --exclude-newer "$CUTOFF" -o locks/pip.txt
echo "locks/runtime.txt and locks/test.txt: packages uploaded before $CUTOFF"
