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
mod environ;
mod options;

pub use environ::*;
pub use options::*;

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
                    i += self.data_run(&input[i..], sink);
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
                    self.after_sb_iac(option, byte, sink);
                }
            }
        }
    }

    /// Hands out the data at the start of `rest` up to the next IAC (or CR, when the NVT
    /// rule is on) as one borrowed slice: the fast path. Returns how many bytes it took, the
    /// IAC or CR included.
    #[inline]
    fn data_run(&mut self, rest: &[u8], sink: &mut impl FnMut(TelnetEvent<'_>)) -> usize {
        let strip = self.strip_cr_nul;
        match rest.iter().position(|&b| b == IAC || (strip && b == CR)) {
            None => {
                sink(TelnetEvent::Data(rest));
                rest.len()
            }
            Some(n) if rest[n] == CR => {
                sink(TelnetEvent::Data(&rest[..=n]));
                self.state = State::DataAfterCr;
                n + 1
            }
            Some(n) => {
                if n > 0 {
                    sink(TelnetEvent::Data(&rest[..n]));
                }
                self.state = State::Iac;
                n + 1
            }
        }
    }

    /// Handles the byte after an IAC inside a subnegotiation: a doubled IAC is payload, SE
    /// ends it (RFC 855), anything else interrupts it.
    fn after_sb_iac(
        &mut self,
        option: TelnetOption,
        byte: u8,
        sink: &mut impl FnMut(TelnetEvent<'_>),
    ) {
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

#[cfg(test)]
mod tests;
