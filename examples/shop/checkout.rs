//! The checkout wizard in three steps; the draft order lives in TempData.

use rocket::Either::{self, Left, Right};
use rocket::form::Form;
use rocket::response::Redirect;
use rocket::{FromForm, Route, get, post, routes};
use rocket_dyn_templates::{Template, context};
use rocket_sealed::{Error, Flash, Flashes, Level, Session, TempData};
use serde::Serialize;

use crate::model::{Draft, SHIPPING, cart};
use crate::pages::{bounce, cart_summary, draft_view, render};

pub fn routes() -> Vec<Route> {
    routes![
        checkout_1,
        checkout_1_post,
        checkout_2,
        checkout_2_post,
        checkout_3,
        checkout_3_post,
    ]
}

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
fn checkout_1(session: Session<'_>, temp: TempData<'_>, flashes: Flashes) -> Template {
    // `peek`: looking does not consume, so going back a step keeps the draft.
    let draft: Draft = temp.peek("draft").ok().flatten().unwrap_or_default();
    let summary = cart_summary(&cart(&session));
    render(
        "checkout_1",
        "Checkout: address",
        &session,
        Some(&flashes),
        context! { summary, address: draft.address },
    )
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

/// A shipping method to choose on step 2.
#[derive(Serialize)]
struct ShippingOption {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

#[get("/checkout/2")]
fn checkout_2(
    session: Session<'_>,
    temp: TempData<'_>,
    flashes: Flashes,
) -> Either<Template, Flash<Redirect>> {
    let Some(draft) = temp.peek::<Draft>("draft").ok().flatten() else {
        return Right(bounce("/checkout/1", flashes, Level::Warning, NO_DRAFT));
    };
    let chosen = draft.shipping.as_deref().unwrap_or("standard");
    let options: Vec<ShippingOption> = SHIPPING
        .iter()
        .map(|&(value, label)| ShippingOption {
            value,
            label,
            checked: value == chosen,
        })
        .collect();
    Left(render(
        "checkout_2",
        "Checkout: shipping",
        &session,
        Some(&flashes),
        context! { draft: draft_view(&draft), options },
    ))
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
) -> Either<Template, Flash<Redirect>> {
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
    let summary = cart_summary(&cart(&session));
    Left(render(
        "checkout_3",
        "Checkout: review",
        &session,
        Some(&flashes),
        context! { draft: draft_view(&draft), summary },
    ))
}

#[post("/checkout/3")]
fn checkout_3_post(session: Session<'_>, temp: TempData<'_>) -> Flash<Redirect> {
    if cart(&session).lines.is_empty() {
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
