//! Scheduled keys: which key seals and which open at each instant, every date mistake named
//! by key, weak keys refused, and the application label in the AAD. Time is a `ManualClock`.

use std::sync::Arc;

use rocket::local::blocking::Client;
use rocket_sealed::seal::{Envelope, open, seal};
use rocket_sealed::{Config, Error, KeyConfig, KeyRing, ManualClock, Rejection, Sealed};

/// 2025-01-01T00:00:00Z.
const T0: u64 = 1_735_689_600;

fn at(clock: &ManualClock, keys: &[KeyConfig]) -> Result<KeyRing, Error> {
    KeyRing::from_config_with_clock(keys, Arc::new(clock.clone()))
}

fn refused(keys: &[KeyConfig], now: u64) -> (String, String) {
    match at(&ManualClock::new(now), keys) {
        Err(Error::Config { field, reason }) => (field, reason),
        other => panic!("expected a config error, got {other:?}"),
    }
}

/// The one-deploy rotation: key 2 activates at 00:10, key 1 retires at 01:00.
fn rotation() -> [KeyConfig; 2] {
    [
        KeyConfig::generate(1).retiring_at("2025-01-01T01:00:00Z"),
        KeyConfig::generate(2).activating_at("2025-01-01T00:10:00Z"),
    ]
}

#[test]
fn the_newest_activated_key_seals_and_each_key_opens_until_it_retires() {
    let clock = ManualClock::new(T0);
    let ring = at(&clock, &rotation()).unwrap();
    let old_cookie = seal(&ring, "s", &Envelope::default()).unwrap();
    assert_eq!(ring.sealing_key_id(), 1);
    // Key 2 opens before it seals: an instance that has not switched yet can read it.
    assert_eq!(ring.opening_key_ids().collect::<Vec<_>>(), [1, 2]);

    clock.set(T0 + 600 - 1);
    assert_eq!(ring.sealing_key_id(), 1);
    clock.set(T0 + 600);
    assert_eq!(ring.sealing_key_id(), 2);
    let opened = open(&ring, "s", &old_cookie, 4096).unwrap();
    assert_eq!((opened.key_id, opened.needs_reseal), (1, true));

    clock.set(T0 + 3600 - 1);
    assert!(open(&ring, "s", &old_cookie, 4096).is_ok());
    clock.set(T0 + 3600);
    assert_eq!(
        open(&ring, "s", &old_cookie, 4096).unwrap_err(),
        Rejection::UnknownKey { key_id: 1 }
    );
    assert_eq!(ring.opening_key_ids().collect::<Vec<_>>(), [2]);
    assert_eq!(ring.sealing_key_id(), 2);
}

#[test]
fn without_dates_the_first_key_seals_as_before() {
    let clock = ManualClock::new(T0);
    let ring = at(&clock, &[KeyConfig::generate(3), KeyConfig::generate(9)]).unwrap();
    assert_eq!(ring.sealing_key_id(), 3);
    // An undated key beside a dated one counts as activated long ago.
    let keys = [
        KeyConfig::generate(1),
        KeyConfig::generate(2).activating_at("2024-12-31T00:00:00Z"),
    ];
    assert_eq!(at(&clock, &keys).unwrap().sealing_key_id(), 2);
}

#[test]
fn a_date_that_is_not_rfc_3339_names_the_key_and_field() {
    let keys = [KeyConfig::generate(1).activating_at("2025-01-01 00:10")];
    let (field, reason) = refused(&keys, T0);
    assert_eq!(field, "sealed.keys[0] (id 1).activates_at");
    assert!(
        reason.contains("`2025-01-01 00:10`") && reason.contains("RFC 3339"),
        "{reason}"
    );
    let keys = [
        KeyConfig::generate(1),
        KeyConfig::generate(4).retiring_at("soon"),
    ];
    assert_eq!(refused(&keys, T0).0, "sealed.keys[1] (id 4).retires_at");
}

#[test]
fn a_retirement_at_or_before_activation_is_refused() {
    let keys = [
        KeyConfig::generate(1),
        KeyConfig::generate(2)
            .activating_at("2025-01-01T00:10:00Z")
            .retiring_at("2025-01-01T00:10:00Z"),
    ];
    let (field, reason) = refused(&keys, T0);
    assert_eq!(field, "sealed.keys[1] (id 2)");
    assert!(reason.contains("is not after activates_at"), "{reason}");
}

#[test]
fn two_keys_activating_at_the_same_instant_are_refused() {
    let keys = [
        KeyConfig::generate(1),
        KeyConfig::generate(2).activating_at("2025-01-01T00:10:00Z"),
        KeyConfig::generate(3).activating_at("2025-01-01T00:10:00+00:00"),
    ];
    let (field, reason) = refused(&keys, T0);
    assert_eq!(field, "sealed.keys[2] (id 3)");
    assert!(
        reason.contains("key 2 and key 3 both activate at 2025-01-01T00:10:00Z"),
        "{reason}"
    );
}

#[test]
fn a_key_that_retires_while_it_still_seals_is_refused() {
    // Key 1 retires at 00:05, but key 2 only takes over at 00:10: nothing would seal between.
    let keys = [
        KeyConfig::generate(1).retiring_at("2025-01-01T00:05:00Z"),
        KeyConfig::generate(2).activating_at("2025-01-01T00:10:00Z"),
    ];
    let (field, reason) = refused(&keys, T0);
    assert_eq!(field, "sealed.keys[0] (id 1)");
    assert!(
        reason.contains("key 1 retires at 2025-01-01T00:05:00Z while it still seals"),
        "{reason}"
    );
    // The newest key retiring is the same mistake.
    let keys = [KeyConfig::generate(7).retiring_at("2025-01-02T00:00:00Z")];
    assert_eq!(refused(&keys, T0).0, "sealed.keys[0] (id 7)");
}

