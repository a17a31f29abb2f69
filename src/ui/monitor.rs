//! The session monitor's view: the sessions table and one session's detail, drawn from
//! figures the driver measured ([`Snapshot`]) and nothing else.
//!
//! [`MonitorRow::new`] turns a tab's snapshot and connection state into one row of plain
//! values; [`sort_rows`] orders them by a [`Column`]; [`draw_monitor`] draws the table over
//! the whole area (columns that do not fit a narrow terminal are left out, least needed
//! first: the detail view has every figure), and [`draw_detail`] draws every figure of one
//! snapshot with the newest response times as a sparkline and the bucket counts.
//!
//! A figure that was not measured is shown as `-`, never as zero or a guess. This module
//! reads no clock: ages come in as durations computed by the caller from the `now` it was
//! handed.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Sparkline, Widget};

use crate::driver::Snapshot;
use crate::proto::Mode;
use crate::theme::Theme;

/// A session's state in x3270's words (`Query(ConnectionState)`), plus `paused`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SessionState {
    /// Waiting for the TCP (and direct TLS) connection.
    Connecting,
    /// Connected; telnet or TN3270E negotiation still going on.
    Negotiating,
    /// Plain TN3270 (RFC 1576).
    Connected3270,
    /// TN3270E (RFC 2355) with a bound 3270 session.
    ConnectedTn3270e,
    /// TN3270E, the SSCP-LU session (no BIND yet, or after an UNBIND).
    ConnectedSscp,
    /// NVT (line mode) data, in TN3270 or TN3270E.
    ConnectedNvt,
    /// The operator paused the session: no connection, no automatic reconnect.
    Paused,
    /// Not connected and nothing scheduled.
    Disconnected,
    /// Not connected; an automatic reconnect is due after the time given.
    Reconnecting(Duration),
}

impl SessionState {
    /// The state of a connected session in `mode`.
    pub fn connected(mode: Mode) -> Self {
        match mode {
            Mode::Negotiating => SessionState::Negotiating,
            Mode::Tn3270 => SessionState::Connected3270,
            Mode::Tn3270e => SessionState::ConnectedTn3270e,
            Mode::SscpLu => SessionState::ConnectedSscp,
            Mode::Nvt | Mode::Tn3270eNvt => SessionState::ConnectedNvt,
        }
    }

    /// The state's name (`connected-tn3270e`, `reconnecting in 4s`).
    pub fn word(self) -> String {
        match self {
            SessionState::Connecting => "connecting".into(),
            SessionState::Negotiating => "negotiating".into(),
            SessionState::Connected3270 => "connected-3270".into(),
            SessionState::ConnectedTn3270e => "connected-tn3270e".into(),
            SessionState::ConnectedSscp => "connected-sscp".into(),
            SessionState::ConnectedNvt => "connected-nvt".into(),
            SessionState::Paused => "paused".into(),
            SessionState::Disconnected => "disconnected".into(),
            SessionState::Reconnecting(wait) => {
                format!(
                    "reconnecting in {}s",
                    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
                )
            }
        }
    }

    /// A state an operator should look at: not connected (and not paused on purpose).
    pub fn is_bad(self) -> bool {
        matches!(
            self,
            SessionState::Disconnected | SessionState::Reconnecting(_)
        )
    }

    /// Order for sorting: working states first, then the ones that need attention.
    fn rank(self) -> u8 {
        match self {
            SessionState::ConnectedTn3270e => 0,
            SessionState::Connected3270 => 1,
            SessionState::ConnectedSscp => 2,
            SessionState::ConnectedNvt => 3,
            SessionState::Negotiating => 4,
            SessionState::Connecting => 5,
            SessionState::Paused => 6,
            SessionState::Reconnecting(_) => 7,
            SessionState::Disconnected => 8,
        }
    }
}

