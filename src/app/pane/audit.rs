//! The audit log viewer pane (`show-audit`): the newest records of the audit log, following
//! new ones while the selection is on the last, filtered by what is typed (`kind:K`,
//! `session:S`, `since:T`, other words must all appear in the record), with the
//! verification state in its header. Enter opens the selected record (a screen record is
//! shown as the operator saw it, row by row); Esc goes back, then closes.
//!
//! The pane does no I/O: the App asks the runtime to read the log (`Effect::ReadAudit`)
//! when the pane opens (with verification) and on every slow tick (without), and hands the
//! result over with [`AuditViewer::set_snapshot`].

use std::any::Any;

use crossterm::event::KeyEvent;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Edit, Handled, Pane, PaneCtx, Request, edit_line};
use crate::action::Action;
use crate::audit::read::{Entry, Snapshot};
use crate::keymap::Layer;

/// How many of the newest records the viewer keeps.
pub const KEPT: usize = 5000;

/// The viewer's state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditViewer {
    pub snapshot: Option<Snapshot>,
    /// The filter line.
    pub filter: String,
    pub cursor: usize,
    /// Index into the filtered records.
    pub selected: usize,
    /// The selection stays on the newest record as records arrive.
    pub follow: bool,
    /// The selected record is open.
    pub detail: bool,
}

impl AuditViewer {
    pub fn new() -> Self {
        AuditViewer {
            follow: true,
            ..AuditViewer::default()
        }
    }

    /// New records read by the runtime; the verification state is kept when this read did
    /// not verify.
    pub fn set_snapshot(&mut self, mut snap: Snapshot) {
        if snap.verification.is_none() {
            snap.verification = self.snapshot.as_ref().and_then(|s| s.verification.clone());
        }
        self.snapshot = Some(snap);
        let n = self.visible().len();
        if self.follow || self.selected >= n {
            self.selected = n.saturating_sub(1);
        }
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

    fn move_by(&mut self, delta: isize) {
        let n = self.visible().len();
        if n == 0 {
            return;
        }
        let to = self.selected.saturating_add_signed(delta).min(n - 1);
        self.selected = to;
        self.follow = to == n - 1;
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
                self.follow = true;
                Handled::Kept
            }
            Edit::Moved => Handled::Kept,
            Edit::NotText => Handled::No,
        }
    }

    fn action(&mut self, action: &Action, _ctx: &PaneCtx) -> Handled {
        match action {
            Action::SelectPrev => self.move_by(-1),
            Action::SelectNext => self.move_by(1),
            Action::PagePrev => self.move_by(-20),
            Action::PageNext => self.move_by(20),
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
            total: entries.len(),
            entries,
            verification: None,
            error: None,
        }
    }

    #[test]
    fn follows_new_records_filters_and_keeps_the_verification() {
        let mut v = AuditViewer::new();
        let mut s = snap(vec![entry(1, "aid", "a", ""), entry(2, "screen", "a", "")]);
        s.verification = Some("verified through w0 seq 2".into());
        v.set_snapshot(s);
        assert_eq!(v.selected, 1);
        v.set_snapshot(snap(vec![
            entry(1, "aid", "a", ""),
            entry(2, "screen", "a", ""),
            entry(3, "aid", "b", r#","key":"PF3""#),
        ]));
        // Followed to the new record; the verification of the earlier read is kept.
        assert_eq!(v.selected, 2);
        assert_eq!(
            v.snapshot.as_ref().unwrap().verification.as_deref(),
            Some("verified through w0 seq 2")
        );
        // Moving up stops following.
        v.action(&Action::SelectPrev, &ctx_dummy());
        assert!(!v.follow);
        v.set_snapshot(snap(vec![
            entry(1, "aid", "a", ""),
            entry(2, "screen", "a", ""),
            entry(3, "aid", "b", ""),
            entry(4, "aid", "b", ""),
        ]));
        assert_eq!(v.selected, 1);
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
            vec![crate::app::Effect::ReadAudit { verify: true }]
        );
        assert!(app.pane_as::<AuditViewer>().is_some());
        // The slow tick asks for new records (without verifying again).
        let effects = app.handle_event(crate::app::Event::Tick, now);
        assert!(effects.contains(&crate::app::Effect::ReadAudit { verify: false }));
        let mut s = snap(vec![entry(1, "aid", "a", "")]);
        s.verification = Some("verified through w0 seq 1".into());
        app.handle_event(crate::app::Event::AuditRead(Box::new(s)), now);
        let v = app.pane_as::<AuditViewer>().unwrap();
        assert_eq!(v.visible().len(), 1);
        // Esc closes it.
        app.handle_event(
            crate::app::Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            now,
        );
        assert!(app.pane_as::<AuditViewer>().is_none());
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
