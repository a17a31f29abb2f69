//! Actions: what the operator wants done, by name.
//!
//! An [`Action`] is the middle word of the app's three flows (Event → Action → Effect). Key
//! chords in the keymap, the command palette, macros and (later) scripts all name actions
//! the same way: a kebab-case verb, then its argument if it takes one, such as
//! `send-aid pf3`, `erase-eof`, `switch-tab 2`, `connect L:host:992` or `play-macro logon`.
//! [`Action::from_str`] parses that form and [`fmt::Display`] prints it back, so a keymap
//! round-trips through text. [`ACTIONS`] describes every name for completion and help.
//!
//! Actions carry no I/O; `App::update` turns them into state changes and effects.

use std::fmt;
use std::str::FromStr;

use crate::proto::{Aid, Key};

/// What the operator wants done.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// A 3270 key, applied by the engine under field rules (AIDs, Tab, Erase EOF, ...).
    Key(Key),
    /// Type a string at the cursor, as if each character were pressed.
    Type(String),
    /// Do nothing: a binding to `none` removes a default binding.
    None,
    /// Open the command palette.
    CommandPalette,
    /// Show or hide the help overlay (the effective keys).
    Help,
    /// Leave r3270 (asks first when a session is connected).
    Quit,
    /// Open the connect picker for a new tab.
    NewTab,
    /// Open a new tab connected to a profile or `[L:][LU@]host[:port]`.
    Connect(String),
    /// Close the current tab's connection, keeping the tab.
    Disconnect,
    /// Connect the current tab again to the same host.
    Reconnect,
    /// Close the current tab (asks first when connected).
    CloseTab,
    /// Switch to tab N (1-based).
    SwitchTab(usize),
    NextTab,
    PrevTab,
    /// Move the current tab one place left or right.
    MoveTabLeft,
    MoveTabRight,
    /// Rename the current tab (no argument: prompt for the name).
    RenameTab(Option<String>),
    /// Copy the selection (or the whole screen) to the clipboard (OSC 52).
    Copy,
    /// Show or hide the crosshair cursor.
    ToggleCrosshair,
    /// Keep the status line (OIA) over the host screen's last row when the terminal has no
    /// row of its own for it (an 80x24 window); off, it shows there only while it has
    /// something to say (a lock, an operator error, a disconnect, a message).
    ToggleOia,
    /// Open the audit log viewer (docs/AUDIT.md).
    ShowAudit,
    /// Read the configuration file again (keeps the old one if the new one has errors).
    ReloadConfig,
    /// Play a macro defined in the configuration.
    PlayMacro(String),
    /// Record the operator's actions on this tab as a macro (no name: asked at the end).
    RecordMacro(Option<String>),
    /// End the recording: save it to `DATA/macros/NAME.toml`.
    StopRecording,
    /// Scroll the view when the terminal is smaller than the host screen.
    PanUp,
    PanDown,
    PanLeft,
    PanRight,
    /// Open the session monitor: every tab's connection and figures, live.
    ShowMonitor,
    /// Close this tab's connection cleanly and keep the tab, its last screen dimmed, with
    /// no automatic reconnect.
    PauseSession,
    /// Connect a paused tab again (its logon macro plays again).
    ResumeSession,
    /// Move this tab to another endpoint (the profile's next one, or the host named); the
    /// old connection closes once the new one has shown its first screen.
    MigrateSession(Option<String>),
    /// Open again the tabs a run that did not quit left open (offered at start).
    RestoreTabs,
    /// Close an overlay, a prompt or a selection.
    Cancel,
    /// In a pane with a list (palette, picker) the previous item; in help, one row up.
    SelectPrev,
    /// In a pane with a list the next item; in help, one row down.
    SelectNext,
    /// In a pane, a page up (the list's selection or help's rows).
    PagePrev,
    /// In a pane, a page down.
    PageNext,
    /// In the audit viewer: the page of older records (it holds one page at a time).
    OlderPage,
    /// In the audit viewer: back to the page of newer records.
    NewerPage,
    /// In a pane: run, connect, rename or answer yes, whichever the pane is for.
    Accept,
    /// In the palette: take the highlighted completion into the input line.
    Complete,
}

