//! The first vertical slice: a session set in one request is read in the next.

use rocket::local::blocking::Client;
use rocket::{get, routes};
use rocket_sealed::{Config, KeyConfig, Sealed, Session};

#[get("/set/<v>")]
fn set(session: Session<'_>, v: u32) -> String {
    session.set("v", &v).unwrap();
    session.id().to_string()
}

#[get("/get")]
fn get(session: Session<'_>) -> String {
    format!("{:?} {}", session.get::<u32>("v").unwrap(), session.id())
}

#[test]
fn a_session_set_in_one_request_is_read_in_the_next() {
    let config = Config {
        keys: vec![KeyConfig::generate(1)],
        ..Config::default()
    };
    let rocket = rocket::build()
        .attach(Sealed::custom(config))
        .mount("/", routes![set, get]);
    let client = Client::tracked(rocket).unwrap();
    let res = client.get("/set/7").dispatch();
    let set_cookie: Vec<_> = res.headers().get("Set-Cookie").collect();
    assert_eq!(set_cookie.len(), 1, "{set_cookie:?}");
    assert!(set_cookie[0].starts_with("sealed_session="));
    let id = res.into_string().unwrap();
    let body = client.get("/get").dispatch().into_string().unwrap();
    assert_eq!(body, format!("Some(7) {id}"));
}
