//! Fuzzes the writer: any envelope written with small chunks comes back unchanged through
//! the `Set-Cookie` lines, a browser's view of them, and the reader; every line stays within
//! the chunk size.

#![no_main]

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use rocket_sealed::attrs::CookieAttrs;
use rocket_sealed::chunk::{ChunkLimits, SentCookies};
use rocket_sealed::codec::StoreSpec;
use rocket_sealed::seal::Envelope;
use rocket_sealed::{Error, KeyConfig, KeyRing};

const NAME: &str = "s";

fn ring() -> &'static KeyRing {
    static RING: OnceLock<KeyRing> = OnceLock::new();
    RING.get_or_init(|| {
        KeyRing::from_config(&[KeyConfig::new(1, URL_SAFE_NO_PAD.encode([1u8; 32]))])
            .expect("valid test key")
    })
}

type Input = (u64, u64, Option<[u8; 16]>, Vec<(String, Vec<u8>)>, u8);

fuzz_target!(|input: Input| {
    let (issued_at, refreshed_at, session_id, entries, size) = input;
    let envelope = Envelope {
        issued_at,
        refreshed_at,
        session_id,
        entries,
    };
    let spec = StoreSpec {
        name: NAME.into(),
        limits: ChunkLimits {
            chunk_size: 200 + usize::from(size) * 8,
            max_chunks: 64,
        },
        budget: 1 << 20,
        attrs: CookieAttrs::default(),
    };
    let written = match spec.write(ring(), &SentCookies::default(), &envelope) {
        Ok(written) => written,
        Err(Error::TooLarge { .. }) => return,
        Err(other) => panic!("unexpected error: {other}"),
    };
    let mut pairs = Vec::new();
    for line in &written.lines {
        assert!(line.len() <= spec.limits.chunk_size, "{line}");
        let (pair, _attributes) = line.split_once("; ").unwrap_or((line, ""));
        let (name, value) = pair.split_once('=').expect("name=value");
        pairs.push((name, value));
    }
    let sent = SentCookies::collect(NAME, pairs);
    assert_eq!(sent.header_len(), written.header_len);
    let opened = spec
        .read(ring(), &sent)
        .expect("a value just written opens")
        .expect("and is present");
    assert_eq!(opened.envelope, envelope);
});
