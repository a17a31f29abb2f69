//! The API the interactive client serves for its own tabs (`[api] enabled`, docs/TUI_API.md).
//!
//! The HTTP server (`crate::tui::api`) turns each call into an [`ApiRequest`]; the loop
//! hands it in as [`Event::Api`](crate::app::Event::Api) with an id and carries the answer
//! back from [`Effect::ApiReply`]. Reads (the tab list, a screen) are answered at once. An
//! s3270 action line or a list of steps becomes a job on its tab: keys go through the one
//! script [`Runner`](crate::script::Runner) into the tab's driver, exactly as a macro plays
//! (every AID waits for the unlock), and the job is polled after every event the App
//! handles and at the wake time it asked for ([`App::next_deadline`] includes it), so no
//! request ever blocks the loop. One job runs per tab at a time; the others wait their
//! turn, in order of arrival.
//!
//! What a job types shows on the operator's screen: it is the operator's tab. Nothing here
//! ever answers with what a non-display field holds (the screen is read through
//! [`Grid::of_masked`](crate::script_mode::grid::Grid::of_masked) and `text_rows`, which
//! blank it), and nothing here logs what a request types.

mod line;
mod steps;
mod view;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::app::{App, Effect, Tab, TabId};
use line::LineRun;
use steps::StepsRun;
pub use view::STATES as STATE_WORDS;

/// Which tab a request is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiTarget {
    /// The focused tab (the s3270-compatible paths without `/session/NAME`).
    Focused,
    /// A tab by its name as the tab bar shows it, or its number (1 is the leftmost).
    Named(String),
}

/// One call of the API, as the App carries it out.
#[derive(Clone, PartialEq, Eq)]
pub enum ApiRequest {
    /// An s3270 action line (`String(x) Enter() Ascii()`).
    Line { target: ApiTarget, line: String },
    /// Every tab's summary.
    Sessions,
    /// One tab's summary.
    Session { target: ApiTarget },
    /// One tab's screen, fields and OIA.
    Screen { target: ApiTarget },
    /// Steps with waits, then the screen; `timeout` for the whole list.
    Steps {
        target: ApiTarget,
        steps: Vec<ApiStep>,
        timeout: Option<Duration>,
    },
}

/// What a request's `Debug` shows: never what it types.
impl std::fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiRequest::Line { target, .. } => write!(f, "Line({target:?})"),
            ApiRequest::Sessions => f.write_str("Sessions"),
            ApiRequest::Session { target } => write!(f, "Session({target:?})"),
            ApiRequest::Screen { target } => write!(f, "Screen({target:?})"),
            ApiRequest::Steps { target, steps, .. } => {
                write!(f, "Steps({target:?}, {} steps)", steps.len())
            }
        }
    }
}

/// One step of `POST .../steps` (shared with `r3270 serve`).
pub use crate::script::api_steps::ApiStep;

/// An s3270 action line's answer: s3270's data lines, its status line (with the time the
/// line took) and whether every action succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineAnswer {
    pub data: Vec<String>,
    pub status: String,
    pub ok: bool,
}

/// The answer to one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiReply {
    /// An s3270 action line's answer (the s3270-compatible paths write it in their format).
    Line(LineAnswer),
    /// A JSON body and its HTTP status code.
    Json { code: u16, body: serde_json::Value },
    /// The request could not be taken (no such tab, a macro plays there), with its HTTP
    /// status code.
    Error { code: u16, message: String },
}

impl ApiReply {
    fn error(code: u16, message: impl Into<String>) -> Self {
        ApiReply::Error {
            code,
            message: message.into(),
        }
    }
}

/// The steps' whole-list timeout when a request gives none.
const STEPS_TIMEOUT: Duration = Duration::from_secs(30);

/// At most this many requests wait for one tab (past it: 503).
const MAX_QUEUED: usize = 64;

/// Where the API last read a tab's screen, for `Wait(Output)` (s3270 waits for output the
/// script has not seen yet).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ReadMark {
    /// The screen was read since the host last wrote: `Wait(Output)` must wait.
    output_needed: bool,
    /// The tab's screen count when it was read.
    read_at: u64,
}

