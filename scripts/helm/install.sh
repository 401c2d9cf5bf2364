#!/usr/bin/env bash
# Installs the pinned Helm CLI into .cache/bin (idempotent): a second run with the
# right version in place does nothing. Helm is built from source with `go install`
# because no prebuilt binary can be downloaded on the project's machines.
# Usage: bash scripts/helm/install.sh   (prints the path of the helm binary)
set -euo pipefail
HELM_VERSION=${HELM_VERSION:-v3.22.0}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN="$ROOT/.cache/bin"
HELM="$BIN/helm"

# The Kubernetes version helm assumes without a cluster (helm template, helm lint) is set at
# link time from its client-go version, as helm's own Makefile does; without it, 1.20.
want_kube() {
  local mod major minor
  mod=$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  minor=$(sed -n 's#^[[:space:]]*k8s.io/client-go v0\.\([0-9]*\)\..*#\1#p' "$mod" | head -1)
  major=1
  echo "$major $minor"
}

if [ -x "$HELM" ] && "$HELM" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION" \
   && ! "$HELM" template x "$ROOT/scripts/helm/probe-chart" 2>/dev/null | grep -q 'v1.20.0'; then
  echo "$HELM"
  exit 0
fi
command -v go >/dev/null || { echo "go is needed to build helm (a Go toolchain on PATH)" >&2; exit 1; }
mkdir -p "$BIN"
read -r KMAJOR KMINOR < <(want_kube)
[ -n "$KMINOR" ] || { echo "could not read helm's client-go version" >&2; exit 1; }
LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
  LDFLAGS="$LDFLAGS -X $pkg.k8sVersionMajor=$KMAJOR -X $pkg.k8sVersionMinor=$KMINOR"
done
# GOBIN puts the binary straight into the project's cache.
GOBIN="$BIN" GOFLAGS="${GOFLAGS:-} -buildvcs=false -trimpath" \
  go install -ldflags "$LDFLAGS" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
"$HELM" version --short >&2
echo "$HELM"
