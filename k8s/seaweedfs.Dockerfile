# syntax=docker/dockerfile:1
# The in-cluster object store of the chart's trial install (objectStorage without an endpoint):
# the same `weed` binary `npm start` builds from the Go module proxy's source into .cache/bin
# (scripts/infra/seaweedfs.mjs), on a slim Debian base. Build it from that folder:
#   npm run infra -- --provision-only     # builds .cache/bin/weed-<version> once
#   podman build -f k8s/seaweedfs.Dockerfile --build-arg WEED=weed-7506e5f91cd6 -t chat-seaweedfs .cache/bin
# The chart runs it as `weed server -s3` with its access key (helm/templates/seaweedfs.yaml).
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
ARG WEED
COPY ${WEED} /usr/local/bin/weed
RUN test -n "${WEED}" && chmod 0755 /usr/local/bin/weed && mkdir -p /data && chown 1000:1000 /data
USER 1000:1000
EXPOSE 8333
ENTRYPOINT ["/usr/local/bin/weed"]
CMD ["server", "-dir=/data", "-s3"]
