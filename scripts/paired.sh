#!/usr/bin/env bash
# Side-by-side load test: the requests per second of server B against server A, measured so
# that this machine's drift cancels out, with an A/A run beside it that shows the noise floor.
#
# Usage:
#   scripts/paired.sh --a 'CMD' [--b 'CMD'] --path /read [options]
#
#   --a CMD            the command that serves side A. It is run as `env CMD` pinned to core 0,
#                      with $PORT in its environment (a free port on 127.0.0.1 it must listen
#                      on); CMD may start with VAR=value words, and use $PORT in them
#                      (quote it: 'OVERHEAD_PORT=$PORT target/release/examples/overhead').
#   --b CMD            the command for side B (default: the same as A: an A/A run twice).
#   --path PATH        the request's path on both sides; --a-path and --b-path set one side.
#   --method M         GET (default) or POST; --body TEXT (a form, sent as
#                      application/x-www-form-urlencoded) with it. --a-method, --b-method,
#                      --a-body and --b-body set one side.
#   --cookie TEXT      the Cookie header both sides are sent (name=value; name=value).
#   --a-no-cookie      side A is sent no Cookie header (a baseline with nothing to open).
#   --cookie-from SIDE:METHOD:PATH[:BODY]
#                      asks the first server of SIDE (A or B) and adds the cookies it sets to
#                      the Cookie header (repeatable; the requests share one cookie jar, in the
#                      order given, so several can build one session).
#   --cookie-match RE  keeps only the cookies whose name matches the extended regex RE.
#   --fresh-cookie     asks for the cookies again before every round (a session whose sealed
#                      times must stay young, such as a registry's verdict).
#   --label TEXT       the row's label in the markdown printed at the end.
#   ROUNDS=8 ROUND_SECONDS=2 CONNECTIONS=8 in the environment: the rounds, their length and
#                      wrk's connections per side.
#
# Example (scripts/load_test.sh runs this and the other tables, with their cookies):
#   scripts/paired.sh --a 'OVERHEAD_ONLY=without OVERHEAD_PORT=$PORT target/release/examples/overhead' \
#       --b 'SEALED_KEY=<32 bytes, base64url> OVERHEAD_ONLY=with OVERHEAD_PORT=$PORT target/release/examples/overhead' \
#       --path /read --cookie-from B:POST:/fill
#
# Method: three server processes run pinned to core 0: A (twice: A1 and A2) and B. Each round
# loads two of them at the same moment, each by its own `wrk -t1` pinned to core 1, for
# ROUND_SECONDS: first A1 against A2 (the A/A run), then A against B (A1 in odd rounds, A2 in
# even ones; the order the two wrk processes start in is swapped every other round too). The
# kernel splits core 0 evenly between two busy servers, so whatever slows the machine, other
# work on core 0 included, slows both sides alike, and the ratio of their requests per second is
# the ratio of what a request costs them ("ours" in the per-round lines is the share of core 0
# the two servers had). Core 0's idle time is read around every run: a run in which core 0 was
# idle more than 15 % of the time (wrk, not the servers, set the pace) is left out and said so;
# fewer than half of the rounds kept fails. The result is the median of the per-round ratios
# B/A (and A2/A1), with the lowest and highest, and the medians of requests/s and CPU per request.
# Identical servers read 1.00 within the A/A spread; a server has half a core, so its
# requests/s are about half of what it serves alone.
#
# Needs taskset, curl and wrk (run as root with apt-get, the script installs wrk) and 2 cores.
# Traffic goes to 127.0.0.1 only; the servers are stopped on exit.
set -euo pipefail
shopt -s inherit_errexit

