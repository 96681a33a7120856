//! The `cookie.*` options (README, Configuration) as the browser sees them, through the
//! fairing: each option is written on the store's cookies, and a deletion carries the same
//! `Path` and `Domain` (a browser deletes only a cookie whose path and domain match).

use crate::common;

use common::{App, SESSION, T0, TEMPDATA};
use rocket::time::Duration;

#[test]
fn http_only_off_a_path_and_a_domain_are_written_and_deleted_alike() {
    let mut config = common::config(&[1]);
    config.cookie.http_only = false;
    config.cookie.path = "/app".into();
    config.cookie.domain = Some("shop.example".into());
    let app = App::new(config);
    let set = app.get("/s/set/a/1");
    let td = app.get("/td/act/set/ok");
    for (reply, name) in [(&set, SESSION), (&td, TEMPDATA)] {
        let c = reply.cookies.iter().find(|c| c.name() == name).unwrap();
        assert_eq!(c.http_only(), None, "{}", reply.lines[0]);
        assert!(!reply.lines[0].contains("HttpOnly"), "{}", reply.lines[0]);
        assert_eq!(c.path(), Some("/app"));
        assert_eq!(c.domain(), Some("shop.example"));
    }
    let session = set.value_of(SESSION).unwrap();
    let cleared = app.get_with("/s/clear", &[(SESSION.into(), session)]);
    let deletion = cleared
        .cookies
        .iter()
        .find(|c| c.name() == SESSION && common::is_deletion(c))
        .unwrap_or_else(|| panic!("no deletion: {:?}", cleared.lines));
    assert_eq!(deletion.path(), Some("/app"));
    assert_eq!(deletion.domain(), Some("shop.example"));
}

#[test]
fn the_defaults_are_http_only_lax_path_root_host_only_and_browser_session() {
    let app = App::new(common::config(&[1]));
    let set = app.get("/s/set/a/1");
    let c = &set.cookies[0];
    assert_eq!(c.http_only(), Some(true));
    assert_eq!(c.same_site(), Some(rocket::http::SameSite::Lax));
    assert_eq!(c.path(), Some("/"));
    assert_eq!(c.domain(), None);
    assert_eq!(c.max_age(), None);
    assert_eq!(c.expires(), None);
}

#[test]
fn persistent_cookies_last_as_long_as_their_store() {
    let mut config = common::config(&[1]);
    config.cookie.persistent = true;
    config.session.idle_timeout_secs = 600;
    config.tempdata.lifetime_secs = 900;
    let app = App::new(config.clone());
    let set = app.get("/s/set/a/1");
    assert_eq!(set.cookies[0].max_age(), Some(Duration::seconds(600)));
    let td = app.get("/td/act/set/ok");
    let c = td.cookies.iter().find(|c| c.name() == TEMPDATA).unwrap();
    assert_eq!(c.max_age(), Some(Duration::seconds(900)));

    // An absolute timeout shorter than the idle one bounds the cookie's life too.
    config.session.absolute_timeout_secs = Some(300);
    let app = App::new(config);
    let set = app.get("/s/set/a/1");
    assert_eq!(set.cookies[0].max_age(), Some(Duration::seconds(300)));
}

#[test]
fn refresh_share_sets_when_an_unchanged_session_is_resealed() {
    let mut config = common::config(&[1]);
    config.session.idle_timeout_secs = 1000;
    config.session.refresh_share = 0.25;
    let app = App::new(config);
    app.get("/s/set/a/1");
    app.clock.set(T0 + 249);
    assert!(app.get("/s/get/a").lines.is_empty(), "before a quarter");
    app.clock.set(T0 + 250);
    let refreshed = app.get("/s/get/a");
    assert_eq!(refreshed.written().len(), 1, "{:?}", refreshed.lines);
    assert_eq!(app.counters().refreshed, 1);
    // The refresh slid the expiry: 1000 s after it, the session is still there.
    app.clock.set(T0 + 250 + 999);
    assert_eq!(app.get("/s/get/a").body, r#"Some("1")"#);
}

/// Every `Set-Cookie` line of `reply` whose cookie name starts with `prefix`.
fn lines_of<'a>(reply: &'a common::Reply, prefix: &str) -> Vec<&'a str> {
    reply
        .lines
        .iter()
        .map(String::as_str)
        .filter(|l| l.starts_with(prefix))
        .collect()
}

