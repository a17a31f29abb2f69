//! A host that asks and never listens: it negotiates plain TN3270, draws a screen, then
//! writes Read Partition Query records without end and never reads the Query Replies. Such
//! a host must not hang r3270 (a write that makes no progress ends the connection, and a
//! close always finishes) nor make it buffer replies without bound (the queue of unsent
//! bytes has a budget). The hosts are tokio listeners on 127.0.0.1 in the test; the client
//! is the library's `Client`/`Connection`, and the real `r3270 screen` binary.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::tn3270_host::{EOR, HELLO, IAC, negotiate};
use r3270::proto::TerminalConfig;
use r3270::runtime::connection::CLOSE_GRACE;
use r3270::runtime::{Client, ConnectOptions, Connection, ConnectionError, HostSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// Write Structured Field with one Read Partition (0x01) Query (0x02) for partition 0xFF
/// (doubled, as telnet binary data must be), then IAC EOR: 9 bytes that each ask for a
/// Query Reply of several dozen bytes.
const QUERY: &[u8] = &[0xF3, 0x00, 0x05, 0x01, IAC, IAC, 0x02, IAC, EOR];

/// How long the host keeps trying before it reports that the client never let go: far
/// above any normal run, it only turns a hang into a failed assertion.
const HOST_GIVES_UP: Duration = Duration::from_secs(90);

/// What the flooding host saw.
#[derive(Debug)]
struct FloodReport {
    /// Query records written before the client let go (or the host gave up); kept for the
    /// failure messages.
    #[allow(dead_code)]
    queries: usize,
    /// A write failed because the client closed or reset the connection; false if the
    /// host gave up after [`HOST_GIVES_UP`] with the client still holding on.
    client_let_go: bool,
}

/// Draw HELLO, then write Read Partition Queries in 16 KiB batches and never read. The
/// client's close shows as a failed write (its kernel resets a socket closed with unread
/// data), so the host notices it without reading a single reply.
async fn query_flood_host(listener: TcpListener) -> FloodReport {
    let (mut s, _) = listener.accept().await.unwrap();
    negotiate(&mut s).await;
    s.write_all(HELLO).await.unwrap();
    let per_batch = 16 * 1024 / QUERY.len();
    let batch = QUERY.repeat(per_batch);
    let deadline = Instant::now() + HOST_GIVES_UP;
    let mut queries = 0;
    loop {
        match tokio::time::timeout_at(deadline, s.write_all(&batch)).await {
            Ok(Ok(())) => queries += per_batch,
            Ok(Err(_)) => {
                return FloodReport {
                    queries,
                    client_let_go: true,
                };
            }
            Err(_) => {
                return FloodReport {
                    queries,
                    client_let_go: false,
                };
            }
        }
    }
}

async fn flood() -> (u16, tokio::task::JoinHandle<FloodReport>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    (port, tokio::spawn(query_flood_host(listener)))
}

fn spec(port: u16) -> HostSpec {
    format!("127.0.0.1:{port}").parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screen_exits_when_the_host_stops_reading() {
    let (port, host) = flood().await;
    let run = tokio::task::spawn_blocking(move || {
        common::r3270(
            // --settle keeps the session reading after the first screen (the flood never
            // falls quiet), so the outbound budget is what ends it, as before --settle
            // existed; with the default 0 screen is done at the unlock, before the flood.
            &[
                "screen",
                "--timeout",
                "5",
                "--settle",
                "1000",
                &format!("127.0.0.1:{port}"),
            ],
            Duration::from_secs(120),
        )
    })
    .await
    .unwrap();
    // The screen drawn before the flood is printed, and stderr says why the session ended.
    assert!(run.stdout.starts_with(" HELLO"), "{run:?}");
    assert!(
        run.stderr
            .contains("r3270: the host is not reading what we send"),
        "{run:?}"
    );
    let report = host.await.unwrap();
    assert!(report.client_let_go, "{report:?}");
}

/// Options that take the outbound budget and the write deadline out of the way, so a test
/// can reach the one bound it is about.
fn unbounded_but_for(opts: ConnectOptions) -> ConnectOptions {
    ConnectOptions {
        max_unsent_bytes: usize::MAX,
        write_timeout: Duration::from_secs(3600),
        ..opts
    }
}

#[tokio::test]
async fn client_close_finishes_while_the_host_does_not_read() {
    let (port, host) = flood().await;
    let opts = unbounded_but_for(ConnectOptions::default());
    let mut client = Client::connect(&spec(port), &opts, TerminalConfig::default())
        .await
        .unwrap();
    // Serve the flood for a while: the replies fill the socket, and the task is left in a
    // write the host never takes.
    client.pause(Duration::from_secs(3)).await;
    assert!(client.ended().is_none(), "{:?}", client.ended());
    let closed = tokio::time::timeout(Duration::from_secs(60), client.close())
        .await
        .expect("close must finish even though the host reads nothing");
    match closed {
        Err(ConnectionError::CloseTimedOut { after, waiting }) => {
            assert_eq!(after, CLOSE_GRACE);
            assert!(waiting > 0, "{waiting}");
        }
        other => panic!("expected CloseTimedOut, got {other:?}"),
    }
    let report = host.await.unwrap();
    assert!(report.client_let_go, "{report:?}");
}

#[tokio::test]
async fn connection_close_finishes_while_the_peer_does_not_read() {
    // A peer that accepts and then neither reads nor writes until the client goes; it
    // notices the close by reading only then (EOF or reset).
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (go_read, read_now) = tokio::sync::oneshot::channel::<()>();
    let peer = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        read_now.await.unwrap();
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0;
        loop {
            match tokio::time::timeout(HOST_GIVES_UP, s.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => return (total, true),
                Ok(Ok(n)) => total += n,
                Err(_) => return (total, false),
            }
        }
    });
    let opts = unbounded_but_for(ConnectOptions::default());
    let conn = Connection::open(&spec(port), &opts).await.unwrap();
    // Far more than the socket buffers on both sides hold.
    let sent = 64 * 1024 * 1024;
    for _ in 0..sent / (64 * 1024) {
        conn.send(vec![0x40; 64 * 1024]).unwrap();
    }
    // Give the task time to fill the socket and block in a write.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let grace = Duration::from_secs(1);
    let closed = tokio::time::timeout(Duration::from_secs(60), conn.close_within(grace))
        .await
        .expect("close_within must finish even though the peer reads nothing");
    match closed {
        Err(ConnectionError::CloseTimedOut { after, waiting }) => {
            assert_eq!(after, grace);
            assert!(waiting > 0 && waiting < sent * 2, "{waiting}");
        }
        other => panic!("expected CloseTimedOut, got {other:?}"),
    }
    // Only now does the peer read: it must come to the end of the stream, not wait for
    // more from a task that is still alive.
    go_read.send(()).unwrap();
    let (received, ended) = peer.await.unwrap();
    assert!(ended, "the socket stayed open after close_within returned");
    assert!(received < sent, "{received} of {sent} bytes arrived");
}

