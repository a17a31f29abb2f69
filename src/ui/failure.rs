//! Connection failures in the interactive client's words: the text of a typed
//! [`ConnectionError`] and of a failed round of [`Attempt`]s, for the OIA and the status line.
//!
//! The connection task and the tab keep the errors typed (a monitor can count them by kind
//! and endpoint); this is the one place the TUI turns them into text. What to do about an
//! unverified certificate or a port without TLS is said with the profile's keys (`ca-file`,
//! `verify`, `tls`), where `r3270 screen` says it with its options. Pure: no ratatui, no
//! state.

use crate::runtime::error::{Attempt, CertProblem, ConnectionError};

/// A connection error as the operator of the interactive client should read it: what to do
/// about an unverified certificate or a port without TLS is said with the profile's keys.
pub fn describe(e: &ConnectionError) -> String {
    let hint = match e {
        ConnectionError::CertificateVerification { problem, .. } => match problem {
            CertProblem::Expired => "the host's certificate must be renewed, unless this \
                machine's clock is wrong; `verify = false` in the profile connects without \
                verification"
                .to_owned(),
            CertProblem::NotYetValid => "check this machine's clock (or the certificate's \
                start date); `verify = false` in the profile connects without verification"
                .to_owned(),
            CertProblem::NameMismatch => "set the profile's `host` to a name the certificate \
                names; `verify = false` skips the check"
                .to_owned(),
            CertProblem::UnknownIssuer | CertProblem::Other => "trust its CA with `ca-file` \
                in the profile, or connect unverified with `verify = false`"
                .to_owned(),
        },
        ConnectionError::NotTls { telnet: true, .. } => "set `tls = \"off\"` in the profile: \
            r3270 still starts TLS there if the host offers STARTTLS"
            .to_owned(),
        ConnectionError::NotTls { telnet: false, .. } => {
            "check the profile's `port`, or set `tls = \"off\"` if it is a plain TN3270 port"
                .to_owned()
        }
        other => return other.to_string(),
    };
    format!("{e} ({hint})")
}

/// One endpoint's failure: the endpoint, then why. Only an alternate can fail to parse (the
/// profile's own host was parsed before the tab opened), so such an attempt is named as one.
pub fn attempt(a: &Attempt) -> String {
    match &a.error {
        ConnectionError::InvalidEndpoint(e) => format!("alternate `{}`: {e}", a.endpoint),
        e => format!("{}: {}", a.endpoint, describe(e)),
    }
}

/// A round of connecting that reached no endpoint: every endpoint tried, in order, each with
/// its reason (the status line shows what fits; the log keeps all of it).
pub fn attempts(attempts: &[Attempt]) -> String {
    attempts.iter().map(attempt).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unverified_certificate_points_at_the_profile_keys() {
        let e = ConnectionError::CertificateVerification {
            host: "mvs.example.com".to_owned(),
            reason: "self-signed certificate".to_owned(),
            problem: CertProblem::UnknownIssuer,
            cert: None,
        };
        let text = describe(&e);
        assert!(text.contains("mvs.example.com"), "{text}");
        assert!(text.contains("self-signed certificate"), "{text}");
        assert!(
            text.contains("`ca-file`") && text.contains("`verify = false`"),
            "{text}"
        );
        assert!(!text.contains("--insecure"), "{text}");
        // The advice fits the failure: no CA helps an expired certificate or another name.
        let expired = describe(&ConnectionError::CertificateVerification {
            host: "mvs".to_owned(),
            reason: "certificate has expired".to_owned(),
            problem: CertProblem::Expired,
            cert: None,
        });
        assert!(expired.contains("must be renewed"), "{expired}");
        assert!(!expired.contains("`ca-file`"), "{expired}");
        let misnamed = describe(&ConnectionError::CertificateVerification {
            host: "mvs".to_owned(),
            reason: "hostname mismatch".to_owned(),
            problem: CertProblem::NameMismatch,
            cert: None,
        });
        assert!(misnamed.contains("not issued for `mvs`"), "{misnamed}");
        assert!(misnamed.contains("profile's `host`"), "{misnamed}");
        assert!(!misnamed.contains("`ca-file`"), "{misnamed}");
        let plain = describe(&ConnectionError::NotTls {
            host: "mvs".to_owned(),
            port: 23,
            telnet: true,
        });
        assert!(plain.contains("`tls = \"off\"`"), "{plain}");
        // Other errors keep their own words.
        assert_eq!(
            describe(&ConnectionError::HostClosed),
            ConnectionError::HostClosed.to_string()
        );
    }

    #[test]
    fn a_round_of_attempts_names_every_endpoint_in_order() {
        let tried = [
            Attempt {
                endpoint: "127.0.0.1:23".to_owned(),
                error: ConnectionError::Refused {
                    addr: "127.0.0.1:23".parse().unwrap(),
                },
            },
            Attempt {
                endpoint: "L:X:bad".to_owned(),
                error: ConnectionError::InvalidEndpoint(
                    "L:X:bad"
                        .parse::<crate::runtime::host::HostSpec>()
                        .unwrap_err(),
                ),
            },
            Attempt {
                endpoint: "L:mvs:992".to_owned(),
                error: ConnectionError::NotTls {
                    host: "mvs".to_owned(),
                    port: 992,
                    telnet: true,
                },
            },
        ];
        assert_eq!(
            attempts(&tried),
            "127.0.0.1:23: connection to 127.0.0.1:23 refused (is a TN3270 server listening on \
             that port?); alternate `L:X:bad`: `L:X:bad`: prefix `X:` is not supported (r3270 \
             knows L: for TLS, N: for no TN3270E); L:mvs:992: mvs does not speak TLS on port \
             992: it answered the TLS handshake with telnet negotiation, as a plain TN3270 port \
             does (set `tls = \"off\"` in the profile: r3270 still starts TLS there if the host \
             offers STARTTLS)"
        );
        assert_eq!(attempts(&[]), "");
    }
}
