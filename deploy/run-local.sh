#!/usr/bin/env bash
# Starts the whole system on the embedded default: one silo (in-memory state) that spawns three
# BackendServer replicas as local processes, and the gateway on http://127.0.0.1:5000.
# Runs in the foreground; Ctrl+C stops all of it.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet build Gateway/Gateway.csproj -c Release --nologo -v q -clp:ErrorsOnly
dotnet build Silo/Silo.csproj -c Release --nologo -v q -clp:ErrorsOnly

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

(cd Silo/bin/Release/net10.0 && exec dotnet Orleans.LoadBalancer.Silo.dll) &
pids+=($!)
# The gateway waits for the silo on its own; starting it right away is fine.
(cd Gateway/bin/Release/net10.0 && exec dotnet Orleans.LoadBalancer.Gateway.dll) &
pids+=($!)

echo "Gateway: http://127.0.0.1:5000 (try: curl http://127.0.0.1:5000/rep). Ctrl+C stops everything."
wait -n "${pids[@]}"
