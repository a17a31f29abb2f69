//! Drawing the 3270 presentation space into a ratatui [`Buffer`], and the geometry that maps
//! terminal cells to host positions and back.
//!
//! The view owns the look of a screen: colours through the [`Theme`], extended highlighting,
//! field outlining, the cursor, the crosshair, the selection and the "terminal too small"
//! notice. It must not change the screen, the cursor or any app state: the pan offset, the
//! blink phase and the selection come in through [`ScreenOptions`].
//!
//! Choices that are not obvious:
//! - Blink alternates explicitly: with `blink_on` false blinking characters are drawn as
//!   blanks, so it is visible on terminals that ignore the blink attribute.
//! - Field outlining: the under line is `UNDERLINED` on the field's characters; the over line
//!   is `UNDERLINED` on the cells just above the field (the line between the two rows is
//!   where an over line is seen); left and right lines are a `│` in the attribute cells that
//!   bound the field, in the theme's outline colour. Attribute cells are otherwise blank.
//! - Non-display fields, attribute positions, nulls and control characters are blanks.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};

use crate::app::Selection;
use crate::proto::addr::{Dimensions, Position};
use crate::proto::attr::{ExtAttrs, FieldAttr, Highlight};
use crate::proto::codepage::CodePage;
use crate::proto::screen::{Screen, display_byte};
use crate::theme::Theme;

/// How to draw a screen: everything the view needs that is not in the [`Screen`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScreenOptions {
    /// Shade the cursor's row and column.
    pub crosshair: bool,
    pub selection: Option<Selection>,
    /// Host (row, col) of the top-left visible cell when the operator panned; `None` follows
    /// the cursor. Out-of-range values are clamped.
    pub pan: Option<(u16, u16)>,
    /// The blink phase; the app toggles it on a timer. In the `false` phase blinking
    /// characters are drawn blank (the default, so a caller without a timer should set it).
    pub blink_on: bool,
    /// Whether the screen has the keyboard focus (the cursor cell is drawn reversed).
    pub focused: bool,
    /// The host code page, for turning EBCDIC into characters.
    pub code_page: CodePage,
}

/// Where a host screen lands in a terminal area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScreenLayout {
    /// The terminal cells the visible part of the host screen occupies.
    view: Rect,
    /// Host (row, col) of the view's top-left cell.
    origin: (u16, u16),
    dims: Dimensions,
    /// The terminal area given, for the notice.
    area: Rect,
    too_small: bool,
    /// Whether the operator panned (the view does not follow the cursor).
    panned: bool,
    cursor: Option<(u16, u16)>,
}

/// Computes where a `dims` screen goes in `area`: centred when it fits; otherwise a notice
/// row at the top and a window on the host screen that follows `cursor`, or starts at `pan`.
pub fn layout(
    area: Rect,
    dims: Dimensions,
    cursor: Position,
    pan: Option<(u16, u16)>,
) -> ScreenLayout {
    let fits = dims.rows <= area.height && dims.cols <= area.width;
    // The notice takes one row, unless there is no room for anything else.
    let body = if fits || area.height < 2 {
        area
    } else {
        Rect::new(area.x, area.y + 1, area.width, area.height - 1)
    };
    let vis_rows = dims.rows.min(body.height);
    let vis_cols = dims.cols.min(body.width);
    let view = Rect::new(
        body.x + (body.width - vis_cols) / 2,
        body.y + (body.height - vis_rows) / 2,
        vis_cols,
        vis_rows,
    );
    let max_row = dims.rows - vis_rows;
    let max_col = dims.cols - vis_cols;
    let origin = match pan {
        Some((r, c)) => (r.min(max_row), c.min(max_col)),
        // Centre the cursor in the window, clamped to the screen's edges.
        None => (
            cursor.row.saturating_sub(vis_rows / 2).min(max_row),
            cursor.col.saturating_sub(vis_cols / 2).min(max_col),
        ),
    };
    let mut l = ScreenLayout {
        view,
        origin,
        dims,
        area,
        too_small: !fits,
        panned: pan.is_some(),
        cursor: None,
    };
    l.cursor = l.to_terminal(cursor);
    l
}

impl ScreenLayout {
    /// The host position under terminal cell (x, y), if it shows one (for the mouse).
    pub fn to_host(&self, x: u16, y: u16) -> Option<Position> {
        let v = self.view;
        if x < v.x || y < v.y || x >= v.x + v.width || y >= v.y + v.height {
            return None;
        }
        Some(Position::new(
            self.origin.0 + (y - v.y),
            self.origin.1 + (x - v.x),
        ))
    }

    /// The terminal cell showing host position `p`, if it is visible.
    pub fn to_terminal(&self, p: Position) -> Option<(u16, u16)> {
        let (r0, c0) = self.origin;
        if p.row < r0 || p.col < c0 {
            return None;
        }
        let (dr, dc) = (p.row - r0, p.col - c0);
        if dr >= self.view.height || dc >= self.view.width {
            return None;
        }
        Some((self.view.x + dc, self.view.y + dr))
    }

    /// Whether the terminal area is smaller than the host screen.
    pub fn too_small(&self) -> bool {
        self.too_small
    }

