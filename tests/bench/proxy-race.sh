#!/usr/bin/env bash
# One run, one machine: the same three BackendServer replicas behind, in turn, our gateway, nginx
# (hash $http_x_request_id consistent, upstream keep-alive), HAProxy (balance hdr(X-Request-Id) + hash-type consistent)
# and no proxy at all (wrk straight to one replica); and, for scale, the gateway answering /rep itself. wrk sends a
# random 6-digit X-Request-Id per request; every target gets the same connections and duration, a warm-up that is not
# counted, and ROUNDS measured runs, interleaved with the order rotated each round. Prints requests/s, p50, p99 and
# CPU per request for each target and the ratios (the median of each round's ratio), and writes its section of
# docs/benchmarks.md.
#
# Usage: tests/bench/proxy-race.sh
#   env: ROUNDS=5 DURATION=8s CONNECTIONS=32 THREADS=1
#        WARMUP=3s                               each target's warm-up before the rounds (a freshly started gateway
#                                                compiles its hot path under load for tens of seconds on 2 cores)
#        VARIANTS="name:VAR=value,VAR=value;…"  more gateways from this build, each with its own settings
#        BASELINE=REV                            one more gateway built from git revision REV ("gateway@REV")
#        SECTION="…"                             the docs/benchmarks.md section to write ("" writes none)
#        SYSCALLS=1                              also count system calls per request of each proxy (strace -c)
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=${ROUNDS:-5}; duration=${DURATION:-8s}; connections=${CONNECTIONS:-32}; threads=${THREADS:-1}; warmup=${WARMUP:-3s}
section=${SECTION-Proxy race: gateway vs nginx vs HAProxy}
for tool in wrk nginx haproxy curl python3 git; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run tests/setup.sh" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -d "$work/baseline" ] && git worktree remove --force "$work/baseline" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

dotnet build Silo/Silo.csproj -c Release --nologo -v q -clp:ErrorsOnly
dotnet build Gateway/Gateway.csproj -c Release --nologo -v q -clp:ErrorsOnly
if [ -n "${BASELINE:-}" ]; then
  git worktree add --detach "$work/baseline" "$BASELINE" >/dev/null
  dotnet build "$work/baseline/Gateway/Gateway.csproj" -c Release --nologo -v q -clp:ErrorsOnly
fi

cluster=(Cluster__SiloPort=18111 Cluster__GatewayPort=18130 Cluster__PrimarySiloPort=18111 Cluster__ClusterId=race Cluster__StateDirectory="$work/state")
(cd Silo/bin/Release/net10.0 && exec env "${cluster[@]}" Urls=http://127.0.0.1:18180 Logging__LogLevel__Default=Warning \
  dotnet Orleans.LoadBalancer.Silo.dll) >"$work/silo.log" 2>&1 &
pids+=($!)

declare -A url=() pid=() path=()
targets=()
port=18100
start_gateway() {  # name folder [VAR=value …]
  local name=$1 folder=$2; shift 2
  (cd "$folder" && exec env "${cluster[@]}" Urls=http://127.0.0.1:$port Logging__LogLevel__Default=Warning "$@" \
    dotnet Orleans.LoadBalancer.Gateway.dll) >"$work/$name.log" 2>&1 &
  pids+=($!); pid[$name]=$!
  url[$name]="http://127.0.0.1:$port"; targets+=("$name"); port=$((port + 1))
}
start_gateway gateway Gateway/bin/Release/net10.0
IFS=';' read -ra variants <<<"${VARIANTS:-}"
for variant in "${variants[@]}"; do
  [ -n "$variant" ] || continue
  IFS=',' read -ra settings <<<"${variant#*:}"
  start_gateway "${variant%%:*}" Gateway/bin/Release/net10.0 "${settings[@]}"
done
[ -n "${BASELINE:-}" ] && start_gateway "gateway@$BASELINE" "$work/baseline/Gateway/bin/Release/net10.0"

for target in "${targets[@]}"; do
  for _ in $(seq 1 120); do
    [ "$(curl -s "${url[$target]}/rep" | python3 -c 'import json,sys; print(json.load(sys.stdin)["message"]["N"])' 2>/dev/null)" = 3 ] && break
    sleep 0.5
  done
done
# The replicas the silo started: nginx and HAProxy get the very same ones.
mapfile -t replicas < <(curl -s "${url[gateway]}/replicas" \
  | python3 -c 'import json,sys; [print(r["address"].replace("http://","")) for r in json.load(sys.stdin)["message"]["replicas"]]')
