//! The demo application: one operator's conversation with a make-believe order system.
//!
//! [`App`] is a per-connection state machine over the screens of `docs/DEMO.md` (sign-on,
//! main menu, order entry, parts catalogue, colour chart, help, goodbye). It takes what the
//! terminal sent (an [`Inbound`] record) and answers with 3270 records to send, plus whether
//! to close the connection. It owns no socket, no clock and no negotiation: the time of day
//! comes in as a [`WallClock`] and the terminal's size and data stream as a [`Terminal`]; the
//! [`host`](super::host) module frames the records for telnet/TN3270E.
//!
//! Values the operator typed are kept here as well as on the screen, because a Read Modified
//! only carries the fields changed since the last Erase/Write: a field sent once and left
//! alone afterwards still counts.

use crate::proto::addr::{BufferAddr, Dimensions};
use crate::proto::attr::Color;
use crate::proto::codepage::CodePage;
use crate::proto::ds::inbound::Inbound;
use crate::proto::ds::parse::code;
use crate::proto::key::Aid;

use super::paint::{FieldId, Input, Layout, Painter, Style, highlight};

/// The practice user id.
pub const USER: &str = "DEMO";
/// The practice password.
pub const PASSWORD: &str = "DEMO";
/// Wrong passwords allowed before the host hangs up.
const MAX_ATTEMPTS: u8 = 3;
/// Entries in the parts catalogue.
pub const PARTS: usize = 60;

/// The time of day shown in screen headers, always as `dd/mm/yy hh:mm` so tests can mask it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct WallClock {
    pub day: u8,
    pub month: u8,
    /// Two digits.
    pub year: u8,
    pub hour: u8,
    pub minute: u8,
}

impl WallClock {
    /// `dd/mm/yy hh:mm`.
    pub fn text(self) -> String {
        format!(
            "{:02}/{:02}/{:02} {:02}:{:02}",
            self.day,
            self.month,
            self.year % 100,
            self.hour,
            self.minute
        )
    }
}

/// What the application knows about the terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terminal {
    /// The size screens are drawn in (Erase/Write for 24x80, Erase/Write Alternate else).
    pub dims: Dimensions,
    /// Whether the terminal asked for the extended data stream (colours, SFE).
    pub extended: bool,
    /// The terminal type it announced.
    pub terminal_type: String,
    /// The LU name the host gave it.
    pub lu: String,
}

/// What to send back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// 3270 records (command first), in order.
    pub records: Vec<Vec<u8>>,
    /// Close the connection after sending them.
    pub close: bool,
}

/// The screens of the application (help is drawn over any of them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    SignOn,
    Menu,
    Order,
    Catalogue,
    Colours,
}

impl Page {
    fn id(self) -> &'static str {
        match self {
            Page::SignOn => "DMO000",
            Page::Menu => "DMO100",
            Page::Order => "DMO200",
            Page::Catalogue => "DMO300",
            Page::Colours => "DMO400",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Page::SignOn => "Sign on",
            Page::Menu => "Main menu",
            Page::Order => "Order entry",
            Page::Catalogue => "Parts catalogue",
            Page::Colours => "Colour chart",
        }
    }
}

/// A message for the message line.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Message {
    text: String,
    style: Style,
}

/// The order form as typed so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct OrderForm {
    customer: String,
    part: String,
    quantity: String,
    rush: String,
    note: String,
}

/// The per-connection state.
#[derive(Clone, Debug)]
pub struct App {
    term: Terminal,
    page: Page,
    /// Showing help for `page`.
    help: bool,
    user: Option<String>,
    typed_user: String,
    typed_password: String,
    attempts: u8,
    command: String,
    form: OrderForm,
    next_order: u32,
    /// Index of the first catalogue entry shown.
    top: usize,
    layout: Layout,
    wall: WallClock,
}

impl App {
    pub fn new(term: Terminal) -> Self {
        App {
            term,
            page: Page::SignOn,
            help: false,
            user: None,
            typed_user: String::new(),
            typed_password: String::new(),
            attempts: 0,
            command: String::new(),
            form: OrderForm::default(),
            next_order: 1,
            top: 0,
            layout: Vec::new(),
            wall: WallClock::default(),
        }
    }

    pub fn terminal(&self) -> &Terminal {
        &self.term
    }

    /// The screen being shown.
    pub fn page(&self) -> Page {
        self.page
    }

    /// Whether help is shown over the page.
    pub fn in_help(&self) -> bool {
        self.help
    }

