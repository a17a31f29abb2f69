//! What the last frame put where (the screen's origin and size, the tab bar's hit areas),
//! and the selection rectangle the operator dragged (app state; the screen view borrows it).
//!
//! The draw step fills [`LastFrame`]; the mouse handling reads it to map terminal cells back
//! to host positions and tabs. Nothing here draws or does I/O.

use ratatui::layout::Rect;

use crate::proto::Position;

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

/// A rectangle between two host positions, inclusive, in any order (mouse drag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selection {
    pub anchor: Position,
    pub head: Position,
}

impl Selection {
    /// The top-left and bottom-right corners.
    pub fn corners(&self) -> (Position, Position) {
        (
            Position::new(
                self.anchor.row.min(self.head.row),
                self.anchor.col.min(self.head.col),
            ),
            Position::new(
                self.anchor.row.max(self.head.row),
                self.anchor.col.max(self.head.col),
            ),
        )
    }

    /// Whether `p` is inside the rectangle.
    pub fn contains(&self, p: Position) -> bool {
        let (tl, br) = self.corners();
        (tl.row..=br.row).contains(&p.row) && (tl.col..=br.col).contains(&p.col)
    }
}
