//! One connection to a host: a tokio task that only moves bytes.
//!
//! The task owns the stream (plain TCP, or TLS over it) and `select!`s between socket reads,
//! a command channel and the NOP keepalive timer. One task rather than a reader and a writer
//! because STARTTLS replaces the stream in place: the handshake needs the whole `TcpStream`,
//! which a single owner can simply move into the TLS connector, while split halves would have
//! to be stopped and reunited first. Writes are done inline, and queued writes go before the
//! next read: a host gets the replies to what it asked before it is read again, and a host
//! that stops reading stops being read (backpressure both ways).
//!
//! A host must not be able to hang or bloat us by not reading. Three bounds see to that:
//! - **The outbound budget** ([`ConnectOptions::max_unsent_bytes`]): [`Connection::send`] is
//!   synchronous (the drivers call it while draining `poll_transmit`), so it cannot wait for
//!   room; instead it counts the bytes queued and not yet written, and refuses with
//!   [`ConnectionError::HostNotReading`] past the budget. The driver ends the session on
//!   that error. Replies can be far larger than the requests (a 3-byte Read Buffer asks for
//!   a whole screen), so bounding the inbound queue alone does not bound this one.
//! - **The write deadline** ([`ConnectOptions::write_timeout`]): a write that makes no
//!   progress for that long ends the connection with [`ConnectionError::WriteStalled`].
//! - **A bounded close** ([`Connection::close_within`]): the task is asked to flush and shut
//!   down, and is stopped wherever it is when the grace period ends.
//!
//! It never interprets telnet or 3270 data and never holds a `Session`: whoever drives the
//! session (the [`Client`](crate::runtime::Client), later the TUI's app loop) feeds it the
//! [`ConnEvent::Data`] chunks and sends back what `poll_transmit` gives.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_native_tls::{TlsConnector, TlsStream};

use tracing::Instrument;

use crate::limits::Limits;
use crate::runtime::cert_info::{self, CertInfo};
use crate::runtime::error::{CertProblem, ConnectionError};
use crate::runtime::host::HostSpec;
use crate::runtime::tls::{Handshake, Sniffed, TlsOptions, classify_handshake_error};

/// Telnet IAC NOP (RFC 854): a no-op that keeps middleboxes from dropping an idle session.
const IAC_NOP: [u8; 2] = [0xFF, 0xF1];

/// The default outbound budget: bytes queued for the host and not yet written. A healthy
/// host takes what we send as fast as we make it (and the kernel's socket buffer, megabytes
/// on Linux, comes before this queue), so only a host that asks faster than it reads, or
/// stops reading, comes near it.
pub const DEFAULT_MAX_UNSENT: usize = 1024 * 1024;

/// What each queued send is charged on top of its bytes: the vector's header, its heap
/// block's rounding and the channel slot. Without it a flood of tiny replies (3-byte telnet
/// answers) would hold many times the budget.
const SEND_OVERHEAD: usize = 64;

/// The most bytes of queued sends the task joins into one write.
const COALESCE: usize = 64 * 1024;

/// How long [`Connection::close_within`] waits for an orderly close by default, and how
/// long the task waits for its own shutdown (TLS close_notify, FIN) to be taken. A healthy
/// host lets a close finish in milliseconds; the grace is for a slow network.
pub const CLOSE_GRACE: Duration = Duration::from_secs(3);

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
    /// A write that makes no progress for this long ends the connection
    /// ([`ConnectionError::WriteStalled`]): the host has stopped reading.
    pub write_timeout: Duration,
    /// The outbound budget: bytes queued for the host and not yet written (each send also
    /// charged a small overhead) past which [`Connection::send`] refuses with
    /// [`ConnectionError::HostNotReading`].
    pub max_unsent_bytes: usize,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            connect_timeout: Duration::from_secs(30),
            tls: TlsOptions::default(),
            nop_interval: None,
            tcp_keepalive: true,
            limits: Limits::default(),
            write_timeout: Duration::from_secs(30),
            max_unsent_bytes: DEFAULT_MAX_UNSENT,
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
    /// The certificate the host presented in the STARTTLS handshake (sent just before
    /// `TlsEstablished`).
    PeerCertificate(crate::runtime::cert_info::PeerCert),
    /// The STARTTLS handshake finished; `verified` is false under `--insecure`.
    TlsEstablished { verified: bool },
    /// The host closed its side (end of stream).
    Closed,
    /// The connection failed; the task has ended.
    Error(ConnectionError),
}