    /// The signed-on user.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The first screen.
    pub fn start(&mut self, wall: WallClock) -> Reply {
        self.wall = wall;
        self.redraw(None, None, false)
    }

    /// What the terminal sent.
    pub fn handle(&mut self, input: &Inbound, wall: WallClock) -> Reply {
        self.wall = wall;
        self.take_fields(input);
        if self.help {
            return match input.aid {
                Aid::Clear | Aid::Pf(1) => self.redraw(None, None, false),
                Aid::Enter | Aid::Pf(3) => {
                    self.help = false;
                    self.redraw(None, None, false)
                }
                _ => self.not_active(input.aid),
            };
        }
        match input.aid {
            Aid::Clear => self.redraw(None, None, false),
            Aid::Pf(1) => {
                self.help = true;
                self.redraw(None, None, false)
            }
            Aid::Pf(3) => self.back(),
            Aid::Enter => self.enter(),
            Aid::Pf(7) if self.page == Page::Catalogue => self.page_up(),
            Aid::Pf(8) if self.page == Page::Catalogue => self.page_down(),
            // A late Query Reply or a Read Buffer reply: nothing for the operator to see.
            Aid::StructuredField | Aid::NoAid => Reply::default(),
            other => self.not_active(other),
        }
    }

    /// Copies the typed values of the fields the terminal sent into the state.
    fn take_fields(&mut self, input: &Inbound) {
        for f in &input.fields {
            let Some(slot) = self.layout.iter().find(|s| s.start == f.addr) else {
                continue;
            };
            let value = decode(&f.data);
            match slot.id {
                FieldId::UserId => self.typed_user = value,
                FieldId::Password => self.typed_password = value,
                FieldId::Command => self.command = value,
                FieldId::Customer => self.form.customer = value,
                FieldId::Part => self.form.part = value,
                FieldId::Quantity => self.form.quantity = value,
                FieldId::Rush => self.form.rush = value,
                FieldId::Note => self.form.note = value,
                FieldId::Scratch => {}
            }
        }
    }

    fn back(&mut self) -> Reply {
        match self.page {
            Page::SignOn => self.goodbye("Session ended without signing on."),
            Page::Menu => self.sign_off(),
            Page::Order | Page::Catalogue | Page::Colours => self.go(Page::Menu),
        }
    }

    fn go(&mut self, page: Page) -> Reply {
        self.page = page;
        self.command.clear();
        self.redraw(None, None, false)
    }

    fn enter(&mut self) -> Reply {
        match self.page {
            Page::SignOn => self.sign_on(),
            Page::Menu => self.menu_command(),
            Page::Order => self.submit_order(),
            Page::Catalogue => self.redraw(
                Some(&info(
                    "DMO303I PF8 pages forward, PF7 back, PF3 returns to the menu.",
                )),
                None,
                false,
            ),
            Page::Colours => self.redraw(
                Some(&info(
                    "DMO401I Nothing to send here: PF3 returns to the menu.",
                )),
                None,
                false,
            ),
        }
    }

    fn sign_on(&mut self) -> Reply {
        let user = self.typed_user.trim().to_ascii_uppercase();
        let password = self.typed_password.trim().to_ascii_uppercase();
        // The password never stays in the state longer than this check.
        self.typed_password.clear();
        if user.is_empty() {
            return self.redraw(
                Some(&error("DMO002E Type your user ID.")),
                Some(FieldId::UserId),
                true,
            );
        }
        if password.is_empty() {
            return self.redraw(
                Some(&error("DMO006E Type your password.")),
                Some(FieldId::Password),
                true,
            );
        }
        if user != USER || password != PASSWORD {
            self.attempts += 1;
            if self.attempts >= MAX_ATTEMPTS {
                return self.goodbye("DMO003E Too many failed sign-on attempts.");
            }
            return self.redraw(
                Some(&error(
                    "DMO001E User ID or password is not valid. Please try again.",
                )),
                Some(FieldId::Password),
                true,
            );
        }
        self.user = Some(user);
        self.page = Page::Menu;
        let text = format!(
            "DMO101I Welcome, {}. You are signed on at {}.",
            USER, self.term.lu
        );
        self.redraw(Some(&info(&text)), None, false)
    }