die() { echo "paired: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

a_cmd="" b_cmd="" a_path="" b_path="" a_method=GET b_method=GET a_body="" b_body="" cookie=""
a_no_cookie=0
cookie_from=() cookie_match="." fresh=0 label=""
while [ $# -gt 0 ]; do
    case "$1" in
        --a) a_cmd="$2"; shift 2 ;;
        --b) b_cmd="$2"; shift 2 ;;
        --path) a_path="$2" b_path="$2"; shift 2 ;;
        --a-path) a_path="$2"; shift 2 ;;
        --b-path) b_path="$2"; shift 2 ;;
        --method) a_method="$2" b_method="$2"; shift 2 ;;
        --a-method) a_method="$2"; shift 2 ;;
        --b-method) b_method="$2"; shift 2 ;;
        --body) a_body="$2" b_body="$2"; shift 2 ;;
        --a-body) a_body="$2"; shift 2 ;;
        --b-body) b_body="$2"; shift 2 ;;
        --a-no-cookie) a_no_cookie=1; shift ;;
        --cookie) cookie="$2"; shift 2 ;;
        --cookie-from) cookie_from+=("$2"); shift 2 ;;
        --cookie-match) cookie_match="$2"; shift 2 ;;
        --fresh-cookie) fresh=1; shift ;;
        --label) label="$2"; shift 2 ;;
        -h | --help) usage ;;
        *) echo "paired: unknown argument $1" >&2; usage ;;
    esac
done
[ -n "$a_cmd" ] && [ -n "$a_path" ] && [ -n "$b_path" ] || usage
[ -n "$b_cmd" ] || b_cmd="$a_cmd"
[ -n "$label" ] || label="$b_method $b_path"
ROUNDS="${ROUNDS:-8}"
ROUND_SECONDS="${ROUND_SECONDS:-2}"
CONNECTIONS="${CONNECTIONS:-8}"

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
    fi
    command -v wrk >/dev/null || die "wrk is not installed (Debian: apt-get install wrk)"
fi
for tool in curl taskset; do command -v "$tool" >/dev/null || die "$tool is needed"; done
[ "$(nproc)" -ge 2 ] || die "needs 2 cores (servers on one, wrk on the other)"

# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"
scratch

# start NAME CMD: runs CMD on core 0 with PORT set; waits until the port answers HTTP.
declare -A pid_of base_of
start() {
    local name="$1" cmd="$2" port pid
    port="$(free_port)"
    PORT="$port" taskset -c 0 bash -c "exec env $cmd" >"$work/$name.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    pid_of[$name]="$pid" base_of[$name]="http://127.0.0.1:$port"
    answers "http://127.0.0.1:$port/" "$pid" && return 0
    cat "$work/$name.log" >&2
    die "$name ($cmd) did not start"
}

# The Cookie header from --cookie and --cookie-from (one fresh jar each time).
make_cookie() {
    local spec side rest m p b got="" args
    rm -f "$work/jar"
    for spec in "${cookie_from[@]}"; do
        side="${spec%%:*}" rest="${spec#*:}"
        m="${rest%%:*}" rest="${rest#*:}"
        p="${rest%%:*}" b=""
        [ "$p" != "$rest" ] && b="${rest#*:}"
        case "$side" in A) side=A1 ;; B) ;; *) die "--cookie-from: side is A or B, not $side" ;; esac
        args=(-s -o /dev/null -b "$work/jar" -c "$work/jar" -X "$m")
        [ -n "$b" ] && args+=(--data "$b")
        curl "${args[@]}" "${base_of[$side]}$p" || die "--cookie-from $spec failed"
    done
    [ -f "$work/jar" ] && got="$(awk -F'\t' -v re="$cookie_match" \
        'NF >= 7 && $6 ~ re { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$work/jar")"
    if [ -n "$cookie" ] && [ -n "$got" ]; then echo "$cookie; $got"; else echo "$cookie$got"; fi
}

# lua TEXT: TEXT as a Lua string literal.
lua() { local t="${1//\\/\\\\}"; printf '"%s"' "${t//\"/\\\"}"; }

