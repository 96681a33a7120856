//! The home page, and signing in and out.

use rocket::form::Form;
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{FromForm, Route, State, get, post, routes};
use rocket_dyn_templates::{Template, context};
use rocket_sealed::{CsrfForm, CsrfFormError, Flash, Flashes, NoFields, Sealed, Session};

use crate::accounts::Accounts;
use crate::model::{cart, user};
use crate::pages::{cart_summary, render};

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
fn home(session: Session<'_>, flashes: Flashes) -> Template {
    let summary = cart_summary(&cart(&session));
    render(
        "home",
        "Sealed Shop",
        &session,
        Some(&flashes),
        context! { summary },
    )
}

#[derive(FromForm)]
struct LoginForm {
    name: String,
}

#[get("/login")]
fn login_form(session: Session<'_>, flashes: Flashes) -> Template {
    render("login", "Sign in", &session, Some(&flashes), context! {})
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
    // The CSRF secret is drawn now, in the sign-in's own write (`renew()` dropped the old
    // one), not by the first page that shows a form: pages loaded in parallel (tabs) would each
    // draw one, write it, and all but the last page's token would then be refused.
    let _ = session.csrf_token();
    Flash::success(Redirect::to("/"), format!("Welcome, {name}!"))
}

/// The sign-out buttons are forms of their own token alone (`CsrfForm<NoFields>`): a page of
/// another origin on the same site cannot sign a user out.
#[post("/logout", data = "<form>")]
async fn logout<'r>(
    form: Result<CsrfForm<NoFields>, CsrfFormError<'r>>,
    session: Session<'_>,
    accounts: &State<Accounts>,
) -> Result<Flash<Redirect>, Status> {
    if form.is_err() {
        return refused(&session);
    }
    // Clearing the session deletes the browser's cookies; recording the sign-out makes a
    // copy of the cookie taken earlier worthless too (through the validation hook).
    Ok(match accounts.sign_out(&session).await {
        Ok(()) => Flash::info(Redirect::to("/"), "You are signed out"),
        Err(e) => Flash::warning(
            Redirect::to("/"),
            format!("You are signed out here, but other copies may stay valid: {e}"),
        ),
    })
}

/// A sign-out without this session's token. Signed in, it is a forged post: 403. Signed out, it
/// is most likely a button on a page left open after the session ended (it expired, or was
/// signed out elsewhere), whose token belonged to that session: there is nobody to sign out,
/// and the page says so rather than a bare 403.
fn refused(session: &Session<'_>) -> Result<Flash<Redirect>, Status> {
    match user(session) {
        Some(_) => Err(Status::Forbidden),
        None => Ok(Flash::info(Redirect::to("/"), "You are signed out")),
    }
}

#[post("/logout-everywhere", data = "<form>")]
async fn logout_everywhere<'r>(
    form: Result<CsrfForm<NoFields>, CsrfFormError<'r>>,
    session: Session<'_>,
    sealed: &State<Sealed>,
    accounts: &State<Accounts>,
) -> Result<Flash<Redirect>, Status> {
    if form.is_err() {
        return refused(&session);
    }
    let Some(name) = user(&session) else {
        return Ok(Flash::warning(Redirect::to("/"), "You are not signed in"));
    };
    Ok(
        match accounts.sign_out_everywhere(&session, sealed, &name).await {
            Ok(()) => Flash::info(Redirect::to("/"), "You are signed out on every device"),
            Err(e) => Flash::warning(Redirect::to("/"), format!("Not signed out everywhere: {e}")),
        },
    )
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
