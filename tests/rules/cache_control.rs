//! `no_store` (README, Configuration; docs/security.md, Shared caches): every response that
//! writes a sealed cookie — a new value, a refresh, a re-seal, a deletion — says
//! `Cache-Control: private, no-store`, unless the handler set its own; a response that writes
//! none is left alone.

use crate::common;

use common::{SESSION, T0, TEMPDATA};
use rocket::http::{Cookie, Header};
use rocket::local::blocking::{Client, LocalRequest};
use rocket::{Responder, get, routes};
use rocket_sealed::{Config, ManualClock, Sealed, Session};

const NO_STORE: &str = "private, no-store";

#[derive(Responder)]
#[response(content_type = "text")]
struct Cached {
    body: &'static str,
    cache_control: Header<'static>,
}

/// Sets a session value and answers with the handler's own `Cache-Control: <policy>`.
#[get("/own/<policy>")]
fn own(session: Session<'_>, policy: &str) -> Cached {
    session.set("a", "1").unwrap();
    let value = match policy {
        "public" => "public, max-age=60",
        _ => "private, max-age=60",
    };
    Cached {
        body: "own",
        cache_control: Header::new("Cache-Control", value),
    }
}

struct Probe {
    client: Client,
    clock: ManualClock,
}

/// One response's `Set-Cookie` lines and `Cache-Control` values.
struct Seen {
    set_cookies: Vec<String>,
    cache_control: Vec<String>,
}

impl Probe {
    fn new(config: Config) -> Probe {
        let clock = ManualClock::new(T0);
        let fairing = Sealed::custom(config).with_clock(clock.clone());
        let mut routes = common::all_routes();
        routes.extend(routes![own]);
        let client = Client::tracked(common::rocket_of(fairing, routes)).unwrap();
        Probe { client, clock }
    }

    fn see(req: LocalRequest<'_>) -> Seen {
        let res = req.dispatch();
        let all = |name| res.headers().get(name).map(str::to_owned).collect();
        Seen {
            set_cookies: all("Set-Cookie"),
            cache_control: all("Cache-Control"),
        }
    }

    fn get(&self, uri: &str) -> Seen {
        Probe::see(self.client.get(uri.to_owned()))
    }
}

#[track_caller]
fn writes_and_forbids_caching(seen: &Seen, what: &str) {
    assert!(!seen.set_cookies.is_empty(), "{what}: nothing written");
    assert_eq!(seen.cache_control, [NO_STORE], "{what}");
}

#[track_caller]
fn untouched(seen: &Seen, what: &str) {
    assert!(
        seen.set_cookies.is_empty(),
        "{what}: {:?}",
        seen.set_cookies
    );
    assert!(
        seen.cache_control.is_empty(),
        "{what}: {:?}",
        seen.cache_control
    );
}

#[test]
fn every_response_that_writes_a_sealed_cookie_forbids_shared_caching() {
    let mut config = common::config(&[1]);
    config.session.idle_timeout_secs = 1000;
    let p = Probe::new(config.clone());

    untouched(&p.get("/plain"), "no guard");
    untouched(&p.get("/s/get/a"), "a new, empty session read");
    writes_and_forbids_caching(&p.get("/s/set/a/1"), "a new session");
    untouched(
        &p.get("/s/get/a"),
        "a session read before its refresh is due",
    );
    writes_and_forbids_caching(&p.get("/s/set/a/2"), "a changed session");
    p.clock.advance(500);
    writes_and_forbids_caching(&p.get("/s/get/a"), "a refresh");
    untouched(&p.get("/s/get/a"), "read again, refreshed already");
    writes_and_forbids_caching(&p.get("/td/act/set/ok"), "a TempData write");
    writes_and_forbids_caching(&p.get("/s/clear"), "a deletion");
    untouched(&p.get("/s/get/a"), "nothing left to delete");
    // A bad cookie is deleted: a write like any other.
    let garbage = p
        .client
        .get("/s/get/a")
        .cookie(Cookie::new(SESSION, "garbage"));
    writes_and_forbids_caching(&Probe::see(garbage), "a refused cookie deleted");
    // A 5xx writes nothing, so says nothing.
    untouched(&p.get("/s/fail/a/1"), "a 5xx");

    // A re-seal: a cookie sealed with key 1, read by a ring whose first key is 2.
    let old = p.client.get("/s/set/a/3");
    let old = Probe::see(old);
    let value = old.set_cookies[0]
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, v)| v.to_owned())
        .unwrap();
    let rotated = Probe::new(common::config(&[2, 1]));
    let resealed = rotated
        .client
        .get("/s/get/a")
        .cookie(Cookie::new(SESSION, value));
    writes_and_forbids_caching(&Probe::see(resealed), "a re-seal after rotation");
}

#[test]
fn a_handlers_own_cache_control_is_kept() {
    let p = Probe::new(common::config(&[1]));
    for (policy, expected) in [
        ("private", "private, max-age=60"),
        ("public", "public, max-age=60"),
    ] {
        let seen = p.get(&format!("/own/{policy}"));
        assert!(!seen.set_cookies.is_empty());
        assert_eq!(seen.cache_control, [expected], "{policy}");
    }
}

#[test]
fn no_store_false_leaves_every_response_alone() {
    let mut config = common::config(&[1]);
    config.no_store = false;
    let p = Probe::new(config);
    let seen = p.get("/s/set/a/1");
    assert!(!seen.set_cookies.is_empty());
    assert!(seen.cache_control.is_empty(), "{:?}", seen.cache_control);
    let seen = p.get("/td/act/set/ok");
    assert!(seen.set_cookies.iter().any(|l| l.starts_with(TEMPDATA)));
    assert!(seen.cache_control.is_empty());
}
