//! The audit log viewer pane (`show-audit`): a page of the audit log (at most [`KEPT`]
//! records; the newest page follows new ones while the selection is on the last), filtered
//! by what is typed (`kind:K`, `session:S`, `since:T`, other words must all appear in the
//! record), with the verification state in its header. Up or PageUp at the page's top (or
//! `older-page`) reads the page of older records, Down or PageDown at its bottom (or
//! `newer-page`) goes back to the newer one, so any part of a large log can be reached with
//! one page in memory. Enter opens the selected record (a screen record is shown as the
//! operator saw it, row by row); Esc goes back, then closes.
//!
//! The pane does no I/O: the App asks the runtime to read a page (`Effect::ReadAudit`)
//! when the pane opens (and to verify the log then), on every slow tick while the newest
//! page is shown, and when the operator pages; the result comes back through
//! [`AuditViewer::set_snapshot`] and [`AuditViewer::set_verification`]. A read of a page
//! the pane no longer wants (the operator paged on meanwhile) is dropped.

use std::any::Any;

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Edit, Handled, Pane, PaneCtx, Request, edit_line};
use crate::action::Action;
use crate::audit::read::{Entry, Page, Snapshot};
use crate::keymap::Layer;

/// How many records a page of the viewer holds.
pub const KEPT: usize = 5000;

/// Where the selection goes when a page arrives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Land {
    /// On the record it was on (a page read again), or the last when following.
    #[default]
    Keep,
    /// On the page's first record (coming from an older page).
    First,
    /// On the page's last record (coming from a newer page).
    Last,
}

/// The viewer's state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditViewer {
    /// The page shown, as read.
    pub snapshot: Option<Snapshot>,
    /// The verification state, once the runtime has verified the log.
    pub verification: Option<String>,
    /// The filter line.
    pub filter: String,
    pub cursor: usize,
    /// Index into the filtered records.
    pub selected: usize,
    /// The selection stays on the newest record as records arrive.
    pub follow: bool,
    /// The selected record is open.
    pub detail: bool,
    /// The page asked for (shown once `snapshot` answers it).
    pub page: Page,
    /// The pages newer than `page`, the nearest last: where `newer-page` goes back to.
    pub newer: Vec<Page>,
    land: Land,
}

impl AuditViewer {
    pub fn new() -> Self {
        AuditViewer {
            follow: true,
            ..AuditViewer::default()
        }
    }

    /// A page read by the runtime. A page not asked for (any more) is dropped.
    pub fn set_snapshot(&mut self, snap: Snapshot) {
        if snap.page != self.page {
            return;
        }
        let was_on = self.selected_id();
        self.snapshot = Some(snap);
        let n = self.visible().len();
        let last = n.saturating_sub(1);
        self.selected = match std::mem::take(&mut self.land) {
            Land::First => 0,
            Land::Last => last,
            Land::Keep if self.follow => last,
            Land::Keep => was_on
                .and_then(|id| self.visible().iter().position(|e| (e.slot, e.seq()) == id))
                .unwrap_or(self.selected.min(last)),
        };
    }

    /// The verification state (`audit::read::verification`'s words).
    pub fn set_verification(&mut self, text: String) {
        self.verification = Some(text);
    }

    /// A page is asked for and not read yet.
    pub fn waiting(&self) -> bool {
        self.snapshot.as_ref().is_none_or(|s| s.page != self.page)
    }

    /// What the slow tick reads again: the newest page while it is shown (older pages do
    /// not change).
    pub fn refresh(&self) -> Option<Page> {
        (self.page == Page::Newest).then_some(Page::Newest)
    }

    /// The selected record's slot and seq.
    fn selected_id(&self) -> Option<(u32, u64)> {
        self.visible().get(self.selected).map(|e| (e.slot, e.seq()))
    }

