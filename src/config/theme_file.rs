//! Theme files: the shipped themes (embedded from `themes/`), the user's themes
//! (`NAME.toml` in the themes directory, which override shipped ones of the same name) and
//! the config's inline `[theme]` table of single colours.
//!
//! A theme file sets any subset of the colour keys of [`Theme`]; the rest come from the
//! built-in default. This module parses and reports bad keys and colours with positions; it
//! does not pick the active theme (the loader does) nor adapt colours to the terminal.

use std::collections::BTreeMap;

use crate::theme::{Theme, ThemeColor};

use super::doc::{Ctx, Doc, Table, join};
use super::error::ConfigError;

/// The themes shipped with r3270: (name, file text).
pub const SHIPPED: &[(&str, &str)] = &[
    ("3279", include_str!("../../themes/3279.toml")),
    (
        "green-screen",
        include_str!("../../themes/green-screen.toml"),
    ),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("light", include_str!("../../themes/light.toml")),
];

/// The colour keys of a theme as written in files (kebab-case).
pub fn keys() -> Vec<String> {
    Theme::KEYS.iter().map(|k| k.replace('_', "-")).collect()
}

/// Reads the colour keys of `table` (at `path`, empty for a theme file's root) into
/// (key, colour) pairs, reporting unknown keys and colours that do not parse.
pub fn read_colours(ctx: &mut Ctx<'_>, path: &str, table: &Table) -> Vec<(String, ThemeColor)> {
    let keys = keys();
    let known: Vec<&str> = keys.iter().map(String::as_str).collect();
    ctx.check_keys(path, table, &known);
    let mut out = Vec::new();
    for e in &table.entries {
        if !known.contains(&e.key.as_str()) {
            continue;
        }
        let Some(s) = ctx.str(path, e) else { continue };
        match s.parse::<ThemeColor>() {
            Ok(c) => out.push((e.key.clone(), c)),
            Err(why) => ctx.err(&e.node.span, &join(path, &e.key), why.to_string()),
        }
    }
    out
}

/// `base` with `colours` set.
pub fn with_colours(base: &Theme, colours: &[(String, ThemeColor)]) -> Theme {
    let Ok(toml::Value::Table(mut t)) = toml::Value::try_from(base) else {
        return base.clone();
    };
    for (k, c) in colours {
        t.insert(k.clone(), toml::Value::String(c.to_string()));
    }
    toml::Value::Table(t)
        .try_into::<Theme>()
        .unwrap_or_else(|_| base.clone())
}

/// Parses one theme file named `name` (its file shown as `file` in messages).
pub fn parse(name: &str, file: &str, text: &str, errors: &mut Vec<ConfigError>) -> Option<Theme> {
    let doc = match Doc::parse(file, text) {
        Ok(d) => d,
        Err(e) => {
            errors.extend(e);
            return None;
        }
    };
    let before = errors.len();
    let mut ctx = Ctx { doc: &doc, errors };
    let colours = read_colours(&mut ctx, "", &doc.root);
    errors[before..].sort_by_key(|e| e.pos);
    if errors.len() > before {
        return None;
    }
    let mut t = with_colours(&Theme::default(), &colours);
    name.clone_into(&mut t.name);
    Some(t)
}

/// Every shipped theme, by name. They are tested to parse; one that did not would be left
/// out rather than stop r3270.
pub fn shipped() -> BTreeMap<String, Theme> {
    let mut errors = Vec::new();
    SHIPPED
        .iter()
        .filter_map(|(name, text)| {
            parse(name, &format!("themes/{name}.toml"), text, &mut errors)
                .map(|t| ((*name).to_owned(), t))
        })
        .collect()
}

/// Adds the user's `*.toml` themes from `dir` (a missing directory adds none).
pub fn add_user_themes(
    dir: &std::path::Path,
    themes: &mut BTreeMap<String, Theme>,
    errors: &mut Vec<ConfigError>,
) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<_> = read
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    for path in files {
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let file = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                if let Some(t) = parse(name, &file, &text, errors) {
                    themes.insert(name.to_owned(), t);
                }
            }
            Err(e) => errors.push(ConfigError {
                file,
                pos: None,
                key: String::new(),
                message: format!("cannot read the theme: {e}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_parses_without_error() {
        for (name, text) in SHIPPED {
            let mut errors = Vec::new();
            let t = parse(name, name, text, &mut errors);
            assert!(errors.is_empty(), "{name}: {errors:?}");
            assert_eq!(t.map(|t| t.name), Some((*name).to_owned()));
        }
        assert_eq!(shipped().len(), SHIPPED.len());
    }

    #[test]
    fn a_bad_colour_names_its_line() {
        let mut errors = Vec::new();
        assert!(
            parse(
                "x",
                "x.toml",
                "red = \"#ff\"\nbleu = \"red\"\n",
                &mut errors
            )
            .is_none()
        );
        let text: Vec<_> = errors.iter().map(ToString::to_string).collect();
        assert!(
            text[0].starts_with("x.toml:1:7: red: `#ff` is not a colour"),
            "{text:?}"
        );
        assert_eq!(
            text[1],
            "x.toml:2:1: bleu: unknown key (did you mean `blue`?)"
        );
    }
}
