//! The telnet layer: the only streaming, byte-by-byte parser in r3270.
//!
//! This module owns four things: the receive-side parser that turns an arbitrarily split
//! telnet byte stream into [`TelnetEvent`]s (RFC 854 commands, RFC 855 subnegotiation, RFC 885
//! END-OF-RECORD), the RFC 1143 "Q method" [`OptionTable`] that decides how to answer WILL,
//! WONT, DO and DONT without negotiation loops, the output helpers that frame bytes for the
//! wire (IAC doubling, IAC EOR, negotiation and subnegotiation), and the subnegotiation
//! payloads of TERMINAL-TYPE (RFC 1091) and NEW-ENVIRON (RFC 1572, with the IBM variables of
//! RFC 4777). STARTTLS framing follows draft-altman-telnet-starttls.
//!
//! It must not do I/O, read a clock, keep global state or panic on any input: every byte
//! sequence the host can send is either parsed or reported as a [`TelnetError`]. Memory is
//! bounded: a subnegotiation longer than [`MAX_SUBNEGOTIATION`] is dropped and reported.
//! What a record *means* (3270 data, TN3270E header, NVT text) is for the layers above.

use thiserror::Error;

/// Interpret As Command: the escape byte of the telnet protocol (RFC 854).
pub const IAC: u8 = 255;
/// Negotiation verb: demand that the other party stop performing an option.
pub const DONT: u8 = 254;
/// Negotiation verb: ask the other party to perform an option.
pub const DO: u8 = 253;
/// Negotiation verb: refuse to perform (or stop performing) an option.
pub const WONT: u8 = 252;
/// Negotiation verb: offer to perform (or confirm performing) an option.
pub const WILL: u8 = 251;
/// Subnegotiation Begin (RFC 855).
pub const SB: u8 = 250;
/// Go Ahead.
pub const GA: u8 = 249;
/// Erase Line.
pub const EL: u8 = 248;
/// Erase Character.
pub const EC: u8 = 247;
/// Are You There.
pub const AYT: u8 = 246;
/// Abort Output.
pub const AO: u8 = 245;
/// Interrupt Process.
pub const IP: u8 = 244;
/// Break.
pub const BRK: u8 = 243;
/// Data Mark: the data stream part of a Synch.
pub const DM: u8 = 242;
/// No Operation.
pub const NOP: u8 = 241;
/// Subnegotiation End (RFC 855).
pub const SE: u8 = 240;
/// End Of Record (RFC 885): in TN3270 it ends each 3270 data stream record.
pub const EOR: u8 = 239;

/// Carriage return, needed for the NVT "CR NUL" rule of RFC 854.
const CR: u8 = b'\r';
/// NUL, which follows a bare CR in NVT text (RFC 854) and carries no data.
const NUL: u8 = 0;

/// The largest subnegotiation payload the parser buffers. TN3270E, TERMINAL-TYPE and
/// NEW-ENVIRON payloads are a few dozen bytes; anything longer than this is hostile or broken,
/// so it is dropped (and reported) rather than allowed to grow memory without bound.
pub const MAX_SUBNEGOTIATION: usize = 4096;

/// A telnet option code, named as in the assigned-numbers registry and the option's RFC.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TelnetOption(pub u8);

impl TelnetOption {
    /// RFC 856.
    pub const BINARY: TelnetOption = TelnetOption(0);
    /// RFC 857.
    pub const ECHO: TelnetOption = TelnetOption(1);
    /// SUPPRESS-GO-AHEAD, RFC 858.
    pub const SGA: TelnetOption = TelnetOption(3);
    /// RFC 860.
    pub const TIMING_MARK: TelnetOption = TelnetOption(6);
    /// RFC 1091.
    pub const TERMINAL_TYPE: TelnetOption = TelnetOption(24);
    /// END-OF-RECORD, RFC 885.
    pub const EOR: TelnetOption = TelnetOption(25);
    /// Negotiate About Window Size, RFC 1073.
    pub const NAWS: TelnetOption = TelnetOption(31);
    /// RFC 1572.
    pub const NEW_ENVIRON: TelnetOption = TelnetOption(39);
    /// RFC 2355.
    pub const TN3270E: TelnetOption = TelnetOption(40);
    /// draft-altman-telnet-starttls.
    pub const STARTTLS: TelnetOption = TelnetOption(46);

