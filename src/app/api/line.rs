//! An s3270 action line on a tab: parsed by [`crate::script::s3270`], names resolved as
//! s3270 resolves them, key actions and waits run by the script [`Runner`] on the tab's
//! driver, reading actions answered from the tab's screen with the script mode's own
//! formats, and the status line s3270 prints. The words of every answer and error are
//! `r3270 script`'s (s3270 4.1's); actions the interactive client does not carry out
//! (connecting, quitting, files) fail with a message that says so.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::{LineAnswer, Poll, ReadMark};
use crate::app::Tab;
use crate::proto::{Key, LockReason};
use crate::script::s3270::{Call, Typed, action_keys, parse_line, parse_wait, string_keys};
use crate::script::{Failure, Options, Progress, Runner, Step, Until, Wait};
use crate::script_mode::grid::Grid;

/// What one action answered: its data lines, or the error's lines.
pub(crate) type Reply = Result<Vec<String>, Vec<String>>;

/// Actions s3270 has that the interactive client's API does not carry out.
const NOT_HERE: &[&str] = &[
    "Connect",
    "Open",
    "Close",
    "Disconnect",
    "Quit",
    "Exit",
    "Snap",
    "PrintText",
    "Set",
    "Toggle",
    "DeleteField",
    "DeleteWord",
];

/// A key action or a wait in progress.
struct Running {
    name: &'static str,
    wait: bool,
    runner: Runner,
}

/// One action line being carried out.
pub(crate) struct LineRun {
    calls: VecDeque<Call>,
    /// The line did not parse: its error, answered at the first poll.
    syntax: Option<String>,
    current: Option<Running>,
    data: Vec<String>,
}

impl LineRun {
    pub(crate) fn new(text: &str) -> Self {
        match parse_line(text) {
            Ok(calls) => LineRun {
                calls: calls.into(),
                syntax: None,
                current: None,
                data: Vec::new(),
            },
            Err(e) => LineRun {
                calls: VecDeque::new(),
                syntax: Some(e.to_string()),
                current: None,
                data: Vec::new(),
            },
        }
    }

    /// Runs actions until one must wait, all are done, or one fails (which ends the line,
    /// as in s3270).
    pub(crate) fn poll(
        &mut self,
        tab: &mut Tab,
        mark: &mut ReadMark,
        now: Instant,
        deadline: Instant,
    ) -> Poll<Reply> {
        if let Some(e) = self.syntax.take() {
            return Poll::Done(Err(vec![e]));
        }
        loop {
            if let Some(running) = &mut self.current {
                let progress = running.runner.poll(tab.driver_mut(), now);
                if let Progress::Pending(wake) = progress {
                    return Poll::Pending(wake);
                }
                let result = finish(running, &progress, tab, mark);
                self.current = None;
                match result {
                    Ok(mut d) => self.data.append(&mut d),
                    Err(mut d) => {
                        self.data.append(&mut d);
                        return Poll::Done(Err(std::mem::take(&mut self.data)));
                    }
                }
                continue;
            }
            let Some(call) = self.calls.pop_front() else {
                return Poll::Done(Ok(std::mem::take(&mut self.data)));
            };
            match start(&call, tab, mark, now, deadline) {
                Ok(Start::Answered(mut d)) => self.data.append(&mut d),
                Ok(Start::Run(r)) => self.current = Some(r),
                Err(mut d) => {
                    self.data.append(&mut d);
                    return Poll::Done(Err(std::mem::take(&mut self.data)));
                }
            }
        }
    }
}

/// How an action began.
enum Start {
    /// It is done: its data lines.
    Answered(Vec<String>),
    /// It runs on the tab's driver.
    Run(Running),
}

