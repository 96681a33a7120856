//! TempData with ASP.NET Core's rules, and flash messages (README, TempData rules and Flash
//! messages).

use crate::common;

use common::{App, SESSION, T0, TEMPDATA, key_id_of};
use rocket::http::Status as HttpStatus;

/// One row: request 1 and request 2 each do an action on entry `k` and answer `ok` (200) or
/// `redirect` (303); request 3 peeks whether `k` is still there.
struct Case {
    first: (&'static str, &'static str),
    second: (&'static str, &'static str),
    keep_on_redirect: bool,
    present_in_third: bool,
}

const fn case(
    first: (&'static str, &'static str),
    second: (&'static str, &'static str),
    keep_on_redirect: bool,
    present_in_third: bool,
) -> Case {
    Case {
        first,
        second,
        keep_on_redirect,
        present_in_third,
    }
}

const CASES: &[Case] = &[
    // Loaded entries are unread: untouched or peeked, they stay.
    case(("set", "ok"), ("none", "ok"), true, true),
    case(("set", "ok"), ("peek", "ok"), true, true),
    case(("set", "redirect"), ("peek", "ok"), true, true),
    // get marks for deletion at the end of the request.
    case(("set", "ok"), ("get", "ok"), true, false),
    case(("set", "redirect"), ("get", "ok"), true, false),
    // keep / keep_all retain a read entry.
    case(("set", "ok"), ("get_keep", "ok"), true, true),
    case(("set", "ok"), ("get_keep_all", "ok"), true, true),
    // A redirect keeps read entries ...
    case(("set", "ok"), ("get", "redirect"), true, true),
    case(("set", "ok"), ("peek", "redirect"), true, true),
    // ... unless configured off.
    case(("set", "ok"), ("get", "redirect"), false, false),
    case(("set", "redirect"), ("peek", "ok"), false, true),
    case(("set", "ok"), ("get_keep", "redirect"), false, true),
    case(("set", "ok"), ("peek", "redirect"), false, true),
    case(("set", "ok"), ("get_keep_all", "redirect"), false, true),
    // remove is immediate, redirect or not.
    case(("set", "ok"), ("remove", "redirect"), true, false),
    case(("set", "ok"), ("remove", "ok"), true, false),
    // Set in this request: survives to the next unless read in this one.
    case(("set_peek", "ok"), ("none", "ok"), true, true),
    case(("set_get", "ok"), ("none", "ok"), true, false),
    case(("set_get", "redirect"), ("none", "ok"), true, true),
    case(("set_get", "redirect"), ("none", "ok"), false, false),
    // Set again in request 2: present whatever request 1 did.
    case(("set_get", "ok"), ("set", "ok"), true, true),
    case(("set", "ok"), ("set_get", "ok"), true, false),
];

