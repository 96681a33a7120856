//! A farm: two `shop` instances sharing one key ring behind Debian's nginx (round-robin), a
//! cookie-jar HTTP client walking a 50-step flow through it, the largest state the default
//! budgets allow, a rolling key rotation with restarts (static configuration), and the
//! one-deploy rotation: a shared keys file swapped with a scheduled ring, no restarts.
//!
//! Needs `nginx`; run with `cargo test --test real_clients -- --ignored farm::` (or `bash .ci/run`).

use crate::real;

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use real::{Agent, Nginx, NginxTuning, Page, Shop, between, flashes, free_ports};
use rocket_sealed::KeyConfig;
use serde_json::Value;

/// What the README tells nginx users to add: room for the `Set-Cookie` lines of a response
/// that writes both stores at their budgets (about 7.5 KB of headers). nginx's default
/// `proxy_buffer_size` (one memory page, 4k) answers such a response with 502.
/// `large_client_header_buffers` (the request side, 4 × 8k) stays at its default.
fn recommended() -> NginxTuning {
    NginxTuning {
        location: vec![
            "proxy_buffer_size 16k;".into(),
            "proxy_buffers 8 16k;".into(),
            "proxy_busy_buffers_size 32k;".into(),
        ],
    }
}

/// What a page or `/state.json` must show if no state was lost.
#[derive(Debug, Clone, Default)]
struct Expect {
    user: String,
    cart: usize,
    session_id: Option<String>,
}

/// A user walking through the farm: every request through nginx, every page checked against
/// what the user has done so far.
struct Walk {
    agent: Agent,
    expect: Expect,
    steps: usize,
    /// Requests (hops) served per upstream address.
    served: BTreeMap<String, usize>,
    /// One entry per request, in order.
    log: Vec<Served>,
}

/// What one request of the walk showed about the farm.
#[derive(Debug, Clone)]
struct Served {
    /// The upstream that answered each hop, in order.
    upstreams: Vec<String>,
    /// The key id of the session cookie the request carried (to its first hop).
    sent_key: Option<u32>,
    /// The key id of the session cookie in the jar afterwards.
    jar_key: Option<u32>,
}

/// The upstream that answered a hop: `$upstream_addr` lists every upstream nginx tried; the
/// last one answered.
fn answered(upstream: &Option<String>) -> String {
    upstream
        .as_deref()
        .and_then(|u| u.rsplit(", ").next())
        .unwrap_or("none")
        .to_owned()
}

impl Walk {
    fn new(base: &str) -> Walk {
        Walk {
            agent: Agent::new(base),
            expect: Expect::default(),
            steps: 0,
            served: BTreeMap::new(),
            log: Vec::new(),
        }
    }

    fn record(&mut self, what: &str, page: &Page) {
        self.steps += 1;
        for (status, upstream) in &page.hops {
            assert!(
                *status < 400,
                "step {} ({what}): a hop answered {status}: {:?}",
                self.steps,
                page.hops
            );
            *self.served.entry(answered(upstream)).or_default() += 1;
        }
        assert_eq!(page.status, 200, "step {} ({what})", self.steps);
    }

    /// A request whose final page shows the user and the cart count.
    fn page(&mut self, what: &str, page: Page) -> Page {
        self.record(what, &page);
        let user = between(&page.body, "<span id=\"user\">", "</span>");
        assert_eq!(
            user,
            Some(self.expect.user.as_str()),
            "step {} ({what}): lost the sign-in; page:\n{}",
            self.steps,
            page.body
        );
        let count: Option<usize> =
            between(&page.body, "<span id=\"cart-count\">", "</span>").and_then(|n| n.parse().ok());
        assert_eq!(
            count,
            Some(self.expect.cart),
            "step {} ({what}): lost the cart",
            self.steps
        );
        page
    }

    /// Sends one request through `send` and logs who served it under which key.
    fn fetch(&mut self, send: impl FnOnce(&Agent) -> Page) -> Page {
        let sent_key = try_session_key_id(&self.agent);
        let page = send(&self.agent);
        self.log.push(Served {
            upstreams: page.hops.iter().map(|(_, u)| answered(u)).collect(),
            sent_key,
            jar_key: try_session_key_id(&self.agent),
        });
        page
    }

