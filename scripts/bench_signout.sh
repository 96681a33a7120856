#!/usr/bin/env bash
# What the Redis registry costs a session-reading route, and how many Redis commands one user's
# requests cause. Not a test: it prints numbers (docs/signout.md, "Numbers").
#
# Two `shop` processes (--release, --features redis) share core 0 and are loaded at the same
# moment by two wrk processes on core 1, as scripts/load_test.sh does, so that the machine's
# drift slows both alike:
#   registry   the Redis registry as validator, session.revalidate_secs = 30
#   none       no validator at all (SHOP_NO_VALIDATOR=1)
# both on GET /state.json with a signed-in session cookie. The ratio reported is the median of
# ROUNDS rounds of ROUND_SECONDS (sides swapped every other round). Then 1,000 requests of one
# signed-in user, and the Redis commands they caused, from the server's INFO commandstats.
#
#   scripts/bench_signout.sh
#   ROUNDS=4 ROUND_SECONDS=1 scripts/bench_signout.sh
#
# Needs curl, taskset, wrk, redis-server and redis-cli (installed through apt-get when run as
# root) and at least 2 cores. Everything listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-6}"
ROUND_SECONDS="${ROUND_SECONDS:-2}"

for pair in wrk:wrk redis-server:redis-server redis-cli:redis-tools; do
  command -v "${pair%%:*}" >/dev/null || {
    [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pair#*:}" >/dev/null
  }
done

cargo build --quiet --release --features redis --example shop
bin=target/release/examples/shop
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done

key="$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
sealed="{keys=[{id=1,key=\"$key\"}],session={revalidate_secs=30}}"
start_shop() { # port, extra env...
  local port="$1"; shift
  env -u REDIS_URL ROCKET_ADDRESS=127.0.0.1 ROCKET_PORT="$port" ROCKET_PROFILE=release \
    ROCKET_LOG_LEVEL=off ROCKET_CONFIG="$work/none.toml" ROCKET_SEALED="$sealed" \
    ROCKET_WORKERS=2 "$@" taskset -c 0 "$bin" >"$work/shop-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/state.json" >/dev/null && return; sleep 0.1; done
  echo "shop on $port did not start" >&2; exit 1
}
reg_port="$(free_port)"; none_port="$(free_port)"
start_shop "$reg_port" REDIS_URL="redis://127.0.0.1:$redis_port/"
start_shop "$none_port" SHOP_NO_VALIDATOR=1
[ "$(curl -s "http://127.0.0.1:$reg_port/registry.json" | grep -o '"kind":"redis"')" ] || {
  echo "the registry shop does not use Redis" >&2; exit 1; }

cookie_of() { # port → a signed-in session's Cookie header
  curl -s -o /dev/null -c "$work/jar-$1" -d name=ada "http://127.0.0.1:$1/login"
  awk '$6 ~ /^sealed_session/ {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$work/jar-$1"
}
reg_cookie="$(cookie_of "$reg_port")"; none_cookie="$(cookie_of "$none_port")"

rps() { # port cookie → requests per second over ROUND_SECONDS
  taskset -c 1 wrk -t1 -c8 -d"${ROUND_SECONDS}s" -H "Cookie: $2" "http://127.0.0.1:$1/state.json" \
    | awk '/Requests\/sec/ {print $2}'
}
ratios=()
for round in $(seq "$ROUNDS"); do
  rps "$reg_port" "$reg_cookie" >"$work/a" & rps "$none_port" "$none_cookie" >"$work/b"; wait
  a="$(cat "$work/a")"; b="$(cat "$work/b")"
  ratio="$(python3 -c "print(f'{$a / $b:.3f}')")"
  ratios+=("$ratio")
  echo "round $round: registry $a req/s, none $b req/s, ratio $ratio"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{r[NR]=$1} END {printf "median ratio registry/none: %s (min %s, max %s) over %d rounds\n", r[int((NR+1)/2)], r[1], r[NR], NR}'

# 1,000 requests of one user, and the Redis commands they caused.
redis-cli -p "$redis_port" config resetstat >/dev/null
user_cookie="$(cookie_of "$reg_port")"
for _ in $(seq 1000); do echo "url = \"http://127.0.0.1:$reg_port/state.json\""; done >"$work/urls"
start=$(date +%s)
curl -s -o /dev/null -H "Cookie: $user_cookie" --config "$work/urls"
took=$(( $(date +%s) - start ))
calls="$(redis-cli -p "$redis_port" info commandstats | tr -d '\r' \
  | awk -F'[:=,]' '/^cmdstat_/ && $1 !~ /cmdstat_(info|config)$/ {n += $3; printf "  %s %s\n", $1, $3 > "/dev/stderr"} END {print n+0}')"
echo "1,000 requests of one user in ${took}s (sign-in included): $calls Redis commands"
echo "registry counters: $(curl -s "http://127.0.0.1:$reg_port/registry.json")"