/// One session's row: plain values, copied out of its snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonitorRow {
    pub name: String,
    /// The endpoint in use (or last used; the profile's host before the first connection).
    pub endpoint: String,
    pub state: SessionState,
    /// How long the session has been in that state, when known.
    pub since: Option<Duration>,
    pub lu: Option<String>,
    /// `Some(verified)` over TLS.
    pub tls: Option<bool>,
    pub aids: u64,
    pub last: Option<Duration>,
    /// The upper bound of the bucket holding the 95th percentile.
    pub p95: Option<Duration>,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub host_errors: u64,
    pub reconnects: u32,
    /// The last response took at least `ui.long-aid`.
    pub slow: bool,
}

impl MonitorRow {
    /// The row of a session named `name` in `state` (for `since`), from its snapshot;
    /// `endpoint` is shown until a connection names one. `long_aid` marks a slow row.
    pub fn new(
        name: &str,
        endpoint: &str,
        state: SessionState,
        since: Option<Duration>,
        snap: &Snapshot,
        long_aid: Duration,
    ) -> Self {
        let r = &snap.session.response;
        MonitorRow {
            name: name.to_owned(),
            endpoint: snap
                .link
                .endpoint
                .clone()
                .unwrap_or_else(|| endpoint.to_owned()),
            state,
            since,
            lu: snap.link.lu.clone(),
            tls: snap.link.tls,
            aids: snap.session.aids.total(),
            last: r.last(),
            p95: r.quantile_bound(0.95),
            bytes_in: snap.session.bytes_in,
            bytes_out: snap.session.bytes_out,
            host_errors: snap.session.host_errors.total(),
            reconnects: snap.link.reconnects,
            slow: r.last().is_some_and(|l| l >= long_aid),
        }
    }

    /// Drawn to stand out: a bad state or a slow last response.
    pub fn stands_out(&self) -> bool {
        self.slow || self.state.is_bad()
    }
}

/// A column of the sessions table (and what it sorts by).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Name,
    Endpoint,
    State,
    Lu,
    Tls,
    Aids,
    Last,
    P95,
    BytesIn,
    BytesOut,
    Errors,
    Reconnects,
}

impl Column {
    /// Every column, in the order drawn.
    pub const ALL: [Column; 12] = [
        Column::Name,
        Column::Endpoint,
        Column::State,
        Column::Lu,
        Column::Tls,
        Column::Aids,
        Column::Last,
        Column::P95,
        Column::BytesIn,
        Column::BytesOut,
        Column::Errors,
        Column::Reconnects,
    ];

    /// Which columns a narrow terminal keeps, most needed first.
    const PRIORITY: [Column; 12] = [
        Column::Name,
        Column::State,
        Column::Last,
        Column::P95,
        Column::Aids,
        Column::Endpoint,
        Column::Errors,
        Column::BytesIn,
        Column::BytesOut,
        Column::Tls,
        Column::Lu,
        Column::Reconnects,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Column::Name => "SESSION",
            Column::Endpoint => "ENDPOINT",
            Column::State => "STATE",
            Column::Lu => "LU",
            Column::Tls => "TLS",
            Column::Aids => "AIDS",
            Column::Last => "LAST",
            Column::P95 => "P95<=",
            Column::BytesIn => "IN",
            Column::BytesOut => "OUT",
            Column::Errors => "ERR",
            Column::Reconnects => "RECN",
        }
    }

    /// The width the column takes (longer values are cut).
    fn width(self) -> u16 {
        // All twelve fit a 120-column terminal (118 inside the border).
        match self {
            Column::Name | Column::Tls => 10,
            Column::Endpoint => 15,
            Column::State => 23,
            Column::Lu => 8,
            Column::Aids => 5,
            Column::Last | Column::P95 | Column::BytesIn | Column::BytesOut => 7,
            Column::Errors | Column::Reconnects => 4,
        }
    }

    /// Numbers are right-aligned.
    fn right(self) -> bool {
        !matches!(
            self,
            Column::Name | Column::Endpoint | Column::State | Column::Lu | Column::Tls
        )
    }

    /// The next column to sort by (`s` in the monitor).
    #[must_use]
    pub fn next(self) -> Column {
        let i = Column::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Column::ALL[(i + 1) % Column::ALL.len()]
    }

    fn cell(self, row: &MonitorRow) -> String {
        match self {
            Column::Name => row.name.clone(),
            Column::Endpoint => row.endpoint.clone(),
            Column::State => match row.since {
                Some(d) => format!("{} {}", row.state.word(), age(d)),
                None => row.state.word(),
            },
            Column::Lu => row.lu.clone().unwrap_or_else(|| "-".into()),
            Column::Tls => tls_word(row.tls).into(),
            Column::Aids => row.aids.to_string(),
            Column::Last => row.last.map_or_else(|| "-".into(), short_time),
            Column::P95 => row.p95.map_or_else(|| "-".into(), short_time),
            Column::BytesIn => count(row.bytes_in),
            Column::BytesOut => count(row.bytes_out),
            Column::Errors => row.host_errors.to_string(),
            Column::Reconnects => row.reconnects.to_string(),
        }
    }

    fn compare(self, a: &MonitorRow, b: &MonitorRow) -> Ordering {
        match self {
            Column::Name => a.name.cmp(&b.name),
            Column::Endpoint => a.endpoint.cmp(&b.endpoint),
            Column::State => a.state.rank().cmp(&b.state.rank()),
            Column::Lu => a.lu.cmp(&b.lu),
            Column::Tls => a.tls.cmp(&b.tls),
            Column::Aids => a.aids.cmp(&b.aids),
            Column::Last => a.last.cmp(&b.last),
            Column::P95 => a.p95.cmp(&b.p95),
            Column::BytesIn => a.bytes_in.cmp(&b.bytes_in),
            Column::BytesOut => a.bytes_out.cmp(&b.bytes_out),
            Column::Errors => a.host_errors.cmp(&b.host_errors),
            Column::Reconnects => a.reconnects.cmp(&b.reconnects),
        }
    }
}

