//! `r3270 script` (r3270 as s3270) against the real s3270, line by line, on the same hosts;
//! and the clients that drive s3270 (py3270, Robot Framework's Mainframe3270, x3270if)
//! running unchanged with r3270 in s3270's place.
//!
//! Every comparison masks only the time field of the status line (and the hosts' own
//! clocks on their screens); everything else — data lines, status lines, ok/error — must
//! be equal.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{find_program, mask_clock, skip, start_demo, start_hercules, start_mfmock};

/// Runs a whole script through a program speaking s3270's protocol and returns what it
/// printed. The script goes in at once and standard input is then closed, as a batch
/// client does; a run past `guard` is killed (by PID) and fails the test.
fn run_script(program: &Path, args: &[&str], script: &[&str], guard: Duration) -> String {
    let mut child = isolated(&mut Command::new(program))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let text: String = script.iter().fold(String::new(), |mut t, l| {
        t.push_str(l);
        t.push('\n');
        t
    });
    stdin.write_all(text.as_bytes()).unwrap();
    drop(stdin);
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).unwrap();
        s
    });
    let deadline = Instant::now() + guard;
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = Command::new("kill")
                .args(["-KILL", &child.id().to_string()])
                .status();
            let _ = child.wait();
            panic!("{} hung on the script", program.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    reader.join().unwrap()
}

/// The output with the status line's time field cut off and on-screen clocks masked.
fn masked(out: &str) -> Vec<String> {
    let lines: Vec<String> = out
        .lines()
        .map(|l| {
            if let Some((head, last)) = l.rsplit_once(' ') {
                let is_time = last.split_once('.').is_some_and(|(a, b)| {
                    !a.is_empty()
                        && a.bytes().all(|c| c.is_ascii_digit())
                        && b.len() == 3
                        && b.bytes().all(|c| c.is_ascii_digit())
                });
                if is_time && head.contains(" 0x") {
                    return head.to_owned();
                }
            }
            mask_hex_clock(l)
        })
        .collect();
    mask_clock(&lines)
}

/// The host's clock as ReadBuffer prints it: `hh:mm` and `dd/mm/yy` as ASCII hex
/// (`31 36 3a 31 38`) or EBCDIC hex (`f1 f6 7a f1 f8`); two runs may straddle a minute.
fn mask_hex_clock(line: &str) -> String {
    use std::sync::LazyLock;
    static CLOCK: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"\b(?:3[0-9] 3[0-9] 3a 3[0-9] 3[0-9]|f[0-9] f[0-9] 7a f[0-9] f[0-9]|3[0-9] 3[0-9] 2f 3[0-9] 3[0-9] 2f 3[0-9] 3[0-9]|f[0-9] f[0-9] 61 f[0-9] f[0-9] 61 f[0-9] f[0-9])\b",
        )
        .unwrap()
    });
    CLOCK.replace_all(line, "<clock>").into_owned()
}

/// Points a command's home, XDG directories and configuration at a fresh temporary home,
/// so that nothing a test runs writes into the real one (the script mode records sessions
/// in r3270's audit log, under the data directory, by default).
fn isolated(cmd: &mut Command) -> &mut Command {
    let home = common::temp_dir(&format!("script-home-{}", common::unique()));
    cmd.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("R3270_CONFIG")
        .env_remove("R3270_LOG")
}

fn r3270_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_r3270"))
}

/// Runs the script through both programs (each on a host of its own from `host`) and
/// asserts equal output, reporting the first difference.
fn differential(name: &str, args: &[&str], script: &[&str], host: &dyn Fn() -> Option<String>) {
    let Some(s3270) = find_program("s3270") else {
        skip("s3270");
        return;
    };
    let Some(target) = host() else { return };
    let with_host =
        |t: &str| -> Vec<String> { script.iter().map(|l| l.replace("HOST", t)).collect() };
    let ours_script = with_host(&target);
    let lines: Vec<&str> = ours_script.iter().map(String::as_str).collect();
    let mut r_args = vec!["script"];
    r_args.extend_from_slice(args);
    let ours = run_script(&r3270_bin(), &r_args, &lines, Duration::from_secs(60));
    let Some(target) = host() else { return };
    let theirs_script = with_host(&target);
    let lines: Vec<&str> = theirs_script.iter().map(String::as_str).collect();
    let theirs = run_script(&s3270, args, &lines, Duration::from_secs(60));
    let (a, b) = (masked(&theirs), masked(&ours));
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(
            x,
            y,
            "{name}: line {} differs (s3270 first, r3270 second)\n--- s3270:\n{theirs}\n--- r3270:\n{ours}",
            i + 1
        );
    }
    assert_eq!(
        a.len(),
        b.len(),
        "{name}: s3270 printed {} lines, r3270 {}\n--- s3270:\n{theirs}\n--- r3270:\n{ours}",
        a.len(),
        b.len()
    );
    // The harness must compare something: the script ran to its end in both.
    assert!(a.len() > script.len(), "{name}: too little output:\n{ours}");
}

