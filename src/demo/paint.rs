//! Drawing the demo's screens: labels, input fields and message lines on top of
//! [`RecordBuilder`], in the extended data stream (SFE with colours and highlighting) for
//! terminals that asked for it and in the basic one (SF, normal or intensified) otherwise.
//!
//! Every label and input is a field of its own, with its attribute byte in the cell before its
//! text, so the host knows exactly where each input starts: the [`Layout`] it records is how
//! the application maps a Read Modified back to named fields. A field runs on to the next
//! attribute, so inputs and the colour chart's samples are ended by a plain attribute right
//! after them. Nothing here does I/O.

use crate::proto::addr::{BufferAddr, Dimensions};
use crate::proto::attr::{Color, FieldAttr, xa};
use crate::proto::codepage::CodePage;
use crate::proto::ds::build::{RecordBuilder, wcc};
use crate::proto::ds::parse::{Command, Wcc};

/// Extended highlighting values (GA23-0059 "Extended Highlighting").
pub mod highlight {
    pub const NORMAL: u8 = 0xF0;
    pub const BLINK: u8 = 0xF1;
    pub const REVERSE: u8 = 0xF2;
    pub const UNDERSCORE: u8 = 0xF4;
    pub const INTENSIFY: u8 = 0xF8;
}

/// Field attribute bytes the demo uses. Labels are autoskip (protected and numeric) so that a
/// full input field moves the cursor over them to the next input, as on a real terminal.
mod fa {
    pub const LABEL: u8 = 0x30;
    pub const LABEL_BRIGHT: u8 = 0x38;
    pub const INPUT: u8 = 0x00;
    pub const NUMERIC: u8 = 0x10;
    pub const BRIGHT: u8 = 0x08;
    pub const HIDDEN: u8 = 0x0C;
}

/// How a piece of protected text looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Ordinary text.
    Text,
    /// Screen titles and the header.
    Title,
    /// Labels in front of inputs.
    Label,
    /// Values the host shows but the operator cannot change.
    Value,
    /// The PF key line.
    Keys,
    /// An informational message.
    Info,
    /// An error message.
    Error,
    /// A warning message (top/bottom of list).
    Warning,
    /// An explicit colour and highlight (the colour chart); basic terminals show it plain.
    Custom(Color, u8),
}

impl Style {
    /// Colour and highlight in the extended data stream, and whether a basic terminal shows
    /// it intensified.
    fn look(self) -> (Color, u8, bool) {
        match self {
            Style::Text => (Color::Green, 0, false),
            Style::Title | Style::Info => (Color::NeutralWhite, 0, true),
            Style::Label => (Color::Turquoise, 0, false),
            Style::Value | Style::Warning => (Color::Yellow, 0, true),
            Style::Keys => (Color::Blue, 0, false),
            Style::Error => (Color::Red, 0, true),
            Style::Custom(c, h) => (c, h, h == highlight::INTENSIFY),
        }
    }
}

/// What kind of input field to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// Any text.
    Text,
    /// The numeric attribute: a terminal with numeric lock accepts digits only.
    Numeric,
    /// Non-display (passwords): typed characters are not shown.
    Hidden,
    /// Intensified text in white: the command line.
    Command,
}

/// Which input a field is, as the application names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldId {
    UserId,
    Password,
    Command,
    Customer,
    Part,
    Quantity,
    Rush,
    Note,
    Scratch,
}

/// An input on the screen: its first data position and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub id: FieldId,
    pub start: BufferAddr,
    pub len: u16,
}

/// The inputs of the screen last drawn.
pub type Layout = Vec<Slot>;

/// Draws one screen (a full Erase/Write) or a change to it (a Write).
pub struct Painter {
    b: RecordBuilder,
    extended: bool,
    cp: CodePage,
    layout: Layout,
    cursor: Option<BufferAddr>,
}

impl Painter {
    /// A full screen: Erase/Write for 24x80, Erase/Write Alternate for any other size (so the
    /// terminal switches to its alternate size), keyboard restored, MDTs reset, and the alarm
    /// when asked.
    pub fn erase_write(dims: Dimensions, extended: bool, alarm: bool) -> Self {
        let command = if dims == Dimensions::MODEL_2 {
            Command::Ew
        } else {
            Command::Ewa
        };
        let bits = wcc::RESET | wcc::KEYBOARD_RESTORE | wcc::RESET_MDT;
        Self::new(command, Wcc(bits | alarm_bit(alarm)), dims, extended)
    }