# The wrk scripts of both sides (A1, A2 and B) for the Cookie header $1.
write_lua() {
    local s m b c
    for s in A1 A2 B; do
        m="$a_method" b="$a_body" c="$1"
        [ "$a_no_cookie" = 1 ] && c=""
        [ "$s" = B ] && m="$b_method" b="$b_body" c="$1"
        {
            printf 'wrk.method = %s\n' "$(lua "$m")"
            if [ -n "$b" ]; then
                printf 'wrk.body = %s\n' "$(lua "$b")"
                printf 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
            fi
            [ -z "$c" ] || printf 'wrk.headers["Cookie"] = %s\n' "$(lua "$c")"
        } >"$work/$s.lua"
    done
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Core 0's idle ticks (idle + iowait) since boot.
idle0() { awk '$1 == "cpu0" { print $5 + $6 }' /proc/stat; }
tick_hz="$(getconf CLK_TCK)"

# load OUT SERVER PATH: one wrk run on core 1 into $work/OUT (in the background).
load() { taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${ROUND_SECONDS}s" -s "$work/$2.lua" "${base_of[$2]}$3" >"$work/$1" & }

# rps OUT: requests/s of a finished run; fails on error responses.
rps() {
    if grep -q -e 'Non-2xx or 3xx' -e 'Socket errors' "$work/$1"; then
        cat "$work/$1" >&2
        die "errors in a run ($1)"
    fi
    awk '/^Requests\/sec:/ { print $2 }' "$work/$1"
}

# run KIND ROUND X XPATH Y YPATH: loads servers X and Y at once; prints
# "KIND ROUND x-rps y-rps x-µs/request y-µs/request busy-% ours-%" (y is the numerator):
# how busy core 0 was, and the share of it the two servers had.
run() {
    local kind="$1" round="$2" x="$3" xp="$4" y="$5" yp="$6" xc0 yc0 xc1 yc1 t0 t1 xr yr i0 i1
    xc0="$(cpu_ticks "${pid_of[$x]}")" yc0="$(cpu_ticks "${pid_of[$y]}")" i0="$(idle0)" t0="$(date +%s%N)"
    if [ $((round % 2)) = 1 ]; then
        load x.out "$x" "$xp"; load y.out "$y" "$yp"
    else
        load y.out "$y" "$yp"; load x.out "$x" "$xp"
    fi
    wait # run is called in $(...): its only children are the two wrk runs
    t1="$(date +%s%N)" xc1="$(cpu_ticks "${pid_of[$x]}")" yc1="$(cpu_ticks "${pid_of[$y]}")" i1="$(idle0)"
    xr="$(rps x.out)" yr="$(rps y.out)"
    awk -v k="$kind" -v r="$round" -v x="$xr" -v y="$yr" -v hz="$tick_hz" -v d="$ROUND_SECONDS" \
        -v xc=$((xc1 - xc0)) -v yc=$((yc1 - yc0)) -v idle=$((i1 - i0)) -v wall=$((t1 - t0)) 'BEGIN {
            busy = 100 - 100 * idle / hz / (wall / 1e9); if (busy < 0) busy = 0
            printf "%s %d %.0f %.0f %.2f %.2f %.0f %.0f\n", k, r, x, y,
                xc / hz * 1e6 / (x * d), yc / hz * 1e6 / (y * d), busy, 100 * (xc + yc) / hz / (wall / 1e9)
        }'
}

echo "paired: starting A twice and B on core 0..." >&2
start A1 "$a_cmd"
start A2 "$a_cmd"
start B "$b_cmd"
header="$(make_cookie)"
[ ${#cookie_from[@]} = 0 ] || [ -n "$header" ] || die "--cookie-from set no cookie matching $cookie_match"
write_lua "$header"
# Warm-up: A1 and B are loaded for a second.
: "$(ROUND_SECONDS=1 run warm 1 A1 "$a_path" B "$b_path")"

echo "paired: $label: $ROUNDS rounds of $ROUND_SECONDS s, A/A then A/B in each" >&2
raw=""
for r in $(seq 1 "$ROUNDS"); do
    if [ "$fresh" = 1 ]; then header="$(make_cookie)"; write_lua "$header"; fi
    a=A1; [ $((r % 2)) = 0 ] && a=A2
    aa="$(run aa "$r" A1 "$a_path" A2 "$a_path")"
    ab="$(run ab "$r" "$a" "$a_path" B "$b_path")"
    raw+="$aa"$'\n'"$ab"$'\n'
    awk '{ printf "round %d %s: %s %6d rps  %s %6d rps  ratio %.3f  (%.1f / %.1f µs per request; core 0 %d%% busy, %d%% ours)\n",
           $2, ($1 == "aa" ? "A/A" : "A/B"), ($1 == "aa" ? "A1" : "A "), $3, ($1 == "aa" ? "A2" : "B "), $4, $4 / $3, $5, $6, $7, $8 }' \
        <<<"$aa"$'\n'"$ab"
done

# Rounds kept: both servers kept core 0 busy.
kept="$(awk -v rounds="$ROUNDS" '
    !NF { next }
    $7 < 85 { print "paired: " ($1 == "aa" ? "A/A" : "A/B") " run of round " $2 " left out, core 0 was " $7 "% busy" >"/dev/stderr"; next }
    { print; n[$1]++ }
    END { if (n["aa"] * 2 < rounds || n["ab"] * 2 < rounds) { print "paired: fewer than half of the rounds kept core 0 busy" >"/dev/stderr"; exit 1 } }' <<<"$raw")"

# "median lowest highest x-rps y-rps x-µs y-µs rounds" per kind (ratio = y ÷ x).
summary() {
    awk -v kind="$1" '
        function median(list,   n, a, i, j, t) {
            n = split(list, a, " ")
            for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        $1 == kind {
            r = $4 / $3; ratio = ratio " " r; x = x " " $3; y = y " " $4; xu = xu " " $5; yu = yu " " $6
            if (!c++ || r < lo) lo = r
            if (c == 1 || r > hi) hi = r
        }
        END { printf "%.3f %.3f %.3f %.0f %.0f %.2f %.2f %d\n", median(ratio), lo, hi, median(x), median(y), median(xu), median(yu), c }' <<<"$kept"
}
read -r ab_med ab_lo ab_hi a_rps b_rps a_us b_us ab_n <<<"$(summary ab)"
read -r aa_med aa_lo aa_hi a1_rps a2_rps _ _ aa_n <<<"$(summary aa)"

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo
echo "A: $a_cmd  ($a_method $a_path$([ "$a_no_cookie" = 1 ] && echo ', no cookie'))"
echo "B: $b_cmd  ($b_method $b_path)"
echo "Cookie: ${#header} characters ($(sed 's/=[^;]*//g' <<<"$header"))"
echo "$(date -u +%Y-%m-%d), $cpu, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'B/A  median %.3f (%.3f–%.3f, %d rounds): B %d / A %d requests/s, %.1f / %.1f µs of CPU per request\n' \
    "$ab_med" "$ab_lo" "$ab_hi" "$ab_n" "$b_rps" "$a_rps" "$b_us" "$a_us"
printf 'A/A  median %.3f (%.3f–%.3f, %d rounds): A2 %d / A1 %d requests/s\n' \
    "$aa_med" "$aa_lo" "$aa_hi" "$aa_n" "$a2_rps" "$a1_rps"
echo
echo "| comparison | B ÷ A | A/A (noise) | requests/s B / A | CPU per request B / A |"
echo "|---|---:|---:|---:|---:|"
awk -v l="$label" -v m="$ab_med" -v lo="$ab_lo" -v hi="$ab_hi" -v n="$ab_n" -v am="$aa_med" -v alo="$aa_lo" \
    -v ahi="$aa_hi" -v br="$b_rps" -v ar="$a_rps" -v bu="$b_us" -v au="$a_us" 'BEGIN {
        printf "| %s | **%.0f%%** (%.0f–%.0f%%, %d rounds) | %.0f%% (%.0f–%.0f%%) | %d / %d | %.1f / %.1f µs |\n",
            l, 100 * m, 100 * lo, 100 * hi, n, 100 * am, 100 * alo, 100 * ahi, br, ar, bu, au }'