    /// The option's spec name, if r3270 knows it.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "BINARY",
            1 => "ECHO",
            3 => "SUPPRESS-GO-AHEAD",
            6 => "TIMING-MARK",
            24 => "TERMINAL-TYPE",
            25 => "END-OF-RECORD",
            31 => "NAWS",
            39 => "NEW-ENVIRON",
            40 => "TN3270E",
            46 => "STARTTLS",
            _ => return None,
        })
    }
}

impl std::fmt::Debug for TelnetOption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "TelnetOption({})", self.0),
        }
    }
}

/// A telnet command that is neither negotiation nor subnegotiation nor END-OF-RECORD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    NoOperation,
    DataMark,
    Break,
    InterruptProcess,
    AbortOutput,
    AreYouThere,
    EraseCharacter,
    EraseLine,
    GoAhead,
    /// A command byte outside RFC 854's table (or a stray SE); reported so the layer above
    /// can trace it, never acted on.
    Other(u8),
}

impl Command {
    /// The command for the byte that followed an IAC.
    pub const fn from_byte(byte: u8) -> Command {
        match byte {
            NOP => Command::NoOperation,
            DM => Command::DataMark,
            BRK => Command::Break,
            IP => Command::InterruptProcess,
            AO => Command::AbortOutput,
            AYT => Command::AreYouThere,
            EC => Command::EraseCharacter,
            EL => Command::EraseLine,
            GA => Command::GoAhead,
            other => Command::Other(other),
        }
    }

    /// The byte sent after IAC for this command.
    pub const fn byte(self) -> u8 {
        match self {
            Command::NoOperation => NOP,
            Command::DataMark => DM,
            Command::Break => BRK,
            Command::InterruptProcess => IP,
            Command::AbortOutput => AO,
            Command::AreYouThere => AYT,
            Command::EraseCharacter => EC,
            Command::EraseLine => EL,
            Command::GoAhead => GA,
            Command::Other(byte) => byte,
        }
    }
}

/// One of the four negotiation verbs of RFC 854.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    Will,
    Wont,
    Do,
    Dont,
}

impl Verb {
    /// The verb's command byte.
    pub const fn byte(self) -> u8 {
        match self {
            Verb::Will => WILL,
            Verb::Wont => WONT,
            Verb::Do => DO,
            Verb::Dont => DONT,
        }
    }

    const fn from_byte(byte: u8) -> Option<Verb> {
        match byte {
            WILL => Some(Verb::Will),
            WONT => Some(Verb::Wont),
            DO => Some(Verb::Do),
            DONT => Some(Verb::Dont),
            _ => None,
        }
    }
}

/// Protocol violations the parser survives and reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum TelnetError {
    /// The payload of a subnegotiation exceeded [`MAX_SUBNEGOTIATION`]; the whole
    /// subnegotiation was dropped, because acting on a truncated one could be wrong.
    #[error("subnegotiation for option {option:?} longer than {MAX_SUBNEGOTIATION} bytes, dropped")]
    SubnegotiationTooLong { option: TelnetOption },
    /// An IAC inside a subnegotiation was followed by something other than SE or IAC. The
    /// subnegotiation was dropped and the command after the IAC was processed normally.
    #[error("subnegotiation for option {option:?} interrupted by IAC {command}, dropped")]
    SubnegotiationInterrupted { option: TelnetOption, command: u8 },
}

/// What the parser found in the stream. Borrowed data points into the fed input (data runs)
/// or into the parser's subnegotiation buffer, so nothing is copied for ordinary data.
///
/// `Data` boundaries carry no meaning: the same stream split differently may produce
/// different runs, but their concatenation between two other events is always the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TelnetEvent<'a> {
    /// Data bytes, with IAC IAC already undoubled (and, when enabled, NVT CR NUL reduced).
    Data(&'a [u8]),
    /// IAC EOR: the end of a 3270 record.
    EndOfRecord,
    /// Any other IAC command.
    Command(Command),
    Will(TelnetOption),
    Wont(TelnetOption),
    Do(TelnetOption),
    Dont(TelnetOption),
    /// IAC SB option ... IAC SE, with IAC IAC undoubled in `data`.
    Subnegotiation {
        option: TelnetOption,
        data: &'a [u8],
    },
    /// A protocol violation that was survived.
    Error(TelnetError),
}

