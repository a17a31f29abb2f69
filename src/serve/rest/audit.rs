//! `GET /api/v1/audit`: the audit log, read-only, filtered and paged, with the reader of
//! `r3270 audit show` ([`crate::audit::read::scan`] and its [`Filter`]).
//!
//! Records come in the log's order (slot by slot, by sequence number within a slot). A page
//! ends with `next_cursor`, the `SLOT.SEQ` of its last record; the next page is the records
//! after that one, so records appended meanwhile never repeat one already given. Memory
//! stays bounded: the scan holds one log file at a time (files rotate at
//! `audit.rotate-bytes`) and keeps at most `limit` records (at most [`MAX_LIMIT`]).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::audit::read::{Filter, scan};

use super::super::http::Api;
use super::error;

/// Records in a page when the request does not say.
const DEFAULT_LIMIT: usize = 100;
/// The most records in one page.
pub const MAX_LIMIT: usize = 1000;

#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Record kinds, comma-separated (`session-start,aid`).
    kind: Option<String>,
    /// An audit session id, or the start of one.
    session: Option<String>,
    /// UTC bounds, `YYYY-MM-DD[THH:MM[:SS]]`: at or after `since`, before `until`.
    since: Option<String>,
    until: Option<String>,
    /// Text the record's line contains (case-insensitive).
    grep: Option<String>,
    limit: Option<usize>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Where a page starts: after this slot and sequence number.
fn parse_cursor(c: &str) -> Option<(u32, u64)> {
    let (slot, seq) = c.split_once('.')?;
    Some((slot.parse().ok()?, seq.parse().ok()?))
}

fn filter(p: &Params) -> Result<Filter, String> {
    let bound = |name: &str, v: &Option<String>| -> Result<Option<String>, String> {
        v.as_deref()
            .map(|s| {
                crate::audit::time::parse_bound(s).ok_or_else(|| {
                    format!(
                        "{name}: `{s}` is not a time; use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC)"
                    )
                })
            })
            .transpose()
    };
    Ok(Filter {
        session: p.session.clone().filter(|s| !s.is_empty()),
        since: bound("since", &p.since)?,
        until: bound("until", &p.until)?,
        kinds: p
            .kind
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect(),
        grep: p.grep.clone().filter(|g| !g.is_empty()),
    })
}

pub async fn list(State(api): State<Api>, q: Result<Query<Params>, QueryRejection>) -> Response {
    let p = match q {
        Ok(Query(p)) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    if api.pool.audit_writer().is_none() {
        return error(
            StatusCode::NOT_FOUND,
            "the audit log is off ([audit] enabled = false, or it could not be opened)",
        );
    }
    let f = match filter(&p) {
        Ok(f) => f,
        Err(why) => return error(StatusCode::BAD_REQUEST, &why),
    };
    let after = match p.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => match parse_cursor(c) {
            Some(at) => Some(at),
            None => return error(StatusCode::BAD_REQUEST, "cursor: a next_cursor from a page"),
        },
    };
    let limit = match p.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            return error(StatusCode::BAD_REQUEST, &format!("limit: 1 to {MAX_LIMIT}"));
        }
    };
    let config = api.pool.config();
    let dir = config.audit.log_dir(&config.paths.data_dir);
    let archive = config.audit.archive_dir.clone();
    let page =
        tokio::task::spawn_blocking(move || read_page(&dir, archive.as_deref(), &f, after, limit))
            .await;
    match page {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(why)) => error(StatusCode::INTERNAL_SERVER_ERROR, &why),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the audit reader stopped",
        ),
    }
}

/// One page: up to `limit` records after `after`, and the cursor of the next page if there
/// are more.
fn read_page(
    dir: &std::path::Path,
    archive: Option<&std::path::Path>,
    f: &Filter,
    after: Option<(u32, u64)>,
    limit: usize,
) -> Result<Value, String> {
    let mut records: Vec<(u32, u64, Value)> = Vec::with_capacity(limit);
    let mut more = false;
    scan(dir, archive, f, |e| {
        let at = (e.slot, e.seq());
        if after.is_some_and(|a| at <= a) {
            return true;
        }
        if records.len() == limit {
            more = true;
            return false;
        }
        records.push((at.0, at.1, e.value));
        true
    })
    .map_err(|e| e.to_string())?;
    let next = if more {
        records.last().map(|(slot, seq, _)| format!("{slot}.{seq}"))
    } else {
        None
    };
    let records: Vec<Value> = records
        .into_iter()
        .map(|(slot, seq, record)| json!({ "slot": slot, "seq": seq, "record": record }))
        .collect();
    Ok(json!({ "records": records, "next_cursor": next }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::writer::{Writer, WriterOptions};

    #[test]
    fn pages_follow_each_other_without_repeats_even_while_the_log_grows() {
        let base = std::env::temp_dir().join(format!(
            "r3270-rest-audit-{}-{}",
            std::process::id(),
            crate::audit::time::now().replace([':', '.'], "")
        ));
        let mut o = WriterOptions::new(&base.join("log"), &base.join("keys"));
        o.rotate_bytes = 2_000;
        let mut w = Writer::open(o.clone()).unwrap();
        for i in 0..25 {
            w.append("aid", &json!({"session": "s", "i": i})).unwrap();
        }
        let f = Filter {
            kinds: vec!["aid".into()],
            ..Filter::default()
        };
        let mut seen = Vec::new();
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let page = read_page(&o.dir, None, &f, cursor, 10).unwrap();
            pages += 1;
            for r in page["records"].as_array().unwrap() {
                seen.push(r["record"]["i"].as_u64().unwrap());
            }
            if pages == 1 {
                for i in 25..30 {
                    w.append("aid", &json!({"session": "s", "i": i})).unwrap();
                }
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = parse_cursor(c),
                None => break,
            }
        }
        w.close().unwrap();
        assert_eq!(seen, (0..30).collect::<Vec<u64>>());
        assert_eq!(pages, 3);
        let _ = std::fs::remove_dir_all(&base);
    }
}
