//! What the API says about a tab: its summary (the field names of `r3270 serve`'s session
//! list), its screen (rows, cursor, fields, OIA: the shape `r3270 serve` answers with, read
//! from the tab's session and driver) and `Query()`'s keywords. Non-display fields never
//! show: the rows come from `Session::text_rows`, which blanks them, and their entries in
//! the field map have an empty text.

use serde_json::{Value, json};

use crate::app::Tab;
use crate::proto::Mode;
use crate::runtime::host::HostSpec;
use crate::ui::monitor::SessionState;

/// A tab's state in `r3270 serve`'s words (with `paused` and `reconnecting`, which only
/// tabs have).
pub(crate) fn state_word(tab: &Tab) -> &'static str {
    match tab.monitor_state(None) {
        SessionState::Paused => "paused",
        SessionState::Reconnecting(_) => "reconnecting",
        SessionState::Connecting | SessionState::Negotiating => "connecting",
        SessionState::Disconnected => {
            // Every endpoint failed before this tab ever connected.
            if !tab.tried.is_empty() && tab.driver().stats().link.connections == 0 {
                "failed"
            } else {
                "disconnected"
            }
        }
        SessionState::Connected3270
        | SessionState::ConnectedTn3270e
        | SessionState::ConnectedSscp
        | SessionState::ConnectedNvt => "connected",
    }
}

/// Every state [`state_word`] gives, in `/metrics`' order.
pub const STATES: [&str; 7] = [
    "not-connected",
    "connecting",
    "connected",
    "disconnected",
    "failed",
    "paused",
    "reconnecting",
];

/// One tab's summary: `r3270 serve`'s fields, plus its number and whether it has the
/// focus.
pub(crate) fn summary(tab: &Tab, index: usize, focused: bool) -> Value {
    let stats = tab.driver().stats();
    let st = &stats.session;
    json!({
        "name": tab.name,
        "profile": tab.profile.name,
        "state": state_word(tab),
        "endpoint": stats.link.endpoint,
        "last-error": tab.last_error,
        "keyboard-locked": tab.session().is_locked(),
        "screens": tab.driver().screens(),
        "bytes-in": st.bytes_in,
        "bytes-out": st.bytes_out,
        "records-in": st.records_in,
        "records-out": st.records_out,
        "lu": stats.link.lu,
        "terminal-type": stats.link.terminal_type,
        "number": index + 1,
        "focused": focused,
        "monitor-state": tab.monitor_state(None).word(),
    })
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Negotiating => "negotiating",
        Mode::Nvt | Mode::Tn3270eNvt => "NVT",
        Mode::Tn3270 => "TN3270",
        Mode::Tn3270e => "TN3270E",
        Mode::SscpLu => "SSCP-LU",
    }
}

/// A tab's screen: rows, cursor, size, fields and the OIA.
pub(crate) fn screen(tab: &Tab) -> Value {
    let session = tab.session();
    let screen = session.screen();
    let rows = session.text_rows();
    // The field map of `r3270 screen --json` and the REST screen (non-display fields blank).
    let fields = crate::headless::fields(session, &rows);
    let dims = screen.dims();
    let cursor = screen.cursor_position();
    let oia = session.oia();
    let stats = tab.driver().stats();
    json!({
        "session": tab.name,
        "rows": rows,
        "cursor": { "row": cursor.row, "col": cursor.col },
        "size": { "rows": dims.rows, "cols": dims.cols },
        "formatted": screen.is_formatted(),
        "fields": fields,
        "oia": {
            "locked": oia.lock.is_some(),
            "lock_reason": oia.lock.map(crate::proto::LockReason::label),
            "waiting_for_host": crate::script::keyboard_waits(tab.driver()),
            "mode": mode_name(session.mode()),
            "insert": oia.insert,
            "typeahead": oia.typeahead,
            "alarm": oia.alarm,
            "lu": oia.lu,
            "terminal_type": oia
                .terminal_type
                .clone()
                .unwrap_or_else(|| session.config().terminal_type()),
            "tls": match oia.secure {
                None => "none",
                Some(s) if s.verified => "verified",
                Some(_) => "unverified",
            },
            "last_response_ms": oia.last_response_time.map(|d| d.as_secs_f64() * 1000.0),
        },
        "host": stats.link.peer.map(|p| p.to_string()),
        "ended": tab.driver().ended().map(ToString::to_string),
        "audit_session": tab.driver().audit_session(),
    })
}

/// The host's name as s3270's status line and `Query(Host)` show it: the endpoint in use
/// (the profile's host or an alternate), else the profile's host.
pub(crate) fn host_name(tab: &Tab) -> String {
    endpoint_spec(tab).host
}