    /// The records the filter lets through, oldest first.
    pub fn visible(&self) -> Vec<&Entry> {
        let Some(s) = &self.snapshot else {
            return Vec::new();
        };
        let mut kind = None;
        let mut session = None;
        let mut since = None;
        let mut words = Vec::new();
        for w in self.filter.split_whitespace() {
            if let Some(k) = w.strip_prefix("kind:") {
                kind = Some(k);
            } else if let Some(k) = w.strip_prefix("session:") {
                session = Some(k);
            } else if let Some(k) = w.strip_prefix("since:") {
                since = crate::audit::time::parse_bound(k);
            } else {
                words.push(w.to_lowercase());
            }
        }
        s.entries
            .iter()
            .filter(|e| kind.is_none_or(|k| e.kind() == k))
            .filter(|e| session.is_none_or(|k| e.session().starts_with(k)))
            .filter(|e| since.as_deref().is_none_or(|t| e.ts() >= t))
            .filter(|e| {
                let raw = e.raw.to_lowercase();
                words.iter().all(|w| raw.contains(w.as_str()))
            })
            .collect()
    }

    /// The words of the filter that are searched for (highlighted in the list).
    pub fn search_words(&self) -> Vec<String> {
        self.filter
            .split_whitespace()
            .filter(|w| !w.contains(':'))
            .map(str::to_owned)
            .collect()
    }

    /// Move the selection; past the page's top or bottom, go to the older or newer page.
    fn move_by(&mut self, delta: isize) -> Handled {
        let n = self.visible().len();
        if delta < 0 && self.selected == 0 {
            return self.older();
        }
        if delta > 0 && self.selected + 1 >= n && !self.newer.is_empty() {
            return self.newer();
        }
        if n > 0 {
            let to = self.selected.saturating_add_signed(delta).min(n - 1);
            self.selected = to;
            self.follow = self.page == Page::Newest && to == n - 1;
        }
        Handled::Kept
    }

    /// Ask for the page of older records (the selection lands on its newest); nothing
    /// while a page is being read or when this one holds the oldest.
    fn older(&mut self) -> Handled {
        if self.waiting() {
            return Handled::Kept;
        }
        let Some(cursor) = self.snapshot.as_ref().and_then(|s| s.older.clone()) else {
            return Handled::Kept;
        };
        let newer = std::mem::replace(&mut self.page, Page::Before(cursor));
        self.newer.push(newer);
        self.land = Land::Last;
        self.follow = false;
        Handled::Ask(Request::ReadAudit(self.page.clone()))
    }

    /// Ask for the page this one was reached from (the selection lands on its oldest).
    fn newer(&mut self) -> Handled {
        if self.waiting() {
            return Handled::Kept;
        }
        let Some(page) = self.newer.pop() else {
            return Handled::Kept;
        };
        self.page = page;
        self.land = Land::First;
        self.follow = false;
        Handled::Ask(Request::ReadAudit(self.page.clone()))
    }
}

impl Pane for AuditViewer {
    fn layer(&self) -> Layer {
        Layer::Audit
    }

    fn key(&mut self, key: &KeyEvent, _ctx: &PaneCtx) -> Handled {
        if self.detail {
            return Handled::No;
        }
        match edit_line(&mut self.filter, &mut self.cursor, key) {
            Edit::Changed => {
                self.selected = self.visible().len().saturating_sub(1);
                self.follow = self.page == Page::Newest;
                Handled::Kept
            }
            Edit::Moved => Handled::Kept,
            Edit::NotText => Handled::No,
        }
    }

