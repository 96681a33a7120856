//! The log lines the crate promises (README, Quick start and Configuration; docs/stores.md,
//! When the fairing writes and Bad cookies), caught by a logger this test installs before
//! Rocket's (Rocket then leaves the logger and its level alone): a loud warning for an
//! ephemeral key, an error naming the bad field when launch fails, an error naming each guard
//! and `Sealed::fairing()` when a route uses one without the fairing, a warning for a rejected
//! cookie and a debug line for an expired one, and an error for a store too large to write.
//! None of them quotes a key or a cookie.

mod common;

use std::sync::{Mutex, MutexGuard, OnceLock};

use common::{App, T0};
use rocket::local::blocking::Client;
use rocket_sealed::{KeyConfig, ManualClock, Sealed};

struct Capture(Mutex<Vec<(log::Level, String)>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        if record.target().starts_with("rocket_sealed") {
            let line = record.args().to_string();
            self.0.lock().unwrap().push((record.level(), line));
        }
    }
    fn flush(&self) {}
}

/// The lines logged so far by this crate (every test of this file shares the logger: each
/// looks for lines only it can cause).
fn logged() -> Vec<(log::Level, String)> {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    let capture = CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(capture).expect("no logger installed before this test's");
        log::set_max_level(log::LevelFilter::Trace);
        capture
    });
    capture.0.lock().unwrap().clone()
}

/// Held by every test that makes the session reject a cookie: the warning names neither the
/// cookie nor the app, so tests that count such lines must not run at the same time.
fn rejecting_alone() -> MutexGuard<'static, ()> {
    static REJECTING: Mutex<()> = Mutex::new(());
    // A test that failed while holding it leaves it poisoned; the others still run.
    REJECTING.lock().unwrap_or_else(|p| p.into_inner())
}

fn lines_with(level: log::Level, text: &str) -> Vec<String> {
    logged()
        .into_iter()
        .filter(|(l, line)| *l == level && line.contains(text))
        .map(|(_, line)| line)
        .collect()
}

/// The test routes with the fairing reading `figment`'s `sealed` table.
fn read_by_fairing(figment: rocket::figment::Figment) -> rocket::Rocket<rocket::Build> {
    rocket::custom(figment)
        .attach(Sealed::fairing())
        .mount("/", common::all_routes())
}

/// `true` when launching `rocket` fails (the error is looked at, as Rocket requires).
fn launch_failed(rocket: rocket::Rocket<rocket::Build>) -> bool {
    match Client::tracked(rocket) {
        Ok(_) => false,
        Err(e) => {
            let _ = e.kind();
            true
        }
    }
}

#[test]
fn an_ephemeral_key_is_a_loud_warning() {
    logged();
    let figment = common::figment().select(rocket::Config::DEBUG_PROFILE);
    let rocket = read_by_fairing(figment);
    Client::tracked(rocket).expect("launches with an ephemeral key");
    let warnings = lines_with(log::Level::Warn, "EPHEMERAL");
    assert!(!warnings.is_empty(), "{:?}", logged());
    assert!(warnings[0].contains("sealed.keys"), "{}", warnings[0]);
}

#[test]
fn a_failed_launch_says_which_key_and_why_without_quoting_it() {
    logged();
    let short = KeyConfig::new(77, "c2l4dGVlbiBieXRlIGtleSE");
    let figment = common::figment().merge(("sealed.keys", vec![common::key(1), short.clone()]));
    let rocket = read_by_fairing(figment);
    assert!(launch_failed(rocket));
    let errors = lines_with(log::Level::Error, "id 77");
    assert_eq!(errors.len(), 1, "{:?}", logged());
    assert!(errors[0].contains("keys[1]"), "{}", errors[0]);
    assert!(errors[0].contains("32"), "{}", errors[0]);
    assert!(!errors[0].contains(&short.key), "{}", errors[0]);

    let figment = common::figment()
        .merge(("sealed.keys", vec![common::key(1)]))
        .merge(("sealed.max_chunks", 4096));
    let rocket = read_by_fairing(figment);
    assert!(launch_failed(rocket));
    let errors = lines_with(log::Level::Error, "sealed.max_chunks");
    assert_eq!(errors.len(), 1, "{:?}", logged());
}