/// An action name or argument that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    #[error("unknown action `{name}`{}", suggestion(.name))]
    Unknown { name: String },
    #[error("`{name}` needs an argument: {what}")]
    MissingArgument { name: String, what: &'static str },
    #[error("`{name}` takes no argument (got `{arg}`)")]
    UnexpectedArgument { name: String, arg: String },
    #[error("`{name} {arg}`: {what}")]
    BadArgument {
        name: String,
        arg: String,
        what: &'static str,
    },
}

fn suggestion(name: &str) -> String {
    match crate::suggest::nearest(name, ACTIONS.iter().map(|a| a.name)) {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

/// How an action's argument is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// No argument.
    None,
    /// A required argument, described for help and errors.
    Required(&'static str),
    /// An optional argument.
    Optional(&'static str),
}

/// The description of one action name.
#[derive(Clone, Copy, Debug)]
pub struct ActionInfo {
    pub name: &'static str,
    pub arg: Arg,
    pub help: &'static str,
}

const fn info(name: &'static str, arg: Arg, help: &'static str) -> ActionInfo {
    ActionInfo { name, arg, help }
}

/// Every action name, for completion, help and "did you mean".
pub const ACTIONS: &[ActionInfo] = &[
    info(
        "send-aid",
        Arg::Required("enter, pf1-pf24, pa1-pa3, clear or sysreq"),
        "send an attention key to the host",
    ),
    info("enter", Arg::None, "send Enter"),
    info("clear", Arg::None, "clear the screen and send Clear"),
    info("attn", Arg::None, "send Attention (telnet IP)"),
    info("sysreq", Arg::None, "send System Request"),
    info(
        "reset",
        Arg::None,
        "reset: unlock after an operator error, leave insert mode",
    ),
    info("tab", Arg::None, "next unprotected field"),
    info("back-tab", Arg::None, "previous unprotected field"),
    info("home", Arg::None, "first unprotected field"),
    info("new-line", Arg::None, "first field of the next line"),
    info("erase-eof", Arg::None, "erase to the end of the field"),
    info("erase-input", Arg::None, "erase every unprotected field"),
    info("toggle-insert", Arg::None, "insert mode on/off"),
    info("delete", Arg::None, "delete the character at the cursor"),
    info("backspace", Arg::None, "move left within the field"),
    info("erase", Arg::None, "move left and delete"),
    info("dup", Arg::None, "the DUP character, then the next field"),
    info("field-mark", Arg::None, "the Field Mark character"),
    info("cursor-up", Arg::None, "cursor up"),
    info("cursor-down", Arg::None, "cursor down"),
    info("cursor-left", Arg::None, "cursor left"),
    info("cursor-right", Arg::None, "cursor right"),
    info("cursor-left2", Arg::None, "cursor two left"),
    info("cursor-right2", Arg::None, "cursor two right"),
    info("field-end", Arg::None, "end of the text in the field"),
    info(
        "cursor-select",
        Arg::None,
        "cursor select (light pen) at the cursor",
    ),
    info(
        "move-cursor",
        Arg::Required("ROW,COL (1-based)"),
        "move the cursor",
    ),
    info("type", Arg::Required("the text"), "type text at the cursor"),
    info("none", Arg::None, "nothing (removes a default binding)"),
    info("command-palette", Arg::None, "open the command palette"),
    info("help", Arg::None, "show the keys"),
    info("quit", Arg::None, "leave r3270"),
    info("new-tab", Arg::None, "open the connect picker"),
    info(
        "connect",
        Arg::Required("a profile or [L:][LU@]host[:port]"),
        "open a new tab on a host",
    ),
    info("disconnect", Arg::None, "close this tab's connection"),
    info("reconnect", Arg::None, "connect this tab again"),
    info("close-tab", Arg::None, "close this tab"),
    info(
        "switch-tab",
        Arg::Required("the tab number, from 1"),
        "go to a tab",
    ),
    info("next-tab", Arg::None, "next tab"),
    info("prev-tab", Arg::None, "previous tab"),
    info("move-tab-left", Arg::None, "move this tab left"),
    info("move-tab-right", Arg::None, "move this tab right"),
    info(
        "rename-tab",
        Arg::Optional("the new name"),
        "rename this tab",
    ),
    info(
        "copy",
        Arg::None,
        "copy the selection (or screen) to the clipboard",
    ),
    info("toggle-crosshair", Arg::None, "crosshair cursor on/off"),
    info(
        "toggle-oia",
        Arg::None,
        "status line over the last row on/off (small terminals)",
    ),
    info("show-audit", Arg::None, "open the audit log viewer"),
    info("reload-config", Arg::None, "read the configuration again"),
    info(
        "play-macro",
        Arg::Required("the macro's name"),
        "play a macro",
    ),
    info(
        "record-macro",
        Arg::Optional("the macro's name"),
        "record a macro on this tab",
    ),
    info(
        "stop-recording",
        Arg::None,
        "end the recording and save the macro",
    ),
    info("pan-up", Arg::None, "scroll a large screen up"),
    info("pan-down", Arg::None, "scroll a large screen down"),
    info("pan-left", Arg::None, "scroll a large screen left"),
    info("pan-right", Arg::None, "scroll a large screen right"),
    info(
        "show-monitor",
        Arg::None,
        "the session monitor: every session's state and figures",
    ),
    info(
        "pause-session",
        Arg::None,
        "close this tab's connection, keep its last screen; no reconnect",
    ),
    info("resume-session", Arg::None, "connect a paused tab again"),
    info(
        "migrate-session",
        Arg::Optional("[L:][N:][LU@]host[:port]; none: the profile's next endpoint"),
        "move this tab to another host (its application state does not move)",
    ),
    info(
        "restore-tabs",
        Arg::None,
        "open again the tabs the last run left open",
    ),
    info("cancel", Arg::None, "close an overlay or selection"),
    info(
        "select-prev",
        Arg::None,
        "in a list: the previous item (help: scroll up)",
    ),
    info(
        "select-next",
        Arg::None,
        "in a list: the next item (help: scroll down)",
    ),
    info("page-prev", Arg::None, "in a list or help: a page up"),
    info("page-next", Arg::None, "in a list or help: a page down"),
    info(
        "older-page",
        Arg::None,
        "in the audit viewer: the page of older records",
    ),
    info(
        "newer-page",
        Arg::None,
        "in the audit viewer: back to the newer records",
    ),
    info(
        "accept",
        Arg::None,
        "in a prompt: run, connect, rename or answer yes",
    ),
    info(
        "complete",
        Arg::None,
        "in the palette: take the highlighted completion",
    ),
];

impl Action {
    /// The description of an action name, if it exists.
    pub fn info(name: &str) -> Option<&'static ActionInfo> {
        ACTIONS.iter().find(|a| a.name == name)
    }
}

fn key_name(key: Key) -> Option<&'static str> {
    Some(match key {
        Key::Aid(Aid::Enter) => "enter",
        Key::Aid(Aid::Clear) => "clear",
        Key::Aid(Aid::SysReq) => "sysreq",
        Key::Attn => "attn",
        Key::Reset => "reset",
        Key::Tab => "tab",
        Key::BackTab => "back-tab",
        Key::Home => "home",
        Key::NewLine => "new-line",
        Key::EraseEof => "erase-eof",
        Key::EraseInput => "erase-input",
        Key::Insert => "toggle-insert",
        Key::Delete => "delete",
        Key::Backspace => "backspace",
        Key::Erase => "erase",
        Key::Dup => "dup",
        Key::FieldMark => "field-mark",
        Key::Up => "cursor-up",
        Key::Down => "cursor-down",
        Key::Left => "cursor-left",
        Key::Right => "cursor-right",
        Key::Left2 => "cursor-left2",
        Key::Right2 => "cursor-right2",
        Key::FieldEnd => "field-end",
        Key::CursorSelect => "cursor-select",
        _ => return None,
    })
}

fn key_named(name: &str) -> Option<Key> {
    Some(match name {
        "enter" => Key::Aid(Aid::Enter),
        "clear" => Key::Aid(Aid::Clear),
        "sysreq" => Key::Aid(Aid::SysReq),
        "attn" => Key::Attn,
        "reset" => Key::Reset,
        "tab" => Key::Tab,
        "back-tab" => Key::BackTab,
        "home" => Key::Home,
        "new-line" => Key::NewLine,
        "erase-eof" => Key::EraseEof,
        "erase-input" => Key::EraseInput,
        "toggle-insert" => Key::Insert,
        "delete" => Key::Delete,
        "backspace" => Key::Backspace,
        "erase" => Key::Erase,
        "dup" => Key::Dup,
        "field-mark" => Key::FieldMark,
        "cursor-up" => Key::Up,
        "cursor-down" => Key::Down,
        "cursor-left" => Key::Left,
        "cursor-right" => Key::Right,
        "cursor-left2" => Key::Left2,
        "cursor-right2" => Key::Right2,
        "field-end" => Key::FieldEnd,
        "cursor-select" => Key::CursorSelect,
        _ => return None,
    })
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Key(key) => match key {
                Key::Aid(aid @ (Aid::Pf(_) | Aid::Pa(_))) => {
                    write!(f, "send-aid {}", aid.to_string().to_ascii_lowercase())
                }
                Key::MoveCursor { row, col } => write!(f, "move-cursor {},{}", row + 1, col + 1),
                Key::Char(c) => write!(f, "type {c}"),
                other => f.write_str(key_name(*other).unwrap_or("none")),
            },
            Action::Type(text) => write!(f, "type {text}"),
            Action::None => f.write_str("none"),
            Action::CommandPalette => f.write_str("command-palette"),
            Action::Help => f.write_str("help"),
            Action::Quit => f.write_str("quit"),
            Action::NewTab => f.write_str("new-tab"),
            Action::Connect(target) => write!(f, "connect {target}"),
            Action::Disconnect => f.write_str("disconnect"),
            Action::Reconnect => f.write_str("reconnect"),
            Action::CloseTab => f.write_str("close-tab"),
            Action::SwitchTab(n) => write!(f, "switch-tab {n}"),
            Action::NextTab => f.write_str("next-tab"),
            Action::PrevTab => f.write_str("prev-tab"),
            Action::MoveTabLeft => f.write_str("move-tab-left"),
            Action::MoveTabRight => f.write_str("move-tab-right"),
            Action::RenameTab(None) => f.write_str("rename-tab"),
            Action::RenameTab(Some(name)) => write!(f, "rename-tab {name}"),
            Action::Copy => f.write_str("copy"),
            Action::ToggleCrosshair => f.write_str("toggle-crosshair"),
            Action::ToggleOia => f.write_str("toggle-oia"),
            Action::ShowAudit => f.write_str("show-audit"),
            Action::ReloadConfig => f.write_str("reload-config"),
            Action::PlayMacro(name) => write!(f, "play-macro {name}"),
            Action::RecordMacro(None) => f.write_str("record-macro"),
            Action::RecordMacro(Some(name)) => write!(f, "record-macro {name}"),
            Action::StopRecording => f.write_str("stop-recording"),
            Action::PanUp => f.write_str("pan-up"),
            Action::PanDown => f.write_str("pan-down"),
            Action::PanLeft => f.write_str("pan-left"),
            Action::PanRight => f.write_str("pan-right"),
            Action::ShowMonitor => f.write_str("show-monitor"),
            Action::PauseSession => f.write_str("pause-session"),
            Action::ResumeSession => f.write_str("resume-session"),
            Action::MigrateSession(None) => f.write_str("migrate-session"),
            Action::MigrateSession(Some(to)) => write!(f, "migrate-session {to}"),
            Action::RestoreTabs => f.write_str("restore-tabs"),
            Action::Cancel => f.write_str("cancel"),
            Action::SelectPrev => f.write_str("select-prev"),
            Action::SelectNext => f.write_str("select-next"),
            Action::PagePrev => f.write_str("page-prev"),
            Action::PageNext => f.write_str("page-next"),
            Action::OlderPage => f.write_str("older-page"),
            Action::NewerPage => f.write_str("newer-page"),
            Action::Accept => f.write_str("accept"),
            Action::Complete => f.write_str("complete"),
        }
    }
}

