//! The whole cost per request through Rocket's local client: a route that reads the session,
//! one that writes it, and one that never touches a store, each beside the same route on a
//! Rocket without the fairing or the guards.
//!
//! Every request carries the same `Cookie` header (a session of about 256 bytes), so the only
//! difference between the two Rockets is this crate's work: capturing the cookies, opening the
//! session on first use, and sealing it again when it changed. The setup also checks that a
//! route which never takes a guard decrypts nothing (`opened` stays 0).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rocket::config::LogLevel;
use rocket::http::{Cookie, Status};
use rocket::local::blocking::Client;
use rocket::{get, post, routes, Build, Rocket, State};

use rocket_sealed::{Config, KeyConfig, Sealed, Session};

const COOKIE: &str = "sealed_session";

fn cart() -> Vec<String> {
    (1..=5)
        .map(|i| format!("product {i:02}: a gift note of some length"))
        .collect()
}

mod sealed_routes {
    use super::*;

    #[get("/read")]
    pub fn read(session: Session<'_>) -> String {
        let user: Option<String> = session.get("user").unwrap();
        let cart: Vec<String> = session.get("cart").unwrap().unwrap_or_default();
        format!("{} has {} items", user.unwrap_or_default(), cart.len())
    }

    #[post("/write")]
    pub fn write(session: Session<'_>) -> String {
        let visits = session
            .update::<u64, _>("visits", |n| {
                *n += 1;
                *n
            })
            .unwrap();
        format!("visit {visits}")
    }

    #[get("/untouched")]
    pub fn untouched() -> &'static str {
        "no store here"
    }

    /// Fills the session the other routes use.
    #[post("/fill")]
    pub fn fill(session: Session<'_>) {
        session.set("user", "alice@example.com").unwrap();
        session.set("cart", &cart()).unwrap();
        session.set("visits", &1u64).unwrap();
    }
}

mod plain_routes {
    use super::*;

    #[get("/read")]
    pub fn read() -> String {
        let user: Option<String> = std::hint::black_box(Some("alice@example.com".into()));
        let cart = cart();
        format!("{} has {} items", user.unwrap_or_default(), cart.len())
    }

    #[post("/write")]
    pub fn write(visits: &State<AtomicU64>) -> String {
        format!("visit {}", visits.fetch_add(1, Ordering::Relaxed) + 1)
    }

    #[get("/untouched")]
    pub fn untouched() -> &'static str {
        "no store here"
    }
}

fn quiet() -> Rocket<Build> {
    rocket::custom(rocket::Config {
        log_level: LogLevel::Off,
        ..rocket::Config::default()
    })
}

fn sealed_rocket() -> Rocket<Build> {
    let config = Config {
        keys: vec![KeyConfig::generate(1)],
        ..Config::default()
    };
    quiet().attach(Sealed::custom(config)).mount(
        "/",
        routes![
            sealed_routes::read,
            sealed_routes::write,
            sealed_routes::untouched,
            sealed_routes::fill
        ],
    )
}

fn plain_rocket() -> Rocket<Build> {
    quiet().manage(AtomicU64::new(1)).mount(
        "/",
        routes![
            plain_routes::read,
            plain_routes::write,
            plain_routes::untouched
        ],
    )
}

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
    let sealed = Client::untracked(sealed_rocket()).unwrap();
    let plain = Client::untracked(plain_rocket()).unwrap();
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
