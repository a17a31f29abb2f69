//! NEW-ENVIRON (RFC 1572) with the IBM variables of RFC 4777 (DEVNAME, IBMELF, IBMAPPLID):
//! parsing a host's SEND and building our IS reply, x3270's device-name counter included.
//! Part of [`telnet`](super); split out to keep one concern per file.

use super::{TelnetOption, write_subnegotiation};

/// NEW-ENVIRON subcommand IS (the client's full answer to SEND).
pub const ENV_IS: u8 = 0;
/// NEW-ENVIRON subcommand SEND (the host's request).
pub const ENV_SEND: u8 = 1;
/// NEW-ENVIRON subcommand INFO (an unsolicited update).
pub const ENV_INFO: u8 = 2;
/// NEW-ENVIRON type byte: a well-known variable follows.
pub const ENV_VAR: u8 = 0;
/// NEW-ENVIRON type byte: a value follows.
pub const ENV_VALUE: u8 = 1;
/// NEW-ENVIRON type byte: the next byte is literal.
pub const ENV_ESC: u8 = 2;
/// NEW-ENVIRON type byte: a user-defined variable follows.
pub const ENV_USERVAR: u8 = 3;

/// The well-known variable USER (RFC 1572).
pub const VAR_USER: &[u8] = b"USER";
/// USERVAR DEVNAME: the device (LU) name the client asks for (RFC 4777 section 3).
pub const USERVAR_DEVNAME: &[u8] = b"DEVNAME";
/// USERVAR IBMELF: "YES" says the client supports the Enhanced Line Function (RFC 4777).
pub const USERVAR_IBMELF: &[u8] = b"IBMELF";
/// USERVAR IBMAPPLID: the application the client wants (RFC 4777).
pub const USERVAR_IBMAPPLID: &[u8] = b"IBMAPPLID";

/// Whether a NEW-ENVIRON name is a well-known VAR or a USERVAR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EnvKind {
    Var,
    UserVar,
}

impl EnvKind {
    const fn byte(self) -> u8 {
        match self {
            EnvKind::Var => ENV_VAR,
            EnvKind::UserVar => ENV_USERVAR,
        }
    }
}

/// One entry of a SEND request. An empty `name` means "every variable of this kind"
/// (RFC 1572: a VAR or USERVAR with no name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvRequestItem {
    pub kind: EnvKind,
    pub name: Vec<u8>,
}

/// Parses a NEW-ENVIRON SEND payload (the bytes after the option). Returns `None` if it is
/// not a SEND. An empty list means the host asks for everything.
pub fn parse_environ_send(payload: &[u8]) -> Option<Vec<EnvRequestItem>> {
    let (&first, mut rest) = payload.split_first()?;
    if first != ENV_SEND {
        return None;
    }
    let mut items = Vec::new();
    // Bytes before the first type byte carry no meaning; skip them, as RFC 1572 gives them
    // no interpretation.
    while let Some((&kind_byte, after)) = rest.split_first() {
        rest = after;
        let kind = match kind_byte {
            ENV_VAR => EnvKind::Var,
            ENV_USERVAR => EnvKind::UserVar,
            _ => continue,
        };
        let mut name = Vec::new();
        while let Some((&b, after)) = rest.split_first() {
            match b {
                ENV_VAR | ENV_USERVAR | ENV_VALUE => break,
                ENV_ESC => {
                    rest = after;
                    if let Some((&literal, after)) = rest.split_first() {
                        name.push(literal);
                        rest = after;
                    }
                }
                _ => {
                    name.push(b);
                    rest = after;
                }
            }
        }
        items.push(EnvRequestItem { kind, name });
    }
    Some(items)
}

/// A DEVNAME generator. A template ending in `=` characters has them replaced with a counter
/// of that many digits (`foo===` gives foo001, foo002, ...; `foo=` gives foo1 ... foo9 and
/// then stays at foo9), advancing each time the value is sent, as x3270 does so a host that
/// rejects a name can be offered the next one. A template without `=` is sent as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Devname {
    template: Vec<u8>,
    next: u32,
}

impl Devname {
    pub fn new(template: &[u8]) -> Self {
        Devname {
            template: template.to_vec(),
            next: 1,
        }
    }

    /// Starts counting from 1 again (a new connection).
    pub fn restart(&mut self) {
        self.next = 1;
    }

