//! The actions that read and set rather than type: `Set`/`Toggle`, `PrintText`, `Snap`,
//! `Query`, and the status line every answer ends with.

use std::time::Duration;

use tokio::sync::mpsc;

use super::{Failure, Line, Options, Progress, Reply, Runner, State, Step, Until, version_text};
use crate::proto::Mode;
use crate::runtime::client::Client;
use crate::script;

impl State {
    pub(super) fn set(&mut self, name: &str, args: &[String]) -> Reply {
        let Some(setting) = args.first() else {
            return Err(vec![format!("{name}(): Requires at least 1 argument")]);
        };
        let key = setting.to_ascii_lowercase();
        let current = self.toggles.get(&key).copied().unwrap_or(false);
        let parse = |v: &str| match v.to_ascii_lowercase().as_str() {
            "true" | "set" | "on" | "1" => Ok(true),
            "false" | "clear" | "off" | "0" => Ok(false),
            _ => Err(vec![format!("{name}(): Invalid value '{v}'")]),
        };
        match (name, args.get(1)) {
            ("Set", None) => Ok(vec![current.to_string()]),
            ("Set" | "Toggle", Some(v)) => {
                let on = parse(v)?;
                self.toggles.insert(key, on);
                Ok(vec![])
            }
            _ => {
                self.toggles.insert(key, !current);
                Ok(vec![])
            }
        }
    }

