#!/usr/bin/env bash
# Create .venv (if needed) and install cad-core and every plugin in editable mode.
# Used by scripts/demo.sh and scripts/test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $($PYTHON --version)" >&2
  "$PYTHON" -m venv .venv
fi
args=(-e ".[test]")
for plugin in plugins/cad-*/; do
  args+=(-e "$plugin")
done
.venv/bin/python -m pip install --quiet --disable-pip-version-check "${args[@]}" 2>&1 \
  | grep -v "^WARNING: Location" >&2 || true
.venv/bin/python -m pip check >/dev/null 2>&1 || .venv/bin/python -m pip check >&2
