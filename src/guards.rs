//! The request guards `Session<'_>` and `TempData<'_>`.

use rocket::http::CookieJar;
use rocket::request::{FromRequest, Outcome};
use rocket::{Ignite, Request, Rocket, Sentinel};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::fairing::{load_session, load_tempdata, note_status, sent_cookies, RequestStores};
use crate::store::{Level, SessionId, SessionState, TempDataState};
use crate::{Error, Sealed, Status};

/// The session: a typed dictionary carried in a sealed cookie.
///
/// A request guard that never fails: a missing or refused cookie gives an empty session whose
/// [`status()`](Session::status) says why. Nothing is decrypted until a method is called, and
/// every `Session` (and [`TempData`]) in one request shares the same state. Changes are written
/// by the fairing when the response leaves.
///
/// Taking a `Session` in a route while the fairing is not attached makes launch fail; asked
/// for from inside another guard (`req.guard::<Session>()`), where Rocket cannot see it at
/// launch, it fails the request with a 500 and [`GuardError::FairingMissing`].
///
/// ```
/// use rocket::{get, post, routes};
/// use rocket_sealed::Session;
///
/// #[post("/visit")]
/// fn visit(session: Session<'_>) -> String {
///     let n = session.update::<u32, _>("visits", |n| { *n += 1; *n }).unwrap();
///     format!("visit number {n}")
/// }
///
/// #[get("/visits")]
/// fn visits(session: Session<'_>) -> String {
///     let n: u32 = session.get("visits").unwrap().unwrap_or(0);
///     format!("{n} visits")
/// }
///
/// # use rocket::local::blocking::Client;
/// # use rocket_sealed::Sealed;
/// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![visit, visits]);
/// let client = Client::tracked(rocket).unwrap();
/// client.post("/visit").dispatch();
/// assert_eq!(client.post("/visit").dispatch().into_string().unwrap(), "visit number 2");
/// assert_eq!(client.get("/visits").dispatch().into_string().unwrap(), "2 visits");
/// ```
///
pub struct Session<'r> {
    sealed: &'r Sealed,
    stores: &'r RequestStores,
    jar: &'r CookieJar<'r>,
}

/// One-shot entries that survive until they are read, with ASP.NET Core's TempData rules; flash
/// messages live here too.
///
/// | what the request did with an entry            | kept for the next request? |
/// |-----------------------------------------------|----------------------------|
/// | loaded, not touched                           | yes                        |
/// | loaded, [`peek`](TempData::peek)ed            | yes                        |
/// | loaded, [`get`](TempData::get) (read)         | no                         |
/// | read, then [`keep`](TempData::keep)/[`keep_all`](TempData::keep_all) | yes |
/// | read, and the response is a redirect (301, 302, 303, 307, 308) | yes (unless `keep_on_redirect = false`) |
/// | [`set`](TempData::set) in this request        | yes                        |
/// | set, then read in this request                | no                         |
///
/// ```
/// use rocket::{get, post, routes};
/// use rocket::response::Redirect;
/// use rocket_sealed::TempData;
///
/// #[post("/draft")]
/// fn save(temp: TempData<'_>) -> Redirect {
///     temp.set("draft", "half a letter").unwrap();
///     Redirect::to("/draft")
/// }
///
/// #[get("/draft")]
/// fn show(temp: TempData<'_>) -> String {
///     // Shown once: a reload finds nothing.
///     temp.get::<String>("draft").unwrap().unwrap_or_default()
/// }
/// # use rocket::local::blocking::Client;
/// # use rocket_sealed::Sealed;
/// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![save, show]);
/// let client = Client::tracked(rocket).unwrap();
/// client.post("/draft").dispatch();
/// assert_eq!(client.get("/draft").dispatch().into_string().unwrap(), "half a letter");
/// assert_eq!(client.get("/draft").dispatch().into_string().unwrap(), "");
/// ```
pub struct TempData<'r> {
    sealed: &'r Sealed,
    pub(crate) stores: &'r RequestStores,
    jar: &'r CookieJar<'r>,
}

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
    Outcome::Error((
        rocket::http::Status::InternalServerError,
        GuardError::FairingMissing,
    ))
}

fn sealed_state<'r>(req: &'r Request<'_>) -> Option<&'r Sealed> {
    let sealed = req.rocket().state::<Sealed>();
    if sealed.is_none() {
        log::error!("rocket_sealed: a guard was used but the `Sealed` fairing is not attached");
    }
    sealed
}

