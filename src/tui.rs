//! The interactive terminal: owning the terminal (raw mode, alternate screen, mouse,
//! bracketed paste, keyboard enhancement), restoring it on every exit path and in a panic
//! hook, and running the event loop around an [`App`](crate::app::App).
//!
//! This module owns the terminal and the tokio tasks; it must not decide what a key does or
//! how a session reacts (that is `crate::app`) nor how things look (that is `crate::ui`).
//! Logs never go to the terminal: the caller sets up file logging before [`run`].

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    KeyboardEnhancementFlags, PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};

use crate::config::{Config, Profile};

pub mod api;
mod audit_jobs;
mod conn;
mod draw;
mod input;
mod launch;
mod restore;
mod run;

pub use draw::draw;
pub use launch::{Launch, demo_profile, launch};
pub use run::run;

/// A fresh configuration for `reload-config`: `Err` holds every error, one per line.
pub type Reload = Box<dyn Fn() -> Result<Config, Vec<String>> + Send>;

/// What the TUI starts with.
pub struct TuiOptions {
    pub config: Config,
    /// Tabs to open at once (`r3270 HOST`, `r3270 --demo`); none shows the connect picker.
    pub open: Vec<Profile>,
    /// Reads the configuration again (the `reload-config` action and file changes).
    pub reload: Reload,
    /// The file whose modification time triggers a reload (checked on the slow tick).
    pub watch: Option<PathBuf>,
    /// The audit log every tab records to (`None`: not recording).
    pub audit: Option<crate::audit::SharedWriter>,
    /// The API server for the tabs (`[api] enabled`), already listening.
    pub api: Option<api::Server>,
}

// What was turned on, so that a restore (even from the panic hook) undoes exactly that.
static RAW: AtomicBool = AtomicBool::new(false);
static ALT_SCREEN: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);
static PASTE: AtomicBool = AtomicBool::new(false);
static ENHANCED: AtomicBool = AtomicBool::new(false);
static HOOKED: AtomicBool = AtomicBool::new(false);

/// Puts the terminal back as it was when dropped (every exit path, `?` included).
#[derive(Debug)]
pub struct TerminalGuard(());

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Raw mode, the alternate screen, bracketed paste, mouse capture when `mouse`, and
/// keyboard enhancement where the terminal supports it (keypad keys and more chords are
/// then distinct). Installs the panic hook first, so a panic at any point restores.
pub fn setup(mouse: bool) -> io::Result<TerminalGuard> {
    install_panic_hook();
    let guard = TerminalGuard(());
    enable_raw_mode()?;
    RAW.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    execute!(out, EnterAlternateScreen)?;
    ALT_SCREEN.store(true, Ordering::SeqCst);
    execute!(out, EnableBracketedPaste)?;
    PASTE.store(true, Ordering::SeqCst);
    if mouse {
        execute!(out, EnableMouseCapture)?;
        MOUSE.store(true, Ordering::SeqCst);
    }
    if crossterm::terminal::supports_keyboard_enhancement().unwrap_or(false) {
        execute!(
            out,
            PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
        )?;
        ENHANCED.store(true, Ordering::SeqCst);
    }
    Ok(guard)
}

/// Undo whatever [`setup`] turned on. Safe to call twice; errors are ignored because there
/// is nothing better to do with them on the way out.
pub fn restore() {
    let mut out = io::stdout();
    if ENHANCED.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    if MOUSE.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    if PASTE.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableBracketedPaste);
    }
    if ALT_SCREEN.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, LeaveAlternateScreen, cursor::Show);
    }
    if RAW.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
    }
    let _ = out.flush();
}

/// Restore the terminal before the previous hook prints the panic, so the message is
/// readable and the shell usable.
fn install_panic_hook() {
    if HOOKED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}
