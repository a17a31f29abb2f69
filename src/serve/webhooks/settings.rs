//! The `[[webhooks]]` tables of the configuration (docs/CONFIG.md, docs/WEBHOOKS.md): one
//! per receiver, with its URL, the events it takes, its Standard Webhooks secret (inline or,
//! better, in a file) and its retry schedule. The loader reads each table key by key (so a
//! bad value is reported at its line) and then runs [`WebhookSettings::validate`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;

/// Every event a webhook can take, as named in `events` and in the bodies' `type`.
pub const EVENTS: &[&str] = &[
    "session.connected",
    "session.disconnected",
    "session.failed-over",
    "endpoint.down",
    "endpoint.up",
    "session.response-slow",
    "macro.failed",
    "audit.failure",
];

/// What a secret looks like: `whsec_` then base64.
pub const SECRET_PREFIX: &str = "whsec_";

/// A webhook secret as written in the config: never shown (`Debug` and serialisation say
/// `(hidden)`), never compared but through its decoded bytes.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: &str) -> Secret {
        Secret(text.to_owned())
    }

    /// The text as written (`whsec_...`): for signing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(hidden)")
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("(hidden)")
    }
}

/// One `[[webhooks]]` table.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct WebhookSettings {
    /// How the outbox, the audit log and `GET /api/v1/webhooks` name this webhook.
    /// Default: the URL without its user, query and fragment.
    pub name: Option<String>,
    /// Where events are POSTed (http or https).
    pub url: String,
    /// The events sent, by name (see [`EVENTS`]), or `"*"` for all. Default all.
    pub events: Vec<String>,
    /// The Standard Webhooks secret, `whsec_` + base64 (24 to 64 bytes).
    pub secret: Option<Secret>,
    /// A file holding the secret (recommended: the config then holds no secret). A
    /// relative path is taken from the config file's directory.
    pub secret_file: Option<PathBuf>,
    /// `session.response-slow` is sent for a host response slower than this. Default 5.
    pub response_slow_seconds: f64,
    /// Seconds one delivery attempt may take. Default 10.
    pub timeout_seconds: u64,
    /// The first retry's delay; each next one doubles, up to `retry-max-ms` (with jitter).
    pub retry_initial_ms: u64,
    pub retry_max_ms: u64,
    /// Attempts per event (in one run of `r3270 serve`) before giving up. Default 50.
    pub max_attempts: u32,
    /// An event older than this is given up (across restarts). Default a day.
    pub give_up_seconds: u64,
    /// Events kept waiting for this webhook; past it the oldest is dropped. Default 10000.
    pub max_pending: usize,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            name: None,
            url: String::new(),
            events: vec!["*".to_owned()],
            secret: None,
            secret_file: None,
            response_slow_seconds: 5.0,
            timeout_seconds: 10,
            retry_initial_ms: 1000,
            retry_max_ms: 600_000,
            max_attempts: 50,
            give_up_seconds: 86_400,
            max_pending: 10_000,
        }
    }
}

impl WebhookSettings {
    /// Keys that have no default value (and so do not show when serialised).
    pub const OPTIONAL_KEYS: &[&str] = &["name", "secret", "secret-file"];

