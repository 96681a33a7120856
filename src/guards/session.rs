//! The `Session<'_>` guard.

use rocket::request::{FromRequest, Outcome};
use rocket::{Ignite, Request, Rocket, Sentinel};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{GuardError, debug_store, fairing_missing};
use crate::request::{Cookies, RequestStores, load_session, note_status, sent_cookies};
use crate::store::{SessionId, SessionState};
use crate::{Error, Sealed, Status};

/// The session: a typed dictionary carried in a sealed cookie.
///
/// A request guard that never fails: a missing or refused cookie gives an empty session whose
/// [`status()`](Session::status) says why. Nothing is decrypted until a method is called, and
/// every `Session` (and [`TempData`](crate::TempData)) in one request shares the same state.
/// Changes are written by the fairing when the response leaves.
///
/// Each method does what the [`SessionState`](crate::store::SessionState) method of the same
/// name does, on the request's session; the rules are documented there.
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
///     // The closure must not use `session`: it takes out what the handler needs.
///     let mut visits = 0;
///     session
///         .update::<u32>("visits", |n| {
///             *n += 1;
///             visits = *n;
///         })
///         .unwrap();
///     format!("visit number {visits}")
/// }
///
/// #[get("/visits")]
/// fn visits(session: Session<'_>) -> String {
///     let n: u32 = session.get("visits").unwrap().unwrap_or(0);
///     format!("{n} visits, {}", session.status())
/// }
///
/// # use rocket::http::Cookie;
/// # use rocket::local::blocking::Client;
/// # use rocket_sealed::Sealed;
/// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![visit, visits]);
/// let client = Client::tracked(rocket).unwrap();
/// assert_eq!(client.get("/visits").dispatch().into_string().unwrap(), "0 visits, new");
/// client.post("/visit").dispatch();
/// assert_eq!(client.post("/visit").dispatch().into_string().unwrap(), "visit number 2");
/// assert_eq!(client.get("/visits").dispatch().into_string().unwrap(), "2 visits, loaded");
///
/// // A cookie changed in the browser gives an empty session, and the request goes on.
/// let mut value = client.cookies().get("sealed_session").unwrap().value().to_owned();
/// let middle = value.len() / 2;
/// let other = if &value[middle..=middle] == "A" { "B" } else { "A" };
/// value.replace_range(middle..=middle, other);
/// let tampered = client.get("/visits").cookie(Cookie::new("sealed_session", value));
/// let page = tampered.dispatch().into_string().unwrap();
/// assert!(page.starts_with("0 visits, rejected (authentication failed"));
/// ```
pub struct Session<'r> {
    sealed: &'r Sealed,
    stores: &'r RequestStores,
    jar: Cookies<'r>,
}

std::thread_local! {
    /// The request whose session an `update` closure on this thread is changing (null when
    /// none): the closure is synchronous, so it runs on this thread from start to end.
    static UPDATING: std::cell::Cell<*const RequestStores> =
        const { std::cell::Cell::new(std::ptr::null()) };
}

/// Marks the time an `update` closure runs, so that a `Session` method called from inside it
/// fails loudly instead of waiting for the lock its own update holds.
struct UpdateClosure(*const RequestStores);

impl UpdateClosure {
    fn enter(stores: &RequestStores) -> UpdateClosure {
        UpdateClosure(UPDATING.with(|u| u.replace(stores)))
    }

    fn is_running(stores: &RequestStores) -> bool {
        UPDATING.with(|u| std::ptr::eq(u.get(), stores))
    }
}

