//! `POST /api/v1/sessions/{name}/steps` on a tab: s3270 action lines and steps of the one
//! script vocabulary, in order, until one fails or the list's time runs out; answered with
//! `r3270 serve`'s shape (`ok`, `completed`, `failed`, `screen`, `error`). A step is named
//! in replies by its action names, `text`, its key or its wait, never by what it types.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::line::LineRun;
use super::{ApiStep, Poll, ReadMark};
use crate::app::Tab;
use crate::proto::LockReason;
use crate::script::api_steps::{OUT_OF_TIME, StepFailure as Kind};
use crate::script::{Failure, Options, Progress, Runner, Step, Wait};

/// The step running now.
enum Current {
    Line(LineRun),
    Step {
        runner: Runner,
        before: Option<LockReason>,
        wait_for: Duration,
        cut: bool,
    },
}

/// A list of steps being carried out.
pub(crate) struct StepsRun {
    steps: Vec<ApiStep>,
    next: usize,
    current: Option<Current>,
    deadline: Instant,
}

impl StepsRun {
    pub(crate) fn new(steps: Vec<ApiStep>, deadline: Instant) -> Self {
        StepsRun {
            steps,
            next: 0,
            current: None,
            deadline,
        }
    }

    /// When the list's time runs out.
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Runs steps until one must wait, all are done, or one fails; then the reply (its
    /// HTTP status code and body).
    pub(crate) fn poll(
        &mut self,
        tab: &mut Tab,
        mark: &mut ReadMark,
        now: Instant,
    ) -> Poll<(u16, Value)> {
        loop {
            let result = if let Some(current) = self.current.as_mut() {
                match poll_current(current, tab, mark, now, self.deadline) {
                    Poll::Pending(wake) => return Poll::Pending(wake),
                    Poll::Done(r) => r,
                }
            } else {
                let Some(step) = self.steps.get(self.next) else {
                    return Poll::Done(self.reply(tab, None));
                };
                match begin(step, tab, now, self.deadline) {
                    Ok(c) => {
                        self.current = Some(c);
                        continue;
                    }
                    Err(e) => Err(e),
                }
            };
            self.current = None;
            match result {
                Ok(()) => self.next += 1,
                Err(failed) => return Poll::Done(self.reply(tab, Some(&failed))),
            }
        }
    }

    fn reply(&self, tab: &Tab, failed: Option<&(Kind, String)>) -> (u16, Value) {
        let label = self.steps.get(self.next).map(ApiStep::label);
        let code = failed.map_or(200, |(k, _)| k.code());
        let mut out = json!({
            "ok": failed.is_none(),
            "completed": self.next,
            "failed": failed.map(|(kind, reason)| json!({
                "index": self.next,
                "step": label,
                "kind": kind.word(),
                "reason": reason,
            })),
            "screen": super::view::screen(tab),
        });
        if let (Some((_, reason)), Value::Object(m)) = (failed, &mut out) {
            m.insert(
                "error".into(),
                json!(format!(
                    "step {} ({}): {reason}",
                    self.next,
                    label.as_deref().unwrap_or("?")
                )),
            );
        }
        (code, out)
    }
}

type StepResult = Result<(), (Kind, String)>;

/// Starts step `step`: a line runs as an action line; a key, text or wait runs on the
/// tab's driver, its wait cut to what is left of the list's time.
fn begin(
    step: &ApiStep,
    tab: &Tab,
    now: Instant,
    deadline: Instant,
) -> Result<Current, (Kind, String)> {
    let left = deadline.saturating_duration_since(now);
    if left.is_zero() {
        return Err((Kind::Timeout, OUT_OF_TIME.to_owned()));
    }
    match step {
        ApiStep::Line(text) => Ok(Current::Line(LineRun::new(text))),
        ApiStep::Step(step, timeout) => {
            if !tab.driver().is_connected() {
                return Err(match tab.driver().ended() {
                    Some(why) => (Kind::Ended, format!("the connection ended: {why}")),
                    None => (
                        Kind::NotConnected,
                        "the session is not connected".to_owned(),
                    ),
                });
            }
            let wait_for = timeout.map_or(left, |t| t.min(left));
            let cut = timeout.is_none_or(|t| t > left);
            let step = match step {
                Step::Wait(w) => Step::Wait(Wait {
                    until: w.until.clone(),
                    timeout: Some(wait_for),
                }),
                other => other.clone(),
            };
            let options = Options {
                aid_wait: true,
                timeout: Some(wait_for),
                settle: Duration::ZERO,
            };
            Ok(Current::Step {
                runner: Runner::new([step], options),
                before: tab.session().oia().lock,
                wait_for,
                cut,
            })
        }
    }
}

fn poll_current(
    current: &mut Current,
    tab: &mut Tab,
    mark: &mut ReadMark,
    now: Instant,
    deadline: Instant,
) -> Poll<StepResult> {
    match current {
        Current::Line(run) => match run.poll(tab, mark, now, deadline) {
            Poll::Pending(wake) => Poll::Pending(wake),
            Poll::Done(Ok(_)) => Poll::Done(Ok(())),
            Poll::Done(Err(lines)) => Poll::Done(Err(line_failure(&lines.join(" "), tab))),
        },
        Current::Step {
            runner,
            before,
            wait_for,
            cut,
        } => match runner.poll(tab.driver_mut(), now) {
            Progress::Pending(wake) => Poll::Pending(wake),
            progress => Poll::Done(step_result(&progress, tab, *before, *wait_for, *cut)),
        },
    }
}

/// An s3270 line's failure, classified by s3270's words.
fn line_failure(why: &str, tab: &Tab) -> (Kind, String) {
    let kind = if why.contains("Timed out") {
        Kind::Timeout
    } else if why.contains("Not connected") {
        if tab.driver().ended().is_some() {
            Kind::Ended
        } else {
            Kind::NotConnected
        }
    } else if why.contains("Keyboard locked") {
        Kind::Refused
    } else {
        Kind::Action
    };
    (kind, why.to_owned())
}

fn step_result(
    progress: &Progress,
    tab: &Tab,
    before: Option<LockReason>,
    wait_for: Duration,
    cut: bool,
) -> StepResult {
    match progress {
        Progress::Done | Progress::Pending(_) => {
            let after = tab.session().oia().lock;
            match after {
                Some(lock @ LockReason::Operator(_)) if after != before => Err((
                    Kind::Refused,
                    format!("the key was refused ({})", lock.label()),
                )),
                _ => Ok(()),
            }
        }
        Progress::Failed(Failure::TimedOut {
            until, implicit, ..
        }) => {
            let secs = wait_for.as_secs_f64();
            let what = if *implicit {
                format!("the host did not unlock the keyboard within {secs} s")
            } else {
                format!("{until} did not happen within {secs} s")
            };
            Err((
                Kind::Timeout,
                if cut {
                    format!("{what} ({OUT_OF_TIME})")
                } else {
                    what
                },
            ))
        }
        Progress::Failed(Failure::Ended { .. }) => Err((
            Kind::Ended,
            tab.driver().ended().map_or_else(
                || "the connection ended".to_owned(),
                |e| format!("the connection ended: {e}"),
            ),
        )),
        Progress::Failed(Failure::NotConnected { .. }) => Err((
            Kind::NotConnected,
            "the session is not connected".to_owned(),
        )),
    }
}