    fn action(&mut self, action: &Action, _ctx: &PaneCtx) -> Handled {
        match action {
            Action::SelectPrev => return self.move_by(-1),
            Action::SelectNext => return self.move_by(1),
            Action::PagePrev => return self.move_by(-20),
            Action::PageNext => return self.move_by(20),
            Action::OlderPage => return self.older(),
            Action::NewerPage => return self.newer(),
            // Enter opens a record; on an opened record it shows the record's tab.
            Action::Accept if self.detail => {
                let session = self
                    .visible()
                    .get(self.selected)
                    .and_then(|e| e.value.get("session"))
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned);
                if let Some(session) = session {
                    return Handled::Ask(Request::ShowAuditSession(session));
                }
            }
            Action::Accept => self.detail = !self.visible().is_empty(),
            Action::Cancel if self.detail => self.detail = false,
            Action::Cancel => return Handled::Close,
            _ => return Handled::No,
        }
        Handled::Kept
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, ctx: &PaneCtx) {
        crate::ui::audit::draw_audit(buf, area, self, ctx.theme);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> Option<&mut dyn Any> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::read::Cursor;

    fn entry(seq: u64, kind: &str, session: &str, extra: &str) -> Entry {
        let raw = format!(
            r#"{{"seq":{seq},"ts":"2026-12-03T10:00:{seq:02}.000Z","kind":"{kind}","session":"{session}"{extra}}}"#
        );
        Entry {
            slot: 0,
            file: "f".into(),
            line: seq,
            value: serde_json::from_str(&raw).unwrap(),
            raw,
        }
    }

    fn snap(entries: Vec<Entry>) -> Snapshot {
        Snapshot {
            dir: "d".into(),
            page: Page::Newest,
            total: entries.len() as u64,
            first: 0,
            older: None,
            entries,
            error: None,
        }
    }

    /// A page of the records `seqs` (slot 0) of a log of `total`, asked for as `page`.
    fn page_of(page: &Page, seqs: std::ops::RangeInclusive<u64>, total: u64) -> Snapshot {
        let first = seqs.start() - 1;
        let older = (first > 0).then(|| Cursor([(0, *seqs.start())].into_iter().collect()));
        Snapshot {
            page: page.clone(),
            first,
            total,
            older,
            ..snap(seqs.map(|i| entry(i, "aid", "a", "")).collect())
        }
    }

    #[test]
    fn follows_new_records_filters_and_keeps_the_verification() {
        let mut v = AuditViewer::new();
        v.set_snapshot(snap(vec![
            entry(1, "aid", "a", ""),
            entry(2, "screen", "a", ""),
        ]));
        v.set_verification("verified through w0 seq 2".into());
        assert_eq!(v.selected, 1);
        v.set_snapshot(snap(vec![
            entry(1, "aid", "a", ""),
            entry(2, "screen", "a", ""),
            entry(3, "aid", "b", r#","key":"PF3""#),
        ]));
        // Followed to the new record; the verification is kept.
        assert_eq!(v.selected, 2);
        assert_eq!(v.verification.as_deref(), Some("verified through w0 seq 2"));
        // Moving up stops following; the selection stays on its record as the page moves.
        v.action(&Action::SelectPrev, &ctx_dummy());
        assert!(!v.follow);
        v.set_snapshot(snap(vec![
            entry(2, "screen", "a", ""),
            entry(3, "aid", "b", ""),
            entry(4, "aid", "b", ""),
        ]));
        assert_eq!(v.selected, 0);
        v.filter = "kind:aid session:b".into();
        assert_eq!(v.visible().len(), 2);
        v.filter = "pf3".into();
        assert_eq!(v.visible().len(), 0, "the newest read has no PF3");
    }

    #[test]
    fn alt_j_opens_the_viewer_and_the_runtime_fills_it() {
        use crossterm::event::{KeyCode, KeyModifiers};
        let mut app = crate::app::App::new(crate::config::Config::builtin());
        let now = std::time::Instant::now();
        let effects = app.handle_event(
            crate::app::Event::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::ALT)),
            now,
        );
        assert_eq!(
            effects,
            vec![crate::app::Effect::ReadAudit {
                verify: true,
                page: Page::Newest
            }]
        );
        assert!(app.pane_as::<AuditViewer>().is_some());
        // The slow tick asks for new records (without verifying again).
        let effects = app.handle_event(crate::app::Event::Tick, now);
        assert!(effects.contains(&crate::app::Effect::ReadAudit {
            verify: false,
            page: Page::Newest
        }));
        let s = snap(vec![entry(1, "aid", "a", "")]);
        app.handle_event(crate::app::Event::AuditRead(Box::new(s)), now);
        app.handle_event(
            crate::app::Event::AuditVerified("verified through w0 seq 1".into()),
            now,
        );
        let v = app.pane_as::<AuditViewer>().unwrap();
        assert_eq!(v.visible().len(), 1);
        assert_eq!(v.verification.as_deref(), Some("verified through w0 seq 1"));
        // Esc closes it.
        app.handle_event(
            crate::app::Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            now,
        );
        assert!(app.pane_as::<AuditViewer>().is_none());
    }

    fn press(
        app: &mut crate::app::App,
        code: crossterm::event::KeyCode,
        mods: crossterm::event::KeyModifiers,
    ) -> Vec<crate::app::Effect> {
        let key = KeyEvent::new(code, mods);
        app.handle_event(crate::app::Event::Key(key), std::time::Instant::now())
    }

    fn read(page: Page) -> Vec<crate::app::Effect> {
        vec![crate::app::Effect::ReadAudit {
            verify: false,
            page,
        }]
    }

    #[test]
    fn paging_keys_ask_for_the_older_and_newer_pages() {
        use crossterm::event::{KeyCode, KeyModifiers};
        let none = KeyModifiers::NONE;
        let mut app = crate::app::App::new(crate::config::Config::builtin());
        press(&mut app, KeyCode::Char('j'), KeyModifiers::ALT);
        let newest = page_of(&Page::Newest, 31..=40, 40);
        let older = Page::Before(newest.older.clone().unwrap());
        app.handle_event(
            crate::app::Event::AuditRead(Box::new(newest)),
            std::time::Instant::now(),
        );
        // PageUp moves within the page, then past its top asks for the older page.
        assert_eq!(press(&mut app, KeyCode::PageUp, none), vec![]);
        assert_eq!(app.pane_as::<AuditViewer>().unwrap().selected, 0);
        assert_eq!(press(&mut app, KeyCode::PageUp, none), read(older.clone()));
        // While it is read, paging asks nothing more, and the tick reads nothing (an older
        // page does not change).
        assert_eq!(press(&mut app, KeyCode::PageUp, none), vec![]);
        assert_eq!(
            press(&mut app, KeyCode::PageDown, KeyModifiers::CONTROL),
            vec![]
        );
        let tick = app.handle_event(crate::app::Event::Tick, std::time::Instant::now());
        assert!(
            !tick
                .iter()
                .any(|e| matches!(e, crate::app::Effect::ReadAudit { .. }))
        );
        // A read of the newest page that was under way when the operator paged is dropped.
        let late = page_of(&Page::Newest, 32..=41, 41);
        let now = std::time::Instant::now();
        app.handle_event(crate::app::Event::AuditRead(Box::new(late)), now);
        let v = app.pane_as::<AuditViewer>().unwrap();
        assert!(v.waiting());
        assert_eq!(v.snapshot.as_ref().unwrap().total, 40);
        // The older page arrives: the selection is on its newest record.
        let page = page_of(&older, 21..=30, 40);
        let older2 = Page::Before(page.older.clone().unwrap());
        app.handle_event(crate::app::Event::AuditRead(Box::new(page)), now);
        let v = app.pane_as::<AuditViewer>().unwrap();
        assert!(!v.waiting());
        assert_eq!(v.visible()[v.selected].seq(), 30);
        assert_eq!(
            crate::ui::audit::range_text(v),
            "records 21-30 of 40, older: PgUp, newer: PgDn"
        );
        // Ctrl-PageUp goes on back from anywhere in the page.
        press(&mut app, KeyCode::Up, none);
        assert_eq!(
            press(&mut app, KeyCode::PageUp, KeyModifiers::CONTROL),
            read(older2.clone())
        );
        let page = page_of(&older2, 11..=20, 40);
        app.handle_event(crate::app::Event::AuditRead(Box::new(page)), now);
        // Down past the bottom goes back to the newer page, on its oldest record.
        assert_eq!(press(&mut app, KeyCode::Down, none), read(older.clone()));
        app.handle_event(
            crate::app::Event::AuditRead(Box::new(page_of(&older, 21..=30, 40))),
            now,
        );
        assert_eq!(app.pane_as::<AuditViewer>().unwrap().selected, 0);
        // Ctrl-PageDown goes to the newest page, which follows new records again once the
        // selection is back on its last.
        assert_eq!(
            press(&mut app, KeyCode::PageDown, KeyModifiers::CONTROL),
            read(Page::Newest)
        );
        app.handle_event(
            crate::app::Event::AuditRead(Box::new(page_of(&Page::Newest, 32..=41, 41))),
            now,
        );
        let v = app.pane_as::<AuditViewer>().unwrap();
        assert_eq!((v.selected, v.follow), (0, false));
        assert!(v.newer.is_empty());
        assert_eq!(
            press(&mut app, KeyCode::PageDown, KeyModifiers::CONTROL),
            vec![]
        );
        assert_eq!(press(&mut app, KeyCode::PageDown, none), vec![]);
        let v = app.pane_as::<AuditViewer>().unwrap();
        assert_eq!((v.selected, v.follow), (9, true));
        let tick = app.handle_event(crate::app::Event::Tick, now);
        assert!(tick.contains(&read(Page::Newest)[0]));
    }

    /// The viewer against the real reader: back to the first record and forward to the
    /// newest, the effects carried out as the runtime does.
    #[test]
    fn the_viewer_pages_a_large_log_to_its_first_record_and_back() {
        use crossterm::event::{KeyCode, KeyModifiers};
        let loc = crate::audit::read::page::tests::two_slot_log("viewer", 11_000, 256 * 1024);
        let all = crate::audit::read::page::tests::every_record(&loc);
        let mut app = crate::app::App::new(crate::config::Config::builtin());
        let mut effects = press(&mut app, KeyCode::Char('j'), KeyModifiers::ALT);
        let carry_out = |app: &mut crate::app::App, effects: Vec<crate::app::Effect>| {
            for e in effects {
                if let crate::app::Effect::ReadAudit { page, .. } = e {
                    let s = crate::audit::read::snapshot(&loc, KEPT, &page);
                    let ev = crate::app::Event::AuditRead(Box::new(s));
                    app.handle_event(ev, std::time::Instant::now());
                }
            }
        };
        let shown = |app: &crate::app::App| -> Vec<(u32, u64)> {
            let v = app.pane_as::<AuditViewer>().unwrap();
            v.visible().iter().map(|e| (e.slot, e.seq())).collect()
        };
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            carry_out(&mut app, effects);
            seen.extend(shown(&app));
            pages += 1;
            assert!(pages <= all.len() / KEPT + 1, "paging does not end");
            effects = press(&mut app, KeyCode::PageUp, KeyModifiers::CONTROL);
            if effects.is_empty() {
                break;
            }
        }
        assert_eq!(pages, all.len().div_ceil(KEPT));
        let v = app.pane_as::<AuditViewer>().unwrap();
        assert_eq!(v.visible()[0].seq(), 1);
        assert!(crate::ui::audit::range_text(v).starts_with("records 1-"));
        let count = seen.len();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), count, "no record twice");
        assert_eq!(seen, all, "none missing");
        // Forward with PageDown at the bottom of each page, to the newest again.
        for _ in 1..pages {
            let v = app.pane_as::<AuditViewer>().unwrap();
            let last = v.visible().len() - 1;
            app.pane_as_mut::<AuditViewer>().unwrap().selected = last;
            let effects = press(&mut app, KeyCode::PageDown, KeyModifiers::NONE);
            assert_eq!(effects.len(), 1);
            carry_out(&mut app, effects);
        }
        let v = app.pane_as::<AuditViewer>().unwrap();
        assert_eq!(v.page, Page::Newest);
        assert!(v.newer.is_empty());
        // Slot 1 was closed last: its last record is the newest.
        assert_eq!(
            v.visible().last().map(|e| (e.slot, e.seq())),
            all.iter().filter(|i| i.0 == 1).max().copied(),
            "the newest page again"
        );
    }

    fn enter(app: &mut crate::app::App, now: std::time::Instant) {
        use crossterm::event::{KeyCode, KeyModifiers};
        app.handle_event(
            crate::app::Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
            now,
        );
    }

    #[test]
    fn an_opened_record_shows_its_tab() {
        let base = std::env::temp_dir().join(format!(
            "r3270-audit-jump-{}-{}",
            std::process::id(),
            crate::audit::time::now().replace([':', '.'], "")
        ));
        let o = crate::audit::WriterOptions::new(&base.join("log"), &base.join("keys"));
        let w = crate::audit::SharedWriter::open(o).unwrap();
        let mut app = crate::app::App::new(crate::config::Config::builtin());
        app.set_audit(w.clone());
        let now = std::time::Instant::now();
        for port in [3270, 3271] {
            let host = format!("127.0.0.1:{port}");
            app.open_tab(crate::config::Profile::for_host(&host.parse().unwrap()));
        }
        let sessions: Vec<String> = app
            .tabs()
            .iter()
            .map(|t| t.driver().audit_session().unwrap().to_owned())
            .collect();
        assert_ne!(sessions[0], sessions[1]);
        assert_eq!(app.active_index(), 1);
        // A record of the first tab's session, opened, then Enter: the first tab shows.
        let mut v = AuditViewer::new();
        v.set_snapshot(snap(vec![entry(1, "aid", &sessions[0], "")]));
        app.open_pane(Box::new(v));
        enter(&mut app, now);
        enter(&mut app, now);
        assert_eq!(app.active_index(), 0);
        assert!(app.pane_as::<AuditViewer>().is_none());
        // A session whose tab is gone says so.
        let mut v = AuditViewer::new();
        v.set_snapshot(snap(vec![entry(1, "aid", "gone", "")]));
        app.open_pane(Box::new(v));
        enter(&mut app, now);
        enter(&mut app, now);
        assert!(
            app.status().unwrap().contains("no longer open"),
            "{:?}",
            app.status()
        );
        w.close().unwrap();
    }

    #[test]
    fn macros_and_reloads_are_recorded_by_name_only() {
        let base = std::env::temp_dir().join(format!(
            "r3270-audit-app-{}-{}",
            std::process::id(),
            crate::audit::time::now().replace([':', '.'], "")
        ));
        let o = crate::audit::WriterOptions::new(&base.join("log"), &base.join("keys"));
        let w = crate::audit::SharedWriter::open(o.clone()).unwrap();
        let mut cfg = crate::config::Config::builtin();
        cfg.macros.insert(
            "logon".into(),
            crate::config::Macro::from_actions("logon", [Action::Type("S3CRETPW".into())]),
        );
        let mut app = crate::app::App::new(cfg.clone());
        app.set_audit(w.clone());
        let profile = crate::config::Profile::for_host(&"127.0.0.1:3270".parse().unwrap());
        app.open_tab(profile);
        let now = std::time::Instant::now();
        // Macros play on a connected session.
        let tab = app.tabs()[0].id;
        app.handle_event(
            crate::app::Event::Host {
                tab,
                event: crate::app::HostEvent::Connected {
                    endpoint: "127.0.0.1:3270".into(),
                    peer: "127.0.0.1:3270".parse().unwrap(),
                    direct_tls: None,
                    connect_time: None,
                    tried: Vec::new(),
                },
            },
            now,
        );
        app.update(Action::PlayMacro("logon".into()), now);
        app.update(Action::PlayMacro("nope".into()), now);
        app.set_config(cfg);
        app.config_reload_failed(vec!["c.toml:1:1: ui.thme: unknown key".into()]);
        w.close().unwrap();
        let text: String = crate::audit::writer::list(&o.dir)
            .unwrap()
            .iter()
            .map(|(_, p)| std::fs::read_to_string(p).unwrap())
            .collect();
        assert!(
            text.contains(r#""kind":"macro","event":"start","macro":"logon""#),
            "{text}"
        );
        assert!(text.contains(r#""event":"end","macro":"logon""#), "{text}");
        assert!(
            text.contains(r#""event":"failed","macro":"nope""#),
            "{text}"
        );
        assert!(text.contains(r#""kind":"config-reload""#), "{text}");
        assert!(text.contains(r#""result":"reloaded""#), "{text}");
        assert!(text.contains(r#""result":"failed""#), "{text}");
        assert!(text.contains(r#""errors":1"#), "{text}");
        assert!(!text.contains("S3CRETPW"), "{text}");
    }

    fn ctx_dummy() -> PaneCtx<'static> {
        use std::sync::OnceLock;
        static CONFIG: OnceLock<crate::config::Config> = OnceLock::new();
        static THEME: OnceLock<crate::theme::Theme> = OnceLock::new();
        static ENDPOINTS: OnceLock<
            std::collections::BTreeMap<String, crate::app::health::EndpointHealth>,
        > = OnceLock::new();
        PaneCtx {
            config: CONFIG.get_or_init(crate::config::Config::builtin),
            recent: &[],
            tabs: 0,
            theme: THEME.get_or_init(crate::theme::Theme::default),
            sessions: &[],
            now: None,
            endpoints: ENDPOINTS.get_or_init(std::collections::BTreeMap::new),
        }
    }
}
