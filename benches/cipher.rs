//! Where a sealed message's fixed cost goes, piece by piece.
//!
//! Run it with and without `RUSTFLAGS="-C target-cpu=native"` to see which pieces depend on
//! the build flags: `chacha20poly1305/*` and `pieces/poly1305_key_setup` do, sharply (the
//! `poly1305` crate prepares each one-time key in AVX2 code that is not compiled with AVX2
//! enabled, so every intrinsic is an out-of-line call). `xchacha_hchacha_ring/*` is what the
//! default `ring` feature does per message: HChaCha20 for the subkey, then ring's
//! ChaCha20-Poly1305 (the same steps as `src/cipher.rs`, repeated here because that type is
//! private).

use std::hint::black_box;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use poly1305::universal_hash::UniversalHash;
use rand::{Rng as _, TryRng as _};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroize as _;

use rocket_sealed::seal::{Envelope, seal};
use rocket_sealed::{KeyConfig, KeyRing};

const AAD: &[u8] = b"rocket_sealed\x01\x00\x00\x00\x01sealed_session";

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(30);
}

fn aead(c: &mut Criterion) {
    let mut group = c.benchmark_group("aead");
    configure(&mut group);
    let key = chacha20poly1305::Key::from([7u8; 32]);
    let rust_crypto = chacha20poly1305::XChaCha20Poly1305::new(&key);
    let nonce = chacha20poly1305::XNonce::from([9u8; 24]);
    let ring_key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &[7u8; 32]).unwrap());
    for size in [0usize, 256, 1024, 4096] {
        let mut buf = vec![1u8; size];
        group.bench_function(format!("chacha20poly1305_crate/{size}"), |b| {
            b.iter(|| {
                rust_crypto
                    .encrypt_inout_detached(&nonce, AAD, black_box(&mut buf[..]).into())
                    .unwrap()
            })
        });
        group.bench_function(format!("xchacha_hchacha_ring/{size}"), |b| {
            b.iter(|| {
                let subkey = chacha20::hchacha::<chacha20::R20>(
                    &chacha20::Key::from([7u8; 32]),
                    &[9u8; 16].into(),
                );
                LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &subkey).unwrap())
                    .seal_in_place_separate_tag(
                        Nonce::assume_unique_for_key([0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9]),
                        Aad::from(AAD),
                        black_box(&mut buf[..]),
                    )
                    .unwrap()
            })
        });
        group.bench_function(format!("ring/{size}"), |b| {
            b.iter(|| {
                ring_key
                    .seal_in_place_separate_tag(
                        Nonce::assume_unique_for_key([1; 12]),
                        Aad::from(AAD),
                        black_box(&mut buf[..]),
                    )
                    .unwrap()
            })
        });
    }
    // Our whole seal path for an empty envelope: nonce, postcard, cipher, base64, allocations.
    let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    let empty = Envelope::default();
    group.bench_function("ours_seal_empty_envelope", |b| {
        b.iter(|| seal(&ring, "sealed_session", black_box(&empty)).unwrap())
    });
    group.finish();
}

fn pieces(c: &mut Criterion) {
    let mut group = c.benchmark_group("pieces");
    configure(&mut group);
    let key = chacha20::Key::from([7u8; 32]);
    let xnonce = chacha20::XNonce::from([9u8; 24]);

    group.bench_function("poly1305_key_setup", |b| {
        b.iter(|| poly1305::Poly1305::new(black_box(&[3u8; 32].into())))
    });
    let kib = vec![1u8; 1024];
    group.bench_function("poly1305_1KiB", |b| {
        b.iter(|| {
            let mut mac = poly1305::Poly1305::new(&[3u8; 32].into());
            mac.update_padded(black_box(&kib));
            mac.finalize()
        })
    });
    group.bench_function("hchacha20", |b| {
        b.iter(|| chacha20::hchacha::<chacha20::R20>(black_box(&key), &[1u8; 16].into()))
    });
    let mut kib_buf = vec![1u8; 1024];
    group.bench_function("xchacha20_keystream_1KiB", |b| {
        let mut stream = chacha20::XChaCha20::new(&key, &xnonce);
        b.iter(|| {
            stream.seek(64u64);
            stream.apply_keystream(black_box(&mut kib_buf[..]))
        })
    });
    group.bench_function("nonce_thread_rng", |b| {
        b.iter(|| {
            let mut n = [0u8; 24];
            rand::rng().fill_bytes(&mut n);
            n
        })
    });
    group.bench_function("nonce_os_getrandom", |b| {
        b.iter(|| {
            let mut n = [0u8; 24];
            rand::rngs::SysRng.try_fill_bytes(&mut n).unwrap();
            n
        })
    });
    group.bench_function("base64url_encode_1KiB", |b| {
        b.iter(|| URL_SAFE_NO_PAD.encode(black_box(&kib)))
    });
    group.bench_function("base64url_simd_encode_1KiB", |b| {
        b.iter(|| base64_simd::URL_SAFE_NO_PAD.encode_to_string(black_box(&kib)))
    });
    group.bench_function("wipe_zeroize_1KiB", |b| {
        b.iter(|| black_box(&mut kib_buf[..]).zeroize())
    });
    group.bench_function("alloc_1KiB", |b| {
        b.iter(|| Vec::<u8>::with_capacity(black_box(1024)))
    });
    group.finish();
}

criterion_group!(cipher_benches, aead, pieces);
criterion_main!(cipher_benches);
