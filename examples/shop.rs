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
//! - **One active session per user** (a [`Validator`]): signing in elsewhere ends the older
//!   session, and `/logout-everywhere` ends them all. This needs server-side memory, which a
//!   cookie store alone cannot give; the hook is where that check goes.
//! - **Looking inside** (`/status`, `/metrics`, `/state.json`): the session's status, id,
//!   entries and sizes, the cookies the browser sent, and the crate's counters — all without
//!   consuming any TempData.
//! - **A lab** (`/lab`): fills both stores to the largest size their budgets allow, to check
//!   that a proxy in front of the app accepts the biggest `Cookie` header the defaults produce.
//!
//! There is no JavaScript: plain forms. The cookies are `SameSite=Lax`, which keeps other sites
//! from posting these forms with the user's cookies; a real shop would add CSRF tokens too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rocket::Either::{self, Left, Right};
use rocket::form::Form;
use rocket::http::{ContentType, CookieJar};
use rocket::response::Redirect;
use rocket::response::content::RawHtml;
use rocket::{FromForm, Request, State, get, launch, post, routes};
use serde::{Deserialize, Serialize};

use rocket_sealed::chunk::{chunk_index, header_len};
use rocket_sealed::store::{FLASH_KEY, FlashMessage, SessionState};
use rocket_sealed::{
    Error, Flash, Flashes, Level, Sealed, Session, SessionId, TempData, Validator,
};

// ---------------------------------------------------------------------------------------------
// The catalogue, the cart and the checkout draft
// ---------------------------------------------------------------------------------------------

struct Product {
    id: u32,
    name: &'static str,
    cents: u32,
}

const fn product_entry(id: u32, name: &'static str, cents: u32) -> Product {
    Product { id, name, cents }
}

const PRODUCTS: [Product; 10] = [
    product_entry(1, "Earl Grey tea", 650),
    product_entry(2, "Sencha green tea", 890),
    product_entry(3, "Porcelain teapot", 3200),
    product_entry(4, "Cast-iron kettle", 5400),
    product_entry(5, "Bamboo whisk", 1500),
    product_entry(6, "Honey jar", 720),
    product_entry(7, "Shortbread tin", 990),
    product_entry(8, "Linen tea towel", 1250),
    product_entry(9, "Tea strainer", 480),
    product_entry(10, "Gift box", 300),
];

fn product(id: u32) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.id == id)
}

/// The cart, stored in the session under `"cart"` as postcard bytes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Cart {
    items: Vec<Item>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Item {
    product: u32,
    qty: u32,
    note: String,
}

impl Cart {
    fn cents(&self) -> u32 {
        self.items
            .iter()
            .map(|i| product(i.product).map_or(0, |p| p.cents) * i.qty)
            .sum()
    }
}

/// The checkout wizard's draft, carried in TempData under `"draft"` from step to step.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Draft {
    address: String,
    shipping: Option<String>,
}

const SHIPPING: [(&str, &str); 3] = [
    ("standard", "Standard (3–5 days)"),
    ("express", "Express (next day)"),
    ("pickup", "Pick up in store"),
];

fn user(session: &Session<'_>) -> Option<String> {
    session.get("user").ok().flatten()
}

fn cart(session: &Session<'_>) -> Cart {
    session.get("cart").ok().flatten().unwrap_or_default()
}

fn instance() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| std::env::var("SHOP_INSTANCE").unwrap_or_else(|_| "default".into()))
}

// ---------------------------------------------------------------------------------------------
// One active session per user: the validation hook
// ---------------------------------------------------------------------------------------------

/// user → the id of their current session, or `None` after "sign out everywhere".
///
/// This map lives in this process only. In a farm it must be shared by every instance — a
/// database or a cache — because the whole point is server-side memory that a cookie cannot
/// carry: the cookie of an older sign-in is still perfectly valid cryptographically. A user
/// this instance has never seen is accepted, so a restart (or an instance that missed the
/// sign-in) does not sign anybody out.
#[derive(Clone, Default)]
struct Accounts(Arc<Mutex<HashMap<String, Option<SessionId>>>>);

