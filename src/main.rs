//! The r3270 command line.
//!
//! Subcommands grow with the issues: `replay` drives the protocol engine through an x3270
//! trace; `screen` is the headless client (`r3270::headless`); the demo host and the TUI
//! come next.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use r3270::proto::Model;
use r3270::replay::{ReplayOptions, replay};
use r3270::trace::Trace;

#[derive(Parser)]
#[command(name = "r3270", version, about = "A TN3270/TN3270E terminal emulator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    /// Connect to a host, apply keys, print the final screen (like s3270's Ascii()).
    ///
    /// Waits until the host has drawn a screen and unlocked the keyboard (or --timeout),
    /// applies the KEYs in order, and prints the screen one row per line.
    Screen(Box<r3270::headless::Args>),
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
    match cli.command {
        Command::Screen(args) => Ok(r3270::headless::main(&args)),
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
