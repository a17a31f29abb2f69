//! s3270's command line, as the clients that start s3270 write it.
//!
//! py3270 starts `s3270 -xrm "s3270.unlockDelay: False"`, Robot Framework's Mainframe3270
//! adds `-xrm "*model: 2" -utf8`, other tools pass `-model`, `-port`, `-trace`, TLS options
//! and a host. Options are single-dash words with their value in the next argument, as
//! s3270 takes them; an unknown option fails with the usage, as s3270 does. `-xrm`
//! resources and `*.s3270` session files are honoured where r3270 has the setting and
//! otherwise ignored with a note on stderr.

use std::path::PathBuf;

/// Everything the command line said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScriptArgs {
    pub model: Option<String>,
    pub terminal_type: Option<String>,
    pub oversize: Option<String>,
    pub utf8: bool,
    pub min_version: Option<String>,
    pub port: Option<u16>,
    pub code_page: Option<String>,
    pub trace: bool,
    pub trace_file: Option<PathBuf>,
    pub no_verify_cert: bool,
    pub accept_hostname: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub script_port: Option<String>,
    pub script_port_once: bool,
    /// `-set NAME` / `-clear NAME` toggles, in order.
    pub toggles: Vec<(String, bool)>,
    /// Resources that were not understood: `name: value`, for a note on stderr.
    pub ignored: Vec<String>,
    pub host: Option<String>,
    pub version: bool,
}

/// The usage text, printed when the command line is wrong.
pub const USAGE: &str = "Usage: r3270 script [options] [[prefix:][LUname@]hostname[:port]]\n\
       s3270 [options] [[prefix:][LUname@]hostname[:port]]\n\
       s3270 [options] session-file.s3270\n\
Options:\n\
  -xrm \"s3270.resource: value\"   set a resource (model, termName, port, codePage, ...)\n\
  -model MODEL          3278/3279 model (2-5, 3279-4-E, ...); default 3279-4-E\n\
  -tn NAME              terminal type to send\n\
  -oversize COLSxROWS   larger screen (with -tn IBM-DYNAMIC)\n\
  -port N               default port (23)\n\
  -charset|-codepage CP host code page\n\
  -utf8                 print screen text as UTF-8\n\
  -minversion V         fail unless this version is at least V\n\
  -trace, -tracefile F  write an x3270 trace\n\
  -noverifycert         do not verify the host's certificate (TLS)\n\
  -accepthostname NAME  accept this name in the certificate\n\
  -cafile F             trust this CA file\n\
  -certfile F -keyfile F  client certificate and key\n\
  -scriptport [ADDR:]PORT  also take script commands on this TCP port (127.0.0.1)\n\
  -scriptportonce       exit when the first script-port client disconnects\n\
  -set TOGGLE, -clear TOGGLE  set or clear a toggle (aidWait, ...)\n\
  -script               read actions from standard input (the default)\n\
  -v, --version         print the version\n";

/// Parses the arguments after the program name. `Err` holds the message to print before
/// the usage.
pub fn parse(args: &[String]) -> Result<ScriptArgs, String> {
    let mut out = ScriptArgs::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        i += 1;
        let mut value = |name: &str| -> Result<String, String> {
            let v = args
                .get(i)
                .cloned()
                .ok_or_else(|| format!("Missing value for {name}"))?;
            i += 1;
            Ok(v)
        };
        match a {
            "-xrm" => {
                let r = value(a)?;
                resource(&mut out, &r);
            }
            "-model" => out.model = Some(value(a)?),
            "-tn" => out.terminal_type = Some(value(a)?),
            "-oversize" => out.oversize = Some(value(a)?),
            "-utf8" => out.utf8 = true,
            "-minversion" => out.min_version = Some(value(a)?),
            "-port" => {
                let v = value(a)?;
                out.port = Some(v.parse().map_err(|_| format!("Invalid port: {v}"))?);
            }
            "-charset" | "-codepage" => out.code_page = Some(value(a)?),
            "-trace" => out.trace = true,
            "-tracefile" => out.trace_file = Some(value(a)?.into()),
            "-noverifycert" | "-nvc" => out.no_verify_cert = true,
            "-verifycert" => out.no_verify_cert = false,
            "-accepthostname" => out.accept_hostname = Some(value(a)?),
            "-cafile" => out.ca_file = Some(value(a)?.into()),
            "-certfile" => out.cert_file = Some(value(a)?.into()),
            "-keyfile" => out.key_file = Some(value(a)?.into()),
            "-scriptport" => out.script_port = Some(value(a)?),
            "-scriptportonce" => out.script_port_once = true,
            "-set" => out.toggles.push((value(a)?, true)),
            "-clear" => out.toggles.push((value(a)?, false)),
            "-v" | "--version" => out.version = true,
            "-script" | "--" => {}
            _ if a.starts_with('-') && a.len() > 1 => {
                return Err(format!("Unknown or incomplete option: {a}"));
            }
            _ => {
                if out.host.is_some() {
                    return Err(format!("Extra argument: {a}"));
                }
                if std::path::Path::new(a)
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("s3270"))
                {
                    session_file(&mut out, a)?;
                } else {
                    out.host = Some(a.to_owned());
                }
            }
        }
    }
    Ok(out)
}

