#!/usr/bin/env bash
# Build the offline bundle for an intranet machine (see scripts/bundle.py): run where the package index is
# reachable, copy dist/drafting-*.tar.gz across, then there: tar xzf …; bash install.sh; bash run.sh.
#   bash scripts/bundle.sh                              # for this machine's Python and architecture
#   bash scripts/bundle.sh --arch aarch64 --python 3.12  # e.g. for a Kylin server on ARM
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-env.sh
exec .venv/bin/python scripts/bundle.py "$@"
