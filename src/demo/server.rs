//! The demo host on real sockets (tokio): listen on 127.0.0.1, one task per connection, each
//! pumping bytes through a sans-IO [`HostConnection`].
//!
//! This is the only part of the demo that does I/O or reads the real-time clock: the monotonic
//! clock for the Query Reply deadline and the time of day for the screen headers (UTC, shown
//! as `dd/mm/yy hh:mm`). TLS is native-tls: either direct (the handshake first, as on port
//! 992) or STARTTLS (the host offers it first and upgrades the same socket). It binds the
//! loopback address only, because it is a practice host with a published password.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use super::app::WallClock;
use super::host::{HostConfig, HostConnection, HostEvent, LuPool};

/// A PEM certificate (chain) and its PKCS#8 PEM private key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsIdentity {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
}

impl TlsIdentity {
    /// Reads both files.
    pub fn from_files(cert: &Path, key: &Path) -> io::Result<Self> {
        Ok(TlsIdentity {
            cert_pem: std::fs::read(cert)?,
            key_pem: std::fs::read(key)?,
        })
    }
}

/// How to run the demo host.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// The port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Offer TN3270E (otherwise plain TN3270 only).
    pub tn3270e: bool,
    /// A certificate: direct TLS, or with `starttls` the one STARTTLS upgrades to.
    pub tls: Option<TlsIdentity>,
    /// Offer STARTTLS instead of starting with TLS (needs `tls`).
    pub starttls: bool,
    /// How long to wait for a Query Reply.
    pub query_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            port: 0,
            tn3270e: true,
            tls: None,
            starttls: false,
            query_timeout: Duration::from_secs(3),
        }
    }
}

/// A running demo host. Dropping it (or [`DemoServer::shutdown`]) stops listening and ends
/// every connection.
#[derive(Debug)]
pub struct DemoServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl DemoServer {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the host and waits until every connection task has ended.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Binds `127.0.0.1:port` and starts accepting connections in the background. Returns the
/// address actually bound (the port is the chosen one when `port` was 0).
pub async fn start(opts: ServerOptions) -> io::Result<(SocketAddr, DemoServer)> {
    if opts.starttls && opts.tls.is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "STARTTLS needs a certificate and key (--tls-cert, --tls-key)",
        ));
    }
    let acceptor = match &opts.tls {
        Some(id) => Some(tls_acceptor(id)?),
        None => None,
    };
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port)).await?;
    let addr = listener.local_addr()?;
    let cfg = HostConfig {
        tn3270e: opts.tn3270e,
        starttls: opts.starttls,
        query_timeout: opts.query_timeout,
        ..HostConfig::default()
    };
    let direct_tls = acceptor.is_some() && !opts.starttls;
    let (stop_tx, mut stop_rx) = oneshot::channel();
    let lus = LuPool::shared();
    let task = tokio::spawn(async move {
        // Connection tasks live in the set, so stopping the server aborts them all.
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                _ = &mut stop_rx => break,
                accepted = listener.accept() => {
                    let Ok((tcp, _)) = accepted else { continue };
                    let conn = Connection {
                        cfg: cfg.clone(),
                        lus: Arc::clone(&lus),
                        acceptor: acceptor.clone(),
                        direct_tls,
                    };
                    connections.spawn(async move {
                        // A connection's I/O error ends that connection only.
                        let _ = conn.serve(tcp).await;
                    });
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        connections.shutdown().await;
    });
    Ok((
        addr,
        DemoServer {
            addr,
            stop: Some(stop_tx),
            task: Some(task),
        },
    ))
}

fn tls_acceptor(id: &TlsIdentity) -> io::Result<tokio_native_tls::TlsAcceptor> {
    let identity = native_tls::Identity::from_pkcs8(&id.cert_pem, &id.key_pem)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("TLS identity: {e}")))?;
    let acceptor = native_tls::TlsAcceptor::new(identity).map_err(io::Error::other)?;
    Ok(tokio_native_tls::TlsAcceptor::from(acceptor))
}

/// Why a pump over one stream ended.
enum Outcome {
    Closed,
    StartTls,
}

struct Connection {
    cfg: HostConfig,
    lus: Arc<Mutex<LuPool>>,
    acceptor: Option<tokio_native_tls::TlsAcceptor>,
    direct_tls: bool,
}

impl Connection {
    async fn serve(self, mut tcp: TcpStream) -> io::Result<()> {
        tcp.set_nodelay(true)?;
        let mut host = HostConnection::new(self.cfg, self.lus);
        let Some(acceptor) = self.acceptor else {
            pump(&mut tcp, &mut host).await?;
            return Ok(());
        };
        if self.direct_tls {
            let mut tls = acceptor.accept(tcp).await.map_err(io::Error::other)?;
            pump(&mut tls, &mut host).await?;
            return Ok(());
        }
        if let Outcome::StartTls = pump(&mut tcp, &mut host).await? {
            let mut tls = acceptor.accept(tcp).await.map_err(io::Error::other)?;
            host.handle_tls_established();
            pump(&mut tls, &mut host).await?;
        }
        Ok(())
    }
}

/// Moves bytes between a stream and the host until the host closes, the client goes away or
/// STARTTLS asks for the stream to be upgraded.
async fn pump<S>(stream: &mut S, host: &mut HostConnection) -> io::Result<Outcome>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        // Everything queued goes out before an event is acted on: STARTTLS FOLLOWS must reach
        // the client before the handshake, the goodbye screen before the close.
        while let Some(bytes) = host.poll_transmit() {
            stream.write_all(&bytes).await?;
        }
        stream.flush().await?;
        while let Some(event) = host.poll_event() {
            match event {
                HostEvent::StartTls => return Ok(Outcome::StartTls),
                HostEvent::Close => {
                    let _ = stream.shutdown().await;
                    return Ok(Outcome::Closed);
                }
                HostEvent::Ready { .. } => {}
            }
        }
        let deadline = host.poll_timeout();
        tokio::select! {
            read = stream.read(&mut buf) => {
                let n = read?;
                if n == 0 {
                    return Ok(Outcome::Closed);
                }
                host.handle_input(Instant::now(), wall_clock(), &buf[..n]);
            }
            () = sleep_until(deadline) => host.handle_timeout(Instant::now(), wall_clock()),
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}

/// The time of day in UTC (the demo has no time zone database, and a practice host does not
/// need one).
pub fn wall_clock() -> WallClock {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    wall_clock_at(secs)
}

/// The UTC date and time `secs` after the Unix epoch (days to civil date after Howard
/// Hinnant's `civil_from_days`).
pub fn wall_clock_at(secs: u64) -> WallClock {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    WallClock {
        day: u8::try_from(day).unwrap_or(1),
        month: u8::try_from(month).unwrap_or(1),
        year: year.rem_euclid(100) as u8,
        hour: (rem / 3600) as u8,
        minute: ((rem % 3600) / 60) as u8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(wall_clock_at(0).text(), "01/01/70 00:00");
        // 2024-02-29 13:45 UTC.
        assert_eq!(wall_clock_at(1_709_214_300).text(), "29/02/24 13:45");
        // 2000-12-31 23:59 UTC.
        assert_eq!(wall_clock_at(978_307_140).text(), "31/12/00 23:59");
    }
}