impl ReadMark {
    fn read(&mut self, tab: &Tab) {
        self.output_needed = true;
        self.read_at = tab.driver().screens();
    }
}

/// What a job does.
enum Work {
    Line(LineRun),
    Steps(StepsRun),
}

/// A request being carried out on a tab.
struct Job {
    id: u64,
    tab: TabId,
    started: Instant,
    deadline: Instant,
    /// When it next needs a poll by itself (a wait's timeout, `Wait(Seconds)`).
    wake: Option<Instant>,
    work: Work,
}

/// The API's jobs and what it remembers of each tab.
#[derive(Default)]
pub(crate) struct ApiJobs {
    /// In order of arrival; the first job of each tab runs, the others wait.
    jobs: Vec<Job>,
    marks: HashMap<TabId, ReadMark>,
}

/// Never what a job types.
impl std::fmt::Debug for ApiJobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiJobs")
            .field("jobs", &self.jobs.len())
            .finish_non_exhaustive()
    }
}

/// How a job's poll went.
pub(crate) enum Poll<T> {
    /// Waiting: poll again on any event, or at this time.
    Pending(Option<Instant>),
    Done(T),
}

impl App {
    /// A request from the API: answered now, or a job started (or queued) on its tab.
    pub(crate) fn api_request(
        &mut self,
        id: u64,
        request: ApiRequest,
        now: Instant,
    ) -> Vec<Effect> {
        let reply = match request {
            ApiRequest::Sessions => {
                let sessions: Vec<_> = (0..self.tabs.len())
                    .map(|i| view::summary(&self.tabs[i], i, i == self.active))
                    .collect();
                Some(ApiReply::Json {
                    code: 200,
                    body: json!({ "sessions": sessions }),
                })
            }
            ApiRequest::Session { target } => Some(self.api_tab(&target).map_or_else(
                |e| e,
                |i| ApiReply::Json {
                    code: 200,
                    body: view::summary(&self.tabs[i], i, i == self.active),
                },
            )),
            ApiRequest::Screen { target } => Some(self.api_tab(&target).map_or_else(
                |e| e,
                |i| ApiReply::Json {
                    code: 200,
                    body: view::screen(&self.tabs[i]),
                },
            )),
            ApiRequest::Line { target, line } => {
                self.api_job(id, &target, now, Work::Line(LineRun::new(&line)))
            }
            ApiRequest::Steps {
                target,
                steps,
                timeout,
            } => {
                let limit = self.api_timeout().saturating_sub(Duration::from_secs(1));
                let limit = limit.max(Duration::from_secs(1));
                let timeout = timeout.unwrap_or(STEPS_TIMEOUT).min(limit);
                let work = Work::Steps(StepsRun::new(steps, now + timeout));
                self.api_job(id, &target, now, work)
            }
        };
        let mut effects = Vec::new();
        if let Some(reply) = reply {
            effects.push(Effect::ApiReply { id, reply });
        }
        effects
    }

    /// `api.request-timeout`: no job outlives its request.
    fn api_timeout(&self) -> Duration {
        Duration::from_secs(self.config.api.request_timeout.max(1))
    }

    /// Queues a job on its tab (it starts at the next poll, which follows every event);
    /// `Some` when it cannot be taken.
    fn api_job(
        &mut self,
        id: u64,
        target: &ApiTarget,
        now: Instant,
        work: Work,
    ) -> Option<ApiReply> {
        let i = match self.api_tab(target) {
            Ok(i) => i,
            Err(e) => return Some(e),
        };
        let tab = &self.tabs[i];
        if let Some(p) = &tab.playback {
            return Some(ApiReply::error(
                409,
                format!(
                    "macro `{}` is playing on this tab; try again when it is done",
                    p.name()
                ),
            ));
        }
        let waiting = self.api.jobs.iter().filter(|j| j.tab == tab.id).count();
        if waiting >= MAX_QUEUED {
            return Some(ApiReply::error(
                503,
                format!("{waiting} requests are waiting for this tab"),
            ));
        }
        self.api.jobs.push(Job {
            id,
            tab: tab.id,
            started: now,
            deadline: now + self.api_timeout(),
            wake: None,
            work,
        });
        None
    }

