//! Sealing and opening a session, beside the floor and a typical peer, at four sizes.
//!
//! - `ours`: `seal::seal` / `seal::open` (postcard + XChaCha20-Poly1305 + base64url); at 12 KiB
//!   through `StoreSpec::write` / `StoreSpec::read`, which also split the value into chunk
//!   cookies and join them back.
//! - `store` (open only): `SessionState::load` from the cookies, what a request pays: it
//!   decodes the envelope in place instead of copying entries into an owned `Envelope`.
//! - `floor`: `ring`'s ChaCha20-Poly1305 (hand-written assembly) and base64url (`base64-simd`,
//!   the fastest codec we know, which the crate also uses) on the same plaintext bytes, with no
//!   serialization: about as cheap as sealing a cookie can be.
//! - `peer`: what actix-session and rocket_flex_session do: a `serde_json` map in the `cookie`
//!   crate's `PrivateJar` (AES-256-GCM, standard base64).
//!
//! Each size is the length of the envelope's postcard encoding; the peer gets a map with the
//! same names and the same string values. `scripts/bench_table.sh` turns the results into the
//! table in docs/performance.md.

use std::hint::black_box;
use std::time::Duration;

use base64_simd::URL_SAFE_NO_PAD;
use cookie::{Cookie, CookieJar};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};

use rocket_sealed::attrs::CookieAttrs;
use rocket_sealed::chunk::{ChunkLimits, SentCookies};
use rocket_sealed::codec::StoreSpec;
use rocket_sealed::seal::{Envelope, open, seal};
use rocket_sealed::store::SessionState;
use rocket_sealed::{KeyConfig, KeyRing, SessionConfig};

const NAME: &str = "sealed_session";
const SIZES: [(&str, usize); 4] = [
    ("256B", 256),
    ("1KiB", 1024),
    ("4KiB", 4096),
    ("12KiB", 12 * 1024),
];

/// An envelope whose postcard encoding is exactly `size` bytes: entries `k00`, `k01`, … whose
/// values are a 4-byte type tag and a postcard string, as the session stores them.
fn envelope(size: usize) -> (Envelope, Vec<(String, String)>) {
    let mut env = Envelope {
        issued_at: 1_700_000_000,
        refreshed_at: 1_700_000_000,
        session_id: Some([7; 16]),
        entries: Vec::new(),
    };
    let mut strings = Vec::new();
    let len = |env: &Envelope| postcard::to_allocvec(env).unwrap().len();
    let text = |n: usize| -> String {
        "lorem ipsum dolor sit amet "
            .chars()
            .cycle()
            .take(n)
            .collect()
    };
    let entry = |name: &str, value: &String| {
        let mut bytes = vec![0xA1, 0xB2, 0xC3, 0xD4];
        bytes.extend(postcard::to_allocvec(value).unwrap());
        (name.to_owned(), bytes)
    };
    loop {
        let room = size - len(&env);
        if room == 0 {
            break;
        }
        if room >= 20 || strings.is_empty() {
            // Name (1 + 3 or 4), tag (4), length prefixes (1 + 1): at most 11 bytes + text.
            let name = format!("k{:02}", env.entries.len());
            let value = text((room - 11).clamp(1, 100));
            env.entries.push(entry(&name, &value));
            strings.push((name, value));
        } else {
            // Lengthen the last value (it stays under 128 bytes: one-byte prefixes).
            let (name, value) = strings.last_mut().unwrap();
            value.push_str(&text(room));
            *env.entries.last_mut().unwrap() = entry(name, value);
        }
    }
    assert_eq!(len(&env), size, "envelope sized exactly");
    (env, strings)
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(30);
}

/// The floor: ring's ChaCha20-Poly1305 and base64url on the plaintext bytes.
struct Floor {
    key: LessSafeKey,
    counter: u64,
}

impl Floor {
    fn new() -> Self {
        let key = UnboundKey::new(&CHACHA20_POLY1305, &[3; 32]).unwrap();
        Floor {
            key: LessSafeKey::new(key),
            counter: 0,
        }
    }

    fn nonce(&mut self) -> Nonce {
        self.counter += 1;
        let mut n = [0u8; 12];
        n[4..].copy_from_slice(&self.counter.to_be_bytes());
        Nonce::assume_unique_for_key(n)
    }

    fn seal(&mut self, plaintext: &[u8]) -> String {
        let nonce = self.nonce();
        let mut buf = Vec::with_capacity(12 + plaintext.len() + 16);
        buf.extend_from_slice(nonce.as_ref());
        buf.extend_from_slice(plaintext);
        let tag = self
            .key
            .seal_in_place_separate_tag(nonce, Aad::from(NAME.as_bytes()), &mut buf[12..])
            .unwrap();
        buf.extend_from_slice(tag.as_ref());
        URL_SAFE_NO_PAD.encode_to_string(&buf)
    }

    fn open(&self, value: &str) -> Vec<u8> {
        let mut raw = URL_SAFE_NO_PAD.decode_to_vec(value).unwrap();
        let nonce = Nonce::try_assume_unique_for_key(&raw[..12]).unwrap();
        let len = self
            .key
            .open_in_place(nonce, Aad::from(NAME.as_bytes()), &mut raw[12..])
            .unwrap()
            .len();
        raw.truncate(12 + len);
        raw
    }
}

