//! The runtime against in-test hosts: STARTTLS (telnet option 46) end to end with a
//! native-tls acceptor and an rcgen certificate, verification failures, `--insecure`, and
//! the NOP keepalive. The hosts speak just enough telnet for each case.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::proto::TerminalConfig;
use crate::proto::oia::Secure;
use crate::runtime::{Client, ConnectOptions, ConnectionError, HostSpec, TlsOptions, Wait};

const IAC: u8 = 0xFF;
const DO: u8 = 0xFD;
const WILL: u8 = 0xFB;
const SB: u8 = 0xFA;
const SE: u8 = 0xF0;
const EOR: u8 = 0xEF;
const STARTTLS: u8 = 46;
const FOLLOWS: u8 = 1;

/// Erase/Write with keyboard restore, "HELLO" in a protected field, IAC EOR.
const HELLO: &[u8] = &[
    0xF5, 0xC2, 0x11, 0x40, 0x40, 0x1D, 0x60, 0xC8, 0xC5, 0xD3, 0xD3, 0xD6, IAC, EOR,
];

/// PEM texts of a CA, and of a server certificate and key it signed.
struct Pki {
    ca: String,
    cert: String,
    key: String,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Distinct subjects: with rcgen's default name on both, the leaf would look self-signed.
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "r3270 unit-test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    let cert = params.signed_by(&key, &ca).unwrap();
    Pki {
        ca: ca.pem(),
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

/// Read until `want` has been seen (bounded, so a broken client fails the test). Bytes
/// read past it are dropped, so each call must wait for the last thing the client sends.
async fn expect<S: AsyncRead + Unpin>(s: &mut S, want: &[u8]) {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while !got.windows(want.len()).any(|w| w == want) {
            let n = s.read(&mut buf).await.unwrap();
            assert!(n > 0, "client closed while the host waited for {want:02x?}");
            got.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    assert!(found.is_ok(), "never got {want:02x?}; got {got:02x?}");
}

/// Plain TN3270 negotiation, then one screen; the host then waits for the client to go.
async fn tn3270_and_hello<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S) {
    s.write_all(&[IAC, DO, 24]).await.unwrap();
    expect(s, &[IAC, WILL, 24]).await;
    s.write_all(&[IAC, SB, 24, 1, IAC, SE]).await.unwrap();
    expect(s, &[IAC, SE]).await;
    s.write_all(&[IAC, DO, 25, IAC, WILL, 25, IAC, DO, 0, IAC, WILL, 0])
        .await
        .unwrap();
    expect(s, &[IAC, WILL, 0]).await;
    s.write_all(HELLO).await.unwrap();
    let mut buf = [0u8; 256];
    while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
}

/// A host that asks for STARTTLS, runs the TLS server side, then draws one screen.
async fn starttls_host(pki: &Pki) -> u16 {
    let identity =
        native_tls::Identity::from_pkcs8(pki.cert.as_bytes(), pki.key.as_bytes()).unwrap();
    let acceptor =
        tokio_native_tls::TlsAcceptor::from(native_tls::TlsAcceptor::new(identity).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        tcp.write_all(&[IAC, DO, STARTTLS]).await.unwrap();
        // The client answers with WILL and FOLLOWS together.
        expect(
            &mut tcp,
            &[IAC, WILL, STARTTLS, IAC, SB, STARTTLS, FOLLOWS, IAC, SE],
        )
        .await;
        tcp.write_all(&[IAC, SB, STARTTLS, FOLLOWS, IAC, SE])
            .await
            .unwrap();
        // A failed handshake (the client refusing the certificate) just ends the host.
        if let Ok(mut tls) = acceptor.accept(tcp).await {
            tn3270_and_hello(&mut tls).await;
        }
    });
    port
}

fn spec(port: u16) -> HostSpec {
    format!("127.0.0.1:{port}").parse().unwrap()
}

async fn run_starttls(tls: TlsOptions, pki: &Pki) -> Client {
    let port = starttls_host(pki).await;
    let opts = ConnectOptions {
        tls,
        ..ConnectOptions::default()
    };
    let mut client = Client::connect(&spec(port), &opts, TerminalConfig::default())
        .await
        .unwrap();
    client.wait_ready(Duration::from_secs(10)).await;
    client
}

#[tokio::test]
async fn starttls_verified_with_the_ca() {
    let pki = pki();
    let dir = std::env::temp_dir().join(format!("r3270-starttls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &pki.ca).unwrap();
    let client = run_starttls(
        TlsOptions {
            ca_file: Some(ca),
            ..TlsOptions::default()
        },
        &pki,
    )
    .await;
    assert!(client.ended().is_none(), "{:?}", client.ended());
    assert_eq!(
        client.session().oia().secure,
        Some(Secure { verified: true })
    );
    assert!(client.session().text_rows()[0].starts_with(" HELLO"));
    let _ = std::fs::remove_dir_all(&dir);
    client.close().await.unwrap();
}

#[tokio::test]
async fn starttls_unknown_ca_is_a_verification_error() {
    let pki = pki();
    let client = run_starttls(TlsOptions::default(), &pki).await;
    match client.ended() {
        Some(ConnectionError::CertificateVerification { host, reason, .. }) => {
            assert_eq!(host, "127.0.0.1");
            assert!(!reason.is_empty());
        }
        other => panic!("expected a verification error, got {other:?}"),
    }
    assert_eq!(client.session().oia().secure, None);
}

#[tokio::test]
async fn starttls_insecure_is_shown_unverified() {
    let pki = pki();
    let client = run_starttls(
        TlsOptions {
            insecure: true,
            ..TlsOptions::default()
        },
        &pki,
    )
    .await;
    assert!(client.ended().is_none(), "{:?}", client.ended());
    assert_eq!(
        client.session().oia().secure,
        Some(Secure { verified: false })
    );
    assert!(client.session().text_rows()[0].starts_with(" HELLO"));
}

#[tokio::test]
async fn idle_connection_sends_telnet_nop() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let host = tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        // Say nothing: the client's idle timer must produce IAC NOP on its own.
        expect(&mut tcp, &[IAC, 0xF1]).await;
    });
    let opts = ConnectOptions {
        nop_interval: Some(Duration::from_millis(50)),
        ..ConnectOptions::default()
    };
    let mut client = Client::connect(&spec(port), &opts, TerminalConfig::default())
        .await
        .unwrap();
    // The host never draws: the wait ends by timeout (or by the host leaving after the NOP).
    let w = client.wait_ready(Duration::from_secs(2)).await;
    assert_ne!(w, Wait::Ready);
    host.await.unwrap();
}

