//! RFC 1143 option negotiation (the "Q method"): both sides of every option, the policy of
//! what we agree to, and replies that can never loop. Part of [`telnet`](super); split out
//! to keep one concern per file.

use super::{TelnetOption, Verb, write_negotiation};

/// The RFC 1143 state of one side of one option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum QState {
    #[default]
    No,
    Yes,
    /// We asked for the option to be disabled and await the answer.
    WantNo,
    /// We asked for the option to be enabled and await the answer.
    WantYes,
}

/// The RFC 1143 queue bit: whether the opposite request was made while one was in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum QueueBit {
    #[default]
    Empty,
    Opposite,
}

/// Which party performs an option: `Local` is us (DO/DONT received, WILL/WONT sent),
/// `Remote` is the host (WILL/WONT received, DO/DONT sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Local,
    Remote,
}

/// One side of one option: RFC 1143's `us`/`usq` or `him`/`himq`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SideState {
    pub state: QState,
    pub queue: QueueBit,
}

/// The effect of a negotiation step: what to send, and whether the option changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Negotiation {
    /// The verb to send back for this option, if any.
    pub reply: Option<Verb>,
    /// `Some(true)` if the option just became enabled, `Some(false)` if it just stopped
    /// being enabled, `None` if its enabled-ness did not change.
    pub changed: Option<bool>,
}

impl Negotiation {
    /// Appends the reply (if any) for `option` to `out`.
    pub fn write_reply(&self, option: TelnetOption, out: &mut Vec<u8>) {
        if let Some(verb) = self.reply {
            write_negotiation(verb, option, out);
        }
    }
}

/// A set of options, one bit per option code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct OptionSet([u64; 4]);

impl OptionSet {
    pub const fn empty() -> Self {
        OptionSet([0; 4])
    }

    #[must_use]
    pub const fn with(mut self, option: TelnetOption) -> Self {
        self.0[(option.0 >> 6) as usize] |= 1 << (option.0 & 63);
        self
    }

    pub const fn contains(&self, option: TelnetOption) -> bool {
        self.0[(option.0 >> 6) as usize] & (1 << (option.0 & 63)) != 0
    }
}

/// Which options we agree to when the host asks. Requests we make ourselves are not limited
/// by the policy: the caller knows what it asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionPolicy {
    /// Options we agree to perform when the host sends DO.
    pub local: OptionSet,
    /// Options we agree to let the host perform when it sends WILL.
    pub remote: OptionSet,
    /// Answer DO TIMING-MARK with WILL TIMING-MARK without enabling anything, as x3270 does:
    /// RFC 860 uses the option as a one-shot "have you processed everything" probe.
    pub answer_timing_mark: bool,
}

impl OptionPolicy {
    /// The TN3270 client policy: we perform BINARY, END-OF-RECORD, TERMINAL-TYPE,
    /// NEW-ENVIRON, TN3270E and STARTTLS; the host may perform BINARY, END-OF-RECORD, ECHO and
    /// SUPPRESS-GO-AHEAD; DO TIMING-MARK is answered WILL once per request; all else refused.
    pub const fn tn3270_client() -> Self {
        OptionPolicy {
            local: OptionSet::empty()
                .with(TelnetOption::BINARY)
                .with(TelnetOption::EOR)
                .with(TelnetOption::TERMINAL_TYPE)
                .with(TelnetOption::NEW_ENVIRON)
                .with(TelnetOption::TN3270E)
                .with(TelnetOption::STARTTLS),
            remote: OptionSet::empty()
                .with(TelnetOption::BINARY)
                .with(TelnetOption::EOR)
                .with(TelnetOption::ECHO)
                .with(TelnetOption::SGA),
            answer_timing_mark: true,
        }
    }
}

impl Default for OptionPolicy {
    fn default() -> Self {
        Self::tn3270_client()
    }
}

/// The RFC 1143 option table: both sides of all 256 options, plus the acceptance policy.
///
/// Every function returns at most one verb to send, and by construction (RFC 1143 section 7)
/// an answer is never sent to a message that merely confirms the current state, so two
/// parties using this table cannot loop.
#[derive(Clone, Debug)]
pub struct OptionTable {
    local: [SideState; 256],
    remote: [SideState; 256],
    policy: OptionPolicy,
}

impl Default for OptionTable {
    fn default() -> Self {
        Self::new(OptionPolicy::default())
    }
}

impl OptionTable {
    pub fn new(policy: OptionPolicy) -> Self {
        OptionTable {
            local: [SideState::default(); 256],
            remote: [SideState::default(); 256],
            policy,
        }
    }

    pub fn policy(&self) -> &OptionPolicy {
        &self.policy
    }

    pub fn set_policy(&mut self, policy: OptionPolicy) {
        self.policy = policy;
    }

    /// Every option back to NO, as at the start of a connection.
    pub fn reset(&mut self) {
        self.local = [SideState::default(); 256];
        self.remote = [SideState::default(); 256];
    }

    /// The RFC 1143 state of one side of an option.
    pub fn state(&self, side: Side, option: TelnetOption) -> SideState {
        match side {
            Side::Local => self.local[usize::from(option.0)],
            Side::Remote => self.remote[usize::from(option.0)],
        }
    }

    /// Whether we perform `option` (RFC 1143 `us` is YES).
    pub fn local_enabled(&self, option: TelnetOption) -> bool {
        self.local[usize::from(option.0)].state == QState::Yes
    }

