//! Sign-out that holds, and one active session per user, across a farm: two `shop` instances
//! behind nginx sharing one real `redis-server` (the `redis` feature's registry), driven by
//! cookie-jar clients. The revalidation interval is 1 s, so every "within the interval" wait
//! here is a little over a second.
//!
//! Needs `nginx`, `redis-server` and `redis-cli`; run with
//! `cargo test --features redis --test real_clients -- --ignored --test-threads=1 signout::`
//! (or `bash .ci/run`).
#![cfg(feature = "redis")]

use crate::real;

mod cache;

use std::time::{Duration, Instant};

use real::redis::Redis;
use real::{
    Agent, Nginx, NginxTuning, Shop, between, flashes, free_ports, sealed_env, sign_out_token,
};
use rocket_sealed::KeyConfig;
use serde_json::Value;

/// The revalidation interval the shops run with, and a wait that is surely past it.
const INTERVAL_SECS: u64 = 1;
const PAST_INTERVAL: Duration = Duration::from_millis(1_300);
/// The registry's timeout for one Redis command.
const TIMEOUT_MS: u64 = 300;

/// The `sealed` table of a shop using the registry with `mode` when Redis is unavailable.
fn sealed(ring: &[&KeyConfig], redis: &Redis, mode: &str) -> String {
    let keys = sealed_env(ring);
    let keys = keys.trim_start_matches('{').trim_end_matches('}');
    format!(
        "{{{keys},session={{revalidate_secs={INTERVAL_SECS}}},registry={{url=\"{}\",\
         timeout_ms={TIMEOUT_MS},on_unavailable=\"{mode}\"}}}}",
        redis.url()
    )
}

fn shop(port: u16, name: &str, ring: &[&KeyConfig], redis: &Redis, mode: &str) -> Shop {
    let shop = Shop::start_with(port, name, &sealed(ring, redis, mode));
    let kind = registry_json(&shop.url(""));
    assert_eq!(kind["kind"], "redis", "{name} does not use the registry");
    shop
}

