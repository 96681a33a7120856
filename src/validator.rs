//! The validation hook: where an application puts the server-side check that a pure cookie
//! store cannot make (revocation, one active session per user).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use rocket::Request;

use crate::store::SessionState;

/// Decides, when a session is loaded, whether it may be used.
///
/// A session the validator refuses is replaced by an empty one whose status is
/// `Rejected(Revoked)`; its cookies are deleted at commit. With a validator installed, the
/// session is opened when the guard is created (the check is async), not lazily.
///
/// A "yes" is sealed into the session and stands for `session.revalidate_secs` (60 s by
/// default; 0 asks on every request), whatever the application changes in the session
/// meanwhile: [`Session::renew`](crate::Session::renew), which a sign-in should call, drops
/// it, so the renewed session is judged at its next request.
///
/// The validator is handed the session it judges: read it from there. It must not ask the
/// request for a [`Session`](crate::Session) guard (nor for a guard built on one, such as an
/// app's `User`), which would have to judge the same session again: that guard fails with a
/// 500 and [`GuardError::InsideValidator`](crate::GuardError::InsideValidator). Other guards,
/// a database pool's for instance, are fine.
///
/// ```
/// use rocket::Request;
/// use rocket_sealed::{store::SessionState, Validator};
///
/// struct NoBannedUsers;
///
/// #[rocket::async_trait]
/// impl Validator for NoBannedUsers {
///     async fn validate(&self, session: &SessionState, _req: &Request<'_>) -> bool {
///         session.get::<String>("user").ok().flatten().as_deref() != Some("mallory")
///     }
/// }
///
/// # use rocket::{get, routes, local::blocking::Client};
/// # use rocket_sealed::{Sealed, Session};
/// #[get("/login/<name>")]
/// fn login(session: Session<'_>, name: &str) {
///     // A sign-in renews the id, and so drops the validator's last "yes".
///     session.renew();
///     session.set("user", name).unwrap();
/// }
///
/// #[get("/me")]
/// fn me(session: Session<'_>) -> String {
///     session.get::<String>("user").unwrap().unwrap_or_default()
/// }
///
/// let rocket = rocket::build()
///     .attach(Sealed::fairing().with_validator(NoBannedUsers))
///     .mount("/", routes![login, me]);
/// let client = Client::tracked(rocket).unwrap();
/// client.get("/login/ada").dispatch();
/// assert_eq!(client.get("/me").dispatch().into_string().unwrap(), "ada");
/// client.get("/login/mallory").dispatch();
/// // The next request's session is refused: empty, and its cookie deleted.
/// assert_eq!(client.get("/me").dispatch().into_string().unwrap(), "");
/// ```
#[rocket::async_trait]
pub trait Validator: Send + Sync + 'static {
    /// `true` to accept the loaded session, `false` to revoke it.
    async fn validate(&self, session: &SessionState, request: &Request<'_>) -> bool;
}

/// When the "yes" a validator is about to give was established, if before this request: a
/// validator answering from a memo of an earlier lookup says so, and the session seals that
/// time rather than the request's. A sealed verdict time is then never later than the
/// lookup it stands for, which is what bounds a copy's life after sign-out to the interval.
struct AnsweredAt(AtomicU64);

/// `u64::MAX`: nothing recorded.
fn answered_at<'r>(req: &'r Request<'_>) -> &'r AnsweredAt {
    req.local_cache(|| AnsweredAt(AtomicU64::new(u64::MAX)))
}

/// Records that the verdict now being given holds as of `at` (unix seconds).
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) fn record_answered_at(req: &Request<'_>, at: u64) {
    answered_at(req).0.store(at, Relaxed);
}

/// The time recorded by [`record_answered_at`] during the last validation, taken away.
pub(crate) fn take_answered_at(req: &Request<'_>) -> Option<u64> {
    Some(answered_at(req).0.swap(u64::MAX, Relaxed)).filter(|&at| at != u64::MAX)
}
