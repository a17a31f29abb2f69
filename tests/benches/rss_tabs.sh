#!/bin/sh
# The TUI's resident memory with 1, 10 and 100 tabs open on the demo host
# (docs/PERFORMANCE.md, "Memory per session").
#
# Starts `r3270 serve-demo` on 127.0.0.1, then for each count the TUI in a private tmux
# server with `ui.restore-tabs = "always"` and a list of N tabs on that host left by a "run
# that did not quit", waits until the demo host has served N sign-on screens plus a settle,
# and reads VmRSS of the TUI from /proc. Every process it starts is stopped by PID.
#
# Usage: tests/benches/rss_tabs.sh [path/to/r3270]   (default target/release/r3270)
set -eu
BIN=${1:-target/release/r3270}
WORK=$(mktemp -d)
SOCK=r3270-rss-$$
cleanup() {
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    [ -n "${DEMO:-}" ] && kill "$DEMO" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
"$BIN" serve-demo --port 0 >"$WORK/demo.out" 2>&1 &
DEMO=$!
for _ in $(seq 100); do
    grep -q "listening on" "$WORK/demo.out" 2>/dev/null && break
    sleep 0.1
done
ADDR=$(sed -n 's/.*listening on \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$WORK/demo.out")
[ -n "$ADDR" ] || { echo "the demo host did not start" >&2; exit 1; }
for N in 1 10 100; do
    HOME_DIR="$WORK/home-$N"
    mkdir -p "$HOME_DIR/data"
    cat >"$HOME_DIR/config.toml" <<CONF
[ui]
restore-tabs = "always"
[paths]
data-dir = "$HOME_DIR/data"
[limits]
max-sessions = 128
CONF
    : >"$HOME_DIR/data/open-tabs"
    for i in $(seq "$N"); do printf '%s\ttab%s\n' "$ADDR" "$i" >>"$HOME_DIR/data/open-tabs"; done
    tmux -L "$SOCK" -f /dev/null new-session -d -x 120 -y 40 -s "rss$N" \
        "HOME=$HOME_DIR exec $BIN --config $HOME_DIR/config.toml"
    PID=$(tmux -L "$SOCK" display-message -p -t "rss$N" '#{pane_pid}')
    # Every tab connected: the monitor sorted by state, worst first, shows a connected
    # session in its first row (and N sessions, none needing attention).
    sleep 2
    tmux -L "$SOCK" send-keys -t "rss$N" M-m
    sleep 0.5
    tmux -L "$SOCK" send-keys -t "rss$N" s s r
    READY=no
    for _ in $(seq 300); do
        SCREEN=$(tmux -L "$SOCK" capture-pane -p -t "rss$N")
        if echo "$SCREEN" | grep -q "Session monitor: $N sessions, 0 need" &&
            echo "$SCREEN" | sed -n 3p | grep -q "connected-tn3270e"; then
            READY=yes
            break
        fi
        sleep 0.1
    done
    [ "$READY" = yes ] || { echo "$N tabs: not all connected" >&2; exit 1; }
    sleep 2
    RSS=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
    echo "$N tabs: VmRSS $RSS KiB"
    tmux -L "$SOCK" kill-session -t "rss$N"
done
