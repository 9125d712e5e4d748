#!/usr/bin/env bash
# Where a proxied request's CPU goes in the gateway: one silo with three replicas, one gateway per upstream client
# (Gateway:UpstreamClient=Sockets and =Lean), started with perf maps; wrk -t1 -c32 with random X-Request-Ids against
# each in turn (ROUNDS interleaved rounds), `perf record -g` on the gateway during each run. Each sample goes to the
# innermost frame of a known part (tests/bench/cpu-breakdown.py); µs per request = samples / frequency / requests.
# PAIRED=1 loads and records all gateways at the same time instead of in turn: on a machine shared with others, both
# then meet the same neighbours, and their figures compare within a round even when the absolute ones swing.
# Usage: tests/bench/cpu-breakdown.sh   (env: ROUNDS=3 DURATION=6 FREQUENCY=1999 CLIENTS="Sockets Lean" PAIRED=0)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-3}; duration=${DURATION:-6}; frequency=${FREQUENCY:-1999}; clients=${CLIENTS:-Sockets Lean}
for tool in wrk perf curl python3; do command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }; done
work=$(mktemp -d); pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

dotnet build Silo/Silo.csproj -c Release --nologo -v q -clp:ErrorsOnly
dotnet build Gateway/Gateway.csproj -c Release --nologo -v q -clp:ErrorsOnly
cluster=(Cluster__SiloPort=18611 Cluster__GatewayPort=18630 Cluster__PrimarySiloPort=18611 Cluster__ClusterId=breakdown Cluster__StateDirectory="$work/state" Logging__LogLevel__Default=Warning)
(cd Silo/bin/Release/net10.0 && exec env "${cluster[@]}" Urls=http://127.0.0.1:18680 dotnet Orleans.LoadBalancer.Silo.dll) >"$work/silo.log" 2>&1 &
pids+=($!)
declare -A pid=() url=()
port=18600
for client in $clients; do
  (cd Gateway/bin/Release/net10.0 && exec env "${cluster[@]}" Urls=http://127.0.0.1:$port Gateway__UpstreamClient=$client \
    DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 dotnet Orleans.LoadBalancer.Gateway.dll) >"$work/$client.log" 2>&1 &
  pids+=($!); pid[$client]=$!; url[$client]=http://127.0.0.1:$port; port=$((port + 1))
done
for client in $clients; do
  for _ in $(seq 1 120); do curl -s "${url[$client]}/rep" 2>/dev/null | grep -q '"N": 3' && break; sleep 0.5; done
  wrk -t1 -c32 -d5s -s tests/bench/random-request-id.lua "${url[$client]}/home" >/dev/null   # warm-up and tiering
done
measure() {  # client round: wrk and perf on one gateway; the report afterwards
  local client=$1 round=$2
  wrk -t1 -c32 -d"$((duration + 2))"s -s tests/bench/random-request-id.lua "${url[$client]}/home" >"$work/$client-$round.wrk" &
  local load=$!
  sleep 1
  perf record -q -F "$frequency" -g -p "${pid[$client]}" -o "$work/$client-$round.data" -- sleep "$duration" 2>/dev/null
  wait $load
}
report() {
  local client=$1 round=$2 rps
  rps=$(awk '/Requests\/sec/{print $2}' "$work/$client-$round.wrk")
  perf script -i "$work/$client-$round.data" 2>/dev/null \
    | python3 tests/bench/cpu-breakdown.py "$client round $round ($rps requests/s)" --requests "$(python3 -c "print(int($rps * $duration))")" --frequency "$frequency"
}
for round in $(seq 1 "$rounds"); do
  if [ "${PAIRED:-0}" = 1 ]; then
    measures=()
    for client in $clients; do measure "$client" "$round" & measures+=($!); done
    wait "${measures[@]}"
  else
    for client in $clients; do measure "$client" "$round"; done
  fi
  for client in $clients; do report "$client" "$round"; done
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
done
