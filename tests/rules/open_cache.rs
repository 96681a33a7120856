//! The open cache (`Config::open_cache`): a cookie sent again is not decrypted again, and
//! nothing else changes. Every verdict on a remembered cookie is the one a cold instance gives.

use crate::common;

use common::{App, Cookies, SESSION, T0, TEMPDATA};
use proptest::prelude::*;
use rocket::local::blocking::Client;
use rocket_sealed::{Config, Expiry, Rejection, Sealed, Status};

fn cold(config: Config) -> Config {
    Config {
        open_cache: 0,
        ..config
    }
}

/// `/s/info`'s status for a client of `app` sending exactly `cookies`.
fn status_with(app: &App, cookies: &Cookies) -> String {
    let reply = app.get_with("/s/info", cookies);
    common::info(&reply).0
}

#[test]
fn a_cookie_sent_again_is_opened_from_memory() {
    let app = App::new(common::config(&[1]));
    app.get("/s/set/user/ada");
    let before = app.counters();
    assert_eq!((before.sealed, before.reopened), (1, 0));
    // The value this instance sealed is remembered: the next requests do not decrypt it.
    for n in 1..=3 {
        assert_eq!(app.get("/s/get/user").body, "Some(\"ada\")");
        let after = app.counters();
        assert_eq!((after.opened, after.reopened), (n, n));
    }

    // Turned off, the same requests give the same answers, each decrypted.
    let app = App::new(cold(common::config(&[1])));
    app.get("/s/set/user/ada");
    for _ in 0..3 {
        assert_eq!(app.get("/s/get/user").body, "Some(\"ada\")");
    }
    let counters = app.counters();
    assert_eq!((counters.opened, counters.reopened), (3, 0));
}

#[test]
fn a_chunked_session_and_tempdata_are_remembered_as_they_are_written() {
    let app = App::new(common::bad_config());
    // 3000 bytes in chunks of 1000: the value is written across several cookies.
    app.get("/s/big/3000/false");
    assert!(app.jar_store(SESSION).len() >= 3);
    app.get("/s/info");
    assert_eq!(
        app.counters().reopened,
        1,
        "the chunked value written was remembered"
    );
    // TempData too: the entry set is found by the next request, which peeks at it. TempData
    // opens under the session, so both requests open the session as well, from the cache.
    app.get("/td/act/set/ok");
    assert_eq!(
        app.counters().reopened,
        2,
        "the session, for TempData's set"
    );
    assert_eq!(app.get("/td/act/peek/ok").body, "Some(\"v\")");
    assert_eq!(
        app.counters().reopened,
        4,
        "the session and the TempData written"
    );
}

#[test]
fn a_cookie_opened_once_is_remembered_by_an_instance_that_did_not_seal_it() {
    let sealer = App::new(common::config(&[1]));
    sealer.get("/s/set/user/ada");
    let cookie = sealer.jar_store(SESSION);
    let other = App::new(common::config(&[1]));
    for (n, reopened) in [(1, 0), (2, 1), (3, 2)] {
        let reply = other.get_with("/s/get/user", &cookie);
        assert_eq!(reply.body, "Some(\"ada\")");
        assert_eq!(
            (other.counters().opened, other.counters().reopened),
            (n, reopened)
        );
    }
}

#[test]
fn every_bad_cookie_is_refused_by_an_instance_that_remembers_the_good_one() {
    let samples = common::samples();
    let app = App::new(common::bad_config());
    let cold_app = App::new(cold(common::bad_config()));
    // Remember the undamaged cookies first: each damaged one is a near copy of one of them.
    let good: Vec<Cookies> = vec![
        common::one(&samples.session),
        samples.chunked.clone(),
        common::pairs(&[(TEMPDATA, &samples.tempdata)]),
    ];
    for cookies in &good {
        app.get_with("/s/info", cookies);
        app.get_with("/td/info", cookies);
    }
    assert_eq!(status_with(&app, &good[0]), "Loaded");
    assert_eq!(status_with(&app, &good[1]), "Loaded");
    assert!(app.counters().reopened >= 2);

    let cases = common::bad_session_cookies(&samples);
    assert!(cases.len() >= 10);
    for (what, cookies, expected) in cases {
        let expected = format!("{expected:?}");
        assert_eq!(status_with(&app, &cookies), expected, "{what}");
        assert_eq!(status_with(&cold_app, &cookies), expected, "{what} (cold)");
    }

    // The session's cookie sent as TempData, and TempData's as the session, are refused
    // although both values are remembered.
    let swapped = common::pairs(&[(TEMPDATA, &samples.session)]);
    let reply = app.get_with("/td/info", &swapped);
    assert!(
        reply.body.starts_with("Rejected(Tampered)"),
        "{}",
        reply.body
    );
    let swapped = common::one(&samples.tempdata);
    assert_eq!(status_with(&app, &swapped), "Rejected(Tampered)");
}

