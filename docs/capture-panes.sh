#!/bin/bash
# Captures the panes shown in docs/USER_GUIDE.md from the real binary, in a private tmux
# server (its own socket), into OUT_DIR (default: a new temporary directory), one file per
# pane with trailing spaces trimmed. Paste them into the guide by hand; the clock in the
# demo's header and the port numbers change from run to run.
#
#   cargo build && docs/capture-panes.sh [OUT_DIR]
#
# Needs tmux and openssl (for the TLS panes). Everything it starts is stopped by PID or by
# its socket name on the way out.
set -euo pipefail

B=${R3270:-$(dirname "$0")/../target/debug/r3270}
OUT=${1:-$(mktemp -d)}
mkdir -p "$OUT"
H=$(mktemp -d)
SOCK="r3270-capture-$$"
T=(tmux -L "$SOCK")
SERVE_PID=
cleanup() {
    "${T[@]}" kill-server 2>/dev/null || true
    if [ -n "$SERVE_PID" ]; then kill "$SERVE_PID" 2>/dev/null || true; fi
    rm -rf "$H"
    # A killed server can leave its socket file behind.
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
}
trap cleanup EXIT
ENV=(-e "HOME=$H" -e "XDG_CONFIG_HOME=$H/c" -e "XDG_DATA_HOME=$H/d" -e "XDG_STATE_HOME=$H/s" -e "XDG_CACHE_HOME=$H/k")

start() { "${T[@]}" -f /dev/null new-session -d -x "${COLS:-82}" -y "${ROWS:-28}" -s m "${ENV[@]}" "$@"; sleep 1.5; }
stop() { "${T[@]}" kill-server; sleep 0.3; }
cap() { "${T[@]}" capture-pane -p -t m | sed 's/[[:space:]]*$//' > "$OUT/$1.txt"; }
k() { "${T[@]}" send-keys -t m "$@"; sleep 0.5; }
l() { "${T[@]}" send-keys -t m -l "$1"; sleep 0.3; }

start "$B --demo"
cap signon
l demo; k Tab; l wrong; k Enter; cap signon-error
l demo; k Enter; cap menu
l 1; k Enter; l ACME; k Tab Tab; l 0; k Enter; cap order-error
k F3; k M-h; cap help
k Escape; k C-]; l conn; cap palette
k Escape; k C-]; l "connect demo"; k Enter; sleep 1; cap two-tabs
k C-q; sleep 0.5; cap quit
k n
"${T[@]}" resize-window -t m -x 60 -y 18; sleep 0.8; cap small
stop

mkdir -p "$H/c/r3270" "$H/d/r3270"
printf '[profile.prod]\nhost = "mvs.example.com"\ntls = "direct"\nmodel = "3279-4"\n\n[profile.test]\nhost = "127.0.0.1"\nport = 3270\n' > "$H/c/r3270/config.toml"
printf 'zos.example.org:623\n' > "$H/d/r3270/recent-hosts"
start "$B"
cap picker
l te; cap picker-typed
stop
rm -f "$H/c/r3270/config.toml"

start "$B --demo"
k Up Up Up
"${T[@]}" set-buffer -b p $'demo\ndemo'
"${T[@]}" paste-buffer -p -d -b p -t m; sleep 0.6; cap paste
stop

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$H/key.pem" -out "$H/cert.pem" -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
"$B" serve-demo --port 0 --tls-cert "$H/cert.pem" --tls-key "$H/key.pem" > "$H/serve.out" &
SERVE_PID=$!
sleep 1
PORT=$(grep -o '[0-9]*$' "$H/serve.out")
start "$B L:127.0.0.1:$PORT"; sleep 1; cap tls-failed; stop
printf '[profile.demo-tls]\nhost = "127.0.0.1"\nport = %s\ntls = "direct"\nverify = false\n' "$PORT" > "$H/c/r3270/config.toml"
start "$B demo-tls"; sleep 1; cap tls-not-verified; stop

env -i HOME=/home/ada PATH=/usr/bin:/bin "$B" paths > "$OUT/paths.txt" 2>&1
echo "panes in $OUT"