/// Order `rows` (with whatever each carries beside it) by `column`; ties keep tab order.
pub fn sort_rows<T>(rows: &mut [(T, MonitorRow)], column: Column, descending: bool) {
    rows.sort_by(|(_, a), (_, b)| {
        let o = column.compare(a, b);
        if descending { o.reverse() } else { o }
    });
}

/// `verified`, `unverified` or `none`.
pub fn tls_word(tls: Option<bool>) -> &'static str {
    match tls {
        Some(true) => "verified",
        Some(false) => "unverified",
        None => "none",
    }
}

/// A count as it fits a column: exact up to 9 999 999, then with a unit.
fn count(n: u64) -> String {
    if n < 10_000_000 {
        return n.to_string();
    }
    // Display only: the detail view has the exact figure.
    #[allow(clippy::cast_precision_loss)]
    let x = n as f64;
    if n < 10_000_000_000 {
        format!("{:.1}M", x / 1e6)
    } else {
        format!("{:.1}G", x / 1e9)
    }
}

/// Whole milliseconds of `d`, rounded down.
fn millis(d: Duration) -> u128 {
    d.as_millis()
}

/// A response time in a column: `12ms`, `1.25s`, `42s`; rounded down, so a shown time is
/// never more than the measured one.
pub fn short_time(d: Duration) -> String {
    let ms = millis(d);
    if ms < 1_000 {
        format!("{ms}ms")
    } else if ms < 10_000 {
        format!("{}.{:02}s", ms / 1_000, (ms % 1_000) / 10)
    } else {
        format!("{}s", ms / 1_000)
    }
}

/// A response time in the detail view: milliseconds with one decimal, rounded down.
pub fn precise_time(d: Duration) -> String {
    let tenths = d.as_micros() / 100;
    format!("{}.{} ms", tenths / 10, tenths % 10)
}

/// An age: `42s`, `3m12s`, `2h05m`, `3d04h`.
pub fn age(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else if s < 3_600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else if s < 86_400 {
        format!("{}h{:02}m", s / 3_600, (s % 3_600) / 60)
    } else {
        format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3_600)
    }
}

/// What the table shows besides the rows.
#[derive(Clone, Copy, Debug)]
pub struct TableView<'a> {
    /// The rows, already sorted.
    pub rows: &'a [MonitorRow],
    pub selected: usize,
    pub sort: Column,
    pub descending: bool,
}

