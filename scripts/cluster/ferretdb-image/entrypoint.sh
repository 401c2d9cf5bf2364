#!/bin/sh
# mongo's root-user variables -> FerretDB's setup user; without them, no authentication.
set -e
if [ -n "${MONGO_INITDB_ROOT_USERNAME:-}" ]; then
  export FERRETDB_TEST_ENABLE_NEW_AUTH=true FERRETDB_SETUP_DATABASE=admin \
    FERRETDB_SETUP_USERNAME="$MONGO_INITDB_ROOT_USERNAME" FERRETDB_SETUP_PASSWORD="$MONGO_INITDB_ROOT_PASSWORD"
fi
exec /usr/local/bin/ferretdb --handler=sqlite --sqlite-url=file:/data/db/ --state-dir=/data/db \
  --listen-addr=:27017 --debug-addr=- --telemetry=disable --log-level=warn "$@"