    fn get(&mut self, path: &str) -> Page {
        let page = self.fetch(|agent| agent.get(path));
        self.page(&format!("GET {path}"), page)
    }

    fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let page = self.fetch(|agent| agent.post(path, form));
        self.page(&format!("POST {path}"), page)
    }

    /// `GET /state.json`, checked against the expectation (the session id included).
    fn state(&mut self) -> Value {
        let page = self.fetch(|agent| agent.get("/state.json"));
        self.record("GET /state.json", &page);
        let state: Value = serde_json::from_str(&page.body).expect("state.json is JSON");
        let user = state["user"].as_str().unwrap_or("");
        assert_eq!(user, self.expect.user, "step {}: {state}", self.steps);
        assert_eq!(
            state["cart_count"].as_u64(),
            Some(self.expect.cart as u64),
            "step {}: {state}",
            self.steps
        );
        if let Some(id) = &self.expect.session_id {
            assert_eq!(
                state["session_id"].as_str(),
                Some(id.as_str()),
                "step {}: the session id changed: {state}",
                self.steps
            );
            assert_eq!(state["session_status"], "loaded", "step {}", self.steps);
        }
        state
    }

    /// Adds one line to the cart; `true` if it was added, `false` if the cart was full.
    fn add(&mut self, product: u32, note: &str) -> bool {
        let product = product.to_string();
        let page = self.fetch(|agent| {
            agent.post(
                "/cart/add",
                &[("product", &product), ("qty", "2"), ("note", note)],
            )
        });
        let full = flashes(&page.body)
            .iter()
            .any(|(level, text)| level == "error" && text.starts_with("Your cart is full"));
        if !full {
            self.expect.cart += 1;
        }
        self.page("POST /cart/add", page);
        !full
    }

    fn upstreams(&self) -> Vec<&String> {
        self.served.keys().collect()
    }
}

fn sign_in(walk: &mut Walk, name: &str) {
    walk.expect.user = name.to_owned();
    let home = walk.post("/login", &[("name", name)]);
    assert_eq!(
        flashes(&home.body),
        vec![("success".to_owned(), format!("Welcome, {name}!"))]
    );
    let state = walk.state();
    walk.expect.session_id = Some(
        state["session_id"]
            .as_str()
            .expect("a session id")
            .to_owned(),
    );
}

fn two_shops(ring: &[&KeyConfig]) -> (Shop, Shop) {
    let ports = free_ports(2);
    (
        Shop::start(ports[0], "a", ring),
        Shop::start(ports[1], "b", ring),
    )
}

