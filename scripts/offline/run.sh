#!/usr/bin/env bash
# Start the installed bundle on 127.0.0.1:8501 (offline engine unless an endpoint is set). Drafts and
# imports live in ~/.local/share/drafting (DRAFTING_DATA_DIR to change it).
set -euo pipefail
cd "$(dirname "$0")"
exec .venv/bin/streamlit run serve.py --server.headless true --server.address 127.0.0.1 "$@"
