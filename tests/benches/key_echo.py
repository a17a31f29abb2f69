#!/usr/bin/env python3
"""Key echo and redraw as an operator feels them: r3270 against c3270, in real terminals.

An in-process benchmark cannot see the event loop (a key that waits for a tick looks
instant there), so this measures from outside, the way a person would: each program runs in
its own tmux pane on the same host (r3270's demo host, started here on 127.0.0.1), a key is
sent with `tmux send-keys`, and the time until `capture-pane` shows a changed pane is the
echo. The keys are cursor keys (Right, Left), which every 3270 emulator draws at once and
which never reach the host, so the figure is the client's own. A resize is measured the same
way (the pane redrawn at the new size); c3270 keeps its layout when the window changes size,
so the resize is measured for r3270 only.

Usage (after `cargo build --release`):

    python3 tests/benches/key_echo.py [--keys 40] [--r3270 target/release/r3270] [--c3270 c3270]

Prints the median, p90 and max per program and the ratio of the medians. Polling adds up to
about a millisecond to every figure, the same for both programs. Not a test: it asserts
nothing (see docs/PERFORMANCE.md for figures and how to read them).
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, deadline):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Pane:
    def __init__(self, sock, name, cols, rows, command, env):
        self.t = ["tmux", "-L", sock]
        self.name = name
        args = self.t + ["-f", "/dev/null", "new-session", "-d", "-s", name,
                         "-x", str(cols), "-y", str(rows)]
        for k, v in env.items():
            args += ["-e", f"{k}={v}"]
        subprocess.run(args + [command], check=True)

    def capture(self):
        return subprocess.run(self.t + ["capture-pane", "-p", "-t", self.name],
                              capture_output=True, text=True).stdout

    def send(self, *keys):
        subprocess.run(self.t + ["send-keys", "-t", self.name, *keys], check=True)

    def send_text(self, text):
        subprocess.run(self.t + ["send-keys", "-t", self.name, "-l", text], check=True)

    def wait_for(self, text, deadline=15):
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if text in self.capture():
                return True
            time.sleep(0.05)
        return False

    def until_changed(self, before, deadline=2.0):
        t0 = time.monotonic()
        while time.monotonic() - t0 < deadline:
            if self.capture() != before:
                break
            time.sleep(0.0005)
        return (time.monotonic() - t0) * 1000

    def resize(self, cols, rows):
        subprocess.run(self.t + ["resize-window", "-t", self.name, "-x", str(cols),
                                 "-y", str(rows)], check=True)


def measure_keys(pane, n):
    lat = []
    for i in range(n):
        time.sleep(0.15)  # let the previous key's frame settle
        before = pane.capture()
        t0 = time.monotonic()
        pane.send("Right" if i % 2 == 0 else "Left")
        while time.monotonic() - t0 < 2.0 and pane.capture() == before:
            time.sleep(0.0005)
        lat.append((time.monotonic() - t0) * 1000)
    return lat


def measure_resizes(pane, n):
    lat = []
    for i in range(n):
        time.sleep(0.2)
        before = pane.capture()
        t0 = time.monotonic()
        pane.resize(110 if i % 2 == 0 else 100, 32)  # starts at 100x32
        while time.monotonic() - t0 < 2.0 and pane.capture() == before:
            time.sleep(0.0005)
        lat.append((time.monotonic() - t0) * 1000)
    return lat


def summary(name, lat):
    s = sorted(lat)
    p90 = s[min(len(s) - 1, int(len(s) * 0.9))]
    return f"{name:<22} median {statistics.median(s):7.1f} ms   p90 {p90:7.1f} ms   max {s[-1]:7.1f} ms"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", type=int, default=40)
    ap.add_argument("--resizes", type=int, default=10)
    ap.add_argument("--r3270", default="target/release/r3270")
    ap.add_argument("--c3270", default=shutil.which("c3270") or "c3270")
    a = ap.parse_args()
    r3270 = os.path.abspath(a.r3270)
    if not os.access(r3270, os.X_OK):
        sys.exit(f"{r3270}: not built (cargo build --release)")
    if not shutil.which(a.c3270):
        sys.exit("c3270 is not installed (apt-get install c3270)")
    home = tempfile.mkdtemp(prefix="r3270-echo-")
    env = {"HOME": home, "XDG_CONFIG_HOME": f"{home}/config", "XDG_DATA_HOME": f"{home}/data",
           "XDG_STATE_HOME": f"{home}/state", "TERM": "xterm-256color"}
    port = free_port()
    host = subprocess.Popen([r3270, "serve-demo", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sock = f"r3270-echo-{os.getpid()}"
    try:
        if not wait_port(port, 10):
            sys.exit("the demo host did not start")
        panes = {
            "r3270": Pane(sock, "r", 100, 32, f"{r3270} 127.0.0.1:{port}", env),
            "c3270": Pane(sock, "c", 100, 32, f"{a.c3270} -model 3279-2 127.0.0.1:{port}", env),
        }
        for name, pane in panes.items():
            if not pane.wait_for("Password"):
                sys.exit(f"{name} did not show the demo's sign-on screen:\n{pane.capture()}")
        time.sleep(0.5)
        keys = {}
        for name, pane in panes.items():
            keys[name] = measure_keys(pane, a.keys)
        resizes = measure_resizes(panes["r3270"], a.resizes)
        print(f"key echo, {a.keys} cursor keys each, 100x32 tmux panes, same demo host:")
        for name in panes:
            print("  " + summary(name, keys[name]))
        ratio = statistics.median(keys["r3270"]) / statistics.median(keys["c3270"])
        print(f"  r3270/c3270 median ratio: {ratio:.2f}")
        print(f"redraw after a resize ({a.resizes}; c3270 keeps its layout, so r3270 only):")
        print("  " + summary("r3270", resizes))
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True)
        host.terminate()
        try:
            host.wait(5)
        except subprocess.TimeoutExpired:
            host.kill()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
