//! Reading and merging: the embedded defaults, then the user's file over them, key by key.
//!
//! [`Builder`] holds the configuration as it is built; [`Builder::apply`] reads one
//! document's sections onto it (every problem collected with its position), and
//! [`Builder::finish`] resolves what needs every file: directories, themes, the active
//! theme, name references (macros, themes), and the semantic checks of `[logging]` and
//! `[limits]`. Files are read here and nowhere else in the config module.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::config::{Config, Macro, Paths, Profile, UiSettings};
use crate::keymap::{Binding, Keymap, Layer};
use crate::limits::Limits;
use crate::logging::LoggingSettings;
use crate::theme::{Theme, ThemeColor};

use super::doc::{Ctx, Doc, Span, Table, join};
use super::error::{ConfigError, ConfigErrors};
use super::keymap_file;
use super::macro_file;
use super::paths::{self, Origin, PathOrigins};
use super::profile::{self, ProfileRefs, Reference};
use super::theme_file;

/// The embedded defaults.
pub const DEFAULTS: &str = include_str!("../../assets/default-config.toml");
/// How the embedded defaults are named in messages.
pub const DEFAULTS_NAME: &str = "<built-in defaults>";

/// The top-level keys of a config file, in documentation order.
pub const TOP_KEYS: &[&str] = &[
    "ui", "paths", "theme", "profile", "macros", "keymap", "logging", "limits",
];
/// The keys of `[ui]`.
pub const UI_KEYS: &[&str] = &[
    "theme",
    "crosshair",
    "mouse",
    "confirm-close",
    "long-aid",
    "recent-hosts",
];
/// The keys of `[paths]`.
pub const PATHS_KEYS: &[&str] = &["data-dir", "log-dir", "themes-dir"];

/// A place in a file, kept for checks made after every file is read.
#[derive(Clone, Debug)]
struct Loc {
    file: String,
    pos: (usize, usize),
}

impl Loc {
    fn of(doc: &Doc, span: &Span) -> Loc {
        Loc {
            file: doc.file.clone(),
            pos: doc.line_col(span.start),
        }
    }

    fn error(&self, key: &str, message: String) -> ConfigError {
        ConfigError {
            file: self.file.clone(),
            pos: Some(self.pos),
            key: key.to_owned(),
            message,
        }
    }
}

/// The configuration while it is built.
pub struct Builder {
    pub errors: Vec<ConfigError>,
    ui: UiSettings,
    ui_theme: Option<(Reference, Loc)>,
    path_keys: BTreeMap<&'static str, (PathBuf, String)>,
    theme_colours: Vec<(String, ThemeColor)>,
    profiles: Vec<Profile>,
    /// Where each name is in `profiles`: a file may hold thousands of profiles, and a scan
    /// of the list for each of them made loading quadratic.
    profile_index: HashMap<String, usize>,
    profile_refs: Vec<(ProfileRefs, Loc, Loc)>,
    profile_tables: Vec<(String, Loc)>,
    macros: BTreeMap<String, Macro>,
    macro_refs: Vec<(Reference, Loc)>,
    /// `play-macro` inside macros: (the macro that plays, the reference).
    macro_calls: Vec<(String, Reference, Loc)>,
    keymap: Vec<(Layer, Vec<Binding>)>,
    logging: toml::Table,
    limits: toml::Table,
    /// Where each `[logging]`/`[limits]` key was last set, by key path.
    section_locs: BTreeMap<String, Loc>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            errors: Vec::new(),
            ui: UiSettings::default(),
            ui_theme: None,
            path_keys: BTreeMap::new(),
            theme_colours: Vec::new(),
            profiles: Vec::new(),
            profile_index: HashMap::new(),
            profile_refs: Vec::new(),
            profile_tables: Vec::new(),
            macros: BTreeMap::new(),
            macro_refs: Vec::new(),
            macro_calls: Vec::new(),
            keymap: Vec::new(),
            logging: toml::Table::new(),
            limits: toml::Table::new(),
            section_locs: BTreeMap::new(),
        }
    }
}