#[test]
fn a_remembered_cookie_still_expires() {
    let mut config = common::config(&[1]);
    config.session.idle_timeout_secs = 60;
    let app = App::new(config);
    app.get("/s/set/a/1");
    let cookie = app.jar_store(SESSION);
    assert_eq!(status_with(&app, &cookie), "Loaded");
    app.clock.advance(61);
    let status = status_with(&app, &cookie);
    assert_eq!(status, format!("{:?}", Status::Expired(Expiry::Idle)));
    let counters = app.counters();
    assert_eq!((counters.reopened, counters.expired), (2, 1));
}

#[test]
fn a_remembered_cookie_under_an_older_key_is_resealed_every_time() {
    let old = App::new(common::config(&[1]));
    old.get("/s/set/a/1");
    let cookie = old.jar_store(SESSION);
    // The rotated ring seals with key 2 and opens key 1's cookies; a client that does not
    // keep the new cookie (a second tab racing, an old copy) sends key 1's again.
    let rotated = App::new(common::config(&[2, 1]));
    for _ in 0..3 {
        let reply = rotated.get_with("/s/get/a", &cookie);
        assert_eq!(reply.body, "Some(\"1\")");
        let resealed = reply.value_of(SESSION).expect("re-sealed with the new key");
        assert_eq!(common::key_id_of(&resealed), 2);
    }
    let counters = rotated.counters();
    assert_eq!((counters.resealed, counters.reopened), (3, 2));
}

#[test]
fn the_validator_sees_every_remembered_session() {
    let clock = rocket_sealed::ManualClock::new(T0);
    let fairing = Sealed::custom(common::config(&[1]))
        .with_clock(clock.clone())
        .with_validator(common::NoMallory);
    let app = App::from_fairing(fairing, clock);
    app.get("/s/set/user/mallory");
    let cookie = app.jar_store(SESSION);
    for _ in 0..2 {
        let status = status_with(&app, &cookie);
        assert_eq!(
            status,
            format!("{:?}", Status::Rejected(Rejection::Revoked))
        );
    }
    assert_eq!(app.counters().rejected_revoked, 2);
    assert!(app.counters().reopened >= 1);
}

#[test]
fn an_open_cache_is_per_instance() {
    // Two instances with different keys: what one remembers does not open in the other.
    let one = App::new(common::config(&[1]));
    one.get("/s/set/a/1");
    let cookie = one.jar_store(SESSION);
    let elsewhere = Client::tracked(common::rocket_with(Sealed::custom(common::config(&[7]))))
        .expect("valid rocket");
    let mut req = elsewhere.get("/s/info");
    for (name, value) in &cookie {
        req = req.cookie(rocket::http::Cookie::new(name.clone(), value.clone()));
    }
    let body = req.dispatch().into_string().unwrap();
    assert!(
        body.starts_with("Rejected(UnknownKey { key_id: 1 })"),
        "{body}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any one character changed, or any cut, gives the verdict of an instance that
    /// remembers nothing.
    #[test]
    fn a_damaged_copy_of_a_remembered_cookie_gets_the_cold_verdict(
        at in any::<prop::sample::Index>(),
        replacement in prop::sample::select(b"AZaz09-_*=".to_vec()),
        cut in any::<bool>(),
    ) {
        let warm = App::new(common::config(&[1]));
        warm.get("/s/set/user/ada");
        let value = warm.jar_store(SESSION)[0].1.clone();
        let cold_app = App::new(cold(common::config(&[1])));
        let at = at.index(value.len());
        let damaged = if cut {
            value[..at].to_owned()
        } else {
            let mut bytes = value.clone().into_bytes();
            bytes[at] = replacement;
            String::from_utf8(bytes).unwrap()
        };
        let cookies = common::one(&damaged);
        let verdict = status_with(&warm, &cookies);
        prop_assert_eq!(&verdict, &status_with(&cold_app, &cookies));
        if damaged != value {
            prop_assert_ne!(verdict, "Loaded");
        }
    }
}
