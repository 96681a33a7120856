#!/usr/bin/env bash
# Memory soak: 100,000 distinct sessions through one instance, and its resident memory (VmRSS)
# after every 10,000. The open cache keeps the values opened lately; it must stay bounded, so the
# RSS levels off (target: after 100,000 sessions within 10 % of the RSS after 10,000).
#
#   scripts/soak.sh                          # 100,000 sessions, RSS every 10,000
#   SESSIONS=20000 STEP=5000 scripts/soak.sh
#   OPEN_CACHE=0 scripts/soak.sh             # `open_cache` off, for comparison
#
# The `overhead` example's sealed Rocket (--release) runs pinned to core 0. A client of Python's
# standard library (THREADS connections, kept alive) makes each session: POST /fill with no
# cookie (a new session: a user and a cart of five lines, ~440 characters sealed), then GET
# /read with the cookie it was given, which must answer the filled session. Every session is
# new to the instance, so each one's value enters the open cache. Prints one line per step:
# sessions so far, VmRSS, and the requests per second of the step.
#
# Needs curl, taskset and python3. Traffic goes to 127.0.0.1 only; the server is stopped on exit.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
# shellcheck source=scripts/common.sh
. scripts/common.sh
SESSIONS="${SESSIONS:-100000}"
STEP="${STEP:-10000}"
THREADS="${THREADS:-4}"
for tool in curl taskset python3; do
    command -v "$tool" >/dev/null || { echo "soak: $tool is needed" >&2; exit 1; }
done

echo "soak: building the overhead example (release)..." >&2
cargo build --release --example overhead --quiet
target_dir="$(cargo_target_dir)"

scratch
port="$(free_port)"
OVERHEAD_ONLY=with OVERHEAD_PORT="$port" taskset -c 0 "$target_dir/release/examples/overhead" >/dev/null 2>&1 &
pid=$!
pids+=("$pid")
answers "http://127.0.0.1:$port/untouched" "$pid" || { echo "soak: the server did not start" >&2; exit 1; }

echo "soak: $SESSIONS sessions, RSS every $STEP (open_cache: ${OPEN_CACHE:-the default})" >&2
taskset -c 1 python3 - "$port" "$pid" "$SESSIONS" "$STEP" "$THREADS" <<'EOF'
import http.client, sys, threading, time

port, pid, total, step, threads = (int(a) for a in sys.argv[1:])
EXPECTED = b"alice@example.com has 5 items"

def rss_kib():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("soak: no VmRSS")

def sessions(n, failures):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(n):
        conn.request("POST", "/fill", headers={"Content-Length": "0"})
        r = conn.getresponse()
        r.read()
        cookie = next((v.split(";", 1)[0] for k, v in r.getheaders()
                       if k.lower() == "set-cookie" and v.startswith("sealed_session")), None)
        if r.status != 200 or cookie is None:
            failures.append(f"/fill answered {r.status} without a session cookie")
            return
        conn.request("GET", "/read", headers={"Cookie": cookie})
        r = conn.getresponse()
        body = r.read()
        if r.status != 200 or body != EXPECTED:
            failures.append(f"/read answered {r.status} {body[:60]!r}")
            return
    conn.close()

print(f"{'sessions':>9} {'VmRSS':>10}  requests/s")
print(f"{0:>9} {rss_kib():>7} KiB")
done, rows = 0, []
while done < total:
    n = min(step, total - done)
    failures, t0 = [], time.monotonic()
    workers = [threading.Thread(target=sessions, args=(n // threads + (i < n % threads), failures))
               for i in range(threads)]
    for w in workers: w.start()
    for w in workers: w.join()
    if failures:
        raise SystemExit("soak: " + failures[0])
    done += n
    rss = rss_kib()
    rows.append((done, rss))
    print(f"{done:>9} {rss:>7} KiB  {2 * n / (time.monotonic() - t0):8.0f}", flush=True)

first = next((r for s, r in rows if s >= step), rows[0][1])
last = rows[-1][1]
print(f"RSS after {rows[-1][0]:,} sessions: {last / 1024:.1f} MiB, {100 * (last - first) / first:+.1f} % "
      f"against {rows[0][0]:,} sessions ({first / 1024:.1f} MiB); target: within 10 %")
EOF
