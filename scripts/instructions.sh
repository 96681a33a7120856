#!/usr/bin/env bash
# Instructions per request that the fairing adds, counted with valgrind's cachegrind: the
# `overhead` example sends requests through Rocket's local client to the same handlers with
# the fairing and a session, and without either (benches/common/apps.rs).
#
# Counting instructions does not depend on what else the machine is doing, so unlike requests
# per second it gives the same answer run after run (to within a few dozen instructions), and
# it is how changes to the request path can be compared on a shared machine. It counts user
# space only (no kernel, no cache misses), and the local client's own work is included: for a
# write that is about 9,400 instructions spent parsing the Set-Cookie line it gets back, work
# a browser does rather than the server.
#
#   scripts/instructions.sh            # requests: 200 and 1200, difference / 1000
#
# The local client sends the same cookie every time, so the sealed rows find it among the
# values the server opened lately (`open_cache`); two more rows count them with it off.
#
# Needs valgrind (Debian: apt-get install valgrind; run as root the script installs it).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/common.sh
. scripts/common.sh
LOW="${LOW:-200}"
HIGH="${HIGH:-1200}"

if ! command -v valgrind >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y valgrind >/dev/null || { apt-get update >/dev/null && apt-get install -y valgrind >/dev/null; }
    else
        echo "instructions: valgrind is not installed (Debian: apt-get install valgrind)" >&2
        exit 1
    fi
fi

echo "building the overhead example (release)..." >&2
cargo build --release --example overhead --quiet
target_dir="$(cargo_target_dir)"
bin="$target_dir/release/examples/overhead"

# count ROUTE SIDE N: instructions of a whole run of N requests.
count() {
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        "$bin" local "$1" "$2" "$3" 2>&1 >/dev/null | awk '/I *refs/ { gsub(",", "", $NF); print $NF }'
}

# per ROUTE SIDE: instructions per request, setup cancelled out.
per() {
    local low high
    low="$(count "$1" "$2" "$LOW")"
    high="$(count "$1" "$2" "$HIGH")"
    [ -n "$low" ] && [ -n "$high" ] || { echo "instructions: valgrind gave no count for $1 $2" >&2; exit 1; }
    echo $(( (high - low) / (HIGH - LOW) ))
}

echo
echo "User-space instructions per request through Rocket's local client (cachegrind,"
echo "$((HIGH - LOW)) requests); $(rustc --version)."
echo
echo "| route | without the fairing | with it and a session | added |"
echo "|---|---:|---:|---:|"
for route in read write untouched; do
    without="$(per "$route" without)"
    with="$(per "$route" with)"
    [ "$route" = write ] && plain_write="$without"
    [ "$route" = read ] && plain_read="$without"
    echo "| \`$route\` | $without | $with | $((with - without)) |"
done
# Every request sends the same cookie, so the rows above find it among the values the
# server opened lately. With `open_cache = 0` each request decrypts it.
cold_read="$(OPEN_CACHE=0 per read with)"
cold_write="$(OPEN_CACHE=0 per write with)"
echo "| \`read\`, \`open_cache = 0\` (every request decrypts) | $plain_read | $cold_read | $((cold_read - plain_read)) |"
echo "| \`write\`, \`open_cache = 0\` | $plain_write | $cold_write | $((cold_write - plain_write)) |"
# No fairing: /write answering with a copy of a sealed Set-Cookie line, against the plain
# /write counted above (the row's own number, not a second count of it).
floor="$(per write_cookie without)"
echo "| \`write_cookie\` (no fairing; \`write\` answering with a copy of a sealed \`Set-Cookie\`) | $floor | – | $((floor - plain_write)) over \`write\` |"
