#!/usr/bin/env bash
# npm run test:images
#
# Builds every image with podman (one at a time: they share the `npm ci` layer, and the
# machine is small), checks each image (non-root user, health check, no dev dependencies,
# every module the bundle requires is installed), records the sizes, then starts the whole
# platform from the images on loopback, as the chart runs it (read-only root, /tmp tmpfs,
# no capabilities, no privilege escalation), against Kafka and MongoDB/FerretDB:
#   KAFKA_BROKERS / MONGO_URL when set, else the project's launcher (scripts/infra) starts a
#   broker and FerretDB of its own on free loopback ports and stops them at the end.
# It checks every health, liveness and metrics endpoint and podman's HEALTHCHECK, the web
# client's static serving and SPA fallback, and walks the protocol end to end
# (scripts/images/smoke.mjs: register, sockets, a message from one user to another).
#
# Environment: IMAGE_TAG (default test), SKIP_BUILD=1 (reuse built images), SKIP_RUN=1
# (build and inspect only), KEEP=1 (leave the containers running), BUILD_CONTEXT (default
# the repository root; another checkout to build from).
# Ends with the line `N passed, N failed`.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
TAG=${IMAGE_TAG:-test}
CONTEXT=${BUILD_CONTEXT:-$ROOT}
OUT=$ROOT/.cache/images
mkdir -p "$OUT"
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { local name=$1; shift; if "$@" >>"$OUT/checks.log" 2>&1; then ok "$name"; else bad "$name"; fi; }
finish() { echo; echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; exit $?; }

SERVICES=(gateway auth users messaging presence media)
declare -A PORT=([gateway]=8080 [auth]=3101 [users]=3102 [messaging]=3103 [presence]=3104 [media]=3105)
declare -A READY=([gateway]=/api/v1/health [auth]=/health [users]=/health [messaging]=/health [presence]=/health [media]=/health)
dockerfile() { if [ "$1" = web ]; then echo frontend/Dockerfile; else echo services/Dockerfile; fi; }
# The one services/Dockerfile is chosen per service by its build arguments.
build_args() { [ "$1" = web ] || echo "--build-arg SERVICE=$1 --build-arg PORT=${PORT[$1]} --build-arg HEALTH_PATH=${READY[$1]}"; }

if ! bash scripts/images/podman-setup.sh >"$OUT/podman-setup.log" 2>&1; then
  bad "podman and the base images are set up (see $OUT/podman-setup.log)"
  finish
fi
# shellcheck disable=SC1091
source "$ROOT/.cache/podman/env"
: >"$OUT/checks.log"

# ---- build --------------------------------------------------------------------------
: >"$OUT/sizes.txt"
for name in "${SERVICES[@]}" web; do
  image=chat-$name:$TAG
  if [ "${SKIP_BUILD:-0}" != 1 ] || ! podman image exists "$image"; then
    start=$(date +%s)
    if podman build --pull=never --format docker -f "$CONTEXT/$(dockerfile "$name")" $(build_args "$name") -t "$image" "$CONTEXT" >"$OUT/build-$name.log" 2>&1; then
      ok "image $image builds ($(( $(date +%s) - start )) s)"
    else
      bad "image $image builds (see $OUT/build-$name.log)"
      tail -20 "$OUT/build-$name.log"
      continue
    fi
  fi
  bytes=$(podman image inspect --format '{{.Size}}' "$image")
  printf '%-22s %6d MB\n' "$image" $((bytes / 1000000)) | tee -a "$OUT/sizes.txt"
  user=$(podman image inspect --format '{{.User}}' "$image")
  check "$image runs as a non-root user ($user)" test -n "$user" -a "$user" != root -a "$user" != 0
  check "$image has a HEALTHCHECK" sh -c "podman image inspect --format '{{json .HealthCheck}}' $image | grep -q Test"
  if [ "$name" != web ]; then
    check "$image holds production dependencies only" podman run --rm --entrypoint sh "$image" -c \
      'test -f main.js && for d in typescript webpack nx @nx jest @angular/core eslint; do test ! -e node_modules/$d || { echo "dev dependency $d"; exit 1; }; done'
    # Every module the bundle loads must resolve inside the image (a dependency that only
    # happened to be in the workspace's node_modules would fail here, not in production).
    check "$image resolves every module main.js requires" podman run --rm --entrypoint node "$image" -e '
      const src = require("fs").readFileSync("main.js", "utf8");
      const mods = [...new Set([...src.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))].filter((m) => !m.startsWith("."));
      const missing = mods.filter((m) => { try { require.resolve(m); return false; } catch { return true; } });
      if (missing.length) { console.error("missing:", missing.join(" ")); process.exit(1); }
      console.log(mods.length, "modules resolve");'
  fi
