//! Duplicate cookie names (docs/security.md, Duplicate cookies): a browser may send a store's
//! cookie twice — one set for another path or domain, or planted from a sibling subdomain.
//! Rocket's jar keeps the last copy. When that copy opens it is used, with no other work;
//! when it is refused, the other copies are tried and a valid one wins over an invalid one,
//! whatever the order.
//!
//! Rocket's local client does not parse a `Cookie` header into the jar, so each request here
//! is built as Rocket builds one from the network: the raw header with every copy, and each
//! copy added to the jar in order, so that the jar keeps the last.

use crate::common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{SESSION, T0, TEMPDATA};
use rocket::http::{Cookie, Header};
use rocket::local::blocking::Client;
use rocket_sealed::{CounterSnapshot, ManualClock, Sealed};

/// A forged session value: version 1 and key id 1, as a real one starts, so that only the
/// cipher refuses it.
fn forged() -> String {
    forged_nth(0)
}

/// The `n`th of many different forged values.
fn forged_nth(n: u32) -> String {
    let mut raw = vec![1, 0, 0, 0, 1];
    raw.extend(n.to_be_bytes());
    raw.resize(120, 0x42);
    URL_SAFE_NO_PAD.encode(raw)
}

struct Site {
    client: Client,
}

impl Site {
    fn new() -> Site {
        let fairing = Sealed::custom(common::config(&[1])).with_clock(ManualClock::new(T0));
        Site {
            client: Client::untracked(common::rocket_with(fairing)).unwrap(),
        }
    }

    fn counters(&self) -> CounterSnapshot {
        let sealed = self.client.rocket().state::<Sealed>().unwrap();
        sealed.counters().snapshot()
    }

    /// A session holding `user = name`, as its cookies (name, value).
    fn session_of(&self, name: &str) -> Vec<(String, String)> {
        let reply = common::dispatch(self.client.get(format!("/s/set/user/{name}")));
        reply.written()
    }

    /// GET `uri` carrying `copies` as a browser sends them, in this order.
    fn get(&self, uri: &str, copies: &[(String, String)]) -> common::Reply {
        let header: Vec<String> = copies.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let mut req = self
            .client
            .get(uri.to_owned())
            .header(Header::new("Cookie", header.join("; ")));
        for (n, v) in copies {
            req = req.cookie(Cookie::new(n.clone(), v.clone()));
        }
        common::dispatch(req)
    }
}

fn session(value: &str) -> (String, String) {
    (SESSION.to_owned(), value.to_owned())
}