    /// The tab a request names, or the reply that says it does not exist.
    fn api_tab(&self, target: &ApiTarget) -> Result<usize, ApiReply> {
        let none = || ApiReply::error(404, "no session is open");
        match target {
            ApiTarget::Focused => {
                if self.tabs.is_empty() {
                    Err(none())
                } else {
                    Ok(self.active.min(self.tabs.len() - 1))
                }
            }
            ApiTarget::Named(name) => {
                if let Some(i) = self.tabs.iter().position(|t| t.name == *name) {
                    return Ok(i);
                }
                if let Ok(n) = name.parse::<usize>() {
                    if (1..=self.tabs.len()).contains(&n) {
                        return Ok(n - 1);
                    }
                }
                if name == crate::serve::pool::DEFAULT_SESSION && !self.tabs.is_empty() {
                    return Ok(self.active.min(self.tabs.len() - 1));
                }
                Err(ApiReply::error(404, format!("no session named `{name}`")))
            }
        }
    }

    /// The HTTP side gave up on a request (its client went away, or its timeout passed):
    /// its job stops where it is (keys already typed stay typed).
    pub(crate) fn api_cancelled(&mut self, id: u64) {
        self.api.jobs.retain(|j| j.id != id);
    }

    /// Runs every tab's first job as far as it goes now; finished ones answer.
    pub(crate) fn poll_api(&mut self, now: Instant, effects: &mut Vec<Effect>) {
        if self.api.jobs.is_empty() {
            return;
        }
        let mut i = 0;
        while i < self.api.jobs.len() {
            let tab = self.api.jobs[i].tab;
            if self.api.jobs[..i].iter().any(|j| j.tab == tab) {
                i += 1;
                continue;
            }
            match self.poll_job(i, now, effects) {
                Some(reply) => {
                    let job = self.api.jobs.remove(i);
                    effects.push(Effect::ApiReply { id: job.id, reply });
                }
                None => i += 1,
            }
        }
        // What a job typed or read is drawn (a poll that changed nothing costs one frame
        // at most per event while a job waits).
        self.dirty = true;
    }

    /// Polls job `i`; its reply when it is done.
    fn poll_job(&mut self, i: usize, now: Instant, effects: &mut Vec<Effect>) -> Option<ApiReply> {
        let long_aid = self.config.ui.long_aid;
        let active = self.active;
        let App { api, tabs, .. } = self;
        let job = &mut api.jobs[i];
        let Some(t) = tabs.iter().position(|t| t.id == job.tab) else {
            return Some(ApiReply::error(404, "the tab was closed"));
        };
        let tab = &mut tabs[t];
        let mark = api.marks.entry(job.tab).or_default();
        let reply = match &mut job.work {
            Work::Line(run) => match run.poll(tab, mark, now, job.deadline) {
                Poll::Pending(wake) => {
                    job.wake = wake;
                    None
                }
                Poll::Done(result) => Some(ApiReply::Line(line::answer(
                    tab,
                    result,
                    now.saturating_duration_since(job.started),
                ))),
            },
            Work::Steps(run) => match run.poll(tab, mark, now) {
                Poll::Pending(wake) => {
                    job.wake = wake;
                    None
                }
                Poll::Done((code, body)) => Some(ApiReply::Json { code, body }),
            },
        };
        tab.drain(t == active, long_aid, effects);
        reply
    }

    /// When the earliest running job needs a poll by itself.
    pub(crate) fn api_wake(&self) -> Option<Instant> {
        self.api
            .jobs
            .iter()
            .enumerate()
            .filter(|(i, j)| !self.api.jobs[..*i].iter().any(|k| k.tab == j.tab))
            .map(|(_, j)| {
                let deadline = match &j.work {
                    Work::Line(_) => j.deadline,
                    Work::Steps(s) => s.deadline().min(j.deadline),
                };
                j.wake.map_or(deadline, |w| w.min(deadline))
            })
            .min()
    }

    /// What the OIA shows while the API runs something on `tab`.
    pub(crate) fn api_state(&self, tab: TabId) -> Option<String> {
        self.api
            .jobs
            .iter()
            .any(|j| j.tab == tab)
            .then(|| "▶ API".to_owned())
    }
}