#[test]
#[ignore = "needs nginx; run with: cargo test --test real_clients -- --ignored farm:: (or bash .ci/run)"]
fn fifty_steps_through_nginx_never_lose_state_and_the_largest_state_passes() {
    real::tool("nginx");
    let key = KeyConfig::generate(1);
    let (a, b) = two_shops(&[&key]);
    let nginx = Nginx::start(&[a.port, b.port], &recommended());
    let mut walk = Walk::new(&nginx.url(""));

    // Guest, then sign in.
    walk.get("/");
    walk.get("/login");
    sign_in(&mut walk, "dora");
    walk.get("/products");

    // Fill the cart past one cookie, until the shop says it is full.
    let note = "please wrap this one in the blue paper with the silver ribbon. ".repeat(8);
    let mut adds = 0;
    while walk.add(3, &note) {
        adds += 1;
        assert!(adds < 20, "20 lines and the cart is still not full");
    }
    let cookies = walk.agent.cookies();
    assert!(
        cookies.contains_key("sealed_sessionC1") && cookies.contains_key("sealed_sessionC2"),
        "a full cart spans two chunks: {cookies:?}"
    );
    let cart = walk.get("/cart");
    assert_eq!(
        cart.body.matches("<tr class=\"item\"").count(),
        walk.expect.cart
    );
    walk.state();
    for _ in 0..2 {
        walk.expect.cart -= 1;
        walk.post("/cart/remove/0", &[]);
    }
    walk.get("/cart");

    // Flash messages: shown once, wherever the next request lands.
    let shown = walk.post("/lab/flash", &[]);
    assert_eq!(flashes(&shown.body).len(), 5);
    let again = walk.get("/");
    assert!(flashes(&again.body).is_empty(), "a flash shown twice");

    // The checkout wizard: the draft rides in TempData from instance to instance.
    walk.get("/checkout/1");
    let step2 = walk.post("/checkout/1", &[("address", "1 Rocket Road, Farmville")]);
    assert_eq!(
        between(&step2.body, "<dd id=\"draft-address\">", "</dd>"),
        Some("1 Rocket Road, Farmville")
    );
    let reload = walk.get("/checkout/2");
    assert!(
        reload.body.contains("1 Rocket Road, Farmville"),
        "peek keeps the draft"
    );
    let step3 = walk.post("/checkout/2", &[("shipping", "express")]);
    assert_eq!(
        between(&step3.body, "<dd id=\"draft-shipping\">", "</dd>"),
        Some("Express (next day)")
    );
    walk.get("/checkout/3");
    let state = walk.state();
    assert!(
        state["tempdata_keys"]
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k == "draft")),
        "{state}"
    );
    walk.expect.cart = 0;
    let done = walk.post("/checkout/3", &[]);
    assert!(flashes(&done.body).contains(&("success".to_owned(), "Order placed".to_owned())));
    let gone = walk.get("/checkout/3");
    assert!(
        flashes(&gone.body)
            .iter()
            .any(|(level, _)| level == "warning"),
        "the draft is gone after the order: {:?}",
        flashes(&gone.body)
    );
    let state = walk.state();
    assert!(
        state["tempdata_keys"]
            .as_array()
            .is_some_and(|k| !k.iter().any(|k| k == "draft")),
        "{state}"
    );

    // The rest of the 50 steps: small writes and reads, alternating.
    let mut i = 0;
    while walk.steps < 50 {
        if i % 2 == 0 {
            assert!(walk.add(9, "small"));
        } else {
            walk.state();
        }
        i += 1;
    }
    let a_addr = format!("127.0.0.1:{}", a.port);
    let b_addr = format!("127.0.0.1:{}", b.port);
    let mut both = vec![&a_addr, &b_addr];
    both.sort();
    assert_eq!(
        walk.upstreams(),
        both,
        "both instances served, nothing else: {:?}",
        walk.served
    );
    assert!(
        walk.served.values().all(|&n| n >= 10),
        "round-robin spreads the walk: {:?}",
        walk.served
    );
    let log = nginx.access_log();
    assert!(
        log.contains(&format!("upstream={a_addr}")) && log.contains(&format!("upstream={b_addr}"))
    );

    // The largest state the defaults allow: both stores filled to their budgets, then a plain
    // GET through nginx with default request-header buffers.
    let filled = walk.agent.post("/lab/fill", &[("which", "both")]);
    assert_eq!(filled.status, 200, "hops: {:?}", filled.hops);
    let header = walk.agent.cookie_header();
    assert!(
        header.len() > 6500 && header.len() < 8192,
        "the Cookie header at both budgets: {} bytes",
        header.len()
    );
    for path in ["/status", "/state.json", "/cart", "/"] {
        let page = walk.agent.get(path);
        assert_eq!(
            page.status,
            200,
            "GET {path} with a {}-byte Cookie header",
            header.len()
        );
    }
    let state: Value = serde_json::from_str(&walk.agent.get("/state.json").body).expect("JSON");
    assert_eq!(state["user"], "dora", "{state}");
    assert_eq!(state["session_status"], "loaded", "{state}");
    assert!(
        state["session_keys"]
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k == "ballast"))
    );
    assert!(
        state["tempdata_keys"]
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k == "ballast"))
    );
    assert!(
        !nginx.error_log().contains("too big header"),
        "{}",
        nginx.error_log()
    );
}

