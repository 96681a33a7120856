//! The HTML every page shares: the layout, escaping, and the cart and draft summaries.

use std::sync::OnceLock;

use rocket::response::Redirect;
use rocket::response::content::RawHtml;
use rocket_sealed::{Flash, Flashes, Level, Session};

use crate::model::{Cart, Draft, SHIPPING, cart, user};

pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn money(cents: u32) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

const STYLE: &str = "body{font-family:sans-serif;max-width:52rem;margin:1rem auto;padding:0 1rem}\
nav a{margin-right:.8rem}form.inline{display:inline}\
.flash{padding:.3rem .6rem;margin:.2rem 0;list-style:none;border-radius:4px}\
.debug{background:#eee}.info{background:#def}.success{background:#dfd}\
.warning{background:#ffd}.error{background:#fdd}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}\
footer{margin-top:2rem;color:#777;font-size:.8rem}";

/// Every page: navigation, who is signed in, the flash messages, the body.
///
/// `flashes` is `None` on pages that must not consume TempData (`/status`, the lab's result);
/// their `#flashes` list stays empty and the messages wait for the next page.
pub fn page(
    title: &str,
    session: &Session<'_>,
    flashes: Option<&Flashes>,
    body: &str,
) -> RawHtml<String> {
    let messages: String = flashes
        .into_iter()
        .flatten()
        .map(|m| {
            format!(
                r#"<li class="flash {}">{}</li>"#,
                m.level.as_str(),
                esc(&m.text)
            )
        })
        .collect();
    let who = match user(session) {
        Some(name) => format!(
            r#"Signed in as <span id="user">{}</span>
<form class="inline" method="post" action="/logout"><button id="logout">Sign out</button></form>
<form class="inline" method="post" action="/logout-everywhere"><button id="logout-everywhere">Sign out everywhere</button></form>"#,
            esc(&name)
        ),
        None => r#"<span id="user"></span><a id="login-link" href="/login">Sign in</a>"#.into(),
    };
    let count = cart(session).lines.len();
    RawHtml(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · Sealed Shop</title><style>{STYLE}</style></head>
<body>
<header><nav id="nav"><a href="/">Home</a><a href="/products">Products</a><a href="/cart">Cart (<span id="cart-count">{count}</span>)</a><a href="/checkout/1">Checkout</a><a href="/status">Status</a><a href="/lab">Lab</a><a href="/metrics">Metrics</a><a href="/state.json">state.json</a></nav>
<div id="who">{who}</div></header>
<ul id="flashes">{messages}</ul>
<main><h1>{title}</h1>
{body}
</main>
<footer>Served by instance <span id="instance">{instance}</span></footer>
</body></html>
"#,
        title = esc(title),
        instance = esc(instance()),
    ))
}

/// A redirect with a message, for a handler that took [`Flashes`] and then decided not to
/// render a page. Nothing special is needed for the messages it took: it never looked at
/// them, so they stay pending (and a redirect would keep them even if it had), and they are
/// shown on the next page together with this one.
pub fn bounce(to: &'static str, _taken: Flashes, level: Level, text: &str) -> Flash<Redirect> {
    Flash::new(Redirect::to(to), level, text.to_owned())
}

pub fn draft_html(draft: &Draft) -> String {
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
    format!(
        r#"<div id="draft"><dl><dt>Address</dt><dd id="draft-address">{}</dd><dt>Shipping</dt><dd id="draft-shipping">{}</dd></dl></div>"#,
        esc(&draft.address),
        esc(shipping)
    )
}

pub fn cart_summary(cart: &Cart) -> String {
    format!(
        r#"<p id="cart-summary"><span id="cart-lines">{}</span> lines, total <span id="cart-total">{}</span></p>"#,
        cart.lines.len(),
        money(cart.cents())
    )
}

pub fn instance() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| std::env::var("SHOP_INSTANCE").unwrap_or_else(|_| "default".into()))
}
