//! The home page, and signing in and out.

use rocket::form::Form;
use rocket::response::Redirect;
use rocket::response::content::RawHtml;
use rocket::{FromForm, Route, State, get, post, routes};
use rocket_sealed::{Flash, Flashes, Sealed, Session};

use crate::accounts::Accounts;
use crate::model::{cart, user};
use crate::pages::{cart_summary, esc, page};

pub fn routes() -> Vec<Route> {
    routes![
        home,
        login_form,
        login,
        logout,
        logout_everywhere,
        registry_json
    ]
}

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
async fn login(
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
    if let Err(e) = session.set("user", name) {
        return Flash::error(
            Redirect::to("/login"),
            format!("Could not sign you in: {e}"),
        );
    }
    // A new id on every sign-in (an id seen before, say by someone on a shared computer, is
    // worth nothing afterwards; the cart survives it), recorded as this user's current
    // session: older ones are refused from now on.
    if let Err(e) = accounts.sign_in(&session, name).await {
        session.remove("user");
        return Flash::error(
            Redirect::to("/login"),
            format!("Could not sign you in, try again: {e}"),
        );
    }
    Flash::success(Redirect::to("/"), format!("Welcome, {name}!"))
}

#[post("/logout")]
async fn logout(session: Session<'_>, accounts: &State<Accounts>) -> Flash<Redirect> {
    // Clearing the session deletes the browser's cookies; recording the sign-out makes a
    // copy of the cookie taken earlier worthless too (through the validation hook).
    match accounts.sign_out(&session).await {
        Ok(()) => Flash::info(Redirect::to("/"), "You are signed out"),
        Err(e) => Flash::warning(
            Redirect::to("/"),
            format!("You are signed out here, but other copies may stay valid: {e}"),
        ),
    }
}

#[post("/logout-everywhere")]
async fn logout_everywhere(
    session: Session<'_>,
    sealed: &State<Sealed>,
    accounts: &State<Accounts>,
) -> Flash<Redirect> {
    let Some(name) = user(&session) else {
        return Flash::warning(Redirect::to("/"), "You are not signed in");
    };
    match accounts.sign_out_everywhere(&session, sealed, &name).await {
        Ok(()) => Flash::info(Redirect::to("/"), "You are signed out on every device"),
        Err(e) => Flash::warning(Redirect::to("/"), format!("Not signed out everywhere: {e}")),
    }
}

/// Which record of sessions this instance uses, and its counters.
#[get("/registry.json")]
fn registry_json(accounts: &State<Accounts>) -> (rocket::http::ContentType, String) {
    let json = format!(
        r#"{{"kind":"{}","counters":{}}}"#,
        accounts.kind(),
        accounts.counters_json()
    );
    (rocket::http::ContentType::JSON, json)
}
