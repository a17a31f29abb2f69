//! The r3270 command line.
//!
//! Subcommands grow with the issues: `replay` drives the protocol engine through an x3270
//! trace; `serve-demo` runs the built-in demo host and `--demo` starts it in-process and
//! connects to it; the headless client and the TUI come next.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use r3270::demo::server::{ServerOptions, TlsIdentity};
use r3270::proto::Model;
use r3270::replay::{ReplayOptions, replay};
use r3270::trace::Trace;

#[derive(Parser)]
#[command(name = "r3270", version, about = "A TN3270/TN3270E terminal emulator")]
struct Cli {
    /// Start the built-in demo host in this process (on a free port) and connect to it.
    #[arg(long)]
    demo: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Replay an x3270 trace file through the engine and print the final screen.
    ///
    /// The host side of the trace is fed to r3270 emulating the model the trace names (or
    /// --model); the operator actions the trace records are pressed where they happened.
    /// The final screen is printed one row per line, exactly as s3270's Ascii() shows it.
    Replay {
        /// The trace file (x3270 trace format).
        file: PathBuf,
        /// Emulate this model instead of the trace's (2-5, 3278-N, 3279-N[-E]).
        #[arg(long)]
        model: Option<Model>,
        /// Compare every byte r3270 sends with the trace's client lines; exit 1 at the first
        /// difference, with its offset.
        #[arg(long)]
        strict: bool,
        /// Also print host errors (malformed records) on stderr.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Run the built-in demo host (a practice TN3270/TN3270E application) until Ctrl-C.
    ///
    /// It listens on 127.0.0.1 only and prints `r3270 demo host listening on
    /// 127.0.0.1:PORT` when ready. Sign on as DEMO with password DEMO; docs/DEMO.md
    /// describes every screen.
    ServeDemo {
        /// The port; 0 picks a free one (printed).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Offer plain TN3270 only (no TN3270E).
        #[arg(long)]
        no_tn3270e: bool,
        /// PEM certificate for TLS (direct TLS, or STARTTLS with --starttls).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM (PKCS#8) private key of --tls-cert.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Offer STARTTLS on the plain port instead of direct TLS (needs --tls-cert).
        #[arg(long, requires = "tls_cert")]
        starttls: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("r3270: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Some(command) = cli.command else {
        if cli.demo {
            return demo_in_process();
        }
        anyhow::bail!("nothing to do: give a subcommand (see --help) or --demo");
    };
    match command {
        Command::ServeDemo {
            port,
            no_tn3270e,
            tls_cert,
            tls_key,
            starttls,
        } => {
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => {
                    Some(TlsIdentity::from_files(&cert, &key).with_context(|| {
                        format!("cannot read {} or {}", cert.display(), key.display())
                    })?)
                }
                _ => None,
            };
            let opts = ServerOptions {
                port,
                tn3270e: !no_tn3270e,
                tls,
                starttls,
                ..ServerOptions::default()
            };
            serve_demo(opts)
        }
        Command::Replay {
            file,
            model,
            strict,
            verbose,
        } => {
            let trace = Trace::from_path(&file)
                .with_context(|| format!("cannot read trace {}", file.display()))?;
            let report = replay(&trace, &ReplayOptions { model, strict });
            let mut out = String::new();
            for row in &report.rows {
                out.push_str(row);
                out.push('\n');
            }
            print!("{out}");
            if verbose {
                for e in report.host_errors() {
                    eprintln!("host error: {e}");
                }
            }
            if strict && !report.comparable {
                eprintln!(
                    "{}: the trace records no client bytes; only the screen can be compared",
                    file.display()
                );
            }
            if let Some(m) = &report.mismatch {
                eprintln!("{}: {m}", file.display());
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `r3270 serve-demo`: the demo host until Ctrl-C.
fn serve_demo(opts: ServerOptions) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let (addr, server) = r3270::demo::start(opts)
            .await
            .context("cannot start the demo host")?;
        announce(addr);
        tokio::signal::ctrl_c()
            .await
            .context("cannot wait for Ctrl-C")?;
        server.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// Prints the line scripts read the port from.
fn announce(addr: std::net::SocketAddr) {
    use std::io::Write;
    println!("r3270 demo host listening on {addr}");
    let _ = std::io::stdout().flush();
}

/// `r3270 --demo`: the demo host in this process, and a connection to it. Until the
/// interactive client lands, the connection is the protocol engine itself: it signs in to
/// the first screen and prints it, and the host keeps serving other clients until Ctrl-C.
fn demo_in_process() -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let (addr, server) = r3270::demo::start(ServerOptions::default())
            .await
            .context("cannot start the demo host")?;
        announce(addr);
        let rows = first_screen(addr).await?;
        for row in rows {
            println!("{row}");
        }
        tokio::signal::ctrl_c()
            .await
            .context("cannot wait for Ctrl-C")?;
        server.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// Connects a `Session` to the host and returns the first screen it unlocks on.
async fn first_screen(addr: std::net::SocketAddr) -> anyhow::Result<Vec<String>> {
    use r3270::proto::{Session, TerminalConfig};
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr)
        .await
        .with_context(|| format!("cannot connect to {addr}"))?;
    let mut session = Session::new(TerminalConfig::default());
    let mut buf = vec![0u8; 16 * 1024];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        while let Some(bytes) = session.poll_transmit() {
            tcp.write_all(&bytes).await?;
        }
        while session.poll_event().is_some() {}
        if !session.is_locked() && session.mode().is_3270() {
            return Ok(session.text_rows());
        }
        let n = tokio::time::timeout_at(deadline, tcp.read(&mut buf))
            .await
            .context("the demo host did not draw a screen in time")??;
        if n == 0 {
            anyhow::bail!("the demo host closed the connection");
        }
        session.handle_input(Instant::now(), &buf[..n]);
    }
}
