//! The `Session<'_>` guard.

use rocket::http::CookieJar;
use rocket::request::{FromRequest, Outcome};
use rocket::{Ignite, Request, Rocket, Sentinel};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{GuardError, debug_store, fairing_missing};
use crate::request::{RequestStores, load_session, note_status, sent_cookies};
use crate::store::{SessionId, SessionState};
use crate::{Error, Sealed, Status};

/// The session: a typed dictionary carried in a sealed cookie.
///
/// A request guard that never fails: a missing or refused cookie gives an empty session whose
/// [`status()`](Session::status) says why. Nothing is decrypted until a method is called, and
/// every `Session` (and [`TempData`](crate::TempData)) in one request shares the same state. Changes are written
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

impl Sentinel for Session<'_> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        Sealed::fetch(rocket).is_none()
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
