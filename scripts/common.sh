# Sourced by the measurement scripts: where Cargo puts builds, a free port, and a scratch
# directory with the background processes to stop at exit.

# Cargo's target directory (CARGO_TARGET_DIR, build.target-dir, or ./target).
cargo_target_dir() {
    cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p'
}

# A port nothing on 127.0.0.1 answers on, from a random start so that two scripts running at
# once seldom race for the same one.
free_port() {
    local p=$((21000 + RANDOM % 20000))
    while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
    echo "$p"
}

# Makes `work`, a scratch directory, and `pids`, where the script adds the background
# processes it starts: the processes are stopped and the directory removed when the script
# exits or is interrupted.
scratch() {
    work="$(mktemp -d)"
    pids=()
    trap cleanup EXIT
    trap 'exit 130' INT TERM
}

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}

# answers URL PID: waits up to 30 s until URL answers; fails at once if process PID has ended.
answers() {
    for _ in $(seq 1 300); do
        curl -s -o /dev/null --max-time 1 "$1" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
