#!/usr/bin/env python3
"""Run one macro on many sessions through r3270's API, a few at a time.

    batch_macro.py TARGET MACRO --sessions N [--parallel P] [--set NAME=VALUE ...]

Opens N sessions on TARGET (a profile or host), plays MACRO on each with the values given
(a secret value may come from the environment: --set-env password=MY_PASSWORD_VAR), prints
one line per session and a summary, and closes the sessions. Exit status 1 if any failed.
"""

import argparse
import concurrent.futures
import os
import sys

from r3270api import Api, ApiError


def one(api, target, macro, values, i):
    name = f"batch-{os.getpid()}-{i}"
    try:
        api.post("/api/v1/sessions", {"target": target, "name": name})
        out = api.post(f"/api/v1/sessions/{name}/macros/{macro}", {"values": values})
        ok = bool(out.get("ok", True)) if isinstance(out, dict) else True
        return name, ok, (out or {}).get("error") or ""
    except ApiError as e:
        return name, False, str(e)
    finally:
        try:
            api.delete(f"/api/v1/sessions/{name}")
        except ApiError:
            pass


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("target")
    p.add_argument("macro")
    p.add_argument("--sessions", type=int, default=4)
    p.add_argument("--parallel", type=int, default=4)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--set-env", action="append", default=[], metavar="NAME=ENVVAR")
    a = p.parse_args()
    values = dict(s.split("=", 1) for s in a.set)
    for s in a.set_env:
        k, var = s.split("=", 1)
        values[k] = os.environ[var]
    api = Api()
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(a.parallel) as pool:
        jobs = [pool.submit(one, api, a.target, a.macro, values, i) for i in range(a.sessions)]
        for j in jobs:
            name, ok, why = j.result()
            print(f"{name}: {'ok' if ok else 'FAILED ' + why}")
            failed += not ok
    print(f"{a.sessions - failed} of {a.sessions} sessions ran {a.macro}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
