//! The request guards `Session<'_>` and `TempData<'_>`.

use rocket::http::CookieJar;
use rocket::request::{FromRequest, Outcome};
use rocket::{Ignite, Request, Rocket, Sentinel};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::fairing::{RequestStores, load_session, load_tempdata, note_status, sent_cookies};
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
///     session.update::<u32>("visits", |n| *n += 1).unwrap();
///     format!("visit number {}", session.get::<u32>("visits").unwrap().unwrap())
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
/// | set, then read in this request                | no (yes if the response is a redirect, as for a loaded entry) |
/// | [`remove`](TempData::remove)d                 | no                         |
/// | any, and the response is a 5xx                | everything stays as it was |
///
/// Flash messages are one entry among the others, named `_flash`: [`keys`](TempData::keys),
/// [`len`](TempData::len), [`is_empty`](TempData::is_empty) and
/// [`keep_all`](TempData::keep_all) count it, and a [`Flashes`](crate::Flashes) guard reads it.
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
        let name = &self.sealed.session.name;
        debug_store(f, "Session", name, self.stores.try_session())
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

/// A guard as its cookie's name and its store's state, if loaded (`cell` is `None` while the
/// request's lock is held elsewhere: formatting never waits).
fn debug_store<S: std::fmt::Debug>(
    f: &mut std::fmt::Formatter<'_>,
    guard: &str,
    cookie: &str,
    cell: Option<std::sync::MutexGuard<'_, crate::fairing::StoreCell<S>>>,
) -> std::fmt::Result {
    f.debug_struct(guard)
        .field("cookie", &cookie)
        .field("state", &cell.as_ref().and_then(|c| c.loaded()))
        .finish()
}

impl<'r> Session<'r> {
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

