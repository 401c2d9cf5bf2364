#!/usr/bin/env bash
# Builds the single-node cluster's binaries from upstream sources through the Go
# module proxy, once, into a cache outside the clone keyed by component and version:
#   ${CHAT_CLUSTER_CACHE:-$HOME/.cache/chat-cluster}/<component>-<version>/bin
# A component whose directory holds `.done` is not rebuilt. One build at a time,
# niced, because the machine is shared. Prints one line per component with its time.
# Usage: bash scripts/cluster/build.sh [component…]   (default: all)
#        bash scripts/cluster/build.sh --check       exit 0 when every component is built
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
. "$HERE/versions.sh"
command -v go >/dev/null || { echo "go is needed (a Go toolchain on PATH)" >&2; exit 1; }
mkdir -p "$CLUSTER_CACHE"
export GOFLAGS="-buildvcs=false -trimpath" CGO_ENABLED=0

# wrap MODULE VERSION LOCAL_VERSION DIR: writes DIR/go.mod requiring MODULE@VERSION and
# carrying the module's own replace directives, a local-path replace (a monorepo's
# staging copy, which `go install` refuses) becoming the published module at LOCAL_VERSION.
wrap() {
  local mod=$1 ver=$2 localver=$3 dir=$4 gomod
  mkdir -p "$dir"
  gomod=$(cd "$dir" && GOFLAGS= go mod download -json "$mod@$ver" | jq -r 'if .Error then error(.Error) else .GoMod end')
  {
    echo "module local/wrapper"
    echo
    echo "go $(go env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/\1/')"
    echo
    echo "require $mod $ver"
    echo
    # (A replace onto a path named FORBIDDEN_DEPENDENCY only guards against a module: dropped.)
    go mod edit -json "$gomod" | jq -r --arg lv "$localver" '.Replace // [] | .[] |
      select(.New.Path | test("FORBIDDEN") | not) |
      if (.New.Path | startswith(".")) then "replace \(.Old.Path) => \(.Old.Path) \($lv)"
      else "replace \(.Old.Path)\(if .Old.Version then " " + .Old.Version else "" end) => \(.New.Path)\(if .New.Version then " " + .New.Version else "" end)" end'
  } >"$dir/go.mod"
  echo "// wrapper" >"$dir/tools.go"
  sed -i '1i package wrapper' "$dir/tools.go"
}

build_one() {
  local name=$1 dir=$CLUSTER_CACHE/$1-$2 t0
  [ -f "$dir/.done" ] && { echo "$name $2: cached"; return; }
  rm -rf "$dir"; mkdir -p "$dir/bin"
  t0=$(date +%s)
  "build_$name" "$dir" "$2"
  touch "$dir/.done"
  echo "$name $2: built in $(( $(date +%s) - t0 )) s"
}

build_kubernetes() {
  local dir=$1 v=$2 minor ld="" p
  minor=$(echo "$v" | cut -d. -f2)
  wrap k8s.io/kubernetes "v$v" "v0.$minor.$(echo "$v" | cut -d. -f3)" "$dir/src"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=v$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  (cd "$dir/src" && GOFLAGS="$GOFLAGS -mod=mod" nice -n 10 go build -ldflags "-s -w $ld" -o "$dir/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl)
}

build_containerd() {
  local c
  for c in containerd ctr containerd-shim-runc-v2; do
    GOBIN="$1/bin" nice -n 10 go install -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=v$2" \
      -tags no_btrfs "github.com/containerd/containerd/v2/cmd/$c@v$2"
  done
}

build_cni() {
  local p
  for p in main/bridge ipam/host-local main/loopback meta/portmap; do
    GOBIN="$1/bin" nice -n 10 go install -ldflags "-s -w" "github.com/containernetworking/plugins/plugins/$p@v$2"
  done
}

build_etcd() {
  # The server module's main package is the etcd binary (the repository's root module is not
  # served); its go.mod replaces api, client and pkg with local folders: the wrapper takes the
  # published modules of the same version instead.
  wrap go.etcd.io/etcd/server/v3 "v$2" "v$2" "$1/src"
  (cd "$1/src" && GOFLAGS="$GOFLAGS -mod=mod" nice -n 10 go build -ldflags "-s -w" -o "$1/bin/etcd" go.etcd.io/etcd/server/v3)
}

build_coredns() {
  GOBIN="$1/bin" nice -n 10 go install -ldflags "-s -w" "github.com/coredns/coredns@v$2"
}

build_traefik() {
  wrap github.com/traefik/traefik/v3 "v$2" "v$2" "$1/src"
  (cd "$1/src" && GOFLAGS="$GOFLAGS -mod=mod" nice -n 10 go build \
    -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$2" \
    -o "$1/bin/traefik" github.com/traefik/traefik/v3/cmd/traefik)
}


if [ "${1:-}" = --check ]; then
  for d in kubernetes-$K8S_VERSION containerd-$CONTAINERD_VERSION cni-$CNI_VERSION etcd-$ETCD_VERSION \
           coredns-$COREDNS_VERSION traefik-$TRAEFIK_VERSION; do
    [ -f "$CLUSTER_CACHE/$d/.done" ] || exit 1
  done
  exit 0
fi
build_skaffold() {
  # Its go.mod replaces modules, so `go install …@version` is refused: a wrapper carries them.
  wrap github.com/GoogleContainerTools/skaffold/v2 "v$2" "v$2" "$1/src"
  (cd "$1/src" && GOFLAGS="$GOFLAGS -mod=mod" nice -n 10 go build \
    -ldflags "-s -w -X github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/version.version=v$2" \
    -o "$1/bin/skaffold" github.com/GoogleContainerTools/skaffold/v2/cmd/skaffold)
}

# One build at a time, also across clones sharing the cache: a second caller waits, then
# finds the components built.
exec 9>"$CLUSTER_CACHE/.build.lock"
flock 9
build_helm3() {
  # skaffold 2.16 drives Helm 3 (`helm version --client`, --post-renderer), which Helm 4 refuses.
  GOBIN="$1/bin" nice -n 10 go install -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$2" "helm.sh/helm/v3/cmd/helm@v$2"
}

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(kubernetes containerd cni etcd coredns traefik)
for c in "${wanted[@]}"; do
  case $c in
    kubernetes) build_one kubernetes "$K8S_VERSION" ;;
    containerd) build_one containerd "$CONTAINERD_VERSION" ;;
    cni) build_one cni "$CNI_VERSION" ;;
    etcd) build_one etcd "$ETCD_VERSION" ;;
    coredns) build_one coredns "$COREDNS_VERSION" ;;
    traefik) build_one traefik "$TRAEFIK_VERSION" ;;
    skaffold) build_one skaffold "$SKAFFOLD_VERSION"; build_one helm3 "$HELM3_VERSION" ;;
    *) echo "unknown component: $c" >&2; exit 2 ;;
  esac
done