/// The peer: a serde_json map in the cookie crate's PrivateJar.
fn peer_map(strings: &[(String, String)]) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    map.insert("issued_at".into(), 1_700_000_000u64.into());
    map.insert("id".into(), "AAECAwQFBgcICQoLDA0ODw".into());
    for (k, v) in strings {
        map.insert(k.clone(), v.clone().into());
    }
    map
}

fn peer_seal(key: &cookie::Key, map: &serde_json::Map<String, serde_json::Value>) -> CookieJar {
    let json = serde_json::to_string(map).unwrap();
    let mut jar = CookieJar::new();
    jar.private_mut(key).add(Cookie::new(NAME, json));
    jar
}

fn peer_open(key: &cookie::Key, jar: &CookieJar) -> serde_json::Map<String, serde_json::Value> {
    let cookie = jar.private(key).get(NAME).unwrap();
    serde_json::from_str(cookie.value()).unwrap()
}

/// Chunking limits that let a 12 KiB session through (the defaults' budget stops at 5 KiB).
fn big_spec() -> StoreSpec {
    StoreSpec {
        name: NAME.into(),
        limits: ChunkLimits {
            chunk_size: 4000,
            max_chunks: 8,
        },
        budget: 32 * 1024,
        attrs: CookieAttrs::default(),
    }
}

fn benches(c: &mut Criterion) {
    let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    let peer_key = cookie::Key::from(&[5u8; 64]);
    let spec = big_spec();
    let no_cookies = SentCookies::default();
    let mut floor = Floor::new();

    let mut group = c.benchmark_group("seal");
    configure(&mut group);
    for (label, size) in SIZES {
        let (env, strings) = envelope(size);
        let plaintext = postcard::to_allocvec(&env).unwrap();
        let map = peer_map(&strings);
        if size > 4096 {
            let written = spec.write(&ring, &no_cookies, &env).unwrap();
            assert!(written.cookies > 1, "12 KiB is chunked");
            group.bench_function(format!("ours/{label}"), |b| {
                b.iter(|| spec.write(&ring, &no_cookies, black_box(&env)).unwrap())
            });
        } else {
            group.bench_function(format!("ours/{label}"), |b| {
                b.iter(|| seal(&ring, NAME, black_box(&env)).unwrap())
            });
        }
        group.bench_function(format!("floor/{label}"), |b| {
            b.iter(|| floor.seal(black_box(&plaintext)))
        });
        group.bench_function(format!("peer/{label}"), |b| {
            b.iter(|| peer_seal(&peer_key, black_box(&map)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("open");
    configure(&mut group);
    for (label, size) in SIZES {
        let (env, strings) = envelope(size);
        let plaintext = postcard::to_allocvec(&env).unwrap();
        let map = peer_map(&strings);
        if size > 4096 {
            let written = spec.write(&ring, &no_cookies, &env).unwrap();
            let sent = SentCookies::collect(NAME, written.sent_back());
            assert_eq!(spec.read(&ring, &sent).unwrap().unwrap().envelope, env);
            group.bench_function(format!("ours/{label}"), |b| {
                b.iter(|| spec.read(&ring, black_box(&sent)).unwrap())
            });
        } else {
            let value = seal(&ring, NAME, &env).unwrap();
            assert_eq!(open(&ring, NAME, &value, usize::MAX).unwrap().envelope, env);
            group.bench_function(format!("ours/{label}"), |b| {
                b.iter(|| open(&ring, NAME, black_box(&value), usize::MAX).unwrap())
            });
        }
        // What a request pays: the session loaded from the cookies the browser sent back
        // (joined, opened, decoded in place), as the guards do it. `seal::open` above also
        // copies every entry into an owned `Envelope`, which the stores skip.
        let written = spec.write(&ring, &no_cookies, &env).unwrap();
        let sent = SentCookies::collect(NAME, written.sent_back());
        let config = SessionConfig::default();
        let now = env.refreshed_at;
        let state = SessionState::load(&ring, &spec, &config, &sent, now);
        assert!(state.status().is_loaded());
        assert_eq!(state.len(), env.entries.len());
        group.bench_function(format!("store/{label}"), |b| {
            b.iter(|| SessionState::load(&ring, &spec, &config, black_box(&sent), now))
        });
        let value = floor.seal(&plaintext);
        assert_eq!(floor.open(&value)[12..], plaintext[..]);
        group.bench_function(format!("floor/{label}"), |b| {
            b.iter(|| floor.open(black_box(&value)))
        });
        // The browser sends the encrypted value back: a jar holding it as an original cookie.
        let sealed = peer_seal(&peer_key, &map)
            .get(NAME)
            .unwrap()
            .value()
            .to_owned();
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(NAME, sealed));
        assert_eq!(peer_open(&peer_key, &jar), map);
        group.bench_function(format!("peer/{label}"), |b| {
            b.iter(|| peer_open(&peer_key, black_box(&jar)))
        });
    }
    group.finish();
}

criterion_group!(seal_benches, benches);
criterion_main!(seal_benches);
