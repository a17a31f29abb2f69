#!/usr/bin/env python3
"""Count what the audit log records, per user and per session.

    r3270 audit export --format jsonl | audit_summary.py
    audit_summary.py FILE.jsonl ...

Reads audit records (JSON lines as stored) and prints, per OS user, the sessions they ran
and the AIDs they sent; per session, its endpoint, AIDs by key, screens and host errors;
and API calls by caller.
"""

import collections
import fileinput
import json
import sys


def main():
    sessions = {}
    aids = collections.Counter()
    keys = collections.defaultdict(collections.Counter)
    screens = collections.Counter()
    errors = collections.Counter()
    api_calls = collections.Counter()
    bad = 0
    for line in fileinput.input():
        line = line.strip()
        if not line:
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        kind, s = r.get("kind"), r.get("session")
        if kind == "session-start":
            sessions[s] = {"user": r.get("user", "?"), "endpoint": r.get("endpoint", "?")}
        elif kind == "aid":
            aids[s] += 1
            keys[s][r.get("key", "?")] += 1
        elif kind == "screen":
            screens[s] += 1
        elif kind == "host-error":
            errors[s] += 1
        elif kind == "api-call":
            api_calls[r.get("caller") or r.get("peer") or "?"] += 1
    per_user = collections.defaultdict(lambda: [0, 0])
    for s, info in sessions.items():
        per_user[info["user"]][0] += 1
        per_user[info["user"]][1] += aids[s]
    print("user            sessions      aids")
    for u, (n, a) in sorted(per_user.items()):
        print(f"{u:<15} {n:>8} {a:>9}")
    print()
    print("session                          endpoint               aids screens errors keys")
    for s, info in sorted(sessions.items()):
        k = " ".join(f"{name}={n}" for name, n in sorted(keys[s].items()))
        print(f"{s:<32} {info['endpoint']:<22} {aids[s]:>4} {screens[s]:>7} {errors[s]:>6} {k}")
    if api_calls:
        print()
        print("API calls by caller")
        for c, n in api_calls.most_common():
            print(f"  {c}: {n}")
    if bad:
        print(f"\n{bad} line(s) were not JSON and were skipped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
