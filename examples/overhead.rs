//! Serves the fairing benchmark's Rockets over real HTTP, for `scripts/load_test.sh` and
//! `scripts/paired.sh`: the same `/read` and `/write` handlers with the fairing and a session on
//! one port, without either on the next port (the twin), and on the port after that the peer a
//! Rocket user would otherwise write: the same routes keeping the same map as JSON in a private
//! (AES-256-GCM) cookie. Comparing their requests per second is what this crate costs a route,
//! network and HTTP parsing included, and what it saves against the peer.
//!
//! ```text
//! OVERHEAD_PORT=18800 cargo run --release --example overhead
//! #   http://127.0.0.1:18800  with the session (POST /fill first for a cookie)
//! #   http://127.0.0.1:18801  the same routes without it
//! #   http://127.0.0.1:18802  the peer (POST /fill for its cookie, `peer_session`)
//! OVERHEAD_PORT=18800 OVERHEAD_ONLY=peer cargo run --release --example overhead
//! #   only one of them (`with`, `without` or `peer`), on OVERHEAD_PORT
//! ```
//!
//! The peer is what `cookies.add_private` and `cookies.get_private` run (the `cookie` crate's
//! `PrivateJar`, with the attributes `add_private` sets), called directly: Rocket's `secrets`
//! feature, which those two methods need, would also make every example and test Rocket
//! launched in the release profile without a `secret_key` refuse to start (the shop, the
//! benches), since features are shared by all of a package's examples and tests.
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
//! The sealed Rocket uses a fresh key per run (a benchmark has nothing to keep) unless
//! `SEALED_KEY` gives one (32 bytes, base64url), as `scripts/paired.sh` does so that two
//! processes open the same cookie; the peer's key is fixed.

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
    let only = std::env::var("OVERHEAD_ONLY").unwrap_or_default();
    let config = |port| rocket::Config {
        address: std::net::Ipv4Addr::LOCALHOST.into(),
        port,
        ..rocket::Config::release_default()
    };
    let rockets = match only.as_str() {
        "" => vec![
            apps::sealed_rocket(config(port)),
            apps::plain_rocket(config(port + 1), apps::sealed_write_line()),
            peer::rocket(config(port + 2)),
        ],
        "with" => vec![apps::sealed_rocket(config(port))],
        "without" => vec![apps::plain_rocket(config(port), apps::sealed_write_line())],
        "peer" => vec![peer::rocket(config(port))],
        _ => return Err(format!("OVERHEAD_ONLY is with, without or peer, not {only:?}").into()),
    };
    rocket::execute(async move {
        let mut running = rocket::tokio::task::JoinSet::new();
        for rocket in rockets {
            running.spawn(rocket.launch());
        }
        while let Some(ended) = running.join_next().await {
            ended?.map_err(Box::new)?;
        }
        Ok(())
    })
}

/// The peer: the same routes, the same map (a user, a cart of five lines, a visit counter)
/// kept as JSON in an encrypted cookie the way a Rocket application does it with
/// `cookies.add_private` and `cookies.get_private`.
mod peer {
    use rocket::http::{Cookie, CookieJar, SameSite};
    use rocket::{Build, Rocket, State, get, post, routes};
    use serde::Deserialize;
    use serde_json::{Map, Value};

    /// The peer's cookie.
    pub const COOKIE: &str = "peer_session";

    /// The key `get_private` and `add_private` would take from Rocket's `secret_key`.
    pub struct Key(cookie::Key);

    /// What `cookies.get_private(COOKIE)` does (decrypt the jar's cookie with the secret key),
    /// then the JSON map; an empty map when there is none or it does not open.
    fn load(cookies: &CookieJar<'_>, key: &Key) -> Map<String, Value> {
        cookies
            .get(COOKIE)
            .and_then(|c| cookie::CookieJar::new().private(&key.0).decrypt(c.clone()))
            .and_then(|c| serde_json::from_str(c.value()).ok())
            .unwrap_or_default()
    }

    /// What `cookies.add_private` does with the map as JSON: its default attributes, then the
    /// value encrypted with the secret key into the response's jar.
    fn store(cookies: &CookieJar<'_>, key: &Key, map: &Map<String, Value>) {
        let mut cookie = Cookie::new(COOKIE, serde_json::to_string(map).unwrap());
        cookie.set_path("/");
        cookie.set_same_site(SameSite::Strict);
        cookie.set_http_only(true);
        cookie.set_expires(
            rocket::time::OffsetDateTime::now_utc() + rocket::time::Duration::weeks(1),
        );
        let mut sealed = cookie::CookieJar::new();
        sealed.private_mut(&key.0).add(cookie);
        cookies.add(sealed.get(COOKIE).unwrap().clone());
    }

    fn entry<'de, T: Deserialize<'de>>(map: &'de Map<String, Value>, name: &str) -> Option<T> {
        map.get(name).and_then(|v| T::deserialize(v).ok())
    }

    #[get("/read")]
    fn read(cookies: &CookieJar<'_>, key: &State<Key>) -> String {
        let map = load(cookies, key);
        let user: Option<String> = entry(&map, "user");
        let cart: Vec<String> = entry(&map, "cart").unwrap_or_default();
        format!("{} has {} items", user.unwrap_or_default(), cart.len())
    }

    #[post("/write")]
    fn write(cookies: &CookieJar<'_>, key: &State<Key>) -> String {
        let mut map = load(cookies, key);
        let visits = entry::<u64>(&map, "visits").unwrap_or(0) + 1;
        map.insert("visits".into(), visits.into());
        store(cookies, key, &map);
        format!("visit {visits}")
    }

    #[get("/untouched")]
    fn untouched() -> &'static str {
        "no store here"
    }

    /// Fills the map the other routes use, as the sealed `/fill` fills the session.
    #[post("/fill")]
    fn fill(cookies: &CookieJar<'_>, key: &State<Key>) {
        let cart: Vec<Value> = (1..=5)
            .map(|i| format!("product {i:02}: a gift note of some length").into())
            .collect();
        let mut map = Map::new();
        map.insert("user".into(), "alice@example.com".into());
        map.insert("cart".into(), cart.into());
        map.insert("visits".into(), 1u64.into());
        store(cookies, key, &map);
    }

    /// The peer's Rocket, logging off, with a fixed key (a benchmark has nothing to keep).
    pub fn rocket(base: rocket::Config) -> Rocket<Build> {
        rocket::custom(rocket::Config {
            log_level: rocket::config::LogLevel::Off,
            ..base
        })
        .manage(Key(cookie::Key::from(&[7u8; 64])))
        .mount("/", routes![read, write, untouched, fill])
    }
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
