//! Resource limits: how many sessions, how large a host record, how many buffered chunks and
//! queued keys. This module owns the `[limits]` section of the configuration (the loader
//! embeds [`Limits`]) and its semantic checks; it enforces nothing itself.
//!
//! Where each limit is enforced: `max-record-bytes` in `proto::Session::set_max_record` (the
//! record buffer) and in `runtime::Client`, which hangs up when a host passes it;
//! `event-queue` in `runtime::Connection` (the bounded channel from the connection task);
//! `type-ahead` in `proto::Session::set_typeahead_limit`; `max-sessions` in the TUI, which
//! asks [`Limits::allows_another_session`] before opening a tab. A limit exists so that a
//! misbehaving or hostile host cannot make r3270 use unbounded memory.

use crate::proto::session::{DEFAULT_MAX_RECORD, TYPEAHEAD_LIMIT};

/// The allowed range of each limit, shared by [`Limits::validate`] and its messages.
const MAX_SESSIONS: std::ops::RangeInclusive<usize> = 1..=256;
const MAX_RECORD_BYTES: std::ops::RangeInclusive<usize> = 4096..=16 * 1024 * 1024;
const EVENT_QUEUE: std::ops::RangeInclusive<usize> = 1..=4096;
const TYPE_AHEAD: std::ops::RangeInclusive<usize> = 0..=4096;

/// The `[limits]` section.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Limits {
    /// Sessions (tabs) open at once. Default 16; 1 to 256.
    pub max_sessions: usize,
    /// The largest record accepted from a host, in bytes; a host that sends a larger one is
    /// disconnected. Default 256 KiB; 4 KiB to 16 MiB.
    ///
    /// Why 256 KiB: the largest screen r3270 emulates is 62x160 (9,920 cells). Even a record
    /// that sets the address (SBA, 3 bytes), three attributes (SA, 3 bytes each) and the
    /// character for every cell is 13 bytes a cell, about 129 KB; telnet IAC doubling is undone
    /// before the limit applies. Twice that leaves room for structured fields while a hostile
    /// host still cannot make the record buffer grow without bound.
    pub max_record_bytes: usize,
    /// Chunks read from a connection (up to 16 KiB each) that may wait for the session
    /// before the connection stops reading (TCP backpressure). Default 64; 1 to 4096.
    pub event_queue: usize,
    /// Keys queued while the keyboard is locked waiting for the host; more are dropped.
    /// Default 512; 0 (no type-ahead) to 4096.
    pub type_ahead: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_sessions: 16,
            max_record_bytes: DEFAULT_MAX_RECORD,
            event_queue: 64,
            type_ahead: TYPEAHEAD_LIMIT,
        }
    }
}

impl Limits {
    /// Semantic checks the types cannot express: each problem as (key path, message), for
    /// example `("limits.max-sessions", "0 is out of range: allowed is 1 to 256")`. Empty
    /// when the settings are usable.
    pub fn validate(&self) -> Vec<(String, String)> {
        let checks = [
            ("max-sessions", self.max_sessions, MAX_SESSIONS),
            ("max-record-bytes", self.max_record_bytes, MAX_RECORD_BYTES),
            ("event-queue", self.event_queue, EVENT_QUEUE),
            ("type-ahead", self.type_ahead, TYPE_AHEAD),
        ];
        checks
            .into_iter()
            .filter(|(_, value, range)| !range.contains(value))
            .map(|(key, value, range)| {
                (
                    format!("limits.{key}"),
                    format!(
                        "{value} is out of range: allowed is {} to {}",
                        range.start(),
                        range.end()
                    ),
                )
            })
            .collect()
    }

    /// Whether one more session may be opened when `open` are open already.
    pub fn allows_another_session(&self, open: usize) -> bool {
        open < self.max_sessions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_fit_the_largest_screen() {
        let l = Limits::default();
        assert!(l.validate().is_empty(), "{:?}", l.validate());
        assert_eq!(l.max_sessions, 16);
        assert_eq!(l.max_record_bytes, 256 * 1024);
        assert_eq!(l.event_queue, 64);
        assert_eq!(l.type_ahead, 512);
        // 62x160 cells, 13 bytes each at worst (SBA + three SAs + the character).
        assert!(l.max_record_bytes > 62 * 160 * 13);
    }

    #[test]
    fn max_sessions_is_exposed() {
        let l = Limits {
            max_sessions: 2,
            ..Limits::default()
        };
        assert!(l.allows_another_session(0));
        assert!(l.allows_another_session(1));
        assert!(!l.allows_another_session(2));
        assert!(!l.allows_another_session(3));
    }

    #[test]
    fn out_of_range_values_are_named_with_what_is_allowed() {
        let l = Limits {
            max_sessions: 0,
            max_record_bytes: 100,
            event_queue: 0,
            type_ahead: 5000,
        };
        assert_eq!(
            l.validate(),
            vec![
                (
                    "limits.max-sessions".to_owned(),
                    "0 is out of range: allowed is 1 to 256".to_owned()
                ),
                (
                    "limits.max-record-bytes".to_owned(),
                    "100 is out of range: allowed is 4096 to 16777216".to_owned()
                ),
                (
                    "limits.event-queue".to_owned(),
                    "0 is out of range: allowed is 1 to 4096".to_owned()
                ),
                (
                    "limits.type-ahead".to_owned(),
                    "5000 is out of range: allowed is 0 to 4096".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn kebab_case_partial_and_unknown_keys() {
        let l: Limits = toml::from_str("max-record-bytes = 8192").unwrap();
        assert_eq!(
            l,
            Limits {
                max_record_bytes: 8192,
                ..Limits::default()
            }
        );
        let err = toml::from_str::<Limits>("max_record = 1").unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
        let back: Limits = toml::from_str(&toml::to_string(&Limits::default()).unwrap()).unwrap();
        assert_eq!(back, Limits::default());
    }
}