impl FromStr for Action {
    type Err = ActionError;

    /// `name` or `name argument` (one space; the argument is the rest of the line, so
    /// `type hello world` types both words).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (name, arg) = match s.split_once(char::is_whitespace) {
            Some((n, a)) => (n, Some(a.trim()).filter(|a| !a.is_empty())),
            None => (s, None),
        };
        let Some(info) = Action::info(name) else {
            return Err(ActionError::Unknown {
                name: name.to_owned(),
            });
        };
        let arg = checked_arg(name, info.arg, arg)?;
        let bad = |what: &'static str| ActionError::BadArgument {
            name: name.to_owned(),
            arg: arg.unwrap_or_default().to_owned(),
            what,
        };
        if let Some(key) = key_named(name) {
            return Ok(Action::Key(key));
        }
        let arg_owned = || arg.unwrap_or_default().to_owned();
        Ok(match name {
            "send-aid" => {
                let aid: Aid = arg
                    .unwrap_or_default()
                    .parse()
                    .map_err(|_| bad("expected enter, pf1-pf24, pa1-pa3, clear or sysreq"))?;
                Action::Key(Key::Aid(aid))
            }
            "move-cursor" => Action::Key(move_cursor(arg.unwrap_or_default()).map_err(bad)?),
            "type" => Action::Type(arg_owned()),
            "none" => Action::None,
            "command-palette" => Action::CommandPalette,
            "help" => Action::Help,
            "quit" => Action::Quit,
            "new-tab" => Action::NewTab,
            "connect" => Action::Connect(arg_owned()),
            "disconnect" => Action::Disconnect,
            "reconnect" => Action::Reconnect,
            "close-tab" => Action::CloseTab,
            "switch-tab" => Action::SwitchTab(
                tab_number(arg.unwrap_or_default())
                    .ok_or_else(|| bad("expected a tab number from 1 to 99"))?,
            ),
            "next-tab" => Action::NextTab,
            "prev-tab" => Action::PrevTab,
            "move-tab-left" => Action::MoveTabLeft,
            "move-tab-right" => Action::MoveTabRight,
            "rename-tab" => Action::RenameTab(arg.map(str::to_owned)),
            "copy" => Action::Copy,
            "toggle-crosshair" => Action::ToggleCrosshair,
            "toggle-oia" => Action::ToggleOia,
            "show-audit" => Action::ShowAudit,
            "reload-config" => Action::ReloadConfig,
            "play-macro" => Action::PlayMacro(arg_owned()),
            "record-macro" => Action::RecordMacro(arg.map(str::to_owned)),
            "stop-recording" => Action::StopRecording,
            "pan-up" => Action::PanUp,
            "pan-down" => Action::PanDown,
            "pan-left" => Action::PanLeft,
            "pan-right" => Action::PanRight,
            "show-monitor" => Action::ShowMonitor,
            "pause-session" => Action::PauseSession,
            "resume-session" => Action::ResumeSession,
            "migrate-session" => Action::MigrateSession(arg.map(str::to_owned)),
            "restore-tabs" => Action::RestoreTabs,
            "cancel" => Action::Cancel,
            "select-prev" => Action::SelectPrev,
            "select-next" => Action::SelectNext,
            "page-prev" => Action::PagePrev,
            "page-next" => Action::PageNext,
            "older-page" => Action::OlderPage,
            "newer-page" => Action::NewerPage,
            "accept" => Action::Accept,
            "complete" => Action::Complete,
            _ => {
                return Err(ActionError::Unknown {
                    name: name.to_owned(),
                });
            }
        })
    }
}