fn base(theme: &Theme) -> Style {
    crate::ui::overlay::base_style(theme)
}

/// Clears `area`, draws the monitor's frame titled `title`, and returns the inside.
fn frame(buf: &mut Buffer, area: Rect, title: &str, theme: &Theme) -> Rect {
    crate::ui::overlay::framed(buf, area.intersection(buf.area), title, theme)
}

/// Writes `text` at (x, y), at most `width` columns.
fn put(buf: &mut Buffer, x: u16, y: u16, width: u16, text: &str, style: Style) {
    if width > 0 {
        buf.set_stringn(x, y, text, usize::from(width), style);
    }
}

/// The columns that fit `width`, in drawing order.
fn columns_for(width: u16) -> Vec<Column> {
    let mut used = 0u16;
    let mut kept = Vec::new();
    for c in Column::PRIORITY {
        let w = c.width() + u16::from(!kept.is_empty());
        if used + w <= width {
            used += w;
            kept.push(c);
        }
    }
    Column::ALL
        .into_iter()
        .filter(|c| kept.contains(c))
        .collect()
}

/// The sessions table over the whole `area`: a header (the sort column marked), one row per
/// session (bad or slow rows in the warning colour), the selected row highlighted and kept
/// in view, and a key line at the bottom.
pub fn draw_monitor(buf: &mut Buffer, area: Rect, view: &TableView, theme: &Theme) {
    let n = view.rows.len();
    let bad = view.rows.iter().filter(|r| r.stands_out()).count();
    let title = format!("Session monitor: {n} sessions, {bad} need attention");
    let inner = frame(buf, area, &title, theme);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let columns = columns_for(inner.width);
    let style = base(theme);
    let head = style
        .fg(theme.overlay_highlight.0)
        .add_modifier(Modifier::BOLD);
    // Header.
    let mut x = inner.x;
    for c in &columns {
        let mut title = c.title().to_owned();
        if *c == view.sort {
            title.push(if view.descending { 'v' } else { '^' });
        }
        cell(buf, x, inner.y, c.width(), &title, c.right(), head);
        x += c.width() + 1;
    }
    // Keys, on the last row when there is room for rows too.
    let keys_row = (inner.height >= 3).then(|| inner.bottom() - 1);
    if let Some(y) = keys_row {
        put(
            buf,
            inner.x,
            y,
            inner.width,
            "Enter: go to tab  d: detail  e: endpoints  s: sort  r: reverse  Esc: back",
            style.add_modifier(Modifier::DIM),
        );
    }
    let body_top = inner.y + 1;
    let body_rows = usize::from(
        inner
            .height
            .saturating_sub(1)
            .saturating_sub(u16::from(keys_row.is_some())),
    );
    if body_rows == 0 {
        return;
    }
    if n == 0 {
        put(
            buf,
            inner.x,
            body_top,
            inner.width,
            "No sessions are open.",
            style,
        );
        return;
    }
    let selected = view.selected.min(n - 1);
    let first = selected.saturating_sub(body_rows - 1);
    for (i, row) in view.rows.iter().enumerate().skip(first).take(body_rows) {
        let y = body_top + u16::try_from(i - first).unwrap_or(0);
        let mut st = if row.stands_out() {
            style.fg(theme.oia_warning.0)
        } else {
            style
        };
        if i == selected {
            st = st
                .fg(theme.selection_fg.0)
                .bg(theme.selection_bg.0)
                .add_modifier(Modifier::BOLD);
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), st);
        }
        let mut x = inner.x;
        for c in &columns {
            cell(buf, x, y, c.width(), &c.cell(row), c.right(), st);
            x += c.width() + 1;
        }
    }
}

/// One cell, cut to `width`, right-aligned for numbers.
fn cell(buf: &mut Buffer, x: u16, y: u16, width: u16, text: &str, right: bool, style: Style) {
    let len = u16::try_from(text.chars().count()).unwrap_or(u16::MAX);
    let x = if right && len < width {
        x + (width - len)
    } else {
        x
    };
    put(buf, x, y, width, text, style);
}