    pub(super) fn print_text(&mut self, args: &[String]) -> Reply {
        let mut html = false;
        let mut to_string = false;
        let mut append = false;
        let mut file: Option<String> = None;
        let mut i = 0;
        while i < args.len() {
            match args[i].to_ascii_lowercase().as_str() {
                "html" => html = true,
                "text" | "plain" | "nomodal" | "modal" | "replace" | "wait" => {}
                "string" => to_string = true,
                "append" => append = true,
                "file" => {
                    i += 1;
                    file = Some(args.get(i).cloned().ok_or_else(|| {
                        vec!["PrintText(): Missing filename after 'file'".to_owned()]
                    })?);
                }
                "rtf" | "postscript" | "gdi" | "printer" => {
                    return Err(vec![format!(
                        "PrintText(): '{}' is not supported by r3270 (use html or text)",
                        args[i]
                    )]);
                }
                _ if i == args.len() - 1 && file.is_none() => file = Some(args[i].clone()),
                _ => return Err(vec![format!("PrintText(): Unknown keyword '{}'", args[i])]),
            }
            i += 1;
        }
        self.mark_read();
        let grid = self.grid();
        let body = if html {
            grid.html()
        } else {
            let mut t = grid.plain().join("\n");
            t.push('\n');
            t
        };
        if to_string || file.is_none() {
            return Ok(body.lines().map(str::to_owned).collect());
        }
        let Some(path) = file else { return Ok(vec![]) };
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true);
        if append {
            opts.append(true);
        } else {
            opts.write(true).truncate(true);
        }
        match opts
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, body.as_bytes()))
        {
            Ok(()) => Ok(vec![]),
            Err(e) => Err(vec![format!("PrintText(): {path}: {e}")]),
        }
    }

    pub(super) async fn snap(&mut self, args: &[String], rx: &mut mpsc::Receiver<Line>) -> Reply {
        let Some(first) = args.first() else {
            self.snap_save();
            return Ok(vec![]);
        };
        let kw = first.to_ascii_lowercase();
        if kw == "wait" {
            let (timeout, rest) = match args.get(1).map(|a| a.trim().parse::<f64>()) {
                Some(Ok(t)) if t >= 0.0 && t.is_finite() => {
                    (Some(Duration::from_secs_f64(t)), &args[2..])
                }
                _ => (None, &args[1..]),
            };
            if rest.len() != 1 || !rest[0].eq_ignore_ascii_case("output") {
                return Err(vec!["Snap(): Unknown parameter to Snap(Wait)".to_owned()]);
            }
            if self.client.is_none() {
                return Err(vec!["Snap(): Not connected".to_owned()]);
            }
            if self.output_needed {
                let wait = script::Wait {
                    until: Until::Output {
                        after: Some(self.read_at),
                    },
                    timeout,
                };
                let mut runner = Runner::new([Step::Wait(wait)], Options::default());
                if let Progress::Failed(f) = self.run_runner(&mut runner, Some(rx)).await {
                    return Err(vec![match f {
                        Failure::TimedOut { .. } => "Wait(): Timed out".to_owned(),
                        _ => "Snap(): Not connected".to_owned(),
                    }]);
                }
            }
            self.snap_save();
            return Ok(vec![]);
        }
        if kw == "save" {
            if args.len() != 1 {
                return Err(vec!["Snap(): Extra argument(s)".to_owned()]);
            }
            self.snap_save();
            return Ok(vec![]);
        }
        let Some((grid, status)) = &self.snap else {
            return Err(vec!["Snap(): No saved state".to_owned()]);
        };
        let rest = &args[1..];
        match kw.as_str() {
            "status" => Ok(vec![status.clone()]),
            "rows" => Ok(vec![grid.rows.to_string()]),
            "cols" => Ok(vec![grid.cols.to_string()]),
            "ascii" => grid.dump("Ascii", rest, 0, false).map_err(|e| vec![e]),
            "ascii1" => grid.dump("Ascii1", rest, 1, false).map_err(|e| vec![e]),
            "ebcdic" => grid.dump("Ebcdic", rest, 0, true).map_err(|e| vec![e]),
            "ebcdic1" => grid.dump("Ebcdic1", rest, 1, true).map_err(|e| vec![e]),
            "readbuffer" => Ok(grid.read_buffer(rest.first().is_some_and(|a| a.eq_ignore_ascii_case("ebcdic")))),
            _ => Err(vec![
                "Snap(): Argument must be Save, Status, Rows, Cols, Wait, Ascii, Ascii1, Ebcdic, Ebcdic1 or ReadBuffer"
                    .to_owned(),
            ]),
        }
    }

    pub(super) fn snap_save(&mut self) {
        self.mark_read();
        self.snap = Some((self.grid(), self.status_fields()));
    }

    pub(super) fn query(&self, args: &[String]) -> Reply {
        match args {
            // The listing s3270 4.1 prints: its keywords in its order, multi-line ones as
            // `...`, `Cursor` and `Model` left out (they are answered when asked by name).
            [] => Ok(QUERY_LIST
                .iter()
                .map(|k| {
                    let v = self.query_one(k).unwrap_or_default();
                    if v.is_empty() {
                        format!("{k}:")
                    } else {
                        format!("{k}: {v}")
                    }
                })
                .collect()),
            [k] => {
                let name = QUERY_LIST
                    .iter()
                    .chain(QUERY_HIDDEN)
                    .find(|n| n.eq_ignore_ascii_case(k))
                    .ok_or_else(|| vec!["Query: Unknown parameter".to_owned()])?;
                Ok(vec![self.query_one(name).unwrap_or_default()])
            }
            _ => Err(vec!["Query requires 0 or 1 arguments".to_owned()]),
        }
    }

    pub(super) fn query_one(&self, key: &str) -> Option<String> {
        let client = self.client.as_ref();
        let snapshot = client.map(|c| c.driver().stats());
        let grid = self.grid();
        // s3270 reports the terminal type it asks for, whatever the host answered.
        let terminal_name = self.terminal.terminal_type();
        Some(match key {
            "ConnectionState" => connection_state(client),
            "Cursor" => format!("{} {}", grid.cursor / grid.cols, grid.cursor % grid.cols),
            "Cursor1" => format!(
                "row {} column {} offset {}",
                grid.cursor / grid.cols + 1,
                grid.cursor % grid.cols + 1,
                grid.cursor
            ),
            "Formatted" => if grid.formatted {
                "formatted"
            } else {
                "unformatted"
            }
            .to_owned(),
            "Host" => match &self.host_name {
                Some(h) => format!("host {h} {}", self.host_port),
                None => String::new(),
            },
            "LuName" => snapshot
                .as_ref()
                .and_then(|s| s.link.lu.clone())
                .unwrap_or_default(),
            "TerminalName" | "Model" => terminal_name,
            "ScreenSizeCurrent" => format!("rows {} columns {}", grid.rows, grid.cols),
            "ScreenSizeMax" => {
                let d = self
                    .terminal
                    .oversize
                    .unwrap_or_else(|| self.terminal.model.alternate_dims());
                format!("rows {} columns {}", d.rows, d.cols)
            }
            "StatsRx" => snapshot.as_ref().map_or_else(String::new, |s| {
                format!(
                    "records {} bytes {}",
                    s.session.records_in, s.session.bytes_in
                )
            }),
            "StatsTx" => snapshot.as_ref().map_or_else(String::new, |s| {
                format!(
                    "records {} bytes {}",
                    s.session.records_out, s.session.bytes_out
                )
            }),
            "Tls" => match (client, snapshot.as_ref().and_then(|s| s.link.tls)) {
                (None, _) => String::new(),
                (Some(_), Some(true)) => "secure host-verified".to_owned(),
                (Some(_), Some(false)) => "secure host-unverified".to_owned(),
                (Some(_), None) => "not secure".to_owned(),
            },
            "ConnectTime" => match self.connected_at {
                Some(t) => {
                    let s = t.elapsed().as_secs();
                    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                }
                None => String::new(),
            },
            "CodePage" => {
                let cp = self.terminal.code_page;
                let id = cp.cgcsgid();
                format!(
                    "{} sbcs gcsgid {} cpgid {}",
                    cp.name(),
                    id >> 16,
                    id & 0xffff
                )
            }
            "LocalEncoding" => if self.utf8 { "UTF-8" } else { "ANSI_X3.4-1968" }.to_owned(),
            "About" | "Actions" | "CodePages" | "Copyright" | "Proxies" | "Tasks" => {
                "...".to_owned()
            }
            "BuildOptions" => format!("r3270 {}", env!("CARGO_PKG_VERSION")),
            "Prefixes" => "ACLNPSBYT".to_owned(),
            "TelnetMyOptions" => match client.map(|c| c.session().mode()) {
                Some(Mode::Tn3270e | Mode::SscpLu | Mode::Tn3270eNvt) => "TN3270E".to_owned(),
                _ => String::new(),
            },
            "TraceFile" => self
                .trace_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            "TlsProvider" => "native-tls".to_owned(),
            "TlsSubjectNames" | "TlsCertInfo" => {
                let cert = snapshot.as_ref().and_then(|s| s.link.cert.as_ref());
                cert.map(|c| cert_query(key, c)).unwrap_or_default()
            }
            "BindPluName" | "Proxy" | "ScreenTraceFile" | "TelnetHostOptions"
            | "TlsSessionInfo" | "Tn3270eOptions" => String::new(),
            "Version" => version_text(),
            _ => return None,
        })
    }

    /// The status line's first eleven fields.
    pub(super) fn status_fields(&self) -> String {
        // Read straight from the session (no copy of the screen): this runs for every
        // answer.
        match (&self.client, &self.last) {
            (Some(c), _) => session_status(
                c.session(),
                true,
                self.host_name.as_deref(),
                self.terminal.model.number,
            ),
            (None, Some(g)) => status_text(
                &StatusFacts {
                    kb: 'L',
                    formatted: g.formatted,
                    protected: g.cursor_protected(),
                    conn: "N".to_owned(),
                    mode: 'N',
                    rows: g.rows,
                    cols: g.cols,
                    cursor: g.cursor,
                },
                self.terminal.model.number,
            ),
            (None, None) => status_text(
                &StatusFacts {
                    kb: 'L',
                    formatted: false,
                    protected: false,
                    conn: "N".to_owned(),
                    mode: 'N',
                    rows: 24,
                    cols: 80,
                    cursor: 0,
                },
                self.terminal.model.number,
            ),
        }
    }

    pub(super) fn status_line(&mut self) -> String {
        self.note_end();
        self.status_fields()
    }
}

