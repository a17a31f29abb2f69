//! Layout arithmetic and what `draw_screen` puts in cells, asserted cell by cell.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;

use super::{demo_signon, inputs, type_at};
use crate::app::Selection;
use crate::proto::addr::{Dimensions, Position};
use crate::proto::attr::{Color as HostColor, FieldAttr, xa};
use crate::proto::codepage::CodePage;
use crate::proto::ds::apply::apply_write;
use crate::proto::ds::build::{RecordBuilder, wcc};
use crate::proto::ds::parse::{Command, Record, Wcc};
use crate::proto::screen::Screen;
use crate::theme::Theme;
use crate::ui::screen::{ScreenOptions, draw_screen, layout};

#[test]
fn a_fitting_screen_is_centred_and_maps_both_ways() {
    let l = layout(
        Rect::new(0, 0, 100, 30),
        Dimensions::MODEL_2,
        Position::new(5, 7),
        None,
    );
    assert!(!l.too_small());
    assert_eq!(l.notice(), None);
    assert_eq!(l.origin(), (0, 0));
    assert_eq!(l.to_terminal(Position::new(0, 0)), Some((10, 3)));
    assert_eq!(l.to_host(10, 3), Some(Position::new(0, 0)));
    assert_eq!(l.cursor(), Some((17, 8)));
    assert_eq!(l.to_host(9, 3), None);
    assert_eq!(l.to_host(90, 3), None);
    assert_eq!(l.to_host(10, 27), None);
}

#[test]
fn to_host_and_to_terminal_are_inverse_on_every_visible_cell() {
    let dims = Dimensions::new(43, 80);
    for (area, cursor, pan) in [
        (Rect::new(3, 2, 120, 50), Position::new(0, 0), None),
        (Rect::new(0, 1, 70, 30), Position::new(40, 79), None),
        (Rect::new(0, 0, 70, 30), Position::new(0, 0), Some((10, 5))),
    ] {
        let l = layout(area, dims, cursor, pan);
        let mut seen = 0;
        for y in area.top()..area.bottom() {
            for x in area.left()..area.right() {
                if let Some(p) = l.to_host(x, y) {
                    assert!(p.row < dims.rows && p.col < dims.cols);
                    assert_eq!(l.to_terminal(p), Some((x, y)));
                    seen += 1;
                }
            }
        }
        let v = l.view();
        assert_eq!(seen, usize::from(v.width) * usize::from(v.height));
    }
}

#[test]
fn a_small_terminal_follows_the_cursor_and_says_so() {
    let dims = Dimensions::new(43, 80);
    let area = Rect::new(0, 0, 70, 30);
    let top = layout(area, dims, Position::new(0, 0), None);
    assert!(top.too_small());
    assert_eq!(top.origin(), (0, 0));
    assert_eq!(top.view(), Rect::new(0, 1, 70, 29));
    let bottom = layout(area, dims, Position::new(42, 79), None);
    assert_eq!(bottom.origin(), (14, 10));
    assert_eq!(bottom.cursor(), Some((69, 29)));
    let middle = layout(area, dims, Position::new(20, 40), None);
    assert_eq!(middle.origin(), (6, 5));
    assert_eq!(middle.cursor(), Some((35, 15)));
    let notice = bottom.notice().expect("too small has a notice");
    assert_eq!(
        notice,
        "Screen 43x80 > 30x70: rows 15-43, cols 11-80, follows the cursor"
    );
    let wide = layout(Rect::new(0, 0, 200, 30), dims, Position::new(0, 0), None);
    assert_eq!(
        wide.notice().as_deref(),
        Some(
            "Host screen 43x80 does not fit in 30x200: showing rows 1-29, columns 1-80; \
             the view follows the cursor (pan with pan-up/down/left/right)"
        )
    );
    let narrow = layout(
        Rect::new(0, 0, 40, 30),
        dims,
        Position::new(0, 0),
        Some((1, 1)),
    );
    assert_eq!(
        narrow.notice().as_deref(),
        Some("43x80 in 30x40: rows 2-30 cols 2-41")
    );
    // A 10x5 window: no cut-off figure, a plain word.
    let tiny = layout(Rect::new(0, 0, 10, 4), dims, Position::new(0, 0), None);
    assert_eq!(tiny.notice().as_deref(), Some("Too small"));
    let tinier = layout(Rect::new(0, 0, 6, 4), dims, Position::new(0, 0), None);
    assert_eq!(tinier.notice().as_deref(), Some("small"));
}

