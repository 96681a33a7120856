//! # shop — a small web store whose whole per-browser state lives in sealed cookies
//!
//! ```sh
//! cargo run --example shop          # then open http://127.0.0.1:8000
//! ```
//!
//! With no configuration it serves on Rocket's default address (127.0.0.1:8000) and, in the
//! debug profile, seals with one ephemeral key (with a warning). Keys and every other setting
//! come from the `sealed` table of `Rocket.toml` or from the environment, for example
//! `ROCKET_SEALED='{keys=[{id=1,key="…"}]}' ROCKET_PORT=8001`; instances that share the keys
//! share their users. `SHOP_INSTANCE=a` names an instance on every page and in `/state.json`.
//!
//! What it shows, page by page:
//!
//! - **Sign in / sign out** (`/login`, `/logout`): the session id is renewed on sign-in
//!   ([`Session::renew`]), and every form post but the lab's size demo answers with a
//!   redirect that carries a flash message ([`Flash`]), shown once by the next page
//!   ([`Flashes`]).
//! - **A cart in the session** (`/products`, `/cart`): each line carries a free-text gift note,
//!   so a cart soon outgrows one cookie and is split into chunk cookies (and the chunks are
//!   deleted again as it shrinks). Adding calls [`Session::commit`] to learn *now* whether the
//!   session still fits its budget, and turns [`Error::TooLarge`] into "Your cart is full".
//! - **A checkout wizard in TempData** (`/checkout/1..3`): the draft order rides from step to
//!   step in TempData; steps show it with `peek` (a reload still works) and the last step reads
//!   it with `get` and removes it.
//! - **One active session per user, and sign-out that holds** (a [`Validator`]): signing in
//!   elsewhere ends the older session, `/logout` ends this one (copies of its cookie
//!   included), and `/logout-everywhere` ends them all. This needs server-side memory, which
//!   a cookie store alone cannot give: with `REDIS_URL` set (and `--features redis`) it is
//!   Redis, shared by a farm; otherwise a map in this process. `/registry.json` says which.
//! - **Looking inside** (`/status`, `/metrics`, `/state.json`): the session's status, id,
//!   entries and sizes, the cookies the browser sent, and the crate's counters — all without
//!   consuming any TempData.
//! - **A lab** (`/lab`): fills both stores to the largest size their budgets allow, to check
//!   that a proxy in front of the app accepts the biggest `Cookie` header the defaults produce;
//!   and leaves a message with Rocket's own `rocket::response::Flash`, which [`Flashes`] shows
//!   like its own.
//!
//! There is no JavaScript: plain forms. The cookies are `SameSite=Lax`, which keeps other sites
//! from posting these forms with the user's cookies; a page on the same site (another port,
//! a sibling subdomain) is not kept out by that. Emptying the cart and the sign-out buttons
//! carry the session's CSRF token and are taken with `CsrfForm` (`CsrfForm<NoFields>` for the
//! buttons, which are the token alone); the other forms keep Rocket's plain `Form` so that the
//! tour's curl and load tests can post them bare. A real shop would check them all.
//!
//! The pages are Tera templates (`rocket_dyn_templates`) in `templates/`: `layout.html.tera`
//! shows the flash messages, taken as a template for Rocket's own flash would take them
//! (`kind`, `message`), and each page extends it. The code, one concept per file: `model.rs`
//! (the catalogue, the cart, the checkout draft), `accounts.rs` (one session per user),
//! `pages.rs` (the layout's context), and one file of routes per part of the tour above
//! (`home.rs`, `cart.rs`, `checkout.rs`, `status.rs`, `lab.rs`).
//!
//! [`Session::renew`]: rocket_sealed::Session::renew
//! [`Session::commit`]: rocket_sealed::Session::commit
//! [`Flash`]: rocket_sealed::Flash
//! [`Flashes`]: rocket_sealed::Flashes
//! [`Error::TooLarge`]: rocket_sealed::Error::TooLarge
//! [`Validator`]: rocket_sealed::Validator

mod accounts;
mod cart;
mod checkout;
mod home;
mod lab;
mod model;
mod pages;
mod status;

use rocket::launch;
use rocket_dyn_templates::Template;
use rocket_sealed::Sealed;

use crate::accounts::{Accounts, OneSessionPerUser};

#[launch]
fn rocket() -> _ {
    // The templates beside this file, wherever the shop is started from; a `template_dir` in
    // `Rocket.toml` or `ROCKET_TEMPLATE_DIR` still wins.
    let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop/templates");
    let rocket = rocket::custom(rocket::Config::figment().join(("template_dir", templates)));
    let accounts = Accounts::from_figment(rocket.figment());
    // `SHOP_NO_VALIDATOR=1` leaves the check out: the baseline of scripts/bench_signout.sh.
    let fairing = match std::env::var("SHOP_NO_VALIDATOR").as_deref() {
        Ok("1") => Sealed::fairing(),
        _ => Sealed::fairing().with_validator(OneSessionPerUser(accounts.clone())),
    };
    rocket
        .attach(fairing)
        .attach(Template::fairing())
        .manage(accounts)
        .mount("/", home::routes())
        .mount("/", cart::routes())
        .mount("/", checkout::routes())
        .mount("/", status::routes())
        .mount("/", lab::routes())
}