/// `Query()`'s keywords, in s3270 4.1's order.
const QUERY_LIST: &[&str] = &[
    "About",
    "Actions",
    "BindPluName",
    "BuildOptions",
    "CodePage",
    "CodePages",
    "ConnectionState",
    "ConnectTime",
    "Copyright",
    "Cursor1",
    "Formatted",
    "Host",
    "LocalEncoding",
    "LuName",
    "Prefixes",
    "Proxies",
    "Proxy",
    "ScreenSizeCurrent",
    "ScreenSizeMax",
    "ScreenTraceFile",
    "StatsRx",
    "StatsTx",
    "Tasks",
    "TelnetHostOptions",
    "TelnetMyOptions",
    "TerminalName",
    "Tls",
    "TlsCertInfo",
    "TlsProvider",
    "TlsSessionInfo",
    "TlsSubjectNames",
    "Tn3270eOptions",
    "TraceFile",
    "Version",
];

/// Keywords answered by name but not listed.
const QUERY_HIDDEN: &[&str] = &["Cursor", "Model"];

fn connection_state(client: Option<&Client>) -> String {
    connection_state_word(client.map(|c| c.session().mode())).to_owned()
}

/// `Query(ConnectionState)` in s3270's words, for a session in `mode` (`None`: no
/// connection).
pub(crate) fn connection_state_word(mode: Option<Mode>) -> &'static str {
    match mode {
        None => "not-connected",
        Some(Mode::Negotiating) => "telnet-pending",
        Some(Mode::Nvt) => "connected-nvt",
        Some(Mode::Tn3270eNvt) => "connected-e-nvt",
        Some(Mode::Tn3270) => "connected-3270",
        Some(Mode::Tn3270e) => "connected-tn3270e",
        Some(Mode::SscpLu) => "connected-sscp",
    }
}

