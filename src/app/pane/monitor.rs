//! The session monitor pane (`show-monitor`, Alt-M): one row per tab with its state in
//! x3270's words and the driver's measured figures, sortable, with a detail view of one
//! session.
//!
//! It owns only the view state (selection, sort column and direction, table or detail); the
//! rows are built from the tabs each time it draws or takes a key ([`PaneCtx::sessions`]),
//! so it never shows a figure older than the last frame, and the App bounds how often a
//! frame is drawn while it is open (`App::next_deadline`). Keys: the monitor layer's
//! movement, `accept` (go to the tab) and `cancel` (back, then close); its own `d` (detail),
//! `s` (sort by the next column) and `r` (reverse), which no keymap names.

use std::any::Any;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{Handled, Pane, PaneCtx, Request, moved};
use crate::action::Action;
use crate::app::Tab;
use crate::app::health::{Health, endpoint_of};
use crate::keymap::Layer;
use crate::ui::monitor::{
    Column, Detail, EndpointRow, MonitorRow, TableView, draw_detail, draw_endpoints, draw_monitor,
    sort_rows,
};

/// The monitor's view state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Monitor {
    /// The selected row, in sorted order.
    pub selected: usize,
    pub sort: Column,
    pub descending: bool,
    /// The selected session's detail instead of the table.
    pub detail: bool,
    /// The endpoints table instead of the sessions.
    pub endpoints: bool,
}

impl Default for Monitor {
    fn default() -> Self {
        Monitor {
            selected: 0,
            sort: Column::Name,
            descending: false,
            detail: false,
            endpoints: false,
        }
    }
}

/// Each tab's index and row, sorted as the monitor shows them.
pub fn rows(ctx: &PaneCtx, sort: Column, descending: bool) -> Vec<(usize, MonitorRow)> {
    let long_aid = ctx.config.ui.long_aid;
    let mut rows: Vec<(usize, MonitorRow)> = ctx
        .sessions
        .iter()
        .enumerate()
        .map(|(i, tab)| (i, row(tab, ctx.now, long_aid)))
        .collect();
    sort_rows(&mut rows, sort, descending);
    rows
}

/// One tab's row at `now`.
pub fn row(tab: &Tab, now: Option<Instant>, long_aid: Duration) -> MonitorRow {
    let state = tab.monitor_state(now);
    let since = match (tab.since, now) {
        (Some(at), Some(now)) => Some(now.saturating_duration_since(at)),
        _ => None,
    };
    MonitorRow::new(
        &tab.name,
        &tab.profile.host_spec().to_string(),
        state,
        since,
        &tab.driver().stats(),
        long_aid,
    )
}

/// Every endpoint of the profiles in use, as the endpoints table shows it.
pub fn endpoint_rows(ctx: &PaneCtx) -> Vec<EndpointRow> {
    let ago = |at: Instant| {
        ctx.now
            .map_or(Duration::ZERO, |n| n.saturating_duration_since(at))
    };
    ctx.endpoints
        .iter()
        .map(|(endpoint, e)| EndpointRow {
            endpoint: endpoint.clone(),
            profiles: e.profiles.join(", "),
            health: if e.check.is_none() {
                "not probed".to_owned()
            } else {
                e.health.word().to_owned()
            },
            last_probe: e.last_probe.map(|(at, lat)| (ago(at), lat)),
            last_error: e
                .last_error
                .as_ref()
                .filter(|_| e.health == Health::Down)
                .map(|(why, since)| (why.clone(), ago(*since))),
            sessions: ctx
                .sessions
                .iter()
                .filter(|t| t.conn.is_connected() && endpoint_of(t) == *endpoint)
                .count(),
        })
        .collect()
}

impl Monitor {
    /// The tab index of the selected row.
    fn selected_tab(&self, ctx: &PaneCtx) -> Option<usize> {
        let rows = rows(ctx, self.sort, self.descending);
        rows.get(self.selected.min(rows.len().saturating_sub(1)))
            .map(|(i, _)| *i)
    }
}

impl Pane for Monitor {
    fn layer(&self) -> Layer {
        Layer::Monitor
    }

    fn key(&mut self, key: &KeyEvent, _ctx: &PaneCtx) -> Handled {
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return Handled::No;
        }
        match key.code {
            KeyCode::Char('e') => {
                self.endpoints = !self.endpoints;
                self.detail = false;
            }
            KeyCode::Char('d') => {
                self.detail = !self.detail;
                self.endpoints = false;
            }
            KeyCode::Char('s') if !self.detail => {
                self.sort = self.sort.next();
                self.descending = false;
            }
            KeyCode::Char('r') if !self.detail => self.descending = !self.descending,
            _ => return Handled::No,
        }
        Handled::Kept
    }

    fn action(&mut self, action: &Action, ctx: &PaneCtx) -> Handled {
        match action {
            Action::Cancel if self.detail || self.endpoints => {
                self.detail = false;
                self.endpoints = false;
                Handled::Kept
            }
            Action::Cancel => Handled::Close,
            Action::Accept => match self.selected_tab(ctx) {
                Some(i) => Handled::Ask(Request::Run(Action::SwitchTab(i + 1))),
                None => Handled::Kept,
            },
            other => match moved(self.selected, ctx.sessions.len(), other) {
                Some(s) => {
                    self.selected = s;
                    Handled::Kept
                }
                None => Handled::No,
            },
        }
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, ctx: &PaneCtx) {
        if self.endpoints {
            draw_endpoints(buf, area, &endpoint_rows(ctx), ctx.theme);
            return;
        }
        let rows = rows(ctx, self.sort, self.descending);
        let selected = self.selected.min(rows.len().saturating_sub(1));
        if self.detail
            && let Some((i, row)) = rows.get(selected)
            && let Some(tab) = ctx.sessions.get(*i)
        {
            let snapshot = tab.driver().stats();
            let ago = |at: Option<Instant>| match (at, ctx.now) {
                (Some(at), Some(now)) => Some(now.saturating_duration_since(at)),
                _ => None,
            };
            let dims = tab.session().screen().dims();
            let detail = Detail {
                row,
                snapshot: &snapshot,
                model: tab.profile.terminal_config().terminal_type(),
                rows: dims.rows,
                cols: dims.cols,
                connected_ago: ago(snapshot.link.connected_at),
                first_byte_ago: ago(snapshot.session.first_byte_at),
                balance: tab.balance_note.clone(),
                recent: tab.driver().recent_responses().collect(),
                failover: tab
                    .failover
                    .as_ref()
                    .map(|(what, at)| (what.clone(), ago(Some(*at)).unwrap_or_default())),
                last_error: tab
                    .driver()
                    .host_errors()
                    .last()
                    .map(ToString::to_string)
                    .or_else(|| tab.last_error.clone()),
            };
            draw_detail(buf, area, &detail, ctx.theme);
            return;
        }
        let only_rows: Vec<MonitorRow> = rows.into_iter().map(|(_, r)| r).collect();
        let view = TableView {
            rows: &only_rows,
            selected,
            sort: self.sort,
            descending: self.descending,
        };
        draw_monitor(buf, area, &view, ctx.theme);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
