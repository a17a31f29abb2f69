//! The `[audit]` section of the configuration (docs/CONFIG.md): its keys, defaults and
//! semantic checks. The loader embeds [`AuditSettings`] as it does `[limits]`.

use std::path::{Path, PathBuf};

/// When the writer calls fsync (docs/AUDIT.md says what each survives).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncMode {
    /// After every record: survives kill -9 and power loss for every record.
    Each,
    /// Every record reaches the OS before `append` returns (so an AID's record is safe from
    /// kill -9 before its bytes leave); fsync at most every 50 ms, at checkpoints, rotation
    /// and close. A power loss can take the last ~100 ms (the sync thread wakes every 50 ms).
    #[default]
    Group,
    /// Every record reaches the OS; fsync only at checkpoints, rotation and close.
    Os,
}

/// What happens to an AID whose record cannot be written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnFailure {
    /// The AID is held (not sent) until its record is written; the keyboard stays locked.
    #[default]
    Block,
    /// The AID is sent anyway; the failure is shown and logged.
    Warn,
}

/// A named regular expression whose matches are masked in field input and screen text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSetting {
    pub name: String,
    pub pattern: String,
}

/// A screen area masked for one profile (1-based row and column, as the OIA shows them).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AreaSetting {
    pub profile: String,
    pub row: u16,
    pub col: u16,
    pub len: u16,
}

/// The `[audit]` section.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct AuditSettings {
    /// Record sessions (the TUI and `r3270 screen`). Default true.
    pub enabled: bool,
    /// The log directory. Default: `audit` in the data directory.
    pub dir: Option<PathBuf>,
    /// Where the checkpoint key seed and the mirrored checkpoints live; must not be inside
    /// the log directory. Default: `audit-keys` in the state (log) directory.
    pub key_dir: Option<PathBuf>,
    /// Record the screen's text when the keyboard unlocks after an AID. Default true.
    pub screens: bool,
    /// `each`, `group` (default) or `os`.
    pub sync: SyncMode,
    /// `block` (default) or `warn`.
    pub on_failure: OnFailure,
    /// Start a new file past this size, in bytes. Default 64 MiB; 64 KiB to 4 GiB.
    pub rotate_bytes: u64,
    /// Start a new file when the UTC day changes. Default true.
    pub rotate_daily: bool,
    /// Delete (or archive) files older than this many days; 0 keeps them forever.
    /// Default 400 (PCI DSS asks for 12 months).
    pub keep_days: u32,
    /// Move expired files here, gzip-compressed, instead of deleting them.
    pub archive_dir: Option<PathBuf>,
    /// A keyed checkpoint after this many records (also at rotation and close). Default 256.
    pub checkpoint_every: u32,
    /// Named regular expressions to mask.
    pub rules: Vec<RuleSetting>,
    /// Screen areas to mask, per profile.
    pub areas: Vec<AreaSetting>,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            enabled: true,
            dir: None,
            key_dir: None,
            screens: true,
            sync: SyncMode::Group,
            on_failure: OnFailure::Block,
            rotate_bytes: 64 * 1024 * 1024,
            rotate_daily: true,
            keep_days: 400,
            archive_dir: None,
            checkpoint_every: 256,
            rules: Vec::new(),
            areas: Vec::new(),
        }
    }
}

const ROTATE_BYTES: std::ops::RangeInclusive<u64> = 64 * 1024..=4 * 1024 * 1024 * 1024;
const CHECKPOINT_EVERY: std::ops::RangeInclusive<u32> = 1..=1_000_000;
const KEEP_DAYS: std::ops::RangeInclusive<u32> = 0..=36_500;

impl AuditSettings {
    /// The keys whose default is absent (serialising the default leaves them out).
    pub const OPTIONAL_KEYS: [&'static str; 3] = ["dir", "key-dir", "archive-dir"];

    /// Semantic checks: each problem as (key path, message). Empty when usable.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !ROTATE_BYTES.contains(&self.rotate_bytes) {
            out.push((
                "audit.rotate-bytes".to_owned(),
                format!(
                    "{} is out of range: allowed is {} to {}",
                    self.rotate_bytes,
                    ROTATE_BYTES.start(),
                    ROTATE_BYTES.end()
                ),
            ));
        }
        if !CHECKPOINT_EVERY.contains(&self.checkpoint_every) {
            out.push((
                "audit.checkpoint-every".to_owned(),
                format!(
                    "{} is out of range: allowed is {} to {}",
                    self.checkpoint_every,
                    CHECKPOINT_EVERY.start(),
                    CHECKPOINT_EVERY.end()
                ),
            ));
        }
        if !KEEP_DAYS.contains(&self.keep_days) {
            out.push((
                "audit.keep-days".to_owned(),
                format!(
                    "{} is out of range: allowed is 0 (keep forever) to {}",
                    self.keep_days,
                    KEEP_DAYS.end()
                ),
            ));
        }
        for (i, r) in self.rules.iter().enumerate() {
            if r.name.trim().is_empty() {
                out.push((
                    format!("audit.rules[{i}].name"),
                    "a rule needs a name (records say which rules fired)".to_owned(),
                ));
            }
            if let Err(e) = regex::Regex::new(&r.pattern) {
                let first = e.to_string().lines().last().unwrap_or_default().to_owned();
                out.push((
                    format!("audit.rules[{i}].pattern"),
                    format!("`{}` is not a regular expression: {first}", r.pattern),
                ));
            }
        }
        for (i, a) in self.areas.iter().enumerate() {
            if a.row == 0 || a.col == 0 || a.len == 0 {
                out.push((
                    format!("audit.areas[{i}]"),
                    "row, col and len start at 1".to_owned(),
                ));
            }
        }
        if let (Some(d), Some(k)) = (&self.dir, &self.key_dir) {
            if k.starts_with(d) {
                out.push((
                    "audit.key-dir".to_owned(),
                    "must be outside the log directory (`audit.dir`): whoever can change the \
                     log must not be able to read the key"
                        .to_owned(),
                ));
            }
        }
        out
    }

    /// The log directory: `dir`, else `audit` under `data_dir`.
    pub fn log_dir(&self, data_dir: &Path) -> PathBuf {
        self.dir.clone().unwrap_or_else(|| data_dir.join("audit"))
    }

    /// The key directory: `key-dir`, else `audit-keys` under `state_dir`.
    pub fn key_dir(&self, state_dir: &Path) -> PathBuf {
        self.key_dir
            .clone()
            .unwrap_or_else(|| state_dir.join("audit-keys"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(AuditSettings::default().validate().is_empty());
    }

    #[test]
    fn bad_values_are_named() {
        let s = AuditSettings {
            rotate_bytes: 10,
            checkpoint_every: 0,
            rules: vec![RuleSetting {
                name: "ssn".into(),
                pattern: "([0-9]".into(),
            }],
            areas: vec![AreaSetting {
                profile: "p".into(),
                row: 0,
                col: 1,
                len: 1,
            }],
            dir: Some("/var/audit".into()),
            key_dir: Some("/var/audit/keys".into()),
            ..AuditSettings::default()
        };
        let keys: Vec<String> = s.validate().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "audit.rotate-bytes",
                "audit.checkpoint-every",
                "audit.rules[0].pattern",
                "audit.areas[0]",
                "audit.key-dir"
            ]
        );
    }
}
