#!/usr/bin/env bash
# Load test over real HTTP from 127.0.0.1: each comparison measured side by side by
# scripts/paired.sh (two servers pinned to core 0 and loaded at the same moment, several rounds,
# the median ratio of their requests per second, with an A/A run beside it for the noise).
#
#   scripts/load_test.sh                     # every table below, one after the other
#   scripts/load_test.sh read write          # only those
#   ROUNDS=4 ROUND_SECONDS=1 scripts/load_test.sh read
#   OPEN_CACHE=0 scripts/load_test.sh        # sets `open_cache` in the apps: every request decrypts
#
# Tables (B ÷ A; the `overhead` example serves the same handlers, those of
# benches/common/apps.rs, with the fairing and a session, without either (the twin), and as the
# peer: the same map as JSON in a private AES-GCM cookie, as `cookies.add_private` does):
#   read, write, untouched   ours ÷ the twin: GET /read, POST /write, GET /untouched
#   peer-read, peer-write    ours ÷ the peer: GET /read, POST /write (both sent both cookies)
#   peer-twin-read, peer-twin-write
#                            the peer ÷ the twin: what the peer's sessions cost (the most any
#                            session could be faster than the peer: ours ÷ peer ≤ twin ÷ peer)
#   cookie-floor             the twin's /write_cookie (a copy of a sealed Set-Cookie line) ÷ /write
#   beyond-floor             our /write ÷ the twin's /write_cookie: what we cost beyond the cookie
#   shop-read, shop-write    the shop: GET /state.json with a session (a cart of three lines),
#                            POST /cart/add with it (opened, changed, sealed, a flash, 303),
#                            each ÷ GET /state.json with no cookie
# Both sides of a table are sent the same Cookie header, except the shop's baseline (none).
#
# wrk sends the same cookie on every request, so with the default `open_cache` every request but
# the first finds its cookie among the values the server opened lately and does not decrypt it,
# as a browser's repeated requests to one instance do; OPEN_CACHE=0 measures the other case.
# Needs curl, taskset and wrk (paired.sh installs wrk when run as root) and 2 cores. Servers are
# --release builds, stopped on exit.
set -euo pipefail
shopt -s inherit_errexit

cd "$(dirname "$0")/.."
# shellcheck source=scripts/common.sh
. scripts/common.sh
OPEN_CACHE="${OPEN_CACHE:-}"
export OPEN_CACHE
all=(read write untouched peer-read peer-write peer-twin-read peer-twin-write cookie-floor beyond-floor
    shop-read shop-write)
tables=("$@")
[ $# -gt 0 ] || tables=("${all[@]}")
for t in "${tables[@]}"; do
    [[ " ${all[*]} " == *" $t "* ]] || { echo "load_test: no table $t (${all[*]})" >&2; exit 2; }
done

echo "load_test: building the shop and overhead examples (release)..." >&2
cargo build --release --example shop --example overhead --quiet
target_dir="$(cargo_target_dir)"
overhead="$target_dir/release/examples/overhead"
shop="$target_dir/release/examples/shop"
scratch

# One key per run for each app, so that every process opens the cookies made below.
new_key() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
sealed_key="$(new_key)" shop_key="$(new_key)"
open_cache_setting=""
[ -n "$OPEN_CACHE" ] && open_cache_setting=",open_cache=$OPEN_CACHE"
shop_env="ROCKET_PROFILE=release ROCKET_ADDRESS=127.0.0.1 ROCKET_LOG_LEVEL=off ROCKET_CONFIG=/nonexistent/Rocket.toml"
shop_env+=" 'ROCKET_SEALED={keys=[{id=1,key=\"$shop_key\"}]$open_cache_setting}'"

# wait_up URL PID: until URL answers.
wait_up() {
    answers "$1" "$2" || { echo "load_test: $1 did not start" >&2; exit 1; }
}

# The cookies: a filled session from ours and from the peer, and a shop session with a cart of
# three lines (only the session's cookies: a flash in TempData would be consumed by the first
# read and change what later requests do). Made once on a server of their own, stopped after.
port=$((21000 + RANDOM % 20000))
SEALED_KEY="$sealed_key" OVERHEAD_PORT="$port" "$overhead" >"$work/overhead.log" 2>&1 &
pids+=($!)
wait_up "http://127.0.0.1:$((port + 2))/untouched" $!
set_cookie() { curl -fs -X POST -D - -o /dev/null "$1" | sed -n "s/^[Ss]et-[Cc]ookie: \($2=[^;]*\).*/\1/p"; }
sealed_cookie="$(set_cookie "http://127.0.0.1:$port/fill" sealed_session)"
peer_cookie="$(set_cookie "http://127.0.0.1:$((port + 2))/fill" peer_session)"
[ -n "$sealed_cookie" ] && [ -n "$peer_cookie" ] || { echo "load_test: /fill set no cookie" >&2; exit 1; }
bash -c "exec env $shop_env ROCKET_PORT=$((port + 3)) $shop" >"$work/shop.log" 2>&1 &
pids+=($!)
wait_up "http://127.0.0.1:$((port + 3))/state.json" $!
for note in for+Ada for+Grace,+with+a+card for+Barbara; do
    curl -fs -o /dev/null -b "$work/jar" -c "$work/jar" --data "product=1&qty=2&note=$note" \
        "http://127.0.0.1:$((port + 3))/cart/add"
done
shop_cookie="$(awk -F'\t' '$6 ~ /^sealed_session(C[0-9]+)?$/ { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$work/jar")"
curl -fs -H "Cookie: $shop_cookie" "http://127.0.0.1:$((port + 3))/state.json" | grep -q '"cart_count":3' \
    || { echo "load_test: the shop's session cookie does not carry the cart" >&2; exit 1; }
