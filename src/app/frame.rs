//! What the last frame put where (the screen's origin and size, the tab bar's hit areas),
//! and the selection rectangle (the views' type, re-exported).
//!
//! The draw step fills [`LastFrame`]; the mouse handling reads it to map terminal cells back
//! to host positions and tabs. Nothing here draws or does I/O.

use ratatui::layout::Rect;

use crate::proto::Position;

pub use crate::ui::screen::Selection;

/// Where the last draw put things, in terminal cells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LastFrame {
    /// The cells showing the 3270 screen; `None` when no screen was drawn.
    pub screen_area: Option<Rect>,
    /// The host position shown in the screen area's top-left cell (non-zero when panned).
    pub screen_origin: Position,
    /// The tab bar's click targets: (area, tab index).
    pub tab_hits: Vec<(Rect, usize)>,
}

impl LastFrame {
    /// The host position under a terminal cell, if the cell shows the screen.
    pub fn to_host(&self, col: u16, row: u16, dims: crate::proto::Dimensions) -> Option<Position> {
        let area = self.screen_area?;
        if col < area.x || row < area.y || col >= area.right() || row >= area.bottom() {
            return None;
        }
        let pos = Position::new(
            row - area.y + self.screen_origin.row,
            col - area.x + self.screen_origin.col,
        );
        (pos.row < dims.rows && pos.col < dims.cols).then_some(pos)
    }

    /// The tab whose label is under a terminal cell.
    pub fn tab_at(&self, col: u16, row: u16) -> Option<usize> {
        self.tab_hits
            .iter()
            .find(|(r, _)| col >= r.x && col < r.right() && row >= r.y && row < r.bottom())
            .map(|(_, i)| *i)
    }
}
