#!/usr/bin/env bash
# A single-node Kubernetes on this machine, from the binaries scripts/cluster/build.sh made.
#   bash scripts/cluster/cluster.sh up      start etcd, containerd, the control plane, kubelet,
#                                           kube-proxy, then CoreDNS and Traefik as pods
#   bash scripts/cluster/cluster.sh down    stop it and undo everything it did to the machine
#   bash scripts/cluster/cluster.sh env     print the KUBECONFIG export (and PATH for kubectl)
#
# Everything the cluster makes is recorded in $RUN (default /tmp/chat-cluster): pids, the
# sysctls it changed, the iptables chains and routes it added. `down` undoes exactly those:
# it kills the recorded pids and the processes in the cgroups the kubelet made, unmounts
# what lies under $RUN, deletes the bridge, the routes and the KUBE-* chains that were not
# there before, restores the sysctls and removes $RUN. `up` calls `down` when it fails.
# A cluster whose owner (CHAT_CLUSTER_OWNER, the cluster test's pid) died without stopping it
# is stopped by the next `up` before it starts; one without an owner is never touched.
#
# Pod (10.244.0.0/16) and Service (10.96.0.0/16) addresses never leave the machine: the bridge
# is made before any pod, the Service range is routed onto it, the rest of the pod range is a
# blackhole, no masquerading is set up, and a FORWARD rule drops anything from the bridge
# that would go out any other interface. Everything listens on loopback or on the bridge.
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=versions.sh
. "$HERE/versions.sh"
RUN=${CHAT_CLUSTER_RUN:-/tmp/chat-cluster}
NODE=chat-node
BRIDGE=chat0
POD_CIDR=10.244.0.0/16
NODE_POD_CIDR=10.244.0.0/24
NODE_IP=10.244.0.1
SVC_CIDR=10.96.0.0/16
API_SVC_IP=10.96.0.1
DNS_IP=10.96.0.10
INGRESS_PORT=${CHAT_CLUSTER_INGRESS_PORT:-18080}
ETCD_PORT=${CHAT_CLUSTER_ETCD_PORT:-23790}
FWD_CHAIN=CHAT-CLUSTER-FWD
K8S=$CLUSTER_CACHE/kubernetes-$K8S_VERSION/bin
CTRD=$CLUSTER_CACHE/containerd-$CONTAINERD_VERSION/bin
CNIBIN=$CLUSTER_CACHE/cni-$CNI_VERSION/bin
ETCD=$CLUSTER_CACHE/etcd-$ETCD_VERSION/bin
COREDNS=$CLUSTER_CACHE/coredns-$COREDNS_VERSION/bin
TRAEFIK=$CLUSTER_CACHE/traefik-$TRAEFIK_VERSION/bin
export PATH="$K8S:$CTRD:$PATH"
say() { echo "[cluster $(date +%H:%M:%S)] $*" >&2; }
KUBECTL=("$K8S/kubectl" --kubeconfig "$RUN/pki/admin.kubeconfig")
kc() { "${KUBECTL[@]}" "$@"; }
CTR=("$CTRD/ctr" --address "$RUN/containerd/containerd.sock" -n k8s.io)

record() { echo "$*" >>"$RUN/undo"; }   # what down must undo, one line each

# ---- certificates -----------------------------------------------------------------------
pki() {
  local d=$RUN/pki
  mkdir -p "$d"; cd "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj /CN=chat-cluster-ca 2>/dev/null
  openssl genrsa -out sa.key 2048 2>/dev/null; openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  cert() {  # name CN O SANs
    local name=$1 cn=$2 o=$3 san=$4 ext
    ext="basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth,serverAuth"
    [ -n "$san" ] && ext+=$'\n'"subjectAltName=$san"
    openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$cn${o:+/O=$o}" 2>/dev/null
    openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$name.crt" -days 30 \
      -extfile <(echo "$ext") 2>/dev/null
    rm -f "$name.csr"
  }
  cert apiserver kube-apiserver "" "IP:$NODE_IP,IP:127.0.0.1,IP:$API_SVC_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters ""
  cert admin admin system:masters ""
  cert controller-manager system:kube-controller-manager "" ""
  cert scheduler system:kube-scheduler "" ""
  cert kube-proxy system:kube-proxy "" ""
  cert kubelet "system:node:$NODE" system:nodes "IP:$NODE_IP,DNS:$NODE"
  local who
  for who in admin controller-manager scheduler kube-proxy kubelet; do
    "$K8S/kubectl" config set-cluster chat --server="https://$NODE_IP:6443" --certificate-authority=ca.crt --embed-certs --kubeconfig=$who.kubeconfig >/dev/null
    "$K8S/kubectl" config set-credentials $who --client-certificate=$who.crt --client-key=$who.key --embed-certs --kubeconfig=$who.kubeconfig >/dev/null
    "$K8S/kubectl" config set-context chat --cluster=chat --user=$who --kubeconfig=$who.kubeconfig >/dev/null
    "$K8S/kubectl" config use-context chat --kubeconfig=$who.kubeconfig >/dev/null
  done
  cd - >/dev/null
}