impl TelnetEvent<'_> {
    /// An owned copy, for callers that queue events beyond the next `feed`.
    pub fn to_owned_event(&self) -> OwnedTelnetEvent {
        match *self {
            TelnetEvent::Data(data) => OwnedTelnetEvent::Data(data.to_vec()),
            TelnetEvent::EndOfRecord => OwnedTelnetEvent::EndOfRecord,
            TelnetEvent::Command(command) => OwnedTelnetEvent::Command(command),
            TelnetEvent::Will(option) => OwnedTelnetEvent::Will(option),
            TelnetEvent::Wont(option) => OwnedTelnetEvent::Wont(option),
            TelnetEvent::Do(option) => OwnedTelnetEvent::Do(option),
            TelnetEvent::Dont(option) => OwnedTelnetEvent::Dont(option),
            TelnetEvent::Subnegotiation { option, data } => OwnedTelnetEvent::Subnegotiation {
                option,
                data: data.to_vec(),
            },
            TelnetEvent::Error(error) => OwnedTelnetEvent::Error(error),
        }
    }
}

/// The owned twin of [`TelnetEvent`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OwnedTelnetEvent {
    Data(Vec<u8>),
    EndOfRecord,
    Command(Command),
    Will(TelnetOption),
    Wont(TelnetOption),
    Do(TelnetOption),
    Dont(TelnetOption),
    Subnegotiation { option: TelnetOption, data: Vec<u8> },
    Error(TelnetError),
}

/// Where the parser is between two bytes. Every state survives the end of a fed chunk, which
/// is what makes the output independent of how the stream was split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Ordinary data.
    Data,
    /// Data, and the previous data byte was a CR whose NUL (if any) must be dropped.
    DataAfterCr,
    /// Just saw IAC in data.
    Iac,
    /// Saw IAC and a negotiation verb; the option byte comes next.
    Negotiation(Verb),
    /// Saw IAC SB; the option byte comes next.
    SubnegotiationOption,
    /// Inside a subnegotiation payload.
    Subnegotiation(TelnetOption),
    /// Saw IAC inside a subnegotiation payload.
    SubnegotiationIac(TelnetOption),
}

/// The receive-side telnet parser (RFC 854, RFC 855, RFC 885).
#[derive(Clone, Debug)]
pub struct TelnetParser {
    state: State,
    /// The payload of the subnegotiation being received, IAC IAC already undoubled.
    sb_buffer: Vec<u8>,
    /// Set once the payload overflowed; the rest is skipped until IAC SE.
    sb_overflow: bool,
    /// Whether a NUL after CR is dropped (RFC 854 NVT rule). Only right when the host is
    /// not sending BINARY; in 3270 mode 0x0D 0x00 are ordinary data bytes.
    strip_cr_nul: bool,
}

impl Default for TelnetParser {
    fn default() -> Self {
        Self::new()
    }
}

impl TelnetParser {
    pub fn new() -> Self {
        TelnetParser {
            state: State::Data,
            sb_buffer: Vec::new(),
            sb_overflow: false,
            strip_cr_nul: false,
        }
    }

    /// Turns the NVT "CR NUL means CR" rule on or off. The session turns it on while the
    /// host is not in BINARY mode (NVT text), and off for 3270 data.
    pub fn set_strip_cr_nul(&mut self, strip: bool) {
        self.strip_cr_nul = strip;
        if !strip && self.state == State::DataAfterCr {
            self.state = State::Data;
        }
    }

    /// Forgets any partial sequence, as after a reconnect or a TLS restart.
    pub fn reset(&mut self) {
        self.state = State::Data;
        self.sb_buffer.clear();
        self.sb_overflow = false;
    }