    /// The value under `key` as `T`: `Ok(None)` if absent, `Err(Error::Decode { .. })` if it was
    /// stored as another type.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::Session;
    ///
    /// #[get("/")]
    /// fn greet(session: Session<'_>) -> String {
    ///     match session.get::<String>("user") {
    ///         Ok(Some(name)) => format!("Hello, {name}"),
    ///         Ok(None) => "Hello, stranger".to_owned(),
    ///         Err(e) => e.to_string(),
    ///     }
    /// }
    ///
    /// #[post("/login")]
    /// fn login(session: Session<'_>) {
    ///     session.set("user", "ada").unwrap();
    /// }
    ///
    /// #[post("/number")]
    /// fn number(session: Session<'_>) {
    ///     session.set("user", &42u32).unwrap();
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![greet, login, number];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// let greet = || client.get("/").dispatch().into_string().unwrap();
    /// assert_eq!(greet(), "Hello, stranger");
    /// client.post("/login").dispatch();
    /// assert_eq!(greet(), "Hello, ada");
    /// // Stored as a `u32`, asked for as a `String`.
    /// client.post("/number").dispatch();
    /// assert!(greet().starts_with("entry `user` does not decode as the requested type"));
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.with(|s| s.get(key))
    }

    /// Stores `value` under `key`, replacing what was there.
    ///
    /// Values are written with postcard, which is not self-describing: a type whose
    /// `Deserialize` needs `deserialize_any` is written here but can never be read back
    /// (every `get` is an `Err(Error::Decode { .. })`). That rules out `serde_json::Value`,
    /// `#[serde(untagged)]` and internally tagged (`#[serde(tag = "…")]`) enums, and fields
    /// with `skip_serializing_if`; `#[serde(flatten)]` fails here already, as an
    /// `Err(Error::Encode { .. })`. Plain structs, enums, `Option`, `Vec`, maps, strings and
    /// numbers are fine; store anything else as a string (`serde_json::to_string`, say).
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let mut session = SessionState::new(0, Status::New);
    /// let value = serde_json::json!({ "theme": "dark" });
    /// session.set("prefs", &value).unwrap(); // written...
    /// assert!(session.get::<serde_json::Value>("prefs").is_err()); // ...but never read back
    /// session.set("prefs", &value.to_string()).unwrap();
    /// let text: String = session.get("prefs").unwrap().unwrap();
    /// assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), value);
    /// ```
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::Session;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, Default)]
    /// struct Prefs {
    ///     theme: String,
    ///     page_size: u32,
    /// }
    ///
    /// #[post("/prefs/<theme>/<page_size>")]
    /// fn save(session: Session<'_>, theme: &str, page_size: u32) {
    ///     let prefs = Prefs { theme: theme.to_owned(), page_size };
    ///     session.set("prefs", &prefs).unwrap();
    /// }
    ///
    /// #[get("/prefs")]
    /// fn show(session: Session<'_>) -> String {
    ///     let prefs: Prefs = session.get("prefs").unwrap().unwrap_or_default();
    ///     format!("{} theme, {} per page", prefs.theme, prefs.page_size)
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![save, show];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// let prefs = || client.get("/prefs").dispatch().into_string().unwrap();
    /// client.post("/prefs/dark/50").dispatch();
    /// assert_eq!(prefs(), "dark theme, 50 per page");
    /// client.post("/prefs/light/20").dispatch();
    /// assert_eq!(prefs(), "light theme, 20 per page");
    /// ```
    pub fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), Error> {
        self.with(|s| s.set(key, value))
    }

    /// Gets the value under `key` (or `T::default()`), lets `f` change it in place, and writes
    /// it back once, at commit. To use the new value, read it inside `f` (as below) or `get`
    /// it afterwards.
    ///
    /// The session counts as changed even if `f` changes nothing (on a new session, the
    /// default value is stored): use [`get`](Session::get) to only read.
    ///
    /// The whole update holds the request's state, so it is one step even when threads share
    /// the session. `f` must therefore not use the same session: a `Session` method called
    /// from inside `f` panics with a message saying so (Rocket answers that request with a
    /// 500 and persists nothing), as a `RefCell` borrowed twice does, instead of waiting
    /// forever for what its own update holds.
    ///
    /// ```
    /// use rocket::{post, routes};
    /// use rocket_sealed::Session;
    ///
    /// #[post("/cart/<item>")]
    /// fn add(session: Session<'_>, item: &str) -> String {
    ///     let mut count = 0;
    ///     session
    ///         .update::<Vec<String>>("cart", |cart| {
    ///             cart.push(item.to_owned());
    ///             count = cart.len();
    ///         })
    ///         .unwrap();
    ///     format!("{count} in the cart")
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![add];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// assert_eq!(client.post("/cart/tea").dispatch().into_string().unwrap(), "1 in the cart");
    /// assert_eq!(client.post("/cart/jam").dispatch().into_string().unwrap(), "2 in the cart");
    /// ```
    pub fn update<T>(&self, key: &str, f: impl FnOnce(&mut T)) -> Result<(), Error>
    where
        T: Serialize + DeserializeOwned + Default + Send + Sync + 'static,
    {
        self.with(|s| {
            let _inside = UpdateClosure::enter(self.stores);
            s.update(key, f)
        })
    }

    /// Removes `key`; `true` if it was there.
    ///
    /// ```
    /// use rocket::{post, routes};
    /// use rocket_sealed::Session;
    ///
    /// #[post("/login")]
    /// fn login(session: Session<'_>) {
    ///     session.set("user", "ada").unwrap();
    /// }
    ///
    /// #[post("/logout")]
    /// fn logout(session: Session<'_>) -> &'static str {
    ///     if session.remove("user") {
    ///         "signed out"
    ///     } else {
    ///         "was not signed in"
    ///     }
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![login, logout];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/login").dispatch();
    /// assert_eq!(client.post("/logout").dispatch().into_string().unwrap(), "signed out");
    /// assert_eq!(client.post("/logout").dispatch().into_string().unwrap(), "was not signed in");
    /// ```
    pub fn remove(&self, key: &str) -> bool {
        self.with(|s| s.remove(key))
    }

    /// `true` if `key` holds a value (of any type: nothing is decoded).
    ///
    /// ```
    /// use rocket::http::Status;
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::Session;
    ///
    /// #[post("/login")]
    /// fn login(session: Session<'_>) {
    ///     session.set("user", "ada").unwrap();
    /// }
    ///
    /// #[get("/admin")]
    /// fn admin(session: Session<'_>) -> Status {
    ///     if session.contains("user") {
    ///         Status::Ok
    ///     } else {
    ///         Status::Unauthorized
    ///     }
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![login, admin];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// assert_eq!(client.get("/admin").dispatch().status(), Status::Unauthorized);
    /// client.post("/login").dispatch();
    /// assert_eq!(client.get("/admin").dispatch().status(), Status::Ok);
    /// ```
    pub fn contains(&self, key: &str) -> bool {
        self.with(|s| s.contains(key))
    }

    /// The entries' names, in name order (not the order they were set in).
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::Session;
    ///
    /// #[post("/login")]
    /// fn login(session: Session<'_>) {
    ///     session.set("user", "ada").unwrap();
    ///     session.set("theme", "dark").unwrap();
    ///     session.set("cart", &vec!["tea"]).unwrap();
    /// }
    ///
    /// #[get("/keys")]
    /// fn keys(session: Session<'_>) -> String {
    ///     session.keys().join(", ")
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![login, keys];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// assert_eq!(client.get("/keys").dispatch().into_string().unwrap(), "");
    /// client.post("/login").dispatch();
    /// // In name order, whatever order they were set in.
    /// assert_eq!(client.get("/keys").dispatch().into_string().unwrap(), "cart, theme, user");
    /// ```
    pub fn keys(&self) -> Vec<String> {
        self.with(|s| s.keys())
    }

    /// Number of entries.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::Session;
    ///
    /// #[post("/login")]
    /// fn login(session: Session<'_>) {
    ///     session.set("user", "ada").unwrap();
    ///     session.set("theme", "dark").unwrap();
    /// }
    ///
    /// #[get("/len")]
    /// fn len(session: Session<'_>) -> String {
    ///     session.len().to_string()
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![login, len];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// assert_eq!(client.get("/len").dispatch().into_string().unwrap(), "0");
    /// client.post("/login").dispatch();
    /// assert_eq!(client.get("/len").dispatch().into_string().unwrap(), "2");
    /// ```
    pub fn len(&self) -> usize {
        self.with(|s| s.len())
    }

    /// `true` when the session holds nothing (and so stores no cookie).
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::Session;
    ///
    /// #[post("/cart/<item>")]
    /// fn add(session: Session<'_>, item: &str) {
    ///     session.update::<Vec<String>>("cart", |cart| cart.push(item.to_owned())).unwrap();
    /// }
    ///
    /// #[get("/")]
    /// fn index(session: Session<'_>) -> &'static str {
    ///     if session.is_empty() {
    ///         "first visit?"
    ///     } else {
    ///         "welcome back"
    ///     }
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![add, index];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "first visit?");
    /// assert!(client.cookies().get("sealed_session").is_none());
    /// client.post("/cart/tea").dispatch();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "welcome back");
    /// assert!(client.cookies().get("sealed_session").is_some());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.with(|s| s.is_empty())
    }

    /// Removes every entry; the session's cookies are deleted when the response leaves.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::Session;
    ///
    /// #[post("/login")]
    /// fn login(session: Session<'_>) {
    ///     session.set("user", "ada").unwrap();
    ///     session.set("theme", "dark").unwrap();
    /// }
    ///
    /// #[post("/forget-me")]
    /// fn forget(session: Session<'_>) {
    ///     session.clear();
    /// }
    ///
    /// #[get("/len")]
    /// fn len(session: Session<'_>) -> String {
    ///     session.len().to_string()
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![login, forget, len];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/login").dispatch();
    /// assert!(client.cookies().get("sealed_session").is_some());
    /// client.post("/forget-me").dispatch();
    /// assert!(client.cookies().get("sealed_session").is_none());
    /// assert_eq!(client.get("/len").dispatch().into_string().unwrap(), "0");
    /// ```
    pub fn clear(&self) {
        self.with(|s| s.clear())
    }

    /// The session id. It stays the same from request to request once the session stores
    /// something; a session that stores nothing has no cookie, and so a new id each time.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::Session;
    ///
    /// #[get("/id")]
    /// fn id(session: Session<'_>) -> String {
    ///     session.id().to_string()
    /// }
    ///
    /// #[post("/cart/<item>")]
    /// fn add(session: Session<'_>, item: &str) {
    ///     session.update::<Vec<String>>("cart", |cart| cart.push(item.to_owned())).unwrap();
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![id, add];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// let id = || client.get("/id").dispatch().into_string().unwrap();
    /// assert_eq!(id().len(), 32);
    /// assert_ne!(id(), id());
    /// client.post("/cart/tea").dispatch();
    /// assert_eq!(id(), id());
    /// ```
    pub fn id(&self) -> SessionId {
        self.with(|s| s.id())
    }

    /// Gives the session a new id, keeping its data; the absolute timeout starts again. Call
    /// it on sign-in.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::Session;
    ///
    /// #[post("/cart/<item>")]
    /// fn add(session: Session<'_>, item: &str) {
    ///     session.update::<Vec<String>>("cart", |cart| cart.push(item.to_owned())).unwrap();
    /// }
    ///
    /// #[post("/login")]
    /// fn login(session: Session<'_>) {
    ///     session.renew();
    ///     session.set("user", "ada").unwrap();
    /// }
    ///
    /// #[get("/id")]
    /// fn id(session: Session<'_>) -> String {
    ///     session.id().to_string()
    /// }
    ///
    /// #[get("/cart")]
    /// fn cart(session: Session<'_>) -> String {
    ///     session.get::<Vec<String>>("cart").unwrap().unwrap_or_default().join(", ")
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![add, login, id, cart];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// let id = || client.get("/id").dispatch().into_string().unwrap();
    /// client.post("/cart/tea").dispatch();
    /// let before = id();
    /// client.post("/login").dispatch();
    /// // A new id, the same cart.
    /// assert_ne!(id(), before);
    /// assert_eq!(client.get("/cart").dispatch().into_string().unwrap(), "tea");
    /// ```
    pub fn renew(&self) {
        let now = self.stores.now(self.sealed);
        self.with(|s| s.renew(now))
    }

    /// How the session was loaded: new, loaded, expired, or rejected and why.
    ///
    /// ```
    /// use rocket::http::Cookie;
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::Session;
    ///
    /// #[post("/login")]
    /// fn login(session: Session<'_>) {
    ///     session.set("user", "ada").unwrap();
    /// }
    ///
    /// #[get("/status")]
    /// fn status(session: Session<'_>) -> String {
    ///     session.status().to_string()
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![login, status];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// assert_eq!(client.get("/status").dispatch().into_string().unwrap(), "new");
    /// client.post("/login").dispatch();
    /// assert_eq!(client.get("/status").dispatch().into_string().unwrap(), "loaded");
    ///
    /// let forged = client.get("/status").cookie(Cookie::new("sealed_session", "garbage"));
    /// let status = forged.dispatch().into_string().unwrap();
    /// assert_eq!(status, "rejected (malformed: the value is not base64url without padding)");
    /// ```
    pub fn status(&self) -> Status {
        self.with(|s| s.status().clone())
    }

    /// When the session was created and last sealed (unix seconds).
    ///
    /// A session that is only read is sealed again, to slide its idle timeout, once
    /// `refresh_share` of the timeout has passed (by default half of 20 minutes).
    ///
    /// ```
    /// use rocket::local::blocking::Client;
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::{ManualClock, Sealed, Session};
    ///
    /// #[post("/login")]
    /// fn login(session: Session<'_>) {
    ///     session.set("user", "ada").unwrap();
    /// }
    ///
    /// #[get("/times")]
    /// fn times(session: Session<'_>) -> String {
    ///     let (created, sealed) = session.timestamps();
    ///     format!("{created} {sealed}")
    /// }
    ///
    /// let clock = ManualClock::new(1_000);
    /// let rocket = rocket::build()
    ///     .attach(Sealed::fairing().with_clock(clock.clone()))
    ///     .mount("/", routes![login, times]);
    /// let client = Client::tracked(rocket).unwrap();
    /// let times = || client.get("/times").dispatch().into_string().unwrap();
    /// client.post("/login").dispatch();
    /// clock.advance(100);
    /// assert_eq!(times(), "1000 1000");
    /// clock.advance(500); // 10 minutes since it was sealed: this read re-seals it
    /// assert_eq!(times(), "1000 1000");
    /// assert_eq!(times(), "1000 1600");
    /// ```
    pub fn timestamps(&self) -> (u64, u64) {
        self.with(|s| (s.issued_at(), s.refreshed_at()))
    }

    /// Stored size of an entry in bytes, if known without encoding it.
    ///
    /// A value changed through [`update`](Session::update) in this request is encoded only at
    /// commit: its size is not known until then.
    ///
    /// ```
    /// use rocket::{get, routes};
    /// use rocket_sealed::Session;
    ///
    /// fn sizes(session: &Session<'_>) -> String {
    ///     format!("{:?}", ["user", "visits", "cart"].map(|key| session.entry_len(key)))
    /// }
    ///
    /// #[get("/visit")]
    /// fn visit(session: Session<'_>) -> String {
    ///     session.set("user", "ada").unwrap();
    ///     session.update::<u32>("visits", |n| *n += 1).unwrap();
    ///     sizes(&session)
    /// }
    ///
    /// #[get("/sizes")]
    /// fn stored(session: Session<'_>) -> String {
    ///     sizes(&session)
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![visit, stored];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// // A 4-byte type tag, then the value: "ada" takes 4 bytes, 1 as a `u32`.
    /// let body = client.get("/visit").dispatch().into_string().unwrap();
    /// assert_eq!(body, "[Some(8), None, None]");
    /// // Loaded from the cookie, every entry's size is known.
    /// let body = client.get("/sizes").dispatch().into_string().unwrap();
    /// assert_eq!(body, "[Some(8), Some(5), None]");
    /// ```
    pub fn entry_len(&self, key: &str) -> Option<usize> {
        self.with(|s| s.entry_len(key))
    }

    /// Checks now that the session fits its budget and returns the bytes its cookies will take
    /// in the `Cookie` header; `Err(Error::TooLarge)` lets the handler react (the fairing would
    /// otherwise skip the write and keep the old cookie).
    ///
    /// Reacting means changing the session back (as below): the error changes nothing by
    /// itself, and answering with an error status alone still leaves the fairing a session
    /// too large to write, which it logs as an error when the response leaves (unless the
    /// status is a 5xx, which writes nothing).
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
    /// # let routes = routes![note];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// let too_long = client.post("/note").body("x".repeat(6000)).dispatch();
    /// assert_eq!(too_long.into_string().unwrap(), "notes are limited to 5120 bytes of cookies");
    ///
    /// let saved = client.post("/note").body("buy tea").dispatch().into_string().unwrap();
    /// // What the browser now sends back: `name=value`.
    /// let cookie = client.cookies().get("sealed_session").unwrap().clone();
    /// assert_eq!(saved, (cookie.name().len() + 1 + cookie.value().len()).to_string());
    /// ```
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
    ///
    /// Unless the response is a redirect (and `keep_on_redirect` is on, the default): then the
    /// entry is kept for the page the browser is sent to.
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
    /// # let routes = routes![order, pay, thanks];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/order").dispatch();
    /// client.get("/pay").dispatch();
    /// assert_eq!(client.get("/thanks").dispatch().into_string().unwrap(), "Thanks for order 42");
    /// assert_eq!(client.get("/thanks").dispatch().into_string().unwrap(), "No recent order");
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.with(|t| t.get(key))
    }

    /// Reads `key` without marking it.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::TempData;
    ///
    /// #[post("/draft")]
    /// fn save(temp: TempData<'_>) {
    ///     temp.set("draft", "half a letter").unwrap();
    /// }
    ///
    /// #[get("/preview")]
    /// fn preview(temp: TempData<'_>) -> String {
    ///     temp.peek::<String>("draft").unwrap().unwrap_or_default()
    /// }
    ///
    /// #[get("/send")]
    /// fn send(temp: TempData<'_>) -> String {
    ///     temp.get::<String>("draft").unwrap().unwrap_or_default()
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![save, preview, send];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/draft").dispatch();
    /// assert_eq!(client.get("/preview").dispatch().into_string().unwrap(), "half a letter");
    /// assert_eq!(client.get("/preview").dispatch().into_string().unwrap(), "half a letter");
    /// assert_eq!(client.get("/send").dispatch().into_string().unwrap(), "half a letter");
    /// assert_eq!(client.get("/preview").dispatch().into_string().unwrap(), "");
    /// ```
    pub fn peek<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.with(|t| t.peek(key))
    }

    /// Stores `value` under `key` for the next request. The types that can be read back are
    /// those of [`Session::set`]: not `serde_json::Value`, untagged or internally tagged
    /// enums, `skip_serializing_if` (and `flatten` is an error here).
    ///
    /// ```
    /// use rocket::response::Redirect;
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::TempData;
    /// use serde::{Deserialize, Serialize};
    ///
    /// /// What the form page needs to show a failed sign-up again.
    /// #[derive(Serialize, Deserialize)]
    /// struct Failed {
    ///     email: String,
    ///     errors: Vec<String>,
    /// }
    ///
    /// #[post("/signup/<email>")]
    /// fn signup(temp: TempData<'_>, email: &str) -> Redirect {
    ///     let errors = vec!["the password is too short".to_owned()];
    ///     temp.set("failed", &Failed { email: email.to_owned(), errors }).unwrap();
    ///     Redirect::to("/signup")
    /// }
    ///
    /// #[get("/signup")]
    /// fn form(temp: TempData<'_>) -> String {
    ///     match temp.get::<Failed>("failed").unwrap() {
    ///         Some(failed) => format!("{}: {}", failed.email, failed.errors.join("; ")),
    ///         None => "a blank form".to_owned(),
    ///     }
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![signup, form];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/signup/ada@example.com").dispatch();
    /// let page = client.get("/signup").dispatch().into_string().unwrap();
    /// assert_eq!(page, "ada@example.com: the password is too short");
    /// assert_eq!(client.get("/signup").dispatch().into_string().unwrap(), "a blank form");
    /// ```
    pub fn set<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), Error> {
        self.with(|t| t.set(key, value))
    }

    /// Keeps `key` for one more request even though it was read.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::TempData;
    ///
    /// #[post("/announce")]
    /// fn announce(temp: TempData<'_>) {
    ///     temp.set("banner", "Maintenance at noon").unwrap();
    /// }
    ///
    /// #[get("/")]
    /// fn page(temp: TempData<'_>) -> String {
    ///     let banner = temp.get::<String>("banner").unwrap().unwrap_or_default();
    ///     temp.keep("banner"); // shown on every page until dismissed
    ///     banner
    /// }
    ///
    /// #[post("/dismiss")]
    /// fn dismiss(temp: TempData<'_>) {
    ///     temp.remove("banner");
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![announce, page, dismiss];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/announce").dispatch();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "Maintenance at noon");
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "Maintenance at noon");
    /// client.post("/dismiss").dispatch();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "");
    /// ```
    pub fn keep(&self, key: &str) {
        self.with(|t| t.keep(key))
    }

    /// Keeps every entry there now for one more request, as ASP.NET Core's `Keep()` (see
    /// [`TempDataState::keep_all`](crate::store::TempDataState::keep_all)); read flash
    /// messages (`_flash`) are entries too, and are kept with the others.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::TempData;
    ///
    /// #[post("/wizard")]
    /// fn steps(temp: TempData<'_>) {
    ///     temp.set("name", "Ada").unwrap();
    ///     temp.set("plan", "pro").unwrap();
    /// }
    ///
    /// #[get("/review")]
    /// fn review(temp: TempData<'_>) -> String {
    ///     let name: String = temp.get("name").unwrap().unwrap_or_default();
    ///     let plan: String = temp.get("plan").unwrap().unwrap_or_default();
    ///     temp.keep_all(); // the user may still go back and change them
    ///     format!("{name} on {plan}")
    /// }
    ///
    /// #[get("/keys")]
    /// fn keys(temp: TempData<'_>) -> String {
    ///     temp.keys().join(", ")
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![steps, review, keys];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/wizard").dispatch();
    /// assert_eq!(client.get("/review").dispatch().into_string().unwrap(), "Ada on pro");
    /// assert_eq!(client.get("/keys").dispatch().into_string().unwrap(), "name, plan");
    /// ```
    pub fn keep_all(&self) {
        self.with(|t| t.keep_all())
    }

    /// Removes `key` now; `true` if it was there.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::TempData;
    ///
    /// #[post("/draft")]
    /// fn save(temp: TempData<'_>) {
    ///     temp.set("draft", "half a letter").unwrap();
    /// }
    ///
    /// #[post("/discard")]
    /// fn discard(temp: TempData<'_>) -> String {
    ///     temp.remove("draft").to_string()
    /// }
    ///
    /// #[get("/draft")]
    /// fn show(temp: TempData<'_>) -> String {
    ///     temp.get::<String>("draft").unwrap().unwrap_or_default()
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![save, discard, show];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/draft").dispatch();
    /// assert_eq!(client.post("/discard").dispatch().into_string().unwrap(), "true");
    /// assert_eq!(client.post("/discard").dispatch().into_string().unwrap(), "false");
    /// assert_eq!(client.get("/draft").dispatch().into_string().unwrap(), "");
    /// ```
    pub fn remove(&self, key: &str) -> bool {
        self.with(|t| t.remove(key))
    }

    /// `true` if `key` holds a value (read or not).
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::TempData;
    ///
    /// #[post("/draft")]
    /// fn save(temp: TempData<'_>) {
    ///     temp.set("draft", "half a letter").unwrap();
    /// }
    ///
    /// #[get("/draft")]
    /// fn show(temp: TempData<'_>) -> String {
    ///     let before = temp.contains("draft");
    ///     let _draft: Option<String> = temp.get("draft").unwrap();
    ///     // Read: gone after this request, but still here until it ends.
    ///     format!("{before} {}", temp.contains("draft"))
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![save, show];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/draft").dispatch();
    /// assert_eq!(client.get("/draft").dispatch().into_string().unwrap(), "true true");
    /// assert_eq!(client.get("/draft").dispatch().into_string().unwrap(), "false false");
    /// ```
    pub fn contains(&self, key: &str) -> bool {
        self.with(|t| t.contains(key))
    }

    /// The entries' names, in name order (not the order they were set in). Listing them
    /// reads no entry. Pending flash messages are the entry `_flash`.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::TempData;
    ///
    /// #[post("/notes")]
    /// fn save(temp: TempData<'_>) {
    ///     temp.set("notice", "Saved").unwrap();
    ///     temp.set("draft", "half a letter").unwrap();
    /// }
    ///
    /// #[get("/keys")]
    /// fn keys(temp: TempData<'_>) -> String {
    ///     temp.keys().join(", ")
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![save, keys];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/notes").dispatch();
    /// // In name order; and still there on the next request.
    /// assert_eq!(client.get("/keys").dispatch().into_string().unwrap(), "draft, notice");
    /// assert_eq!(client.get("/keys").dispatch().into_string().unwrap(), "draft, notice");
    /// ```
    pub fn keys(&self) -> Vec<String> {
        self.with(|t| t.keys())
    }

    /// Number of entries (read or not), pending flash messages (`_flash`) included.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::TempData;
    ///
    /// #[post("/notes")]
    /// fn save(temp: TempData<'_>) {
    ///     temp.set("notice", "Saved").unwrap();
    ///     temp.set("draft", "half a letter").unwrap();
    /// }
    ///
    /// #[get("/notice")]
    /// fn notice(temp: TempData<'_>) -> String {
    ///     let _notice: Option<String> = temp.get("notice").unwrap();
    ///     temp.len().to_string()
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![save, notice];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/notes").dispatch();
    /// assert_eq!(client.get("/notice").dispatch().into_string().unwrap(), "2");
    /// // The notice was read: only the draft is left.
    /// assert_eq!(client.get("/notice").dispatch().into_string().unwrap(), "1");
    /// ```
    pub fn len(&self) -> usize {
        self.with(|t| t.len())
    }

    /// `true` when there are no entries. Pending flash messages (`_flash`) count: ask
    /// [`contains`](TempData::contains) for an entry of your own.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::TempData;
    ///
    /// #[post("/draft")]
    /// fn save(temp: TempData<'_>) {
    ///     temp.set("draft", "half a letter").unwrap();
    /// }
    ///
    /// #[get("/")]
    /// fn index(temp: TempData<'_>) -> &'static str {
    ///     if temp.is_empty() {
    ///         "nothing pending"
    ///     } else {
    ///         "something pending"
    ///     }
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![save, index];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "nothing pending");
    /// client.post("/draft").dispatch();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "something pending");
    /// ```
    pub fn is_empty(&self) -> bool {
        self.with(|t| t.is_empty())
    }

    /// Stored size of an entry in bytes, if known without encoding it.
    ///
    /// ```
    /// use rocket::{get, routes};
    /// use rocket_sealed::TempData;
    ///
    /// #[get("/")]
    /// fn sizes(temp: TempData<'_>) -> String {
    ///     temp.set("draft", "half a letter").unwrap();
    ///     format!("{:?} {:?}", temp.entry_len("draft"), temp.entry_len("notice"))
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![sizes];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// // A 4-byte type tag, a 1-byte length and 13 bytes of text.
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "Some(18) None");
    /// ```
    pub fn entry_len(&self, key: &str) -> Option<usize> {
        self.with(|t| t.entry_len(key))
    }

    /// How TempData was loaded: new, loaded, expired, or rejected and why.
    ///
    /// ```
    /// use rocket::local::blocking::Client;
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::{ManualClock, Sealed, TempData};
    ///
    /// #[post("/draft")]
    /// fn save(temp: TempData<'_>) {
    ///     temp.set("draft", "half a letter").unwrap();
    /// }
    ///
    /// #[get("/status")]
    /// fn status(temp: TempData<'_>) -> String {
    ///     temp.status().to_string()
    /// }
    ///
    /// let clock = ManualClock::new(1_000);
    /// let rocket = rocket::build()
    ///     .attach(Sealed::fairing().with_clock(clock.clone()))
    ///     .mount("/", routes![save, status]);
    /// let client = Client::tracked(rocket).unwrap();
    /// let status = || client.get("/status").dispatch().into_string().unwrap();
    /// assert_eq!(status(), "new");
    /// client.post("/draft").dispatch();
    /// assert_eq!(status(), "loaded");
    /// clock.advance(24 * 60 * 60 + 1); // past the default lifetime of one day
    /// assert_eq!(status(), "expired (past its maximum lifetime)");
    /// ```
    pub fn status(&self) -> Status {
        self.with(|t| t.status().clone())
    }

    /// Adds a flash message for the next page (see also [`Flash`](crate::Flash)).
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::{Flashes, Level, TempData};
    ///
    /// #[post("/import/<rows>")]
    /// fn import(temp: TempData<'_>, rows: u32) -> &'static str {
    ///     if rows > 100 {
    ///         temp.flash(Level::Warning, "Only the first 100 rows were imported").unwrap();
    ///     }
    ///     "done"
    /// }
    ///
    /// #[get("/")]
    /// fn index(flashes: Flashes) -> String {
    ///     flashes.iter().map(|m| format!("{}: {}", m.level.as_str(), m.text)).collect()
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![import, index];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/import/20").dispatch();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "");
    /// client.post("/import/500").dispatch();
    /// let page = client.get("/").dispatch().into_string().unwrap();
    /// assert_eq!(page, "warning: Only the first 100 rows were imported");
    /// ```
    pub fn flash(&self, level: Level, text: impl Into<String>) -> Result<(), Error> {
        self.with(|t| t.flash(level, text))
    }

    /// Checks now that what would survive this request fits the budget; returns the bytes
    /// needed. When `keep_on_redirect` is on, read entries count as kept, as they would be if
    /// the response turned out to be a redirect.
    ///
    /// ```
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::{Error, TempData};
    ///
    /// #[post("/draft", data = "<text>")]
    /// fn save(temp: TempData<'_>, text: String) -> String {
    ///     temp.set("draft", &text).unwrap();
    ///     match temp.commit() {
    ///         Ok(bytes) => bytes.to_string(),
    ///         Err(Error::TooLarge { limit, .. }) => {
    ///             temp.remove("draft");
    ///             format!("drafts are limited to {limit} bytes of cookies")
    ///         }
    ///         Err(e) => e.to_string(),
    ///     }
    /// }
    ///
    /// #[get("/draft")]
    /// fn show(temp: TempData<'_>) -> String {
    ///     let _draft: Option<String> = temp.get("draft").unwrap();
    ///     temp.commit().unwrap().to_string()
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![save, show];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// let too_long = client.post("/draft").body("x".repeat(3000)).dispatch();
    /// assert_eq!(too_long.into_string().unwrap(), "drafts are limited to 2048 bytes of cookies");
    ///
    /// let saved = client.post("/draft").body("half a letter").dispatch().into_string().unwrap();
    /// let cookie = client.cookies().get("sealed_tempdata").unwrap().clone();
    /// assert_eq!(saved, (cookie.name().len() + 1 + cookie.value().len()).to_string());
    /// // Read, the draft still counts: the response might yet be a redirect.
    /// assert_eq!(client.get("/draft").dispatch().into_string().unwrap(), saved);
    /// ```
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
