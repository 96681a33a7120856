#!/usr/bin/env bash
# Load test over real HTTP from 127.0.0.1 with wrk, in one run. First the `shop` example:
#
#   baseline  GET  /state.json   no cookie: the guards run, there is nothing to open
#   read      GET  /state.json   with a session cookie (a cart of a few lines): opened
#   write     POST /cart/add     with that cookie: opened, changed, sealed again, plus a
#                                flash message sealed into TempData (a 303 redirect)
#
# with each route's ratio to the baseline, plus the crate's `opened` counter before and after
# each phase (so a baseline that decrypted anything, or a read phase that did not, shows).
# Then the `overhead` example: the same `/read` and `/write` handlers (those of
# benches/fairing.rs) on a Rocket with the fairing and a session and on one without either,
# so each ratio is what this crate costs that route. Servers are --release, stopped on exit.
#
#   scripts/load_test.sh               # 10 s per route, 8 connections, 1 wrk thread
#   DURATION=5 CONNECTIONS=16 scripts/load_test.sh
#
# Needs curl and wrk (Debian: apt-get install wrk; run as root the script installs it).
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-8}"
THREADS="${THREADS:-1}"
PORT="${PORT:-18731}"
BASE="http://127.0.0.1:$PORT"

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
    else
        echo "load_test: wrk is not installed (Debian: apt-get install wrk)" >&2
        exit 1
    fi
fi
command -v curl >/dev/null || { echo "load_test: curl is needed" >&2; exit 1; }

echo "building the shop and overhead examples (release)..." >&2
cargo build --release --example shop --example overhead --quiet
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
shop="$target_dir/release/examples/shop"
overhead="$target_dir/release/examples/overhead"
OVERHEAD_PORT=$((PORT + 2))

work="$(mktemp -d)"
server_pid=""
overhead_pid=""
cleanup() {
    for pid in $server_pid $overhead_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

# A throwaway key for this run: 32 random bytes in base64url.
key="$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
ROCKET_PROFILE=release ROCKET_ADDRESS=127.0.0.1 ROCKET_PORT="$PORT" ROCKET_LOG_LEVEL=off \
    ROCKET_SEALED="{keys=[{id=1,key=\"$key\"}]}" "$shop" >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 100); do
    curl -fs -o /dev/null "$BASE/metrics" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
done
curl -fs -o /dev/null "$BASE/metrics" || { echo "load_test: the shop did not start" >&2; exit 1; }

# A session with a cart of three lines; keep only the session's cookies (a flash in
# TempData would be consumed by the first read and change what later requests do).
for note in "for Ada" "for Grace, with a card" "for Barbara"; do
    curl -fs -o /dev/null -b "$work/jar" -c "$work/jar" \
        --data-urlencode "product=1" --data-urlencode "qty=2" --data-urlencode "note=$note" \
        "$BASE/cart/add"
done
cookie="$(awk -F'\t' '$6 ~ /^sealed_session(C[0-9]+)?$/ { printf "%s%s=%s", sep, $6, $7; sep="; " }' "$work/jar")"
[ -n "$cookie" ] || { echo "load_test: no session cookie was set" >&2; exit 1; }
curl -fs -H "Cookie: $cookie" "$BASE/state.json" | grep -q '"cart_count":3' \
    || { echo "load_test: the session cookie does not carry the cart" >&2; exit 1; }

cat >"$work/write.lua" <<EOF
wrk.method = "POST"
wrk.body = "product=2&qty=1&note=gift"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$cookie"
EOF

# The shop's `opened` counter; 0 while the shop is not running (the overhead phases).
opened() {
    if [ -n "$server_pid" ]; then
        curl -fs "$BASE/metrics" | awk '$1 == "rocket_sealed_opened" { print $2 }'
    else
        echo 0
    fi
}

# run NAME wrk-args...: prints "NAME rps opened-delta"
run() {
    local name="$1"; shift
    local before after out rps
    before="$(opened)"
    out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "$@")"
    after="$(opened)"
    if grep -q 'Non-2xx or 3xx' <<<"$out"; then
        echo "load_test: $name got error responses:" >&2
        echo "$out" >&2
        exit 1
    fi
    rps="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")"
    echo "$name $rps $((after - before))"
}

