//! Macros headless: `r3270 screen HOST macro:NAME ...` and `r3270 macro run NAME HOST`.
//!
//! Before a byte goes out, every macro named is expanded ([`crate::macros::plan`]) with its
//! values: `--set NAME=VALUE` for a prompt that is not secret; else the environment variable
//! `R3270_PROMPT_NAME` (NAME upper-cased, `-` as `_`); else one line of standard input (on a
//! terminal, asked on stderr with echo off for a secret). A secret prompt never takes its
//! value from `--set`: command lines end up in shell histories and `ps`. `env NAME` steps
//! read the variable NAME. The plan is then played on the [`Client`], one runner a step,
//! exactly as the TUI plays it.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};

use crate::config::Config;
use crate::headless::Step;
use crate::macros::{self, Plan, Playback, Played, Value, Values};
use crate::runtime::client::Client;

/// The environment variable that answers prompt `name`.
pub fn prompt_env(name: &str) -> String {
    format!(
        "R3270_PROMPT_{}",
        name.to_ascii_uppercase().replace('-', "_")
    )
}

/// `--set NAME=VALUE`, split.
fn sets(set: &[String]) -> Result<BTreeMap<String, String>, String> {
    set.iter()
        .map(|s| {
            s.split_once('=')
                .map(|(n, v)| (n.trim().to_owned(), v.to_owned()))
                .ok_or_else(|| format!("--set {s}: expected NAME=VALUE"))
        })
        .collect()
}

/// Every macro the steps name, expanded with its values.
///
/// # Errors
/// An unknown macro, a secret given with `--set`, a value nowhere to be found.
pub fn plans(
    steps: &[Step],
    config: &Config,
    set: &[String],
) -> Result<BTreeMap<String, Plan>, String> {
    let set = sets(set)?;
    let mut values = Values::default();
    let mut out = BTreeMap::new();
    for step in steps {
        let Step::Macro(name) = step else { continue };
        if out.contains_key(name) {
            continue;
        }
        for v in macros::values_needed(&config.macros, name) {
            if values.has(&v) {
                continue;
            }
            match &v {
                Value::Env(var) => {
                    if let Ok(text) = std::env::var(var) {
                        values.set_env(var, text);
                    }
                }
                Value::Prompt { name: p, secret } => {
                    let text = prompt_value(p, *secret, &set)?;
                    values.set_prompt(p, text);
                }
            }
        }
        let plan = macros::plan(&config.macros, name, &values)?;
        out.insert(name.clone(), plan);
    }
    Ok(out)
}

/// A prompt's value: `--set` (not for a secret), the environment, standard input.
fn prompt_value(
    name: &str,
    secret: bool,
    set: &BTreeMap<String, String>,
) -> Result<String, String> {
    let var = prompt_env(name);
    if let Some(v) = set.get(name) {
        if secret {
            return Err(format!(
                "--set {name}=...: `{name}` is a secret and is never taken from the command \
                 line; set {var} in the environment or give it on standard input"
            ));
        }
        return Ok(v.clone());
    }
    if let Ok(v) = std::env::var(&var) {
        return Ok(v);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("{name}: ");
        let _ = std::io::stderr().flush();
        if secret {
            return read_hidden().map_err(|e| format!("cannot read {name}: {e}"));
        }
    }
    let mut line = String::new();
    match stdin.lock().read_line(&mut line) {
        Ok(n) if n > 0 => Ok(line.trim_end_matches(['\r', '\n']).to_owned()),
        Ok(_) => Err(format!(
            "no value for prompt `{name}`: set {var}{}, or give it on standard input",
            if secret { "" } else { " or --set NAME=VALUE" }
        )),
        Err(e) => Err(format!("cannot read {name} from standard input: {e}")),
    }
}

/// One line from the terminal without echo (raw mode, restored on every path).
fn read_hidden() -> std::io::Result<String> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    crossterm::terminal::enable_raw_mode()?;
    let mut text = String::new();
    let result = loop {
        match read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    break Err(std::io::Error::other("interrupted"));
                }
                KeyCode::Char(c) => text.push(c),
                KeyCode::Backspace => {
                    text.pop();
                }
                _ => {}
            },
            Ok(_) => {}
            Err(e) => break Err(e),
        }
    };
    let restored = crossterm::terminal::disable_raw_mode();
    eprintln!();
    result?;
    restored?;
    Ok(text)
}

/// Plays a plan to its end, serving the connection; why it stopped, in lines, if it did.
pub async fn run(client: &mut Client, plan: &Plan) -> Result<(), Vec<String>> {
    let mut playback = Playback::new(plan.clone());
    match client.play(&mut playback).await {
        Played::Done | Played::Pending(_) => Ok(()),
        Played::Stopped(s) => Err(s.lines()),
    }
}
