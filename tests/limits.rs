//! `limits.max-record-bytes` against a real far side: a tokio TCP host in the test
//! negotiates plain TN3270, draws a screen, then sends a record that never ends. The client
//! must stop at the limit, report the clear error and hang up (the host sees the close),
//! rather than buffer without bound or wait forever.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::tn3270_host::{EOR, HELLO, IAC, drain, negotiate};
use r3270::limits::Limits;
use r3270::proto::TerminalConfig;
use r3270::runtime::{Client, ConnectOptions, ConnectionError, HostSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The most the host will send before it gives up: far more than the limit, so a client
/// that kept reading (and buffering) would be caught.
const FLOOD: usize = 64 * 1024 * 1024;

/// What the host saw.
#[derive(Debug)]
struct HostReport {
    /// Bytes of the endless record written before a write failed or the flood ran out.
    flooded: usize,
    /// The client's side closed (EOF or reset) after the flood.
    saw_close: bool,
}

/// A host that draws HELLO, then sends one endless Erase/Write (no IAC EOR) in 16 KiB
/// chunks until the client hangs up.
async fn flooding_host(listener: TcpListener) -> HostReport {
    let (mut s, _) = listener.accept().await.unwrap();
    negotiate(&mut s).await;
    s.write_all(HELLO).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let mut chunk = vec![0xC1; 16 * 1024];
    chunk[0] = 0xF5;
    chunk[1] = 0xC2;
    let mut flooded = 0;
    while flooded < FLOOD {
        match tokio::time::timeout(Duration::from_secs(5), s.write_all(&chunk)).await {
            Ok(Ok(())) => flooded += chunk.len(),
            // Refused (the client closed), or stuck because nobody reads any more.
            Ok(Err(_)) | Err(_) => break,
        }
        chunk[0] = 0xC1;
        chunk[1] = 0xC1;
    }
    let mut buf = [0u8; 4096];
    let saw_close = loop {
        match tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break true,
            Ok(Ok(_)) => {}
            Err(_) => break false,
        }
    };
    HostReport { flooded, saw_close }
}

#[tokio::test]
async fn a_record_past_the_limit_disconnects_with_a_clear_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let host = tokio::spawn(flooding_host(listener));

    let opts = ConnectOptions {
        limits: Limits {
            max_record_bytes: 4096,
            event_queue: 4,
            ..Limits::default()
        },
        ..ConnectOptions::default()
    };
    let spec: HostSpec = format!("127.0.0.1:{port}").parse().unwrap();
    let mut client = Client::connect(&spec, &opts, TerminalConfig::default())
        .await
        .unwrap();
    client.pause(Duration::from_secs(20)).await;

    let ended = client.ended().expect("the client must have hung up");
    assert!(
        matches!(ended, ConnectionError::RecordTooLarge { limit: 4096 }),
        "{ended:?}"
    );
    assert_eq!(
        ended.to_string(),
        "the host sent a record larger than the limit of 4096 bytes \
         (limits.max-record-bytes); disconnected"
    );
    assert!(
        client
            .host_errors()
            .iter()
            .any(|e| e == "the host sent a record larger than the limit of 4096 bytes; dropped"),
        "{:?}",
        client.host_errors()
    );
    // The screen from before the flood stays.
    assert!(client.session().text_rows()[0].starts_with(" HELLO"));

    let report = tokio::time::timeout(Duration::from_secs(60), host)
        .await
        .expect("the host must not hang")
        .unwrap();
    assert!(report.saw_close, "{report:?}");
    assert!(
        report.flooded < FLOOD,
        "the client kept reading past its limit: {report:?}"
    );
}

#[tokio::test]
async fn records_within_the_limit_pass() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let host = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        negotiate(&mut s).await;
        // 4000 bytes of record: under a 4096-byte limit.
        let mut record = vec![0xF5, 0xC2];
        record.extend(std::iter::repeat_n(0xC1, 3998));
        record.extend([IAC, EOR]);
        s.write_all(&record).await.unwrap();
        drain(&mut s).await;
        s
    });
    let opts = ConnectOptions {
        limits: Limits {
            max_record_bytes: 4096,
            ..Limits::default()
        },
        ..ConnectOptions::default()
    };
    let spec: HostSpec = format!("127.0.0.1:{port}").parse().unwrap();
    let mut client = Client::connect(&spec, &opts, TerminalConfig::default())
        .await
        .unwrap();
    assert_eq!(
        client.wait_ready(Duration::from_secs(20)).await,
        r3270::runtime::Wait::Ready
    );
    assert!(client.ended().is_none(), "{:?}", client.ended());
    assert!(
        client.host_errors().is_empty(),
        "{:?}",
        client.host_errors()
    );
    assert!(client.session().text_rows()[0].starts_with("AAAA"));
    client.close().await.unwrap();
    drop(host.await.unwrap());
}
