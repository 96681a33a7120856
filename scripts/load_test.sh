#!/usr/bin/env bash
# Load test over real HTTP from 127.0.0.1 with wrk, each comparison measured side by side.
#
# The `overhead` example serves the same `/read`, `/write` and `/untouched` handlers (those of
# benches/common/apps.rs) twice: on one port a Rocket with the fairing and a session, on the
# next one without either. So "with ÷ without" is what this crate costs that route.
# The `shop` example is compared with itself:
#   baseline  GET  /state.json   no cookie: the guards run, there is nothing to open
#   read      GET  /state.json   with a session cookie (a cart of three lines): opened
#   write     POST /cart/add     with that cookie: opened, changed, sealed again, plus a
#                                flash message sealed into TempData (a 303 redirect)
#
# How: this machine's speed drifts by tens of percent from one second to the next (it is a
# shared virtual machine), so two routes measured one after the other differ by more than the
# crate costs. Instead, two server processes share core 0 and are loaded at the same moment,
# one on each route, by two wrk processes on core 1. The kernel splits core 0 evenly between
# the two busy servers, so whatever slows the machine slows both alike, and the ratio of their
# requests per second is the ratio of what a request costs them. Each round lasts
# ROUND_SECONDS; every other round swaps which process serves which side, and the ratio
# reported is the median over ROUNDS rounds, with the lowest and highest beside it. Each
# process's CPU time is read around every round too: "CPU per request" does not depend on how
# evenly the core was split, and a round in which the two servers did not keep core 0 busy is
# left out (then wrk, not the servers, set the pace); fewer than half the rounds kept fails.
#
# The shop's `opened` counter is read around every round: a baseline that decrypted anything,
# or a read that did not, fails the script. Servers are --release builds, stopped on exit.
#
#   scripts/load_test.sh                        # 10 rounds of 2 s per comparison
#   ROUNDS=4 ROUND_SECONDS=1 scripts/load_test.sh
#   OPEN_CACHE=0 scripts/load_test.sh            # sets `open_cache` in both apps
#
# wrk sends the same cookie on every request, so with the default `open_cache` every request
# but the first finds its cookie among the values the server opened lately and does not
# decrypt it, as a browser's repeated requests to one instance do. OPEN_CACHE=0 measures
# the other case: every request decrypts, as when each cookie is new to the instance.
#
# Needs curl, taskset and wrk (Debian: apt-get install wrk; run as root the script installs it)
# and at least 2 cores.
set -euo pipefail
# Functions run inside $(...) (pair, rps) must stop on a failure too.
shopt -s inherit_errexit

cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-10}"
ROUND_SECONDS="${ROUND_SECONDS:-2}"
CONNECTIONS="${CONNECTIONS:-8}"
PORT="${PORT:-18731}"
OPEN_CACHE="${OPEN_CACHE:-}"
open_cache_setting=""
[ -n "$OPEN_CACHE" ] && open_cache_setting=",open_cache=$OPEN_CACHE"

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
    else
        echo "load_test: wrk is not installed (Debian: apt-get install wrk)" >&2
        exit 1
    fi
fi
for tool in curl taskset; do
    command -v "$tool" >/dev/null || { echo "load_test: $tool is needed" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "load_test: needs 2 cores (servers on one, wrk on another)" >&2; exit 1; }

echo "building the shop and overhead examples (release)..." >&2
cargo build --release --example shop --example overhead --quiet
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# start NAME LOG URL ENV...: starts an example on core 0, waits until URL answers, and appends
# its pid to `pids`.
start() {
    local name="$1" log="$2" url="$3" pid; shift 3
    env "$@" taskset -c 0 "$target_dir/release/examples/$name" >"$work/$log.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 1 100); do
        curl -fs -o /dev/null "$url" && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$work/$log.log" >&2
    echo "load_test: $name did not start" >&2
    exit 1
}

stop_all() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
}

# CPU time (user + system, clock ticks) a process has used.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# The shop's `opened` counter at BASE (empty for the overhead example, which has no /metrics).
opened() { curl -fs "$1/metrics" 2>/dev/null | awk '$1 == "rocket_sealed_opened" { print $2 }' || true; }

# load NAME SCRIPT URL: one wrk run on core 1 into $work/NAME.out (in the background).
load() {
    taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${ROUND_SECONDS}s" -s "$2" "$3" >"$work/$1.out" &
}

