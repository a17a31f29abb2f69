#!/usr/bin/env python3
"""Screens per second through s3270's script protocol: s3270 against `r3270 script`.

A benchmark script, not a test. It starts a loopback TN3270 host (in this script) that
answers every AID with a full 24x80 Erase/Write screen, then drives each program as a whole
process over its standard input and output:

    Connect(127.0.0.1:PORT)  Wait(InputField)
    N times: Enter  Wait(Unlock)  Ascii
    Quit

and reports screens per second for each and their ratio. A second measure is the round trip
of `String("x")` + `Enter` + `Wait(Unlock)` + `Ascii` (median of many), the latency a test
tool sees per step.

    python3 tests/benches/script_throughput.py [--screens 20000] [--r3270 target/release/r3270]
        [--s3270 s3270]

Both programs get the same options (`-model 2`), once as they start by default and once with
`-xrm "s3270.unlockDelay: False"` as py3270 and Robot Framework start s3270.
"""

import argparse
import os
import shlex
import socket
import statistics
import subprocess
import sys
import threading
import time

IAC, DO, WILL, SB, SE, EOR = 0xFF, 0xFD, 0xFB, 0xFA, 0xF0, 0xEF
CODE = bytes([0x40, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0x4A, 0x4B, 0x4C,
              0x4D, 0x4E, 0x4F, 0x50, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9,
              0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F, 0x60, 0x61, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6,
              0xE7, 0xE8, 0xE9, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0xF0, 0xF1, 0xF2, 0xF3,
              0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F])


def addr(i):
    return bytes([CODE[i >> 6], CODE[i & 0x3F]])


def screen(n):
    """A full screen: 23 protected rows of text and one input field, cursor in it."""
    r = bytearray([0xF5, 0xC3])  # Erase/Write, keyboard restore + reset MDT
    for row in range(23):
        r += bytes([0x11]) + addr(row * 80) + bytes([0x1D, 0x60])
        text = f"SCREEN {n:08d} ROW {row:02d} " + "ABCDEFGHIJ" * 6
        r += text[:79].encode("cp037")
    r += bytes([0x11]) + addr(23 * 80) + bytes([0x1D, 0x40, 0x13])
    out = bytearray()
    for b in r:
        out.append(b)
        if b == IAC:
            out.append(IAC)
    return bytes(out) + bytes([IAC, EOR])


def serve(sock):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        threading.Thread(target=client, args=(conn,), daemon=True).start()


def client(conn):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = conn.makefile("rb")

    def drain(t=0.2):
        conn.settimeout(t)
        try:
            while conn.recv(4096):
                pass
        except (socket.timeout, OSError):
            pass
        conn.settimeout(None)

    conn.sendall(bytes([IAC, DO, 24]))
    drain()
    conn.sendall(bytes([IAC, SB, 24, 1, IAC, SE]))
    drain()
    conn.sendall(bytes([IAC, DO, 25, IAC, WILL, 25, IAC, DO, 0, IAC, WILL, 0]))
    drain()
    n = 0
    conn.sendall(screen(n))
    # Every record the client sends (an AID) ends with IAC EOR: answer each with a screen.
    buf = b""
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
            while True:
                i = buf.find(bytes([IAC, EOR]))
                if i < 0:
                    break
                buf = buf[i + 2:]
                n += 1
                conn.sendall(screen(n))
    except OSError:
        return


def run(cmd, port, screens):
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)

    def do(line):
        p.stdin.write(line.encode() + b"\n")
        lines = []
        while True:
            l = p.stdout.readline()
            if not l:
                raise RuntimeError(f"{cmd[0]} exited during {line}")
            l = l.rstrip(b"\n")
            lines.append(l)
            if l in (b"ok", b"error"):
                return lines

    do(f"Connect(127.0.0.1:{port})")
    do("Wait(10,InputField)")
    t0 = time.perf_counter()
    last = None
    for _ in range(screens):
        do("Enter")
        do("Wait(10,Unlock)")
        last = do("Ascii")
    elapsed = time.perf_counter() - t0
    rtts = []
    for _ in range(200):
        t = time.perf_counter()
        do('String("x")')
        do("Enter")
        do("Wait(10,Unlock)")
        do("Ascii")
        rtts.append(time.perf_counter() - t)
    do("Quit")
    p.wait(timeout=10)
    assert last and b"SCREEN" in last[0], last[:2]
    return screens / elapsed, statistics.median(rtts) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--screens", type=int, default=20000)
    ap.add_argument("--r3270", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                    "target", "release", "r3270"))
    ap.add_argument("--s3270", default="s3270")
    args = ap.parse_args()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    threading.Thread(target=serve, args=(sock,), daemon=True).start()
    settings = [("default options", []),
                ("unlockDelay off (as py3270 and Robot start s3270)",
                 ["-xrm", "s3270.unlockDelay: False"])]
    for label, extra in settings:
        results = {}
        for name, base in (("s3270", [args.s3270]), ("r3270", [args.r3270, "script"])):
            n = args.screens
            rate, rtt = run(base + ["-model", "2"] + extra, port, n)
            results[name] = (rate, rtt)
            print(f"{label:52} {name}: {rate:10.1f} screens/s over {n} screens; "
                  f"String+Enter+Wait(Unlock)+Ascii median {rtt:.3f} ms", flush=True)
        ratio = results["r3270"][0] / results["s3270"][0]
        print(f"{label:52} ratio r3270/s3270: {ratio:.1f}x screens per second; "
              f"round trip {results['s3270'][1] / results['r3270'][1]:.1f}x faster", flush=True)
    sock.close()


if __name__ == "__main__":
    sys.exit(main())
