//! The s3270-compatible paths: `/3270/rest/{json,text,stext,html}/ACTIONS` (GET and HEAD)
//! and `/3270/rest/post` (POST), on the default session or `/session/NAME/3270/rest/...`.
//!
//! Replies follow x3270's `-httpd`: 200 when every action succeeded, 400 when one failed
//! (a Wait that timed out, an unknown action), with the same result lines and status line
//! `r3270 script` prints. JSON replies carry x3270 4.6's fields, `result` (null when there
//! is no data, as 4.1 writes it), `result-err` (one boolean per result line) and `status`,
//! on one line; 4.1 omits `result-err` and, on an error, `status` (docs/API.md).

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::script_mode::Answer;

/// How a reply is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Json,
    Text,
    Stext,
    Html,
}

impl Mode {
    pub fn parse(word: &str) -> Option<Mode> {
        match word {
            "json" => Some(Mode::Json),
            "text" => Some(Mode::Text),
            "stext" => Some(Mode::Stext),
            "html" => Some(Mode::Html),
            _ => None,
        }
    }
}

/// `/3270/rest/MODE/` with no action: 400 `Missing 3270 action.` as s3270 says it, or 404
/// for a mode that does not exist.
pub async fn missing(axum::extract::Path(mode): axum::extract::Path<String>) -> Response {
    match Mode::parse(&mode) {
        Some(mode) => error(mode, StatusCode::BAD_REQUEST, "Missing 3270 action."),
        None => error(Mode::Html, StatusCode::NOT_FOUND, "Not found"),
    }
}

/// The reply for `answer` in `mode`.
pub fn reply(mode: Mode, answer: &Answer) -> Response {
    let code = if answer.ok {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let (kind, body) = match mode {
        Mode::Json => ("application/json; charset=utf-8", json(answer)),
        Mode::Stext if answer.ok => (
            "text/plain; charset=utf-8",
            format!("{}\n{}", answer.status, lines(&answer.data)),
        ),
        // s3270 writes no status line on an error.
        Mode::Text | Mode::Stext => ("text/plain; charset=utf-8", lines(&answer.data)),
        Mode::Html => ("text/html; charset=utf-8", html(answer)),
    };
    with_type(code, kind, body)
}

/// A reply that is not an action's answer (a missing action, a bad body), in `mode`.
pub fn error(mode: Mode, code: StatusCode, message: &str) -> Response {
    match mode {
        Mode::Json => with_type(
            code,
            "application/json; charset=utf-8",
            format!(
                "{}\n",
                serde_json::json!({"result": [message], "result-err": [true]})
            ),
        ),
        Mode::Text | Mode::Stext => {
            with_type(code, "text/plain; charset=utf-8", format!("{message}\n"))
        }
        Mode::Html => with_type(
            code,
            "text/html; charset=utf-8",
            page(
                &format!(
                    "{} {}",
                    code.as_u16(),
                    code.canonical_reason().unwrap_or("")
                ),
                &format!("<p>{}</p>", escape(message)),
            ),
        ),
    }
}

fn with_type(code: StatusCode, kind: &'static str, body: String) -> Response {
    let mut r = (code, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn lines(data: &[String]) -> String {
    let mut out = String::new();
    for d in data {
        out.push_str(d);
        out.push('\n');
    }
    out
}

fn json(answer: &Answer) -> String {
    let result = if answer.data.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::json!(answer.data)
    };
    let errs: Vec<bool> = answer.data.iter().map(|_| !answer.ok).collect();
    format!(
        "{}\n",
        serde_json::json!({"result": result, "result-err": errs, "status": answer.status})
    )
}

fn html(answer: &Answer) -> String {
    let title = if answer.ok { "Success" } else { "Error" };
    page(
        title,
        &format!(
            "<h2>Status</h2>\n<pre>{}</pre>\n<h2>Result</h2>\n<pre>{}</pre>",
            escape(&answer.status),
            escape(&lines(&answer.data))
        ),
    )
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<title>{t}</title>\n</head>\n<body>\n<h1>{t}</h1>\n{body}\n</body>\n</html>\n",
        t = escape(title)
    )
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// The action line a `/3270/rest/post` body asks for: plain text is an action line; JSON is
/// a string (an action line), an object `{"action": NAME, "args": [...]}`, or an array of
/// those, run in order.
pub fn post_line(headers: &HeaderMap, body: &Bytes) -> Result<String, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_owned())?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if !is_json {
        let line = text.trim();
        if line.is_empty() {
            return Err("Missing 3270 action.".to_owned());
        }
        return Ok(line.to_owned());
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("the JSON body is not valid: {e}"))?;
    let items = match value {
        serde_json::Value::Array(a) => a,
        v => vec![v],
    };
    if items.is_empty() {
        return Err("Missing 3270 action.".to_owned());
    }
    let mut parts = Vec::new();
    for item in items {
        parts.push(json_action(&item)?);
    }
    Ok(parts.join(" "))
}