/// Everything the detail view shows about one session.
#[derive(Clone, Debug)]
pub struct Detail<'a> {
    pub row: &'a MonitorRow,
    pub snapshot: &'a Snapshot,
    /// The peer's address, the model, and the screen size now.
    pub model: String,
    pub rows: u16,
    pub cols: u16,
    /// How long ago the connection opened, and the host's first byte came.
    pub connected_ago: Option<Duration>,
    pub first_byte_ago: Option<Duration>,
    /// The newest host error's text, if any.
    pub last_error: Option<String>,
    /// How the profile's `balance` chose the first endpoint, if it did.
    pub balance: Option<String>,
    /// The last failover: what happened, and how long ago.
    pub failover: Option<(String, Duration)>,
    /// The newest response times, oldest first (`Driver::recent_responses`).
    pub recent: Vec<Duration>,
}

/// The detail view's text lines (the sparkline is drawn under them), each at most `width`
/// columns where the figures allow.
pub fn detail_lines(d: &Detail, width: usize) -> Vec<String> {
    let (s, conn) = (&d.snapshot.session, &d.snapshot.link);
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let mut lines = Vec::new();
    let mut line = |text: String| lines.push(text);
    line(format!(
        "state      {}{}",
        d.row.state.word(),
        d.row
            .since
            .map(|a| format!(" for {}", age(a)))
            .unwrap_or_default()
    ));
    line(format!(
        "endpoint   {}   peer {}{}",
        d.row.endpoint,
        opt(conn.peer.map(|p| p.to_string())),
        d.balance
            .as_ref()
            .map(|b| format!("   balance {b}"))
            .unwrap_or_default()
    ));
    line(format!(
        "connection opened {} ago in {}; connections {}, reconnects {}",
        opt(d.connected_ago.map(age)),
        opt(conn.connect_time.map(precise_time)),
        conn.connections,
        conn.reconnects
    ));
    line(format!(
        "TLS        {}{}",
        tls_word(conn.tls),
        match (conn.tls, conn.starttls) {
            (Some(_), true) => " (STARTTLS)",
            (Some(_), false) => " (from the first byte)",
            _ => "",
        }
    ));
    if let Some(cert) = &conn.cert {
        line(format!(
            "certificate {}   expires {}",
            cert.names.join(", "),
            cert.not_after
        ));
        line(format!("  sha256 {}", cert.sha256));
    }
    let functions = if d.snapshot.functions.is_empty() {
        "none".to_owned()
    } else {
        d.snapshot.functions.join(" ")
    };
    line(format!(
        "terminal   {}   LU {}   mode {}   functions {functions}",
        opt(conn.terminal_type.clone()),
        opt(conn.lu.clone()),
        d.snapshot.mode.label()
    ));
    line(format!(
        "screen     {}x{}   model {}",
        d.rows, d.cols, d.model
    ));
    line(format!(
        "bytes      in {}   out {}   records in {}   out {}",
        s.bytes_in, s.bytes_out, s.records_in, s.records_out
    ));
    lines.extend(figure_lines(d, width));
    lines
}