# ---- processes --------------------------------------------------------------------------
start() {  # name cmd args…: started in its own session, pid in $RUN/pids/name, log in $RUN/logs
  local name=$1; shift
  setsid "$@" >"$RUN/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/pids/$name"
  record "pid $name $!"
}
waitfor() {  # what seconds command…
  local what=$1 secs=$2 i; shift 2
  for ((i = 0; i < secs; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  say "timed out after ${secs}s waiting for $what"; return 1
}

# Folders the kubelet, containerd and libcni make at fixed places: those that do not exist
# before up are removed by down.
FIXED_DIRS=(/run/containerd /var/lib/cni /var/lib/kubelet /var/log/pods /var/log/containers)

network() {
  local d
  for d in "${FIXED_DIRS[@]}"; do [ -e "$d" ] || record "dir $d"; done
  # Before any pod: the bridge with the gateway address, the Service range on it, a blackhole
  # for the rest of the pod range, and no forwarding from the bridge to anything else.
  ip link add "$BRIDGE" type bridge
  record "link $BRIDGE"
  ip addr add "$NODE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  ip route add "$SVC_CIDR" dev "$BRIDGE" src "$NODE_IP"
  record "route $SVC_CIDR dev $BRIDGE"
  ip route add blackhole "$POD_CIDR"
  record "route blackhole $POD_CIDR"
  iptables -N "$FWD_CHAIN"
  record "chain $FWD_CHAIN"
  iptables -A "$FWD_CHAIN" -i "$BRIDGE" ! -o "$BRIDGE" -j DROP
  iptables -A "$FWD_CHAIN" -s "$POD_CIDR" ! -o "$BRIDGE" -j DROP
  iptables -A "$FWD_CHAIN" -d "$POD_CIDR" ! -o "$BRIDGE" -j DROP
  iptables -I FORWARD 1 -j "$FWD_CHAIN"
  # Only now may the host forward (Service DNAT from one pod to another on the bridge).
  local s old
  for s in net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables; do
    old=$(sysctl -n $s); record "sysctl $s $old"; sysctl -qw "$s=1"
  done
  # The iptables tables that exist now (kube-proxy and the kubelet may add the others, empty at the end).
  if command -v nft >/dev/null; then nft list tables >"$RUN/nft-tables-before" 2>/dev/null || true; fi
  local ipt
  for ipt in iptables ip6tables; do
    $ipt-save 2>/dev/null | grep -oE '^:KUBE-[A-Z0-9-]+' | sed "s/^/$ipt/" | sort -u
  done >"$RUN/chains-before" || true
}

write_configs() {
  mkdir -p "$RUN/cni/net.d" "$RUN/containerd" "$RUN/kubelet" "$RUN/etc"
  cat >"$RUN/cni/net.d/10-chat.conflist" <<EOF
{ "cniVersion": "1.0.0", "name": "chat",
  "plugins": [ { "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "isDefaultGateway": true,
    "ipMasq": false, "hairpinMode": true,
    "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$NODE_POD_CIDR", "gateway": "$NODE_IP" }]],
      "dataDir": "$RUN/cni/ipam" } } ] }
EOF
  cat >"$RUN/containerd/config.toml" <<EOF
version = 3
root = "$RUN/containerd/root"
state = "$RUN/containerd/state"
[grpc]
  address = "$RUN/containerd/containerd.sock"
[ttrpc]
  address = "$RUN/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[plugins.'io.containerd.cri.v1.runtime']
  # Root here cannot lower oom_score_adj; without this runc fails ("can't get final child's PID").
  restrict_oom_score_adj = true
  # Pods' network namespaces below the state directory, where down finds and unmounts them.
  netns_mounts_under_state_dir = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
    runtime_type = 'io.containerd.runc.v2'
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
      BinaryName = '$RUNC'
      Root = '$RUN/runc'
      SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ['$CNIBIN']
    conf_dir = '$RUN/cni/net.d'
