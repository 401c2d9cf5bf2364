#!/usr/bin/env bash
# Builds the images the cluster test installs, with podman, and imports them into the
# cluster's containerd (no registry anywhere):
#   - ours: one per entry of the chart's `services` map in helm/values.yaml (services/Dockerfile
#     with SERVICE, PORT and HEALTH_PATH from that entry) and the web client: a new service in
#     the chart is a new image here, with no change to this script;
#   - the trial install's Kafka (kafka-image/: the broker's jars from Maven Central on Debian's
#     JRE, laid out like apache/kafka), MongoDB-protocol store (ferretdb-image/: FerretDB
#     built with Go by scripts/infra) and object store (k8s/seaweedfs.Dockerfile: the `weed`
#     binary scripts/infra builds with Go), each built once and tagged by a digest of its inputs.
# Usage: bash scripts/cluster/images.sh build TAG       build ours as localhost/chat-<name>:TAG
#        bash scripts/cluster/images.sh infra [--import] build Kafka, FerretDB and SeaweedFS (cached)
#                                                       [and import them]
#        bash scripts/cluster/images.sh import IMAGE…   podman save | ctr import into the cluster
#        bash scripts/cluster/images.sh list [--full]   our image names, one a line (--full: with
#                                                       the Dockerfile and build arguments)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=versions.sh
. "$HERE/versions.sh"
RUN=${CHAT_CLUSTER_RUN:-/tmp/chat-cluster}
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/kafka-image/pom.xml")
say() { echo "[images $(date +%H:%M:%S)] $*" >&2; }

setup() {
  bash "$ROOT/scripts/images/podman-setup.sh" >&2
  # shellcheck disable=SC1091
  . "$ROOT/.cache/podman/env"
  if ! podman image exists localhost/chat-cluster/debian:bookworm; then
    podman import "$ROOT/.cache/podman/minbase.tar" localhost/chat-cluster/debian:bookworm >/dev/null
  fi
}