impl Drop for UpdateClosure {
    fn drop(&mut self) {
        // Also on a panic in the closure: the thread goes on to serve other requests.
        UPDATING.with(|u| u.set(self.0));
    }
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
        let Some(sealed) = Sealed::fetch(req.rocket()) else {
            return fairing_missing();
        };
        let stores = RequestStores::get(req);
        let jar = Cookies::of(req);
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
            // A "yes" younger than the revalidation interval stands: no lookup.
            let interval = sealed.config.session.revalidate_secs;
            let judge = state.status().is_loaded() && !state.recently_validated(now, interval);
            let accepted = !judge || VALIDATING.scope((), validator.validate(&state, req)).await;
            // Taken on every judgement, so that no time outlives the verdict it came with.
            let answered_at = judge
                .then(|| crate::validator::take_answered_at(req))
                .flatten();
            if !accepted {
                state.revoke(now);
                note_status(sealed, "session", state.status());
            } else if judge && interval > 0 {
                state.mark_validated(answered_at.map_or(now, |at| at.min(now)));
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

impl Sentinel for Session<'_> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        Sealed::missing_for(rocket, "Session")
    }
}

/// The cookie's name and, if a method already loaded it, the state (status, id, keys; no
/// values). Formatting never loads the session.
impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = &self.sealed.session.name;
        debug_store(f, "Session", name, self.stores.try_session())
    }
}

