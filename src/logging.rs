//! Diagnostic logs: the `[logging]` section of the configuration ([`LoggingSettings`]), its
//! semantic checks, and the process-wide `tracing` subscriber that writes to a rolling file.
//!
//! Logs never go to stdout or stderr, because the TUI owns the terminal (and `r3270 screen`
//! owns stdout). They are diagnostics only: the non-blocking writer may drop lines under
//! load, so nothing durable (the audit log) goes through here. Secrets never reach them:
//! code that logs records sizes, addresses and states, never screen contents or keys.
//!
//! The level comes from, first to last: `--log-level`, the `R3270_LOG` environment variable
//! (`tracing_subscriber::EnvFilter` syntax), then `level` and `filters` from the settings.
//! [`dispatch`] builds the subscriber; [`init`] installs it for the process, tests install
//! it per thread with `tracing::dispatcher::with_default`.

mod size;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tracing::Dispatch;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

pub use size::SizeRollingFile;

/// The environment variable that overrides the configured levels (EnvFilter syntax).
pub const ENV_VAR: &str = "R3270_LOG";

/// The level names accepted by `level` and by each filter.
const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];
/// `keep` and `max-size-mb` ranges.
const KEEP: std::ops::RangeInclusive<usize> = 1..=1000;
const MAX_SIZE_MB: std::ops::RangeInclusive<u64> = 1..=4096;

/// How each line is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    /// Human-readable text, one event a line.
    #[default]
    Plain,
    /// One JSON object a line (for log shippers).
    Json,
}

/// When a new log file is started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rotation {
    /// `r3270.YYYY-MM-DD.log`, a new file each day.
    #[default]
    Daily,
    /// `r3270.YYYY-MM-DD-HH.log`, a new file each hour.
    Hourly,
    /// One `r3270.log` that grows.
    Never,
    /// `r3270.log`, rolled to `r3270.log.1`, `.2` ... when it passes `max-size-mb`.
    Size,
}

/// The `[logging]` section.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct LoggingSettings {
    /// The default level: trace, debug, info, warn, error or off. Default "info".
    pub level: String,
    /// Levels per module (tracing target), e.g. `"r3270::proto" = "debug"`. Default none.
    pub filters: BTreeMap<String, String>,
    /// Plain text or JSON lines. Default plain.
    pub format: LogFormat,
    /// When a new file starts. Default daily.
    pub rotation: Rotation,
    /// With `rotation = "size"`: roll when the file passes this many MiB. Default 10.
    pub max_size_mb: u64,
    /// How many log files are kept, the current one included. Default 7.
    pub keep: usize,
    /// Where the files go; default: the state (or cache) directory the caller passes.
    pub dir: Option<PathBuf>,
    /// The start of each file name. Default "r3270".
    pub file_prefix: String,
}

impl Default for LoggingSettings {
    fn default() -> Self {
        LoggingSettings {
            level: "info".to_owned(),
            filters: BTreeMap::new(),
            format: LogFormat::Plain,
            rotation: Rotation::Daily,
            max_size_mb: 10,
            keep: 7,
            dir: None,
            file_prefix: "r3270".to_owned(),
        }
    }
}

impl LoggingSettings {
    /// Semantic checks the types cannot express: each problem as (key path, message), e.g.
    /// `("logging.level", "\"loud\" is not a log level: allowed are trace, ...")`.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if !is_level(&self.level) {
            problems.push(("logging.level".to_owned(), not_a_level(&self.level)));
        }
        for (target, level) in &self.filters {
            let key = format!("logging.filters.\"{target}\"");
            if !is_target(target) {
                problems.push((
                    key,
                    format!(
                        "\"{target}\" is not a module path: use a Rust path such as \
                         \"r3270::proto\" (no spaces, '=', ',' or brackets)"
                    ),
                ));
            } else if !is_level(level) {
                problems.push((key, not_a_level(level)));
            }
        }
        if !MAX_SIZE_MB.contains(&self.max_size_mb) {
            problems.push((
                "logging.max-size-mb".to_owned(),
                format!(
                    "{} is out of range: allowed is {} to {}",
                    self.max_size_mb,
                    MAX_SIZE_MB.start(),
                    MAX_SIZE_MB.end()
                ),
            ));
        }
        if !KEEP.contains(&self.keep) {
            problems.push((
                "logging.keep".to_owned(),
                format!(
                    "{} is out of range: allowed is {} to {} (the current file counts)",
                    self.keep,
                    KEEP.start(),
                    KEEP.end()
                ),
            ));
        }
        if !is_prefix(&self.file_prefix) {
            problems.push((
                "logging.file-prefix".to_owned(),
                format!(
                    "\"{}\" is not a file name prefix: use letters, digits, '-', '_' and '.' \
                     (not starting with '.')",
                    self.file_prefix
                ),
            ));
        }
        problems
    }

    /// The settings as EnvFilter directives: `level` first, then each filter.
    fn directives(&self) -> String {
        let mut d = self.level.trim().to_ascii_lowercase();
        for (target, level) in &self.filters {
            d.push(',');
            d.push_str(target);
            d.push('=');
            d.push_str(&level.trim().to_ascii_lowercase());
        }
        d
    }
}

fn is_level(s: &str) -> bool {
    LEVELS.contains(&s.trim().to_ascii_lowercase().as_str())
}

fn not_a_level(s: &str) -> String {
    format!(
        "\"{s}\" is not a log level: allowed are {}",
        LEVELS.join(", ")
    )
}

