//! Key ring configuration: every mistake names the key and the reason, and key material never
//! shows up in `Debug` output or error messages.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use proptest::prelude::*;
use rocket_sealed::seal::{Envelope, open, seal};
use rocket_sealed::{Error, KEY_LEN, KeyConfig, KeyRing};

/// 32 bytes that are not all the same (a ring refuses those), from one.
fn varied(byte: u8) -> [u8; KEY_LEN] {
    std::array::from_fn(|i| byte ^ i as u8)
}

fn text(byte: u8) -> String {
    URL_SAFE_NO_PAD.encode(varied(byte))
}

fn config_error(configs: &[KeyConfig]) -> (String, String) {
    match KeyRing::from_config(configs) {
        Err(Error::Config { field, reason }) => (field, reason),
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn an_empty_ring_is_refused() {
    let (field, reason) = config_error(&[]);
    assert_eq!(field, "sealed.keys");
    assert!(reason.contains("empty"), "{reason}");
}

#[test]
fn a_duplicate_id_names_the_second_key() {
    let (field, reason) = config_error(&[
        KeyConfig::new(4, text(1)),
        KeyConfig::new(5, text(2)),
        KeyConfig::new(4, text(3)),
    ]);
    assert!(
        field.contains("keys[2]") && field.contains("id 4"),
        "{field}"
    );
    assert!(
        reason.contains("more than once") && reason.contains('4'),
        "{reason}"
    );
}

#[test]
fn bad_base64_names_the_key() {
    let bad = format!("{}!", &text(1)[..42]);
    let (field, reason) = config_error(&[KeyConfig::new(1, text(1)), KeyConfig::new(9, bad)]);
    assert!(
        field.contains("keys[1]") && field.contains("id 9"),
        "{field}"
    );
    assert!(reason.contains("base64url"), "{reason}");
    // Where, but not which character: the rest of the text is (nearly) a key.
    assert!(reason.contains("character 43 "), "{reason}");
    assert!(!reason.contains('!') && !reason.contains("33"), "{reason}");
    // Standard base64's '+' and '/' are not base64url.
    let standard = STANDARD.encode(varied(0xFB));
    assert!(standard.contains('+') || standard.contains('/'));
    let (field, reason) = config_error(&[KeyConfig::new(2, standard)]);
    assert!(
        field.contains("keys[0]") && field.contains("id 2"),
        "{field}"
    );
    assert!(reason.contains("base64url"), "{reason}");
    assert!(!reason.contains('+') && !reason.contains('/'), "{reason}");
}

#[test]
fn a_wrong_length_names_the_key_and_the_length() {
    for (len, id) in [(0usize, 7u32), (16, 8), (31, 9), (33, 10), (64, 11)] {
        let (field, reason) =
            config_error(&[KeyConfig::new(id, URL_SAFE_NO_PAD.encode(vec![1u8; len]))]);
        assert!(
            field.contains("keys[0]") && field.contains(&format!("id {id}")),
            "{field}"
        );
        assert!(
            reason.contains(&format!("{len} bytes")) && reason.contains("32"),
            "{reason}"
        );
    }
}

#[test]
fn padding_and_surrounding_whitespace_are_accepted() {
    let padded = URL_SAFE.encode(varied(5));
    assert!(padded.ends_with('='));
    let ring = KeyRing::from_config(&[
        KeyConfig::new(1, padded),
        KeyConfig::new(2, format!("  {}\n", text(6))),
    ])
    .unwrap();
    assert_eq!(ring.key_ids().collect::<Vec<_>>(), [1, 2]);
    // Padded and unpadded spellings of one key are the same key.
    let a = KeyRing::from_config(&[KeyConfig::new(1, URL_SAFE.encode(varied(5)))]).unwrap();
    let b = KeyRing::from_config(&[KeyConfig::new(1, text(5))]).unwrap();
    let env = Envelope::default();
    assert!(open(&b, "n", &seal(&a, "n", &env).unwrap(), 4096).is_ok());
}

#[test]
fn more_than_two_padding_characters_are_refused() {
    for pad in ["==", "==="] {
        let key = format!("{}{pad}", URL_SAFE.encode(varied(5)));
        let err = KeyRing::from_config(&[KeyConfig::new(1, key)]).unwrap_err();
        assert!(err.to_string().contains("base64url"), "{pad}: {err}");
    }
}

#[test]
fn error_messages_are_actionable_and_hide_the_key() {
    let secret = URL_SAFE_NO_PAD.encode(b"sixteen byte key");
    let err = KeyRing::from_config(&[KeyConfig::new(3, secret.clone())]).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("keys[0]") && message.contains("32"),
        "{message}"
    );
    assert!(!message.contains(&secret), "{message}");
    assert!(!format!("{err:?}").contains(&secret));
}

#[test]
fn generated_keys_are_distinct_and_valid() {
    let a = KeyConfig::generate(1);
    let b = KeyConfig::generate(2);
    assert_ne!(a.key, b.key);
    assert_eq!(URL_SAFE_NO_PAD.decode(&a.key).unwrap().len(), KEY_LEN);
    let ring = KeyRing::from_config(&[a, b]).unwrap();
    assert_eq!(ring.sealing_key_id(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn debug_never_shows_key_text(bytes in proptest::array::uniform32(any::<u8>()), id in any::<u32>()) {
        let key = URL_SAFE_NO_PAD.encode(bytes);
        let config = KeyConfig::new(id, key.clone());
        let ring = KeyRing::from_config(std::slice::from_ref(&config)).unwrap();
        let shown = [
            format!("{config:?}"),
            format!("{config:#?}"),
            format!("{ring:?}"),
            format!("{ring:#?}"),
            format!("{:?}", vec![config.clone()]),
        ];
        for s in &shown {
            prop_assert!(!s.contains(&key), "{}", s);
            // Not even an 8-character stretch of it.
            for w in key.as_bytes().windows(8) {
                prop_assert!(!s.as_bytes().windows(8).any(|x| x == w), "{}", s);
            }
            prop_assert!(s.contains("redacted"));
        }
        prop_assert!(shown[0].contains(&id.to_string()));
        prop_assert!(shown[2].contains(&id.to_string()));
    }
}

/// The configured key text is wiped when a `KeyConfig` is dropped: a compile-time check, so
/// dropping the derive (or a field that stops it compiling) fails the build of this test.
#[test]
fn a_key_config_is_zeroized_on_drop() {
    fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    zeroized_on_drop::<KeyConfig>();
}
