//! A TCP relay in the test, between r3270 and a real host: the witness that is not r3270.
//! It counts every byte each way (over every connection it carried), counts connections,
//! and can hold each chunk the host sends for a fixed time before passing it on, so every
//! host response takes at least that long as the client sees it.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

/// The relay's counters, shared with its threads.
#[derive(Debug, Default)]
pub struct Counts {
    /// Bytes from the host to the client.
    pub down: AtomicU64,
    /// Bytes from the client to the host.
    pub up: AtomicU64,
    /// Connections accepted.
    pub connections: AtomicU64,
    /// Connections whose host-to-client direction has ended (either side closed).
    pub ended: AtomicU64,
}

/// A relay on a free port of 127.0.0.1 to `127.0.0.1:host_port`; it accepts until dropped.
pub struct Relay {
    pub port: u16,
    pub counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
}

impl Relay {
    /// Relay to `host_port`, holding each chunk from the host for `delay` first.
    pub fn start(host_port: u16, delay: Duration) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let counts = Arc::new(Counts::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (c, s) = (Arc::clone(&counts), Arc::clone(&stop));
        thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                c.connections.fetch_add(1, Ordering::SeqCst);
                let Ok(host) = TcpStream::connect(("127.0.0.1", host_port)) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                let (c2, h2) = (client.try_clone().unwrap(), host.try_clone().unwrap());
                let (down, up) = (Arc::clone(&c), Arc::clone(&c));
                thread::spawn(move || {
                    pump(host, client, delay, &down.down);
                    down.ended.fetch_add(1, Ordering::SeqCst);
                });
                thread::spawn(move || pump(c2, h2, Duration::ZERO, &up.up));
            }
        });
        Relay { port, counts, stop }
    }

    pub fn down(&self) -> u64 {
        self.counts.down.load(Ordering::SeqCst)
    }

    pub fn up(&self) -> u64 {
        self.counts.up.load(Ordering::SeqCst)
    }

    pub fn connections(&self) -> u64 {
        self.counts.connections.load(Ordering::SeqCst)
    }

    pub fn ended(&self) -> u64 {
        self.counts.ended.load(Ordering::SeqCst)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Copy `from` to `to` until `from` ends, holding each chunk for `delay` and counting it
/// once it has been passed on; then pass the end on.
fn pump(mut from: TcpStream, mut to: TcpStream, delay: Duration, count: &AtomicU64) {
    let mut buf = [0u8; 8192];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if !delay.is_zero() {
                    thread::sleep(delay);
                }
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
                count.fetch_add(n as u64, Ordering::SeqCst);
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
