//! `r3270 screen` against Hercules's TN3270 console server (plain TN3270, never TN3270E):
//! its logo screen equals s3270's; an AID it never answers ends after --timeout with exit
//! status 3 and a message; a second client on a one-device Hercules gets the rejection
//! screen; `LU@host` selects a device.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{Driver, S3270, mask_clock, r3270, start_hercules};
use r3270::proto::TerminalConfig;

const HANG_GUARD: Duration = Duration::from_secs(120);

#[test]
fn logo_matches_s3270_and_an_unanswered_aid_times_out() {
    let Some((_host, port)) = start_hercules(4) else {
        return;
    };
    let Some(mut oracle) = S3270::start(&["-model", "3279-2"]) else {
        return;
    };
    let host = format!("127.0.0.1:{port}");
    oracle.run(&format!("Connect({host})")).unwrap();
    oracle.run("Wait(15,Unlock)").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let theirs = mask_clock(&oracle.screen());

    let run = r3270(&["screen", "--status", &host], HANG_GUARD);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("mode: TN3270\n"), "{}", run.stderr);
    assert_eq!(mask_clock(&run.rows()), theirs);

    // Hercules never answers an AID on its logo: the keyboard stays locked.
    let run = r3270(&["screen", &host, "Enter", "--timeout", "3"], HANG_GUARD);
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the keyboard stayed locked after Enter (X (clock)): no answer within 3s"),
        "{}",
        run.stderr
    );
    // The screen is still printed.
    assert_eq!(mask_clock(&run.rows()), theirs);
    let _ = oracle.run("Disconnect()");
}

#[test]
fn second_client_on_one_device_gets_the_rejection_screen() {
    let Some((_host, port)) = start_hercules(1) else {
        return;
    };
    let mut first = Driver::connect(port, TerminalConfig::default());
    assert!(first.wait_ready());
    // Under load Hercules sometimes drops a second client before drawing its rejection
    // screen (r3270 then says "the host closed the connection before the first screen",
    // which is right). That is the far side's race, not ours: try up to three times.
    let mut run = r3270(
        &["screen", "--timeout", "5", &format!("127.0.0.1:{port}")],
        HANG_GUARD,
    );
    for _ in 0..2 {
        if !run
            .stderr
            .contains("closed the connection before the first screen")
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
        run = r3270(
            &["screen", "--timeout", "5", &format!("127.0.0.1:{port}")],
            HANG_GUARD,
        );
    }
    assert!(
        run.stdout
            .contains("Connection rejected, no available 3270 device"),
        "exit {:?}\n{}\n{}",
        run.code,
        run.stdout,
        run.stderr
    );
    // Hercules leaves the keyboard locked on that screen: printed, with exit status 3.
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(
        run.stderr.contains("keyboard stayed locked"),
        "{}",
        run.stderr
    );
}

#[test]
fn lu_at_host_selects_the_device() {
    let Some((_host, port)) = start_hercules(32) else {
        return;
    };
    let run = r3270(
        &["screen", "--status", &format!("0015@127.0.0.1:{port}")],
        HANG_GUARD,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("Device number     : 0015"),
        "{}",
        run.stdout
    );
}
