#!/usr/bin/env bash
# Create .venv (if needed) and install cad-core and every plugin in editable mode.
# Used by scripts/demo.sh and scripts/test.sh; safe to run again: when no pyproject.toml
# changed since the last install into this .venv, it installs nothing.
#   CAD_SKIP_BOOTSTRAP=1  use .venv as it is (offline, or a venv made another way)
#   CAD_BOOTSTRAP=force   install again even when nothing changed
#   PYTHON=python3.12     the interpreter that creates .venv
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${CAD_SKIP_BOOTSTRAP:-}" = 1 ]; then
  if [ ! -x .venv/bin/cad ]; then
    echo "CAD_SKIP_BOOTSTRAP=1, but .venv/bin/cad is missing: run scripts/bootstrap.sh once" >&2
    exit 1
  fi
  exit 0
fi
PYTHON="${PYTHON:-python3}"
started=$SECONDS
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $($PYTHON --version)" >&2
  "$PYTHON" -m venv .venv
fi
args=(-e ".[test]")
for plugin in plugins/cad-*/; do
  args+=(-e "$plugin")
done

# What the install depends on: the interpreter, this checkout's place, every pyproject.toml.
fingerprint() {
  {
    .venv/bin/python --version
    pwd
    for file in pyproject.toml plugins/cad-*/pyproject.toml; do
      echo "$file"
      cat "$file"
    done
  } | "$PYTHON" -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'
}
stamp=.venv/.cad-bootstrap
if [ "${CAD_BOOTSTRAP:-}" != force ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(fingerprint)" ] \
  && .venv/bin/python -m pip check >/dev/null 2>&1; then
  echo "bootstrap: .venv is up to date (CAD_BOOTSTRAP=force installs again)" >&2
  exit 0
fi

# pip's own lines, one per package it collects and per editable it builds, with the time
# since the start; the whole log is kept and shown if pip fails.
echo "installing cad-core and $(( ${#args[@]} / 2 - 1 )) plugins into .venv;" \
  "a first install downloads about 60 packages and takes a few minutes" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
progress() {
  local line
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    case "$line" in
      Obtaining* | Collecting* | "Building editable for"*started | "Installing collected packages"* | \
        "Successfully installed"*)
        printf '  [%3ss] %s\n' "$((SECONDS - started))" "${line:0:150}" >&2
        ;;
    esac
  done
}
set +e
.venv/bin/python -m pip install --disable-pip-version-check --progress-bar off "${args[@]}" 2>&1 \
  | tee "$log" | progress
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "pip install failed (exit $status); its last lines:" >&2
  tail -n 40 "$log" >&2
  exit "$status"
fi
.venv/bin/python -m pip check >/dev/null 2>&1 || { .venv/bin/python -m pip check >&2; exit 1; }
fingerprint >"$stamp"
echo "bootstrap: done in $((SECONDS - started))s" >&2
