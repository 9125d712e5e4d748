#!/usr/bin/env bash
# A local scale-out cluster on 127.0.0.1: Redis (clustering and ring storage), 3 silos and 2 gateways
# (http://127.0.0.1:5000 and :5001). Replicas run detached, so they outlive any one silo.
# Runs in the foreground; Ctrl+C stops the silos and gateways (and, with --clean, the replicas and Redis data).
set -euo pipefail
cd "$(dirname "$0")/.."

redis_port=${REDIS_PORT:-6379}
cluster_id=${CLUSTER_ID:-orleans-lb-local}

dotnet build Gateway/Gateway.csproj -c Release --nologo -v q -clp:ErrorsOnly
dotnet build Silo/Silo.csproj -c Release --nologo -v q -clp:ErrorsOnly

if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes
fi

export Cluster__Provider=Redis Cluster__ClusterId="$cluster_id" Cluster__RedisConnectionString="127.0.0.1:$redis_port"

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

for i in 0 1 2; do
  (cd Silo/bin/Release/net10.0 && Cluster__SiloPort=$((11111 + i)) Cluster__GatewayPort=$((30000 + i)) \
    Urls="http://127.0.0.1:$((8080 + i))" exec dotnet Orleans.LoadBalancer.Silo.dll) &
  pids+=($!)
done
for i in 0 1; do
  (cd Gateway/bin/Release/net10.0 && Urls="http://127.0.0.1:$((5000 + i))" exec dotnet Orleans.LoadBalancer.Gateway.dll) &
  pids+=($!)
done

echo "Gateways: http://127.0.0.1:5000 and http://127.0.0.1:5001; dashboards: http://127.0.0.1:8080/dashboard (…8082)."
wait -n "${pids[@]}"