/// The driver's handle on a connection task.
///
/// Dropping it without [`Connection::close_within`] leaves the task to end by itself: it
/// sees the command channel close, flushes and shuts down, all within the write timeout.
#[derive(Debug)]
pub struct Connection {
    commands: mpsc::UnboundedSender<Command>,
    events: mpsc::Receiver<ConnEvent>,
    peer: SocketAddr,
    /// `Some(verified)` when the stream is TLS from the start (`L:`).
    direct_tls: Option<bool>,
    peer_cert: Option<crate::runtime::cert_info::PeerCert>,
    /// Bytes queued (plus [`SEND_OVERHEAD`] each send) and not yet written, shared with
    /// the task, which takes off what it has written.
    unsent: Arc<AtomicUsize>,
    max_unsent: usize,
    task: JoinHandle<()>,
}

impl Connection {
    /// The certificate the host presented in a direct TLS handshake (`L:`).
    pub fn peer_cert(&self) -> Option<&crate::runtime::cert_info::PeerCert> {
        self.peer_cert.as_ref()
    }

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
        let mut peer_cert = None;
        let (stream, direct_tls) = if spec.tls {
            let (tcp, first) = Sniffed::new(tcp);
            let how = Handshake::Direct { port: spec.port };
            let tls =
                match tokio::time::timeout_at(deadline, connector.connect(&domain, tcp)).await {
                    Ok(Ok(tls)) => Ok(tls),
                    Ok(Err(e)) => {
                        let e = classify_handshake_error(&domain, how, first.get(), &e);
                        Err(with_certificate_facts(e, peer, &domain, &opts.tls, deadline).await)
                    }
                    Err(_) => Err(ConnectionError::TlsHandshakeTimeout {
                        host: spec.host.clone(),
                        port: spec.port,
                        after: opts.connect_timeout,
                    }),
                }
                .inspect_err(|e| tracing::info!(%peer, error = %e, "TLS handshake failed"))?;
            tracing::info!(%peer, verified, "TLS established (direct)");
            peer_cert = peer_certificate(&tls);
            (Stream::Tls(Box::new(tls)), Some(verified))
        } else {
            (Stream::Plain(tcp), None)
        };
        // Unbounded as a channel, bounded in bytes: `send` charges `unsent` first.
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (event_tx, events) = mpsc::channel(opts.limits.event_queue.max(1));
        let unsent = Arc::new(AtomicUsize::new(0));
        let task = Task {
            commands: command_rx,
            deferred: None,
            events: event_tx,
            connector,
            domain,
            verified,
            nop_interval: opts.nop_interval,
            write_timeout: opts.write_timeout,
            unsent: Arc::clone(&unsent),
        };
        let span = tracing::info_span!("connection", %peer);
        let task = tokio::spawn(task.run(stream).instrument(span));
        Ok(Connection {
            commands,
            events,
            peer,
            direct_tls,
            peer_cert,
            unsent,
            max_unsent: opts.max_unsent_bytes,
            task,
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

    /// Queue bytes for the host. Fails if the task has ended, or with
    /// [`ConnectionError::HostNotReading`] when the bytes would take the queue past the
    /// outbound budget; the bytes are then dropped and the driver should end the session
    /// (for example with [`Connection::abort`]).
    pub fn send(&self, bytes: Vec<u8>) -> Result<(), ConnectionError> {
        let charge = charge(bytes.len());
        let before = self.unsent.fetch_add(charge, Ordering::AcqRel);
        if before.saturating_add(charge) > self.max_unsent {
            self.unsent.fetch_sub(charge, Ordering::AcqRel);
            tracing::warn!(
                waiting = before,
                "outbound budget exceeded; the host is not reading"
            );
            return Err(ConnectionError::HostNotReading { waiting: before });
        }
        self.command(Command::Send(bytes)).inspect_err(|_| {
            self.unsent.fetch_sub(charge, Ordering::AcqRel);
        })
    }

    /// Bytes queued for the host and not yet written (each send counted with a small
    /// overhead, as the budget counts it).
    pub fn unsent(&self) -> usize {
        self.unsent.load(Ordering::Acquire)
    }

    /// Ask the task to run the STARTTLS handshake; the result comes back as an event.
    pub fn start_tls(&self) -> Result<(), ConnectionError> {
        self.command(Command::StartTls)
    }

    /// Ask for an orderly close. The task ends after flushing what was queued before, or
    /// when a write makes no progress for the write timeout. To wait for the end, with a
    /// bound, use [`Connection::close_within`].
    pub fn close(&self) {
        let _ = self.commands.send(Command::Close);
    }

    /// Orderly close that always finishes: the task flushes what was queued and shuts the
    /// stream down; if it has not ended within `grace` (a host that does not take our
    /// bytes), it is stopped where it is and the socket is closed.
    /// [`ConnectionError::CloseTimedOut`] says that happened and how much was left unsent.
    pub async fn close_within(mut self, grace: Duration) -> Result<(), ConnectionError> {
        self.close();
        // Events still queued are of no use now; taking them lets a task waiting for room
        // in the queue go on to the close.
        let drained =
            tokio::time::timeout(grace, async { while self.events.recv().await.is_some() {} })
                .await;
        if drained.is_ok() {
            return Ok(());
        }
        let waiting = self.unsent();
        tracing::info!(
            waiting,
            "the close did not finish in time; dropping the connection"
        );
        self.task.abort();
        // Cancelled at its next await point, which drops (closes) the socket.
        let _ = (&mut self.task).await;
        Err(ConnectionError::CloseTimedOut {
            after: grace,
            waiting,
        })
    }

    /// Stop now, wherever the task is (waiting for room in the event queue, or in a write
    /// the host does not take): the task is cancelled, which closes the socket without
    /// flushing; events already queued can still be taken. For a host that must not be
    /// read or written any further (one that passed a limit).
    pub fn abort(&mut self) {
        self.events.close();
        self.task.abort();
    }

    fn command(&self, c: Command) -> Result<(), ConnectionError> {
        self.commands.send(c).map_err(|_| ConnectionError::TaskGone)
    }

    /// The next event; `None` once the task has ended and every event was taken.
    pub async fn next_event(&mut self) -> Option<ConnEvent> {
        self.events.recv().await
    }
}

/// The longest a second handshake may take to fetch a certificate for a message.
const FETCH_CERTIFICATE: Duration = Duration::from_secs(5);

/// A certificate that expired, is not valid yet or names another host: fetch it again
/// without verifying (a second connection, closed right after the handshake; nothing is
/// sent over it), so the message can say when it was valid or which names it has. native-tls
/// keeps the certificate of a failed handshake to itself. Any other error, or a fetch that
/// fails or would pass `deadline`, leaves the error as it is.
async fn with_certificate_facts(
    e: ConnectionError,
    peer: SocketAddr,
    domain: &str,
    tls: &TlsOptions,
    deadline: Instant,
) -> ConnectionError {
    let ConnectionError::CertificateVerification {
        host,
        reason,
        problem,
        cert: None,
    } = e
    else {
        return e;
    };
    let wanted = matches!(
        problem,
        CertProblem::Expired | CertProblem::NotYetValid | CertProblem::NameMismatch
    );
    let cert = if wanted {
        let until = deadline.min(Instant::now() + FETCH_CERTIFICATE);
        tokio::time::timeout_at(until, fetch_certificate(peer, domain, tls))
            .await
            .ok()
            .flatten()
            .map(Box::new)
    } else {
        None
    };
    ConnectionError::CertificateVerification {
        host,
        reason,
        problem,
        cert,
    }
}

/// The facts of the certificate `peer` presents, read over an unverified handshake.
async fn fetch_certificate(peer: SocketAddr, domain: &str, tls: &TlsOptions) -> Option<CertInfo> {
    let insecure = TlsOptions {
        insecure: true,
        ..tls.clone()
    };
    let connector = insecure.connector().ok()?;
    let tcp = TcpStream::connect(peer).await.ok()?;
    let stream = connector.connect(domain, tcp).await.ok()?;
    let der = stream.get_ref().peer_certificate().ok()??.to_der().ok()?;
    tracing::info!(%peer, "fetched the certificate unverified, to say why it failed");
    cert_info::parse(&der)
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
    /// TLS over the sniffing wrapper the handshake ran on (a pass-through after it).
    Tls(Box<TlsStream<Sniffed>>),
}

impl Stream {
    async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf).await,
            Stream::Tls(s) => s.read(buf).await,
        }
    }

    async fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf).await,
            Stream::Tls(s) => s.write(buf).await,
        }
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush().await,
            Stream::Tls(s) => s.flush().await,
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