/// A sign-on, the menu, the guest book paged, the field showcase with a refused key,
/// waits, queries, ReadBuffer, Snap, `String` escapes and error replies.
const MFMOCK_FLOW: &[&str] = &[
    "Query(ConnectionState)",
    "Wait(1,InputField)",
    "Connect(HOST)",
    "Wait(5,InputField)",
    "Query(ConnectionState)",
    "Query(Cursor)",
    "Query(Cursor1)",
    "Query(Formatted)",
    "Query(ScreenSizeCurrent)",
    "Query(TerminalName)",
    "Query(LuName)",
    "Ascii()",
    "Ascii(0,0,10)",
    "ascii 1 0 20",
    "Ascii(2,70,20)",
    "Ascii(0,0,2,5)",
    "Ascii1(1,2,9)",
    "Ascii(99,0,1)",
    "Ascii(1,2)",
    "String(\"DEMO\")",
    "Tab",
    "String(\"WRONG\")",
    "Enter",
    "Wait(5,Unlock)",
    "Ascii()",
    "EraseEOF",
    "String(\"DEMO\\n\")",
    "Wait(5,Unlock)",
    "Ascii()",
    "ReadBuffer(Ascii)",
    "Snap",
    "Snap(Rows)",
    "Snap(Cols)",
    "Snap(Status)",
    "Snap(Ascii,0,0,20)",
    "Wait(1,Output)",
    "String(\"2\\n\")",
    "Wait(5,Unlock)",
    "Ascii()",
    "PF(8)",
    "Wait(5,Unlock)",
    "Ascii()",
    "PF(7)",
    "Wait(5,Unlock)",
    "PF(3)",
    "Wait(5,Unlock)",
    "String(\"3\")",
    "Enter()",
    "Wait(5,Unlock)",
    "Ascii()",
    "MoveCursor(0,0)",
    "String(\"x\")",
    "Query(Cursor)",
    "Home",
    "String(\"abc\")",
    "BackTab",
    "Tab",
    "Query(Cursor)",
    "MoveCursor1(5,10)",
    "Query(Cursor)",
    "Foo()",
    "Enter(",
    "String(\"abc def\")",
    "String(abc def)",
    "Wait(Bogus)",
    "Wait(0.2,Seconds)",
    "",
    "ignore",
    // (A `# comment` line gets no reply at all from s3270 4.1, which leaves its client
    // waiting; r3270 answers it `ok`. Not compared.)
    "Reset",
    "PF(3)",
    "Wait(5,Unlock)",
    "Disconnect",
    "Ascii(0,0,10)",
    "Query(ConnectionState)",
    "Wait(1,InputField)",
    "Quit",
];

#[test]
fn s3270_and_r3270_print_the_same_against_mainframe_mocker() {
    let guards = std::cell::RefCell::new(Vec::new());
    differential("mfmock", &["-model", "2"], MFMOCK_FLOW, &|| {
        let (g, port) = start_mfmock(&[])?;
        guards.borrow_mut().push(g);
        Some(format!("127.0.0.1:{port}"))
    });
}

#[test]
fn s3270_and_r3270_print_the_same_against_plain_tn3270() {
    let guards = std::cell::RefCell::new(Vec::new());
    differential(
        "mfmock --no-tn3270e",
        &["-model", "3278-2"],
        MFMOCK_FLOW,
        &|| {
            let (g, port) = start_mfmock(&["--no-tn3270e"])?;
            guards.borrow_mut().push(g);
            Some(format!("127.0.0.1:{port}"))
        },
    );
}

