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
//! `local ROUTE SIDE N` sends N requests through Rocket's local client instead and exits, so
//! `scripts/instructions.sh` can count the instructions a request costs (ROUTE is `read`,
//! `write` or `untouched`, SIDE is `with` or `without`; every request carries the session
//! cookie; `write_cookie`, only `without`, is `write` answering with a copy of a sealed
//! `Set-Cookie` line):
//!
//! ```text
//! cargo run --release --example overhead -- local read with 1000
//! ```
//!
//! The sealed Rocket uses a fresh key per run (a benchmark has nothing to keep).

#[path = "../benches/common/apps.rs"]
mod apps;

use rocket::http::Cookie;
use rocket::local::blocking::Client;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => serve(),
        ["local", route, side, n] => local(route, side, n.parse()?),
        _ => Err("usage: overhead [local read|write|untouched with|without N]".into()),
    }
}

fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("OVERHEAD_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(18800);
    let config = |port| rocket::Config {
        address: std::net::Ipv4Addr::LOCALHOST.into(),
        port,
        ..rocket::Config::release_default()
    };
    let floor_line = apps::sealed_write_line();
    rocket::execute(async move {
        let sealed = apps::sealed_rocket(config(port)).launch();
        let plain = apps::plain_rocket(config(port + 1), floor_line).launch();
        let (sealed, plain) = rocket::tokio::join!(sealed, plain);
        sealed.map_err(Box::new)?;
        plain.map_err(Box::new)?;
        Ok(())
    })
}

fn local(route: &str, side: &str, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let sealed = Client::untracked(apps::sealed_rocket(rocket::Config::default()))?;
    let session = sealed
        .post("/fill")
        .dispatch()
        .cookies()
        .get(apps::COOKIE)
        .ok_or("the fill route set no session")?
        .value()
        .to_owned();
    let client = match side {
        "with" => sealed,
        "without" => Client::untracked(apps::plain_rocket(
            rocket::Config::default(),
            apps::sealed_write_line(),
        ))?,
        _ => return Err(format!("SIDE is `with` or `without`, not {side:?}").into()),
    };
    let path = match route {
        "read" | "write" | "untouched" | "write_cookie" => format!("/{route}"),
        _ => {
            return Err(
                format!("ROUTE is read, write, untouched or write_cookie, not {route:?}").into(),
            );
        }
    };
    for _ in 0..n {
        let request = match route {
            "write" | "write_cookie" => client.post(&path),
            _ => client.get(&path),
        };
        let response = request
            .cookie(Cookie::new(apps::COOKIE, session.clone()))
            .dispatch();
        if response.status() != rocket::http::Status::Ok {
            return Err(format!("{route} answered {}", response.status()).into());
        }
        std::hint::black_box(response.into_string());
    }
    Ok(())
}
