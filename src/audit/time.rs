//! Wall-clock timestamps for audit records: UTC, RFC 3339 with milliseconds
//! (`2026-12-03T12:15:55.123Z`), a fixed width so that they sort and compare as text.
//! Written here (civil-from-days, H. Hinnant's algorithm) rather than with a date crate:
//! the log needs one format and one day number, nothing else.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 as (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) as days since 1970-01-01.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn since_epoch(t: SystemTime) -> Duration {
    t.duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// The UTC day number of `t` (days since 1970-01-01): daily rotation compares these.
pub fn day(t: SystemTime) -> i64 {
    i64::try_from(since_epoch(t).as_secs() / 86_400).unwrap_or(0)
}

/// `t` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format(t: SystemTime) -> String {
    let d = since_epoch(t);
    let secs = d.as_secs();
    let (y, mo, da) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    let s = secs % 86_400;
    format!(
        "{y:04}-{mo:02}-{da:02}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60,
        d.subsec_millis()
    )
}

/// The current time, formatted.
pub fn now() -> String {
    format(SystemTime::now())
}

/// A time given on the command line (`--since`, `--until`): `YYYY-MM-DD`,
/// `YYYY-MM-DDTHH:MM[:SS]` with an optional `Z`, all UTC, normalised to the record format so
/// that it compares with record timestamps as text. `None` when it is not one of those.
#[allow(clippy::many_single_char_names)] // y, m, d: the date's own names
pub fn parse_bound(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches('Z');
    let (date, clock) = match s.split_once(['T', ' ']) {
        Some((d, c)) => (d, Some(c)),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Round-trip through the day number to refuse dates such as February 30.
    if civil_from_days(days_from_civil(y, m, d)) != (y, m, d) {
        return None;
    }
    let (mut hh, mut mm, mut ss) = (0u32, 0u32, 0u32);
    if let Some(c) = clock {
        let mut p = c.split(':');
        hh = p.next()?.parse().ok()?;
        mm = p.next()?.parse().ok()?;
        if let Some(x) = p.next() {
            ss = x.split('.').next()?.parse().ok()?;
        }
        if p.next().is_some() || hh > 23 || mm > 59 || ss > 60 {
            return None;
        }
    }
    Some(format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.000Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_796_300_155_123);
        assert_eq!(format(t), "2026-12-03T12:15:55.123Z");
        assert_eq!(day(t), 20_790);
        // A leap day.
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(format(t), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn bounds_parse_and_refuse_nonsense() {
        assert_eq!(
            parse_bound("2026-12-03").as_deref(),
            Some("2026-12-03T00:00:00.000Z")
        );
        assert_eq!(
            parse_bound("2026-12-03T10:15Z").as_deref(),
            Some("2026-12-03T10:15:00.000Z")
        );
        assert_eq!(parse_bound("2026-02-30"), None);
        assert_eq!(parse_bound("yesterday"), None);
        assert_eq!(parse_bound("2026-12-03T25:00"), None);
    }
}
