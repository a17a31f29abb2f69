//! Where r3270 keeps its files, and where each location came from.
//!
//! The platform's directories come from `directories::ProjectDirs` (XDG on Linux): the
//! config dir holds `config.toml` and `themes/`, the data dir the audit log and
//! recordings, the state dir (the cache dir where a platform has no state dir) the logs.
//! The config file is chosen by `--config`, else `R3270_CONFIG`, else the default; the other
//! directories can be moved by `[paths]` keys. This module decides locations; it creates
//! and reads nothing.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::Paths;

/// The environment variable naming the config file.
pub const CONFIG_ENV: &str = "R3270_CONFIG";

/// Where a location was decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The platform's default.
    Default,
    /// The `--config` option.
    Flag,
    /// The `R3270_CONFIG` environment variable.
    Env,
    /// A key in the config file (its path, e.g. `paths.data-dir`).
    Key(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::Flag => f.write_str("--config"),
            Origin::Env => f.write_str(CONFIG_ENV),
            Origin::Key(k) => write!(f, "{k} in the config file"),
        }
    }
}

/// The origin of each entry of [`Paths`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathOrigins {
    pub config_file: Origin,
    pub themes_dir: Origin,
    pub data_dir: Origin,
    pub log_dir: Origin,
}

impl Default for PathOrigins {
    fn default() -> Self {
        PathOrigins {
            config_file: Origin::Default,
            themes_dir: Origin::Default,
            data_dir: Origin::Default,
            log_dir: Origin::Default,
        }
    }
}

/// The platform's locations, before any override. Without a home directory (a bare
/// container) everything goes under `r3270` in the temporary directory.
pub fn platform() -> Paths {
    if let Some(d) = directories::ProjectDirs::from("", "", "r3270") {
        Paths {
            config_file: d.config_dir().join("config.toml"),
            themes_dir: d.config_dir().join("themes"),
            data_dir: d.data_dir().to_owned(),
            log_dir: d
                .state_dir()
                .map_or_else(|| d.cache_dir().to_owned(), Path::to_owned),
        }
    } else {
        let base = std::env::temp_dir().join("r3270");
        Paths {
            config_file: base.join("config.toml"),
            themes_dir: base.join("themes"),
            data_dir: base.join("data"),
            log_dir: base.join("log"),
        }
    }
}

/// The config file: `explicit` (--config), else `R3270_CONFIG` (when set and not empty),
/// else the platform default.
pub fn config_file(explicit: Option<&Path>) -> (PathBuf, Origin) {
    if let Some(p) = explicit {
        return (p.to_owned(), Origin::Flag);
    }
    match std::env::var_os(CONFIG_ENV) {
        Some(v) if !v.is_empty() => (PathBuf::from(v), Origin::Env),
        _ => (platform().config_file, Origin::Default),
    }
}

/// A path written in a config file: `~/` is the home directory, and a relative path is
/// relative to the file's own directory (so a config can travel with its certificates).
pub fn resolve(written: &str, file_dir: Option<&Path>) -> PathBuf {
    if let Some(rest) = written.strip_prefix("~/")
        && let Some(home) = directories::BaseDirs::new()
    {
        return home.home_dir().join(rest);
    }
    let p = PathBuf::from(written);
    match file_dir {
        Some(dir) if p.is_relative() => dir.join(p),
        _ => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_follow_the_file() {
        let dir = Path::new("/etc/r3270");
        assert_eq!(
            resolve("certs/ca.pem", Some(dir)),
            PathBuf::from("/etc/r3270/certs/ca.pem")
        );
        assert_eq!(
            resolve("/abs/ca.pem", Some(dir)),
            PathBuf::from("/abs/ca.pem")
        );
        assert_eq!(resolve("ca.pem", None), PathBuf::from("ca.pem"));
    }

    #[test]
    fn platform_paths_are_distinct() {
        let p = platform();
        assert!(p.config_file.ends_with("config.toml"));
        assert_ne!(p.data_dir, p.log_dir);
    }
}
