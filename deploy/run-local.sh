#!/usr/bin/env bash
# Starts the whole system on the embedded default: one silo (in-memory state) that spawns three
# BackendServer replicas as local processes, and the gateway on http://127.0.0.1:5000.
# Runs in the foreground; Ctrl+C stops all of it.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/processes.sh

start silo
# The gateway waits for the silo on its own; starting it right away is fine.
start gateway
echo "Gateway: http://127.0.0.1:5000 (try: curl http://127.0.0.1:5000/rep). Ctrl+C stops everything."
wait_any
