//! The `[api]` section: where `r3270 serve` (and the TUI, when enabled) listens for the HTTP
//! API, and its limits.

use std::path::PathBuf;

/// The `[api]` section.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ApiSettings {
    /// The interactive client serves the API for its own tabs. Default false
    /// (`r3270 serve` always serves it).
    pub enabled: bool,
    /// `ADDRESS:PORT` to listen on. Default `127.0.0.1:3270`, the loopback interface only;
    /// any other address also needs `allow-remote` and TLS.
    pub listen: String,
    /// Listening on an address other than loopback must be said here too (and needs TLS).
    pub allow_remote: bool,
    /// PEM certificate (chain) and PKCS#8 key: the API is served over TLS.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// The file holding the bearer token. Default: `api-token` in the data directory,
    /// created (0600, from the OS's random source) on first start.
    pub token_file: Option<PathBuf>,
    /// The largest request body taken, in bytes.
    pub max_body_bytes: usize,
    /// Requests per second taken (all clients together), with a burst of twice that;
    /// past it, 429.
    pub rate_limit: u32,
    /// Sessions `r3270 serve` keeps open at once (creating one more is 409).
    pub max_sessions: usize,
    /// Seconds one request may run (a Wait included) before it is answered 504.
    pub request_timeout: u64,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            enabled: false,
            listen: DEFAULT_LISTEN.to_owned(),
            allow_remote: false,
            tls_cert: None,
            tls_key: None,
            token_file: None,
            max_body_bytes: 64 * 1024,
            rate_limit: 2000,
            max_sessions: 1000,
            request_timeout: 300,
        }
    }
}

/// The default listening address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3270";

impl ApiSettings {
    /// Keys that have no default value (and so do not show in `config show`).
    pub const OPTIONAL_KEYS: &[&str] = &["tls-cert", "tls-key", "token-file"];

    /// Problems with the values, as (key, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            out.push((
                "api.listen".to_owned(),
                format!(
                    "`{}` is not ADDRESS:PORT (for example {DEFAULT_LISTEN})",
                    self.listen
                ),
            ));
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            out.push((
                "api.tls-cert".to_owned(),
                "tls-cert and tls-key go together".to_owned(),
            ));
        }
        if self.max_body_bytes < 1024 {
            out.push((
                "api.max-body-bytes".to_owned(),
                "must be at least 1024".to_owned(),
            ));
        }
        if self.rate_limit == 0 {
            out.push(("api.rate-limit".to_owned(), "must be at least 1".to_owned()));
        }
        if self.max_sessions == 0 {
            out.push((
                "api.max-sessions".to_owned(),
                "must be at least 1".to_owned(),
            ));
        }
        if self.request_timeout == 0 {
            out.push((
                "api.request-timeout".to_owned(),
                "must be at least 1 (seconds)".to_owned(),
            ));
        }
        out
    }
}
