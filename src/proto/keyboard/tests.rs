use std::collections::HashSet;

use proptest::prelude::*;

use super::*;
use crate::proto::attr::{ExtAttrs, FieldAttr};

/// The characters the tests type and show, with the EBCDIC 037 values the real code page
/// will give them; `_` is a null, `*` DUP and `;` Field Mark, as the screen shows them.
const TABLE: &[(char, u8)] = &[
    (' ', 0x40),
    ('.', 0x4B),
    ('-', 0x60),
    ('?', 0x6F),
    ('>', 0x6E),
    ('&', 0x50),
    ('_', NULL),
    ('*', DUP),
    (';', FM),
];

fn ebc(c: char) -> u8 {
    let b = c as u8;
    match c {
        'A'..='I' => 0xC1 + (b - b'A'),
        'J'..='R' => 0xD1 + (b - b'J'),
        'S'..='Z' => 0xE2 + (b - b'S'),
        'a'..='i' => 0x81 + (b - b'a'),
        'j'..='r' => 0x91 + (b - b'j'),
        's'..='z' => 0xA2 + (b - b's'),
        '0'..='9' => 0xF0 + (b - b'0'),
        _ => TABLE
            .iter()
            .find(|(t, _)| *t == c)
            .map(|&(_, e)| e)
            .unwrap(),
    }
}

fn unebc(e: u8) -> char {
    (' '..='~')
        .find(|&c| is_mapped(c) && ebc(c) == e)
        .unwrap_or('!')
}

fn is_mapped(c: char) -> bool {
    c.is_ascii_alphanumeric() || TABLE.iter().any(|&(t, _)| t == c)
}

/// Field attribute markers in screen pictures.
const MARKERS: &[(char, u8)] = &[('[', 0x00), ('|', 0x20), ('^', 0x30), ('#', 0x10)];

/// A screen from a picture, one string a row: `[` unprotected attribute, `|` protected,
/// `^` autoskip, `#` numeric; other characters are data (`_` a null).
fn build(rows: &[&str]) -> Screen {
    let dims = Dimensions::new(rows.len() as u16, rows[0].chars().count() as u16);
    let mut s = Screen::new(dims, dims);
    for (i, c) in rows.concat().chars().enumerate() {
        let a = BufferAddr::new(i, dims).unwrap();
        match MARKERS.iter().find(|(m, _)| *m == c) {
            Some(&(_, bits)) => {
                s.set_field_attr(a, FieldAttr::from_byte(bits), ExtAttrs::DEFAULT);
            }
            None => s.set_char(a, ebc(c), false, ExtAttrs::DEFAULT),
        }
    }
    s.rebuild_fields();
    s
}

/// The picture of a screen, rows joined with `/`.
fn picture(s: &Screen) -> String {
    let cols = usize::from(s.dims().cols);
    let mut out = String::new();
    for (i, cell) in s.cells().enumerate() {
        if i > 0 && i % cols == 0 {
            out.push('/');
        }
        out.push(match cell.attr() {
            Some(fa) => {
                let bits = fa.bits() & (FieldAttr::PROTECTED | FieldAttr::NUMERIC);
                MARKERS
                    .iter()
                    .find(|&&(_, b)| b == bits)
                    .map_or('?', |&(m, _)| m)
            }
            None => unebc(cell.byte()),
        });
    }
    out
}

fn at(s: &Screen, i: usize) -> BufferAddr {
    BufferAddr::new(i, s.dims()).unwrap()
}

fn cursor_at(s: &mut Screen, i: usize) {
    let a = at(s, i);
    s.set_cursor(a);
}

fn mdt(s: &Screen, fa: usize) -> bool {
    s.cell(at(s, fa)).attr().unwrap().is_modified()
}

fn typ(kb: &mut Keyboard, s: &mut Screen, text: &str) -> Vec<KeyOutcome> {
    text.chars()
        .map(|c| kb.type_ebcdic(s, ebc(c), false))
        .collect()
}

fn key(kb: &mut Keyboard, s: &mut Screen, k: Key) -> KeyOutcome {
    kb.apply(s, k, CodePage::default())
}

fn cur(s: &Screen) -> usize {
    s.cursor().index()
}

const DONE: KeyOutcome = KeyOutcome::Done;

fn err(e: OperatorError) -> KeyOutcome {
    KeyOutcome::Error(e)
}

/// Apply a key that must be refused and check that nothing at all changed.
fn refused(kb: &mut Keyboard, s: &mut Screen, k: Key, e: OperatorError) {
    let before = (s.cells().collect::<Vec<_>>(), s.cursor(), *kb);
    assert_eq!(key(kb, s, k), err(e), "{k:?}");
    assert_eq!(
        (s.cells().collect::<Vec<_>>(), s.cursor(), *kb),
        before,
        "{k:?} changed something"
    );
}

