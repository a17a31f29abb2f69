//! One connection to a host: a tokio task that only moves bytes.
//!
//! The task owns the stream (plain TCP, or TLS over it) and `select!`s between socket reads,
//! a command channel and the NOP keepalive timer. One task rather than a reader and a writer
//! because STARTTLS replaces the stream in place: the handshake needs the whole `TcpStream`,
//! which a single owner can simply move into the TLS connector, while split halves would have
//! to be stopped and reunited first. Writes are short 3270 records, so doing them inline does
//! not starve reads in practice.
//!
//! It never interprets telnet or 3270 data and never holds a `Session`: whoever drives the
//! session (the [`Client`](crate::runtime::Client), later the TUI's app loop) feeds it the
//! [`ConnEvent::Data`] chunks and sends back what `poll_transmit` gives.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_native_tls::{TlsConnector, TlsStream};

use tracing::Instrument;

use crate::limits::Limits;
use crate::runtime::error::ConnectionError;
use crate::runtime::host::HostSpec;
use crate::runtime::tls::{TlsOptions, classify_handshake_error};

/// Telnet IAC NOP (RFC 854): a no-op that keeps middleboxes from dropping an idle session.
const IAC_NOP: [u8; 2] = [0xFF, 0xF1];

/// How to connect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectOptions {
    /// Name resolution, TCP connect and (direct) TLS handshake must finish within this.
    pub connect_timeout: Duration,
    /// TLS settings, for `L:` hosts and for STARTTLS.
    pub tls: TlsOptions,
    /// Send IAC NOP after this much idleness (x3270's `nopSeconds`); `None` sends none.
    pub nop_interval: Option<Duration>,
    /// Set SO_KEEPALIVE on the socket (the kernel's keepalive interval applies).
    pub tcp_keepalive: bool,
    /// Resource limits: `event_queue` is how many received chunks may wait for the driver
    /// before the task stops reading (backpressure instead of unbounded memory); the
    /// [`Client`](crate::runtime::Client) applies `max_record_bytes` and `type_ahead`.
    pub limits: Limits,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            connect_timeout: Duration::from_secs(30),
            tls: TlsOptions::default(),
            nop_interval: None,
            tcp_keepalive: true,
            limits: Limits::default(),
        }
    }
}

/// What the driver asks the connection task to do.
#[derive(Debug)]
pub enum Command {
    /// Write these bytes, in order.
    Send(Vec<u8>),
    /// Run a TLS client handshake on the stream now (the host sent STARTTLS FOLLOWS).
    StartTls,
    /// Shut the stream down in an orderly way (TLS close_notify, TCP FIN) and end.
    Close,
}

/// What the connection task reports.
#[derive(Debug)]
pub enum ConnEvent {
    /// Bytes from the host, as read.
    Data(Vec<u8>),
    /// The STARTTLS handshake finished; `verified` is false under `--insecure`.
    TlsEstablished { verified: bool },
    /// The host closed its side (end of stream).
    Closed,
    /// The connection failed; the task has ended.
    Error(ConnectionError),
}

/// The driver's handle on a connection task.
#[derive(Debug)]
pub struct Connection {
    commands: mpsc::UnboundedSender<Command>,
    events: mpsc::Receiver<ConnEvent>,
    peer: SocketAddr,
    /// `Some(verified)` when the stream is TLS from the start (`L:`).
    direct_tls: Option<bool>,
}