fn registry_json(base: &str) -> Value {
    let body = Agent::new(base).get("/registry.json").body;
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The user a page shows as signed in ("" for nobody).
fn user(body: &str) -> String {
    between(body, "<span id=\"user\">", "</span>")
        .unwrap_or_default()
        .to_owned()
}

/// The user the shop at `base` sees for a browser sending `cookies`.
fn user_with(base: &str, cookies: &str) -> String {
    let page = Agent::with_cookies(base, cookies).get("/");
    assert_eq!(page.status, 200, "{page:?}");
    user(&page.body)
}

fn state_with(base: &str, cookies: &str) -> Value {
    let body = Agent::with_cookies(base, cookies).get("/state.json").body;
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn sign_in(agent: &Agent, name: &str) {
    let page = agent.post("/login", &[("name", name)]);
    assert_eq!(user(&page.body), name, "sign-in as {name}: {}", page.body);
}

/// Signs out with the button of `page`, a page the browser was shown while signed in: the
/// shop's sign-out page, with its message.
fn sign_out(agent: &Agent, page: &str) {
    let token = sign_out_token(page);
    let out = agent.post("/logout", &[("csrf_token", &token)]);
    assert_eq!(out.status, 200, "{out:?}");
    assert_eq!(user(&out.body), "");
    assert!(
        flashes(&out.body)
            .iter()
            .any(|(_, text)| text == "You are signed out"),
        "{}",
        out.body
    );
}

struct Farm {
    redis: Redis,
    a: Shop,
    b: Shop,
    nginx: Nginx,
}

fn farm(mode: &str) -> Farm {
    let key = KeyConfig::generate(1);
    let redis = Redis::start();
    let ports = free_ports(2);
    let a = shop(ports[0], "a", &[&key], &redis, mode);
    let b = shop(ports[1], "b", &[&key], &redis, mode);
    let nginx = Nginx::start(&[a.port, b.port], &NginxTuning::default());
    Farm { redis, a, b, nginx }
}

impl Farm {
    fn instances(&self) -> [String; 2] {
        [self.a.url(""), self.b.url("")]
    }

    fn assert_no_panic(&self) {
        for shop in [&self.a, &self.b] {
            assert!(!shop.proc.log().contains("panicked"), "{}", shop.proc.log());
        }
    }
}

#[test]
#[ignore = "needs nginx and redis-server; run by .ci/run"]
fn a_new_sign_in_ends_the_older_session_on_every_instance() {
    let farm = farm("fail_closed");
    let browser_a = Agent::new(&farm.nginx.url(""));
    let browser_b = Agent::new(&farm.nginx.url(""));
    sign_in(&browser_a, "ada");
    // Both instances serve A as ada before B signs in.
    for base in farm.instances() {
        assert_eq!(user_with(&base, &browser_a.cookie_header()), "ada");
    }
    sign_in(&browser_b, "ada");
    std::thread::sleep(PAST_INTERVAL);
    for base in farm.instances() {
        assert_eq!(
            user_with(&base, &browser_a.cookie_header()),
            "",
            "A on {base}"
        );
        assert_eq!(
            user_with(&base, &browser_b.cookie_header()),
            "ada",
            "B on {base}"
        );
    }
    // Through nginx too, and A's own jar now holds no session.
    assert_eq!(user(&browser_a.get("/").body), "");
    assert_eq!(user(&browser_b.get("/").body), "ada");
    farm.assert_no_panic();
}

#[test]
#[ignore = "needs nginx and redis-server; run by .ci/run"]
fn after_sign_out_no_copy_opens_on_any_instance_even_one_refreshed_in_a_race() {
    let farm = farm("fail_closed");
    let browser = Agent::new(&farm.nginx.url(""));
    sign_in(&browser, "ada");
    let before = browser.cookie_header();
    // Past the interval a read re-checks the session and re-seals it: a refreshed copy.
    std::thread::sleep(PAST_INTERVAL);
    let home = browser.get("/");
    assert_eq!(user(&home.body), "ada");
    let refreshed = browser.cookie_header();
    assert_ne!(
        before, refreshed,
        "a check past the interval re-seals the session"
    );

    // Read-only requests with the refreshed copy on both instances while the browser signs
    // out; every cookie they are handed back is a copy an attacker could keep.
    std::thread::sleep(PAST_INTERVAL);
    let copies = std::sync::Mutex::new(vec![before.clone(), refreshed.clone()]);
    std::thread::scope(|scope| {
        for base in farm.instances() {
            let (copies, refreshed) = (&copies, &refreshed);
            scope.spawn(move || {
                for _ in 0..20 {
                    let racer = Agent::with_cookies(&base, refreshed);
                    racer.get("/state.json");
                    let copy = racer.cookie_header();
                    if copy.contains("sealed_session=") {
                        copies.lock().unwrap().push(copy);
                    }
                }
            });
        }
        // The page's token outlives the re-seals: it is the session's, not the cookie's.
        sign_out(&browser, &home.body);
    });
    let copies = copies.into_inner().unwrap();
    // Redis records the sign-out: the user's entry is the signed-out mark.
    let entry = farm.redis.cli(&["GET", "rocket_sealed:user:ada"]);
    assert_eq!(entry.trim(), "-", "the registry's entry after sign-out");

    // From one interval after the sign-out on, no copy opens, on either instance, for
    // several intervals (each request would have refreshed the copy it was sent).
    std::thread::sleep(PAST_INTERVAL);
    let end = Instant::now() + Duration::from_secs(3 * INTERVAL_SECS);
    let mut rounds = 0;
    while Instant::now() < end || rounds < 2 {
        for base in farm.instances() {
            for copy in &copies {
                assert_eq!(
                    user_with(&base, copy),
                    "",
                    "a copy opened on {base} in round {rounds}"
                );
            }
        }
        rounds += 1;
        std::thread::sleep(Duration::from_millis(400));
    }
    let counters = registry_json(&farm.a.url(""))["counters"].clone();
    assert!(counters["refused"].as_u64() > Some(0), "{counters}");
    farm.assert_no_panic();
}

/// docs/signout.md, "The Redis registry": an entry lost with Redis's data refuses the session
/// (nothing says it is still wanted), on every instance once their memos run out, and a new
/// sign-in works again.
#[test]
#[ignore = "needs nginx and redis-server; run by .ci/run"]
fn a_session_whose_entry_redis_lost_is_refused_everywhere_until_a_new_sign_in() {
    let farm = farm("fail_closed");
    let browser = Agent::new(&farm.nginx.url(""));
    sign_in(&browser, "ada");
    for base in farm.instances() {
        assert_eq!(user_with(&base, &browser.cookie_header()), "ada");
    }
    let signed_in = browser.cookie_header();
    let page_left_open = browser.get("/").body;

    // Redis restarted without its data, as far as the registry can tell.
    assert_eq!(farm.redis.cli(&["FLUSHALL"]).trim(), "OK");
    std::thread::sleep(PAST_INTERVAL);
    for base in farm.instances() {
        assert_eq!(
            user_with(&base, &signed_in),
            "",
            "the session opened on {base} with its entry gone"
        );
    }
    // The shop answers as it does for a signed-out user: the browser's jar loses the session.
    let home = browser.get("/");
    assert_eq!(home.status, 200, "{home:?}");
    assert_eq!(user(&home.body), "");
    for base in farm.instances() {
        let counters = registry_json(&base)["counters"].clone();
        assert!(counters["refused"].as_u64() > Some(0), "{base}: {counters}");
    }
    // The sign-out button of a page left open since then carries the ended session's token:
    // the shop says the user is signed out rather than answering 403.
    sign_out(&browser, &page_left_open);

    // Signing in again records a new entry, which every instance accepts.
    sign_in(&browser, "ada");
    let entry = farm.redis.cli(&["GET", "rocket_sealed:user:ada"]);
    assert!(
        !entry.trim().is_empty() && entry.trim() != "-",
        "a new sign-in's entry: {entry:?}"
    );
    // Past the interval, so that each instance asks Redis rather than trusting the sign-in's
    // own verdict sealed in the cookie.
    std::thread::sleep(PAST_INTERVAL);
    for base in farm.instances() {
        assert_eq!(user_with(&base, &browser.cookie_header()), "ada", "{base}");
    }
    farm.assert_no_panic();
}

#[test]
#[ignore = "needs nginx and redis-server; run by .ci/run"]
fn a_consumed_tempdata_cookie_replayed_after_sign_out_or_a_change_of_user_opens_empty() {
    let farm = farm("fail_closed");
    let browser = Agent::new(&farm.nginx.url(""));
    sign_in(&browser, "ada");
    browser.post("/cart/add", &[("product", "1")]);
    browser.post("/checkout/1", &[("address", "1 Analytical Way")]);
    browser.post("/checkout/2", &[("shipping", "standard")]);
    let with_draft = browser.cookie_header();
    let keys = |state: &Value| state["tempdata_keys"].clone();
    // Consumed: the last step reads the draft and removes it.
    let page = browser.post("/checkout/3", &[]);
    assert!(page.body.contains("Order placed"), "{}", page.body);
    assert_eq!(
        keys(&state_with(&farm.a.url(""), &browser.cookie_header())),
        serde_json::json!([])
    );
    // Within the session, a replayed copy still holds it, on either instance: "read once"
    // is kept by the browser (the control: this is what sign-out must end).
    for base in farm.instances() {
        assert_eq!(
            keys(&state_with(&base, &with_draft)),
            serde_json::json!(["draft"])
        );
    }
    let tempdata_of = |cookies: &str| -> String {
        cookies
            .split("; ")
            .filter(|c| c.starts_with("sealed_tempdata"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let old_tempdata = tempdata_of(&with_draft);
    assert!(!old_tempdata.is_empty());

    sign_out(&browser, &browser.get("/").body);
    std::thread::sleep(PAST_INTERVAL);
    let signed_out = browser.cookie_header();
    for base in farm.instances() {
        // The whole old cookie set, and the old TempData with the browser's cookies of now.
        let state = state_with(&base, &with_draft);
        assert_eq!(keys(&state), serde_json::json!([]), "{state}");
        let mixed = format!("{signed_out}; {old_tempdata}");
        let mixed = mixed.trim_start_matches("; ");
        let state = state_with(&base, mixed);
        assert_eq!(keys(&state), serde_json::json!([]), "{state}");
    }

    // Another user in the same browser.
    sign_in(&browser, "bob");
    let bob = browser.cookie_header();
    let bob_session: Vec<&str> = bob
        .split("; ")
        .filter(|c| c.starts_with("sealed_session"))
        .collect();
    let mixed = format!("{}; {old_tempdata}", bob_session.join("; "));
    for base in farm.instances() {
        let state = state_with(&base, &mixed);
        assert_eq!(state["user"], "bob");
        assert_eq!(keys(&state), serde_json::json!([]), "{state}");
        assert_eq!(state["tempdata_status"], "expired (past its session)");
    }
    farm.assert_no_panic();
}

/// `GET /` for `cookies` on `base`, timed.
fn timed_user(base: &str, cookies: &str) -> (String, Duration) {
    let start = Instant::now();
    let user = user_with(base, cookies);
    (user, start.elapsed())
}

#[test]
#[ignore = "needs nginx and redis-server; run by .ci/run"]
fn with_redis_frozen_each_mode_does_what_it_says_in_time_and_resumes_after() {
    let key = KeyConfig::generate(1);
    let redis = Redis::start();
    let ports = free_ports(2);
    let open = shop(ports[0], "open", &[&key], &redis, "fail_open");
    let closed = shop(ports[1], "closed", &[&key], &redis, "fail_closed");
    let (open_url, closed_url) = (open.url(""), closed.url(""));
    let on_open = Agent::new(&open_url);
    let on_closed = Agent::new(&closed_url);
    sign_in(&on_open, "ada");
    sign_in(&on_closed, "bob");
    std::thread::sleep(PAST_INTERVAL);

    redis.pause();
    // Each request waits at most the timeout for Redis (a lookup, and a second one for a
    // `Flashes` guard would find the session already judged).
    let bound = Duration::from_millis(TIMEOUT_MS * 2 + 1_000);
    let (who, took) = timed_user(&open_url, &on_open.cookie_header());
    assert_eq!(who, "ada", "fail_open serves the session");
    assert!(took < bound, "fail_open answered in {took:?}");
    let (who, took) = timed_user(&closed_url, &on_closed.cookie_header());
    assert_eq!(who, "", "fail_closed treats the session as signed out");
    assert!(took < bound, "fail_closed answered in {took:?}");
    // A sign-in cannot be recorded: it fails, in time, and says so.
    let start = Instant::now();
    let page = Agent::new(&closed_url).post("/login", &[("name", "eve")]);
    assert!(
        start.elapsed() < bound,
        "sign-in answered in {:?}",
        start.elapsed()
    );
    assert_eq!(user(&page.body), "");
    assert!(page.body.contains("Could not sign you in"), "{}", page.body);
    for shop in [&open, &closed] {
        let counters = registry_json(&shop.url(""))["counters"].clone();
        assert!(counters["unavailable"].as_u64() > Some(0), "{counters}");
        assert!(
            shop.proc.log().contains("registry unavailable"),
            "{}",
            shop.proc.log()
        );
    }
    let mode_lines = |shop: &Shop, mode: &str| shop.proc.log().contains(mode);
    assert!(mode_lines(&open, "(fail_open)") && mode_lines(&closed, "(fail_closed)"));

    redis.resume();
    // Back without restarts: sign-ins are recorded and sessions checked again.
    let again = Agent::new(&closed_url);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let page = again.post("/login", &[("name", "bob")]);
        if user(&page.body) == "bob" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no sign-in after Redis came back"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(PAST_INTERVAL);
    assert_eq!(user_with(&closed_url, &again.cookie_header()), "bob");
    // The open instance checks again too: a sign-in elsewhere ends its session.
    sign_in(&Agent::new(&closed_url), "ada");
    std::thread::sleep(PAST_INTERVAL);
    assert_eq!(user_with(&open_url, &on_open.cookie_header()), "");
    for shop in [&open, &closed] {
        assert!(!shop.proc.log().contains("panicked"), "{}", shop.proc.log());
    }
}
