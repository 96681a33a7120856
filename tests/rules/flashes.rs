//! Flash messages taken by the `Flashes` guard together with the other ways a handler can
//! touch them: reading the `_flash` entry itself, printing, removing, keeping, flashing anew,
//! and asking `commit()` whether TempData fits. A `Flashes` nobody looks at leaves the
//! messages pending; everything else keeps the TempData rules.

use crate::common;

use rocket::local::blocking::Client;
use rocket::response::Redirect;
use rocket::{get, post, routes};
use rocket_sealed::{Config, Flash, FlashMessage, Flashes, Level, Sealed, TempData};

#[post("/flash")]
fn flash() -> Flash<Redirect> {
    Flash::info(Redirect::to("/"), "hello")
}

#[post("/flash_two")]
fn flash_two() -> Flash<Redirect> {
    Flash::info(Redirect::to("/"), "fine").and(Level::Error, "broken")
}

#[post("/flash_big")]
fn flash_big() -> Flash<Redirect> {
    Flash::info(Redirect::to("/"), "m".repeat(800))
}

fn texts(messages: &[FlashMessage]) -> String {
    messages
        .iter()
        .map(|m| m.text.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

#[get("/show")]
fn show(flashes: Flashes) -> String {
    texts(&flashes.into_vec())
}

/// Shows the messages by reading the entry itself; the guard's value is never looked at.
#[get("/read_entry")]
fn read_entry(_flashes: Flashes, temp: TempData<'_>) -> String {
    texts(
        &temp
            .get::<Vec<FlashMessage>>("_flash")
            .unwrap()
            .unwrap_or_default(),
    )
}

/// The `_flash` entry read directly, as a handler may (it counts as read).
fn flash_entry(temp: &TempData<'_>) -> Vec<FlashMessage> {
    temp.get::<Vec<FlashMessage>>("_flash")
        .unwrap()
        .unwrap_or_default()
}

/// Reads the entry itself, then flashes a new message.
#[get("/read_entry_then_flash")]
fn read_entry_then_flash(temp: TempData<'_>) -> String {
    let shown = flash_entry(&temp);
    temp.flash(Level::Info, "new").unwrap();
    texts(&shown)
}

/// Reads the messages, keeps only the errors, and writes them back.
#[get("/keep_errors")]
fn keep_errors(temp: TempData<'_>) -> String {
    let all = flash_entry(&temp);
    let errors: Vec<FlashMessage> = all
        .iter()
        .filter(|m| m.level == Level::Error)
        .cloned()
        .collect();
    temp.set("_flash", &errors).unwrap();
    texts(&all)
}

#[get("/debug")]
fn debug(flashes: Flashes) -> String {
    format!("{flashes:?}")
}

#[get("/two")]
fn two(first: Flashes, _second: Flashes) -> String {
    first.len().to_string()
}

#[get("/remove_then_flash")]
fn remove_then_flash(flashes: Flashes, temp: TempData<'_>) -> String {
    let n = flashes.len();
    temp.remove("_flash");
    temp.flash(Level::Info, "new").unwrap();
    n.to_string()
}

#[get("/show_then_flash_and_keep")]
fn show_then_flash_and_keep(flashes: Flashes, temp: TempData<'_>) -> String {
    let n = flashes.len();
    temp.flash(Level::Info, "new").unwrap();
    temp.keep("_flash");
    n.to_string()
}

#[get("/unseen_then_flash")]
fn unseen_then_flash(_flashes: Flashes, temp: TempData<'_>) -> &'static str {
    temp.flash(Level::Info, "new").unwrap();
    "ok"
}

#[get("/set_big_and_commit/<look>")]
fn set_big_and_commit(flashes: Flashes, temp: TempData<'_>, look: bool) -> String {
    if look {
        // Shown: gone after this request, so they no longer count.
        assert_eq!(flashes.len(), 1);
    }
    temp.set("x", &"x".repeat(800)).unwrap();
    format!("{:?}", temp.commit().map(|_| ()))
}

#[get("/has_x")]
fn has_x(temp: TempData<'_>) -> String {
    temp.peek::<String>("x").unwrap().is_some().to_string()
}

fn client(config: Config) -> Client {
    let rocket = rocket::custom(common::figment())
        .attach(Sealed::custom(config))
        .mount(
            "/",
            routes![
                flash,
                flash_two,
                flash_big,
                show,
                read_entry,
                read_entry_then_flash,
                keep_errors,
                debug,
                two,
                remove_then_flash,
                show_then_flash_and_keep,
                unseen_then_flash,
                set_big_and_commit,
                has_x
            ],
        );
    Client::tracked(rocket).unwrap()
}

fn get(client: &Client, uri: &str) -> String {
    client.get(uri.to_owned()).dispatch().into_string().unwrap()
}

fn flashed() -> Client {
    let client = client(common::config(&[1]));
    client.post("/flash").dispatch();
    client
}

#[test]
fn a_handler_that_reads_the_entry_itself_consumes_it() {
    let client = flashed();
    assert_eq!(get(&client, "/read_entry"), "hello");
    assert_eq!(get(&client, "/show"), "", "shown once");
}

#[test]
fn a_flash_after_reading_the_entry_itself_does_not_bring_the_read_ones_back() {
    let client = flashed();
    assert_eq!(get(&client, "/read_entry_then_flash"), "hello");
    assert_eq!(get(&client, "/show"), "new", "hello was shown once");
    assert_eq!(get(&client, "/show"), "");
}

#[test]
fn a_list_the_handler_writes_back_itself_goes_on_whole() {
    let client = client(common::config(&[1]));
    client.post("/flash_two").dispatch();
    assert_eq!(get(&client, "/keep_errors"), "fine,broken");
    assert_eq!(get(&client, "/show"), "broken");
    assert_eq!(get(&client, "/show"), "");
}

#[test]
fn printing_the_flashes_counts_as_showing_them() {
    let client = flashed();
    assert!(get(&client, "/debug").contains("hello"));
    assert_eq!(get(&client, "/show"), "");
}

#[test]
fn two_guards_in_one_request_show_the_messages_once() {
    let client = flashed();
    assert_eq!(get(&client, "/two"), "1");
    assert_eq!(get(&client, "/show"), "");
}

#[test]
fn a_flash_after_removing_the_entry_is_kept_whole() {
    let client = flashed();
    assert_eq!(get(&client, "/remove_then_flash"), "1");
    assert_eq!(get(&client, "/show"), "new");
}

#[test]
fn keeping_the_entry_keeps_the_shown_and_the_new_messages() {
    let client = flashed();
    assert_eq!(get(&client, "/show_then_flash_and_keep"), "1");
    assert_eq!(get(&client, "/show"), "hello,new");
}

#[test]
fn unseen_messages_stay_with_a_new_one() {
    let client = flashed();
    assert_eq!(get(&client, "/unseen_then_flash"), "ok");
    assert_eq!(get(&client, "/show"), "hello,new");
    assert_eq!(get(&client, "/show"), "");
}

/// `commit()` counts messages a `Flashes` took but nobody looked at as kept, because the
/// fairing puts them back: an `Ok` from it means the write will happen.
#[test]
fn commit_counts_unseen_flashes_as_kept() {
    let mut config = common::config(&[1]);
    config.tempdata.keep_on_redirect = false;
    for look in [false, true] {
        let client = client(config.clone());
        client.post("/flash_big").dispatch();
        let said = get(&client, &format!("/set_big_and_commit/{look}"));
        let written = get(&client, "/has_x");
        assert!(
            (said == "Ok(())") == (written == "true"),
            "looked {look}: commit() said {said}, the entry written: {written}"
        );
        if look {
            assert_eq!(said, "Ok(())");
        } else {
            assert!(said.starts_with("Err(TooLarge"), "{said}");
        }
    }
}
