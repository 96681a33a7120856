//! The CSRF rules (docs/security.md, CSRF): a form or `fetch()` request with the session's token
//! passes, one without it, with a wrong one or with another session's gets a 403; safe methods
//! pass unchecked; `renew()` and `clear()` end the old token; a session that never asks for a
//! token carries none.

use crate::common;

use rocket::form::FromForm;
use rocket::http::{ContentType, Header, Status};
use rocket::local::blocking::Client;
use rocket::{delete, get, patch, post, put, routes};
use rocket_sealed::{CsrfChecked, CsrfForm, CsrfToken, NoFields, Sealed, Session};

#[get("/token")]
fn token(token: CsrfToken) -> String {
    token.to_string()
}

#[derive(FromForm)]
struct Note {
    text: String,
    #[field(validate = range(1..))]
    copies: u32,
}

#[post("/note", data = "<note>")]
fn note(note: CsrfForm<Note>) -> String {
    format!("{} x{}", note.text, note.copies)
}

/// A form that is a single button: the token is its only field.
#[post("/button", data = "<_form>")]
fn button(_form: CsrfForm<NoFields>) -> &'static str {
    "pressed"
}

#[get("/api")]
fn api_get(_checked: CsrfChecked) -> &'static str {
    "read"
}

#[post("/api")]
fn api_post(_checked: CsrfChecked) -> &'static str {
    "posted"
}

#[put("/api")]
fn api_put(_checked: CsrfChecked) -> &'static str {
    "put"
}

#[patch("/api")]
fn api_patch(_checked: CsrfChecked) -> &'static str {
    "patched"
}

#[delete("/api")]
fn api_delete(_checked: CsrfChecked) -> &'static str {
    "deleted"
}

/// Sign-in: a new session id.
#[get("/renew")]
fn renew(session: Session<'_>) {
    session.set("user", "ada").unwrap();
    session.renew();
}

/// Sign-out.
#[get("/clear")]
fn clear(session: Session<'_>) {
    session.clear();
}

#[get("/set")]
fn set(session: Session<'_>) {
    session.set("a", &1u8).unwrap();
}

#[get("/keys")]
fn keys(session: Session<'_>) -> String {
    format!("{:?} {}", session.keys(), session.is_empty())
}

/// A client of its own (its own cookie jar: its own session), all sharing one key.
fn new_client() -> Client {
    let routes = routes![
        token, note, button, api_get, api_post, api_put, api_patch, api_delete, renew, clear, set,
        keys
    ];
    let rocket = rocket::build()
        .attach(Sealed::custom(common::config(&[1])))
        .mount("/", routes);
    Client::tracked(rocket).unwrap()
}

fn get_token(client: &Client) -> String {
    let reply = client.get("/token").dispatch();
    assert_eq!(reply.status(), Status::Ok);
    reply.into_string().unwrap()
}

/// Posts the form `body` to `/note`: the status, and the body on success.
fn post_form(client: &Client, body: &str) -> (Status, Option<String>) {
    let reply = client
        .post("/note")
        .header(ContentType::Form)
        .body(body)
        .dispatch();
    (reply.status(), reply.into_string())
}

fn with_header(client: &Client, method: &str, token: Option<&str>) -> Status {
    let request = match method {
        "POST" => client.post("/api"),
        "PUT" => client.put("/api"),
        "PATCH" => client.patch("/api"),
        "DELETE" => client.delete("/api"),
        _ => client.get("/api"),
    };
    let request = match token {
        Some(token) => request.header(Header::new("X-CSRF-Token", token.to_owned())),
        None => request,
    };
    request.dispatch().status()
}

#[test]
fn a_form_post_with_the_sessions_token_is_accepted() {
    let client = new_client();
    let token = get_token(&client);
    let (status, body) = post_form(&client, &format!("text=tea&csrf_token={token}&copies=2"));
    assert_eq!(status, Status::Ok);
    assert_eq!(body.as_deref(), Some("tea x2"));
    // And again: a token is good for every post of the session, not once.
    let (status, _) = post_form(&client, &format!("csrf_token={token}&text=tea&copies=1"));
    assert_eq!(status, Status::Ok);
}