/// A session written chunked, then cleared: every line a store can write, set and deleted,
/// main cookie and chunks, as (the writes, the deletions).
fn chunked_then_cleared(app: &App, name: &str) -> (common::Reply, common::Reply) {
    let big = app.get("/s/big/3000/false");
    assert!(
        big.lines
            .iter()
            .any(|l| l.starts_with(&format!("{name}C2="))),
        "chunked: {:?}",
        big.lines
    );
    let cleared = app.get("/s/clear");
    assert!(cleared.deleted().contains(&format!("{name}C1")));
    (big, cleared)
}

#[test]
fn a_host_prefixed_name_is_secure_on_every_chunk_and_deletion() {
    // docs/security.md, Cookie prefixes: over plain HTTP (no TLS, `secure` unset) the prefix
    // alone makes every line Secure, Path=/ and host-only; the chunks carry the prefix too.
    let mut config = common::config(&[1]);
    config.session.cookie_name = "__Host-sid".into();
    config.tempdata.cookie_name = "__Host-td".into();
    let app = App::new(config);
    let (big, cleared) = chunked_then_cleared(&app, "__Host-sid");
    let td = app.get("/td/act/set/ok");
    let mut lines = lines_of(&big, "__Host-sid");
    lines.extend(lines_of(&cleared, "__Host-sid"));
    lines.extend(lines_of(&td, "__Host-td="));
    assert!(lines.len() >= 7, "{lines:#?}");
    for line in &lines {
        let c = rocket::http::Cookie::parse(*line).unwrap();
        assert!(c.name().starts_with("__Host-"), "{line}");
        assert_eq!(c.secure(), Some(true), "{line}");
        assert_eq!((c.path(), c.domain()), (Some("/"), None), "{line}");
    }
    // Every line of these responses is one of the prefixed ones.
    assert_eq!(big.lines.len() + cleared.lines.len(), lines.len() - 1);
}

#[test]
fn partitioned_is_on_every_chunk_and_deletion() {
    let mut config = common::config(&[1]);
    config.cookie.partitioned = true;
    let app = App::new(config);
    let (big, cleared) = chunked_then_cleared(&app, SESSION);
    let td = app.get("/td/act/set/ok");
    let lines: Vec<&String> = big
        .lines
        .iter()
        .chain(&cleared.lines)
        .chain(&td.lines)
        .collect();
    assert!(lines.len() >= 7, "{lines:#?}");
    for line in lines {
        let c = rocket::http::Cookie::parse(line.as_str()).unwrap();
        assert_eq!(c.partitioned(), Some(true), "{line}");
        assert_eq!(c.secure(), Some(true), "{line}");
    }
    // Off by default.
    let app = App::new(common::config(&[1]));
    assert!(!app.get("/s/set/a/1").lines[0].contains("Partitioned"));
}

#[test]
fn behind_a_proxy_the_forwarded_proto_header_decides_secure() {
    // docs/operations.md, Behind a TLS-terminating proxy.
    use rocket::http::Header;
    let mut config = common::config(&[1]);
    config.cookie.forwarded_proto_header = Some("X-Forwarded-Proto".into());
    let app = App::new(config);
    let secure_of = |proto: Option<&str>, uri: &str| -> Vec<bool> {
        let mut req = app.client.get(uri.to_owned());
        if let Some(proto) = proto {
            req = req.header(Header::new("X-Forwarded-Proto", proto.to_owned()));
        }
        let reply = common::dispatch(req);
        assert!(!reply.lines.is_empty(), "{uri}: nothing written");
        reply
            .cookies
            .iter()
            .map(|c| c.secure() == Some(true))
            .collect()
    };
    assert_eq!(secure_of(Some("https"), "/s/set/a/1"), [true]);
    assert_eq!(secure_of(Some("http"), "/s/set/a/2"), [false]);
    assert_eq!(secure_of(None, "/s/set/a/3"), [false]);
    // Only the value the nearest proxy wrote, the last, counts.
    assert_eq!(secure_of(Some("https, http"), "/s/set/a/4"), [false]);
    assert_eq!(secure_of(Some("http, https"), "/s/set/a/5"), [true]);
    // Deletions and TempData follow it too.
    assert_eq!(secure_of(Some("https"), "/s/clear"), [true]);
    assert_eq!(secure_of(Some("https"), "/td/act/set/ok"), [true]);
    assert_eq!(secure_of(None, "/td/act/set/ok"), [false]);

    // Without the option the header is ignored: a client could send it.
    let app = App::new(common::config(&[1]));
    let req = app
        .client
        .get("/s/set/a/1")
        .header(Header::new("X-Forwarded-Proto", "https"));
    assert_eq!(common::dispatch(req).cookies[0].secure(), None);
}
