//! The whole frame from the app's state: the tab bar, the active screen, the status line,
//! the OIA and the focused pane, composed from the views in `crate::ui`.
//!
//! The views only borrow; this composition records where the screen and the tabs landed in
//! [`LastFrame`](crate::app::LastFrame) so the app can map mouse positions. Whatever pane has
//! the focus draws itself through [`Pane::draw`](crate::app::Pane::draw): a new pane needs
//! nothing here.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::{App, ConnState, LastFrame, Tab};
use crate::proto::{Dimensions, Mode, Position};
use crate::ui;
use crate::ui::oia::OiaStatus;
use crate::ui::screen::ScreenOptions;
use crate::ui::tabs::{TabInfo, TabState};

/// Draw one frame and remember where things went.
pub fn draw(frame: &mut Frame, app: &mut App) {
    let area = frame.area();
    let (last, cursor) = draw_into(frame.buffer_mut(), area, app);
    app.last_frame = last;
    if let Some((x, y)) = cursor {
        frame.set_cursor_position((x, y));
    }
}

/// The rows of the frame: tab bar, screen, status line, OIA.
struct Rows {
    tabs: Option<Rect>,
    screen: Rect,
    status: Option<Rect>,
    oia: Option<Rect>,
    /// The OIA has no row of its own: `oia` is the screen's last row, drawn over only while
    /// the OIA has something to say (or the operator pinned it).
    folded: bool,
}

/// When the host screen fits the terminal exactly, with no row to spare (a 24x80 screen in
/// the classic 80x24 window), the host screen gets every row: the tab bar and the OIA fold
/// away, as c3270 drops its status line there, because the last rows are where
/// applications put their PF-key legend and messages. Otherwise the OIA always gets a row;
/// the tab bar when there is room to spare, or with several tabs when the screen must be
/// panned anyway; the status line only when the host screen still fits without it (a
/// passing message must not shrink the screen). A status message with no row of its own is
/// drawn over the OIA.
fn rows(area: Rect, screen: Dimensions, tabs: usize) -> Rows {
    let screen_rows = screen.rows;
    if area.height == screen_rows && area.width >= screen.cols && area.height > 1 {
        return Rows {
            tabs: None,
            screen: area,
            status: None,
            oia: Some(Rect::new(area.x, area.bottom() - 1, area.width, 1)),
            folded: true,
        };
    }
    let mut y = area.y;
    let mut h = area.height;
    let take = |want: bool, h: &mut u16| {
        if want && *h > 1 {
            *h -= 1;
            true
        } else {
            false
        }
    };
    let oia = take(true, &mut h);
    let tab_bar = take(h > screen_rows || (tabs > 1 && h < screen_rows), &mut h);
    let status = take(h > screen_rows, &mut h);
    let tabs_rect = tab_bar.then(|| {
        let r = Rect::new(area.x, y, area.width, 1);
        y += 1;
        r
    });
    let screen = Rect::new(area.x, y, area.width, h);
    let mut below = y + h;
    let status_rect = status.then(|| {
        let r = Rect::new(area.x, below, area.width, 1);
        below += 1;
        r
    });
    let oia_rect = oia.then(|| Rect::new(area.x, below, area.width, 1));
    Rows {
        tabs: tabs_rect,
        screen,
        status: status_rect,
        oia: oia_rect,
        folded: false,
    }
}

/// Whether a folded OIA must show: the keyboard is locked (an operator error included), the
/// alarm sounded, or the session is not simply connected.
fn oia_has_news(tab: &Tab) -> bool {
    let oia = tab.session().oia();
    oia.lock.is_some()
        || oia.alarm
        || tab.reconnect.is_some()
        || !matches!(tab.conn, ConnState::Connected)
}

fn tab_state(tab: &Tab) -> TabState {
    match &tab.conn {
        ConnState::Connecting => TabState::Connecting,
        ConnState::Disconnected(_) if tab.badges.error => TabState::Error,
        ConnState::Disconnected(_) => TabState::Disconnected,
        ConnState::Connected => match tab.session().mode() {
            Mode::Nvt | Mode::Tn3270eNvt => TabState::Nvt,
            _ if tab.session().is_locked() => TabState::Locked,
            _ => TabState::Connected,
        },
    }
}

fn conn_state(tab: &Tab) -> ui::oia::ConnState {
    if let Some(r) = tab.reconnect {
        return ui::oia::ConnState::Reconnecting { attempt: r.attempt };
    }
    match &tab.conn {
        ConnState::Connecting => ui::oia::ConnState::Connecting,
        ConnState::Connected => ui::oia::ConnState::Connected,
        ConnState::Disconnected(why) => ui::oia::ConnState::Disconnected(why.clone()),
    }
}

