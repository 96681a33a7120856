#!/usr/bin/env bash
# Runs the criterion benches (release) and prints the tables of docs/performance.md in
# markdown, with the machine described: CPU model, cores, rustc, build flags.
#
#   scripts/bench_table.sh                 # seal/open, fairing and cipher benches, default build
#   WITH_FLAGS=1 scripts/bench_table.sh    # also the cipher bench, and our seal/open with the
#       pure-Rust cipher (--no-default-features), under -C target-cpu=native,
#       -C target-feature=+avx2 and --cfg poly1305_backend="soft"
#       (four more full builds, in their own target directories: about 30 more minutes)
#
# Whole run: about 12 minutes on 2 cores once built (criterion: 1 s warm-up, 2 s measuring,
# 30 samples per bench; seal/open and fairing RUNS=3 times). Numbers on a shared or small
# machine are noisy; the ratios between columns of one run are what docs/performance.md quotes.
set -euo pipefail

cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# bench NAME FILE [RUSTFLAGS [FILTER [CARGO-ARGS]]]: runs one bench target, keeping
# "name ns" lines in FILE.
bench() {
    local name="$1" file="$2" flags="${3:-}" filter="${4:-}" cargo_args="${5:-}"
    local target="${CARGO_TARGET_DIR:-target}"
    if [ -n "$flags$cargo_args" ]; then
        target="$target-$(tr -cd 'a-z0-9' <<<"$flags$cargo_args")"
    fi
    echo "running benches/$name.rs $cargo_args ${flags:+with RUSTFLAGS=\"$flags\"}..." >&2
    # shellcheck disable=SC2086 # cargo_args and filter are lists of words
    if ! RUSTFLAGS="${flags:-${RUSTFLAGS:-}}" CARGO_TARGET_DIR="$target" \
        cargo bench --quiet $cargo_args --bench "$name" -- --output-format bencher $filter >"$out/raw" 2>"$out/log"; then
        cat "$out/log" >&2
        exit 1
    fi
    # Per bench, the 10th percentile of criterion's 30 samples (time per iteration): on a
    # shared machine a burst of other work can slow a third of a bench's samples by 50 %, which
    # moves a mean or even a median; the low percentile is the cost when undisturbed, taken the
    # same way for every column.
    local test dir
    for test in $(awk '/^test / { print $2 }' "$out/raw"); do
        dir="$target/criterion/${test%%/*}/$(tr '/' '_' <<<"${test#*/}")/new"
        tr -d ' \n' <"$dir/sample.json" | awk -v name="$test" '
            function grab(key,   s) {
                s = $0; sub(".*\"" key "\":\\[", "", s); sub("\\].*", "", s); return s
            }
            {
                n = split(grab("iters"), it, ","); split(grab("times"), tm, ",")
                for (i = 1; i <= n; i++) per[i] = tm[i] / it[i]
                for (i = 2; i <= n; i++) { t = per[i]; for (j = i - 1; j >= 1 && per[j] > t; j--) per[j + 1] = per[j]; per[j + 1] = t }
                printf "%s %.0f\n", name, per[int((n - 1) / 10) + 1]
            }' >>"$file"
    done
}

# Noise on a shared machine only ever adds time, so the seal/open and fairing benches run
# RUNS times and the tables keep each bench's fastest run.
for _ in $(seq 1 "${RUNS:-3}"); do
    bench seal "$out/default"
    bench fairing "$out/default"
done
bench cipher "$out/default"
FLAG_SETS=("-C target-cpu=native" "-C target-feature=+avx2" '--cfg poly1305_backend="soft"')
FLAG_FILES=(native avx2 soft)
PURE_FILTER='ours/(256B|1KiB|4KiB)$'
if [ "${WITH_FLAGS:-0}" = 1 ]; then
    # Our seal/open with the pure-Rust cipher (no `ring` feature), whose speed depends on the
    # flags, beside the cipher bench (which does not depend on our features) under each.
    bench seal "$out/pure" "" "$PURE_FILTER" --no-default-features
    for i in 0 1 2; do
        bench cipher "$out/${FLAG_FILES[$i]}" "${FLAG_SETS[$i]}"
        bench seal "$out/${FLAG_FILES[$i]}" "${FLAG_SETS[$i]}" "$PURE_FILTER" --no-default-features
    done
fi

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
simd="$(grep -o -w -E 'avx2|avx512f|aes|pclmulqdq' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "Measured $(date -u +%Y-%m-%d) on $cpu, $(nproc) cores (flags: ${simd% }), $(rustc --version),"
echo "release profile, ${RUSTFLAGS:+RUSTFLAGS=\"$RUSTFLAGS\", }default target features (x86-64 baseline) unless a column says otherwise."
echo "Times per operation: the 10th percentile of criterion's 30 samples; seal/open and fairing: the fastest of ${RUNS:-3} runs."
echo

# ns -> "1.23 µs" / "456 ns"
fmt='function t(ns) { return ns >= 1000 ? sprintf("%.2f µs", ns / 1000) : sprintf("%d ns", ns) }'

for op in seal open; do
    awk -v op="$op" "$fmt"'
        !($1 in v) || $2 < v[$1] { v[$1] = $2 }
        END {
            if (op == "open") {
                printf "| %s, one session | ours: `seal::open` | ours: a session loaded from its cookies | floor: ring + base64-simd | peer: serde_json + PrivateJar | open ÷ floor | load ÷ floor | peer ÷ open |\n", op
                print "|---|---:|---:|---:|---:|---:|---:|---:|"
            } else {
                printf "| %s, one session | ours | floor: ring + base64-simd | peer: serde_json + PrivateJar | ours ÷ floor | peer ÷ ours |\n", op
                print "|---|---:|---:|---:|---:|---:|"
            }
            n = split("256B 1KiB 4KiB 12KiB", sizes, " ")
            for (i = 1; i <= n; i++) {
                s = sizes[i]
                o = v[op "/ours/" s]; f = v[op "/floor/" s]; p = v[op "/peer/" s]
                if (o == "") continue
                label = s; if (!sub("KiB$", " KiB", label)) sub("B$", " B", label)
                # ours goes through StoreSpec::write/read there (chunks split and joined);
                # the floor and the peer seal one unchunked value.
                if (s == "12KiB") label = label " (ours in 5 chunks)"
                st = v[op "/store/" s]
                if (op == "open" && st != "")
                    printf "| %s | %s | %s | %s | %s | %.2f× | %.2f× | %.2f× |\n", label, t(o), t(st), t(f), t(p), o / f, st / f, p / o
                else
                    printf "| %s | %s | %s | %s | %.2f× | %.2f× |\n", label, t(o), t(f), t(p), o / f, p / o
            }
        }' "$out/default"
    echo
done

awk "$fmt"'
    !($1 in v) || $2 < v[$1] { v[$1] = $2 }
    END {
        print "| through Rocket'"'"'s local client | with the fairing | same route, no fairing | requests/s, with ÷ without |"
        print "|---|---:|---:|---:|"
        split("read write untouched", r, " ")
        what["read"] = "reads the session (~450 B cookie)"
        what["write"] = "changes it (open + seal + `Set-Cookie`)"
        what["untouched"] = "takes no guard (the cookie is sent; `opened` stays 0)"
        for (i = 1; i <= 3; i++) {
            w = v["rocket/" r[i] "/with_session"]; o = v["rocket/" r[i] "/without"]
            if (w == "") continue
            printf "| %s | %s | %s | %.0f%% |\n", what[r[i]], t(w), t(o), 100 * o / w
        }
    }' "$out/default"
echo

awk -v flags="${WITH_FLAGS:-0}" "$fmt"'
    FILENAME ~ /default$/ && (!($1 in d) || $2 < d[$1]) { d[$1] = $2 }
    FILENAME ~ /native$/ { n[$1] = $2 }
    FILENAME ~ /avx2$/ { a[$1] = $2 }
    FILENAME ~ /soft$/ { so[$1] = $2 }
    END {
        if (flags == 1) {
            print "| one message, the cipher alone | default build | `-C target-cpu=native` | `-C target-feature=+avx2` | `--cfg poly1305_backend=\"soft\"` |"
            print "|---|---:|---:|---:|---:|"
        } else {
            print "| one message, the cipher alone | default build |"
            print "|---|---:|"
        }
        split("aead/chacha20poly1305_crate/0 aead/chacha20poly1305_crate/256 aead/chacha20poly1305_crate/1024 aead/chacha20poly1305_crate/4096 aead/xchacha_hchacha_ring/0 aead/xchacha_hchacha_ring/256 aead/xchacha_hchacha_ring/1024 aead/xchacha_hchacha_ring/4096 aead/ring/0 aead/ring/256 aead/ring/1024 aead/ring/4096 aead/ours_seal_empty_envelope pieces/poly1305_key_setup pieces/poly1305_1KiB pieces/hchacha20 pieces/xchacha20_keystream_1KiB pieces/nonce_thread_rng pieces/nonce_os_getrandom pieces/base64url_encode_1KiB pieces/base64url_simd_encode_1KiB pieces/wipe_zeroize_1KiB", keys, " ")
        label["aead/chacha20poly1305_crate/0"] = "`chacha20poly1305` XChaCha20-Poly1305 encrypt, 0 B"
        label["aead/chacha20poly1305_crate/256"] = "… 256 B"
        label["aead/chacha20poly1305_crate/1024"] = "… 1 KiB"
        label["aead/chacha20poly1305_crate/4096"] = "… 4 KiB"
        label["aead/xchacha_hchacha_ring/0"] = "XChaCha20-Poly1305 as HChaCha20 + `ring` (the default `ring` feature), 0 B"
        label["aead/xchacha_hchacha_ring/256"] = "… 256 B"
        label["aead/xchacha_hchacha_ring/1024"] = "… 1 KiB"
        label["aead/xchacha_hchacha_ring/4096"] = "… 4 KiB"
        label["aead/ring/0"] = "`ring` ChaCha20-Poly1305 seal (12-byte nonce, the floor), 0 B"
        label["aead/ring/256"] = "… 256 B"
        label["aead/ring/1024"] = "… 1 KiB"
        label["aead/ring/4096"] = "… 4 KiB"
        label["aead/ours_seal_empty_envelope"] = "our whole `seal` of an empty envelope (nonce, postcard, cipher, base64url)"
        label["pieces/poly1305_key_setup"] = "`poly1305` crate: one-time key setup (per message)"
        label["pieces/poly1305_1KiB"] = "`poly1305` crate: setup + 1 KiB"
        label["pieces/hchacha20"] = "HChaCha20 subkey (`chacha20` crate, per message)"
        label["pieces/xchacha20_keystream_1KiB"] = "XChaCha20 keystream, 1 KiB"
        label["pieces/nonce_thread_rng"] = "24-byte nonce from `rand`’s thread-local ChaCha12 (what ours draws from)"
        label["pieces/nonce_os_getrandom"] = "24-byte nonce from the OS (`getrandom` system call)"
        label["pieces/base64url_encode_1KiB"] = "`base64` crate, URL_SAFE_NO_PAD encode 1 KiB"
        label["pieces/base64url_simd_encode_1KiB"] = "`base64-simd`, URL_SAFE_NO_PAD encode 1 KiB (ours and the floor)"
        label["pieces/wipe_zeroize_1KiB"] = "`zeroize` 1 KiB (byte-wise volatile stores; no longer done on open)"
        for (i = 1; i in keys; i++) {
            k = keys[i]
            if (!(k in d)) continue
            if (flags == 1)
                printf "| %s | %s | %s | %s | %s |\n", label[k], t(d[k]), (k in n) ? t(n[k]) : "–", (k in a) ? t(a[k]) : "–", (k in so) ? t(so[k]) : "–"
            else
                printf "| %s | %s |\n", label[k], t(d[k])
        }
    }' "$out"/default $( [ "${WITH_FLAGS:-0}" = 1 ] && echo "$out/native" "$out/avx2" "$out/soft" )

if [ "${WITH_FLAGS:-0}" = 1 ]; then
    echo
    awk "$fmt"'
        FILENAME ~ /default$/ && (!($1 in d) || $2 < d[$1]) { d[$1] = $2 }
        FILENAME ~ /pure$/ { pu[$1] = $2 }
        FILENAME ~ /native$/ { n[$1] = $2 }
        FILENAME ~ /avx2$/ { a[$1] = $2 }
        FILENAME ~ /soft$/ { so[$1] = $2 }
        END {
            print "| our seal/open | default (`ring`) | pure Rust | pure, `target-cpu=native` | pure, `+avx2` | pure, `poly1305_backend=\"soft\"` | peer |"
            print "|---|---:|---:|---:|---:|---:|---:|"
            split("seal open", ops, " "); split("256B 1KiB 4KiB", sizes, " ")
            for (i = 1; i <= 2; i++) for (j = 1; j <= 3; j++) {
                k = ops[i] "/ours/" sizes[j]; p = ops[i] "/peer/" sizes[j]
                label = sizes[j]; if (!sub("KiB$", " KiB", label)) sub("B$", " B", label)
                printf "| %s, %s | %s | %s | %s | %s | %s | %s |\n", ops[i], label, t(d[k]), t(pu[k]), t(n[k]), t(a[k]), t(so[k]), t(d[p])
            }
        }' "$out/default" "$out/pure" "$out/native" "$out/avx2" "$out/soft"
fi