fn json_action(item: &serde_json::Value) -> Result<String, String> {
    match item {
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Object(o) => {
            let name = o
                .get("action")
                .and_then(serde_json::Value::as_str)
                .ok_or("a JSON action needs \"action\": NAME")?;
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(format!("`{name}` is not an action name"));
            }
            let args = match o.get("args") {
                None => Vec::new(),
                Some(serde_json::Value::Array(a)) => a
                    .iter()
                    .map(|v| match v {
                        serde_json::Value::String(s) => Ok(quote(s)),
                        serde_json::Value::Number(n) => Ok(n.to_string()),
                        serde_json::Value::Bool(b) => Ok(b.to_string()),
                        _ => Err("an action's args are strings, numbers or booleans".to_owned()),
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err("\"args\" must be an array".to_owned()),
            };
            Ok(format!("{name}({})", args.join(",")))
        }
        _ => Err("a JSON action is a string or {\"action\": NAME, \"args\": [...]}".to_owned()),
    }
}

/// An argument in s3270's syntax: quoted, with `"` and `\` escaped.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn json_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h
    }

    #[test]
    fn post_bodies_become_action_lines() {
        let plain = HeaderMap::new();
        assert_eq!(
            post_line(&plain, &Bytes::from_static(b"Ascii(0,0,5)\n")).unwrap(),
            "Ascii(0,0,5)"
        );
        let j = json_headers();
        assert_eq!(
            post_line(
                &j,
                &Bytes::from_static(br#"{"action":"Ascii","args":[0,0,5]}"#)
            )
            .unwrap(),
            "Ascii(0,0,5)"
        );
        assert_eq!(
            post_line(
                &j,
                &Bytes::from_static(br#"[{"action":"String","args":["a \"b\", c"]},"Enter()"]"#)
            )
            .unwrap(),
            r#"String("a \"b\", c") Enter()"#
        );
        assert!(post_line(&j, &Bytes::from_static(b"[]")).is_err());
        assert!(post_line(&j, &Bytes::from_static(br#"{"action":"A(b)"}"#)).is_err());
        assert!(post_line(&j, &Bytes::from_static(b"{")).is_err());
        assert!(post_line(&plain, &Bytes::from_static(b"  ")).is_err());
    }

    #[test]
    fn json_replies_have_the_4_6_fields() {
        let ok = Answer {
            data: vec!["abc".to_owned()],
            status: "U F U".to_owned(),
            ok: true,
            quit: false,
        };
        let v: serde_json::Value = serde_json::from_str(&json(&ok)).unwrap();
        assert_eq!(v["result"][0], "abc");
        assert_eq!(v["result-err"][0], false);
        assert_eq!(v["status"], "U F U");
        let none = Answer {
            data: vec![],
            ..ok.clone()
        };
        let v: serde_json::Value = serde_json::from_str(&json(&none)).unwrap();
        assert!(v["result"].is_null());
        let bad = Answer {
            data: vec!["Wait(): Timed out".to_owned()],
            ok: false,
            ..ok
        };
        let v: serde_json::Value = serde_json::from_str(&json(&bad)).unwrap();
        assert_eq!(v["result-err"][0], true);
        assert!(html(&bad).contains("Wait(): Timed out"));
        assert!(escape("<a&b>") == "&lt;a&amp;b&gt;");
    }
}
