//! Operator keys for a [`Session`]: field rules through the keyboard module, AIDs and the
//! inbound reads they send, the keyboard lock with its type-ahead queue, Attn and SysReq,
//! SSCP-LU input and NVT line input. Split from `session.rs` to keep each file to one
//! concern; it is the same `impl Session`.

use std::time::Instant;

use super::{Mode, ReadKind, ReplyMode, Session, SessionEvent};
use crate::proto::key::{Aid, Key};
use crate::proto::keyboard::{self, KeyOutcome};
use crate::proto::oia::{LockReason, OperatorError};
use crate::proto::telnet::{self, TelnetOption};
use crate::proto::tn3270e::{self, DataType};

impl Session {
    /// An operator key.
    pub fn handle_key(&mut self, key: Key, now: Instant) {
        self.now = Some(now);
        // The operator is at the keyboard, so the alarm has been heard: the indicator only
        // marks an alarm that nobody has answered yet, and must not stay on for good.
        self.oia.alarm = false;
        match self.mode {
            Mode::Nvt | Mode::Tn3270eNvt => self.nvt_key(key),
            Mode::Negotiating => {}
            Mode::Tn3270 | Mode::Tn3270e | Mode::SscpLu => self.key_3270(key, now),
        }
        self.sync_oia();
    }

    fn key_3270(&mut self, key: Key, now: Instant) {
        if let Some(lock) = self.oia.lock {
            match (lock, key) {
                (_, Key::Reset) => {
                    if lock != LockReason::TimeWait {
                        self.oia.lock = None;
                        self.events.push_back(SessionEvent::KeyboardUnlocked {
                            response_time: None,
                        });
                    }
                    self.typeahead.clear();
                    self.keyboard.insert = false;
                }
                (LockReason::TimeWait | LockReason::System, _)
                    if self.typeahead.len() < self.typeahead_limit =>
                {
                    self.typeahead.push_back(key);
                }
                _ => {}
            }
            return;
        }
        self.key_unlocked(key, now);
    }

    fn key_unlocked(&mut self, key: Key, now: Instant) {
        if key == Key::Reset {
            self.keyboard.insert = false;
            return;
        }
        if key == Key::Attn {
            self.send_attn();
            return;
        }
        if let Key::Aid(aid) = key {
            self.send_aid(aid, now);
            return;
        }
        match self
            .keyboard
            .apply(&mut self.screen, key, self.cfg.code_page)
        {
            KeyOutcome::Done => {}
            KeyOutcome::Aid(aid) => self.send_aid(aid, now),
            KeyOutcome::Attn => self.send_attn(),
            KeyOutcome::Error(e) => self.operator_error(e),
        }
    }

    fn operator_error(&mut self, e: OperatorError) {
        let lock = LockReason::Operator(e);
        self.oia.lock = Some(lock);
        self.events.push_back(SessionEvent::KeyboardLocked(lock));
    }

    fn send_attn(&mut self) {
        // TN3270E hosts take ATTN as IAC IP (RFC 2355 section 10.3); plain TN3270 as BREAK.
        let cmd = if self.e_active() {
            telnet::Command::InterruptProcess
        } else {
            telnet::Command::Break
        };
        telnet::write_command(cmd, &mut self.transmit);
    }

    fn send_aid(&mut self, aid: Aid, now: Instant) {
        if !aid.is_valid() {
            return;
        }
        if aid == Aid::SysReq
            && self.e_active()
            && self.e.functions().contains(tn3270e::Function::Sysreq)
        {
            // RFC 2355 SYSREQ function: the key is signalled with IAC AO (as x3270 does in
            // sscp-lu.trc), and the host switches between the LU-LU and SSCP-LU sessions.
            telnet::write_command(telnet::Command::AbortOutput, &mut self.transmit);
            return;
        }
        if self.mode == Mode::SscpLu {
            self.send_sscp_lu_input(aid, now);
            return;
        }
        if !aid.is_short_read() {
            if let Some((e, at)) = keyboard::check_mandatory(&self.screen) {
                self.screen.set_cursor(at);
                self.operator_error(e);
                return;
            }
        }
        if aid == Aid::Clear {
            self.screen.erase(false);
            self.reply_mode = ReplyMode::Field;
            self.events.push_back(SessionEvent::ScreenChanged);
        }
        self.last_aid = aid;
        self.send_read(aid, ReadKind::Modified);
        self.lock_for_aid(aid, now);
    }

    fn lock_for_aid(&mut self, aid: Aid, now: Instant) {
        self.stats.aids.count(aid);
        self.keyboard.insert = false;
        self.aid_sent_at = Some(now);
        self.oia.lock = Some(LockReason::TimeWait);
        self.events
            .push_back(SessionEvent::KeyboardLocked(LockReason::TimeWait));
    }

    /// SSCP-LU input: the text the operator typed after the host's output, no AID bytes.
    fn send_sscp_lu_input(&mut self, aid: Aid, now: Instant) {
        let mut rec = Vec::new();
        if aid == Aid::Enter {
            let dims = self.screen.dims();
            let mut a = self.sscp_start;
            let end = self.screen.cursor();
            while a != end {
                let b = self.screen.cell(a).byte();
                if b != 0 {
                    rec.push(b);
                }
                a = a.next(dims);
            }
        } else {
            rec.push(aid.code());
        }
        self.send_inbound(&rec);
        self.lock_for_aid(aid, now);
    }

    pub(super) fn unlock(&mut self) {
        self.last_aid = Aid::NoAid;
        let was_locked = self.oia.lock.is_some();
        // A keyboard restore from the host also clears an operator error, as x3270 does:
        // the host has moved on, and the operator should not have to press Reset.
        self.oia.lock = None;
        let response_time = match (self.aid_sent_at.take(), self.now) {
            (Some(at), Some(now)) => Some(now.saturating_duration_since(at)),
            _ => None,
        };
        if let Some(d) = response_time {
            self.oia.last_response_time = response_time;
            self.stats.response.record(d);
        }
        if was_locked {
            self.events
                .push_back(SessionEvent::KeyboardUnlocked { response_time });
        }
        self.drain_typeahead();
    }

    fn drain_typeahead(&mut self) {
        let now = self.now;
        while self.oia.lock.is_none() {
            let Some(k) = self.typeahead.pop_front() else {
                break;
            };
            match now {
                Some(n) => self.key_unlocked(k, n),
                None => break,
            }
        }
    }

    fn nvt_key(&mut self, key: Key) {
        let echo_local = !self.options.remote_enabled(TelnetOption::ECHO);
        let cp = self.cfg.code_page;
        let mut out = Vec::new();
        self.nvt
            .key(&mut self.screen, key, echo_local, cp, &mut out);
        if !out.is_empty() {
            if self.mode == Mode::Tn3270eNvt {
                self.send_e_record(DataType::NVT_DATA, &out);
            } else {
                telnet::escape_iac(&out, &mut self.transmit);
            }
        }
    }
}