#[test]
fn a_ring_in_which_no_key_seals_now_is_refused() {
    let keys = [KeyConfig::generate(2).activating_at("2025-01-01T00:10:00Z")];
    let (field, reason) = refused(&keys, T0);
    assert_eq!(field, "sealed.keys");
    assert!(
        reason.contains("no key seals now (2025-01-01T00:00:00Z)")
            && reason.contains("key 2 activates at 2025-01-01T00:10:00Z"),
        "{reason}"
    );
    // After every key retired, too (a file left unchanged past its schedule).
    let (_, reason) = refused(&rotation()[..1], T0 + 7200);
    assert!(
        reason.contains("key 1 retired at 2025-01-01T01:00:00Z"),
        "{reason}"
    );
    // The same ring is fine once key 2's time has come.
    assert!(at(&ManualClock::new(T0 + 600), &[keys[0].clone()]).is_ok());
}

#[test]
fn a_retirement_before_the_longest_cookie_life_is_a_warning_naming_the_key() {
    let ring = at(&ManualClock::new(T0), &rotation()).unwrap();
    // Key 2 takes over at 00:10; key 1 retires at 01:00: 50 minutes.
    assert!(ring.retirement_warnings(50 * 60).is_empty());
    let warnings = ring.retirement_warnings(50 * 60 + 1);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("sealed.keys[0] (id 1): retires at 2025-01-01T01:00:00Z")
            && warnings[0].contains("key 2 takes over sealing at 2025-01-01T00:10:00Z")
            && warnings[0].contains("retire it at 2025-01-01T01:00:01Z or later"),
        "{warnings:?}"
    );
}

#[test]
fn all_zero_and_repeated_byte_keys_are_refused() {
    use base64::Engine as _;
    for byte in [0u8, 0x41, 0xff] {
        let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([byte; 32]);
        let (field, reason) = refused(&[KeyConfig::new(5, text.clone())], T0);
        assert_eq!(field, "sealed.keys[0] (id 5)");
        assert!(reason.contains("all the same"), "{reason}");
        assert!(!reason.contains(&text), "{reason}");
    }
    // One byte different is a (poor, but not constant) key.
    let mut bytes = [0u8; 32];
    bytes[31] = 1;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    assert!(at(&ManualClock::new(T0), &[KeyConfig::new(5, text)]).is_ok());
}

#[test]
fn the_application_label_keeps_staging_cookies_out_of_production() {
    let key = KeyConfig::generate(1);
    let plain = KeyRing::from_config(std::slice::from_ref(&key)).unwrap();
    let staging = KeyRing::from_config(std::slice::from_ref(&key))
        .unwrap()
        .with_context("shop-staging");
    let prod = KeyRing::from_config(std::slice::from_ref(&key))
        .unwrap()
        .with_context("shop-prod");
    let from_staging = seal(&staging, "s", &Envelope::default()).unwrap();
    assert_eq!(
        open(&prod, "s", &from_staging, 4096).unwrap_err(),
        Rejection::Tampered
    );
    assert_eq!(
        open(&plain, "s", &from_staging, 4096).unwrap_err(),
        Rejection::Tampered
    );
    // An empty label is no label: cookies sealed before labels existed still open.
    let unlabelled = seal(&plain, "s", &Envelope::default()).unwrap();
    let empty = KeyRing::from_config(&[key]).unwrap().with_context("");
    assert!(open(&empty, "s", &unlabelled, 4096).is_ok());
    assert_eq!(
        open(&prod, "s", &unlabelled, 4096).unwrap_err(),
        Rejection::Tampered
    );
}

#[test]
fn the_open_cache_gives_no_plaintext_for_a_retired_key() {
    let clock = ManualClock::new(T0);
    let config = Config {
        keys: rotation().to_vec(),
        ..Config::default()
    };
    let rocket = rocket::build().attach(Sealed::custom(config).with_clock(clock.clone()));
    let client = Client::tracked(rocket).unwrap();
    let sealed = client.rocket().state::<Sealed>().unwrap();
    let ring = sealed.key_ring();
    let value = seal(&ring, "s", &Envelope::default()).unwrap();
    open(&ring, "s", &value, 4096).unwrap();
    open(&ring, "s", &value, 4096).unwrap();
    assert_eq!(sealed.counters().snapshot().reopened, 1, "remembered");
    clock.set(T0 + 3600);
    assert_eq!(
        open(&ring, "s", &value, 4096).unwrap_err(),
        Rejection::UnknownKey { key_id: 1 }
    );
    assert_eq!(
        sealed.counters().snapshot().reopened,
        1,
        "not served from memory"
    );
}

#[test]
fn the_configuration_a_handler_sees_holds_no_key_text() {
    let key = KeyConfig::generate(1);
    let config = Config {
        keys: vec![key.clone()],
        ..Config::default()
    };
    let client = Client::tracked(rocket::build().attach(Sealed::custom(config))).unwrap();
    let seen = client.rocket().state::<Sealed>().unwrap().config();
    assert_eq!(seen.keys[0].key, "<redacted>");
    let json = serde_json::to_string(seen).unwrap();
    assert!(
        !json.contains(&key.key) && json.contains("<redacted>"),
        "{json}"
    );
}
