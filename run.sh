#!/usr/bin/env bash
# Install the app's runtime from the lock (locks/runtime.txt) and start it on 127.0.0.1:8501 (offline
# engine unless an endpoint is set). The example index is built on first use; drafts and imports live in
# ~/.local/share/drafting (DRAFTING_DATA_DIR to change it).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup-env.sh
exec .venv/bin/streamlit run serve.py --server.headless true --server.address 127.0.0.1 "$@"