    /// Parses one chunk of the stream, calling `sink` for every event in order. A sequence
    /// cut at the end of `input` is completed by the next call.
    pub fn feed(&mut self, input: &[u8], sink: &mut impl FnMut(TelnetEvent<'_>)) {
        let mut i = 0;
        while i < input.len() {
            match self.state {
                State::Data | State::DataAfterCr => {
                    if self.state == State::DataAfterCr {
                        self.state = State::Data;
                        if input[i] == NUL {
                            i += 1;
                            continue;
                        }
                    }
                    // Fast path: hand out the run up to the next IAC (or CR, when the NVT
                    // rule is on) as one borrowed slice.
                    let strip = self.strip_cr_nul;
                    let rest = &input[i..];
                    let stop = rest.iter().position(|&b| b == IAC || (strip && b == CR));
                    match stop {
                        None => {
                            sink(TelnetEvent::Data(rest));
                            i = input.len();
                        }
                        Some(n) if rest[n] == CR => {
                            sink(TelnetEvent::Data(&rest[..=n]));
                            self.state = State::DataAfterCr;
                            i += n + 1;
                        }
                        Some(n) => {
                            if n > 0 {
                                sink(TelnetEvent::Data(&rest[..n]));
                            }
                            self.state = State::Iac;
                            i += n + 1;
                        }
                    }
                }
                State::Iac => {
                    let byte = input[i];
                    if byte == IAC {
                        // IAC IAC is a data 0xFF: start the next data run at this second
                        // IAC, so it is delivered from the input without a copy.
                        self.state = State::Data;
                        let rest = &input[i..];
                        let stop = rest[1..]
                            .iter()
                            .position(|&b| b == IAC || (self.strip_cr_nul && b == CR))
                            .map_or(rest.len(), |n| n + 1);
                        sink(TelnetEvent::Data(&rest[..stop]));
                        i += stop;
                    } else {
                        i += 1;
                        self.after_iac(byte, sink);
                    }
                }
                State::Negotiation(verb) => {
                    let option = TelnetOption(input[i]);
                    i += 1;
                    self.state = State::Data;
                    sink(match verb {
                        Verb::Will => TelnetEvent::Will(option),
                        Verb::Wont => TelnetEvent::Wont(option),
                        Verb::Do => TelnetEvent::Do(option),
                        Verb::Dont => TelnetEvent::Dont(option),
                    });
                }
                State::SubnegotiationOption => {
                    let option = TelnetOption(input[i]);
                    i += 1;
                    self.sb_buffer.clear();
                    self.sb_overflow = false;
                    self.state = State::Subnegotiation(option);
                }
                State::Subnegotiation(option) => {
                    let rest = &input[i..];
                    let n = rest.iter().position(|&b| b == IAC).unwrap_or(rest.len());
                    self.buffer_sb(&rest[..n]);
                    i += n;
                    if n < rest.len() {
                        self.state = State::SubnegotiationIac(option);
                        i += 1;
                    }
                }
                State::SubnegotiationIac(option) => {
                    let byte = input[i];
                    i += 1;
                    match byte {
                        IAC => {
                            self.buffer_sb(&[IAC]);
                            self.state = State::Subnegotiation(option);
                        }
                        SE => {
                            self.state = State::Data;
                            if self.sb_overflow {
                                sink(TelnetEvent::Error(TelnetError::SubnegotiationTooLong {
                                    option,
                                }));
                            } else {
                                sink(TelnetEvent::Subnegotiation {
                                    option,
                                    data: &self.sb_buffer,
                                });
                            }
                            self.sb_buffer.clear();
                            self.sb_overflow = false;
                        }
                        command => {
                            // RFC 855 leaves this undefined. Dropping the partial payload and
                            // honouring the command keeps us in step with a host that forgot
                            // its IAC SE (the command is most likely real).
                            sink(TelnetEvent::Error(TelnetError::SubnegotiationInterrupted {
                                option,
                                command,
                            }));
                            self.sb_buffer.clear();
                            self.sb_overflow = false;
                            self.state = State::Data;
                            self.after_iac(command, sink);
                        }
                    }
                }
            }
        }
    }

    /// Handles the byte after an IAC (other than IAC itself) outside a subnegotiation.
    fn after_iac(&mut self, byte: u8, sink: &mut impl FnMut(TelnetEvent<'_>)) {
        self.state = State::Data;
        if let Some(verb) = Verb::from_byte(byte) {
            self.state = State::Negotiation(verb);
        } else if byte == SB {
            self.state = State::SubnegotiationOption;
        } else if byte == EOR {
            sink(TelnetEvent::EndOfRecord);
        } else {
            sink(TelnetEvent::Command(Command::from_byte(byte)));
        }
    }

    /// Appends payload bytes, keeping the buffer within [`MAX_SUBNEGOTIATION`].
    fn buffer_sb(&mut self, bytes: &[u8]) {
        if self.sb_overflow {
            return;
        }
        if self.sb_buffer.len() + bytes.len() > MAX_SUBNEGOTIATION {
            self.sb_overflow = true;
            self.sb_buffer.clear();
            return;
        }
        self.sb_buffer.extend_from_slice(bytes);
    }
}

// ---------------------------------------------------------------------------------------------
// Output framing
// ---------------------------------------------------------------------------------------------

/// Appends `data` to `out` with every 0xFF doubled, as RFC 854 requires for data bytes.
pub fn escape_iac(data: &[u8], out: &mut Vec<u8>) {
    out.reserve(data.len());
    for chunk in data.split_inclusive(|&b| b == IAC) {
        out.extend_from_slice(chunk);
        if chunk.last() == Some(&IAC) {
            out.push(IAC);
        }
    }
}

/// Appends one 3270 record: the escaped data followed by IAC EOR (RFC 885).
pub fn write_record(data: &[u8], out: &mut Vec<u8>) {
    escape_iac(data, out);
    out.extend_from_slice(&[IAC, EOR]);
}

/// Appends `IAC <verb> <option>`.
pub fn write_negotiation(verb: Verb, option: TelnetOption, out: &mut Vec<u8>) {
    out.extend_from_slice(&[IAC, verb.byte(), option.0]);
}

/// Appends `IAC <command>`.
pub fn write_command(command: Command, out: &mut Vec<u8>) {
    out.extend_from_slice(&[IAC, command.byte()]);
}

/// Appends `IAC SB <option> <payload> IAC SE`, doubling any IAC in the payload (RFC 855).
pub fn write_subnegotiation(option: TelnetOption, payload: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&[IAC, SB, option.0]);
    escape_iac(payload, out);
    out.extend_from_slice(&[IAC, SE]);
}

// ---------------------------------------------------------------------------------------------
// RFC 1143 option negotiation
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// TERMINAL-TYPE (RFC 1091)
// ---------------------------------------------------------------------------------------------

/// TERMINAL-TYPE and NEW-ENVIRON subcommand IS.
pub const TT_IS: u8 = 0;
/// TERMINAL-TYPE and NEW-ENVIRON subcommand SEND.
pub const TT_SEND: u8 = 1;

/// Whether a TERMINAL-TYPE subnegotiation payload is the host's SEND request.
pub fn is_terminal_type_send(payload: &[u8]) -> bool {
    payload == [TT_SEND]
}

/// Appends `IAC SB TERMINAL-TYPE IS <name> IAC SE`.
pub fn write_terminal_type_is(name: &[u8], out: &mut Vec<u8>) {
    let mut payload = Vec::with_capacity(name.len() + 1);
    payload.push(TT_IS);
    payload.extend_from_slice(name);
    write_subnegotiation(TelnetOption::TERMINAL_TYPE, &payload, out);
}

// ---------------------------------------------------------------------------------------------
// STARTTLS (draft-altman-telnet-starttls)
// ---------------------------------------------------------------------------------------------

/// STARTTLS subcommand FOLLOWS: the TLS handshake starts after this subnegotiation.
pub const STARTTLS_FOLLOWS: u8 = 1;

/// Whether a STARTTLS subnegotiation payload is FOLLOWS.
pub fn is_starttls_follows(payload: &[u8]) -> bool {
    payload == [STARTTLS_FOLLOWS]
}

/// Appends `IAC SB STARTTLS FOLLOWS IAC SE`, which the client sends before its TLS hello.
pub fn write_starttls_follows(out: &mut Vec<u8>) {
    write_subnegotiation(TelnetOption::STARTTLS, &[STARTTLS_FOLLOWS], out);
}

// ---------------------------------------------------------------------------------------------
// NEW-ENVIRON (RFC 1572, RFC 4777)
// ---------------------------------------------------------------------------------------------

/// NEW-ENVIRON subcommand IS (the client's full answer to SEND).
pub const ENV_IS: u8 = 0;
/// NEW-ENVIRON subcommand SEND (the host's request).
pub const ENV_SEND: u8 = 1;
/// NEW-ENVIRON subcommand INFO (an unsolicited update).
pub const ENV_INFO: u8 = 2;
/// NEW-ENVIRON type byte: a well-known variable follows.
pub const ENV_VAR: u8 = 0;
/// NEW-ENVIRON type byte: a value follows.
pub const ENV_VALUE: u8 = 1;
/// NEW-ENVIRON type byte: the next byte is literal.
pub const ENV_ESC: u8 = 2;
/// NEW-ENVIRON type byte: a user-defined variable follows.
pub const ENV_USERVAR: u8 = 3;

/// The well-known variable USER (RFC 1572).
pub const VAR_USER: &[u8] = b"USER";
/// USERVAR DEVNAME: the device (LU) name the client asks for (RFC 4777 section 3).
pub const USERVAR_DEVNAME: &[u8] = b"DEVNAME";
/// USERVAR IBMELF: "YES" says the client supports the Enhanced Line Function (RFC 4777).
pub const USERVAR_IBMELF: &[u8] = b"IBMELF";
/// USERVAR IBMAPPLID: the application the client wants (RFC 4777).
pub const USERVAR_IBMAPPLID: &[u8] = b"IBMAPPLID";

/// Whether a NEW-ENVIRON name is a well-known VAR or a USERVAR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EnvKind {
    Var,
    UserVar,
}

