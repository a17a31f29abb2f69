//! Recording macros in the App: `record-macro [NAME]` starts a [`Recorder`] on the active
//! tab (its keys are recorded as the session applies them, its host answers give the
//! synchronisation points), `stop-recording` ends it and saves `DATA/macros/NAME.toml`
//! (asking for the name when none was given) through [`Effect::SaveMacro`], adds the macro
//! to the configuration at once (a reload reads it from its file) and shows the file.

use crate::action::Action;
use crate::app::pane::RecordName;
use crate::app::{App, Effect};
use crate::keymap::{Binding, KeyChord, Layer};
use crate::macros::record::{Recorder, to_toml};
use crate::macros::{Macro, MacroStep};

impl App {
    /// `record-macro [NAME]`.
    pub(crate) fn record_macro(&mut self, name: Option<String>) {
        let Some(tab) = self.active_tab_mut() else {
            self.set_status("nothing to record: no session is open");
            return;
        };
        if tab.recorder.is_some() {
            self.set_status("already recording: stop-recording ends it");
            return;
        }
        tab.recorder = Some(Recorder::new(name.clone()));
        let what = name.map_or_else(|| "a macro".to_owned(), |n| format!("macro `{n}`"));
        self.set_status(format!("recording {what}: stop-recording ends it"));
    }

    /// `stop-recording`: save under the name given at the start, or ask for one.
    pub(crate) fn stop_recording(&mut self) -> Vec<Effect> {
        let Some(rec) = self.active_tab_mut().and_then(|t| t.recorder.take()) else {
            self.set_status("not recording: record-macro starts a recording");
            return Vec::new();
        };
        let name = rec.name.clone();
        let steps = rec.finish();
        if let Some(name) = name {
            self.save_recording(&name, steps)
        } else {
            self.open_pane(Box::new(RecordName::new(steps)));
            Vec::new()
        }
    }

    /// Saves a recording: `answer` is the macro's name, then optionally a key to bind it to
    /// (`logon alt-f1`); refused, back in the name prompt, for a name that is not a file
    /// name or is taken, or a key that does not parse.
    pub(crate) fn save_recording(&mut self, answer: &str, steps: Vec<MacroStep>) -> Vec<Effect> {
        let mut words = answer.split_whitespace();
        let name = words.next().unwrap_or_default();
        let key = words.next().map(str::parse::<KeyChord>);
        let valid = crate::macros::valid_macro_name(name);
        let why = if words.next().is_some() {
            Some("expected NAME, or NAME KEY (e.g. `logon alt-f1`)".to_owned())
        } else if let Some(Err(e)) = &key {
            Some(e.to_string())
        } else if !valid {
            Some(format!(
                "`{name}` cannot name a macro: use letters, digits, -, _ and ."
            ))
        } else if self.config.macros.contains_key(name) {
            Some(format!(
                "a macro named `{name}` exists: choose another name"
            ))
        } else {
            None
        };
        if let Some(why) = why {
            self.open_pane(Box::new(RecordName::named(steps, answer.trim())));
            self.show_error_in_pane(why);
            return Vec::new();
        }
        let path = self
            .config
            .paths
            .data_dir
            .join("macros")
            .join(format!("{name}.toml"));
        let key = key.and_then(Result::ok);
        let text = to_toml(name, key, &steps);
        if let Some(key) = key {
            let binding = Binding {
                key,
                action: Action::PlayMacro(name.to_owned()),
                when: None,
            };
            self.config.keymap.bind(Layer::Screen, binding);
        }
        self.config.macros.insert(
            name.to_owned(),
            Macro {
                name: name.to_owned(),
                steps,
                timeout: None,
                file: Some(path.clone()),
                remember_values: true,
                description: None,
            },
        );
        let mut lines = vec![
            format!("Saved macro `{name}` to {}:", path.display()),
            String::new(),
        ];
        lines.extend(text.lines().map(str::to_owned));
        lines.push(String::new());
        lines.push(match key {
            Some(k) => format!("Play it with {k} or `play-macro {name}` (palette)."),
            None => {
                format!("Play it with `play-macro {name}` (palette), or set `key` in the file.")
            }
        });
        self.show_message(lines);
        vec![Effect::SaveMacro { path, text }]
    }

    /// The OIA's `REC n` while the tab records.
    pub(crate) fn recording_state(tab: &super::Tab) -> Option<String> {
        tab.recorder.as_ref().map(|r| format!("REC {}", r.count()))
    }
}