#[test]
fn s3270_and_r3270_print_the_same_against_the_demo_host() {
    let script = &[
        "Connect(HOST)",
        "Wait(5,InputField)",
        "Ascii()",
        "Query(Cursor)",
        "String(\"OPER\\tSECRET\\n\")",
        "Wait(5,Unlock)",
        "Ascii()",
        "ReadBuffer(Ascii)",
        "ReadBuffer(Ebcdic)",
        "Ebcdic(0,0,10)",
        "PF(1)",
        "Wait(5,Unlock)",
        "Ascii()",
        "PF(3)",
        "Wait(5,Unlock)",
        "Ascii()",
        "Clear",
        "Wait(5,Unlock)",
        "Ascii()",
        "Quit",
    ];
    let hosts = std::cell::RefCell::new(Vec::new());
    differential("demo host", &["-model", "2"], script, &|| {
        let h = start_demo(&[]);
        let addr = h.addr();
        hosts.borrow_mut().push(h);
        Some(addr)
    });
}

#[test]
fn s3270_and_r3270_print_the_same_against_hercules() {
    let script = &[
        "Connect(HOST)",
        "Wait(10,Output)",
        "Wait(0.5,Seconds)",
        "Query(ConnectionState)",
        "Query(Formatted)",
        "Ascii(0,0,1,80)",
        "Ascii(10,0,5,80)",
        "Wait(1,InputField)",
        "Disconnect",
        "Quit",
    ];
    let guards = std::cell::RefCell::new(Vec::new());
    differential("hercules", &["-model", "2"], script, &|| {
        let (g, port) = start_hercules(1)?;
        guards.borrow_mut().push(g);
        Some(format!("127.0.0.1:{port}"))
    });
}

/// A directory whose `s3270` is r3270, to put first on `PATH`.
fn s3270_link_dir() -> PathBuf {
    let dir = common::temp_dir("s3270-link");
    let link = dir.join("s3270");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(r3270_bin(), &link).unwrap();
    dir
}

fn path_with(dir: &Path) -> String {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin");
    let path = format!(
        "{}:{}:{}",
        dir.display(),
        venv.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The client must start the program this run is about: `s3270` on this PATH answers
    // `-v` as r3270 does when `dir` is the link, as Debian's s3270 otherwise. Without this a
    // mistake in PATH would compare s3270 with itself and pass.
    let out = Command::new("s3270")
        .arg("-v")
        .env("PATH", &path)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let version =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let is_link = dir.join("s3270").is_symlink();
    assert_eq!(
        version.contains("r3270"),
        is_link,
        "s3270 on PATH is not the program meant ({}): {version}",
        dir.display()
    );
    path
}

/// A Python interpreter that has `module`, or a skip.
fn python_with(module: &str) -> Option<PathBuf> {
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/python3");
    let py = if py.is_file() {
        py
    } else {
        PathBuf::from("python3")
    };
    let ok = Command::new(&py)
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Some(py)
    } else {
        skip(&format!("python module {module}"));
        None
    }
}