    /// A Write on the current screen: keyboard restored, modified fields left modified (the
    /// operator's typing stays and is sent again), and the alarm when asked.
    pub fn write(dims: Dimensions, extended: bool, alarm: bool) -> Self {
        Self::new(
            Command::W,
            Wcc(wcc::KEYBOARD_RESTORE | alarm_bit(alarm)),
            dims,
            extended,
        )
    }

    fn new(command: Command, wcc: Wcc, dims: Dimensions, extended: bool) -> Self {
        Painter {
            b: RecordBuilder::new(command, wcc, dims),
            extended,
            cp: CodePage::default(),
            layout: Vec::new(),
            cursor: None,
        }
    }

    pub fn dims(&self) -> Dimensions {
        self.b.dims()
    }

    pub fn rows(&self) -> u16 {
        self.b.dims().rows
    }

    pub fn cols(&self) -> u16 {
        self.b.dims().cols
    }

    /// Starts a field at `row`, `col` (its attribute there, its text from the next column).
    fn start_field(&mut self, row: u16, col: u16, attr: u8, color: Color, hl: u8) {
        self.b.sba_at(row, col);
        if self.extended {
            let mut pairs = vec![(xa::FOREGROUND, color.byte())];
            if hl != 0 {
                pairs.push((xa::HIGHLIGHTING, hl));
            }
            self.b.sfe(FieldAttr::from_byte(attr), &pairs);
        } else {
            self.b.sf(FieldAttr::from_byte(attr));
        }
    }

    /// Protected text whose attribute is at `col` (the text starts at `col + 1`). Text past
    /// the right edge is cut, so a layout never wraps into the next row.
    pub fn label(&mut self, row: u16, col: u16, text: &str, style: Style) {
        let (color, hl, bright) = style.look();
        let attr = if bright { fa::LABEL_BRIGHT } else { fa::LABEL };
        self.start_field(row, col, attr, color, hl);
        let room = usize::from(self.cols().saturating_sub(col + 1));
        let cut: String = text.chars().take(room).collect();
        self.b.text(&cut, self.cp);
    }

    /// A sample of a colour or highlight (the colour chart): protected text ended by a plain
    /// attribute in the cell right after it. A field runs on to the next attribute, so
    /// without the end its reverse video or underscore would show on the blanks after the
    /// text, up to the next field (past the row's end when nothing follows on the row). The
    /// text is cut one column shorter than a label's so that the end is on the same row.
    pub fn sample(&mut self, row: u16, col: u16, text: &str, style: Style) {
        let room = usize::from(self.cols().saturating_sub(col.saturating_add(2)));
        let cut: String = text.chars().take(room).collect();
        self.label(row, col, &cut, style);
        let end = u16::try_from(cut.chars().count())
            .ok()
            .and_then(|n| col.checked_add(1 + n))
            .filter(|&end| end < self.cols());
        if let Some(end) = end {
            self.start_field(row, end, fa::LABEL, Color::Green, 0);
        }
    }

    /// Protected text filling the rest of the row (message lines), so an old, longer message
    /// does not show through.
    pub fn line(&mut self, row: u16, text: &str, style: Style) {
        let room = usize::from(self.cols().saturating_sub(1));
        let padded = format!("{text:<room$}");
        self.label(row, 0, &padded, style);
    }

    /// An input field: attribute at `col`, `len` data positions from `col + 1`, and a
    /// protected stopper after it. `value` is shown in it; `id` names it in the layout.
    pub fn input(&mut self, row: u16, col: u16, len: u16, id: FieldId, value: &str, kind: Input) {
        let len = len.min(self.cols().saturating_sub(col + 2));
        let attr = match kind {
            Input::Text => fa::INPUT,
            Input::Numeric => fa::NUMERIC,
            Input::Hidden => fa::HIDDEN,
            Input::Command => fa::BRIGHT,
        };
        let color = if kind == Input::Command {
            Color::NeutralWhite
        } else {
            Color::Turquoise
        };
        let hl = if kind == Input::Hidden {
            0
        } else {
            highlight::UNDERSCORE
        };
        self.start_field(row, col, attr, color, hl);
        let start = self.b.addr(row, col + 1);
        let shown: String = value.chars().take(usize::from(len)).collect();
        self.b.text(&shown, self.cp);
        self.layout.push(Slot { id, start, len });
        // The stopper ends the input; a label drawn later at the same place replaces it.
        self.start_field(row, col + len + 1, fa::LABEL, Color::Green, 0);
    }

