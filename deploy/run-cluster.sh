#!/usr/bin/env bash
# A local scale-out cluster on 127.0.0.1: Redis (clustering and ring storage), 3 silos and 2 gateways
# (http://127.0.0.1:5000 and :5001). Replicas run detached, so they outlive any one silo.
# Runs in the foreground as a supervisor: a process that dies is started again, the others keep running; Ctrl+C or
# SIGTERM stops the silos and gateways (the replicas keep running, as they would in production, and the next start
# adopts them); `kill -USR2 <pid of this script>` replaces both gateways, one after the other, without refusing a connection.
#
#   deploy/run-cluster.sh                   start the cluster (CLUSTER_ID, default orleans-lb-local; REDIS_PORT, default 6379;
#                                           first ports: GATEWAY_PORT 5000, SILO_PORT 11111, SILO_GATEWAY_PORT 30000, SILO_HTTP_PORT 8080)
#   deploy/run-cluster.sh --stop-replicas   stop the cluster's detached replicas (run it with the cluster stopped)
set -uo pipefail
cd "$(dirname "$0")/.."

cluster_id=${CLUSTER_ID:-orleans-lb-local}
redis_port=${REDIS_PORT:-6379}

# Where the silos register detached replicas (Replicas:Process:StateDirectory, by default under the temp directory).
registry=${Replicas__Process__StateDirectory:-${TMPDIR:-/tmp}/orleans-lb/replicas}/$cluster_id

stop_replicas() {
  local stopped=0 file pid address
  shopt -s nullglob
  for file in "$registry"/*.json "$registry"/spares/*.json; do
    pid=$(basename "$file" .json)
    address=$(grep -o '"Address":"[^"]*"' "$file" | cut -d'"' -f4 || true)
    # Only the process registered there: a process id may have been reused since.
    if [ -n "$address" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$address"; then
      kill "$pid" 2>/dev/null && stopped=$((stopped + 1))
    fi
    rm -f "$file"
  done
  echo "stopped $stopped replicas of cluster $cluster_id"
}

case "${1:-}" in
  --stop-replicas) stop_replicas; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--stop-replicas]" >&2; exit 2 ;;
esac

for tool in redis-server redis-cli; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$tool is not installed: install Redis (Debian: apt-get install redis-server; tests/setup.sh does it)" >&2
    exit 1
  fi
done

cluster=(Cluster__Provider=Redis Cluster__ClusterId="$cluster_id" Cluster__RedisConnectionString="127.0.0.1:$redis_port,abortConnect=false")
if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir /tmp --appendonly yes --daemonize yes
fi

source deploy/processes.sh
gateway_port=${GATEWAY_PORT:-5000} silo_port=${SILO_PORT:-11111} silo_gateway_port=${SILO_GATEWAY_PORT:-30000} silo_http_port=${SILO_HTTP_PORT:-8080}
for i in 0 1 2; do
  service "silo$((i + 1))" silo 0 "${cluster[@]}" Cluster__SiloPort=$((silo_port + i)) Cluster__GatewayPort=$((silo_gateway_port + i)) \
    Urls="http://127.0.0.1:$((silo_http_port + i))"
done
for i in 0 1; do
  service "gateway$((i + 1))" gateway $((gateway_port + i)) "${cluster[@]}" Urls="http://127.0.0.1:$((gateway_port + i))"
done
ready_message "Gateways: http://127.0.0.1:$gateway_port and http://127.0.0.1:$((gateway_port + 1)); dashboards: http://127.0.0.1:$silo_http_port/dashboard/ (…$((silo_http_port + 2)))."
echo "Replicas keep running after Ctrl+C; stop them with: $0 --stop-replicas"
supervise
