//! A loopback TN3270 host for throughput measurements: after a plain TN3270 negotiation it
//! sends N full-screen Erase/Write records (24x80, every row several coloured fields) as fast
//! as the socket takes them, then closes. It serves connections one after another until
//! killed, so a benchmark can run r3270 and s3270 against the same host in the same run.
//!
//! ```sh
//! cargo run --release --example flood_host -- 127.0.0.1:3270 10000
//! ```
//! Listens on 127.0.0.1 only.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use r3270::proto::addr::{AddressMode, BufferAddr, Dimensions};

const IAC: u8 = 0xFF;

fn negotiate(stream: &mut TcpStream) -> std::io::Result<()> {
    // DO TERMINAL-TYPE, SB TERMINAL-TYPE SEND, then EOR and BINARY both ways. The client's
    // answers are read and discarded: the point is the data that follows.
    stream.write_all(&[IAC, 0xFD, 24])?;
    stream.write_all(&[IAC, 0xFA, 24, 1, IAC, 0xF0])?;
    stream.write_all(&[IAC, 0xFD, 25, IAC, 0xFB, 25, IAC, 0xFD, 0, IAC, 0xFB, 0])?;
    stream.set_read_timeout(Some(Duration::from_millis(30)))?;
    let mut buf = [0u8; 4096];
    // Read until the client has been quiet for 30 ms.
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
    Ok(())
}

/// One full-screen Erase/Write with SFE colours, different for each `seq`.
fn record(seq: usize, last: bool) -> Vec<u8> {
    let dims = Dimensions::MODEL_2;
    // WCC: reset MDT; restore the keyboard only on the last record, so a client waiting for
    // the keyboard has to take every record first.
    let wcc = if last { 0xC3 } else { 0xC1 };
    let mut r = vec![0xF5, wcc];
    for row in 0..24u16 {
        for f in 0..4u16 {
            let addr = BufferAddr::new(usize::from(row * 80 + f * 20), dims).unwrap_or_default();
            r.push(0x11);
            r.extend_from_slice(&addr.encode(AddressMode::Coded12));
            let color = 0xF1 + u8::try_from((usize::from(row + f) + seq) % 7).unwrap_or(0);
            r.extend_from_slice(&[0x29, 0x02, 0xC0, if f % 2 == 0 { 0x60 } else { 0x40 }]);
            r.extend_from_slice(&[0x42, color]);
            for i in 0..19u16 {
                // Letters A-I, J-R in EBCDIC, shifted by the sequence number.
                let n = (usize::from(row + i) + seq) % 18;
                let b = u8::try_from(n).unwrap_or(0);
                r.push(if b < 9 { 0xC1 + b } else { 0xD1 + b - 9 });
            }
        }
    }
    r.extend_from_slice(&[IAC, 0xEF]);
    r
}

fn serve(mut stream: TcpStream, count: usize) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    negotiate(&mut stream)?;
    let mut out = Vec::with_capacity(64 * 1024);
    for seq in 0..count {
        out.extend_from_slice(&record(seq, seq + 1 == count));
        if out.len() >= 60 * 1024 {
            stream.write_all(&out)?;
            out.clear();
        }
    }
    stream.write_all(&out)?;
    stream.flush()?;
    // Give the client a moment to read the tail before the FIN.
    std::thread::sleep(Duration::from_millis(50));
    Ok(())
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let count: usize = args.next().and_then(|c| c.parse().ok()).unwrap_or(10_000);
    if !addr.starts_with("127.") && !addr.starts_with("[::1]") && !addr.starts_with("localhost") {
        eprintln!("flood_host listens on loopback addresses only");
        std::process::exit(2);
    }
    let listener = TcpListener::bind(&addr)?;
    println!(
        "flood host listening on {} ({count} records per connection)",
        listener.local_addr()?
    );
    for stream in listener.incoming() {
        match stream {
            Ok(s) => {
                if let Err(e) = serve(s, count) {
                    eprintln!("connection ended early: {e}");
                }
            }
            Err(e) => eprintln!("accept failed: {e}"),
        }
    }
    Ok(())
}
