//! Per-session statistics, counted inside the engine where each fact happens.
//!
//! [`SessionStats`] is a plain `Copy` struct (the habit of quinn-proto's connection
//! statistics): the [`Session`](crate::proto::Session) updates it as bytes, records, keys and
//! replies pass through, and front ends read a snapshot with `Session::stats()`. Nothing
//! here reads a clock or allocates: times are differences of the `now` values the session is
//! handed, and the response-time record is a fixed array of buckets, so a session that runs
//! for months costs the same memory as a new one.
//!
//! What is counted, and where:
//! - bytes in and out as they are on the wire inside TLS (the telnet stream: IAC doubling,
//!   negotiation and EOR marks included), at `handle_input` and when a transmit leaves;
//! - records in (each IAC EOR from the host) and out (each record we frame);
//! - AIDs by key, when the AID's record is queued;
//! - host response time per AID: from the AID leaving to the host record that restores the
//!   keyboard, stamped with the `now` of the read that carried it;
//! - the keyboard's locked time (any lock, operator errors included);
//! - host errors by kind, negative responses sent, oversized records dropped, alarms.

use std::time::{Duration, Instant};

use crate::proto::key::Aid;

/// The upper bounds of the response-time buckets, in milliseconds. The 1, 2, 5 and 10 s
/// bounds are the ones mainframe response-time monitors report against; the finer ones
/// below a second separate a local host from a loaded one.
pub const RESPONSE_BUCKETS_MS: [u64; 9] = [50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000];

/// Host response times in fixed memory: the last, the largest, the sum (for the mean) and a
/// count per bucket (the last bucket holds everything above 30 s).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResponseTimes {
    count: u64,
    total: Duration,
    last: Option<Duration>,
    max: Duration,
    buckets: [u64; RESPONSE_BUCKETS_MS.len() + 1],
}

impl ResponseTimes {
    /// Count one response.
    pub fn record(&mut self, d: Duration) {
        self.count += 1;
        self.total = self.total.saturating_add(d);
        self.last = Some(d);
        self.max = self.max.max(d);
        let ms = d.as_millis();
        let i = RESPONSE_BUCKETS_MS
            .iter()
            .position(|&b| ms <= u128::from(b))
            .unwrap_or(RESPONSE_BUCKETS_MS.len());
        self.buckets[i] += 1;
    }

    /// How many responses were counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The newest response time.
    pub fn last(&self) -> Option<Duration> {
        self.last
    }

    /// The largest response time (zero before the first).
    pub fn max(&self) -> Duration {
        self.max
    }

    /// The sum of all response times (a Prometheus histogram's `_sum`).
    pub fn total(&self) -> Duration {
        self.total
    }

    /// The mean response time, once there is one.
    pub fn mean(&self) -> Option<Duration> {
        let n = u32::try_from(self.count).ok().filter(|&n| n > 0)?;
        Some(self.total / n)
    }

    /// The count in each bucket, not cumulative: `(upper bound, count)`, the last with no
    /// bound (above 30 s).
    pub fn buckets(&self) -> impl Iterator<Item = (Option<Duration>, u64)> + '_ {
        RESPONSE_BUCKETS_MS
            .iter()
            .map(|&ms| Some(Duration::from_millis(ms)))
            .chain(std::iter::once(None))
            .zip(self.buckets.iter().copied())
    }

    /// The upper bound of the bucket that holds quantile `q` (0..=1) of the responses: an
    /// estimate from above, as close as the buckets allow (`None` before the first response;
    /// the largest response itself when it falls above the last bound).
    pub fn quantile_bound(&self, q: f64) -> Option<Duration> {
        if self.count == 0 {
            return None;
        }
        // The rank of the quantile, 1-based, rounded up: the smallest count of responses
        // that covers q of them. Counts far beyond 2^52 do not happen here.
        #[allow(clippy::cast_precision_loss, clippy::cast_sign_loss)]
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (bound, n) in self.buckets() {
            seen += n;
            if seen >= rank {
                return Some(bound.map_or(self.max, |b| b.min(self.max)));
            }
        }
        Some(self.max)
    }
}

/// AIDs sent, by key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AidCounts {
    pub enter: u64,
    pub clear: u64,
    /// PF1..PF24 at index 0..23.
    pub pf: [u64; 24],
    /// PA1..PA3 at index 0..2.
    pub pa: [u64; 3],
    /// Every other AID (SysReq, Attn, selector pen, the read-only AIDs).
    pub other: u64,
}

impl AidCounts {
    /// Count one AID.
    pub fn count(&mut self, aid: Aid) {
        match aid {
            Aid::Enter => self.enter += 1,
            Aid::Clear => self.clear += 1,
            Aid::Pf(n) if (1..=24).contains(&n) => self.pf[usize::from(n - 1)] += 1,
            Aid::Pa(n) if (1..=3).contains(&n) => self.pa[usize::from(n - 1)] += 1,
            _ => self.other += 1,
        }
    }

    /// Every AID counted.
    pub fn total(&self) -> u64 {
        self.enter
            + self.clear
            + self.pf.iter().sum::<u64>()
            + self.pa.iter().sum::<u64>()
            + self.other
    }