#[test]
fn a_login_panel_on_a_4_by_20_screen() {
    let mut s = build(&[
        "|USERID^[________^xx",
        "|PASSWORD[_____|xxxx",
        "|CMD[______________^",
        "|xxxxxxxxxxxxxxxxxxx",
    ]);
    assert_eq!(s.dims(), Dimensions::new(4, 20));
    let mut kb = Keyboard::new();
    key(&mut kb, &mut s, Key::Home);
    assert_eq!(cur(&s), 9);
    let typed = typ(&mut kb, &mut s, "ibmuser1pw");
    assert!(typed.iter().all(|o| *o == DONE));
    // Eight characters fill the user id; the cursor skips to the password field.
    assert_eq!(picture(&s).split('/').nth(1), Some("|PASSWORD[pw___|xxxx"));
    assert_eq!(cur(&s), 32);
    key(&mut kb, &mut s, Key::NewLine);
    assert_eq!(cur(&s), 45);
    assert!(mdt(&s, 8) && mdt(&s, 29) && !mdt(&s, 44));
    key(&mut kb, &mut s, Key::EraseInput);
    assert_eq!(cur(&s), 9);
    assert!(!mdt(&s, 8) && !mdt(&s, 29));
    assert_eq!(picture(&s).split('/').next(), Some("|USERID^[________^xx"));
}

#[test]
fn picture_round_trip() {
    let s = build(&["[ab|cd^__#", "09.-?>&*;_"]);
    assert_eq!(picture(&s), "[ab|cd^__#/09.-?>&*;_");
}

#[test]
fn overwrite_stores_keeps_character_attributes_and_sets_mdt() {
    let mut s = build(&["[xyz|abc[_"]);
    let red = ExtAttrs {
        fg: 0xF2,
        ..ExtAttrs::DEFAULT
    };
    *s.ext_mut(at(&s, 2)).unwrap() = red;
    cursor_at(&mut s, 1);
    let mut kb = Keyboard::new();
    assert_eq!(typ(&mut kb, &mut s, "AB"), [DONE, DONE]);
    assert_eq!(picture(&s), "[ABz|abc[_");
    assert_eq!(
        s.cell(at(&s, 2)).ext,
        red,
        "typing keeps the cell's character attributes"
    );
    assert!(mdt(&s, 0));
    assert!(!mdt(&s, 8), "only the typed field is modified");
    assert_eq!(cur(&s), 3);
}

#[test]
fn typing_the_last_position_steps_over_the_attribute() {
    let mut s = build(&["[__[__|xx_"]);
    cursor_at(&mut s, 1);
    let mut kb = Keyboard::new();
    typ(&mut kb, &mut s, "ab");
    assert_eq!(
        cur(&s),
        4,
        "the next field's first position, past its attribute"
    );
    typ(&mut kb, &mut s, "cd");
    assert_eq!(cur(&s), 7, "a protected (not autoskip) field is entered");
    refused(&mut kb, &mut s, Key::Char(' '), OperatorError::Protected);
    assert_eq!(picture(&s), "[ab[cd|xx_");
}

#[test]
fn autoskip_field_is_skipped_to_the_next_unprotected_field() {
    let mut s = build(&["[__^xx|yy[", "__________"]);
    cursor_at(&mut s, 1);
    let mut kb = Keyboard::new();
    typ(&mut kb, &mut s, "ab");
    assert_eq!(cur(&s), 10);
    // Adjacent attributes: the autoskip field has no data, the next one does.
    let mut s = build(&["[_^[_|____"]);
    cursor_at(&mut s, 1);
    typ(&mut kb, &mut s, "a");
    assert_eq!(cur(&s), 4);
    typ(&mut kb, &mut s, "b");
    assert_eq!(
        cur(&s),
        6,
        "a protected field after the last position is entered"
    );
}

#[test]
fn autoskip_wraps_back_to_the_only_unprotected_field() {
    let mut s = build(&["^xx[___^yy"]);
    cursor_at(&mut s, 4);
    let mut kb = Keyboard::new();
    typ(&mut kb, &mut s, "abc");
    assert_eq!(cur(&s), 4);
    assert_eq!(picture(&s), "^xx[abc^yy");
}

#[test]
fn a_field_wrapping_around_the_buffer_end() {
    let mut s = build(&["___|xx[___"]);
    cursor_at(&mut s, 8);
    let mut kb = Keyboard::new();
    assert_eq!(typ(&mut kb, &mut s, "abcd"), [DONE; 4]);
    assert_eq!(picture(&s), "cd_|xx[_ab");
    assert_eq!(cur(&s), 2);
    kb.insert = true;
    cursor_at(&mut s, 9);
    typ(&mut kb, &mut s, "Z");
    assert_eq!(
        picture(&s),
        "bcd|xx[_aZ",
        "insert shifts across the buffer end"
    );
    refused(&mut kb, &mut s, Key::Char(' '), OperatorError::Overflow);
    assert!(mdt(&s, 6));
}

