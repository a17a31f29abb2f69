#!/usr/bin/env python3
"""Latency of the HTTP API, r3270 serve against s3270 -httpd on the same demo host in the
same run (docs/PERFORMANCE.md, "The HTTP API"), and r3270 serve's memory per session.

For each server: one keep-alive HTTP connection; N screen reads (`Ascii()` on the
s3270-compatible path) and N steps round trips (an option typed on the demo's main menu,
Enter, wait for the answer), each timed here; p50 and p99 of both, and the ratio
s3270/r3270. Then r3270 serve opens SESSIONS more sessions through the REST API and VmRSS
is read from /proc before and after.

Usage: tests/benches/api_latency.py [path/to/r3270] [N] [SESSIONS]
(default target/release/r3270, 2000, 200). Every process it starts is stopped by PID.
"""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/r3270"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
SESSIONS = int(sys.argv[3]) if len(sys.argv) > 3 else 200


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1])
    return 0


class Client:
    """One keep-alive connection, or (fresh=True) a new connection per request, as a
    client that runs curl per call has."""

    def __init__(self, port, token=None, fresh=False):
        self.port = port
        self.fresh = fresh
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.h = {"Authorization": "Bearer " + token} if token else {}

    def get(self, path):
        if self.fresh:
            self.c.close()
            self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.c.request("GET", path, headers=self.h)
        r = self.c.getresponse()
        body = r.read()
        return r.status, body

    def post(self, path, obj):
        h = dict(self.h)
        h["Content-Type"] = "application/json"
        self.c.request("POST", path, body=json.dumps(obj), headers=h)
        r = self.c.getresponse()
        return r.status, r.read()

    def action(self, line, prefix=""):
        st, body = self.get(prefix + "/3270/rest/json/" + urllib.parse.quote(line, safe=""))
        if st != 200:
            raise SystemExit(f"{line}: HTTP {st} {body[:200]!r}")
        return json.loads(body)


def measure(name, client, demo):
    client.action(f"Connect({demo})")
    client.action("Wait(InputField) String(demo) Tab() String(demo) Enter() Wait(InputField)")
    reads, steps = [], []
    for _ in range(N):
        t = time.perf_counter()
        client.action("Ascii()")
        reads.append(time.perf_counter() - t)
    for _ in range(N // 4):
        t = time.perf_counter()
        client.action("String(9) Enter() Wait(InputField)")
        steps.append(time.perf_counter() - t)
    client.action("Disconnect()")
    ms = lambda s: s * 1000
    print(f"{name:<15} screen read p50 {ms(pct(reads, 50)):.3f} ms  p99 {ms(pct(reads, 99)):.3f} ms   "
          f"steps round trip p50 {ms(pct(steps, 50)):.3f} ms  p99 {ms(pct(steps, 99)):.3f} ms")
    return pct(reads, 50), pct(reads, 99), pct(steps, 50), pct(steps, 99)


def main():
    work = tempfile.mkdtemp()
    procs = []
    try:
        env = dict(os.environ, HOME=work, XDG_DATA_HOME=work + "/data",
                   XDG_STATE_HOME=work + "/state", XDG_CONFIG_HOME=work + "/config")
        demo = subprocess.Popen([BIN, "serve-demo", "--port", "0"], stdout=subprocess.PIPE, env=env, text=True)
        procs.append(demo)
        m = re.search(r"127\.0\.0\.1:(\d+)", demo.stdout.readline())
        demo_addr = f"127.0.0.1:{m.group(1)}"
        with open(work + "/config.toml", "w") as f:
            f.write(f"[api]\nmax-sessions = {SESSIONS + 10}\nrate-limit = 100000\n[limits]\nmax-sessions = 256\n")
        ours = subprocess.Popen([BIN, "--config", work + "/config.toml", "serve", "--listen", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, env=env, text=True)
        procs.append(ours)
        line = ours.stdout.readline()
        port = int(re.search(r":(\d+) \(token in", line).group(1))
        token = open(re.search(r"token in (.*)\)", line).group(1)).read().strip()
        s3270 = shutil.which("s3270")
        theirs_port = free_port()
        theirs = subprocess.Popen([s3270, "-httpd", f"127.0.0.1:{theirs_port}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(theirs)
        for _ in range(100):
            try:
                Client(theirs_port).get("/3270/rest/json/Query()")
                break
            except OSError:
                time.sleep(0.05)
        for fresh in (False, True):
            print("a new connection per request" if fresh else "one keep-alive connection")
            r = measure("r3270 serve", Client(port, token, fresh), demo_addr)
            t = measure("s3270 -httpd", Client(theirs_port, None, fresh), demo_addr)
            print(f"ratio s3270/r3270: screen read p50 {t[0] / r[0]:.2f}x p99 {t[1] / r[1]:.2f}x; "
                  f"steps p50 {t[2] / r[2]:.2f}x p99 {t[3] / r[3]:.2f}x")
        c = Client(port, token)
        before = rss_kib(ours.pid)
        for i in range(SESSIONS):
            st, body = c.post("/api/v1/sessions", {"target": demo_addr, "name": f"rss{i}"})
            if st != 201:
                raise SystemExit(f"session {i}: HTTP {st} {body[:200]!r}")
        time.sleep(1.0)
        after = rss_kib(ours.pid)
        per = (after - before) / SESSIONS
        print(f"r3270 serve RSS: {before / 1024:.1f} MiB with 1 session, {after / 1024:.1f} MiB with "
              f"{SESSIONS + 1}: {per:.0f} KiB per session")
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
