#!/usr/bin/env bash
# skaffold's custom builder for machines without Docker (skaffold.yaml, profile `podman`):
# builds $IMAGE with podman and hands it to the cluster's containerd, with no registry.
# skaffold sets IMAGE (name:tag) and BUILD_CONTEXT. The Dockerfile and build arguments come
# from scripts/cluster/images.sh list, i.e. from the chart's services map: a new service
# needs no change here. SKAFFOLD_TARGET=dev builds the Dockerfiles' dev stage (profile podman-dev).
# The cluster is scripts/cluster/cluster.sh's (its containerd socket under $CHAT_CLUSTER_RUN).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
: "${IMAGE:?skaffold sets IMAGE}"
name=${IMAGE%:*}; name=${name##*/}; name=${name#chat-}
line=$(bash "$HERE/images.sh" list --full | awk -v n="$name" '$1 == n')
[ -n "$line" ] || { echo "no image chat-$name in the chart's services map (scripts/cluster/images.sh list)" >&2; exit 1; }
read -r _ file args <<<"$line"
target=${SKAFFOLD_TARGET:-runtime}
[ "$name" = web ] && target=runtime
bargs=()
for a in $args; do bargs+=(--build-arg "$a"); done
# shellcheck disable=SC1091
. "$ROOT/.cache/podman/env" 2>/dev/null || bash "$ROOT/scripts/images/podman-setup.sh" >&2
# shellcheck disable=SC1091
. "$ROOT/.cache/podman/env"
# The name the kubelet will ask containerd for: a bare `chat-web:tag` means docker.io/library/…,
# while podman would file it under localhost/.
ref=$IMAGE first=${IMAGE%%/*}
if [[ "$IMAGE" != */* ]]; then ref=docker.io/library/$IMAGE
elif [[ "$first" != *.* && "$first" != *:* && "$first" != localhost ]]; then ref=docker.io/$IMAGE; fi
podman build --pull=never --format docker --target "$target" -f "${BUILD_CONTEXT:-$ROOT}/$file" "${bargs[@]}" -t "$ref" "${BUILD_CONTEXT:-$ROOT}"
if [ "${PUSH_IMAGE:-false}" = true ]; then
  podman push "$ref"
else
  # Not pushed, skaffold deploys the image by its ID as the tag (name:<image id>): the cluster
  # gets that name too.
  byid=${ref%:*}:$(podman image inspect --format '{{.Id}}' "$ref" | sed 's/^sha256://')
  podman tag "$ref" "$byid"
  bash "$HERE/images.sh" import "$ref" "$byid"
fi
