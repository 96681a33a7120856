//! Fuzzes the opener with whatever a browser could send: a main cookie value, a set of chunk
//! cookies, and raw bytes framed behind a valid header so the AEAD path is reached too.
//!
//! Nothing may panic, a joined value never exceeds the limits, and no input opens: the fuzzer
//! does not know the key, so an input that opens would be a forgery.

#![no_main]

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use rocket_sealed::attrs::CookieAttrs;
use rocket_sealed::chunk::{self, ChunkLimits, SentCookies};
use rocket_sealed::codec::StoreSpec;
use rocket_sealed::seal;
use rocket_sealed::{KeyConfig, KeyRing};

const NAME: &str = "s";

fn ring() -> &'static KeyRing {
    static RING: OnceLock<KeyRing> = OnceLock::new();
    RING.get_or_init(|| {
        KeyRing::from_config(&[
            KeyConfig::new(1, URL_SAFE_NO_PAD.encode(std::array::from_fn::<u8, 32, _>(|i| i as u8))),
            KeyConfig::new(2, URL_SAFE_NO_PAD.encode([2u8; 32])),
        ])
        .expect("valid test keys")
    })
}

fuzz_target!(|input: (String, Vec<(String, String)>, Vec<u8>)| {
    let (main, chunks, raw) = input;
    let ring = ring();
    let spec = StoreSpec {
        name: NAME.into(),
        limits: ChunkLimits {
            chunk_size: 4000,
            max_chunks: 8,
        },
        budget: 8192,
        attrs: CookieAttrs::default(),
    };

    // The main cookie on its own.
    assert!(
        seal::open(ring, NAME, &main, usize::MAX).is_err(),
        "forged: {main:?}"
    );

    // Main cookie and chunk cookies, as the browser sent them.
    let mut pairs: Vec<(&str, &str)> = vec![(NAME, main.as_str())];
    pairs.extend(chunks.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let sent = SentCookies::collect(NAME, pairs);
    if let Ok(Some(joined)) = chunk::join(&sent, spec.limits) {
        assert!(joined.len() <= spec.limits.max_value_len());
    }
    assert!(
        !matches!(spec.read(ring, &sent), Ok(Some(_))),
        "forged chunk set: {sent:?}"
    );
    let _ = chunk::stale_chunks(&sent, chunks.len());
    let _ = spec.erase(&sent);

    // Raw bytes behind a valid version and key id: past base64 and the header checks, into
    // the AEAD.
    let mut framed = vec![seal::VERSION, 0, 0, 0, 1];
    framed.extend_from_slice(&raw);
    let value = URL_SAFE_NO_PAD.encode(&framed);
    assert!(
        seal::open(ring, NAME, &value, usize::MAX).is_err(),
        "forged bytes"
    );
});