    /// The name used for this webhook: `name`, else the URL without user, query and
    /// fragment.
    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| bare_url(&self.url))
    }

    /// Whether this webhook takes events of type `kind`.
    pub fn wants(&self, kind: &str) -> bool {
        self.events.iter().any(|e| e == "*" || e == kind)
    }

    /// The threshold of `session.response-slow`.
    pub fn slow_after(&self) -> Duration {
        Duration::try_from_secs_f64(self.response_slow_seconds).unwrap_or(Duration::MAX)
    }

    /// The delay before retry number `attempt` (1 = after the first failed attempt):
    /// `retry-initial-ms` doubled each time up to `retry-max-ms`, then between half and all
    /// of it (`jitter` in 0..=1 picks where).
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let shift = attempt.saturating_sub(1).min(40);
        let full = self
            .retry_initial_ms
            .saturating_mul(1u64 << shift)
            .min(self.retry_max_ms)
            .max(1);
        // Milliseconds below 2^52 are exact in f64; larger ones are capped anyway.
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_sign_loss,
            clippy::cast_possible_truncation
        )]
        let ms = (full as f64 * (0.5 + 0.5 * jitter.clamp(0.0, 1.0))) as u64;
        Duration::from_millis(ms.max(1))
    }

    /// The secret's key bytes: `secret`, or the contents of `secret-file` (read now).
    pub fn key(&self) -> Result<Vec<u8>, String> {
        match (&self.secret, &self.secret_file) {
            (Some(s), _) => decode_secret(s.expose()),
            (None, Some(f)) => read_secret_file(f),
            (None, None) => Err("no secret (set `secret-file` or `secret`)".to_owned()),
        }
    }

    /// A warning when the secret file can be read by others than its owner.
    pub fn secret_file_warning(&self) -> Option<String> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let f = self.secret_file.as_ref()?;
            let mode = std::fs::metadata(f).ok()?.permissions().mode();
            (mode & 0o077 != 0).then(|| {
                format!(
                    "webhook `{}`: the secret file {} can be read by others (mode {:o}): chmod 600 it",
                    self.display_name(),
                    f.display(),
                    mode & 0o777
                )
            })
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    /// Semantic checks of one table named `at` (`webhooks[0]`): (key path, message).
    /// Messages never quote a secret.
    pub fn validate(&self, at: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut bad = |key: &str, message: String| {
            let path = if key.is_empty() {
                at.to_owned()
            } else {
                format!("{at}.{key}")
            };
            out.push((path, message));
        };
        if let Err(why) = check_url(&self.url) {
            bad(if self.url.is_empty() { "" } else { "url" }, why);
        }
        self.check_events(&mut bad);
        match (&self.secret, &self.secret_file) {
            (Some(_), Some(_)) => bad(
                "secret",
                "set `secret-file` or `secret`, not both (prefer the file: the config then holds no secret)".to_owned(),
            ),
            (None, None) => bad(
                "",
                "a webhook needs `secret-file` (recommended) or `secret`: a Standard Webhooks secret, `whsec_` followed by base64".to_owned(),
            ),
            (Some(s), None) => {
                if let Err(why) = decode_secret(s.expose()) {
                    bad("secret", why);
                }
            }
            (None, Some(f)) => {
                if let Err(why) = read_secret_file(f) {
                    bad("secret-file", why);
                }
            }
        }
        if !(self.response_slow_seconds > 0.0 && self.response_slow_seconds <= 86_400.0) {
            bad(
                "response-slow-seconds",
                "must be more than 0 and at most 86400 (seconds)".to_owned(),
            );
        }
        if !(1..=300).contains(&self.timeout_seconds) {
            bad("timeout-seconds", "must be 1-300 (seconds)".to_owned());
        }
        if self.retry_initial_ms == 0 {
            bad("retry-initial-ms", "must be at least 1".to_owned());
        }
        if self.retry_max_ms < self.retry_initial_ms {
            bad(
                "retry-max-ms",
                format!(
                    "must be at least retry-initial-ms ({})",
                    self.retry_initial_ms
                ),
            );
        }
        if self.max_attempts == 0 {
            bad("max-attempts", "must be at least 1".to_owned());
        }
        if self.give_up_seconds == 0 {
            bad("give-up-seconds", "must be at least 1".to_owned());
        }
        if self.max_pending == 0 {
            bad("max-pending", "must be at least 1".to_owned());
        }
        if self.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            bad(
                "name",
                "the name is empty: leave the key out to name the webhook by its URL".to_owned(),
            );
        }
        out
    }

    fn check_events(&self, bad: &mut impl FnMut(&str, String)) {
        if self.events.is_empty() {
            bad(
                "events",
                "the list is empty: name the events to send, or \"*\" for all".to_owned(),
            );
        }
        for (i, e) in self.events.iter().enumerate() {
            if e == "*" || EVENTS.contains(&e.as_str()) {
                continue;
            }
            let hint = crate::suggest::nearest(e, EVENTS.iter().copied())
                .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
            bad(
                &format!("events[{i}]"),
                format!(
                    "\"{e}\" is not an event{hint}: the events are {}, or \"*\" for all",
                    EVENTS.join(", ")
                ),
            );
        }
    }
}

