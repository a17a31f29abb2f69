//! Replaying an x3270 trace through the session [`Driver`] (the one every front end uses):
//! the engine of `r3270 replay` and of the golden tests over the trace corpus.
//!
//! The host side of the trace is fed burst by burst; the operator actions the trace records
//! (`String()`, `Enter()`, `PF(3)`, typed keys) are pressed where they happened; the session
//! answers as a client would. In strict mode every byte the session sends is compared with
//! the trace's client lines (`>`), as one continuous stream, and the first difference is
//! reported with its offset. Time is virtual: each burst advances a clock by a millisecond,
//! so runs are repeatable.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::driver::{Connected, Driver, Output};
use crate::proto::addr::Dimensions;
use crate::proto::codepage::CodePage;
use crate::proto::error::HostError;
use crate::proto::key::Key;
use crate::proto::model::{Model, TerminalConfig};
use crate::proto::session::{Session, SessionEvent};
use crate::trace::{Trace, TraceEvent};

/// How to replay.
#[derive(Clone, Debug, Default)]
pub struct ReplayOptions {
    /// Emulate this model instead of the one the trace names.
    pub model: Option<Model>,
    /// Compare the client's bytes with the trace.
    pub strict: bool,
}

/// The first place where the session's bytes differ from the trace's client bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Offset in the client byte stream (all client bursts concatenated).
    pub offset: usize,
    /// 1-based number of the client burst in which it falls.
    pub burst: usize,
    /// Up to 16 bytes the trace has from `offset` on.
    pub expected: Vec<u8>,
    /// Up to 16 bytes the session sent from `offset` on.
    pub actual: Vec<u8>,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "client bytes differ at offset {} (client burst {}): trace has {}, r3270 sent {}",
            self.offset,
            self.burst,
            hex_or_end(&self.expected),
            hex_or_end(&self.actual)
        )
    }
}

