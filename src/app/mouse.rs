//! The mouse: click to move the cursor (or press a `PFn=` / `PAn` label the host wrote),
//! drag to select a rectangle (copied on release), click a tab to show it, wheel to pan.
//!
//! Part of `impl App`. Terminal cells are mapped to host positions through
//! [`LastFrame`](crate::app::LastFrame), which the last draw filled; nothing here does I/O.

use std::time::Instant;

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use crate::action::Action;
use crate::app::{App, Effect, Selection};
use crate::proto::{Key, Position};

impl App {
    pub(crate) fn handle_mouse(&mut self, m: MouseEvent, now: Instant) -> Vec<Effect> {
        if self.pane.is_some() {
            return Vec::new();
        }
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                self.status = None;
                if let Some(i) = self.last_frame.tab_at(m.column, m.row) {
                    self.switch_to(i);
                    return Vec::new();
                }
                let pos = self.host_pos(m.column, m.row);
                if let Some(tab) = self.active_tab_mut() {
                    tab.selection = None;
                }
                self.drag = pos.map(|p| (p, false));
                Vec::new()
            }
            MouseEventKind::Drag(MouseButton::Left) => {
                let Some((anchor, _)) = self.drag else {
                    return Vec::new();
                };
                let Some(head) = self.host_pos_clamped(m.column, m.row) else {
                    return Vec::new();
                };
                self.drag = Some((anchor, true));
                if let Some(tab) = self.active_tab_mut() {
                    tab.selection = Some(Selection { anchor, head });
                }
                Vec::new()
            }
            MouseEventKind::Up(MouseButton::Left) => {
                let Some((pos, dragged)) = self.drag.take() else {
                    return Vec::new();
                };
                if dragged {
                    return self.copy_selection();
                }
                self.click(pos, now)
            }
            MouseEventKind::ScrollUp => self.update(Action::PanUp, now),
            MouseEventKind::ScrollDown => self.update(Action::PanDown, now),
            MouseEventKind::ScrollLeft => self.update(Action::PanLeft, now),
            MouseEventKind::ScrollRight => self.update(Action::PanRight, now),
            _ => Vec::new(),
        }
    }

    /// A click on the screen: a key label the host wrote sends that key, anywhere else the
    /// cursor moves there.
    fn click(&mut self, pos: Position, now: Instant) -> Vec<Effect> {
        let Some(tab) = self.active_tab() else {
            return Vec::new();
        };
        let screen = tab.session().screen();
        let key = match crate::ui::text::hotspot_at(screen, pos, tab.session().code_page()) {
            Some(aid) => Key::Aid(aid),
            None => Key::MoveCursor {
                row: pos.row,
                col: pos.col,
            },
        };
        self.update(Action::Key(key), now)
    }

    /// Copy the selection and keep it shown until the next key or click.
    fn copy_selection(&mut self) -> Vec<Effect> {
        let Some(tab) = self.active_tab() else {
            return Vec::new();
        };
        let Some(sel) = tab.selection else {
            return Vec::new();
        };
        let text =
            crate::ui::text::selection_text(tab.session().screen(), sel, tab.session().code_page());
        let (tl, br) = sel.corners();
        self.set_status(format!(
            "copied {}x{} characters",
            br.col - tl.col + 1,
            br.row - tl.row + 1
        ));
        self.audit_copy(text.chars().count(), true);
        vec![Effect::Copy(text)]
    }

    fn host_pos(&self, col: u16, row: u16) -> Option<Position> {
        let dims = self.active_tab()?.session().screen().dims();
        self.last_frame.to_host(col, row, dims)
    }

    /// Like `host_pos`, but a drag past the screen's edge sticks to the edge.
    fn host_pos_clamped(&self, col: u16, row: u16) -> Option<Position> {
        let dims = self.active_tab()?.session().screen().dims();
        let area = self.last_frame.screen_area?;
        let col = col.clamp(area.x, area.right().saturating_sub(1));
        let row = row.clamp(area.y, area.bottom().saturating_sub(1));
        let pos = self.last_frame.to_host(col, row, dims)?;
        Some(pos)
    }
}