/// Checks across the tables: names are unique.
pub fn validate_all(hooks: &[WebhookSettings]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, h) in hooks.iter().enumerate() {
        let name = h.display_name();
        if let Some(j) = hooks[..i].iter().position(|o| o.display_name() == name) {
            out.push((
                format!("webhooks[{i}]"),
                format!(
                    "webhooks[{j}] has the same name `{name}`: give one of them a different `name`"
                ),
            ));
        }
    }
    out
}

/// The URL without user, password, query and fragment (for names, logs and the API).
pub fn bare_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.split(['?', '#']).next().unwrap_or_default().to_owned(),
    }
}

fn check_url(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Err("a webhook needs `url`: where to POST the events".to_owned());
    }
    let u =
        reqwest::Url::parse(url).map_err(|e| format!("\"{}\" is not a URL: {e}", bare_url(url)))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!(
            "\"{}\": the URL must start with https:// (or http://)",
            bare_url(url)
        ));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(format!("\"{}\" names no host", bare_url(url)));
    }
    Ok(())
}

/// The key bytes of a `whsec_...` secret (24 to 64 bytes, base64 with or without
/// padding). The message never contains the secret.
pub fn decode_secret(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim();
    let Some(b64) = text.strip_prefix(SECRET_PREFIX) else {
        return Err(format!(
            "the secret must start with `{SECRET_PREFIX}` and go on in base64 (Standard Webhooks secrets look like `{SECRET_PREFIX}` + 32 random bytes in base64)"
        ));
    };
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::general_purpose::PAD_INDIFFERENT,
    );
    let bytes = engine
        .decode(b64)
        .map_err(|_| format!("the secret is not valid base64 after `{SECRET_PREFIX}`"))?;
    if !(24..=64).contains(&bytes.len()) {
        return Err(format!(
            "the secret is {} bytes long: Standard Webhooks secrets are 24 to 64 bytes (32 random bytes in base64 after `{SECRET_PREFIX}`)",
            bytes.len()
        ));
    }
    Ok(bytes)
}