#[test]
fn protected_positions_refuse_every_editing_key() {
    let mut s = build(&["|abc[de__|"]);
    let mut kb = Keyboard::new();
    for pos in [0, 2, 4, 9] {
        cursor_at(&mut s, pos);
        for k in [
            Key::Char(' '),
            Key::Dup,
            Key::FieldMark,
            Key::Delete,
            Key::EraseEof,
        ] {
            refused(&mut kb, &mut s, k, OperatorError::Protected);
        }
        if pos != 0 {
            // Erase moves left first; from position 0 the left neighbour is in the same
            // protected field too, so only the FA cases differ.
            refused(&mut kb, &mut s, Key::Erase, OperatorError::Protected);
        }
    }
    let before = s.cells().collect::<Vec<_>>();
    assert_eq!(
        kb.type_ebcdic(&mut s, 0xC1, false),
        err(OperatorError::Protected)
    );
    assert_eq!(s.cells().collect::<Vec<_>>(), before);
}

#[test]
fn numeric_lock() {
    let mut s = build(&["#_____|___"]);
    cursor_at(&mut s, 1);
    let mut kb = Keyboard::new();
    refused(&mut kb, &mut s, Key::Char(' '), OperatorError::Numeric);
    assert_eq!(
        kb.type_ebcdic(&mut s, ebc('A'), false),
        err(OperatorError::Numeric)
    );
    assert_eq!(
        kb.type_ebcdic(&mut s, ebc('1'), true),
        err(OperatorError::Numeric)
    );
    refused(&mut kb, &mut s, Key::FieldMark, OperatorError::Numeric);
    assert!(!mdt(&s, 0));
    assert_eq!(typ(&mut kb, &mut s, "-1.5"), [DONE; 4]);
    assert_eq!(
        key(&mut kb, &mut s, Key::Dup),
        DONE,
        "DUP passes the numeric lock"
    );
    assert_eq!(picture(&s), "#-1.5*|___");
    assert!(mdt(&s, 0));
}

#[test]
fn insert_consumes_the_first_null_after_the_cursor() {
    let mut s = build(&["[ab_cd_[__"]);
    cursor_at(&mut s, 1);
    let mut kb = Keyboard { insert: true };
    typ(&mut kb, &mut s, "X");
    assert_eq!(picture(&s), "[Xabcd_[__");
    assert_eq!(cur(&s), 2);
    typ(&mut kb, &mut s, "Y");
    assert_eq!(picture(&s), "[XYabcd[__");
    refused(&mut kb, &mut s, Key::Char(' '), OperatorError::Overflow);
    assert_eq!(cur(&s), 3);
}

#[test]
fn insert_may_drop_a_trailing_blank_but_not_data() {
    let mut s = build(&["[abc [____"]);
    cursor_at(&mut s, 1);
    let mut kb = Keyboard { insert: true };
    assert_eq!(typ(&mut kb, &mut s, "X"), [DONE]);
    assert_eq!(picture(&s), "[Xabc[____");
    assert!(mdt(&s, 0));
    refused(&mut kb, &mut s, Key::Char(' '), OperatorError::Overflow);
    // Insert at the last position of a full field has no room either.
    cursor_at(&mut s, 4);
    refused(&mut kb, &mut s, Key::Dup, OperatorError::Overflow);
    // In overwrite mode the same keys are accepted.
    kb.insert = false;
    assert_eq!(key(&mut kb, &mut s, Key::FieldMark), DONE);
    assert_eq!(picture(&s), "[Xab;[____");
}

#[test]
fn insert_refusal_keeps_mdt_clear() {
    let mut s = build(&["[abc|"]);
    cursor_at(&mut s, 2);
    let mut kb = Keyboard { insert: true };
    refused(&mut kb, &mut s, Key::Char(' '), OperatorError::Overflow);
    assert!(!mdt(&s, 0));
}

#[test]
fn unformatted_screen_types_everywhere_and_wraps() {
    let mut s = build(&["__________", "__________"]);
    cursor_at(&mut s, 18);
    let mut kb = Keyboard::new();
    typ(&mut kb, &mut s, "abc");
    assert_eq!(picture(&s), "c_________/________ab");
    assert_eq!(cur(&s), 1);
    // Insert works line by line: the rest of the row must end in a null or blank.
    kb.insert = true;
    cursor_at(&mut s, 0);
    typ(&mut kb, &mut s, "X");
    assert_eq!(picture(&s), "Xc________/________ab");
    cursor_at(&mut s, 18);
    refused(&mut kb, &mut s, Key::Char(' '), OperatorError::Overflow);
}

