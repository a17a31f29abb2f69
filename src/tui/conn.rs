//! One tokio task per tab's connection: connect (trying the profile's alternates in order
//! when an endpoint fails), report [`HostEvent`]s to the loop, and carry out its commands.
//!
//! The task only moves bytes and reports; the tab's [`Session`](crate::proto::Session)
//! lives in the `App`, which the loop owns. Nothing here touches the terminal. Failures are
//! reported typed, one [`Attempt`] per endpoint tried; `crate::ui::failure` words them.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::{HostEvent, TabId};
use crate::config::Profile;
use crate::limits::Limits;
use crate::runtime::connection::{CLOSE_GRACE, ConnEvent, Connection};
use crate::runtime::error::{Attempt, ConnectionError};
use crate::runtime::host::HostSpec;

/// What the loop asks a connection task to do.
#[derive(Debug)]
pub enum ConnCmd {
    Send(Vec<u8>),
    StartTls,
    Close,
}

/// The loop's handle on one tab's connection task.
#[derive(Debug)]
pub struct ConnHandle {
    pub commands: mpsc::UnboundedSender<ConnCmd>,
    pub task: JoinHandle<()>,
}

/// Start the task for `tab`; its reports arrive on `events`.
pub fn spawn(
    tab: TabId,
    profile: Profile,
    limits: Limits,
    events: mpsc::Sender<(TabId, HostEvent)>,
) -> ConnHandle {
    let (commands, rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(run(tab, profile, limits, events, rx));
    ConnHandle { commands, task }
}

/// The endpoints to try: the profile's own, then its alternates (a bad alternate is a
/// failure to report, not a reason to stop trying the others).
fn endpoints(profile: &Profile) -> Vec<Result<HostSpec, Attempt>> {
    let mut out = vec![Ok(profile.host_spec())];
    out.extend(profile.alternates.iter().map(|a| {
        a.parse::<HostSpec>().map_err(|e| Attempt {
            endpoint: a.clone(),
            error: ConnectionError::InvalidEndpoint(e),
        })
    }));
    out
}

async fn run(
    tab: TabId,
    profile: Profile,
    limits: Limits,
    events: mpsc::Sender<(TabId, HostEvent)>,
    mut commands: mpsc::UnboundedReceiver<ConnCmd>,
) {
    let mut opts = profile.connect_options();
    opts.limits = limits;
    let mut failures = Vec::new();
    let mut conn = None;
    for spec in endpoints(&profile) {
        match spec {
            Ok(spec) => {
                let started = tokio::time::Instant::now();
                let opened = tokio::select! {
                    r = Connection::open(&spec, &opts) => r,
                    // The tab was closed while connecting.
                    _ = commands.recv() => return,
                };
                match opened {
                    Ok(c) => {
                        conn = Some((c, spec.to_string(), started.elapsed()));
                        break;
                    }
                    Err(error) => failures.push(Attempt {
                        endpoint: spec.to_string(),
                        error,
                    }),
                }
            }
            Err(bad) => failures.push(bad),
        }
    }
    // The status line shows what fits of a failure; the log keeps all of it.
    for a in &failures {
        tracing::warn!(tab = tab.0, endpoint = %a.endpoint, error = %a.error, "connection failed");
    }
    let report = |event: HostEvent| {
        if let HostEvent::Lost(e) = &event {
            tracing::warn!(tab = tab.0, error = %e, "connection failed");
        }
        let events = events.clone();
        async move { events.send((tab, event)).await.is_ok() }
    };
    let Some((mut conn, endpoint, took)) = conn else {
        report(HostEvent::Failed(failures)).await;
        return;
    };
    // The certificate of a direct TLS handshake goes ahead of the connection it belongs to.
    let sent = match conn.peer_cert().cloned() {
        Some(cert) => report(HostEvent::PeerCertificate(cert)).await,
        None => true,
    };
    let connected = HostEvent::Connected {
        endpoint,
        peer: conn.peer(),
        direct_tls: conn.direct_tls(),
        connect_time: Some(took),
        tried: failures,
    };
    if !sent || !report(connected).await {
        conn.close();
        return;
    }
    loop {
        tokio::select! {
            cmd = commands.recv() => match cmd {
                Some(ConnCmd::Send(bytes)) => {
                    if let Err(e) = conn.send(bytes) {
                        // Over the outbound budget (or the task is gone): stop at once
                        // rather than leave the task writing to a host that does not read.
                        conn.abort();
                        report(HostEvent::Lost(e)).await;
                        return;
                    }
                }
                Some(ConnCmd::StartTls) => {
                    if let Err(e) = conn.start_tls() {
                        report(HostEvent::Lost(e)).await;
                        return;
                    }
                }
                Some(ConnCmd::Close) | None => {
                    // Let the task flush what was queued before the close, but never wait
                    // longer than the grace: a host that does not read must not keep a
                    // closed tab's connection (and its queue) alive.
                    if let Err(e) = conn.close_within(CLOSE_GRACE).await {
                        tracing::info!(tab = tab.0, error = %e, "closed");
                    }
                    return;
                }
            },
            ev = conn.next_event() => {
                let event = match ev {
                    Some(ConnEvent::Data(bytes)) => HostEvent::Data(bytes),
                    Some(ConnEvent::TlsEstablished { verified }) => {
                        HostEvent::TlsEstablished { verified }
                    }
                    Some(ConnEvent::PeerCertificate(cert)) => HostEvent::PeerCertificate(cert),
                    Some(ConnEvent::Closed) => HostEvent::Closed,
                    Some(ConnEvent::Error(e)) => HostEvent::Lost(e),
                    None => HostEvent::Lost(ConnectionError::TaskGone),
                };
                let last = matches!(event, HostEvent::Closed | HostEvent::Lost(_));
                if !report(event).await || last {
                    conn.close();
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::demo::server::ServerOptions;

    /// A port nothing listens on (bound, then released).
    fn closed_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[tokio::test]
    async fn alternates_are_tried_in_order_and_the_task_reports_and_closes() {
        let (addr, server) = crate::demo::start(ServerOptions::default()).await.unwrap();
        let mut profile =
            Profile::for_host(&format!("127.0.0.1:{}", closed_port()).parse().unwrap());
        profile.connect_timeout = Duration::from_secs(5);
        profile.alternates = vec!["L:X:bad".to_owned(), addr.to_string()];
        let (tx, mut rx) = mpsc::channel(16);
        let handle = spawn(TabId(7), profile, Limits::default(), tx);
        let (tab, first) = rx.recv().await.unwrap();
        assert_eq!(tab, TabId(7));
        // The alternate that answered is named, with how long it took to open.
        let HostEvent::Connected {
            endpoint,
            peer,
            direct_tls,
            connect_time,
            tried,
        } = first
        else {
            panic!("not connected: {first:?}");
        };
        assert_eq!((endpoint, peer, direct_tls), (addr.to_string(), addr, None));
        assert!(connect_time.is_some());
        // The endpoints that failed first are reported typed, in the order tried.
        assert!(
            matches!(
                &tried[..],
                [
                    Attempt { error: ConnectionError::Refused { .. }, .. },
                    Attempt { endpoint: bad, error: ConnectionError::InvalidEndpoint(_) },
                ] if bad == "L:X:bad"
            ),
            "{tried:?}"
        );
        // The host starts negotiating at once.
        let (_, data) = rx.recv().await.unwrap();
        assert!(
            matches!(data, HostEvent::Data(ref b) if !b.is_empty()),
            "{data:?}"
        );
        handle.commands.send(ConnCmd::Close).unwrap();
        tokio::time::timeout(Duration::from_secs(5), handle.task)
            .await
            .unwrap()
            .unwrap();
        server.shutdown().await;
    }

    #[tokio::test]
    async fn closing_a_tab_ends_its_connection_while_the_host_does_not_read() {
        use tokio::io::AsyncReadExt;
        // A host that reads nothing until the tab is gone, then reads to the end.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (go_read, read_now) = tokio::sync::oneshot::channel::<()>();
        let host = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            read_now.await.unwrap();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match tokio::time::timeout(Duration::from_secs(60), s.read(&mut buf)).await {
                    Ok(Ok(0) | Err(_)) => return true,
                    Ok(Ok(_)) => {}
                    Err(_) => return false,
                }
            }
        });
        let profile = Profile::for_host(&addr.to_string().parse().unwrap());
        let (tx, mut rx) = mpsc::channel(16);
        let handle = spawn(TabId(3), profile, Limits::default(), tx);
        let (_, first) = rx.recv().await.unwrap();
        assert!(matches!(first, HostEvent::Connected { .. }), "{first:?}");
        // Far more than the socket buffers hold; what the task does not get written stays
        // queued (or passes the outbound budget, which ends the task as well).
        for _ in 0..64 {
            if handle
                .commands
                .send(ConnCmd::Send(vec![0x40; 512 * 1024]))
                .is_err()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _ = handle.commands.send(ConnCmd::Close);
        tokio::time::timeout(Duration::from_secs(30), handle.task)
            .await
            .expect("the closed tab's connection task must end")
            .unwrap();
        go_read.send(()).unwrap();
        assert!(
            host.await.unwrap(),
            "the socket stayed open after the task ended"
        );
    }

    #[tokio::test]
    async fn every_failed_endpoint_is_named_in_the_failure() {
        let port = closed_port();
        let mut profile = Profile::for_host(&format!("127.0.0.1:{port}").parse().unwrap());
        profile.alternates = vec!["L:X:bad".to_owned()];
        let (tx, mut rx) = mpsc::channel(16);
        let _handle = spawn(TabId(1), profile, Limits::default(), tx);
        let (_, event) = rx.recv().await.unwrap();
        let HostEvent::Failed(attempts) = event else {
            panic!("{event:?}")
        };
        let message = crate::ui::failure::attempts(&attempts);
        assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
        assert!(message.contains("alternate `L:X:bad`"), "{message}");
    }
}
