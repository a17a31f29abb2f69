//! `[profile.NAME]` tables: a named host and how to talk to it.
//!
//! Each key is read onto a [`Profile`] (a profile named in two files is merged key by key),
//! with the checks a single profile can make on its own: port range, TLS mode, model and
//! oversize, code page, certificate files that must exist, alternate endpoints that must
//! parse. Whether a profile's logon macro or theme exists is checked once everything is
//! loaded (see `validate`).

use std::path::PathBuf;
use std::str::FromStr;

use crate::config::{Profile, ReconnectPolicy, TlsMode};
use crate::proto::{CodePage, Dimensions, Model};
use crate::runtime::host::HostSpec;

use super::doc::{Ctx, Entry, Span, Table, join};
use super::paths::resolve;

/// The keys of a profile table, in documentation order.
pub const KEYS: &[&str] = &[
    "host",
    "port",
    "tls",
    "verify",
    "ca-file",
    "client-cert",
    "client-key",
    "model",
    "oversize",
    "terminal-type",
    "code-page",
    "lu",
    "tn3270e",
    "connect-timeout",
    "keepalive",
    "alternates",
    "reconnect",
    "logon-macro",
    "theme",
];

/// The keys of a profile's `reconnect` table.
pub const RECONNECT_KEYS: &[&str] = &["enabled", "delay", "max-delay", "max-attempts"];

/// A name reference that can only be checked once every file is read.
#[derive(Clone, Debug)]
pub struct Reference {
    pub name: String,
    pub key: String,
    pub span: Span,
}

/// What one profile table refers to by name.
#[derive(Clone, Debug, Default)]
pub struct ProfileRefs {
    pub logon_macro: Option<Reference>,
    pub theme: Option<Reference>,
}

/// An empty profile for `name`: every default, no host yet.
pub fn blank(name: &str) -> Profile {
    let mut p = Profile::for_host(&HostSpec {
        host: String::new(),
        port: 23,
        tls: false,
        tn3270e: true,
        lu: None,
    });
    name.clone_into(&mut p.name);
    p.port = None;
    p
}

/// Applies the keys of `table` (the profile `name`) onto `p`.
// Temporary: this hand-written `apply` is being moved onto the serde-with-spans path (issue 9).
#[allow(clippy::too_many_lines)]
pub fn apply(ctx: &mut Ctx<'_>, name: &str, table: &Table, p: &mut Profile) -> ProfileRefs {
    let path = join("profile", name);
    ctx.check_keys(&path, table, KEYS);
    let mut refs = ProfileRefs::default();
    let dir = ctx.doc.dir.clone();
    let file_path = |ctx: &mut Ctx<'_>, e: &Entry| -> Option<PathBuf> {
        let written = ctx.str(&path, e)?;
        let resolved = resolve(&written, dir.as_deref());
        if resolved.is_file() {
            Some(resolved)
        } else {
            ctx.err(
                &e.node.span,
                &join(&path, &e.key),
                format!(
                    "\"{written}\": no such file ({})",
                    if resolved.exists() {
                        "it is a directory".to_owned()
                    } else {
                        format!("looked for {}", resolved.display())
                    }
                ),
            );
            None
        }
    };
    for e in &table.entries {
        let key = join(&path, &e.key);
        match e.key.as_str() {
            "host" => {
                if let Some(h) = ctx.str(&path, e) {
                    if h.trim().is_empty() || h.contains(char::is_whitespace) {
                        ctx.err(
                            &e.node.span,
                            &key,
                            format!("\"{h}\" is not a host name or address"),
                        );
                    } else {
                        p.host = h;
                    }
                }
            }
            "port" => {
                if let Some(v) = ctx.int(&path, e, 1..=65535, "a port") {
                    p.port = u16::try_from(v).ok();
                }
            }
            "tls" => {
                if let Some(v) = ctx.str(&path, e) {
                    match v.as_str() {
                        "off" => p.tls = TlsMode::Off,
                        "direct" => p.tls = TlsMode::Direct,
                        "starttls" => p.tls = TlsMode::Starttls,
                        _ => ctx.err(
                            &e.node.span,
                            &key,
                            format!(
                                "\"{v}\" is not a TLS mode: use \"off\", \"direct\" or \"starttls\""
                            ),
                        ),
                    }
                }
            }
            "verify" => p.verify = ctx.bool(&path, e).unwrap_or(p.verify),
            "tn3270e" => p.tn3270e = ctx.bool(&path, e).unwrap_or(p.tn3270e),
            "ca-file" => p.ca_file = file_path(ctx, e).or(p.ca_file.take()),
            "client-cert" => p.client_cert = file_path(ctx, e).or(p.client_cert.take()),
            "client-key" => p.client_key = file_path(ctx, e).or(p.client_key.take()),
            "model" => {
                if let Some(v) = ctx.str(&path, e) {
                    match Model::from_str(&v) {
                        Ok(mut m) => {
                            m.extended = true;
                            p.model = m;
                        }
                        Err(_) => ctx.err(
                            &e.node.span,
                            &key,
                            format!("\"{v}\" is not a model: use 2-5, 3278-N or 3279-N (N is 2-5)"),
                        ),
                    }
                }
            }
            "oversize" => {
                if let Some(v) = ctx.str(&path, e) {
                    match parse_oversize(&v) {
                        Ok(d) => p.oversize = Some(d),
                        Err(why) => ctx.err(&e.node.span, &key, format!("\"{v}\" {why}")),
                    }
                }
            }
            "terminal-type" => {
                if let Some(v) = ctx.str(&path, e) {
                    if v.is_empty() || !v.chars().all(|c| c.is_ascii_graphic()) {
                        ctx.err(
                            &e.node.span,
                            &key,
                            format!("\"{v}\" is not a terminal type: use letters, digits and '-', such as IBM-3279-2-E"),
                        );
                    } else {
                        p.terminal_type = Some(v);
                    }
                }
            }
            "code-page" => {
                if let Some(v) = ctx.str(&path, e) {
                    match CodePage::from_str(&v) {
                        Ok(cp) => p.code_page = cp,
                        Err(_) => ctx.err(&e.node.span, &key, unknown_code_page(&v)),
                    }
                }
            }
            "lu" => {
                if let Some(v) = ctx.str(&path, e) {
                    if v.is_empty()
                        || !v
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "#@$-_.".contains(c))
                    {
                        ctx.err(
                            &e.node.span,
                            &key,
                            format!(
                                "\"{v}\" is not an LU name: use letters, digits and # @ $ - _ ."
                            ),
                        );
                    } else {
                        p.lu = Some(v);
                    }
                }
            }
            "connect-timeout" => {
                if let Some(d) = ctx.seconds(&path, e) {
                    if d.is_zero() {
                        ctx.err(
                            &e.node.span,
                            &key,
                            "0 is out of range: the timeout must be more than 0 seconds",
                        );
                    } else {
                        p.connect_timeout = d;
                    }
                }
            }
            "keepalive" => {
                if let Some(d) = ctx.seconds(&path, e) {
                    p.keepalive = (!d.is_zero()).then_some(d);
                }
            }
            "alternates" => {
                if let Some(items) = ctx.strings(&path, e) {
                    let mut ok = Vec::new();
                    for (i, (s, span)) in items.into_iter().enumerate() {
                        match HostSpec::from_str(&s) {
                            Ok(_) => ok.push(s),
                            Err(why) => ctx.err(
                                &span,
                                &format!("{key}[{i}]"),
                                format!("{why}; an alternate is [L:][N:][LU@]host[:port]"),
                            ),
                        }
                    }
                    p.alternates = ok;
                }
            }
            "reconnect" => {
                if let Some(t) = ctx.table(&path, e) {
                    apply_reconnect(ctx, &key, t, &mut p.reconnect);
                }
            }
            "logon-macro" => {
                if let Some(v) = ctx.str(&path, e) {
                    refs.logon_macro = Some(Reference {
                        name: v.clone(),
                        key: key.clone(),
                        span: e.node.span.clone(),
                    });
                    p.logon_macro = Some(v);
                }
            }
            "theme" => {
                if let Some(v) = ctx.str(&path, e) {
                    refs.theme = Some(Reference {
                        name: v.clone(),
                        key: key.clone(),
                        span: e.node.span.clone(),
                    });
                    p.theme = Some(v);
                }
            }
            _ => {}
        }
    }
    if let (Some(d), Some(e)) = (p.oversize, table.get("oversize")) {
        let m = p.model.alternate_dims();
        if d.rows < m.rows || d.cols < m.cols {
            ctx.err(
                &e.node.span,
                &join(&path, "oversize"),
                format!(
                    "{}x{} is smaller than model {}'s {}x{} screen: an oversize screen is at least the model's size (or choose a smaller model)",
                    d.cols, d.rows, p.model.number, m.cols, m.rows
                ),
            );
        }
    }
    if p.client_key.is_some() && p.client_cert.is_none() {
        if let Some(e) = table.get("client-key") {
            ctx.err(
                &e.node.span,
                &join(&path, "client-key"),
                "a client key needs `client-cert` too",
            );
        }
    }
    refs
}