#[test]
fn tab_backtab_home() {
    //          0         1
    //          0123456789012345678 9
    let mut s = build(&["|ab[cd^x[_", "[___|yy[__"]);
    let mut kb = Keyboard::new();
    cursor_at(&mut s, 1);
    let mut tabs = Vec::new();
    for _ in 0..5 {
        key(&mut kb, &mut s, Key::Tab);
        tabs.push(cur(&s));
    }
    assert_eq!(
        tabs,
        [4, 9, 11, 18, 4],
        "Tab visits unprotected fields, wrapping"
    );
    cursor_at(&mut s, 3);
    key(&mut kb, &mut s, Key::Tab);
    assert_eq!(
        cur(&s),
        4,
        "from an unprotected attribute, its own field is next"
    );

    cursor_at(&mut s, 13);
    let mut backs = Vec::new();
    for _ in 0..5 {
        key(&mut kb, &mut s, Key::BackTab);
        backs.push(cur(&s));
    }
    assert_eq!(
        backs,
        [11, 9, 4, 18, 11],
        "BackTab: own start first, then previous ones"
    );
    cursor_at(&mut s, 2);
    key(&mut kb, &mut s, Key::BackTab);
    assert_eq!(
        cur(&s),
        18,
        "from a protected field to the previous unprotected, wrapping"
    );

    key(&mut kb, &mut s, Key::Home);
    assert_eq!(cur(&s), 4);
}

#[test]
fn home_and_tab_without_unprotected_fields_go_to_zero() {
    let mut s = build(&["|ab^cd|xyz"]);
    let mut kb = Keyboard::new();
    for k in [Key::Tab, Key::BackTab, Key::Home] {
        cursor_at(&mut s, 5);
        assert_eq!(key(&mut kb, &mut s, k), DONE);
        assert_eq!(cur(&s), 0, "{k:?}");
    }
    let mut u = build(&["abc", "def"]);
    cursor_at(&mut u, 4);
    key(&mut kb, &mut u, Key::Home);
    assert_eq!(cur(&u), 0);
}

#[test]
fn home_finds_a_field_whose_attribute_is_the_last_cell() {
    let mut s = build(&["__|xx[__|["]);
    cursor_at(&mut s, 4);
    key(&mut Keyboard::new(), &mut s, Key::Home);
    assert_eq!(
        cur(&s),
        0,
        "the field starting at address 0 is the first one"
    );
}

#[test]
fn newline() {
    let mut s = build(&["[____|xxxx", "|xx[______", "__________", "^yyyyyyyyy"]);
    let mut kb = Keyboard::new();
    cursor_at(&mut s, 2);
    key(&mut kb, &mut s, Key::NewLine);
    assert_eq!(
        cur(&s),
        14,
        "row 1 starts protected: the next unprotected field"
    );
    key(&mut kb, &mut s, Key::NewLine);
    assert_eq!(cur(&s), 20, "row 2 column 0 is in the unprotected field");
    key(&mut kb, &mut s, Key::NewLine);
    assert_eq!(cur(&s), 1, "row 3 is autoskip: wrap to the first field");
    let mut u = build(&["abc", "def"]);
    cursor_at(&mut u, 5);
    key(&mut kb, &mut u, Key::NewLine);
    assert_eq!(cur(&u), 0);
}

#[test]
fn cursor_keys_wrap_over_the_whole_buffer() {
    let mut s = build(&["|abc[_____", "____|xxxxx"]);
    let mut kb = Keyboard::new();
    let moves = [
        (0, Key::Left, 19),
        (19, Key::Right, 0),
        (3, Key::Up, 13),
        (13, Key::Down, 3),
        (1, Key::Left2, 19),
        (18, Key::Right2, 0),
        (5, Key::Backspace, 4),
    ];
    for (from, k, to) in moves {
        cursor_at(&mut s, from);
        assert_eq!(key(&mut kb, &mut s, k), DONE);
        assert_eq!(cur(&s), to, "{k:?} from {from}");
    }
    for (row, col, to) in [(1, 3, 13), (0, 0, 0), (7, 2, 12), (1, 99, 19), (99, 99, 19)] {
        key(&mut kb, &mut s, Key::MoveCursor { row, col });
        assert_eq!(cur(&s), to, "MoveCursor {row},{col}");
    }
    assert_eq!(
        picture(&s),
        "|abc[_____/____|xxxxx",
        "cursor keys change no data"
    );
}

