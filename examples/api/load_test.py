#!/usr/bin/env python3
"""Open N sessions on a host through r3270's API and measure host response times.

    load_test.py TARGET --sessions N --rounds R [--line ACTIONS]

Each session runs ACTIONS (s3270 action lines; the default presses Enter and waits for
the host) R times through the s3270-compatible path; the round trips are timed here, and
the host's own response times are read from /metrics. Prints p50/p90/p99 of both.
"""

import argparse
import concurrent.futures
import os
import sys
import time
import urllib.parse

from r3270api import Api, ApiError


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def run_session(api, target, i, rounds, line, setup):
    name = f"load-{os.getpid()}-{i}"
    times = []
    api.post("/api/v1/sessions", {"target": target, "name": name})
    try:
        path = f"/session/{name}/3270/rest/json/"
        if setup:
            api.get(path + urllib.parse.quote(setup, safe=""))
        for _ in range(rounds):
            t = time.perf_counter()
            api.get(path + urllib.parse.quote(line, safe=""))
            times.append(time.perf_counter() - t)
    finally:
        api.delete(f"/api/v1/sessions/{name}")
    return times


def host_histogram(api):
    """The response-time histogram r3270 measured, from /metrics: (le, count) pairs."""
    import urllib.request
    req = urllib.request.Request(api.base + "/metrics", headers={"Authorization": "Bearer " + api.token})
    with urllib.request.urlopen(req) as r:
        text = r.read().decode()
    buckets = {}
    for l in text.splitlines():
        if l.startswith("r3270_host_response_seconds_bucket"):
            le = l.split('le="', 1)[1].split('"', 1)[0]
            buckets[le] = buckets.get(le, 0) + float(l.rsplit(" ", 1)[1])
    return buckets


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("target")
    p.add_argument("--sessions", type=int, default=10)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--setup", default="Wait(InputField)")
    p.add_argument("--line", default="Enter() Wait(InputField)")
    a = p.parse_args()
    api = Api()
    all_times = []
    with concurrent.futures.ThreadPoolExecutor(a.sessions) as pool:
        jobs = [pool.submit(run_session, api, a.target, i, a.rounds, a.line, a.setup) for i in range(a.sessions)]
        for j in jobs:
            try:
                all_times.extend(j.result())
            except ApiError as e:
                print("a session failed:", e, file=sys.stderr)
                return 1
    ms = lambda s: f"{s * 1000:.1f} ms"
    print(f"{len(all_times)} round trips over {a.sessions} sessions")
    print(f"round trip p50 {ms(pct(all_times, 50))}  p90 {ms(pct(all_times, 90))}  p99 {ms(pct(all_times, 99))}")
    h = host_histogram(api)
    if h:
        print("host response time buckets (cumulative, all sessions):",
              " ".join(f"le={k}:{int(v)}" for k, v in h.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
