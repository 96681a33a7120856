#!/usr/bin/env bash
# Load test over real HTTP from 127.0.0.1 with wrk. Two servers, one after the other:
#
# The `shop` example:
#   baseline  GET  /state.json   no cookie: the guards run, there is nothing to open
#   read      GET  /state.json   with a session cookie (a cart of a few lines): opened
#   write     POST /cart/add     with that cookie: opened, changed, sealed again, plus a
#                                flash message sealed into TempData (a 303 redirect)
# The `overhead` example: the same `/read` and `/write` handlers (those of benches/fairing.rs)
# on a Rocket with the fairing and a session and on one without either, so each ratio is what
# this crate costs that route.
#
# Shared machines drift by tens of percent within a minute, so the routes of one server run
# round-robin in short rounds (ROUNDS x ROUND_SECONDS each), and each ratio is the median over
# rounds of that round's pair; requests/s are medians too. With 2+ cores the server runs on
# core 0 and wrk on core 1 (taskset), so wrk's own work does not come out of the server's share.
# The shop's `opened` counter is read around every run: a baseline that decrypted anything, or
# a read that did not, fails the script. Servers are --release builds, stopped on exit.
#
#   scripts/load_test.sh                       # 8 rounds of 2 s per route, 8 connections
#   ROUNDS=4 ROUND_SECONDS=1 scripts/load_test.sh
#
# Needs curl and wrk (Debian: apt-get install wrk; run as root the script installs it).
set -euo pipefail

cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-8}"
ROUND_SECONDS="${ROUND_SECONDS:-2}"
CONNECTIONS="${CONNECTIONS:-8}"
PORT="${PORT:-18731}"
BASE="http://127.0.0.1:$PORT"
OVERHEAD_PORT=$((PORT + 2))
WITH="http://127.0.0.1:$OVERHEAD_PORT"
WITHOUT="http://127.0.0.1:$((OVERHEAD_PORT + 1))"

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
    else
        echo "load_test: wrk is not installed (Debian: apt-get install wrk)" >&2
        exit 1
    fi
fi
command -v curl >/dev/null || { echo "load_test: curl is needed" >&2; exit 1; }

server_cpu=() client_cpu=() placement="server and wrk share all $(nproc) cores"
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    server_cpu=(taskset -c 0) client_cpu=(taskset -c 1)
    placement="server pinned to core 0, wrk to core 1"
fi

echo "building the shop and overhead examples (release)..." >&2
cargo build --release --example shop --example overhead --quiet
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# start NAME URL ENV...: starts an example on core 0 and waits until URL answers.
start() {
    local name="$1" url="$2"; shift 2
    env "$@" "${server_cpu[@]}" "$target_dir/release/examples/$name" >"$work/$name.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        curl -fs -o /dev/null "$url" && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$work/$name.log" >&2
    echo "load_test: $name did not start" >&2
    exit 1
}

