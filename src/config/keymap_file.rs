//! The `[keymap]` section: one list of bindings per layer, and how a file's bindings are
//! merged over the defaults.
//!
//! Merge rule: a file's bindings for a layer come first (they win), a binding with the same
//! chord and condition as an earlier file's replaces it, and `action = "none"` keeps the
//! chord explicitly unbound. Within one layer of one file, two bindings for the same chord
//! and condition are an error naming both lines. Whether a `play-macro` names a defined
//! macro is checked after every file is read.

use std::collections::{HashMap, HashSet};

use crate::action::Action;
use crate::keymap::{Binding, Condition, KeyChord, Layer};

use super::doc::{Ctx, Entry, Node, Table, Value, join};
use super::profile::Reference;

/// The keys of one binding.
pub const BINDING_KEYS: &[&str] = &["key", "action", "when"];

/// The layers as keys of `[keymap]`, in documentation order.
pub const LAYER_KEYS: &[&str] = &["screen", "global", "monitor", "audit", "prompt"];

fn layer_named(name: &str) -> Option<Layer> {
    Layer::ALL.into_iter().find(|l| l.name() == name)
}

/// Reads the `[keymap]` table of one file: its bindings per layer, in file order, and the
/// macros its `play-macro` actions name.
pub fn read(ctx: &mut Ctx<'_>, table: &Table) -> (Vec<(Layer, Vec<Binding>)>, Vec<Reference>) {
    ctx.check_keys("keymap", table, LAYER_KEYS);
    let mut layers = Vec::new();
    let mut refs = Vec::new();
    for e in &table.entries {
        let Some(layer) = layer_named(&e.key) else {
            continue;
        };
        let Some(items) = ctx.array("keymap", e) else {
            continue;
        };
        let lpath = join("keymap", &e.key);
        let mut bindings: Vec<Binding> = Vec::new();
        // (chord, condition) -> the line of the first binding, for duplicate reports; a map,
        // so a long layer is not compared binding by binding.
        let mut seen: HashMap<(KeyChord, Option<Condition>), usize> = HashMap::new();
        for (i, n) in items.iter().enumerate() {
            let ipath = format!("{lpath}[{i}]");
            let Value::Table(t) = &n.value else {
                ctx.err(
                    &n.span,
                    &ipath,
                    super::doc::wrong_type_message(
                        &n.value,
                        "a binding { key = \"...\", action = \"...\" }",
                    ),
                );
                continue;
            };
            ctx.check_keys(&ipath, t, BINDING_KEYS);
            let chord = binding_key(ctx, &ipath, n, t);
            let action = binding_action(ctx, &ipath, n, t, &mut refs);
            let when = match t.get("when") {
                None => Some(None),
                Some(w) => binding_when(ctx, &ipath, w).map(Some),
            };
            let (Some(key), Some(action), Some(when)) = (chord, action, when) else {
                continue;
            };
            let line = ctx.doc.line_col(n.span.start).0;
            if let Some(first) = seen.get(&(key, when)) {
                let cond = when.map_or(String::new(), |c| format!(" when {}", condition_name(c)));
                ctx.err(
                    &n.span,
                    &ipath,
                    format!(
                        "`{key}`{cond} is bound twice in layer {}: on line {first} and on line {line} (remove one)",
                        layer.name()
                    ),
                );
                continue;
            }
            seen.insert((key, when), line);
            bindings.push(Binding { key, action, when });
        }
        layers.push((layer, bindings));
    }
    (layers, refs)
}

/// A binding's `key`: a chord (`shift-f3`); `None` after reporting it missing or unparsable.
fn binding_key(ctx: &mut Ctx<'_>, ipath: &str, n: &Node, t: &Table) -> Option<KeyChord> {
    let Some(k) = t.get("key") else {
        ctx.err(
            &n.span,
            ipath,
            "a binding needs `key` (a chord such as \"shift-f3\")",
        );
        return None;
    };
    ctx.str(ipath, k).and_then(|s| match s.parse::<KeyChord>() {
        Ok(c) => Some(c),
        Err(why) => {
            ctx.err(&k.node.span, &join(ipath, "key"), why.to_string());
            None
        }
    })
}

