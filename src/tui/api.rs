//! The HTTP API the interactive client serves for its own tabs when `[api] enabled = true`
//! (docs/TUI_API.md): the same listener rules, token, limits and audit records as
//! `r3270 serve` (`crate::serve`), the s3270-compatible paths, the tab list, a tab's
//! screen, steps, and `/metrics`.
//!
//! The server runs on tokio tasks of its own and never touches the App: each call becomes
//! an [`ApiRequest`] sent down a channel to the event loop with a oneshot for its answer
//! ([`Inbound`]). The loop hands it to the App as `Event::Api` with an id ([`Link`]) and
//! sends the App's `Effect::ApiReply` back; a request whose caller went away (a closed
//! oneshot) is cancelled on the next tick. Nothing here waits on the loop but the request
//! that asked.

mod http;
mod steps;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::app::Event;
use crate::app::api::{ApiReply, ApiRequest};
use crate::config::Config;
use crate::serve::http::{Limiter, Peer};
use crate::serve::token::Token;

/// One call for the loop, and where its answer goes.
pub struct Inbound {
    pub request: ApiRequest,
    pub reply: oneshot::Sender<ApiReply>,
}

/// The listening server (started before the terminal is taken over, so a port in use or a
/// bad token file is said plainly).
pub struct Server {
    /// `http://ADDRESS:PORT` (or https), as bound (a port 0 in `listen` is resolved).
    pub url: String,
    pub token_file: PathBuf,
    rx: mpsc::Receiver<Inbound>,
    task: JoinHandle<()>,
}

impl Server {
    /// The receiving end for the loop, the request table, and the server task (aborted when
    /// the loop ends).
    pub fn split(self) -> (mpsc::Receiver<Inbound>, Link, JoinHandle<()>) {
        (self.rx, Link::default(), self.task)
    }
}

/// How many calls may wait for the loop before a caller waits to send (the rate limit
/// stops floods long before).
const QUEUE: usize = 256;

/// Starts the server when `[api] enabled`; `None` when it is not.
pub async fn start(
    config: &Config,
    audit: Option<crate::audit::SharedWriter>,
) -> Result<Option<Server>, String> {
    let api = &config.api;
    if !api.enabled {
        return Ok(None);
    }
    let addr: SocketAddr =
        crate::serve::listen_address(&api.listen, api).map_err(|e| format!("[api] listen: {e}"))?;
    let token_file = api
        .token_file
        .clone()
        .unwrap_or_else(|| config.paths.data_dir.join("api-token"));
    let token = Token::load_or_create(&token_file)?;
    let tls = match (&api.tls_cert, &api.tls_key) {
        (Some(cert), Some(key)) => Some(crate::serve::tls_acceptor(cert, key)?),
        _ => None,
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("the API cannot listen on {addr}: {e}"))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("the API cannot listen on {addr}: {e}"))?;
    let (tx, rx) = mpsc::channel(QUEUE);
    let shared = http::Shared {
        tx,
        token,
        limiter: Arc::new(Limiter::new(api.rate_limit)),
        request_timeout: Duration::from_secs(api.request_timeout),
        audit,
    };
    let app =
        http::router(shared, api.max_body_bytes).into_make_service_with_connect_info::<Peer>();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let task = match tls {
        Some(acceptor) => {
            let listener = crate::serve::TlsListener::new(listener, acceptor);
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app).await {
                    tracing::warn!(error = %e, "the API server stopped");
                }
            })
        }
        None => tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(error = %e, "the API server stopped");
            }
        }),
    };
    tracing::info!(%local, token_file = %token_file.display(), "API listening");
    Ok(Some(Server {
        url: format!("{scheme}://{local}"),
        token_file,
        rx,
        task,
    }))
}

/// The loop's side: each call gets an id for the App, and its answer goes back to the
/// caller that still waits.
#[derive(Default)]
pub struct Link {
    replies: HashMap<u64, oneshot::Sender<ApiReply>>,
    next: u64,
}

impl Link {
    /// A call, as the App's event.
    pub fn event(&mut self, inbound: Inbound) -> Event {
        self.next += 1;
        let id = self.next;
        self.replies.insert(id, inbound.reply);
        Event::Api {
            id,
            request: inbound.request,
        }
    }

    /// The App's answer to call `id`, to its caller.
    pub fn reply(&mut self, id: u64, reply: ApiReply) {
        if let Some(tx) = self.replies.remove(&id) {
            // The caller may have gone (its timeout): nothing to do then.
            let _ = tx.send(reply);
        }
    }

    /// Calls whose caller went away (a client that hung up, the request timeout): the App
    /// stops their jobs.
    pub fn abandoned(&mut self) -> Vec<u64> {
        let gone: Vec<u64> = self
            .replies
            .iter()
            .filter(|(_, tx)| tx.is_closed())
            .map(|(id, _)| *id)
            .collect();
        for id in &gone {
            self.replies.remove(id);
        }
        gone
    }
}

/// The next call from the server, or never when the API is off.
pub async fn recv(rx: &mut Option<mpsc::Receiver<Inbound>>) -> Option<Inbound> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