# rps NAME: requests/s of a finished run; fails on error responses.
rps() {
    if grep -q -e 'Non-2xx or 3xx' -e 'Socket errors' "$work/$1.out"; then
        echo "load_test: $1 got errors:" >&2
        cat "$work/$1.out" >&2
        exit 1
    fi
    awk '/^Requests\/sec:/ { print $2 }' "$work/$1.out"
}

tick_hz="$(getconf CLK_TCK)"

# pair NAME ROUND SIDE_PID SIDE_BASE SIDE_SCRIPT SIDE_PATH REF_PID REF_BASE REF_SCRIPT REF_PATH
# Loads the side and its reference at the same time; prints
# "NAME ROUND side-rps ref-rps side-cpu-µs/request ref-cpu-µs/request core-busy-% side-opened ref-opened".
pair() {
    local name="$1" round="$2" spid="$3" sbase="$4" sscript="$5" spath="$6"
    local rpid="$7" rbase="$8" rscript="$9" rpath="${10}"
    local so0 ro0 so1 ro1 sc0 rc0 sc1 rc1 t0 t1 srps rrps
    so0="$(opened "$sbase")" ro0="$(opened "$rbase")"
    sc0="$(cpu_ticks "$spid")" rc0="$(cpu_ticks "$rpid")" t0="$(date +%s%N)"
    load side "$sscript" "$sbase$spath"
    load ref "$rscript" "$rbase$rpath"
    wait # (a subshell: only the two wrk runs)
    t1="$(date +%s%N)" sc1="$(cpu_ticks "$spid")" rc1="$(cpu_ticks "$rpid")"
    so1="$(opened "$sbase")" ro1="$(opened "$rbase")"
    srps="$(rps side)" rrps="$(rps ref)"
    awk -v n="$name" -v r="$round" -v s="$srps" -v f="$rrps" -v hz="$tick_hz" -v d="$ROUND_SECONDS" \
        -v sc=$((sc1 - sc0)) -v rc=$((rc1 - rc0)) -v wall=$((t1 - t0)) \
        -v so=$(( ${so1:-0} - ${so0:-0} )) -v ro=$(( ${ro1:-0} - ${ro0:-0} )) 'BEGIN {
            printf "%s %d %.0f %.0f %.2f %.2f %.0f %d %d\n", n, r, s, f,
                sc / hz * 1e6 / (s * d), rc / hz * 1e6 / (f * d), 100 * (sc + rc) / hz / (wall / 1e9), so, ro
        }'
}