/// A binding's `action`; a `play-macro` is noted in `refs`, to be checked once every file
/// is read. `None` after reporting it missing or unknown.
fn binding_action(
    ctx: &mut Ctx<'_>,
    ipath: &str,
    n: &Node,
    t: &Table,
    refs: &mut Vec<Reference>,
) -> Option<Action> {
    let Some(a) = t.get("action") else {
        ctx.err(
            &n.span,
            ipath,
            "a binding needs `action` (such as \"send-aid pf3\")",
        );
        return None;
    };
    ctx.str(ipath, a).and_then(|s| match s.parse::<Action>() {
        Ok(action) => {
            if let Action::PlayMacro(name) = &action {
                refs.push(Reference {
                    name: name.clone(),
                    key: join(ipath, "action"),
                    span: a.node.span.clone(),
                });
            }
            Some(action)
        }
        Err(why) => {
            ctx.err(&a.node.span, &join(ipath, "action"), why.to_string());
            None
        }
    })
}

/// A binding's `when`, when it has one; `None` after reporting a bad one.
fn binding_when(ctx: &mut Ctx<'_>, ipath: &str, w: &Entry) -> Option<Condition> {
    ctx.str(ipath, w).and_then(|s| match condition(&s) {
        Ok(c) => Some(c),
        Err(why) => {
            ctx.err(&w.node.span, &join(ipath, "when"), why);
            None
        }
    })
}

/// A condition name, with the nearest known one when it does not parse.
pub fn condition(s: &str) -> Result<Condition, String> {
    let v = toml::Value::String(s.to_owned());
    v.try_into::<Condition>().map_err(|_| {
        let hint = crate::suggest::nearest(s, Condition::NAMES.iter().copied())
            .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
        format!(
            "\"{s}\" is not a condition{hint}: use one of {}",
            Condition::NAMES.join(", ")
        )
    })
}

pub fn condition_name(c: Condition) -> &'static str {
    match c {
        Condition::InsertMode => "insert-mode",
        Condition::NotInsertMode => "not-insert-mode",
        Condition::KeyboardLocked => "keyboard-locked",
        Condition::KeyboardUnlocked => "keyboard-unlocked",
        Condition::Connected => "connected",
        Condition::Disconnected => "disconnected",
    }
}

/// `over`'s bindings of a layer before `base`'s, dropping base bindings that `over` binds
/// with the same chord and condition.
pub fn merge(base: &mut Vec<(Layer, Vec<Binding>)>, over: Vec<(Layer, Vec<Binding>)>) {
    for (layer, mut top) in over {
        match base.iter_mut().find(|(l, _)| *l == layer) {
            Some((_, existing)) => {
                let replaced: HashSet<(KeyChord, Option<Condition>)> =
                    top.iter().map(|t| (t.key, t.when)).collect();
                existing.retain(|b| !replaced.contains(&(b.key, b.when)));
                top.append(existing);
                *existing = top;
            }
            None => base.push((layer, top)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(k: &str, a: &str) -> Binding {
        Binding {
            key: k.parse().unwrap(),
            action: a.parse().unwrap(),
            when: None,
        }
    }

    #[test]
    fn user_bindings_come_first_and_replace_the_same_chord() {
        let mut base = vec![(
            Layer::Screen,
            vec![b("f5", "send-aid pf5"), b("f6", "send-aid pf6")],
        )];
        merge(
            &mut base,
            vec![(
                Layer::Screen,
                vec![b("f5", "send-aid pf8"), b("ctrl-x", "clear")],
            )],
        );
        let keys: Vec<String> = base[0]
            .1
            .iter()
            .map(|b| format!("{} {}", b.key, b.action))
            .collect();
        assert_eq!(keys, ["f5 send-aid pf8", "ctrl-x clear", "f6 send-aid pf6"]);
    }

    #[test]
    fn conditions_suggest() {
        assert_eq!(condition("insert-mode"), Ok(Condition::InsertMode));
        let e = condition("insert-mod").unwrap_err();
        assert!(e.contains("did you mean `insert-mode`"), "{e}");
    }
}