    /// Host (row, col) at the top-left of the view.
    pub fn origin(&self) -> (u16, u16) {
        self.origin
    }

    /// Where the terminal cursor goes (the host cursor), if it is visible.
    pub fn cursor(&self) -> Option<(u16, u16)> {
        self.cursor
    }

    /// The terminal cells showing the host screen.
    pub fn view(&self) -> Rect {
        self.view
    }

    /// The host screen size this layout is for.
    pub fn dims(&self) -> Dimensions {
        self.dims
    }

    /// The plain-words notice shown when the screen does not fit: the longest wording that
    /// fits the area's width (the shortest is cut at the edge when even it does not).
    pub fn notice(&self) -> Option<String> {
        if !self.too_small {
            return None;
        }
        let (r0, c0) = self.origin;
        let (r1, c1) = (r0 + self.view.height, c0 + self.view.width);
        let (hr, hc, tr, tc) = (
            self.dims.rows,
            self.dims.cols,
            self.area.height,
            self.area.width,
        );
        let how = if self.panned {
            "panned (pan-up/down/left/right; cancel follows the cursor again)"
        } else {
            "the view follows the cursor (pan with pan-up/down/left/right)"
        };
        let short_how = if self.panned {
            "panned"
        } else {
            "follows the cursor"
        };
        let long = format!(
            "Host screen {hr}x{hc} does not fit in {tr}x{tc}: showing rows {}-{r1}, \
             columns {}-{c1}; {how}",
            r0 + 1,
            c0 + 1
        );
        let medium = format!(
            "Screen {hr}x{hc} > {tr}x{tc}: rows {}-{r1}, cols {}-{c1}, {short_how}",
            r0 + 1,
            c0 + 1
        );
        let short = format!(
            "Too small for {hr}x{hc}: rows {}-{r1}, cols {}-{c1}",
            r0 + 1,
            c0 + 1
        );
        let tiny = format!(
            "{hr}x{hc} in {tr}x{tc}: rows {}-{r1} cols {}-{c1}",
            r0 + 1,
            c0 + 1
        );
        // In a very narrow window a cut-off figure would mislead ("24x80 in 4"); a plain
        // word says it all.
        let width = usize::from(self.area.width);
        Some(
            [long, medium, short, tiny, "Too small".to_owned()]
                .into_iter()
                .find(|t| t.chars().count() <= width)
                .unwrap_or_else(|| "small".to_owned()),
        )
    }
}

/// The colours and modifiers of one character, before selection, crosshair and cursor.
#[derive(Clone, Copy)]
struct Look {
    fg: Color,
    bg: Color,
    modifier: Modifier,
    /// Blinking and currently in the "off" phase: drawn blank.
    hidden: bool,
}

/// The look of a character with field attribute `fa` and field/character extended
/// attributes; character attributes override the field's.
fn look(theme: &Theme, fa: FieldAttr, field: ExtAttrs, ch: ExtAttrs, blink_on: bool) -> Look {
    let highlight = match ch.highlighting() {
        Highlight::Default => field.highlighting(),
        h => h,
    };
    let intensify = highlight == Highlight::Intensify;
    let fg = match ch.color().or_else(|| field.color()) {
        Some(c) => theme.host(c),
        None => theme.base(fa.is_protected(), fa.is_intensified() || intensify),
    };
    let bg = match ch.background().or_else(|| field.background()) {
        Some(c) => theme.host(c),
        None => theme.background.0,
    };
    let mut modifier = Modifier::empty();
    let (mut fg, mut bg) = (fg, bg);
    let mut hidden = false;
    match highlight {
        Highlight::Reverse => std::mem::swap(&mut fg, &mut bg),
        Highlight::Underscore => modifier |= Modifier::UNDERLINED,
        Highlight::Intensify => modifier |= Modifier::BOLD,
        Highlight::Blink => hidden = !blink_on,
        Highlight::Default | Highlight::Normal => {}
    }
    if field.outline & OUTLINE_UNDER != 0 {
        modifier |= Modifier::UNDERLINED;
    }
    Look {
        fg,
        bg,
        modifier,
        hidden,
    }
}

/// Field outlining bits (GA23-0059 "Field Outlining").
const OUTLINE_UNDER: u8 = 0x01;
const OUTLINE_RIGHT: u8 = 0x02;
const OUTLINE_OVER: u8 = 0x04;
const OUTLINE_LEFT: u8 = 0x08;