impl Builder {
    /// Reads one document over what is there.
    pub fn apply(&mut self, doc: &Doc) {
        let mut errors = std::mem::take(&mut self.errors);
        let mut ctx = Ctx {
            doc,
            errors: &mut errors,
        };
        ctx.check_keys("", &doc.root, TOP_KEYS);
        for e in &doc.root.entries {
            match e.key.as_str() {
                "ui" => {
                    if let Some(t) = ctx.table("", e) {
                        self.apply_ui(&mut ctx, t);
                    }
                }
                "paths" => {
                    if let Some(t) = ctx.table("", e) {
                        self.apply_paths(&mut ctx, t);
                    }
                }
                "theme" => {
                    if let Some(t) = ctx.table("", e) {
                        let colours = theme_file::read_colours(&mut ctx, "theme", t);
                        self.theme_colours.extend(colours);
                    }
                }
                "profile" => {
                    if let Some(t) = ctx.table("", e) {
                        self.apply_profiles(&mut ctx, t);
                    }
                }
                "macros" => {
                    if let Some(t) = ctx.table("", e) {
                        self.apply_macros(&mut ctx, t);
                    }
                }
                "keymap" => {
                    if let Some(t) = ctx.table("", e) {
                        let (layers, refs) = keymap_file::read(&mut ctx, t);
                        keymap_file::merge(&mut self.keymap, layers);
                        self.macro_refs.extend(refs.into_iter().map(|r| {
                            let loc = Loc::of(doc, &r.span);
                            (r, loc)
                        }));
                    }
                }
                "logging" => {
                    if let Some(t) = ctx.table("", e) {
                        let mut known: Vec<String> = serde_keys(&LoggingSettings::default());
                        known.push("dir".to_owned());
                        apply_serde::<LoggingSettings>(
                            &mut ctx,
                            "logging",
                            t,
                            &known,
                            &mut self.logging,
                            &mut self.section_locs,
                        );
                    }
                }
                "limits" => {
                    if let Some(t) = ctx.table("", e) {
                        let known = serde_keys(&Limits::default());
                        apply_serde::<Limits>(
                            &mut ctx,
                            "limits",
                            t,
                            &known,
                            &mut self.limits,
                            &mut self.section_locs,
                        );
                    }
                }
                _ => {}
            }
        }
        self.errors = errors;
    }

    fn apply_ui(&mut self, ctx: &mut Ctx<'_>, t: &Table) {
        ctx.check_keys("ui", t, UI_KEYS);
        let ui = &mut self.ui;
        for e in &t.entries {
            match e.key.as_str() {
                "theme" => {
                    if let Some(v) = ctx.str("ui", e) {
                        let r = Reference {
                            name: v.clone(),
                            key: "ui.theme".to_owned(),
                            span: e.node.span.clone(),
                        };
                        self.ui_theme = Some((r, Loc::of(ctx.doc, &e.node.span)));
                        ui.theme = v;
                    }
                }
                "crosshair" => ui.crosshair = ctx.bool("ui", e).unwrap_or(ui.crosshair),
                "mouse" => ui.mouse = ctx.bool("ui", e).unwrap_or(ui.mouse),
                "confirm-close" => ui.confirm_close = ctx.bool("ui", e).unwrap_or(ui.confirm_close),
                "long-aid" => ui.long_aid = ctx.seconds("ui", e).unwrap_or(ui.long_aid),
                "recent-hosts" => {
                    if let Some(n) = ctx.int("ui", e, 0..=1000, "the number of hosts") {
                        ui.recent_hosts = usize::try_from(n).unwrap_or(ui.recent_hosts);
                    }
                }
                _ => {}
            }
        }
    }

    fn apply_paths(&mut self, ctx: &mut Ctx<'_>, t: &Table) {
        ctx.check_keys("paths", t, PATHS_KEYS);
        for e in &t.entries {
            let Some(&key) = PATHS_KEYS.iter().find(|k| **k == e.key) else {
                continue;
            };
            if let Some(v) = ctx.str("paths", e) {
                if v.is_empty() {
                    ctx.err(
                        &e.node.span,
                        &join("paths", key),
                        "the directory is empty: leave the key out for the default",
                    );
                    continue;
                }
                let p = paths::resolve(&v, ctx.doc.dir.as_deref());
                if p.is_file() {
                    ctx.err(
                        &e.node.span,
                        &join("paths", key),
                        format!("\"{v}\" is a file: a directory is needed"),
                    );
                    continue;
                }
                self.path_keys.insert(key, (p, join("paths", key)));
            }
        }
    }

