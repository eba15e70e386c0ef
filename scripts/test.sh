#!/usr/bin/env bash
# Install everything, lint, type-check the core, every plugin and the template (strict), and
# run every test folder in one session. Each step says how long it took; the end says how
# long the whole took. Arguments go to pytest (e.g. ./scripts/test.sh tests/test_core_cli.py;
# ./scripts/test.sh --campaigns also runs the long race, fuzz and load campaigns, as CI does).
# pytest runs as plain `pytest` does: two workers per CPU (pytest-xdist, whole files per
# worker; the repository's conftest.py sets that), -n 0 runs it in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
# The suite starts a few hundred Python processes (cad, pip, pytest): without bytecode
# caches (__pycache__, git-ignored) each would compile the same sources again.
unset PYTHONDONTWRITEBYTECODE
started=$SECONDS

took() {  # seconds since $1, as 1m05s or 42s
  local seconds=$((SECONDS - $1))
  if [ "$seconds" -ge 60 ]; then
    printf '%dm%02ds' $((seconds / 60)) $((seconds % 60))
  else
    printf '%ds' "$seconds"
  fi
}
trap 'echo "== total: $(took "$started")" >&2' EXIT

step() {  # NAME COMMAND...: run COMMAND under a header, then its time; its status is kept
  local name=$1 begun=$SECONDS status=0
  shift
  echo "== $name" >&2
  "$@" || status=$?
  if [ "$status" -eq 0 ]; then
    echo "-- $name: ok in $(took "$begun")" >&2
  else
    echo "-- $name: FAILED (exit $status) after $(took "$begun")" >&2
  fi
  return "$status"
}

pytest_step() {
  local status=0
  .venv/bin/python -m pytest -q "$@" || status=$?
  if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: treating that as a failure" \
      "(campaign tests need --campaigns)" >&2
    return 1
  fi
  return "$status"
}

step "install (scripts/bootstrap.sh)" scripts/bootstrap.sh
step "ruff check" .venv/bin/ruff check .
step "ruff format --check" .venv/bin/ruff format --check .
step "mypy (strict: cad_core, plugins, plugin template)" .venv/bin/mypy
step "pytest" pytest_step "$@"
