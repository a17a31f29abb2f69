//! Terminal input on a thread of its own, handed to the event loop through a channel.
//!
//! This module owns reading the terminal; it must not interpret what it reads (that is
//! `crate::app`, through the keymap).
//!
//! Why not crossterm's `EventStream`: the loop used to drain it with `now_or_never()`,
//! which polls with a no-op waker. When nothing was ready, `EventStream` handed that no-op
//! waker to its background thread and kept it, so the next key woke nothing and sat unread
//! until the loop woke for another reason (the 500 ms tick): every key was drawn up to half
//! a second late. A thread that blocks in `crossterm::event::read()` and a tokio channel
//! have no such trap: `recv()` registers the loop's own waker each time, and `try_recv()`
//! drains without touching wakers at all.
//!
//! Why crossterm's `use-dev-tty` feature: crossterm's default event source reads the
//! terminal after an edge-triggered epoll wake-up, takes at most 1 KiB per read and returns
//! as soon as that yields an event. Anything past the first KiB of a burst (a held key, an
//! unbracketed paste) then stayed in the tty with no new edge to announce it, until the
//! next keystroke. The `use-dev-tty` source waits with `poll(2)`, which is level-triggered:
//! bytes still waiting are seen on the next read however they arrived.
//!
//! The thread ends when the loop drops its receiver (the next event it reads is then not
//! sent) or when reading fails (the error is sent first). A thread blocked in `read()` when
//! the process exits is simply ended with it; nothing it holds needs cleaning up.

use std::io;

use crossterm::event::Event as TermEvent;
use tokio::sync::mpsc;

/// How many terminal events may wait for the loop. Past that the reader thread waits, and
/// the rest stays in the terminal's own buffer (backpressure, not loss): a held key repeats
/// far slower than the loop drains.
const QUEUE: usize = 1024;

/// The receiving end: events from the terminal in the order they were typed.
pub struct Input {
    rx: mpsc::Receiver<io::Result<TermEvent>>,
}

impl Input {
    /// Start the reader thread. Call after the terminal is set up (raw mode), and only once:
    /// crossterm's reader is process-wide.
    pub fn spawn() -> io::Result<Self> {
        let (tx, rx) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("r3270-input".into())
            .spawn(move || read_loop(&tx))?;
        Ok(Input { rx })
    }

    /// The next event; `None` when the reader thread has ended (after it sent its error).
    pub async fn recv(&mut self) -> Option<io::Result<TermEvent>> {
        self.rx.recv().await
    }

    /// An event that is ready now, without waiting.
    pub fn try_recv(&mut self) -> Option<io::Result<TermEvent>> {
        self.rx.try_recv().ok()
    }
}

fn read_loop(tx: &mpsc::Sender<io::Result<TermEvent>>) {
    loop {
        let ev = crossterm::event::read();
        let failed = ev.is_err();
        if tx.blocking_send(ev).is_err() || failed {
            return;
        }
    }
}
