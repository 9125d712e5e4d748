#!/usr/bin/env bash
# Starts the whole system on the embedded default: one silo (in-memory state) that spawns three
# BackendServer replicas as local processes, and the gateway on http://127.0.0.1:5000.
# Runs in the foreground as a supervisor: a process that dies is started again (the replicas outlive a silo that
# dies, and the restarted silo adopts them); Ctrl+C or SIGTERM stops everything, replicas included;
# `kill -USR2 <pid of this script>` replaces the gateway without refusing a connection.
# Ports: GATEWAY_PORT (5000), SILO_PORT (11111), SILO_GATEWAY_PORT (30000), SILO_HTTP_PORT (8080); CLUSTER_ID (orleans-lb).
set -uo pipefail
cd "$(dirname "$0")/.."
source deploy/processes.sh

gateway_port=${GATEWAY_PORT:-5000}
silo_port=${SILO_PORT:-11111}
cluster=(Cluster__ClusterId="${CLUSTER_ID:-orleans-lb}" Cluster__SiloPort="$silo_port" Cluster__PrimarySiloPort="$silo_port"
  Cluster__GatewayPort="${SILO_GATEWAY_PORT:-30000}")

service silo silo 0 "${cluster[@]}" Urls="http://127.0.0.1:${SILO_HTTP_PORT:-8080}"
# The gateway waits for the silo on its own; starting it right away is fine.
service gateway gateway "$gateway_port" "${cluster[@]}" Urls="http://127.0.0.1:$gateway_port"
echo "Starting the silo, its three replicas and the gateway on http://127.0.0.1:$gateway_port …" >&2
ready_message "Gateway: http://127.0.0.1:$gateway_port (try: curl http://127.0.0.1:$gateway_port/rep). Ctrl+C stops everything."
supervise