# name dockerfile build-args…, one line per image, from the chart's values.
list() {
  (cd "$ROOT" && node -e '
    const { parse } = require("yaml");
    const v = parse(require("fs").readFileSync("helm/values.yaml", "utf8"));
    for (const [name, s] of Object.entries(v.services)) {
      if (s.enabled === false) continue;
      console.log([name, "services/Dockerfile", `SERVICE=${name}`, `PORT=${s.port}`, `HEALTH_PATH=${s.readinessPath}`].join(" "));
    }
    if (v.web?.enabled !== false) console.log("web frontend/Dockerfile");')
}

build() {
  local tag=$1 name file args t0 a
  setup
  while read -r name file args; do
    t0=$(date +%s)
    local bargs=()
    for a in $args; do bargs+=(--build-arg "$a"); done
    podman build --pull=never --format docker --target runtime -f "$ROOT/$file" "${bargs[@]}" \
      -t "localhost/chat-$name:$tag" "$ROOT" >"${LOG_DIR:-/tmp}/build-$name.log" 2>&1 \
      || { say "building chat-$name failed; see ${LOG_DIR:-/tmp}/build-$name.log"; tail -20 "${LOG_DIR:-/tmp}/build-$name.log" >&2; exit 1; }
    say "chat-$name:$tag built in $(( $(date +%s) - t0 )) s"
  done < <(list)
}

# A short digest of an image's build folder: a change to it is a new tag, so a new build.
digest() { (cd "$1" && find . -type f | sort | xargs sha256sum | sha256sum | cut -c1-8); }

infra() {
  setup
  local dir t0 kimg fimg
  kimg=localhost/chat-cluster/kafka:$KAFKA_VERSION-$(digest "$HERE/kafka-image")
  if ! podman image exists "$kimg"; then
    t0=$(date +%s)
    dir=$CLUSTER_CACHE/kafka-image-$KAFKA_VERSION
    if [ ! -f "$dir/.done" ]; then
      rm -rf "$dir"; mkdir -p "$dir"
      mvn -q -B -f "$HERE/kafka-image/pom.xml" dependency:copy-dependencies -DoutputDirectory="$dir/libs" -DincludeScope=runtime >&2
      touch "$dir/.done"
    fi
    local ctx; ctx=$(mktemp -d)
    cp -r "$HERE/kafka-image/." "$ctx/"; cp -r "$dir/libs" "$ctx/libs"
    podman build --pull=never --format docker -t "$kimg" "$ctx" >"${LOG_DIR:-/tmp}/build-kafka.log" 2>&1 \
      || { tail -20 "${LOG_DIR:-/tmp}/build-kafka.log" >&2; rm -rf "$ctx"; exit 1; }
    rm -rf "$ctx"
    say "kafka image built in $(( $(date +%s) - t0 )) s"
  fi
  local fver; fver=$(sed -n "s/^export const FERRETDB_VERSION = '\(.*\)';/\1/p" "$ROOT/scripts/infra/ferretdb.mjs")
  fimg=localhost/chat-cluster/ferretdb:$fver-$(digest "$HERE/ferretdb-image")
  if ! podman image exists "$fimg"; then
    t0=$(date +%s)
    local bin
    bin=$(cd "$ROOT" && node --input-type=module -e 'const m = await import("./scripts/infra/ferretdb.mjs"); console.log(await m.provisionFerretDB())')
    local ctx; ctx=$(mktemp -d)
    cp -r "$HERE/ferretdb-image/." "$ctx/"; cp "$bin" "$ctx/ferretdb"
    podman build --pull=never --format docker -t "$fimg" "$ctx" >"${LOG_DIR:-/tmp}/build-ferretdb.log" 2>&1 \
      || { tail -20 "${LOG_DIR:-/tmp}/build-ferretdb.log" >&2; rm -rf "$ctx"; exit 1; }
    rm -rf "$ctx"
    say "ferretdb image built in $(( $(date +%s) - t0 )) s"
  fi
  # The in-cluster object store: the chart's own image name (chat-seaweedfs, under
  # global.imageRegistry), from k8s/seaweedfs.Dockerfile and the launcher's weed binary.
  local wbin wver wimg
  wbin=$(cd "$ROOT" && node --input-type=module -e 'const m = await import("./scripts/infra/seaweedfs.mjs"); console.log(await m.provisionSeaweedFS())' | tail -1)
  wver=$(basename "$wbin"); wver=${wver#weed-}
  wimg=localhost/chat-seaweedfs:$wver-$(sha256sum <"$ROOT/k8s/seaweedfs.Dockerfile" | cut -c1-8)
  if ! podman image exists "$wimg"; then
    t0=$(date +%s)
    local ctx; ctx=$(mktemp -d)
    cp "$wbin" "$ctx/"
    podman build --pull=never --format docker --build-arg BASE_IMAGE=localhost/chat-cluster/debian:bookworm \
      --build-arg "WEED=$(basename "$wbin")" -f "$ROOT/k8s/seaweedfs.Dockerfile" -t "$wimg" "$ctx" \
      >"${LOG_DIR:-/tmp}/build-seaweedfs.log" 2>&1 \
      || { tail -20 "${LOG_DIR:-/tmp}/build-seaweedfs.log" >&2; rm -rf "$ctx"; exit 1; }
    rm -rf "$ctx"
    say "seaweedfs image built in $(( $(date +%s) - t0 )) s"
  fi
  # Stable names too, for values files (k8s/values-cluster.yaml): the latest build of each.
  # The object store's under both registries the chart may name it by: localhost/ (the
  # test's global.imageRegistry) and none (skaffold's podman profile: docker.io/library/).
  podman tag "$kimg" "localhost/chat-cluster/kafka:$KAFKA_VERSION"
  podman tag "$fimg" "localhost/chat-cluster/ferretdb:$fver"
  podman tag "$wimg" "localhost/chat-seaweedfs:$wver" "docker.io/library/chat-seaweedfs:$wver"
  echo "KAFKA_IMAGE=$kimg"
  echo "MONGO_IMAGE=$fimg"
  echo "S3_IMAGE=$wimg"
}

# The stable names `infra` tags, for `infra --import`.
stable_infra() {
  local wver
  wver=$(sed -n "s/^export const SEAWEEDFS_VERSION = '.*-\(.*\)';/\1/p" "$ROOT/scripts/infra/seaweedfs.mjs")
  echo "localhost/chat-cluster/kafka:$KAFKA_VERSION"
  echo "localhost/chat-cluster/ferretdb:$(sed -n "s/^export const FERRETDB_VERSION = '\(.*\)';/\1/p" "$ROOT/scripts/infra/ferretdb.mjs")"
  echo "localhost/chat-seaweedfs:$wver"
  echo "docker.io/library/chat-seaweedfs:$wver"
}

import() {
  # shellcheck disable=SC1091
  . "$ROOT/.cache/podman/env"
  local t0 tmp; t0=$(date +%s)
  tmp=$(mktemp -p "${TMPDIR:-/var/tmp}" images-XXXXXX.tar)
  rm -f "$tmp"
  podman save -m --format docker-archive -o "$tmp" "$@" >/dev/null
  "$CLUSTER_CACHE/containerd-$CONTAINERD_VERSION/bin/ctr" --address "$RUN/containerd/containerd.sock" -n k8s.io \
    images import "$tmp" >/dev/null
  rm -f "$tmp"
  say "imported $# images in $(( $(date +%s) - t0 )) s"
}

case ${1:-} in
  build) build "${2:?tag}" ;;
  infra) infra; if [ "${2:-}" = --import ]; then mapfile -t imgs < <(stable_infra); import "${imgs[@]}"; fi ;;
  import) shift; import "$@" ;;
  list) if [ "${2:-}" = --full ]; then list; else list | cut -d' ' -f1; fi ;;
  *) echo "usage: $0 build TAG | infra | import IMAGE… | list" >&2; exit 2 ;;
esac
