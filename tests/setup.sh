#!/usr/bin/env bash
# Installs and starts what the tests and benchmarks need, idempotently (a second run takes a second or two).
# Runs as root on Debian: docker.io (dockerd), redis-server, prometheus, chromium, nginx, haproxy, wrk, systemd (systemd-analyze verifies the units; nothing is started with it).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(docker.io docker-compose redis-server prometheus chromium nginx haproxy wrk curl procps iproute2 python3 systemd)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The packages may start system services on their default ports; the tests start their own instances.
for service in nginx haproxy prometheus prometheus-node-exporter; do
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl stop "$service" >/dev/null 2>&1 || true
    systemctl disable "$service" >/dev/null 2>&1 || true
  else
    service "$service" stop >/dev/null 2>&1 || true
  fi
done

if ! docker info >/dev/null 2>&1; then
  echo "setup: starting dockerd"
  (dockerd >/var/log/dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "setup: dockerd did not start (see /var/log/dockerd.log)" >&2; exit 1; }
fi
echo "setup: docker $(docker version --format '{{.Server.Version}}')"

if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  echo "setup: starting redis-server on 127.0.0.1:6379"
  redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >/dev/null
  for _ in $(seq 1 20); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.25; done
fi
echo "setup: redis $(redis-cli -p 6379 ping)"

for tool in prometheus promtool chromium nginx haproxy wrk systemd-analyze; do
  command -v "$tool" >/dev/null 2>&1 || { echo "setup: $tool is missing after install" >&2; exit 1; }
done
echo "setup: prometheus, promtool, chromium, nginx, haproxy, wrk and systemd-analyze are installed"

# The replica image for the Docker runtime, built from the local .NET runtime (no registry needed).
bash deploy/build-images.sh
