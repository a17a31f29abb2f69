"""A small client for r3270's HTTP API (`r3270 serve`), standard library only.

The token is read from R3270_TOKEN, or from the file named by R3270_TOKEN_FILE; the base
URL from R3270_API (default http://127.0.0.1:3270).
"""

import json
import os
import urllib.error
import urllib.request


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


class Api:
    def __init__(self, base=None, token=None):
        self.base = (base or os.environ.get("R3270_API", "http://127.0.0.1:3270")).rstrip("/")
        if token is None:
            token = os.environ.get("R3270_TOKEN")
        if token is None and os.environ.get("R3270_TOKEN_FILE"):
            with open(os.environ["R3270_TOKEN_FILE"], encoding="utf-8") as f:
                token = f.read().strip()
        if not token:
            raise SystemExit("set R3270_TOKEN or R3270_TOKEN_FILE (r3270 serve prints where the token is)")
        self.token = token

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        req.add_header("X-R3270-Caller", os.path.basename(os.sys.argv[0]))
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=300) as r:
                text = r.read().decode()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            raise ApiError(e.code, e.read().decode(errors="replace")) from None

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, body):
        return self.call("POST", path, body)

    def delete(self, path):
        return self.call("DELETE", path)
