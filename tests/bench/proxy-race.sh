#!/usr/bin/env bash
# One run, one machine: the same three BackendServer replicas behind, in turn, our gateway, nginx
# (hash $http_x_request_id consistent, upstream keep-alive), HAProxy (balance hdr(X-Request-Id) + hash-type consistent)
# and no proxy at all (wrk straight to one replica). wrk sends a random 6-digit X-Request-Id per request; every target
# gets the same connections and duration, a warm-up that is not counted, and ROUNDS measured runs, interleaved.
# Prints requests/s, p50 and p99 per target and the ratios, and writes docs/benchmarks.md.
# Usage: tests/bench/proxy-race.sh   (env: ROUNDS=3 DURATION=8s CONNECTIONS=32 THREADS=1)
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=${ROUNDS:-3}; duration=${DURATION:-8s}; connections=${CONNECTIONS:-32}; threads=${THREADS:-1}
for tool in wrk nginx haproxy curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run tests/setup.sh" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

dotnet build Silo/Silo.csproj -c Release --nologo -v q -clp:ErrorsOnly
dotnet build Gateway/Gateway.csproj -c Release --nologo -v q -clp:ErrorsOnly

gateway_port=18100; nginx_port=18200; haproxy_port=18300
(cd Silo/bin/Release/net10.0 && Cluster__SiloPort=18111 Cluster__GatewayPort=18130 Cluster__PrimarySiloPort=18111 \
  Urls=http://127.0.0.1:18180 Cluster__ClusterId=race Logging__LogLevel__Default=Warning exec dotnet Orleans.LoadBalancer.Silo.dll) \
  >"$work/silo.log" 2>&1 &
pids+=($!)
(cd Gateway/bin/Release/net10.0 && Cluster__GatewayPort=18130 Cluster__ClusterId=race Urls=http://127.0.0.1:$gateway_port \
  Logging__LogLevel__Default=Warning exec dotnet Orleans.LoadBalancer.Gateway.dll) >"$work/gateway.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 120); do
  [ "$(curl -s "http://127.0.0.1:$gateway_port/rep" | python3 -c 'import json,sys; print(json.load(sys.stdin)["message"]["N"])' 2>/dev/null)" = 3 ] && break
  sleep 0.5
done
# The replicas the silo started: nginx and HAProxy get the very same ones.
mapfile -t replicas < <(curl -s "http://127.0.0.1:$gateway_port/replicas" \
  | python3 -c 'import json,sys; [print(r["address"].replace("http://","")) for r in json.load(sys.stdin)["message"]["replicas"]]')
[ ${#replicas[@]} -eq 3 ] || { echo "the cluster did not start"; cat "$work"/*.log; exit 1; }

mkdir -p "$work/nginx"
{
  echo "worker_processes auto; events { worker_connections 4096; }"
  echo "http { access_log off; upstream backends { hash \$http_x_request_id consistent;"
  for r in "${replicas[@]}"; do echo "  server $r;"; done
  echo "  keepalive 64; }"
  echo "  server { listen 127.0.0.1:$nginx_port; location / { proxy_pass http://backends; proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }"
} > "$work/nginx/nginx.conf"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g "daemon off; pid $work/nginx/nginx.pid; error_log $work/nginx/error.log;" &
pids+=($!)

{
  echo "global"; echo "  maxconn 4096"; echo "  nbthread $(nproc)"
  echo "defaults"; echo "  mode http"; echo "  timeout connect 2s"; echo "  timeout client 30s"; echo "  timeout server 30s"; echo "  http-reuse always"
  echo "frontend fe"; echo "  bind 127.0.0.1:$haproxy_port"; echo "  default_backend be"
  echo "backend be"; echo "  balance hdr(X-Request-Id)"; echo "  hash-type consistent"
  i=0; for r in "${replicas[@]}"; do i=$((i + 1)); echo "  server s$i $r"; done
} > "$work/haproxy.cfg"
haproxy -f "$work/haproxy.cfg" -db &
pids+=($!)
sleep 1

declare -A url=(
  [gateway]="http://127.0.0.1:$gateway_port"
  [nginx]="http://127.0.0.1:$nginx_port"
  [haproxy]="http://127.0.0.1:$haproxy_port"
  [direct]="http://${replicas[0]}"
)
targets=(gateway nginx haproxy direct)
script=tests/bench/random-request-id.lua

for target in "${targets[@]}"; do
  curl -sf -H 'X-Request-Id: 123456' "${url[$target]}/home" >/dev/null || { echo "$target does not answer"; exit 1; }
  wrk -t"$threads" -c"$connections" -d3s -s "$script" "${url[$target]}" >/dev/null   # warm-up, not counted
done

for round in $(seq 1 "$rounds"); do
  for target in "${targets[@]}"; do
    echo "round $round: $target" >&2
    wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$script" "${url[$target]}" > "$work/$target-$round.txt"
  done
done

command="ROUNDS=$rounds DURATION=$duration CONNECTIONS=$connections THREADS=$threads tests/bench/proxy-race.sh"
python3 tests/bench/race-report.py "$work" "$rounds" "$command" "${targets[@]}"
