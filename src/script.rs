//! One script vocabulary, and one runner that carries it out against a [`Driver`].
//!
//! Every front end that runs keys on its own — `r3270 screen`, the s3270-compatible script
//! mode, macros, the trace replay — says what to do with the same words: a [`Step`] is a
//! key, typed text or a [`Wait`] for a screen condition. Each front end parses its own
//! syntax into steps (`headless::Step` for `r3270 screen`, [`s3270`] for s3270's action
//! lines and the actions recorded in traces, the keymap's action names for macros) and then
//! hands them to a [`Runner`].
//!
//! The runner is sans-IO, like the driver under it: it is given the driver and `now`, does
//! as much as it can, and says when it next needs to be woken ([`Progress::Pending`]).
//! Conditions follow x3270's script tasks (`Common/task.c`): one "can proceed" predicate for
//! input fields, the keyboard-wait lock for unlocks, and an AID step that waits for the
//! host's answer by itself, as s3270's AID actions do. What it must not do: I/O, read the
//! clock, or decide how anything is shown — failures are values ([`Failure`]) that the
//! front end words.

pub mod api_steps;
pub mod s3270;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::driver::Driver;
use crate::proto::{Key, LockReason, Mode};

/// The longest a settle (the wait for the host to fall quiet after a condition holds) lasts:
/// a host that redraws more often than the settle time (a clock) never falls quiet.
pub const MAX_SETTLE: Duration = Duration::from_secs(1);

/// What to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Press a key. An AID (or Attn, CursorSelect) then waits for the host to unlock the
    /// keyboard when the runner's `aid_wait` is on.
    Key(Key),
    /// Type text at the cursor, under field rules.
    Text(String),
    /// Wait for a condition.
    Wait(Wait),
}

/// A wait: a condition and how long it may take (the runner's default when `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wait {
    pub until: Until,
    pub timeout: Option<Duration>,
}

impl Wait {
    pub fn new(until: Until) -> Self {
        Wait {
            until,
            timeout: None,
        }
    }

    pub fn within(until: Until, timeout: Duration) -> Self {
        Wait {
            until,
            timeout: Some(timeout),
        }
    }
}

/// A screen condition to wait for. Rows and columns are 0-based.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Until {
    /// The keyboard is not locked waiting for the host (X SYSTEM, X clock). An operator
    /// error lock (X Protected, ...) does not hold a wait: the host will not clear it.
    /// A connection that ends first fails the wait.
    Unlock,
    /// Negotiation is over and, in 3270 mode, the host's first screen has arrived: what
    /// s3270's `Connect()` waits for.
    Connected,
    /// The host has drawn a screen since the connection opened, the keyboard is not locked
    /// for any reason, and the mode is settled: what `r3270 screen` waits for before its
    /// first key.
    Ready,
    /// The screen takes input: in 3270 mode a formatted screen, the cursor placed by the host
    /// (not at 0) and the keyboard not waiting; in NVT or SSCP-LU mode, at once (x3270's
    /// "can proceed").
    InputField,
    /// As [`Until::InputField`], with the cursor at this position.
    InputFieldAt { row: u16, col: u16 },
    /// The host writes to the screen: after the screen count given (a front end that knows
    /// when its script last read the screen passes that count), or after the wait began.
    Output { after: Option<u64> },
    /// This text is on the screen: at a position (row, column), or anywhere (rows joined).
    Text {
        text: String,
        at: Option<(u16, u16)>,
    },
    /// The cursor is at this position.
    CursorAt { row: u16, col: u16 },
    /// Time passes (the step's own length; it never times out).
    Seconds(Duration),
    /// The connection has ended.
    Disconnect,
    /// The session is in NVT mode.
    NvtMode,
    /// The session is in 3270 mode (TN3270 or TN3270E, LU-LU or SSCP-LU).
    Mode3270,
}

impl std::fmt::Display for Until {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Until::Unlock => f.write_str("the keyboard to unlock"),
            Until::Ready => f.write_str("the first screen"),
            Until::Connected => f.write_str("the connection"),
            Until::InputField => f.write_str("an input field"),
            Until::InputFieldAt { row, col } => {
                write!(f, "an input field at row {row} column {col}")
            }
            Until::Output { .. } => f.write_str("output from the host"),
            Until::Text { text, at: None } => write!(f, "{text:?} on the screen"),
            Until::Text {
                text,
                at: Some((r, c)),
            } => write!(f, "{text:?} at row {r} column {c}"),
            Until::CursorAt { row, col } => write!(f, "the cursor at row {row} column {col}"),
            Until::Seconds(d) => write!(f, "{} s to pass", d.as_secs_f64()),
            Until::Disconnect => f.write_str("the host to disconnect"),
            Until::NvtMode => f.write_str("NVT mode"),
            Until::Mode3270 => f.write_str("3270 mode"),
        }
    }
}