    fn apply_profiles(&mut self, ctx: &mut Ctx<'_>, t: &Table) {
        for e in &t.entries {
            let Some(pt) = ctx.table("profile", e) else {
                continue;
            };
            let name = e.key.clone();
            if name.trim().is_empty() {
                ctx.err(
                    &e.key_span,
                    "profile",
                    "a profile needs a name: [profile.NAME]",
                );
                continue;
            }
            let idx = *self.profile_index.entry(name.clone()).or_insert_with(|| {
                self.profiles.push(profile::blank(&name));
                self.profiles.len() - 1
            });
            let refs = profile::apply(ctx, &name, pt, &mut self.profiles[idx]);
            let loc_of = |r: &Option<Reference>| {
                r.as_ref().map_or_else(
                    || Loc::of(ctx.doc, &e.key_span),
                    |r| Loc::of(ctx.doc, &r.span),
                )
            };
            let (ml, tl) = (loc_of(&refs.logon_macro), loc_of(&refs.theme));
            self.profile_refs.push((refs, ml, tl));
            self.profile_tables
                .push((name, Loc::of(ctx.doc, &e.key_span)));
        }
    }

    fn apply_macros(&mut self, ctx: &mut Ctx<'_>, t: &Table) {
        for e in &t.entries {
            if let Some(read) = macro_file::read_entry(ctx, e) {
                self.add_macro(ctx.doc, read);
            }
        }
    }

    /// Keeps a macro read from `doc`, noting the macros it plays for the checks in
    /// `finish`.
    fn add_macro(&mut self, doc: &Doc, read: macro_file::Read) {
        let name = read.mac.name.clone();
        if let Some(key) = read.key {
            let binding = Binding {
                key,
                action: crate::action::Action::PlayMacro(name.clone()),
                when: None,
            };
            keymap_file::merge(&mut self.keymap, vec![(Layer::Screen, vec![binding])]);
        }
        for r in read.calls {
            let loc = Loc::of(doc, &r.span);
            self.macro_calls
                .push((name.clone(), r.clone(), loc.clone()));
            self.macro_refs.push((r, loc));
        }
        self.macros.insert(name, read.mac);
    }

    /// The macro files of `DATA/macros/`: one macro a file, named by the file; a name the
    /// config's `[macros]` also defines is an error at the file.
    fn read_macro_files(&mut self, data_dir: &Path) {
        let dir = data_dir.join("macros");
        for (path, name, text) in macro_file::files(&dir) {
            let shown = path.display().to_string();
            let whole_file = |message: String| ConfigError {
                file: shown.clone(),
                pos: None,
                key: String::new(),
                message,
            };
            let text = match text {
                Ok(t) => t,
                Err(why) => {
                    self.errors.push(whole_file(why));
                    continue;
                }
            };
            if !macro_file::valid_name(&name) {
                self.errors.push(whole_file(format!(
                    "`{name}` cannot name a macro: use letters, digits, -, _ and . in the file name"
                )));
                continue;
            }
            if let Some(other) = self.macros.get(&name) {
                let there = other.file.as_ref().map_or_else(
                    || "the config's [macros]".to_owned(),
                    |f| f.display().to_string(),
                );
                self.errors.push(whole_file(format!(
                    "macro `{name}` is also defined in {there}: rename one of them"
                )));
                continue;
            }
            let mut errors = Vec::new();
            let Some(doc) = parse_doc(&shown, &text, Some(&dir), &mut errors) else {
                self.errors.append(&mut errors);
                continue;
            };
            let mut ctx = Ctx {
                doc: &doc,
                errors: &mut errors,
            };
            let read = macro_file::read_table(&mut ctx, &name, "", &doc.root, Some(path.clone()));
            self.errors.append(&mut errors);
            if let Some(read) = read {
                self.add_macro(&doc, read);
            }
        }
    }

    /// Resolves directories, themes and references into the effective configuration.
    /// `config_file` is the file that was (or would have been) read; `user_themes` says
    /// whether to read the user's theme directory.
    pub fn finish(
        mut self,
        config_file: (PathBuf, Origin),
        user_themes: bool,
    ) -> Result<Config, ConfigErrors> {
        let mut origins = PathOrigins {
            config_file: config_file.1,
            ..PathOrigins::default()
        };
        let (themes_dir, data_dir, mut log_dir) = self.directories(&config_file.0, &mut origins);

        let logging = self.finish_serde::<LoggingSettings>("logging");
        let limits = self.finish_serde::<Limits>("limits");
        if let Some(d) = &logging.dir {
            log_dir.clone_from(d);
            origins.log_dir = Origin::Key("logging.dir".to_owned());
        }

        let mut themes = theme_file::shipped();
        if user_themes {
            theme_file::add_user_themes(&themes_dir, &mut themes, &mut self.errors);
            self.read_macro_files(&data_dir);
        }
        self.check_references(&themes, &themes_dir);
        self.check_profile_hosts();

        let theme = themes.get(&self.ui.theme).cloned().unwrap_or_default();
        let theme = theme_file::with_colours(&theme, &self.theme_colours);

        if !self.errors.is_empty() {
            return Err(sorted(self.errors));
        }
        Ok(Config {
            paths: Paths {
                config_file: config_file.0,
                themes_dir,
                data_dir,
                log_dir,
            },
            path_origins: origins,
            profiles: self.profiles,
            keymap: Keymap::new(self.keymap),
            theme,
            themes,
            macros: self.macros,
            ui: self.ui,
            logging,
            limits,
        })
    }