#[test]
fn field_end() {
    let mut s = build(&["[ab c_ _[_", "____|xxxxx"]);
    let mut kb = Keyboard::new();
    cursor_at(&mut s, 1);
    key(&mut kb, &mut s, Key::FieldEnd);
    assert_eq!(cur(&s), 5, "after the last non-blank");
    cursor_at(&mut s, 12);
    key(&mut kb, &mut s, Key::FieldEnd);
    assert_eq!(cur(&s), 9, "a blank field: its first position");
    let mut full = build(&["[abc|"]);
    cursor_at(&mut full, 1);
    key(&mut kb, &mut full, Key::FieldEnd);
    assert_eq!(cur(&full), 3, "a full field: its last position");
    cursor_at(&mut full, 4);
    key(&mut kb, &mut full, Key::FieldEnd);
    assert_eq!(cur(&full), 4, "on an attribute the cursor stays");
}

#[test]
fn erase_eof() {
    let mut s = build(&["[abcdef|xy"]);
    cursor_at(&mut s, 3);
    let mut kb = Keyboard::new();
    assert_eq!(key(&mut kb, &mut s, Key::EraseEof), DONE);
    assert_eq!(picture(&s), "[ab____|xy");
    assert!(mdt(&s, 0));
    assert_eq!(cur(&s), 3);
    let mut u = build(&["abcde", "fghij"]);
    cursor_at(&mut u, 3);
    key(&mut kb, &mut u, Key::EraseEof);
    assert_eq!(
        picture(&u),
        "abc__/_____",
        "unformatted: to the end of the buffer"
    );
}

#[test]
fn erase_input() {
    let mut s = build(&["|ab[cd|xy[", "ef[gh#12_|"]);
    // Start with a modified field and a modified protected field.
    s.set_mdt_at(at(&s, 4), true);
    s.set_mdt_at(at(&s, 1), true);
    cursor_at(&mut s, 16);
    let mut kb = Keyboard::new();
    assert_eq!(key(&mut kb, &mut s, Key::EraseInput), DONE);
    assert_eq!(picture(&s), "|ab[__|xy[/__[__#___|");
    assert_eq!(cur(&s), 4);
    assert!(!mdt(&s, 3));
    assert!(mdt(&s, 0), "protected fields keep their MDT");
    let mut u = build(&["abc", "def"]);
    cursor_at(&mut u, 4);
    key(&mut kb, &mut u, Key::EraseInput);
    assert_eq!((picture(&u), cur(&u)), ("___/___".to_string(), 0));
}

#[test]
fn delete_shifts_the_field_left() {
    let mut s = build(&["[abcd[wxyz"]);
    cursor_at(&mut s, 2);
    let mut kb = Keyboard::new();
    assert_eq!(key(&mut kb, &mut s, Key::Delete), DONE);
    assert_eq!(picture(&s), "[acd_[wxyz");
    assert_eq!(cur(&s), 2);
    assert!(mdt(&s, 0) && !mdt(&s, 5));
    cursor_at(&mut s, 9);
    key(&mut kb, &mut s, Key::Delete);
    assert_eq!(picture(&s), "[acd_[wxy_", "delete in the last position");
    let mut u = build(&["abcd", "efgh"]);
    cursor_at(&mut u, 1);
    key(&mut kb, &mut u, Key::Delete);
    assert_eq!(picture(&u), "acd_/efgh", "unformatted: within the row");
}

#[test]
fn erase_is_a_destructive_backspace_within_the_field() {
    let mut s = build(&["[abcd[wxyz"]);
    cursor_at(&mut s, 3);
    let mut kb = Keyboard::new();
    assert_eq!(key(&mut kb, &mut s, Key::Erase), DONE);
    assert_eq!((picture(&s), cur(&s)), ("[acd_[wxyz".to_string(), 2));
    assert!(mdt(&s, 0));
    cursor_at(&mut s, 6);
    assert_eq!(key(&mut kb, &mut s, Key::Erase), DONE);
    assert_eq!(
        (picture(&s), cur(&s)),
        ("[acd_[wxyz".to_string(), 6),
        "no-op at start"
    );
    assert!(!mdt(&s, 5));
}

#[test]
fn backspace_only_moves() {
    let mut s = build(&["[abcd[wxyz"]);
    cursor_at(&mut s, 6);
    let mut kb = Keyboard::new();
    key(&mut kb, &mut s, Key::Backspace);
    assert_eq!(cur(&s), 5);
    assert_eq!(picture(&s), "[abcd[wxyz");
    assert!(!mdt(&s, 0) && !mdt(&s, 5));
}

#[test]
fn dup_and_field_mark() {
    let mut s = build(&["[____|xx[_", "__________"]);
    cursor_at(&mut s, 2);
    let mut kb = Keyboard::new();
    assert_eq!(key(&mut kb, &mut s, Key::Dup), DONE);
    assert_eq!(cur(&s), 9, "DUP tabs to the next unprotected field");
    assert!(mdt(&s, 0));
    assert_eq!(key(&mut kb, &mut s, Key::FieldMark), DONE);
    assert_eq!(cur(&s), 10, "Field Mark advances like a character");
    assert!(mdt(&s, 8));
    assert_eq!(picture(&s), "[_*__|xx[;/__________");
    assert_eq!(s.display_char(at(&s, 2), CodePage::default()), '*');
}