done

[ "${SKIP_RUN:-0}" = 1 ] && finish

# ---- run ----------------------------------------------------------------------------
CONTAINERS=()
INFRA_PID=
cleanup() {
  if [ "${KEEP:-0}" != 1 ]; then
    for c in "${CONTAINERS[@]}"; do podman rm -f -t 5 "$c" >/dev/null 2>&1; done
  fi
  if [ -n "$INFRA_PID" ]; then kill -TERM "$INFRA_PID" 2>/dev/null; wait "$INFRA_PID" 2>/dev/null; fi
}
trap cleanup EXIT

# As Docker does (--retries=3): healthy when one of three runs passes. The check starts a
# node process, which can take seconds on a loaded machine.
healthy() { local i; for i in 1 2 3; do podman healthcheck run "$1" && return 0; sleep 2; done; return 1; }
freeport() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

if [ -z "${KAFKA_BROKERS:-}" ] || [ -z "${MONGO_URL:-}" ] || [ -z "${S3_ENDPOINT:-}" ]; then
  kp=$(freeport); cp=$(freeport); mp=$(freeport)
  # SeaweedFS takes its S3 port and the next 7.
  node scripts/infra/index.mjs --profile images --kafka-port "$kp" --controller-port "$cp" --mongo-port "$mp" --s3-port 48333 >"$OUT/infra.log" 2>&1 &
  INFRA_PID=$!
  for _ in $(seq 1 180); do
    grep -q '^S3_SECRET_ACCESS_KEY=' "$OUT/infra.log" && break
    kill -0 "$INFRA_PID" 2>/dev/null || break
    sleep 1
  done
  KAFKA_BROKERS=$(sed -n 's/^KAFKA_BROKERS=//p' "$OUT/infra.log")
  MONGO_URL=$(sed -n 's/^MONGO_URL=//p' "$OUT/infra.log")
  S3_ENDPOINT=$(sed -n 's/^S3_ENDPOINT=//p' "$OUT/infra.log")
  S3_ACCESS_KEY_ID=$(sed -n 's/^S3_ACCESS_KEY_ID=//p' "$OUT/infra.log")
  S3_SECRET_ACCESS_KEY=$(sed -n 's/^S3_SECRET_ACCESS_KEY=//p' "$OUT/infra.log")
  if [ -z "$KAFKA_BROKERS" ] || [ -z "$MONGO_URL" ]; then
    bad "the launcher starts Kafka and FerretDB (see $OUT/infra.log)"
    finish
  fi
  ok "the launcher started Kafka ($KAFKA_BROKERS) and FerretDB"
fi

# Own topics and database, so a shared broker or database is not disturbed.
RUN_ID=img$(date +%s)
JWT=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')
MEDIA_SECRET=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')
# Ports free on this machine (other platforms may run on the defaults).
declare -A HOSTPORT
for name in "${SERVICES[@]}"; do HOSTPORT[$name]=$(freeport); done
WEBPORT=$(freeport)

# As the chart runs them: read-only root, a tmpfs /tmp, no capabilities, no escalation.
HARDEN=(--read-only --tmpfs /tmp:rw,size=64m --cap-drop ALL --security-opt no-new-privileges)
for name in "${SERVICES[@]}"; do
  c=chat-img-$name-$RUN_ID
  env=(-e HOST=127.0.0.1 -e "PORT=${HOSTPORT[$name]}" -e "KAFKA_BROKERS=$KAFKA_BROKERS" -e "KAFKA_NAMESPACE=$RUN_ID"
       -e "MONGO_URL=$MONGO_URL" -e "MONGO_DB=$RUN_ID" -e "INSTANCE_ID=$c" -e LOG_LEVEL=info -e RATE_LIMITS=off)
  [ "$name" = gateway ] || [ "$name" = auth ] && env+=(-e "JWT_SECRET=$JWT")
  [ "$name" = gateway ] || [ "$name" = messaging ] || [ "$name" = media ] && env+=(-e "MEDIA_URL_SECRET=$MEDIA_SECRET")
  [ "$name" = gateway ] && env+=(-e "MEDIA_URL=http://127.0.0.1:${HOSTPORT[media]}")
  [ "$name" = media ] && env+=(-e "S3_ENDPOINT=$S3_ENDPOINT" -e "S3_ACCESS_KEY_ID=$S3_ACCESS_KEY_ID" -e "S3_SECRET_ACCESS_KEY=$S3_SECRET_ACCESS_KEY" -e "S3_BUCKET=chat-$RUN_ID")
  if podman run -d --name "$c" --network host "${HARDEN[@]}" "${env[@]}" "chat-$name:$TAG" >/dev/null 2>"$OUT/run-$name.err"; then
    CONTAINERS+=("$c")
  else
    bad "container $c starts ($(cat "$OUT/run-$name.err"))"
  fi
