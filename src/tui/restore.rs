//! The list of open tabs, kept in the data directory so that a run that ends without
//! quitting (a crash, `kill -9`, a closed terminal) can offer them at the next start
//! (`ui.restore-tabs`).
//!
//! One line per tab, in tab order: the target it was opened with (a profile's name or a
//! `[L:][N:][LU@]host[:port]`), a tab character, and the tab's name. The file is replaced
//! atomically (written beside it, then renamed over it), so a kill in the middle of a
//! write leaves the old list or the new one, never half of one. Quitting removes it.
//! Failing to write is logged and never stops the session.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The file's name in the data directory.
pub const TABS_FILE: &str = "open-tabs";

/// The most tabs read back (`limits.max-sessions` is at most 256).
const MAX_TABS: usize = 256;

/// Where the list is kept.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(TABS_FILE)
}

/// The tabs listed in `path`, `(target, name)`, in order; nothing when there is no file.
/// Lines that are not `TARGET<TAB>NAME` are skipped.
pub fn read(path: &Path) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(t, n)| (t.trim().to_owned(), n.trim().to_owned()))
        .filter(|(t, _)| !t.is_empty())
        .take(MAX_TABS)
        .collect()
}

/// Replace the list atomically; an empty list removes the file.
pub fn write(path: &Path, tabs: &[(String, String)]) {
    let result = if tabs.is_empty() {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    } else {
        write_atomically(path, tabs)
    };
    if let Err(e) = result {
        tracing::warn!(path = %path.display(), error = %e, "cannot keep the list of open tabs");
    }
}

fn write_atomically(path: &Path, tabs: &[(String, String)]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = String::new();
    for (target, name) in tabs {
        // A line per tab: neither part may hold the separators.
        let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        text.push_str(&clean(target));
        text.push('\t');
        text.push_str(&clean(name));
        text.push('\n');
    }
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_round_trips_and_an_empty_one_removes_the_file() {
        let dir = std::env::temp_dir().join(format!("r3270-restore-{}", std::process::id()));
        let p = path(&dir);
        assert!(read(&p).is_empty());
        let tabs = vec![
            ("prod".to_owned(), "prod".to_owned()),
            ("L:mvs:992".to_owned(), "my\ttab".to_owned()),
        ];
        write(&p, &tabs);
        assert_eq!(
            read(&p),
            [
                ("prod".to_owned(), "prod".to_owned()),
                ("L:mvs:992".to_owned(), "my tab".to_owned()),
            ]
        );
        // No temporary file is left beside it.
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
        // Garbage lines are skipped.
        std::fs::write(&p, "no tab here\n\tno target\nok\tname\n").unwrap();
        assert_eq!(read(&p), [("ok".to_owned(), "name".to_owned())]);
        write(&p, &[]);
        assert!(!p.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
