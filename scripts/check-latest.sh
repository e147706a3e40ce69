#!/usr/bin/env bash
# Find the next upstream break before users do: install the NEWEST versions pyproject.toml allows (not the
# lock) into a throw-away venv and run the model, storage and app tests there. Passing means the code also
# works with today's releases; then scripts/lock.sh with today's date can move the lock forward.
#   scripts/check-latest.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
venv=$(mktemp -d /tmp/drafting-latest.XXXXXX)
trap 'rm -rf "$venv"' EXIT
"$PYTHON" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet --upgrade -e ".[test]"
echo "newest versions allowed by pyproject.toml:"
"$venv/bin/python" -m pip freeze | grep -iE '^(openai|httpx2?|langchain-(core|openai)|chromadb|streamlit|sqlalchemy|alembic|psycopg|pydantic|python-docx|pypdf|openpyxl)==' | sed 's/^/  /'
"$venv/bin/python" -m pytest -q -p no:cacheprovider \
  tests/test_engine_llm.py tests/test_client_failures.py tests/test_endpoint_key.py tests/test_eval.py \
  tests/test_metering.py tests/test_storage.py tests/test_storage_drafts.py tests/test_storage_reports.py \
  tests/test_storage_secrets.py tests/test_app.py tests/test_app_accounts.py tests/test_app_faults.py "$@"
