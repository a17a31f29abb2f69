//! `r3270 audit verify|show|export`: the commands' arguments and what they print.
//! Exit statuses: 0 success (verify: the log is intact); 1 verify found damage (the first
//! problem is printed with its file, line, seq and kind); 2 the command could not run (an
//! unreadable directory, a missing key, a bad argument), with a message naming the file.

use std::io::Write;
use std::path::PathBuf;

use super::read::{Filter, csv_row, scan};
use super::verify::{VerifyOptions, verify};
use super::writer::key_dir_for;
use crate::config::Config;

/// Where the log is: `--dir` (and `--key-dir`, `--archive-dir`) over the configuration.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Location {
    /// The log directory (default: `[audit] dir`, see `r3270 paths`).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The archive directory (default: `[audit] archive-dir`).
    #[arg(long, value_name = "DIR")]
    pub archive_dir: Option<PathBuf>,
    /// The key directory root (default: `[audit] key-dir`).
    #[arg(long, value_name = "DIR")]
    pub key_dir: Option<PathBuf>,
}

impl Location {
    fn resolve(&self, c: &Config) -> VerifyOptions {
        let dir = self
            .dir
            .clone()
            .unwrap_or_else(|| c.audit.log_dir(&c.paths.data_dir));
        let root = self
            .key_dir
            .clone()
            .unwrap_or_else(|| c.audit.key_dir(&c.paths.log_dir));
        VerifyOptions {
            key_dir: key_dir_for(&root, &dir),
            dir,
            archive_dir: self
                .archive_dir
                .clone()
                .or_else(|| c.audit.archive_dir.clone()),
        }
    }
}

/// The `audit` subcommands.
#[derive(Clone, Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain, the keyed checkpoints and their mirror. Exit 0 when intact,
    /// 1 naming the first damaged file, line and seq and the kind of damage, 2 when the
    /// log cannot be read.
    Verify {
        #[command(flatten)]
        at: Location,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print records, oldest first, filtered.
    Show {
        #[command(flatten)]
        at: Location,
        #[command(flatten)]
        filter: FilterArgs,
        /// Print the records' lines exactly as stored (JSON lines).
        #[arg(long)]
        json: bool,
    },
    /// Write records (filtered as for `show`) as JSON lines or CSV.
    Export {
        #[command(flatten)]
        at: Location,
        #[command(flatten)]
        filter: FilterArgs,
        /// `jsonl` (the lines as stored) or `csv`.
        #[arg(long, value_parser = ["jsonl", "csv"], default_value = "jsonl")]
        format: String,
        /// Write here instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Filters of `show` and `export`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct FilterArgs {
    /// Only this session (its id, or the start of it).
    #[arg(long, value_name = "S")]
    pub session: Option<String>,
    /// Records at or after this UTC time (`YYYY-MM-DD[THH:MM[:SS]]`).
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Records before this UTC time.
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// Only records of this kind (repeatable): session-start, aid, screen, ...
    #[arg(long, value_name = "K")]
    pub kind: Vec<String>,
    /// Only records whose line contains this text (case-insensitive).
    #[arg(long, value_name = "TEXT")]
    pub grep: Option<String>,
}

impl FilterArgs {
    fn filter(&self) -> Result<Filter, String> {
        let bound = |name: &str, v: &Option<String>| -> Result<Option<String>, String> {
            v.as_deref()
                .map(|s| {
                    super::time::parse_bound(s).ok_or_else(|| {
                        format!("--{name} {s}: not a time; use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC)")
                    })
                })
                .transpose()
        };
        Ok(Filter {
            session: self.session.clone(),
            since: bound("since", &self.since)?,
            until: bound("until", &self.until)?,
            kinds: self.kind.clone(),
            grep: self.grep.clone(),
        })
    }
}

/// Run one `audit` command; returns the exit status.
pub fn run(cmd: &AuditCommand, config: &Config) -> u8 {
    match cmd {
        AuditCommand::Verify { at, json } => verify_cmd(&at.resolve(config), *json),
        AuditCommand::Show { at, filter, json } => {
            let loc = at.resolve(config);
            let filter = match filter.filter() {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("r3270: {e}");
                    return 2;
                }
            };
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            let r = scan(&loc.dir, loc.archive_dir.as_deref(), &filter, |e| {
                let line = if *json {
                    e.raw.clone()
                } else {
                    format!(
                        "{} w{} #{:<6} {:<13} {:<20} {}",
                        e.ts(),
                        e.slot,
                        e.seq(),
                        e.kind(),
                        e.session(),
                        e.summary()
                    )
                };
                writeln!(out, "{line}").is_ok()
            });
            finish(r)
        }
        AuditCommand::Export {
            at,
            filter,
            format,
            out,
        } => {
            let loc = at.resolve(config);
            let filter = match filter.filter() {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("r3270: {e}");
                    return 2;
                }
            };
            let mut sink: Box<dyn Write> = match out {
                Some(p) => match std::fs::File::create(p) {
                    Ok(f) => Box::new(std::io::BufWriter::new(f)),
                    Err(e) => {
                        eprintln!("r3270: {}: {e}", p.display());
                        return 2;
                    }
                },
                None => Box::new(std::io::BufWriter::new(std::io::stdout())),
            };
            let csv = format == "csv";
            if csv && writeln!(sink, "{}", super::read::CSV_HEADER).is_err() {
                return 2;
            }
            let mut failed = false;
            let r = scan(&loc.dir, loc.archive_dir.as_deref(), &filter, |e| {
                let line = if csv { csv_row(&e) } else { e.raw };
                failed = writeln!(sink, "{line}").is_err();
                !failed
            });
            if failed || sink.flush().is_err() {
                eprintln!("r3270: cannot write the export");
                return 2;
            }
            finish(r)
        }
    }
}

fn finish(r: Result<(), super::AuditError>) -> u8 {
    match r {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("r3270: {e}");
            2
        }
    }
}

fn verify_cmd(loc: &VerifyOptions, json: bool) -> u8 {
    let report = match verify(loc) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("r3270: {e}");
            return 2;
        }
    };
    if json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        if report.slots.is_empty() {
            println!("{}: no audit files", loc.dir.display());
        }
        for s in &report.slots {
            println!(
                "slot {}: {} file(s), {} records, seq 1..{}, {} checkpoints, verified through seq {}",
                s.slot, s.files, s.records, s.last_seq, s.checkpoints, s.verified_through
            );
        }
    }
    match &report.problem {
        None => {
            if !json {
                println!("intact");
            }
            0
        }
        Some(p) => {
            eprintln!("r3270: audit log damaged: {p}");
            1
        }
    }
}