#[test]
fn aid_attn_reset_insert() {
    let mut s = build(&["[abc"]);
    let mut kb = Keyboard::new();
    for aid in [
        Aid::Enter,
        Aid::Pf(1),
        Aid::Pf(24),
        Aid::Pa(2),
        Aid::Clear,
        Aid::SysReq,
    ] {
        assert_eq!(key(&mut kb, &mut s, Key::Aid(aid)), KeyOutcome::Aid(aid));
    }
    for aid in [
        Aid::Pf(0),
        Aid::Pf(25),
        Aid::Pa(4),
        Aid::NoAid,
        Aid::SelectorPen,
    ] {
        refused(&mut kb, &mut s, Key::Aid(aid), OperatorError::MinusFunction);
    }
    assert_eq!(key(&mut kb, &mut s, Key::Attn), KeyOutcome::Attn);
    key(&mut kb, &mut s, Key::Insert);
    assert!(kb.insert);
    key(&mut kb, &mut s, Key::Insert);
    assert!(!kb.insert);
    key(&mut kb, &mut s, Key::Insert);
    key(&mut kb, &mut s, Key::Reset);
    assert!(!kb.insert, "Reset leaves insert mode");
    assert_eq!(picture(&s), "[abc");
}

#[test]
fn characters_go_through_the_code_page() {
    let mut s = build(&["[___"]);
    cursor_at(&mut s, 1);
    let mut kb = Keyboard::new();
    // Typed characters are stored as the code page's EBCDIC bytes (bracket: 'A' is 0xC1).
    assert_eq!(key(&mut kb, &mut s, Key::Char(' ')), DONE);
    assert_eq!(s.cell(at(&s, 1)).byte(), SPACE);
    assert_eq!(key(&mut kb, &mut s, Key::Char('A')), DONE);
    assert_eq!(s.cell(at(&s, 2)).byte(), 0xC1);
    refused(
        &mut kb,
        &mut s,
        Key::Char('\u{2603}'),
        OperatorError::NotInCodePage,
    );
    refused(
        &mut kb,
        &mut s,
        Key::Char('\n'),
        OperatorError::NotInCodePage,
    );
    for control in [NULL, DUP, FM, 0x3F] {
        assert_eq!(
            kb.type_ebcdic(&mut s, control, false),
            err(OperatorError::NotInCodePage)
        );
    }
    // The refused keys changed nothing.
    assert_eq!(picture(&s), "[ A_");
}

fn selector_screen(designator: char, fa_bits: u8) -> Screen {
    let mut s = build(&["|_xyz[____"]);
    s.set_field_attr(at(&s, 0), FieldAttr::from_byte(fa_bits), ExtAttrs::DEFAULT);
    s.set_char(at(&s, 1), ebc(designator), false, ExtAttrs::DEFAULT);
    s.rebuild_fields();
    s.set_cursor(at(&s, 3));
    s
}

#[test]
fn cursor_select_toggles_selection_fields() {
    let mut kb = Keyboard::new();
    // Protected, detectable: a typical selection field.
    let mut s = selector_screen('?', 0x24);
    assert_eq!(key(&mut kb, &mut s, Key::CursorSelect), DONE);
    assert_eq!(s.cell(at(&s, 1)).byte(), ebc('>'));
    assert!(mdt(&s, 0));
    assert_eq!(key(&mut kb, &mut s, Key::CursorSelect), DONE);
    assert_eq!(s.cell(at(&s, 1)).byte(), ebc('?'));
    assert!(!mdt(&s, 0));
    assert_eq!(cur(&s), 3, "Cursor Select does not move the cursor");
}

#[test]
fn cursor_select_attention_fields() {
    let mut kb = Keyboard::new();
    for (designator, aid) in [
        (' ', Aid::SelectorPen),
        ('_', Aid::SelectorPen),
        ('&', Aid::Enter),
    ] {
        let mut s = selector_screen(designator, 0x28);
        assert_eq!(
            key(&mut kb, &mut s, Key::CursorSelect),
            KeyOutcome::Aid(aid)
        );
        assert!(mdt(&s, 0), "the attention field is sent");
        assert_eq!(s.cell(at(&s, 1)).byte(), ebc(designator));
    }
}

