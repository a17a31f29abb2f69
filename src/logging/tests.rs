//! Logging without the global subscriber: each test builds the same [`dispatch`] as
//! [`init`] and installs it for its own thread only, writing into a fresh temporary
//! directory, so tests never fight over the process-wide subscriber.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use tracing::level_filters::LevelFilter;

use super::*;

fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "r3270-log-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn size_rotation_keeps_n_files() {
    let dir = temp_dir("size");
    let mut f = SizeRollingFile::open(&dir, "r3270", 100, 3).unwrap();
    // 40-byte lines, one write each (as the non-blocking worker writes events): two fit
    // in 100 bytes, the third rolls.
    for i in 0..20 {
        f.write_all(format!("{i:02} {}\n", "x".repeat(36)).as_bytes())
            .unwrap();
    }
    f.flush().unwrap();
    assert_eq!(files(&dir), ["r3270.log", "r3270.log.1", "r3270.log.2"]);
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    // Whole lines only, newest in r3270.log, and nothing larger than the limit.
    assert!(
        read("r3270.log").starts_with("18 "),
        "{}",
        read("r3270.log")
    );
    assert!(read("r3270.log.1").starts_with("16 "));
    assert!(read("r3270.log.2").starts_with("14 "));
    for name in files(&dir) {
        let text = read(&name);
        assert!(text.len() <= 100, "{name}");
        assert!(text.lines().all(|l| l.len() == 39), "{name}: {text}");
    }
}

#[test]
fn size_rotation_appends_and_keep_one_truncates() {
    let dir = temp_dir("keep1");
    {
        let mut f = SizeRollingFile::open(&dir, "app", 10, 1).unwrap();
        f.write_all(b"12345\n").unwrap();
    }
    let mut f = SizeRollingFile::open(&dir, "app", 10, 1).unwrap();
    f.write_all(b"abc\n").unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("app.log")).unwrap(),
        "12345\nabc\n"
    );
    f.write_all(b"next\n").unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("app.log")).unwrap(),
        "next\n"
    );
    // A line longer than the limit still goes out whole, in a file of its own.
    f.write_all(b"a line longer than ten bytes\n").unwrap();
    assert_eq!(files(&dir), ["app.log"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("app.log")).unwrap(),
        "a line longer than ten bytes\n"
    );
}

#[test]
fn json_format_writes_parseable_lines_to_the_size_rolled_file() {
    let dir = temp_dir("json");
    let settings = LoggingSettings {
        format: LogFormat::Json,
        rotation: Rotation::Size,
        ..LoggingSettings::default()
    };
    let (writer, guard) = file_writer(&settings, &dir).unwrap();
    let filter = env_filter(&settings, None, None).unwrap();
    let d = dispatch(settings.format, filter, writer);
    tracing::dispatcher::with_default(&d, || {
        tracing::info!(bytes = 42, "received");
        tracing::debug!("filtered out at info");
        tracing::warn!(limit = 4096, "record size limit hit");
    });
    drop(guard);
    let text = std::fs::read_to_string(dir.join("r3270.log")).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["level"], "INFO");
    assert_eq!(lines[0]["fields"]["message"], "received");
    assert_eq!(lines[0]["fields"]["bytes"], 42);
    assert_eq!(lines[1]["fields"]["limit"], 4096);
}

#[test]
fn plain_format_with_tracing_appender_never_rotation() {
    let dir = temp_dir("plain");
    let settings = LoggingSettings {
        rotation: Rotation::Never,
        file_prefix: "test".to_owned(),
        ..LoggingSettings::default()
    };
    let (writer, guard) = file_writer(&settings, &dir).unwrap();
    let d = dispatch(
        settings.format,
        env_filter(&settings, None, None).unwrap(),
        writer,
    );
    tracing::dispatcher::with_default(&d, || tracing::info!(peer = "127.0.0.1:23", "connected"));
    drop(guard);
    assert_eq!(files(&dir), ["test.log"]);
    let text = std::fs::read_to_string(dir.join("test.log")).unwrap();
    assert!(text.contains("INFO"), "{text}");
    assert!(text.contains("connected peer=\"127.0.0.1:23\""), "{text}");
    assert!(!text.contains('\u{1b}'), "no ANSI colours in files: {text}");
}

#[test]
fn daily_rotation_names_files_with_the_date() {
    let dir = temp_dir("daily");
    let (writer, guard) = file_writer(&LoggingSettings::default(), &dir).unwrap();
    let d = dispatch(
        LogFormat::Plain,
        EnvFilter::builder().parse("info").unwrap(),
        writer,
    );
    tracing::dispatcher::with_default(&d, || tracing::info!("hello"));
    drop(guard);
    let names = files(&dir);
    assert_eq!(names.len(), 1, "{names:?}");
    // r3270.YYYY-MM-DD.log
    let date = names[0]
        .strip_prefix("r3270.")
        .and_then(|n| n.strip_suffix(".log"))
        .unwrap_or_default();
    assert_eq!(date.len(), 10, "{names:?}");
    assert!(
        date.starts_with('2') && date.matches('-').count() == 2,
        "{names:?}"
    );
}

