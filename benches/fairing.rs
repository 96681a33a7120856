//! The whole cost per request through Rocket's local client: a route that reads the session,
//! one that writes it, and one that never touches a store, each beside the same route on a
//! Rocket without the fairing or the guards.
//!
//! Every request carries the same `Cookie` header (a user and a 5-line cart: a cookie of about
//! 440 characters), so the only
//! difference between the two Rockets is this crate's work: capturing the cookies, opening the
//! session on first use, and sealing it again when it changed. The setup also checks that a
//! route which never takes a guard decrypts nothing (`opened` stays 0).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rocket::http::{Cookie, Status};
use rocket::local::blocking::Client;

use rocket_sealed::Sealed;

#[path = "common/apps.rs"]
mod apps;
use apps::{COOKIE, plain_rocket, sealed_rocket};

fn opened(client: &Client) -> u64 {
    client
        .rocket()
        .state::<Sealed>()
        .unwrap()
        .counters()
        .snapshot()
        .opened
}

/// A session cookie from the sealed Rocket, checked to open on the read route, and a check
/// that the untouched route decrypts nothing even when the cookie is sent.
fn setup(sealed: &Client) -> String {
    let res = sealed.post("/fill").dispatch();
    assert_eq!(res.status(), Status::Ok);
    let value = res
        .cookies()
        .get(COOKIE)
        .expect("the fill route sets the session cookie")
        .value()
        .to_owned();
    assert!(value.len() > 300, "a session of a few hundred bytes");

    for _ in 0..10 {
        let res = sealed
            .get("/untouched")
            .cookie(Cookie::new(COOKIE, value.clone()))
            .dispatch();
        assert_eq!(res.status(), Status::Ok);
        assert!(res.headers().get_one("Set-Cookie").is_none());
    }
    let counters = sealed
        .rocket()
        .state::<Sealed>()
        .unwrap()
        .counters()
        .snapshot();
    assert_eq!(
        counters.opened, 0,
        "a request that takes no guard decrypts nothing"
    );
    assert_eq!(counters.sealed, 1, "only /fill sealed");

    let res = sealed
        .get("/read")
        .cookie(Cookie::new(COOKIE, value.clone()))
        .dispatch();
    assert_eq!(res.into_string().unwrap(), "alice@example.com has 5 items");
    assert_eq!(opened(sealed), 1);
    let res = sealed
        .post("/write")
        .cookie(Cookie::new(COOKIE, value.clone()))
        .dispatch();
    assert!(
        res.headers().get_one("Set-Cookie").is_some(),
        "a write seals"
    );
    assert_eq!(res.into_string().unwrap(), "visit 2");
    value
}

fn benches(c: &mut Criterion) {
    let sealed = Client::untracked(sealed_rocket(rocket::Config::default())).unwrap();
    let plain = Client::untracked(plain_rocket(
        rocket::Config::default(),
        apps::sealed_write_line(),
    ))
    .unwrap();
    let value = setup(&sealed);

    let mut group = c.benchmark_group("rocket");
    group
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(30);
    for (name, client) in [("with_session", &sealed), ("without", &plain)] {
        group.bench_function(format!("read/{name}"), |b| {
            b.iter(|| {
                client
                    .get("/read")
                    .cookie(Cookie::new(COOKIE, value.clone()))
                    .dispatch()
                    .into_string()
            })
        });
        group.bench_function(format!("write/{name}"), |b| {
            b.iter(|| {
                client
                    .post("/write")
                    .cookie(Cookie::new(COOKIE, value.clone()))
                    .dispatch()
                    .into_string()
            })
        });
        group.bench_function(format!("untouched/{name}"), |b| {
            b.iter(|| {
                client
                    .get("/untouched")
                    .cookie(Cookie::new(COOKIE, value.clone()))
                    .dispatch()
                    .into_string()
            })
        });
    }
    group.finish();

    // After all the measured requests, untouched ones still open and seal nothing.
    let read_requests_opened = opened(&sealed);
    let before = sealed
        .rocket()
        .state::<Sealed>()
        .unwrap()
        .counters()
        .snapshot();
    for _ in 0..100 {
        sealed
            .get("/untouched")
            .cookie(Cookie::new(COOKIE, value.clone()))
            .dispatch();
    }
    assert_eq!(opened(&sealed), read_requests_opened);
    assert_eq!(
        sealed
            .rocket()
            .state::<Sealed>()
            .unwrap()
            .counters()
            .snapshot()
            .sealed,
        before.sealed
    );
}

criterion_group!(fairing_benches, benches);
criterion_main!(fairing_benches);
