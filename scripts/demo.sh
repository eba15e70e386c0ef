#!/usr/bin/env bash
# Install everything, then let CAD investigate a simulated "cluster has gone missing"
# incident in the sandbox: a customer stopped the control plane instances.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/cad sandbox run \
  plugins/cad-chgm/cad_chgm/scenarios/chgm-customer-stopped-instances.yaml "$@"
