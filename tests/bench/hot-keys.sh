#!/usr/bin/env bash
# Hot keys: Zipf (s = 1.1) keys over 10,000 keys, 64 connections, requests that take 5 ms, against the same three
# replicas behind our gateway without bounded loads, our gateway with Routing:BalanceFactor=1.25, HAProxy with
# hash-balance-factor 125, and HAProxy leastconn (no affinity: the floor any balancer meets). Samples in-flight load
# per replica every 50 ms and counts requests per replica.
# With ROUNDS > 1 the four targets run again, interleaved with the order rotated each round; each row shows the
# round with the target's median requests/s, all rounds' requests/s, and the median of the per-round ratios.
# Usage: tests/bench/hot-keys.sh   (env: DURATION=10 ROUNDS=1 WARMUP=3 (seconds, each target before its first round)
#        GATEWAY_ENV="VAR=value …"   more settings for both gateways, say Gateway__UpstreamClient=Lean
#        SECTION="…"                 the docs/benchmarks.md section to write; "" writes none)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${DURATION:-10}; rounds=${ROUNDS:-1}; warmup=${WARMUP:-3}
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
targets=(plain bounded haproxy leastconn)
for round in $(seq 1 "$rounds"); do
  shift=$(((round - 1) % ${#targets[@]}))
  for target in "${targets[@]:shift}" "${targets[@]:0:shift}"; do
    [ "$rounds" -gt 1 ] && echo "round $round: $target" >&2
    [ "$round" = 1 ] && wrk -t2 -c64 -d"${warmup}s" -s tests/bench/zipf-keys.lua "${url[$target]}" >/dev/null   # warm-up
    out="$work/$target-$round"
    counts "$target" > "$out-before.json"
    wrk -t2 -c64 -d"${duration}s" -s tests/bench/zipf-keys.lua "${url[$target]}" > "$out-wrk.txt" &
    wrk_pid=$!
    sleep 0.5
    case $target in
      haproxy|leastconn)
        python3 tests/bench/hot-keys.py haproxy "$work/haproxy.sock" $((duration - 2)) "be_$target" > "$out-load.json" ;;
      *)
        # Which replica hot and cold keys reach, against their own replica (the other, idle gateway has the same ring).
        owner=${url[plain]}; [ "$target" = plain ] && owner=${url[bounded]}
        python3 tests/bench/hot-keys.py probe "${url[$target]}" "$owner" $((duration - 2)) > "$out-probe.json" &
        probe_pid=$!
        python3 tests/bench/hot-keys.py gateway "${url[$target]}" $((duration - 2)) > "$out-load.json"
        wait "$probe_pid" ;;
    esac
    wait "$wrk_pid"
    counts "$target" > "$out-after.json"
  done
done

command="DURATION=$duration"
[ "$rounds" = 1 ] || command+=" ROUNDS=$rounds"
[ "$warmup" = 3 ] || command+=" WARMUP=$warmup"
[ -n "${GATEWAY_ENV:-}" ] && command+=" GATEWAY_ENV='$GATEWAY_ENV'"
[ "$section" = "Hot keys and bounded loads" ] || command+=" SECTION='$section'"
python3 - "$work" "$command tests/bench/hot-keys.sh" "$section" "$rounds" <<'PY'
import json, pathlib, re, statistics, sys
work, command, section, rounds = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
def rps_of(target, round):
    return float(re.search(r"Requests/sec:\s+([\d.]+)", (work / f"{target}-{round}-wrk.txt").read_text()).group(1))
runs = {t: [rps_of(t, r) for r in range(1, rounds + 1)] for t in ("plain", "bounded", "haproxy", "leastconn")}
rows = ["| target | in-flight max/mean: worst sample (its loads) | p99 | median | worst where 1.25 is reachable (samples) | request rate max/mean | requests/s | diverted | hot keys away from their replica | cold keys away | runs (requests/s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
for target, label in (("plain", "gateway, no bounded loads"), ("bounded", "gateway, BalanceFactor 1.25"), ("haproxy", "HAProxy, hash-balance-factor 125"),
                      ("leastconn", "HAProxy, leastconn (no affinity)")):
    # The round whose requests/s is the target's median (the lower middle one for an even count) stands for it.
    ranked = sorted(range(1, rounds + 1), key=lambda r: runs[target][r - 1])
    round = ranked[(rounds - 1) // 2]
    prefix = f"{target}-{round}"
    load = json.loads((work / f"{prefix}-load.json").read_text())
    before, after = (json.loads((work / f"{prefix}-{w}.json").read_text()) for w in ("before", "after"))
    counts = {k: after["requests"][k] - before["requests"].get(k, 0) for k in after["requests"]}
    total = sum(counts.values())
    rate = max(counts.values()) / (total / len(counts))
    rps = runs[target][round - 1]
    diverted = f"{(after['diverted'] - before['diverted']) / total:.1%}" if "diverted" in after else "—"
    probe_file = work / f"{prefix}-probe.json"
    probe = json.loads(probe_file.read_text()) if probe_file.exists() else None
    hot = f"{probe['hot']['diverted']:.1%} of {probe['hot']['probes']}" if probe else "—"
    cold = f"{probe['cold']['diverted']:.1%} of {probe['cold']['probes']}" if probe else "—"
    reachable = f"{load['reachable']['worst']} ({load['reachable_samples']} of {load['samples']})"
    worst = f"{load['worst']} ({'/'.join(map(str, load['worst_loads']))})"
    rows.append(f"| {label} | {worst} | {load['p99']} | {load['median']} | {reachable} | {rate:.3f} | {rps:,.0f} | {diverted} | {hot} | {cold} | {', '.join(f'{r:,.0f}' for r in runs[target])} |")
ratio = statistics.median(b / h for b, h in zip(runs["bounded"], runs["haproxy"]))
table = "\n".join(rows) + f"\n\n- gateway with BalanceFactor 1.25 / HAProxy with hash-balance-factor 125: {ratio:.2f}× requests/s (median of {rounds} per-round ratios)\n"
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