# summary RESULTS: per NAME, "NAME median-ratio min max side-rps ref-rps side-µs ref-µs busy% rounds"
# (ratio = side ÷ reference requests/s; rps and µs are medians).
summary() {
    awk '
        function median(list,   n, a, i, j, t) {
            n = split(list, a, " ")
            for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        NF {
            r = $3 / $4
            ratio[$1] = ratio[$1] " " r; srps[$1] = srps[$1] " " $3; rrps[$1] = rrps[$1] " " $4
            sus[$1] = sus[$1] " " $5; rus[$1] = rus[$1] " " $6; busy[$1] = busy[$1] " " $7
            if (!($1 in lo) || r < lo[$1]) lo[$1] = r
            if (!($1 in hi) || r > hi[$1]) hi[$1] = r
            if (!($1 in seen)) { seen[$1]; order[++k] = $1 }
            count[$1]++
        }
        END {
            for (i = 1; i <= k; i++) {
                n = order[i]
                printf "%s %.3f %.3f %.3f %.0f %.0f %.2f %.2f %.0f %d\n", n, median(ratio[n]), lo[n], hi[n],
                    median(srps[n]), median(rrps[n]), median(sus[n]), median(rus[n]), median(busy[n]), count[n]
            }
        }' <<<"$1"
}

# busy_rounds RESULTS: the rounds in which the two servers kept core 0 busy (85 % of the
# round or more). In the others wrk, not the servers, set the pace (the machine's other
# tenants can stall wrk's core too), which pulls a ratio towards 1: they are left out, and
# said so. Fails when a comparison keeps fewer than half of its rounds.
busy_rounds() {
    awk -v rounds="$ROUNDS" '
        !NF { next }
        { names[$1] }
        $7 < 85 { print "load_test: round left out, core 0 was " $7 "% busy: " $0 >"/dev/stderr"; next }
        { print; kept[$1]++ }
        END {
            for (n in names) if (kept[n] * 2 < rounds) {
                print "load_test: fewer than half of the rounds of " n " kept core 0 busy" >"/dev/stderr"
                bad = 1
            }
            exit bad
        }' <<<"$1"
}

# ---- the shop, two processes with the same key -------------------------------------------
key="$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
shop_a="http://127.0.0.1:$PORT" shop_b="http://127.0.0.1:$((PORT + 1))"
for i in 0 1; do
    start shop "shop$i" "http://127.0.0.1:$((PORT + i))/metrics" ROCKET_PROFILE=release \
        ROCKET_ADDRESS=127.0.0.1 ROCKET_PORT="$((PORT + i))" ROCKET_LOG_LEVEL=off \
        "ROCKET_SEALED={keys=[{id=1,key=\"$key\"}]$open_cache_setting}"
done
shop_pids=("${pids[@]}")

# A session with a cart of three lines; keep only the session's cookies (a flash in
# TempData would be consumed by the first read and change what later requests do).
for note in "for Ada" "for Grace, with a card" "for Barbara"; do
    curl -fs -o /dev/null -b "$work/jar" -c "$work/jar" \
        --data-urlencode "product=1" --data-urlencode "qty=2" --data-urlencode "note=$note" \
        "$shop_a/cart/add"
done
cookie="$(awk -F'\t' '$6 ~ /^sealed_session(C[0-9]+)?$/ { printf "%s%s=%s", sep, $6, $7; sep="; " }' "$work/jar")"
[ -n "$cookie" ] || { echo "load_test: no session cookie was set" >&2; exit 1; }
for base in "$shop_a" "$shop_b"; do
    curl -fs -H "Cookie: $cookie" "$base/state.json" | grep -q '"cart_count":3' \
        || { echo "load_test: the session cookie does not carry the cart at $base" >&2; exit 1; }
done
printf 'wrk.headers["Cookie"] = "%s"\n' "$cookie" >"$work/read.lua"
cat >"$work/write.lua" <<EOF
wrk.method = "POST"
wrk.body = "product=2&qty=1&note=gift"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$cookie"
EOF
: >"$work/plain.lua"

echo "shop: $ROUNDS rounds of ${ROUND_SECONDS} s per comparison..." >&2
load warm "$work/read.lua" "$shop_a/state.json"; w=$!
load warm2 "$work/plain.lua" "$shop_b/state.json"; wait "$w" $!
shop_raw=""
for r in $(seq 1 "$ROUNDS"); do
    a=0 b=1
    [ $((r % 2)) = 0 ] && a=1 b=0
    bases=("$shop_a" "$shop_b")
    for route in read write; do
        script="$work/$route.lua" path=/state.json
        [ "$route" = write ] && path=/cart/add
        shop_raw+="$(pair "$route" "$r" "${shop_pids[$a]}" "${bases[$a]}" "$script" "$path" \
            "${shop_pids[$b]}" "${bases[$b]}" "$work/plain.lua" /state.json)"$'\n'
    done
done
stop_all
shop_raw="$(busy_rounds "$shop_raw")"
awk 'NF && $9 != 0 { print "the baseline opened a session:", $0; bad = 1 }
     NF && $1 == "read" && $8 == 0 { print "the read opened nothing:", $0; bad = 1 }
     END { exit bad }' <<<"$shop_raw" >&2 || exit 1
shop="$(summary "$shop_raw")"

# ---- the overhead example, two processes, each with and without the fairing --------------
p0=$((PORT + 2)) p1=$((PORT + 4))
for p in "$p0" "$p1"; do
    start overhead "overhead$p" "http://127.0.0.1:$((p + 1))/read" OVERHEAD_PORT="$p" ${OPEN_CACHE:+OPEN_CACHE="$OPEN_CACHE"}
done
overhead_pids=("${pids[@]}")
session="$(curl -fs -X POST -D - -o /dev/null "http://127.0.0.1:$p0/fill" \
    | sed -n 's/^[Ss]et-[Cc]ookie: \(sealed_session=[^;]*\).*/\1/p')"
[ -n "$session" ] || { echo "load_test: the overhead server set no session" >&2; exit 1; }
# Each process seals with its own fresh key: fill the second one's session too.
session1="$(curl -fs -X POST -D - -o /dev/null "http://127.0.0.1:$p1/fill" \
    | sed -n 's/^[Ss]et-[Cc]ookie: \(sealed_session=[^;]*\).*/\1/p')"