impl Accounts {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<SessionId>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn signed_in(&self, user: &str, id: SessionId) {
        self.lock().insert(user.to_owned(), Some(id));
    }

    fn sign_out_everywhere(&self, user: &str) {
        self.lock().insert(user.to_owned(), None);
    }

    fn allows(&self, user: &str, id: SessionId) -> bool {
        match self.lock().get(user) {
            None => true,
            Some(current) => *current == Some(id),
        }
    }
}

/// The hook: a loaded session whose user has signed in since (elsewhere), or signed out
/// everywhere, is refused; the guard then hands out a fresh session with status "revoked".
struct OneSessionPerUser(Accounts);

#[rocket::async_trait]
impl Validator for OneSessionPerUser {
    async fn validate(&self, session: &SessionState, _request: &Request<'_>) -> bool {
        match session.get::<String>("user") {
            Ok(Some(user)) => self.0.allows(&user, session.id()),
            _ => true,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

fn esc(text: &str) -> String {
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

fn money(cents: u32) -> String {
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
fn page(
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
    let count = cart(session).items.len();
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
fn bounce(to: &'static str, _taken: Flashes, level: Level, text: &str) -> Flash<Redirect> {
    Flash::new(Redirect::to(to), level, text.to_owned())
}

fn draft_html(draft: &Draft) -> String {
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

fn cart_summary(cart: &Cart) -> String {
    format!(
        r#"<p id="cart-summary"><span id="cart-lines">{}</span> lines, total <span id="cart-total">{}</span></p>"#,
        cart.items.len(),
        money(cart.cents())
    )
}

// ---------------------------------------------------------------------------------------------
// Home, sign in, sign out
// ---------------------------------------------------------------------------------------------

#[get("/")]
fn home(session: Session<'_>, flashes: Flashes) -> RawHtml<String> {
    let greeting = match user(&session) {
        Some(name) => format!("<p>Welcome back, {}.</p>", esc(&name)),
        None => r#"<p>Browse as a guest, or <a href="/login">sign in</a>.</p>"#.into(),
    };
    let body = format!(
        r#"{greeting}
<p>Everything this shop remembers about you — who you are, your cart, your checkout draft,
the messages above — travels in encrypted cookies. No server keeps it.</p>
{summary}
<ul id="tour">
<li><a href="/products">Fill a cart</a> (gift notes make it grow past one cookie)</li>
<li><a href="/checkout/1">Check out</a> in three steps (the draft rides in TempData)</li>
<li><a href="/status">See the session and cookies</a></li>
<li><a href="/lab">Lab</a>: fill both stores to their budgets</li>
</ul>"#,
        summary = cart_summary(&cart(&session)),
    );
    page("Sealed Shop", &session, Some(&flashes), &body)
}

#[derive(FromForm)]
struct LoginForm {
    name: String,
}

#[get("/login")]
fn login_form(session: Session<'_>, flashes: Flashes) -> RawHtml<String> {
    let body = r#"<form id="login-form" method="post" action="/login">
<label>Your name <input id="name" name="name" maxlength="40" required autofocus></label>
<button id="login-button">Sign in</button></form>
<p>No password: this is a demo of the session, not of authentication.</p>"#;
    page("Sign in", &session, Some(&flashes), body)
}

#[post("/login", data = "<form>")]
fn login(
    form: Form<LoginForm>,
    session: Session<'_>,
    accounts: &State<Accounts>,
) -> Flash<Redirect> {
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Flash::error(
            Redirect::to("/login"),
            "Please enter a name of 1 to 40 characters",
        );
    }
    // A new id on every sign-in: an id seen before (say, by someone on a shared computer) is
    // worth nothing afterwards. The cart survives the renewal.
    session.renew();
    if let Err(e) = session.set("user", name) {
        return Flash::error(
            Redirect::to("/login"),
            format!("Could not sign you in: {e}"),
        );
    }
    // Remember which session is this user's current one; older ones are refused from now on.
    accounts.signed_in(name, session.id());
    Flash::success(Redirect::to("/"), format!("Welcome, {name}!"))
}

#[post("/logout")]
fn logout(session: Session<'_>) -> Flash<Redirect> {
    // An empty session stores nothing: its cookies are deleted in this response. That is all
    // a cookie store can do: a copy of the cookie taken earlier stays valid until it expires.
    // `/logout-everywhere` revokes such copies too, through the validation hook.
    session.clear();
    Flash::info(Redirect::to("/"), "You are signed out")
}

#[post("/logout-everywhere")]
fn logout_everywhere(session: Session<'_>, accounts: &State<Accounts>) -> Flash<Redirect> {
    let Some(name) = user(&session) else {
        return Flash::warning(Redirect::to("/"), "You are not signed in");
    };
    accounts.sign_out_everywhere(&name);
    session.clear();
    Flash::info(Redirect::to("/"), "You are signed out on every device")
}

// ---------------------------------------------------------------------------------------------
// Products and the cart
// ---------------------------------------------------------------------------------------------

#[get("/products")]
fn products(session: Session<'_>, flashes: Flashes) -> RawHtml<String> {
    let list: String = PRODUCTS
        .iter()
        .map(|p| {
            format!(
                r#"<li class="product" id="product-{id}"><span class="name">{name}</span> <span class="price">{price}</span>
<form class="add" method="post" action="/cart/add"><input type="hidden" name="product" value="{id}">
<input name="qty" type="number" value="1" min="1" max="99"> <input name="note" placeholder="gift note (optional)" size="30">
<button class="add-button">Add to cart</button></form></li>
"#,
                id = p.id,
                name = esc(p.name),
                price = money(p.cents),
            )
        })
        .collect();
    let body = format!(r#"<ul id="products">{list}</ul>"#);
    page("Products", &session, Some(&flashes), &body)
}

#[derive(FromForm)]
struct AddForm {
    product: u32,
    qty: Option<u32>,
    note: Option<String>,
}

#[post("/cart/add", data = "<form>")]
fn cart_add(form: Form<AddForm>, session: Session<'_>) -> Flash<Redirect> {
    let Some(p) = product(form.product) else {
        return Flash::error(Redirect::to("/products"), "There is no such product");
    };
    let qty = form.qty.unwrap_or(1);
    if !(1..=99).contains(&qty) {
        return Flash::error(
            Redirect::to("/products"),
            "Quantity must be between 1 and 99",
        );
    }
    let item = Item {
        product: p.id,
        qty,
        note: form.note.clone().unwrap_or_default(),
    };
    if let Err(e) = session.update::<Cart>("cart", |cart| cart.items.push(item)) {
        return Flash::error(
            Redirect::to("/cart"),
            format!("Your cart could not be read: {e}"),
        );
    }
    // Ask now whether the session still fits its budget. Without this the fairing would find
    // out when the response leaves, log it, and keep the old cookie — and the user would see a
    // success message for an item that silently vanished.
    match session.commit() {
        Ok(_) => Flash::success(
            Redirect::to("/products"),
            format!("Added {qty} × {} to your cart", p.name),
        ),
        Err(Error::TooLarge { .. }) => {
            // Undo the addition; an emptied cart goes away altogether, as it was before.
            let _ = session.update::<Cart>("cart", |cart| {
                cart.items.pop();
            });
            if cart(&session).items.is_empty() {
                session.remove("cart");
            }
            Flash::error(
                Redirect::to("/cart"),
                "Your cart is full: remove something (or shorten the notes) before adding more",
            )
        }
        Err(e) => Flash::error(
            Redirect::to("/cart"),
            format!("Your cart could not be saved: {e}"),
        ),
    }
}

#[get("/cart")]
fn cart_page(session: Session<'_>, flashes: Flashes) -> RawHtml<String> {
    let cart = cart(&session);
    let rows: String = cart
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let p = product(item.product);
            format!(
                r#"<tr class="item" id="item-{i}"><td class="index">{i}</td><td class="product">{name}</td><td class="qty">{qty}</td><td class="note">{note}</td><td class="price">{price}</td>
<td><form class="remove" method="post" action="/cart/remove/{i}"><button class="remove-button">Remove</button></form></td></tr>
"#,
                name = esc(p.map_or("(discontinued)", |p| p.name)),
                qty = item.qty,
                note = esc(&item.note),
                price = money(p.map_or(0, |p| p.cents) * item.qty),
            )
        })
        .collect();
    let empty = if cart.items.is_empty() {
        r#"<p id="cart-empty">Your cart is empty. <a href="/products">Browse the products</a>.</p>"#
    } else {
        ""
    };
    let body = format!(
        r#"{empty}<table id="cart"><thead><tr><th>#</th><th>Product</th><th>Qty</th><th>Gift note</th><th>Price</th><th></th></tr></thead>
<tbody>{rows}</tbody></table>
{summary}
<form id="clear-cart" method="post" action="/cart/clear"><button id="clear-button">Empty the cart</button></form>
<p><a id="checkout-link" href="/checkout/1">Check out</a></p>"#,
        summary = cart_summary(&cart),
    );
    page("Your cart", &session, Some(&flashes), &body)
}

#[post("/cart/remove/<index>")]
fn cart_remove(index: usize, session: Session<'_>) -> Flash<Redirect> {
    let mut removed = None;
    let updated = session.update::<Cart>("cart", |cart| {
        removed = (index < cart.items.len()).then(|| cart.items.remove(index));
    });
    let removed = updated.map(|()| removed);
    let flash = match removed {
        Ok(Some(item)) => {
            let name = product(item.product).map_or("an item", |p| p.name);
            Flash::info(
                Redirect::to("/cart"),
                format!("Removed {name} from your cart"),
            )
        }
        Ok(None) => Flash::warning(
            Redirect::to("/cart"),
            format!("There is no line {index} in your cart"),
        ),
        Err(e) => Flash::error(
            Redirect::to("/cart"),
            format!("Your cart could not be read: {e}"),
        ),
    };
    // An empty cart is not worth a cookie: drop the key, and if nothing else is left the
    // session's cookies (every chunk) are deleted in this response.
    if cart(&session).items.is_empty() {
        session.remove("cart");
    }
    flash
}

#[post("/cart/clear")]
fn cart_clear(session: Session<'_>) -> Flash<Redirect> {
    session.remove("cart");
    Flash::info(Redirect::to("/cart"), "Your cart is empty")
}

// ---------------------------------------------------------------------------------------------
// The checkout wizard: the draft lives in TempData
// ---------------------------------------------------------------------------------------------

const NO_DRAFT: &str = "Your checkout has not started or has expired: please enter your address";

#[derive(FromForm)]
struct AddressForm {
    address: String,
}

#[derive(FromForm)]
struct ShippingForm {
    shipping: String,
}

#[get("/checkout/1")]
fn checkout_1(session: Session<'_>, temp: TempData<'_>, flashes: Flashes) -> RawHtml<String> {
    // `peek`: looking does not consume, so going back a step keeps the draft.
    let draft: Draft = temp.peek("draft").ok().flatten().unwrap_or_default();
    let body = format!(
        r#"<p>Step 1 of 3: where should it go?</p>
{summary}
<form id="address-form" method="post" action="/checkout/1">
<label>Address<br><textarea id="address" name="address" rows="3" cols="40" required>{address}</textarea></label><br>
<button id="next-1">Next</button></form>"#,
        summary = cart_summary(&cart(&session)),
        address = esc(&draft.address),
    );
    page("Checkout: address", &session, Some(&flashes), &body)
}

#[post("/checkout/1", data = "<form>")]
fn checkout_1_post(form: Form<AddressForm>, temp: TempData<'_>) -> Flash<Redirect> {
    let address = form.address.trim();
    if address.is_empty() {
        return Flash::error(Redirect::to("/checkout/1"), "Please enter an address");
    }
    let draft = Draft {
        address: address.to_owned(),
        shipping: None,
    };
    if let Err(e) = temp.set("draft", &draft) {
        return Flash::error(
            Redirect::to("/checkout/1"),
            format!("Could not save the draft: {e}"),
        );
    }
    // TempData has a budget too; a pasted novel does not fit.
    if let Err(Error::TooLarge { .. }) = temp.commit() {
        temp.remove("draft");
        return Flash::error(Redirect::to("/checkout/1"), "That address is too long");
    }
    Flash::info(Redirect::to("/checkout/2"), "Address saved")
}

#[get("/checkout/2")]
fn checkout_2(
    session: Session<'_>,
    temp: TempData<'_>,
    flashes: Flashes,
) -> Either<RawHtml<String>, Flash<Redirect>> {
    let Some(draft) = temp.peek::<Draft>("draft").ok().flatten() else {
        return Right(bounce("/checkout/1", flashes, Level::Warning, NO_DRAFT));
    };
    let options: String = SHIPPING
        .iter()
        .map(|(value, label)| {
            let checked = if draft.shipping.as_deref().unwrap_or("standard") == *value { " checked" } else { "" };
            format!(r#"<label><input type="radio" name="shipping" value="{value}" id="shipping-{value}"{checked}> {label}</label><br>"#)
        })
        .collect();
    let body = format!(
        r#"<p>Step 2 of 3: how should it travel?</p>
{draft}
<form id="shipping-form" method="post" action="/checkout/2">{options}
<button id="next-2">Next</button></form>
<p><a href="/checkout/1">Back</a></p>"#,
        draft = draft_html(&draft),
    );
    Left(page("Checkout: shipping", &session, Some(&flashes), &body))
}

#[post("/checkout/2", data = "<form>")]
fn checkout_2_post(form: Form<ShippingForm>, temp: TempData<'_>) -> Flash<Redirect> {
    if !SHIPPING.iter().any(|(value, _)| *value == form.shipping) {
        return Flash::error(
            Redirect::to("/checkout/2"),
            "Please choose a shipping method",
        );
    }
    // `get` then `set`: the updated draft is a new entry and survives to the next step.
    let Some(mut draft) = temp.get::<Draft>("draft").ok().flatten() else {
        return Flash::warning(Redirect::to("/checkout/1"), NO_DRAFT);
    };
    draft.shipping = Some(form.shipping.clone());
    if let Err(e) = temp.set("draft", &draft) {
        return Flash::error(
            Redirect::to("/checkout/2"),
            format!("Could not save the draft: {e}"),
        );
    }
    Flash::info(Redirect::to("/checkout/3"), "Shipping method saved")
}

#[get("/checkout/3")]
fn checkout_3(
    session: Session<'_>,
    temp: TempData<'_>,
    flashes: Flashes,
) -> Either<RawHtml<String>, Flash<Redirect>> {
    let Some(draft) = temp.peek::<Draft>("draft").ok().flatten() else {
        return Right(bounce("/checkout/1", flashes, Level::Warning, NO_DRAFT));
    };
    if draft.shipping.is_none() {
        return Right(bounce(
            "/checkout/2",
            flashes,
            Level::Warning,
            "Please choose a shipping method",
        ));
    }
    let body = format!(
        r#"<p>Step 3 of 3: all correct?</p>
{draft}
{summary}
<form id="confirm-form" method="post" action="/checkout/3"><button id="place-order">Place order</button></form>
<p><a href="/checkout/2">Back</a></p>"#,
        draft = draft_html(&draft),
        summary = cart_summary(&cart(&session)),
    );
    Left(page("Checkout: review", &session, Some(&flashes), &body))
}

#[post("/checkout/3")]
fn checkout_3_post(session: Session<'_>, temp: TempData<'_>) -> Flash<Redirect> {
    if cart(&session).items.is_empty() {
        return Flash::warning(Redirect::to("/products"), "Your cart is empty");
    }
    let Some(draft) = temp.get::<Draft>("draft").ok().flatten() else {
        return Flash::warning(Redirect::to("/checkout/1"), NO_DRAFT);
    };
    if draft.shipping.is_none() {
        return Flash::warning(
            Redirect::to("/checkout/2"),
            "Please choose a shipping method",
        );
    }
    // `get` marks the draft as read, but this response is a redirect, and read entries survive
    // a redirect (ASP.NET Core's rule, `keep_on_redirect`). The order is done: remove it.
    temp.remove("draft");
    session.remove("cart");
    Flash::success(Redirect::to("/"), "Order placed")
}

// ---------------------------------------------------------------------------------------------
// Looking inside: /status, /metrics, /state.json
// ---------------------------------------------------------------------------------------------

fn size_or_unknown(len: Option<usize>) -> String {
    len.map_or_else(|| "?".into(), |n| n.to_string())
}

/// Bytes a store needs in the `Cookie` header (0 when it stores nothing).
fn session_bytes(session: &Session<'_>) -> String {
    match session.is_empty() {
        true => "0".into(),
        false => session
            .commit()
            .map_or_else(|e| e.to_string(), |n| n.to_string()),
    }
}

fn tempdata_bytes(temp: &TempData<'_>) -> String {
    match temp.is_empty() {
        true => "0".into(),
        false => temp
            .commit()
            .map_or_else(|e| e.to_string(), |n| n.to_string()),
    }
}

#[get("/status")]
fn status(
    session: Session<'_>,
    temp: TempData<'_>,
    jar: &CookieJar<'_>,
    sealed: &State<Sealed>,
) -> RawHtml<String> {
    let config = sealed.config();
    let (issued, refreshed) = session.timestamps();
    let entries: String = session
        .keys()
        .iter()
        .map(|k| {
            format!(
                r#"<tr class="entry" data-key="{k}"><td class="key">{k}</td><td class="bytes">{}</td></tr>"#,
                size_or_unknown(session.entry_len(k)),
                k = esc(k)
            )
        })
        .collect();
    // Only `keys`, `entry_len` and `peek`: looking must not consume anything.
    let temp_keys = temp.keys();
    let temp_entries: String = temp_keys
        .iter()
        .map(|k| {
            format!(
                r#"<tr class="entry" data-key="{k}"><td class="key">{k}</td><td class="bytes">{}</td></tr>"#,
                size_or_unknown(temp.entry_len(k)),
                k = esc(k)
            )
        })
        .collect();
    let pending: String = temp
        .peek::<Vec<FlashMessage>>(FLASH_KEY)
        .ok()
        .flatten()
        .unwrap_or_default()
        .iter()
        .map(|m| {
            format!(
                r#"<li class="pending {}">{}</li>"#,
                m.level.as_str(),
                esc(&m.text)
            )
        })
        .collect();
    let ours = |name: &str| {
        [&config.session.cookie_name, &config.tempdata.cookie_name]
            .iter()
            .any(|store| name == store.as_str() || chunk_index(store, name).is_some())
    };
    let mut sent: Vec<(String, usize)> = jar
        .iter()
        .filter(|c| ours(c.name()))
        .map(|c| (c.name().to_owned(), c.name().len() + 1 + c.value().len()))
        .collect();
    sent.sort();
    let cookie_rows: String = sent
        .iter()
        .map(|(name, len)| {
            format!(
                r#"<tr class="cookie" data-name="{n}"><td class="name">{n}</td><td class="bytes">{len}</td></tr>"#,
                n = esc(name)
            )
        })
        .collect();
    let header = header_len(jar.iter().map(|c| (c.name(), c.value())));
    let counters: String = counter_lines(sealed)
        .iter()
        .map(|(name, value)| {
            format!(r#"<tr class="counter" data-name="{name}"><td class="name">{name}</td><td class="value">{value}</td></tr>"#)
        })
        .collect();
    let body = format!(
        r#"<h2>Session</h2>
<p>Status <span id="session-status">{s_status}</span>, id <span id="session-id">{s_id}</span>,
issued <span id="session-issued">{issued}</span>, sealed <span id="session-refreshed">{refreshed}</span> (unix seconds).</p>
<p>Needs <span id="session-bytes">{s_bytes}</span> of <span id="session-budget">{s_budget}</span> bytes.</p>
<table id="session-entries"><tr><th>entry</th><th>bytes</th></tr>{entries}</table>
<h2>TempData</h2>
<p>Status <span id="tempdata-status">{t_status}</span>, keys <span id="tempdata-keys">{t_keys}</span>.
Needs <span id="tempdata-bytes">{t_bytes}</span> of <span id="tempdata-budget">{t_budget}</span> bytes.</p>
<table id="tempdata-entries"><tr><th>entry</th><th>bytes</th></tr>{temp_entries}</table>
<p>Flash messages waiting for the next page:</p><ul id="pending-flashes">{pending}</ul>
<h2>Cookies your browser sent</h2>
<table id="cookies"><tr><th>cookie</th><th>bytes (name=value)</th></tr>{cookie_rows}</table>
<p>The whole <code>Cookie</code> header: <span id="cookie-header-bytes">{header}</span> bytes.</p>
<h2>Counters (this instance)</h2>
<table id="counters">{counters}</table>"#,
        s_status = esc(&session.status().to_string()),
        s_id = session.id(),
        s_bytes = session_bytes(&session),
        s_budget = config.session.budget,
        t_status = esc(&temp.status().to_string()),
        t_keys = esc(&temp_keys.join(",")),
        t_bytes = tempdata_bytes(&temp),
        t_budget = config.tempdata.budget,
    );
    page("Status", &session, None, &body)
}

/// The counters as (`rocket_sealed_<name>`, value) pairs, in name order.
fn counter_lines(sealed: &Sealed) -> Vec<(String, u64)> {
    let snapshot = sealed.counters().snapshot();
    let mut lines: Vec<(String, u64)> = match serde_json::to_value(snapshot) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| Some((format!("rocket_sealed_{k}"), v.as_u64()?)))
            .collect(),
        _ => Vec::new(),
    };
    lines.push(("rocket_sealed_rejected".into(), snapshot.rejected()));
    lines.sort();
    lines
}

#[get("/metrics")]
fn metrics(sealed: &State<Sealed>) -> (ContentType, String) {
    let text: String = counter_lines(sealed)
        .iter()
        .map(|(name, value)| format!("{name} {value}\n"))
        .collect();
    (ContentType::Plain, text)
}

#[get("/state.json")]
fn state_json(session: Session<'_>, temp: TempData<'_>) -> (ContentType, String) {
    let value = serde_json::json!({
        "instance": instance(),
        "user": user(&session),
        "cart_count": cart(&session).items.len(),
        "session_id": session.id().to_string(),
        "session_status": session.status().to_string(),
        "session_keys": session.keys(),
        "tempdata_status": temp.status().to_string(),
        "tempdata_keys": temp.keys(),
    });
    (ContentType::JSON, value.to_string())
}

// ---------------------------------------------------------------------------------------------
// The lab
// ---------------------------------------------------------------------------------------------

#[get("/lab")]
fn lab(
    session: Session<'_>,
    temp: TempData<'_>,
    flashes: Flashes,
    sealed: &State<Sealed>,
) -> RawHtml<String> {
    let config = sealed.config();
    let body = format!(
        r#"<p>The session needs <span id="session-bytes">{}</span> of {} bytes; TempData {} of {}.</p>
<form id="fill-form" method="post" action="/lab/fill"><select name="which" id="which">
<option value="both">session and TempData</option><option value="session">session</option><option value="tempdata">TempData</option></select>
<button id="fill-button">Fill to the budget</button></form>
<form id="lab-flash" method="post" action="/lab/flash"><button id="flash-button">One flash message of each level</button></form>
<form id="lab-clear" method="post" action="/lab/clear"><button id="clear-ballast">Remove the ballast</button></form>"#,
        session_bytes(&session),
        config.session.budget,
        tempdata_bytes(&temp),
        config.tempdata.budget,
    );
    page("Lab", &session, Some(&flashes), &body)
}

#[derive(FromForm)]
struct FillForm {
    which: Option<String>,
}

/// The largest `n` in `0..limit` for which `fits(n)` holds (`fits` is monotone), or `None`.
fn largest_fit(limit: usize, mut fits: impl FnMut(usize) -> bool) -> Option<usize> {
    if !fits(0) {
        return None;
    }
    let (mut lo, mut hi) = (0, limit);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

#[post("/lab/fill", data = "<form>")]
fn lab_fill(
    form: Form<FillForm>,
    session: Session<'_>,
    temp: TempData<'_>,
    sealed: &State<Sealed>,
) -> RawHtml<String> {
    let which = form.which.as_deref().unwrap_or("both");
    fill(which, session, temp, sealed)
}

/// `POST /lab/fill` without a form body fills both stores.
#[post("/lab/fill", rank = 2)]
fn lab_fill_both(
    session: Session<'_>,
    temp: TempData<'_>,
    sealed: &State<Sealed>,
) -> RawHtml<String> {
    fill("both", session, temp, sealed)
}

/// Pads `"ballast"` in the chosen stores as far as their budgets allow, found by binary search
/// with `commit()`, which sizes the sealed cookies without writing anything. The page is the
/// answer itself (no redirect), because a flash message would no longer fit in a full TempData.
fn fill(
    which: &str,
    session: Session<'_>,
    temp: TempData<'_>,
    sealed: &State<Sealed>,
) -> RawHtml<String> {
    let config = sealed.config();
    let both = !matches!(which, "session" | "tempdata");
    let mut session_pad = None;
    let mut temp_pad = None;
    if both || which == "session" {
        session.remove("ballast");
        session_pad = largest_fit(config.session.budget, |n| {
            session.set("ballast", &"x".repeat(n)).is_ok() && session.commit().is_ok()
        });
        match session_pad {
            Some(n) => drop(session.set("ballast", &"x".repeat(n))),
            None => drop(session.remove("ballast")),
        }
    }
    if both || which == "tempdata" {
        temp.remove("ballast");
        temp_pad = largest_fit(config.tempdata.budget, |n| {
            temp.set("ballast", &"x".repeat(n)).is_ok() && temp.commit().is_ok()
        });
        match temp_pad {
            Some(n) => drop(temp.set("ballast", &"x".repeat(n))),
            None => drop(temp.remove("ballast")),
        }
    }
    let pad = |p: Option<usize>| p.map_or_else(|| "none".into(), |n| n.to_string());
    let body = format!(
        r#"<p>Ballast: session <span id="session-ballast">{}</span> bytes, TempData <span id="tempdata-ballast">{}</span> bytes.</p>
<p>The session needs <span id="session-bytes">{}</span> of <span id="session-budget">{}</span> bytes;
TempData <span id="tempdata-bytes">{}</span> of <span id="tempdata-budget">{}</span>.</p>
<p>Pending flash messages wait in TempData for the next page. <a href="/status">Status</a> · <a href="/lab">Lab</a></p>"#,
        pad(session_pad),
        pad(temp_pad),
        session_bytes(&session),
        config.session.budget,
        tempdata_bytes(&temp),
        config.tempdata.budget,
    );
    page("Lab: filled", &session, None, &body)
}

#[post("/lab/flash")]
fn lab_flash() -> Flash<Redirect> {
    Flash::debug(Redirect::to("/"), "A debug message")
        .and(Level::Info, "An info message")
        .and(Level::Success, "A success message")
        .and(Level::Warning, "A warning message")
        .and(Level::Error, "An error message")
}

#[post("/lab/clear")]
fn lab_clear(session: Session<'_>, temp: TempData<'_>) -> Flash<Redirect> {
    session.remove("ballast");
    temp.remove("ballast");
    Flash::info(Redirect::to("/lab"), "Ballast removed")
}

// ---------------------------------------------------------------------------------------------

#[launch]
fn rocket() -> _ {
    let accounts = Accounts::default();
    rocket::build()
        .attach(Sealed::fairing().with_validator(OneSessionPerUser(accounts.clone())))
        .manage(accounts)
        .mount(
            "/",
            routes![
                home,
                login_form,
                login,
                logout,
                logout_everywhere,
                products,
                cart_add,
                cart_page,
                cart_remove,
                cart_clear,
                checkout_1,
                checkout_1_post,
                checkout_2,
                checkout_2_post,
                checkout_3,
                checkout_3_post,
                status,
                metrics,
                state_json,
                lab,
                lab_fill,
                lab_fill_both,
                lab_flash,
                lab_clear,
            ],
        )
}