/// What the status line's first eleven fields say.
struct StatusFacts {
    kb: char,
    formatted: bool,
    protected: bool,
    conn: String,
    mode: char,
    rows: usize,
    cols: usize,
    cursor: usize,
}

fn status_text(f: &StatusFacts, model: u8) -> String {
    let cols = f.cols.max(1);
    format!(
        "{} {} {} {} {} {model} {} {} {} {} 0x0",
        f.kb,
        if f.formatted { 'F' } else { 'U' },
        if f.protected { 'P' } else { 'U' },
        f.conn,
        f.mode,
        f.rows,
        f.cols,
        f.cursor / cols,
        f.cursor % cols
    )
}

/// The status line's first eleven fields for `session`, as s3270 prints them: `connected`
/// with the host's name as `host` (`C(host)`), or not (`L`, `N`, `N`: the screen is still
/// the last one the host drew). `model` is the model number (2-5).
pub(crate) fn session_status(
    session: &crate::proto::Session,
    connected: bool,
    host: Option<&str>,
    model: u8,
) -> String {
    let screen = session.screen();
    let dims = screen.dims();
    let cur = screen.cursor();
    let formatted = screen.is_formatted();
    let fa = screen.field_attr_addr(cur).map(|a| screen.cell(a).attr());
    let protected = formatted
        && fa
            .flatten()
            .is_some_and(crate::proto::attr::FieldAttr::is_protected);
    // s3270 4.1 shows any lock, an operator error included, as L.
    let kb = if connected && session.oia().lock.is_none() {
        'U'
    } else {
        'L'
    };
    let conn = match host {
        Some(h) if connected => format!("C({h})"),
        _ => "N".to_owned(),
    };
    let mode = match (connected, session.mode()) {
        (false, _) => 'N',
        (true, Mode::Negotiating) => 'P',
        (true, Mode::Nvt | Mode::Tn3270eNvt) => 'C',
        (true, _) => 'I',
    };
    status_text(
        &StatusFacts {
            kb,
            formatted,
            protected,
            conn,
            mode,
            rows: usize::from(dims.rows),
            cols: usize::from(dims.cols),
            cursor: cur.index(),
        },
        model,
    )
}

/// `Query(TlsSubjectNames)` and `Query(TlsCertInfo)` of the host's certificate.
fn cert_query(key: &str, c: &crate::runtime::cert_info::PeerCert) -> String {
    if key == "TlsSubjectNames" {
        c.names.join(" ")
    } else {
        format!("expires {} sha256 {}", c.not_after, c.sha256)
    }
}