#[test]
fn panning_is_clamped_to_the_screen_and_hides_the_cursor_when_it_is_off_view() {
    let dims = Dimensions::new(62, 160);
    let area = Rect::new(0, 0, 120, 50);
    let l = layout(area, dims, Position::new(0, 0), Some((500, 500)));
    assert_eq!(l.origin(), (62 - 49, 160 - 120));
    assert_eq!(l.cursor(), None);
    let l = layout(area, dims, Position::new(0, 0), Some((3, 4)));
    assert_eq!(l.origin(), (3, 4));
    assert_eq!(l.to_host(0, 1), Some(Position::new(3, 4)));
}

#[test]
fn a_tiny_area_never_draws_outside_itself() {
    let (_, screen) = demo_signon(Dimensions::MODEL_2);
    let theme = Theme::default();
    for (w, h) in [(0, 0), (1, 1), (5, 1), (1, 5), (80, 1), (79, 24)] {
        let mut buf = Buffer::empty(Rect::new(0, 0, 90, 30));
        let area = Rect::new(2, 2, w, h);
        let l = draw_screen(&mut buf, area, &screen, &theme, &ScreenOptions::default());
        for y in 0..30 {
            for x in 0..90 {
                if !area.contains((x, y).into()) {
                    assert_eq!(
                        buf[(x, y)],
                        ratatui::buffer::Cell::EMPTY,
                        "({x},{y}) in {area:?}"
                    );
                }
            }
        }
        if let Some((x, y)) = l.cursor() {
            assert!(area.contains((x, y).into()));
        }
    }
}

#[test]
fn typed_password_is_never_drawn() {
    let (_, mut screen) = demo_signon(Dimensions::MODEL_2);
    let fields = inputs(&screen);
    type_at(&mut screen, fields[1], "SECRET");
    let theme = Theme::default();
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
    let sel = Selection {
        anchor: Position::new(0, 0),
        head: Position::new(23, 79),
    };
    for selection in [None, Some(sel)] {
        let opts = ScreenOptions {
            selection,
            focused: true,
            ..ScreenOptions::default()
        };
        let area = buf.area;
        draw_screen(&mut buf, area, &screen, &theme, &opts);
        let text: String = buf
            .content()
            .iter()
            .map(ratatui::buffer::Cell::symbol)
            .collect();
        assert!(!text.contains("SECRET"), "password shown");
    }
}

/// A screen whose row 1 has one field per highlight and row 3 one per outline side.
pub(super) fn highlight_screen() -> Screen {
    let dims = Dimensions::MODEL_2;
    let cp = CodePage::default();
    let mut b = RecordBuilder::new(Command::Ew, Wcc(wcc::KEYBOARD_RESTORE), dims);
    let prot = FieldAttr::from_byte(0x20);
    let cases: [(u8, &str); 5] = [
        (0xF0, "normal"),
        (0xF1, "blink"),
        (0xF2, "reverse"),
        (0xF4, "under"),
        (0xF8, "intense"),
    ];
    for (i, (h, text)) in cases.iter().enumerate() {
        b.sba_at(1, i as u16 * 10);
        b.sfe(
            prot,
            &[
                (xa::HIGHLIGHTING, *h),
                (xa::FOREGROUND, HostColor::Yellow.byte()),
            ],
        );
        b.text(text, cp);
    }
    b.sba_at(1, 55).sf(prot);
    for (i, bits) in [0x01u8, 0x02, 0x04, 0x08, 0x0F].iter().enumerate() {
        b.sba_at(3, i as u16 * 10);
        b.sfe(prot, &[(xa::OUTLINING, *bits)]);
        b.text("box", cp);
        b.sba_at(3, i as u16 * 10 + 4).sf(prot);
    }
    let mut s = Screen::new(dims, dims);
    let rec = b.finish();
    let r = Record::parse(&rec).expect("parses");
    apply_write(&mut s, r.command, r.body).1.expect("applies");
    s
}

