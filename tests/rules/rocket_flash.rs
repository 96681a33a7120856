//! Rocket's own `rocket::response::Flash` next to this crate's: its plaintext `_flash` cookie
//! is taken over by the first `Flashes` guard, shown once under the TempData rules, and
//! Rocket's cookie is deleted, so a habit of returning Rocket's `Flash` loses no message.

use crate::common;

use rocket::http::{Cookie, Status as HttpStatus};
use rocket::local::blocking::Client;
use rocket::response::{Flash as RocketFlash, Redirect};
use rocket::{get, post, routes};
use rocket_sealed::{Flash, Flashes, Sealed};

#[post("/rocket?<kind>")]
fn rocket_flash(kind: &str) -> RocketFlash<Redirect> {
    RocketFlash::new(Redirect::to("/"), kind, format!("{kind} from Rocket"))
}

#[post("/ours")]
fn ours() -> Flash<Redirect> {
    Flash::info(Redirect::to("/"), "ours")
}

#[get("/show")]
fn show(flashes: Flashes) -> String {
    flashes
        .iter()
        .map(|m| format!("{}:{}", m.level.as_str(), m.text))
        .collect::<Vec<_>>()
        .join(",")
}

/// Takes the guard but never looks at the messages.
#[get("/unseen")]
fn unseen(_flashes: Flashes) -> &'static str {
    "unseen"
}

/// Shows the messages, then fails.
#[get("/fail")]
fn fail(flashes: Flashes) -> HttpStatus {
    let _ = flashes.len();
    HttpStatus::InternalServerError
}

#[get("/plain")]
fn plain() -> &'static str {
    "plain"
}

fn client() -> Client {
    let rocket = rocket::custom(common::figment())
        .attach(Sealed::custom(common::config(&[1])))
        .mount("/", routes![rocket_flash, ours, show, unseen, fail, plain]);
    Client::tracked(rocket).unwrap()
}

fn get(client: &Client, uri: &str) -> String {
    client.get(uri.to_owned()).dispatch().into_string().unwrap()
}

fn has_rocket_cookie(client: &Client) -> bool {
    client.cookies().get("_flash").is_some()
}

#[test]
fn a_rocket_flash_shows_once_through_flashes_and_its_cookie_goes() {
    let client = client();
    client.post("/rocket?kind=success").dispatch();
    assert!(has_rocket_cookie(&client), "Rocket wrote its own cookie");
    let response = client.get("/show").dispatch();
    let removal = response
        .headers()
        .get("Set-Cookie")
        .find(|line| line.starts_with("_flash="))
        .map(str::to_owned);
    assert_eq!(
        response.into_string().unwrap(),
        "success:success from Rocket"
    );
    let removal = removal.expect("the response deletes Rocket's cookie");
    assert!(
        removal.contains("Path=/") && removal.contains("Max-Age=0"),
        "{removal}"
    );
    assert!(!has_rocket_cookie(&client));
    assert_eq!(get(&client, "/show"), "", "shown once");
}

#[test]
fn rocket_kinds_map_to_levels_in_any_case_and_others_are_info() {
    for (kind, level) in [
        ("error", "error"),
        ("Warning", "warning"),
        ("INFO", "info"),
        ("debug", "debug"),
        ("notice", "info"),
        ("", "info"),
    ] {
        let client = client();
        client.post(format!("/rocket?kind={kind}")).dispatch();
        assert_eq!(get(&client, "/show"), format!("{level}:{kind} from Rocket"));
    }
}

#[test]
fn a_rocket_flash_not_looked_at_waits_sealed_in_tempdata() {
    let client = client();
    client.post("/rocket?kind=success").dispatch();
    assert_eq!(get(&client, "/unseen"), "unseen");
    assert!(!has_rocket_cookie(&client), "moved into TempData");
    assert!(client.cookies().get(common::TEMPDATA).is_some());
    assert_eq!(get(&client, "/show"), "success:success from Rocket");
    assert_eq!(get(&client, "/show"), "");
}

#[test]
fn ours_and_rockets_show_together_ours_first() {
    let client = client();
    client.post("/ours").dispatch();
    client.post("/rocket?kind=warning").dispatch();
    assert_eq!(
        get(&client, "/show"),
        "info:ours,warning:warning from Rocket"
    );
    assert_eq!(get(&client, "/show"), "");
}

#[test]
fn a_page_without_flashes_leaves_rockets_cookie_alone() {
    let client = client();
    client.post("/rocket?kind=info").dispatch();
    assert_eq!(get(&client, "/plain"), "plain");
    assert!(has_rocket_cookie(&client));
    assert_eq!(get(&client, "/show"), "info:info from Rocket");
}

#[test]
fn a_5xx_keeps_rockets_cookie_for_the_next_page() {
    let client = client();
    client.post("/rocket?kind=error").dispatch();
    let response = client.get("/fail").dispatch();
    assert_eq!(response.status(), HttpStatus::InternalServerError);
    assert!(response.headers().get("Set-Cookie").next().is_none());
    assert!(has_rocket_cookie(&client));
    assert_eq!(get(&client, "/show"), "error:error from Rocket");
}

#[test]
fn a_malformed_rocket_cookie_is_ignored() {
    let client = client();
    for value in ["nonsense", "99:short", "x:y", "1:"] {
        let response = client
            .get("/show")
            .cookie(Cookie::new("_flash", value))
            .dispatch();
        assert!(
            response.headers().get("Set-Cookie").next().is_none(),
            "{value}"
        );
        assert_eq!(response.into_string().unwrap(), "", "{value}");
    }
    // A kind of one byte in the middle of a character is malformed too, not a panic.
    let response = client
        .get("/show")
        .cookie(Cookie::new("_flash", "1:ébc"))
        .dispatch();
    assert_eq!(response.into_string().unwrap(), "");
}
