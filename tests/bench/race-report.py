"""Reads the wrk outputs of proxy-race.sh, prints the table and writes docs/benchmarks.md (the race section)."""
import pathlib, re, statistics, sys

from docsection import write_section

work, rounds, command, targets = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]


def ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse(path):
    out = path.read_text()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, p99, int(errors.group(1)) if errors else 0


results = {t: [parse(work / f"{t}-{r}.txt") for r in range(1, rounds + 1)] for t in targets}
median = {t: tuple(statistics.median(run[i] for run in results[t]) for i in range(4)) for t in targets}

lines = [
    "| target | requests/s (median) | p50 ms | p99 ms | runs (requests/s) | non-2xx |",
    "| --- | ---: | ---: | ---: | --- | ---: |",
]
for t in targets:
    rps, p50, p99, errors = median[t]
    runs = ", ".join(f"{run[0]:,.0f}" for run in results[t])
    lines.append(f"| {t} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {runs} | {sum(r[3] for r in results[t])} |")
ratios = []
for peer in ("nginx", "haproxy"):
    if peer in median:
        ratios.append(f"- gateway / {peer}: throughput {median['gateway'][0] / median[peer][0]:.2f}×, "
                      f"p99 {median['gateway'][2]:.2f} ms vs {median[peer][2]:.2f} ms")
table = "\n".join(lines) + "\n\n" + "\n".join(ratios) + "\n"
print(table)

write_section("Proxy race: gateway vs nginx vs HAProxy",
              f"Command: `{command}`\n\n"
              "The same three BackendServer replicas (started by our silo) behind each target in turn; wrk with a random "
              "6-digit `X-Request-Id` per request to `/home`; medians of the interleaved rounds, warm-up excluded.\n\n" + table)
