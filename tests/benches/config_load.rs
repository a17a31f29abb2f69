//! Criterion bench of loading a configuration file with many profiles (see
//! `docs/PERFORMANCE.md`, "Configuration loading").
//!
//! `config_load/N` is `r3270::config::check_file` (what every command does first: read the
//! file, parse it, apply it over the embedded defaults, check every reference) on a file of
//! N generated profiles, each with a host, a port, a model, a TLS mode and a logon macro.
//! Throughput is in profiles per second: a load that is linear in the file keeps the same
//! rate at every size.
//!
//! `many_profiles` is the generator; `R3270_BENCH_CONFIG_OUT=DIR` makes the bench also leave
//! its files there (`profiles-N.toml`), for timing the binary as a whole process.

// A bench is test code: a broken fixture should stop it loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// A config file with one macro and `n` profiles of seven lines each.
fn many_profiles(n: usize) -> String {
    let mut text = String::from("[macros]\nlogon = [\"type TSO\", \"enter\"]\n\n");
    for i in 0..n {
        writeln!(
            text,
            "[profile.host-{i:05}]\nhost = \"mvs{i}.example.com\"\nport = {}\nmodel = \"3279-2\"\ntls = \"starttls\"\nlogon-macro = \"logon\"\n",
            1 + i % 60_000
        )
        .expect("writing to a String");
    }
    text
}

fn bench_config_load(c: &mut Criterion) {
    let out = std::env::var_os("R3270_BENCH_CONFIG_OUT").map(PathBuf::from);
    let dir = std::env::temp_dir().join(format!("r3270-bench-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut g = c.benchmark_group("config_load");
    g.sample_size(10);
    for n in [1_000, 4_000, 16_000] {
        let text = many_profiles(n);
        let path = dir.join(format!("profiles-{n}.toml"));
        std::fs::write(&path, &text).expect("write the config file");
        if let Some(out) = &out {
            std::fs::write(out.join(format!("profiles-{n}.toml")), &text).expect("write a copy");
        }
        match r3270::config::check_file(&path) {
            Ok(cfg) => assert_eq!(cfg.profiles.len(), n),
            Err(e) => panic!("the generated file does not load:\n{e}"),
        }
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &path, |b, path| {
            b.iter(|| black_box(r3270::config::check_file(black_box(path)).is_ok()));
        });
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench_config_load);
criterion_main!(benches);