    /// Each key with a non-zero count, by its name (`enter`, `pf3`, `pa1`, ...).
    pub fn by_name(&self) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut push = |name: String, n: u64| {
            if n > 0 {
                out.push((name, n));
            }
        };
        push("enter".into(), self.enter);
        push("clear".into(), self.clear);
        for (i, &n) in self.pf.iter().enumerate() {
            push(format!("pf{}", i + 1), n);
        }
        for (i, &n) in self.pa.iter().enumerate() {
            push(format!("pa{}", i + 1), n);
        }
        push("other".into(), self.other);
        out
    }
}

/// Host errors, by kind (see `HostErrorKind`): data the host sent that was malformed, a
/// protocol rule it broke, or something it asked for that r3270 does not support.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostErrorCounts {
    pub malformed: u64,
    pub violation: u64,
    pub unsupported: u64,
}

impl HostErrorCounts {
    /// Every host error counted.
    pub fn total(&self) -> u64 {
        self.malformed + self.violation + self.unsupported
    }
}

/// Everything the engine counts for one session. Read it with `Session::stats()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Bytes received from the host (the telnet stream, inside TLS).
    pub bytes_in: u64,
    /// Bytes queued for the host (the telnet stream, inside TLS).
    pub bytes_out: u64,
    /// Records received (each IAC EOR from the host, dropped ones included).
    pub records_in: u64,
    /// Records sent (3270 data, TN3270E responses, SSCP-LU and NVT records).
    pub records_out: u64,
    /// AIDs sent, by key.
    pub aids: AidCounts,
    /// Host response time per AID.
    pub response: ResponseTimes,
    /// When the host's first byte arrived (the `now` of that read).
    pub first_byte_at: Option<Instant>,
    /// How long the keyboard was locked, in total, up to the last change of lock state.
    pub keyboard_locked: Duration,
    /// Host errors, by kind.
    pub host_errors: HostErrorCounts,
    /// TN3270E negative responses sent.
    pub negative_responses: u64,
    /// Host records dropped for passing the record size limit.
    pub oversized_records: u64,
    /// Times the host sounded the alarm.
    pub alarms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn response_times_fall_into_the_monitor_buckets_at_their_bounds() {
        let mut r = ResponseTimes::default();
        assert_eq!(
            (r.mean(), r.last(), r.quantile_bound(0.95)),
            (None, None, None)
        );
        for d in [ms(50), ms(51), ms(1_000), ms(1_001), ms(30_000), ms(45_000)] {
            r.record(d);
        }
        let counts: Vec<u64> = r.buckets().map(|(_, n)| n).collect();
        // <=50 | <=100 | <=250 | <=500 | <=1s | <=2s | <=5s | <=10s | <=30s | above
        assert_eq!(counts, [1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
        assert_eq!(r.count(), 6);
        assert_eq!(r.last(), Some(ms(45_000)));
        assert_eq!(r.max(), ms(45_000));
        assert_eq!(r.total(), ms(50 + 51 + 1_000 + 1_001 + 30_000 + 45_000));
        assert_eq!(r.mean(), Some(ms(77_102) / 6));
        let bounds: Vec<Option<Duration>> = r.buckets().map(|(b, _)| b).collect();
        assert_eq!(bounds[3], Some(ms(500)));
        assert_eq!(bounds[9], None);
    }

    #[test]
    fn the_quantile_is_the_covering_bucket_bound_capped_by_the_largest() {
        let mut r = ResponseTimes::default();
        for _ in 0..95 {
            r.record(ms(80));
        }
        for _ in 0..5 {
            r.record(ms(1_500));
        }
        assert_eq!(r.quantile_bound(0.5), Some(ms(100)));
        assert_eq!(r.quantile_bound(0.95), Some(ms(100)));
        assert_eq!(r.quantile_bound(0.96), Some(ms(1_500)));
        // Above the last bound: the largest response itself.
        r.record(ms(40_000));
        assert_eq!(r.quantile_bound(1.0), Some(ms(40_000)));
        // One response: every quantile is that response's bucket, capped by it.
        let mut one = ResponseTimes::default();
        one.record(ms(3));
        assert_eq!(one.quantile_bound(0.0), Some(ms(3)));
        assert_eq!(one.quantile_bound(0.99), Some(ms(3)));
    }

    #[test]
    fn aids_are_counted_by_key_and_named() {
        let mut a = AidCounts::default();
        for aid in [
            Aid::Enter,
            Aid::Enter,
            Aid::Pf(3),
            Aid::Pf(24),
            Aid::Pa(1),
            Aid::Clear,
            Aid::SysReq,
        ] {
            a.count(aid);
        }
        assert_eq!(a.total(), 7);
        assert_eq!(
            a.by_name(),
            [
                ("enter".to_owned(), 2),
                ("clear".to_owned(), 1),
                ("pf3".to_owned(), 1),
                ("pf24".to_owned(), 1),
                ("pa1".to_owned(), 1),
                ("other".to_owned(), 1),
            ]
        );
    }
}
