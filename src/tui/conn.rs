//! One tokio task per tab's connection: connect (trying the profile's alternates in order
//! when an endpoint fails), report [`HostEvent`]s to the loop, and carry out its commands.
//!
//! The task only moves bytes and reports; the tab's [`Session`](crate::proto::Session)
//! lives in the `App`, which the loop owns. Nothing here touches the terminal.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::app::{HostEvent, TabId};
use crate::config::Profile;
use crate::limits::Limits;
use crate::runtime::connection::{ConnEvent, Connection};
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
fn endpoints(profile: &Profile) -> Vec<Result<HostSpec, String>> {
    let mut out = vec![Ok(profile.host_spec())];
    out.extend(profile.alternates.iter().map(|a| {
        a.parse::<HostSpec>()
            .map_err(|e| format!("alternate `{a}`: {e}"))
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
                let opened = tokio::select! {
                    r = Connection::open(&spec, &opts) => r,
                    // The tab was closed while connecting.
                    _ = commands.recv() => return,
                };
                match opened {
                    Ok(c) => {
                        conn = Some(c);
                        break;
                    }
                    Err(e) => failures.push(format!("{spec}: {e}")),
                }
            }
            Err(e) => failures.push(e),
        }
    }
    let report = |event| {
        let events = events.clone();
        async move { events.send((tab, event)).await.is_ok() }
    };
    let Some(mut conn) = conn else {
        report(HostEvent::Failed(failures.join("; "))).await;
        return;
    };
    let connected = HostEvent::Connected {
        peer: conn.peer(),
        direct_tls: conn.direct_tls(),
    };
    if !report(connected).await {
        conn.close();
        return;
    }
    loop {
        tokio::select! {
            cmd = commands.recv() => match cmd {
                Some(ConnCmd::Send(bytes)) => {
                    if let Err(e) = conn.send(bytes) {
                        report(HostEvent::Failed(e.to_string())).await;
                        return;
                    }
                }
                Some(ConnCmd::StartTls) => {
                    if let Err(e) = conn.start_tls() {
                        report(HostEvent::Failed(e.to_string())).await;
                        return;
                    }
                }
                Some(ConnCmd::Close) | None => {
                    conn.close();
                    // Let the task flush what was queued before the close.
                    while conn.next_event().await.is_some() {}
                    return;
                }
            },
            ev = conn.next_event() => {
                let event = match ev {
                    Some(ConnEvent::Data(bytes)) => HostEvent::Data(bytes),
                    Some(ConnEvent::TlsEstablished { verified }) => {
                        HostEvent::TlsEstablished { verified }
                    }
                    Some(ConnEvent::Closed) => HostEvent::Closed,
                    Some(ConnEvent::Error(e)) => HostEvent::Failed(e.to_string()),
                    None => HostEvent::Failed("the connection task ended".to_owned()),
                };
                let last = matches!(event, HostEvent::Closed | HostEvent::Failed(_));
                if !report(event).await || last {
                    conn.close();
                    return;
                }
            }
        }
    }
}
