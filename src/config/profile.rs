//! `[profile.NAME]` tables: a named host and how to talk to it.
//!
//! This module owns the section's shape and its checks. A table is read through the
//! loader's serde path like `[limits]`: each key is merged on its own into the profile's
//! table (a profile named in two files is merged key by key; its `reconnect` table too), so
//! a key of the wrong type is reported at its own position and the rest still apply. Once
//! every file is read, the merged table becomes a [`ProfileFile`] and
//! [`ProfileFile::validate`] makes the checks a profile can make on its own (port range, TLS
//! mode, model and oversize, code page, certificate files that must exist, alternate
//! endpoints that must parse, the balancing strategy) and builds the [`Profile`]. Whether a
//! profile's logon macro or theme exists needs the other sections and is checked by the
//! loader.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::config::{Balance, HealthCheck, Profile, ReconnectPolicy, TlsMode};
use crate::proto::{CodePage, Dimensions, Model};
use crate::runtime::host::HostSpec;

use super::doc::{Span, Value, join, wrong_type_message};
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
    "balance",
    "health-check",
    "reconnect",
    "logon-macro",
    "theme",
];

/// The keys of a profile's `reconnect` table.
pub const RECONNECT_KEYS: &[&str] = &["enabled", "delay", "max-delay", "max-attempts"];

/// The keys of a profile's `health-check` table.
pub const HEALTH_CHECK_KEYS: &[&str] = &["interval", "timeout"];

/// The keys naming a file, resolved against the directory of the file that set them.
pub const FILE_KEYS: &[&str] = &["ca-file", "client-cert", "client-key"];

/// A name reference that can only be checked once every file is read.
#[derive(Clone, Debug)]
pub struct Reference {
    pub name: String,
    pub key: String,
    pub span: Span,
}

/// What one profile refers to by name.
#[derive(Clone, Debug, Default)]
pub struct ProfileRefs {
    pub logon_macro: Option<String>,
    pub theme: Option<String>,
}

/// A profile table as written: every key optional and of the type TOML gives it; the
/// values are checked by [`ProfileFile::validate`].
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ProfileFile {
    pub host: Option<String>,
    pub port: Option<i64>,
    pub tls: Option<String>,
    pub verify: Option<bool>,
    pub ca_file: Option<String>,
    pub client_cert: Option<String>,
    pub client_key: Option<String>,
    pub model: Option<String>,
    pub oversize: Option<String>,
    pub terminal_type: Option<String>,
    pub code_page: Option<String>,
    pub lu: Option<String>,
    pub tn3270e: Option<bool>,
    pub connect_timeout: Option<f64>,
    pub keepalive: Option<f64>,
    pub alternates: Option<Vec<String>>,
    pub balance: Option<String>,
    pub health_check: Option<HealthCheckFile>,
    pub reconnect: Option<ReconnectFile>,
    pub logon_macro: Option<String>,
    pub theme: Option<String>,
}

/// A profile's `reconnect` table as written.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ReconnectFile {
    pub enabled: Option<bool>,
    pub delay: Option<f64>,
    pub max_delay: Option<f64>,
    pub max_attempts: Option<i64>,
}

/// A profile's `health-check` table as written.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct HealthCheckFile {
    pub interval: Option<f64>,
    pub timeout: Option<f64>,
}

