//! Driving the real `r3270` binary in a real terminal: a private tmux server per test
//! (its own socket, so a developer's tmux is never touched), `send-keys` to type,
//! `capture-pane` to read the screen, polling with a deadline. The server is killed when
//! the [`Tmux`] guard drops, even when the test fails.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// One tmux server with one session running one command.
pub struct Tmux {
    socket: String,
    pub name: String,
}

impl Tmux {
    /// Start `program args...` in a detached `cols` x `rows` session, with a fresh temporary
    /// home (config, data and logs) like `r3270_command`. `None` when tmux is not installed
    /// (the caller skips; under CI `super::skip` fails).
    pub fn start(name: &str, cols: u16, rows: u16, program: &Path, args: &[&str]) -> Option<Self> {
        Self::start_env(name, cols, rows, program, args, &[])
    }

    /// [`Tmux::start`] with more environment variables for the program.
    pub fn start_env(
        name: &str,
        cols: u16,
        rows: u16,
        program: &Path,
        args: &[&str],
        extra_env: &[(&str, &str)],
    ) -> Option<Self> {
        super::find_program("tmux")?;
        let home = super::temp_dir("r3270-tmux-home");
        let socket = format!("r3270-test-{}-{}", std::process::id(), super::unique());
        let tmux = Tmux {
            socket,
            name: name.to_owned(),
        };
        let mut cmd = vec![program.display().to_string()];
        cmd.extend(args.iter().map(|a| (*a).to_owned()));
        let mut env = vec![
            ("HOME", home.clone()),
            ("XDG_CONFIG_HOME", home.join("config")),
            ("XDG_DATA_HOME", home.join("data")),
            ("XDG_STATE_HOME", home.join("state")),
            ("XDG_CACHE_HOME", home.join("cache")),
        ];
        env.extend(extra_env.iter().map(|(k, v)| (*k, v.into())));
        let mut new = vec![
            "-f".to_owned(),
            "/dev/null".to_owned(),
            "new-session".to_owned(),
            "-d".to_owned(),
            "-x".to_owned(),
            cols.to_string(),
            "-y".to_owned(),
            rows.to_string(),
            "-s".to_owned(),
            name.to_owned(),
        ];
        for (k, v) in &env {
            new.push("-e".to_owned());
            new.push(format!("{k}={}", v.display()));
        }
        // Keep the pane after the program exits so a test can check how it left the
        // terminal.
        new.push(format!(
            "tmux -L {} set-option -t {name} remain-on-exit on >/dev/null 2>&1; exec {}",
            tmux.socket,
            cmd.iter()
                .map(|a| shell_quote(a))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        let out = tmux.run(&new.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(tmux)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .unwrap()
    }

    /// Set a server option (`set-clipboard on` lets OSC 52 from the program fill a tmux
    /// buffer, which [`Tmux::buffer`] reads).
    pub fn server_option(&self, name: &str, value: &str) {
        let out = self.run(&["set-option", "-s", name, value]);
        assert!(out.status.success(), "set-option -s {name} {value} failed");
    }

    /// The newest paste buffer (what the program copied, with `set-clipboard on`).
    pub fn buffer(&self) -> Option<String> {
        let out = self.run(&["show-buffer"]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Resize the session's window, as a user dragging the terminal would.
    pub fn resize(&self, cols: u16, rows: u16) {
        let out = self.run(&[
            "resize-window",
            "-t",
            &self.name,
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
        ]);
        assert!(out.status.success(), "resize-window failed");
    }

    /// Press keys by tmux name (`Enter`, `Tab`, `C-]`, `F3`, `M-1`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend(keys);
        let out = self.run(&args);
        assert!(out.status.success(), "send-keys {keys:?} failed");
    }

    /// Type text literally.
    pub fn text(&self, text: &str) {
        let out = self.run(&["send-keys", "-t", &self.name, "-l", text]);
        assert!(out.status.success(), "send-keys -l {text:?} failed");
    }

    /// Paste `text` as the terminal would: through a tmux buffer with `paste-buffer -p`, so
    /// it arrives as a bracketed paste when the program asked for that mode.
    pub fn paste(&self, text: &str) {
        let out = self.run(&["set-buffer", "-b", "r3270-test", "--", text]);
        assert!(out.status.success(), "set-buffer failed");
        let out = self.run(&[
            "paste-buffer",
            "-p",
            "-d",
            "-b",
            "r3270-test",
            "-t",
            &self.name,
        ]);
        assert!(out.status.success(), "paste-buffer failed");
    }

    /// The pane's text now.
    pub fn capture(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", &self.name]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A tmux format (`#{pane_dead}`, `#{alternate_on}`, ...) for the pane.
    pub fn format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", &self.name, format]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Poll until the pane shows `text`; the deadline only catches a hang. Panics with the
    /// last screen when it never appears.
    pub fn wait_for(&self, text: &str, deadline: Duration) -> String {
        self.wait_until(deadline, &format!("`{text}` on screen"), |s| {
            s.contains(text)
        })
    }

    /// Poll until `done(screen)` holds on a settled screen: tmux can capture a frame the
    /// program is half way through writing, so the screen is returned only when a second
    /// capture a moment later is the same.
    pub fn wait_until(
        &self,
        deadline: Duration,
        what: &str,
        done: impl Fn(&str) -> bool,
    ) -> String {
        let end = Instant::now() + deadline;
        loop {
            let screen = self.capture();
            if done(&screen) {
                std::thread::sleep(Duration::from_millis(30));
                if self.capture() == screen {
                    return screen;
                }
            }
            assert!(
                Instant::now() < end,
                "waited for {what}; the screen is:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The terminal is as r3270 found it: no alternate screen, no mouse reporting, and
    /// (checked when the program ran under a shell that is still alive) the cursor visible.
    /// Call after the program ended.
    pub fn assert_restored(&self) {
        let screen = self.capture();
        assert_eq!(
            self.format("#{alternate_on}"),
            "0",
            "left the alternate screen on:\n{screen}"
        );
        assert_eq!(
            self.format("#{mouse_any_flag}"),
            "0",
            "left mouse reporting on:\n{screen}"
        );
        // tmux hides the cursor of a dead pane itself (when it writes "Pane is dead"), so
        // the cursor says something only while a shell still runs in the pane.
        if self.format("#{pane_dead}") == "0" {
            assert_eq!(
                self.format("#{cursor_flag}"),
                "1",
                "left the cursor hidden:\n{screen}"
            );
        }
    }

    /// Poll until the program has exited (the pane stays, see `start`).
    pub fn wait_exit(&self, deadline: Duration) {
        let end = Instant::now() + deadline;
        while self.format("#{pane_dead}") != "1" {
            assert!(
                Instant::now() < end,
                "the program did not exit; the screen is:\n{}",
                self.capture()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // A killed server can leave its socket file behind: ask where it is first.
        let socket = self.format("#{socket_path}");
        let _ = self.run(&["kill-session", "-t", &self.name]);
        let _ = self.run(&["kill-server"]);
        if socket.contains(&self.socket) {
            let _ = std::fs::remove_file(&socket);
        }
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
