#!/usr/bin/env bash
# Install, build the example index once, and start the app (offline engine unless an endpoint is set).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup-env.sh
.venv/bin/drafting index
exec .venv/bin/streamlit run app.py --server.headless true "$@"
