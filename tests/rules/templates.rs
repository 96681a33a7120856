//! Flash messages and session values rendered through Tera (`rocket_dyn_templates`), as a
//! Rocket app renders its pages: lower-case levels, Rocket's `kind`/`message` names, escaping,
//! and messages shown once because the template rendered them.

use crate::common;

use rocket::local::blocking::Client;
use rocket::response::{Flash as RocketFlash, Redirect};
use rocket::{get, post, routes};
use rocket_dyn_templates::{Template, context};
use rocket_sealed::{Flash, Flashes, Sealed, Session};

#[post("/add/<item>")]
fn add(session: Session<'_>, item: &str) -> Flash<Redirect> {
    session
        .update::<Vec<String>>("cart", |cart| cart.push(item.to_owned()))
        .unwrap();
    session.set("user", "Ada <admin>").unwrap();
    Flash::success(Redirect::to("/"), format!("Added {item}")).and_warning("<b>Few left</b>")
}

#[post("/rocket")]
fn rocket_flash() -> RocketFlash<Redirect> {
    RocketFlash::error(Redirect::to("/"), "Rocket's own")
}

#[get("/")]
fn page(session: Session<'_>, flashes: Flashes) -> Template {
    let cart: Vec<String> = session.get("cart").unwrap().unwrap_or_default();
    let user: Option<String> = session.get("user").unwrap();
    Template::render("page", context! { flashes, user, cart })
}

/// A template written for Rocket's `FlashMessage`, given the latest message.
#[get("/rocket_style")]
fn rocket_style(flashes: Flashes) -> Template {
    let flash = flashes.into_vec().pop();
    Template::render("rocket_style", context! { flash })
}

fn client() -> Client {
    let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/templates");
    let figment = common::figment().merge(("template_dir", templates));
    let rocket = rocket::custom(figment)
        .attach(Sealed::custom(common::config(&[1])))
        .attach(Template::fairing())
        .mount("/", routes![add, rocket_flash, page, rocket_style]);
    Client::tracked(rocket).unwrap()
}

fn get(client: &Client, uri: &str) -> String {
    client.get(uri.to_owned()).dispatch().into_string().unwrap()
}

#[test]
fn a_template_renders_flashes_and_session_values_escaped_and_once() {
    let client = client();
    client.post("/add/tea").dispatch();
    client.post("/add/kettle").dispatch();
    let page = get(&client, "/");
    assert!(
        page.contains(
            "<ul id=\"flashes\">\
             <li class=\"flash success\">Added tea</li>\
             <li class=\"flash warning\">&lt;b&gt;Few left&lt;&#x2F;b&gt;</li>\
             <li class=\"flash success\">Added kettle</li>\
             <li class=\"flash warning\">&lt;b&gt;Few left&lt;&#x2F;b&gt;</li>\
             </ul>"
        ),
        "{page}"
    );
    assert!(
        page.contains(r#"<p id="user">Ada &lt;admin&gt;</p>"#),
        "{page}"
    );
    assert!(page.contains(r#"<p id="cart">tea,kettle</p>"#), "{page}");
    let again = get(&client, "/");
    assert!(
        again.contains(r#"<ul id="flashes"></ul>"#),
        "shown once: {again}"
    );
    assert!(again.contains(r#"<p id="cart">tea,kettle</p>"#), "{again}");
}

#[test]
fn a_template_written_for_rockets_flash_message_works_unchanged() {
    let client = client();
    client.post("/add/tea").dispatch();
    assert_eq!(
        get(&client, "/rocket_style").trim(),
        r#"<div class="alert alert-warning">&lt;b&gt;Few left&lt;&#x2F;b&gt;</div>"#
    );
    assert_eq!(get(&client, "/rocket_style").trim(), "", "shown once");
}

#[test]
fn rockets_own_flash_renders_through_the_same_template() {
    let client = client();
    client.post("/rocket").dispatch();
    let page = get(&client, "/");
    assert!(
        page.contains(r#"<li class="flash error">Rocket&#x27;s own</li>"#),
        "{page}"
    );
    assert!(get(&client, "/").contains(r#"<ul id="flashes"></ul>"#));
}