fn read_secret_file(path: &Path) -> Result<Vec<u8>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the secret file {}: {e}", path.display()))?;
    decode_secret(&text).map_err(|why| format!("{}: {why}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn hook() -> WebhookSettings {
        WebhookSettings {
            url: "https://example.com/hook".to_owned(),
            secret: Some(Secret::new(GOOD)),
            ..WebhookSettings::default()
        }
    }

    #[test]
    fn a_complete_table_is_valid() {
        assert_eq!(hook().validate("webhooks[0]"), Vec::new());
    }

    #[test]
    fn secrets_are_checked_without_being_quoted() {
        for bad in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_!!!notbase64",
            "whsec_c2hvcnQ=",
        ] {
            let h = WebhookSettings {
                secret: Some(Secret::new(bad)),
                ..hook()
            };
            let problems = h.validate("webhooks[0]");
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(problems[0].0, "webhooks[0].secret");
            assert!(!problems[0].1.contains(bad), "{problems:?}");
        }
        assert!(format!("{:?}", hook()).contains("Secret(hidden)"));
        assert!(!format!("{:?}", hook()).contains(GOOD));
    }

    #[test]
    fn a_secret_is_needed_once() {
        let none = WebhookSettings {
            secret: None,
            ..hook()
        };
        assert_eq!(none.validate("w")[0].0, "w");
        let both = WebhookSettings {
            secret_file: Some(PathBuf::from("/x")),
            ..hook()
        };
        assert_eq!(both.validate("w")[0].0, "w.secret");
    }

    #[test]
    fn unknown_events_get_a_hint() {
        let h = WebhookSettings {
            events: vec![
                "session.connected".to_owned(),
                "session.conected".to_owned(),
            ],
            ..hook()
        };
        let p = h.validate("w");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].0, "w.events[1]");
        assert!(p[0].1.contains("did you mean `session.connected`"), "{p:?}");
    }

    #[test]
    fn urls_must_be_http() {
        for (url, key) in [("", "w"), ("ftp://x/y", "w.url"), ("not a url", "w.url")] {
            let h = WebhookSettings {
                url: url.to_owned(),
                ..hook()
            };
            assert_eq!(h.validate("w")[0].0, key, "{url}");
        }
    }

    #[test]
    fn names_default_to_the_bare_url_and_must_differ() {
        let h = WebhookSettings {
            url: "https://u:p@example.com:8443/hook?token=abc#x".to_owned(),
            ..hook()
        };
        assert_eq!(h.display_name(), "https://example.com:8443/hook");
        assert_eq!(validate_all(&[h.clone(), h.clone()])[0].0, "webhooks[1]");
        let named = WebhookSettings {
            name: Some("ops".to_owned()),
            ..h.clone()
        };
        assert!(validate_all(&[h, named]).is_empty());
    }

    #[test]
    fn backoff_doubles_to_the_cap_with_jitter_in_the_upper_half() {
        let h = WebhookSettings {
            retry_initial_ms: 100,
            retry_max_ms: 1000,
            ..hook()
        };
        assert_eq!(h.backoff(1, 1.0), Duration::from_millis(100));
        assert_eq!(h.backoff(2, 1.0), Duration::from_millis(200));
        assert_eq!(h.backoff(3, 0.0), Duration::from_millis(200));
        assert_eq!(h.backoff(9, 1.0), Duration::from_secs(1));
        assert_eq!(h.backoff(200, 0.0), Duration::from_millis(500));
    }

    #[test]
    fn secret_files_are_read_and_checked() {
        let dir = std::env::temp_dir().join(format!("r3270-whsec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("secret");
        std::fs::write(&f, format!("{GOOD}\n")).unwrap();
        let h = WebhookSettings {
            secret: None,
            secret_file: Some(f.clone()),
            ..hook()
        };
        assert!(h.validate("w").is_empty());
        assert_eq!(h.key().unwrap(), decode_secret(GOOD).unwrap());
        std::fs::write(&f, "nonsense").unwrap();
        let p = h.validate("w");
        assert_eq!(p[0].0, "w.secret-file");
        assert!(!p[0].1.contains("nonsense"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn check(name: &str, text: &str) -> Result<crate::config::Config, String> {
        let dir = std::env::temp_dir().join(format!("r3270-whcfg-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config.toml");
        std::fs::write(&file, text).unwrap();
        std::fs::write(dir.join("hook.secret"), format!("{GOOD}\n")).unwrap();
        let out = crate::config::check_file(&file)
            .map_err(|e| e.to_string().replace(&file.display().to_string(), "FILE"));
        let _ = std::fs::remove_dir_all(&dir);
        out
    }

    #[test]
    fn the_loader_reads_webhook_tables_with_their_secret_file() {
        let c = check(
            "ok",
            "[[webhooks]]\nurl = \"http://127.0.0.1:9/a\"\nsecret-file = \"hook.secret\"\nevents = [\"session.connected\"]\n\n[[webhooks]]\nname = \"b\"\nurl = \"https://example.com/b\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\nretry-initial-ms = 5\n",
        )
        .unwrap();
        assert_eq!(c.webhooks.len(), 2);
        assert_eq!(c.webhooks[0].display_name(), "http://127.0.0.1:9/a");
        assert!(c.webhooks[0].secret_file.as_ref().unwrap().is_absolute());
        assert_eq!(c.webhooks[1].retry_initial_ms, 5);
        assert_eq!(c.webhooks[1].events, ["*"]);
    }

    #[test]
    fn the_loader_places_webhook_errors_at_their_line() {
        let e = check(
            "bad",
            "[[webhooks]]\nurl = \"http://127.0.0.1:9/a\"\nsecret = \"whsec_short\"\nevents = [\"session.conected\"]\nretry-max-ms = \"soon\"\nbogus = 1\n\n[[webhooks]]\nurl = \"http://127.0.0.1:9/b\"\n",
        )
        .unwrap_err();
        assert!(!e.contains("whsec_short"), "{e}");
        for want in [
            "FILE:3:10: webhooks[0].secret: the secret",
            "FILE:4:11: webhooks[0].events[0]: \"session.conected\" is not an event (did you mean `session.connected`?)",
            "FILE:5:16: webhooks[0].retry-max-ms: \"soon\" is not allowed",
            "FILE:6:1: webhooks[0].bogus: unknown key",
            "FILE:8:1: webhooks[1]: a webhook needs `secret-file`",
        ] {
            assert!(e.contains(want), "no {want:?} in:\n{e}");
        }
        let e = check("table", "[webhooks]\nurl = \"http://x/\"\n").unwrap_err();
        assert!(e.contains("write [[webhooks]]"), "{e}");
    }
}
