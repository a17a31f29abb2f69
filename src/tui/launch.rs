//! Starting the interactive client from the command line: file logging (never the
//! terminal), the tokio runtime, the in-process demo host for `--demo`, then the loop.
//!
//! The caller (src/main.rs) has already loaded the configuration and resolved the target,
//! so a bad config or target is reported before anything here touches the terminal.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::config::{Config, Profile};
use crate::demo::server::ServerOptions;
use crate::runtime::host::HostSpec;
use crate::tui::{Reload, TuiOptions};

/// Everything `r3270 [TARGET]` and `r3270 --demo` start with.
pub struct Launch {
    pub config: Config,
    /// `--log-level`, over `R3270_LOG` and `[logging]`.
    pub log_level: Option<String>,
    /// The resolved TARGET, if one was given.
    pub open: Option<Profile>,
    /// Start the demo host in this process and open a tab on it.
    pub demo: bool,
    pub reload: Reload,
    pub watch: Option<PathBuf>,
}

/// The profile of the in-process demo host.
pub fn demo_profile(addr: SocketAddr) -> Profile {
    let spec = HostSpec {
        host: addr.ip().to_string(),
        port: addr.port(),
        tls: false,
        tn3270e: true,
        lu: None,
    };
    let mut profile = Profile::for_host(&spec);
    "demo".clone_into(&mut profile.name);
    profile
}

/// Run the TUI to the end; the exit status for the process.
pub fn launch(l: Launch) -> anyhow::Result<ExitCode> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the interactive client needs a terminal; for scripts use `r3270 screen HOST KEYS...`"
        );
    }
    // Logs go to a file; a failure to open one is said before the terminal is taken over.
    let _log = match crate::logging::init(
        &l.config.logging,
        &l.config.paths.log_dir,
        l.log_level.as_deref(),
    ) {
        Ok(guard) => Some(guard),
        Err(e) => {
            eprintln!("r3270: warning: no log file: {e}");
            None
        }
    };
    // The audit log opens before the terminal is taken over, so that a log that cannot be
    // written is said plainly (and, with `on-failure = "block"`, stops the client).
    let audit = if l.config.audit.enabled {
        let opts = crate::audit::WriterOptions::from_settings(
            &l.config.audit,
            &l.config.paths.data_dir,
            &l.config.paths.log_dir,
        );
        match crate::audit::SharedWriter::open(opts) {
            Ok(w) => Some(w),
            Err(e) if l.config.audit.on_failure == crate::audit::OnFailure::Block => {
                anyhow::bail!(
                    "cannot open the audit log: {e} (fix it, or set `[audit] on-failure = \"warn\"` \
                     or `enabled = false`)"
                );
            }
            Err(e) => {
                eprintln!("r3270: warning: not recording sessions: {e}");
                None
            }
        }
    } else {
        None
    };
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let mut config = l.config;
    let mut reload = l.reload;
    let result = rt.block_on(async move {
        let mut open: Vec<Profile> = l.open.into_iter().collect();
        let server = if l.demo {
            let (addr, server) = crate::demo::start(ServerOptions::default())
                .await
                .context("cannot start the demo host")?;
            tracing::info!(%addr, "demo host started in-process");
            let profile = demo_profile(addr);
            // The demo host is also a profile for this run, so `connect demo` and the
            // picker open more tabs on it (a configured profile of that name wins).
            add_profile(&mut config, &profile);
            let inner = reload;
            let demo = profile.clone();
            reload = Box::new(move || {
                inner().map(|mut c| {
                    add_profile(&mut c, &demo);
                    c
                })
            });
            open.insert(0, profile);
            Some(server)
        } else {
            None
        };
        // The API listens before the terminal is taken over: a port in use or a bad token
        // file is said plainly.
        let api = crate::tui::api::start(&config, audit.clone())
            .await
            .map_err(anyhow::Error::msg)?;
        let result = crate::tui::run(TuiOptions {
            config,
            open,
            reload,
            watch: l.watch,
            audit: audit.clone(),
            api,
        })
        .await;
        if let Some(w) = &audit {
            if let Err(e) = w.close() {
                tracing::error!(error = %e, "cannot close the audit log");
            }
        }
        if let Some(server) = server {
            server.shutdown().await;
        }
        result
    });
    // An audit viewer's read or verification may still run on the blocking pool: it only
    // reads, so it is not waited for (dropping the runtime would wait).
    rt.shutdown_background();
    result
}

/// Add `profile` unless one of that name is configured.
fn add_profile(config: &mut Config, profile: &Profile) {
    if config.profile(&profile.name).is_none() {
        config.profiles.push(profile.clone());
    }
}