stop() {
    kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# The shop's `opened` counter (empty for the overhead server, which has no /metrics).
opened() { curl -fs "$BASE/metrics" 2>/dev/null | awk '$1 == "rocket_sealed_opened" { print $2 }' || true; }

# rounds PHASE... : each PHASE is "name|wrk arguments"; runs them round-robin, printing
# "round name rps opened-delta" lines.
rounds() {
    local r phase name args before after out
    for r in $(seq 1 "$ROUNDS"); do
        for phase in "$@"; do
            name="${phase%%|*}" args="${phase#*|}"
            before="$(opened)"
            # shellcheck disable=SC2086 # args is a list of words by design
            out="$("${client_cpu[@]}" wrk -t1 -c"$CONNECTIONS" -d"${ROUND_SECONDS}s" $args)"
            after="$(opened)"
            if grep -q 'Non-2xx or 3xx' <<<"$out"; then
                echo "load_test: $name got error responses:" >&2
                echo "$out" >&2
                exit 1
            fi
            echo "$r $name $(awk '/^Requests\/sec:/ { print $2 }' <<<"$out") $(( ${after:-0} - ${before:-0} ))"
        done
    done
}

# medians RESULTS: "name median-rps opened-total" lines, and "ratio name/ref median" for the
# pairs named in $PAIRS ("name:ref ...").
medians() {
    awk -v pairs="$PAIRS" '
        function median(list,   n, a, i, j, t) {
            n = split(list, a, " ")
            for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        { rps[$2] = rps[$2] " " $3; v[$1, $2] = $3; op[$2] += $4; names[$2]; if ($1 > last) last = $1 }
        END {
            for (n in names) printf "rps %s %.0f %d\n", n, median(rps[n]), op[n]
            np = split(pairs, p, " ")
            for (i = 1; i <= np; i++) {
                split(p[i], nr, ":"); list = ""
                for (r = 1; r <= last; r++) list = list " " v[r, nr[1]] / v[r, nr[2]]
                printf "ratio %s %.3f\n", nr[1], median(list)
            }
        }' <<<"$1"
}

key="$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
start shop "$BASE/metrics" ROCKET_PROFILE=release ROCKET_ADDRESS=127.0.0.1 ROCKET_PORT="$PORT" \
    ROCKET_LOG_LEVEL=off "ROCKET_SEALED={keys=[{id=1,key=\"$key\"}]}"

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
printf 'wrk.headers["Cookie"] = "%s"\n' "$cookie" >"$work/read.lua"
cat >"$work/write.lua" <<EOF
wrk.method = "POST"
wrk.body = "product=2&qty=1&note=gift"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$cookie"
EOF

echo "shop: $ROUNDS rounds of ${ROUND_SECONDS} s per route..." >&2
"${client_cpu[@]}" wrk -t1 -c"$CONNECTIONS" -d2s "$BASE/state.json" >/dev/null # warm-up
shop_raw="$(rounds "baseline|$BASE/state.json" "read|-s $work/read.lua $BASE/state.json" \
    "write|-s $work/write.lua $BASE/cart/add")"
stop
shop="$(PAIRS="read:baseline write:baseline" medians "$shop_raw")"
awk '$1 == "rps" && $2 == "baseline" && $4 != 0 { exit 1 } $1 == "rps" && $2 == "read" && $4 == 0 { exit 1 }' <<<"$shop" \
    || { echo "load_test: the opened counter is wrong:" >&2; echo "$shop" >&2; exit 1; }

start overhead "$WITHOUT/read" OVERHEAD_PORT="$OVERHEAD_PORT"
session="$(curl -fs -X POST -D - -o /dev/null "$WITH/fill" \
    | sed -n 's/^[Ss]et-[Cc]ookie: \(sealed_session=[^;]*\).*/\1/p')"
[ -n "$session" ] || { echo "load_test: the overhead server set no session" >&2; exit 1; }
[ "$(curl -fs -H "Cookie: $session" "$WITH/read")" = "alice@example.com has 5 items" ] \
    || { echo "load_test: the overhead session does not open" >&2; exit 1; }
# The same Cookie header on both sides, so request sizes match.
printf 'wrk.headers["Cookie"] = "%s"\n' "$session" >"$work/get.lua"
printf 'wrk.method = "POST"\nwrk.headers["Cookie"] = "%s"\n' "$session" >"$work/post.lua"

echo "overhead: $ROUNDS rounds of ${ROUND_SECONDS} s per route..." >&2
"${client_cpu[@]}" wrk -t1 -c"$CONNECTIONS" -d2s -s "$work/get.lua" "$WITH/read" >/dev/null # warm-up
overhead_raw="$(rounds "read_without|-s $work/get.lua $WITHOUT/read" "read_with|-s $work/get.lua $WITH/read" \
    "write_without|-s $work/post.lua $WITHOUT/write" "write_with|-s $work/post.lua $WITH/write")"
stop
overhead="$(PAIRS="read_with:read_without write_with:write_without" medians "$overhead_raw")"

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo
echo "Release builds, wrk -t1 -c$CONNECTIONS from 127.0.0.1, $ROUNDS rounds of $ROUND_SECONDS s per route"
echo "(round-robin; medians); $cpu, $(nproc) cores, $placement; $(rustc --version)."
echo
echo "| shop route | what it does | requests/s | vs baseline | sessions opened |"
echo "|---|---|---:|---:|---:|"
awk '
    $1 == "rps" { rps[$2] = $3; op[$2] = $4 }
    $1 == "ratio" { ratio[$2] = $3 }
    END {
        ratio["baseline"] = 1
        what["baseline"] = "`GET /state.json`, no cookie: nothing to open"
        what["read"] = "`GET /state.json` with the session cookie: opened"
        what["write"] = "`POST /cart/add` with it: opened, changed, sealed + a flash"
        split("baseline read write", order, " ")
        for (i = 1; i <= 3; i++) {
            n = order[i]
            printf "| %s | %s | %d | %.0f%% | %d |\n", n, what[n], rps[n], 100 * ratio[n], op[n]
        }
    }' <<<"$shop"
echo
echo "| same handler (benches/common/apps.rs) | without the fairing, requests/s | with it and a session | with ÷ without |"
echo "|---|---:|---:|---:|"
awk '
    $1 == "rps" { rps[$2] = $3 }
    $1 == "ratio" { ratio[$2] = $3 }
    END {
        what["read"] = "`GET /read`: a user and a 5-line cart read from the session"
        what["write"] = "`POST /write`: a counter in the session updated (opened, sealed)"
        split("read write", order, " ")
        for (i = 1; i <= 2; i++) {
            n = order[i]
            printf "| %s | %d | %d | %.0f%% |\n", what[n], rps[n "_without"], rps[n "_with"], 100 * ratio[n "_with"]
        }
    }' <<<"$overhead"