/// A read entry is kept on the redirects, as ASP.NET Core's redirect results keep it, and not
/// on the other 3xx codes, which send the browser nowhere (a 304 answers a page the browser
/// already has, so a flash it consumed would show a second time).
#[test]
fn only_the_redirect_codes_keep_read_entries() {
    for (code, kept) in [
        (301, true),
        (302, true),
        (303, true),
        (307, true),
        (308, true),
        (300, false),
        (304, false),
        (305, false),
    ] {
        let app = App::new(common::config(&[1]));
        app.get("/td/act/set/ok");
        let reply = app.get(&format!("/td/get_answering/{code}"));
        assert_eq!(reply.status.code, code);
        let expected = if kept { r#"Some("v")"# } else { "None" };
        assert_eq!(app.get("/td/peek/k").body, expected, "after a {code}");
    }
}

#[test]
fn tempdata_get_peek_keep_keep_all_redirect_table() {
    for (i, c) in CASES.iter().enumerate() {
        let mut config = common::config(&[1]);
        config.tempdata.keep_on_redirect = c.keep_on_redirect;
        let app = App::new(config);
        let row = format!(
            "case {i}: {:?} then {:?}, keep_on_redirect={}",
            c.first, c.second, c.keep_on_redirect
        );
        for (action, kind) in [c.first, c.second] {
            let reply = app.get(&format!("/td/act/{action}/{kind}"));
            let expected = match kind {
                "redirect" => HttpStatus::SeeOther,
                _ => HttpStatus::Ok,
            };
            assert_eq!(reply.status, expected, "{row}");
            if kind == "ok" && ["get", "peek", "get_keep", "get_keep_all"].contains(&action) {
                assert_eq!(reply.body, r#"Some("v")"#, "{row}: {action} sees the entry");
            }
        }
        let third = app.get("/td/peek/k");
        let expected = if c.present_in_third {
            r#"Some("v")"#
        } else {
            "None"
        };
        assert_eq!(third.body, expected, "{row}");
        assert!(third.lines.is_empty(), "{row}: peek writes nothing");
        assert_eq!(
            app.jar_names().contains(&TEMPDATA.to_string()),
            c.present_in_third,
            "{row}: an empty TempData keeps no cookie"
        );
    }
}

#[test]
fn keep_retains_for_exactly_one_more_request() {
    let app = App::new(common::config(&[1]));
    app.get("/td/act/set/ok");
    assert_eq!(app.get("/td/act/get_keep/ok").body, r#"Some("v")"#);
    assert_eq!(app.get("/td/act/get/ok").body, r#"Some("v")"#);
    assert_eq!(app.get("/td/peek/k").body, "None");
}

#[test]
fn flash_shown_exactly_once() {
    let app = App::new(common::config(&[1]));
    let post = app.post("/flash/one");
    assert_eq!(post.status, HttpStatus::SeeOther);
    assert!(post.value_of(TEMPDATA).is_some(), "{:?}", post.lines);
    let shown = app.get("/flashes");
    assert_eq!(shown.body, "success:Saved\n");
    assert_eq!(shown.deleted(), vec![TEMPDATA], "consumed: the cookie goes");
    let reload = app.get("/flashes");
    assert_eq!(reload.body, "");
    assert!(reload.lines.is_empty());
}

/// Messages a `Flashes` guard took are only shown once the handler looks at them: when a later
/// guard fails (401), the route forwards, or the handler ignores them, they stay pending,
/// as Rocket's own `FlashMessage` does.
#[test]
fn flashes_the_handler_never_looked_at_stay_pending() {
    for (uri, status, body) in [
        ("/flashes/denied", HttpStatus::Unauthorized, None),
        ("/flashes/forwarded", HttpStatus::Ok, Some("fallback")),
        ("/flashes/unseen", HttpStatus::Ok, Some("nothing shown")),
    ] {
        let app = App::new(common::config(&[1]));
        app.post("/flash/one");
        let reply = app.get(uri);
        assert_eq!(reply.status, status, "{uri}");
        if let Some(body) = body {
            assert_eq!(reply.body, body, "{uri}");
        }
        assert!(
            reply.deleted().is_empty(),
            "{uri}: the TempData cookie stays: {:?}",
            reply.lines
        );
        assert_eq!(app.get("/flashes").body, "success:Saved\n", "{uri}");
        assert_eq!(app.get("/flashes").body, "", "{uri}: then shown once");
    }
}

#[test]
fn several_flashes_per_request_all_levels_in_order() {
    let app = App::new(common::config(&[1]));
    app.post("/flash/all");
    // A second POST before the page is seen adds to the pending messages.
    app.post("/flash/one");
    let shown = app.get("/flashes");
    assert_eq!(
        shown.body,
        "info:from the handler\ndebug:d\ninfo:i\nsuccess:s\nwarning:w\nerror:e\n\
         success:Saved\n"
    );
    assert_eq!(app.get("/flashes").body, "");
}

#[test]
fn flashes_taken_then_joined_by_a_new_one_show_once() {
    // A page shows the pending flash and adds one: only the new one is shown next.
    let app = App::new(common::config(&[1]));
    app.post("/flash/one");
    assert_eq!(app.get("/flashes/then_flash/page").body, "Saved\n");
    assert_eq!(app.get("/flashes").body, "warning:new\n");
    assert_eq!(app.get("/flashes").body, "");

    // A handler that takes the flashes but redirects never displayed them: they go on
    // together with the new one (keep_on_redirect).
    let app = App::new(common::config(&[1]));
    app.post("/flash/one");
    let hop = app.get("/flashes/then_flash/redirect");
    assert_eq!(hop.status, HttpStatus::SeeOther);
    assert_eq!(app.get("/flashes").body, "success:Saved\nwarning:new\n");
    assert_eq!(app.get("/flashes").body, "");
}

#[test]
fn flashes_stay_pending_until_a_page_takes_them() {
    let app = App::new(common::config(&[1]));
    app.post("/flash/one");
    // A page that only peeks (or ignores TempData) leaves the messages pending.
    assert_eq!(app.get("/td/peek/k").body, "None");
    assert_eq!(app.get("/flashes").body, "success:Saved\n");
    assert_eq!(app.get("/flashes").body, "");
}

#[test]
fn tempdata_does_not_touch_the_session() {
    let app = App::new(common::config(&[1]));
    let reply = app.get("/td/act/set/ok");
    assert_eq!(
        reply
            .written()
            .into_iter()
            .map(|(n, _)| n)
            .collect::<Vec<_>>(),
        vec![TEMPDATA]
    );
    assert_eq!(app.jar_names(), vec![TEMPDATA]);
}

#[test]
fn tempdata_sealed_by_a_clock_far_ahead_is_refused() {
    let app = App::new(common::config(&[1]));
    let lifetime = rocket_sealed::TempDataConfig::default().lifetime_secs;
    app.clock.set(T0 + 2 * lifetime);
    app.get("/td/act/set/ok");
    app.clock.set(T0);
    let reply = app.get("/td/info");
    let expected = rocket_sealed::Status::Rejected(rocket_sealed::Rejection::ClockAhead {
        ahead_secs: 2 * lifetime,
    });
    assert_eq!(reply.body, format!("{expected:?};0"));
    assert_eq!(reply.deleted(), vec![TEMPDATA]);
    assert_eq!(app.counters().rejected_clock_ahead, 1);
}

#[test]
fn expired_tempdata_starts_fresh() {
    let app = App::new(common::config(&[1]));
    app.get("/td/act/set/ok");
    let lifetime = rocket_sealed::TempDataConfig::default().lifetime_secs;
    app.clock.advance(lifetime);
    assert_eq!(app.get("/td/peek/k").body, r#"Some("v")"#);
    app.clock.advance(1);
    let reply = app.get("/td/info");
    let expected = rocket_sealed::Status::Expired(rocket_sealed::Expiry::Lifetime);
    assert_eq!(reply.body, format!("{expected:?};0"));
    assert_eq!(reply.deleted(), vec![TEMPDATA]);
}

/// TempData is opened only by a handler that uses it. A route that uses the session alone, or
/// nothing, leaves the TempData cookie as it came, even one whose opening would mean a write:
/// garbage (deleted once looked at) or one sealed under the older key of the ring (re-sealed
/// under the new key once looked at). Otherwise every page would pay for TempData, and a
/// pending flash would be re-sealed by pages that never show it.
#[test]
fn tempdata_is_not_opened_by_a_route_that_does_not_use_it() {
    for class in ["garbage", "sealed under the older key"] {
        // The new key seals; the old one still opens.
        let app = App::new(common::config(&[2, 1]));
        // A session of this ring, which opening changes nothing about.
        app.get("/s/set/a/1");
        let value = match class {
            "garbage" => "not*base64!".to_string(),
            _ => {
                // Written under this session (TempData opens under no other) by an instance
                // still sealing with the older key.
                let old = App::new(common::config(&[1, 2]));
                old.get_with("/td/act/set/ok", &app.jar_store(SESSION));
                let value = old.jar_store(TEMPDATA)[0].1.clone();
                assert_eq!(key_id_of(&value), 1);
                value
            }
        };
        let sent = [(TEMPDATA.to_string(), value)];
        for (uri, body, opens) in [("/s/get/a", r#"Some("1")"#, 1), ("/plain", "plain", 0)] {
            let before = app.counters();
            let reply = app.get_with(uri, &sent);
            assert_eq!(reply.body, body, "{class}: {uri}");
            assert!(
                reply.lines.iter().all(|l| !l.starts_with(TEMPDATA)),
                "{class}: {uri} wrote the TempData cookie: {:?}",
                reply.lines
            );
            let after = app.counters();
            assert_eq!(after.rejected(), 0, "{class}: {uri}");
            assert_eq!(after.resealed, 0, "{class}: {uri}");
            assert_eq!(after.expired, 0, "{class}: {uri}");
            assert_eq!(after.opened - before.opened, opens, "{class}: {uri}");
            assert_eq!(after.sealed, before.sealed, "{class}: {uri}");
            assert_eq!(after.erased, before.erased, "{class}: {uri}");
        }

        // The same cookie sent where TempData is used is opened, and written.
        let reply = app.get_with("/td/info", &sent);
        let counters = app.counters();
        match class {
            "garbage" => {
                assert!(reply.body.starts_with("Rejected("), "{}", reply.body);
                assert_eq!(reply.deleted(), vec![TEMPDATA]);
                assert_eq!(counters.rejected(), 1);
            }
            _ => {
                assert_eq!(reply.body, "Loaded;1");
                assert_eq!(key_id_of(&reply.value_of(TEMPDATA).unwrap()), 2);
                assert_eq!(counters.resealed, 1);
            }
        }
    }
}

/// `tempdata.cookie_name` names the cookie TempData is written to and read from; the default
/// name is then just another cookie.
#[test]
fn the_tempdata_cookie_name_setting_is_used_end_to_end() {
    let mut config = common::config(&[1]);
    config.tempdata.cookie_name = "notes".into();
    let app = App::new(config.clone());
    let set = app.get("/td/act/set/ok");
    let names: Vec<String> = set.written().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, vec!["notes"], "{:?}", set.lines);
    assert!(
        set.lines.iter().all(|l| !l.starts_with(TEMPDATA)),
        "{:?}",
        set.lines
    );
    let value = set.value_of("notes").unwrap();

    // A fresh client sending only that cookie reads the entry back, and reading it deletes
    // the cookie of that name.
    let next = App::new(config.clone());
    let read = next.get_with("/td/act/get/ok", &[("notes".into(), value.clone())]);
    assert_eq!(read.body, r#"Some("v")"#);
    assert_eq!(read.deleted(), vec!["notes"]);
    assert_eq!(next.counters().opened, 1);

    // The same value under the default name is not looked at: TempData is new, not rejected.
    let other = App::new(config);
    let reply = other.get_with("/td/info", &[(TEMPDATA.into(), value)]);
    assert_eq!(reply.body, "New;0");
    assert!(reply.lines.is_empty(), "{:?}", reply.lines);
    assert_eq!(other.counters().rejected(), 0);
}
