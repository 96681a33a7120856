//! What every page shares: the layout's context (who is signed in, the cart's size, the flash
//! messages), money, and the cart and draft summaries the templates show.

use std::sync::OnceLock;

use rocket::response::Redirect;
use rocket_dyn_templates::Template;
use rocket_sealed::{Flash, Flashes, Level, Session};
use serde::Serialize;

use crate::model::{Cart, Draft, SHIPPING, cart, user};

pub fn money(cents: u32) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

/// The layout's context (`templates/layout.html.tera`) around a page's own.
#[derive(Serialize)]
struct Page<'a, T> {
    title: &'a str,
    user: Option<String>,
    /// For the sign-out buttons, shown only to a signed-in user (whose secret was drawn at
    /// sign-in, so showing it writes nothing).
    sign_out_token: Option<String>,
    cart_count: usize,
    instance: &'static str,
    /// Rendering them shows them: the template takes them as Rocket's `FlashMessage`s.
    flashes: Option<&'a Flashes>,
    #[serde(flatten)]
    page: T,
}

/// Renders `template` in the layout: navigation, who is signed in, the flash messages, and
/// `page`'s own context.
///
/// `flashes` is `None` on pages that must not consume TempData (`/status`, the lab's result);
/// their `#flashes` list stays empty and the messages wait for the next page.
pub fn render(
    template: &'static str,
    title: &str,
    session: &Session<'_>,
    flashes: Option<&Flashes>,
    page: impl Serialize,
) -> Template {
    let user = user(session);
    Template::render(
        template,
        Page {
            title,
            sign_out_token: user.as_ref().map(|_| session.csrf_token()),
            user,
            cart_count: cart(session).lines.len(),
            instance: instance(),
            flashes,
            page,
        },
    )
}

/// A redirect with a message, for a handler that took [`Flashes`] and then decided not to
/// render a page. Nothing special is needed for the messages it took: it never looked at
/// them, so they stay pending (and a redirect would keep them even if it had), and they are
/// shown on the next page together with this one.
pub fn bounce(to: &'static str, _taken: Flashes, level: Level, text: &str) -> Flash<Redirect> {
    Flash::new(Redirect::to(to), level, text.to_owned())
}

/// The checkout draft as `templates/macros.html.tera` shows it.
#[derive(Serialize)]
pub struct DraftView<'a> {
    address: &'a str,
    shipping: &'a str,
}

pub fn draft_view(draft: &Draft) -> DraftView<'_> {
    let shipping = draft
        .shipping
        .as_deref()
        .map(|s| {
            SHIPPING
                .iter()
                .find(|(k, _)| *k == s)
                .map_or(s, |(_, label)| label)
        })
        .unwrap_or("not chosen yet");
    DraftView {
        address: &draft.address,
        shipping,
    }
}

/// The cart's size and total, for the summary line.
#[derive(Serialize)]
pub struct CartSummary {
    lines: usize,
    total: String,
}

pub fn cart_summary(cart: &Cart) -> CartSummary {
    CartSummary {
        lines: cart.lines.len(),
        total: money(cart.cents()),
    }
}

pub fn instance() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| std::env::var("SHOP_INSTANCE").unwrap_or_else(|_| "default".into()))
}
