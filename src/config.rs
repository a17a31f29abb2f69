//! The configuration: what an operator sets in `config.toml`, resolved and validated.
//!
//! [`Config`] is the effective configuration the rest of r3270 reads: the embedded defaults
//! (`assets/default-config.toml`) overlaid key by key with the user's file. Profiles, the
//! keymap, the theme, macros, logging and limits are each typed here; loading, merging and
//! the file:line:column errors live in the submodules:
//! - `doc`: the parsed file with positions, typed getters, unknown-key suggestions;
//! - `error`: [`ConfigError`] / [`ConfigErrors`], printed as `FILE:LINE:COL: KEY: message`;
//! - `paths`: the platform directories and their overrides;
//! - `load`: reading the files and merging the user's over the embedded defaults;
//! - `profile`, `keymap_file`, `theme_file`: one section each;
//! - `show`: the effective configuration written back as TOML, and the keymap listing.
//!
//! Nothing here touches the terminal: a caller prints [`ConfigErrors`] and decides.

mod doc;
mod error;
mod keymap_file;
mod load;
mod macro_file;
pub mod paths;
mod profile;
pub mod show;
mod theme_file;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::keymap::Keymap;
use crate::limits::Limits;
use crate::logging::LoggingSettings;
use crate::proto::{CodePage, Dimensions, Model, TerminalConfig};
use crate::runtime::connection::ConnectOptions;
use crate::runtime::host::HostSpec;
use crate::runtime::tls::{ClientIdentity, TlsOptions};
use crate::theme::Theme;

pub use error::{ConfigError, ConfigErrors, line_col};
pub use load::{DEFAULTS, DEFAULTS_NAME, documented_keys};
pub use paths::{CONFIG_ENV, Origin, PathOrigins};
pub use theme_file::SHIPPED as SHIPPED_THEMES;

/// How a profile's connection is secured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    /// Plain telnet; STARTTLS is still accepted if the host offers it.
    #[default]
    Off,
    /// TLS from the first byte (x3270's `L:`), port 992 by default.
    Direct,
    /// Plain telnet that must upgrade with STARTTLS.
    Starttls,
}

/// What to do when a connection drops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Reconnect on its own after an unexpected disconnect.
    pub enabled: bool,
    /// The first wait; doubled after each failure up to `max_delay`.
    pub delay: Duration,
    pub max_delay: Duration,
    /// Give up after this many failed attempts in a row (0: never).
    pub max_attempts: u32,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            enabled: false,
            delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
            max_attempts: 0,
        }
    }
}

/// How a new tab on a profile chooses among its endpoints (its `host`, then its
/// `alternates`), skipping none: an endpoint that fails is followed by the next in order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Balance {
    /// The profile's host first, then the alternates in order (the default).
    #[default]
    First,
    /// Each new tab starts one endpoint further along the list than the last one did.
    RoundRobin,
    /// The endpoint with the fewest of this profile's tabs on it now (the first of equals).
    LeastSessions,
}

impl std::str::FromStr for Balance {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "first" => Ok(Balance::First),
            "round-robin" => Ok(Balance::RoundRobin),
            "least-sessions" => Ok(Balance::LeastSessions),
            _ => Err(()),
        }
    }
}

impl std::fmt::Display for Balance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Balance::First => "first",
            Balance::RoundRobin => "round-robin",
            Balance::LeastSessions => "least-sessions",
        })
    }
}

/// A profile's endpoint health checks (`health-check = { interval, timeout }`): a probe is a
/// TCP connect (and the TLS handshake for a TLS endpoint) and a wait for the host's first
/// telnet negotiation, then a close; it never negotiates a device, so it never holds an LU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthCheck {
    /// The time between two probes of one endpoint (each paced with up to a tenth of jitter).
    pub interval: Duration,
    /// How long one probe may take before the endpoint counts as down.
    pub timeout: Duration,
}

impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck {
            interval: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
        }
    }
}

/// A named host and how to talk to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub host: String,
    /// `None`: 23, or 992 for direct TLS.
    pub port: Option<u16>,
    pub tls: TlsMode,
    /// Verify the host's certificate and name (default on; turning it off shows in the OIA).
    pub verify: bool,
    pub ca_file: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub model: Model,
    pub oversize: Option<Dimensions>,
    pub terminal_type: Option<String>,
    pub code_page: CodePage,
    pub lu: Option<String>,
    pub tn3270e: bool,
    pub connect_timeout: Duration,
    /// Send a telnet NOP after this much idleness.
    pub keepalive: Option<Duration>,
    /// Other endpoints (`[L:][LU@]host[:port]`) tried in order when this one fails.
    pub alternates: Vec<String>,
    /// Which endpoint a new tab tries first.
    pub balance: Balance,
    /// Probe the endpoints while a tab on this profile is open (off when `None`).
    pub health_check: Option<HealthCheck>,
    pub reconnect: ReconnectPolicy,
    /// A macro played once the host first unlocks the keyboard.
    pub logon_macro: Option<String>,
    /// A theme for this profile's tabs instead of the global one.
    pub theme: Option<String>,
}

