#!/usr/bin/env python3
"""Splits a gateway's CPU samples (`perf script` output of `perf record -g`) by the part of the proxy path they belong to.

Each sample is put on the innermost frame (walking from the leaf up) that belongs to a known part; kernel samples stay
kernel. With --requests and --frequency it prints µs of CPU per request for each part.
Usage: perf script -i perf.data | cpu-breakdown.py [label] [--requests N --frequency F]
"""
import argparse
import re
import sys
from collections import Counter

# Order matters: the first pattern that matches a frame names its part.
PARTS = [
    ("upstream client (lean)", re.compile(r"Orleans\.LoadBalancer\.Gateway\.Proxy\.Upstream")),
    ("load balancer's own code", re.compile(r"Orleans\.LoadBalancer")),
    ("forwarder (YARP)", re.compile(r"\bYarp\.")),
    ("upstream client (System.Net.Http: SocketsHttpHandler, HttpHeaders)", re.compile(r"System\.Net\.Http\.")),
    ("Kestrel server side", re.compile(r"Microsoft\.AspNetCore\.|System\.IO\.Pipelines|Microsoft\.Extensions\.Primitives|Microsoft\.Net\.Http\.Headers")),
    ("socket engine (both sides)", re.compile(r"System\.Net\.Sockets\.")),
    ("metrics and logging", re.compile(r"System\.Diagnostics\.|OpenTelemetry|Microsoft\.Extensions\.Logging")),
]


def part_of(frames):
    if not frames:
        return "unknown"
    if "[kernel.kallsyms]" in frames[0] or "vmlinux" in frames[0]:
        return "kernel"
    for frame in frames:
        for name, pattern in PARTS:
            if pattern.search(frame):
                return name
    leaf = frames[0]
    if "libcoreclr" in leaf or "libclrjit" in leaf:
        return "runtime (GC, JIT, type system)"
    if "libc" in leaf:
        return "libc"
    return "other managed (async machinery, thread pool, collections)"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("label", nargs="?", default="gateway")
    parser.add_argument("--requests", type=int, default=0)
    parser.add_argument("--frequency", type=int, default=0)
    args = parser.parse_args()
    counts = Counter()
    frames = []
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line.strip():
            if frames:
                counts[part_of(frames)] += 1
            frames = []
            continue
        if line.startswith("\t") or line.startswith(" "):
            frames.append(line.strip())
        else:
            frames = []
    if frames:
        counts[part_of(frames)] += 1
    total = sum(counts.values())
    user = total - counts["kernel"]
    per_request = (lambda n: 1e6 * n / args.frequency / args.requests) if args.requests and args.frequency else None
    head = f"{args.label}: {total} samples, {user} in user space"
    if per_request:
        head += f"; {args.requests} requests: {per_request(user):.2f} µs user, {per_request(counts['kernel']):.2f} µs kernel per request"
    print(head)
    for name, count in counts.most_common():
        share = f"{100 * count / user:5.1f}% of user" if name != "kernel" else " " * 13
        micro = f"{per_request(count):6.2f} µs/request" if per_request else ""
        print(f"  {name:66s} {count:7d} {share} {micro}")


if __name__ == "__main__":
    main()
