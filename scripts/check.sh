#!/usr/bin/env bash
# The project's checks, as CI runs them: lint, types, layering, then the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff";          ruff check . && ruff format --check .
echo "== mypy";          mypy
echo "== import layers"; lint-imports
echo "== ansible-lint";  ansible-lint --profile production -q
echo "== pytest"
export REGIONKIT_CHECK_ALL=1  # a tool setup.sh installs that is missing fails its test, never skips it
set +e
python -m pytest "$@"
rc=$?
set -e
if [[ $rc -eq 5 ]]; then
  echo "check: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit $rc