/// The argument of action `name` if its arity allows it: none where it takes none, one where
/// it needs one (optional arguments may be either).
fn checked_arg<'a>(
    name: &str,
    arity: Arg,
    arg: Option<&'a str>,
) -> Result<Option<&'a str>, ActionError> {
    match (arity, arg) {
        (Arg::None, Some(a)) => Err(ActionError::UnexpectedArgument {
            name: name.to_owned(),
            arg: a.to_owned(),
        }),
        (Arg::Required(what), None) => Err(ActionError::MissingArgument {
            name: name.to_owned(),
            what,
        }),
        (_, a) => Ok(a),
    }
}

/// `move-cursor ROW,COL` (1-based, as the OIA shows the cursor) as the 0-based key, or what
/// is wrong with the argument.
fn move_cursor(arg: &str) -> Result<Key, &'static str> {
    let (r, c) = arg.split_once(',').ok_or("expected ROW,COL")?;
    let parse = |v: &str| v.trim().parse::<u16>().ok().filter(|v| *v >= 1);
    match (parse(r), parse(c)) {
        (Some(row), Some(col)) => Ok(Key::MoveCursor {
            row: row - 1,
            col: col - 1,
        }),
        _ => Err("ROW and COL are numbers from 1"),
    }
}

/// `switch-tab N`: a tab number from 1 to 99.
fn tab_number(arg: &str) -> Option<usize> {
    arg.parse::<usize>().ok().filter(|n| (1..=99).contains(n))
}

