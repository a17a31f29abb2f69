//! The actions that type: `String` (with its escapes), the AIDs and editing keys, and the
//! two field edits the engine has no key for (`DeleteField`, `DeleteWord`). An AID waits for
//! the host's answer through the script runner while `aidWait` is set.

use tokio::sync::mpsc;

use super::grid::Grid;
use super::{Failure, Line, Options, Progress, Reply, Runner, State, Step};
use crate::proto::{Key, LockReason};
use crate::script::s3270::{Typed, action_keys, string_keys};

impl State {
    /// Key actions: what `String`, `Enter`, `PF(n)`, `MoveCursor`, ... press. An AID waits
    /// for the host's answer while `aidWait` is set, as in s3270.
    pub(super) async fn keys(
        &mut self,
        name: &str,
        args: &[String],
        rx: &mut mpsc::Receiver<Line>,
    ) -> Reply {
        let steps: Vec<Step> = if name == "String" {
            let mut steps = Vec::new();
            for a in args {
                let typed = string_keys(a).map_err(|e| vec![e.to_string()])?;
                for t in typed {
                    match t {
                        Typed::Key(Key::Char(c)) => steps.push(Step::Text(c.to_string())),
                        Typed::Key(k) => steps.push(Step::Key(k)),
                        Typed::Ebcdic(b) => match self.terminal.code_page.to_unicode(b) {
                            c if b >= 0x40 => steps.push(Step::Text(c.to_string())),
                            _ => {}
                        },
                    }
                }
            }
            steps
        } else {
            match action_keys(name, args) {
                Some(Ok(keys)) => keys.into_iter().map(Step::Key).collect(),
                Some(Err(e)) => return Err(vec![e]),
                None => return Err(vec![format!("Unknown action: {name}")]),
            }
        };
        if self.client.is_none() {
            // Keys with no connection go nowhere; s3270 answers ok.
            return Ok(vec![]);
        }
        let options = Options {
            aid_wait: self.toggles.get("aidwait").copied().unwrap_or(true),
            ..Options::default()
        };
        if let Some(c) = self.client.as_mut() {
            if matches!(c.session().oia().lock, Some(LockReason::Operator(_))) {
                // An operator error from an earlier action: s3270 drops an AID pressed on
                // it (ok, still locked, nothing sent) and clears it for any other key
                // (its status line shows U again).
                let aid = steps
                    .first()
                    .is_some_and(|s| matches!(s, Step::Key(Key::Aid(_) | Key::Attn)));
                if aid {
                    return Ok(vec![]);
                }
                c.key(Key::Reset);
            }
        }
        let mut runner = Runner::new(steps, options);
        let result = self.run_runner(&mut runner, Some(rx)).await;
        let refused = self
            .client
            .as_ref()
            .is_some_and(|c| matches!(c.session().oia().lock, Some(LockReason::Operator(_))));
        self.note_end();
        match result {
            Progress::Failed(Failure::TimedOut { .. }) => Err(vec![format!("{name}(): Timed out")]),
            // A key refused by the field rules (a protected field, a numeric one): s3270
            // reports the action failed, in these words.
            _ if refused => Err(vec![
                "Keyboard locked".to_owned(),
                "Operator error".to_owned(),
            ]),
            _ => Ok(vec![]),
        }
    }

    /// DeleteField (erase the field, cursor to its start) and DeleteWord (the word before
    /// the cursor), made of the engine's keys.
    pub(super) fn edit_field(&mut self, name: &str) {
        let Some(client) = self.client.as_mut() else {
            return;
        };
        let grid = Grid::of(client.session());
        if grid.cursor_protected() || !grid.formatted {
            return;
        }
        let cols = grid.cols;
        let text: Vec<char> = grid.plain().concat().chars().collect();
        let cursor = grid.cursor;
        let mut start = cursor;
        // The field's first position: after the attribute before the cursor.
        let session = client.session();
        let screen = session.screen();
        let dims = screen.dims();
        if let Some(f) =
            crate::proto::BufferAddr::new(cursor, dims).and_then(|a| screen.field_at(a))
        {
            start = f.start(dims).index();
        }
        let keys: Vec<Key> = if name == "DeleteField" {
            vec![
                Key::MoveCursor {
                    row: (start / cols) as u16,
                    col: (start % cols) as u16,
                },
                Key::EraseEof,
            ]
        } else {
            // Back over blanks, then over the word; delete that many characters.
            let mut i = cursor;
            while i > start && text.get(i - 1) == Some(&' ') {
                i -= 1;
            }
            while i > start && text.get(i - 1).is_some_and(|c| *c != ' ') {
                i -= 1;
            }
            let mut keys = vec![Key::MoveCursor {
                row: (i / cols) as u16,
                col: (i % cols) as u16,
            }];
            keys.extend(std::iter::repeat_n(Key::Delete, cursor - i));
            keys
        };
        for k in keys {
            client.key(k);
        }
    }
}