    fn menu_command(&mut self) -> Reply {
        let command = std::mem::take(&mut self.command)
            .trim()
            .to_ascii_uppercase();
        match command.as_str() {
            "1" | "ORDER" => self.go(Page::Order),
            "2" | "PARTS" | "LIST" => {
                self.top = 0;
                self.go(Page::Catalogue)
            }
            "3" | "COLOURS" | "COLORS" => self.go(Page::Colours),
            "H" | "HELP" => {
                self.help = true;
                self.redraw(None, None, false)
            }
            "X" | "OFF" | "LOGOFF" | "SIGNOFF" | "EXIT" => self.sign_off(),
            "" => self.redraw(
                Some(&info(
                    "DMO102I Type an option or a command, then press Enter.",
                )),
                Some(FieldId::Command),
                false,
            ),
            other => {
                other.clone_into(&mut self.command);
                let text = format!("DMO103E \"{other}\" is not an option on this menu.");
                self.redraw(Some(&error(&text)), Some(FieldId::Command), true)
            }
        }
    }

    fn submit_order(&mut self) -> Reply {
        let f = &self.form;
        let problem = if f.customer.trim().is_empty() {
            Some((FieldId::Customer, "DMO201E Customer name is required."))
        } else if f.quantity.trim().is_empty() {
            Some((FieldId::Quantity, "DMO202E Quantity is required."))
        } else if !f.quantity.trim().bytes().all(|b| b.is_ascii_digit()) {
            Some((
                FieldId::Quantity,
                "DMO203E Quantity must be a whole number (digits only).",
            ))
        } else if f.quantity.trim().parse::<u32>().map_or(true, |q| q == 0) {
            Some((FieldId::Quantity, "DMO204E Quantity must be 1 or more."))
        } else if !matches!(f.rush.trim().to_ascii_uppercase().as_str(), "" | "Y" | "N") {
            Some((FieldId::Rush, "DMO205E Rush delivery is Y or N."))
        } else {
            None
        };
        if let Some((field, text)) = problem {
            // A Write, not an Erase/Write: what the operator typed stays where it is, and only
            // the message and the cursor change.
            return self.partial(&error(text), Some(field), true);
        }
        let number = self.next_order;
        self.next_order += 1;
        let part = if f.part.trim().is_empty() {
            "P-1001".to_owned()
        } else {
            f.part.trim().to_ascii_uppercase()
        };
        let text = format!(
            "DMO210I Order {number:05} accepted: {} x {part} for {}.",
            f.quantity.trim().trim_start_matches('0'),
            f.customer.trim().to_ascii_uppercase()
        );
        self.form = OrderForm::default();
        self.redraw(Some(&info(&text)), Some(FieldId::Customer), false)
    }

    fn page_size(&self) -> usize {
        usize::from(self.term.dims.rows.saturating_sub(8)).max(1)
    }

    fn page_up(&mut self) -> Reply {
        if self.top == 0 {
            return self.redraw(
                Some(&warning(
                    "DMO301W TOP OF LIST: there is nothing before line 1.",
                )),
                None,
                false,
            );
        }
        self.top = self.top.saturating_sub(self.page_size());
        self.redraw(None, None, false)
    }

    fn page_down(&mut self) -> Reply {
        let size = self.page_size();
        if self.top + size >= PARTS {
            return self.redraw(
                Some(&warning(&format!(
                    "DMO302W BOTTOM OF LIST: line {PARTS} is the last."
                ))),
                None,
                false,
            );
        }
        self.top += size;
        self.redraw(None, None, false)
    }

    fn not_active(&mut self, aid: Aid) -> Reply {
        let text = format!("DMO005W {aid} has no function on this screen.");
        self.partial(&warning(&text), None, true)
    }

    fn sign_off(&mut self) -> Reply {
        let who = self.user.clone().unwrap_or_else(|| USER.to_owned());
        self.goodbye(&format!("DMO999I {who} signed off. Goodbye."))
    }

    fn goodbye(&mut self, text: &str) -> Reply {
        let mut p = Painter::erase_write(self.term.dims, self.term.extended, false);
        self.header(&mut p, "DMO999", "Goodbye");
        p.label(4, 1, text, Style::Info);
        p.label(
            6,
            1,
            "The host has closed the connection. Thank you for trying r3270.",
            Style::Text,
        );
        let (record, layout) = p.finish();
        self.layout = layout;
        Reply {
            records: vec![record],
            close: true,
        }
    }

