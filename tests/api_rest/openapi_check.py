"""docs/openapi.json against a running `r3270 serve` (started by tests/api_rest.rs).

Usage: openapi_check.py BASE_URL TOKEN_FILE DOC_PATH

Checks, and exits non-zero naming the first that fails:
- the server serves the same document at /api/v1/openapi.json;
- every route the server lists at GET /api/v1 is documented, and every documented
  /api/v1 operation is listed (so nothing served under /api/v1 goes undocumented);
- every documented operation, called validly (path parameters and request bodies from the
  document's examples), answers with its documented success status (never 404/405);
- every other method on a documented /api/v1 path answers 405.

The server is expected to have a profile `demo` (the demo host), a macro `sign-on` with a
secret prompt `password`, and a default session.
"""

import json
import sys

import requests

METHODS = ["get", "post", "put", "patch", "delete"]


def main():
    base, token_file, doc_path = sys.argv[1:4]
    token = open(token_file).read().strip()
    auth = {"Authorization": f"Bearer {token}"}
    doc = json.load(open(doc_path))

    served = requests.get(base + "/api/v1/openapi.json", headers=auth, timeout=30)
    assert served.status_code == 200, served.status_code
    assert served.json() == doc, "the served document differs from docs/openapi.json"

    index = requests.get(base + "/api/v1", headers=auth, timeout=30).json()
    listed = {(r["method"].lower(), r["path"]) for r in index["routes"]}
    documented = {
        (m, p)
        for p, item in doc["paths"].items()
        if p.startswith("/api/v1")
        for m in item
        if m in METHODS
    }
    assert listed - documented == set(), f"served but not documented: {listed - documented}"
    assert documented - listed == set(), f"documented but not served: {documented - listed}"

    # Creating the example session comes first, closing it last.
    ops = [(p, m, op) for p, item in doc["paths"].items() for m, op in item.items() if m in METHODS]

    def order(o):
        p, m, _ = o
        if m == "post" and p == "/api/v1/sessions":
            return 0
        if m == "delete":
            return 3
        return 1 if m == "get" else 2

    ops.sort(key=order)
    for path, method, op in ops:
        url = path
        for prm in op.get("parameters", []):
            if prm["in"] == "path":
                url = url.replace("{" + prm["name"] + "}", requests.utils.quote(str(prm["example"]), safe="()"))
        params = {
            prm["name"]: prm["example"]
            for prm in op.get("parameters", [])
            if prm["in"] == "query" and "example" in prm
        }
        kwargs = {"headers": dict(auth), "params": params, "timeout": 60}
        body = op.get("requestBody", {}).get("content", {})
        if "application/json" in body:
            kwargs["json"] = body["application/json"]["example"]
        elif "text/plain" in body:
            kwargs["data"] = body["text/plain"]["example"]
            kwargs["headers"]["Content-Type"] = "text/plain"
        stream = "text/event-stream" in json.dumps(op["responses"].get("200", {}))
        kwargs["stream"] = stream
        r = requests.request(method.upper(), base + url, **kwargs)
        want = min(int(c) for c in op["responses"] if c.startswith("2"))
        text = "" if stream else r.text[:300]
        assert r.status_code == want, f"{method.upper()} {url}: {r.status_code}, documented {want}: {text}"
        if stream:
            assert r.headers["content-type"].startswith("text/event-stream"), r.headers
            r.close()
        print(f"ok {method.upper()} {url} {r.status_code}")

    for path, item in doc["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        url = path.replace("{name}", "default").replace("{macro}", "sign-on")
        for m in METHODS:
            if m in item:
                continue
            r = requests.request(m.upper(), base + url, headers=auth, timeout=30)
            assert r.status_code == 405, f"{m.upper()} {url}: {r.status_code}, not documented"
    print("openapi ok")


if __name__ == "__main__":
    main()