/// Draw into a buffer (the frame's, or a test's); returns where things went and where the
/// terminal cursor belongs.
pub(crate) fn draw_into(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
) -> (LastFrame, Option<(u16, u16)>) {
    let theme = app.theme();
    let mut last = LastFrame::default();
    let mut cursor = None;
    let status = app
        .status()
        .map(str::to_owned)
        .or_else(|| app.active_tab().and_then(|t| t.last_error.clone()));
    let dims = app
        .active_tab()
        .map_or(Dimensions::new(24, 80), |t| t.session().screen().dims());
    let mut r = rows(area, dims, app.tabs().len());
    if r.folded {
        let show =
            app.oia_pinned() || status.is_some() || app.active_tab().is_none_or(oia_has_news);
        if !show {
            r.oia = None;
        }
    }
    if let Some(bar) = r.tabs {
        let infos: Vec<TabInfo> = app
            .tabs()
            .iter()
            .map(|t| TabInfo {
                name: &t.name,
                state: tab_state(t),
                badges: t.badges,
            })
            .collect();
        last.tab_hits = ui::tabs::draw_tabs(buf, bar, &infos, app.active_index(), theme);
    }
    let pane = app.pane();
    if let Some(tab) = app.active_tab() {
        let opts = ScreenOptions {
            crosshair: app.crosshair(),
            selection: tab.selection,
            pan: tab.pan,
            blink_on: app.blink_on(),
            focused: pane.is_none(),
            code_page: tab.session().code_page(),
        };
        let layout = ui::screen::draw_screen(buf, r.screen, tab.session().screen(), theme, &opts);
        if tab.paused {
            // A paused tab keeps its last screen, dimmed: it is not live.
            buf.set_style(
                layout.view(),
                Style::new().add_modifier(ratatui::style::Modifier::DIM),
            );
        }
        last.screen_area = Some(layout.view());
        let (row, col) = layout.origin();
        last.screen_origin = Position::new(row, col);
        if pane.is_none() {
            cursor = layout.cursor();
        }
        if let Some(oia) = r.oia {
            let host = tab.profile.host_spec().to_string();
            let macro_state = app.macro_state(tab);
            let status = OiaStatus {
                macro_state: macro_state.as_deref(),
                oia: tab.session().oia(),
                connection: conn_state(tab),
                host: &host,
            };
            ui::oia::draw_oia(buf, oia, &status, theme);
        }
    } else {
        buf.set_style(r.screen, Style::new().bg(theme.background.0));
    }
    if let (Some(line), Some(text)) = (r.status.or(r.oia), status) {
        let style = Style::new().fg(theme.oia_warning.0).bg(theme.oia_bg.0);
        buf.set_style(line, style);
        buf.set_stringn(line.x, line.y, text, usize::from(line.width), style);
    }
    if let Some(pane) = pane {
        pane.draw(buf, area, &app.pane_ctx());
    }
    (last, cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_give_the_host_screen_its_rows_first() {
        let layout = |h: u16, tabs| rows(Rect::new(0, 0, 80, h), Dimensions::new(24, 80), tabs);
        // 80x24, the classic window: every row is the host's; the OIA folds over the last.
        for tabs in [1, 3] {
            let classic = layout(24, tabs);
            assert_eq!(
                (classic.tabs, classic.screen, classic.status, classic.folded),
                (None, Rect::new(0, 0, 80, 24), None, true)
            );
            assert_eq!(classic.oia, Some(Rect::new(0, 23, 80, 1)));
        }
        // 80x25: the screen and the OIA only.
        let tall25 = layout(25, 1);
        assert_eq!(
            (tall25.tabs, tall25.screen.height, tall25.status),
            (None, 24, None)
        );
        assert_eq!(tall25.oia, Some(Rect::new(0, 24, 80, 1)));
        // One more row: the tab bar; two more: the status line too.
        let tall26 = layout(26, 1);
        assert_eq!(
            (tall26.tabs.is_some(), tall26.screen.height, tall26.status),
            (true, 24, None)
        );
        let tall27 = layout(27, 1);
        assert_eq!((tall27.screen.y, tall27.screen.height), (1, 24));
        assert_eq!(tall27.status, Some(Rect::new(0, 25, 80, 1)));
        // Several tabs show the bar only where it costs the host screen no row: the host
        // screen wins when the bar would push its last row out of sight...
        let two_tabs = layout(25, 2);
        assert_eq!(
            (
                two_tabs.tabs.is_some(),
                two_tabs.screen.height,
                two_tabs.folded
            ),
            (false, 24, false)
        );
        // ...but a terminal too small for the screen anyway (it is panned) keeps the bar.
        let small = layout(20, 2);
        assert_eq!((small.tabs.is_some(), small.screen.height), (true, 18));
    }
}
