//! The `TempData<'_>` guard.

use rocket::request::{FromRequest, Outcome};
use rocket::{Ignite, Request, Rocket, Sentinel};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{GuardError, debug_store, fairing_missing};
use crate::request::{
    Cookies, RequestStores, load_session, load_tempdata, open_session, sent_cookies,
};
use crate::store::{Level, TempDataState};
use crate::{Error, Sealed, SessionId, Status};

/// With a validator installed, has the request's session judged (by the `Session` guard)
/// before TempData is opened under it: TempData opens only under the session it was written
/// under, and a refused session must not count as that session.
pub(crate) async fn judge_session(req: &Request<'_>) {
    if Sealed::fetch(req.rocket()).is_some_and(|s| s.validator.is_some()) {
        // Its outcome does not matter here: a failure (inside the validator) leaves the
        // session unjudged, and TempData then opens under the id the cookie carries.
        let _ = req.guard::<crate::Session<'_>>().await;
    }
}

/// One-shot entries that survive until they are read, with ASP.NET Core's TempData rules; flash
/// messages live here too.
///
/// A request guard that never fails, as [`Session`](crate::Session): a missing or refused cookie
/// gives an empty TempData whose [`status()`](TempData::status) says why, and nothing is decrypted
/// until a method is called. Changes are written by the fairing when the response leaves.
///
/// Each method does what the [`TempDataState`](crate::store::TempDataState) method of the same
/// name does, on the request's TempData; the rules are documented there, and all of them at once
/// in the README's "TempData rules" table. In short: an entry read with [`get`](TempData::get) is
/// gone after this request, unless it is kept ([`keep`](TempData::keep),
/// [`keep_all`](TempData::keep_all)) or the response is a redirect (301, 302, 303, 307, 308, with
/// `keep_on_redirect` on, the default); [`peek`](TempData::peek) reads without marking; a 5xx
/// response leaves everything as it was. Flash messages are one entry among the others,
/// [`FLASH_KEY`](crate::store::FLASH_KEY), which a [`Flashes`](crate::Flashes) guard reads.
///
/// ```
/// use rocket::response::Redirect;
/// use rocket::{get, post, routes};
/// use rocket_sealed::TempData;
///
/// #[post("/order")]
/// fn order(temp: TempData<'_>) -> Redirect {
///     temp.set("order", &42u64).unwrap();
///     Redirect::to("/pay")
/// }
///
/// #[get("/pay")]
/// fn pay(temp: TempData<'_>) -> Redirect {
///     let _order: Option<u64> = temp.get("order").unwrap(); // read, but redirected: kept
///     Redirect::to("/thanks")
/// }
///
/// #[get("/thanks")]
/// fn thanks(temp: TempData<'_>) -> String {
///     match temp.get::<u64>("order").unwrap() {
///         Some(id) => format!("Thanks for order {id}"),
///         None => "No recent order".to_owned(),
///     }
/// }
///
/// # use rocket::local::blocking::Client;
/// # use rocket_sealed::Sealed;
/// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![order, pay, thanks]);
/// let client = Client::tracked(rocket).unwrap();
/// client.post("/order").dispatch();
/// client.get("/pay").dispatch();
/// // Read without a redirect: shown once.
/// assert_eq!(client.get("/thanks").dispatch().into_string().unwrap(), "Thanks for order 42");
/// assert_eq!(client.get("/thanks").dispatch().into_string().unwrap(), "No recent order");
/// ```
pub struct TempData<'r> {
    sealed: &'r Sealed,
    pub(crate) stores: &'r RequestStores,
    jar: Cookies<'r>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for TempData<'r> {
    type Error = GuardError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        judge_session(req).await;
        match TempData::from_req(req) {
            Some(temp) => Outcome::Success(temp),
            None => fairing_missing(),
        }
    }
}

impl Sentinel for TempData<'_> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        Sealed::missing_for(rocket, "TempData")
    }
}