#[test]
fn a_form_post_without_a_token_is_forbidden() {
    let client = new_client();
    get_token(&client);
    assert_eq!(post_form(&client, "text=tea&copies=1").0, Status::Forbidden);
    assert_eq!(
        post_form(&client, "text=tea&copies=1&csrf_token=").0,
        Status::Forbidden
    );
    // Nor without a session at all (a cross-site post to a browser that never visited).
    assert_eq!(
        post_form(&new_client(), "text=tea&copies=1").0,
        Status::Forbidden
    );
}

#[test]
fn a_form_post_with_a_wrong_token_is_forbidden() {
    let client = new_client();
    let token = get_token(&client);
    let mut wrong = token.clone().into_bytes();
    wrong[70] = if wrong[70] == b'A' { b'B' } else { b'A' };
    let wrong = String::from_utf8(wrong).unwrap();
    for bad in [wrong.as_str(), &token[..85], "forged", &"A".repeat(86)] {
        let (status, _) = post_form(&client, &format!("text=tea&copies=1&csrf_token={bad}"));
        assert_eq!(status, Status::Forbidden, "{bad}");
    }
}

#[test]
fn a_token_of_another_session_is_forbidden() {
    let (alice, mallory) = (new_client(), new_client());
    get_token(&alice);
    let mallorys = get_token(&mallory);
    let (status, _) = post_form(&alice, &format!("text=tea&copies=1&csrf_token={mallorys}"));
    assert_eq!(status, Status::Forbidden);
    assert_eq!(
        with_header(&alice, "POST", Some(&mallorys)),
        Status::Forbidden
    );
}

#[test]
fn tokens_differ_between_sessions_and_between_pages() {
    let (a, b) = (new_client(), new_client());
    let (a1, a2, b1) = (get_token(&a), get_token(&a), get_token(&b));
    assert_eq!(a1.len(), 86);
    assert_ne!(a1, b1);
    // Masked anew for each page, and both verify.
    assert_ne!(a1, a2);
    for token in [&a1, &a2] {
        assert_eq!(with_header(&a, "POST", Some(token)), Status::Ok);
    }
    // Under the masks, the secrets differ too: each is refused by the other session.
    assert_eq!(with_header(&b, "POST", Some(&a1)), Status::Forbidden);
    assert_eq!(with_header(&a, "POST", Some(&b1)), Status::Forbidden);
}

#[test]
fn the_token_is_checked_before_the_forms_own_errors() {
    let client = new_client();
    let token = get_token(&client);
    // `copies` must be at least 1: the form is wrong, but without the token that is not said.
    assert_eq!(post_form(&client, "text=tea&copies=0").0, Status::Forbidden);
    let (status, _) = post_form(&client, &format!("text=tea&copies=0&csrf_token={token}"));
    assert_eq!(status, Status::UnprocessableEntity);
}

#[test]
fn a_form_may_carry_the_token_in_the_header_instead() {
    let client = new_client();
    let token = get_token(&client);
    let reply = client
        .post("/note")
        .header(ContentType::Form)
        .header(Header::new("X-CSRF-Token", token))
        .body("text=tea&copies=1")
        .dispatch();
    assert_eq!(reply.status(), Status::Ok);
}

#[test]
fn unsafe_methods_need_the_header_and_pass_with_it() {
    let client = new_client();
    let token = get_token(&client);
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        assert_eq!(
            with_header(&client, method, None),
            Status::Forbidden,
            "{method}"
        );
        assert_eq!(with_header(&client, method, Some("x")), Status::Forbidden);
        assert_eq!(with_header(&client, method, Some(&token)), Status::Ok);
    }
}

#[test]
fn safe_methods_pass_without_a_token() {
    let client = new_client();
    assert_eq!(with_header(&client, "GET", None), Status::Ok);
    let head = client.head("/api").dispatch();
    assert_eq!(head.status(), Status::Ok);
    // Checking them drew no secret: no session was written.
    assert!(client.cookies().get(common::SESSION).is_none());
}