fn is_target(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'))
}

fn is_prefix(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Why logging could not start. The caller reports it once and goes on without logs.
#[derive(Debug, thiserror::Error)]
pub enum LogInitError {
    #[error("{origin} \"{value}\" is not a valid log filter: {reason}")]
    Filter {
        /// `--log-level`, `R3270_LOG` or `logging.level / logging.filters`.
        origin: &'static str,
        value: String,
        reason: String,
    },
    #[error("cannot use log directory {}: {source}", .dir.display())]
    Dir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open a log file in {}: {reason}", .dir.display())]
    File { dir: PathBuf, reason: String },
    #[error("logging is already set up in this process: {0}")]
    AlreadySet(String),
}

/// Keeps the background writer alive: drop it only when the process exits (dropping it
/// flushes what is still queued).
#[derive(Debug)]
pub struct LogGuard {
    _worker: tracing_appender::non_blocking::WorkerGuard,
    dir: PathBuf,
}

impl LogGuard {
    /// The directory the files are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The filter in force: `override_level` (from `--log-level`), else `env` (the value of
/// `R3270_LOG`, ignored when empty), else the settings' `level` and `filters`.
pub fn env_filter(
    settings: &LoggingSettings,
    override_level: Option<&str>,
    env: Option<&str>,
) -> Result<EnvFilter, LogInitError> {
    let env = env.filter(|v| !v.trim().is_empty());
    let (origin, value) = match (override_level, env) {
        (Some(v), _) => ("--log-level", v.to_owned()),
        (None, Some(v)) => (ENV_VAR, v.to_owned()),
        (None, None) => ("logging.level / logging.filters", settings.directives()),
    };
    EnvFilter::builder()
        .parse(&value)
        .map_err(|e| LogInitError::Filter {
            origin,
            value,
            reason: e.to_string(),
        })
}

/// The subscriber: `filter` applied, lines in the settings' format, no ANSI colours, all
/// written through `writer`. [`init`] installs it globally; tests use it per thread.
pub fn dispatch<W>(format: LogFormat, filter: EnvFilter, writer: W) -> Dispatch
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(writer);
    match format {
        LogFormat::Plain => Dispatch::new(builder.finish()),
        LogFormat::Json => Dispatch::new(builder.json().finish()),
    }
}

/// The file writer for the settings, in `dir`, behind tracing-appender's non-blocking
/// worker (its guard flushes on drop).
pub fn file_writer(
    settings: &LoggingSettings,
    dir: &Path,
) -> Result<
    (
        tracing_appender::non_blocking::NonBlocking,
        tracing_appender::non_blocking::WorkerGuard,
    ),
    LogInitError,
> {
    std::fs::create_dir_all(dir).map_err(|source| LogInitError::Dir {
        dir: dir.to_owned(),
        source,
    })?;
    let keep = settings.keep.max(1);
    let prefix = if is_prefix(&settings.file_prefix) {
        settings.file_prefix.as_str()
    } else {
        "r3270"
    };
    let rotation = match settings.rotation {
        Rotation::Daily => tracing_appender::rolling::Rotation::DAILY,
        Rotation::Hourly => tracing_appender::rolling::Rotation::HOURLY,
        Rotation::Never => tracing_appender::rolling::Rotation::NEVER,
        Rotation::Size => {
            let max_bytes = settings.max_size_mb.max(1).saturating_mul(1024 * 1024);
            let file = SizeRollingFile::open(dir, prefix, max_bytes, keep).map_err(|e| {
                LogInitError::File {
                    dir: dir.to_owned(),
                    reason: e.to_string(),
                }
            })?;
            return Ok(tracing_appender::non_blocking(file));
        }
    };
    let appender = tracing_appender::rolling::RollingFileAppender::builder()
        .rotation(rotation)
        .max_log_files(keep)
        .filename_prefix(prefix)
        .filename_suffix("log")
        .build(dir)
        .map_err(|e| LogInitError::File {
            dir: dir.to_owned(),
            reason: e.to_string(),
        })?;
    Ok(tracing_appender::non_blocking(appender))
}

/// Start logging for the process: files in `settings.dir`, or `default_dir` when unset.
/// Callable once per process; a second call (or another subscriber already installed) is
/// [`LogInitError::AlreadySet`], never a panic.
pub fn init(
    settings: &LoggingSettings,
    default_dir: &Path,
    override_level: Option<&str>,
) -> Result<LogGuard, LogInitError> {
    let env = std::env::var(ENV_VAR).ok();
    let filter = env_filter(settings, override_level, env.as_deref())?;
    let dir = settings
        .dir
        .clone()
        .unwrap_or_else(|| default_dir.to_owned());
    let (writer, worker) = file_writer(settings, &dir)?;
    dispatch(settings.format, filter, writer)
        .try_init()
        .map_err(|e| LogInitError::AlreadySet(e.to_string()))?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "r3270 logging started");
    Ok(LogGuard {
        _worker: worker,
        dir,
    })
}

/// The default log directory: the platform's state directory for r3270 (or its cache
/// directory where there is no state directory), else `r3270` in the temporary directory.
pub fn default_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "r3270")
        .and_then(|d| {
            d.state_dir()
                .map(Path::to_owned)
                .or_else(|| Some(d.cache_dir().to_owned()))
        })
        .unwrap_or_else(|| std::env::temp_dir().join("r3270"))
}

#[cfg(test)]
mod tests;