impl EnvKind {
    const fn byte(self) -> u8 {
        match self {
            EnvKind::Var => ENV_VAR,
            EnvKind::UserVar => ENV_USERVAR,
        }
    }
}

/// One entry of a SEND request. An empty `name` means "every variable of this kind"
/// (RFC 1572: a VAR or USERVAR with no name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvRequestItem {
    pub kind: EnvKind,
    pub name: Vec<u8>,
}

/// Parses a NEW-ENVIRON SEND payload (the bytes after the option). Returns `None` if it is
/// not a SEND. An empty list means the host asks for everything.
pub fn parse_environ_send(payload: &[u8]) -> Option<Vec<EnvRequestItem>> {
    let (&first, mut rest) = payload.split_first()?;
    if first != ENV_SEND {
        return None;
    }
    let mut items = Vec::new();
    // Bytes before the first type byte carry no meaning; skip them, as RFC 1572 gives them
    // no interpretation.
    while let Some((&kind_byte, after)) = rest.split_first() {
        rest = after;
        let kind = match kind_byte {
            ENV_VAR => EnvKind::Var,
            ENV_USERVAR => EnvKind::UserVar,
            _ => continue,
        };
        let mut name = Vec::new();
        while let Some((&b, after)) = rest.split_first() {
            match b {
                ENV_VAR | ENV_USERVAR | ENV_VALUE => break,
                ENV_ESC => {
                    rest = after;
                    if let Some((&literal, after)) = rest.split_first() {
                        name.push(literal);
                        rest = after;
                    }
                }
                _ => {
                    name.push(b);
                    rest = after;
                }
            }
        }
        items.push(EnvRequestItem { kind, name });
    }
    Some(items)
}