/// The cookie's name and, if a method already loaded it, the state (status, entries' names,
/// which are read and kept; no values). Formatting never loads TempData.
impl std::fmt::Debug for TempData<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = &self.sealed.tempdata.name;
        debug_store(f, "TempData", name, self.stores.try_tempdata())
    }
}

impl<'r> TempData<'r> {
    pub(crate) fn from_req(req: &'r Request<'_>) -> Option<TempData<'r>> {
        let sealed = Sealed::fetch(req.rocket())?;
        let stores = RequestStores::get(req);
        Some(TempData {
            sealed,
            stores,
            jar: Cookies::of(req),
        })
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut TempDataState) -> R) -> R {
        // Asked before TempData's lock is taken, so the two locks are never held together.
        let current = (!self.stores.tempdata().is_loaded()).then(|| self.current_session());
        let mut cell = self.stores.tempdata();
        f(cell.get_or_load(|| {
            let sent = sent_cookies(self.jar, &self.sealed.tempdata.name);
            let mut state = load_tempdata(self.sealed, &sent, self.stores.now(self.sealed));
            state.open_under(current.flatten());
            state
        }))
    }

    /// The id of the stored session this request carries, which TempData is bound to.
    fn current_session(&self) -> Option<SessionId> {
        let now = self.stores.now(self.sealed);
        let sent = || sent_cookies(self.jar, &self.sealed.session.name);
        // Not waited for: the session may be locked by this very thread (a TempData call
        // inside `Session::update`'s closure).
        if let Some(mut cell) = self.stores.try_session() {
            if let Some(state) = cell.loaded() {
                return state.sent_id();
            }
            if self.sealed.validator.is_none() {
                // Loaded as a `Session` would load it, and kept for one.
                return cell
                    .get_or_load(|| load_session(self.sealed, &sent(), now))
                    .sent_id();
            }
        }
        // Opened for its id only and not kept: a `Session` guard must still judge it. The
        // guards run that judgement first; only a `Flash` answering a route that took neither
        // guard gets here, and it only adds messages.
        open_session(self.sealed, &sent(), now).sent_id()
    }

    /// Reads `key` and marks it for deletion at the end of this request.
    ///
    /// See [`TempDataState::get`](crate::store::TempDataState::get) for the rules.
    ///
    /// # Errors
    ///
    /// [`Error::SchemaChanged`] if the entry does not read as `T` (another type, or a shape
    /// changed incompatibly).
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.with(|t| t.get(key))
    }

    /// Reads `key` without marking it.
    ///
    /// See [`TempDataState::peek`](crate::store::TempDataState::peek) for the rules.
    ///
    /// # Errors
    ///
    /// [`Error::SchemaChanged`] if the entry does not read as `T` (another type, or a shape
    /// changed incompatibly).
    pub fn peek<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.with(|t| t.peek(key))
    }

    /// Stores `value` under `key` for the next request.
    ///
    /// See [`TempDataState::set`](crate::store::TempDataState::set) for the rules.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] if `value`'s `Serialize` fails (`#[serde(flatten)]` does); nothing is
    /// stored then.
    pub fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), Error> {
        self.with(|t| t.set(key, value))
    }

    /// Keeps `key` for one more request even though it was read.
    ///
    /// See [`TempDataState::keep`](crate::store::TempDataState::keep) for the rules.
    pub fn keep(&self, key: &str) {
        self.with(|t| t.keep(key))
    }

    /// Keeps every entry there now for one more request, as ASP.NET Core's `Keep()`.
    ///
    /// See [`TempDataState::keep_all`](crate::store::TempDataState::keep_all) for the rules.
    pub fn keep_all(&self) {
        self.with(|t| t.keep_all())
    }

    /// Removes `key` now; `true` if it was there.
    ///
    /// See [`TempDataState::remove`](crate::store::TempDataState::remove) for the rules.
    pub fn remove(&self, key: &str) -> bool {
        self.with(|t| t.remove(key))
    }

    /// `true` if `key` holds a value (read or not).
    ///
    /// See [`TempDataState::contains`](crate::store::TempDataState::contains) for the rules.
    pub fn contains(&self, key: &str) -> bool {
        self.with(|t| t.contains(key))
    }

    /// The entries' names, in name order (not the order they were set in).
    ///
    /// See [`TempDataState::keys`](crate::store::TempDataState::keys) for the rules.
    pub fn keys(&self) -> Vec<String> {
        self.with(|t| t.keys())
    }

    /// Number of entries (read or not).
    ///
    /// See [`TempDataState::len`](crate::store::TempDataState::len) for the rules.
    pub fn len(&self) -> usize {
        self.with(|t| t.len())
    }

    /// `true` when there are no entries.
    ///
    /// See [`TempDataState::is_empty`](crate::store::TempDataState::is_empty) for the rules.
    pub fn is_empty(&self) -> bool {
        self.with(|t| t.is_empty())
    }

    /// Stored size of an entry in bytes, if known without encoding it.
    ///
    /// See [`TempDataState::entry_len`](crate::store::TempDataState::entry_len) for the rules.
    pub fn entry_len(&self, key: &str) -> Option<usize> {
        self.with(|t| t.entry_len(key))
    }

    /// The keys whose stored value this request could not read as the type it asked for;
    /// each is counted, logged with its key and dropped when this response is written, as
    /// [`Session::unreadable_keys`](crate::Session::unreadable_keys) says for the session.
    ///
    /// ```
    /// use rocket::{get, routes};
    /// use rocket_sealed::TempData;
    ///
    /// #[get("/")]
    /// fn index(temp: TempData<'_>) -> String {
    ///     temp.set("step", "two").unwrap();
    ///     let step = temp.peek::<u32>("step");
    ///     format!("{} {:?}", step.is_err(), temp.unreadable_keys())
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes![index]))
    /// #     .unwrap();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), r#"true ["step"]"#);
    /// ```
    pub fn unreadable_keys(&self) -> Vec<String> {
        self.with(|t| t.unreadable_keys())
    }

    /// How TempData was loaded: new, loaded, expired, or rejected and why.
    ///
    /// See [`TempDataState::status`](crate::store::TempDataState::status) for the rules.
    pub fn status(&self) -> Status {
        self.with(|t| t.status().clone())
    }

    /// Adds a flash message for the next page (see also the [`Flash`](crate::Flash) responder).
    ///
    /// See [`TempDataState::flash`](crate::store::TempDataState::flash) for the rules.
    ///
    /// # Errors
    ///
    /// [`Error::SchemaChanged`] if [`FLASH_KEY`](crate::store::FLASH_KEY) holds something other than
    /// flash messages (written there with [`set`](TempData::set)).
    pub fn flash(&self, level: Level, text: impl Into<String>) -> Result<(), Error> {
        self.with(|t| t.flash(level, text))
    }

    /// Checks now that what would survive this request fits the budget; returns the bytes needed.
    ///
    /// As with [`Session::commit`](crate::Session::commit), the handler can react before the
    /// fairing skips a write that does not fit. See
    /// [`TempDataState::check_size`](crate::store::TempDataState::check_size) for how the size
    /// is counted; it is counted as the fairing will write it, with one guess: when
    /// `keep_on_redirect` is on, read entries count as kept, as they would be if the response
    /// turned out to be a redirect.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] if it does not fit the budget (or `max_chunks` chunks).
    pub fn commit(&self) -> Result<usize, Error> {
        let now = self.stores.now(self.sealed);
        let worst = self.sealed.config.tempdata.keep_on_redirect;
        self.with(|t| {
            // Measured as the fairing will write it.
            crate::flash::settle_offered(self.stores, t);
            t.check_size(&self.sealed.tempdata, worst, now)
        })
    }
}