#[test]
fn highlights_map_to_visible_styles_and_blink_alternates() {
    let screen = highlight_screen();
    let theme = Theme::default();
    let yellow = theme.yellow.0;
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
    let on = ScreenOptions {
        blink_on: true,
        ..ScreenOptions::default()
    };
    let area = buf.area;
    draw_screen(&mut buf, area, &screen, &theme, &on);
    assert_eq!(buf[(1, 1)].symbol(), "n");
    assert_eq!(buf[(1, 1)].fg, yellow);
    assert_eq!(buf[(11, 1)].symbol(), "b");
    // Reverse swaps the colours.
    assert_eq!(buf[(21, 1)].bg, yellow);
    assert_eq!(buf[(21, 1)].fg, theme.background.0);
    assert!(buf[(31, 1)].modifier.contains(Modifier::UNDERLINED));
    assert!(buf[(41, 1)].modifier.contains(Modifier::BOLD));
    // Attribute positions are blank.
    assert_eq!(buf[(0, 1)].symbol(), " ");

    let off = ScreenOptions::default();
    let area = buf.area;
    draw_screen(&mut buf, area, &screen, &theme, &off);
    assert_eq!(buf[(11, 1)].symbol(), " ", "blink off phase hides the text");
    assert_eq!(buf[(1, 1)].symbol(), "n", "only blinking text alternates");
}

#[test]
fn outlining_draws_bars_in_attribute_cells_and_lines_under_and_over() {
    let screen = highlight_screen();
    let theme = Theme::default();
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
    let area = buf.area;
    draw_screen(&mut buf, area, &screen, &theme, &ScreenOptions::default());
    // Under: the text is underlined.
    assert!(buf[(1, 3)].modifier.contains(Modifier::UNDERLINED));
    // Right: a bar in the attribute cell after the text.
    assert_eq!(buf[(14, 3)].symbol(), "│");
    assert_eq!(buf[(10, 3)].symbol(), " ");
    // Over: the row above is underlined over the text only.
    assert!(buf[(21, 2)].modifier.contains(Modifier::UNDERLINED));
    assert!(!buf[(25, 2)].modifier.contains(Modifier::UNDERLINED));
    // Left: a bar in the attribute cell before the text.
    assert_eq!(buf[(30, 3)].symbol(), "│");
    assert_eq!(buf[(34, 3)].symbol(), " ");
    // All four sides.
    assert_eq!(buf[(40, 3)].symbol(), "│");
    assert_eq!(buf[(44, 3)].symbol(), "│");
    assert!(buf[(41, 3)].modifier.contains(Modifier::UNDERLINED));
    assert!(buf[(41, 2)].modifier.contains(Modifier::UNDERLINED));
    assert_eq!(buf[(40, 3)].fg, theme.outline.0);
}

#[test]
fn crosshair_selection_and_cursor_are_drawn_over_the_screen() {
    let (_, screen) = demo_signon(Dimensions::MODEL_2);
    let theme = Theme::default();
    let cursor = screen.cursor_position();
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
    let opts = ScreenOptions {
        crosshair: true,
        focused: true,
        selection: Some(Selection {
            anchor: Position::new(0, 0),
            head: Position::new(1, 2),
        }),
        ..ScreenOptions::default()
    };
    let area = buf.area;
    let l = draw_screen(&mut buf, area, &screen, &theme, &opts);
    assert_eq!(l.cursor(), Some((cursor.col, cursor.row)));
    let at = |x: u16, y: u16| &buf[(x, y)];
    assert!(
        at(cursor.col, cursor.row)
            .modifier
            .contains(Modifier::REVERSED)
    );
    assert_eq!(at(79, cursor.row).bg, theme.crosshair.0);
    assert_eq!(at(cursor.col, 23).bg, theme.crosshair.0);
    assert_eq!(at(2, 1).bg, theme.selection_bg.0);
    assert_eq!(at(3, 1).bg, theme.background.0);
    let unfocused = ScreenOptions {
        focused: false,
        ..opts
    };
    let area = buf.area;
    draw_screen(&mut buf, area, &screen, &theme, &unfocused);
    assert!(
        !buf[(cursor.col, cursor.row)]
            .modifier
            .contains(Modifier::REVERSED)
    );
}

