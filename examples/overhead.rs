//! Serves the fairing benchmark's two Rockets over real HTTP, for `scripts/load_test.sh`:
//! the same `/read` and `/write` handlers with the fairing and a session on one port, and
//! without either on the next port. The difference in requests per second between the two is
//! what this crate costs a route, network and HTTP parsing included.
//!
//! ```text
//! OVERHEAD_PORT=18800 cargo run --release --example overhead
//! #   http://127.0.0.1:18800  with the session (POST /fill first for a cookie)
//! #   http://127.0.0.1:18801  the same routes without it
//! ```
//!
//! The sealed Rocket uses a fresh key per run (a benchmark has nothing to keep).

#[path = "../benches/common/apps.rs"]
mod apps;

#[rocket::main]
async fn main() -> Result<(), Box<rocket::Error>> {
    let port: u16 = std::env::var("OVERHEAD_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(18800);
    let config = |port| rocket::Config {
        address: std::net::Ipv4Addr::LOCALHOST.into(),
        port,
        ..rocket::Config::release_default()
    };
    let sealed = apps::sealed_rocket(config(port)).launch();
    let plain = apps::plain_rocket(config(port + 1)).launch();
    let (sealed, plain) = rocket::tokio::join!(sealed, plain);
    sealed.map_err(Box::new)?;
    plain.map_err(Box::new)?;
    Ok(())
}