[plugins.'io.containerd.cri.v1.images']
  snapshotter = 'overlayfs'
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = 'localhost/chat-cluster/pause:1'
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = '127.0.0.1'
  stream_server_port = '0'
[plugins.'io.containerd.internal.v1.opt']
  path = '$RUN/containerd/opt'
EOF
  cat >"$RUN/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$RUN/containerd/containerd.sock
address: $NODE_IP
healthzBindAddress: 127.0.0.1
healthzPort: 10248
readOnlyPort: 0
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $RUN/pki/ca.crt }
authorization: { mode: Webhook }
tlsCertFile: $RUN/pki/kubelet.crt
tlsPrivateKeyFile: $RUN/pki/kubelet.key
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
resolvConf: $RUN/etc/resolv.conf
podLogsDir: $RUN/pod-logs
failSwapOn: false
podCIDR: $NODE_POD_CIDR
maxPods: 60
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: { memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2% }
EOF
  # Pods resolve through CoreDNS only; the host's resolver is never handed to them.
  echo "nameserver $DNS_IP" >"$RUN/etc/resolv.conf"
  cat >"$RUN/kubelet/proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: { kubeconfig: $RUN/pki/kube-proxy.kubeconfig }
hostnameOverride: $NODE
clusterCIDR: $POD_CIDR
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [$NODE_IP/32]
conntrack: { maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
EOF
}

