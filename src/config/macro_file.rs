//! Macros in the configuration: `[macros]` entries (a list of steps, or a table with
//! `steps` and a macro-wide `timeout`) and macro files (`DATA/macros/NAME.toml`, one macro
//! a file, the same keys at the top level).
//!
//! Each step is a string in the macro language (`crate::macros::parse_step`); a bad one is
//! reported at its own position, with the language's words. Whether a `play-macro` names
//! a defined macro, and whether a macro plays itself, is checked by the loader once every
//! file is read (the `play-macro` references are handed back for that).

use std::path::{Path, PathBuf};

use crate::action::Action;
use crate::config::Macro;
use crate::keymap::KeyChord;
use crate::macros::{MacroStep, parse_step};

use super::doc::{Ctx, Entry, Table, Value, join};
use super::profile::Reference;

/// The keys of a macro table (and of a macro file).
pub const KEYS: &[&str] = &["steps", "timeout", "remember-values", "key", "description"];

/// A macro as read, with the `play-macro` references it makes and its own key.
pub struct Read {
    pub mac: Macro,
    pub calls: Vec<Reference>,
    /// `key = "alt-f1"`: a screen-layer binding to `play-macro NAME`.
    pub key: Option<KeyChord>,
}

/// `[macros] NAME = [...]` or `[macros.NAME] steps = [...]`.
pub fn read_entry(ctx: &mut Ctx<'_>, e: &Entry) -> Option<Read> {
    let path = join("macros", &e.key);
    if let Value::Array(_) = &e.node.value {
        let (steps, calls) = read_steps(ctx, "macros", e)?;
        Some(Read {
            mac: Macro {
                name: e.key.clone(),
                steps,
                timeout: None,
                file: None,
                remember_values: true,
                description: None,
            },
            calls,
            key: None,
        })
    } else {
        let t = ctx.table("macros", e)?;
        read_table(ctx, &e.key, &path, t, None)
    }
}

/// A macro table: `steps` (required), `timeout`, `description`.
pub fn read_table(
    ctx: &mut Ctx<'_>,
    name: &str,
    path: &str,
    t: &Table,
    file: Option<PathBuf>,
) -> Option<Read> {
    ctx.check_keys(path, t, KEYS);
    let mut steps = None;
    let mut timeout = None;
    let mut remember_values = true;
    let mut key = None;
    let mut description = None;
    let mut ok = true;
    for e in &t.entries {
        match e.key.as_str() {
            "steps" => steps = read_steps(ctx, path, e),
            "timeout" => match ctx.seconds(path, e) {
                Some(d) if !d.is_zero() => timeout = Some(d),
                Some(_) => {
                    ctx.err(
                        &e.node.span,
                        &join(path, "timeout"),
                        "0 is not allowed: a timeout is more than 0 seconds",
                    );
                    ok = false;
                }
                None => ok = false,
            },
            "description" => match ctx.str(path, e) {
                Some(d) => description = Some(d),
                None => ok = false,
            },
            "key" => match ctx.str(path, e).map(|s| s.parse::<KeyChord>()) {
                Some(Ok(chord)) => key = Some(chord),
                Some(Err(why)) => {
                    ctx.err(&e.node.span, &join(path, "key"), why.to_string());
                    ok = false;
                }
                None => ok = false,
            },
            "remember-values" => match ctx.bool(path, e) {
                Some(b) => remember_values = b,
                None => ok = false,
            },
            _ => {}
        }
    }
    let Some((steps, calls)) = steps else {
        if ok && t.get("steps").is_none() {
            let span = t.entries.first().map_or(0..0, |e| e.key_span.clone());
            ctx.err(
                &span,
                path,
                "the macro has no `steps` (steps = [\"type ...\", \"enter\", ...])",
            );
        }
        return None;
    };
    ok.then(|| Read {
        mac: Macro {
            name: name.to_owned(),
            steps,
            timeout,
            file,
            remember_values,
            description,
        },
        calls,
        key,
    })
}

/// A list of step strings, each parsed; `None` if any is wrong (each reported).
fn read_steps(
    ctx: &mut Ctx<'_>,
    path: &str,
    e: &Entry,
) -> Option<(Vec<MacroStep>, Vec<Reference>)> {
    let items = ctx.strings(path, e)?;
    // `[macros] NAME = [...]` is keyed `macros.NAME[i]`; a table's list `PATH.steps[i]`.
    let key = join(path, &e.key);
    let mut steps = Vec::new();
    let mut calls = Vec::new();
    let mut ok = true;
    for (i, (text, span)) in items.into_iter().enumerate() {
        match parse_step(&text) {
            Ok(step) => {
                if let MacroStep::Action(Action::PlayMacro(name)) = &step {
                    calls.push(Reference {
                        name: name.clone(),
                        key: format!("{key}[{i}]"),
                        span: span.clone(),
                    });
                }
                steps.push(step);
            }
            Err(why) => {
                ctx.err(&span, &format!("{key}[{i}]"), why);
                ok = false;
            }
        }
    }
    ok.then_some((steps, calls))
}

/// The macro files in `dir` (`*.toml`, sorted by name): each with its macro name (the file
/// stem) and its text, or why it cannot be read. A directory that does not exist has none.
pub fn files(dir: &Path) -> Vec<(PathBuf, String, Result<String, String>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let name = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read(&p)
                .map_err(|e| format!("cannot read the macro file: {e}"))
                .and_then(|b| {
                    String::from_utf8(b).map_err(|_| "the file is not UTF-8 text".to_owned())
                });
            (p, name, text)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Whether `name` can name a macro file (`crate::macros::valid_macro_name`).
pub fn valid_name(name: &str) -> bool {
    crate::macros::valid_macro_name(name)
}