    /// A Write with a new message line and the cursor on `field`.
    fn partial(&mut self, message: &Message, field: Option<FieldId>, alarm: bool) -> Reply {
        let mut p = Painter::write(self.term.dims, self.term.extended, alarm);
        let row = p.rows() - 2;
        p.line(row, &message.text, message.style);
        let at = field
            .and_then(|id| self.layout.iter().find(|s| s.id == id))
            .or(self.layout.first())
            .map_or(BufferAddr::ZERO, |s| s.start);
        p.cursor_at(at);
        let (record, _) = p.finish();
        Reply {
            records: vec![record],
            close: false,
        }
    }

    /// An Erase/Write of the current screen.
    fn redraw(&mut self, message: Option<&Message>, cursor: Option<FieldId>, alarm: bool) -> Reply {
        let mut p = Painter::erase_write(self.term.dims, self.term.extended, alarm);
        if self.help {
            self.draw_help(&mut p);
        } else {
            match self.page {
                Page::SignOn => self.draw_sign_on(&mut p),
                Page::Menu => self.draw_menu(&mut p),
                Page::Order => self.draw_order(&mut p),
                Page::Catalogue => self.draw_catalogue(&mut p),
                Page::Colours => self.draw_colours(&mut p),
            }
        }
        let row = p.rows() - 2;
        match message {
            Some(m) => p.line(row, &m.text, m.style),
            None => p.line(row, "", Style::Text),
        }
        p.cursor_on(cursor);
        let (record, layout) = p.finish();
        self.layout = layout;
        Reply {
            records: vec![record],
            close: false,
        }
    }

    fn header(&self, p: &mut Painter, id: &str, title: &str) {
        let cols = p.cols();
        p.label(0, 0, id, Style::Keys);
        let name = "R3270 DEMONSTRATION HOST";
        p.label(0, (cols - name.len() as u16) / 2 - 1, name, Style::Title);
        p.label(0, cols - 15, &self.wall.text(), Style::Keys);
        p.label(1, 0, title, Style::Title);
        if let Some(user) = &self.user {
            let text = format!("User {user}");
            p.label(1, cols - 15, &text, Style::Keys);
        }
    }

    fn keys(p: &mut Painter, text: &str) {
        let row = p.rows() - 1;
        p.line(row, text, Style::Keys);
    }

    fn draw_sign_on(&self, p: &mut Painter) {
        self.header(p, Page::SignOn.id(), Page::SignOn.title());
        p.label(
            3,
            1,
            "Welcome to the r3270 demonstration host. Everything here is make-believe:",
            Style::Text,
        );
        p.label(
            4,
            1,
            "the orders, parts and people are invented and nothing leaves this program.",
            Style::Text,
        );
        p.label(7, 1, "User ID . . . .", Style::Label);
        p.input(7, 18, 8, FieldId::UserId, &self.typed_user, Input::Text);
        p.label(8, 1, "Password  . . .", Style::Label);
        p.input(8, 18, 8, FieldId::Password, "", Input::Hidden);
        p.label(
            11,
            1,
            "Practice credentials: user DEMO, password DEMO.",
            Style::Value,
        );
        let kind = if self.term.extended {
            "extended data stream"
        } else {
            "basic data stream"
        };
        let text = format!(
            "Terminal {}  {}  {}x{}  {kind}",
            self.term.lu, self.term.terminal_type, self.term.dims.rows, self.term.dims.cols
        );
        p.label(13, 1, &text, Style::Text);
        Self::keys(p, "Enter=Sign on  PF1=Help  PF3=Exit  Clear=Redraw");
    }

    fn draw_menu(&self, p: &mut Painter) {
        self.header(p, Page::Menu.id(), Page::Menu.title());
        p.label(
            3,
            1,
            "Choose an option, or type a command, and press Enter.",
            Style::Text,
        );
        let options = [
            ("1", "Order entry", "Enter an order; the host checks it"),
            ("2", "Parts catalogue", "Browse the parts, a page at a time"),
            ("3", "Colour chart", "Every colour and highlight"),
            ("H", "Help", "How the keys work"),
            ("X", "Sign off", "End the session and disconnect"),
        ];
        for (i, (key, name, what)) in options.iter().enumerate() {
            let row = 5 + i as u16;
            p.label(row, 3, key, Style::Value);
            p.label(row, 6, name, Style::Label);
            p.label(row, 24, what, Style::Text);
        }
        p.label(12, 1, "Command ===>", Style::Label);
        p.input(12, 14, 40, FieldId::Command, &self.command, Input::Command);
        Self::keys(p, "Enter=Select  PF1=Help  PF3=Sign off  Clear=Redraw");
    }