/// Runs a command with `PATH` set, killed (by PID) past `guard`.
fn run_with_path(cmd: &mut Command, path: &str, guard: Duration) -> (bool, String) {
    let out_path = common::temp_dir("client-out").join(format!("{}.out", common::unique()));
    let file = std::fs::File::create(&out_path).unwrap();
    let mut child = isolated(cmd)
        .env("PATH", path)
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + guard;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = Command::new("kill")
                .args(["-KILL", &child.id().to_string()])
                .status();
            let _ = child.wait();
            panic!(
                "client hung:\n{}",
                std::fs::read_to_string(&out_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        status.success(),
        std::fs::read_to_string(&out_path).unwrap_or_default(),
    )
}

/// py3270 unchanged: sign on to mainframe-mocker, pick the guest book, page, read fields.
const PY3270_FLOW: &str = r#"
import re, sys
from py3270 import Emulator
host = sys.argv[1]
em = Emulator(visible=False, timeout=20)
em.connect(host)
em.wait_for_field()
print("signon:", em.string_get(1, 2, 6))
em.send_string("DEMO")
em.exec_command(b"Tab")
em.send_string("DEMO")
em.send_enter()
em.wait_for_field()
print("menu:", em.string_found(1, 36, "MAIN MENU"), em.string_get(1, 36, 9))
em.send_string("2")
em.send_enter()
em.wait_for_field()
# The host's clock is masked: the two runs may straddle a minute.
print("book:", [re.sub(r"\d\d/\d\d/\d\d \d\d:\d\d", "dd/mm/yy hh:mm", em.string_get(r, 1, 80))
                for r in range(1, 25)])
em.send_pf8()
em.wait_for_field()
em.send_pf3()
em.wait_for_field()
print("back:", em.string_get(1, 36, 9))
cmd = em.exec_command(b"Query(ConnectionState)")
print("state:", cmd.data[0].decode())
em.terminate()
print("done")
"#;

/// py3270 unchanged on the demo host: sign on, the parts catalogue paged, back, sign off.
const PY3270_DEMO_FLOW: &str = r#"
import re, sys
from py3270 import Emulator
host = sys.argv[1]
def rows(em):
    return [re.sub(r"\d\d/\d\d/\d\d \d\d:\d\d", "dd/mm/yy hh:mm", em.string_get(r, 1, 80))
            for r in range(1, 25)]
em = Emulator(visible=False, timeout=20)
em.connect(host)
em.wait_for_field()
em.send_string("DEMO")
em.exec_command(b"Tab")
em.send_string("DEMO")
em.send_enter()
em.wait_for_field()
print("menu:", rows(em))
em.send_string("2")
em.send_enter()
# The catalogue has no input field (the cursor stays at 0): s3270's Wait(InputField) would
# time out there, so the flow waits for the unlock.
em.exec_command(b"Wait(10, Unlock)")
em.send_pf8()
em.exec_command(b"Wait(10, Unlock)")
print("parts:", rows(em))
em.send_pf3()
em.wait_for_field()
print("back:", rows(em)[0])
# PF3 signs off: the host draws its goodbye and closes (when the close is seen after the
# goodbye is a race in s3270 as in r3270, so the state is not compared).
em.send_pf3()
em.terminate()
print("done")
"#;

/// Runs a py3270 flow against a host from `host`, once with r3270 as `s3270` and once with
/// the real s3270; returns both outputs (r3270's first).
fn py3270_both(
    flow: &str,
    host: &dyn Fn() -> Option<(Box<dyn std::any::Any>, String)>,
) -> Option<(String, String)> {
    let py = python_with("py3270")?;
    let Some(real) = find_program("s3270") else {
        skip("s3270");
        return None;
    };
    let script = common::temp_dir("py3270").join(format!("flow-{}.py", common::unique()));
    std::fs::write(&script, flow).unwrap();
    let mut outputs = Vec::new();
    for dir in [s3270_link_dir(), real.parent().unwrap().to_path_buf()] {
        let (_guard, addr) = host()?;
        let (ok, out) = run_with_path(
            Command::new(&py).arg(&script).arg(addr),
            &path_with(&dir),
            Duration::from_secs(90),
        );
        assert!(ok, "py3270 failed with {}:\n{out}", dir.display());
        assert!(out.contains("done"), "{out}");
        outputs.push(out);
    }
    let theirs = outputs.pop().unwrap();
    Some((outputs.pop().unwrap(), theirs))
}

#[test]
fn py3270_drives_r3270_as_it_drives_s3270() {
    let Some((ours, theirs)) = py3270_both(PY3270_FLOW, &|| {
        let (g, port) = start_mfmock(&[])?;
        Some((
            Box::new(g) as Box<dyn std::any::Any>,
            format!("127.0.0.1:{port}"),
        ))
    }) else {
        return;
    };
    assert!(ours.contains("menu: True MAIN MENU"), "{ours}");
    assert!(ours.contains("state: connected-tn3270e"), "{ours}");
    assert_eq!(theirs, ours, "py3270 saw different things (s3270 left)");
}

#[test]
fn py3270_drives_r3270_on_the_demo_host_as_it_drives_s3270() {
    let Some((ours, theirs)) = py3270_both(PY3270_DEMO_FLOW, &|| {
        let h = start_demo(&[]);
        let addr = h.addr();
        Some((Box::new(h) as Box<dyn std::any::Any>, addr))
    }) else {
        return;
    };
    assert!(ours.contains("DMO300"), "{ours}");
    assert_eq!(theirs, ours, "py3270 saw different things (s3270 left)");
}

const ROBOT_SUITE: &str = r"
*** Settings ***
Library    Mainframe3270    visible=${False}    timeout=20    wait_time=0.1
Suite Teardown    Close Connection

*** Variables ***
${HOST}    127.0.0.1
${PORT}    23
${SHOTS}    .

*** Test Cases ***
Sign On And Browse
    Open Connection    ${HOST}    port=${PORT}
    Wait Field Detected
    Page Should Contain String    MFMOCK
    Write Bare    DEMO
    Send Enter
    Wait Until String    MAIN MENU    timeout=10
    Page Should Contain String    SELECTION
    Write    2
    Wait Until String    GUEST BOOK    timeout=10
    ${text}=    Read    1    2    6
    Should Be Equal    ${text}    MFMOCK
    Send PF    3
    Wait Until String    MAIN MENU    timeout=10
    Take Screenshot
";

/// The same keyword suite on the demo host: sign on, the parts list paged, a screenshot.
const ROBOT_DEMO_SUITE: &str = r"
*** Settings ***
Library    Mainframe3270    visible=${False}    timeout=20    wait_time=0.1
Suite Teardown    Close Connection

*** Variables ***
${HOST}    127.0.0.1
${PORT}    23

*** Test Cases ***
Sign On And Page The Parts List
    Open Connection    ${HOST}    port=${PORT}
    Wait Field Detected
    Page Should Contain String    DEMONSTRATION HOST
    Write Bare    DEMO
    Execute Command    Tab
    Write Bare    DEMO
    Send Enter
    Wait Until String    DMO100    timeout=10
    Write    2
    Wait Until String    DMO300    timeout=10
    Send PF    8
    Wait Until String    DMO300    timeout=10
    Take Screenshot
    Send PF    3
    Wait Until String    DMO100    timeout=10
";

/// Runs a Robot suite with r3270 as `s3270`, then with the real s3270, each on a host of
/// its own; both must pass and leave a screenshot holding `shot_text`.
fn robot_both(
    suite: &str,
    shot_text: &str,
    host: &dyn Fn() -> Option<(Box<dyn std::any::Any>, u16)>,
) {
    let Some(py) = python_with("Mainframe3270") else {
        return;
    };
    let Some(real) = find_program("s3270") else {
        skip("s3270");
        return;
    };
    for dir in [s3270_link_dir(), real.parent().unwrap().to_path_buf()] {
        let work = common::temp_dir(&format!("robot-{}", common::unique()));
        std::fs::write(work.join("flow.robot"), suite).unwrap();
        let Some((_g, port)) = host() else {
            return;
        };
        let (ok, out) = run_with_path(
            Command::new(&py)
                .args(["-m", "robot", "--outputdir"])
                .arg(&work)
                .args(["--variable", &format!("PORT:{port}")])
                .arg(work.join("flow.robot")),
            &path_with(&dir),
            Duration::from_secs(120),
        );
        assert!(ok, "robot failed with {}:\n{out}", dir.display());
        assert!(out.contains("1 test, 1 passed, 0 failed"), "{out}");
        let shots = std::fs::read_dir(&work)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
            .filter(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains(shot_text)))
            .count();
        assert!(
            shots >= 1,
            "no screenshot with {shot_text} in {}",
            work.display()
        );
    }
}