    /// The themes, data and log directories: the file's `themes-dir`, `data-dir` and
    /// `log-dir` when it sets them (noted in `origins`), else the themes next to the config
    /// file and the platform's data and log directories.
    fn directories(
        &self,
        config_file: &Path,
        origins: &mut PathOrigins,
    ) -> (PathBuf, PathBuf, PathBuf) {
        let platform = paths::platform();
        let default_themes = config_file
            .parent()
            .map_or_else(|| platform.themes_dir.clone(), |d| d.join("themes"));
        let pick = |key: &str, default: PathBuf, origin: &mut Origin| -> PathBuf {
            match self.path_keys.get(key) {
                Some((p, k)) => {
                    *origin = Origin::Key(k.clone());
                    p.clone()
                }
                None => default,
            }
        };
        (
            pick("themes-dir", default_themes, &mut origins.themes_dir),
            pick("data-dir", platform.data_dir.clone(), &mut origins.data_dir),
            pick("log-dir", platform.log_dir.clone(), &mut origins.log_dir),
        )
    }

    /// Every theme and macro a key names must exist (with the nearest name as a hint), and
    /// no macro may play itself, directly or through others.
    fn check_references(&mut self, themes: &BTreeMap<String, Theme>, themes_dir: &Path) {
        let theme_names: Vec<&str> = themes.keys().map(String::as_str).collect();
        let check_theme = |name: &str, key: &str, loc: &Loc, errors: &mut Vec<ConfigError>| {
            if !themes.contains_key(name) {
                let hint = crate::suggest::nearest(name, theme_names.iter().copied())
                    .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
                errors.push(loc.error(
                    key,
                    format!(
                        "no theme \"{name}\"{hint}: the themes are {} (or add {name}.toml to {})",
                        theme_names.join(", "),
                        themes_dir.display()
                    ),
                ));
            }
        };
        if let Some((r, loc)) = &self.ui_theme {
            check_theme(&r.name, &r.key, loc, &mut self.errors);
        }
        let macro_names: Vec<&str> = self.macros.keys().map(String::as_str).collect();
        let macros = &self.macros;
        let check_macro = |r: &Reference, loc: &Loc, errors: &mut Vec<ConfigError>| {
            // A map lookup: every profile may name a logon macro.
            if !macros.contains_key(&r.name) {
                let hint = crate::suggest::nearest(&r.name, macro_names.iter().copied())
                    .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
                let known = if macro_names.is_empty() {
                    "no macros are defined".to_owned()
                } else {
                    format!("the macros are {}", macro_names.join(", "))
                };
                errors.push(loc.error(
                    &r.key,
                    format!(
                        "no macro \"{}\"{hint}: define it under [macros] ({known})",
                        r.name
                    ),
                ));
            }
        };
        for (refs, mloc, tloc) in &self.profile_refs {
            if let Some(r) = &refs.logon_macro {
                check_macro(r, mloc, &mut self.errors);
            }
            if let Some(r) = &refs.theme {
                check_theme(&r.name, &r.key, tloc, &mut self.errors);
            }
        }
        for (r, loc) in &self.macro_refs {
            check_macro(r, loc, &mut self.errors);
        }
        for (owner, r, loc) in &self.macro_calls {
            if self.macros.contains_key(&r.name) && plays(&self.macros, &r.name, owner) {
                self.errors.push(loc.error(
                    &r.key,
                    format!(
                        "macro \"{owner}\" would play itself through \"{}\": a macro cannot call itself, directly or through others",
                        r.name
                    ),
                ));
            }
        }
    }