    fn draw_order(&self, p: &mut Painter) {
        self.header(p, Page::Order.id(), Page::Order.title());
        p.label(3, 1, "Order number  . . :", Style::Label);
        p.label(3, 21, &format!("{:05}", self.next_order), Style::Value);
        p.label(4, 1, "Warehouse . . . . :", Style::Label);
        p.label(4, 21, "NORTH BAY 3", Style::Value);
        let f = &self.form;
        p.label(6, 1, "Customer name . . .", Style::Label);
        p.input(6, 21, 30, FieldId::Customer, &f.customer, Input::Text);
        p.label(6, 53, "*", Style::Error);
        p.label(7, 1, "Part number . . . .", Style::Label);
        p.input(7, 21, 8, FieldId::Part, &f.part, Input::Text);
        p.label(8, 1, "Quantity  . . . . .", Style::Label);
        p.input(8, 21, 5, FieldId::Quantity, &f.quantity, Input::Numeric);
        p.label(8, 53, "*", Style::Error);
        p.label(9, 1, "Rush delivery (Y/N)", Style::Label);
        p.input(9, 21, 1, FieldId::Rush, &f.rush, Input::Text);
        p.label(10, 1, "Note  . . . . . . .", Style::Label);
        p.input(10, 21, 40, FieldId::Note, &f.note, Input::Text);
        p.label(
            12,
            1,
            "* required. Quantity is a whole number; the part defaults to P-1001.",
            Style::Text,
        );
        Self::keys(p, "Enter=Submit  PF1=Help  PF3=Menu  Clear=Redraw");
    }

    fn draw_catalogue(&self, p: &mut Painter) {
        self.header(p, Page::Catalogue.id(), Page::Catalogue.title());
        let size = self.page_size();
        let last = (self.top + size).min(PARTS);
        p.label(
            2,
            1,
            &format!("Lines {}-{} of {PARTS}", self.top + 1, last),
            Style::Value,
        );
        p.label(
            3,
            1,
            "Part    Description                    In stock  Bin",
            Style::Title,
        );
        for (i, n) in (self.top..last).enumerate() {
            p.label(4 + i as u16, 1, &part_line(n), Style::Text);
        }
        Self::keys(p, "PF1=Help  PF3=Menu  PF7=Back  PF8=Forward  Clear=Redraw");
    }

    fn draw_colours(&self, p: &mut Painter) {
        self.header(p, Page::Colours.id(), Page::Colours.title());
        if !self.term.extended {
            p.label(
                3,
                1,
                "This terminal asked for the basic data stream: no colours are sent.",
                Style::Text,
            );
            p.label(5, 1, "Normal text", Style::Text);
            p.label(6, 1, "Intensified text", Style::Title);
            Self::keys(p, "PF1=Help  PF3=Menu  Clear=Redraw");
            return;
        }
        p.label(3, 1, "Field colours (Start Field Extended)", Style::Title);
        let colours = [
            ("Blue", Color::Blue),
            ("Red", Color::Red),
            ("Pink", Color::Pink),
            ("Green", Color::Green),
            ("Turquoise", Color::Turquoise),
            ("Yellow", Color::Yellow),
            ("White", Color::NeutralWhite),
        ];
        // Samples, not labels: each ends where its text ends, so a highlight does not run on
        // over the blanks to the next field.
        for (i, (name, c)) in colours.iter().enumerate() {
            p.sample(4 + i as u16, 2, name, Style::Custom(*c, 0));
            p.sample(
                4 + i as u16,
                14,
                "reverse",
                Style::Custom(*c, highlight::REVERSE),
            );
        }
        p.label(3, 40, "Highlighting", Style::Title);
        let highlights = [
            ("Normal", highlight::NORMAL),
            ("Blink", highlight::BLINK),
            ("Reverse video", highlight::REVERSE),
            ("Underscore", highlight::UNDERSCORE),
            ("Intensify", highlight::INTENSIFY),
        ];
        for (i, (name, h)) in highlights.iter().enumerate() {
            p.sample(
                4 + i as u16,
                41,
                name,
                Style::Custom(Color::NeutralWhite, *h),
            );
        }
        p.label(12, 1, "Character attributes (Set Attribute)", Style::Title);
        p.runs(
            13,
            2,
            &[
                ("red ", Color::Red, 0),
                ("green ", Color::Green, 0),
                ("blue ", Color::Blue, 0),
                ("yellow-reverse", Color::Yellow, highlight::REVERSE),
                (" ", Color::Green, 0),
                ("pink-underscore", Color::Pink, highlight::UNDERSCORE),
                (" ", Color::Green, 0),
                ("white-blink", Color::NeutralWhite, highlight::BLINK),
            ],
        );
        p.label(15, 1, "An input field:", Style::Label);
        p.input(15, 17, 20, FieldId::Scratch, "", Input::Text);
        Self::keys(p, "PF1=Help  PF3=Menu  Clear=Redraw");
    }

