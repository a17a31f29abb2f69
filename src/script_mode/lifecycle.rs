//! What `r3270 serve`'s pool does to a session beyond s3270's actions: reach its connection
//! (a logon macro plays on it), tell a `Disconnect()` from a connection that dropped, take
//! another profile's settings, and move to another host. A migration opens the new
//! connection while the old one is still served, and replaces it only once the new host has
//! drawn its first screen; until then the old one carries on as if nothing happened.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::State;
use crate::proto::TerminalConfig;
use crate::runtime::client::{Live, Wait};
use crate::runtime::connection::ConnectOptions;
use crate::runtime::host::HostSpec;
use crate::script::Until;

/// Why the last connection ended when the client said `Disconnect()`.
pub(super) const BY_CLIENT: &str = "disconnected by the client";

/// What a session's next connection is made with: its terminal, its connection settings,
/// and the profile its audit records name.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub terminal: TerminalConfig,
    pub connect: ConnectOptions,
    pub profile: Option<String>,
}

impl State {
    /// Whether there is no connection because the client said `Disconnect()` (rather than
    /// the host or the network ending it).
    pub(crate) fn closed_by_client(&self) -> bool {
        self.client.is_none() && self.last_end.as_deref() == Some(BY_CLIENT)
    }

    pub(crate) fn settings(&self) -> Settings {
        Settings {
            terminal: self.terminal.clone(),
            connect: self.connect.clone(),
            profile: self.profile_name.clone(),
        }
    }

    /// The settings the next connection is made with (the current one keeps its own).
    pub(crate) fn set_settings(&mut self, s: Settings) {
        self.terminal = s.terminal;
        self.connect = s.connect;
        self.profile_name = s.profile;
    }

    /// Opens a connection to `spec` (`name` for the status line) and waits, within
    /// `timeout`, until its host has drawn its first screen, serving the current
    /// connection meanwhile; only then does the new connection replace the current one,
    /// which is closed. On any failure the current connection stays as it was.
    pub(crate) async fn migrate_spec(
        &mut self,
        spec: &HostSpec,
        name: String,
        timeout: Duration,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        let mut new = tokio::time::timeout_at(deadline, self.open_client(spec))
            .await
            .map_err(|_| format!("no connection within {:.1} s", timeout.as_secs_f64()))?
            .map_err(|e| e.join(" "))?;
        let mut until = Until::Connected;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let waited = tokio::select! {
                w = new.wait(until.clone(), left) => Some(w),
                // The current connection is served while the new one comes up.
                () = self.idle() => None,
            };
            match waited {
                None => {}
                Some(Wait::Ready) if new.drawn() => break,
                // Connected with nothing drawn yet (an NVT greeting, say): wait for a screen.
                Some(Wait::Ready) => until = Until::Output { after: Some(0) },
                Some(Wait::TimedOut) => {
                    let _ = new.close().await;
                    return Err(format!(
                        "the host drew no screen within {:.1} s",
                        timeout.as_secs_f64()
                    ));
                }
                Some(Wait::Ended) => {
                    return Err(new.ended().map_or_else(
                        || "the host closed the connection".to_owned(),
                        ToString::to_string,
                    ));
                }
            }
        }
        if let Some(mut old) = self.client.take() {
            // Its last figures must not overwrite the new connection's.
            old.set_live(Arc::new(Mutex::new(Live::none())));
            let _ = old.close().await;
        }
        if let Some(live) = &self.live {
            new.set_live(live.clone());
        }
        self.host_name = Some(name);
        self.host_port = spec.port;
        self.connected_at = Some(Instant::now());
        self.last = None;
        self.last_end = None;
        self.client = Some(new);
        Ok(())
    }
}