fn start(
    call: &Call,
    tab: &mut Tab,
    mark: &mut ReadMark,
    now: Instant,
    deadline: Instant,
) -> Result<Start, Vec<String>> {
    let name = crate::script_mode::resolve(&call.name).map_err(|e| vec![e])?;
    let args = &call.args;
    let answered = |d| Ok(Start::Answered(d));
    match name {
        "ignore" => answered(vec![]),
        "Ascii" | "Ascii1" | "Ebcdic" | "Ebcdic1" => {
            let origin = usize::from(name.ends_with('1'));
            mark.read(tab);
            Grid::of_masked(tab.session())
                .dump(name, args, origin, name.starts_with('E'))
                .map(Start::Answered)
                .map_err(|e| vec![e])
        }
        "AsciiField" | "EbcdicField" => {
            mark.read(tab);
            Grid::of_masked(tab.session())
                .field(name, name.starts_with('E'))
                .map(Start::Answered)
                .map_err(|e| vec![e])
        }
        "ReadBuffer" => {
            mark.read(tab);
            let ebcdic = match args.first().map(|a| a.to_ascii_lowercase()) {
                None => false,
                Some(a) if !a.is_empty() && "ascii".starts_with(&a) => false,
                Some(a) if !a.is_empty() && "ebcdic".starts_with(&a) => true,
                Some(_) => {
                    return Err(vec![
                        "ReadBuffer(): Parameter must be Ascii, Ebcdic, Unicode or Field"
                            .to_owned(),
                    ]);
                }
            };
            answered(Grid::of_masked(tab.session()).read_buffer(ebcdic))
        }
        "Query" => super::view::query(tab, args).map(Start::Answered),
        "Wait" => start_wait(args, tab, mark, now, deadline),
        n if NOT_HERE.contains(&n) => Err(vec![not_here(n)]),
        _ => start_keys(name, args, tab, now, deadline),
    }
}

/// Why an action is refused here.
fn not_here(name: &str) -> String {
    match name {
        "Connect" | "Open" | "Close" | "Disconnect" | "Quit" | "Exit" => format!(
            "{name}(): not available in the interactive client's API: the operator opens, \
             closes and quits its sessions (`r3270 serve` runs sessions of its own)"
        ),
        _ => format!("{name}(): not supported by the interactive client's API"),
    }
}

/// `Wait(...)`: s3270's keywords, with the request's time limit over its own.
fn start_wait(
    args: &[String],
    tab: &Tab,
    mark: &ReadMark,
    now: Instant,
    deadline: Instant,
) -> Result<Start, Vec<String>> {
    let (timeout, mut until) = parse_wait(args).map_err(|e| vec![e])?;
    let connected = tab.driver().is_connected();
    if let Until::Output { .. } = until {
        if !mark.output_needed {
            return if connected {
                Ok(Start::Answered(vec![]))
            } else {
                Err(vec!["Wait(): Not connected".to_owned()])
            };
        }
        until = Until::Output {
            after: Some(mark.read_at),
        };
    }
    if !matches!(until, Until::Seconds(_)) && !connected {
        if until == Until::Disconnect {
            return Ok(Start::Answered(vec![]));
        }
        return Err(vec!["Wait(): Not connected".to_owned()]);
    }
    let left = deadline.saturating_duration_since(now);
    let wait = Wait {
        until,
        timeout: Some(timeout.map_or(left, |t| t.min(left))),
    };
    Ok(Start::Run(Running {
        name: "Wait",
        wait: true,
        runner: Runner::new([Step::Wait(wait)], Options::default()),
    }))
}

