//! The sealed envelope (wire format v1): round trips, the byte layout, and every way a value
//! can be altered, cut, mislabelled or sealed under the wrong key being refused with the right
//! reason.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::collection::vec;
use proptest::prelude::*;
use rocket_sealed::seal::{Envelope, OVERHEAD, VERSION, open, seal, sealed_len};
use rocket_sealed::{KeyConfig, KeyRing, Malformed, Rejection};

const NAME: &str = "sealed_session";
const MAX: usize = 1 << 20;

/// A key config whose 32 bytes are all `byte`, so tests can make "the same id, other bytes".
/// 32 bytes that are not all the same (a ring refuses those), from one.
fn varied(byte: u8) -> [u8; 32] {
    std::array::from_fn(|i| byte ^ i as u8)
}

fn key(id: u32, byte: u8) -> KeyConfig {
    KeyConfig::new(id, URL_SAFE_NO_PAD.encode(varied(byte)))
}

fn ring(keys: &[(u32, u8)]) -> KeyRing {
    let configs: Vec<KeyConfig> = keys.iter().map(|&(id, b)| key(id, b)).collect();
    KeyRing::from_config(&configs).unwrap()
}

fn sample() -> Envelope {
    Envelope {
        issued_at: 1_700_000_000,
        refreshed_at: 1_700_000_100,
        session_id: Some([7; 16]),
        entries: vec![
            ("cart".into(), vec![3, 1, 2, 3]),
            ("user".into(), b"\x05alice".to_vec()),
        ],
    }
}

/// Envelopes of up to `entries` entries whose values are below `value_len` bytes.
fn envelopes_of(entries: usize, value_len: usize) -> impl Strategy<Value = Envelope> {
    (
        any::<u64>(),
        any::<u64>(),
        any::<Option<[u8; 16]>>(),
        vec((".{0,24}", vec(any::<u8>(), 0..value_len)), 0..entries),
    )
        .prop_map(|(issued_at, refreshed_at, session_id, entries)| Envelope {
            issued_at,
            refreshed_at,
            session_id,
            entries,
        })
}

fn envelopes() -> impl Strategy<Value = Envelope> {
    envelopes_of(8, 96)
}

/// Smaller envelopes for the properties that open every altered copy of a value.
fn small_envelopes() -> impl Strategy<Value = Envelope> {
    envelopes_of(3, 24)
}

