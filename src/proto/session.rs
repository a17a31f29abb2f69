//! The sans-IO session: one TN3270/TN3270E conversation with a host.
//!
//! [`Session`] glues the layers together. Host bytes go in through [`Session::handle_input`]
//! in any chunking; the telnet parser assembles records, the TN3270E layer strips headers,
//! the data stream is applied to the screen, and replies (negotiation, Query Replies, reads,
//! TN3270E responses) are queued for [`Session::poll_transmit`]. Operator keys go in through
//! [`Session::handle_key`], which applies field rules, sends AIDs, and keeps the type-ahead
//! queue while the keyboard is locked. Notifications for the front end come out of
//! [`Session::poll_event`].
//!
//! The polling contract (see `docs/ARCHITECTURE.md`): after every `handle_*` call, drain
//! `poll_transmit` and `poll_event` until they return `None`, then ask `poll_timeout` when to
//! call `handle_timeout` next. Nothing here blocks, reads the clock, or panics on host input.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::proto::addr::{BufferAddr, Dimensions};
use crate::proto::codepage::CodePage;
use crate::proto::ds::apply::{apply_write, erase_all_unprotected};
use crate::proto::ds::inbound::{
    ReadKind, ReplyMode, read_buffer, read_buffer_masked, read_modified, read_modified_masked,
};
use crate::proto::ds::parse::{Command, DsError, Record};
use crate::proto::ds::query::{QueryContext, QueryRequest, query_reply};
use crate::proto::ds::sf::{self, Outbound3270DsCommand, ReadPartitionType, StructuredField};
use crate::proto::error::{HostError, HostErrorKind};
use crate::proto::key::{Aid, Key};
use crate::proto::keyboard::Keyboard;
use crate::proto::model::TerminalConfig;
use crate::proto::oia::{LockReason, Oia, Secure};
use crate::proto::screen::Screen;
use crate::proto::stats::SessionStats;
use crate::proto::telnet::{
    self, Environ, OptionTable, Side, TelnetEvent, TelnetOption, TelnetParser,
};
use crate::proto::tn3270e::{self, DataType, FunctionSet, Tn3270eEvent, Tn3270eNegotiator};

pub use crate::proto::oia::Mode;

mod keys;

/// The largest record accepted from a host by default (a 62x160 screen with attributes on
/// every cell is well under this); larger records are dropped with an error event.
pub const DEFAULT_MAX_RECORD: usize = 256 * 1024;
/// Keys kept by default while the keyboard is locked by a pending AID
/// ([`Session::set_typeahead_limit`] changes it).
pub const TYPEAHEAD_LIMIT: usize = 512;

/// Something the front end may want to know about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEvent {
    /// The protocol mode changed (NVT, TN3270, TN3270E, SSCP-LU).
    ModeChanged(Mode),
    /// The host changed the screen.
    ScreenChanged,
    /// The host rang the alarm (WCC sound-alarm bit).
    Alarm,
    /// The keyboard unlocked; `response_time` is the time since the AID that locked it.
    KeyboardUnlocked {
        response_time: Option<Duration>,
    },
    /// The keyboard locked.
    KeyboardLocked(LockReason),
    /// The host asked to start TLS (telnet STARTTLS FOLLOWS): the runtime must run the
    /// handshake on the socket, then call [`Session::handle_tls_established`]. Input is
    /// ignored until then.
    StartTls,
    /// The host accepted a device type and (TN3270E) assigned an LU.
    DeviceAccepted {
        terminal_type: String,
        lu: Option<String>,
    },
    /// TN3270E: the host sent BIND-IMAGE (an LU-LU session started) or UNBIND.
    Bound {
        plu: Option<String>,
    },
    Unbound,
    /// The host sent something the session could not take as it was; the session kept
    /// going. `negative_response` says whether a TN3270E negative response was sent for it.
    HostError {
        error: HostError,
        negative_response: bool,
    },
}

/// One TN3270/TN3270E session.
#[derive(Debug)]
pub struct Session {
    cfg: TerminalConfig,
    parser: TelnetParser,
    options: OptionTable,
    e: Tn3270eNegotiator,
    /// TN3270E is agreed at the telnet level (we said WILL TN3270E).
    e_on: bool,
    environ: Environ,
    mode: Mode,
    screen: Screen,
    keyboard: Keyboard,
    oia: Oia,
    reply_mode: ReplyMode,
    record: Vec<u8>,
    record_overflow: bool,
    max_record: usize,
    /// What the session counted (bytes, records, AIDs, response times, errors).
    stats: SessionStats,
    /// Since when the keyboard has been locked (for `stats.keyboard_locked`).
    locked_since: Option<Instant>,
    /// Keys kept while the keyboard is locked by a pending AID.
    typeahead_limit: usize,
    transmit: Vec<u8>,
    /// Build a masked copy of each read reply for a trace ([`Session::set_masked_copy`]).
    mask_copies: bool,
    /// Read replies now in `transmit` whose kept copy differs: (as framed for the wire, as
    /// framed for the copy), in the order they were queued.
    masked: Vec<(Vec<u8>, Vec<u8>)>,
    events: VecDeque<SessionEvent>,
    typeahead: VecDeque<Key>,
    aid_sent_at: Option<Instant>,
    last_aid: Aid,
    xmit_seq: u16,
    tls_pending: bool,
    /// Where host output ended on an SSCP-LU screen: the operator's input starts there.
    sscp_start: BufferAddr,
    nvt: crate::proto::nvt::Nvt,
    now: Option<Instant>,
}

