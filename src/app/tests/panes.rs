//! The pane seam: a pane's keys go through the keymap (its layer, then global), what a pane
//! does not consume reaches the App, and a new kind of pane is opened, keyed and drawn
//! without any change to the dispatch or the frame.

use std::any::Any;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use super::*;
use crate::app::pane::{Handled, Pane, PaneCtx};

/// The test config with the user's file `text` loaded over the defaults by the real loader
/// (so the merge rule applies: the user's bindings first).
fn config_with(name: &str, text: &str) -> Config {
    let dir = std::env::temp_dir().join(format!("r3270-panes-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(&file, text).unwrap();
    let loaded = crate::config::check_file(&file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let mut cfg = config();
    cfg.keymap = loaded.keymap;
    cfg
}

fn ctrl(rig: &mut Rig, c: char) {
    rig.key(KeyCode::Char(c), KeyModifiers::CONTROL);
}

#[test]
fn a_rebound_prompt_key_moves_the_palette_and_picker_selection() {
    let mut rig = Rig::with(config_with(
        "rebound",
        "[keymap]\nprompt = [\n  { key = \"ctrl-n\", action = \"select-next\" },\n  \
         { key = \"ctrl-p\", action = \"select-prev\" },\n  { key = \"down\", action = \"none\" },\n]\n",
    ));
    // The picker (shown at start): two profiles' worth of entries after one typed host.
    rig.app.set_recent_hosts(["a.example:23".to_owned()]);
    let selected = |rig: &Rig| rig.app.pane_as::<Picker>().map(|p| p.selected);
    assert_eq!(rig.app.picker_entries("").len(), 2);
    ctrl(&mut rig, 'n');
    assert_eq!(selected(&rig), Some(1));
    // `down` is unbound in the file: the keymap said so, nothing moves (no built-in arrow).
    rig.press(KeyCode::Down);
    ctrl(&mut rig, 'p');
    assert_eq!(selected(&rig), Some(0));
    ctrl(&mut rig, 'n');
    rig.press(KeyCode::Enter);
    assert_eq!(rig.app.tabs().len(), 1);
    assert_eq!(rig.app.tabs()[0].name, "a.example:23");
    // The palette: ctrl-n moves through the completions and Enter runs the one chosen.
    ctrl(&mut rig, ']');
    rig.typed("toggle-");
    let palette = |rig: &Rig| rig.app.pane_as::<Palette>().cloned().unwrap();
    let completions = crate::app::pane::palette::completions(&rig.app.pane_ctx(), "toggle-");
    let at = completions
        .iter()
        .position(|c| c == "toggle-crosshair")
        .unwrap();
    assert!(at > 0, "{completions:?}");
    for _ in 0..at {
        ctrl(&mut rig, 'n');
    }
    assert_eq!(palette(&rig).selected, at);
    rig.press(KeyCode::Down);
    assert_eq!(palette(&rig).selected, at);
    let before = rig.app.crosshair();
    rig.press(KeyCode::Enter);
    assert!(rig.app.pane().is_none());
    assert_ne!(rig.app.crosshair(), before);
}

#[test]
fn an_action_the_pane_does_not_use_goes_to_the_app() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    ctrl(&mut rig, ']');
    rig.typed("erase");
    assert_eq!(rig.app.layer(), Layer::Prompt);
    // ctrl-q is `quit` in the global layer; the palette does not use it, so the App asks.
    ctrl(&mut rig, 'q');
    let Some(Confirm { question, on_yes }) = rig.app.pane_as::<Confirm>() else {
        panic!("{:?}", rig.app.pane())
    };
    assert!(question.contains("Quit r3270"), "{question}");
    assert_eq!(on_yes, &Action::Quit);
    // The confirmation is modal: another global action is swallowed, not run behind it.
    ctrl(&mut rig, 't');
    assert!(rig.app.pane_as::<Confirm>().is_some());
    rig.press(KeyCode::Char('y'));
    assert!(rig.app.quitting());
    assert_eq!(rig.seen.last(), Some(&Effect::Quit));
}

#[test]
fn help_closes_on_q_and_a_message_on_space() {
    let mut rig = Rig::new();
    rig.action("connect demo");
    rig.action("help");
    rig.press(KeyCode::Down);
    assert_eq!(rig.app.pane_as::<Help>(), Some(&Help { scroll: 1 }));
    rig.press(KeyCode::Char('q'));
    assert!(rig.app.pane().is_none());
    rig.app.show_message(vec!["hello".into()]);
    rig.press(KeyCode::Char(' '));
    assert!(rig.app.pane().is_none());
    // Nothing was typed into the screen behind them.
    assert!(!rig.text().contains('q'), "{}", rig.text());
}

/// A pane the App has never heard of: it counts `select-next` and has its own layer.
#[derive(Debug, Default)]
struct Counter {
    hits: usize,
}

impl Pane for Counter {
    fn layer(&self) -> Layer {
        Layer::Monitor
    }

    fn action(&mut self, action: &Action, _ctx: &PaneCtx) -> Handled {
        match action {
            Action::SelectNext => {
                self.hits += 1;
                Handled::Kept
            }
            Action::Cancel => Handled::Close,
            _ => Handled::No,
        }
    }

    fn draw(&self, buf: &mut Buffer, area: Rect, ctx: &PaneCtx) {
        let text = format!("counter: {} of {} tabs", self.hits, ctx.tabs);
        buf.set_string(area.x, area.y, text, ratatui::style::Style::new());
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[test]
fn a_new_pane_is_opened_keyed_and_drawn_without_touching_the_dispatch() {
    let mut cfg = config();
    let mut layers: Vec<(Layer, Vec<Binding>)> = Layer::ALL
        .iter()
        .map(|l| (*l, cfg.keymap.layer(*l).to_vec()))
        .collect();
    for (layer, bindings) in &mut layers {
        if *layer == Layer::Monitor {
            *bindings = bind(&[("j", "select-next")]);
        }
    }
    cfg.keymap = Keymap::new(layers);
    let mut rig = Rig::with(cfg);
    rig.action("connect demo");
    let screen = rig.text();
    rig.app.open_pane(Box::new(Counter::default()));
    assert_eq!(rig.app.layer(), Layer::Monitor);
    // `j` is select-next in the monitor layer; `x` is bound nowhere and, with a pane
    // focused, types nothing into the screen.
    rig.press(KeyCode::Char('j'));
    rig.press(KeyCode::Char('j'));
    rig.press(KeyCode::Char('x'));
    assert_eq!(rig.app.pane_as::<Counter>().map(|c| c.hits), Some(2));
    assert_eq!(rig.text(), screen);
    // Drawn through the same path as the TUI's frames.
    let mut terminal = Terminal::new(TestBackend::new(100, 28)).unwrap();
    terminal
        .draw(|f| crate::tui::draw(f, &mut rig.app))
        .unwrap();
    let drawn: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(ratatui::buffer::Cell::symbol)
        .collect();
    assert!(drawn.contains("counter: 2 of 1 tabs"), "{drawn}");
    // A global action it does not use reaches the App: ctrl-] opens the palette over it.
    ctrl(&mut rig, ']');
    assert!(rig.app.pane_as::<Palette>().is_some());
    assert_eq!(rig.app.layer(), Layer::Prompt);
    // Esc (the prompt layer's cancel) closes the palette; the counter is gone (one focus).
    rig.press(KeyCode::Esc);
    assert!(rig.app.pane().is_none());
    assert_eq!(rig.app.layer(), Layer::Screen);
}