impl serde::Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Action {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_parses_and_round_trips() {
        for info in ACTIONS {
            let text = match info.arg {
                Arg::None | Arg::Optional(_) => info.name.to_owned(),
                Arg::Required(_) => match info.name {
                    "send-aid" => "send-aid pf13".to_owned(),
                    "move-cursor" => "move-cursor 3,7".to_owned(),
                    "switch-tab" => "switch-tab 2".to_owned(),
                    other => format!("{other} x"),
                },
            };
            let action: Action = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(action.to_string(), text, "{text} round trip");
        }
    }

    #[test]
    fn arguments() {
        assert_eq!(
            "send-aid PA2".parse::<Action>(),
            Ok(Action::Key(Key::Aid(Aid::Pa(2))))
        );
        assert_eq!(
            "type hello world".parse::<Action>(),
            Ok(Action::Type("hello world".into()))
        );
        assert_eq!(
            "move-cursor 1,1".parse::<Action>(),
            Ok(Action::Key(Key::MoveCursor { row: 0, col: 0 }))
        );
        assert_eq!(
            "send-aid pf25".parse::<Action>().map_err(|e| e.to_string()),
            Err("`send-aid pf25`: expected enter, pf1-pf24, pa1-pa3, clear or sysreq".into())
        );
        assert_eq!(
            "erase-eof now".parse::<Action>().map_err(|e| e.to_string()),
            Err("`erase-eof` takes no argument (got `now`)".into())
        );
        assert_eq!(
            "switch-tab".parse::<Action>().map_err(|e| e.to_string()),
            Err("`switch-tab` needs an argument: the tab number, from 1".into())
        );
    }

    #[test]
    fn unknown_names_suggest_the_nearest() {
        assert_eq!(
            "erase-eol".parse::<Action>().map_err(|e| e.to_string()),
            Err("unknown action `erase-eol` (did you mean `erase-eof`?)".into())
        );
        assert_eq!(
            "frobnicate".parse::<Action>().map_err(|e| e.to_string()),
            Err("unknown action `frobnicate`".into())
        );
    }
}