#[tokio::test]
async fn a_flood_past_the_outbound_budget_disconnects_with_the_reason() {
    let (port, host) = flood().await;
    let opts = ConnectOptions {
        max_unsent_bytes: 256 * 1024,
        // Far longer than the test: only the budget may end this session.
        write_timeout: Duration::from_secs(3600),
        ..ConnectOptions::default()
    };
    let mut client = Client::connect(&spec(port), &opts, TerminalConfig::default())
        .await
        .unwrap();
    client.pause(Duration::from_secs(60)).await;
    match client.ended() {
        Some(e @ ConnectionError::HostNotReading { waiting }) => {
            assert!(*waiting <= 256 * 1024, "{waiting}");
            assert_eq!(
                e.to_string(),
                format!(
                    "the host is not reading what we send ({waiting} bytes waiting); disconnected"
                )
            );
        }
        other => panic!("expected HostNotReading, got {other:?}"),
    }
    // The screen from before the flood stays.
    assert!(client.session().text_rows()[0].starts_with(" HELLO"));
    // The connection was dropped at once, not left writing to the host.
    let report = tokio::time::timeout(Duration::from_secs(30), host)
        .await
        .expect("the client must let go of the host")
        .unwrap();
    assert!(report.client_let_go, "{report:?}");
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_write_that_makes_no_progress_ends_the_connection() {
    let (port, host) = flood().await;
    let opts = ConnectOptions {
        write_timeout: Duration::from_secs(1),
        max_unsent_bytes: usize::MAX,
        ..ConnectOptions::default()
    };
    let mut client = Client::connect(&spec(port), &opts, TerminalConfig::default())
        .await
        .unwrap();
    client.pause(Duration::from_secs(60)).await;
    match client.ended() {
        Some(e @ ConnectionError::WriteStalled { after, waiting }) => {
            assert_eq!(*after, Duration::from_secs(1));
            assert!(*waiting > 0, "{waiting}");
            assert!(
                e.to_string().starts_with(
                    "the host is not reading what we send: nothing was taken for 1s ("
                ),
                "{e}"
            );
        }
        other => panic!("expected WriteStalled, got {other:?}"),
    }
    let report = host.await.unwrap();
    assert!(report.client_let_go, "{report:?}");
}