impl HealthCheckFile {
    /// The checks: an interval of 1 s to a day (probe traffic stays bounded), a timeout of
    /// 0.1 to 60 s and shorter than the interval.
    fn validate(&self, path: &str, problems: &mut Vec<(String, String)>) -> Option<HealthCheck> {
        let mut h = HealthCheck::default();
        let mut ok = true;
        if let Some(v) = self.interval {
            if (1.0..=86_400.0).contains(&v) {
                h.interval = Duration::from_secs_f64(v);
            } else {
                problems.push((
                    join(path, "interval"),
                    format!("{v} is out of range: probes are 1-86400 seconds apart"),
                ));
                ok = false;
            }
        }
        if let Some(v) = self.timeout {
            if (0.1..=60.0).contains(&v) {
                h.timeout = Duration::from_secs_f64(v);
            } else {
                problems.push((
                    join(path, "timeout"),
                    format!("{v} is out of range: a probe's timeout is 0.1-60 seconds"),
                ));
                ok = false;
            }
        }
        if ok && h.timeout >= h.interval {
            problems.push((
                join(path, "timeout"),
                format!(
                    "{} s is not shorter than the interval ({} s): a probe must end before the next",
                    h.timeout.as_secs_f64(),
                    h.interval.as_secs_f64()
                ),
            ));
            ok = false;
        }
        ok.then_some(h)
    }
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

/// serde's complaint about a profile key's value, in the words the rest of the file's
/// checks use (`"yes" is a string: expected true or false`).
pub fn type_words(found: &Value, serde_message: &str) -> String {
    let expected = serde_message.rsplit_once(", expected ").map(|(_, e)| e);
    if !serde_message.starts_with("invalid type") {
        return format!("{} is not allowed: {serde_message}", found.quoted());
    }
    let what = match expected {
        Some("a boolean") => "true or false",
        Some("i64") => "an integer",
        Some("f64") => "a number of seconds",
        Some("a sequence") => "a list",
        Some(other) if other.starts_with("struct") => "a table",
        Some(other) => other,
        None => "another type",
    };
    wrong_type_message(found, what)
}

/// Seconds from 0 to a day.
fn seconds(key: &str, v: f64, problems: &mut Vec<(String, String)>) -> Option<Duration> {
    if (0.0..=86_400.0).contains(&v) {
        Some(Duration::from_secs_f64(v))
    } else {
        problems.push((
            key.to_owned(),
            format!("{v} is out of range: seconds are 0-86400"),
        ));
        None
    }
}

impl ProfileFile {
    /// The profile `name` this table describes, and each problem as (key path, message).
    /// `dir_of` gives the directory a file key (`ca-file`, ...) is relative to: the
    /// directory of the file that set it.
    #[allow(clippy::too_many_lines)] // one arm per key, in documentation order
    pub fn validate(
        &self,
        name: &str,
        dir_of: &dyn Fn(&str) -> Option<PathBuf>,
    ) -> (Profile, Vec<(String, String)>) {
        let path = join("profile", name);
        let key = |k: &str| join(&path, k);
        let mut problems: Vec<(String, String)> = Vec::new();
        let mut p = blank(name);
        match &self.host {
            Some(h) if h.trim().is_empty() || h.contains(char::is_whitespace) => {
                problems.push((
                    key("host"),
                    format!("\"{h}\" is not a host name or address"),
                ));
            }
            Some(h) => p.host.clone_from(h),
            None => problems.push((
                path.clone(),
                "the profile has no `host` (host = \"name or address\")".to_owned(),
            )),
        }
        let mut bad = |k: &str, msg: String| problems.push((key(k), msg));
        if let Some(v) = self.port {
            match u16::try_from(v) {
                Ok(port) if port >= 1 => p.port = Some(port),
                _ => bad("port", format!("{v} is out of range: a port is 1-65535")),
            }
        }
        if let Some(v) = &self.tls {
            match v.as_str() {
                "off" => p.tls = TlsMode::Off,
                "direct" => p.tls = TlsMode::Direct,
                "starttls" => p.tls = TlsMode::Starttls,
                _ => bad(
                    "tls",
                    format!("\"{v}\" is not a TLS mode: use \"off\", \"direct\" or \"starttls\""),
                ),
            }
        }
        p.verify = self.verify.unwrap_or(p.verify);
        p.tn3270e = self.tn3270e.unwrap_or(p.tn3270e);
        let file = |k: &str, written: &Option<String>, bad: &mut dyn FnMut(&str, String)| {
            let written = written.as_ref()?;
            let resolved = resolve(written, dir_of(&key(k)).as_deref());
            if resolved.is_file() {
                return Some(resolved);
            }
            let why = if resolved.exists() {
                "it is a directory".to_owned()
            } else {
                format!("looked for {}", resolved.display())
            };
            bad(k, format!("\"{written}\": no such file ({why})"));
            None
        };
        p.ca_file = file("ca-file", &self.ca_file, &mut bad);
        p.client_cert = file("client-cert", &self.client_cert, &mut bad);
        p.client_key = file("client-key", &self.client_key, &mut bad);
        if let Some(v) = &self.model {
            match Model::from_str(v) {
                Ok(mut m) => {
                    m.extended = true;
                    p.model = m;
                }
                Err(_) => bad(
                    "model",
                    format!("\"{v}\" is not a model: use 2-5, 3278-N or 3279-N (N is 2-5)"),
                ),
            }
        }
        if let Some(v) = &self.oversize {
            match parse_oversize(v) {
                Ok(d) => p.oversize = Some(d),
                Err(why) => bad("oversize", format!("\"{v}\" {why}")),
            }
        }
        if let Some(v) = &self.terminal_type {
            if v.is_empty() || !v.chars().all(|c| c.is_ascii_graphic()) {
                bad(
                    "terminal-type",
                    format!(
                        "\"{v}\" is not a terminal type: use letters, digits and '-', such as IBM-3279-2-E"
                    ),
                );
            } else {
                p.terminal_type = Some(v.clone());
            }
        }
        if let Some(v) = &self.code_page {
            match CodePage::from_str(v) {
                Ok(cp) => p.code_page = cp,
                Err(_) => bad("code-page", unknown_code_page(v)),
            }
        }
        if let Some(v) = &self.lu {
            let ok = !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "#@$-_.".contains(c));
            if ok {
                p.lu = Some(v.clone());
            } else {
                bad(
                    "lu",
                    format!("\"{v}\" is not an LU name: use letters, digits and # @ $ - _ ."),
                );
            }
        }
        if let Some(v) = self.connect_timeout
            && let Some(d) = seconds(&key("connect-timeout"), v, &mut problems)
        {
            if d.is_zero() {
                problems.push((
                    key("connect-timeout"),
                    "0 is out of range: the timeout must be more than 0 seconds".to_owned(),
                ));
            } else {
                p.connect_timeout = d;
            }
        }
        if let Some(v) = self.keepalive
            && let Some(d) = seconds(&key("keepalive"), v, &mut problems)
        {
            p.keepalive = (!d.is_zero()).then_some(d);
        }
        if let Some(items) = &self.alternates {
            let mut ok = Vec::new();
            for (i, s) in items.iter().enumerate() {
                match HostSpec::from_str(s) {
                    Ok(_) => ok.push(s.clone()),
                    Err(why) => problems.push((
                        format!("{}[{i}]", key("alternates")),
                        format!("{why}; an alternate is [L:][N:][LU@]host[:port]"),
                    )),
                }
            }
            p.alternates = ok;
        }
        let mut bad = |k: &str, msg: String| problems.push((key(k), msg));
        if let Some(v) = &self.balance {
            match v.parse::<Balance>() {
                Ok(b) => p.balance = b,
                Err(()) => bad(
                    "balance",
                    format!(
                        "\"{v}\" is not a balancing strategy: use \"first\", \"round-robin\" or \"least-sessions\""
                    ),
                ),
            }
        }
        if let Some(r) = &self.reconnect {
            r.apply(&key("reconnect"), &mut p.reconnect, &mut problems);
        }
        if let Some(h) = &self.health_check {
            p.health_check = h.validate(&key("health-check"), &mut problems);
        }
        p.logon_macro.clone_from(&self.logon_macro);
        p.theme.clone_from(&self.theme);
        if let Some(d) = p.oversize {
            let m = p.model.alternate_dims();
            if d.rows < m.rows || d.cols < m.cols {
                problems.push((
                    key("oversize"),
                    format!(
                        "{}x{} is smaller than model {}'s {}x{} screen: an oversize screen is at least the model's size (or choose a smaller model)",
                        d.cols, d.rows, p.model.number, m.cols, m.rows
                    ),
                ));
            }
        }
        if self.client_key.is_some() && self.client_cert.is_none() {
            problems.push((
                key("client-key"),
                "a client key needs `client-cert` too".to_owned(),
            ));
        }
        (p, problems)
    }

    /// The names this profile refers to (checked once every section is read).
    pub fn refs(&self) -> ProfileRefs {
        ProfileRefs {
            logon_macro: self.logon_macro.clone(),
            theme: self.theme.clone(),
        }
    }
}

impl ReconnectFile {
    fn apply(&self, path: &str, r: &mut ReconnectPolicy, problems: &mut Vec<(String, String)>) {
        r.enabled = self.enabled.unwrap_or(r.enabled);
        if let Some(v) = self.delay
            && let Some(d) = seconds(&join(path, "delay"), v, problems)
        {
            r.delay = d;
        }
        if let Some(v) = self.max_delay
            && let Some(d) = seconds(&join(path, "max-delay"), v, problems)
        {
            r.max_delay = d;
        }
        if let Some(v) = self.max_attempts {
            match u32::try_from(v) {
                Ok(n) if n <= 1_000_000 => r.max_attempts = n,
                _ => problems.push((
                    join(path, "max-attempts"),
                    format!("{v} is out of range: the number of attempts is 0-1000000"),
                )),
            }
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
