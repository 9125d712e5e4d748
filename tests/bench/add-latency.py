"""Time from POST /add {"n": 1} to the new replica serving its first routed request, median of N, against a gateway."""
import json, random, statistics, sys, time, urllib.request

base, runs = sys.argv[1], int(sys.argv[2])


def call(method, path, body=None, headers=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, dict(response.headers), response.read()


times = []
for i in range(runs):
    name = f"bench-{i}"
    started = time.perf_counter()
    status, _, _ = call("POST", "/add", {"n": 1, "hostnames": [name]})
    assert status == 200
    while True:
        _, headers, _ = call("GET", "/home", headers={"X-Request-Id": str(random.randint(100000, 999999))})
        if headers.get("X-Replica") == name:
            break
    times.append((time.perf_counter() - started) * 1000)
    call("DELETE", "/rm", {"n": 1, "hostnames": [name]})
print(f"runs: {', '.join(f'{t:.0f}' for t in times)} ms; median {statistics.median(times):.0f} ms")

if len(sys.argv) > 3:
    # Keep this runtime's row of the docs table, and the other runtime's row as it was.
    import pathlib
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    from docsection import read_section, write_section
    runtime = sys.argv[3]
    labels = {"process": "local processes", "docker": "Docker"}
    heading = "Adding a replica"
    rows = {}
    for line in read_section(heading).splitlines():
        for key, label in labels.items():
            if line.startswith(f"| {label} |"):
                rows[key] = line
    rows[runtime] = (f"| {labels[runtime]} | {statistics.median(times):,.0f} ms | {', '.join(f'{t:.0f}' for t in times)} | "
                     f"`tests/bench/add-latency.sh {runtime}` |")
    write_section(heading,
                  f"Time from `POST /add {{\"n\": 1}}` to the new replica serving its first routed request, {runs} runs each:\n\n"
                  "| runtime | median | runs (ms) | command |\n| --- | ---: | --- | --- |\n"
                  + "\n".join(rows[k] for k in labels if k in rows) + "\n")