/// A DEVNAME generator. A template ending in `=` characters has them replaced with a counter
/// of that many digits (`foo===` gives foo001, foo002, ...; `foo=` gives foo1 ... foo9 and
/// then stays at foo9), advancing each time the value is sent, as x3270 does so a host that
/// rejects a name can be offered the next one. A template without `=` is sent as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Devname {
    template: Vec<u8>,
    next: u32,
}

impl Devname {
    pub fn new(template: &[u8]) -> Self {
        Devname {
            template: template.to_vec(),
            next: 1,
        }
    }

    /// Starts counting from 1 again (a new connection).
    pub fn restart(&mut self) {
        self.next = 1;
    }

    /// The value to send now; advances the counter.
    pub fn next_value(&mut self) -> Vec<u8> {
        let width = self
            .template
            .iter()
            .rev()
            .take_while(|&&b| b == b'=')
            .count();
        if width == 0 {
            return self.template.clone();
        }
        let stem = &self.template[..self.template.len() - width];
        // Nine digits keep the arithmetic in u32; nobody configures wider counters.
        let width = width.min(9);
        let max = 10u32.pow(width as u32) - 1;
        let n = self.next.min(max);
        self.next = n.saturating_add(1);
        let mut value = stem.to_vec();
        value.extend_from_slice(format!("{n:0width$}").as_bytes());
        value
    }
}