/// Every log line, from a subscriber installed for the test's thread only.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn logs_carry_byte_counts_never_what_was_typed() {
    use crate::logging::{LogFormat, LoggingSettings, dispatch, env_filter};
    let captured = Captured::default();
    let filter = env_filter(&LoggingSettings::default(), Some("trace"), None).unwrap();
    // While only one dispatcher exists in the process, tracing-core works out a callsite's
    // interest from the default of whichever thread reaches it first: another test's thread,
    // with no subscriber, would switch our callsites off for good (tokio-rs/tracing#2874).
    // A second registered dispatcher, kept for the test, makes it ask every dispatcher.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    // A current-thread runtime: the connection task runs on this thread and logs here too.
    let _default =
        tracing::dispatcher::set_default(&dispatch(LogFormat::Plain, filter, captured.clone()));

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let host = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        s.write_all(&[IAC, DO, 24]).await.unwrap();
        expect(&mut s, &[IAC, WILL, 24]).await;
        s.write_all(&[IAC, SB, 24, 1, IAC, SE]).await.unwrap();
        expect(&mut s, &[IAC, SE]).await;
        s.write_all(&[IAC, DO, 25, IAC, WILL, 25, IAC, DO, 0, IAC, WILL, 0])
            .await
            .unwrap();
        expect(&mut s, &[IAC, WILL, 0]).await;
        // "HELLO" protected, then an input field with the cursor in it.
        let mut screen = HELLO[..HELLO.len() - 2].to_vec();
        screen.extend([0x1D, 0x40, 0x13, IAC, EOR]);
        s.write_all(&screen).await.unwrap();
        // The Enter AID, then unlock with a fresh screen.
        expect(&mut s, &[0x7D]).await;
        s.write_all(HELLO).await.unwrap();
        let mut buf = [0u8; 256];
        while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
    });
    let mut client = Client::connect(
        &spec(port),
        &ConnectOptions::default(),
        TerminalConfig::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        client.wait_ready(Duration::from_secs(10)).await,
        Wait::Ready
    );
    client.text("SECRETPW");
    assert_eq!(
        client
            .aid(crate::proto::Aid::Enter, Duration::from_secs(10))
            .await,
        crate::runtime::Answer::Answered
    );
    client.close().await.unwrap();
    host.await.unwrap();

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("connected"), "{text}");
    assert!(text.contains("sent bytes="), "{text}");
    assert!(text.contains("received bytes="), "{text}");
    // Neither the typed text, nor its EBCDIC bytes in any usual rendering.
    let ebcdic: Vec<u8> = "SECRETPW"
        .chars()
        .map(|c| crate::proto::CodePage::default().from_unicode(c).unwrap())
        .collect();
    let dec = format!("{ebcdic:?}");
    let hex: String = ebcdic.iter().fold(String::new(), |mut h, b| {
        use std::fmt::Write;
        let _ = write!(h, "{b:02x}");
        h
    });
    for needle in [
        "SECRETPW",
        dec.trim_matches(['[', ']']),
        &hex,
        &hex.to_uppercase(),
    ] {
        assert!(
            !text.contains(needle),
            "`{needle}` leaked into the log:\n{text}"
        );
    }
}

#[tokio::test]
async fn a_tls_port_that_never_answers_is_told_from_a_tcp_timeout() {
    // TCP is accepted, then nothing: not a refused port, not an unreachable one.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let host = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 1024];
        while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
    });
    let opts = ConnectOptions {
        connect_timeout: Duration::from_secs(1),
        ..ConnectOptions::default()
    };
    let spec: HostSpec = format!("L:127.0.0.1:{port}").parse().unwrap();
    let e = crate::runtime::Connection::open(&spec, &opts)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "the TLS handshake with 127.0.0.1:{port} got no answer within 1s (the TCP \
             connection was made; is it a TLS port?)"
        )
    );
    host.abort();
}