    /// The value to send now; advances the counter.
    pub fn next_value(&mut self) -> Vec<u8> {
        let width = self
            .template
            .iter()
            .rev()
            .take_while(|&&b| b == b'=')
            .count();
        if width == 0 {
            return self.template.clone();
        }
        let stem = &self.template[..self.template.len() - width];
        // Nine digits keep the arithmetic in u32; nobody configures wider counters.
        let width = width.min(9);
        let max = 10u32.pow(width as u32) - 1;
        let n = self.next.min(max);
        self.next = n.saturating_add(1);
        let mut value = stem.to_vec();
        value.extend_from_slice(format!("{n:0width$}").as_bytes());
        value
    }
}

/// What the client tells the host through NEW-ENVIRON.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Environ {
    /// VAR USER; `Some(b"")` is sent as a defined empty value, `None` as undefined.
    pub user: Option<Vec<u8>>,
    /// USERVARs with fixed values, in the order a "send everything" answer lists them.
    pub uservars: Vec<(Vec<u8>, Vec<u8>)>,
    /// USERVARs answered only when the host names them (not in a "send everything"
    /// reply), such as CODEPAGE and CHARSET: x3270 before 4.6 never volunteered them.
    pub on_request: Vec<(Vec<u8>, Vec<u8>)>,
    /// USERVAR DEVNAME, listed after the other USERVARs.
    pub devname: Option<Devname>,
}

impl Environ {
    /// What x3270 sends: USER, then IBMELF "YES", IBMAPPLID (the literal "None" when no
    /// application is configured, as the x3270 traces show), then DEVNAME if configured.
    pub fn x3270(user: Option<&[u8]>, applid: Option<&[u8]>, devname: Option<&[u8]>) -> Self {
        Environ {
            user: user.map(<[u8]>::to_vec),
            uservars: vec![
                (USERVAR_IBMELF.to_vec(), b"YES".to_vec()),
                (
                    USERVAR_IBMAPPLID.to_vec(),
                    applid.unwrap_or(b"None").to_vec(),
                ),
            ],
            on_request: Vec::new(),
            devname: devname.map(Devname::new),
        }
    }

    /// Appends the complete `IAC SB NEW-ENVIRON IS ... IAC SE` answer to a SEND request.
    /// Requested variables are answered in the order asked; unknown ones are sent without a
    /// VALUE, which RFC 1572 defines as "not defined".
    pub fn write_is(&mut self, request: &[EnvRequestItem], out: &mut Vec<u8>) {
        let mut payload = vec![ENV_IS];
        if request.is_empty() {
            self.append_all_vars(&mut payload);
            self.append_all_uservars(&mut payload);
        }
        for item in request {
            match (item.kind, item.name.is_empty()) {
                (EnvKind::Var, true) => self.append_all_vars(&mut payload),
                (EnvKind::UserVar, true) => self.append_all_uservars(&mut payload),
                (kind, false) => {
                    let value = self.value_of(kind, &item.name);
                    append_env(&mut payload, kind, &item.name, value.as_deref());
                }
            }
        }
        write_subnegotiation(TelnetOption::NEW_ENVIRON, &payload, out);
    }

    fn value_of(&mut self, kind: EnvKind, name: &[u8]) -> Option<Vec<u8>> {
        match kind {
            EnvKind::Var if name == VAR_USER => self.user.clone(),
            EnvKind::Var => None,
            EnvKind::UserVar if name == USERVAR_DEVNAME => {
                self.devname.as_mut().map(Devname::next_value)
            }
            EnvKind::UserVar => self
                .uservars
                .iter()
                .chain(&self.on_request)
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone()),
        }
    }

    fn append_all_vars(&self, payload: &mut Vec<u8>) {
        if let Some(user) = &self.user {
            append_env(payload, EnvKind::Var, VAR_USER, Some(user));
        }
    }

    fn append_all_uservars(&mut self, payload: &mut Vec<u8>) {
        for (name, value) in &self.uservars {
            append_env(payload, EnvKind::UserVar, name, Some(value));
        }
        if let Some(devname) = self.devname.as_mut() {
            let value = devname.next_value();
            append_env(payload, EnvKind::UserVar, USERVAR_DEVNAME, Some(&value));
        }
    }
}

/// Appends `<kind> name [VALUE value]`, escaping the four NEW-ENVIRON type bytes with ESC.
fn append_env(payload: &mut Vec<u8>, kind: EnvKind, name: &[u8], value: Option<&[u8]>) {
    payload.push(kind.byte());
    append_env_escaped(payload, name);
    if let Some(value) = value {
        payload.push(ENV_VALUE);
        append_env_escaped(payload, value);
    }
}

fn append_env_escaped(payload: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        if matches!(b, ENV_VAR | ENV_VALUE | ENV_ESC | ENV_USERVAR) {
            payload.push(ENV_ESC);
        }
        payload.push(b);
    }
}