#[test]
#[ignore = "needs nginx; run with: cargo test --test real_clients -- --ignored farm:: (or bash .ci/run)"]
fn nginx_defaults_take_the_largest_cookie_header_but_not_its_set_cookie_lines() {
    real::tool("nginx");
    let key = KeyConfig::generate(1);
    let port = free_ports(1)[0];
    let shop = Shop::start(port, "solo", &[&key]);
    // Nothing tuned at all.
    let nginx = Nginx::start(&[shop.port], &NginxTuning::default());

    // Fill both stores to their budgets straight at the instance...
    let direct = Agent::new(&shop.url(""));
    assert_eq!(direct.post("/login", &[("name", "erin")]).status, 200);
    assert_eq!(direct.post("/lab/fill", &[("which", "both")]).status, 200);
    let header = direct.cookie_header();
    assert!(
        header.len() > 6500 && header.len() < 8192,
        "{} bytes",
        header.len()
    );

    // ...then send that Cookie header through nginx: its default request buffers (4 × 8k)
    // take it.
    let through = Agent::with_cookies(&nginx.url(""), &header);
    let status = through.get("/status");
    assert_eq!(status.status, 200);
    let sent: usize = between(&status.body, "<span id=\"cookie-header-bytes\">", "</span>")
        .and_then(|n| n.parse().ok())
        .expect("the status page measures the Cookie header");
    assert!(
        sent > 6500,
        "the instance got the whole header: {sent} bytes"
    );

    // A response that writes a chunked session carries ~5 KB of Set-Cookie lines: more than
    // nginx's default proxy_buffer_size, so nginx answers 502. This is why the README says to
    // raise it (and why the farm test does).
    let page = through.post("/cart/add", &[("product", "1"), ("note", "x")]);
    assert_eq!(page.hops[0].0, 502, "hops: {:?}", page.hops);
    assert!(
        nginx
            .error_log()
            .contains("upstream sent too big header while reading response header from upstream"),
        "{}",
        nginx.error_log()
    );
}

/// The key id a sealed value was sealed under (bytes 1..5 of the decoded value). Only the
/// first 8 characters are decoded (6 bytes), so this works on a first chunk by itself, whose
/// last character may carry bits of the next chunk.
fn key_id(value: &str) -> u32 {
    let bytes = URL_SAFE_NO_PAD
        .decode(
            value
                .get(..8)
                .expect("a sealed value is longer than 8 characters"),
        )
        .expect("a sealed value is base64url");
    assert_eq!(
        bytes[0],
        rocket_sealed::seal::VERSION,
        "the wire format this build writes"
    );
    u32::from_be_bytes(bytes[1..5].try_into().expect("four bytes"))
}

/// The key id of the session cookie in the jar (through its first chunk when chunked), if
/// the jar holds one.
fn try_session_key_id(agent: &Agent) -> Option<u32> {
    let header = agent.cookie_header();
    let cookies: BTreeMap<&str, &str> = header
        .split("; ")
        .filter_map(|p| p.split_once('='))
        .collect();
    let main = *cookies.get("sealed_session")?;
    Some(if main.starts_with("chunks-") {
        key_id(cookies["sealed_sessionC1"])
    } else {
        key_id(main)
    })
}

/// The key id of the session cookie in the jar.
fn session_key_id(agent: &Agent) -> u32 {
    try_session_key_id(agent).expect("a session cookie in the jar")
}