/// What the client tells the host through NEW-ENVIRON.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Environ {
    /// VAR USER; `Some(b"")` is sent as a defined empty value, `None` as undefined.
    pub user: Option<Vec<u8>>,
    /// USERVARs with fixed values, in the order a "send everything" answer lists them.
    pub uservars: Vec<(Vec<u8>, Vec<u8>)>,
    /// USERVARs answered only when the host names them (not in a "send everything"
    /// reply), such as CODEPAGE and CHARSET: x3270 before 4.6 never volunteered them.
    pub on_request: Vec<(Vec<u8>, Vec<u8>)>,
    /// USERVAR DEVNAME, listed after the other USERVARs.
    pub devname: Option<Devname>,
}

impl Environ {
    /// What x3270 sends: USER, then IBMELF "YES", IBMAPPLID (the literal "None" when no
    /// application is configured, as the x3270 traces show), then DEVNAME if configured.
    pub fn x3270(user: Option<&[u8]>, applid: Option<&[u8]>, devname: Option<&[u8]>) -> Self {
        Environ {
            user: user.map(<[u8]>::to_vec),
            uservars: vec![
                (USERVAR_IBMELF.to_vec(), b"YES".to_vec()),
                (
                    USERVAR_IBMAPPLID.to_vec(),
                    applid.unwrap_or(b"None").to_vec(),
                ),
            ],
            on_request: Vec::new(),
            devname: devname.map(Devname::new),
        }
    }

    /// Appends the complete `IAC SB NEW-ENVIRON IS ... IAC SE` answer to a SEND request.
    /// Requested variables are answered in the order asked; unknown ones are sent without a
    /// VALUE, which RFC 1572 defines as "not defined".
    pub fn write_is(&mut self, request: &[EnvRequestItem], out: &mut Vec<u8>) {
        let mut payload = vec![ENV_IS];
        if request.is_empty() {
            self.append_all_vars(&mut payload);
            self.append_all_uservars(&mut payload);
        }
        for item in request {
            match (item.kind, item.name.is_empty()) {
                (EnvKind::Var, true) => self.append_all_vars(&mut payload),
                (EnvKind::UserVar, true) => self.append_all_uservars(&mut payload),
                (kind, false) => {
                    let value = self.value_of(kind, &item.name);
                    append_env(&mut payload, kind, &item.name, value.as_deref());
                }
            }
        }
        write_subnegotiation(TelnetOption::NEW_ENVIRON, &payload, out);
    }

    fn value_of(&mut self, kind: EnvKind, name: &[u8]) -> Option<Vec<u8>> {
        match kind {
            EnvKind::Var if name == VAR_USER => self.user.clone(),
            EnvKind::Var => None,
            EnvKind::UserVar if name == USERVAR_DEVNAME => {
                self.devname.as_mut().map(Devname::next_value)
            }
            EnvKind::UserVar => self
                .uservars
                .iter()
                .chain(&self.on_request)
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone()),
        }
    }

    fn append_all_vars(&self, payload: &mut Vec<u8>) {
        if let Some(user) = &self.user {
            append_env(payload, EnvKind::Var, VAR_USER, Some(user));
        }
    }

    fn append_all_uservars(&mut self, payload: &mut Vec<u8>) {
        for (name, value) in &self.uservars {
            append_env(payload, EnvKind::UserVar, name, Some(value));
        }
        if let Some(devname) = self.devname.as_mut() {
            let value = devname.next_value();
            append_env(payload, EnvKind::UserVar, USERVAR_DEVNAME, Some(&value));
        }
    }
}

/// Appends `<kind> name [VALUE value]`, escaping the four NEW-ENVIRON type bytes with ESC.
fn append_env(payload: &mut Vec<u8>, kind: EnvKind, name: &[u8], value: Option<&[u8]>) {
    payload.push(kind.byte());
    append_env_escaped(payload, name);
    if let Some(value) = value {
        payload.push(ENV_VALUE);
        append_env_escaped(payload, value);
    }
}

fn append_env_escaped(payload: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        if matches!(b, ENV_VAR | ENV_VALUE | ENV_ESC | ENV_USERVAR) {
            payload.push(ENV_ESC);
        }
        payload.push(b);
    }
}

#[cfg(test)]
mod tests;