    /// Whether the host performs `option` (RFC 1143 `him` is YES).
    pub fn remote_enabled(&self, option: TelnetOption) -> bool {
        self.remote[usize::from(option.0)].state == QState::Yes
    }

    /// Handles a received negotiation.
    pub fn receive(&mut self, verb: Verb, option: TelnetOption) -> Negotiation {
        match verb {
            Verb::Will => {
                let agree = self.policy.remote.contains(option);
                let side = &mut self.remote[usize::from(option.0)];
                step(side, |s| receive_enable(s, agree, Verb::Do, Verb::Dont))
            }
            Verb::Wont => {
                let side = &mut self.remote[usize::from(option.0)];
                step(side, |s| receive_disable(s, Verb::Do, Verb::Dont))
            }
            Verb::Do => {
                let side = &mut self.local[usize::from(option.0)];
                if option == TelnetOption::TIMING_MARK
                    && self.policy.answer_timing_mark
                    && side.state == QState::No
                {
                    // The probe is answered, but the option stays NO so the next probe is
                    // answered too and nothing is ever "enabled".
                    return Negotiation {
                        reply: Some(Verb::Will),
                        changed: None,
                    };
                }
                let agree = self.policy.local.contains(option);
                step(side, |s| receive_enable(s, agree, Verb::Will, Verb::Wont))
            }
            Verb::Dont => {
                let side = &mut self.local[usize::from(option.0)];
                step(side, |s| receive_disable(s, Verb::Will, Verb::Wont))
            }
        }
    }

    /// Asks to enable an option on one side (we send WILL for `Local`, DO for `Remote`).
    pub fn request_enable(&mut self, side: Side, option: TelnetOption) -> Negotiation {
        let (state, verb) = match side {
            Side::Local => (&mut self.local[usize::from(option.0)], Verb::Will),
            Side::Remote => (&mut self.remote[usize::from(option.0)], Verb::Do),
        };
        step(state, |s| request(s, true, verb))
    }

    /// Asks to disable an option on one side (we send WONT for `Local`, DONT for `Remote`).
    pub fn request_disable(&mut self, side: Side, option: TelnetOption) -> Negotiation {
        let (state, verb) = match side {
            Side::Local => (&mut self.local[usize::from(option.0)], Verb::Wont),
            Side::Remote => (&mut self.remote[usize::from(option.0)], Verb::Dont),
        };
        step(state, |s| request(s, false, verb))
    }
}

/// Runs one transition and reports whether "enabled" (state YES) changed.
fn step(
    side: &mut SideState,
    transition: impl FnOnce(&mut SideState) -> Option<Verb>,
) -> Negotiation {
    let before = side.state == QState::Yes;
    let reply = transition(side);
    let after = side.state == QState::Yes;
    Negotiation {
        reply,
        changed: (before != after).then_some(after),
    }
}

/// RFC 1143 section 7, receipt of WILL (remote) or DO (local).
fn receive_enable(side: &mut SideState, agree: bool, accept: Verb, refuse: Verb) -> Option<Verb> {
    match (side.state, side.queue) {
        (QState::No, _) => {
            if agree {
                side.state = QState::Yes;
                Some(accept)
            } else {
                Some(refuse)
            }
        }
        (QState::Yes, _) => None,
        // Our disable request was answered with an enable: a peer error, settle as RFC 1143
        // says without replying.
        (QState::WantNo, QueueBit::Empty) => {
            side.state = QState::No;
            None
        }
        (QState::WantNo, QueueBit::Opposite) | (QState::WantYes, QueueBit::Empty) => {
            side.state = QState::Yes;
            side.queue = QueueBit::Empty;
            None
        }
        (QState::WantYes, QueueBit::Opposite) => {
            side.state = QState::WantNo;
            side.queue = QueueBit::Empty;
            Some(refuse)
        }
    }
}

/// RFC 1143 section 7, receipt of WONT (remote) or DONT (local).
fn receive_disable(side: &mut SideState, enable: Verb, disable: Verb) -> Option<Verb> {
    match (side.state, side.queue) {
        (QState::No, _) => None,
        (QState::Yes, _) => {
            side.state = QState::No;
            Some(disable)
        }
        (QState::WantNo, QueueBit::Empty) | (QState::WantYes, _) => {
            side.state = QState::No;
            side.queue = QueueBit::Empty;
            None
        }
        (QState::WantNo, QueueBit::Opposite) => {
            side.state = QState::WantYes;
            side.queue = QueueBit::Empty;
            Some(enable)
        }
    }
}

/// RFC 1143 section 7, our own request to enable or disable. Requests that are already
/// satisfied or already queued are no-ops.
fn request(side: &mut SideState, enable: bool, verb: Verb) -> Option<Verb> {
    let (idle, done, toward, away) = if enable {
        (QState::No, QState::Yes, QState::WantYes, QState::WantNo)
    } else {
        (QState::Yes, QState::No, QState::WantNo, QState::WantYes)
    };
    match (side.state, side.queue) {
        (s, _) if s == idle => {
            side.state = toward;
            Some(verb)
        }
        (s, _) if s == done => None,
        (s, QueueBit::Empty) if s == away => {
            side.queue = QueueBit::Opposite;
            None
        }
        (s, QueueBit::Opposite) if s == toward => {
            side.queue = QueueBit::Empty;
            None
        }
        _ => None,
    }
}
