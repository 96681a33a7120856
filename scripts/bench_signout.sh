#!/usr/bin/env bash
# What the Redis registry costs a session-reading route, and how many Redis commands one user's
# requests cause. Not a test: it prints numbers (docs/signout.md, "Numbers").
#
#   scripts/bench_signout.sh                       # 8 rounds of 2 s, then 1,000 requests three ways
#   ROUNDS=4 ROUND_SECONDS=1 SPREAD_SECONDS=35 scripts/bench_signout.sh
#
# 1. Requests per second, side by side (scripts/paired.sh: two servers pinned to core 0, loaded
#    at the same moment, the median ratio over the rounds, an A/A run beside it), of the `shop`
#    example (--release, --features redis) on GET /state.json with a signed-in session:
#      A  no validator at all (SHOP_NO_VALIDATOR=1)
#      B  the Redis registry as validator, session.revalidate_secs = 30
#    The session signs in again on B before every round, so each round's requests carry a
#    verdict younger than the interval, as the requests between two checks do: the ratio is what
#    the registry costs the requests that do not look it up (one in an interval does).
# 2. 1,000 requests of one signed-in user, and the Redis commands they caused (INFO
#    commandstats; the sign-in's SET included):
#      burst     at once, in a few seconds (within one interval);
#      browser   spread over SPREAD_SECONDS (default 65: three intervals), the client keeping
#                the cookies each response sets, as a browser does;
#      replay    the same, the client sending the sign-in's cookie every time and never the
#                refreshed one (a copy replayed, or a client that drops Set-Cookie).
#
# Needs curl, taskset, wrk, redis-server and redis-cli (installed through apt-get when run as
# root) and 2 cores. Everything listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
# shellcheck source=scripts/common.sh
. scripts/common.sh
SPREAD_SECONDS="${SPREAD_SECONDS:-65}"
# A REDIS_URL of the environment would give the no-validator side a registry too.
unset REDIS_URL

for tool in wrk:wrk redis-server:redis-server redis-cli:redis-tools; do
    command -v "${tool%%:*}" >/dev/null || {
        [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool#*:}" >/dev/null
    } || { echo "bench_signout: ${tool%%:*} is needed" >&2; exit 1; }
done

echo "bench_signout: building the shop with the redis feature (release)..." >&2
cargo build --quiet --release --features redis --example shop
target_dir="$(cargo_target_dir)"
bin="$target_dir/release/examples/shop"
scratch

redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
redis-cli -p "$redis_port" ping | grep -q PONG || { echo "bench_signout: redis-server did not start" >&2; exit 1; }

key="$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
shop_env="ROCKET_ADDRESS=127.0.0.1 ROCKET_PROFILE=release ROCKET_LOG_LEVEL=off ROCKET_WORKERS=2"
shop_env+=" ROCKET_CONFIG=$work/none.toml 'ROCKET_SEALED={keys=[{id=1,key=\"$key\"}],session={revalidate_secs=30}}'"
registry="$shop_env REDIS_URL=redis://127.0.0.1:$redis_port/ ROCKET_PORT=\$PORT $bin"
none="$shop_env SHOP_NO_VALIDATOR=1 ROCKET_PORT=\$PORT $bin"

# 1. Requests per second.
scripts/paired.sh --a "$none" --b "$registry" --path /state.json \
    --cookie-from B:POST:/login:name=ada --cookie-match '^sealed_session' --fresh-cookie \
    --label "\`GET /state.json\`, signed in: the registry (revalidate 30 s) ÷ no validator"

# 2. Redis commands of 1,000 requests of one user.
port="$(free_port)"
bash -c "exec env ${registry//\$PORT/$port}" >"$work/shop.log" 2>&1 &
pids+=($!)
answers "http://127.0.0.1:$port/state.json" "$!" \
    || { echo "bench_signout: the shop did not start" >&2; cat "$work/shop.log" >&2; exit 1; }
curl -s "http://127.0.0.1:$port/registry.json" | grep -q '"kind":"redis"' \
    || { echo "bench_signout: the shop does not use Redis" >&2; cat "$work/shop.log" >&2; exit 1; }
for _ in $(seq 1000); do printf 'url = "http://127.0.0.1:%s/state.json"\noutput = "/dev/null"\n' "$port"; done >"$work/urls"

# commands WAY: signs the user in, sends the 1,000 requests, prints the commands Redis counted.
commands() {
    local way="$1" opts t0 took calls rate=$((1000 * 60 / SPREAD_SECONDS))
    redis-cli -p "$redis_port" config resetstat >/dev/null
    rm -f "$work/jar"
    curl -s -o /dev/null -c "$work/jar" -d name=ada "http://127.0.0.1:$port/login"
    case "$way" in
        burst) opts=(-b "$work/jar" -c "$work/jar") ;;
        browser) opts=(--rate "$rate/m" -b "$work/jar" -c "$work/jar") ;;
        replay) opts=(--rate "$rate/m" -H "Cookie: $(awk -F'\t' 'NF >= 7 && $6 ~ /^sealed_session/ {
                    printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$work/jar")") ;;
    esac
    t0="$(date +%s)"
    curl -s "${opts[@]}" --config "$work/urls"
    took=$(($(date +%s) - t0))
    calls="$(redis-cli -p "$redis_port" info commandstats | tr -d '\r' | awk -F'[:=,]' '
        /^cmdstat_/ && $1 !~ /^cmdstat_(info|config|ping|client|hello)/ { n += $3; s = s ", " substr($1, 9) " " $3 }
        END { print n + 0 " (" substr(s, 3) ")" }')"
    printf '%-8s 1,000 requests in %3d s: %s Redis commands, the sign-in'"'"'s SET included\n' "$way" "$took" "$calls"
}
echo
echo "One user, revalidate_secs = 30:"
commands burst
commands browser
commands replay
echo "registry counters: $(curl -s "http://127.0.0.1:$port/registry.json")"
