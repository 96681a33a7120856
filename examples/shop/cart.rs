//! The products and the cart: adding, removing and emptying, within the session's budget.

use rocket::form::Form;
use rocket::response::Redirect;
use rocket::{FromForm, Route, get, post, routes};
use rocket_dyn_templates::{Template, context};
use rocket_sealed::{CsrfForm, CsrfToken, Error, Flash, Flashes, Session};
use serde::Serialize;

use crate::model::{Cart, Item, PRODUCTS, cart, migrate_cart, product};
use crate::pages::{cart_summary, money, render};

pub fn routes() -> Vec<Route> {
    routes![products, cart_add, cart_page, cart_remove, cart_clear]
}

#[derive(Serialize)]
struct ProductView {
    id: u32,
    name: &'static str,
    price: String,
}

#[get("/products")]
fn products(session: Session<'_>, flashes: Flashes) -> Template {
    let products: Vec<ProductView> = PRODUCTS
        .iter()
        .map(|p| ProductView {
            id: p.id,
            name: p.name,
            price: money(p.cents),
        })
        .collect();
    render(
        "products",
        "Products",
        &session,
        Some(&flashes),
        context! { products },
    )
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
    // A cart the previous version stored is converted first: `update` would start over.
    migrate_cart(&session);
    if let Err(e) = session.update::<Cart>("cart", |cart| cart.lines.push(item)) {
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
                cart.lines.pop();
            });
            if cart(&session).lines.is_empty() {
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

/// One line of the cart, as the page shows it.
#[derive(Serialize)]
struct ItemView<'a> {
    name: &'static str,
    qty: u32,
    note: &'a str,
    price: String,
}

#[get("/cart")]
fn cart_page(session: Session<'_>, flashes: Flashes, csrf: CsrfToken) -> Template {
    let cart = cart(&session);
    let items: Vec<ItemView<'_>> = cart
        .lines
        .iter()
        .map(|item| {
            let p = product(item.product);
            ItemView {
                name: p.map_or("(discontinued)", |p| p.name),
                qty: item.qty,
                note: &item.note,
                price: money(p.map_or(0, |p| p.cents) * item.qty),
            }
        })
        .collect();
    let summary = cart_summary(&cart);
    render(
        "cart",
        "Your cart",
        &session,
        Some(&flashes),
        context! { items, summary, csrf },
    )
}

#[post("/cart/remove/<index>")]
fn cart_remove(index: usize, session: Session<'_>) -> Flash<Redirect> {
    let mut removed = None;
    migrate_cart(&session);
    let updated = session.update::<Cart>("cart", |cart| {
        removed = (index < cart.lines.len()).then(|| cart.lines.remove(index));
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
    if cart(&session).lines.is_empty() {
        session.remove("cart");
    }
    flash
}

/// Emptying the cart takes the session's CSRF token (the form's hidden `csrf_token` field):
/// a page of another origin on the same site, which `SameSite=Lax` lets post with the
/// browser's cookies, gets 403 instead.
#[derive(FromForm)]
struct ClearForm {
    /// The button's own field, which the handler checks (a form of the token alone would be
    /// `CsrfForm<NoFields>`, as the sign-out buttons are).
    confirm: bool,
}

#[post("/cart/clear", data = "<form>")]
fn cart_clear(form: CsrfForm<ClearForm>, session: Session<'_>) -> Flash<Redirect> {
    if !form.confirm {
        return Flash::warning(Redirect::to("/cart"), "Nothing emptied: not confirmed");
    }
    session.remove("cart");
    Flash::info(Redirect::to("/cart"), "Your cart is empty")
}