impl Profile {
    /// A profile for a bare `[L:][LU@]host[:port]` with every default.
    pub fn for_host(spec: &HostSpec) -> Profile {
        Profile {
            name: spec.to_string(),
            host: spec.host.clone(),
            port: Some(spec.port),
            tls: if spec.tls {
                TlsMode::Direct
            } else {
                TlsMode::Off
            },
            verify: true,
            ca_file: None,
            client_cert: None,
            client_key: None,
            model: Model::default(),
            oversize: None,
            terminal_type: None,
            code_page: CodePage::default(),
            lu: spec.lu.clone(),
            tn3270e: spec.tn3270e,
            connect_timeout: Duration::from_secs(30),
            keepalive: None,
            alternates: Vec::new(),
            balance: Balance::First,
            health_check: None,
            reconnect: ReconnectPolicy::default(),
            logon_macro: None,
            theme: None,
        }
    }

    /// The endpoint to connect to.
    pub fn host_spec(&self) -> HostSpec {
        let tls = self.tls == TlsMode::Direct;
        HostSpec {
            host: self.host.clone(),
            port: self.port.unwrap_or(if tls { 992 } else { 23 }),
            tls,
            tn3270e: self.tn3270e,
            lu: self.lu.clone(),
        }
    }

    /// The terminal the session emulates.
    pub fn terminal_config(&self) -> TerminalConfig {
        let mut model = self.model;
        model.extended = true;
        TerminalConfig {
            model,
            oversize: self.oversize,
            terminal_type: self.terminal_type.clone(),
            lu: self.lu.clone(),
            tn3270e: self.tn3270e,
            code_page: self.code_page,
            ..TerminalConfig::default()
        }
    }

    /// TLS and timer settings for the connection.
    pub fn connect_options(&self) -> ConnectOptions {
        // A PKCS#12 file from a profile has no password: the config file holds no secrets.
        let identity = self
            .client_cert
            .clone()
            .map(|cert| ClientIdentity::from_files(cert, self.client_key.clone(), None));
        ConnectOptions {
            connect_timeout: self.connect_timeout,
            tls: TlsOptions {
                ca_file: self.ca_file.clone(),
                identity,
                insecure: !self.verify,
            },
            nop_interval: self.keepalive,
            ..ConnectOptions::default()
        }
    }
}

/// A named macro: steps (keys, text, waits, values) played on the script runner
/// (`crate::macros`).
pub use crate::macros::Macro;

/// Settings of the terminal UI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UiSettings {
    /// The active theme's name (a file in `themes/` or the user's theme dir).
    pub theme: String,
    /// Draw a crosshair through the cursor.
    pub crosshair: bool,
    /// Mouse support (click to move, hotspots, selection). Off leaves the terminal's own
    /// selection working.
    pub mouse: bool,
    /// Ask before closing a connected tab or quitting.
    pub confirm_close: bool,
    /// A background tab gets a badge when the host unlocks after an AID that took longer.
    pub long_aid: Duration,
    /// How many recently used hosts the connect picker remembers.
    pub recent_hosts: usize,
    /// Whether tabs left open by a run that did not quit (a crash, kill -9, a closed
    /// terminal) are opened again at the next start.
    pub restore_tabs: RestoreTabs,
}

/// `ui.restore-tabs`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RestoreTabs {
    /// Ask first (the default).
    #[default]
    Ask,
    Always,
    Never,
}

impl RestoreTabs {
    pub fn name(self) -> &'static str {
        match self {
            RestoreTabs::Ask => "ask",
            RestoreTabs::Always => "always",
            RestoreTabs::Never => "never",
        }
    }
}

impl Default for UiSettings {
    fn default() -> Self {
        UiSettings {
            theme: "3279".to_owned(),
            crosshair: false,
            mouse: true,
            confirm_close: true,
            long_aid: Duration::from_secs(2),
            recent_hosts: 10,
            restore_tabs: RestoreTabs::Ask,
        }
    }
}

