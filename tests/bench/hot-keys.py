"""Samples in-flight load per replica while wrk runs, for the gateway (its /ring) or HAProxy (its stats socket).
Usage: hot-keys.py gateway URL SECONDS | haproxy SOCKET SECONDS  -> prints JSON with the worst and p99 max/mean."""
import json, socket, statistics, sys, time, urllib.request

kind, where, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])


def gateway_sample():
    with urllib.request.urlopen(where + "/ring", timeout=5) as response:
        replicas = json.load(response)["message"]["replicas"]
    return {r["name"]: r["inflight"] for r in replicas}


def haproxy_stats():
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(where)
        s.sendall(b"show stat\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    lines = data.decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:] if line]
    return {r["svname"]: r for r in rows if r["pxname"] == "be" and r["svname"] not in ("BACKEND", "FRONTEND")}


def haproxy_sample():
    return {name: int(r["scur"]) for name, r in haproxy_stats().items()}


sample = gateway_sample if kind == "gateway" else haproxy_sample
ratios, deadline = [], time.time() + seconds
while time.time() < deadline:
    loads = sample()
    mean = sum(loads.values()) / len(loads)
    if mean >= 1:
        ratios.append(max(loads.values()) / mean)
    time.sleep(0.05)
ratios.sort()
result = {"samples": len(ratios), "worst": round(ratios[-1], 3) if ratios else None,
          "p99": round(ratios[int(0.99 * (len(ratios) - 1))], 3) if ratios else None,
          "median": round(statistics.median(ratios), 3) if ratios else None}
if kind == "haproxy":
    result["requests"] = {name: int(r["stot"]) for name, r in haproxy_stats().items()}
print(json.dumps(result))
