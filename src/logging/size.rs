//! Size-based log rotation, which tracing-appender does not have: `r3270.log` is written
//! until the next write would take it past the limit, then it becomes `r3270.log.1` (the
//! older ones move up one number, the oldest beyond `keep` is overwritten) and a new
//! `r3270.log` starts.
//!
//! It rolls only between writes, and the non-blocking writer hands it one whole event per
//! write, so a line is never split across files. It does no locking of its own: one writer
//! thread (tracing-appender's worker) owns it.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A log file that rolls over by size and keeps a bounded number of files.
#[derive(Debug)]
pub struct SizeRollingFile {
    dir: PathBuf,
    prefix: String,
    max_bytes: u64,
    keep: usize,
    file: File,
    written: u64,
}

impl SizeRollingFile {
    /// Open (append to) `dir/<prefix>.log`. `max_bytes` is at least 1; `keep` counts the
    /// current file and is at least 1 (with 1, the file is emptied instead of rolled).
    pub fn open(dir: &Path, prefix: &str, max_bytes: u64, keep: usize) -> io::Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(numbered(dir, prefix, 0))?;
        let written = file.metadata()?.len();
        Ok(SizeRollingFile {
            dir: dir.to_owned(),
            prefix: prefix.to_owned(),
            max_bytes: max_bytes.max(1),
            keep: keep.max(1),
            file,
            written,
        })
    }

    /// The current file (`n` = 0) or the `n`th older one.
    pub fn path(&self, n: usize) -> PathBuf {
        numbered(&self.dir, &self.prefix, n)
    }

    fn roll(&mut self) -> io::Result<()> {
        self.file.flush()?;
        if self.keep == 1 {
            self.file = File::create(self.path(0))?;
        } else {
            // `rename` replaces its target, so the oldest kept file is overwritten.
            for n in (1..self.keep).rev() {
                let from = self.path(n - 1);
                if from.exists() {
                    std::fs::rename(&from, self.path(n))?;
                }
            }
            self.file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.path(0))?;
        }
        self.written = 0;
        Ok(())
    }
}

fn numbered(dir: &Path, prefix: &str, n: usize) -> PathBuf {
    if n == 0 {
        dir.join(format!("{prefix}.log"))
    } else {
        dir.join(format!("{prefix}.log.{n}"))
    }
}

impl Write for SizeRollingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let len = u64::try_from(buf.len()).unwrap_or(u64::MAX);
        if self.written > 0 && self.written.saturating_add(len) > self.max_bytes {
            self.roll()?;
        }
        // All of it or an error: a partial write would let the next call roll mid-line.
        self.file.write_all(buf)?;
        self.written = self.written.saturating_add(len);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}
