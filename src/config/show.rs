//! The effective configuration as text: `r3270 config show` (TOML that loads back to the
//! same configuration) and `r3270 keys` (the keymap as a table per layer).
//!
//! This module only formats; it reads no file and decides nothing.

use std::fmt::Write as _;

use crate::config::{Config, Profile, ReconnectPolicy, TlsMode};
use crate::keymap::Layer;

use super::keymap_file::condition_name;
use super::paths::Origin;

fn secs(d: std::time::Duration) -> toml::Value {
    let f = d.as_secs_f64();
    if f.fract() == 0.0 && f <= 9.0e15 {
        toml::Value::Integer(d.as_secs().try_into().unwrap_or(i64::MAX))
    } else {
        toml::Value::Float(f)
    }
}

fn s<T: ToString + ?Sized>(v: &T) -> toml::Value {
    toml::Value::String(v.to_string())
}

fn profile_table(p: &Profile) -> toml::Table {
    let mut t = toml::Table::new();
    t.insert("host".into(), s(&p.host));
    if let Some(port) = p.port {
        t.insert("port".into(), toml::Value::Integer(i64::from(port)));
    }
    let tls = match p.tls {
        TlsMode::Off => "off",
        TlsMode::Direct => "direct",
        TlsMode::Starttls => "starttls",
    };
    t.insert("tls".into(), s(tls));
    t.insert("verify".into(), toml::Value::Boolean(p.verify));
    for (k, v) in [
        ("ca-file", &p.ca_file),
        ("client-cert", &p.client_cert),
        ("client-key", &p.client_key),
    ] {
        if let Some(v) = v {
            t.insert(k.into(), s(&v.display()));
        }
    }
    let m = p.model;
    t.insert(
        "model".into(),
        s(&format!(
            "{}-{}",
            if m.color { 3279 } else { 3278 },
            m.number
        )),
    );
    if let Some(d) = p.oversize {
        t.insert("oversize".into(), s(&format!("{}x{}", d.cols, d.rows)));
    }
    if let Some(tt) = &p.terminal_type {
        t.insert("terminal-type".into(), s(tt));
    }
    t.insert("code-page".into(), s(p.code_page.name()));
    if let Some(lu) = &p.lu {
        t.insert("lu".into(), s(lu));
    }
    t.insert("tn3270e".into(), toml::Value::Boolean(p.tn3270e));
    t.insert("connect-timeout".into(), secs(p.connect_timeout));
    t.insert(
        "keepalive".into(),
        p.keepalive.map_or(toml::Value::Integer(0), secs),
    );
    t.insert(
        "alternates".into(),
        toml::Value::Array(p.alternates.iter().map(s).collect()),
    );
    t.insert("balance".into(), s(&p.balance.to_string()));
    if let Some(h) = &p.health_check {
        let mut ht = toml::Table::new();
        ht.insert("interval".into(), secs(h.interval));
        ht.insert("timeout".into(), secs(h.timeout));
        t.insert("health-check".into(), toml::Value::Table(ht));
    }
    let ReconnectPolicy {
        enabled,
        delay,
        max_delay,
        max_attempts,
    } = &p.reconnect;
    let mut r = toml::Table::new();
    r.insert("enabled".into(), toml::Value::Boolean(*enabled));
    r.insert("delay".into(), secs(*delay));
    r.insert("max-delay".into(), secs(*max_delay));
    r.insert(
        "max-attempts".into(),
        toml::Value::Integer(i64::from(*max_attempts)),
    );
    t.insert("reconnect".into(), toml::Value::Table(r));
    if let Some(m) = &p.logon_macro {
        t.insert("logon-macro".into(), s(m));
    }
    if let Some(th) = &p.theme {
        t.insert("theme".into(), s(th));
    }
    t
}

/// The effective configuration as TOML (comments are not kept; `r3270 config init`
/// writes the commented file).
pub fn config_toml(c: &Config) -> String {
    let mut root = toml::Table::new();
    let mut ui = toml::Table::new();
    ui.insert("theme".into(), s(&c.ui.theme));
    ui.insert("crosshair".into(), toml::Value::Boolean(c.ui.crosshair));
    ui.insert("mouse".into(), toml::Value::Boolean(c.ui.mouse));
    ui.insert(
        "confirm-close".into(),
        toml::Value::Boolean(c.ui.confirm_close),
    );
    ui.insert("long-aid".into(), secs(c.ui.long_aid));
    ui.insert(
        "recent-hosts".into(),
        toml::Value::Integer(c.ui.recent_hosts.try_into().unwrap_or(i64::MAX)),
    );
    ui.insert("restore-tabs".into(), s(c.ui.restore_tabs.name()));
    root.insert("ui".into(), toml::Value::Table(ui));
    let mut paths = toml::Table::new();
    paths.insert("data-dir".into(), s(&c.paths.data_dir.display()));
    paths.insert("log-dir".into(), s(&c.paths.log_dir.display()));
    paths.insert("themes-dir".into(), s(&c.paths.themes_dir.display()));
    root.insert("paths".into(), toml::Value::Table(paths));
    if let Ok(toml::Value::Table(mut theme)) = toml::Value::try_from(&c.theme) {
        theme.remove("name");
        root.insert("theme".into(), toml::Value::Table(theme));
    }
    let profiles: toml::Table = c
        .profiles
        .iter()
        .map(|p| (p.name.clone(), toml::Value::Table(profile_table(p))))
        .collect();
    root.insert("profile".into(), toml::Value::Table(profiles));
    let macros: toml::Table = c
        .macros
        .values()
        // A macro with a file of its own stays there (DATA/macros/NAME.toml).
        .filter(|m| m.file.is_none())
        .map(|m| {
            let steps = toml::Value::Array(m.steps.iter().map(s).collect());
            let value = match m.timeout {
                None => steps,
                Some(t) => {
                    let mut table = toml::Table::new();
                    table.insert("steps".into(), steps);
                    table.insert("timeout".into(), toml::Value::Float(t.as_secs_f64()));
                    toml::Value::Table(table)
                }
            };
            (m.name.clone(), value)
        })
        .collect();
    root.insert("macros".into(), toml::Value::Table(macros));
    let mut keymap = toml::Table::new();
    for layer in KEYMAP_ORDER {
        let items = c
            .keymap
            .layer(layer)
            .iter()
            .map(|b| {
                let mut t = toml::Table::new();
                t.insert("key".into(), s(&b.key));
                t.insert("action".into(), s(&b.action));
                if let Some(w) = b.when {
                    t.insert("when".into(), s(condition_name(w)));
                }
                toml::Value::Table(t)
            })
            .collect();
        keymap.insert(layer.name().into(), toml::Value::Array(items));
    }
    root.insert("keymap".into(), toml::Value::Table(keymap));
    if let Ok(v) = toml::Value::try_from(&c.logging) {
        root.insert("logging".into(), v);
    }
    if let Ok(v) = toml::Value::try_from(&c.limits) {
        root.insert("limits".into(), v);
    }
    if let Ok(v) = toml::Value::try_from(&c.audit) {
        root.insert("audit".into(), v);
    }
    if let Ok(v) = toml::Value::try_from(&c.api) {
        root.insert("api".into(), v);
    }
    toml::to_string(&root).unwrap_or_default()
}

