//! The registry's memo of Redis's answers, in process: Rocket's local client, a
//! `ManualClock` shared by two instances, one real `redis-server` behind them. A copy of a
//! cookie whose sealed verdict is older than the interval must cost at most one `GETEX` per
//! interval per instance, and a sign-out must still hold within the interval on the other
//! instance, at once on the one that made it.

use rocket::config::LogLevel;
use rocket::http::Cookie;
use rocket::local::blocking::Client;
use rocket::{State, get, post, routes};
use rocket_sealed::registry::Registry;
use rocket_sealed::{Config, KeyConfig, ManualClock, RegistryConfig, Sealed, Session};

use crate::real::redis::Redis;

/// The interval, as `bench_signout.sh` runs it.
const R: u64 = 30;
const T0: u64 = 1_700_000_000;

#[post("/login/<name>")]
async fn login(session: Session<'_>, registry: &State<Registry>, name: &str) -> &'static str {
    session.set("user", name).unwrap();
    match registry.sign_in(&session, name).await {
        Ok(()) => "signed in",
        Err(_) => "error",
    }
}

#[post("/logout")]
async fn logout(session: Session<'_>, registry: &State<Registry>) -> &'static str {
    match registry.sign_out(&session).await {
        Ok(()) => "signed out",
        Err(_) => "error",
    }
}

#[get("/me")]
fn me(session: Session<'_>) -> String {
    session
        .get::<String>("user")
        .ok()
        .flatten()
        .unwrap_or_default()
}

struct Instance {
    client: Client,
    registry: Registry,
}

fn instance(key: &KeyConfig, redis: &Redis, clock: &ManualClock) -> Instance {
    let mut config = Config {
        keys: vec![key.clone()],
        ..Config::default()
    };
    config.session.revalidate_secs = R;
    let registry_config = RegistryConfig {
        url: Some(redis.url()),
        ..RegistryConfig::default()
    };
    let user = |s: &rocket_sealed::store::SessionState| s.get::<String>("user").ok().flatten();
    let registry = Registry::new(&registry_config, user).unwrap();
    let rocket = rocket::custom(rocket::Config {
        log_level: LogLevel::Off,
        ..rocket::Config::debug_default()
    })
    .attach(
        Sealed::custom(config)
            .with_clock(clock.clone())
            .with_validator(registry.clone()),
    )
    .manage(registry.clone())
    .mount("/", routes![login, logout, me]);
    Instance {
        client: Client::untracked(rocket).unwrap(),
        registry,
    }
}

/// The cookies a response sets (deletions left out): what a client would send back.
type Jar = Vec<Cookie<'static>>;

fn set_cookies(response: &rocket::local::blocking::LocalResponse<'_>) -> Jar {
    response
        .cookies()
        .iter()
        .filter(|c| !c.value().is_empty())
        .map(|c| Cookie::new(c.name().to_owned(), c.value().to_owned()))
        .collect()
}

impl Instance {
    fn sign_in(&self, name: &str) -> Jar {
        let response = self.client.post(format!("/login/{name}")).dispatch();
        let jar = set_cookies(&response);
        assert_eq!(response.into_string().as_deref(), Some("signed in"));
        jar
    }

    /// The user this instance serves to `jar`, and the cookies it hands back.
    fn user(&self, jar: &Jar) -> (String, Jar) {
        let response = self.client.get("/me").cookies(jar.clone()).dispatch();
        let back = set_cookies(&response);
        (response.into_string().unwrap_or_default(), back)
    }

    fn sign_out(&self, jar: &Jar) {
        let response = self.client.post("/logout").cookies(jar.clone()).dispatch();
        assert_eq!(response.into_string().as_deref(), Some("signed out"));
    }
}

fn getex(redis: &Redis) -> u64 {
    redis.command_counts().get("getex").copied().unwrap_or(0)
}

#[test]
#[ignore = "needs redis-server; run by .ci/run"]
fn a_replayed_old_cookie_costs_one_lookup_per_interval_per_instance() {
    let (key, redis, clock) = (KeyConfig::generate(1), Redis::start(), ManualClock::new(T0));
    let a = instance(&key, &redis, &clock);
    let b = instance(&key, &redis, &clock);
    let copy = a.sign_in("ada");
    redis.cli(&["CONFIG", "RESETSTAT"]);
    // 1,000 requests sending the sign-in's cookie, never the refreshed one, over 100 s
    // (3 intervals), every other one on each instance.
    for n in 0..1_000u64 {
        if n > 0 && n % 10 == 0 {
            clock.advance(1);
        }
        let on = if n % 2 == 0 { &a } else { &b };
        assert_eq!(on.user(&copy).0, "ada", "request {n}");
    }
    // Lookups at T0 + 30, 60 and 90 on each instance: the sealed verdict (T0) is fresh before.
    let span = clock_now(&clock) - T0;
    let per_instance = span / R + 1;
    for (name, at) in [("a", &a), ("b", &b)] {
        let counters = at.registry.counters();
        assert!(
            counters.checks <= per_instance,
            "{name}: {} lookups for {span} s at {R} s: {counters:?}",
            counters.checks
        );
        assert!(counters.cache_hits > 0, "{name}: {counters:?}");
    }
    let commands = getex(&redis);
    assert!(
        commands <= 2 * per_instance,
        "{commands} GETEX for 1,000 requests over {span} s"
    );
}

fn clock_now(clock: &ManualClock) -> u64 {
    use rocket_sealed::Clock as _;
    clock.now()
}

#[test]
#[ignore = "needs redis-server; run by .ci/run"]
fn a_sign_out_holds_at_once_here_and_within_the_interval_on_the_other_instance() {
    let (key, redis, clock) = (KeyConfig::generate(1), Redis::start(), ManualClock::new(T0));
    let a = instance(&key, &redis, &clock);
    let b = instance(&key, &redis, &clock);
    // A copy of the sign-in's cookie: its sealed verdict is T0.
    let copy = a.sign_in("ada");

    // Past the interval both instances look the session up, and remember Redis's "yes".
    clock.set(T0 + R + 1);
    let remembered_at = T0 + R + 1;
    assert_eq!(a.user(&copy).0, "ada");
    assert_eq!(b.user(&copy).0, "ada");

    // The browser signs out on A.
    clock.set(T0 + R + 2);
    let signed_out_at = T0 + R + 2;
    a.sign_out(&copy);
    // A forgot its "yes" when it signed the user out: the copy is refused at once.
    assert_eq!(
        a.user(&copy).0,
        "",
        "A serves a copy after its own sign-out"
    );

    // B learns of it only by asking Redis, which it does once its memo is an interval old;
    // before that it answers from the memo, as a sealed verdict would (the documented window).
    clock.set(remembered_at + 5);
    let hits = b.registry.counters().cache_hits;
    let (user, refreshed) = b.user(&copy);
    assert_eq!(user, "ada");
    assert_eq!(b.registry.counters().cache_hits, hits + 1);
    assert!(!refreshed.is_empty(), "a verdict from the memo re-seals");

    clock.set(remembered_at + R);
    assert_eq!(
        b.user(&copy).0,
        "",
        "B still serves the copy an interval after it last asked Redis"
    );

    // The cookie B re-sealed from its memo carries the memo's time, not its request's: no
    // copy opens once the interval has passed since the sign-out.
    clock.set(signed_out_at + R);
    for (name, at) in [("A", &a), ("B", &b)] {
        assert_eq!(
            at.user(&refreshed).0,
            "",
            "{name} serves the cookie re-sealed from B's memo at the sign-out plus the interval"
        );
    }

    // The "no" is remembered too: replaying the copy costs B no further lookup this interval.
    let checks = b.registry.counters().checks;
    for _ in 0..100 {
        assert_eq!(b.user(&copy).0, "");
    }
    assert_eq!(b.registry.counters().checks, checks);
}
