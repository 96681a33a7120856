//! What the fairing writes at the end of a request, and when it writes nothing
//! (docs/stores.md, When the fairing writes).

use crate::common;

use common::{App, SESSION, T0, TEMPDATA, info, key_id_of};
use rocket::http::{SameSite, Status as HttpStatus};
use rocket_sealed::{ManualClock, Rejection, SessionConfig, Status};

#[test]
fn lazy_load() {
    let app = App::new(common::config(&[1]));
    app.get("/s/set/a/1");
    assert_eq!(app.jar_names(), vec![SESSION]);
    // Past the refresh threshold, so a decrypting request would re-seal.
    app.clock.advance(700);

    // A guard that is taken but not used decrypts nothing and writes nothing.
    let touched = app.get("/s/touch");
    assert_eq!(touched.body, "touched");
    assert!(touched.lines.is_empty(), "{:?}", touched.lines);
    assert_eq!(app.counters().opened, 0);

    // A route without guards writes nothing although the cookie was sent.
    let plain = app.get("/plain");
    assert!(plain.lines.is_empty(), "{:?}", plain.lines);
    assert_eq!(app.counters().opened, 0);

    // The first real use decrypts once.
    assert_eq!(app.get("/s/get/a").body, r#"Some("1")"#);
    assert_eq!(app.counters().opened, 1);
}

#[test]
fn no_write_when_unchanged() {
    let app = App::new(common::config(&[1]));
    app.get("/s/set/a/1");
    app.get("/td/act/set/ok");
    let sealed = app.counters().sealed;
    assert_eq!(sealed, 2);
    for uri in [
        "/s/get/a",
        "/s/info",
        "/s/get/missing",
        "/td/peek/k",
        "/td/info",
    ] {
        app.clock.advance(60);
        let reply = app.get(uri);
        assert_eq!(reply.status, HttpStatus::Ok);
        assert!(reply.lines.is_empty(), "{uri}: {:?}", reply.lines);
    }
    assert_eq!(app.counters().sealed, sealed);
    assert!(app.counters().opened >= 5);
}

#[test]
fn refresh_threshold() {
    let app = App::new(common::config(&[1]));
    app.get("/s/set/a/1");
    let id = app.get("/s/id").body;
    let cookie = app.jar_store(SESSION);
    let defaults = SessionConfig::default();
    let threshold = (defaults.idle_timeout_secs as f64 * defaults.refresh_share) as u64;
    assert_eq!(threshold, 600);

    app.clock.set(T0 + threshold - 1);
    let before = app.get("/s/get/a");
    assert_eq!(before.body, r#"Some("1")"#);
    assert!(before.lines.is_empty(), "{:?}", before.lines);
    assert_eq!(app.counters().refreshed, 0);

    app.clock.set(T0 + threshold);
    let at = app.get("/s/get/a");
    assert_eq!(at.body, r#"Some("1")"#);
    assert_eq!(at.lines.len(), 1, "{:?}", at.lines);
    assert_eq!(at.written()[0].0, SESSION);
    assert_ne!(app.jar_store(SESSION), cookie, "re-sealed with a new nonce");
    assert_eq!(app.counters().refreshed, 1);

    // Same data, same id.
    assert_eq!(app.get("/s/id").body, id);
    // The refresh slid the idle timeout: T0 + 1300 is past the first cookie's life, not this one's.
    app.clock.set(T0 + 1300);
    let (status, len, same_id) = info(&app.get("/s/info"));
    assert_eq!((status.as_str(), len), ("Loaded", 1));
    assert_eq!(same_id, id);
}

#[test]
fn five_xx_commits_nothing() {
    let app = App::new(common::config(&[1]));
    app.get("/s/set/a/1");
    let jar = app.jar_store(SESSION);
    let failed = app.get("/s/fail/a/2");
    assert_eq!(failed.status, HttpStatus::InternalServerError);
    assert!(failed.lines.is_empty(), "{:?}", failed.lines);
    assert_eq!(app.jar_store(SESSION), jar);
    assert_eq!(app.get("/s/get/a").body, r#"Some("1")"#);
    assert_eq!(app.get("/td/peek/a").body, "None");
    assert_eq!(app.counters().sealed, 1);
}

#[test]
fn four_xx_commits_what_changed() {
    let app = App::new(common::config(&[1]));
    // The handler answers 400 after changing both stores: both are written.
    let rejected = app.get("/s/reject/a/1");
    assert_eq!(rejected.status, HttpStatus::BadRequest);
    let mut written: Vec<String> = rejected.written().into_iter().map(|(n, _)| n).collect();
    written.sort();
    assert_eq!(written, vec![SESSION, TEMPDATA]);
    assert_eq!(app.get("/s/get/a").body, r#"Some("1")"#);
    assert_eq!(app.get("/td/peek/a").body, r#"Some("1")"#);
    // A guard changes the session and fails with 401, so Rocket's catcher answers: written too
    // (Rocket's own jar would drop a failed route's changes here).
    let denied = app.get("/s/set_then_denied");
    assert_eq!(denied.status, HttpStatus::Unauthorized);
    assert_eq!(
        denied
            .written()
            .into_iter()
            .map(|(n, _)| n)
            .collect::<Vec<_>>(),
        vec![SESSION]
    );
    assert_eq!(app.get("/s/get/guard").body, r#"Some("set")"#);
    assert_eq!(app.get("/s/get/a").body, r#"Some("1")"#);
}

#[test]
fn five_xx_keeps_a_tempdata_entry_that_get_consumed() {
    let app = App::new(common::config(&[1]));
    app.get("/td/act/set/ok");
    let jar = app.jar_store(TEMPDATA);
    assert_eq!(jar.len(), 1, "{jar:?}");

    // The handler reads (and so consumes) the entry, then fails: nothing is deleted.
    let failed = app.get("/td/fail_get/k");
    assert_eq!(failed.status, HttpStatus::InternalServerError);
    assert_eq!(failed.body, r#"Some("v")"#, "the handler did read it");
    assert!(failed.lines.is_empty(), "{:?}", failed.lines);
    assert_eq!(app.jar_store(TEMPDATA), jar);

    // The entry is still unread for the next request, whose successful `get` consumes it.
    let read = app.get("/td/act/get/ok");
    assert_eq!(read.body, r#"Some("v")"#);
    assert_eq!(read.deleted(), vec![TEMPDATA]);
    assert_eq!(app.get("/td/peek/k").body, "None");
}

#[test]
fn five_xx_keeps_a_session_that_clear_emptied() {
    let app = App::new(common::config(&[1]));
    app.get("/s/set/a/1");
    app.get("/s/set/b/2");
    let id = app.get("/s/id").body;
    let jar = app.jar_store(SESSION);
    assert_eq!(jar.len(), 1, "{jar:?}");

    let failed = app.get("/s/fail_clear");
    assert_eq!(failed.status, HttpStatus::InternalServerError);
    assert_eq!(failed.body, "0", "the handler did clear it");
    assert!(failed.lines.is_empty(), "{:?}", failed.lines);
    assert_eq!(app.jar_store(SESSION), jar);
    let (status, len, same_id) = info(&app.get("/s/info"));
    assert_eq!((status.as_str(), len), ("Loaded", 2));
    assert_eq!(same_id, id);
    assert_eq!(app.get("/s/get/b").body, r#"Some("2")"#);

    // The same clear in a successful response deletes the cookie.
    let cleared = app.get("/s/clear");
    assert_eq!(cleared.status, HttpStatus::Ok);
    assert_eq!(cleared.deleted(), vec![SESSION]);
    assert!(app.jar_store(SESSION).is_empty());
}

#[test]
fn fairing_adjoins_its_headers_to_the_apps_cookies() {
    let app = App::new(common::config(&[1]));
    let reply = app.get("/s/with_jar");
    let mut names: Vec<String> = reply.written().into_iter().map(|(n, _)| n).collect();
    names.sort();
    assert_eq!(names, vec!["app".to_string(), SESSION.to_string()]);
}

#[test]
fn oversize_keeps_the_old_cookie_and_commit_returns_the_error() {
    let app = App::new(common::config(&[1]));
    app.get("/s/set/a/1");
    let jar = app.jar_store(SESSION);

    // The handler asks and is told; the fairing writes nothing.
    let checked = app.get("/s/big/6000/true");
    let words: Vec<&str> = checked.body.split(' ').collect();
    assert_eq!(words[0], "too-large", "{}", checked.body);
    let needed: usize = words[1].parse().unwrap();
    let limit: usize = words[2].parse().unwrap();
    assert_eq!(limit, SessionConfig::default().budget);
    assert!(needed > limit, "{needed} > {limit}");
    assert!(checked.lines.is_empty(), "{:?}", checked.lines);
    assert_eq!(app.counters().too_large, 1);

    // A handler that does not ask gets the same treatment.
    let unchecked = app.get("/s/big/6000/false");
    assert_eq!(unchecked.body, "unchecked");
    assert!(unchecked.lines.is_empty(), "{:?}", unchecked.lines);
    // Beyond the chunk limit too.
    let huge = app.get("/s/big/40000/true");
    assert!(huge.body.starts_with("too-large "), "{}", huge.body);
    assert!(huge.lines.is_empty(), "{:?}", huge.lines);
    assert_eq!(app.counters().too_large, 3);

    // The previous cookie stays, with the previous data.
    assert_eq!(app.jar_store(SESSION), jar);
    assert_eq!(app.get("/s/get/a").body, r#"Some("1")"#);
    assert_eq!(app.get("/s/get/big").body, "None");

    // Something that fits is accepted, and commit() reports its size.
    let fits = app.get("/s/big/1000/true");
    assert!(fits.body.starts_with("ok "), "{}", fits.body);
    let bytes: usize = fits.body[3..].parse().unwrap();
    let written = fits.written();
    let header: usize = written
        .iter()
        .map(|(n, v)| n.len() + 1 + v.len())
        .sum::<usize>()
        + 2 * (written.len() - 1);
    assert_eq!(bytes, header, "commit() predicts the Cookie header bytes");
}

#[test]
fn stale_chunks_deleted_when_the_cart_shrinks() {
    let mut config = common::config(&[1]);
    config.chunk_size = 1000;
    config.max_chunks = 8;
    config.session.budget = 8000;
    config.cookie.domain = Some("example.com".into());
    config.cookie.secure = Some(true);
    config.cookie.same_site = "strict".into();
    let app = App::new(config);

    let grown = app.get("/cart/fill/120");
    let written = grown.written();
    assert_eq!(written[0].0, SESSION);
    let count: usize = written[0]
        .1
        .strip_prefix("chunks-")
        .unwrap()
        .parse()
        .unwrap();
    assert!(count >= 4, "{count} chunks");
    let names: Vec<String> = written[1..].iter().map(|(n, _)| n.clone()).collect();
    let expected: Vec<String> = (1..=count).map(|i| format!("{SESSION}C{i}")).collect();
    assert_eq!(names, expected);
    for line in &grown.lines {
        assert!(line.len() <= 1000, "chunk line of {} bytes", line.len());
    }
    assert_eq!(app.get("/cart/len").body, "120");

    // Shrink to fewer chunks: the chunks past the new count are deleted.
    let fewer = app.get("/cart/fill/40");
    let new_count: usize = fewer.value_of(SESSION).unwrap()["chunks-".len()..]
        .parse()
        .unwrap();
    assert!((2..count).contains(&new_count), "{new_count}");
    let stale: Vec<String> = (new_count + 1..=count)
        .map(|i| format!("{SESSION}C{i}"))
        .collect();
    assert_eq!(fewer.deleted(), stale);
    assert_eq!(app.get("/cart/len").body, "40");

    // Shrink to one cookie: every chunk goes.
    let single = app.get("/cart/fill/2");
    assert!(!single.value_of(SESSION).unwrap().starts_with("chunks-"));
    let all: Vec<String> = (1..=new_count).map(|i| format!("{SESSION}C{i}")).collect();
    assert_eq!(single.deleted(), all);
    assert_eq!(app.jar_names(), vec![SESSION]);
    assert_eq!(app.get("/cart/len").body, "2");

    // Deletions repeat the attributes of the cookies they remove, as the writes do.
    for reply in [&grown, &fewer, &single] {
        for c in &reply.cookies {
            assert_eq!(c.path(), Some("/"), "{c}");
            assert_eq!(c.domain(), Some("example.com"), "{c}");
            assert_eq!(c.same_site(), Some(SameSite::Strict), "{c}");
            assert_eq!(c.secure(), Some(true), "{c}");
            assert_eq!(c.http_only(), Some(true), "{c}");
        }
    }
    for c in fewer.cookies.iter().chain(&single.cookies) {
        if c.value().is_empty() {
            assert!(common::is_deletion(c), "{c}");
        }
    }
}

#[test]
fn rotation_reseal() {
    let clock = ManualClock::new(T0);
    let old = App::with_clock(common::config(&[1]), clock.clone());
    old.get("/s/set/a/1");
    old.get("/td/act/set/ok");
    let session_cookie = old.jar_store(SESSION);
    let temp_cookie = old.jar_store(TEMPDATA);
    assert_eq!(key_id_of(&session_cookie[0].1), 1);
    let id = old.get("/s/id").body;

    // Step 2 of the rotation: the new key first, the old one still opens.
    let rotated = App::with_clock(common::config(&[2, 1]), clock.clone());
    let reply = rotated.get_with("/s/get/a", &session_cookie);
    assert_eq!(reply.body, r#"Some("1")"#);
    let value = reply.value_of(SESSION).expect("re-sealed in this response");
    assert_eq!(key_id_of(&value), 2);
    assert_eq!(rotated.counters().resealed, 1);
    assert_eq!(rotated.get("/s/id").body, id, "same session");
    // Once re-sealed, later requests write nothing.
    let later = rotated.get("/s/get/a");
    assert!(later.lines.is_empty(), "{:?}", later.lines);

    // TempData is re-sealed too, without being consumed.
    let reply = rotated.get_with("/td/peek/k", &temp_cookie);
    assert_eq!(reply.body, r#"Some("v")"#);
    assert_eq!(key_id_of(&reply.value_of(TEMPDATA).unwrap()), 2);
    assert_eq!(rotated.counters().resealed, 2);
    assert_eq!(rotated.get("/td/peek/k").body, r#"Some("v")"#);

    // Step 3: the old key dropped. Its cookies start fresh and are removed.
    let dropped = App::with_clock(common::config(&[2]), clock);
    let reply = dropped.get_with("/s/info", &session_cookie);
    let (status, len, _) = info(&reply);
    assert_eq!(
        status,
        format!(
            "{:?}",
            Status::Rejected(Rejection::UnknownKey { key_id: 1 })
        )
    );
    assert_eq!(len, 0);
    assert_eq!(reply.deleted(), vec![SESSION]);
    assert_eq!(dropped.counters().rejected_unknown_key, 1);
}

/// The largest `n` for which `uri_of(n)` answers `ok …`.
fn largest_accepted(app: &App, uri_of: impl Fn(usize) -> String) -> usize {
    let (mut lo, mut hi) = (0usize, 20_000usize);
    while lo + 1 < hi {
        let mid = (lo + hi) / 2;
        if app.get(&uri_of(mid)).body.starts_with("ok ") {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

#[test]
fn defaults_fit_an_8k_cookie_header_and_4k_cookies() {
    let probe = App::new(common::config(&[1]));
    let session_max = largest_accepted(&probe, |n| format!("/s/big/{n}/true"));
    let temp_max = largest_accepted(&probe, |n| format!("/td/big/{n}"));
    assert!(session_max > 3000, "{session_max}");
    assert!(temp_max > 1000, "{temp_max}");

    // Both stores at their largest, in one browser.
    let app = App::new(common::config(&[1]));
    let session = app.get(&format!("/s/big/{session_max}/true"));
    assert!(session.body.starts_with("ok "), "{}", session.body);
    let temp = app.get(&format!("/td/big/{temp_max}"));
    assert!(temp.body.starts_with("ok "), "{}", temp.body);
    for line in session.lines.iter().chain(&temp.lines) {
        assert!(line.len() <= 4096, "a Set-Cookie of {} bytes", line.len());
    }
    let jar: Vec<(String, String)> = app
        .jar_store(SESSION)
        .into_iter()
        .chain(app.jar_store(TEMPDATA))
        .collect();
    let header: usize = jar
        .iter()
        .map(|(n, v)| n.len() + 1 + v.len())
        .sum::<usize>()
        + 2 * (jar.len() - 1);
    assert!(header <= 8192, "Cookie header of {header} bytes");
    // commit() predicted exactly what the browser now sends.
    let predicted: usize =
        session.body[3..].parse::<usize>().unwrap() + temp.body[3..].parse::<usize>().unwrap() + 2;
    assert_eq!(header, predicted);

    // One byte more is refused, and the stored data stays as it was.
    let over = app.get(&format!("/s/big/{}/true", session_max + 1));
    assert!(over.body.starts_with("too-large "), "{}", over.body);
    assert!(over.lines.is_empty());
    let over = app.get(&format!("/td/big/{}", temp_max + 1));
    assert!(over.body.starts_with("too-large "), "{}", over.body);
    assert!(over.lines.is_empty());
    assert_eq!(
        app.get("/td/peek/big").body.len(),
        temp_max + r#"Some("")"#.len()
    );
}
