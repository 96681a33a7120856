//! The `Session` rules as seen through Rocket (README, The API; docs/stores.md, Stored values,
//! When the fairing writes, and Timeouts and clocks; docs/security.md, Revoking a session
//! early).

use crate::common;

use common::{App, SESSION, T0, info};
use rocket::Request;
use rocket::http::Status as HttpStatus;
use rocket_sealed::store::SessionState;
use rocket_sealed::{Expiry, ManualClock, Rejection, Sealed, SessionConfig, Status, Validator};

fn status_str(status: Status) -> String {
    format!("{status:?}")
}

#[test]
fn a_value_set_in_one_request_is_read_in_the_next() {
    let app = App::new(common::config(&[1]));
    let set = app.get("/s/set/name/ada");
    assert_eq!(set.written().len(), 1);
    assert_eq!(app.get("/s/get/name").body, r#"Some("ada")"#);
    let (status, len, _) = info(&app.get("/s/info"));
    assert_eq!(status, status_str(Status::Loaded));
    assert_eq!(len, 1);
}

#[test]
fn renew_changes_the_id_and_keeps_the_data() {
    let app = App::new(common::config(&[1]));
    app.get("/s/set/user/ada");
    let before = app.get("/s/id").body;
    let renewed = app.get("/s/renew");
    let (old, new) = renewed.body.split_once(' ').unwrap();
    assert_eq!(old, before);
    assert_ne!(old, new);
    assert_eq!(new.len(), 32, "128-bit id in hex");
    assert_eq!(renewed.written().len(), 1, "a renewed session is written");
    assert_eq!(app.get("/s/id").body, new);
    assert_eq!(app.get("/s/get/user").body, r#"Some("ada")"#);
}

#[test]
fn wrong_type_read_is_an_err_not_a_panic() {
    let app = App::new(common::config(&[1]));
    app.get("/s/set/v/hello");
    let reply = app.get("/s/get_u64/v");
    assert_eq!(reply.status, HttpStatus::Ok);
    assert_eq!(reply.body, "SchemaChanged(v)");
    // The value is intact for a reader of the right type.
    assert_eq!(app.get("/s/get/v").body, r#"Some("hello")"#);
    // An absent key is Ok(None) whatever the type.
    assert_eq!(app.get("/s/get_u64/nothing").body, "Ok(None)");
}

#[test]
fn several_guards_in_one_request_share_one_state() {
    let app = App::new(common::config(&[1]));
    let reply = app.get("/s/shared");
    assert_eq!(reply.body, r#"Some("shared");true;Some(7)"#);
    // One cookie per store, not one per guard.
    let mut names: Vec<String> = reply.written().into_iter().map(|(n, _)| n).collect();
    names.sort();
    assert_eq!(
        names,
        vec![SESSION.to_string(), common::TEMPDATA.to_string()]
    );
    assert_eq!(app.get("/s/get/a").body, r#"Some("shared")"#);
}

#[test]
fn update_mutates_and_is_written_once() {
    let app = App::new(common::config(&[1]));
    let first = app.get("/s/update/2");
    assert_eq!(first.body, "2");
    assert_eq!(first.written().len(), 1, "{:?}", first.lines);
    assert_eq!(app.counters().sealed, 1);
    let second = app.get("/s/update/3");
    assert_eq!(second.body, "5");
    assert_eq!(second.written().len(), 1);
    assert_eq!(app.counters().sealed, 2);
    // A wider integer type reads the same value (values are read by their shape).
    assert_eq!(app.get("/s/get_u64/n").body, "Ok(Some(5))");
    assert_eq!(app.get("/s/update/1").body, "6");
}

#[test]
fn empty_session_is_not_stored() {
    let app = App::new(common::config(&[1]));
    let read = app.get("/s/get/missing");
    assert_eq!(read.body, "None");
    assert!(read.lines.is_empty(), "{:?}", read.lines);
    let set_remove = app.get("/s/set_remove");
    assert_eq!(set_remove.body, "true");
    assert!(set_remove.lines.is_empty(), "{:?}", set_remove.lines);
    assert!(app.jar_names().is_empty());
    assert_eq!(app.counters().sealed, 0);
}

#[test]
fn session_that_becomes_empty_has_its_cookies_deleted() {
    let app = App::new(common::config(&[1]));
    app.get("/s/set/a/1");
    app.get("/s/set/b/2");
    assert_eq!(app.jar_names(), vec![SESSION]);

    // Removing one of two keys rewrites; removing the last deletes.
    let one_left = app.get("/s/remove/a");
    assert_eq!(one_left.written().len(), 1);
    let none_left = app.get("/s/remove/b");
    assert_eq!(none_left.deleted(), vec![SESSION]);
    assert!(none_left.written().is_empty());
    assert!(app.jar_names().is_empty());
    let (status, len, _) = info(&app.get("/s/info"));
    assert_eq!((status.as_str(), len), ("New", 0));

    // clear() does the same.
    app.get("/s/set/c/3");
    let cleared = app.get("/s/clear");
    assert_eq!(cleared.deleted(), vec![SESSION]);
    assert!(app.jar_names().is_empty());
    assert_eq!(app.counters().erased, 2);
}

#[test]
fn expired_idle_session_starts_fresh() {
    let app = App::new(common::config(&[1]));
    app.get("/s/set/a/1");
    let (_, _, id) = info(&app.get("/s/info"));
    // Exactly at the idle timeout the session is still alive ...
    app.clock
        .advance(SessionConfig::default().idle_timeout_secs);
    let alive = app.get("/s/get/a");
    assert_eq!(alive.body, r#"Some("1")"#);
    // ... and that read slid it. One second past a full idle timeout after it, it is gone.
    app.clock
        .advance(SessionConfig::default().idle_timeout_secs + 1);
    let reply = app.get("/s/info");
    let (status, len, new_id) = info(&reply);
    assert_eq!(status, status_str(Status::Expired(Expiry::Idle)));
    assert_eq!(len, 0);
    assert_ne!(new_id, id);
    assert_eq!(reply.deleted(), vec![SESSION], "expired cookie removed");
    assert_eq!(app.counters().expired, 1);
    assert_eq!(app.counters().rejected(), 0, "an expiry is not a rejection");
    // Fresh: a new value starts a new session.
    app.get("/s/set/b/2");
    assert_eq!(app.get("/s/get/a").body, "None");
    assert_eq!(app.get("/s/get/b").body, r#"Some("2")"#);
}

#[test]
fn expired_absolute_session_starts_fresh() {
    let mut config = common::config(&[1]);
    config.session.absolute_timeout_secs = Some(3600);
    let app = App::new(config);
    app.get("/s/set/a/1");
    // Stay active: a read every 700 s refreshes (past half the idle timeout).
    for _ in 0..5 {
        app.clock.advance(700);
        let reply = app.get("/s/get/a");
        assert_eq!(reply.body, r#"Some("1")"#);
        assert_eq!(reply.written().len(), 1, "sliding refresh");
    }
    app.clock.advance(101);
    let reply = app.get("/s/info");
    let (status, len, _) = info(&reply);
    assert_eq!(status, status_str(Status::Expired(Expiry::Absolute)));
    assert_eq!(len, 0);
    assert_eq!(reply.deleted(), vec![SESSION]);
}

#[test]
fn a_session_sealed_by_a_clock_far_ahead_is_refused() {
    // A farm member whose clock ran a month ahead seals a session with an absolute timeout of
    // an hour; a member with the right clock must not take it as fresh for that month.
    let mut config = common::config(&[1]);
    config.session.absolute_timeout_secs = Some(3600);
    let app = App::new(config);
    let month = 30 * 24 * 3600;
    app.clock.set(T0 + month);
    app.get("/s/set/a/1");
    app.clock.set(T0);
    let reply = app.get("/s/info");
    let (status, len, _) = info(&reply);
    assert_eq!(
        status,
        status_str(Status::Rejected(Rejection::ClockAhead {
            ahead_secs: month
        }))
    );
    assert_eq!(len, 0);
    assert_eq!(reply.deleted(), vec![SESSION], "refused cookie removed");
    assert_eq!(app.counters().rejected_clock_ahead, 1);
}

#[test]
fn clocks_a_minute_apart_share_a_session_and_its_timeouts() {
    let mut config = common::config(&[1]);
    config.session.absolute_timeout_secs = Some(3600);
    let app = App::new(config);
    let skew = rocket_sealed::store::MAX_CLOCK_AHEAD_SECS;
    // Issued by a clock `skew` ahead, refreshed by one on time: still one session ...
    app.clock.set(T0 + skew);
    app.get("/s/set/a/1");
    app.clock.set(T0);
    assert_eq!(app.get("/s/get/a").body, r#"Some("1")"#);
    app.get("/s/set/b/2");
    // ... whose absolute timeout runs from the issuing clock's time (stretched by at most the
    // skew), not from whenever this clock passes it. A read every 700 s keeps it active.
    for _ in 0..5 {
        app.clock.advance(700);
        assert_eq!(app.get("/s/get/a").body, r#"Some("1")"#);
    }
    app.clock.set(T0 + skew + 3600);
    assert_eq!(app.get("/s/get/a").body, r#"Some("1")"#);
    app.clock.advance(1);
    let (status, _, _) = info(&app.get("/s/info"));
    assert_eq!(status, status_str(Status::Expired(Expiry::Absolute)));
    // One second more skew than allowed is refused.
    app.clock.set(T0 + skew + 1);
    app.get("/s/set/c/3");
    app.clock.set(T0);
    let (status, _, _) = info(&app.get("/s/info"));
    assert_eq!(
        status,
        status_str(Status::Rejected(Rejection::ClockAhead {
            ahead_secs: skew + 1
        }))
    );
}

#[test]
fn renew_restarts_the_absolute_timeout() {
    let mut config = common::config(&[1]);
    config.session.absolute_timeout_secs = Some(1000);
    let app = App::new(config);
    app.get("/s/set/a/1");
    app.clock.advance(900);
    app.get("/s/renew");
    app.clock.advance(900);
    let (status, len, _) = info(&app.get("/s/info"));
    assert_eq!((status.as_str(), len), ("Loaded", 1));
}

#[test]
fn validator_rejection_gives_revoked_and_a_fresh_session() {
    let clock = ManualClock::new(T0);
    // Asked on every request, so the change of user in the next request is judged at once.
    let mut config = common::config(&[1]);
    config.session.revalidate_secs = 0;
    let fairing = Sealed::custom(config)
        .with_clock(clock.clone())
        .with_validator(common::NoMallory);
    let app = App::from_fairing(fairing, clock);

    app.get("/s/set/user/alice");
    let (status, len, _) = info(&app.get("/s/info"));
    assert_eq!((status.as_str(), len), ("Loaded", 1));

    app.get("/s/set/user/mallory");
    let reply = app.get("/s/info");
    let (status, len, _) = info(&reply);
    assert_eq!(status, status_str(Status::Rejected(Rejection::Revoked)));
    assert_eq!(len, 0);
    assert_eq!(reply.deleted(), vec![SESSION], "revoked cookie removed");
    assert_eq!(app.counters().rejected_revoked, 1);
    let (status, _, _) = info(&app.get("/s/info"));
    assert_eq!(status, "New");
}

/// A validator that asks for the `Session` guard itself (as one that reaches for the app's
/// `User` guard would), and notes what it got.
struct AsksForTheSession(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

#[rocket::async_trait]
impl Validator for AsksForTheSession {
    async fn validate(&self, session: &SessionState, req: &Request<'_>) -> bool {
        use rocket::request::Outcome;
        let got = match req.guard::<rocket_sealed::Session<'_>>().await {
            Outcome::Success(_) => "success".to_owned(),
            Outcome::Error((status, e)) => format!("{} {e:?}", status.code),
            Outcome::Forward(status) => format!("forward {}", status.code),
        };
        self.0.lock().unwrap().push(got);
        session.get::<String>("user").ok().flatten().as_deref() != Some("mallory")
    }
}

#[test]
fn a_session_guard_inside_the_validator_fails_instead_of_recursing() {
    // Before, the inner guard loaded and validated the session again, without end: the
    // stack overflowed and the process aborted.
    let clock = ManualClock::new(T0);
    let seen = std::sync::Arc::default();
    let mut config = common::config(&[1]);
    config.session.revalidate_secs = 0;
    let fairing = Sealed::custom(config)
        .with_clock(clock.clone())
        .with_validator(AsksForTheSession(std::sync::Arc::clone(&seen)));
    let app = App::from_fairing(fairing, clock);

    app.get("/s/set/user/alice");
    assert!(
        seen.lock().unwrap().is_empty(),
        "a new session is not validated"
    );
    let reply = app.get("/s/get/user");
    assert_eq!(reply.status, HttpStatus::Ok);
    assert_eq!(
        reply.body, r#"Some("alice")"#,
        "the validator's verdict stands"
    );
    assert_eq!(*seen.lock().unwrap(), vec!["500 InsideValidator"]);
    // Later guards of the request, and later requests, are not affected.
    app.get("/s/set/user/mallory");
    let (status, _, _) = info(&app.get("/s/info"));
    assert_eq!(status, status_str(Status::Rejected(Rejection::Revoked)));
    assert_eq!(seen.lock().unwrap().len(), 3);
}

/// A validator that takes its time: 20 ms on its first call, 40 on its second, and so on, so
/// that of two validations started together the first ends first.
#[derive(Default)]
struct SlowValidator(std::sync::atomic::AtomicU64);

#[rocket::async_trait]
impl Validator for SlowValidator {
    async fn validate(&self, _session: &SessionState, _req: &Request<'_>) -> bool {
        let calls = 1 + self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        rocket::tokio::time::sleep(std::time::Duration::from_millis(20 * calls)).await;
        true
    }
}

/// A guard that gives up on the session guard after 1 ms (dropping it mid-validation) and
/// forwards to the next route.
struct Impatient;

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for Impatient {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, ()> {
        let wait = std::time::Duration::from_millis(1);
        let _ = rocket::tokio::time::timeout(wait, req.guard::<rocket_sealed::Session<'_>>()).await;
        rocket::request::Outcome::Forward(HttpStatus::NotFound)
    }
}

/// Two session guards polled at once.
struct Both;

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for Both {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, ()> {
        let first = async {
            let outcome = req.guard::<rocket_sealed::Session<'_>>().await;
            if let rocket::request::Outcome::Success(session) = &outcome {
                session.set("first", "was here").unwrap();
            }
            outcome
        };
        let (a, b) = rocket::tokio::join!(first, req.guard::<rocket_sealed::Session<'_>>());
        if a.is_success() && b.is_success() {
            rocket::request::Outcome::Success(Both)
        } else {
            rocket::request::Outcome::Error((HttpStatus::InternalServerError, ()))
        }
    }
}

#[rocket::get("/slow/login")]
fn slow_login(session: rocket_sealed::Session<'_>) {
    session.set("user", "ada").unwrap();
}

#[rocket::get("/slow/me")]
fn slow_me_impatient(_i: Impatient) -> &'static str {
    "unreachable"
}

#[rocket::get("/slow/me", rank = 2)]
fn slow_me(session: rocket_sealed::Session<'_>) -> String {
    session.get::<String>("user").unwrap().unwrap_or_default()
}

#[rocket::get("/slow/both")]
fn slow_both(_b: Both, session: rocket_sealed::Session<'_>) -> String {
    let user = session.get::<String>("user").unwrap().unwrap_or_default();
    let first = session.get::<String>("first").unwrap().unwrap_or_default();
    format!("{user}; {first}")
}

#[test]
fn a_validation_dropped_halfway_or_run_beside_another_guard_leaves_no_trace() {
    let rocket = common::rocket_of(
        Sealed::custom(common::config(&[1])).with_validator(SlowValidator::default()),
        rocket::routes![slow_login, slow_me_impatient, slow_me, slow_both],
    );
    let client = rocket::local::blocking::Client::tracked(rocket).unwrap();
    client.get("/slow/login").dispatch();
    // The first route's guard drops its Session guard while the validator sleeps; the next
    // route's Session guard validates afresh.
    let me = client.get("/slow/me").dispatch();
    assert_eq!(me.status(), HttpStatus::Ok);
    assert_eq!(me.into_string().unwrap(), "ada");
    // Two Session guards at once are not "inside the validator", and what is done through
    // the first is not undone when the second stores its own load.
    let both = client.get("/slow/both").dispatch();
    assert_eq!(both.status(), HttpStatus::Ok);
    assert_eq!(both.into_string().unwrap(), "ada; was here");
}

#[test]
fn commit_of_an_empty_session_needs_no_bytes() {
    let app = App::new(common::config(&[1]));
    // Nothing will be written for an empty session, so it takes no room in the header.
    assert_eq!(app.get("/s/commit").body, "Ok(0)");
    assert_eq!(app.get("/td/commit").body, "Ok(0)");
    app.get("/s/set/a/1");
    let reply = app.get("/s/commit");
    let bytes: usize = reply.body["Ok(".len()..reply.body.len() - 1]
        .parse()
        .unwrap();
    let jar = app.jar_store(SESSION);
    assert_eq!(bytes, jar[0].0.len() + 1 + jar[0].1.len());
}

#[rocket::get("/nested")]
fn nested_update(session: rocket_sealed::Session<'_>) -> String {
    let mut len = 0;
    session
        .update::<u32>("n", |n| {
            *n += 1;
            len = session.len();
        })
        .unwrap();
    len.to_string()
}

#[rocket::get("/threads")]
fn threads_update(session: rocket_sealed::Session<'_>) -> String {
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..500 {
                    session.update::<u32>("n", |n| *n += 1).unwrap();
                }
            });
        }
    });
    format!("{:?}", session.get::<u32>("n").unwrap())
}

#[test]
fn a_session_used_inside_its_own_update_fails_the_request_instead_of_hanging() {
    let rocket = common::rocket_of(
        Sealed::custom(common::config(&[1])),
        rocket::routes![nested_update, s_set_for_nested],
    );
    let (done, replies) = std::sync::mpsc::channel();
    // On a thread: a request that waited for its own lock would hang, and that must fail the
    // test rather than stall it.
    std::thread::spawn(move || {
        let client = rocket::local::blocking::Client::tracked(rocket).unwrap();
        client.get("/nested/set").dispatch();
        let reply = common::dispatch(client.get("/nested"));
        let after = client.get("/nested/get").dispatch().into_string().unwrap();
        done.send((reply, after)).unwrap();
    });
    let (reply, after) = replies
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the request finished");
    assert_eq!(reply.status, HttpStatus::InternalServerError);
    assert!(
        reply.lines.is_empty(),
        "a 500 persists nothing: {:?}",
        reply.lines
    );
    assert_eq!(after, "Some(7)", "the session is as it was");
}

#[rocket::get("/nested/<action>")]
fn s_set_for_nested(session: rocket_sealed::Session<'_>, action: &str) -> String {
    if action == "set" {
        session.set("n", &7u32).unwrap();
    }
    format!("{:?}", session.get::<u32>("n").unwrap())
}

#[test]
fn updates_from_several_threads_are_each_one_step() {
    let rocket = common::rocket_of(
        Sealed::custom(common::config(&[1])),
        rocket::routes![threads_update],
    );
    let client = rocket::local::blocking::Client::tracked(rocket).unwrap();
    let reply = client.get("/threads").dispatch();
    assert_eq!(reply.into_string().unwrap(), "Some(2000)");
}

#[rocket::get("/debug")]
fn debug_guards(session: rocket_sealed::Session<'_>, temp: rocket_sealed::TempData<'_>) -> String {
    let before = format!("{session:?} {temp:?}");
    let user = session.get::<String>("user").unwrap();
    format!("{before}\n{session:?}\n{user:?}")
}

#[rocket::get("/debug/login")]
fn debug_login(session: rocket_sealed::Session<'_>) {
    session.set("user", "ada-the-secret").unwrap();
}

#[test]
fn debug_output_names_the_cookie_loads_nothing_and_shows_no_value() {
    let fairing = Sealed::custom(common::config(&[1]));
    let printed = format!("{fairing:?}");
    assert!(printed.starts_with("SealedFairing"), "{printed}");
    assert!(!printed.contains(&common::key(1).key), "{printed}");
    let rocket = common::rocket_of(fairing, rocket::routes![debug_guards, debug_login]);
    let client = rocket::local::blocking::Client::tracked(rocket).unwrap();
    client.get("/debug/login").dispatch();
    let sealed = client.rocket().state::<Sealed>().unwrap();
    let opened = sealed.counters().snapshot().opened;
    let body = client.get("/debug").dispatch().into_string().unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines[0],
        r#"Session { cookie: "sealed_session", state: None } TempData { cookie: "sealed_tempdata", state: None }"#
    );
    assert!(
        lines[1].contains("status: Loaded") && lines[1].contains(r#"keys: ["user"]"#),
        "{body}"
    );
    assert!(!lines[1].contains("ada-the-secret"), "{body}");
    assert_eq!(lines[2], r#"Some("ada-the-secret")"#);
    // Only the `get` opened the session; formatting TempData did not open it either.
    assert_eq!(sealed.counters().snapshot().opened, opened + 1);
}

/// Two `Session` guards asked for at the same time, without a validator (the lazy path).
struct TwoAtOnce<'r>(rocket_sealed::Session<'r>, rocket_sealed::Session<'r>);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for TwoAtOnce<'r> {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, ()> {
        let (a, b) = rocket::tokio::join!(
            req.guard::<rocket_sealed::Session<'r>>(),
            req.guard::<rocket_sealed::Session<'r>>()
        );
        match (a, b) {
            (rocket::outcome::Outcome::Success(a), rocket::outcome::Outcome::Success(b)) => {
                rocket::request::Outcome::Success(TwoAtOnce(a, b))
            }
            _ => rocket::request::Outcome::Error((HttpStatus::InternalServerError, ())),
        }
    }
}

#[rocket::get("/two")]
fn two_at_once(two: TwoAtOnce<'_>) -> String {
    let before = two.1.get::<u32>("n").unwrap();
    two.0.update::<u32>("n", |n| *n += 1).unwrap();
    format!(
        "{before:?} {:?} {}",
        two.1.get::<u32>("n").unwrap(),
        two.0.id() == two.1.id()
    )
}

#[test]
fn two_session_guards_at_once_share_one_session() {
    let rocket = common::rocket_of(
        Sealed::custom(common::config(&[1])),
        rocket::routes![two_at_once],
    );
    let client = rocket::local::blocking::Client::tracked(rocket).unwrap();
    let first = common::dispatch(client.get("/two"));
    assert_eq!(first.body, "None Some(1) true");
    assert_eq!(first.written().len(), 1, "one cookie: {:?}", first.lines);
    let second = common::dispatch(client.get("/two"));
    assert_eq!(second.body, "Some(1) Some(2) true");
    let sealed = client.rocket().state::<Sealed>().unwrap();
    assert_eq!(
        sealed.counters().snapshot().opened,
        1,
        "opened once, by the second"
    );
}

#[test]
fn a_chunked_session_that_becomes_empty_has_every_chunk_deleted() {
    let mut config = common::config(&[1]);
    config.chunk_size = 1000;
    config.max_chunks = 8;
    config.session.budget = 8000;
    let app = App::new(config);
    app.get("/s/big/3000/false");
    let sent: Vec<String> = app.jar_store(SESSION).into_iter().map(|(n, _)| n).collect();
    assert!(sent.len() >= 4, "a main cookie and chunks: {sent:?}");
    let cleared = app.get("/s/clear");
    let mut deleted = cleared.deleted();
    deleted.sort();
    assert_eq!(deleted, sent);
    assert!(cleared.written().is_empty(), "{:?}", cleared.lines);
    assert!(app.jar_store(SESSION).is_empty(), "{:?}", app.jar_names());
}

/// Counts the validator's calls, and says no to "mallory".
struct Counting(std::sync::Arc<std::sync::atomic::AtomicUsize>);

#[rocket::async_trait]
impl Validator for Counting {
    async fn validate(&self, session: &SessionState, _req: &Request<'_>) -> bool {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        session.get::<String>("user").ok().flatten().as_deref() != Some("mallory")
    }
}

#[test]
fn the_validators_yes_is_sealed_and_holds_for_the_revalidation_interval() {
    let clock = ManualClock::new(T0);
    let calls = std::sync::Arc::default();
    let mut config = common::config(&[1]);
    config.session.revalidate_secs = 30;
    let fairing = Sealed::custom(config)
        .with_clock(clock.clone())
        .with_validator(Counting(std::sync::Arc::clone(&calls)));
    let app = App::from_fairing(fairing, clock);
    let calls = || calls.load(std::sync::atomic::Ordering::Relaxed);

    app.get("/s/set/user/alice");
    assert_eq!(calls(), 0, "a new session is not judged");
    let judged = app.get("/s/info");
    assert_eq!(calls(), 1);
    let names: Vec<String> = judged.written().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, vec![SESSION], "the verdict's time is sealed");
    for _ in 0..5 {
        app.clock.advance(5);
        app.get("/s/info");
    }
    assert_eq!(calls(), 1, "no lookup within the interval");
    // The verdict travels in the cookie: the reserved entry is no entry of the app's.
    let (status, len, _) = info(&app.get("/s/info"));
    assert_eq!((status.as_str(), len), ("Loaded", 1));
    app.clock.advance(10);
    app.get("/s/info");
    assert_eq!(
        calls(),
        2,
        "asked again once the verdict is older than the interval"
    );
    // Within the interval a change is not judged; past it, it is.
    app.get("/s/set/user/mallory");
    assert_eq!(info(&app.get("/s/info")).0, "Loaded");
    app.clock.advance(31);
    let (status, len, _) = info(&app.get("/s/info"));
    assert_eq!(status, status_str(Status::Rejected(Rejection::Revoked)));
    assert_eq!(len, 0);
}