for s in "$p0:$session" "$p1:$session1"; do
    [ "$(curl -fs -H "Cookie: ${s#*:}" "http://127.0.0.1:${s%%:*}/read")" = "alice@example.com has 5 items" ] \
        || { echo "load_test: the overhead session does not open" >&2; exit 1; }
done
# wrk scripts per process and method; both sides of a pair send the same Cookie header.
for i in 0 1; do
    s="$session"; [ "$i" = 1 ] && s="$session1"
    printf 'wrk.headers["Cookie"] = "%s"\n' "$s" >"$work/get$i.lua"
    printf 'wrk.method = "POST"\nwrk.headers["Cookie"] = "%s"\n' "$s" >"$work/post$i.lua"
done

echo "overhead: $ROUNDS rounds of ${ROUND_SECONDS} s per comparison..." >&2
load warm "$work/get0.lua" "http://127.0.0.1:$p0/read"; w=$!
load warm2 "$work/get1.lua" "http://127.0.0.1:$p1/read"; wait "$w" $!
overhead_raw=""
ports=("$p0" "$p1")
for r in $(seq 1 "$ROUNDS"); do
    a=0 b=1
    [ $((r % 2)) = 0 ] && a=1 b=0
    for route in read write untouched cookie_floor beyond_floor; do
        kind=get
        case "$route" in write | cookie_floor | beyond_floor) kind=post ;; esac
        # The side on process a, the reference on process b, both sent process a's cookie so
        # that the requests are the same size. Each process serves with the fairing on its
        # port and without it on the next one.
        sealed_a="http://127.0.0.1:${ports[$a]}" plain_a="http://127.0.0.1:$((ports[a] + 1))"
        plain_b="http://127.0.0.1:$((ports[b] + 1))"
        case "$route" in
            # What answering with a copy of a sealed Set-Cookie line costs, without crypto or state.
            cookie_floor) side=("$plain_a" /write_cookie) ref=("$plain_b" /write) ;;
            # What the crate costs beyond that.
            beyond_floor) side=("$sealed_a" /write) ref=("$plain_b" /write_cookie) ;;
            *) side=("$sealed_a" "/$route") ref=("$plain_b" "/$route") ;;
        esac
        overhead_raw+="$(pair "$route" "$r" \
            "${overhead_pids[$a]}" "${side[0]}" "$work/$kind$a.lua" "${side[1]}" \
            "${overhead_pids[$b]}" "${ref[0]}" "$work/$kind$a.lua" "${ref[1]}")"$'\n'
    done
done
stop_all
overhead_raw="$(busy_rounds "$overhead_raw")"
overhead="$(summary "$overhead_raw")"

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo
echo "Release builds; $cpu, $(nproc) cores; $(rustc --version). Two server processes share core 0"
echo "and are loaded at the same time, one per side, each by wrk -t1 -c$CONNECTIONS on core 1;"
echo "$ROUNDS rounds of $ROUND_SECONDS s, the processes swapped every other round; a round is kept when the"
echo "servers kept core 0 at least 85 % busy. Ratio: median (lowest–highest) over the rounds kept;"
echo "requests/s and CPU per request: medians. A server had half a core, so its requests/s are"
echo "about half of what it serves alone. open_cache: ${OPEN_CACHE:-the default}."
echo
echo "| same handler (benches/common/apps.rs) | with ÷ without | requests/s with / without | CPU per request with / without |"
echo "|---|---:|---:|---:|"
awk '{
        what["read"] = "`GET /read`: a user and a 5-line cart read from the session"
        what["write"] = "`POST /write`: a counter in the session updated (opened, sealed)"
        what["untouched"] = "`GET /untouched`: no guard (the cookie is sent, nothing opened)"
        what["cookie_floor"] = "`POST /write_cookie` (no fairing: `/write` answering with a copy of a sealed `Set-Cookie` line) ÷ `/write`"
        what["beyond_floor"] = "`POST /write` with the fairing ÷ `/write_cookie` without it"
        printf "| %s | **%.0f%%** (%.0f–%.0f%%, %d rounds) | %d / %d | %.1f / %.1f µs |\n", what[$1], 100 * $2, 100 * $3, 100 * $4, $10, $5, $6, $7, $8
    }' <<<"$overhead"
echo
echo "| shop route, against \`GET /state.json\` with no cookie | ÷ baseline | requests/s route / baseline | CPU per request route / baseline |"
echo "|---|---:|---:|---:|"
awk '{
        what["read"] = "`GET /state.json` with the session cookie: opened"
        what["write"] = "`POST /cart/add` with it: opened, changed, sealed + a flash, 303"
        printf "| %s | %.0f%% (%.0f–%.0f%%, %d rounds) | %d / %d | %.1f / %.1f µs |\n", what[$1], 100 * $2, 100 * $3, 100 * $4, $10, $5, $6, $7, $8
    }' <<<"$shop"