    /// Text made of runs with their own character attributes (Set Attribute) inside one
    /// protected field; basic terminals get the plain text.
    pub fn runs(&mut self, row: u16, col: u16, runs: &[(&str, Color, u8)]) {
        self.start_field(row, col, fa::LABEL, Color::Green, 0);
        for &(text, color, hl) in runs {
            if self.extended {
                self.b.sa(xa::FOREGROUND, color.byte());
                self.b.sa(
                    xa::HIGHLIGHTING,
                    if hl == 0 { highlight::NORMAL } else { hl },
                );
            }
            self.b.text(text, self.cp);
        }
        if self.extended {
            self.b.sa(xa::ALL, 0);
        }
    }

    /// Puts the cursor on the first position of `id`, or at `fallback`.
    pub fn cursor_on(&mut self, id: Option<FieldId>) {
        let slot = id
            .and_then(|id| self.layout.iter().find(|s| s.id == id))
            .or(self.layout.first());
        self.cursor = slot.map(|s| s.start);
    }

    /// The cursor on an input drawn by an earlier Erase/Write (for partial writes).
    pub fn cursor_at(&mut self, addr: BufferAddr) {
        self.cursor = Some(addr);
    }

    /// The record and the inputs it drew.
    pub fn finish(mut self) -> (Vec<u8>, Layout) {
        let cursor = self.cursor.unwrap_or(BufferAddr::ZERO);
        self.b.sba(cursor).ic();
        (self.b.finish(), self.layout)
    }
}

const fn alarm_bit(alarm: bool) -> u8 {
    if alarm { wcc::ALARM } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Screen;
    use crate::proto::addr::Position;
    use crate::proto::ds::apply::apply_write;
    use crate::proto::ds::parse::Record;

    fn draw(p: Painter) -> (Screen, Layout) {
        let dims = p.dims();
        let (rec, layout) = p.finish();
        let mut s = Screen::new(Dimensions::MODEL_2, dims);
        let r = Record::parse(&rec).unwrap();
        apply_write(&mut s, r.command, r.body).1.unwrap();
        (s, layout)
    }

    #[test]
    fn labels_and_inputs_in_both_data_streams() {
        for extended in [false, true] {
            let mut p = Painter::erase_write(Dimensions::MODEL_2, extended, false);
            p.label(2, 1, "User ID", Style::Label);
            p.input(2, 12, 8, FieldId::UserId, "DEMO", Input::Text);
            p.input(3, 12, 8, FieldId::Password, "", Input::Hidden);
            p.cursor_on(Some(FieldId::Password));
            let (s, layout) = draw(p);
            let rows = s.text_rows(CodePage::default());
            assert_eq!(&rows[2][2..9], "User ID");
            assert_eq!(&rows[2][13..17], "DEMO");
            assert_eq!(layout.len(), 2);
            assert_eq!(s.cursor(), layout[1].start);
            let f = s.field_at(layout[1].start).unwrap();
            assert!(f.attr.is_non_display() && !f.attr.is_protected());
            assert_eq!(f.len, 8);
            assert_eq!(f.ext.fg != 0, extended);
        }
    }

    #[test]
    fn a_sample_ends_where_its_text_ends() {
        let mut p = Painter::erase_write(Dimensions::MODEL_2, true, false);
        p.sample(
            4,
            14,
            "reverse",
            Style::Custom(Color::Yellow, highlight::REVERSE),
        );
        p.sample(
            5,
            70,
            "0123456789ABCDEF",
            Style::Custom(Color::Red, highlight::REVERSE),
        );
        let (s, _) = draw(p);
        let dims = s.dims();
        let rows = s.text_rows(CodePage::default());
        let at = |row, col| {
            let a = BufferAddr::from_position(Position::new(row, col), dims).unwrap();
            s.field_at(a).unwrap()
        };
        let f = at(4, 15);
        assert_eq!((f.len, f.ext.highlight), (7, highlight::REVERSE));
        assert_eq!(at(4, 23).ext.highlight, 0, "the blanks after it are plain");
        // At the right edge the text is cut so that the end stays on the row.
        assert_eq!(&rows[5][71..], "01234567 ");
        assert_eq!(at(5, 71).len, 8);
        assert_eq!(at(6, 0).ext.highlight, 0);
    }

    #[test]
    fn labels_are_cut_at_the_right_edge() {
        let mut p = Painter::erase_write(Dimensions::MODEL_2, true, false);
        p.label(0, 70, "0123456789ABCDEF", Style::Text);
        let (s, _) = draw(p);
        let rows = s.text_rows(CodePage::default());
        assert_eq!(&rows[0][71..], "012345678");
        assert_eq!(rows[1].trim(), "");
    }
}