rocket::tokio::task_local! {
    /// Set for the futures a session's validator polls (and only for those: not for a guard
    /// running beside it, and not once the validation is done, dropped or panicked).
    static VALIDATING: ();
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Session<'r> {
    type Error = GuardError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let Some(sealed) = sealed_state(req) else {
            return fairing_missing();
        };
        let stores = RequestStores::get(req);
        let jar = req.cookies();
        // With a validator the session is opened now, because the check is async.
        let unchecked = sealed
            .validator
            .as_ref()
            .filter(|_| !stores.session().is_loaded());
        if let Some(validator) = unchecked {
            if VALIDATING.try_with(|_| ()).is_ok() {
                log::error!(
                    "rocket_sealed: the `Session` guard was asked for inside the session's \
                     validator; the validator is handed the session, use that"
                );
                return Outcome::Error((
                    rocket::http::Status::InternalServerError,
                    GuardError::InsideValidator,
                ));
            }
            let now = stores.now(sealed);
            let sent = sent_cookies(jar, &sealed.session.name);
            let mut state = load_session(sealed, &sent, now);
            let accepted = !state.status().is_loaded()
                || VALIDATING.scope((), validator.validate(&state, req)).await;
            if !accepted {
                state.revoke(now);
                note_status(sealed, "session", state.status());
            }
            // A Session guard polled beside this one (join!) may have stored its own judgement
            // while this one waited: the first one stands, with whatever was done through it.
            let mut cell = stores.session();
            if !cell.is_loaded() {
                cell.put(state);
            }
        }
        Outcome::Success(Session {
            sealed,
            stores,
            jar,
        })
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for TempData<'r> {
    type Error = GuardError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match TempData::from_req(req) {
            Some(temp) => Outcome::Success(temp),
            None => fairing_missing(),
        }
    }
}

impl Sentinel for Session<'_> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        rocket.state::<Sealed>().is_none()
    }
}

impl Sentinel for TempData<'_> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        rocket.state::<Sealed>().is_none()
    }
}

/// The cookie's name and, if a method already loaded it, the state (status, id, keys; no
/// values). Formatting never loads the session.
impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cell = self.stores.try_session();
        f.debug_struct("Session")
            .field("cookie", &self.sealed.session.name)
            .field("state", &cell.as_ref().and_then(|c| c.loaded()))
            .finish()
    }
}

/// The cookie's name and, if a method already loaded it, the state (status, entries' names,
/// which are read and kept; no values). Formatting never loads TempData.
impl std::fmt::Debug for TempData<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cell = self.stores.try_tempdata();
        f.debug_struct("TempData")
            .field("cookie", &self.sealed.tempdata.name)
            .field("state", &cell.as_ref().and_then(|c| c.loaded()))
            .finish()
    }
}

impl<'r> Session<'r> {
    fn with<R>(&self, f: impl FnOnce(&mut SessionState) -> R) -> R {
        let mut cell = self.stores.session();
        f(cell.get_or_load(|| {
            let sent = sent_cookies(self.jar, &self.sealed.session.name);
            load_session(self.sealed, &sent, self.stores.now(self.sealed))
        }))
    }

    /// The value under `key` as `T`: `Ok(None)` if absent, `Err(Error::Decode)` if it was
    /// stored as another type.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.with(|s| s.get(key))
    }

    /// Stores `value` under `key`.
    pub fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), Error> {
        self.with(|s| s.set(key, value))
    }

    /// Gets the value under `key` (or `T::default()`), lets `f` change it in place, and writes
    /// it back once, at commit. Returns what `f` returns.
    ///
    /// The session counts as changed even if `f` changes nothing (on a new session, the
    /// default value is stored): use [`get`](Session::get) to only read. `f` may use the
    /// session too; while it runs, `key` still holds its value from before, and whatever
    /// `f` stores under `key` itself is replaced by the value `f` was handed.
    pub fn update<T, R>(&self, key: &str, f: impl FnOnce(&mut T) -> R) -> Result<R, Error>
    where
        T: Serialize + DeserializeOwned + Default + Send + Sync + 'static,
    {
        // `f` runs without the request's lock, so that it may use this session.
        let mut value: T = self.with(|s| s.take_for_update(key))?;
        let result = f(&mut value);
        self.with(|s| s.finish_update(key, value));
        Ok(result)
    }

    /// Removes `key`; `true` if it was there.
    pub fn remove(&self, key: &str) -> bool {
        self.with(|s| s.remove(key))
    }

    /// `true` if `key` holds a value.
    pub fn contains(&self, key: &str) -> bool {
        self.with(|s| s.contains(key))
    }

    /// The entries' names, in order.
    pub fn keys(&self) -> Vec<String> {
        self.with(|s| s.keys())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.with(|s| s.len())
    }

    /// `true` when the session holds nothing (and so stores no cookie).
    pub fn is_empty(&self) -> bool {
        self.with(|s| s.is_empty())
    }

    /// Removes every entry; the session's cookies are deleted when the response leaves.
    pub fn clear(&self) {
        self.with(|s| s.clear())
    }

    /// The session id.
    pub fn id(&self) -> SessionId {
        self.with(|s| s.id())
    }

    /// Gives the session a new id, keeping its data; the absolute timeout starts again. Call
    /// it on sign-in.
    pub fn renew(&self) {
        let now = self.stores.now(self.sealed);
        self.with(|s| s.renew(now))
    }

    /// How the session was loaded: new, loaded, or rejected and why.
    pub fn status(&self) -> Status {
        self.with(|s| s.status().clone())
    }

    /// When the session was created and last sealed (unix seconds).
    pub fn timestamps(&self) -> (u64, u64) {
        self.with(|s| (s.issued_at(), s.refreshed_at()))
    }

    /// Stored size of an entry in bytes, if known without encoding it.
    pub fn entry_len(&self, key: &str) -> Option<usize> {
        self.with(|s| s.entry_len(key))
    }

    /// Checks now that the session fits its budget and returns the bytes its cookies will take
    /// in the `Cookie` header; `Err(Error::TooLarge)` lets the handler react (the fairing would
    /// otherwise skip the write and keep the old cookie).
    pub fn commit(&self) -> Result<usize, Error> {
        let now = self.stores.now(self.sealed);
        self.with(|s| s.check_size(&self.sealed.session, now))
    }
}

