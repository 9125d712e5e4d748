"""Reads the wrk outputs of proxy-race.sh, prints the table and writes its section of docs/benchmarks.md.
Usage: race-report.py WORK ROUNDS COMMAND SECTION TARGET…  (an empty SECTION writes nothing)."""
import pathlib, re, statistics, sys

from docsection import write_section

work, rounds, command, section, targets = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]


def ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse(path):
    out = path.read_text()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(errors.group(1)) if errors else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    user, system, per_second = map(int, re.search(r"cpu ticks: user (-?\d+) system (-?\d+) of (\d+)", out).groups())
    ticks = user + system
    cpu_us = ticks / per_second * 1e6 / requests if ticks > 0 else None
    user_us = user / per_second * 1e6 / requests if ticks > 0 else None
    return rps, p50, p99, failed, cpu_us, user_us


results = {t: [parse(work / f"{t}-{r}.txt") for r in range(1, rounds + 1)] for t in targets}
median = {t: tuple(statistics.median(run[i] for run in results[t]) for i in range(3)) for t in targets}

lines = [
    "| target | requests/s (median) | p50 ms | p99 ms | proxy CPU µs/request | of which user space | runs (requests/s) | failed |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
]
for t in targets:
    rps, p50, p99 = median[t]
    cpu = [r[4] for r in results[t] if r[4] is not None]
    runs = ", ".join(f"{run[0]:,.0f}" for run in results[t])
    user = [r[5] for r in results[t] if r[5] is not None]
    cpu_text = f"{statistics.median(cpu):.1f}" if cpu else "—"
    user_text = f"{statistics.median(user):.1f}" if user else "—"
    lines.append(f"| {t} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {cpu_text} | {user_text} | {runs} | {sum(r[3] for r in results[t])} |")

# Each round's ratio pairs runs made minutes apart at most; their median is steadier than a ratio of medians.
ratios = []
gateways = [t for t in targets if t not in ("nginx", "haproxy", "direct", "gateway-itself")]
for gateway in gateways:
    for peer in ("nginx", "haproxy"):
        if peer in results:
            throughput = statistics.median(g[0] / p[0] for g, p in zip(results[gateway], results[peer]))
            p99 = statistics.median(g[2] / p[2] for g, p in zip(results[gateway], results[peer]))
            ratios.append(f"- {gateway} / {peer}: throughput {throughput:.2f}×, p99 {p99:.2f}× "
                          f"({median[gateway][2]:.2f} ms vs {median[peer][2]:.2f} ms)")
table = "\n".join(lines) + "\n\n" + "\n".join(ratios) + "\n"
print(table)

if section:
    write_section(section,
                  f"Command: `{command}`\n\n"
                  "The same three BackendServer replicas (started by our silo) behind each target in turn; wrk with a random "
                  "6-digit `X-Request-Id` per request to `/home`; medians of the interleaved rounds (order rotated each round), "
                  "warm-up excluded; ratios are the median of the per-round ratios. Proxy CPU is the user and system time of "
                  "the proxy's processes during a run, per request, and the user-space part of it (the rest is the kernel's "
                  "loopback TCP, epoll and scheduling): on 2 cores shared with wrk and the replicas, it is what decides throughput. "
                  "For `direct` it is the replica's own CPU: what Kestrel alone spends to serve the request; `gateway-itself` is "
                  "the gateway answering `/rep` from its ring snapshot, with no proxying: what its Kestrel side costs alone.\n\n" + table)
