//! The README's quick start as an app you can run: a cart in the session and a flash message.
//!
//! ```sh
//! cargo run --example hello
//! curl -c jar -b jar -X POST 127.0.0.1:8000/cart/tea   # adds tea, redirects to /
//! curl -c jar -b jar 127.0.0.1:8000/                   # ["Added tea"] cart: ["tea"]
//! curl -c jar -b jar 127.0.0.1:8000/                   # [] cart: ["tea"]
//! ```

use rocket::response::Redirect;
use rocket::{get, launch, post, routes};
use rocket_sealed::{Flash, Flashes, Sealed, Session};

#[post("/cart/<item>")]
fn add(session: Session<'_>, item: &str) -> Flash<Redirect> {
    session
        .update::<Vec<String>>("cart", |cart| cart.push(item.to_owned()))
        .expect("the cart is a Vec<String>");
    Flash::success(Redirect::to("/"), format!("Added {item}"))
}

#[get("/")]
fn index(session: Session<'_>, flashes: Flashes) -> String {
    let cart: Vec<String> = session.get("cart").ok().flatten().unwrap_or_default();
    let notes: Vec<_> = flashes.iter().map(|m| m.text.as_str()).collect();
    format!("{notes:?} cart: {cart:?}")
}

#[launch]
fn rocket() -> _ {
    rocket::build()
        .attach(Sealed::fairing())
        .mount("/", routes![add, index])
}