fn apply_reconnect(ctx: &mut Ctx<'_>, path: &str, t: &Table, r: &mut ReconnectPolicy) {
    ctx.check_keys(path, t, RECONNECT_KEYS);
    for e in &t.entries {
        match e.key.as_str() {
            "enabled" => r.enabled = ctx.bool(path, e).unwrap_or(r.enabled),
            "delay" => r.delay = ctx.seconds(path, e).unwrap_or(r.delay),
            "max-delay" => r.max_delay = ctx.seconds(path, e).unwrap_or(r.max_delay),
            "max-attempts" => {
                if let Some(v) = ctx.int(path, e, 0..=1_000_000, "the number of attempts") {
                    r.max_attempts = u32::try_from(v).unwrap_or(u32::MAX);
                }
            }
            _ => {}
        }
    }
}

/// `COLSxROWS`, at least 80x24 and addressable (16384 cells at most).
pub fn parse_oversize(s: &str) -> Result<Dimensions, &'static str> {
    const SYNTAX: &str = "is not COLSxROWS (for example \"160x62\")";
    let (c, r) = s.split_once(['x', 'X']).ok_or(SYNTAX)?;
    let cols = c.trim().parse::<u16>().map_err(|_| SYNTAX)?;
    let rows = r.trim().parse::<u16>().map_err(|_| SYNTAX)?;
    let d = Dimensions::new(rows, cols);
    if rows < 24 || cols < 80 || !d.is_valid() {
        return Err(
            "is out of range: an oversize screen is at least 80x24 and at most 16384 cells",
        );
    }
    Ok(d)
}

fn unknown_code_page(v: &str) -> String {
    let mut numbers: Vec<u16> = CodePage::all().iter().map(|c| c.number()).collect();
    numbers.sort_unstable();
    numbers.dedup();
    let list: Vec<String> = numbers.iter().map(ToString::to_string).collect();
    format!(
        "\"{v}\" is not a known code page: use a CCSID number (optionally cpNNN): {}",
        list.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversize_is_cols_by_rows() {
        assert_eq!(parse_oversize("160x62"), Ok(Dimensions::new(62, 160)));
        assert!(parse_oversize("10x10").is_err());
        assert!(parse_oversize("wide").is_err());
    }
}