/// Where r3270 keeps its files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    /// The user's config file (may not exist).
    pub config_file: PathBuf,
    /// User themes (`*.toml`).
    pub themes_dir: PathBuf,
    /// Audit log and recordings.
    pub data_dir: PathBuf,
    /// Rolling diagnostic logs.
    pub log_dir: PathBuf,
}

/// The effective configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub paths: Paths,
    pub profiles: Vec<Profile>,
    pub keymap: Keymap,
    /// The active theme, already resolved by name (not yet adapted to the terminal).
    pub theme: Theme,
    /// Every theme known by name (shipped and the user's).
    pub themes: BTreeMap<String, Theme>,
    pub macros: BTreeMap<String, Macro>,
    pub ui: UiSettings,
    /// Where each of `paths` came from (default, --config, R3270_CONFIG, a key).
    pub path_origins: PathOrigins,
    /// The `[logging]` section.
    pub logging: LoggingSettings,
    /// The `[limits]` section.
    pub limits: Limits,
    /// The `[audit]` section.
    pub audit: crate::audit::AuditSettings,
    /// The `[api]` section (`r3270 serve`, and the TUI's API when enabled).
    pub api: crate::serve::settings::ApiSettings,
    /// The `[[webhooks]]` tables (`r3270 serve`).
    pub webhooks: Vec<crate::serve::webhooks::WebhookSettings>,
}

/// What [`load`] reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// The file given with `--config`; without it, `R3270_CONFIG`, else the default path
    /// (which need not exist: then the built-in defaults alone).
    pub file: Option<PathBuf>,
}

/// Reads the configuration: the embedded defaults, the user's file over them, the user's
/// themes. Every problem found is in the error, each with file, line and column. The TUI
/// reloads by calling this again and keeps its old [`Config`] on `Err`.
pub fn load(opts: &LoadOptions) -> Result<Config, ConfigErrors> {
    let (file, origin) = paths::config_file(opts.file.as_deref());
    load::load_file(&file, origin)
}

/// Checks one file as if it were the user's config (`r3270 config check FILE`).
pub fn check_file(file: &std::path::Path) -> Result<Config, ConfigErrors> {
    load::load_file(file, Origin::Flag)
}

impl Config {
    /// The embedded defaults alone (no file is read). A unit test proves they load without
    /// error; should they ever not, a minimal configuration stands in rather than a panic.
    pub fn builtin() -> Config {
        let (file, origin) = (paths::platform().config_file, Origin::Default);
        load::build(None, (file, origin), false).unwrap_or_else(|_| Config::minimal())
    }

    /// The smallest usable configuration: no keymap beyond typing, the default theme.
    fn minimal() -> Config {
        Config {
            paths: paths::platform(),
            profiles: Vec::new(),
            keymap: Keymap::default(),
            theme: Theme::default(),
            themes: BTreeMap::new(),
            macros: BTreeMap::new(),
            ui: UiSettings::default(),
            path_origins: PathOrigins::default(),
            logging: LoggingSettings::default(),
            limits: Limits::default(),
            audit: crate::audit::AuditSettings::default(),
            api: crate::serve::settings::ApiSettings::default(),
            webhooks: Vec::new(),
        }
    }

    /// What `r3270 TARGET` connects to: the profile named `target`, else `target` parsed as
    /// `[L:][N:][LU@]host[:port]` with every default. The error lists the profiles and the
    /// host syntax, with the nearest profile name when `target` looks like a typo of one.
    pub fn resolve_target(&self, target: &str) -> Result<Profile, String> {
        if let Some(p) = self.profile(target) {
            return Ok(p.clone());
        }
        let names: Vec<&str> = self.profiles.iter().map(|p| p.name.as_str()).collect();
        let near = crate::suggest::nearest(target, names.iter().copied());
        // A bare word one typo away from a profile is far likelier a typo than a host name.
        let bare_word = !target.contains(['.', ':', '@', '[']);
        match target.parse::<HostSpec>() {
            Ok(spec) if !(bare_word && near.is_some()) => Ok(Profile::for_host(&spec)),
            Ok(_) => Err(format!(
                "`{target}` is not a profile (did you mean `{}`?); to connect to a host of that name, write {target}:23",
                near.unwrap_or_default()
            )),
            Err(why) => {
                let hint =
                    near.map_or(String::new(), |n| format!(" (did you mean profile `{n}`?)"));
                let profiles = if names.is_empty() {
                    "no profiles are defined".to_owned()
                } else {
                    format!("the profiles are {}", names.join(", "))
                };
                Err(format!(
                    "`{target}` is neither a profile nor a host{hint}: {why}; {profiles}; a host is [L:][N:][LU@]host[:port]"
                ))
            }
        }
    }

    /// The profile called `name`.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }
}
