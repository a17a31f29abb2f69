//! The session monitor in a real terminal (tmux), against mainframe-mocker through a TCP
//! relay in the test that counts every byte each way and holds every host reply for a
//! known time: the monitor's bytes must equal the relay's counts exactly, its AID count the
//! keys sent, and every response time it shows must be at least the injected delay.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::relay::Relay;
use common::tmux::Tmux;

/// Far above a normal run; only catches a hang.
const DEADLINE: Duration = Duration::from_secs(30);
/// What the relay holds each host reply for.
const DELAY: Duration = Duration::from_millis(250);

fn start(name: &str, cols: u16, rows: u16, args: &[&str]) -> Option<Tmux> {
    let t = Tmux::start(
        name,
        cols,
        rows,
        Path::new(env!("CARGO_BIN_EXE_r3270")),
        args,
    );
    if t.is_none() {
        common::skip("tmux");
    }
    t
}

/// The status line (OIA): the last line of the pane that is not blank.
fn oia(screen: &str) -> &str {
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
}

fn locked(screen: &str) -> bool {
    let line = oia(screen);
    line.starts_with("X ") || line.contains(" X ")
}

fn wait_ready(t: &Tmux, text: &str) -> String {
    t.wait_until(
        DEADLINE,
        &format!("`{text}` and an unlocked keyboard"),
        |s| s.contains(text) && !locked(s),
    )
}