done
c=chat-img-web-$RUN_ID
if podman run -d --name "$c" -p "127.0.0.1:$WEBPORT:8080" "${HARDEN[@]}" "chat-web:$TAG" >/dev/null 2>"$OUT/run-web.err"; then
  CONTAINERS+=("$c")
else
  bad "container $c starts ($(cat "$OUT/run-web.err"))"
fi

status() { node -e 'fetch(process.argv[1],{signal:AbortSignal.timeout(3000)}).then(r=>console.log(r.status),()=>console.log(0))' "$1"; }
waitfor() { # url, seconds: until it answers 200
  local i; for i in $(seq 1 "$2"); do [ "$(status "$1")" = 200 ] && return 0; sleep 1; done; return 1; }

for name in "${SERVICES[@]}"; do
  c=chat-img-$name-$RUN_ID
  base=http://127.0.0.1:${HOSTPORT[$name]}
  live=${READY[$name]}/live
  if waitfor "$base${READY[$name]}" 120; then
    ok "$name from its image is ready ($base${READY[$name]} 200)"
  else
    bad "$name from its image is ready ($base${READY[$name]}); last log lines:"
    podman logs --tail 15 "$c" 2>&1 | sed 's/^/#   /'
    continue
  fi
  check "$name liveness $live answers 200" test "$(status "$base$live")" = 200
  check "$name serves Prometheus metrics at /metrics" sh -c "node -e 'fetch(process.argv[1]).then(r=>r.text()).then(t=>process.exit(/^# (HELP|TYPE) /m.test(t)?0:1),()=>process.exit(1))' $base/metrics"
  check "$name HEALTHCHECK (node fetch) reports healthy" healthy "$c"
done

wbase=http://127.0.0.1:$WEBPORT
if waitfor "$wbase/healthz" 30; then
  ok "web client from its image answers /healthz"
  check "web client serves index.html at /" sh -c "node -e 'fetch(process.argv[1]).then(r=>r.text()).then(t=>process.exit(/<html/i.test(t)?0:1),()=>process.exit(1))' $wbase/"
  check "web client falls back to index.html for a client route" sh -c "node -e 'fetch(process.argv[1]).then(async r=>process.exit(r.status===200&&/<html/i.test(await r.text())?0:1),()=>process.exit(1))' $wbase/conversations/some-id"
  check "web client serves hashed bundles as immutable" sh -c "node -e '
    (async () => { const html = await (await fetch(process.argv[1] + \"/\")).text();
      const js = html.match(/src=\"([^\"]+\\.js)\"/)[1];
      const r = await fetch(process.argv[1] + \"/\" + js.replace(/^\\//, \"\"));
      process.exit(r.status === 200 && /immutable/.test(r.headers.get(\"cache-control\")) ? 0 : 1); })().catch(() => process.exit(1))' $wbase"
  check "web client answers 404 for a missing asset" test "$(status "$wbase/missing-file.js")" = 404
  check "web client HEALTHCHECK (wget) reports healthy" healthy "chat-img-web-$RUN_ID"
else
  bad "web client from its image answers /healthz"
  podman logs --tail 15 "chat-img-web-$RUN_ID" 2>&1 | sed 's/^/#   /'
fi

# The protocol end to end through the containers.
if node scripts/images/smoke.mjs "http://127.0.0.1:${HOSTPORT[gateway]}" >"$OUT/smoke.log" 2>&1; then
  sed 's/^/  /' "$OUT/smoke.log"
  ok "protocol walk through the images (register, sockets, direct message, push, history)"
else
  sed 's/^/  /' "$OUT/smoke.log"
  bad "protocol walk through the images (see above)"
  for name in "${SERVICES[@]}"; do podman logs --tail 5 "chat-img-$name-$RUN_ID" 2>&1 | sed "s/^/#   $name: /"; done
fi

echo
echo "# image sizes (podman image inspect .Size):"
sed 's/^/#   /' "$OUT/sizes.txt"
finish