#[test]
#[ignore = "needs nginx; run with: cargo test --test real_clients -- --ignored farm:: (or bash .ci/run)"]
fn rolling_key_rotation_across_the_farm_keeps_the_active_user() {
    real::tool("nginx");
    let k1 = KeyConfig::generate(1);
    let k2 = KeyConfig::generate(2);
    let ports = free_ports(2);
    let (pa, pb) = (ports[0], ports[1]);
    let mut a = Shop::start(pa, "a", &[&k1]);
    let mut b = Shop::start(pb, "b", &[&k1]);
    let nginx = Nginx::start(&[pa, pb], &recommended());
    let mut walk = Walk::new(&nginx.url(""));

    // A few steps of activity: a write, reads, a flash; checked at every step.
    let a_addr = format!("127.0.0.1:{pa}");
    let b_addr = format!("127.0.0.1:{pb}");
    // Each phase's activity must reach both instances, or the phase proves nothing about the
    // keys the other one holds.
    let activity = |walk: &mut Walk, phase: usize| -> Vec<Served> {
        let first = walk.log.len();
        let before = walk.steps;
        walk.add((phase % 10 + 1) as u32, &format!("phase {phase}"));
        walk.get("/cart");
        walk.state();
        let flash = walk.post("/lab/flash", &[]);
        assert_eq!(flashes(&flash.body).len(), 5, "phase {phase}");
        walk.state();
        walk.get("/");
        assert_eq!(walk.steps, before + 6);
        let log = walk.log[first..].to_vec();
        for addr in [&a_addr, &b_addr] {
            assert!(
                log.iter().any(|s| s.upstreams.contains(addr)),
                "phase {phase}: {addr} served no request: {log:?}"
            );
        }
        log
    };
    // The key ids the session cookie was sealed under during a phase.
    let sealed_under =
        |log: &[Served]| -> BTreeSet<u32> { log.iter().filter_map(|s| s.jar_key).collect() };

    // Phase 1: both on [k1].
    sign_in(&mut walk, "fred");
    let log = activity(&mut walk, 1);
    assert_eq!(sealed_under(&log), BTreeSet::from([1]), "{log:?}");
    assert_eq!(session_key_id(&walk.agent), 1);
    let written_under_k1 = walk.agent.cookie_header();
    assert!(written_under_k1.contains("sealed_session="));

    // A rolling restart of one instance: while it is down nginx sends everything to the other
    // one, and the user notices nothing.
    let restart = |shop: &mut Shop, walk: &mut Walk, name: &str, ring: &[&KeyConfig]| {
        let port = shop.port;
        shop.proc.stop();
        walk.state();
        walk.get("/cart");
        *shop = Shop::start(port, name, ring);
    };

    // Phase 2: A on [k1, k2] (k2 opens, k1 still seals).
    restart(&mut a, &mut walk, "a", &[&k1, &k2]);
    let log = activity(&mut walk, 2);
    assert_eq!(
        sealed_under(&log),
        BTreeSet::from([1]),
        "k1 still seals everywhere: {log:?}"
    );
    assert_eq!(session_key_id(&walk.agent), 1);
    // Phase 3: both on [k1, k2].
    restart(&mut b, &mut walk, "b", &[&k1, &k2]);
    let log = activity(&mut walk, 3);
    assert_eq!(sealed_under(&log), BTreeSet::from([1]), "{log:?}");
    assert_eq!(session_key_id(&walk.agent), 1);
    // Phase 4: A on [k2, k1]: A seals with k2, which B already opens (and re-seals under its
    // own first key, k1). Both keys are in use, and each instance opens the other's cookies.
    restart(&mut a, &mut walk, "a", &[&k2, &k1]);
    let log = activity(&mut walk, 4);
    assert_eq!(sealed_under(&log), BTreeSet::from([1, 2]), "{log:?}");
    assert!(
        log.iter()
            .any(|s| s.sent_key == Some(2) && s.upstreams[0] == b_addr),
        "B opened a cookie sealed by the restarted A (k2): {log:?}"
    );
    assert!(
        log.iter()
            .any(|s| s.sent_key == Some(1) && s.upstreams[0] == a_addr),
        "A opened a cookie sealed by B (k1): {log:?}"
    );
    // Phase 5: both on [k2, k1]. Every request re-seals a k1 cookie under k2.
    restart(&mut b, &mut walk, "b", &[&k2, &k1]);
    let log = activity(&mut walk, 5);
    assert_eq!(
        sealed_under(&log),
        BTreeSet::from([2]),
        "the active user's cookie moved to k2: {log:?}"
    );
    assert_eq!(session_key_id(&walk.agent), 2);
    // Phase 6: both on [k2]: k1 is gone.
    restart(&mut a, &mut walk, "a", &[&k2]);
    restart(&mut b, &mut walk, "b", &[&k2]);
    let log = activity(&mut walk, 6);
    assert_eq!(sealed_under(&log), BTreeSet::from([2]), "{log:?}");
    assert_eq!(session_key_id(&walk.agent), 2);
    let mut both = [a_addr.clone(), b_addr.clone()];
    both.sort();
    assert_eq!(
        walk.upstreams(),
        both.iter().collect::<Vec<_>>(),
        "both instances served: {:?}",
        walk.served
    );

    // The phase-1 cookies, never used since, start a fresh session: a page, not an error.
    let stale = Agent::with_cookies(&nginx.url(""), &written_under_k1);
    let page = stale.get("/state.json");
    assert_eq!(page.status, 200);
    let state: Value = serde_json::from_str(&page.body).expect("JSON");
    assert_eq!(state["user"], Value::Null, "{state}");
    assert_eq!(state["cart_count"], 0, "{state}");
    let status = state["session_status"].as_str().unwrap_or_default();
    assert!(
        status.starts_with("rejected") && status.contains("key id 1"),
        "{state}"
    );
    assert!(
        page.set_cookies.iter().any(|n| n == "sealed_session"),
        "the refused cookie is deleted: {:?}",
        page.set_cookies
    );
    let home = stale.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(
        between(&home.body, "<span id=\"user\">", "</span>"),
        Some("")
    );
    // And it works as a fresh session.
    let signed = stale.post("/login", &[("name", "gus")]);
    assert_eq!(signed.status, 200);
    assert_eq!(
        between(&signed.body, "<span id=\"user\">", "</span>"),
        Some("gus")
    );
    assert_eq!(session_key_id(&stale), 2);
}

