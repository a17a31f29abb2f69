//! The application driven directly with inbound records: what each key does on each page,
//! without any negotiation.

use super::*;
use crate::proto::Screen;
use crate::proto::ds::apply::apply_write;
use crate::proto::ds::inbound::InboundField;
use crate::proto::ds::parse::Record;

fn app(dims: Dimensions, extended: bool) -> App {
    App::new(Terminal {
        dims,
        extended,
        terminal_type: "IBM-3278-2-E".into(),
        lu: "DEMO0009".into(),
    })
}

/// Applies a reply to a screen and returns its text.
fn show(screen: &mut Screen, reply: &Reply) -> String {
    for rec in &reply.records {
        let r = Record::parse(rec).unwrap();
        apply_write(screen, r.command, r.body).1.unwrap();
    }
    screen.text_rows(CodePage::default()).join("\n")
}

fn press(aid: Aid) -> Inbound {
    Inbound {
        aid,
        cursor: None,
        fields: Vec::new(),
    }
}

fn ebcdic(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| CodePage::default().from_unicode(c).unwrap())
        .collect()
}

fn signed_on(dims: Dimensions, extended: bool) -> (App, Screen) {
    let mut a = app(dims, extended);
    let mut s = Screen::new(Dimensions::MODEL_2, dims);
    show(&mut s, &a.start(WallClock::default()));
    let field = |id| a.layout.iter().find(|l| l.id == id).unwrap().start;
    let input = Inbound {
        aid: Aid::Enter,
        cursor: None,
        fields: vec![
            InboundField {
                addr: field(FieldId::UserId),
                data: ebcdic("demo"),
            },
            InboundField {
                addr: field(FieldId::Password),
                data: ebcdic("Demo"),
            },
        ],
    };
    let text = show(&mut s, &a.handle(&input, WallClock::default()));
    assert!(text.contains("Main menu"), "{text}");
    (a, s)
}

#[test]
fn part_lines_fit_a_model_2_row() {
    for n in 0..PARTS {
        assert!(part_line(n).len() <= 78, "{}", part_line(n));
    }
    assert!(part_line(0).starts_with("P-1001 Steel hex bolt M4"));
}

#[test]
fn help_from_every_page_and_back() {
    let (mut a, mut s) = signed_on(Dimensions::MODEL_2, true);
    for page in [Page::Menu, Page::Order, Page::Catalogue, Page::Colours] {
        a.page = page;
        let text = show(&mut s, &a.handle(&press(Aid::Pf(1)), WallClock::default()));
        assert!(text.contains(&format!("Help: {}", page.title())), "{text}");
        assert!(a.in_help());
        let text = show(&mut s, &a.handle(&press(Aid::Clear), WallClock::default()));
        assert!(text.contains("Help:"));
        let text = show(&mut s, &a.handle(&press(Aid::Pf(3)), WallClock::default()));
        assert!(!a.in_help() && text.contains(page.title()), "{text}");
    }
}

#[test]
fn pa_keys_and_unknown_pf_keys_only_change_the_message() {
    let (mut a, mut s) = signed_on(Dimensions::MODEL_2, false);
    let reply = a.handle(&press(Aid::Pa(1)), WallClock::default());
    assert_eq!(reply.records[0][0], 0xF1, "a Write, not an Erase/Write");
    assert_ne!(reply.records[0][1] & 0x04, 0, "with the alarm");
    let text = show(&mut s, &reply);
    assert!(text.contains("DMO005W PA1 has no function") && text.contains("Main menu"));
}

#[test]
fn a_basic_terminal_gets_a_plain_colour_chart() {
    let (mut a, mut s) = signed_on(Dimensions::MODEL_2, false);
    a.page = Page::Colours;
    let text = show(&mut s, &a.handle(&press(Aid::Clear), WallClock::default()));
    assert!(text.contains("basic data stream"));
    assert!(s.cells().all(|c| c.ext.is_default()));
}

#[test]
fn bigger_screens_show_longer_pages() {
    let dims = Dimensions::new(62, 160);
    let (mut a, mut s) = signed_on(dims, true);
    a.page = Page::Catalogue;
    let text = show(&mut s, &a.handle(&press(Aid::Clear), WallClock::default()));
    assert!(text.contains("Lines 1-54 of 60"), "{text}");
    assert_eq!(s.dims(), dims);
    let text = show(&mut s, &a.handle(&press(Aid::Pf(8)), WallClock::default()));
    assert!(text.contains("Lines 55-60 of 60"), "{text}");
}

/// On the colour chart no highlighted field runs on past its text: each sample is ended
/// right after it, so reverse video and underscore stop where the word stops instead of
/// showing as bars up to the next field (which, for the last rows, was on a later row).
/// And every field of the two sample columns is exactly its text.
#[test]
fn colour_chart_samples_end_at_their_text() {
    for dims in [Dimensions::MODEL_2, Dimensions::new(62, 160)] {
        let (mut a, mut s) = signed_on(dims, true);
        a.page = Page::Colours;
        show(&mut s, &a.handle(&press(Aid::Clear), WallClock::default()));
        let rows = s.text_rows(CodePage::default());
        let cells: Vec<char> = rows.iter().flat_map(|r| r.chars()).collect();
        let mut samples = 0;
        for f in s.fields() {
            let text: String = f.positions(dims).map(|p| cells[p.index()]).collect();
            let row = f.attr_addr.position(dims).row;
            let sample = (4..=10).contains(&row) && !text.trim().is_empty();
            let highlighted = f.attr.is_protected() && f.ext.highlight != 0;
            if sample || highlighted {
                samples += 1;
                assert_eq!(
                    f.len,
                    text.trim_end().chars().count(),
                    "{dims:?}: the field at {:?} runs on past {:?}",
                    f.attr_addr.position(dims),
                    text.trim_end()
                );
            }
        }
        // Seven colours, each also reversed, and five highlights.
        assert_eq!(samples, 7 * 2 + 5, "{dims:?}");
    }
}
