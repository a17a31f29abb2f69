//! `r3270 serve`: sessions with no terminal, driven over a loopback HTTP API (docs/API.md,
//! docs/OPERATIONS.md).
//!
//! The pool ([`pool`]) runs each session on the script-mode code that `r3270 script` uses;
//! [`http`] serves the s3270-compatible paths ([`compat`]), r3270's REST API ([`rest`]) and
//! `/metrics` ([`metrics`]), behind the token ([`token`]).

pub mod compat;
pub mod health;
pub mod http;
pub mod metrics;
pub mod pool;
pub mod rest;
pub mod rest_ops;
pub mod settings;
pub mod token;
pub mod webhooks;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use pool::Pool;
use settings::ApiSettings;
use token::Token;

/// `r3270 serve`'s command line.
#[derive(Clone, Debug, clap::Args)]
pub struct Args {
    /// Sessions to open at start: profile names or `[L:][LU@]host[:port]`; the first is
    /// also the s3270-compatible paths' default session.
    pub targets: Vec<String>,
    /// ADDRESS:PORT to listen on (default: `[api] listen`, else 127.0.0.1:3270; port 0
    /// picks a free one). An address other than loopback needs `[api] allow-remote` and
    /// TLS.
    #[arg(long, value_name = "ADDRESS:PORT")]
    pub listen: Option<String>,
    /// Also run the built-in demo host and open the first session on it.
    #[arg(long)]
    pub demo: bool,
    /// The token file (default: `[api] token-file`, else `api-token` in the data
    /// directory; created on first start).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
}

/// Runs `r3270 serve` until SIGINT or SIGTERM.
pub fn main(args: &Args, config: Config) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("r3270: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(args, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("r3270 serve: {e}");
            ExitCode::from(1)
        }
    }
}

/// Where to listen, refused unless loopback or said in the config with TLS.
pub fn listen_address(listen: &str, api: &ApiSettings) -> Result<SocketAddr, String> {
    let addr: SocketAddr = listen.parse().map_err(|_| {
        format!("--listen `{listen}` is not ADDRESS:PORT (for example 127.0.0.1:3270)")
    })?;
    if !addr.ip().is_loopback() {
        if !api.allow_remote {
            return Err(format!(
                "refusing to listen on {addr}: it is not a loopback address; set `allow-remote = true` and `tls-cert`/`tls-key` in [api] to serve other machines"
            ));
        }
        if api.tls_cert.is_none() {
            return Err(format!(
                "refusing to listen on {addr} without TLS: set `tls-cert` and `tls-key` in [api]"
            ));
        }
    }
    Ok(addr)
}

async fn run(args: &Args, config: Config) -> Result<(), String> {
    let api_settings = config.api.clone();
    let listen = args
        .listen
        .clone()
        .unwrap_or_else(|| api_settings.listen.clone());
    let addr = listen_address(&listen, &api_settings)?;
    let token_file = args
        .token_file
        .clone()
        .or_else(|| api_settings.token_file.clone())
        .unwrap_or_else(|| config.paths.data_dir.join("api-token"));
    let token = Token::load_or_create(&token_file)?;
    let tls = match (&api_settings.tls_cert, &api_settings.tls_key) {
        (Some(cert), Some(key)) => Some(tls_acceptor(cert, key)?),
        _ => None,
    };
    let audit = open_audit(&config)?;
    let mut targets = args.targets.clone();
    let _demo = if args.demo {
        let (addr, demo) =
            crate::demo::server::start(crate::demo::server::ServerOptions::default())
                .await
                .map_err(|e| format!("cannot start the demo host: {e}"))?;
        targets.insert(0, format!("127.0.0.1:{}", addr.port()));
        Some(demo)
    } else {
        None
    };
    let pool = Pool::new(Arc::new(config), audit.clone());
    let webhooks = webhooks::Service::start(&pool).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    for (i, t) in targets.iter().enumerate() {
        let name = (i == 0).then(|| pool::DEFAULT_SESSION.to_owned());
        match pool.open(t, name).await {
            Ok(s) => {
                if let Some(e) = s.meta().last_error {
                    eprintln!("r3270 serve: session {}: {e}", s.name);
                }
            }
            Err(e) => return Err(format!("{t}: {e}")),
        }
    }
    let api = http::Api {
        pool: pool.clone(),
        token,
        limiter: Arc::new(http::Limiter::new(api_settings.rate_limit)),
        request_timeout: Duration::from_secs(api_settings.request_timeout),
        started: std::time::SystemTime::now(),
    };
    let app = http::router(api, api_settings.max_body_bytes)
        .layer(axum::Extension(webhooks.status()))
        .into_make_service_with_connect_info::<http::Peer>();
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "r3270 serve listening on {scheme}://{local} (token in {})",
        token_file.display()
    );
    let shutdown = async {
        shutdown_signal().await;
        // Event streams never end by themselves; the graceful shutdown waits for them.
        rest::events::close_streams();
    };
    let served = match tls {
        Some(acceptor) => {
            axum::serve(tls::TlsListener::new(listener, acceptor), app)
                .with_graceful_shutdown(shutdown)
                .await
        }
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
    };
    pool.close_all().await;
    webhooks.shutdown().await;
    if let Some((_, w)) = audit {
        if let Err(e) = w.close() {
            eprintln!("r3270 serve: cannot close the audit log: {e}");
        }
    }
    served.map_err(|e| format!("the server stopped: {e}"))
}