/// Unix seconds now.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

fn rfc3339(secs: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs as i64)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// One counter of a shop's `/metrics`, asked of the instance directly.
fn metric(shop: &Shop, name: &str) -> Option<u64> {
    let page = real::raw_get(shop.port, "/metrics", None).ok()?;
    page.body.lines().find_map(|line| {
        let (n, v) = line.rsplit_once(' ')?;
        (n == name).then(|| v.parse().ok()).flatten()
    })
}

/// Waits (polling fast) until `ready`, for at most `secs` seconds.
fn wait_for(what: &str, secs: u64, mut ready: impl FnMut() -> bool) {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !ready() {
        assert!(std::time::Instant::now() < end, "gave up waiting: {what}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Sleeps until the wall clock reaches `secs` (unix seconds).
fn sleep_until(secs: u64) {
    while unix_now() < secs {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Points `dir/keys.toml` at `dir/target` by renaming a new symlink over it, as Kubernetes
/// swaps the `..data` link of a mounted secret: readers see the old file or the new one.
fn swap_keys_file(dir: &std::path::Path, target: &str) {
    let tmp = dir.join("keys.toml.new");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(dir.join(target), &tmp).expect("symlink");
    std::fs::rename(&tmp, dir.join("keys.toml")).expect("rename over keys.toml");
}

fn keys_toml(keys: &[(&KeyConfig, &str)]) -> String {
    let entries: Vec<String> = keys
        .iter()
        .map(|(k, dates)| format!("{{ id = {}, key = \"{}\"{dates} }}", k.id, k.key))
        .collect();
    format!("keys = [{}]\n", entries.join(", "))
}

#[test]
#[ignore = "needs nginx; run with: cargo test --test real_clients -- --ignored farm:: (or bash .ci/run)"]
fn one_deploy_rotation_by_swapping_the_keys_file_with_no_restarts() {
    real::tool("nginx");
    let dir = real::TempDir::new("keys-file");
    let (k1, k2) = (KeyConfig::generate(1), KeyConfig::generate(2));
    std::fs::write(dir.path().join("ring-1.toml"), keys_toml(&[(&k1, "")])).unwrap();
    swap_keys_file(dir.path(), "ring-1.toml");
    let sealed = format!(
        "{{keys_file={:?},keys_file_poll_secs=0.2}}",
        dir.path().join("keys.toml").display().to_string()
    );
    let ports = free_ports(2);
    let (pa, pb) = (ports[0], ports[1]);
    let mut a = Shop::start_with(pa, "a", &sealed);
    let mut b = Shop::start_with(pb, "b", &sealed);
    let nginx = Nginx::start(&[pa, pb], &recommended());
    let mut walk = Walk::new(&nginx.url(""));
    let (a_addr, b_addr) = (format!("127.0.0.1:{pa}"), format!("127.0.0.1:{pb}"));
    let activity = |walk: &mut Walk, step: u32| -> Vec<Served> {
        let first = walk.log.len();
        walk.add(step % 10 + 1, &format!("step {step}"));
        walk.get("/cart");
        walk.state();
        walk.get("/");
        walk.state();
        walk.log[first..].to_vec()
    };
    let sealed_under =
        |log: &[Served]| -> BTreeSet<u32> { log.iter().filter_map(|s| s.jar_key).collect() };

    sign_in(&mut walk, "fred");
    let log = activity(&mut walk, 1);
    assert_eq!(sealed_under(&log), BTreeSet::from([1]), "{log:?}");
    let written_under_k1 = walk.agent.cookie_header();

    // The whole rotation in one file: key 2 seals a few seconds from now, key 1 retires a few
    // seconds after that (in production: the rollout window, then the longest cookie life).
    let activate = unix_now() + 4;
    let retire = activate + 4;
    let ring2 = keys_toml(&[
        (&k1, &format!(", retires_at = \"{}\"", rfc3339(retire))),
        (&k2, &format!(", activates_at = \"{}\"", rfc3339(activate))),
    ]);
    std::fs::write(dir.path().join("ring-2.toml"), ring2).unwrap();
    swap_keys_file(dir.path(), "ring-2.toml");
    for shop in [&a, &b] {
        wait_for("both instances reload the ring", 5, || {
            metric(shop, "rocket_sealed_keys_reloaded") == Some(1)
        });
    }
    if unix_now() + 2 < activate {
        let log = activity(&mut walk, 2);
        if unix_now() < activate {
            assert_eq!(sealed_under(&log), BTreeSet::from([1]), "not yet: {log:?}");
        }
    }

    // Activation: both instances switch at the same instant, with no restart.
    sleep_until(activate);
    let log = activity(&mut walk, 3);
    assert_eq!(sealed_under(&log), BTreeSet::from([2]), "{log:?}");
    for addr in [&a_addr, &b_addr] {
        assert!(
            log.iter()
                .any(|s| s.upstreams.last() == Some(addr) && s.jar_key == Some(2)),
            "{addr} sealed with key 2: {log:?}"
        );
    }

    // A broken file: each instance keeps its ring, logs why, counts it; no request fails.
    std::fs::write(
        dir.path().join("broken.toml"),
        "keys = [{ id = 3, key = \"oops\" }]\n",
    )
    .unwrap();
    swap_keys_file(dir.path(), "broken.toml");
    for shop in [&a, &b] {
        wait_for("both instances refuse the broken file", 5, || {
            metric(shop, "rocket_sealed_keys_reload_failed") == Some(1)
        });
    }
    let log = activity(&mut walk, 4);
    assert_eq!(sealed_under(&log), BTreeSet::from([2]), "{log:?}");
    for shop in [&a, &b] {
        assert!(
            shop.proc.log().contains("key ring NOT reloaded"),
            "{}",
            shop.proc.log()
        );
    }

    // Retirement, from the ring still in force: a cookie sealed with key 1 starts fresh.
    sleep_until(retire);
    let stale = Agent::with_cookies(&nginx.url(""), &written_under_k1);
    let page = stale.get("/state.json");
    assert_eq!(page.status, 200);
    let state: Value = serde_json::from_str(&page.body).expect("JSON");
    assert_eq!(state["user"], Value::Null, "{state}");
    let status = state["session_status"].as_str().unwrap_or_default();
    assert!(
        status.starts_with("rejected") && status.contains("key id 1"),
        "{state}"
    );
    // The active user kept the session throughout, and nothing restarted: the counters
    // since launch still hold the one reload and the one refusal.
    activity(&mut walk, 5);
    for shop in [&mut a, &mut b] {
        shop.proc.assert_running();
        assert_eq!(metric(shop, "rocket_sealed_keys_reloaded"), Some(1));
        assert_eq!(metric(shop, "rocket_sealed_keys_reload_failed"), Some(1));
    }
}