impl<'r> Session<'r> {
    /// Records the validator's "yes" as of this request (a registry's sign-in is one), so the
    /// next requests within `session.revalidate_secs` cost no lookup.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn mark_validated(&self) {
        let now = self.stores.now(self.sealed);
        if self.sealed.config.session.revalidate_secs > 0 {
            self.with(|s| s.mark_validated(now));
        }
    }

    /// The state this guard belongs to.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn sealed(&self) -> &'r Sealed {
        self.sealed
    }

    /// Runs `f` on the request's session (loading it if needed).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn inspect<R>(&self, f: impl FnOnce(&SessionState) -> R) -> R {
        self.with(|s| f(s))
    }

    fn with<R>(&self, f: impl FnOnce(&mut SessionState) -> R) -> R {
        if UpdateClosure::is_running(self.stores) {
            panic!(
                "rocket_sealed: a `Session` method was called from inside the closure of \
                 `Session::update` on the same session; read or change other entries before or \
                 after the update"
            );
        }
        let mut cell = self.stores.session();
        f(cell.get_or_load(|| {
            let sent = sent_cookies(self.jar, &self.sealed.session.name);
            load_session(self.sealed, &sent, self.stores.now(self.sealed))
        }))
    }

    /// The value under `key` as `T`: `Ok(None)` if absent, `Err(Error::SchemaChanged { .. })`
    /// if it was stored as another type or under a shape that does not read as `T` (see
    /// [`migrate`](Session::migrate)).
    ///
    /// See [`SessionState::get`](crate::store::SessionState::get) for the rules.
    ///
    /// # Errors
    ///
    /// [`Error::SchemaChanged`] if the entry does not read as `T` (another type, or a shape
    /// changed incompatibly; see [`migrate`](Session::migrate)); [`Error::Encode`] if it was changed
    /// through [`update`](Session::update) in this request and its `Serialize` fails.
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.with(|s| s.get(key))
    }

    /// Stores `value` under `key`, replacing what was there.
    ///
    /// See [`SessionState::set`](crate::store::SessionState::set) for the rules.
    ///
    /// # Errors
    ///
    /// [`Error::Encode`] if `value`'s `Serialize` fails (`#[serde(flatten)]` does); nothing is
    /// stored then.
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), Error> {
        self.with(|s| s.set(key, value))
    }

    /// Gets the value under `key` (or `T::default()`), lets `f` change it in place, and writes
    /// it back once, at commit.
    ///
    /// See [`SessionState::update`](crate::store::SessionState::update) for the rules; the
    /// example on [`Session`] calls it in a handler.
    ///
    /// # Errors
    ///
    /// None for a stored value that does not read as `T`: it is given up (reported by
    /// [`unreadable_keys`](Session::unreadable_keys)) and `f` starts from the default. The
    /// `Result` stays so that a later rule may refuse without breaking callers.
    ///
    /// # Panics
    ///
    /// If `f` calls a method of the same session. The whole update holds the request's state,
    /// so it is one step even when threads share the session; a call from inside `f` panics
    /// with a message saying so (Rocket answers that request with a 500 and persists nothing),
    /// as a `RefCell` borrowed twice does, instead of waiting forever for what its own update
    /// holds.
    pub fn update<T>(&self, key: &str, f: impl FnOnce(&mut T)) -> Result<(), Error>
    where
        T: Serialize + DeserializeOwned + Default + Send + Sync + 'static,
    {
        self.with(|s| {
            let _inside = UpdateClosure::enter(self.stores);
            s.update(key, f)
        })
    }

    /// Reads `key` as `New`, or, if it holds an `Old` (a value an earlier version of the app
    /// stored), converts it with `f` and stores the result: one line carries values across an
    /// incompatible change of a stored type. `Ok(None)` if absent. As for
    /// [`update`](Session::update), `f` must not use the same session.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::Session;
    /// use serde::{Deserialize, Serialize};
    ///
    /// /// What the previous deploy stored under "cart".
    /// #[derive(Serialize, Deserialize)]
    /// struct CartV1 { items: Vec<String> }
    ///
    /// #[derive(Default, Serialize, Deserialize)]
    /// struct Cart { lines: Vec<(String, u32)> }
    ///
    /// impl From<CartV1> for Cart {
    ///     fn from(old: CartV1) -> Cart {
    ///         Cart { lines: old.items.into_iter().map(|item| (item, 1)).collect() }
    ///     }
    /// }
    ///
    /// #[post("/old")]
    /// fn old(session: Session<'_>) {
    ///     session.set("cart", &CartV1 { items: vec!["tea".into()] }).unwrap();
    /// }
    ///
    /// #[get("/")]
    /// fn index(session: Session<'_>) -> String {
    ///     let cart = session.migrate::<CartV1, Cart>("cart", Cart::from).ok().flatten();
    ///     format!("{:?}", cart.unwrap_or_default().lines)
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![old, index];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/old").dispatch();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), r#"[("tea", 1)]"#);
    /// // Stored as a `Cart` since: read as it is.
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), r#"[("tea", 1)]"#);
    /// ```
    pub fn migrate<Old, New>(
        &self,
        key: &str,
        f: impl FnOnce(Old) -> New,
    ) -> Result<Option<New>, Error>
    where
        Old: DeserializeOwned,
        New: Serialize + DeserializeOwned,
    {
        self.with(|s| {
            let _inside = UpdateClosure::enter(self.stores);
            s.migrate(key, f)
        })
    }

    /// The keys whose stored value this request could not read as the type it asked for
    /// (`Err(Error::SchemaChanged { .. })` from [`get`](Session::get), or a value
    /// [`update`](Session::update) gave up). Each is counted
    /// ([`CounterSnapshot::unreadable_values`](crate::CounterSnapshot::unreadable_values)),
    /// logged with its key, and dropped when the session is next written, unless the handler
    /// writes it again. The session's [`status`](Session::status) stays `Loaded`: the cookie
    /// was fine, one value in it is not.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::Session;
    ///
    /// #[post("/visits")]
    /// fn visits(session: Session<'_>) {
    ///     session.set("visits", &3u32).unwrap();
    /// }
    ///
    /// #[get("/")]
    /// fn index(session: Session<'_>) -> String {
    ///     // A later deploy stores a list under the same key.
    ///     let visits: Vec<u64> = session.get("visits").ok().flatten().unwrap_or_default();
    ///     format!("{visits:?} {:?}", session.unreadable_keys())
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![visits, index];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/visits").dispatch();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), r#"[] ["visits"]"#);
    /// let counters = client.rocket().state::<Sealed>().unwrap().counters().snapshot();
    /// assert_eq!(counters.unreadable_values, 1);
    /// ```
    pub fn unreadable_keys(&self) -> Vec<String> {
        self.with(|s| s.unreadable_keys())
    }

    /// Removes `key`; `true` if it was there.
    ///
    /// See [`SessionState::remove`](crate::store::SessionState::remove) for the rules.
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn remove(&self, key: &str) -> bool {
        self.with(|s| s.remove(key))
    }

    /// `true` if `key` holds a value (of any type: nothing is decoded).
    ///
    /// See [`SessionState::contains`](crate::store::SessionState::contains) for the rules.
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn contains(&self, key: &str) -> bool {
        self.with(|s| s.contains(key))
    }

    /// The entries' names, in name order (not the order they were set in).
    ///
    /// See [`SessionState::keys`](crate::store::SessionState::keys) for the rules.
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn keys(&self) -> Vec<String> {
        self.with(|s| s.keys())
    }

    /// Number of entries.
    ///
    /// See [`SessionState::len`](crate::store::SessionState::len) for the rules.
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn len(&self) -> usize {
        self.with(|s| s.len())
    }

    /// `true` when the session holds no entries (and so stores no cookie, unless it holds a
    /// CSRF secret, which is not an entry).
    ///
    /// See [`SessionState::is_empty`](crate::store::SessionState::is_empty) for the rules.
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn is_empty(&self) -> bool {
        self.with(|s| s.is_empty())
    }

    /// Removes every entry; the session's cookies are deleted when the response leaves.
    ///
    /// See [`SessionState::clear`](crate::store::SessionState::clear) for the rules.
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn clear(&self) {
        self.with(|s| s.clear())
    }

    /// A CSRF token of this session, for a page; the [`CsrfToken`](crate::CsrfToken) guard
    /// gives the same. Draws the session's secret the first time (the session is then
    /// written, even if empty).
    ///
    /// See [`SessionState::csrf_token`](crate::store::SessionState::csrf_token) for the rules.
    ///
    /// ```
    /// use rocket::{get, routes};
    /// use rocket_sealed::Session;
    ///
    /// #[get("/")]
    /// fn page(session: Session<'_>) -> String {
    ///     let user: Option<String> = session.get("user").ok().flatten();
    ///     let token = session.csrf_token();
    ///     format!("{user:?} {}", token.len())
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![page]);
    /// # let client = Client::tracked(rocket).unwrap();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "None 86");
    /// // The secret is kept in the session's cookie, even with no entries.
    /// assert!(client.cookies().get("sealed_session").is_some());
    /// ```
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn csrf_token(&self) -> String {
        self.with(|s| s.csrf_token())
    }

    /// `true` if `token` is a CSRF token of this session: for a token sent some other way
    /// than [`CsrfForm`](crate::CsrfForm) and [`CsrfChecked`](crate::CsrfChecked) read it
    /// (a JSON body, say). Constant-time.
    ///
    /// See [`SessionState::verify_csrf`](crate::store::SessionState::verify_csrf) for the
    /// rules.
    ///
    /// ```
    /// use rocket::http::Status;
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::{CsrfToken, Session};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Rename {
    ///     csrf: String,
    ///     name: String,
    /// }
    ///
    /// #[get("/token")]
    /// fn token(token: CsrfToken) -> String {
    ///     token.to_string()
    /// }
    ///
    /// #[post("/rename", data = "<body>")]
    /// fn rename(session: Session<'_>, body: &str) -> Result<String, Status> {
    ///     let body: Rename = serde_json::from_str(body).map_err(|_| Status::BadRequest)?;
    ///     if !session.verify_csrf(&body.csrf) {
    ///         return Err(Status::Forbidden);
    ///     }
    ///     Ok(body.name)
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![token, rename]);
    /// # let client = Client::tracked(rocket).unwrap();
    /// let csrf = client.get("/token").dispatch().into_string().unwrap();
    /// let ok = client.post("/rename").body(format!(r#"{{"csrf":"{csrf}","name":"ada"}}"#));
    /// assert_eq!(ok.dispatch().status(), Status::Ok);
    /// let forged = client.post("/rename").body(r#"{"csrf":"guess","name":"eve"}"#);
    /// assert_eq!(forged.dispatch().status(), Status::Forbidden);
    /// ```
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn verify_csrf(&self, token: &str) -> bool {
        self.with(|s| s.verify_csrf(token))
    }

    /// The session id.
    ///
    /// See [`SessionState::id`](crate::store::SessionState::id) for the rules.
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn id(&self) -> SessionId {
        self.with(|s| s.id())
    }

    /// Gives the session a new id, keeping its data; the absolute timeout starts again. Call it on
    /// sign-in.
    ///
    /// See [`SessionState::renew`](crate::store::SessionState::renew) for the rules.
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn renew(&self) {
        let now = self.stores.now(self.sealed);
        self.with(|s| s.renew(now))
    }

    /// How the session was loaded: new, loaded, expired, or rejected and why.
    ///
    /// See [`SessionState::status`](crate::store::SessionState::status) for the rules; the
    /// example on [`Session`] shows it after a cookie was tampered with.
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn status(&self) -> Status {
        self.with(|s| s.status().clone())
    }

    /// When the session was created and last sealed (unix seconds).
    ///
    /// See [`SessionState::issued_at`](crate::store::SessionState::issued_at) and
    /// [`SessionState::refreshed_at`](crate::store::SessionState::refreshed_at) for the rules.
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn timestamps(&self) -> (u64, u64) {
        self.with(|s| (s.issued_at(), s.refreshed_at()))
    }

    /// Stored size of an entry in bytes, if known without encoding it.
    ///
    /// See [`SessionState::entry_len`](crate::store::SessionState::entry_len) for the rules.
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    pub fn entry_len(&self, key: &str) -> Option<usize> {
        self.with(|s| s.entry_len(key))
    }

    /// Checks now that the session fits its budget and returns the bytes its cookies will take
    /// in the `Cookie` header, so the handler can react to a session too large to write (the
    /// fairing would otherwise skip the write and keep the old cookie).
    ///
    /// See [`SessionState::check_size`](crate::store::SessionState::check_size) for how the size
    /// is counted. Reacting means changing the session back (as below): the error changes
    /// nothing by itself, and answering with an error status alone still leaves the fairing a
    /// session too large to write, which it logs as an error when the response leaves (unless
    /// the status is a 5xx, which writes nothing).
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] if the session does not fit its budget (or `max_chunks` chunks);
    /// [`Error::Encode`] if a value changed through [`update`](Session::update) does not
    /// serialize.
    ///
    /// # Panics
    ///
    /// If called inside the closure of [`update`](Session::update) on the same session.
    ///
    /// # Examples
    ///
    /// ```
    /// use rocket::{post, routes};
    /// use rocket_sealed::{Error, Session};
    ///
    /// #[post("/note", data = "<text>")]
    /// fn note(session: Session<'_>, text: String) -> String {
    ///     session.set("note", &text).unwrap();
    ///     match session.commit() {
    ///         Ok(bytes) => bytes.to_string(),
    ///         Err(Error::TooLarge { limit, .. }) => {
    ///             session.remove("note");
    ///             format!("notes are limited to {limit} bytes of cookies")
    ///         }
    ///         Err(e) => e.to_string(),
    ///     }
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![note]);
    /// let client = Client::tracked(rocket).unwrap();
    /// let too_long = client.post("/note").body("x".repeat(6000)).dispatch();
    /// assert_eq!(too_long.into_string().unwrap(), "notes are limited to 5120 bytes of cookies");
    /// // Taken back, the note left nothing to store.
    /// assert!(client.cookies().get("sealed_session").is_none());
    /// let saved = client.post("/note").body("buy tea").dispatch().into_string().unwrap();
    /// assert!(saved.parse::<usize>().unwrap() < 5120);
    /// ```
    pub fn commit(&self) -> Result<usize, Error> {
        let now = self.stores.now(self.sealed);
        self.with(|s| s.check_size(&self.sealed.session, now))
    }
}