/// The audit log every session writes to (when `[audit] enabled`).
fn open_audit(
    config: &Config,
) -> Result<Option<(crate::audit::AuditSettings, crate::audit::SharedWriter)>, String> {
    if !config.audit.enabled {
        return Ok(None);
    }
    let opts = crate::audit::WriterOptions::from_settings(
        &config.audit,
        &config.paths.data_dir,
        &config.paths.log_dir,
    );
    match crate::audit::SharedWriter::open(opts) {
        Ok(w) => Ok(Some((config.audit.clone(), w))),
        Err(e) if config.audit.on_failure == crate::audit::OnFailure::Block => Err(format!(
            "cannot open the audit log: {e} (or set [audit] enabled = false)"
        )),
        Err(e) => {
            eprintln!("r3270 serve: warning: not recording sessions: {e}");
            Ok(None)
        }
    }
}

pub(crate) fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<tokio_native_tls::TlsAcceptor, String> {
    let c = std::fs::read(cert).map_err(|e| format!("cannot read {}: {e}", cert.display()))?;
    let k = std::fs::read(key).map_err(|e| format!("cannot read {}: {e}", key.display()))?;
    let id = native_tls::Identity::from_pkcs8(&c, &k).map_err(|e| {
        format!(
            "{} / {}: not a PEM certificate and PKCS#8 key: {e}",
            cert.display(),
            key.display()
        )
    })?;
    let acceptor = native_tls::TlsAcceptor::new(id)
        .map_err(|e| format!("cannot set up TLS with {}: {e}", cert.display()))?;
    Ok(tokio_native_tls::TlsAcceptor::from(acceptor))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub use tls::TlsListener;

mod tls {
    //! A TLS listener for axum: each accepted connection's handshake runs on its own task
    //! (bounded by a timeout), so a slow handshake never holds up the others.

    use std::net::SocketAddr;
    use std::time::Duration;

    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::mpsc;
    use tokio_native_tls::{TlsAcceptor, TlsStream};

    const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

    pub struct TlsListener {
        rx: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
        local: SocketAddr,
    }

    impl TlsListener {
        pub fn new(listener: TcpListener, acceptor: TlsAcceptor) -> TlsListener {
            let local = listener
                .local_addr()
                .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
            let (tx, rx) = mpsc::channel(64);
            tokio::spawn(async move {
                loop {
                    let Ok((tcp, peer)) = listener.accept().await else {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    };
                    let acceptor = acceptor.clone();
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                            Ok(Ok(tls)) => {
                                let _ = tx.send((tls, peer)).await;
                            }
                            Ok(Err(e)) => {
                                tracing::debug!(%peer, error = %e, "API TLS handshake failed");
                            }
                            Err(_) => {
                                tracing::debug!(%peer, "API TLS handshake timed out");
                            }
                        }
                    });
                }
            });
            TlsListener { rx, local }
        }
    }

    impl axum::serve::Listener for TlsListener {
        type Io = TlsStream<TcpStream>;
        type Addr = SocketAddr;

        async fn accept(&mut self) -> (Self::Io, Self::Addr) {
            match self.rx.recv().await {
                Some(c) => c,
                None => std::future::pending().await,
            }
        }

        fn local_addr(&self) -> std::io::Result<Self::Addr> {
            Ok(self.local)
        }
    }
}