fn hex_or_end(b: &[u8]) -> String {
    if b.is_empty() {
        "nothing more".to_owned()
    } else {
        b.iter().fold(String::new(), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
    }
}

/// What a replay produced.
#[derive(Debug)]
pub struct ReplayReport {
    /// The final screen, as s3270's `Ascii()` prints it.
    pub rows: Vec<String>,
    /// Everything the session sent.
    pub sent: Vec<u8>,
    /// Everything the trace says the client sent.
    pub expected: Vec<u8>,
    /// In strict mode, the first difference.
    pub mismatch: Option<Mismatch>,
    /// Whether the trace records any client bytes to compare with (generated traces hold
    /// only the host side).
    pub comparable: bool,
    /// Every event the session reported.
    pub events: Vec<SessionEvent>,
    /// The session at the end, for further inspection.
    pub session: Session,
}

impl ReplayReport {
    /// Host errors the session reported (malformed records and the like).
    pub fn host_errors(&self) -> impl Iterator<Item = &HostError> {
        self.events.iter().filter_map(|e| match e {
            SessionEvent::HostError { error, .. } => Some(error),
            _ => None,
        })
    }
}

/// The model whose alternate size is `rows` x `cols`, if any.
fn model_for_size(rows: u16, cols: u16) -> Option<Model> {
    (2..=5).find_map(|n| {
        let m = Model {
            number: n,
            color: true,
            extended: true,
        };
        (m.alternate_dims() == Dimensions::new(rows, cols)).then_some(m)
    })
}

/// The terminal a trace's client emulated.
pub fn terminal_config(trace: &Trace, model: Option<Model>) -> TerminalConfig {
    let mut cfg = TerminalConfig::default();
    let (rows, cols) = trace.rows_cols().unwrap_or((24, 80));
    let from_header = trace.model().and_then(|m| m.parse::<Model>().ok());
    cfg.model = model
        .or(from_header)
        .or_else(|| model_for_size(rows, cols))
        .unwrap_or_default();
    if let Some(sent) = trace.sent_terminal_type() {
        let sent = sent.split('@').next().unwrap_or_default().to_owned();
        if sent == "IBM-DYNAMIC" {
            cfg.oversize = Some(Dimensions::new(rows, cols));
        } else if sent != cfg.model.terminal_type()
            && sent != cfg.model.terminal_type().replace("IBM-3279", "IBM-3278")
        {
            cfg.terminal_type = Some(sent);
        }
    } else if model.is_none() && from_header.is_none() && model_for_size(rows, cols).is_none() {
        cfg.oversize = Some(Dimensions::new(rows, cols));
    }
    if let Some(cp) = trace
        .header
        .code_page
        .as_deref()
        .and_then(CodePage::from_name)
    {
        cfg.code_page = cp;
    }
    if let Some(target) = trace.connect_target().or_else(|| command_line_host(trace)) {
        cfg.lu = lu_from_target(&target);
    }
    for (_, text) in trace.notes() {
        if let Some(list) = text.strip_prefix("SENT SB TN3270E FUNCTIONS REQUEST ") {
            if cfg.tn3270e_functions.is_none() {
                cfg.tn3270e_functions = Some(
                    list.split_whitespace()
                        .filter_map(crate::proto::tn3270e::Function::from_name)
                        .map(|f| f as u8)
                        .collect(),
                );
            }
        }
        // What the client said about itself is the best record of how it was configured
        // (x3270 takes USER from the environment when no setting names it).
        if let Some(rest) = text.strip_prefix("SENT SB NEW-ENVIRON IS ") {
            cfg.user = cfg.user.take().or_else(|| environ_value(rest, "USER"));
            if cfg.user.is_none() && rest.contains("VAR \"USER\"") {
                // USER sent with an empty value (the note prints no VALUE then).
                cfg.user = Some(String::new());
            }
            cfg.applid = cfg
                .applid
                .take()
                .or_else(|| environ_value(rest, "IBMAPPLID"));
            if cfg.devname.is_none() {
                cfg.devname = environ_value(rest, "DEVNAME");
            }
        }
    }
    if cfg.applid.as_deref() == Some("None") {
        cfg.applid = None;
    }
    if let Some(template) = trace
        .header
        .settings
        .get("devName")
        .filter(|d| !d.is_empty())
    {
        cfg.devname = Some(template.clone());
    }
    // x3270's `oversize=COLSxROWS` setting.
    if let Some((cols, rows)) = trace
        .header
        .settings
        .get("oversize")
        .and_then(|o| o.split_once('x'))
        .and_then(|(c, r)| Some((c.parse::<u16>().ok()?, r.parse::<u16>().ok()?)))
    {
        let d = Dimensions::new(rows, cols);
        if d.is_valid() && cfg.terminal_type.is_none() {
            cfg.oversize = Some(d);
        }
    }
    // A script may set the template before connecting: `Set("devname", "bar=")`.
    if let Some(template) = trace.actions().find_map(|(_, name, args, _)| {
        (name.eq_ignore_ascii_case("Set")
            && args
                .first()
                .is_some_and(|a| a.eq_ignore_ascii_case("devname")))
        .then(|| args.get(1).cloned())
        .flatten()
    }) {
        cfg.devname = Some(template);
    }
    cfg
}

fn command_line_host(trace: &Trace) -> Option<String> {
    let cmd = trace.header.command.as_deref()?;
    cmd.split_whitespace()
        .last()
        .filter(|w| !w.starts_with('-'))
        .map(str::to_owned)
}

/// The LU part of an x3270 host string: `[L:][N:]...[LU[,LU]@]host[:port]`.
fn lu_from_target(target: &str) -> Option<String> {
    if let Some((_, query)) = target.split_once("?lu=") {
        // URL form: tn3270://host:port?lu=NAME
        let lu = query.split('&').next().unwrap_or(query);
        return (!lu.is_empty()).then(|| lu.to_owned());
    }
    let (lu, _) = target.rsplit_once('@')?;
    let lu = lu.rsplit(':').next().unwrap_or(lu);
    let first = lu.split(',').next().unwrap_or(lu);
    (!first.is_empty()).then(|| first.to_owned())
}

fn environ_value(text: &str, name: &str) -> Option<String> {
    let pat = format!("\"{name}\" VALUE \"");
    let start = text.find(&pat)? + pat.len();
    let end = text[start..].find('"')?;
    Some(text[start..start + end].to_owned())
}

/// Translate one trace action into keys, by s3270's names (the one parser in
/// [`crate::script::s3270`]). Actions that are not keys (Connect, Set, Wait, Trace, ...)
/// and keys with bad arguments give none.
pub fn action_keys(name: &str, args: &[String]) -> Vec<Key> {
    crate::script::s3270::action_keys(name, args)
        .and_then(Result::ok)
        .unwrap_or_default()
}

/// Replay a trace through the session driver every front end uses.
pub fn replay(trace: &Trace, options: &ReplayOptions) -> ReplayReport {
    let cfg = terminal_config(trace, options.model);
    // The engine's own limits: a replay applies no `[limits]` of its own.
    let defaults = Session::new(cfg.clone());
    let mut driver = Driver::new(cfg, defaults.max_record(), defaults.typeahead_limit());
    drop(defaults);
    // A virtual clock: only differences matter to the session.
    #[allow(clippy::disallowed_methods)]
    let start = Instant::now();
    let mut tick = 0u64;
    let mut now = || {
        tick += 1;
        start + Duration::from_millis(tick)
    };
    driver.connected(
        now(),
        Connected {
            endpoint: trace
                .connect_target()
                .or_else(|| command_line_host(trace))
                .unwrap_or_else(|| "trace".to_owned()),
            peer: SocketAddr::from(([0, 0, 0, 0], 0)),
            direct_tls: None,
            connect_time: None,
        },
    );
    let mut sent = Vec::new();
    let mut expected = Vec::new();
    let mut bursts: Vec<usize> = Vec::new();
    let mut events = Vec::new();
    let drain = |d: &mut Driver, sent: &mut Vec<u8>, events: &mut Vec<SessionEvent>| {
        while let Some(out) = d.poll_output() {
            // A trace has no TLS to start and no connection to drop: only bytes count.
            if let Output::Send(bytes) = out {
                sent.extend_from_slice(&bytes);
            }
        }
        while let Some(e) = d.poll_event() {
            events.push(e);
        }
    };
    for ev in trace.replay_actions() {
        match ev {
            TraceEvent::Host(bytes) => {
                driver.input(now(), bytes);
                drain(&mut driver, &mut sent, &mut events);
            }
            TraceEvent::Client(bytes) => {
                expected.extend_from_slice(bytes);
                bursts.push(expected.len());
            }
            TraceEvent::Action { name, args, .. } => {
                for key in action_keys(name, args) {
                    driver.key(now(), key);
                    drain(&mut driver, &mut sent, &mut events);
                }
            }
            TraceEvent::Note { .. } => {}
        }
    }
    let mismatch = if options.strict {
        compare(&sent, &expected, &bursts)
    } else {
        None
    };
    let comparable = !expected.is_empty();
    let session = driver.into_session();
    ReplayReport {
        rows: session.text_rows(),
        sent,
        expected,
        mismatch: if comparable { mismatch } else { None },
        comparable,
        events,
        session,
    }
}

fn compare(sent: &[u8], expected: &[u8], bursts: &[usize]) -> Option<Mismatch> {
    let offset = sent
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .or_else(|| (sent.len() != expected.len()).then(|| sent.len().min(expected.len())))?;
    let burst = bursts
        .iter()
        .position(|&end| offset < end)
        .map_or(bursts.len() + 1, |i| i + 1);
    let window = |b: &[u8]| {
        b.get(offset..)
            .unwrap_or_default()
            .iter()
            .take(16)
            .copied()
            .collect()
    };
    Some(Mismatch {
        offset,
        burst,
        expected: window(expected),
        actual: window(sent),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lu_parsing() {
        assert_eq!(
            lu_from_target("L:IBM0TE01@host:23").as_deref(),
            Some("IBM0TE01")
        );
        assert_eq!(lu_from_target("lu1,lu2@h").as_deref(), Some("lu1"));
        assert_eq!(lu_from_target("host:23"), None);
        assert_eq!(
            lu_from_target("tn3270://127.0.0.1:8021?lu=foo").as_deref(),
            Some("foo")
        );
    }

    use crate::proto::key::Aid;

    #[test]
    fn actions_to_keys() {
        assert_eq!(action_keys("Key", &["U+006c".into()]), vec![Key::Char('l')]);
        assert_eq!(action_keys("PF", &["3".into()]), vec![Key::Aid(Aid::Pf(3))]);
        assert_eq!(
            action_keys("String", &["ab\\n".into()]),
            vec![Key::Char('a'), Key::Char('b'), Key::Aid(Aid::Enter)]
        );
        assert_eq!(action_keys("Enter", &[]), vec![Key::Aid(Aid::Enter)]);
        assert!(action_keys("Connect", &["h".into()]).is_empty());
    }

    #[test]
    fn mismatch_reports_first_difference() {
        let m = compare(&[1, 2, 3], &[1, 2, 4, 5], &[2, 4]).unwrap();
        assert_eq!((m.offset, m.burst), (2, 2));
        assert!(compare(&[1, 2], &[1, 2], &[2]).is_none());
        assert_eq!(compare(&[1], &[1, 2], &[2]).unwrap().offset, 1);
    }
}
