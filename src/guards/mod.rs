//! The request guards `Session<'_>` and `TempData<'_>` (thin handles on the request's stores),
//! and the CSRF guards built on the session.
//!
//! Each guard method does what the state model's method of the same name does
//! ([`SessionState`](crate::store::SessionState), [`TempDataState`](crate::store::TempDataState)),
//! on the store the request loaded on first use; the state model documents the rules.

use rocket::http::Status;
use rocket::request::Outcome;

use crate::request::StoreCell;

mod csrf;
mod session;
pub(crate) mod tempdata;

pub use csrf::{
    CSRF_FIELD, CSRF_HEADER, CsrfChecked, CsrfError, CsrfForm, CsrfFormError, CsrfToken, NoFields,
};
pub use session::Session;
pub use tempdata::TempData;

/// Why a [`Session`], [`TempData`] or [`Flashes`](crate::Flashes) guard failed a request
/// (with a 500, as Rocket's own `&State<T>` does for unmanaged state).
///
/// ```
/// use rocket::request::{FromRequest, Outcome, Request};
/// use rocket_sealed::{GuardError, Session};
///
/// /// A signed-in user, found through the session.
/// struct User(String);
///
/// #[rocket::async_trait]
/// impl<'r> FromRequest<'r> for User {
///     type Error = GuardError;
///
///     async fn from_request(req: &'r Request<'_>) -> Outcome<Self, GuardError> {
///         let session = match req.guard::<Session<'_>>().await {
///             Outcome::Success(session) => session,
///             Outcome::Error(e) => return Outcome::Error(e),
///             Outcome::Forward(status) => return Outcome::Forward(status),
///         };
///         match session.get::<String>("user") {
///             Ok(Some(name)) => Outcome::Success(User(name)),
///             _ => Outcome::Forward(rocket::http::Status::Unauthorized),
///         }
///     }
/// }
///
/// # use rocket::{get, routes, http::Status, local::blocking::Client};
/// #[get("/me")]
/// fn me(user: User) -> String {
///     user.0
/// }
///
/// // Launch cannot see the `Session` inside `User`: without the fairing, requests fail.
/// let client = Client::tracked(rocket::build().mount("/", routes![me])).unwrap();
/// assert_eq!(client.get("/me").dispatch().status(), Status::InternalServerError);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuardError {
    /// The `Sealed` fairing is not attached. In a route's own arguments the guards make launch
    /// fail instead (they are Rocket `Sentinel`s); this is for a guard reached from another
    /// guard's `from_request`, which launch cannot check.
    FairingMissing,
    /// A [`Session`] was asked for while the session's [`Validator`](crate::Validator) was
    /// judging it (say through a `User` guard built on the session). The validator is handed
    /// the session it judges; a `Session` guard there would have to judge the session again,
    /// and whatever was computed from it (and perhaps cached in the request) would come from a
    /// session not yet accepted.
    InsideValidator,
}

impl std::fmt::Display for GuardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            GuardError::FairingMissing => "the `Sealed` fairing is not attached",
            GuardError::InsideValidator => {
                "the `Session` guard was asked for inside the session's validator, which is \
                 handed the session instead"
            }
        })
    }
}

impl std::error::Error for GuardError {}

/// What a guard answers when the fairing is not attached.
pub(crate) fn fairing_missing<T>() -> Outcome<T, GuardError> {
    Outcome::Error((Status::InternalServerError, GuardError::FairingMissing))
}

/// A guard as its cookie's name and its store's state, if loaded (`cell` is `None` while the
/// request's lock is held elsewhere: formatting never waits).
pub(crate) fn debug_store<S: std::fmt::Debug>(
    f: &mut std::fmt::Formatter<'_>,
    guard: &str,
    cookie: &str,
    cell: Option<std::sync::MutexGuard<'_, StoreCell<S>>>,
) -> std::fmt::Result {
    f.debug_struct(guard)
        .field("cookie", &cookie)
        .field("state", &cell.as_ref().and_then(|c| c.loaded()))
        .finish()
}