impl Session {
    /// A session for the given terminal, not yet connected (the runtime creates it when the
    /// TCP connection is up and starts feeding bytes).
    pub fn new(cfg: TerminalConfig) -> Self {
        let screen = Screen::new(Dimensions::MODEL_2, cfg.alternate_dims());
        let e = Tn3270eNegotiator::new(tn3270e_config(&cfg));
        let mut parser = TelnetParser::new();
        parser.set_strip_cr_nul(true);
        let mut environ = Environ::x3270(
            cfg.user.as_deref().map(str::as_bytes),
            cfg.applid.as_deref().map(str::as_bytes),
            cfg.devname.as_deref().map(str::as_bytes),
        );
        let cp = cfg.code_page.cgcsgid();
        environ.on_request = vec![
            (
                b"CODEPAGE".to_vec(),
                format!("{:03}", cp & 0xFFFF).into_bytes(),
            ),
            (b"CHARSET".to_vec(), format!("{:03}", cp >> 16).into_bytes()),
        ];
        Session {
            options: OptionTable::new(option_policy(&cfg)),
            e_on: false,
            environ,
            parser,
            e,
            mode: Mode::Negotiating,
            screen,
            keyboard: Keyboard::default(),
            oia: Oia {
                lock: Some(LockReason::NotConnected),
                ..Oia::default()
            },
            reply_mode: ReplyMode::Field,
            record: Vec::new(),
            record_overflow: false,
            max_record: DEFAULT_MAX_RECORD,
            stats: SessionStats::default(),
            locked_since: None,
            typeahead_limit: TYPEAHEAD_LIMIT,
            transmit: Vec::new(),
            mask_copies: false,
            masked: Vec::new(),
            events: VecDeque::new(),
            typeahead: VecDeque::new(),
            aid_sent_at: None,
            last_aid: Aid::NoAid,
            xmit_seq: 0,
            tls_pending: false,
            sscp_start: BufferAddr::ZERO,
            nvt: crate::proto::nvt::Nvt::default(),
            now: None,
            cfg,
        }
    }

    /// Limit the size of one record from the host (the config's `limits.max-record-bytes`).
    /// A longer record is dropped whole, reported once as [`SessionEvent::HostError`] and
    /// counted by [`Session::oversized_records`]; the session itself goes on, and whether to
    /// hang up is the runtime's decision.
    pub fn set_max_record(&mut self, bytes: usize) {
        self.max_record = bytes.max(64);
    }

    /// The record size limit in force.
    pub fn max_record(&self) -> usize {
        self.max_record
    }

    /// How many host records were dropped for passing the size limit.
    pub fn oversized_records(&self) -> u64 {
        self.stats.oversized_records
    }

    /// What the session has counted so far. The keyboard-locked time includes a lock still
    /// in force, up to the last `now` the session was handed.
    pub fn stats(&self) -> SessionStats {
        let mut stats = self.stats;
        if let (Some(since), Some(now)) = (self.locked_since, self.now) {
            stats.keyboard_locked += now.saturating_duration_since(since);
        }
        stats
    }

    /// Limit the keys queued while the keyboard is locked by a pending AID (the config's
    /// `limits.type-ahead`; 0 disables type-ahead). Keys beyond it are dropped. Keys
    /// already queued stay.
    pub fn set_typeahead_limit(&mut self, keys: usize) {
        self.typeahead_limit = keys;
    }

    /// The type-ahead limit in force.
    pub fn typeahead_limit(&self) -> usize {
        self.typeahead_limit
    }

    // ----- getters -------------------------------------------------------------------