/// The drawn characters of a fitting screen, row by row.
fn drawn_rows(screen: &Screen, opts: &ScreenOptions) -> Vec<String> {
    let dims = screen.dims();
    let mut buf = Buffer::empty(Rect::new(0, 0, dims.cols, dims.rows));
    let area = buf.area;
    draw_screen(&mut buf, area, screen, &Theme::default(), opts);
    (0..dims.rows)
        .map(|y| (0..dims.cols).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

#[test]
fn the_view_shows_exactly_what_the_text_view_shows() {
    let opts = ScreenOptions {
        blink_on: true,
        ..ScreenOptions::default()
    };
    let (mut app, mut screen) = super::demo_menu(Dimensions::new(43, 80));
    for (aid, values) in [
        (None, &[][..]),
        (Some(crate::proto::key::Aid::Enter), &["3"][..]),
        (Some(crate::proto::key::Aid::Pf(3)), &[][..]),
        (Some(crate::proto::key::Aid::Enter), &["2"][..]),
    ] {
        if let Some(aid) = aid {
            super::press(&mut app, &mut screen, aid, values);
        }
        assert_eq!(
            drawn_rows(&screen, &opts),
            screen.text_rows(CodePage::default())
        );
    }
}

#[test]
fn graphic_escape_characters_are_drawn_and_copied_as_apl() {
    let dims = Dimensions::MODEL_2;
    let mut s = Screen::new(dims, dims);
    let a =
        crate::proto::addr::BufferAddr::from_position(Position::new(0, 3), dims).expect("in range");
    // 0xC5 in the APL set is a box corner (the code page has `E` there); the point is that
    // it goes through the GE table, not the code page.
    s.set_char(a, 0xC5, true, crate::proto::attr::ExtAttrs::DEFAULT);
    let ge = crate::proto::ge::to_unicode(0xC5);
    assert_eq!(ge, '┌');
    assert_ne!(ge, CodePage::default().to_unicode(0xC5));
    let rows = drawn_rows(&s, &ScreenOptions::default());
    assert_eq!(rows[0].chars().nth(3), Some(ge));
    let sel = Selection {
        anchor: Position::new(0, 0),
        head: Position::new(0, 5),
    };
    let copied = crate::ui::text::selection_text(&s, sel, CodePage::default());
    assert_eq!(copied, format!("   {ge}"));
}

proptest::proptest! {
    /// Whatever the sizes, the followed cursor is visible, panning stays on the screen and
    /// the two mappings agree.
    #[test]
    fn layout_properties(
        rows in 24u16..=62, cols in 80u16..=160,
        w in 1u16..=200, h in 1u16..=80,
        cr in 0u16..62, cc in 0u16..160,
        pan in proptest::option::of((0u16..400, 0u16..400)),
    ) {
        let dims = Dimensions::new(rows, cols);
        let cursor = Position::new(cr % rows, cc % cols);
        let area = Rect::new(1, 2, w, h);
        let l = layout(area, dims, cursor, pan);
        let v = l.view();
        proptest::prop_assert!(v.x >= area.x && v.y >= area.y);
        proptest::prop_assert!(v.right() <= area.right() && v.bottom() <= area.bottom());
        let (r0, c0) = l.origin();
        proptest::prop_assert!(r0 + v.height <= rows && c0 + v.width <= cols);
        if pan.is_none() && v.width > 0 && v.height > 0 {
            proptest::prop_assert!(l.cursor().is_some(), "followed cursor off view");
        }
        if let Some((x, y)) = l.cursor() {
            proptest::prop_assert_eq!(l.to_host(x, y), Some(cursor));
        }
        proptest::prop_assert_eq!(l.too_small(), rows > h || cols > w);
    }
}