#[test]
fn cursor_select_refusals() {
    let mut kb = Keyboard::new();
    // Not detectable (normal display, protected), wrong designator, unformatted screen.
    let mut s = selector_screen('?', 0x20);
    refused(
        &mut kb,
        &mut s,
        Key::CursorSelect,
        OperatorError::MinusFunction,
    );
    let mut s = selector_screen('A', 0x24);
    refused(
        &mut kb,
        &mut s,
        Key::CursorSelect,
        OperatorError::MinusFunction,
    );
    let mut s = selector_screen('?', 0x0C);
    refused(
        &mut kb,
        &mut s,
        Key::CursorSelect,
        OperatorError::MinusFunction,
    );
    let mut u = build(&["?abc"]);
    refused(
        &mut kb,
        &mut u,
        Key::CursorSelect,
        OperatorError::MinusFunction,
    );
}

fn validated(s: &mut Screen, fa: usize, validation: u8) {
    let a = at(s, fa);
    let attr = s.cell(a).attr().unwrap();
    s.set_field_attr(
        a,
        attr,
        ExtAttrs {
            validation,
            ..ExtAttrs::DEFAULT
        },
    );
    s.rebuild_fields();
}

#[test]
fn mandatory_entry() {
    let mut s = build(&["|ab[___[__"]);
    validated(&mut s, 7, 0x02);
    validated(&mut s, 0, 0x02);
    assert_eq!(
        check_mandatory(&s),
        Some((OperatorError::FieldValidation, at(&s, 8)))
    );
    cursor_at(&mut s, 9);
    let mut kb = Keyboard::new();
    key(&mut kb, &mut s, Key::EraseEof);
    assert_eq!(
        check_mandatory(&s),
        None,
        "Erase EOF modifies the field: that is entry"
    );
    key(&mut kb, &mut s, Key::EraseInput);
    assert!(check_mandatory(&s).is_some());
}

#[test]
fn mandatory_fill() {
    let mut s = build(&["[___[___[_"]);
    validated(&mut s, 4, 0x04);
    validated(&mut s, 0, 0x04);
    assert_eq!(
        check_mandatory(&s),
        None,
        "unmodified fields are not checked"
    );
    let mut kb = Keyboard::new();
    cursor_at(&mut s, 5);
    typ(&mut kb, &mut s, "ab");
    assert_eq!(
        check_mandatory(&s),
        Some((OperatorError::FieldValidation, at(&s, 5)))
    );
    typ(&mut kb, &mut s, "c");
    assert_eq!(check_mandatory(&s), None, "full");
    cursor_at(&mut s, 5);
    key(&mut kb, &mut s, Key::EraseEof);
    assert_eq!(check_mandatory(&s), None, "modified but empty");
    cursor_at(&mut s, 1);
    typ(&mut kb, &mut s, "x");
    let first = check_mandatory(&s);
    assert_eq!(
        first,
        Some((OperatorError::FieldValidation, at(&s, 1))),
        "buffer order"
    );
}

// ---------------------------------------------------------------------------------------
// Properties over random screens and key sequences.

#[derive(Clone, Debug)]
enum Op {
    Byte(u8),
    Key(Key),
}

fn arb_screen() -> impl Strategy<Value = Screen> {
    let cell = prop_oneof![
        1 => (0u8..64).prop_map(|b| Err(b & !FieldAttr::MDT)),
        4 => prop::sample::select(vec![NULL, SPACE, 0xC1, 0xF1, 0x4B, 0x60, 0x6F, 0x6E, 0x50, DUP])
            .prop_map(Ok),
    ];
    (1u16..=4, 1u16..=12)
        .prop_flat_map(move |(rows, cols)| {
            let n = usize::from(rows) * usize::from(cols);
            (
                Just(Dimensions::new(rows, cols)),
                prop::collection::vec(cell.clone(), n),
                0..n,
                any::<bool>(),
            )
        })
        .prop_map(|(dims, cells, cursor, rebuild)| {
            let mut s = Screen::new(dims, dims);
            for (i, c) in cells.into_iter().enumerate() {
                let a = BufferAddr::new(i, dims).unwrap();
                match c {
                    Err(bits) => {
                        s.set_field_attr(a, FieldAttr::from_byte(bits), ExtAttrs::DEFAULT);
                    }
                    Ok(b) => s.set_char(a, b, false, ExtAttrs::DEFAULT),
                }
            }
            // Half the screens keep a stale field index, so both lookup paths are used.
            if rebuild {
                s.rebuild_fields();
            }
            s.set_cursor(BufferAddr::new(cursor, dims).unwrap());
            s
        })
}