    fn draw_help(&self, p: &mut Painter) {
        let title = format!("Help: {}", self.page.title());
        self.header(p, "DMO900", &title);
        let about: &[&str] = match self.page {
            Page::SignOn => &[
                "Type your user ID, press Tab, type your password and press Enter.",
                "The practice user is DEMO with password DEMO. The password does not show",
                "as you type. Three wrong passwords end the session.",
            ],
            Page::Menu => &[
                "Type 1, 2 or 3 on the command line to open a screen, H for this help,",
                "or X (or LOGOFF) to sign off. PF3 signs off too.",
            ],
            Page::Order => &[
                "Customer name and quantity are required. The quantity is a whole number.",
                "The host checks the form when you press Enter: a mistake puts a message",
                "at the bottom and the cursor on the field to correct.",
            ],
            Page::Catalogue => &[
                "PF8 shows the next page of parts and PF7 the previous one. The host says",
                "TOP OF LIST or BOTTOM OF LIST when there is nothing further.",
            ],
            Page::Colours => &[
                "The seven colours and five highlights of the 3270 extended data stream,",
                "first for whole fields, then for characters inside one field.",
            ],
        };
        for (i, line) in about.iter().enumerate() {
            p.label(3 + i as u16, 1, line, Style::Text);
        }
        p.label(7, 1, "Keys", Style::Title);
        let keys = [
            ("Enter", "Send the screen to the host"),
            ("PF1", "This help, from any screen"),
            (
                "PF3",
                "Back: to the menu, from the menu sign off, at sign-on exit",
            ),
            ("PF7 PF8", "Page back and forward in the parts catalogue"),
            ("Clear", "Redraw the current screen"),
            ("Tab", "Next input field"),
        ];
        for (i, (key, what)) in keys.iter().enumerate() {
            let row = 8 + i as u16;
            p.label(row, 2, key, Style::Value);
            p.label(row, 12, what, Style::Text);
        }
        Self::keys(p, "Enter or PF3=Return  Clear=Redraw");
    }
}

fn info(text: &str) -> Message {
    Message {
        text: text.to_owned(),
        style: Style::Info,
    }
}

fn error(text: &str) -> Message {
    Message {
        text: text.to_owned(),
        style: Style::Error,
    }
}

fn warning(text: &str) -> Message {
    Message {
        text: text.to_owned(),
        style: Style::Warning,
    }
}

/// The text of inbound field data (EBCDIC, default code page), Graphic Escape pairs left
/// out, trailing blanks trimmed.
fn decode(data: &[u8]) -> String {
    let cp = CodePage::default();
    let mut out = String::new();
    let mut i = 0;
    while let Some(&b) = data.get(i) {
        if b == code::GE {
            i += 2;
            continue;
        }
        out.push(cp.to_unicode(b));
        i += 1;
    }
    out.trim_end().to_owned()
}

/// One line of the parts catalogue: made-up parts, the same on every connection.
pub fn part_line(n: usize) -> String {
    const MATERIAL: [&str; 5] = ["Steel", "Brass", "Nylon", "Alloy", "Copper"];
    const THING: [&str; 12] = [
        "hex bolt", "washer", "bracket", "hinge", "spring", "gasket", "pulley", "valve", "bearing",
        "clamp", "rivet", "sprocket",
    ];
    const SIZE: [&str; 4] = ["M4", "M6", "M8", "M10"];
    let description = format!(
        "{} {} {}",
        MATERIAL[n % MATERIAL.len()],
        THING[n % THING.len()],
        SIZE[(n / 3) % SIZE.len()]
    );
    let stock = (n * 37 + 11) % 500;
    let bin = format!("{}{:02}", char::from(b'A' + (n % 6) as u8), n % 20 + 1);
    format!("P-{:04} {description:<30} {stock:>8}  {bin}", 1001 + n)
}

#[cfg(test)]
mod tests;
