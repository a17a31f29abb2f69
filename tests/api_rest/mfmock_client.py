"""A Python client of r3270's REST API against mainframe-mocker (tests/api_rest.rs starts
both; `r3270 serve` has a profile `mock` for mfmock and a macro `mock-sign-on` whose
password prompt is secret).

Usage: mfmock_client.py BASE_URL TOKEN_FILE SECRET

Opens a session, reads the screen, signs on with a wrong password (SECRET) by steps, then
with the macro and the right one, pages the audit log, closes the session, and checks the
error replies. SECRET must never come back in any reply. Exits non-zero on the first
failure.
"""

import sys

import requests


def main():
    base, token_file, secret = sys.argv[1:4]
    token = open(token_file).read().strip()
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    api = base + "/api/v1"
    replies = []

    def call(method, path, want, **kw):
        r = s.request(method, api + path, timeout=60, **kw)
        replies.append(r.text)
        assert r.status_code == want, f"{method} {path}: {r.status_code} (wanted {want}): {r.text[:400]}"
        return r.json() if r.content else None

    created = call("POST", "/sessions", 201, json={"target": "mock", "name": "py"})
    assert created["state"] == "connected", created
    assert created["lu"], created

    screen = call("GET", "/sessions/py/screen", 200)
    assert any("SIGN ON" in row for row in screen["rows"]), screen["rows"]
    hidden = [f for f in screen["fields"] if f["hidden"] and not f["protected"]]
    assert hidden, "the sign-on screen has a non-display input field"

    # A wrong password, typed by steps into the hidden field.
    bad = call(
        "POST",
        "/sessions/py/steps",
        200,
        json={
            "steps": [
                {"wait": "input-field", "timeout": 10},
                "String(DEMO)",
                {"key": "Tab"},
                {"text": secret},
                {"key": "Enter", "timeout": 10},
                {"wait": {"text": "INCORRECT"}, "timeout": 10},
            ],
            "timeout": 30,
        },
    )
    assert bad["ok"] and bad["failed"] is None, bad
    assert bad["completed"] == 6, bad

    # A wait that never holds: 504 and the step.
    late = call(
        "POST",
        "/sessions/py/steps",
        504,
        json={"steps": ["Tab", {"wait": {"text": "NEVER ON THIS SCREEN"}, "timeout": 1}]},
    )
    assert late["failed"]["index"] == 1 and late["failed"]["kind"] == "timeout", late
    assert late["screen"]["rows"], late

    # The macro, with the right password as its secret value.
    macros = call("GET", "/macros", 200)["macros"]
    sign_on = next(m for m in macros if m["name"] == "mock-sign-on")
    assert {"name": "password", "secret": True} in sign_on["prompts"], sign_on
    missing = call("POST", "/sessions/py/macros/mock-sign-on", 400, json={"values": {}})
    assert "password" in missing["error"], missing
    ran = call("POST", "/sessions/py/macros/mock-sign-on", 200, json={"values": {"password": "DEMO"}})
    assert ran["ok"], ran
    assert any("MAIN MENU" in row for row in ran["screen"]["rows"]), ran["screen"]["rows"]

    details = call("GET", "/sessions/py", 200)
    assert details["stats"]["aids"].get("enter", 0) >= 2, details["stats"]["aids"]
    assert sum(b["count"] for b in details["stats"]["response"]["buckets"]) >= 2, details

    # The audit log, three records a page: no record twice, none missed.
    audit_session = ran["screen"]["audit_session"]
    assert audit_session, ran["screen"]
    seen, cursor = [], None
    while True:
        params = {"limit": 3, "session": audit_session}
        if cursor:
            params["cursor"] = cursor
        page = call("GET", "/audit", 200, params=params)
        seen += [(r["slot"], r["seq"]) for r in page["records"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)), f"a record came twice: {seen}"
    whole = call("GET", "/audit", 200, params={"limit": 1000, "session": audit_session})
    assert seen == [(r["slot"], r["seq"]) for r in whole["records"]], "pages differ from one page"
    kinds = {r["record"]["kind"] for r in whole["records"]}
    assert {"session-start", "aid"} <= kinds, kinds

    # Errors.
    call("GET", "/sessions/nobody/screen", 404)
    r = s.post(api + "/sessions/py/steps", data="{not json", headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 400 and "error" in r.json(), r.text
    r = requests.get(api + "/sessions", timeout=30)
    assert r.status_code == 401, r.status_code
    r = requests.get(api + "/sessions", headers={"Authorization": "Bearer wrong"}, timeout=30)
    assert r.status_code == 403, r.status_code

    call("DELETE", "/sessions/py", 204)
    call("GET", "/sessions/py", 404)

    for text in replies:
        assert secret not in text and secret.upper() not in text, "the password came back"
    print("mfmock client ok")


if __name__ == "__main__":
    main()