fn arb_op(with_select: bool) -> impl Strategy<Value = Op> {
    let mut keys = vec![
        Key::Tab,
        Key::BackTab,
        Key::Home,
        Key::NewLine,
        Key::EraseEof,
        Key::EraseInput,
        Key::Insert,
        Key::Delete,
        Key::Backspace,
        Key::Erase,
        Key::Dup,
        Key::FieldMark,
        Key::Up,
        Key::Down,
        Key::Left,
        Key::Right,
        Key::Left2,
        Key::Right2,
        Key::FieldEnd,
        Key::Reset,
        Key::Attn,
        Key::Aid(Aid::Enter),
        Key::Aid(Aid::Pf(30)),
        Key::Char(' '),
        Key::Char('\u{e9}'),
    ];
    if with_select {
        keys.push(Key::CursorSelect);
    }
    prop_oneof![
        3 => prop::sample::select(vec![0xC1u8, 0x81, 0xF1, 0xF9, 0x4B, 0x60, 0x40, 0x00, 0x1C])
            .prop_map(Op::Byte),
        3 => prop::sample::select(keys).prop_map(Op::Key),
        1 => (0u16..6, 0u16..15).prop_map(|(row, col)| Op::Key(Key::MoveCursor { row, col })),
    ]
}

fn run(kb: &mut Keyboard, s: &mut Screen, op: &Op) -> KeyOutcome {
    match *op {
        Op::Byte(b) => kb.type_ebcdic(s, b, false),
        Op::Key(k) => kb.apply(s, k, CodePage::default()),
    }
}

/// Whether an operation edits the field under the cursor (and only that one).
fn edits(op: &Op) -> bool {
    matches!(
        op,
        Op::Byte(_)
            | Op::Key(
                Key::Char(_) | Key::Dup | Key::FieldMark | Key::Delete | Key::Erase | Key::EraseEof
            )
    )
}

fn content(s: &Screen, f: &Field) -> Vec<(u8, bool)> {
    f.positions(s.dims())
        .map(|a| (s.cell(a).byte(), s.cell(a).is_ge()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// No key ever panics, a refused key changes nothing, and the cursor stays on the
    /// screen, whatever the screen.
    #[test]
    fn no_panic_and_refusals_change_nothing(
        mut s in arb_screen(),
        ops in prop::collection::vec(arb_op(true), 0..40),
        insert in any::<bool>(),
    ) {
        let mut kb = Keyboard { insert };
        for op in &ops {
            let before = (s.cells().collect::<Vec<_>>(), s.cursor());
            let out = run(&mut kb, &mut s, op);
            prop_assert!(s.cursor().index() < s.cells().len());
            if let KeyOutcome::Error(_) = out {
                prop_assert_eq!(&(s.cells().collect::<Vec<_>>(), s.cursor()), &before, "{:?}", op);
            }
        }
    }

    /// No key changes a protected field or a field attribute (apart from the MDT bit of an
    /// unprotected field). Cursor Select is left out: it changes the designator of
    /// selection fields, which are usually protected.
    #[test]
    fn protected_cells_and_attributes_never_change(
        mut s in arb_screen(),
        ops in prop::collection::vec(arb_op(false), 0..40),
    ) {
        let initial = s.clone();
        let mut kb = Keyboard::new();
        for op in &ops {
            run(&mut kb, &mut s, op);
        }
        for i in 0..s.cells().len() {
            let a = BufferAddr::new(i, s.dims()).unwrap();
            let (old, new) = (initial.cell(a), s.cell(a));
            if let Some(fa) = old.attr() {
                let now = new.attr().map(|n| n.with_mdt(false));
                prop_assert_eq!(now, Some(fa.with_mdt(false)), "attribute at {}", i);
                prop_assert_eq!(old.ext, new.ext);
                if fa.is_protected() {
                    prop_assert_eq!(old, new);
                }
            } else if initial.is_protected_at(a) {
                prop_assert_eq!(old, new, "protected cell {} changed", i);
            }
        }
    }

    /// MDT: a field whose content changed has its MDT set, and a field no key edited keeps
    /// its MDT clear and its content. Erase Input resets every unprotected field, so it
    /// starts the comparison afresh.
    #[test]
    fn mdt_follows_operator_changes(
        mut s in arb_screen(),
        ops in prop::collection::vec(arb_op(false), 0..40),
    ) {
        let mut baseline = s.clone();
        let mut touched: HashSet<Option<BufferAddr>> = HashSet::new();
        let mut kb = Keyboard::new();
        for op in &ops {
            let field = s.field_attr_addr(s.cursor());
            let out = run(&mut kb, &mut s, op);
            if out == KeyOutcome::Done && edits(op) {
                touched.insert(field);
            }
            if out == KeyOutcome::Done && matches!(op, Op::Key(Key::EraseInput)) {
                baseline = s.clone();
                touched.clear();
            }
        }
        for f in s.fields() {
            let changed = content(&s, &f) != content(&baseline, &f);
            if changed {
                prop_assert!(f.attr.is_modified(), "field at {} changed without MDT", f.attr_addr);
            }
            if !touched.contains(&Some(f.attr_addr)) {
                prop_assert!(!changed, "untouched field at {} changed", f.attr_addr);
                prop_assert!(!f.attr.is_modified(), "untouched field at {} has MDT", f.attr_addr);
            }
        }
    }
}