    /// Every profile needs a `host`, in one of the files that define it.
    fn check_profile_hosts(&mut self) {
        for (name, loc) in &self.profile_tables {
            let no_host = self
                .profile_index
                .get(name)
                .and_then(|&i| self.profiles.get(i))
                .is_some_and(|p| p.host.is_empty());
            if no_host {
                self.errors.push(loc.error(
                    &join("profile", name),
                    "the profile has no `host` (host = \"name or address\")".to_owned(),
                ));
            }
        }
        self.profile_tables.dedup_by(|a, b| a.0 == b.0);
    }

    /// Deserialises a merged serde section and runs its own checks, placing each problem
    /// at the key that was set last.
    fn finish_serde<T: DeserializeOwned + Default + SectionCheck>(&mut self, section: &str) -> T {
        let table = if section == "logging" {
            &self.logging
        } else {
            &self.limits
        };
        let value: T = toml::Value::Table(table.clone())
            .try_into()
            .unwrap_or_default();
        for (key, message) in value.check() {
            let loc = self
                .section_locs
                .get(&key)
                .or_else(|| self.section_locs.get(section));
            self.errors.push(match loc {
                Some(l) => l.error(&key, message),
                None => ConfigError {
                    file: DEFAULTS_NAME.to_owned(),
                    pos: None,
                    key,
                    message,
                },
            });
        }
        value
    }
}

/// Whether playing macro `from` ends up playing `target` (following `play-macro`).
fn plays(macros: &BTreeMap<String, Macro>, from: &str, target: &str) -> bool {
    let mut stack = vec![from.to_owned()];
    let mut seen: Vec<String> = Vec::new();
    while let Some(name) = stack.pop() {
        if name == target {
            return true;
        }
        if seen.contains(&name) {
            continue;
        }
        if let Some(m) = macros.get(&name) {
            stack.extend(m.calls().map(str::to_owned));
        }
        seen.push(name);
    }
    false
}

/// The semantic checks of a section another module owns.
trait SectionCheck {
    fn check(&self) -> Vec<(String, String)>;
}

impl SectionCheck for LoggingSettings {
    fn check(&self) -> Vec<(String, String)> {
        self.validate()
    }
}

impl SectionCheck for Limits {
    fn check(&self) -> Vec<(String, String)> {
        self.validate()
    }
}

