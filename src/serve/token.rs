//! The API's bearer token: read from its file, or made from the OS's random source on first
//! start and written 0600; compared in constant time.

use std::io::Write as _;
use std::path::Path;

use subtle::ConstantTimeEq;

/// The token every request must carry.
#[derive(Clone)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<hidden>)")
    }
}

impl Token {
    /// The token in `file`, created (32 random bytes, hex) when the file does not exist.
    pub fn load_or_create(file: &Path) -> Result<Token, String> {
        match std::fs::read_to_string(file) {
            Ok(text) => {
                let t = text.trim();
                if t.len() < 16 {
                    return Err(format!(
                        "{}: the API token must be at least 16 characters",
                        file.display()
                    ));
                }
                warn_if_readable_by_others(file);
                Ok(Token(t.to_owned()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::create(file),
            Err(e) => Err(format!("cannot read the API token {}: {e}", file.display())),
        }
    }

    fn create(file: &Path) -> Result<Token, String> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| format!("no random source: {e}"))?;
        let token = hex::encode(bytes);
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(file)
            .map_err(|e| format!("cannot create the API token {}: {e}", file.display()))?;
        f.write_all(token.as_bytes())
            .and_then(|()| f.write_all(b"\n"))
            .and_then(|()| f.sync_all())
            .map_err(|e| format!("cannot write the API token {}: {e}", file.display()))?;
        Ok(Token(token))
    }

    /// A token given directly (tests, the TUI's own).
    pub fn new(value: &str) -> Token {
        Token(value.to_owned())
    }

    /// `candidate` is the token (constant time in the token's contents).
    pub fn matches(&self, candidate: &str) -> bool {
        self.0.as_bytes().ct_eq(candidate.as_bytes()).into()
    }
}

#[cfg(unix)]
fn warn_if_readable_by_others(file: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    if let Ok(m) = std::fs::metadata(file) {
        if m.permissions().mode() & 0o077 != 0 {
            tracing::warn!(file = %file.display(), "the API token file is readable by others; chmod 600 it");
            eprintln!(
                "r3270: warning: {} is readable by other users (chmod 600 it)",
                file.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_file: &Path) {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_new_token_is_random_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("r3270-token-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let file = dir.join("api-token");
        let a = Token::load_or_create(&file).unwrap();
        let b = Token::load_or_create(&file).unwrap();
        assert_eq!(a.0, b.0);
        assert_eq!(a.0.len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let other = dir.join("other");
        let c = Token::load_or_create(&other).unwrap();
        assert_ne!(a.0, c.0);
        assert!(a.matches(&a.0));
        assert!(!a.matches(&c.0));
        assert!(!a.matches(""));
        assert!(!format!("{a:?}").contains(&a.0));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
