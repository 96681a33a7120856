//! Parallel requests from one browser over real TCP connections.
//!
//! - Read-only requests that carry a session write no cookie while no sliding refresh is due,
//!   so parallel page loads cannot overwrite each other (and once a refresh is due, each of
//!   them re-seals the same state, which is harmless).
//! - Parallel requests that each write a different key race: every response carries the
//!   state *it* read plus its own change, and the browser keeps whichever `Set-Cookie` it
//!   processes last. Last write wins; the others' changes are lost. docs/operations.md
//!   (Parallel requests: last write wins) explains how to design for it.
//!
//! The two tests with an in-process server run in every `cargo test`; the one against the
//! `shop` process runs with `cargo test --test real_clients -- --ignored concurrency::` (or
//! `bash .ci/run`).

use crate::real;

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier, Mutex};
use std::thread::JoinHandle;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use real::{Agent, RawResponse, Shop, raw_get, raw_request};
use rocket::{get, post, routes};
use rocket_sealed::{Config, KeyConfig, ManualClock, Sealed, Session};

const PARALLEL: usize = 32;

#[post("/set/<key>")]
fn set(session: Session<'_>, key: &str) -> &'static str {
    session.set(key, key).expect("a string");
    "ok"
}

#[get("/keys")]
fn keys(session: Session<'_>) -> String {
    session.keys().join(",")
}

/// The token this server was started with, so the test knows it reached its own server.
struct Token(String);

#[get("/token")]
fn server_token(token: &rocket::State<Token>) -> String {
    token.0.clone()
}

#[get("/read")]
fn read(session: Session<'_>) -> String {
    session
        .get::<String>("seed")
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// A Rocket server in this process, on a real port, with a clock the test moves.
struct Server {
    port: u16,
    shutdown: rocket::Shutdown,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(clock: ManualClock) -> Server {
        let port = real::free_port();
        let token = real::unique_token("server");
        let expected = token.clone();
        let config = Config {
            keys: vec![KeyConfig::generate(1)],
            ..Config::default()
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            rocket::execute(async move {
                let figment = rocket::Config::figment()
                    .merge(("address", "127.0.0.1"))
                    .merge(("port", port))
                    .merge(("log_level", "off"))
                    .merge(("shutdown.ctrlc", false))
                    .merge(("shutdown.grace", 1))
                    .merge(("shutdown.mercy", 1));
                let rocket = rocket::custom(figment)
                    .attach(Sealed::custom(config).with_clock(clock))
                    .manage(Token(token))
                    .mount("/", routes![set, keys, read, server_token])
                    .ignite()
                    .await
                    .expect("ignite");
                tx.send(rocket.shutdown())
                    .expect("hand over the shutdown handle");
                if let Err(e) = rocket.launch().await {
                    panic!("the server on port {port} failed: {e}");
                }
            })
        });
        let shutdown = rx.recv_timeout(real::STARTUP).expect("the server ignited");
        // From here on, dropping `server` stops it, whatever fails below.
        let server = Server {
            port,
            shutdown,
            thread: Some(thread),
        };
        let deadline = std::time::Instant::now() + real::STARTUP;
        // Our own token, not just any answer: a port taken by another process between
        // free_port() and the launch shows up here.
        let mut last = None;
        loop {
            match raw_get(port, "/token", None) {
                Ok(res) if res.status == 200 && res.body == expected => break,
                Ok(res) => last = Some(res),
                Err(_) => {}
            }
            assert!(
                !server.thread.as_ref().is_some_and(JoinHandle::is_finished),
                "the server on port {port} stopped before it answered (its panic is above)"
            );
            assert!(
                std::time::Instant::now() < deadline,
                "the server never answered as itself on port {port}; last answer: {last:?}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.clone().notify();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The `name=value` of every `Set-Cookie` in `res`.
fn set_cookie_pairs(res: &RawResponse) -> Vec<String> {
    res.all("set-cookie")
        .iter()
        .map(|l| l.split(';').next().unwrap_or_default().to_owned())
        .collect()
}

fn key_set(list: &str) -> BTreeSet<String> {
    list.split(',').map(str::to_owned).collect()
}

/// Runs `f(i)` for `i` in `0..n` on `n` threads released together; results in the order
/// the threads finished (each pushes its result as soon as its response is complete).
fn together<T: Send + 'static>(
    n: usize,
    f: impl Fn(usize) -> T + Send + Sync + 'static,
) -> Vec<(usize, T)> {
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(n));
    let done = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let (f, barrier, done) = (f.clone(), barrier.clone(), done.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let out = f(i);
                done.lock().expect("lock").push((i, out));
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a request thread panicked");
    }
    Arc::try_unwrap(done)
        .ok()
        .expect("all threads joined")
        .into_inner()
        .expect("lock")
}

#[test]
#[ignore = "starts the shop; run with: cargo test --test real_clients -- --ignored concurrency:: (or bash .ci/run)"]
fn parallel_read_only_pages_of_the_shop_write_no_cookie() {
    let key = KeyConfig::generate(1);
    let shop = Shop::start(real::free_port(), "parallel", &[&key]);
    let agent = Agent::new(&shop.url(""));
    assert_eq!(agent.post("/login", &[("name", "hana")]).status, 200);
    assert_eq!(
        agent
            .post("/cart/add", &[("product", "2"), ("note", "for the office")])
            .status,
        200
    );
    let cookie = agent.cookie_header();
    assert!(cookie.contains("sealed_session="), "{cookie}");
    assert!(
        !cookie.contains("sealed_tempdata="),
        "the flash was shown: {cookie}"
    );
    let port = shop.port;
    let paths = ["/cart", "/state.json", "/", "/products"];
    let results = together(PARALLEL, move |i| {
        raw_get(port, paths[i % paths.len()], Some(&cookie)).expect("a response")
    });
    for (i, res) in &results {
        assert_eq!(res.status, 200, "request {i}");
        assert!(
            res.all("set-cookie").is_empty(),
            "request {i} ({}) wrote {:?}",
            paths[i % paths.len()],
            res.all("set-cookie")
        );
    }
    let cart_pages: Vec<_> = results
        .iter()
        .filter(|(i, _)| paths[i % paths.len()] == "/cart")
        .collect();
    assert!(
        cart_pages
            .iter()
            .all(|(_, r)| r.body.contains("for the office") && r.body.contains("hana"))
    );
}

#[test]
fn parallel_reads_write_nothing_until_a_refresh_is_due() {
    let clock = ManualClock::new(1_700_000_000);
    let server = Server::start(clock.clone());
    let port = server.port;
    let seeded = raw_request(port, "POST", "/set/seed", None, None).expect("seed");
    let cookie = set_cookie_pairs(&seeded).join("; ");
    assert!(cookie.starts_with("sealed_session="), "{cookie}");

    // Just under the refresh point (half of the 20-minute idle timeout): nothing is written.
    clock.advance(599);
    let c = cookie.clone();
    let quiet = together(PARALLEL, move |_| {
        raw_get(port, "/read", Some(&c)).expect("a response")
    });
    for (i, res) in &quiet {
        assert_eq!(
            (res.status, res.body.as_str()),
            (200, "seed"),
            "request {i}"
        );
        assert!(
            res.all("set-cookie").is_empty(),
            "request {i}: {:?}",
            res.all("set-cookie")
        );
    }

    // Past it: every one of them slides the expiry, each re-sealing the same entries.
    clock.advance(2);
    let c = cookie.clone();
    let due = together(PARALLEL, move |_| {
        raw_get(port, "/read", Some(&c)).expect("a response")
    });
    for (i, res) in &due {
        let pairs = set_cookie_pairs(res);
        assert_eq!(pairs.len(), 1, "request {i}: {pairs:?}");
        let keys = raw_get(port, "/keys", Some(&pairs[0])).expect("keys");
        assert_eq!(keys.body, "seed", "a refresh changes no entry");
    }
}

#[test]
fn parallel_writes_of_different_keys_each_carry_only_their_own_change() {
    let server = Server::start(ManualClock::new(1_700_000_000));
    let port = server.port;
    let seeded = raw_request(port, "POST", "/set/seed", None, None).expect("seed");
    let cookie = set_cookie_pairs(&seeded).join("; ");

    // 32 requests from the same browser state, each adding its own key.
    let c = cookie.clone();
    let finished = together(PARALLEL, move |i| {
        raw_request(port, "POST", &format!("/set/k{i:02}"), Some(&c), None).expect("a response")
    });

    // Each response wrote the state it read (the seed) plus its own key, and nothing else.
    for (i, res) in &finished {
        assert_eq!(res.status, 200);
        let pairs = set_cookie_pairs(res);
        assert_eq!(pairs.len(), 1, "request {i}: {pairs:?}");
        let keys = raw_get(port, "/keys", Some(&pairs[0])).expect("keys");
        assert_eq!(
            key_set(&keys.body),
            key_set(&format!("seed,k{i:02}")),
            "request {i}"
        );
    }

    // So whichever of these cookies a browser keeps, the other requests' keys are not in it:
    // the check above is the whole of the crate's part in "last write wins". Which response
    // a browser processes last is the browser's doing, so no jar is replayed here. What is
    // left to check: the 32 seals made at once drew 32 different nonces, none of them the
    // seed cookie's (the nonce is bytes 5..29 of a sealed value: version, key id, nonce).
    let nonce = |pair: &str| -> Vec<u8> {
        let (_, value) = pair.split_once('=').expect("name=value");
        let raw = URL_SAFE_NO_PAD
            .decode(value)
            .expect("a sealed value is base64url");
        raw[5..29].to_vec()
    };
    let mut nonces: BTreeSet<Vec<u8>> = finished
        .iter()
        .map(|(_, res)| nonce(&set_cookie_pairs(res)[0]))
        .collect();
    nonces.insert(nonce(&set_cookie_pairs(&seeded)[0]));
    assert_eq!(
        nonces.len(),
        PARALLEL + 1,
        "32 parallel seals and the seed's: all nonces distinct"
    );
}
