"""Samples in-flight load per replica while wrk runs, for the gateway (its /ring) or HAProxy (its stats socket), and
probes which replica hot and cold keys reach compared with their own replica.
Usage: hot-keys.py gateway URL SECONDS | haproxy SOCKET SECONDS BACKEND | haproxy-requests SOCKET BACKEND
       | probe URL OWNER_URL SECONDS  -> prints JSON."""
import json, math, random, socket, statistics, sys, time, urllib.request

kind = sys.argv[1]


def gateway_sample(url):
    with urllib.request.urlopen(url + "/ring", timeout=5) as response:
        replicas = json.load(response)["message"]["replicas"]
    return {r["name"]: r["inflight"] for r in replicas}


def haproxy_stats(where, backend):
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(where)
        s.sendall(b"show stat\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    lines = data.decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:] if line]
    return {r["svname"]: r for r in rows if r["pxname"] == backend and r["svname"] not in ("BACKEND", "FRONTEND")}


def haproxy_sample(where, backend):
    return {name: int(r["scur"]) for name, r in haproxy_stats(where, backend).items()}


def summary(ratios):
    ratios = sorted(ratios)
    return {"worst": round(ratios[-1], 3) if ratios else None,
            "p99": round(ratios[int(0.99 * (len(ratios) - 1))], 3) if ratios else None,
            "median": round(statistics.median(ratios), 3) if ratios else None}


def load(seconds, sample):
    """Max/mean of in-flight load per sample. A 1.25 bound is reachable only where ⌈T/n⌉ ≤ 1.25·T/n (T in flight,
    n replicas): the 'reachable' figures count those samples alone."""
    every, reachable, worst, deadline = [], [], None, time.time() + seconds
    while time.time() < deadline:
        loads = sample()
        total, n = sum(loads.values()), len(loads)
        if total >= n:
            ratio = max(loads.values()) / (total / n)
            every.append(ratio)
            if math.ceil(total / n) <= 1.25 * total / n:
                reachable.append(ratio)
            if worst is None or ratio > worst[0]:
                worst = (ratio, sorted(loads.values(), reverse=True))
        time.sleep(0.05)
    return {"samples": len(every), "reachable_samples": len(reachable), **summary(every),
            "reachable": summary(reachable), "worst_loads": worst[1] if worst else None}


def probe(url, owner_url, seconds):
    """Sends hot keys (ranks 1–10) and cold keys (ranks 101–10,000) through URL while the load runs and counts how
    often each lands away from the replica the idle OWNER_URL (same ring, no bounded loads) sends it to."""
    def replica(base, key):
        request = urllib.request.Request(base + "/work?ms=0", headers={"X-Request-Id": key})
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.headers["X-Replica"]

    owners, counts = {}, {"hot": [0, 0], "cold": [0, 0]}
    rng, deadline = random.Random(7), time.time() + seconds
    while time.time() < deadline:
        band = "hot" if rng.random() < 0.5 else "cold"
        key = f"key-{rng.randint(1, 10) if band == 'hot' else rng.randint(101, 10_000)}"
        if key not in owners:
            owners[key] = replica(owner_url, key)
        counts[band][0] += 1
        counts[band][1] += replica(url, key) != owners[key]
        time.sleep(0.005)
    return {band: {"probes": n, "diverted": round(d / n, 4) if n else None} for band, (n, d) in counts.items()}


if kind == "gateway":
    print(json.dumps(load(float(sys.argv[3]), lambda: gateway_sample(sys.argv[2]))))
elif kind == "haproxy":
    print(json.dumps(load(float(sys.argv[3]), lambda: haproxy_sample(sys.argv[2], sys.argv[4]))))
elif kind == "haproxy-requests":
    print(json.dumps({"requests": {name: int(r["stot"]) for name, r in haproxy_stats(sys.argv[2], sys.argv[3]).items()}}))
else:
    print(json.dumps(probe(sys.argv[2], sys.argv[3], float(sys.argv[4]))))
