//! The host syntax of the command line: `[L:][N:][LU@]host[:port]`, as x3270 users type it.
//!
//! This module only parses and prints; it resolves no names and opens no sockets. `L:` asks
//! for TLS from the first byte (the port defaults to 992 then, the registered telnets port),
//! `N:` refuses TN3270E; the prefixes are case-insensitive and may come in any order. An IPv6
//! literal goes in brackets when a port follows (`[::1]:3270`).

use std::fmt;
use std::net::Ipv6Addr;
use std::str::FromStr;

/// The telnet port, used when the host names none.
pub const DEFAULT_PORT: u16 = 23;
/// The telnets port (RFC 2355 section 1 / IANA), used with `L:` when the host names none.
pub const DEFAULT_TLS_PORT: u16 = 992;

/// Where to connect and how, as the user wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostSpec {
    /// The host name or IP literal (an IPv6 literal without its brackets).
    pub host: String,
    pub port: u16,
    /// `L:` — TLS from the first byte (direct TLS rather than STARTTLS).
    pub tls: bool,
    /// `N:` clears this: do not negotiate TN3270E.
    pub tn3270e: bool,
    /// `LU@` — the LU (or device) name to ask for.
    pub lu: Option<String>,
}

/// Why a host string does not parse. Every message quotes what the user typed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HostSpecError {
    #[error("no host given")]
    Empty,
    #[error("`{0}`: the host name is missing")]
    NoHost(String),
    #[error("`{0}`: the LU name before `@` is empty")]
    EmptyLu(String),
    #[error("`{spec}`: `{port}` is not a port number (1-65535)")]
    BadPort { spec: String, port: String },
    #[error(
        "`{spec}`: prefix `{prefix}:` is not supported (r3270 knows L: for TLS, N: for no TN3270E)"
    )]
    UnknownPrefix { spec: String, prefix: char },
    #[error("`{spec}`: prefix `{prefix}:` is given twice")]
    DuplicatePrefix { spec: String, prefix: char },
    #[error("`{0}`: an IPv6 address needs brackets when a port follows, e.g. [::1]:3270")]
    BadIpv6(String),
    #[error(
        "`{spec}`: `{ch}` cannot be in a host name (letters, digits, `-`, `.` and `_`, or an IP address)"
    )]
    BadHostName { spec: String, ch: char },
}