/// One `-xrm` resource: `s3270.name: value`, `*name: value` or `name: value`.
fn resource(out: &mut ScriptArgs, r: &str) {
    let Some((name, value)) = r.split_once(':') else {
        out.ignored.push(r.to_owned());
        return;
    };
    let name = name.trim();
    let short = name.rsplit(['.', '*']).next().unwrap_or(name);
    let value = value.trim().to_owned();
    let truthy =
        |v: &str| v.eq_ignore_ascii_case("true") || v == "1" || v.eq_ignore_ascii_case("on");
    match short.to_ascii_lowercase().as_str() {
        "model" => out.model = Some(value),
        "termname" => out.terminal_type = Some(value),
        "oversize" => out.oversize = Some(value),
        "port" => match value.parse() {
            Ok(p) => out.port = Some(p),
            Err(_) => out.ignored.push(r.to_owned()),
        },
        "codepage" | "charset" | "hostcodepage" => out.code_page = Some(value),
        "utf8" => out.utf8 = truthy(&value),
        "tracefile" => out.trace_file = Some(value.into()),
        "trace" => out.trace = truthy(&value),
        "verifyhostcert" | "tlsverifyhostcert" => out.no_verify_cert = !truthy(&value),
        "accepthostname" | "tlsaccepthostname" => out.accept_hostname = Some(value),
        "cafile" | "tlscafile" => out.ca_file = Some(value.into()),
        "certfile" | "tlscertfile" => out.cert_file = Some(value.into()),
        "keyfile" | "tlskeyfile" => out.key_file = Some(value.into()),
        "hostname" => out.host = Some(value),
        "scriptport" => out.script_port = Some(value),
        "aidwait" => out.toggles.push(("aidWait".to_owned(), truthy(&value))),
        // r3270 never delays the unlock (x3270's unlockDelay exists for slow hosts that
        // misbehave when typed at too soon; the script waits for the unlock itself), so
        // turning it off is already the case.
        "unlockdelay" if !truthy(&value) => {}
        _ => out.ignored.push(r.to_owned()),
    }
}

/// A `*.s3270` session file: resource lines (`s3270.hostname: ...`), `!` comments.
fn session_file(out: &mut ScriptArgs, path: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('!') || line.starts_with('#') {
            continue;
        }
        resource(out, line);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<ScriptArgs, String> {
        parse(&a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn what_py3270_and_robot_pass() {
        let a = args(&[
            "-xrm",
            "s3270.unlockDelay: False",
            "-xrm",
            "*model: 2",
            "-utf8",
        ])
        .unwrap();
        assert_eq!(a.model.as_deref(), Some("2"));
        assert!(a.utf8);
        assert!(a.ignored.is_empty());
        let a = args(&["-model", "3279-2", "-noverifycert", "L:host:992"]).unwrap();
        assert_eq!(a.host.as_deref(), Some("L:host:992"));
        assert!(a.no_verify_cert);
    }

    #[test]
    fn a_session_file_sets_host_and_resources() {
        let dir = std::env::temp_dir().join(format!("r3270-s3270-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("prod.s3270");
        std::fs::write(
            &path,
            "! a session file\ns3270.hostname: L:host.example:992\ns3270.model: 3279-3-E\n",
        )
        .unwrap();
        let a = args(&[path.to_str().unwrap()]).unwrap();
        assert_eq!(a.host.as_deref(), Some("L:host.example:992"));
        assert_eq!(a.model.as_deref(), Some("3279-3-E"));
        assert!(args(&["/nonexistent/x.s3270"]).is_err());
    }

    #[test]
    fn unknown_options_fail_and_unknown_resources_are_noted() {
        assert!(args(&["-bogus"]).is_err());
        assert!(args(&["-model"]).is_err());
        let a = args(&["-xrm", "s3270.blankFill: true"]).unwrap();
        assert_eq!(a.ignored, vec!["s3270.blankFill: true".to_owned()]);
    }
}