[ ${#replicas[@]} -eq 3 ] || { echo "the cluster did not start"; cat "$work"/*.log; exit 1; }

nginx_port=18200; haproxy_port=18300
mkdir -p "$work/nginx"
{
  echo "worker_processes auto; events { worker_connections 4096; }"
  echo "http { access_log off; keepalive_requests 1000000; keepalive_timeout 300s;"
  echo "  upstream backends { hash \$http_x_request_id consistent;"
  for r in "${replicas[@]}"; do echo "    server $r;"; done
  echo "    keepalive 64; keepalive_requests 1000000; keepalive_timeout 300s; }"
  echo "  server { listen 127.0.0.1:$nginx_port; location / { proxy_pass http://backends; proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }"
} > "$work/nginx/nginx.conf"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g "daemon off; pid $work/nginx/nginx.pid; error_log $work/nginx/error.log;" &
pids+=($!); pid[nginx]=$!

{
  echo "global"; echo "  maxconn 4096"; echo "  nbthread $(nproc)"
  echo "defaults"; echo "  mode http"; echo "  timeout connect 2s"; echo "  timeout client 30s"; echo "  timeout server 30s"; echo "  http-reuse always"
  echo "frontend fe"; echo "  bind 127.0.0.1:$haproxy_port"; echo "  default_backend be"
  echo "backend be"; echo "  balance hdr(X-Request-Id)"; echo "  hash-type consistent"
  i=0; for r in "${replicas[@]}"; do i=$((i + 1)); echo "  server s$i $r"; done
} > "$work/haproxy.cfg"
haproxy -f "$work/haproxy.cfg" -db &
pids+=($!); pid[haproxy]=$!
sleep 1

url[nginx]="http://127.0.0.1:$nginx_port"; url[haproxy]="http://127.0.0.1:$haproxy_port"; url[direct]="http://${replicas[0]}"
# Direct, the CPU column is the replica's own: what Kestrel alone spends to serve the request.
pid[direct]=$(ss -Hltnp "sport = :${replicas[0]##*:}" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
targets+=(nginx haproxy direct)
# The gateway answering a request itself (/rep, from its ring snapshot), no proxying: what its Kestrel side costs alone.
url[gateway-itself]=${url[gateway]}; pid[gateway-itself]=${pid[gateway]}; path[gateway-itself]=/rep
targets+=(gateway-itself)
script=tests/bench/random-request-id.lua

# CPU time of a process and its children, in clock ticks: "user system", the proxy's own cost of a run.
cpu_ticks() {
  local user=0 system=0 p
  [ -n "$1" ] || { echo "0 0"; return; }
  for p in $1 $(pgrep -P "$1"); do
    if [ -r "/proc/$p/stat" ]; then
      read -r u s < <(awk '{print $14, $15}' "/proc/$p/stat")
      user=$((user + u)); system=$((system + s))
    fi
  done
  echo "$user $system"
}

for target in "${targets[@]}"; do
  curl -sf -H 'X-Request-Id: 123456' "${url[$target]}/home" >/dev/null || { echo "$target does not answer"; exit 1; }
  wrk -t"$threads" -c"$connections" -d"$warmup" -s "$script" "${url[$target]}${path[$target]:-/home}" >/dev/null   # warm-up, not counted
done

for round in $(seq 1 "$rounds"); do
  # Rotate the order, so no target always runs right after the same neighbour.
  shift_by=$(( (round - 1) % ${#targets[@]} ))
  for target in "${targets[@]:$shift_by}" "${targets[@]:0:$shift_by}"; do
    echo "round $round: $target" >&2
    read -r user system < <(cpu_ticks "${pid[$target]:-}")
    wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$script" "${url[$target]}${path[$target]:-/home}" > "$work/$target-$round.txt"
    read -r user_after system_after < <(cpu_ticks "${pid[$target]:-}")
    echo "cpu ticks: user $((user_after - user)) system $((system_after - system)) of $(getconf CLK_TCK)" >> "$work/$target-$round.txt"
  done
done

# SYSCALLS=1: one more run per proxy under strace -c (all its threads and worker processes), for system calls per
# request. strace slows every call, so these runs' throughput is not a figure; the counts per request are.
if [ "${SYSCALLS:-0}" = 1 ]; then
  command -v strace >/dev/null || { echo "SYSCALLS=1 needs strace, which tests/setup.sh does not install: apt-get install strace" >&2; exit 1; }
  for target in "${targets[@]}"; do
    [ "$target" = direct ] || [ "$target" = gateway-itself ] && continue
    attach=(); for p in ${pid[$target]} $(pgrep -P "${pid[$target]}"); do attach+=(-p "$p"); done
    strace -c -f -o "$work/$target.strace" "${attach[@]}" & tracer=$!
    sleep 1
    wrk -t"$threads" -c"$connections" -d4s -s "$script" "${url[$target]}/home" > "$work/$target-strace.wrk"
    kill -INT "$tracer"; wait "$tracer" 2>/dev/null || true
    requests=$(awk '/requests in/{print $1}' "$work/$target-strace.wrk")
    python3 - "$work/$target.strace" "$requests" "$target" <<'PY'
import sys
path, requests, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = []
for line in open(path):
    parts = line.split()
    if len(parts) >= 5 and parts[0].replace('.', '').isdigit() and parts[-1] not in ('total',):
        calls = int(parts[3]); rows.append((calls, parts[-1]))
total = sum(c for c, _ in rows)
top = ", ".join(f"{name} {calls / requests:.2f}" for calls, name in sorted(rows, reverse=True)[:6])
print(f"syscalls per request, {target}: {total / requests:.2f} ({top}; {requests} requests)")
PY
  done
fi

command="ROUNDS=$rounds DURATION=$duration CONNECTIONS=$connections THREADS=$threads"
[ "$warmup" = 3s ] || command+=" WARMUP=$warmup"
[ -n "${VARIANTS:-}" ] && command+=" VARIANTS='$VARIANTS'"
[ -n "${BASELINE:-}" ] && command+=" BASELINE=$BASELINE"
[ "$section" = "Proxy race: gateway vs nginx vs HAProxy" ] || command+=" SECTION='$section'"
python3 tests/bench/race-report.py "$work" "$rounds" "$command tests/bench/proxy-race.sh" "$section" "${targets[@]}"