/// The keys a serde section serialises (its known keys).
fn serde_keys<T: serde::Serialize>(v: &T) -> Vec<String> {
    match toml::Value::try_from(v) {
        Ok(toml::Value::Table(t)) => t.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Merges `t` into `merged` key by key. Each key is tried alone on top of what is merged,
/// so a bad value is reported at its own position with serde's words, and the rest still
/// apply.
fn apply_serde<T: DeserializeOwned>(
    ctx: &mut Ctx<'_>,
    section: &str,
    t: &Table,
    known: &[String],
    merged: &mut toml::Table,
    locs: &mut BTreeMap<String, Loc>,
) {
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    ctx.check_keys(section, t, &known);
    for e in &t.entries {
        if !known.contains(&e.key.as_str()) {
            continue;
        }
        let mut candidate = merged.clone();
        let value = e.node.value.to_toml();
        // Sub-tables (logging.filters) merge key by key too.
        if let (Some(toml::Value::Table(old)), toml::Value::Table(new)) =
            (candidate.get_mut(&e.key), &value)
        {
            for (k, v) in new {
                old.insert(k.clone(), v.clone());
            }
        } else {
            candidate.insert(e.key.clone(), value);
        }
        match toml::Value::Table(candidate.clone()).try_into::<T>() {
            Ok(_) => {
                *merged = candidate;
                let path = join(section, &e.key);
                locs.insert(path.clone(), Loc::of(ctx.doc, &e.node.span));
                if let super::doc::Value::Table(sub) = &e.node.value {
                    for s in &sub.entries {
                        locs.insert(
                            format!("{path}.\"{}\"", s.key),
                            Loc::of(ctx.doc, &s.node.span),
                        );
                    }
                }
            }
            Err(why) => {
                let msg = plain_words(why.message().trim());
                ctx.err(
                    &e.node.span,
                    &join(section, &e.key),
                    format!("{} is not allowed: {msg}", e.node.value.quoted()),
                );
            }
        }
    }
    locs.entry(section.to_owned()).or_insert_with(|| Loc {
        file: ctx.doc.file.clone(),
        pos: (1, 1),
    });
}

/// serde's wording (`invalid type: string "x", expected usize`) in the operator's words,
/// saying what is allowed; messages with nothing to translate pass through.
fn plain_words(msg: &str) -> String {
    let expected = msg.rsplit_once(", expected ").map(|(_, e)| e);
    if msg.starts_with("unknown variant") {
        if let Some(allowed) = expected {
            return format!("use {allowed}");
        }
    }
    match expected {
        Some("usize" | "u64" | "u32" | "u16" | "u8") => "expected a whole number, 0 or more".into(),
        Some("i64" | "i32") => "expected a whole number".into(),
        Some("a boolean") => "expected true or false".into(),
        Some("a string") => "expected a string in quotes".into(),
        _ => msg.to_owned(),
    }
}

/// Errors ordered by file (in the order files were first named) and position.
fn sorted(errors: Vec<ConfigError>) -> ConfigErrors {
    let mut files: Vec<String> = Vec::new();
    for e in &errors {
        if !files.contains(&e.file) {
            files.push(e.file.clone());
        }
    }
    let mut errors = errors;
    errors.sort_by_key(|e| (files.iter().position(|f| *f == e.file), e.pos));
    ConfigErrors(errors)
}

/// Parses a document, or records its syntax errors.
pub fn parse_doc(
    file: &str,
    text: &str,
    dir: Option<&Path>,
    errors: &mut Vec<ConfigError>,
) -> Option<Doc> {
    match Doc::parse(file, text) {
        Ok(mut d) => {
            d.dir = dir.map(Path::to_owned);
            Some(d)
        }
        Err(e) => {
            errors.extend(e);
            None
        }
    }
}

/// The embedded defaults, then `user` (file name for messages, text, directory) over them.
pub fn build(
    user: Option<(&str, &str, Option<&Path>)>,
    config_file: (PathBuf, Origin),
    user_themes: bool,
) -> Result<Config, ConfigErrors> {
    let mut b = Builder::default();
    let mut errors = Vec::new();
    if let Some(d) = parse_doc(DEFAULTS_NAME, DEFAULTS, None, &mut errors) {
        b.apply(&d);
    }
    b.errors.append(&mut errors);
    if let Some((file, text, dir)) = user {
        if let Some(d) = parse_doc(file, text, dir, &mut errors) {
            b.apply(&d);
        }
        b.errors.append(&mut errors);
    }
    b.finish(config_file, user_themes)
}

/// Reads `path` as the user's file; a file that does not exist is an error only when it
/// was named explicitly (`--config`, `R3270_CONFIG`).
pub fn load_file(path: &Path, origin: Origin) -> Result<Config, ConfigErrors> {
    let shown = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => build(
                Some((&shown, &text, path.parent())),
                (path.to_owned(), origin),
                true,
            ),
            Err(_) => Err(ConfigErrors(vec![ConfigError {
                file: shown,
                pos: None,
                key: String::new(),
                message: "the file is not UTF-8 text".to_owned(),
            }])),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && origin == Origin::Default => {
            build(None, (path.to_owned(), origin), true)
        }
        Err(e) => Err(ConfigErrors(vec![ConfigError {
            file: shown,
            pos: None,
            key: String::new(),
            message: format!("cannot read the config file: {e}"),
        }])),
    }
}

#[cfg(test)]
mod tests;

/// Every key path a config file can hold, as docs/CONFIG.md names them (`NAME` for a name
/// the user chooses, `LAYER[]` for an item of any keymap layer).
pub fn documented_keys() -> Vec<String> {
    let mut keys = Vec::new();
    let mut add = |prefix: &str, list: &[&str]| {
        keys.extend(list.iter().map(|k| format!("{prefix}.{k}")));
    };
    add("ui", UI_KEYS);
    add("paths", PATHS_KEYS);
    add("profile.NAME", profile::KEYS);
    add("profile.NAME.reconnect", profile::RECONNECT_KEYS);
    add("macros", &["NAME"]);
    add("macros.NAME", macro_file::KEYS);
    add("keymap", keymap_file::LAYER_KEYS);
    add("keymap.LAYER[]", keymap_file::BINDING_KEYS);
    let theme = theme_file::keys();
    add(
        "theme",
        &theme.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let mut logging = serde_keys(&LoggingSettings::default());
    logging.push("dir".to_owned());
    add(
        "logging",
        &logging.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let limits = serde_keys(&Limits::default());
    add(
        "limits",
        &limits.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    keys
}
