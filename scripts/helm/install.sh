#!/usr/bin/env bash
# Installs the pinned Helm CLI into .cache/bin (idempotent): a second run with the
# right version in place does nothing. Helm is built from source with `go install`
# because no prebuilt binary can be downloaded on the project's machines.
# Helm 4 is the current major; the chart stays apiVersion v2, so Helm 3 installs it too.
# Usage: bash scripts/helm/install.sh   (prints the path of the helm binary)
set -euo pipefail
HELM_VERSION=${HELM_VERSION:-v4.3.2}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN="$ROOT/.cache/bin"
HELM="$BIN/helm"

# Without a cluster (helm template, helm lint) Helm 4 assumes the Kubernetes version of the
# client-go it was built with, read from the binary's build info; a build without module
# information would fall back to 1.20, which the probe chart shows.
if [ -x "$HELM" ] && "$HELM" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION" \
   && ! "$HELM" template x "$ROOT/scripts/helm/probe-chart" 2>/dev/null | grep -q 'v1.20.0'; then
  echo "$HELM"
  exit 0
fi
command -v go >/dev/null || { echo "go is needed to build helm (a Go toolchain on PATH)" >&2; exit 1; }
mkdir -p "$BIN"
# GOBIN puts the binary straight into the project's cache.
GOBIN="$BIN" GOFLAGS="${GOFLAGS:-} -buildvcs=false -trimpath" \
  go install -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" >&2
"$HELM" version --short >&2
if "$HELM" template x "$ROOT/scripts/helm/probe-chart" | grep -q 'v1.20.0'; then
  echo "helm $HELM_VERSION assumes Kubernetes 1.20 without a cluster: its build lost its module information" >&2
  exit 1
fi
echo "$HELM"
