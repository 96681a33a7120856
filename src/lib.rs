//! # rocket_sealed
//!
//! Sessions and TempData/flash messages for [Rocket](https://rocket.rs) 0.5, carried entirely
//! in the browser in authenticated-encrypted (XChaCha20-Poly1305), chunked cookies. There is
//! no server store: any number of instances behind any load balancer serve one user with
//! nothing shared but the keys.
//!
//! ## Quick start
//!
//! Attach one fairing, then take [`Session`] and [`TempData`] (or the flash helpers
//! [`Flash`] and [`Flashes`]) in handlers:
//!
//! ```
//! use rocket::response::Redirect;
//! use rocket::{get, post, routes};
//! use rocket_sealed::{Flash, Flashes, Sealed, Session};
//!
//! #[post("/cart/<item>")]
//! fn add(session: Session<'_>, item: &str) -> Flash<Redirect> {
//!     session
//!         .update::<Vec<String>>("cart", |cart| cart.push(item.to_owned()))
//!         .expect("the cart is a Vec<String>");
//!     Flash::success(Redirect::to("/"), format!("Added {item}"))
//! }
//!
//! #[get("/")]
//! fn index(session: Session<'_>, flashes: Flashes) -> String {
//!     let cart: Vec<String> = session.get("cart").ok().flatten().unwrap_or_default();
//!     let notes: Vec<_> = flashes.iter().map(|m| m.text.clone()).collect();
//!     format!("{notes:?} cart: {cart:?}")
//! }
//!
//! // In a binary: `#[launch] fn rocket() -> _ { … }` with the same body.
//! fn rocket() -> rocket::Rocket<rocket::Build> {
//!     // The fairing reads the `sealed` table of Rocket's configuration. In the debug profile
//!     // with no keys configured it uses one ephemeral key (and says so loudly). Without it,
//!     // launch fails with an error naming this line.
//!     rocket::build()
//!         .attach(Sealed::fairing())
//!         .mount("/", routes![add, index])
//! }
//!
//! # use rocket::local::blocking::Client;
//! let client = Client::tracked(rocket()).unwrap();
//! client.post("/cart/tea").dispatch();
//! assert_eq!(client.get("/").dispatch().into_string().unwrap(), r#"["Added tea"] cart: ["tea"]"#);
//! // A flash message is shown once.
//! assert_eq!(client.get("/").dispatch().into_string().unwrap(), r#"[] cart: ["tea"]"#);
//! ```
//!
//! ## Forms and CSRF
//!
//! `SameSite=Lax` cookies do not stop a request from a sibling subdomain, nor a `GET` that
//! changes something. Put a [`CsrfToken`] in each form (a hidden `csrf_token` field) or page
//! (a `<meta>` tag that scripts send back as the `X-CSRF-Token` header), and take the post
//! with [`CsrfForm<T>`](CsrfForm) in place of Rocket's `Form<T>`, or [`CsrfChecked`]: either
//! answers a missing or wrong token with a 403. The token is the session's, so
//! [`Session::renew`] on sign-in gives a new one. The example on [`CsrfToken`] is a whole
//! form; docs/security.md, "CSRF", says what it covers.
//!
//! ## Configuration
//!
//! In `Rocket.toml` (or `ROCKET_SEALED='{keys=[{id=1,key="…"}]}'`), every field optional:
//!
//! ```toml
//! [default.sealed]
//! keys = [{ id = 2, key = "base64url of 32 random bytes" }, { id = 1, key = "…" }]
//! chunk_size = 4000
//! max_chunks = 8
//! open_cache = 1024
//! no_store = true
//! [default.sealed.session]
//! cookie_name = "sealed_session"
//! idle_timeout_secs = 1200
//! refresh_share = 0.5
//! budget = 5120
//! [default.sealed.tempdata]
//! cookie_name = "sealed_tempdata"
//! budget = 2048
//! keep_on_redirect = true
//! [default.sealed.cookie]
//! path = "/"
//! same_site = "lax"
//! http_only = true
//! ```
//!
//! or in code with [`Sealed::custom`] and a [`Config`]. A key is 32 random bytes in base64url:
//! [`KeyConfig::generate`] makes one, as does `openssl rand -base64 32 | tr '+/' '-_' | tr -d =`
//! (or the crate's own tool: `cargo install rocket_sealed --features cli`, then
//! `rocket-sealed keys new`). The first key of the ring seals; every key opens, which is what
//! makes a rolling key rotation across a farm possible (see docs/operations.md, "Key rotation").
//!
//! ## How it is built
//!
//! A framework-free core — [`seal`] (the wire format), [`KeyRing`], [`chunk`], [`codec`]
//! (store ↔ cookies) and [`store`] (the Session and TempData state models) — and a thin Rocket
//! layer: the fairing ([`Sealed`]), the guards ([`Session`], [`TempData`], [`Flashes`]), the
//! [`Flash`] responder, and the CSRF guards on the session ([`CsrfToken`] for a page,
//! [`CsrfForm`] for a form's post, [`CsrfChecked`] for `fetch()`).
//!
//! ## Cargo features
//!
//! - `ring` (default): XChaCha20-Poly1305 composed from HChaCha20 (the `chacha20` crate) and
//!   `ring`'s ChaCha20-Poly1305, as draft-irtf-cfrg-xchacha constructs it; 2.4–4× faster per
//!   cookie than the pure-Rust crate in a build without `-C target-cpu`. Without it the
//!   `chacha20poly1305` crate is used. Both write and read the same bytes.
//! - `redis` (off): `registry::Registry`, a validator that keeps each user's current
//!   session in Redis, for sign-out that holds and one active session per user in a farm.
//! - `cli` (off): the `rocket-sealed` operator tool (`cargo install rocket_sealed --features
//!   cli`): `keys new`, `keys rotate`, `keys status`, and `inspect` for a pasted `Cookie` header.
//!
//! ## Bad input
//!
//! Any cookie bytes at all — tampered, truncated, sealed under an unknown key, for another
//! cookie, expired, garbage — give an empty store whose [`Status`] says why; the request goes
//! on, nothing panics, and the stale cookies are deleted when the response leaves.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod attrs;
pub mod chunk;
mod cipher;
mod clock;
pub mod codec;
mod config;
mod counters;
mod envelope;
mod error;
mod fairing;
mod figment_config;
mod flash;
mod guards;
mod keys;
mod keys_file;
mod open_cache;
mod random;
#[cfg(feature = "redis")]
pub mod registry;
mod registry_config;
mod request;
pub mod seal;
mod sealed;
pub mod store;
mod validator;

pub use cipher::KEY_LEN;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    BROWSER_COOKIE_LIMIT, Config, CookieConfig, SecureMode, SessionConfig, TempDataConfig,
};
pub use counters::{CounterSnapshot, Counters};
pub use error::{Error, Expiry, Malformed, Rejection};
pub use fairing::SealedFairing;
pub use flash::{Flash, Flashes};
pub use guards::{
    CSRF_FIELD, CSRF_HEADER, CsrfChecked, CsrfError, CsrfForm, CsrfFormError, CsrfToken,
    GuardError, NoFields, Session, TempData,
};
pub use keys::{KeyConfig, KeyFigures, KeyRing};
pub use registry_config::{OnUnavailable, RegistryConfig};
pub use sealed::Sealed;
pub use store::{FlashMessage, Level, SessionId, Status};
pub use validator::Validator;