/// Why a run stopped before its last step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A wait's time ran out. `implicit` when it was the wait an AID step makes by itself.
    TimedOut {
        step: usize,
        until: Until,
        implicit: bool,
    },
    /// The connection ended while a wait that needs it was pending (or before a key).
    Ended { step: usize, until: Option<Until> },
    /// A wait needs a connection and there is none.
    NotConnected { step: usize },
}

impl Failure {
    /// The index of the step that failed.
    pub fn step(&self) -> usize {
        match self {
            Failure::TimedOut { step, .. }
            | Failure::Ended { step, .. }
            | Failure::NotConnected { step } => *step,
        }
    }
}

/// What a run is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Waiting; call [`Runner::poll`] again on any driver event, or at this time.
    Pending(Option<Instant>),
    /// Every step is done.
    Done,
    /// Stopped at a step.
    Failed(Failure),
}

/// How a runner behaves, with s3270's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// AID steps wait for the host to unlock the keyboard (s3270's `aidWait` toggle).
    pub aid_wait: bool,
    /// How long a wait with no timeout of its own may take; `None` waits for ever, as
    /// s3270's `Wait()` without a timeout does.
    pub timeout: Option<Duration>,
    /// Once an unlock or input-field wait holds, also wait for the host to be quiet this
    /// long (at most [`MAX_SETTLE`]): some hosts send a second record after the one that
    /// unlocks. Zero, as in s3270, returns at the unlock.
    pub settle: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            aid_wait: true,
            timeout: None,
            settle: Duration::ZERO,
        }
    }
}

/// A wait in progress.
#[derive(Clone, Debug)]
struct Active {
    step: usize,
    until: Until,
    implicit: bool,
    deadline: Option<Instant>,
    started: Instant,
    screens: u64,
    held_since: Option<Instant>,
}

/// Runs steps against a driver, without I/O.
#[derive(Clone, Debug)]
pub struct Runner {
    steps: VecDeque<Step>,
    options: Options,
    next: usize,
    waiting: Option<Active>,
}

impl Runner {
    pub fn new(steps: impl IntoIterator<Item = Step>, options: Options) -> Self {
        Runner {
            steps: steps.into_iter().collect(),
            options,
            next: 0,
            waiting: None,
        }
    }

    /// Steps still to run after the current one.
    pub fn remaining(&self) -> usize {
        self.steps.len()
    }

    /// The index of the step running now (or next).
    pub fn position(&self) -> usize {
        self.waiting.as_ref().map_or(self.next, |w| w.step)
    }

    /// Whether a wait is pending.
    pub fn is_waiting(&self) -> bool {
        self.waiting.is_some()
    }

    /// Does what can be done now: runs steps until one must wait, all are done, or one
    /// fails. Keys go to the driver; the caller carries out its output afterwards.
    pub fn poll(&mut self, driver: &mut Driver, now: Instant) -> Progress {
        loop {
            if let Some(active) = &mut self.waiting {
                match check(active, driver, now, self.options.settle) {
                    Check::Holds => self.waiting = None,
                    Check::Pending(wake) => return Progress::Pending(wake),
                    Check::Failed(f) => {
                        self.waiting = None;
                        self.steps.clear();
                        return Progress::Failed(f);
                    }
                }
                continue;
            }
            let Some(step) = self.steps.pop_front() else {
                return Progress::Done;
            };
            let index = self.next;
            self.next += 1;
            match step {
                Step::Key(key) => {
                    driver.key(now, key);
                    let aid = matches!(key, Key::Aid(_) | Key::Attn | Key::CursorSelect);
                    if aid && self.options.aid_wait && driver.is_connected() {
                        self.waiting = Some(self.active(index, Until::Unlock, None, now, driver));
                        if let Some(w) = &mut self.waiting {
                            w.implicit = true;
                        }
                    }
                }
                Step::Text(text) => {
                    for c in text.chars() {
                        driver.key(now, Key::Char(c));
                    }
                }
                Step::Wait(w) => {
                    let needs_connection =
                        !matches!(w.until, Until::Seconds(_) | Until::Disconnect);
                    if needs_connection && !driver.is_connected() {
                        self.steps.clear();
                        return Progress::Failed(Failure::NotConnected { step: index });
                    }
                    self.waiting = Some(self.active(index, w.until, w.timeout, now, driver));
                }
            }
        }
    }