impl Connection {
    /// Resolve, connect (and for `L:` run the TLS handshake) within the connect timeout,
    /// then start the task.
    pub async fn open(spec: &HostSpec, opts: &ConnectOptions) -> Result<Self, ConnectionError> {
        // Build the connector first: a bad --cafile is reported before any network traffic.
        let connector = opts.tls.connector()?;
        let verified = opts.tls.verifies();
        let deadline = Instant::now() + opts.connect_timeout;
        let timed_out = || ConnectionError::ConnectTimeout {
            host: spec.host.clone(),
            port: spec.port,
            after: opts.connect_timeout,
        };
        let connected = match tokio::time::timeout_at(deadline, tcp_connect(spec, opts)).await {
            Ok(r) => r,
            Err(_) => Err(timed_out()),
        };
        let (tcp, peer) = connected.inspect_err(|e| {
            tracing::info!(host = %spec.host, port = spec.port, error = %e, "connect failed");
        })?;
        tracing::info!(host = %spec.host, port = spec.port, %peer, "connected");
        let domain = spec.tls_domain().to_owned();
        let (stream, direct_tls) = if spec.tls {
            let tls = tokio::time::timeout_at(deadline, connector.connect(&domain, tcp))
                .await
                .map_err(|_| timed_out())?
                .map_err(|e| classify_handshake_error(&domain, &e))
                .inspect_err(|e| tracing::info!(%peer, error = %e, "TLS handshake failed"))?;
            tracing::info!(%peer, verified, "TLS established (direct)");
            (Stream::Tls(Box::new(tls)), Some(verified))
        } else {
            (Stream::Plain(tcp), None)
        };
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (event_tx, events) = mpsc::channel(opts.limits.event_queue.max(1));
        let task = Task {
            commands: command_rx,
            events: event_tx,
            connector,
            domain,
            verified,
            nop_interval: opts.nop_interval,
        };
        let span = tracing::info_span!("connection", %peer);
        tokio::spawn(task.run(stream).instrument(span));
        Ok(Connection {
            commands,
            events,
            peer,
            direct_tls,
        })
    }

    /// The address actually connected to.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// `Some(verified)` if the connection is TLS from the first byte.
    pub fn direct_tls(&self) -> Option<bool> {
        self.direct_tls
    }

    /// Queue bytes for the host. Fails only if the task has ended.
    pub fn send(&self, bytes: Vec<u8>) -> Result<(), ConnectionError> {
        self.command(Command::Send(bytes))
    }

    /// Ask the task to run the STARTTLS handshake; the result comes back as an event.
    pub fn start_tls(&self) -> Result<(), ConnectionError> {
        self.command(Command::StartTls)
    }

    /// Ask for an orderly close. The task ends after flushing what was queued before.
    pub fn close(&self) {
        let _ = self.commands.send(Command::Close);
    }

    /// Stop now, even if the task is waiting for room in the event queue: no more events
    /// are accepted (those already queued can still be taken) and the task shuts the stream
    /// down. For a host that must not be read any further (one that passed a limit).
    pub fn abort(&mut self) {
        self.events.close();
        let _ = self.commands.send(Command::Close);
    }

    fn command(&self, c: Command) -> Result<(), ConnectionError> {
        self.commands.send(c).map_err(|_| ConnectionError::TaskGone)
    }

    /// The next event; `None` once the task has ended and every event was taken.
    pub async fn next_event(&mut self) -> Option<ConnEvent> {
        self.events.recv().await
    }
}

/// Resolve the name and try each address in turn (IPv4 and IPv6 as the resolver orders
/// them); the caller bounds the whole with the connect timeout.
async fn tcp_connect(
    spec: &HostSpec,
    opts: &ConnectOptions,
) -> Result<(TcpStream, SocketAddr), ConnectionError> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((spec.host.as_str(), spec.port))
        .await
        .map_err(|e| ConnectionError::NameNotFound {
            host: spec.host.clone(),
            reason: e.to_string(),
        })?
        .collect();
    let mut last = ConnectionError::NameNotFound {
        host: spec.host.clone(),
        reason: "no addresses".to_owned(),
    };
    for addr in addrs {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .map_err(|source| ConnectionError::Connect { addr, source })?;
        if opts.tcp_keepalive {
            socket
                .set_keepalive(true)
                .map_err(|source| ConnectionError::Connect { addr, source })?;
        }
        match socket.connect(addr).await {
            Ok(tcp) => {
                // 3270 records are small and interactive: do not let Nagle hold an AID back.
                let _ = tcp.set_nodelay(true);
                return Ok((tcp, addr));
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = ConnectionError::Refused { addr };
            }
            Err(source) => last = ConnectionError::Connect { addr, source },
        }
    }
    Err(last)
}

/// The stream the task owns: plain until (and unless) TLS starts.
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf).await,
            Stream::Tls(s) => s.read(buf).await,
        }
    }

    async fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.write_all(buf).await,
            Stream::Tls(s) => s.write_all(buf).await,
        }
    }

    async fn shutdown(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.shutdown().await,
            Stream::Tls(s) => s.shutdown().await,
        }
    }
}

