#!/bin/bash
# java with the broker's jars, as the distribution's script runs it (heap, JVM and log options).
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true} \
  ${KAFKA_OPTS:-} "-Dlog4j2.configurationFile=${KAFKA_LOG4J_OPTS_FILE:-/etc/kafka/docker/tools-log4j2.yaml}" \
  -cp '/opt/kafka/libs/*' "$@"