fn rejection(ring: &KeyRing, name: &str, value: &str) -> Rejection {
    match open(ring, name, value, MAX) {
        Ok(opened) => panic!("{value:?} opened: {opened:?}"),
        Err(r) => r,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_envelope_round_trips(env in envelopes()) {
        let ring = ring(&[(1, 1)]);
        let value = seal(&ring, NAME, &env).unwrap();
        let opened = open(&ring, NAME, &value, MAX).unwrap();
        prop_assert_eq!(opened.envelope, env);
        prop_assert_eq!(opened.key_id, 1);
        prop_assert!(!opened.needs_reseal);
    }

    #[test]
    fn sealed_len_matches_real_output(env in envelopes()) {
        let ring = ring(&[(9, 9)]);
        let value = seal(&ring, NAME, &env).unwrap();
        let plaintext = postcard::to_allocvec(&env).unwrap();
        prop_assert_eq!(value.len(), sealed_len(plaintext.len()));
        prop_assert_eq!(URL_SAFE_NO_PAD.decode(&value).unwrap().len(), plaintext.len() + OVERHEAD);
    }

    #[test]
    fn random_bytes_under_a_known_header_never_open(body in vec(any::<u8>(), 0..200)) {
        // A forger who knows the layout and the key id still cannot make a value that opens.
        let ring = ring(&[(1, 1)]);
        let mut raw = vec![VERSION, 0, 0, 0, 1];
        raw.extend_from_slice(&body);
        let expected = if raw.len() < OVERHEAD {
            Rejection::Malformed(Malformed::TooShort)
        } else {
            Rejection::Tampered
        };
        prop_assert_eq!(rejection(&ring, NAME, &URL_SAFE_NO_PAD.encode(&raw)), expected);
    }
}

proptest! {
    // Each case opens a thousand or more altered values.
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn every_bit_flip_of_the_bytes_is_rejected_by_position(env in small_envelopes()) {
        let ring = ring(&[(1, 1)]);
        let raw = URL_SAFE_NO_PAD.decode(seal(&ring, NAME, &env).unwrap()).unwrap();
        for i in 0..raw.len() {
            for bit in 0..8 {
                let mut flipped = raw.clone();
                flipped[i] ^= 1 << bit;
                let expected = match i {
                    0 => Rejection::WrongVersion { found: flipped[0] },
                    1..=4 => Rejection::UnknownKey {
                        key_id: u32::from_be_bytes(flipped[1..5].try_into().unwrap()),
                    },
                    _ => Rejection::Tampered,
                };
                let got = rejection(&ring, NAME, &URL_SAFE_NO_PAD.encode(&flipped));
                prop_assert_eq!(got, expected, "byte {} bit {}", i, bit);
            }
        }
    }

    #[test]
    fn every_bit_flip_of_the_text_is_rejected(env in small_envelopes()) {
        let ring = ring(&[(1, 1)]);
        let value = seal(&ring, NAME, &env).unwrap();
        for i in 0..value.len() {
            for bit in 0..8 {
                let mut bytes = value.clone().into_bytes();
                bytes[i] ^= 1 << bit;
                // Bit 7 makes a byte that is not UTF-8 on its own; a browser would send
                // something, and whatever it is must not open either.
                let text = String::from_utf8_lossy(&bytes);
                let got = open(&ring, NAME, &text, MAX);
                prop_assert!(got.is_err(), "char {} bit {} opened", i, bit);
            }
        }
    }

    #[test]
    fn every_truncation_is_rejected(env in small_envelopes()) {
        let ring = ring(&[(1, 1)]);
        let value = seal(&ring, NAME, &env).unwrap();
        for len in 0..value.len() {
            let cut = &value[..len];
            let expected = match URL_SAFE_NO_PAD.decode(cut) {
                Err(_) => Rejection::Malformed(Malformed::NotBase64),
                Ok(raw) if raw.len() < OVERHEAD => Rejection::Malformed(Malformed::TooShort),
                Ok(_) => Rejection::Tampered,
            };
            prop_assert_eq!(rejection(&ring, NAME, cut), expected, "text cut to {}", len);
        }
        let raw = URL_SAFE_NO_PAD.decode(&value).unwrap();
        for len in 0..raw.len() {
            let expected = if len < OVERHEAD {
                Rejection::Malformed(Malformed::TooShort)
            } else {
                Rejection::Tampered
            };
            let got = rejection(&ring, NAME, &URL_SAFE_NO_PAD.encode(&raw[..len]));
            prop_assert_eq!(got, expected, "bytes cut to {}", len);
        }
    }
}

#[test]
fn every_text_truncation_length_class_is_covered() {
    // The truncation property above must meet each outcome at least once.
    let ring = ring(&[(1, 1)]);
    let value = seal(&ring, NAME, &sample()).unwrap();
    let reasons: Vec<Rejection> = (0..value.len())
        .map(|len| rejection(&ring, NAME, &value[..len]))
        .collect();
    for wanted in [
        Rejection::Malformed(Malformed::NotBase64),
        Rejection::Malformed(Malformed::TooShort),
        Rejection::Tampered,
    ] {
        assert!(reasons.contains(&wanted), "{wanted:?} never seen");
    }
}

#[test]
fn a_key_id_flip_onto_another_ring_key_is_tampered() {
    // Id 1 with bit 1 of its last byte flipped is id 3, which is in this ring: the AAD and the
    // key both differ, so authentication fails.
    let ring = ring(&[(1, 1), (3, 3)]);
    let mut raw = URL_SAFE_NO_PAD
        .decode(seal(&ring, NAME, &sample()).unwrap())
        .unwrap();
    raw[4] ^= 0b10;
    assert_eq!(raw[1..5], 3u32.to_be_bytes());
    assert_eq!(
        rejection(&ring, NAME, &URL_SAFE_NO_PAD.encode(&raw)),
        Rejection::Tampered
    );
}

#[test]
fn a_key_id_rewritten_to_a_ring_key_with_the_same_bytes_is_tampered() {
    // Same key bytes under two ids: the id is bound into the AAD, so relabelling fails.
    let ring = ring(&[(1, 5), (2, 5)]);
    let mut raw = URL_SAFE_NO_PAD
        .decode(seal(&ring, NAME, &sample()).unwrap())
        .unwrap();
    raw[1..5].copy_from_slice(&2u32.to_be_bytes());
    assert_eq!(
        rejection(&ring, NAME, &URL_SAFE_NO_PAD.encode(&raw)),
        Rejection::Tampered
    );
}

#[test]
fn wrong_key_with_the_same_id_is_tampered() {
    let value = seal(&ring(&[(1, 1)]), NAME, &sample()).unwrap();
    assert_eq!(
        rejection(&ring(&[(1, 2)]), NAME, &value),
        Rejection::Tampered
    );
}

#[test]
fn unknown_key_id_is_named() {
    let value = seal(&ring(&[(0xDEAD_BEEF, 1)]), NAME, &sample()).unwrap();
    let got = rejection(&ring(&[(1, 1), (2, 2)]), NAME, &value);
    assert_eq!(
        got,
        Rejection::UnknownKey {
            key_id: 0xDEAD_BEEF
        }
    );
    assert!(got.to_string().contains(&0xDEAD_BEEFu32.to_string()));
}

#[test]
fn wrong_cookie_name_is_tampered() {
    let ring = ring(&[(1, 1)]);
    let value = seal(&ring, "sealed_tempdata", &sample()).unwrap();
    for other in ["sealed_session", "sealed_tempdat", "sealed_tempdataC1", ""] {
        assert_eq!(
            rejection(&ring, other, &value),
            Rejection::Tampered,
            "{other}"
        );
    }
    assert!(open(&ring, "sealed_tempdata", &value, MAX).is_ok());
}

#[test]
fn wrong_version_byte_is_reported() {
    let ring = ring(&[(1, 1)]);
    let raw = URL_SAFE_NO_PAD
        .decode(seal(&ring, NAME, &sample()).unwrap())
        .unwrap();
    // 1 is the earlier version, which still opens (but not with a version-2 AAD: Tampered).
    for version in [0u8, 3, 0x81, 0xFF] {
        let mut other = raw.clone();
        other[0] = version;
        assert_eq!(
            rejection(&ring, NAME, &URL_SAFE_NO_PAD.encode(&other)),
            Rejection::WrongVersion { found: version }
        );
    }
    let mut as_version_1 = raw.clone();
    as_version_1[0] = 1;
    assert_eq!(
        rejection(&ring, NAME, &URL_SAFE_NO_PAD.encode(&as_version_1)),
        Rejection::Tampered
    );
}

#[test]
fn garbage_and_empty_input_are_malformed() {
    let ring = ring(&[(1, 1)]);
    let not_base64 = Rejection::Malformed(Malformed::NotBase64);
    let too_short = Rejection::Malformed(Malformed::TooShort);
    for (input, expected) in [
        ("", &too_short),
        ("AAAA", &too_short),
        ("AQAAAAE", &too_short),
        // 59 'A's decode to 44 zero bytes: one short of a header and a tag.
        (&*"A".repeat(59), &too_short),
        ("A", &not_base64),
        ("hello world", &not_base64),
        ("AAAA==", &not_base64),
        ("ab+/", &not_base64),
        ("chunks-3", &too_short),
        ("é", &not_base64),
        ("\0\0\0\0", &not_base64),
    ] {
        assert_eq!(&rejection(&ring, NAME, input), expected, "{input:?}");
    }
    // 60 'A's decode to 45 zero bytes: long enough, but version 0.
    assert_eq!(
        rejection(&ring, NAME, &"A".repeat(60)),
        Rejection::WrongVersion { found: 0 }
    );
}

#[test]
fn over_long_input_is_refused_before_decoding() {
    let ring = ring(&[(1, 1)]);
    let value = seal(&ring, NAME, &sample()).unwrap();
    assert!(open(&ring, NAME, &value, value.len()).is_ok());
    assert_eq!(
        open(&ring, NAME, &value, value.len() - 1).unwrap_err(),
        Rejection::Malformed(Malformed::TooLong)
    );
    // Length is checked first: a long garbage string is TooLong, not NotBase64.
    assert_eq!(
        open(&ring, NAME, &"!".repeat(5000), 4096).unwrap_err(),
        Rejection::Malformed(Malformed::TooLong)
    );
}

#[test]
fn rotation_opens_with_an_old_key_and_asks_for_a_reseal() {
    let old = ring(&[(1, 1)]);
    let value = seal(&old, NAME, &sample()).unwrap();

    let rotating = ring(&[(2, 2), (1, 1)]);
    let opened = open(&rotating, NAME, &value, MAX).unwrap();
    assert_eq!(opened.envelope, sample());
    assert_eq!(opened.key_id, 1);
    assert!(opened.needs_reseal);

    // Re-sealing uses the first key, and that value needs no further re-seal.
    let resealed = seal(&rotating, NAME, &opened.envelope).unwrap();
    let again = open(&rotating, NAME, &resealed, MAX).unwrap();
    assert_eq!((again.key_id, again.needs_reseal), (2, false));
    // ... and still opens on a farm member that has not moved the new key first yet.
    let lagging = ring(&[(1, 1), (2, 2)]);
    assert!(open(&lagging, NAME, &resealed, MAX).unwrap().needs_reseal);

    let dropped = ring(&[(2, 2)]);
    assert_eq!(
        rejection(&dropped, NAME, &value),
        Rejection::UnknownKey { key_id: 1 }
    );
}

#[test]
fn wire_layout_is_version_key_id_nonce_ciphertext_tag() {
    let ring = ring(&[(0x0102_0304, 1)]);
    let env = sample();
    let plaintext = postcard::to_allocvec(&env).unwrap();
    let a = seal(&ring, NAME, &env).unwrap();
    let b = seal(&ring, NAME, &env).unwrap();
    for value in [&a, &b] {
        assert!(
            value
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
            "not base64url without padding: {value}"
        );
        let raw = URL_SAFE_NO_PAD.decode(value).unwrap();
        assert_eq!(raw[0], 0x02);
        assert_eq!(raw[1..5], [0x01, 0x02, 0x03, 0x04]);
        assert_eq!(raw.len(), plaintext.len() + 45);
        assert_eq!(OVERHEAD, 45);
        // The plaintext does not appear in the clear.
        assert!(!raw.windows(plaintext.len()).any(|w| w == plaintext));
    }
    // A fresh random nonce per seal: same envelope, different nonce and ciphertext.
    let (ra, rb) = (
        URL_SAFE_NO_PAD.decode(&a).unwrap(),
        URL_SAFE_NO_PAD.decode(&b).unwrap(),
    );
    assert_ne!(ra[5..29], rb[5..29]);
    assert_ne!(ra[29..], rb[29..]);
    assert_eq!(sealed_len(plaintext.len()), a.len());
}

#[test]
fn sealed_len_of_each_length_class() {
    // raw = n + 45; base64 without padding: 4 chars per 3 bytes, then 2 or 3 for the rest.
    assert_eq!(sealed_len(0), 60);
    assert_eq!(sealed_len(1), 62);
    assert_eq!(sealed_len(2), 63);
    assert_eq!(sealed_len(3), 64);
}

/// The plaintext of `sample()`, written out byte by byte: postcard varints for the two
/// timestamps, `Some` and the 16-byte id, then the entry count and each name and value as a
/// length and its bytes.
fn sample_plaintext() -> Vec<u8> {
    let mut p = Vec::new();
    p.extend([0x80, 0xe2, 0xcf, 0xaa, 0x06]); // 1_700_000_000
    p.extend([0xe4, 0xe2, 0xcf, 0xaa, 0x06]); // 1_700_000_100
    p.push(1);
    p.extend([7; 16]);
    p.push(2);
    p.extend(b"\x04cart\x04\x03\x01\x02\x03");
    p.extend(b"\x04user\x06\x05alice");
    p
}

/// The AAD as the wire format defines it, built here by hand rather than by the crate.
fn wire_aad(key_id: u32, cookie_name: &str) -> Vec<u8> {
    let mut aad = b"rocket_sealed".to_vec();
    aad.push(2);
    aad.extend(key_id.to_be_bytes());
    aad.extend(cookie_name.as_bytes());
    aad
}

#[test]
fn a_sealed_value_opens_with_a_plain_xchacha20poly1305_and_the_documented_aad() {
    use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};

    let ring = ring(&[(0x0102_0304, 9)]);
    assert_eq!(
        postcard::to_allocvec(&sample()).unwrap(),
        sample_plaintext()
    );
    let raw = URL_SAFE_NO_PAD
        .decode(seal(&ring, NAME, &sample()).unwrap())
        .unwrap();
    let cipher = chacha20poly1305::XChaCha20Poly1305::new(&varied(9).into());
    let nonce = chacha20poly1305::XNonce::try_from(&raw[5..29]).unwrap();
    let open_with = |aad: &[u8]| {
        cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &raw[29..],
                    aad,
                },
            )
            .ok()
    };
    assert_eq!(
        open_with(&wire_aad(0x0102_0304, NAME)),
        Some(sample_plaintext())
    );
    // Each part of the AAD counts: without the label, with another version, key id or name,
    // the tag does not match.
    let mut no_label = wire_aad(0x0102_0304, NAME);
    no_label.drain(..b"rocket_sealed".len());
    let mut version_0 = wire_aad(0x0102_0304, NAME);
    version_0[b"rocket_sealed".len()] = 0;
    for aad in [
        no_label,
        version_0,
        wire_aad(0x0102_0305, NAME),
        wire_aad(0x0102_0304, "sealed_tempdata"),
        Vec::new(),
    ] {
        assert_eq!(open_with(&aad), None, "opened with AAD {aad:?}");
    }
}

