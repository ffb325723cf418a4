#!/usr/bin/env bash
# Install everything and run the whole test suite: lint, types, architecture, tests.
# This is the README's test command, and exactly what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'

# Real local services the integration tests talk to: start them when they are not running.
bash tests/services.sh

echo "== ruff";  .venv/bin/ruff check .
echo "== mypy";  .venv/bin/mypy bot channels knowledge_base config
echo "== import-linter"; .venv/bin/lint-imports
echo "== pytest"
.venv/bin/pytest -q -p no:cacheprovider "$@"