/// Draws `screen` into `area` of `buf` and returns the layout (mouse mapping, cursor).
pub fn draw_screen(
    buf: &mut Buffer,
    area: Rect,
    screen: &Screen,
    theme: &Theme,
    opts: &ScreenOptions,
) -> ScreenLayout {
    let area = area.intersection(buf.area);
    let dims = screen.dims();
    let cursor = screen.cursor_position();
    let l = layout(area, dims, cursor, opts.pan);
    let background = theme.background.0;
    // Cells around the view are cleared here; every cell inside it is written by the walk
    // below (clearing those too cost a fifth of the frame).
    clear_around(buf, area, l.view, background);
    if let Some(notice) = l.notice() {
        draw_notice(buf, area, &notice, theme);
    }

    let cols = usize::from(dims.cols.max(1));
    let (r0, c0) = l.origin;
    let (r1, c1) = (r0 + l.view.height, c0 + l.view.width);
    // Cells before the first attribute belong to the last field: the buffer wraps.
    let last_fa = screen
        .cells()
        .rev()
        .find(crate::proto::screen::Cell::is_field_attr);
    let mut fa = last_fa
        .and_then(|c| c.attr())
        .unwrap_or(FieldAttr::from_byte(0));
    let mut field_ext = last_fa.map(|c| c.ext).unwrap_or_default();
    // Over lines are drawn after the walk, onto the row above; most screens have none.
    let mut over: Vec<(u16, u16)> = Vec::new();
    let selection = opts.selection.map(|s| s.corners());
    let crosshair = if opts.crosshair {
        Some(theme.crosshair.0)
    } else {
        None
    };

    let (mut row, mut col) = (0u16, 0u16);
    for cell in screen.cells() {
        // Row and column advance by counting, not dividing, on every cell.
        if usize::from(col) == cols {
            col = 0;
            row += 1;
        }
        col += 1;
        let col = col - 1;
        let visible = row >= r0 && row < r1 && col >= c0 && col < c1;
        if let Some(new_fa) = cell.attr() {
            let closes_right = field_ext.outline & OUTLINE_RIGHT != 0;
            fa = new_fa;
            field_ext = cell.ext;
            if !visible {
                continue;
            }
            let opens_left = field_ext.outline & OUTLINE_LEFT != 0;
            let (x, y) = (l.view.x + col - c0, l.view.y + row - r0);
            let Some(c) = buf.cell_mut((x, y)) else {
                continue;
            };
            c.reset();
            c.bg = background;
            if closes_right || opens_left {
                c.set_char('│');
                c.fg = theme.outline.0;
            }
            paint_overlays(
                c,
                row,
                col,
                cursor,
                selection,
                crosshair,
                theme,
                opts.focused,
            );
            continue;
        }
        if field_ext.outline & OUTLINE_OVER != 0 && row > 0 {
            over.push((row - 1, col));
        }
        if !visible {
            continue;
        }
        let lk = look(theme, fa, field_ext, cell.ext, opts.blink_on);
        let ch = if fa.is_non_display() || lk.hidden {
            ' '
        } else {
            display_byte(cell.byte(), cell.is_ge(), opts.code_page)
        };
        let (x, y) = (l.view.x + col - c0, l.view.y + row - r0);
        let Some(c) = buf.cell_mut((x, y)) else {
            continue;
        };
        c.set_char(ch);
        c.fg = lk.fg;
        c.bg = lk.bg;
        c.modifier = lk.modifier;
        paint_overlays(
            c,
            row,
            col,
            cursor,
            selection,
            crosshair,
            theme,
            opts.focused,
        );
    }
    draw_over_lines(buf, &l, &over);
    l
}

/// Clears the cells of `area` outside `view` to the background.
fn clear_around(buf: &mut Buffer, area: Rect, view: Rect, background: Color) {
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if view.contains((x, y).into()) {
                continue;
            }
            if let Some(c) = buf.cell_mut((x, y)) {
                c.reset();
                c.bg = background;
            }
        }
    }
}

/// The too-small notice on the top row of `area`, cut to its width.
fn draw_notice(buf: &mut Buffer, area: Rect, notice: &str, theme: &Theme) {
    for (x, ch) in (area.x..).zip(notice.chars().take(usize::from(area.width))) {
        if let Some(c) = buf.cell_mut((x, area.y)) {
            c.set_char(ch);
            c.fg = theme.oia_warning.0;
            c.bg = theme.oia_bg.0;
        }
    }
}

/// Over lines (field outlining), as an underline on the row above each marked cell, where
/// that row is in view.
fn draw_over_lines(buf: &mut Buffer, l: &ScreenLayout, over: &[(u16, u16)]) {
    for &(row, col) in over {
        if let Some((x, y)) = l.to_terminal(Position::new(row, col))
            && let Some(c) = buf.cell_mut((x, y))
        {
            c.modifier |= Modifier::UNDERLINED;
        }
    }
}

/// Selection, crosshair and cursor, on top of a drawn cell.
#[allow(clippy::too_many_arguments)]
fn paint_overlays(
    c: &mut ratatui::buffer::Cell,
    row: u16,
    col: u16,
    cursor: Position,
    selection: Option<(Position, Position)>,
    crosshair: Option<Color>,
    theme: &Theme,
    focused: bool,
) {
    if let Some((tl, br)) = selection
        && (tl.row..=br.row).contains(&row)
        && (tl.col..=br.col).contains(&col)
    {
        c.fg = theme.selection_fg.0;
        c.bg = theme.selection_bg.0;
    } else if let Some(shade) = crosshair
        && (row == cursor.row || col == cursor.col)
    {
        c.bg = shade;
    }
    if focused && row == cursor.row && col == cursor.col {
        c.modifier |= Modifier::REVERSED;
    }
}