#[test]
fn a_valid_copy_wins_over_an_invalid_one_in_either_order() {
    let site = Site::new();
    let real = site.session_of("ada").remove(0).1;

    // Valid then invalid: the jar holds the forged copy; the real one is found and opens.
    let before = site.counters();
    let reply = site.get("/s/get/user", &[session(&real), session(&forged())]);
    assert_eq!(reply.body, r#"Some("ada")"#);
    assert!(
        reply.deleted().is_empty(),
        "the real session is kept: {:?}",
        reply.lines
    );
    let after = site.counters();
    assert_eq!(after.opened - before.opened, 1);
    assert_eq!(after.rejected(), before.rejected(), "one store, one status");
    // Both copies were looked at: the forged one decrypted, the real one, which this
    // instance sealed, found in its open cache.
    assert_eq!(after.decrypted - before.decrypted, 1);
    assert_eq!(after.reopened - before.reopened, 1);

    // Invalid then valid: the jar holds the real copy; nothing else is looked at.
    let before = site.counters();
    let reply = site.get("/s/get/user", &[session(&forged()), session(&real)]);
    assert_eq!(reply.body, r#"Some("ada")"#);
    assert!(reply.lines.is_empty(), "{:?}", reply.lines);
    let after = site.counters();
    assert_eq!(after.opened - before.opened, 1);
    assert_eq!(
        after.decrypted - before.decrypted,
        0,
        "the forged copy is never tried"
    );
    assert_eq!(after.reopened - before.reopened, 1);
}

#[test]
fn of_two_valid_copies_the_last_wins_and_of_two_invalid_the_session_starts_fresh() {
    let site = Site::new();
    let ada = site.session_of("ada").remove(0).1;
    let bob = site.session_of("bob").remove(0).1;

    // Both valid: the jar's copy, the last sent, opens and is used.
    let reply = site.get("/s/get/user", &[session(&ada), session(&bob)]);
    assert_eq!(reply.body, r#"Some("bob")"#);
    let reply = site.get("/s/get/user", &[session(&bob), session(&ada)]);
    assert_eq!(reply.body, r#"Some("ada")"#);

    // Both invalid: refused, with the jar's copy's reason, and deleted as any refused cookie.
    let before = site.counters();
    let reply = site.get("/s/info", &[session("garbage!"), session(&forged())]);
    assert!(
        reply.body.starts_with("Rejected(Tampered);0;"),
        "{}",
        reply.body
    );
    assert_eq!(reply.deleted(), [SESSION]);
    let after = site.counters();
    assert_eq!(after.rejected() - before.rejected(), 1, "counted once");
    let reply = site.get("/s/info", &[session(&forged()), session("garbage!")]);
    assert!(
        reply.body.starts_with("Rejected(Malformed(NotBase64));0;"),
        "{}",
        reply.body
    );
}

#[test]
fn a_planted_chunk_does_not_end_a_chunked_session() {
    let site = Site::new();
    let big = common::dispatch(site.client.get("/s/big/3000/false")).written();
    assert!(big.len() >= 3, "chunked: {big:?}");
    let c1 = big[1].clone();
    assert!(c1.0.ends_with("C1"));

    // The real cookies, then a garbage copy of the first chunk: the jar's joined value is
    // forged; the first copies open.
    let mut sent = big.clone();
    sent.push((c1.0.clone(), forged()));
    let reply = site.get("/s/info", &sent);
    assert!(reply.body.starts_with("Loaded;1;"), "{}", reply.body);

    // A garbage main cookie after the real ones: the real marker and its chunks open.
    let mut sent = big.clone();
    sent.push(session(&forged()));
    let reply = site.get("/s/info", &sent);
    assert!(reply.body.starts_with("Loaded;1;"), "{}", reply.body);
}

#[test]
fn tempdata_follows_the_same_rule() {
    let site = Site::new();
    let reply = common::dispatch(site.client.get("/td/act/set/ok"));
    let real = reply.value_of(TEMPDATA).unwrap();
    let td = |v: &str| (TEMPDATA.to_owned(), v.to_owned());
    let reply = site.get("/td/info", &[td(&real), td(&forged())]);
    assert!(reply.body.starts_with("Loaded;1"), "{}", reply.body);
}

#[test]
fn thousands_of_copies_cost_at_most_four_more_tries() {
    let site = Site::new();
    let real = site.session_of("ada").remove(0).1;
    // 2,000 different forged copies, the real one in the middle, a forged one last (the
    // jar's).
    let mut sent: Vec<(String, String)> = (0..1000).map(|i| session(&forged_nth(i))).collect();
    sent.push(session(&real));
    sent.extend((1000..2000).map(|i| session(&forged_nth(i))));
    let before = site.counters();
    let reply = site.get("/s/info", &sent);
    assert!(
        reply.body.starts_with("Rejected(Tampered);0;"),
        "{}",
        reply.body
    );
    let after = site.counters();
    // The jar's copy, then four more; the real one, 1,001st, is not reached.
    assert_eq!(after.decrypted - before.decrypted, 5);
    assert_eq!(after.rejected() - before.rejected(), 1);

    // Copies of one value are one copy: the real one behind 1,000 identical forgeries opens.
    let mut sent: Vec<(String, String)> = (0..1000).map(|_| session(&forged())).collect();
    sent.push(session(&real));
    sent.push(session(&forged()));
    let reply = site.get("/s/info", &sent);
    assert!(reply.body.starts_with("Loaded;1;"), "{}", reply.body);
}