#[test]
fn a_rejected_cookie_is_a_warning_and_an_expired_one_a_debug_line() {
    logged();
    let _alone = rejecting_alone();
    let mut config = common::config(&[1]);
    // A name no other test of this file uses, so the lines found are this test's.
    config.session.cookie_name = "logs_session".into();
    config.session.idle_timeout_secs = 60;
    let app = App::new(config);
    let value = app.get("/s/set/a/1").value_of("logs_session").unwrap();
    let mut tampered = value.into_bytes();
    let mid = tampered.len() / 2;
    tampered[mid] = if tampered[mid] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();

    let rejected =
        |level| lines_with(level, "session cookie rejected (authentication failed").len();
    let before = rejected(log::Level::Warn);
    let reply = app.get_with("/s/info", &[("logs_session".into(), tampered.clone())]);
    assert!(
        reply.body.starts_with("Rejected(Tampered)"),
        "{}",
        reply.body
    );
    assert_eq!(rejected(log::Level::Warn), before + 1, "{:?}", logged());
    assert!(
        logged()
            .iter()
            .all(|(_, line)| !line.contains(&tampered[..24])),
        "a cookie was quoted"
    );

    let app = App::new({
        let mut config = common::config(&[1]);
        config.session.cookie_name = "logs_session".into();
        config.session.idle_timeout_secs = 60;
        config
    });
    app.get("/s/set/a/1");
    app.clock.set(T0 + 61);
    let expired = || lines_with(log::Level::Debug, "session cookie expired").len();
    let warnings = || lines_with(log::Level::Warn, "session cookie").len();
    let (before, warned_before) = (expired(), warnings());
    let info = app.get("/s/info");
    assert!(info.body.starts_with("Expired(Idle)"), "{}", info.body);
    assert_eq!(expired(), before + 1, "{:?}", logged());
    // An expiry is routine, not a warning (of any wording).
    assert_eq!(warnings(), warned_before, "{:?}", logged());
}

#[test]
fn an_empty_key_list_fails_launch_saying_the_ring_is_empty() {
    logged();
    let empty = || lines_with(log::Level::Error, "the key ring is empty").len();
    let before = empty();
    let figment = common::figment()
        .merge(("sealed.keys", Vec::<KeyConfig>::new()))
        .select(rocket::Config::DEBUG_PROFILE);
    assert!(launch_failed(read_by_fairing(figment)));
    assert_eq!(empty(), before + 1, "{:?}", logged());
}

/// Each class of bad session cookie is one warning, logged once per request whatever the
/// class (a missing line would hide an attack; several would flood the log), and no line
/// quotes what the client sent.
#[test]
fn every_class_of_bad_cookie_is_one_warning_that_does_not_quote_it() {
    logged();
    let _alone = rejecting_alone();
    let samples = common::samples();
    let rejected = || lines_with(log::Level::Warn, "session cookie rejected").len();
    for (class, cookies, expected) in common::bad_session_cookies(&samples) {
        let app = App::new(common::bad_config());
        let before = rejected();
        let reply = app.get_with("/s/info", &cookies);
        assert!(
            reply.body.starts_with(&format!("{expected:?};")),
            "{class}: {}",
            reply.body
        );
        assert_eq!(rejected(), before + 1, "{class}: {:?}", logged());
        // Only as a warning: not also at another level.
        let anywhere = logged()
            .iter()
            .filter(|(_, line)| line.contains("session cookie rejected"))
            .count();
        assert_eq!(anywhere, rejected(), "{class}: {:?}", logged());
        for (name, value) in &cookies {
            let start = &value[..value.len().min(24)];
            assert!(
                logged().iter().all(|(_, line)| !line.contains(start)),
                "{class}: cookie {name} was quoted: {:?}",
                logged()
            );
        }
    }
}

#[test]
fn a_store_too_large_to_write_is_an_error() {
    logged();
    let mut config = common::config(&[1]);
    config.session.budget = 600;
    let app = App::with_clock(config, ManualClock::new(T0));
    let before = lines_with(log::Level::Error, "was not written").len();
    let reply = app.get("/s/big/2000/false");
    assert!(reply.written().is_empty(), "{:?}", reply.lines);
    let errors = lines_with(log::Level::Error, "was not written");
    assert!(errors.len() > before, "{:?}", logged());
    assert!(errors.last().unwrap().contains("600"), "{errors:?}");
}

/// A body with a `Cache-Control` header of the handler's choosing.
#[derive(rocket::Responder)]
struct WithCacheControl {
    body: &'static str,
    cache_control: rocket::http::Header<'static>,
}