fn endpoint_spec(tab: &Tab) -> HostSpec {
    tab.driver()
        .stats()
        .link
        .endpoint
        .and_then(|e| e.parse::<HostSpec>().ok())
        .unwrap_or_else(|| tab.profile.host_spec())
}

/// `Query()`'s keywords s3270 has that the interactive client's API does not answer.
const QUERY_ELSEWHERE: &[&str] = &[
    "About",
    "Actions",
    "BindPluName",
    "CodePages",
    "ConnectTime",
    "Copyright",
    "Proxies",
    "Proxy",
    "ScreenTraceFile",
    "Tasks",
    "TelnetHostOptions",
    "TelnetMyOptions",
    "TlsCertInfo",
    "TlsProvider",
    "TlsSessionInfo",
    "TlsSubjectNames",
    "Tn3270eOptions",
    "TraceFile",
    "Version",
];

/// The keywords answered here.
const QUERY_HERE: &[&str] = &[
    "BuildOptions",
    "CodePage",
    "ConnectionState",
    "Cursor",
    "Cursor1",
    "Formatted",
    "Host",
    "LocalEncoding",
    "LuName",
    "Model",
    "Prefixes",
    "ScreenSizeCurrent",
    "ScreenSizeMax",
    "StatsRx",
    "StatsTx",
    "TerminalName",
    "Tls",
];

/// `Query(KEYWORD)` on a tab, in s3270's words.
pub(crate) fn query(tab: &Tab, args: &[String]) -> Result<Vec<String>, Vec<String>> {
    let k = match args {
        [] => {
            return Err(vec![
                "Query(): the interactive client's API answers one keyword at a time \
                 (Query(ConnectionState), Query(Cursor), ...)"
                    .to_owned(),
            ]);
        }
        [k] => k,
        _ => return Err(vec!["Query requires 0 or 1 arguments".to_owned()]),
    };
    if let Some(name) = QUERY_ELSEWHERE.iter().find(|n| n.eq_ignore_ascii_case(k)) {
        return Err(vec![format!(
            "Query({name}): not available in the interactive client's API"
        )]);
    }
    let name = QUERY_HERE
        .iter()
        .find(|n| n.eq_ignore_ascii_case(k))
        .ok_or_else(|| vec!["Query: Unknown parameter".to_owned()])?;
    Ok(vec![query_one(tab, name)])
}

fn query_one(tab: &Tab, key: &str) -> String {
    let session = tab.session();
    let cfg = session.config();
    let screen = session.screen();
    let dims = screen.dims();
    let (rows, cols) = (usize::from(dims.rows), usize::from(dims.cols.max(1)));
    let cursor = screen.cursor().index();
    let connected = tab.driver().is_connected();
    let stats = tab.driver().stats();
    match key {
        "ConnectionState" => {
            crate::script_mode::connection_state_word(connected.then(|| session.mode())).to_owned()
        }
        "Cursor" => format!("{} {}", cursor / cols, cursor % cols),
        "Cursor1" => format!(
            "row {} column {} offset {cursor}",
            cursor / cols + 1,
            cursor % cols + 1
        ),
        "Formatted" => if screen.is_formatted() {
            "formatted"
        } else {
            "unformatted"
        }
        .to_owned(),
        "Host" if connected => {
            let spec = endpoint_spec(tab);
            format!("host {} {}", spec.host, spec.port)
        }
        "LuName" => stats.link.lu.unwrap_or_default(),
        "TerminalName" | "Model" => cfg.terminal_type(),
        "ScreenSizeCurrent" => format!("rows {rows} columns {cols}"),
        "ScreenSizeMax" => {
            let d = cfg.oversize.unwrap_or_else(|| cfg.model.alternate_dims());
            format!("rows {} columns {}", d.rows, d.cols)
        }
        "StatsRx" if connected => format!(
            "records {} bytes {}",
            stats.session.records_in, stats.session.bytes_in
        ),
        "StatsTx" if connected => format!(
            "records {} bytes {}",
            stats.session.records_out, stats.session.bytes_out
        ),
        "Tls" if connected => match stats.link.tls {
            Some(true) => "secure host-verified",
            Some(false) => "secure host-unverified",
            None => "not secure",
        }
        .to_owned(),
        "CodePage" => {
            let cp = cfg.code_page;
            let id = cp.cgcsgid();
            format!(
                "{} sbcs gcsgid {} cpgid {}",
                cp.name(),
                id >> 16,
                id & 0xffff
            )
        }
        "LocalEncoding" => "UTF-8".to_owned(),
        "BuildOptions" => format!("r3270 {}", env!("CARGO_PKG_VERSION")),
        "Prefixes" => "ACLNPSBYT".to_owned(),
        _ => String::new(),
    }
}
