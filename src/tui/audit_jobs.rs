//! The audit viewer's reads, off the event loop: a page read (`audit::read::snapshot`) and
//! a verification (`audit::read::verification`) each run on tokio's blocking pool, so a
//! frame never waits for a large log, and come back through a channel the loop selects on.
//!
//! At most one read and one verification run at a time. A read asked for while one runs
//! waits, and a later one replaces it (only the newest request matters: the slow tick asks
//! for the newest page again and again); so does a verification. A read that comes back
//! for a page the viewer no longer wants is dropped by the viewer (`AuditViewer::
//! set_snapshot` compares the page it answers with the one asked for).

use tokio::sync::mpsc;

use crate::app::Event;
use crate::app::pane::audit::KEPT;
use crate::audit::read::{Page, Snapshot, snapshot, verification};
use crate::audit::verify::VerifyOptions;

/// A finished job.
#[derive(Debug)]
pub(crate) enum Done {
    Read(Box<Snapshot>),
    Verified(String),
}

/// The jobs running and waiting.
#[derive(Debug)]
pub(crate) struct AuditJobs {
    tx: mpsc::Sender<Done>,
    reading: bool,
    next_read: Option<(VerifyOptions, Page)>,
    verifying: bool,
    next_verify: Option<VerifyOptions>,
}

impl AuditJobs {
    /// No job yet, and the receiving end of their results.
    pub(crate) fn new() -> (Self, mpsc::Receiver<Done>) {
        // One read and one verification in flight at most: a send never waits.
        let (tx, rx) = mpsc::channel(4);
        let jobs = AuditJobs {
            tx,
            reading: false,
            next_read: None,
            verifying: false,
            next_verify: None,
        };
        (jobs, rx)
    }

    /// Read `page` of the log at `loc` (and verify the log when `verify`).
    pub(crate) fn request(&mut self, loc: &VerifyOptions, page: Page, verify: bool) {
        if self.reading {
            self.next_read = Some((loc.clone(), page));
        } else {
            self.start_read(loc.clone(), page);
        }
        if verify {
            if self.verifying {
                self.next_verify = Some(loc.clone());
            } else {
                self.start_verify(loc.clone());
            }
        }
    }

    /// A job ended: start what waited for it, and give the result to the app.
    pub(crate) fn done(&mut self, done: Done) -> Event {
        match done {
            Done::Read(snap) => {
                self.reading = false;
                if let Some((loc, page)) = self.next_read.take() {
                    self.start_read(loc, page);
                }
                Event::AuditRead(snap)
            }
            Done::Verified(text) => {
                self.verifying = false;
                if let Some(loc) = self.next_verify.take() {
                    self.start_verify(loc);
                }
                Event::AuditVerified(text)
            }
        }
    }

    fn start_read(&mut self, loc: VerifyOptions, page: Page) {
        self.reading = true;
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let (dir, asked) = (loc.dir.clone(), page.clone());
            let job = tokio::task::spawn_blocking(move || snapshot(&loc, KEPT, &page));
            let snap = job.await.unwrap_or_else(|e| {
                Snapshot::failed(dir, asked, format!("reading the log failed: {e}"))
            });
            let _ = tx.send(Done::Read(Box::new(snap))).await;
        });
    }

    fn start_verify(&mut self, loc: VerifyOptions) {
        self.verifying = true;
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let job = tokio::task::spawn_blocking(move || verification(&loc));
            let text = job
                .await
                .unwrap_or_else(|e| format!("cannot verify: the check failed: {e}"));
            let _ = tx.send(Done::Verified(text)).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A log that does not exist reads as empty; both jobs come back, and what was asked
    /// for while a read ran is read after it, the newest request only.
    #[tokio::test]
    async fn jobs_come_back_and_a_waiting_read_runs_after_the_one_running() {
        let base = std::env::temp_dir().join(format!(
            "r3270-audit-jobs-{}-{}",
            std::process::id(),
            crate::audit::time::now().replace([':', '.'], "")
        ));
        let loc = VerifyOptions {
            dir: base.join("log"),
            archive_dir: None,
            key_dir: base.join("keys"),
        };
        let (mut jobs, mut rx) = AuditJobs::new();
        let older = Page::Before(crate::audit::read::Cursor::default());
        jobs.request(&loc, Page::Newest, true);
        jobs.request(&loc, Page::Newest, false);
        jobs.request(&loc, older.clone(), false);
        let mut pages = Vec::new();
        let mut verified = Vec::new();
        while pages.len() < 2 || verified.is_empty() {
            let done = rx.recv().await.unwrap();
            match jobs.done(done) {
                Event::AuditRead(s) => pages.push(s.page),
                Event::AuditVerified(t) => verified.push(t),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(pages, vec![Page::Newest, older]);
        assert_eq!(verified, vec!["empty".to_owned()]);
        assert!(!jobs.reading && !jobs.verifying);
        assert!(rx.try_recv().is_err(), "nothing else was read");
    }
}