/// Sets a session value and answers `Cache-Control: public, max-age=60`.
#[rocket::get("/public")]
fn public_page(session: rocket_sealed::Session<'_>) -> WithCacheControl {
    session.set("a", "1").unwrap();
    WithCacheControl {
        body: "public",
        cache_control: rocket::http::Header::new("Cache-Control", "public, max-age=60"),
    }
}

/// docs/security.md, Shared caches: a handler's `public` on a response that writes a sealed
/// cookie is kept, and said once at debug level, not on every request.
#[test]
fn a_public_cache_control_on_a_writing_response_is_one_debug_line() {
    logged();
    let said = || lines_with(log::Level::Debug, "Cache-Control: public, max-age=60").len();
    let before = said();
    let fairing = Sealed::custom(common::config(&[1]));
    let rocket = common::rocket_of(fairing, rocket::routes![public_page]);
    let client = Client::untracked(rocket).unwrap();
    for _ in 0..3 {
        let res = client.get("/public").dispatch();
        assert_eq!(
            res.headers().get_one("Cache-Control"),
            Some("public, max-age=60")
        );
    }
    assert_eq!(said(), before + 1, "{:?}", logged());
}

/// README, Production checklist: the launch log says whether the cookies are Secure, and why.
#[test]
fn the_launch_log_says_which_secure_mode_is_in_force() {
    logged();
    type Change = fn(&mut rocket_sealed::Config);
    let cases: [(&str, Change, &str); 4] = [
        (
            "logs_mode_a",
            |_| {},
            "cookies are not Secure (Rocket serves no TLS and sealed.cookie.secure is not set); \
             behind a TLS-terminating proxy set sealed.cookie.secure = true",
        ),
        (
            "logs_mode_b",
            |c| c.cookie.secure = Some(true),
            "cookies are Secure on every response (sealed.cookie.secure = true)",
        ),
        (
            "__Host-logs_mode_c",
            |_| {},
            "cookies are Secure on every response (a `__Host-` or `__Secure-` cookie name requires it)",
        ),
        (
            "logs_mode_d",
            |c| c.cookie.forwarded_proto_header = Some("X-Logs-Mode-Proto".into()),
            "cookies are Secure when the request's `X-Logs-Mode-Proto` header says https",
        ),
    ];
    for (name, change, expected) in cases {
        let mut config = common::config(&[1]);
        config.session.cookie_name = name.into();
        change(&mut config);
        let before = lines_with(log::Level::Info, expected).len();
        Client::untracked(common::rocket_with(Sealed::custom(config))).expect("launches");
        let after = lines_with(log::Level::Info, expected).len();
        // Other tests of this file launch with the defaults at the same time: the first
        // line may be said by them too, the others only here.
        if name == "logs_mode_a" {
            assert!(after > before, "{name}: {:?}", logged());
        } else {
            assert_eq!(after, before + 1, "{name}: {:?}", logged());
        }
    }
}

#[rocket::get("/without/fairing")]
fn uses_every_guard(
    _session: rocket_sealed::Session<'_>,
    _temp: rocket_sealed::TempData<'_>,
    _flashes: rocket_sealed::Flashes,
    _token: rocket_sealed::CsrfToken,
) -> rocket_sealed::Flash<&'static str> {
    rocket_sealed::Flash::success("", "")
}

#[rocket::post("/without/fairing", data = "<form>")]
fn checks_csrf(
    _checked: rocket_sealed::CsrfChecked,
    form: rocket_sealed::CsrfForm<String>,
) -> String {
    form.into_inner()
}

#[test]
fn a_route_using_a_guard_without_the_fairing_fails_launch_naming_the_fix() {
    logged();
    let rocket = rocket::custom(common::figment())
        .mount("/", rocket::routes![uses_every_guard, checks_csrf]);
    let error = Client::tracked(rocket).expect_err("launch fails");
    let rocket::error::ErrorKind::SentinelAborts(aborted) = error.kind() else {
        panic!("{:?}", error.kind());
    };
    assert_eq!(aborted.len(), 7, "{aborted:?}");
    let guards = [
        "Session",
        "TempData",
        "Flashes",
        "Flash",
        "CsrfToken",
        "CsrfChecked",
        "CsrfForm",
    ];
    for guard in guards {
        let errors = lines_with(log::Level::Error, &format!("a route uses `{guard}`, "));
        // Rocket asks each type once, whatever the number of routes using it.
        assert_eq!(errors.len(), 1, "{guard}: {:?}", logged());
        let fix = "add `.attach(rocket_sealed::Sealed::fairing())` to the rocket";
        assert!(errors[0].contains(fix), "{}", errors[0]);
    }
}