    pub fn config(&self) -> &TerminalConfig {
        &self.cfg
    }
    pub fn screen(&self) -> &Screen {
        &self.screen
    }
    pub fn oia(&self) -> &Oia {
        &self.oia
    }
    pub fn mode(&self) -> Mode {
        self.mode
    }
    pub fn code_page(&self) -> CodePage {
        self.cfg.code_page
    }
    pub fn reply_mode(&self) -> &ReplyMode {
        &self.reply_mode
    }
    /// Whether the keyboard accepts keys now.
    pub fn is_locked(&self) -> bool {
        self.oia.lock.is_some()
    }
    /// The TN3270E state (functions granted, LU, device type).
    pub fn tn3270e(&self) -> &Tn3270eNegotiator {
        &self.e
    }
    /// Whether TN3270E is negotiated and in use.
    pub fn is_tn3270e(&self) -> bool {
        self.e_active()
    }
    /// The screen as text rows, as s3270's `Ascii()` prints it.
    pub fn text_rows(&self) -> Vec<String> {
        self.screen.text_rows(self.cfg.code_page)
    }

    // ----- outputs -------------------------------------------------------------------

    /// Bytes to write to the socket, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.masked.clear();
        if self.transmit.is_empty() {
            None
        } else {
            self.stats.bytes_out += self.transmit.len() as u64;
            Some(std::mem::take(&mut self.transmit))
        }
    }

    /// Also build, for every read reply, a copy in which the operator's input in
    /// unprotected non-display fields is masked (see [`crate::proto::ds::inbound::MASK`]),
    /// for [`Session::poll_transmit_masked`]. A front end that records the session (a
    /// trace) turns this on; the copy is built where the reply is built, so the secret never
    /// has to be found again in framed bytes.
    pub fn set_masked_copy(&mut self, on: bool) {
        self.mask_copies = on;
        if !on {
            self.masked.clear();
        }
    }

    /// [`Session::poll_transmit`] with the copy to record: `(for the wire, to keep)`. The two
    /// differ only where a read reply carried non-display input, and only when
    /// [`Session::set_masked_copy`] is on.
    pub fn poll_transmit_masked(&mut self) -> Option<(Vec<u8>, Vec<u8>)> {
        let masked = std::mem::take(&mut self.masked);
        let wire = self.poll_transmit()?;
        let mut kept = Vec::with_capacity(wire.len());
        let mut rest = wire.as_slice();
        for (real, copy) in &masked {
            // Each reply is queued whole and in order; a response may have been put in front
            // of it, never inside it.
            let Some(at) = rest.windows(real.len()).position(|w| w == real.as_slice()) else {
                // Cannot happen (see above); were it to, keep nothing rather than the secret.
                return Some((wire, Vec::new()));
            };
            kept.extend_from_slice(&rest[..at]);
            kept.extend_from_slice(copy);
            rest = &rest[at + real.len()..];
        }
        kept.extend_from_slice(rest);
        Some((wire, kept))
    }

    /// The next notification, if any.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] should next be called. The engine keeps no timers
    /// of its own today (host silence is the runtime's business); the method is part of the
    /// contract so that adding one is not an API change.
    pub fn poll_timeout(&self) -> Option<Instant> {
        None
    }

    /// Time passes.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = Some(now);
    }

    /// The runtime finished the TLS handshake STARTTLS asked for; `verified` says whether
    /// the certificate was checked.
    pub fn handle_tls_established(&mut self, verified: bool) {
        self.tls_pending = false;
        self.oia.secure = Some(Secure { verified });
    }

    /// Direct TLS (no STARTTLS): tell the OIA the connection is secure.
    pub fn set_secure(&mut self, verified: bool) {
        self.oia.secure = Some(Secure { verified });
    }

    // ----- host input ----------------------------------------------------------------

    /// Bytes from the host, in any chunking.
    pub fn handle_input(&mut self, now: Instant, data: &[u8]) {
        self.now = Some(now);
        if !data.is_empty() && self.stats.first_byte_at.is_none() {
            self.stats.first_byte_at = Some(now);
        }
        self.stats.bytes_in += data.len() as u64;
        if self.tls_pending {
            self.host_error(HostError::DataBeforeTls { bytes: data.len() }, false);
            return;
        }
        // The parser is moved out for the duration of the feed so that the event handler can
        // borrow the rest of the session mutably.
        let mut parser = std::mem::take(&mut self.parser);
        parser.feed(data, &mut |ev| {
            // After STARTTLS FOLLOWS the bytes belong to TLS, not telnet. A server waits for
            // our ClientHello, so nothing should follow in the same read; if something does,
            // it is dropped rather than misread as telnet.
            if !self.tls_pending {
                self.on_telnet(ev);
            }
        });
        self.parser = parser;
        self.sync_oia();
    }

    fn on_telnet(&mut self, ev: TelnetEvent<'_>) {
        match ev {
            TelnetEvent::Data(bytes) => self.on_data(bytes),
            TelnetEvent::EndOfRecord => self.on_end_of_record(),
            TelnetEvent::Command(_) => {}
            TelnetEvent::Will(o) => self.negotiate(telnet::Verb::Will, o),
            TelnetEvent::Wont(o) => self.negotiate(telnet::Verb::Wont, o),
            TelnetEvent::Do(o) => self.negotiate(telnet::Verb::Do, o),
            TelnetEvent::Dont(o) => self.negotiate(telnet::Verb::Dont, o),
            TelnetEvent::Subnegotiation { option, data } => self.subnegotiation(option, data),
            TelnetEvent::Error(e) => self.host_error(e.into(), false),
        }
    }

    fn e_active(&self) -> bool {
        self.e_on && self.e.is_negotiated()
    }

    fn in_3270_transport(&self) -> bool {
        self.e_active() || self.options_say_3270()
    }

    fn options_say_3270(&self) -> bool {
        let o = &self.options;
        o.local_enabled(TelnetOption::BINARY)
            && o.remote_enabled(TelnetOption::BINARY)
            && o.local_enabled(TelnetOption::EOR)
            && o.remote_enabled(TelnetOption::EOR)
    }

    fn on_data(&mut self, bytes: &[u8]) {
        // Once we said WILL TN3270E, data is TN3270E records even before the functions are
        // agreed (x3270 buffers it too); it is never NVT text.
        if self.in_3270_transport() || self.e_on {
            if self.record.len() + bytes.len() > self.max_record {
                if !self.record_overflow {
                    self.stats.oversized_records += 1;
                    let limit = self.max_record;
                    self.host_error(HostError::RecordTooLarge { limit }, false);
                }
                self.record_overflow = true;
                self.record.clear();
                return;
            }
            self.record.extend_from_slice(bytes);
        } else {
            self.set_mode(Mode::Nvt);
            self.nvt_output(bytes);
        }
    }

    fn on_end_of_record(&mut self) {
        self.stats.records_in += 1;
        let record = std::mem::take(&mut self.record);
        if std::mem::take(&mut self.record_overflow) {
            return;
        }
        if self.e_active() {
            self.tn3270e_record(&record);
        } else if self.options_say_3270() {
            self.set_mode(Mode::Tn3270);
            if let Err(err) = self.data_3270(&record) {
                self.host_error(err.into(), false);
            }
        } else if !record.is_empty() {
            // A record before TN3270E negotiation finished: x3270 drops it with "EOR received
            // when not in 3270 mode, ignored" (b3270/ignore_eor.trc).
            let bytes = record.len();
            self.host_error(HostError::RecordBeforeNegotiation { bytes }, false);
        }
        self.record = record;
        self.record.clear();
    }

    fn tn3270e_record(&mut self, record: &[u8]) {
        let Some((h, body)) = tn3270e::Header::parse(record) else {
            let bytes = record.len();
            self.host_error(HostError::MissingTn3270eHeader { bytes }, false);
            return;
        };
        match h.data_type {
            DataType::DATA_3270 => {
                if self.mode != Mode::Tn3270e {
                    self.set_mode(Mode::Tn3270e);
                }
                // The response goes out before any reply the record provokes (a Query
                // Reply, a read), as x3270 sends it.
                let mark = self.transmit.len();
                let result = if body.is_empty() {
                    Ok(())
                } else {
                    self.data_3270(body)
                };
                if h.request_flag & tn3270e::request_flag::KEYBOARD_RESTORE != 0 {
                    // CONTENTION-RESOLUTION: the host hands the keyboard back.
                    self.unlock();
                }
                let replies = self.transmit.split_off(mark);
                let error = result.err().map(HostError::from);
                let negative = self.respond(h, error.as_ref().map(HostError::sense));
                self.transmit.extend_from_slice(&replies);
                if let Some(error) = error {
                    self.host_error(error, negative);
                }
            }
            DataType::SSCP_LU_DATA => {
                self.set_mode(Mode::SscpLu);
                self.sscp_lu_data(body);
                self.respond(h, None);
            }
            DataType::NVT_DATA => {
                self.set_mode(Mode::Tn3270eNvt);
                self.nvt_output(body);
            }
            DataType::BIND_IMAGE => {
                let bind = tn3270e::BindImage::parse(body);
                if let Some(b) = &bind {
                    // x3270 limits the screen to the sizes the BIND asks for, when they fit
                    // the model; the Query Reply then reports the limited size.
                    let max = self.cfg.alternate_dims();
                    let fits = |d: Dimensions| d.rows <= max.rows && d.cols <= max.cols;
                    let default = b.default_size();
                    let alternate = b.alternate_size().unwrap_or(max);
                    if fits(default) && fits(alternate) {
                        self.screen.set_sizes(default, alternate);
                    }
                }
                self.set_mode(Mode::Tn3270e);
                let cp = self.cfg.code_page;
                self.events.push_back(SessionEvent::Bound {
                    plu: bind
                        .filter(|b| !b.plu_name.is_empty())
                        .map(|b| b.plu_name.iter().map(|&c| cp.to_unicode(c)).collect()),
                });
                self.respond(h, None);
            }
            DataType::UNBIND => {
                self.screen
                    .set_sizes(Dimensions::MODEL_2, self.cfg.alternate_dims());
                self.set_mode(Mode::SscpLu);
                self.events.push_back(SessionEvent::Unbound);
                self.respond(h, None);
            }
            DataType::BID => {
                // CONTENTION-RESOLUTION: the host bids to send; a display always agrees.
                self.respond(h, None);
            }
            _ => {
                // RESPONSE, REQUEST, SCS-DATA and anything newer: nothing for a display.
            }
        }
    }

    /// Send the TN3270E response the host's header asked for: positive when `failed` is
    /// `None`, otherwise negative with that sense code. Returns whether a negative response
    /// went out.
    fn respond(&mut self, h: tn3270e::Header, failed: Option<tn3270e::NegativeCode>) -> bool {
        // x3270 answers the header's request even when RESPONSES was not negotiated (the
        // b3270 traces show it), and so do we: a host that asks wants to know.
        if !h.wants_response(failed.is_none()) {
            return false;
        }
        let rec = match failed {
            None => tn3270e::positive_response(h.seq_number),
            Some(code) => tn3270e::negative_response(h.seq_number, code),
        };
        self.write_record(&rec);
        if failed.is_some() {
            self.stats.negative_responses += 1;
        }
        failed.is_some()
    }

    /// Report a host error and count it by kind.
    fn host_error(&mut self, error: HostError, negative_response: bool) {
        let counts = &mut self.stats.host_errors;
        match error.kind() {
            HostErrorKind::Malformed => counts.malformed += 1,
            HostErrorKind::Violation => counts.violation += 1,
            HostErrorKind::Unsupported => counts.unsupported += 1,
        }
        self.events.push_back(SessionEvent::HostError {
            error,
            negative_response,
        });
    }

    /// Frame one record (IAC doubling, IAC EOR) onto the transmit queue and count it.
    pub(super) fn write_record(&mut self, rec: &[u8]) {
        self.stats.records_out += 1;
        telnet::write_record(rec, &mut self.transmit);
    }

    /// One 3270 data-stream record (plain TN3270, or the body of a TN3270E 3270-DATA).
    fn data_3270(&mut self, record: &[u8]) -> Result<(), DsError> {
        self.oia.last_host_activity = self.now;
        let rec = Record::parse(record)?;
        match rec.command {
            Command::W | Command::Ew | Command::Ewa => self.write(rec.command, rec.body),
            Command::Eau => {
                erase_all_unprotected(&mut self.screen);
                self.events.push_back(SessionEvent::ScreenChanged);
                self.unlock();
                Ok(())
            }
            Command::Rb => {
                self.send_read_buffer();
                Ok(())
            }
            Command::Rm => {
                self.send_read(self.last_aid, ReadKind::Modified);
                Ok(())
            }
            Command::Rma => {
                self.send_read(self.last_aid, ReadKind::ModifiedAll);
                Ok(())
            }
            Command::Wsf => self.structured_fields(rec.body),
            Command::Nop => Ok(()),
        }
    }

    fn write(&mut self, command: Command, body: &[u8]) -> Result<(), DsError> {
        let (fx, result) = apply_write(&mut self.screen, command, body);
        if fx.erased || fx.wcc.reset() {
            self.reply_mode = ReplyMode::Field;
        }
        self.events.push_back(SessionEvent::ScreenChanged);
        if fx.alarm() {
            self.stats.alarms += 1;
            self.oia.alarm = true;
            self.events.push_back(SessionEvent::Alarm);
        }
        if fx.keyboard_restore() {
            self.unlock();
        } else if self.oia.lock == Some(LockReason::TimeWait) {
            self.oia.lock = Some(LockReason::System);
        }
        result
    }

    fn structured_fields(&mut self, body: &[u8]) -> Result<(), DsError> {
        for item in sf::parse_fields(body) {
            let field = item.map_err(|_| DsError::StructuredField {
                what: "malformed structured field",
                offset: 1,
            })?;
            match field {
                StructuredField::ReadPartition { kind, .. } => match kind {
                    ReadPartitionType::Query | ReadPartitionType::QueryList { .. } => {
                        if let Some(req) = QueryRequest::from_read_partition(kind) {
                            self.send_query_reply(req);
                        }
                    }
                    ReadPartitionType::ReadBuffer => self.send_read_buffer(),
                    ReadPartitionType::ReadModified => {
                        self.send_read(self.last_aid, ReadKind::Modified);
                    }
                    ReadPartitionType::ReadModifiedAll => {
                        self.send_read(self.last_aid, ReadKind::ModifiedAll);
                    }
                },
                StructuredField::EraseReset { use_alternate } => {
                    self.screen.erase(use_alternate);
                    self.reply_mode = ReplyMode::Field;
                    self.events.push_back(SessionEvent::ScreenChanged);
                }
                StructuredField::SetReplyMode { mode, .. } => {
                    self.reply_mode = match mode {
                        sf::ReplyMode::Field => ReplyMode::Field,
                        sf::ReplyMode::ExtendedField => ReplyMode::ExtendedField,
                        sf::ReplyMode::Character { attribute_types } => {
                            ReplyMode::Character(attribute_types.to_vec())
                        }
                    };
                }
                StructuredField::Outbound3270Ds { command, data, .. } => match command {
                    Outbound3270DsCommand::Write => self.write(Command::W, data)?,
                    Outbound3270DsCommand::EraseWrite => self.write(Command::Ew, data)?,
                    Outbound3270DsCommand::EraseWriteAlternate => {
                        self.write(Command::Ewa, data)?;
                    }
                    Outbound3270DsCommand::EraseAllUnprotected => {
                        erase_all_unprotected(&mut self.screen);
                        self.events.push_back(SessionEvent::ScreenChanged);
                        self.unlock();
                    }
                },
                StructuredField::Unknown { .. } => {}
            }
        }
        Ok(())
    }

    fn query_context(&self) -> QueryContext {
        let mut ctx = QueryContext::new(self.screen.alternate_dims());
        ctx.default_size = self.screen.default_dims();
        ctx.cgcsgid = self.cfg.code_page.cgcsgid();
        // x3270 advertises the full colour set for 3278 models too (bid-bug.trc), so
        // hosts send colour; the TUI decides how to show it.
        ctx.color = true;
        ctx
    }

    fn send_query_reply(&mut self, request: QueryRequest<'_>) {
        let mut rec = Vec::with_capacity(256);
        query_reply(&self.query_context(), request, &mut rec);
        self.send_inbound(&rec);
    }

    fn send_read(&mut self, aid: Aid, kind: ReadKind) {
        let mut rec = Vec::with_capacity(256);
        read_modified(&self.screen, aid, kind, &self.reply_mode, &mut rec);
        let masked = self.mask_copies.then(|| {
            let mut m = Vec::with_capacity(rec.len());
            read_modified_masked(&self.screen, aid, kind, &self.reply_mode, &mut m);
            m
        });
        self.send_read_reply(&rec, masked);
    }

    fn send_read_buffer(&mut self) {
        let mut rec = Vec::with_capacity(self.screen.cells().len() + 8);
        read_buffer(&self.screen, self.last_aid, &self.reply_mode, &mut rec);
        let masked = self.mask_copies.then(|| {
            let mut m = Vec::with_capacity(rec.len());
            read_buffer_masked(&self.screen, self.last_aid, &self.reply_mode, &mut m);
            m
        });
        self.send_read_reply(&rec, masked);
    }

    /// Queue a read reply; when its masked copy differs, remember both as framed, so that
    /// [`Session::poll_transmit_masked`] can put the copy in its place.
    fn send_read_reply(&mut self, rec: &[u8], masked: Option<Vec<u8>>) {
        let start = self.transmit.len();
        let seq = self.xmit_seq;
        self.send_inbound(rec);
        let Some(masked) = masked.filter(|m| m.as_slice() != rec) else {
            return;
        };
        let real = self.transmit.get(start..).unwrap_or_default().to_vec();
        // Frame the copy exactly as the reply was framed (same TN3270E sequence number).
        let after = std::mem::replace(&mut self.xmit_seq, seq);
        let wire = std::mem::take(&mut self.transmit);
        // The copy is framed like the reply but never sent: it is not a record out.
        let records_out = self.stats.records_out;
        self.send_inbound(&masked);
        self.stats.records_out = records_out;
        let copy = std::mem::replace(&mut self.transmit, wire);
        self.xmit_seq = after;
        self.masked.push((real, copy));
    }

    /// Frame and queue an inbound 3270 record (TN3270E header when active).
    fn send_inbound(&mut self, rec: &[u8]) {
        if self.e_active() {
            let data_type = if self.mode == Mode::SscpLu {
                DataType::SSCP_LU_DATA
            } else {
                DataType::DATA_3270
            };
            self.send_e_record(data_type, rec);
        } else {
            self.write_record(rec);
        }
    }

    fn send_e_record(&mut self, data_type: DataType, rec: &[u8]) {
        let mut framed = Vec::with_capacity(rec.len() + tn3270e::Header::LEN);
        tn3270e::Header {
            data_type,
            request_flag: 0,
            response_flag: tn3270e::response_flag::NO_RESPONSE,
            seq_number: self.xmit_seq,
        }
        .encode(&mut framed);
        framed.extend_from_slice(rec);
        self.xmit_seq = self.xmit_seq.wrapping_add(1);
        self.write_record(&framed);
    }

    // ----- SSCP-LU and NVT ----------------------------------------------------------

    /// SSCP-LU data is unformatted text written at the cursor; NL starts a new line.
    fn sscp_lu_data(&mut self, body: &[u8]) {
        let dims = self.screen.dims();
        let mut addr = self.screen.cursor();
        let mut i = 0;
        while i < body.len() {
            let b = body[i];
            match b {
                0x15 | 0x0D => {
                    let pos = addr.position(dims);
                    let row = (pos.row + 1) % dims.rows.max(1);
                    addr = BufferAddr::from_position(crate::proto::Position::new(row, 0), dims)
                        .unwrap_or(BufferAddr::ZERO);
                }
                0x1D if i + 1 < body.len() => {
                    // Some hosts send SF in SSCP-LU data; show it as a field, as x3270 does.
                    self.screen.set_field_attr(
                        addr,
                        crate::proto::attr::FieldAttr::from_byte(body[i + 1]),
                        crate::proto::attr::ExtAttrs::DEFAULT,
                    );
                    addr = addr.next(dims);
                    i += 1;
                }
                0x11 if i + 2 < body.len() => {
                    if let Some(a) = BufferAddr::decode(body[i + 1], body[i + 2], dims) {
                        addr = a;
                    }
                    i += 2;
                }
                _ => {
                    self.screen
                        .set_char(addr, b, false, crate::proto::attr::ExtAttrs::DEFAULT);
                    addr = addr.next(dims);
                }
            }
            i += 1;
        }
        self.screen.rebuild_fields();
        self.screen.set_cursor(addr);
        self.sscp_start = addr;
        self.events.push_back(SessionEvent::ScreenChanged);
        self.unlock();
    }

    fn nvt_output(&mut self, bytes: &[u8]) {
        let cp = self.cfg.code_page;
        self.nvt.output(&mut self.screen, bytes, cp);
        self.events.push_back(SessionEvent::ScreenChanged);
        if matches!(
            self.oia.lock,
            Some(LockReason::NotConnected | LockReason::TimeWait)
        ) {
            self.oia.lock = None;
        }
    }

    // ----- telnet negotiation ---------------------------------------------------------

    fn negotiate(&mut self, verb: telnet::Verb, option: TelnetOption) {
        let result = self.options.receive(verb, option);
        result.write_reply(option, &mut self.transmit);
        if option == TelnetOption::BINARY && verb == telnet::Verb::Will {
            // In BINARY, CR NUL is data, not the NVT end-of-line.
            self.parser
                .set_strip_cr_nul(!self.options.remote_enabled(TelnetOption::BINARY));
        }
        if option == TelnetOption::TN3270E && verb == telnet::Verb::Wont && self.e_on {
            // Hosts say WONT TN3270E to mean "no TN3270E"; x3270 answers WONT, and so do we.
            self.give_up_tn3270e();
            self.set_mode(Mode::Negotiating);
            return;
        }
        if option == TelnetOption::TN3270E {
            let on = self.options.local_enabled(TelnetOption::TN3270E);
            if on && verb == telnet::Verb::Do {
                // (Re)starting TN3270E: the host will ask for the device type next.
                self.e.reset();
                self.e_on = true;
                // A new TN3270E conversation numbers its records from zero again.
                self.xmit_seq = 0;
            } else if !on && self.e_on {
                // The host turned TN3270E off: carry on with plain TN3270 negotiation.
                self.e_on = false;
                self.e.reset();
                self.set_mode(Mode::Negotiating);
            }
        }
        if option == TelnetOption::STARTTLS
            && verb == telnet::Verb::Do
            && self.options.local_enabled(TelnetOption::STARTTLS)
            && result.changed == Some(true)
        {
            telnet::write_starttls_follows(&mut self.transmit);
        }
        if self.options_say_3270() && !self.e_active() && !self.mode.is_3270() {
            self.set_mode(Mode::Tn3270);
        }
    }

    fn subnegotiation(&mut self, option: TelnetOption, data: &[u8]) {
        match option {
            TelnetOption::TERMINAL_TYPE if telnet::is_terminal_type_send(data) => {
                let mut name = self.cfg.terminal_type();
                if let Some(lu) = &self.cfg.lu {
                    name.push('@');
                    name.push_str(lu);
                }
                telnet::write_terminal_type_is(name.as_bytes(), &mut self.transmit);
            }
            TelnetOption::NEW_ENVIRON => {
                if let Some(request) = telnet::parse_environ_send(data) {
                    self.environ.write_is(&request, &mut self.transmit);
                }
            }
            TelnetOption::TN3270E if self.e_on => {
                match self.e.handle_subnegotiation(data, &mut self.transmit) {
                    Tn3270eEvent::Ignored | Tn3270eEvent::InProgress => {}
                    Tn3270eEvent::DeviceTypeRejected { .. } => {
                        if !self.e.recover_from_reject(&mut self.transmit) {
                            self.give_up_tn3270e();
                        }
                    }
                    Tn3270eEvent::Negotiated { .. } => {
                        let text = |b: &[u8]| b.iter().map(|&c| char::from(c)).collect::<String>();
                        let terminal_type = self.e.device_type().map(text).unwrap_or_default();
                        let lu = self.e.device_name().map(text);
                        self.oia.lu.clone_from(&lu);
                        self.oia.terminal_type = Some(terminal_type.clone());
                        self.events
                            .push_back(SessionEvent::DeviceAccepted { terminal_type, lu });
                        self.set_mode(Mode::Tn3270e);
                    }
                    Tn3270eEvent::Abandoned => self.give_up_tn3270e(),
                }
            }
            TelnetOption::STARTTLS if telnet::is_starttls_follows(data) => {
                self.tls_pending = true;
                self.events.push_back(SessionEvent::StartTls);
            }
            _ => {}
        }
    }

    /// TN3270E could not be agreed: say WONT TN3270E and fall back to plain TN3270.
    fn give_up_tn3270e(&mut self) {
        let r = self
            .options
            .request_disable(Side::Local, TelnetOption::TN3270E);
        r.write_reply(TelnetOption::TN3270E, &mut self.transmit);
        self.e_on = false;
        self.e.abandon();
    }

    fn set_mode(&mut self, mode: Mode) {
        if self.mode != mode {
            if self.mode.is_3270() && !mode.is_3270() {
                // Leaving 3270 mode (for NVT, or to renegotiate), x3270 resets its NVT
                // emulator, which clears the screen to the default size
                // (s3270/tn3270e-renegotiate.trc: the VM logon screen must not stay under the
                // NVT menu).
                self.screen.erase(false);
                self.nvt = crate::proto::nvt::Nvt::default();
                self.events.push_back(SessionEvent::ScreenChanged);
            }
            self.mode = mode;
            if mode.is_3270() && self.oia.lock == Some(LockReason::NotConnected) {
                // A 3270 keyboard is locked until the host's first write restores it, as x3270
                // does ("X SYSTEM" until then).
                self.oia.lock = Some(LockReason::System);
            }
            if matches!(mode, Mode::Nvt | Mode::Tn3270eNvt) {
                self.oia.lock = None;
            }
            self.events.push_back(SessionEvent::ModeChanged(mode));
        }
    }

    fn sync_oia(&mut self) {
        // The keyboard's locked time, accounted whenever the session is handed a `now`.
        if let Some(now) = self.now {
            match (self.oia.lock.is_some(), self.locked_since) {
                (true, None) => self.locked_since = Some(now),
                (false, Some(since)) => {
                    self.stats.keyboard_locked += now.saturating_duration_since(since);
                    self.locked_since = None;
                }
                _ => {}
            }
        }
        self.oia.mode = self.mode;
        self.oia.insert = self.keyboard.insert;
        self.oia.typeahead = self.typeahead.len();
        self.oia.cursor = self.screen.cursor_position();
    }
}

