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

use crate::audit::AuditSettings;
use crate::config::{Config, Macro, Paths, UiSettings};
use crate::keymap::{Binding, Keymap, Layer};
use crate::limits::Limits;
use crate::logging::LoggingSettings;
use crate::serve::settings::ApiSettings;
use crate::serve::webhooks::WebhookSettings;
use crate::theme::{Theme, ThemeColor};

use super::doc::{Ctx, Doc, Span, Table, join};
use super::error::{ConfigError, ConfigErrors};
use super::keymap_file;
use super::macro_file;
use super::paths::{self, Origin, PathOrigins};
use super::profile::{self, HealthCheckFile, ProfileFile, ReconnectFile, Reference};
use super::theme_file;

/// The embedded defaults.
pub const DEFAULTS: &str = include_str!("../../assets/default-config.toml");
/// How the embedded defaults are named in messages.
pub const DEFAULTS_NAME: &str = "<built-in defaults>";

/// The top-level keys of a config file, in documentation order.
pub const TOP_KEYS: &[&str] = &[
    "ui", "paths", "theme", "profile", "macros", "keymap", "logging", "limits", "audit", "api",
    "webhooks",
];
/// The keys of `[ui]`.
pub const UI_KEYS: &[&str] = &[
    "theme",
    "crosshair",
    "mouse",
    "confirm-close",
    "long-aid",
    "recent-hosts",
    "restore-tabs",
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
    /// Each profile's name and its merged tables (its keys, its `reconnect` table, its
    /// `health-check` table), in the order the profiles were first named.
    profiles: Vec<(String, toml::Table, toml::Table, toml::Table)>,
    /// Where each name is in `profiles`: a file may hold thousands of profiles, and a scan
    /// of the list for each of them made loading quadratic.
    profile_index: HashMap<String, usize>,
    /// The directory of the file that last set a profile's file key, by key path.
    profile_dirs: HashMap<String, Option<PathBuf>>,
    macros: BTreeMap<String, Macro>,
    macro_refs: Vec<(Reference, Loc)>,
    /// `play-macro` inside macros: (the macro that plays, the reference).
    macro_calls: Vec<(String, Reference, Loc)>,
    keymap: Vec<(Layer, Vec<Binding>)>,
    logging: toml::Table,
    limits: toml::Table,
    audit: toml::Table,
    api: toml::Table,
    /// Each `[[webhooks]]` table: its keys and the directory of its file.
    webhooks: Vec<(toml::Table, Option<PathBuf>)>,
    /// Where each `[logging]`/`[limits]`/`[profile.NAME]` key was last set, by key path.
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
            profile_dirs: HashMap::new(),
            macros: BTreeMap::new(),
            macro_refs: Vec::new(),
            macro_calls: Vec::new(),
            keymap: Vec::new(),
            logging: toml::Table::new(),
            limits: toml::Table::new(),
            audit: toml::Table::new(),
            api: toml::Table::new(),
            webhooks: Vec::new(),
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
                    if let super::doc::Value::Array(_) = e.node.value {
                        // `[[profile]]`, as some tools write lists of hosts.
                        ctx.err(
                            &e.node.span,
                            "profile",
                            "profiles are tables named after the profile, not a list: write \
                             [profile.NAME] (e.g. [profile.mvs] then host = \"mvs.example.com\"), \
                             not [[profile]]",
                        );
                    } else if let Some(t) = ctx.table("", e) {
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
                            serde_words,
                        );
                    }
                }
                "webhooks" => self.apply_webhooks(&mut ctx, e),
                "limits" | "audit" | "api" => {
                    if let Some(t) = ctx.table("", e) {
                        self.apply_serde_section(&mut ctx, e.key.as_str(), t);
                    }
                }
                _ => {}
            }
        }
        self.errors = errors;
    }

    /// `[limits]`, `[audit]` or `[api]`: a section read with serde (merged here, checked
    /// in `finish`).
    fn apply_serde_section(&mut self, ctx: &mut Ctx<'_>, section: &str, t: &Table) {
        match section {
            "limits" => apply_serde::<Limits>(
                ctx,
                "limits",
                t,
                &serde_keys(&Limits::default()),
                &mut self.limits,
                &mut self.section_locs,
                serde_words,
            ),
            "audit" => apply_serde::<AuditSettings>(
                ctx,
                "audit",
                t,
                &audit_keys(),
                &mut self.audit,
                &mut self.section_locs,
                serde_words,
            ),
            _ => apply_serde::<ApiSettings>(
                ctx,
                "api",
                t,
                &api_keys(),
                &mut self.api,
                &mut self.section_locs,
                serde_words,
            ),
        }
    }

    /// `[[webhooks]]`: a list of tables, each read with serde key by key (checked in
    /// `finish`).
    fn apply_webhooks(&mut self, ctx: &mut Ctx<'_>, e: &super::doc::Entry) {
        let super::doc::Value::Array(items) = &e.node.value else {
            ctx.err(
                &e.key_span,
                "webhooks",
                "webhooks are a list of tables: write [[webhooks]] (twice for two receivers), not [webhooks]",
            );
            return;
        };
        let known: Vec<String> = webhook_keys();
        for n in items {
            let super::doc::Value::Table(t) = &n.value else {
                ctx.err(
                    &n.span,
                    "webhooks",
                    "each webhook is a table: write [[webhooks]] then url = \"...\"",
                );
                continue;
            };
            let section = format!("webhooks[{}]", self.webhooks.len());
            self.section_locs
                .insert(section.clone(), Loc::of(ctx.doc, &n.span));
            let mut merged = toml::Table::new();
            apply_serde::<WebhookSettings>(
                ctx,
                &section,
                t,
                &known,
                &mut merged,
                &mut self.section_locs,
                serde_words,
            );
            self.webhooks.push((merged, ctx.doc.dir.clone()));
        }
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
                "restore-tabs" => {
                    if let Some(v) = ctx.str("ui", e) {
                        match v.as_str() {
                            "ask" => ui.restore_tabs = crate::config::RestoreTabs::Ask,
                            "always" => ui.restore_tabs = crate::config::RestoreTabs::Always,
                            "never" => ui.restore_tabs = crate::config::RestoreTabs::Never,
                            _ => ctx.err(
                                &e.node.span,
                                "ui.restore-tabs",
                                format!(
                                    "\"{v}\" is not allowed: use \"ask\", \"always\" or \"never\""
                                ),
                            ),
                        }
                    }
                }
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

    /// Each `[profile.NAME]` through the serde path, key by key (`profile.rs` owns the
    /// shape and the checks). Its `reconnect` table is merged key by key too, and the items
    /// of `alternates` must be strings (each reported at its place).
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
                self.profiles.push((
                    name.clone(),
                    toml::Table::new(),
                    toml::Table::new(),
                    toml::Table::new(),
                ));
                self.profiles.len() - 1
            });
            let section = join("profile", &name);
            // A problem of the profile as a whole (no host) is placed at its first header.
            self.section_locs
                .entry(section.clone())
                .or_insert_with(|| Loc::of(ctx.doc, &e.key_span));
            let mut keys = Table::default();
            for entry in &pt.entries {
                match entry.key.as_str() {
                    "reconnect" => {
                        if let Some(rt) = ctx.table(&section, entry) {
                            let known: Vec<String> = profile::RECONNECT_KEYS
                                .iter()
                                .map(|k| (*k).to_owned())
                                .collect();
                            apply_serde::<ReconnectFile>(
                                ctx,
                                &join(&section, "reconnect"),
                                rt,
                                &known,
                                &mut self.profiles[idx].2,
                                &mut self.section_locs,
                                profile::type_words,
                            );
                        }
                    }
                    "health-check" => {
                        if let Some(ht) = ctx.table(&section, entry) {
                            let known: Vec<String> = profile::HEALTH_CHECK_KEYS
                                .iter()
                                .map(|k| (*k).to_owned())
                                .collect();
                            apply_serde::<HealthCheckFile>(
                                ctx,
                                &join(&section, "health-check"),
                                ht,
                                &known,
                                &mut self.profiles[idx].3,
                                &mut self.section_locs,
                                profile::type_words,
                            );
                        }
                    }
                    "alternates" => {
                        let before = ctx.errors.len();
                        if ctx.strings(&section, entry).is_some() && ctx.errors.len() == before {
                            keys.entries.push(entry.clone());
                        }
                    }
                    key => {
                        if profile::FILE_KEYS.contains(&key) {
                            self.profile_dirs
                                .insert(join(&section, key), ctx.doc.dir.clone());
                        }
                        keys.entries.push(entry.clone());
                    }
                }
            }
            // Unknown keys (`reconnect` included among the known) are named at their place.
            ctx.check_keys(&section, pt, profile::KEYS);
            keys.entries
                .retain(|entry| profile::KEYS.contains(&entry.key.as_str()));
            let known: Vec<String> = profile::KEYS.iter().map(|k| (*k).to_owned()).collect();
            apply_serde::<ProfileFile>(
                ctx,
                &section,
                &keys,
                &known,
                &mut self.profiles[idx].1,
                &mut self.section_locs,
                profile::type_words,
            );
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
        let audit = self.finish_serde::<AuditSettings>("audit");
        let api = self.finish_serde::<ApiSettings>("api");
        let webhooks = self.finish_webhooks();
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
        let profiles = self.build_profiles(&themes, &themes_dir);

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
            profiles,
            keymap: Keymap::new(self.keymap),
            theme,
            themes,
            macros: self.macros,
            ui: self.ui,
            logging,
            limits,
            audit,
            api,
            webhooks,
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
        if let Some((r, loc)) = &self.ui_theme {
            self.errors
                .extend(missing_theme(&r.name, &r.key, loc, themes, themes_dir));
        }
        for (r, loc) in &self.macro_refs {
            self.errors.extend(missing_macro(r, loc, &self.macros));
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

    /// Each profile from its merged tables: `profile.rs` checks it (a missing `host`
    /// included) and builds it; each problem is placed where its key was last set, and the
    /// logon macro and theme it names must exist.
    fn build_profiles(
        &mut self,
        themes: &BTreeMap<String, Theme>,
        themes_dir: &Path,
    ) -> Vec<crate::config::Profile> {
        let mut profiles = Vec::with_capacity(self.profiles.len());
        for (name, keys, reconnect, health) in &self.profiles {
            let section = join("profile", name);
            let mut table = keys.clone();
            if !reconnect.is_empty() {
                table.insert("reconnect".into(), toml::Value::Table(reconnect.clone()));
            }
            if self
                .section_locs
                .contains_key(&join(&section, "health-check"))
                || !health.is_empty()
            {
                table.insert("health-check".into(), toml::Value::Table(health.clone()));
            }
            // Each key was tried on its own when it was merged, so the whole deserialises.
            let file: ProfileFile = toml::Value::Table(table).try_into().unwrap_or_default();
            let dirs = &self.profile_dirs;
            let dir_of = |key: &str| dirs.get(key).cloned().flatten();
            let (p, problems) = file.validate(name, &dir_of);
            let loc_of = |key: &str| {
                self.section_locs
                    .get(key)
                    .or_else(|| self.section_locs.get(&section))
                    .cloned()
            };
            for (key, message) in problems {
                if let Some(loc) = loc_of(&key) {
                    self.errors.push(loc.error(&key, message));
                }
            }
            let refs = file.refs();
            if let Some(m) = refs.logon_macro {
                let key = join(&section, "logon-macro");
                if let Some(loc) = loc_of(&key) {
                    let r = Reference {
                        name: m,
                        key,
                        span: Span::default(),
                    };
                    self.errors.extend(missing_macro(&r, &loc, &self.macros));
                }
            }
            if let Some(th) = refs.theme {
                let key = join(&section, "theme");
                if let Some(loc) = loc_of(&key) {
                    self.errors
                        .extend(missing_theme(&th, &key, &loc, themes, themes_dir));
                }
            }
            profiles.push(p);
        }
        profiles
    }

    /// Deserialises a merged serde section and runs its own checks, placing each problem
    /// at the key that was set last.
    fn finish_serde<T: DeserializeOwned + Default + SectionCheck>(&mut self, section: &str) -> T {
        let table = match section {
            "logging" => &self.logging,
            "audit" => &self.audit,
            "api" => &self.api,
            _ => &self.limits,
        };
        let value: T = toml::Value::Table(table.clone())
            .try_into()
            .unwrap_or_default();
        for (key, message) in value.check() {
            // `audit.rules[0].pattern` is placed at `audit.rules`.
            let list_key = key.split('[').next().unwrap_or(&key);
            let loc = self
                .section_locs
                .get(&key)
                .or_else(|| self.section_locs.get(list_key))
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

impl Builder {
    /// Each `[[webhooks]]` table: deserialised (each key was tried alone when merged), its
    /// `secret-file` taken from its file's directory, checked; problems placed at their key.
    fn finish_webhooks(&mut self) -> Vec<WebhookSettings> {
        let mut out = Vec::new();
        let mut problems = Vec::new();
        for (i, (table, dir)) in self.webhooks.iter().enumerate() {
            let mut w: WebhookSettings = toml::Value::Table(table.clone())
                .try_into()
                .unwrap_or_default();
            w.secret_file = w
                .secret_file
                .map(|f| paths::resolve(&f.to_string_lossy(), dir.as_deref()));
            problems.extend(w.validate(&format!("webhooks[{i}]")));
            out.push(w);
        }
        problems.extend(crate::serve::webhooks::settings::validate_all(&out));
        for (key, message) in problems {
            // `webhooks[0].retry-max-ms` left at its default is placed at `webhooks[0]`.
            let table = key.split('.').next().unwrap_or(&key);
            let loc = self
                .section_locs
                .get(&key)
                .or_else(|| self.section_locs.get(table));
            if let Some(l) = loc {
                self.errors.push(l.error(&key, message));
            }
        }
        out
    }
}

/// The keys of a `[[webhooks]]` table (those without a default value included).
fn webhook_keys() -> Vec<String> {
    let mut keys = serde_keys(&WebhookSettings::default());
    for k in WebhookSettings::OPTIONAL_KEYS {
        if !keys.iter().any(|x| x == k) {
            keys.push((*k).to_owned());
        }
    }
    keys
}

/// The error for a theme `name` (set at `key`) that is not one of `themes`, with the
/// nearest name as a hint.
fn missing_theme(
    name: &str,
    key: &str,
    loc: &Loc,
    themes: &BTreeMap<String, Theme>,
    themes_dir: &Path,
) -> Option<ConfigError> {
    if themes.contains_key(name) {
        return None;
    }
    let theme_names: Vec<&str> = themes.keys().map(String::as_str).collect();
    let hint = crate::suggest::nearest(name, theme_names.iter().copied())
        .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
    Some(loc.error(
        key,
        format!(
            "no theme \"{name}\"{hint}: the themes are {} (or add {name}.toml to {})",
            theme_names.join(", "),
            themes_dir.display()
        ),
    ))
}

/// The error for a macro reference `r` that names no macro (a map lookup: every profile
/// may name a logon macro).
fn missing_macro(
    r: &Reference,
    loc: &Loc,
    macros: &BTreeMap<String, Macro>,
) -> Option<ConfigError> {
    if macros.contains_key(&r.name) {
        return None;
    }
    let macro_names: Vec<&str> = macros.keys().map(String::as_str).collect();
    let hint = crate::suggest::nearest(&r.name, macro_names.iter().copied())
        .map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
    let known = if macro_names.is_empty() {
        "no macros are defined".to_owned()
    } else {
        format!("the macros are {}", macro_names.join(", "))
    };
    Some(loc.error(
        &r.key,
        format!(
            "no macro \"{}\"{hint}: define it under [macros] ({known})",
            r.name
        ),
    ))
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

impl SectionCheck for AuditSettings {
    fn check(&self) -> Vec<(String, String)> {
        self.validate()
    }
}

impl SectionCheck for ApiSettings {
    fn check(&self) -> Vec<(String, String)> {
        self.validate()
    }
}

/// The keys of `[api]` (those without a default value included).
fn api_keys() -> Vec<String> {
    let mut keys = serde_keys(&ApiSettings::default());
    for k in ApiSettings::OPTIONAL_KEYS {
        if !keys.iter().any(|x| x == k) {
            keys.push((*k).to_owned());
        }
    }
    keys
}

/// The keys of `[audit]` (those without a default value included).
fn audit_keys() -> Vec<String> {
    let mut keys = serde_keys(&AuditSettings::default());
    for k in AuditSettings::OPTIONAL_KEYS {
        if !keys.iter().any(|x| x == k) {
            keys.push(k.to_owned());
        }
    }
    keys
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
    words: fn(&super::doc::Value, &str) -> String,
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
                match &e.node.value {
                    super::doc::Value::Table(sub) => {
                        for s in &sub.entries {
                            locs.insert(
                                format!("{path}.\"{}\"", s.key),
                                Loc::of(ctx.doc, &s.node.span),
                            );
                        }
                    }
                    super::doc::Value::Array(items) => {
                        for (i, n) in items.iter().enumerate() {
                            locs.insert(format!("{path}[{i}]"), Loc::of(ctx.doc, &n.span));
                        }
                    }
                    _ => {}
                }
            }
            Err(why) => {
                ctx.err(
                    &e.node.span,
                    &join(section, &e.key),
                    words(&e.node.value, why.message().trim()),
                );
            }
        }
    }
    locs.entry(section.to_owned()).or_insert_with(|| Loc {
        file: ctx.doc.file.clone(),
        pos: (1, 1),
    });
}

/// A value serde refused, for `[logging]` and `[limits]`: `"x" is not allowed: ...`.
fn serde_words(found: &super::doc::Value, serde_message: &str) -> String {
    format!(
        "{} is not allowed: {}",
        found.quoted(),
        plain_words(serde_message)
    )
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
    add("profile.NAME.health-check", profile::HEALTH_CHECK_KEYS);
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
    let audit = audit_keys();
    add(
        "audit",
        &audit.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let api = api_keys();
    add("api", &api.iter().map(String::as_str).collect::<Vec<_>>());
    let webhooks = webhook_keys();
    add(
        "webhooks[]",
        &webhooks.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    keys
}