/// Key actions: what `String`, `Enter`, `PF(n)`, `MoveCursor`, ... press. An AID waits
/// for the host's answer, as s3270's do with `aidWait` set.
fn start_keys(
    name: &'static str,
    args: &[String],
    tab: &mut Tab,
    now: Instant,
    deadline: Instant,
) -> Result<Start, Vec<String>> {
    let steps = key_steps(name, args, tab)?;
    if !tab.driver().is_connected() {
        // Keys with no connection go nowhere; s3270 answers ok.
        return Ok(Start::Answered(vec![]));
    }
    if matches!(tab.session().oia().lock, Some(LockReason::Operator(_))) {
        // An operator error from before: s3270 drops an AID pressed on it (ok, still
        // locked, nothing sent) and clears it for any other key.
        let aid = steps
            .first()
            .is_some_and(|s| matches!(s, Step::Key(Key::Aid(_) | Key::Attn)));
        if aid {
            return Ok(Start::Answered(vec![]));
        }
        tab.key(now, Key::Reset);
    }
    let options = Options {
        aid_wait: true,
        timeout: Some(deadline.saturating_duration_since(now)),
        settle: Duration::ZERO,
    };
    Ok(Start::Run(Running {
        name,
        wait: false,
        runner: Runner::new(steps, options),
    }))
}

/// The steps a key action stands for (`String`'s `\eNN` through the tab's code page).
fn key_steps(name: &str, args: &[String], tab: &Tab) -> Result<Vec<Step>, Vec<String>> {
    if name != "String" {
        return match action_keys(name, args) {
            Some(Ok(keys)) => Ok(keys.into_iter().map(Step::Key).collect()),
            Some(Err(e)) => Err(vec![e]),
            None => Err(vec![format!("Unknown action: {name}")]),
        };
    }
    let code_page = tab.session().code_page();
    let mut steps = Vec::new();
    for a in args {
        for t in string_keys(a).map_err(|e| vec![e.to_string()])? {
            match t {
                Typed::Key(Key::Char(c)) => steps.push(Step::Text(c.to_string())),
                Typed::Key(k) => steps.push(Step::Key(k)),
                Typed::Ebcdic(b) if b >= 0x40 => {
                    steps.push(Step::Text(code_page.to_unicode(b).to_string()));
                }
                Typed::Ebcdic(_) => {}
            }
        }
    }
    Ok(steps)
}

/// How a key action or a wait ended, in s3270's words.
fn finish(running: &Running, progress: &Progress, tab: &Tab, mark: &mut ReadMark) -> Reply {
    if running.wait {
        return match progress {
            Progress::Failed(Failure::TimedOut { .. }) => Err(vec!["Wait(): Timed out".to_owned()]),
            Progress::Failed(_) => Err(vec!["Wait(): Not connected".to_owned()]),
            Progress::Done | Progress::Pending(_) => {
                // The host has written since the screen was read (or the wait was not for
                // output): a later Wait(Output) needs new output only after a read.
                mark.output_needed = false;
                Ok(vec![])
            }
        };
    }
    let refused = matches!(tab.session().oia().lock, Some(LockReason::Operator(_)));
    match progress {
        Progress::Failed(Failure::TimedOut { .. }) => {
            Err(vec![format!("{}(): Timed out", running.name)])
        }
        // A key refused by the field rules (a protected field, a numeric one).
        _ if refused => Err(vec![
            "Keyboard locked".to_owned(),
            "Operator error".to_owned(),
        ]),
        _ => Ok(vec![]),
    }
}

/// The line's answer: its data, and the status line s3270 ends every answer with (with
/// the time the line took).
pub(crate) fn answer(tab: &Tab, result: Reply, took: Duration) -> LineAnswer {
    let (ok, data) = match result {
        Ok(d) => (true, d),
        Err(d) => (false, d),
    };
    let mut status = status_line(tab);
    let _ = write!(status, " {}.{:03}", took.as_secs(), took.subsec_millis());
    LineAnswer { data, status, ok }
}

/// The status line's first eleven fields for a tab, as s3270 prints them.
pub(crate) fn status_line(tab: &Tab) -> String {
    let connected = tab.driver().is_connected();
    let host = connected.then(|| super::view::host_name(tab));
    crate::script_mode::session_status(
        tab.session(),
        connected,
        host.as_deref(),
        tab.session().config().model.number,
    )
}