#[test]
fn robot_framework_mainframe3270_runs_a_suite_on_r3270_as_on_s3270() {
    // The sign-on takes the password in a second field; Mainframe3270's Write Bare types
    // at the cursor, so the suite tabs to it with the library's own keyword.
    let suite = ROBOT_SUITE.replace(
        "    Write Bare    DEMO\n    Send Enter\n",
        "    Write Bare    DEMO\n    Execute Command    Tab\n    Write Bare    DEMO\n    Send Enter\n",
    );
    robot_both(&suite, "MAIN MENU", &|| {
        let (g, port) = start_mfmock(&[])?;
        Some((Box::new(g) as Box<dyn std::any::Any>, port))
    });
}

#[test]
fn robot_framework_mainframe3270_runs_on_the_demo_host() {
    robot_both(ROBOT_DEMO_SUITE, "DMO300", &|| {
        let h = start_demo(&[]);
        let port = h.port;
        Some((Box::new(h) as Box<dyn std::any::Any>, port))
    });
}

#[test]
fn x3270if_talks_to_the_script_port() {
    let Some(x3270if) = find_program("x3270if") else {
        skip("x3270if");
        return;
    };
    let Some((_g, port)) = start_mfmock(&[]) else {
        return;
    };
    let sport = common::free_port();
    let child = isolated(&mut Command::new(r3270_bin()))
        .args([
            "script",
            "-model",
            "2",
            "-scriptport",
            &sport.to_string(),
            "-scriptportonce",
            &format!("127.0.0.1:{port}"),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let guard = common::Guard {
        child,
        log: PathBuf::new(),
    };
    // Not probed with a connection of our own: -scriptportonce serves exactly one.
    let deadline = Instant::now() + Duration::from_secs(20);
    let out = loop {
        let out = Command::new(&x3270if)
            .args(["-t", &sport.to_string(), "Ascii(0,0,10)"])
            .output()
            .unwrap();
        if out.status.success() || Instant::now() > deadline {
            break out;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.trim_end(), " MFMOCK", "{text}");
    drop(guard);
}

#[test]
fn bad_input_gets_s3270s_reply_and_never_a_hang() {
    let Some((_g, port)) = start_mfmock(&[]) else {
        return;
    };
    let long = format!("String(\"{}\")", "x".repeat(1 << 20));
    let garbage = "(".repeat(1 << 20);
    let host = format!("Connect(127.0.0.1:{port})");
    let script = [
        host.as_str(),
        "Wait(5,InputField)",
        "NoSuchAction(1)",
        "Enter(",
        "String(\"unclosed)",
        long.as_str(),
        garbage.as_str(),
        "Wait(0.3,Output)",
        "Ascii(0,0,7)",
        "Wait(0.3,Output)",
    ];
    let out = run_script(
        &r3270_bin(),
        &["script", "-model", "2"],
        &script,
        Duration::from_secs(60),
    );
    let replies: Vec<&str> = out
        .lines()
        .filter(|l| *l == "ok" || *l == "error")
        .collect();
    assert_eq!(
        replies,
        // The 1 MB String types (into the field and on); Wait(Output) returns at once
        // until the screen has been read, then waits for new output.
        vec![
            "ok", "ok", "error", "error", "error", "ok", "error", "ok", "ok", "error"
        ],
        "{out}"
    );
    assert!(out.contains("data: Unknown action: NoSuchAction"), "{out}");
    assert!(
        out.contains("data: Syntax error: \")\" expected at column 7"),
        "{out}"
    );
    assert!(out.contains("data: Wait(): Timed out"), "{out}");
    assert!(out.contains("data:  MFMOCK"), "{out}");
    // Standard input closed with a wait pending on a host that never answers: the wait
    // ends at its timeout and the program exits.
    let Some((_h, hport)) = start_hercules(1) else {
        return;
    };
    let host = format!("Connect(127.0.0.1:{hport})");
    let out = run_script(
        &r3270_bin(),
        &["script", "-model", "2", "-clear", "aidWait"],
        &[&host, "Wait(5,Output)", "Enter", "Wait(1,Unlock)"],
        Duration::from_secs(60),
    );
    assert!(out.ends_with("error\n"), "{out}");
    assert!(out.contains("data: Wait(): Timed out"), "{out}");
    // The host gone: a wait on it fails at once instead of waiting out its time.
    let Some((g, port)) = start_mfmock(&[]) else {
        return;
    };
    let mut child = isolated(&mut Command::new(r3270_bin()))
        .args(["script", "-model", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut read_reply = || {
        let mut lines = Vec::new();
        loop {
            let mut l = String::new();
            assert!(std::io::BufRead::read_line(&mut stdout, &mut l).unwrap() > 0);
            let done = l == "ok\n" || l == "error\n";
            lines.push(l);
            if done {
                return lines.concat();
            }
        }
    };
    writeln!(stdin, "Connect(127.0.0.1:{port})").unwrap();
    assert!(read_reply().ends_with("ok\n"));
    drop(g);
    writeln!(stdin, "Wait(30,Disconnect)").unwrap();
    assert!(read_reply().ends_with("ok\n"));
    writeln!(stdin, "Wait(30,Output)").unwrap();
    let reply = read_reply();
    assert!(reply.contains("Not connected"), "{reply}");
    assert!(reply.contains(" N N "), "{reply}");
    drop(stdin);
    let _ = child.wait();
}

#[test]
fn the_trace_of_a_script_keeps_no_password() {
    let Some((_g, port)) = start_mfmock(&[]) else {
        return;
    };
    let dir = common::temp_dir("script-trace");
    let trace = dir.join("script.trc");
    let password = format!("PW{}", common::unique() % 100_000);
    let connect = format!("Connect(127.0.0.1:{port})");
    let typed = format!("String(\"DEMO\\t{password}\\n\")");
    let out = run_script(
        &r3270_bin(),
        &[
            "script",
            "-model",
            "2",
            "-trace",
            "-tracefile",
            trace.to_str().unwrap(),
        ],
        &[
            &connect,
            "Wait(5,InputField)",
            &typed,
            "Wait(5,Unlock)",
            "Ascii(0,0,80)",
            "Quit",
        ],
        Duration::from_secs(60),
    );
    assert_eq!(out.lines().filter(|l| *l == "ok").count(), 6, "{out}");
    let written = std::fs::read(&trace).unwrap();
    let text = String::from_utf8_lossy(&written);
    // The trace records the session (host bytes and ours), with the password masked.
    assert!(text.lines().any(|l| l.starts_with('<')), "{text}");
    assert!(text.lines().any(|l| l.starts_with('>')), "{text}");
    let ebcdic: Vec<u8> = password
        .bytes()
        .map(|b| {
            r3270::proto::CodePage::default()
                .from_unicode(char::from(b))
                .unwrap()
        })
        .collect();
    assert!(!text.contains(&password), "the password is in the trace");
    let parsed = r3270::trace::Trace::from_path(&trace).unwrap();
    let mut sent = Vec::new();
    for ev in parsed.replay_actions() {
        if let r3270::trace::TraceEvent::Client(bytes) = ev {
            sent.extend_from_slice(bytes);
        }
    }
    assert!(!sent.is_empty(), "no client bytes in the trace");
    assert!(
        !sent.windows(ebcdic.len()).any(|w| w == ebcdic.as_slice()),
        "the password's EBCDIC is in the trace"
    );
}

#[test]
fn quit_exits_while_the_client_keeps_standard_input_open() {
    let Some((_g, port)) = start_mfmock(&[]) else {
        return;
    };
    let mut child = isolated(&mut Command::new(r3270_bin()))
        .args(["script", "-model", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "Connect(127.0.0.1:{port})\nWait(5,InputField)\nQuit").unwrap();
    stdin.flush().unwrap();
    // stdin stays open (held here) while r3270 must exit on Quit.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("r3270 script did not exit on Quit with standard input still open");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(stdin);
    assert!(status.success());
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out.lines().filter(|l| *l == "ok").count(), 3, "{out}");
}

#[test]
fn the_script_mode_records_its_sessions_in_the_audit_log_without_the_password() {
    let Some((_g, port)) = start_mfmock(&[]) else {
        return;
    };
    let base = common::temp_dir(&format!("script-audit-{}", common::unique()));
    let config = base.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[audit]\ndir = \"{}\"\nkey-dir = \"{}\"\nsync = \"each\"\n",
            base.join("audit").display(),
            base.join("keys").display()
        ),
    )
    .unwrap();
    let password = format!("Q{}Z", common::unique() % 1_000_000);
    let connect = format!("Connect(127.0.0.1:{port})");
    let typed = format!("String(\"DEMO\\t{password}\\n\")");
    let script = [
        connect.as_str(),
        "Wait(5,InputField)",
        typed.as_str(),
        "Wait(5,Unlock)",
        "PF(3)",
        "Quit",
    ];
    let mut child = isolated(&mut Command::new(r3270_bin()))
        .env("R3270_CONFIG", &config)
        .args(["script", "-model", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for l in script {
        writeln!(stdin, "{l}").unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().filter(|l| *l == "ok").count(), 6, "{text}");
    // The records are there: the session, the AIDs sent.
    let mut log = String::new();
    for entry in walk(&base.join("audit")) {
        log.push_str(&String::from_utf8_lossy(&std::fs::read(entry).unwrap()));
    }
    assert!(log.contains("\"session-start\""), "{log}");
    assert_eq!(log.matches("\"kind\":\"aid\"").count(), 2, "{log}");
    // Nothing r3270 wrote holds the password.
    for f in walk(&base) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&password),
            "{} holds the password",
            f.display()
        );
    }
    // And the log verifies.
    let verify = isolated(&mut Command::new(r3270_bin()))
        .args(["--config", config.to_str().unwrap(), "audit", "verify"])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// Every file under `dir`, recursively.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