# A process's start time (field 22 of /proc/PID/stat), so that a reused pid is not its owner.
proc_start() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null; }
owner_alive() { local pid=${1%% *} start=${1#* }; [ -n "$pid" ] && [ -n "$start" ] && [ "$(proc_start "$pid")" = "$start" ]; }

apiserver_ok() { curl -sf --cacert "$RUN/pki/ca.crt" --cert "$RUN/pki/admin.crt" --key "$RUN/pki/admin.key" "https://$NODE_IP:6443/readyz"; }

up() {
  local t0; t0=$(date +%s)
  if [ -e "$RUN/undo" ]; then
    # A cluster of a run that died without stopping it (killed with its test, a machine that
    # lost its session) is stopped first; one whose owner lives, or that has none, is kept.
    local owner; owner=$(cat "$RUN/owner" 2>/dev/null || true)
    if [ -n "$owner" ] && ! owner_alive "$owner"; then
      say "a cluster left by a run that is gone (owner ${owner%% *}): stopping it first"
      down
      set -e
      mkdir -p "$RUN"; base_images
    else
      say "$RUN/undo exists: a cluster is up${owner:+ for pid ${owner%% *}} (or was not stopped); run down first"; exit 1
    fi
  fi
  local b
  local addons=(); [ "${CHAT_CLUSTER_NO_ADDONS:-0}" = 1 ] || addons=("$COREDNS/coredns" "$TRAEFIK/traefik")
  for b in "$K8S/kube-apiserver" "$CTRD/containerd" "$CNIBIN/bridge" "$ETCD/etcd" "${addons[@]}"; do
    [ -x "$b" ] || { say "missing $b: run bash scripts/cluster/build.sh"; exit 1; }
  done
  RUNC=$(command -v runc) || { say "runc is needed (apt-get install runc)"; exit 1; }
  mkdir -p "$RUN/pids" "$RUN/logs"
  : >"$RUN/undo"
  # CHAT_CLUSTER_OWNER: the pid whose cluster this is (the cluster test); when it is gone, the
  # next `up` stops this cluster first. Without it (by hand, CHAT_CLUSTER_KEEP) the cluster stays.
  local started
  if [ -n "${CHAT_CLUSTER_OWNER:-}" ] && started=$(proc_start "$CHAT_CLUSTER_OWNER") && [ -n "$started" ]; then
    echo "$CHAT_CLUSTER_OWNER $started" >"$RUN/owner"
  fi
  trap 'say "start failed (line $LINENO: $BASH_COMMAND); stopping"; down; exit 1' ERR INT TERM
  pki
  network
  write_configs

  start etcd "$ETCD/etcd" --name chat --data-dir "$RUN/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls http://127.0.0.1:$((ETCD_PORT + 1)) --initial-advertise-peer-urls http://127.0.0.1:$((ETCD_PORT + 1)) \
    --initial-cluster chat=http://127.0.0.1:$((ETCD_PORT + 1)) --log-level warn
  start containerd env PATH="$CTRD:$PATH" "$CTRD/containerd" --config "$RUN/containerd/config.toml"
  waitfor etcd 30 curl -sf "http://127.0.0.1:$ETCD_PORT/health"

  start kube-apiserver "$K8S/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port 6443 \
    --service-cluster-ip-range "$SVC_CIDR" --authorization-mode Node,RBAC --allow-privileged=false \
    --client-ca-file "$RUN/pki/ca.crt" --tls-cert-file "$RUN/pki/apiserver.crt" --tls-private-key-file "$RUN/pki/apiserver.key" \
    --kubelet-client-certificate "$RUN/pki/apiserver-kubelet-client.crt" --kubelet-client-key "$RUN/pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$RUN/pki/ca.crt" \
    --service-account-key-file "$RUN/pki/sa.pub" --service-account-signing-key-file "$RUN/pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --enable-admission-plugins NodeRestriction --profiling=false --endpoint-reconciler-type lease \
    --kubelet-preferred-address-types InternalIP
  waitfor kube-apiserver 120 apiserver_ok
  say "kube-apiserver ready ($(( $(date +%s) - t0 )) s)"
  start kube-controller-manager "$K8S/kube-controller-manager" --kubeconfig "$RUN/pki/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$RUN/pki/controller-manager.kubeconfig" --authorization-kubeconfig "$RUN/pki/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10257 --leader-elect=false --use-service-account-credentials \
    --service-account-private-key-file "$RUN/pki/sa.key" --root-ca-file "$RUN/pki/ca.crt" \
    --cluster-signing-cert-file "$RUN/pki/ca.crt" --cluster-signing-key-file "$RUN/pki/ca.key" \
    --allocate-node-cidrs --cluster-cidr "$POD_CIDR" --node-cidr-mask-size 24 --service-cluster-ip-range "$SVC_CIDR"
  start kube-scheduler "$K8S/kube-scheduler" --kubeconfig "$RUN/pki/scheduler.kubeconfig" \
    --authentication-kubeconfig "$RUN/pki/scheduler.kubeconfig" --authorization-kubeconfig "$RUN/pki/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10259 --leader-elect=false
  waitfor containerd 30 "${CTR[@]}" version
  import_image "$RUN/pause.tar"
  start kubelet "$K8S/kubelet" --config "$RUN/kubelet/config.yaml" --kubeconfig "$RUN/pki/kubelet.kubeconfig" \
    --root-dir "$RUN/kubelet/root" --hostname-override "$NODE" --node-ip "$NODE_IP" --cert-dir "$RUN/pki/kubelet-certs"
  start kube-proxy "$K8S/kube-proxy" --config "$RUN/kubelet/proxy.yaml"
  waitfor "node $NODE Ready" 120 sh -c "\"$K8S/kubectl\" --kubeconfig '$RUN/pki/admin.kubeconfig' get node $NODE -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
  say "node $NODE Ready ($(( $(date +%s) - t0 )) s)"
  [ "${CHAT_CLUSTER_NO_ADDONS:-0}" = 1 ] && { say "up without CoreDNS and Traefik (CHAT_CLUSTER_NO_ADDONS=1)"; trap - ERR INT TERM; return; }
  addons
  waitfor "CoreDNS and Traefik" 180 sh -c "\"$K8S/kubectl\" --kubeconfig '$RUN/pki/admin.kubeconfig' -n kube-system wait --for=condition=Ready pod -l 'app in (coredns,traefik)' --timeout=5s"
  say "cluster up in $(( $(date +%s) - t0 )) s: export KUBECONFIG=$RUN/pki/admin.kubeconfig; ingress on http://127.0.0.1:$INGRESS_PORT"
  trap - ERR INT TERM
}

# ---- images -------------------------------------------------------------------------------
# A pause image (the pod sandbox) and scratch images holding CoreDNS and Traefik: built here
# with podman from files on this machine, saved once into the cache, imported into containerd.
base_images() {
  [ "${CHAT_CLUSTER_NO_ADDONS:-0}" = 1 ] && { pause_only; return; }
  local out=$CLUSTER_CACHE/images-$K8S_VERSION-$COREDNS_VERSION-$TRAEFIK_VERSION
  if [ ! -f "$out/.done" ]; then
    rm -rf "$out"; mkdir -p "$out/pause"
    cat >"$out/pause/pause.c" <<'EOF'
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
static void reap(int s) { (void)s; while (waitpid(-1, 0, WNOHANG) > 0) {} }
static void quit(int s) { (void)s; _exit(0); }
int main(void) {
  signal(SIGINT, quit); signal(SIGTERM, quit); signal(SIGCHLD, reap);
  for (;;) pause();
}
EOF
    gcc -static -Os -o "$out/pause/pause" "$out/pause/pause.c"
    scratch_image "$out/pause/pause" /pause localhost/chat-cluster/pause:1 "$out/pause.tar"
    scratch_image "$COREDNS/coredns" /coredns "localhost/chat-cluster/coredns:$COREDNS_VERSION" "$out/coredns.tar"
    scratch_image "$TRAEFIK/traefik" /traefik "localhost/chat-cluster/traefik:$TRAEFIK_VERSION" "$out/traefik.tar"
    touch "$out/.done"
  fi
  ln -sf "$out/pause.tar" "$RUN/pause.tar"
  ln -sf "$out/coredns.tar" "$RUN/coredns.tar"
  ln -sf "$out/traefik.tar" "$RUN/traefik.tar"
}
pause_only() {  # for a cluster without add-ons (debugging the start)
  local out=$CLUSTER_CACHE/pause-image
  if [ ! -f "$out/pause.tar" ]; then
    mkdir -p "$out"
    printf '#include <unistd.h>\nint main(void) { for (;;) pause(); }\n' >"$out/pause.c"
    gcc -static -Os -o "$out/pause" "$out/pause.c"
    scratch_image "$out/pause" /pause localhost/chat-cluster/pause:1 "$out/pause.tar"
  fi
  ln -sf "$out/pause.tar" "$RUN/pause.tar"
}
scratch_image() {  # binary path-in-image name archive
  local dir; dir=$(mktemp -d)
  mkdir -p "$dir/etc/ssl/certs" "$dir/tmp"; chmod 1777 "$dir/tmp"
  cp "$1" "$dir$2"
  echo "nobody:x:65534:65534:nobody:/:/sbin/nologin" >"$dir/etc/passwd"
  tar -C "$dir" --numeric-owner -cf "$dir.tar" .
  # shellcheck disable=SC1091
  [ -f "$ROOT/.cache/podman/env" ] && . "$ROOT/.cache/podman/env"
  podman import --change "ENTRYPOINT [\"$2\"]" "$dir.tar" "$3" >/dev/null 2>&1
  podman save --format docker-archive -o "$4" "$3" >/dev/null 2>&1
  rm -rf "$dir" "$dir.tar"
}
import_image() { "${CTR[@]}" images import --no-unpack=false "$1" >/dev/null; }

addons() {
  import_image "$RUN/coredns.tar"
  import_image "$RUN/traefik.tar"
  sed -e "s/@DNS_IP@/$DNS_IP/g" -e "s/@COREDNS@/$COREDNS_VERSION/g" -e "s/@TRAEFIK@/$TRAEFIK_VERSION/g" \
    -e "s/@INGRESS_PORT@/$INGRESS_PORT/g" "$HERE/addons.yaml" | kc apply -f - >/dev/null
  # Volumes for the StorageClass `local`: host folders below $RUN, writable by any pod user
  # (a hostPath volume gets no fsGroup), gone with `down`.
  local i
  for i in 1 2 3 4; do
    mkdir -p "$RUN/volumes/pv$i"; chmod 0777 "$RUN/volumes/pv$i"
    printf '%s\n' "apiVersion: v1" "kind: PersistentVolume" "metadata: { name: chat-cluster-pv$i }" "spec:" \
      "  capacity: { storage: 20Gi }" "  accessModes: [ReadWriteOnce]" "  persistentVolumeReclaimPolicy: Retain" \
      "  storageClassName: local" "  hostPath: { path: $RUN/volumes/pv$i, type: Directory }" "---"
  done | kc apply -f - >/dev/null
}

# ---- stop ---------------------------------------------------------------------------------
kill_pid() {  # pid: TERM, up to 10 s, then KILL
  local p=$1 i
  kill -TERM "$p" 2>/dev/null || return 0
  for ((i = 0; i < 20; i++)); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL "$p" 2>/dev/null || true
}
cgroup_dirs() { local c; for c in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/kubepods.slice; do [ -d "$c" ] && echo "$c"; done; return 0; }

down() {
  # Best effort from here on: every step runs even when one before it fails.
  trap - ERR; set +e
  [ -f "$RUN/undo" ] || { say "nothing to stop ($RUN/undo is absent)"; return 0; }
  local t0 line kind a b c p d
  t0=$(date +%s)
  # The kubelet first, so it restarts nothing; then every process in the pods' cgroups.
  for p in kubelet kube-proxy; do [ -f "$RUN/pids/$p" ] && kill_pid "$(cat "$RUN/pids/$p")"; done
  for d in $(cgroup_dirs); do
    find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u | while read -r p; do kill -KILL "$p" 2>/dev/null || true; done
  done
  # The shims of our containerd (by their executable, which lies in our cache).
  for p in /proc/[0-9]*; do
    if [ "$(readlink "$p/exe" 2>/dev/null)" = "$CTRD/containerd-shim-runc-v2" ]; then kill -KILL "${p#/proc/}" 2>/dev/null; fi
  done
  # The rest in reverse order of start.
  tac "$RUN/undo" | while read -r kind a b c; do
    if [ "$kind" = pid ]; then kill_pid "$b"; fi
  done
  [ -x "$K8S/kube-proxy" ] && "$K8S/kube-proxy" --cleanup >/dev/null 2>&1 || true
  # Mounts under $RUN (container roots, pod volumes, network namespaces), deepest first.
  for ((i = 0; i < 5; i++)); do
    mapfile -t ms < <(awk -v r="$RUN" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r)
    [ ${#ms[@]} -eq 0 ] && break
    for m in "${ms[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  done
  # The kubelet's cgroups, deepest first (empty now).
  for d in $(cgroup_dirs); do find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true; done
  # KUBE-* chains the cluster made (kube-proxy --cleanup leaves the kubelet's), both families.
  local t ipt
  for ipt in iptables ip6tables; do
    for t in filter nat mangle; do
      $ipt-save -t $t 2>/dev/null | grep -oE '^:KUBE-[A-Z0-9-]+' | sort -u | while read -r ch; do
        grep -qx -- "$ipt$ch" "$RUN/chains-before" 2>/dev/null && continue
        ch=${ch#:}
        $ipt-save -t $t | grep -E "^-A [A-Z0-9-]+ .*-j $ch( |\$)" | sed 's/^-A/-D/' | while read -r rule; do
          eval "$ipt -t $t $rule" 2>/dev/null || true
        done
        $ipt -t $t -F "$ch" 2>/dev/null || true
      done
      $ipt-save -t $t 2>/dev/null | grep -oE '^:KUBE-[A-Z0-9-]+' | sort -u | while read -r ch; do
        grep -qx -- "$ipt$ch" "$RUN/chains-before" 2>/dev/null || $ipt -t $t -X "${ch#:}" 2>/dev/null || true
      done
    done
  done
  # Tables that were not there before and hold no rule now (iptables-nft makes them on first use).
  if [ -f "$RUN/nft-tables-before" ]; then
    nft list tables 2>/dev/null | while read -r _ fam name; do
      grep -qx "table $fam $name" "$RUN/nft-tables-before" && continue
      ipt=iptables; [ "$fam" = ip6 ] && ipt=ip6tables
      [ "$fam" = ip ] || [ "$fam" = ip6 ] || continue
      $ipt-save -t "$name" 2>/dev/null | grep -q '^-A' || nft delete table "$fam" "$name" 2>/dev/null || true
    done
  fi
  tac "$RUN/undo" | while read -r kind a b c; do
    case $kind in
      chain) iptables -D FORWARD -j "$a" 2>/dev/null || true; iptables -F "$a" 2>/dev/null || true; iptables -X "$a" 2>/dev/null || true ;;
      route) if [ "$a" = blackhole ]; then ip route del blackhole "$b" 2>/dev/null || true; else ip route del "$a" 2>/dev/null || true; fi ;;
      link) ip link del "$a" 2>/dev/null || true ;;
      sysctl) sysctl -qw "$a=$b" || true ;;
      dir) rm -rf --one-file-system "$a" ;;
    esac
  done
  # veths left by killed sandboxes go with their namespaces; any still on the bridge went with it.
  rm -rf "$RUN"
  say "stopped and cleaned up in $(( $(date +%s) - t0 )) s"
}

case ${1:-} in
  up) mkdir -p "$RUN"; base_images; up ;;
  down) down ;;
  env) echo "export KUBECONFIG=$RUN/pki/admin.kubeconfig PATH=$K8S:\$PATH" ;;
  *) echo "usage: $0 up|down|env" >&2; exit 2 ;;
esac