#[test]
fn the_flag_beats_the_environment_which_beats_the_settings() {
    let settings = LoggingSettings {
        level: "error".to_owned(),
        ..LoggingSettings::default()
    };
    let level = |flag, env| {
        env_filter(&settings, flag, env)
            .unwrap()
            .max_level_hint()
            .unwrap()
    };
    assert_eq!(level(Some("trace"), Some("warn")), LevelFilter::TRACE);
    assert_eq!(level(None, Some("warn")), LevelFilter::WARN);
    assert_eq!(
        level(None, Some("  ")),
        LevelFilter::ERROR,
        "empty env is unset"
    );
    assert_eq!(level(None, None), LevelFilter::ERROR);
    let with_filter = LoggingSettings {
        filters: [("r3270::proto".to_owned(), "DEBUG".to_owned())].into(),
        ..settings.clone()
    };
    let f = env_filter(&with_filter, None, None).unwrap();
    assert_eq!(f.max_level_hint(), Some(LevelFilter::DEBUG));
    let e = env_filter(&settings, Some("r3270=loud"), None).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("--log-level \"r3270=loud\" is not a valid log filter"),
        "{e}"
    );
}

#[test]
fn validate_names_the_key_the_bad_value_and_what_is_allowed() {
    assert!(LoggingSettings::default().validate().is_empty());
    let bad = LoggingSettings {
        level: "loud".to_owned(),
        filters: [
            ("r3270::proto".to_owned(), "chatty".to_owned()),
            ("bad target".to_owned(), "debug".to_owned()),
            ("r3270::runtime".to_owned(), "Debug".to_owned()),
        ]
        .into(),
        max_size_mb: 0,
        keep: 0,
        file_prefix: "../x".to_owned(),
        ..LoggingSettings::default()
    };
    let levels = "allowed are trace, debug, info, warn, error, off";
    assert_eq!(
        bad.validate(),
        vec![
            (
                "logging.level".to_owned(),
                format!("\"loud\" is not a log level: {levels}")
            ),
            (
                "logging.filters.\"bad target\"".to_owned(),
                "\"bad target\" is not a module path: use a Rust path such as \
                 \"r3270::proto\" (no spaces, '=', ',' or brackets)"
                    .to_owned()
            ),
            (
                "logging.filters.\"r3270::proto\"".to_owned(),
                format!("\"chatty\" is not a log level: {levels}")
            ),
            (
                "logging.max-size-mb".to_owned(),
                "0 is out of range: allowed is 1 to 4096".to_owned()
            ),
            (
                "logging.keep".to_owned(),
                "0 is out of range: allowed is 1 to 1000 (the current file counts)".to_owned()
            ),
            (
                "logging.file-prefix".to_owned(),
                "\"../x\" is not a file name prefix: use letters, digits, '-', '_' and '.' \
                 (not starting with '.')"
                    .to_owned()
            ),
        ]
    );
}

#[test]
fn settings_are_kebab_case_toml_with_defaults() {
    let s: LoggingSettings = toml::from_str(
        "level = \"debug\"\nformat = \"json\"\nrotation = \"size\"\nmax-size-mb = 5\n\
         [filters]\n\"r3270::proto\" = \"trace\"\n",
    )
    .unwrap();
    assert_eq!(s.format, LogFormat::Json);
    assert_eq!(s.rotation, Rotation::Size);
    assert_eq!(s.max_size_mb, 5);
    assert_eq!(s.keep, 7);
    assert_eq!(s.file_prefix, "r3270");
    assert_eq!(s.filters["r3270::proto"], "trace");
    let err = toml::from_str::<LoggingSettings>("max_size_mb = 1").unwrap_err();
    assert!(err.to_string().contains("unknown field"), "{err}");
    let err = toml::from_str::<LoggingSettings>("rotation = \"weekly\"").unwrap_err();
    assert!(err.to_string().contains("unknown variant"), "{err}");
    let back: LoggingSettings =
        toml::from_str(&toml::to_string(&LoggingSettings::default()).unwrap()).unwrap();
    assert_eq!(back, LoggingSettings::default());
}

#[test]
fn init_reports_a_bad_directory_instead_of_panicking() {
    let dir = temp_dir("notadir");
    let file = dir.join("file");
    std::fs::write(&file, b"").unwrap();
    let e = init(&LoggingSettings::default(), &file.join("sub"), Some("info")).unwrap_err();
    assert!(matches!(e, LogInitError::Dir { .. }), "{e}");
}