/// The number after `label` on the line that holds it (`in 1234`), if any.
fn figure_after(screen: &str, label: &str) -> Option<f64> {
    let at = screen.find(label)? + label.len();
    let rest = screen[at..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

#[test]
fn the_monitor_agrees_with_a_counting_relay_that_delays_every_reply() {
    let Some((_mfmock, port)) = common::start_mfmock(&[]) else {
        return;
    };
    let relay = Relay::start(port, DELAY);
    let target = format!("127.0.0.1:{}", relay.port);
    let Some(t) = start("monitor-relay", 120, 40, &[&target]) else {
        return;
    };
    // Three AIDs: sign on (Enter), the greeting form (Enter), back (PF3).
    wait_ready(&t, "M F M O C K   D E M O   H O S T");
    t.text("DEMO");
    t.keys(&["Tab"]);
    t.text("DEMO");
    t.keys(&["Enter"]);
    wait_ready(&t, "SELECTION ===>");
    t.text("1");
    t.keys(&["Enter"]);
    wait_ready(&t, "YOUR NAME");
    t.keys(&["F3"]);
    wait_ready(&t, "SELECTION ===>");

    // The table: one session, connected, three AIDs.
    t.keys(&["M-m"]);
    let table = t.wait_until(DEADLINE, "the monitor's table", |s| {
        s.contains("Session monitor: 1 sessions") && s.contains("connected-tn3270e")
    });
    let row = table
        .lines()
        .find(|l| l.contains(&target))
        .unwrap_or_else(|| panic!("no row for {target}:\n{table}"));
    assert!(row.contains("connected-tn3270e"), "{row}");
    assert!(row.contains(" DEMO"), "the LU: {row}");
    assert!(row.contains(" none "), "no TLS: {row}");

    // The detail: the bytes equal the relay's, exactly (the monitor redraws twice a
    // second; the relay's counts are read again on every look).
    t.keys(&["d"]);
    let detail = t.wait_until(
        DEADLINE,
        "the detail's bytes equal the relay's counts",
        |s| {
            // The whole frame drawn (its last line too), not a capture in the middle.
            s.contains(&format!(
                "bytes      in {}   out {}",
                relay.down(),
                relay.up()
            )) && s.contains("buckets")
                && s.contains("Esc or d: back to the table")
        },
    );
    assert!(relay.down() > 0 && relay.up() > 0);
    assert!(
        detail.contains("AIDs       3: enter 2, pf3 1"),
        "the AIDs sent:\n{detail}"
    );
    assert!(detail.contains("response   count 3"), "{detail}");
    assert!(
        detail.contains("last 3 responses, oldest first"),
        "{detail}"
    );
    // Every response took at least the relay's delay (times are shown rounded down).
    let delay_ms = DELAY.as_secs_f64() * 1000.0;
    let min = figure_after(&detail, "oldest first: min").unwrap_or_else(|| panic!("{detail}"));
    let last = figure_after(&detail, "last ").unwrap_or_else(|| panic!("{detail}"));
    assert!(min >= delay_ms, "min {min} ms < {delay_ms} ms:\n{detail}");
    assert!(
        last >= delay_ms,
        "last {last} ms < {delay_ms} ms:\n{detail}"
    );
    assert!(detail.contains("TLS        none"), "{detail}");
    assert!(detail.contains("connections 1, reconnects 0"), "{detail}");
    assert_eq!(relay.connections(), 1);

    // Esc back to the table, Esc again to the screen, which is as it was.
    t.keys(&["Escape"]);
    t.wait_until(DEADLINE, "the table again", |s| {
        s.contains("d: detail  e: endpoints")
    });
    t.keys(&["Escape"]);
    wait_ready(&t, "SELECTION ===>");
}

#[test]
fn the_monitor_fits_the_classic_80x24_window() {
    let Some((_mfmock, port)) = common::start_mfmock(&[]) else {
        return;
    };
    let target = format!("127.0.0.1:{port}");
    let Some(t) = start("monitor-80x24", 80, 24, &[&target]) else {
        return;
    };
    wait_ready(&t, "M F M O C K   D E M O   H O S T");
    t.keys(&["M-m"]);
    // Waits are for the frame's last line too: a capture can fall in the middle of a draw.
    let s = t.wait_until(DEADLINE, "the monitor", |s| {
        s.contains("Session monitor") && s.contains("d: detail  e: endpoints")
    });
    assert!(
        s.contains("SESSION") && s.contains("STATE") && s.contains("LAST"),
        "{s}"
    );
    assert!(s.contains("connected-tn3270e"), "{s}");
    assert!(s.contains("d: detail  e: endpoints"), "{s}");
    t.keys(&["d"]);
    let s = t.wait_until(DEADLINE, "the detail", |s| {
        s.contains("bytes      in ") && s.contains("Esc or d: back to the table")
    });
    assert!(s.contains("buckets"), "the bucket counts fit too:\n{s}");
    // One Esc at a time: two in one burst read as Alt-Esc.
    t.keys(&["Escape"]);
    t.wait_until(DEADLINE, "the table again", |s| {
        s.contains("d: detail  e: endpoints")
    });
    t.keys(&["Escape"]);
    wait_ready(&t, "M F M O C K   D E M O   H O S T");
}

/// Run one action by name through the command palette.
fn palette(t: &Tmux, action: &str) {
    t.keys(&["C-]"]);
    t.wait_for("Command (Enter runs", DEADLINE);
    t.text(action);
    t.keys(&["Enter"]);
}

/// Poll `f` until it holds; only a hang fails on time.
fn eventually(what: &str, f: impl Fn() -> bool) {
    let end = std::time::Instant::now() + DEADLINE;
    while !f() {
        assert!(std::time::Instant::now() < end, "waited for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn pause_resume_and_migrate_counted_by_relays_in_front_of_two_hosts() {
    let Some((_a, port_a)) = common::start_mfmock(&[]) else {
        return;
    };
    let Some((_b, port_b)) = common::start_mfmock(&[]) else {
        return;
    };
    let a = Relay::start(port_a, Duration::ZERO);
    // B answers slowly, so the move takes a while: long enough to see both connections.
    let b = Relay::start(port_b, Duration::from_millis(300));
    let dir = common::temp_dir("r3270-monitor-lifecycle");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profile.prod]\nhost = \"127.0.0.1\"\nport = {}\nalternates = [\"127.0.0.1:{}\"]\n\
             reconnect = {{ enabled = true, delay = 1 }}\nlogon-macro = \"signon\"\n\n\
             [macros]\nsignon = [\"type DEMO\", \"tab\", \"type DEMO\", \"enter\"]\n",
            a.port, b.port
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let Some(t) = start("monitor-lifecycle", 120, 40, &["--config", &config, "prod"]) else {
        return;
    };
    // The logon macro signs on.
    wait_ready(&t, "SELECTION ===>");
    assert_eq!((a.connections(), a.ended()), (1, 0));

    // Paused: the connection is closed, the screen stays, the monitor says paused.
    palette(&t, "pause-session");
    eventually("A's connection to end", || a.ended() == 1);
    let s = t.wait_until(DEADLINE, "the paused screen", |s| s.contains("paused"));
    assert!(s.contains("SELECTION ===>"), "the last screen stays:\n{s}");
    t.keys(&["M-m"]);
    let s = t.wait_until(DEADLINE, "the monitor", |s| {
        s.contains("Session monitor") && s.contains("d: detail  e: endpoints")
    });
    let row = s
        .lines()
        .find(|l| l.contains("prod"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(row.contains("paused"), "{row}");
    t.keys(&["Escape"]);
    // The profile reconnects after a second by itself, but not a paused tab: three times
    // that long, no new connection.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(a.connections(), 1, "a paused tab reconnected");

    // Resumed: a new connection to A, and the logon macro signs on again.
    palette(&t, "resume-session");
    eventually("a second connection to A", || a.connections() == 2);
    t.wait_until(DEADLINE, "signed on again", |s| {
        s.contains("SELECTION ===>") && !s.contains("paused") && !locked(s)
    });

    // Migrated to the profile's next endpoint (B): while B has not drawn, A's connection
    // stays open; once it has, A's closes and the macro signs on at B.
    palette(&t, "migrate-session");
    eventually("a connection to B", || b.connections() == 1);
    assert_eq!(a.ended(), 1, "A closed before B drew its first screen");
    let s = t.wait_until(DEADLINE, "the move's message", |s| s.contains("moved from"));
    assert!(
        s.contains(&format!(
            "moved from 127.0.0.1:{} to 127.0.0.1:{}",
            a.port, b.port
        )),
        "{s}"
    );
    assert!(s.contains("state did not move"), "{s}");
    eventually("A's second connection to end", || a.ended() == 2);
    wait_ready(&t, "SELECTION ===>");
    // The monitor shows the tab on B.
    t.keys(&["M-m"]);
    let s = t.wait_until(DEADLINE, "the monitor on B", |s| {
        s.contains(&format!("127.0.0.1:{}", b.port)) && s.contains("connected-tn3270e")
    });
    assert!(s.contains("Session monitor: 1 sessions"), "{s}");
    assert_eq!((a.connections(), b.connections(), b.ended()), (2, 1, 0));
}

/// How many connections a mainframe-mocker accepted, from its own log.
fn host_connections(host: &common::Guard) -> usize {
    std::fs::read_to_string(&host.log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(" event=connect "))
        .count()
}

/// Six tabs on a profile with three mainframe-mocker endpoints under `balance`: each host's
/// own log must show two connections.
fn six_tabs_over_three_hosts(balance: &str) {
    let mut hosts = Vec::new();
    for _ in 0..3 {
        let Some(h) = common::start_mfmock(&[]) else {
            return;
        };
        hosts.push(h);
    }
    let dir = common::temp_dir("r3270-monitor-balance");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profile.prod]\nhost = \"127.0.0.1\"\nport = {}\n\
             alternates = [\"127.0.0.1:{}\", \"127.0.0.1:{}\"]\nbalance = \"{balance}\"\n",
            hosts[0].1, hosts[1].1, hosts[2].1
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let name = format!("monitor-balance-{balance}");
    let Some(t) = start(&name, 120, 40, &["--config", &config, "prod"]) else {
        return;
    };
    wait_ready(&t, "M F M O C K   D E M O   H O S T");
    for n in 2..=6 {
        palette(&t, "connect prod");
        let tab = format!("prod ({n})");
        t.wait_until(DEADLINE, &format!("tab {tab} signed on"), |s| {
            s.lines().next().unwrap_or("").contains(&tab)
                && s.contains("M F M O C K   D E M O   H O S T")
                && !locked(s)
        });
    }
    eventually("six connections in the hosts' logs", || {
        hosts
            .iter()
            .map(|(h, _)| host_connections(h))
            .sum::<usize>()
            == 6
    });
    let counts: Vec<usize> = hosts.iter().map(|(h, _)| host_connections(h)).collect();
    assert_eq!(counts, [2, 2, 2], "connections per host under {balance}");
    // The monitor lists six sessions, two on each endpoint.
    t.keys(&["M-m"]);
    let s = t.wait_until(DEADLINE, "the monitor", |s| {
        s.contains("Session monitor: 6 sessions") && s.contains("d: detail  e: endpoints")
    });
    for (_, port) in &hosts {
        let on = s.matches(&format!("127.0.0.1:{port}")).count();
        assert_eq!(on, 2, "rows on {port}:\n{s}");
    }
}

#[test]
fn round_robin_puts_two_of_six_tabs_on_each_of_three_hosts() {
    six_tabs_over_three_hosts("round-robin");
}

#[test]
fn least_sessions_puts_two_of_six_tabs_on_each_of_three_hosts() {
    six_tabs_over_three_hosts("least-sessions");
}

/// The host screen as the TUI drew it in an 80x26 window: rows 1..=24 (row 0 is the tab
/// bar, row 25 the OIA), trailing blanks trimmed.
fn drawn_screen(pane: &str) -> Vec<String> {
    pane.lines()
        .skip(1)
        .take(24)
        .map(|l| l.trim_end().to_owned())
        .collect()
}

#[test]
fn a_killed_host_fails_over_to_the_next_endpoint_and_the_logon_replays() {
    let Some((a, port_a)) = common::start_mfmock(&[]) else {
        return;
    };
    let Some((b, port_b)) = common::start_mfmock(&[]) else {
        return;
    };
    let dir = common::temp_dir("r3270-monitor-failover");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profile.prod]\nhost = \"127.0.0.1\"\nport = {port_a}\n\
             alternates = [\"127.0.0.1:{port_b}\"]\nmodel = \"3279-2\"\n\
             reconnect = {{ enabled = true, delay = 2 }}\nlogon-macro = \"signon\"\n\n\
             [macros]\nsignon = [\"type DEMO\", \"tab\", \"type DEMO\", \"enter\"]\n"
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let Some(t) = start("monitor-failover", 80, 26, &["--config", &config, "prod"]) else {
        return;
    };
    wait_ready(&t, "SELECTION ===>");
    assert_eq!((host_connections(&a), host_connections(&b)), (1, 0));
    t.keys(&["M-m"]);
    t.wait_until(DEADLINE, "the monitor", |s| s.contains("connected-tn3270e"));

    // The host under the tab dies: the monitor shows the countdown, then the tab on B.
    drop(a);
    let s = t.wait_until(DEADLINE, "the reconnect countdown", |s| {
        s.contains("reconnecting in")
    });
    assert!(s.contains("need attention"), "{s}");
    let on_b = format!("127.0.0.1:{port_b}");
    t.wait_until(DEADLINE, "the session on B", |s| {
        s.contains(&on_b) && s.contains("connected-tn3270e")
    });
    t.keys(&["d"]);
    let s = t.wait_until(DEADLINE, "the failover in the detail", |s| {
        s.contains("failover ")
    });
    let what = format!("failed over from 127.0.0.1:{port_a} to {on_b}");
    assert!(s.contains(&what), "{s}");
    assert_eq!(host_connections(&b), 1);
    t.keys(&["Escape"]);
    t.wait_until(DEADLINE, "the table", |s| {
        s.contains("d: detail  e: endpoints")
    });
    t.keys(&["Escape"]);

    // The logon macro signed on again at B; the screen is what s3270 sees there after the
    // same sign-on.
    wait_ready(&t, "SELECTION ===>");
    let Some(mut s3270) = common::S3270::start(&["-model", "3279-2"]) else {
        return;
    };
    s3270.run(&format!("Connect({on_b})")).unwrap();
    s3270.run("Wait(15,Unlock)").unwrap();
    for action in ["String(\"DEMO\")", "Tab()", "String(\"DEMO\")"] {
        s3270.run(action).unwrap();
    }
    s3270.aid("Enter()");
    let want: Vec<String> = common::mask_clock(&s3270.screen())
        .iter()
        .map(|l| l.trim_end().to_owned())
        .collect();
    let pane = t.wait_until(DEADLINE, "the TUI's screen equal to s3270's", |p| {
        common::mask_clock(&drawn_screen(p)) == want
    });
    assert!(pane.contains(&what), "the tab says what happened:\n{pane}");
    let _ = s3270.run("Disconnect()");
}

/// mainframe-mocker on a given port (to bring an endpoint back where it was).
fn mfmock_on(port: u16) -> Option<common::Guard> {
    let prog = common::find_program("mfmock")?;
    let log = common::temp_dir("r3270-mfmock-again").join(format!("mfmock-{port}.log"));
    let child = std::process::Command::new(prog)
        .args(["demo", "--host", "127.0.0.1", "--port", &port.to_string()])
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(log.with_extension("err")).unwrap())
        .spawn()
        .unwrap();
    let guard = common::Guard {
        child,
        log: log.clone(),
    };
    let ready = format!("event=listening host=127.0.0.1 port={port}");
    eventually("mfmock listening again", || {
        [&log, &log.with_extension("err")]
            .iter()
            .any(|l| std::fs::read_to_string(l).is_ok_and(|s| s.contains(&ready)))
    });
    Some(guard)
}

/// Lines of a mainframe-mocker log (stdout and stderr) with `needle`.
fn log_lines(host: &common::Guard, needle: &str) -> usize {
    [host.log.clone(), host.log.with_extension("err")]
        .iter()
        .map(|l| {
            std::fs::read_to_string(l)
                .unwrap_or_default()
                .lines()
                .filter(|line| line.contains(needle))
                .count()
        })
        .sum()
}

#[test]
fn health_probes_mark_a_stopped_endpoint_down_new_tabs_avoid_it_and_no_probe_takes_an_lu() {
    let Some((a, port_a)) = common::start_mfmock(&[]) else {
        return;
    };
    let Some((b, port_b)) = common::start_mfmock(&[]) else {
        return;
    };
    let dir = common::temp_dir("r3270-monitor-health");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profile.prod]\nhost = \"127.0.0.1\"\nport = {port_a}\n\
             alternates = [\"127.0.0.1:{port_b}\"]\n\
             health-check = {{ interval = 1, timeout = 0.5 }}\n"
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let Some(t) = start("monitor-health", 120, 40, &["--config", &config, "prod"]) else {
        return;
    };
    wait_ready(&t, "M F M O C K   D E M O   H O S T");
    t.keys(&["M-m"]);
    t.wait_until(DEADLINE, "the monitor", |s| s.contains("Session monitor"));
    t.keys(&["e"]);
    let ea = format!("127.0.0.1:{port_a}");
    let eb = format!("127.0.0.1:{port_b}");
    let row = |s: &str, e: &str| -> String {
        s.lines()
            .find(|l| l.contains(e))
            .unwrap_or_default()
            .to_owned()
    };
    let s = t.wait_until(DEADLINE, "both endpoints up", |s| {
        row(s, &ea).contains(" up ") && row(s, &eb).contains(" up ")
    });
    assert!(s.contains("2 endpoints, 0 down"), "{s}");
    // Probes reached A (its log counts their connections) but none took an LU: the only
    // negotiated session there is the tab's.
    eventually("a probe of A in A's log", || {
        log_lines(&a, " event=connect ") >= 2
    });
    assert_eq!(log_lines(&a, " event=negotiated "), 1, "a probe negotiated");

    // A stops: the table says down (within an interval and a timeout; only a hang fails).
    let a_connects = log_lines(&a, " event=connect ");
    let a_negotiated = log_lines(&a, " event=negotiated ");
    drop(a);
    let s = t.wait_until(DEADLINE, "A down", |s| row(s, &ea).contains(" down "));
    assert!(row(&s, &ea).contains("down for"), "{s}");
    assert!(row(&s, &eb).contains(" up "), "{s}");
    assert!(s.contains("2 endpoints, 1 down"), "{s}");
    assert!(
        a_connects >= 2 && a_negotiated == 1,
        "{a_connects} {a_negotiated}"
    );

    // A new tab avoids A (balance "first" would take the profile's host).
    let b_before = log_lines(&b, " event=negotiated ");
    t.keys(&["Escape"]);
    t.wait_until(DEADLINE, "the sessions table", |s| {
        s.contains("d: detail  e: endpoints")
    });
    t.keys(&["Escape"]);
    t.wait_until(DEADLINE, "the screen", |s| !s.contains("Session monitor"));
    palette(&t, "connect prod");
    t.wait_until(DEADLINE, "the second tab on B", |s| {
        s.lines().next().unwrap_or("").contains("prod (2)")
            && s.contains("M F M O C K   D E M O   H O S T")
    });
    eventually("the new tab negotiated at B", || {
        log_lines(&b, " event=negotiated ") == b_before + 1
    });
    t.keys(&["M-m"]);
    t.wait_until(DEADLINE, "the monitor", |s| s.contains("2 sessions"));
    // Sorted by name, reversed: the second tab is the first row.
    t.keys(&["r"]);
    t.wait_until(DEADLINE, "reversed", |s| s.contains("SESSIONv"));
    t.keys(&["d"]);
    let s = t.wait_until(DEADLINE, "the second tab's detail", |s| {
        s.contains("balance first")
    });
    assert!(s.contains(&format!("(down: {ea})")), "{s}");
    t.keys(&["Escape"]);

    // A comes back on its port: up again.
    let Some(again) = mfmock_on(port_a) else {
        return;
    };
    t.keys(&["e"]);
    t.wait_until(DEADLINE, "A up again", |s| row(s, &ea).contains(" up "));
    eventually("a probe of the new A", || {
        log_lines(&again, " event=connect ") >= 1
    });
    assert_eq!(
        log_lines(&again, " event=negotiated "),
        0,
        "a probe negotiated"
    );
    // B's log: its probes never negotiated either; only the second tab did.
    assert_eq!(log_lines(&b, " event=negotiated "), b_before + 1);
    assert!(log_lines(&b, " event=connect ") > b_before + 1);
}

#[test]
fn tabs_left_open_by_kill_9_are_offered_at_the_next_start() {
    let Some((_host, port)) = common::start_mfmock(&[]) else {
        return;
    };
    let dir = common::temp_dir("r3270-monitor-restore");
    let data = dir.join("data");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[paths]\ndata-dir = \"{}\"\n\n[profile.prod]\nhost = \"127.0.0.1\"\nport = {port}\n",
            data.display()
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let tabs_file = data.join("open-tabs");
    let Some(t) = start("monitor-restore-1", 120, 40, &["--config", &config, "prod"]) else {
        return;
    };
    wait_ready(&t, "M F M O C K   D E M O   H O S T");
    palette(&t, "connect prod");
    t.wait_until(DEADLINE, "a second tab", |s| {
        s.lines().next().unwrap_or("").contains("prod (2)")
    });
    palette(&t, "rename-tab second");
    t.wait_until(DEADLINE, "the tab renamed", |s| {
        s.lines().next().unwrap_or("").contains("second")
    });
    eventually("the list of open tabs written", || {
        std::fs::read_to_string(&tabs_file).is_ok_and(|s| s == "prod\tprod\nprod\tsecond\n")
    });
    // kill -9: no chance to clean up.
    let pid = t.format("#{pane_pid}");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    drop(t);
    assert!(tabs_file.exists(), "the list survives the kill");

    // The next start offers both tabs, in order, with their names.
    let Some(t) = start("monitor-restore-2", 120, 40, &["--config", &config]) else {
        return;
    };
    t.wait_for(
        "The last run ended with 2 tabs open (prod, second). Open them again?",
        DEADLINE,
    );
    t.keys(&["y"]);
    let s = t.wait_until(DEADLINE, "both tabs back", |s| {
        let bar = s.lines().next().unwrap_or("");
        bar.contains("prod") && bar.contains("second") && s.contains("M F M O C K")
    });
    let bar = s.lines().next().unwrap();
    assert!(bar.find("prod") < bar.find("second"), "{bar}");
    t.keys(&["M-m"]);
    t.wait_until(DEADLINE, "two sessions connected", |s| {
        s.contains("Session monitor: 2 sessions") && s.matches("connected-tn3270e").count() == 2
    });
    t.keys(&["Escape"]);
    // Quitting on purpose leaves nothing to offer.
    t.keys(&["C-q"]);
    t.wait_for("Quit r3270", DEADLINE);
    t.keys(&["y"]);
    eventually("the list removed at quit", || !tabs_file.exists());
}
