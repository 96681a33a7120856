//! The two Rockets the per-request overhead is measured on: the same read and write routes
//! with the fairing and a session, and without either. Shared by `benches/fairing.rs`
//! (Rocket's local client) and `examples/overhead.rs` (real HTTP, for `scripts/load_test.sh`).

use std::sync::atomic::{AtomicU64, Ordering};

use rocket::config::LogLevel;
use rocket::http::Header;
use rocket::local::blocking::Client;
use rocket::response::{self, Responder};
use rocket::{Build, Request, Response, Rocket, State, get, post, routes};

use rocket_sealed::{Config, KeyConfig, Sealed, Session};

/// The session cookie's name.
pub const COOKIE: &str = "sealed_session";

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
        let mut visits = 0;
        session
            .update::<u64>("visits", |n| {
                *n += 1;
                visits = *n;
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

    /// `/write` answering with a copy of a `Set-Cookie` line the sealed `/write` sent: what
    /// answering with that cookie costs without any crypto or state.
    #[post("/write_cookie")]
    pub fn write_cookie(visits: &State<AtomicU64>, line: &State<FloorLine>) -> WithSetCookie {
        let visit = visits.fetch_add(1, Ordering::Relaxed) + 1;
        WithSetCookie(format!("visit {visit}"), line.0.clone())
    }
}

/// The `Set-Cookie` line `/write_cookie` sends.
pub struct FloorLine(String);

/// A body and one `Set-Cookie` line.
pub struct WithSetCookie(String, String);

impl<'r> Responder<'r, 'static> for WithSetCookie {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        Response::build_from(self.0.respond_to(req)?)
            .header_adjoin(Header::new("Set-Cookie", self.1))
            .ok()
    }
}

/// A `Set-Cookie` line the sealed Rocket's `/write` answers a filled session with (asked of a
/// sealed Rocket through the local client; call it outside an async runtime).
pub fn sealed_write_line() -> String {
    let client = Client::untracked(sealed_rocket(rocket::Config::default())).unwrap();
    let fill = client.post("/fill").dispatch();
    let filled = fill.cookies().get(COOKIE).expect("/fill seals").clone();
    // A `Cookie` header added to a local request is not parsed into its jar: the cookie
    // must go in through `cookie()`, or `/write` starts an empty session and the line copied
    // is that of a much smaller cookie than the HTTP load test's.
    let write = client.post("/write").cookie(filled.clone()).dispatch();
    let line = write.headers().get_one("Set-Cookie").expect("/write seals");
    let resealed = line.split(';').next().unwrap();
    // The same session, one counter changed (1 to 2, one byte either way): the same length.
    assert_eq!(
        resealed.len(),
        filled.name().len() + 1 + filled.value().len(),
        "/write re-sealed the filled session"
    );
    line.to_owned()
}

/// A Rocket with logging off, built on `base` (address, port, workers).
fn quiet(base: rocket::Config) -> Rocket<Build> {
    rocket::custom(rocket::Config {
        log_level: LogLevel::Off,
        ..base
    })
}

/// The routes with the fairing: `/read` and `/write` use the session, `/fill` fills it.
///
/// `OPEN_CACHE` in the environment sets [`Config::open_cache`] (`OPEN_CACHE=0`: every
/// request decrypts its cookie, as when a browser's cookie is new to this instance); unset
/// or empty, the default. `SEALED_KEY` (32 bytes, base64url) is the key, so that several
/// processes open each other's cookies; unset or empty, a fresh key.
pub fn sealed_rocket(base: rocket::Config) -> Rocket<Build> {
    let open_cache = match std::env::var("OPEN_CACHE") {
        Ok(n) if !n.is_empty() => n.parse().expect("OPEN_CACHE is a number of slots"),
        _ => Config::default().open_cache,
    };
    let mut key = KeyConfig::generate(1);
    if let Ok(k) = std::env::var("SEALED_KEY")
        && !k.is_empty()
    {
        key.key = k;
    }
    let config = Config {
        keys: vec![key],
        open_cache,
        ..Config::default()
    };
    quiet(base).attach(Sealed::custom(config)).mount(
        "/",
        routes![
            sealed_routes::read,
            sealed_routes::write,
            sealed_routes::untouched,
            sealed_routes::fill
        ],
    )
}

/// The same routes without the fairing or any session, and `/write_cookie`, which answers
/// `/write` with `floor_line` (from [`sealed_write_line`]) as its `Set-Cookie` line.
pub fn plain_rocket(base: rocket::Config, floor_line: String) -> Rocket<Build> {
    quiet(base)
        .manage(AtomicU64::new(1))
        .manage(FloorLine(floor_line))
        .mount(
            "/",
            routes![
                plain_routes::read,
                plain_routes::write,
                plain_routes::untouched,
                plain_routes::write_cookie
            ],
        )
}