echo "running $DURATION s per route, $CONNECTIONS connections..." >&2
wrk -t1 -c"$CONNECTIONS" -d2s "$BASE/state.json" >/dev/null # warm-up
results="$(
    run baseline "$BASE/state.json"
    run read -H "Cookie: $cookie" "$BASE/state.json"
    run write -s "$work/write.lua" "$BASE/cart/add"
)"
kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
server_pid=""

OVERHEAD_PORT="$OVERHEAD_PORT" "$overhead" >"$work/overhead.log" 2>&1 &
overhead_pid=$!
WITH="http://127.0.0.1:$OVERHEAD_PORT"
WITHOUT="http://127.0.0.1:$((OVERHEAD_PORT + 1))"
for _ in $(seq 1 100); do
    curl -fs -o /dev/null "$WITHOUT/read" && curl -fs -o /dev/null -X POST "$WITH/fill" && break
    kill -0 "$overhead_pid" 2>/dev/null || { cat "$work/overhead.log" >&2; exit 1; }
    sleep 0.1
done
session="$(curl -fs -X POST -D - -o /dev/null "$WITH/fill" \
    | sed -n 's/^[Ss]et-[Cc]ookie: \(sealed_session=[^;]*\).*/\1/p')"
[ -n "$session" ] || { echo "load_test: the overhead server set no session" >&2; exit 1; }
[ "$(curl -fs -H "Cookie: $session" "$WITH/read")" = "alice@example.com has 5 items" ] \
    || { echo "load_test: the overhead session does not open" >&2; exit 1; }
printf 'wrk.method = "POST"\nwrk.headers["Cookie"] = "%s"\n' "$session" >"$work/post.lua"

# The same Cookie header on both sides, so request sizes match.
wrk -t1 -c"$CONNECTIONS" -d2s -H "Cookie: $session" "$WITH/read" >/dev/null # warm-up
overhead_results="$(
    run read_without -H "Cookie: $session" "$WITHOUT/read"
    run read_with -H "Cookie: $session" "$WITH/read"
    run write_without -s "$work/post.lua" "$WITHOUT/write"
    run write_with -s "$work/post.lua" "$WITH/write"
)"

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo
echo "shop example, release build, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s from 127.0.0.1;"
echo "$cpu, $(nproc) cores (server and wrk share them), $(rustc --version)"
echo
echo "| route | what it does | requests/s | vs baseline | sessions opened |"
echo "|---|---|---:|---:|---:|"
awk '
    $1 == "baseline" { base = $2 }
    { rps[$1] = $2; op[$1] = $3 }
    END {
        what["baseline"] = "`GET /state.json`, no cookie: nothing to open"
        what["read"] = "`GET /state.json` with the session cookie: opened"
        what["write"] = "`POST /cart/add` with it: opened, changed, sealed + a flash"
        split("baseline read write", order, " ")
        for (i = 1; i <= 3; i++) {
            n = order[i]
            printf "| %s | %s | %.0f | %.0f%% | %d |\n", n, what[n], rps[n], 100 * rps[n] / base, op[n]
        }
    }' <<<"$results"

echo
echo "| same handler (benches/common/apps.rs) | without the fairing, requests/s | with it and a session | with ÷ without |"
echo "|---|---:|---:|---:|"
awk '
    { rps[$1] = $2 }
    END {
        what["read"] = "`GET /read`: a user and a 5-line cart read from the session"
        what["write"] = "`POST /write`: a counter in the session updated (opened, sealed)"
        split("read write", order, " ")
        for (i = 1; i <= 2; i++) {
            n = order[i]
            printf "| %s | %.0f | %.0f | %.0f%% |\n", what[n], rps[n "_without"], rps[n "_with"], 100 * rps[n "_with"] / rps[n "_without"]
        }
    }' <<<"$overhead_results"
