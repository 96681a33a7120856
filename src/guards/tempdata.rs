//! The `TempData<'_>` guard.

use rocket::http::CookieJar;
use rocket::request::{FromRequest, Outcome};
use rocket::{Ignite, Request, Rocket, Sentinel};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{GuardError, debug_store, fairing_missing};
use crate::request::{RequestStores, load_tempdata, sent_cookies};
use crate::store::{Level, TempDataState};
use crate::{Error, Sealed, Status};

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

impl Sentinel for TempData<'_> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        Sealed::fetch(rocket).is_none()
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
    /// those of [`Session::set`](crate::Session::set): not `serde_json::Value`, untagged or internally tagged
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
        self.with(|t| {
            // Measured as the fairing will write it.
            crate::flash::settle_offered(self.stores, t);
            t.check_size(&self.sealed.tempdata, worst, now)
        })
    }
}
