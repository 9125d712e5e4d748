#!/usr/bin/env bash
# Hot keys: Zipf (s = 1.1) keys over 10,000 keys, 64 connections, requests that take 5 ms, against the same three
# replicas behind our gateway without bounded loads, our gateway with Routing:BalanceFactor=1.25, HAProxy with
# hash-balance-factor 125, and HAProxy leastconn (no affinity: the floor any balancer meets). Samples in-flight load
# per replica every 50 ms and counts requests per replica.
# Usage: tests/bench/hot-keys.sh   (env: DURATION=10
#        GATEWAY_ENV="VAR=value …"   more settings for both gateways, say Gateway__UpstreamClient=Lean
#        SECTION="…"                 the docs/benchmarks.md section to write; "" writes none)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${DURATION:-10}
read -ra gateway_env <<<"${GATEWAY_ENV:-}"
section=${SECTION-Hot keys and bounded loads}
work=$(mktemp -d); pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

dotnet build Silo/Silo.csproj -c Release --nologo -v q -clp:ErrorsOnly
dotnet build Gateway/Gateway.csproj -c Release --nologo -v q -clp:ErrorsOnly
env=(Cluster__ClusterId=hot Cluster__SiloPort=18511 Cluster__PrimarySiloPort=18511 Cluster__GatewayPort=18530 Cluster__StateDirectory="$work/state" Logging__LogLevel__Default=Warning)
(cd Silo/bin/Release/net10.0 && exec env "${env[@]}" Urls=http://127.0.0.1:18580 dotnet Orleans.LoadBalancer.Silo.dll) >"$work/silo.log" 2>&1 &
pids+=($!)
(cd Gateway/bin/Release/net10.0 && exec env "${env[@]}" "${gateway_env[@]}" Urls=http://127.0.0.1:18501 dotnet Orleans.LoadBalancer.Gateway.dll) >"$work/plain.log" 2>&1 &
pids+=($!)
(cd Gateway/bin/Release/net10.0 && exec env "${env[@]}" "${gateway_env[@]}" Routing__BalanceFactor=1.25 Urls=http://127.0.0.1:18502 dotnet Orleans.LoadBalancer.Gateway.dll) >"$work/bounded.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do curl -s http://127.0.0.1:18502/rep 2>/dev/null | grep -q '"N": 3' && break; sleep 0.5; done
mapfile -t replicas < <(curl -s http://127.0.0.1:18501/replicas | python3 -c 'import json,sys; [print(r["name"]+"="+r["address"].replace("http://","")) for r in json.load(sys.stdin)["message"]["replicas"]]')
servers=$(for r in "${replicas[@]}"; do name=${r%%=*}; echo "  server ${name// /_} ${r#*=}"; done)
{
  echo "global"; echo "  maxconn 4096"; echo "  stats socket $work/haproxy.sock mode 600 level admin"
  echo "defaults"; echo "  mode http"; echo "  timeout connect 2s"; echo "  timeout client 30s"; echo "  timeout server 30s"; echo "  http-reuse always"
  echo "frontend fe"; echo "  bind 127.0.0.1:18503"; echo "  default_backend be_haproxy"
  echo "backend be_haproxy"; echo "  balance hdr(X-Request-Id)"; echo "  hash-type consistent"; echo "  hash-balance-factor 125"
  echo "$servers"
  # No affinity at all: each request to the replica with the fewest in flight, the floor any balancer faces.
  echo "frontend fe_leastconn"; echo "  bind 127.0.0.1:18504"; echo "  default_backend be_leastconn"
  echo "backend be_leastconn"; echo "  balance leastconn"
  echo "$servers"
} > "$work/haproxy.cfg"
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
pids+=($!)
sleep 1

metrics() { curl -s "$1/metrics" | python3 -c '
import re, sys, json
out = {"requests": {}, "diverted": 0}
for line in sys.stdin:
    m = re.match(r"lb_gateway_requests_total\{[^}]*replica=\"([^\"]+)\"[^}]*\} (\S+)", line)
    if m: out["requests"][m.group(1)] = out["requests"].get(m.group(1), 0) + float(m.group(2))
    m = re.match(r"lb_gateway_diverted_total\{[^}]*\} (\S+)", line)
    if m: out["diverted"] += float(m.group(1))
print(json.dumps(out))'; }

declare -A url=([plain]=http://127.0.0.1:18501 [bounded]=http://127.0.0.1:18502 [haproxy]=http://127.0.0.1:18503 [leastconn]=http://127.0.0.1:18504)
# Requests per replica so far: the gateway's metrics, or HAProxy's counters for its backend.
counts() {
  case $1 in
    haproxy|leastconn) python3 tests/bench/hot-keys.py haproxy-requests "$work/haproxy.sock" "be_$1" ;;
    *) metrics "${url[$1]}" ;;
  esac
}
for target in plain bounded haproxy leastconn; do
  wrk -t2 -c64 -d3s -s tests/bench/zipf-keys.lua "${url[$target]}" >/dev/null   # warm-up
  counts "$target" > "$work/$target-before.json"
  wrk -t2 -c64 -d"${duration}s" -s tests/bench/zipf-keys.lua "${url[$target]}" > "$work/$target-wrk.txt" &
  wrk_pid=$!
  sleep 0.5
  case $target in
    haproxy|leastconn)
      python3 tests/bench/hot-keys.py haproxy "$work/haproxy.sock" $((duration - 2)) "be_$target" > "$work/$target-load.json" ;;
    *)
      # Which replica hot and cold keys reach, against their own replica (the other, idle gateway has the same ring).
      owner=${url[plain]}; [ "$target" = plain ] && owner=${url[bounded]}
      python3 tests/bench/hot-keys.py probe "${url[$target]}" "$owner" $((duration - 2)) > "$work/$target-probe.json" &
      probe_pid=$!
      python3 tests/bench/hot-keys.py gateway "${url[$target]}" $((duration - 2)) > "$work/$target-load.json"
      wait "$probe_pid" ;;
  esac
  wait "$wrk_pid"
  counts "$target" > "$work/$target-after.json"
done

command="DURATION=$duration"
[ -n "${GATEWAY_ENV:-}" ] && command+=" GATEWAY_ENV='$GATEWAY_ENV'"
[ "$section" = "Hot keys and bounded loads" ] || command+=" SECTION='$section'"
python3 - "$work" "$command tests/bench/hot-keys.sh" "$section" <<'PY'
import json, pathlib, re, sys
work, command, section = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
rows = ["| target | in-flight max/mean: worst sample (its loads) | p99 | median | worst where 1.25 is reachable (samples) | request rate max/mean | requests/s | diverted | hot keys away from their replica | cold keys away |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
for target, label in (("plain", "gateway, no bounded loads"), ("bounded", "gateway, BalanceFactor 1.25"), ("haproxy", "HAProxy, hash-balance-factor 125"),
                      ("leastconn", "HAProxy, leastconn (no affinity)")):
    load = json.loads((work / f"{target}-load.json").read_text())
    before, after = (json.loads((work / f"{target}-{w}.json").read_text()) for w in ("before", "after"))
    counts = {k: after["requests"][k] - before["requests"].get(k, 0) for k in after["requests"]}
    total = sum(counts.values())
    rate = max(counts.values()) / (total / len(counts))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", (work / f"{target}-wrk.txt").read_text()).group(1)
    diverted = f"{(after['diverted'] - before['diverted']) / total:.1%}" if "diverted" in after else "—"
    probe_file = work / f"{target}-probe.json"
    probe = json.loads(probe_file.read_text()) if probe_file.exists() else None
    hot = f"{probe['hot']['diverted']:.1%} of {probe['hot']['probes']}" if probe else "—"
    cold = f"{probe['cold']['diverted']:.1%} of {probe['cold']['probes']}" if probe else "—"
    reachable = f"{load['reachable']['worst']} ({load['reachable_samples']} of {load['samples']})"
    worst = f"{load['worst']} ({'/'.join(map(str, load['worst_loads']))})"
    rows.append(f"| {label} | {worst} | {load['p99']} | {load['median']} | {reachable} | {rate:.3f} | {float(rps):,.0f} | {diverted} | {hot} | {cold} |")
table = "\n".join(rows) + "\n"
print(table)
sys.path.insert(0, "tests/bench")
from docsection import write_section
if section:
  write_section(section, "Command: `" + command + "`\n\nZipf (s = 1.1) keys over 10,000 keys, 64 connections, "
              "requests that take 5 ms (`/work?ms=5`), the same three replicas behind each target; in-flight load per replica "
              "sampled every 50 ms (the gateway's own counts, HAProxy's `scur`), requests per replica counted over the run. "
              "A max/mean of 1.25 is reachable only in samples where ⌈T/n⌉ ≤ 1.25·T/n (T requests in flight on n replicas); "
              "that column keeps those samples alone. A prober sends hot keys (ranks 1–10) and cold keys (ranks 101–10,000) "
              "through the gateway during the run and counts those that reach another replica than their own. HAProxy with "
              "`balance leastconn` has no affinity at all (each request goes to the replica with the fewest in flight): "
              "its figures are the floor that any balancer meets on this machine.\n\n" + table)
PY