impl FromStr for HostSpec {
    type Err = HostSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let spec = s.trim();
        if spec.is_empty() {
            return Err(HostSpecError::Empty);
        }
        let mut rest = spec;
        let mut tls = false;
        let mut tn3270e = true;
        // A one-letter word before `:` is a prefix unless only digits follow (`a:23` is
        // host `a`, port 23), which is how x3270 tells the two apart too.
        while let Some((head, tail)) = rest.split_once(':') {
            let mut chars = head.chars();
            let (Some(letter), None) = (chars.next(), chars.next()) else {
                break;
            };
            if !letter.is_ascii_alphabetic()
                || (!tail.is_empty() && tail.chars().all(|c| c.is_ascii_digit()))
            {
                break;
            }
            let flag = match letter.to_ascii_uppercase() {
                'L' => &mut tls,
                'N' => &mut tn3270e,
                prefix => {
                    return Err(HostSpecError::UnknownPrefix {
                        spec: spec.to_owned(),
                        prefix,
                    });
                }
            };
            // `tn3270e` starts true and `N:` clears it; `tls` starts false and `L:` sets it.
            let seen = if letter.eq_ignore_ascii_case(&'N') {
                !*flag
            } else {
                *flag
            };
            if seen {
                return Err(HostSpecError::DuplicatePrefix {
                    spec: spec.to_owned(),
                    prefix: letter.to_ascii_uppercase(),
                });
            }
            *flag = !*flag;
            rest = tail;
        }
        let lu = match rest.rsplit_once('@') {
            Some(("", _)) => return Err(HostSpecError::EmptyLu(spec.to_owned())),
            Some((lu, host)) => {
                rest = host;
                Some(lu.to_owned())
            }
            None => None,
        };
        let (host, port) = split_host_port(spec, rest)?;
        if host.is_empty() {
            return Err(HostSpecError::NoHost(spec.to_owned()));
        }
        // IPv6 literals were checked above. Anything else must look like a host name, so that
        // a mistyped word (a profile's name with a space, a stray quote) is refused here
        // instead of being sent to the resolver.
        if !host.contains(':') {
            if let Some(ch) = host
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
            {
                return Err(HostSpecError::BadHostName {
                    spec: spec.to_owned(),
                    ch,
                });
            }
        }
        let port =
            match port {
                None => {
                    if tls {
                        DEFAULT_TLS_PORT
                    } else {
                        DEFAULT_PORT
                    }
                }
                Some(p) => p.parse::<u16>().ok().filter(|&n| n != 0).ok_or_else(|| {
                    HostSpecError::BadPort {
                        spec: spec.to_owned(),
                        port: p.to_owned(),
                    }
                })?,
            };
        Ok(HostSpec {
            host: host.to_owned(),
            port,
            tls,
            tn3270e,
            lu,
        })
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`, or a bare IPv6 literal without a port.
fn split_host_port<'a>(
    spec: &str,
    s: &'a str,
) -> Result<(&'a str, Option<&'a str>), HostSpecError> {
    if let Some(inner) = s.strip_prefix('[') {
        let (addr, after) = inner
            .split_once(']')
            .ok_or_else(|| HostSpecError::BadIpv6(spec.to_owned()))?;
        if addr.parse::<Ipv6Addr>().is_err() {
            return Err(HostSpecError::BadIpv6(spec.to_owned()));
        }
        return match after {
            "" => Ok((addr, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((addr, Some(port))),
                None => Err(HostSpecError::BadIpv6(spec.to_owned())),
            },
        };
    }
    if s.matches(':').count() > 1 {
        // More than one colon without brackets can only be an IPv6 literal with no port.
        return if s.parse::<Ipv6Addr>().is_ok() {
            Ok((s, None))
        } else {
            Err(HostSpecError::BadIpv6(spec.to_owned()))
        };
    }
    Ok(match s.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (s, None),
    })
}

impl HostSpec {
    /// The name TLS verifies the certificate against: the host as typed (a name, or an IP
    /// literal that must appear as an IP SAN).
    pub fn tls_domain(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for HostSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.tls {
            f.write_str("L:")?;
        }
        if !self.tn3270e {
            f.write_str("N:")?;
        }
        if let Some(lu) = &self.lu {
            write!(f, "{lu}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> HostSpec {
        s.parse().unwrap()
    }

    #[test]
    fn plain_names_and_ports() {
        let h = p("mvs.example.com");
        assert_eq!(
            (h.host.as_str(), h.port, h.tls, h.tn3270e),
            ("mvs.example.com", 23, false, true)
        );
        assert_eq!(p("127.0.0.1:3270").port, 3270);
        assert_eq!(p("a:23").host, "a");
    }

    #[test]
    fn prefixes_any_order_any_case() {
        let h = p("l:n:127.0.0.1");
        assert!(h.tls && !h.tn3270e);
        assert_eq!(h.port, DEFAULT_TLS_PORT);
        let h = p("N:L:host:2323");
        assert!(h.tls && !h.tn3270e);
        assert_eq!(h.port, 2323);
        assert_eq!(p("L:host").to_string(), "L:host:992");
    }

    #[test]
    fn lu_names() {
        let h = p("0015@127.0.0.1:3270");
        assert_eq!(h.lu.as_deref(), Some("0015"));
        assert_eq!(h.host, "127.0.0.1");
        let h = p("L:LU01@[::1]:992");
        assert_eq!(
            (h.lu.as_deref(), h.host.as_str(), h.port),
            (Some("LU01"), "::1", 992)
        );
        assert_eq!(h.to_string(), "L:LU01@[::1]:992");
    }

    #[test]
    fn a_host_name_is_letters_digits_dots_dashes_and_underscores() {
        assert_eq!(
            p("mvs-1.example_corp.com:23").host,
            "mvs-1.example_corp.com"
        );
        for (bad, ch) in [
            ("bad host", ' '),
            ("prod!", '!'),
            ("\"mvs\"", '"'),
            ("héte", 'é'),
        ] {
            assert_eq!(
                bad.parse::<HostSpec>(),
                Err(HostSpecError::BadHostName {
                    spec: bad.to_owned(),
                    ch
                }),
                "{bad}"
            );
        }
        assert_eq!(
            "LU1@my host:23"
                .parse::<HostSpec>()
                .unwrap_err()
                .to_string(),
            "`LU1@my host:23`: ` ` cannot be in a host name (letters, digits, `-`, `.` and `_`, \
             or an IP address)"
        );
    }

    #[test]
    fn ipv6() {
        assert_eq!(p("[::1]:3270").host, "::1");
        assert_eq!(p("[::1]").port, 23);
        assert_eq!(p("::1").host, "::1");
        assert!(matches!(
            "[::1".parse::<HostSpec>(),
            Err(HostSpecError::BadIpv6(_))
        ));
        assert!(matches!(
            "[zz]:1".parse::<HostSpec>(),
            Err(HostSpecError::BadIpv6(_))
        ));
        assert!(matches!(
            "fe80::1:x:1".parse::<HostSpec>(),
            Err(HostSpecError::BadIpv6(_))
        ));
    }

    #[test]
    fn errors_are_clear() {
        assert_eq!("".parse::<HostSpec>(), Err(HostSpecError::Empty));
        let e = "host:99999".parse::<HostSpec>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "`host:99999`: `99999` is not a port number (1-65535)"
        );
        assert!(matches!(
            "host:0".parse::<HostSpec>(),
            Err(HostSpecError::BadPort { .. })
        ));
        assert!(matches!(
            "P:host".parse::<HostSpec>(),
            Err(HostSpecError::UnknownPrefix { prefix: 'P', .. })
        ));
        assert!(matches!(
            "L:l:host".parse::<HostSpec>(),
            Err(HostSpecError::DuplicatePrefix { prefix: 'L', .. })
        ));
        assert!(matches!(
            "@host".parse::<HostSpec>(),
            Err(HostSpecError::EmptyLu(_))
        ));
        assert!(matches!(
            "lu@:23".parse::<HostSpec>(),
            Err(HostSpecError::NoHost(_))
        ));
        assert!(matches!(
            "L:".parse::<HostSpec>(),
            Err(HostSpecError::NoHost(_))
        ));
    }
}