    fn active(
        &self,
        step: usize,
        until: Until,
        timeout: Option<Duration>,
        now: Instant,
        driver: &Driver,
    ) -> Active {
        let deadline = match until {
            Until::Seconds(_) => None,
            _ => timeout.or(self.options.timeout).map(|t| now + t),
        };
        Active {
            step,
            until,
            implicit: false,
            deadline,
            started: now,
            screens: driver.screens(),
            held_since: None,
        }
    }
}

enum Check {
    Holds,
    Pending(Option<Instant>),
    Failed(Failure),
}

/// The keyboard is locked waiting for the host: x3270's `KBWAIT`.
pub fn keyboard_waits(driver: &Driver) -> bool {
    matches!(
        driver.session().oia().lock,
        Some(LockReason::TimeWait | LockReason::System)
    )
}

/// x3270's "can proceed": the screen takes input now.
pub fn can_proceed(driver: &Driver) -> bool {
    let session = driver.session();
    match session.mode() {
        Mode::SscpLu => true,
        Mode::Nvt | Mode::Tn3270eNvt => driver.drawn() || !keyboard_waits(driver),
        Mode::Tn3270 | Mode::Tn3270e => {
            let screen = session.screen();
            screen.is_formatted() && screen.cursor().index() != 0 && !keyboard_waits(driver)
        }
        Mode::Negotiating => false,
    }
}

/// Whether `text` is on the screen: at (row, col), or anywhere with the rows joined.
pub fn text_on_screen(driver: &Driver, text: &str, at: Option<(u16, u16)>) -> bool {
    let rows = driver.session().text_rows();
    match at {
        Some((r, c)) => rows.get(usize::from(r)).is_some_and(|row| {
            let len = text.chars().count();
            let here: Vec<char> = row.chars().skip(usize::from(c)).take(len).collect();
            here.len() == len && here.into_iter().eq(text.chars())
        }),
        None => rows.concat().contains(text),
    }
}

fn cursor_at(driver: &Driver, row: u16, col: u16) -> bool {
    let p = driver.session().screen().cursor_position();
    p.row == row && p.col == col
}

fn condition(active: &Active, driver: &Driver, now: Instant) -> bool {
    match &active.until {
        Until::Unlock => {
            !keyboard_waits(driver) && driver.session().oia().lock != Some(LockReason::NotConnected)
        }
        Until::Connected => {
            let mode = driver.session().mode();
            mode != Mode::Negotiating && (driver.drawn() || !mode.is_3270())
        }
        Until::Ready => {
            driver.drawn()
                && !driver.session().is_locked()
                && driver.session().mode() != Mode::Negotiating
        }
        Until::InputField => can_proceed(driver),
        Until::InputFieldAt { row, col } => can_proceed(driver) && cursor_at(driver, *row, *col),
        Until::Output { after } => driver.screens() > after.unwrap_or(active.screens),
        Until::Text { text, at } => text_on_screen(driver, text, *at),
        Until::CursorAt { row, col } => cursor_at(driver, *row, *col),
        Until::Seconds(d) => now >= active.started + *d,
        Until::Disconnect => !driver.is_connected(),
        Until::NvtMode => matches!(driver.session().mode(), Mode::Nvt | Mode::Tn3270eNvt),
        Until::Mode3270 => driver.session().mode().is_3270(),
    }
}

fn check(active: &mut Active, driver: &Driver, now: Instant, settle: Duration) -> Check {
    let holds = condition(active, driver, now);
    if holds {
        let settles = matches!(
            active.until,
            Until::Unlock | Until::InputField | Until::Ready
        ) && !settle.is_zero();
        if !settles {
            return Check::Holds;
        }
        let since = *active.held_since.get_or_insert(now);
        let quiet_at = driver.last_input().map_or(now, |t| t + settle);
        let give_up = (since + MAX_SETTLE).min(active.deadline.unwrap_or(since + MAX_SETTLE));
        if now >= quiet_at || now >= give_up || !driver.is_connected() {
            return Check::Holds;
        }
        return Check::Pending(Some(quiet_at.min(give_up)));
    }
    active.held_since = None;
    if let Until::Seconds(d) = active.until {
        return Check::Pending(Some(active.started + d));
    }
    if !driver.is_connected() && !matches!(active.until, Until::Disconnect) {
        return Check::Failed(Failure::Ended {
            step: active.step,
            until: Some(active.until.clone()),
        });
    }
    if let Some(deadline) = active.deadline {
        if now >= deadline {
            return Check::Failed(Failure::TimedOut {
                step: active.step,
                until: active.until.clone(),
                implicit: active.implicit,
            });
        }
    }
    Check::Pending(active.deadline)
}
