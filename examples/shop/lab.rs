//! The lab: fills the session and TempData to their budgets, to test a proxy's header limits.

use rocket::form::Form;
use rocket::response::Redirect;
use rocket::{FromForm, Route, State, get, post, routes};
use rocket_dyn_templates::{Template, context};
use rocket_sealed::{Flash, Flashes, Level, Sealed, Session, TempData};

use crate::pages::render;
use crate::status::{session_bytes, tempdata_bytes};

pub fn routes() -> Vec<Route> {
    routes![
        lab,
        lab_fill,
        lab_fill_both,
        lab_flash,
        lab_rocket_flash,
        lab_clear
    ]
}

#[get("/lab")]
fn lab(
    session: Session<'_>,
    temp: TempData<'_>,
    flashes: Flashes,
    sealed: &State<Sealed>,
) -> Template {
    let config = sealed.config();
    render(
        "lab",
        "Lab",
        &session,
        Some(&flashes),
        context! {
            session_bytes: session_bytes(&session),
            session_budget: config.session.budget,
            tempdata_bytes: tempdata_bytes(&temp),
            tempdata_budget: config.tempdata.budget,
        },
    )
}

#[derive(FromForm)]
struct FillForm {
    which: Option<String>,
}

/// The largest `n` in `0..limit` for which `fits(n)` holds (`fits` is monotone), or `None`.
fn largest_fit(limit: usize, mut fits: impl FnMut(usize) -> bool) -> Option<usize> {
    if !fits(0) {
        return None;
    }
    let (mut lo, mut hi) = (0, limit);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

#[post("/lab/fill", data = "<form>")]
fn lab_fill(
    form: Form<FillForm>,
    session: Session<'_>,
    temp: TempData<'_>,
    sealed: &State<Sealed>,
) -> Template {
    let which = form.which.as_deref().unwrap_or("both");
    fill(which, session, temp, sealed)
}

/// `POST /lab/fill` without a form body fills both stores.
#[post("/lab/fill", rank = 2)]
fn lab_fill_both(session: Session<'_>, temp: TempData<'_>, sealed: &State<Sealed>) -> Template {
    fill("both", session, temp, sealed)
}

/// Pads `"ballast"` in the chosen stores as far as their budgets allow, found by binary search
/// with `commit()`, which sizes the sealed cookies without writing anything. The page is the
/// answer itself (no redirect), because a flash message would no longer fit in a full TempData.
fn fill(which: &str, session: Session<'_>, temp: TempData<'_>, sealed: &State<Sealed>) -> Template {
    let config = sealed.config();
    let both = !matches!(which, "session" | "tempdata");
    let mut session_pad = None;
    let mut temp_pad = None;
    if both || which == "session" {
        session.remove("ballast");
        session_pad = largest_fit(config.session.budget, |n| {
            session.set("ballast", &"x".repeat(n)).is_ok() && session.commit().is_ok()
        });
        match session_pad {
            Some(n) => drop(session.set("ballast", &"x".repeat(n))),
            None => drop(session.remove("ballast")),
        }
    }
    if both || which == "tempdata" {
        temp.remove("ballast");
        temp_pad = largest_fit(config.tempdata.budget, |n| {
            temp.set("ballast", &"x".repeat(n)).is_ok() && temp.commit().is_ok()
        });
        match temp_pad {
            Some(n) => drop(temp.set("ballast", &"x".repeat(n))),
            None => drop(temp.remove("ballast")),
        }
    }
    let pad = |p: Option<usize>| p.map_or_else(|| "none".into(), |n| n.to_string());
    render(
        "lab_filled",
        "Lab: filled",
        &session,
        None,
        context! {
            session_ballast: pad(session_pad),
            tempdata_ballast: pad(temp_pad),
            session_bytes: session_bytes(&session),
            session_budget: config.session.budget,
            tempdata_bytes: tempdata_bytes(&temp),
            tempdata_budget: config.tempdata.budget,
        },
    )
}

#[post("/lab/flash")]
fn lab_flash() -> Flash<Redirect> {
    Flash::debug(Redirect::to("/"), "A debug message")
        .and(Level::Info, "An info message")
        .and(Level::Success, "A success message")
        .and(Level::Warning, "A warning message")
        .and(Level::Error, "An error message")
}

/// Rocket's own `Flash`, as an app used to it returns: the next page's `Flashes` shows it
/// like any other message, and Rocket's `_flash` cookie goes.
#[post("/lab/rocket-flash")]
fn lab_rocket_flash() -> rocket::response::Flash<Redirect> {
    rocket::response::Flash::warning(Redirect::to("/lab"), "A message from Rocket's own Flash")
}

#[post("/lab/clear")]
fn lab_clear(session: Session<'_>, temp: TempData<'_>) -> Flash<Redirect> {
    session.remove("ballast");
    temp.remove("ballast");
    Flash::info(Redirect::to("/lab"), "Ballast removed")
}