for pid in "${pids[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
pids=()

with="SEALED_KEY=$sealed_key OVERHEAD_ONLY=with OVERHEAD_PORT=\$PORT $overhead"
without="OVERHEAD_ONLY=without OVERHEAD_PORT=\$PORT $overhead"
peer="OVERHEAD_ONLY=peer OVERHEAD_PORT=\$PORT $overhead"
shop_cmd="$shop_env ROCKET_PORT=\$PORT $shop"

for t in "${tables[@]}"; do
    echo >&2
    case "$t" in
        read | write | untouched)
            method=GET; [ "$t" = write ] && method=POST
            args=(--a "$without" --b "$with" --path "/$t" --method "$method" --cookie "$sealed_cookie"
                --label "\`$method /$t\`, ours ÷ the twin without the fairing") ;;
        peer-read | peer-write)
            method=GET path=/read; [ "$t" = peer-write ] && method=POST path=/write
            args=(--a "$peer" --b "$with" --path "$path" --method "$method"
                --cookie "$sealed_cookie; $peer_cookie" --label "\`$method $path\`, ours ÷ the peer (JSON in a private cookie)") ;;
        peer-twin-read | peer-twin-write)
            method=GET path=/read; [ "$t" = peer-twin-write ] && method=POST path=/write
            args=(--a "$without" --b "$peer" --path "$path" --method "$method"
                --cookie "$sealed_cookie; $peer_cookie" --label "\`$method $path\`, the peer ÷ the twin without sessions") ;;
        cookie-floor)
            args=(--a "$without" --b "$without" --a-path /write --b-path /write_cookie --method POST
                --cookie "$sealed_cookie" --label "the twin's \`/write_cookie\` ÷ its \`/write\` (sending the cookie alone)") ;;
        beyond-floor)
            args=(--a "$without" --b "$with" --a-path /write_cookie --b-path /write --method POST
                --cookie "$sealed_cookie" --label "our \`/write\` ÷ the twin's \`/write_cookie\` (beyond the cookie)") ;;
        shop-read)
            args=(--a "$shop_cmd" --path /state.json --a-no-cookie --cookie "$shop_cookie"
                --label "shop \`GET /state.json\` with the session ÷ without a cookie") ;;
        shop-write)
            args=(--a "$shop_cmd" --a-path /state.json --a-no-cookie --b-path /cart/add --b-method POST
                --b-body "product=2&qty=1&note=gift" --cookie "$shop_cookie"
                --label "shop \`POST /cart/add\` (303, a flash) ÷ \`GET /state.json\` without a cookie") ;;
    esac
    echo "load_test: $t (open_cache: ${OPEN_CACHE:-the default})" >&2
    scripts/paired.sh "${args[@]}"
done