/// The detail's figures from the AIDs on: responses, the keyboard, errors, the newest
/// responses and the buckets.
fn figure_lines(d: &Detail, width: usize) -> Vec<String> {
    let s = &d.snapshot.session;
    let r = &s.response;
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let mut lines = Vec::new();
    let mut line = |text: String| lines.push(text);
    let mut aids = format!("AIDs       {}", s.aids.total());
    let by = s.aids.by_name();
    if !by.is_empty() {
        let list: Vec<String> = by.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = write!(aids, ": {}", list.join(", "));
    }
    line(aids);
    line(format!(
        "response   count {}   last {}   mean {}   max {}   p95 <= {}",
        r.count(),
        opt(r.last().map(precise_time)),
        opt(r.mean().map(precise_time)),
        if r.count() > 0 {
            precise_time(r.max())
        } else {
            "-".into()
        },
        opt(r.quantile_bound(0.95).map(precise_time))
    ));
    line(format!(
        "keyboard   locked {} in all   first host byte {} ago",
        precise_time(s.keyboard_locked),
        opt(d.first_byte_ago.map(age))
    ));
    line(format!(
        "errors     malformed {}  violation {}  unsupported {}  negative responses {}  \
         oversized records {}  alarms {}",
        s.host_errors.malformed,
        s.host_errors.violation,
        s.host_errors.unsupported,
        s.negative_responses,
        s.oversized_records,
        s.alarms
    ));
    line(format!("last error {}", opt(d.last_error.clone())));
    if let Some((what, ago)) = &d.failover {
        line(format!("failover   {what} ({} ago)", age(*ago)));
    }
    let recent = &d.recent;
    let min = recent.iter().min().copied();
    let max = recent.iter().max().copied();
    line(format!(
        "last {} responses, oldest first: min {}   max {}",
        recent.len(),
        opt(min.map(precise_time)),
        opt(max.map(precise_time))
    ));
    // The buckets, wrapped to the width.
    let mut bucket_line = String::from("buckets   ");
    for (bound, n) in r.buckets() {
        let item = match bound {
            Some(b) => format!(" <={} {n}", short_time(b)),
            None => format!(" >30s {n}"),
        };
        if bucket_line.chars().count() + item.chars().count() > width {
            lines.push(std::mem::replace(&mut bucket_line, "          ".into()));
        }
        bucket_line.push_str(&item);
    }
    lines.push(bucket_line);
    lines
}

/// One session's detail over the whole `area`: every figure of its snapshot, then the
/// newest response times as a sparkline (one bar per response, oldest on the left).
pub fn draw_detail(buf: &mut Buffer, area: Rect, d: &Detail, theme: &Theme) {
    let title = format!("Session monitor: {}", d.row.name);
    let inner = frame(buf, area, &title, theme);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let style = base(theme);
    let lines = detail_lines(d, usize::from(inner.width));
    let keys_row = inner.bottom() - 1;
    let text_rows = inner.height.saturating_sub(1);
    // The buckets line goes under the sparkline, so the sparkline sits next to its numbers.
    let mut y = inner.y;
    for text in lines.iter().take(usize::from(text_rows)) {
        put(buf, inner.x, y, inner.width, text, style);
        y += 1;
    }
    let spark_rows = keys_row.saturating_sub(y).min(4);
    if spark_rows > 0 {
        let data: Vec<u64> = d
            .recent
            .iter()
            .map(|t| u64::try_from(t.as_micros()).unwrap_or(u64::MAX))
            .collect();
        let w = inner
            .width
            .min(u16::try_from(data.len()).unwrap_or(u16::MAX));
        if w > 0 {
            // The newest that fit.
            let skip = data.len() - usize::from(w);
            Sparkline::default()
                .data(&data[skip..])
                .style(style.fg(theme.overlay_highlight.0))
                .render(Rect::new(inner.x, y, w, spark_rows), buf);
        }
    }
    if inner.height >= 2 {
        put(
            buf,
            inner.x,
            keys_row,
            inner.width,
            "Esc or d: back to the table  Enter: go to tab",
            style.add_modifier(Modifier::DIM),
        );
    }
}

/// One endpoint's row in the endpoints table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointRow {
    pub endpoint: String,
    /// The profiles that name it, joined.
    pub profiles: String,
    /// `up`, `down`, `unknown`, or `not probed` (its profiles have no `health-check`).
    pub health: String,
    /// How long ago the last probe ended, and its latency when the host answered.
    pub last_probe: Option<(Duration, Option<Duration>)>,
    /// The last probe error and how long the endpoint has been failing.
    pub last_error: Option<(String, Duration)>,
    /// Tabs connected to it now.
    pub sessions: usize,
}