impl<'r> TempData<'r> {
    pub(crate) fn from_req(req: &'r Request<'_>) -> Option<TempData<'r>> {
        let sealed = sealed_state(req)?;
        let stores = RequestStores::get(req);
        Some(TempData {
            sealed,
            stores,
            jar: req.cookies(),
        })
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut TempDataState) -> R) -> R {
        let mut cell = self.stores.tempdata();
        f(cell.get_or_load(|| {
            let sent = sent_cookies(self.jar, &self.sealed.tempdata.name);
            load_tempdata(self.sealed, &sent, self.stores.now(self.sealed))
        }))
    }

    /// Reads `key` and marks it for deletion at the end of this request.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.with(|t| t.get(key))
    }

    /// Reads `key` without marking it.
    pub fn peek<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.with(|t| t.peek(key))
    }

    /// Stores `value` under `key` for the next request.
    pub fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), Error> {
        self.with(|t| t.set(key, value))
    }

    /// Keeps `key` for one more request even though it was read.
    pub fn keep(&self, key: &str) {
        self.with(|t| t.keep(key))
    }

    /// Keeps every entry for one more request.
    pub fn keep_all(&self) {
        self.with(|t| t.keep_all())
    }

    /// Removes `key` now; `true` if it was there.
    pub fn remove(&self, key: &str) -> bool {
        self.with(|t| t.remove(key))
    }

    /// `true` if `key` holds a value (read or not).
    pub fn contains(&self, key: &str) -> bool {
        self.with(|t| t.contains(key))
    }

    /// The entries' names, in order.
    pub fn keys(&self) -> Vec<String> {
        self.with(|t| t.keys())
    }

    /// Number of entries (read or not).
    pub fn len(&self) -> usize {
        self.with(|t| t.len())
    }

    /// `true` when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.with(|t| t.is_empty())
    }

    /// Stored size of an entry in bytes, if known without encoding it.
    pub fn entry_len(&self, key: &str) -> Option<usize> {
        self.with(|t| t.entry_len(key))
    }

    /// How TempData was loaded: new, loaded, or rejected and why.
    pub fn status(&self) -> Status {
        self.with(|t| t.status().clone())
    }

    /// Adds a flash message for the next page (see also [`Flash`](crate::Flash)).
    pub fn flash(&self, level: Level, text: impl Into<String>) -> Result<(), Error> {
        self.with(|t| t.flash(level, text))
    }

    /// Checks now that what would survive this request fits the budget; returns the bytes
    /// needed. When `keep_on_redirect` is on, read entries count as kept, as they would be if
    /// the response turned out to be a redirect.
    pub fn commit(&self) -> Result<usize, Error> {
        let now = self.stores.now(self.sealed);
        let worst = self.sealed.config.tempdata.keep_on_redirect;
        let seen = self.stores.flashes_seen();
        self.with(|t| {
            // Flashes a `Flashes` guard handed out count as gone only once they were looked
            // at (the fairing does the same at commit); until then they count as kept.
            if seen {
                t.flashes_shown();
            }
            t.check_size(&self.sealed.tempdata, worst, now)
        })
    }
}