#[test]
fn renew_rotates_the_token() {
    let client = new_client();
    let before = get_token(&client);
    assert_eq!(with_header(&client, "POST", Some(&before)), Status::Ok);
    client.get("/renew").dispatch();
    assert_eq!(
        with_header(&client, "POST", Some(&before)),
        Status::Forbidden
    );
    let (status, _) = post_form(&client, &format!("text=t&copies=1&csrf_token={before}"));
    assert_eq!(status, Status::Forbidden);
    let after = get_token(&client);
    assert_eq!(with_header(&client, "POST", Some(&after)), Status::Ok);
    // The session's data came through, the secret stays out of it.
    let keys = client.get("/keys").dispatch().into_string().unwrap();
    assert_eq!(keys, r#"["user"] false"#);
}

#[test]
fn clear_ends_the_token() {
    let client = new_client();
    client.get("/set").dispatch();
    let token = get_token(&client);
    client.get("/clear").dispatch();
    assert!(client.cookies().get(common::SESSION).is_none(), "deleted");
    assert_eq!(
        with_header(&client, "POST", Some(&token)),
        Status::Forbidden
    );
}

#[test]
fn a_session_pays_for_a_token_only_once_asked() {
    let client = new_client();
    client.get("/set").dispatch();
    let plain = client.cookies().get(common::SESSION).unwrap().value().len();
    get_token(&client);
    let with_secret = client.cookies().get(common::SESSION).unwrap().value().len();
    // 32 bytes of secret and its entry's name, sealed and in base64.
    assert!(with_secret > plain + 40, "{plain} -> {with_secret}");
    // A session with nothing but a token (a sign-in form's) is kept, and shows no entry.
    let anonymous = new_client();
    let token = get_token(&anonymous);
    assert!(anonymous.cookies().get(common::SESSION).is_some());
    let keys = anonymous.get("/keys").dispatch().into_string().unwrap();
    assert_eq!(keys, "[] true");
    assert_eq!(with_header(&anonymous, "POST", Some(&token)), Status::Ok);
}

#[test]
fn a_form_with_no_fields_but_the_token_is_checked_like_any_other() {
    let client = new_client();
    let token = get_token(&client);
    let press = |body: String, header: Option<&str>| {
        let request = client.post("/button").header(ContentType::Form).body(body);
        let request = match header {
            Some(token) => request.header(Header::new("X-CSRF-Token", token.to_owned())),
            None => request,
        };
        let reply = request.dispatch();
        (reply.status(), reply.into_string())
    };
    let (status, body) = press(format!("csrf_token={token}"), None);
    assert_eq!((status, body.as_deref()), (Status::Ok, Some("pressed")));
    // Fields the form does not name are ignored, as `Form<T>` ignores them.
    let (status, _) = press(format!("x=1&csrf_token={token}&y="), None);
    assert_eq!(status, Status::Ok);
    // The header does for an empty body.
    assert_eq!(press(String::new(), Some(&token)).0, Status::Ok);
    // No token, a wrong one, another session's: refused.
    assert_eq!(press(String::new(), None).0, Status::Forbidden);
    assert_eq!(press("x=1".into(), None).0, Status::Forbidden);
    let wrong = format!("{}A", &token[..token.len() - 1]);
    let wrong = if wrong == token {
        format!("{}B", &token[..token.len() - 1])
    } else {
        wrong
    };
    assert_eq!(
        press(format!("csrf_token={wrong}"), None).0,
        Status::Forbidden
    );
    let other = get_token(&new_client());
    assert_eq!(
        press(format!("csrf_token={other}"), None).0,
        Status::Forbidden
    );
}

#[test]
fn a_multipart_form_carries_the_token_in_its_own_part() {
    let client = new_client();
    let token = get_token(&client);
    let multipart = |token: Option<&str>| {
        let boundary = "X-SEALED-BOUNDARY";
        let mut body = String::new();
        let mut part = |name: &str, value: &str| {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        };
        part("text", "tea");
        if let Some(token) = token {
            part("csrf_token", token);
        }
        part("copies", "3");
        body.push_str(&format!("--{boundary}--\r\n"));
        let content_type =
            ContentType::new("multipart", "form-data").with_params(("boundary", boundary));
        let reply = client
            .post("/note")
            .header(content_type)
            .body(body)
            .dispatch();
        (reply.status(), reply.into_string())
    };
    let (status, body) = multipart(Some(&token));
    assert_eq!((status, body.as_deref()), (Status::Ok, Some("tea x3")));
    assert_eq!(multipart(None).0, Status::Forbidden);
    assert_eq!(multipart(Some("not-a-token")).0, Status::Forbidden);
}