/// The endpoints table over the whole `area`: every endpoint of every profile in use.
pub fn draw_endpoints(buf: &mut Buffer, area: Rect, rows: &[EndpointRow], theme: &Theme) {
    let down = rows.iter().filter(|r| r.health == "down").count();
    let title = format!("Session monitor: {} endpoints, {down} down", rows.len());
    let inner = frame(buf, area, &title, theme);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let style = base(theme);
    let head = style
        .fg(theme.overlay_highlight.0)
        .add_modifier(Modifier::BOLD);
    // ENDPOINT, HEALTH, SESSIONS, PROBED, then what is left for the profiles and the error.
    let widths = [22u16, 10, 8, 20];
    let titles = ["ENDPOINT", "HEALTH", "SESSIONS", "LAST PROBE"];
    let mut x = inner.x;
    for (w, t) in widths.iter().zip(titles) {
        put(buf, x, inner.y, *w, t, head);
        x += w + 1;
    }
    let rest = inner.right().saturating_sub(x);
    put(buf, x, inner.y, rest, "PROFILES / LAST ERROR", head);
    let keys_row = (inner.height >= 3).then(|| inner.bottom() - 1);
    if let Some(y) = keys_row {
        put(
            buf,
            inner.x,
            y,
            inner.width,
            "e: back to the sessions  Esc: back",
            style.add_modifier(Modifier::DIM),
        );
    }
    let body = inner
        .height
        .saturating_sub(1)
        .saturating_sub(u16::from(keys_row.is_some()));
    if rows.is_empty() && body > 0 {
        put(
            buf,
            inner.x,
            inner.y + 1,
            inner.width,
            "No profile in use.",
            style,
        );
        return;
    }
    for (i, row) in rows.iter().take(usize::from(body)).enumerate() {
        let y = inner.y + 1 + u16::try_from(i).unwrap_or(0);
        let st = if row.health == "down" {
            style.fg(theme.oia_warning.0)
        } else {
            style
        };
        let probe = match row.last_probe {
            Some((ago, Some(lat))) => format!("{} ago, {}", age(ago), short_time(lat)),
            Some((ago, None)) => format!("{} ago, failed", age(ago)),
            None => "-".to_owned(),
        };
        let tail = match &row.last_error {
            Some((e, since)) if row.health == "down" => {
                format!("down for {}: {e}", age(*since))
            }
            _ => row.profiles.clone(),
        };
        let cells = [
            row.endpoint.clone(),
            row.health.clone(),
            row.sessions.to_string(),
            probe,
        ];
        let mut x = inner.x;
        for (w, c) in widths.iter().zip(cells) {
            put(buf, x, y, *w, &c, st);
            x += w + 1;
        }
        put(buf, x, y, rest, &tail, st);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rounded_down_so_a_shown_time_never_exceeds_the_measured_one() {
        assert_eq!(short_time(Duration::from_micros(199_999)), "199ms");
        assert_eq!(short_time(Duration::from_millis(1_259)), "1.25s");
        assert_eq!(short_time(Duration::from_millis(42_999)), "42s");
        assert_eq!(precise_time(Duration::from_micros(200_099)), "200.0 ms");
        assert_eq!(precise_time(Duration::from_micros(5)), "0.0 ms");
        assert_eq!(age(Duration::from_secs(192)), "3m12s");
        assert_eq!(age(Duration::from_secs(7_500)), "2h05m");
    }

    #[test]
    fn reconnecting_says_in_how_many_seconds_rounded_up() {
        assert_eq!(
            SessionState::Reconnecting(Duration::from_millis(3_200)).word(),
            "reconnecting in 4s"
        );
        assert_eq!(
            SessionState::Reconnecting(Duration::from_secs(2)).word(),
            "reconnecting in 2s"
        );
        assert_eq!(
            SessionState::connected(Mode::Tn3270e).word(),
            "connected-tn3270e"
        );
    }

    #[test]
    fn narrow_terminals_keep_the_most_needed_columns_in_drawing_order() {
        let at80 = columns_for(78);
        assert_eq!(at80[0], Column::Name);
        assert!(at80.contains(&Column::State) && at80.contains(&Column::Last));
        let used: u16 = at80.iter().map(|c| c.width() + 1).sum::<u16>() - 1;
        assert!(used <= 78, "{used}");
        assert_eq!(
            columns_for(118).len(),
            Column::ALL.len(),
            "all at 120 columns"
        );
    }

    #[test]
    fn counts_are_exact_while_they_fit() {
        assert_eq!(count(9_999_999), "9999999");
        assert_eq!(count(12_345_678), "12.3M");
    }
}
