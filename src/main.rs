//! The r3270 command line.
//!
//! With no subcommand r3270 is the interactive client (`r3270::tui`): `r3270` opens the
//! connect picker, `r3270 HOST|PROFILE` connects at once, `r3270 --demo` starts the built-in
//! demo host in-process and connects to it (or, when stdout is not a terminal, prints its
//! sign-on screen headlessly). Subcommands: `replay` drives the protocol engine through an
//! x3270 trace; `screen` is the headless client (`r3270::headless`); `serve-demo` runs the
//! demo host; `audit verify|show|export` read the audit log (`r3270::audit`); `paths`,
//! `config init|show|check` and `keys` show and check the
//! configuration (`r3270::config`). `--config FILE` picks the file for every command that
//! reads it, and a bad configuration stops such a command (the TUI included, before the
//! terminal is touched) with every error before it does anything.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use r3270::config::{self, Config, LoadOptions};
use r3270::demo::server::{ServerOptions, TlsIdentity};
use r3270::keymap::Layer;
use r3270::proto::Model;
use r3270::replay::{ReplayOptions, replay};
use r3270::trace::Trace;

#[derive(Parser)]
#[command(
    name = "r3270",
    version,
    about = "A TN3270/TN3270E terminal emulator",
    long_about = "A TN3270/TN3270E terminal emulator.\n\n\
        r3270                 the interactive client, starting with the connect picker\n\
        r3270 PROFILE|HOST    the interactive client, connected at once\n\
        r3270 --demo          the built-in demo host in this process, and a tab on it\n\
        r3270 COMMAND ...     one of the commands below (scripts, traces, configuration)\n\
        r3270 script [OPTS] [HOST]  s3270's script protocol on stdin/stdout (also when run \
        as `s3270`); `r3270 script -help` lists its s3270-style options\n\n\
        In the client, Ctrl-] opens the command palette (any action by name, e.g. \
        `connect HOST`), Alt-H shows the keys, Ctrl-Q quits. `r3270 keys` prints the \
        effective keymap; docs/KEYS.md explains it."
)]
struct Cli {
    /// A profile from the configuration or a host, `[L:][N:][LU@]host[:port]` (L: TLS from
    /// the first byte, N: no TN3270E); the interactive client opens a tab on it.
    #[arg(value_name = "TARGET")]
    target: Option<String>,
    /// Start the built-in demo host in this process (on a free port) and connect to it.
    /// When stdout is not a terminal, print its sign-on screen instead.
    #[arg(long)]
    demo: bool,
    /// Log level or filter for the log file (EnvFilter syntax, e.g. `debug` or
    /// `info,r3270::proto=trace`); overrides R3270_LOG. Logs never go to the terminal.
    #[arg(long, global = true, value_name = "LEVEL")]
    log_level: Option<String>,
    /// The configuration file to read instead of R3270_CONFIG or the default
    /// (`r3270 paths` shows where that is).
    #[arg(long = "config", global = true, value_name = "FILE")]
    config_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Print where r3270 keeps its files (the audit log's too), where each location came
    /// from, and whether it exists.
    Paths,
    /// Verify, show or export the audit log (docs/AUDIT.md).
    Audit {
        #[command(subcommand)]
        action: r3270::audit::cli::AuditCommand,
    },
    /// Create, show or check the configuration file (docs/CONFIG.md describes every key).
    Config {
        #[command(subcommand)]
        action: ConfigCommand,
    },
    /// Print the effective keymap: the built-in defaults with your file's bindings.
    Keys {
        /// Only this layer: screen, global, monitor, audit or prompt.
        #[arg(long, value_parser = parse_layer)]
        layer: Option<Layer>,
    },
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
    /// Connect to a profile or host, apply keys, print the final screen (like s3270's
    /// Ascii()).
    ///
    /// Waits until the host has drawn a screen and unlocked the keyboard (or --timeout),
    /// applies the KEYs in order, and prints the screen one row per line.
    Screen(Box<r3270::headless::Args>),
    /// Keyboard macros (docs/USER_GUIDE.md, "Macros"; the language is in docs/CONFIG.md).
    Macro {
        #[command(subcommand)]
        action: MacroCommand,
    },
    /// Run sessions with no terminal and serve the HTTP API (s3270-compatible paths, REST,
    /// /metrics) on 127.0.0.1 until SIGINT or SIGTERM (docs/API.md, docs/OPERATIONS.md).
    ///
    /// Every request needs the token in the token file (created on first start):
    /// `Authorization: Bearer TOKEN` or the cookie `x3270-security=TOKEN`.
    Serve(Box<r3270::serve::Args>),
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

#[derive(Subcommand)]
enum MacroCommand {
    /// Connect, play macro NAME with its waits, then any KEYs, and print the final screen
    /// (as `r3270 screen HOST macro:NAME KEY...`). Its prompts' values: --set NAME=VALUE
    /// (never for a secret), the environment (R3270_PROMPT_NAME) or standard input.
    Run(Box<MacroRun>),
}

#[derive(clap::Args)]
struct MacroRun {
    /// The macro's name (`[macros]` in the config, or DATA/macros/NAME.toml).
    name: String,
    #[command(flatten)]
    screen: r3270::headless::Args,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Write a commented starter config file (never overwrites one that exists).
    Init,
    /// Print the effective configuration (defaults merged with your file) as TOML.
    Show,
    /// Check a config file (default: the one r3270 reads) and print every error as
    /// FILE:LINE:COL: KEY: message. Exits 1 when there are errors.
    Check {
        /// The file to check.
        file: Option<PathBuf>,
    },
}

fn parse_layer(s: &str) -> Result<Layer, String> {
    Layer::ALL
        .into_iter()
        .find(|l| l.name() == s)
        .ok_or_else(|| {
            format!("`{s}` is not a layer: use screen, global, monitor, audit or prompt")
        })
}

/// Loads the configuration, or prints every error and gives the exit status 1.
fn load_config(file: Option<&PathBuf>) -> Result<Config, ExitCode> {
    config::load(&LoadOptions {
        file: file.cloned(),
    })
    .map_err(|errors| {
        eprintln!("{errors}");
        let n = errors.len();
        eprintln!(
            "r3270: {n} error{} in the configuration",
            if n == 1 { "" } else { "s" }
        );
        ExitCode::from(1)
    })
}

fn main() -> ExitCode {
    // s3270's command line is single-dash words that clap does not take: `r3270 script`
    // and r3270 started under the name `s3270` hand theirs to the script mode as is.
    let argv: Vec<String> = std::env::args().collect();
    let invoked_as = argv
        .first()
        .and_then(|a| std::path::Path::new(a).file_stem())
        .and_then(|s| s.to_str())
        .unwrap_or("");
    if invoked_as == "s3270" {
        return r3270::script_mode::main(&argv[1..]);
    }
    if argv.get(1).map(String::as_str) == Some("script") {
        return r3270::script_mode::main(&argv[2..]);
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("r3270: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Start file logging for the commands that talk to a network; a failure is one warning on
/// stderr and the command goes on without logs. The guard must live until exit.
fn start_logging(
    override_level: Option<&str>,
    settings: &r3270::logging::LoggingSettings,
    dir: &std::path::Path,
) -> Option<r3270::logging::LogGuard> {
    match r3270::logging::init(settings, dir, override_level) {
        Ok(guard) => Some(guard),
        Err(e) => {
            eprintln!("r3270: warning: no log file: {e}");
            None
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Commands that read the configuration fail on a bad one before doing anything else,
    // with every error printed.
    let needs_config = matches!(
        &cli.command,
        Some(
            Command::Screen(_)
                | Command::Serve(_)
                | Command::Macro { .. }
                | Command::Paths
                | Command::Audit { .. }
                | Command::Keys { .. }
                | Command::Config {
                    action: ConfigCommand::Show
                }
        )
    );
    let cfg = if needs_config {
        match load_config(cli.config_file.as_ref()) {
            Ok(c) => Some(c),
            Err(code) => return Ok(code),
        }
    } else {
        None
    };
    let _log = match &cli.command {
        Some(
            Command::Screen(_)
            | Command::Serve(_)
            | Command::Macro { .. }
            | Command::ServeDemo { .. },
        ) => {
            let (settings, dir) = match &cfg {
                Some(c) => (c.logging.clone(), c.paths.log_dir.clone()),
                None => (
                    r3270::logging::LoggingSettings::default(),
                    r3270::logging::default_dir(),
                ),
            };
            start_logging(cli.log_level.as_deref(), &settings, &dir)
        }
        _ => None,
    };
    let Some(command) = cli.command else {
        return interactive(
            cli.target.as_deref(),
            cli.demo,
            cli.config_file.as_ref(),
            cli.log_level,
        );
    };
    match command {
        Command::Screen(args) => {
            let config = cfg.unwrap_or_else(Config::builtin);
            Ok(r3270::headless::main(&args, &config))
        }
        Command::Macro {
            action: MacroCommand::Run(run),
        } => {
            let config = cfg.unwrap_or_else(Config::builtin);
            let MacroRun { name, mut screen } = *run;
            screen.keys.insert(0, r3270::headless::Step::Macro(name));
            Ok(r3270::headless::main(&screen, &config))
        }
        Command::Serve(args) => {
            let config = cfg.unwrap_or_else(Config::builtin);
            Ok(r3270::serve::main(&args, config))
        }
        Command::Paths => {
            if let Some(c) = &cfg {
                print!("{}", config::show::paths_text(c));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { action } => {
            let config = cfg.unwrap_or_else(Config::builtin);
            Ok(ExitCode::from(r3270::audit::cli::run(&action, &config)))
        }
        Command::Keys { layer } => {
            if let Some(c) = &cfg {
                print!("{}", config::show::keys_text(c, layer));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Config { action } => Ok(config_command(
            &action,
            cli.config_file.as_ref(),
            cfg.as_ref(),
        )),
        Command::ServeDemo {
            port,
            no_tn3270e,
            tls_cert,
            tls_key,
            starttls,
        } => serve_demo_command(port, no_tn3270e, tls_cert, tls_key, starttls),
        Command::Replay {
            file,
            model,
            strict,
            verbose,
        } => Ok(replay_command(&file, model, strict, verbose)),
    }
}

/// `r3270 serve-demo`.
fn serve_demo_command(
    port: u16,
    no_tn3270e: bool,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    starttls: bool,
) -> anyhow::Result<ExitCode> {
    let tls = match (tls_cert, tls_key) {
        (Some(cert), Some(key)) => Some(
            TlsIdentity::from_files(&cert, &key)
                .with_context(|| format!("cannot read {} or {}", cert.display(), key.display()))?,
        ),
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

/// `r3270 replay`: the final screen on stdout; exit 1 on a strict mismatch, 2 on a file
/// that is not a trace.
fn replay_command(
    file: &std::path::Path,
    model: Option<Model>,
    strict: bool,
    verbose: bool,
) -> ExitCode {
    // One line naming the file: a read error names it itself (a context on top
    // would print the OS error twice), a parse error names the line.
    let read = Trace::from_path(file).and_then(|t| t.require_host_data().map(|()| t));
    let trace = match read {
        Ok(t) => t,
        Err(e @ r3270::trace::TraceError::Io { .. }) => {
            eprintln!("r3270: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("r3270: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
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
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// `r3270 config init|show|check`.
fn config_command(
    action: &ConfigCommand,
    file: Option<&PathBuf>,
    cfg: Option<&Config>,
) -> ExitCode {
    match action {
        ConfigCommand::Show => {
            if let Some(c) = cfg {
                print!("{}", config::show::config_toml(c));
            }
            ExitCode::SUCCESS
        }
        ConfigCommand::Init => {
            let (path, _) = config::paths::config_file(file.map(PathBuf::as_path));
            match config::show::init_file(&path) {
                Ok(()) => {
                    println!("wrote {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("r3270: {e}");
                    ExitCode::from(1)
                }
            }
        }
        ConfigCommand::Check { file: target } => {
            let (path, origin) = match target {
                Some(t) => (t.clone(), config::Origin::Flag),
                None => config::paths::config_file(file.map(PathBuf::as_path)),
            };
            let result = if origin == config::Origin::Default && !path.exists() {
                println!(
                    "{}: no such file; the built-in defaults apply",
                    path.display()
                );
                return ExitCode::SUCCESS;
            } else {
                config::check_file(&path)
            };
            match result {
                Ok(_) => {
                    println!("{}: ok", path.display());
                    ExitCode::SUCCESS
                }
                Err(errors) => {
                    eprintln!("{errors}");
                    let n = errors.len();
                    eprintln!(
                        "r3270: {n} error{} in the configuration",
                        if n == 1 { "" } else { "s" }
                    );
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// `r3270 [TARGET]` and `r3270 --demo`: the configuration and the target are checked before
/// the terminal is touched (every config error printed, exit status 1).
fn interactive(
    target: Option<&str>,
    demo: bool,
    config_file: Option<&PathBuf>,
    log_level: Option<String>,
) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    let config = match load_config(config_file) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    if demo && target.is_none() && !std::io::stdout().is_terminal() {
        // Pipes and scripts get the sign-on screen as text, as before the TUI existed.
        return demo_in_process(&config);
    }
    let open = match target.map(|t| config.resolve_target(t)) {
        Some(Err(e)) => {
            eprintln!("r3270: {e}");
            return Ok(ExitCode::from(1));
        }
        Some(Ok(profile)) => Some(profile),
        None => None,
    };
    let (watch, _) = config::paths::config_file(config_file.map(PathBuf::as_path));
    let reload_file = config_file.cloned();
    let reload: r3270::tui::Reload = Box::new(move || {
        config::load(&LoadOptions {
            file: reload_file.clone(),
        })
        .map_err(|errors| errors.to_string().lines().map(str::to_owned).collect())
    });
    r3270::tui::launch(r3270::tui::Launch {
        config,
        log_level,
        open,
        demo,
        reload,
        watch: Some(watch),
    })
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

/// `r3270 --demo`: the demo host in this process, and r3270's headless client connected to
/// it, printing the sign-on screen. Until the interactive TUI lands, `r3270 serve-demo` and
/// `r3270 screen` drive the demo key by key (the hint printed says how).
fn demo_in_process(config: &Config) -> anyhow::Result<ExitCode> {
    #[derive(Parser)]
    struct ScreenOnly {
        #[command(flatten)]
        args: r3270::headless::Args,
    }
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let (addr, server) = r3270::demo::start(ServerOptions::default())
            .await
            .context("cannot start the demo host")?;
        let screen = ScreenOnly::try_parse_from(["r3270", &addr.to_string()])
            .context("cannot build the client's arguments")?;
        let code = r3270::headless::run(&screen.args, config).await;
        server.shutdown().await;
        eprintln!(
            "This was r3270's built-in demo host (sign on as DEMO / DEMO). To drive it key by \
             key:\n  r3270 serve-demo --port 3270 &\n  r3270 screen 127.0.0.1:3270 =DEMO Tab =DEMO Enter"
        );
        Ok(ExitCode::from(code))
    })
}
