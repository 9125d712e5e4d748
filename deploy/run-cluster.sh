#!/usr/bin/env bash
# A local scale-out cluster on 127.0.0.1: Redis (clustering and ring storage), 3 silos and 2 gateways
# (http://127.0.0.1:5000 and :5001). Replicas run detached, so they outlive any one silo.
# Runs in the foreground; Ctrl+C stops the silos and gateways (the replicas keep running, as they would in production).
set -euo pipefail
cd "$(dirname "$0")/.."

redis_port=${REDIS_PORT:-6379}
cluster=(Cluster__Provider=Redis Cluster__ClusterId="${CLUSTER_ID:-orleans-lb-local}" Cluster__RedisConnectionString="127.0.0.1:$redis_port")
if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir /tmp --appendonly yes --daemonize yes
fi

source deploy/processes.sh
for i in 0 1 2; do
  start silo "${cluster[@]}" Cluster__SiloPort=$((11111 + i)) Cluster__GatewayPort=$((30000 + i)) Urls="http://127.0.0.1:$((8080 + i))"
done
for i in 0 1; do
  start gateway "${cluster[@]}" Urls="http://127.0.0.1:$((5000 + i))"
done
echo "Gateways: http://127.0.0.1:5000 and http://127.0.0.1:5001; dashboards: http://127.0.0.1:8080/dashboard/ (…8082)."
wait_any