/// A value sealed once and kept as text: every later build must open it, or the cookies of a
/// farm's older instances (and of browsers) stop opening after an upgrade. Sealed again when
/// keys of one repeated byte began to be refused (its first key was 32 nines); the wire
/// format, AAD included, did not change.
const SEALED_BY_V1: &str = "AQECAwRK_dNg_Mr4A_g12EtgzuUF549aXpHG-6DEW2RcAFZiSUKkKH1foc0LEr3m-ZIF8OIpNApE1cPHG-nhorLOOj1C1AoSu-7wqFrjIwcqGsDR-BHMe0D29y8YEoU";

#[test]
fn a_value_sealed_by_an_earlier_build_still_opens() {
    let ring = ring(&[(0x0102_0304, 9)]);
    let opened = open(&ring, NAME, SEALED_BY_V1, MAX).unwrap();
    // Version 1 stored values with no format byte: opened, they get the one of their format
    // (type tag + postcard), as version 2 writes it.
    let mut expected = sample();
    for (_, value) in &mut expected.entries {
        value.insert(0, 0x01);
    }
    assert_eq!(opened.envelope, expected);
    assert_eq!(opened.key_id, 0x0102_0304);
    assert!(!opened.needs_reseal);
    // ... and only under its own name.
    assert_eq!(
        rejection(&ring, "sealed_tempdata", SEALED_BY_V1),
        Rejection::Tampered
    );
}
