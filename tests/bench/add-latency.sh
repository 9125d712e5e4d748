#!/usr/bin/env bash
# Time from POST /add {"n":1} to the new replica serving its first routed request, median of RUNS (default 10),
# on the local-process runtime or the Docker runtime. Usage: tests/bench/add-latency.sh process|docker
set -euo pipefail
cd "$(dirname "$0")/../.."
runtime=${1:-process}; runs=${RUNS:-10}
work=$(mktemp -d); pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true
  if [ "$runtime" = docker ]; then
    docker ps -aq --filter label=orleans-lb.cluster=bench | xargs -r docker rm -f >/dev/null
    docker network rm orleans-lb-bench >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

dotnet build Silo/Silo.csproj -c Release --nologo -v q -clp:ErrorsOnly
dotnet build Gateway/Gateway.csproj -c Release --nologo -v q -clp:ErrorsOnly
[ "$runtime" = docker ] && bash deploy/build-images.sh backend >/dev/null
env=(Cluster__ClusterId=bench Cluster__SiloPort=18411 Cluster__PrimarySiloPort=18411 Cluster__GatewayPort=18430 Cluster__StateDirectory="$work/state" Logging__LogLevel__Default=Warning)
[ "$runtime" = docker ] && env+=(Replicas__Runtime=Docker Replicas__Docker__ClusterId=bench Replicas__Docker__Network=orleans-lb-bench)
(cd Silo/bin/Release/net10.0 && exec env "${env[@]}" Urls=http://127.0.0.1:18480 dotnet Orleans.LoadBalancer.Silo.dll) >"$work/silo.log" 2>&1 &
pids+=($!)
(cd Gateway/bin/Release/net10.0 && exec env "${env[@]}" Urls=http://127.0.0.1:18400 dotnet Orleans.LoadBalancer.Gateway.dll) >"$work/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  curl -s http://127.0.0.1:18400/rep 2>/dev/null | grep -q '"N": 3' && break; sleep 0.5
done
echo "$runtime runtime:"
python3 tests/bench/add-latency.py http://127.0.0.1:18400 "$runs" "$runtime"