/// What a send is charged against the outbound budget.
fn charge(len: usize) -> usize {
    len.saturating_add(SEND_OVERHEAD)
}

struct Task {
    commands: mpsc::UnboundedReceiver<Command>,
    /// A command taken from the channel while joining sends, to be handled next.
    deferred: Option<Command>,
    events: mpsc::Sender<ConnEvent>,
    connector: TlsConnector,
    domain: String,
    verified: bool,
    nop_interval: Option<Duration>,
    write_timeout: Duration,
    unsent: Arc<AtomicUsize>,
}

impl Task {
    /// The task's life. `stream` is a local, not a field, so that STARTTLS can move the
    /// plain stream into the connector and put the TLS stream in its place.
    /// Tells the driver STARTTLS is up: the host's certificate first, then the event;
    /// false when the driver is gone.
    async fn announce_tls(&self, cert: Option<crate::runtime::cert_info::PeerCert>) -> bool {
        let verified = self.verified;
        tracing::info!(verified, "TLS established (STARTTLS)");
        if let Some(cert) = cert {
            if self
                .events
                .send(ConnEvent::PeerCertificate(cert))
                .await
                .is_err()
            {
                return false;
            }
        }
        self.events
            .send(ConnEvent::TlsEstablished { verified })
            .await
            .is_ok()
    }