/// The layers in the order the docs and `r3270 keys` list them.
pub const KEYMAP_ORDER: [Layer; 5] = [
    Layer::Screen,
    Layer::Global,
    Layer::Monitor,
    Layer::Audit,
    Layer::Prompt,
];

/// The effective keymap, one table per layer: chord, action, condition.
pub fn keys_text(c: &Config, only: Option<Layer>) -> String {
    let mut out = String::new();
    for layer in KEYMAP_ORDER {
        if only.is_some_and(|l| l != layer) {
            continue;
        }
        let bindings = c.keymap.layer(layer);
        let _ = writeln!(out, "[{}]", layer.name());
        if bindings.is_empty() {
            let _ = writeln!(out, "  (no bindings)");
        }
        for b in bindings {
            let when = b
                .when
                .map_or(String::new(), |w| format!("  (when {})", condition_name(w)));
            let _ = writeln!(out, "  {:<16} {}{when}", b.key.to_string(), b.action);
        }
        out.push('\n');
    }
    out
}

/// `r3270 paths`: each location, where it came from, and whether it exists.
pub fn paths_text(c: &Config) -> String {
    let row = |label: &str, p: &std::path::Path, o: &Origin| {
        let exists = if p.exists() { "exists" } else { "missing" };
        format!("{label:<12} {}  ({o}; {exists})\n", p.display())
    };
    let mut out = String::new();
    out.push_str(&row(
        "config file",
        &c.paths.config_file,
        &c.path_origins.config_file,
    ));
    out.push_str(&row(
        "themes",
        &c.paths.themes_dir,
        &c.path_origins.themes_dir,
    ));
    out.push_str(&row("data", &c.paths.data_dir, &c.path_origins.data_dir));
    out.push_str(&row("logs", &c.paths.log_dir, &c.path_origins.log_dir));
    let key = |k: &str| Origin::Key(format!("audit.{k}"));
    let audit_origin = if c.audit.dir.is_some() {
        key("dir")
    } else {
        c.path_origins.data_dir.clone()
    };
    out.push_str(&row(
        "audit",
        &c.audit.log_dir(&c.paths.data_dir),
        &audit_origin,
    ));
    let key_origin = if c.audit.key_dir.is_some() {
        key("key-dir")
    } else {
        c.path_origins.log_dir.clone()
    };
    out.push_str(&row(
        "audit keys",
        &c.audit.key_dir(&c.paths.log_dir),
        &key_origin,
    ));
    if let Some(a) = &c.audit.archive_dir {
        out.push_str(&row("audit archive", a, &key("archive-dir")));
    }
    out
}

/// The starter file `r3270 config init` writes: the embedded defaults with every setting
/// commented out, so the file changes nothing until a line is uncommented.
pub fn starter_text() -> String {
    let mut out = String::from(
        "# Your r3270 configuration. Every setting below is commented out and shows its\n\
         # default; uncomment and change what you need. A keymap list you uncomment is\n\
         # merged with the defaults: your bindings win, the others stay.\n\n",
    );
    for line in super::DEFAULTS.lines() {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            out.push_str(line);
        } else {
            out.push_str("# ");
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Writes [`starter_text`] to `path`, creating its directory; never overwrites a file.
pub fn init_file(path: &std::path::Path) -> Result<(), String> {
    if path.exists() {
        return Err(format!(
            "{} already exists; it was left as it is (`r3270 config check` checks it)",
            path.display()
        ));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, starter_text().as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_md_shows_the_default_keymap() {
        let doc = include_str!("../../docs/KEYS.md");
        let begin = "<!-- BEGIN r3270 keys -->\n```\n";
        let start = doc.find(begin).map(|i| i + begin.len()).unwrap();
        let end = doc.find("```\n<!-- END r3270 keys -->").unwrap();
        let expected = keys_text(&Config::builtin(), None);
        assert!(
            doc[start..end] == expected,
            "docs/KEYS.md is out of date; its block should be:\n{expected}"
        );
    }

    #[test]
    fn the_starter_file_changes_nothing() {
        let text = starter_text();
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        assert!(parsed.is_empty(), "every setting is commented out");
        assert!(text.contains("# theme = \"3279\""));
    }
}
