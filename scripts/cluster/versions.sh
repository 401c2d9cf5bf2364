# The pinned versions of the cluster's pieces and the cache they are built into.
# A new version is a new cache directory: the old one is left for `rm -rf`.
# shellcheck shell=bash
K8S_VERSION=1.34.4
CONTAINERD_VERSION=2.2.9
CNI_VERSION=1.9.0
ETCD_VERSION=3.6.16
COREDNS_VERSION=1.14.7
TRAEFIK_VERSION=3.6.12
# skaffold (optional: `build.sh skaffold`), for `skaffold run -p podman`.
SKAFFOLD_VERSION=2.16.1
# …and the Helm 3 it drives (it calls `helm version --client`, gone in Helm 4).
HELM3_VERSION=3.21.4
CLUSTER_CACHE=${CHAT_CLUSTER_CACHE:-$HOME/.cache/chat-cluster}
