//! The `hello` example (the README's quick start) run as its own process with no
//! configuration, as `cargo run --example hello` runs it, and driven by a client with a cookie
//! jar the way the example's comment drives it with curl.

use crate::real;

use std::process::Command;
use std::time::Duration;

use real::{Proc, TempDir, example_binary, free_port};

/// Starts hello on a free port and waits until it says it listens there. Nothing of this
/// environment's Rocket configuration reaches it, and the profile is `debug`, as under
/// `cargo run`: the quick start has no keys, so it seals with an ephemeral one.
fn start_hello(dir: &TempDir) -> (Proc, u16) {
    let port = free_port();
    let mut cmd = Command::new(example_binary("hello"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ROCKET_") {
            cmd.env_remove(name);
        }
    }
    cmd.current_dir(dir.path())
        .env("ROCKET_CONFIG", dir.path().join("no-Rocket.toml"))
        .env("ROCKET_PROFILE", "debug")
        .env("ROCKET_ADDRESS", "127.0.0.1")
        .env("ROCKET_PORT", port.to_string())
        .env("ROCKET_LOG_LEVEL", "normal")
        .env("ROCKET_CLI_COLORS", "false");
    let mut proc = Proc::spawn(
        &format!("hello (port {port})"),
        cmd,
        dir.path().join("hello.log"),
    );
    // Rocket says this only once it has bound the port, so what answers there is this process.
    let launched = format!("Rocket has launched from http://127.0.0.1:{port}");
    proc.wait_until(&format!("launch on port {port}"), || {
        proc_log(dir).contains(&launched)
    });
    (proc, port)
}

fn proc_log(dir: &TempDir) -> String {
    std::fs::read_to_string(dir.path().join("hello.log")).unwrap_or_default()
}

#[test]
fn the_quick_start_keeps_a_cart_and_shows_a_flash_once() {
    let dir = TempDir::new("hello");
    let (mut proc, port) = start_hello(&dir);
    let client = reqwest::blocking::Client::builder()
        .cookie_store(true)
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("an HTTP client");
    let base = format!("http://127.0.0.1:{port}");
    let get = |path: &str| {
        let res = client
            .get(format!("{base}{path}"))
            .send()
            .expect("GET answers");
        assert_eq!(res.status(), 200, "GET {path}");
        res.text().expect("a text body")
    };

    assert_eq!(get("/"), "[] cart: []", "a new visitor");

    // The client follows the redirect to `/`, sending the cookies the POST set.
    let added = client
        .post(format!("{base}/cart/tea"))
        .send()
        .expect("POST answers");
    assert_eq!(added.status(), 200);
    assert_eq!(added.url().path(), "/", "POST /cart/tea redirects to /");
    assert_eq!(added.text().unwrap(), r#"["Added tea"] cart: ["tea"]"#);

    // The flash was shown once; the cart stays.
    assert_eq!(get("/"), r#"[] cart: ["tea"]"#);
    assert_eq!(get("/"), r#"[] cart: ["tea"]"#);

    proc.assert_running();
}