/// What woke the task.
enum Step {
    Read(std::io::Result<usize>),
    Command(Option<Command>),
    Nop,
}

struct Task {
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::Sender<ConnEvent>,
    connector: TlsConnector,
    domain: String,
    verified: bool,
    nop_interval: Option<Duration>,
}

impl Task {
    /// The task's life. `stream` is a local, not a field, so that STARTTLS can move the
    /// plain stream into the connector and put the TLS stream in its place.
    async fn run(mut self, mut stream: Stream) {
        let mut buf = vec![0u8; 16 * 1024];
        let mut idle_since = Instant::now();
        loop {
            let nop_at = self.nop_interval.map(|d| idle_since + d);
            // Every branch is cancel-safe: a read that loses the race has consumed nothing.
            let step = tokio::select! {
                r = stream.read(&mut buf) => Step::Read(r),
                c = self.commands.recv() => Step::Command(c),
                () = sleep_until(nop_at) => Step::Nop,
            };
            let outcome = match step {
                Step::Read(Ok(0)) => {
                    tracing::info!("the host closed the connection");
                    Err(ConnEvent::Closed)
                }
                Step::Read(Ok(n)) => {
                    // Sizes only: what the host sends is screen data, never logged.
                    tracing::trace!(bytes = n, "received");
                    idle_since = Instant::now();
                    let data = buf.get(..n).unwrap_or_default().to_vec();
                    if self.events.send(ConnEvent::Data(data)).await.is_err() {
                        // The driver is gone (or aborted): nobody will read what comes next.
                        tracing::debug!("the driver stopped reading; closing");
                        let _ = stream.shutdown().await;
                        return;
                    }
                    Ok(())
                }
                Step::Read(Err(e)) => Err(ConnEvent::Error(io_error(e))),
                Step::Command(None | Some(Command::Close)) => {
                    tracing::info!("closing the connection");
                    let _ = stream.shutdown().await;
                    return;
                }
                Step::Command(Some(Command::Send(bytes))) => {
                    // Sizes only: what the operator typed must never reach a log.
                    tracing::trace!(bytes = bytes.len(), "sent");
                    idle_since = Instant::now();
                    write(&mut stream, &bytes).await
                }
                Step::Nop => {
                    idle_since = Instant::now();
                    write(&mut stream, &IAC_NOP).await
                }
                Step::Command(Some(Command::StartTls)) => match stream {
                    Stream::Plain(tcp) => match self.connector.connect(&self.domain, tcp).await {
                        Ok(tls) => {
                            stream = Stream::Tls(Box::new(tls));
                            idle_since = Instant::now();
                            let verified = self.verified;
                            tracing::info!(verified, "TLS established (STARTTLS)");
                            if self
                                .events
                                .send(ConnEvent::TlsEstablished { verified })
                                .await
                                .is_err()
                            {
                                return;
                            }
                            Ok(())
                        }
                        Err(e) => {
                            let e = classify_handshake_error(&self.domain, &e);
                            tracing::info!(error = %e, "STARTTLS handshake failed");
                            let _ = self.events.send(ConnEvent::Error(e)).await;
                            return;
                        }
                    },
                    Stream::Tls(tls) => {
                        stream = Stream::Tls(tls);
                        Err(ConnEvent::Error(ConnectionError::AlreadyTls))
                    }
                },
            };
            if let Err(event) = outcome {
                if let ConnEvent::Error(e) = &event {
                    tracing::info!(error = %e, "connection failed");
                }
                let _ = self.events.send(event).await;
                return;
            }
        }
    }
}

async fn write(stream: &mut Stream, bytes: &[u8]) -> Result<(), ConnEvent> {
    stream
        .write_all(bytes)
        .await
        .map_err(|e| ConnEvent::Error(io_error(e)))
}

/// Sleep until `at`, or forever when there is no deadline.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// An I/O error on an established connection, in the user's words. Whether a reset came in
/// the middle of a record is for the driver to say (it sees the framing).
fn io_error(e: std::io::Error) -> ConnectionError {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::ConnectionAborted => {
            ConnectionError::Reset { mid_record: false }
        }
        ErrorKind::UnexpectedEof => ConnectionError::HostClosed,
        _ => ConnectionError::Io(e),
    }
}
