//! The `cookie.*` options (README, Configuration) as the browser sees them, through the
//! fairing: each option is written on the store's cookies, and a deletion carries the same
//! `Path` and `Domain` (a browser deletes only a cookie whose path and domain match).

mod common;

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