    async fn run(mut self, mut stream: Stream) {
        let mut buf = vec![0u8; 16 * 1024];
        let mut idle_since = Instant::now();
        loop {
            let nop_at = self.nop_interval.map(|d| idle_since + d);
            // Every branch is cancel-safe: a read that loses the race has consumed nothing.
            // Commands first (biased): what is queued for the host is written before the
            // host is read again, so replies never pile up behind a stream of requests.
            let step = if let Some(c) = self.deferred.take() {
                Step::Command(Some(c))
            } else {
                tokio::select! {
                    biased;
                    c = self.commands.recv() => Step::Command(c),
                    r = stream.read(&mut buf) => Step::Read(r),
                    () = sleep_until(nop_at) => Step::Nop,
                }
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
                        shutdown(&mut stream).await;
                        return;
                    }
                    Ok(())
                }
                Step::Read(Err(e)) => Err(ConnEvent::Error(io_error(e))),
                Step::Command(None | Some(Command::Close)) => {
                    tracing::info!("closing the connection");
                    shutdown(&mut stream).await;
                    return;
                }
                Step::Command(Some(Command::Send(bytes))) => {
                    let (out, charged) = self.join_sends(bytes);
                    // Sizes only: what the operator typed must never reach a log.
                    tracing::trace!(bytes = out.len(), "sent");
                    idle_since = Instant::now();
                    let r = self.write(&mut stream, &out).await;
                    self.unsent.fetch_sub(charged, Ordering::AcqRel);
                    r
                }
                Step::Nop => {
                    idle_since = Instant::now();
                    self.write(&mut stream, &IAC_NOP).await
                }
                Step::Command(Some(Command::StartTls)) => match stream {
                    Stream::Plain(tcp) => {
                        let (tcp, first) = Sniffed::new(tcp);
                        match self.connector.connect(&self.domain, tcp).await {
                            Ok(tls) => {
                                let cert = peer_certificate(&tls);
                                stream = Stream::Tls(Box::new(tls));
                                idle_since = Instant::now();
                                if !self.announce_tls(cert).await {
                                    return;
                                }
                                Ok(())
                            }
                            Err(e) => {
                                let e = classify_handshake_error(
                                    &self.domain,
                                    Handshake::StartTls,
                                    first.get(),
                                    &e,
                                );
                                tracing::info!(error = %e, "STARTTLS handshake failed");
                                let _ = self.events.send(ConnEvent::Error(e)).await;
                                return;
                            }
                        }
                    }
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

impl Task {
    /// `first` and the sends queued right behind it, as one buffer (up to [`COALESCE`]
    /// bytes), with what they were charged. A burst of small replies becomes one write
    /// instead of one system call each. A command that is not a send is kept for the next
    /// turn of the loop, so the order of commands is kept.
    fn join_sends(&mut self, first: Vec<u8>) -> (Vec<u8>, usize) {
        let mut charged = charge(first.len());
        let mut out = first;
        while out.len() < COALESCE {
            match self.commands.try_recv() {
                Ok(Command::Send(more)) => {
                    charged += charge(more.len());
                    out.extend_from_slice(&more);
                }
                Ok(other) => {
                    self.deferred = Some(other);
                    break;
                }
                Err(_) => break,
            }
        }
        (out, charged)
    }

    /// Write all of `bytes`, each step bounded by the write timeout: a host that takes
    /// nothing for that long has stopped reading, and waiting longer would hang the session
    /// (and its close) for as long as the host likes.
    async fn write(&self, stream: &mut Stream, bytes: &[u8]) -> Result<(), ConnEvent> {
        let mut rest = bytes;
        while !rest.is_empty() {
            match tokio::time::timeout(self.write_timeout, stream.write(rest)).await {
                Ok(Ok(0)) => {
                    return Err(ConnEvent::Error(io_error(std::io::Error::from(
                        std::io::ErrorKind::WriteZero,
                    ))));
                }
                Ok(Ok(n)) => rest = rest.get(n..).unwrap_or_default(),
                Ok(Err(e)) => return Err(ConnEvent::Error(io_error(e))),
                Err(_) => {
                    let waiting = self.unsent.load(Ordering::Acquire);
                    tracing::info!(waiting, "a write made no progress; the host is not reading");
                    return Err(ConnEvent::Error(ConnectionError::WriteStalled {
                        after: self.write_timeout,
                        waiting,
                    }));
                }
            }
        }
        // A TLS stream may hold bytes back until flushed; a plain one writes through.
        match tokio::time::timeout(self.write_timeout, stream.flush()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(ConnEvent::Error(io_error(e))),
            Err(_) => Err(ConnEvent::Error(ConnectionError::WriteStalled {
                after: self.write_timeout,
                waiting: self.unsent.load(Ordering::Acquire),
            })),
        }
    }
}

/// Shut the stream down (TLS close_notify, then FIN), bounded: the close_notify is a write,
/// and a host that does not read would hold it forever.
async fn shutdown(stream: &mut Stream) {
    if tokio::time::timeout(CLOSE_GRACE, stream.shutdown())
        .await
        .is_err()
    {
        tracing::info!("the host did not take our close in time");
    }
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

/// The facts of the certificate a finished handshake saw (none if the library gives none).
fn peer_certificate<S>(tls: &TlsStream<S>) -> Option<crate::runtime::cert_info::PeerCert>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let cert = tls.get_ref().peer_certificate().ok().flatten()?;
    let der = cert.to_der().ok()?;
    crate::runtime::cert_info::PeerCert::from_der(&der)
}
