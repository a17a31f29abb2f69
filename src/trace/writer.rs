//! Writes the data stream of a live session in the x3270 trace format, so that a session
//! recorded by r3270 can be replayed (`r3270 replay`) and read by x3270's tools.
//!
//! This module owns the output side of the format described in [`crate::trace`]: a short
//! header, `< 0xOFF   HEX` lines for each burst from the host and `> 0xOFF   HEX` lines for
//! each burst from the client (32 bytes a line, offsets restarting at 0 for each burst), and
//! timestamped notes. It only formats what it is given; deciding what is safe to record
//! (redacting non-display input) is the caller's job, before the bytes get here.

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

/// Bytes per data line, as x3270 writes them.
const PER_LINE: usize = 32;

/// What the header says about the client.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceInfo {
    /// The model, e.g. `3279-2-E`.
    pub model: String,
    pub rows: u16,
    pub cols: u16,
    /// The host code page number, e.g. `37`.
    pub host_code_page: u16,
    /// The command line that started the session.
    pub command: String,
    /// Host and port, for the `Connected to` line.
    pub host: String,
    pub port: u16,
}

/// A trace being written.
#[derive(Debug)]
pub struct TraceWriter<W: Write> {
    out: W,
}

impl<W: Write> TraceWriter<W> {
    /// Starts a trace: writes the header.
    pub fn new(mut out: W, info: &TraceInfo, now: SystemTime) -> io::Result<Self> {
        writeln!(out, "{} Trace started", timestamp(now))?;
        writeln!(out, " Version: r3270 {}", env!("CARGO_PKG_VERSION"))?;
        writeln!(out, " Command: {}", info.command)?;
        writeln!(
            out,
            " Model {}, {} rows x {} cols",
            info.model, info.rows, info.cols
        )?;
        writeln!(out, " Host codepage: {}", info.host_code_page)?;
        writeln!(out, " Connected to {}, port {}", info.host, info.port)?;
        writeln!(out, " Data stream:")?;
        Ok(TraceWriter { out })
    }

    /// One burst of bytes from the host.
    pub fn host(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.burst('<', bytes)
    }

    /// One burst of bytes from the client.
    pub fn client(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.burst('>', bytes)
    }

    /// A timestamped note (a reader skips it unless it is a telnet `SENT`/`RCVD` decoding).
    pub fn note(&mut self, now: SystemTime, text: &str) -> io::Result<()> {
        // A note is one line: a newline in it would start a line the reader misreads.
        let text = text.replace(['\n', '\r'], " ");
        writeln!(self.out, "{} {text}", timestamp(now))
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Gives back the output (tests read it).
    pub fn into_inner(self) -> W {
        self.out
    }

    fn burst(&mut self, dir: char, bytes: &[u8]) -> io::Result<()> {
        let mut line = String::with_capacity(PER_LINE * 2 + 12);
        for (i, chunk) in bytes.chunks(PER_LINE).enumerate() {
            line.clear();
            for b in chunk {
                line.push(hex_digit(b >> 4));
                line.push(hex_digit(b & 0x0F));
            }
            // `%-3x ` in x3270's words: the offset left-aligned in three columns, a space.
            writeln!(self.out, "{dir} 0x{:<3x} {line}", i * PER_LINE)?;
        }
        Ok(())
    }
}

fn hex_digit(n: u8) -> char {
    char::from_digit(u32::from(n), 16).unwrap_or('0')
}

/// `YYYYMMDD.HHMMSS.mmm` in UTC, the timestamp x3270 puts before each note.
fn timestamp(now: SystemTime) -> String {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}.{:02}{:02}{:02}.{:03}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (the classic era-based
/// conversion: 400-year eras of 146097 days, years starting in March).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Trace, TraceEvent};
    use std::time::Duration;

    #[test]
    fn round_trip_through_the_reader() {
        let info = TraceInfo {
            model: "3279-2-E".into(),
            rows: 24,
            cols: 80,
            host_code_page: 37,
            command: "r3270 screen 127.0.0.1:3270".into(),
            host: "127.0.0.1".into(),
            port: 3270,
        };
        let t0 = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let mut w = TraceWriter::new(Vec::new(), &info, t0).unwrap();
        let long: Vec<u8> = (0..=255u8).chain(0..40).collect();
        w.host(&[0xFF, 0xFD, 0x18]).unwrap();
        w.client(&[0xFF, 0xFB, 0x18]).unwrap();
        w.note(t0, "a note\nwith a newline").unwrap();
        w.host(&long).unwrap();
        w.host(&[0x01]).unwrap();
        w.client(&[]).unwrap();
        let text = String::from_utf8(w.into_inner()).unwrap();
        assert!(text.contains("\n< 0x20  20212223"), "{text}");
        assert!(text.contains("\n< 0x100 0001"), "{text}");
        let trace = Trace::parse(&text).unwrap();
        assert_eq!(trace.header.model.as_deref(), Some("3279-2-E"));
        assert_eq!(trace.header.rows_cols, Some((24, 80)));
        assert_eq!(trace.header.host_code_page.as_deref(), Some("37"));
        let bursts: Vec<TraceEvent> = trace
            .events
            .into_iter()
            .filter(|e| matches!(e, TraceEvent::Host(_) | TraceEvent::Client(_)))
            .collect();
        assert_eq!(
            bursts,
            vec![
                TraceEvent::Host(vec![0xFF, 0xFD, 0x18]),
                TraceEvent::Client(vec![0xFF, 0xFB, 0x18]),
                TraceEvent::Host(long),
                TraceEvent::Host(vec![0x01]),
            ]
        );
    }

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        let t = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        assert_eq!(timestamp(t), "20231114.221320.123");
        assert_eq!(timestamp(UNIX_EPOCH), "19700101.000000.000");
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