fn tn3270e_config(cfg: &TerminalConfig) -> tn3270e::Tn3270eConfig {
    // RFC 2355 names devices IBM-3278-n; x3270 sends those even for a 3279 (colour comes
    // from the Query Reply), and so do we unless the user gave an exact terminal type.
    let mut device_type = cfg.terminal_type();
    if cfg.terminal_type.is_none() {
        device_type = device_type.replace("IBM-3279", "IBM-3278");
    }
    let mut e = tn3270e::Tn3270eConfig::new(device_type.as_bytes());
    e.device_name = cfg.lu.as_ref().map(|l| l.as_bytes().to_vec());
    if let Some(list) = &cfg.tn3270e_functions {
        e.functions = list.iter().fold(FunctionSet::EMPTY, |set, &code| {
            tn3270e::Function::from_code(code).map_or(set, |f| set.with(f))
        });
    }
    e
}

/// What we agree to when the host asks: TN3270E and STARTTLS only when configured.
fn option_policy(cfg: &TerminalConfig) -> telnet::OptionPolicy {
    let mut p = telnet::OptionPolicy::tn3270_client();
    let mut local = telnet::OptionSet::empty();
    for o in [
        TelnetOption::BINARY,
        TelnetOption::EOR,
        TelnetOption::TERMINAL_TYPE,
        TelnetOption::NEW_ENVIRON,
    ] {
        local = local.with(o);
    }
    if cfg.tn3270e && cfg.tn3270e_device_type_is_standard() {
        local = local.with(TelnetOption::TN3270E);
    }
    if cfg.starttls {
        local = local.with(TelnetOption::STARTTLS);
    }
    p.local = local;
    p
}

#[cfg(test)]
mod tests;
