//! Watches the host's byte stream for telnet record boundaries (IAC EOR, RFC 885), only to
//! tell "the host closed cleanly" from "the host closed in the middle of a record".
//!
//! It decodes nothing else and changes nothing: the `Session`'s own telnet parser is the one
//! that matters. Data bytes count as an open record; telnet commands and sub-negotiations do
//! not, so a host that hangs up after a negotiation is not blamed for a broken record.

/// Where in the telnet grammar the last byte left us.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    #[default]
    Data,
    Iac,
    /// After DO/DONT/WILL/WONT: one option byte follows.
    Option,
    Sb,
    SbIac,
}

const IAC: u8 = 0xFF;
const SE: u8 = 0xF0;
const SB: u8 = 0xFA;
const EOR: u8 = 0xEF;

/// Counts data bytes since the last IAC EOR.
#[derive(Clone, Debug, Default)]
pub struct RecordTracker {
    state: State,
    open: usize,
}

impl RecordTracker {
    /// Feed bytes as they arrive (any chunking).
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.state = match (self.state, b) {
                (State::Data, IAC) => State::Iac,
                // A data byte, or an escaped 0xFF (IAC IAC) that stands for one.
                (State::Data, _) | (State::Iac, IAC) => {
                    self.open += 1;
                    State::Data
                }
                (State::Iac, EOR) => {
                    self.open = 0;
                    State::Data
                }
                (State::Iac, SB) => State::Sb,
                (State::Iac, 0xFB..=0xFE) => State::Option,
                (State::Iac | State::Option, _) | (State::SbIac, SE) => State::Data,
                (State::Sb, IAC) => State::SbIac,
                (State::Sb | State::SbIac, _) => State::Sb,
            };
        }
    }

    /// Data bytes received since the last end of record.
    pub fn open_bytes(&self) -> usize {
        self.open
    }

    /// Forget a partial record that is not one (e.g. NVT text, which has no EOR).
    pub fn reset(&mut self) {
        self.open = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_negotiation_and_escapes() {
        let mut t = RecordTracker::default();
        t.feed(&[IAC, 0xFD, 0x18, IAC, SB, 0x18, 0x01, IAC, SE]);
        assert_eq!(t.open_bytes(), 0);
        t.feed(&[0xF5, 0xC3, IAC]);
        assert_eq!(t.open_bytes(), 2);
        t.feed(&[IAC, 0x40]);
        assert_eq!(t.open_bytes(), 4);
        t.feed(&[IAC]);
        t.feed(&[EOR]);
        assert_eq!(t.open_bytes(), 0);
        // A sub-negotiation holding IAC IAC and an EOR byte is not data.
        t.feed(&[IAC, SB, 0x28, IAC, IAC, EOR, IAC, SE]);
        assert_eq!(t.open_bytes(), 0);
    }
}
