#!/usr/bin/env bash
# skaffold against the single-node cluster of cluster.sh, with podman and no Docker:
#   bash scripts/cluster/skaffold.sh build -p podman
#   bash scripts/cluster/skaffold.sh run -p podman
# skaffold's local builder asks a Docker API about the images it built (even those of its
# `custom` builder), so podman's Docker-compatible API serves it on a socket of this run,
# stopped at the end. skaffold 2.16 drives Helm 3 (it calls `helm version --client`, and
# passes --post-renderer, both gone in Helm 4): build.sh skaffold builds both.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=versions.sh
. "$HERE/versions.sh"
RUN=${CHAT_CLUSTER_RUN:-/tmp/chat-cluster}
SKAFFOLD=$CLUSTER_CACHE/skaffold-$SKAFFOLD_VERSION/bin
HELM3=$CLUSTER_CACHE/helm3-$HELM3_VERSION/bin
[ -x "$SKAFFOLD/skaffold" ] && [ -x "$HELM3/helm" ] || bash "$HERE/build.sh" skaffold >&2
[ -f "$RUN/pki/admin.kubeconfig" ] || { echo "no cluster: bash scripts/cluster/cluster.sh up" >&2; exit 1; }
# shellcheck disable=SC1091
. "$ROOT/.cache/podman/env"
sock=$(mktemp -u /tmp/chat-podman-XXXXXX.sock)
podman system service --time=0 "unix://$sock" >/dev/null 2>&1 &
api=$!
trap 'kill "$api" 2>/dev/null; wait "$api" 2>/dev/null; rm -f "$sock"' EXIT
for _ in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.2; done
# Its global config of this run: no usage data sent, no update check, no survey.
cfg=$(mktemp /tmp/chat-skaffold-XXXXXX.yaml)
printf 'global:\n  collect-metrics: false\n  update-check: false\n  survey:\n    disable-prompt: true\n' >"$cfg"
trap 'kill "$api" 2>/dev/null; wait "$api" 2>/dev/null; rm -f "$sock" "$cfg"' EXIT
export SKAFFOLD_CONFIG=$cfg SKAFFOLD_UPDATE_CHECK=false
export DOCKER_HOST=unix://$sock KUBECONFIG=$RUN/pki/admin.kubeconfig
export PATH="$HELM3:$SKAFFOLD:$CLUSTER_CACHE/kubernetes-$K8S_VERSION/bin:$PATH"
cd "$ROOT"
# skaffold's artifact cache (~/.skaffold/cache) says an image is "Found Locally" when podman has
# it, and then neither builds nor imports it; but each `cluster.sh up` starts an empty containerd,
# so deploys failed with ErrImageNeverPull. For run and dev the cache is off unless asked for
# (podman's layer cache still makes a rebuild of an unchanged image take seconds).
case ${1:-} in
  run|dev|deploy) [[ " $* " == *" --cache-artifacts"* ]] || set -- "$@" --cache-artifacts=false ;;
esac
skaffold "$@"
