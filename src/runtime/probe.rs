//! An endpoint health probe: open a connection the way a session would (name resolution,
//! TCP connect, and the TLS handshake for an `L:` endpoint), wait for the host's first
//! telnet negotiation (any command starting with IAC), then drop the connection.
//!
//! A probe sends nothing: it never answers the host's DO TERMINAL-TYPE, so no TN3270E
//! device negotiation starts and the host never assigns it an LU. It is bounded by one
//! timeout over all of it. What a probe's result means for balancing and failover is the
//! app's business, not this module's.

use std::time::Duration;

use tokio::time::Instant;

use crate::runtime::connection::{ConnEvent, ConnectOptions, Connection};
use crate::runtime::host::HostSpec;

/// Telnet's Interpret As Command byte: every negotiation starts with it.
const IAC: u8 = 0xFF;

/// Probe `spec`: `Ok(latency)` when the host's first telnet negotiation arrived within
/// `timeout` (the latency is from the start to that byte), else why not.
pub async fn probe(
    spec: &HostSpec,
    opts: &ConnectOptions,
    timeout: Duration,
) -> Result<Duration, String> {
    let started = Instant::now();
    let mut opts = opts.clone();
    opts.connect_timeout = opts.connect_timeout.min(timeout);
    opts.nop_interval = None;
    let run = async {
        let mut conn = Connection::open(spec, &opts)
            .await
            .map_err(|e| e.to_string())?;
        let heard = match conn.next_event().await {
            Some(ConnEvent::Data(bytes)) if bytes.first() == Some(&IAC) => Ok(started.elapsed()),
            Some(ConnEvent::Data(_)) => Err("the host spoke, but not telnet".to_owned()),
            Some(ConnEvent::Closed) | None => {
                Err("the host closed the connection before negotiating".to_owned())
            }
            Some(ConnEvent::Error(e)) => Err(e.to_string()),
            Some(ConnEvent::TlsEstablished { .. } | ConnEvent::PeerCertificate(_)) => {
                Err("the host started TLS before negotiating".to_owned())
            }
        };
        // Nothing was sent; drop the connection at once.
        conn.abort();
        heard
    };
    match tokio::time::timeout(timeout, run).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "no telnet negotiation within {:.1} s",
            timeout.as_secs_f64()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_host_that_negotiates_is_up_one_that_is_silent_or_absent_is_down() {
        use tokio::io::AsyncWriteExt;
        // A telnet host: DO TERMINAL-TYPE at once.
        let telnet = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = telnet.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut s, _) = telnet.accept().await.unwrap();
            s.write_all(&[IAC, 0xFD, 0x18]).await.unwrap();
            let mut buf = [0u8; 16];
            // The probe never answers: the read ends with the probe's close.
            let n = tokio::io::AsyncReadExt::read(&mut s, &mut buf)
                .await
                .unwrap_or(0);
            assert_eq!(n, 0, "the probe sent {:?}", &buf[..n]);
        });
        let spec: HostSpec = format!("127.0.0.1:{port}").parse().unwrap();
        let opts = ConnectOptions::default();
        let t = Duration::from_secs(5);
        assert!(probe(&spec, &opts, t).await.is_ok());
        // A host that accepts and never speaks: down after the timeout.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sport = silent.local_addr().unwrap().port();
        let keep = tokio::spawn(async move {
            let (s, _) = silent.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(10)).await;
            drop(s);
        });
        let spec: HostSpec = format!("127.0.0.1:{sport}").parse().unwrap();
        let err = probe(&spec, &opts, Duration::from_millis(300))
            .await
            .unwrap_err();
        assert_eq!(err, "no telnet negotiation within 0.3 s");
        keep.abort();
        // Nobody listening.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let cport = closed.local_addr().unwrap().port();
        drop(closed);
        let spec: HostSpec = format!("127.0.0.1:{cport}").parse().unwrap();
        assert!(probe(&spec, &opts, t).await.is_err());
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_is_down_with_the_reason_within_the_timeout() {
        // `.invalid` never resolves (RFC 2606). With or without a name server at hand the
        // probe ends within its own timeout and says why: the name, or the time.
        let spec: HostSpec = "no-such-host.invalid:23".parse().unwrap();
        let err = probe(&spec, &ConnectOptions::default(), Duration::from_secs(3))
            .await
            .unwrap_err();
        assert!(
            err.contains("no-such-host.invalid") || err.contains("within 3 s"),
            "{err}"
        );
    }
}
