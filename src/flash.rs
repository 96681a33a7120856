//! Flash messages: a responder that leaves messages for the next page, a guard that takes
//! them, and the rule for when they are gone.
//!
//! The rule, whole: messages are one TempData entry, `_flash` (a list, oldest first; see
//! `store::tempdata`, where `FlashMessage` must stay because its path is part of the stored
//! tag). [`Flash`] and `TempData::flash` append to it. A [`Flashes`] guard is *offered* the
//! pending messages and marks nothing; once the handler looks at them (any method, or
//! iterating) a request-wide flag is set, and at commit [`settle_offered`] counts them as
//! shown, so they go unless the response is a redirect that keeps read entries. Messages
//! flashed after them in the same request stay. A `Flashes` never looked at (a later guard
//! failed, the route forwarded) leaves them pending, as Rocket's own `FlashMessage` does.
//!
//! Rocket's own `rocket::response::Flash` writes a plaintext `_flash` cookie that this crate
//! would otherwise never read, losing the message without a word. So the first `Flashes`
//! guard of a request moves that cookie's message to the end of the `_flash` entry (see
//! [`adopt_rocket_flash`]), from where the rule above takes it, and the fairing deletes
//! Rocket's cookie once TempData is written ([`ROCKET_FLASH_REMOVAL`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder};
use rocket::{Ignite, Rocket, Sentinel};
use serde::{Serialize, Serializer};

use crate::request::RequestStores;
use crate::store::{FlashMessage, Level, TempDataState};
use crate::{GuardError, Sealed, TempData};

/// Wraps a responder (usually a `Redirect`) and leaves flash messages in TempData, in
/// Rocket's style. Several messages may ride on one response.
///
/// ```
/// use rocket::post;
/// use rocket::response::Redirect;
/// use rocket_sealed::Flash;
///
/// #[post("/save")]
/// fn save() -> Flash<Redirect> {
///     Flash::success(Redirect::to("/"), "Saved").and_info("A copy went to your inbox")
/// }
///
/// let texts: Vec<_> = save().messages().iter().map(|m| m.text.clone()).collect();
/// assert_eq!(texts, ["Saved", "A copy went to your inbox"]);
/// ```
#[derive(Debug)]
pub struct Flash<R> {
    inner: R,
    messages: Vec<FlashMessage>,
}

impl<R> Flash<R> {
    /// Wraps `inner` with one message of `level`.
    ///
    /// The messages are stored only if `inner` responds (`Ok`, whatever the status: a
    /// `(Status::NotFound, "…")` stores them, an `Err(Status::Forbidden)` or a `None` does
    /// not) and the response is not a 5xx (which writes nothing); the next page takes them
    /// with [`Flashes`].
    ///
    /// ```
    /// use rocket::response::Redirect;
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::{Flash, Flashes, Level};
    ///
    /// #[post("/delete")]
    /// fn delete() -> Flash<Redirect> {
    ///     Flash::new(Redirect::to("/"), Level::Warning, "Deleted for good")
    /// }
    ///
    /// #[get("/")]
    /// fn index(flashes: Flashes) -> String {
    ///     flashes.iter().map(|m| format!("{}: {}", m.level.as_str(), m.text)).collect()
    /// }
    ///
    /// # use rocket::{http::Status, local::blocking::Client};
    /// # use rocket_sealed::Sealed;
    /// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![delete, index]);
    /// let client = Client::tracked(rocket).unwrap();
    /// assert_eq!(client.post("/delete").dispatch().status(), Status::SeeOther);
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "warning: Deleted for good");
    /// ```
    pub fn new(inner: R, level: Level, text: impl Into<String>) -> Self {
        Flash {
            inner,
            messages: vec![FlashMessage {
                level,
                text: text.into(),
            }],
        }
    }

    /// A `Debug` message. See the example on [`Flash::success`].
    pub fn debug(inner: R, text: impl Into<String>) -> Self {
        Flash::new(inner, Level::Debug, text)
    }

    /// An `Info` message. See the example on [`Flash::success`].
    pub fn info(inner: R, text: impl Into<String>) -> Self {
        Flash::new(inner, Level::Info, text)
    }

    /// A `Success` message.
    ///
    /// [`debug`](Flash::debug), [`info`](Flash::info), `success`, [`warning`](Flash::warning)
    /// and [`error`](Flash::error) are [`Flash::new`] with the level named:
    ///
    /// ```
    /// use rocket::response::Redirect;
    /// use rocket_sealed::{Flash, Level};
    ///
    /// let level = |flash: Flash<Redirect>| flash.messages()[0].level;
    /// assert_eq!(level(Flash::debug(Redirect::to("/"), "took 3 ms")), Level::Debug);
    /// assert_eq!(level(Flash::info(Redirect::to("/"), "Welcome back")), Level::Info);
    /// assert_eq!(level(Flash::success(Redirect::to("/"), "Saved")), Level::Success);
    /// assert_eq!(level(Flash::warning(Redirect::to("/"), "Disk almost full")), Level::Warning);
    /// assert_eq!(level(Flash::error(Redirect::to("/"), "Not saved")), Level::Error);
    ///
    /// let flash = Flash::success(Redirect::to("/"), "Saved");
    /// assert_eq!(flash.messages()[0].text, "Saved");
    /// ```
    pub fn success(inner: R, text: impl Into<String>) -> Self {
        Flash::new(inner, Level::Success, text)
    }

    /// A `Warning` message. See the example on [`Flash::success`].
    pub fn warning(inner: R, text: impl Into<String>) -> Self {
        Flash::new(inner, Level::Warning, text)
    }

    /// An `Error` message. See the example on [`Flash::success`].
    pub fn error(inner: R, text: impl Into<String>) -> Self {
        Flash::new(inner, Level::Error, text)
    }

    /// Adds another message, after those already there.
    ///
    /// ```
    /// use rocket::response::Redirect;
    /// use rocket_sealed::{Flash, Level};
    ///
    /// let (failed, total) = (2, 10);
    /// let level = if failed > 0 { Level::Warning } else { Level::Info };
    /// let flash = Flash::success(Redirect::to("/"), format!("Imported {} rows", total - failed))
    ///     .and(level, format!("{failed} rows skipped"));
    /// let levels: Vec<Level> = flash.messages().iter().map(|m| m.level).collect();
    /// assert_eq!(levels, [Level::Success, Level::Warning]);
    /// assert_eq!(flash.messages()[1].text, "2 rows skipped");
    /// ```
    pub fn and(mut self, level: Level, text: impl Into<String>) -> Self {
        self.messages.push(FlashMessage {
            level,
            text: text.into(),
        });
        self
    }

    /// Adds a `Debug` message. See the example on [`Flash::and_info`].
    pub fn and_debug(self, text: impl Into<String>) -> Self {
        self.and(Level::Debug, text)
    }

    /// Adds an `Info` message.
    ///
    /// [`and_debug`](Flash::and_debug), `and_info`, [`and_success`](Flash::and_success),
    /// [`and_warning`](Flash::and_warning) and [`and_error`](Flash::and_error) are
    /// [`Flash::and`] with the level named:
    ///
    /// ```
    /// use rocket_sealed::{Flash, Level};
    ///
    /// let flash = Flash::info("body", "one")
    ///     .and_debug("two")
    ///     .and_info("three")
    ///     .and_success("four")
    ///     .and_warning("five")
    ///     .and_error("six");
    /// let levels: Vec<Level> = flash.messages().iter().map(|m| m.level).collect();
    /// assert_eq!(
    ///     levels,
    ///     [Level::Info, Level::Debug, Level::Info, Level::Success, Level::Warning, Level::Error]
    /// );
    /// assert_eq!(flash.messages()[2].text, "three");
    /// ```
    pub fn and_info(self, text: impl Into<String>) -> Self {
        self.and(Level::Info, text)
    }

    /// Adds a `Success` message. See the example on [`Flash::and_info`].
    pub fn and_success(self, text: impl Into<String>) -> Self {
        self.and(Level::Success, text)
    }

    /// Adds a `Warning` message. See the example on [`Flash::and_info`].
    pub fn and_warning(self, text: impl Into<String>) -> Self {
        self.and(Level::Warning, text)
    }

    /// Adds an `Error` message. See the example on [`Flash::and_info`].
    pub fn and_error(self, text: impl Into<String>) -> Self {
        self.and(Level::Error, text)
    }

    /// The messages this response will leave, in order: what a unit test of a handler looks
    /// at, without a Rocket.
    ///
    /// ```
    /// use rocket_sealed::{Flash, FlashMessage, Level};
    ///
    /// fn rename(title: &str) -> Flash<&'static str> {
    ///     let flash = Flash::success("renamed", "Renamed");
    ///     if title.is_empty() {
    ///         flash.and_warning("The title is empty")
    ///     } else {
    ///         flash
    ///     }
    /// }
    ///
    /// assert_eq!(rename("Notes").messages().len(), 1);
    /// let warning = FlashMessage { level: Level::Warning, text: "The title is empty".into() };
    /// assert_eq!(rename("").messages()[1], warning);
    /// ```
    pub fn messages(&self) -> &[FlashMessage] {
        &self.messages
    }
}

impl<'r, 'o: 'r, R: Responder<'r, 'o>> Responder<'r, 'o> for Flash<R> {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'o> {
        let Some(temp) = TempData::from_req(req) else {
            return Err(rocket::http::Status::InternalServerError);
        };
        // Only a response that is actually sent leaves its messages behind.
        let response = self.inner.respond_to(req)?;
        for m in self.messages {
            if let Err(e) = temp.flash(m.level, m.text) {
                log::error!("rocket_sealed: flash message not stored: {e}");
            }
        }
        Ok(response)
    }
}

impl<R> Sentinel for Flash<R> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        Sealed::missing_for(rocket, "Flash")
    }
}

/// The pending flash messages, taken: once the handler looks at them (any method, or
/// iterating) they will not show again after this request, unless this response is a
/// redirect and `keep_on_redirect` is on, as for any read TempData entry.
///
/// A `Flashes` the handler never looks at leaves the messages pending, as Rocket's own
/// `FlashMessage` is only cleared once read: when a later guard of the route fails or
/// forwards, or the handler answers without showing them, the next page still gets them.
///
/// The message of Rocket's own `rocket::response::Flash` (its `_flash` cookie) comes last,
/// under the same rule, and Rocket's cookie is deleted: see the second example. In a template,
/// pass the guard itself (`context! { flashes }`): see [`Serialize`](#impl-Serialize-for-Flashes).
///
/// ```
/// use rocket::get;
/// use rocket_sealed::Flashes;
///
/// #[get("/")]
/// fn index(flashes: Flashes) -> String {
///     flashes
///         .iter()
///         .map(|m| format!("[{}] {}\n", m.level.as_str(), m.text))
///         .collect()
/// }
///
/// # use rocket::{post, routes, response::Redirect, local::blocking::Client};
/// # use rocket_sealed::{Flash, Sealed};
/// # #[post("/save")]
/// # fn save() -> Flash<Redirect> { Flash::warning(Redirect::to("/"), "Saved as a draft") }
/// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![index, save]);
/// let client = Client::tracked(rocket).unwrap();
/// client.post("/save").dispatch();
/// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "[warning] Saved as a draft\n");
/// assert_eq!(client.get("/").dispatch().into_string().unwrap(), ""); // shown once
/// ```
///
/// A handler that returns Rocket's own `Flash` out of habit loses nothing; a `kind` that is
/// none of the five levels gives `info`:
///
/// ```
/// use rocket::response::{Flash, Redirect};
/// use rocket::{get, post, routes};
/// use rocket_sealed::Flashes;
///
/// #[post("/save")]
/// fn save() -> Flash<Redirect> {
///     Flash::error(Redirect::to("/"), "Not saved")
/// }
///
/// #[get("/")]
/// fn index(flashes: Flashes) -> String {
///     flashes.iter().map(|m| format!("[{}] {}", m.level.as_str(), m.text)).collect()
/// }
///
/// # use rocket::local::blocking::Client;
/// # use rocket_sealed::Sealed;
/// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![index, save]);
/// let client = Client::tracked(rocket).unwrap();
/// client.post("/save").dispatch();
/// assert!(client.cookies().get("_flash").is_some()); // Rocket's plaintext cookie
/// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "[error] Not saved");
/// assert!(client.cookies().get("_flash").is_none()); // deleted by that page
/// assert_eq!(client.get("/").dispatch().into_string().unwrap(), ""); // shown once
/// ```
#[derive(Clone, Default)]
pub struct Flashes {
    messages: Vec<FlashMessage>,
    /// Shared with the fairing, which puts the messages back if this stays false.
    shown: Option<Arc<AtomicBool>>,
}

impl Flashes {
    fn shown(&self) -> &[FlashMessage] {
        if let Some(shown) = &self.shown {
            shown.store(true, Ordering::Relaxed);
        }
        &self.messages
    }

    /// The messages, oldest first. `&Flashes` iterates the same way.
    ///
    /// A route that takes `Flashes` but never looks at them leaves them for the next page.
    ///
    /// ```
    /// use rocket::response::Redirect;
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::{Flash, Flashes};
    ///
    /// #[post("/save")]
    /// fn save() -> Flash<Redirect> {
    ///     Flash::success(Redirect::to("/"), "Saved").and_info("Backed up")
    /// }
    ///
    /// #[get("/")]
    /// fn index(flashes: Flashes) -> String {
    ///     flashes.iter().map(|m| m.text.as_str()).collect::<Vec<_>>().join(", ")
    /// }
    ///
    /// #[get("/busy")]
    /// fn busy(_flashes: Flashes) -> &'static str {
    ///     "try again later"
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![save, index, busy];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/save").dispatch();
    /// client.get("/busy").dispatch(); // not looked at: still pending
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "Saved, Backed up");
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), ""); // shown once
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, FlashMessage> {
        self.shown().iter()
    }

    /// `true` when there is nothing to show.
    ///
    /// Asking counts as looking at the messages: they will not show again.
    ///
    /// ```
    /// use rocket::response::Redirect;
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::{Flash, Flashes};
    ///
    /// #[post("/save")]
    /// fn save() -> Flash<Redirect> {
    ///     Flash::success(Redirect::to("/"), "Saved")
    /// }
    ///
    /// #[get("/")]
    /// fn index(flashes: Flashes) -> &'static str {
    ///     if flashes.is_empty() {
    ///         "no news"
    ///     } else {
    ///         "news!"
    ///     }
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![save, index];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "no news");
    /// client.post("/save").dispatch();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "news!");
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "no news");
    /// ```
    pub fn is_empty(&self) -> bool {
        self.shown().is_empty()
    }

    /// Number of messages. Asking counts as looking at them, as for
    /// [`is_empty`](Flashes::is_empty).
    ///
    /// ```
    /// use rocket::response::Redirect;
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::{Flash, Flashes};
    ///
    /// #[post("/import")]
    /// fn import() -> Flash<Redirect> {
    ///     Flash::success(Redirect::to("/"), "Imported 8 rows").and_warning("2 rows skipped")
    /// }
    ///
    /// #[get("/")]
    /// fn index(flashes: Flashes) -> String {
    ///     format!("{} new", flashes.len())
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![import, index];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/import").dispatch();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "2 new");
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "0 new");
    /// ```
    pub fn len(&self) -> usize {
        self.shown().len()
    }

    /// The messages as a `Vec`, oldest first (as `for m in flashes` gives them).
    ///
    /// ```
    /// use rocket::response::Redirect;
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::{Flash, FlashMessage, Flashes};
    ///
    /// #[post("/save")]
    /// fn save() -> Flash<Redirect> {
    ///     Flash::info(Redirect::to("/"), "Draft kept").and_success("Saved")
    /// }
    ///
    /// #[get("/")]
    /// fn index(flashes: Flashes) -> String {
    ///     // The latest message only.
    ///     let messages: Vec<FlashMessage> = flashes.into_vec();
    ///     messages.last().map(|m| m.text.clone()).unwrap_or_default()
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let routes = routes![save, index];
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
    /// #     .unwrap();
    /// client.post("/save").dispatch();
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "Saved");
    /// assert_eq!(client.get("/").dispatch().into_string().unwrap(), "");
    /// ```
    pub fn into_vec(self) -> Vec<FlashMessage> {
        self.shown();
        self.messages
    }
}

/// Prints the messages, which counts as looking at them (a page may show them that way).
impl std::fmt::Debug for Flashes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Flashes").field(&self.shown()).finish()
    }
}

/// Compares the messages only; comparing does not count as looking at them.
impl PartialEq for Flashes {
    fn eq(&self, other: &Flashes) -> bool {
        self.messages == other.messages
    }
}

impl Eq for Flashes {}

/// A sequence of [`FlashMessage`]s, for a template's context; serializing counts as looking
/// at them (the page renders them).
///
/// Each message is `{ level, text, kind, message }`, the level in lower case: a template
/// written for Rocket's own `FlashMessage` (`{{ flash.kind }}`, `{{ flash.message }}`) takes
/// any one of them unchanged.
///
/// ```
/// use rocket::response::Redirect;
/// use rocket::{get, post, routes};
/// use rocket_sealed::{Flash, Flashes};
///
/// #[post("/save")]
/// fn save() -> Flash<Redirect> {
///     Flash::success(Redirect::to("/"), "Saved")
/// }
///
/// #[get("/")]
/// fn index(flashes: Flashes) -> String {
///     // With rocket_dyn_templates: `Template::render("index", context! { flashes })`.
///     serde_json::json!({ "flashes": flashes }).to_string()
/// }
///
/// # use rocket::local::blocking::Client;
/// # use rocket_sealed::Sealed;
/// # let routes = routes![save, index];
/// # let client = Client::tracked(rocket::build().attach(Sealed::fairing()).mount("/", routes))
/// #     .unwrap();
/// client.post("/save").dispatch();
/// let page: serde_json::Value =
///     serde_json::from_str(&client.get("/").dispatch().into_string().unwrap()).unwrap();
/// assert_eq!(
///     page["flashes"],
///     serde_json::json!([
///         { "level": "success", "text": "Saved", "kind": "success", "message": "Saved" }
///     ])
/// );
/// // Rendered, so shown: gone from the next page.
/// assert_eq!(client.get("/").dispatch().into_string().unwrap(), r#"{"flashes":[]}"#);
/// ```
impl Serialize for Flashes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.shown())
    }
}

impl IntoIterator for Flashes {
    type Item = FlashMessage;
    type IntoIter = std::vec::IntoIter<FlashMessage>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

impl<'a> IntoIterator for &'a Flashes {
    type Item = &'a FlashMessage;
    type IntoIter = std::slice::Iter<'a, FlashMessage>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Flashes {
    type Error = GuardError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        crate::guards::tempdata::judge_session(req).await;
        let Some(temp) = TempData::from_req(req) else {
            return crate::guards::fairing_missing();
        };
        temp.stores
            .adopt_rocket_flash_once(|| adopt_rocket_flash(req, &temp));
        match temp.with(|t| t.offer_flashes()) {
            Ok(messages) if messages.is_empty() => Outcome::Success(Flashes::default()),
            Ok(messages) => Outcome::Success(Flashes {
                messages,
                shown: Some(temp.stores.flash_look_flag()),
            }),
            Err(e) => {
                // Only another build's `FlashMessage` (another layout, or another path: the
                // path is part of the stored list's type tag) or an app that stored something
                // else under `_flash` could cause this.
                log::warn!("rocket_sealed: pending flash messages unreadable, dropped: {e}");
                temp.remove(crate::store::FLASH_KEY);
                Outcome::Success(Flashes::default())
            }
        }
    }
}

impl Sentinel for Flashes {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        Sealed::missing_for(rocket, "Flashes")
    }
}

/// The cookie Rocket's own `rocket::response::Flash` writes.
const ROCKET_FLASH_COOKIE: &str = "_flash";

/// Deletes Rocket's `_flash` cookie: Rocket sets it with `Path=/` and no `Domain`.
pub(crate) const ROCKET_FLASH_REMOVAL: &str =
    "_flash=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT";

/// The message in Rocket's `_flash` cookie (`<kind length>:<kind><message>`), if the request
/// carries one that parses. A `kind` that names a [`Level`] in any case gives that level;
/// any other kind gives `Info`, the message kept.
fn rocket_flash_message(req: &Request<'_>) -> Option<FlashMessage> {
    let cookie = req.cookies().get(ROCKET_FLASH_COOKIE)?;
    let (len, rest) = cookie.value().split_once(':')?;
    let len: usize = len.parse().ok()?;
    let (kind, message) = (rest.get(..len)?, rest.get(len..)?);
    Some(FlashMessage {
        level: Level::from_name(kind).unwrap_or(Level::Info),
        text: message.to_owned(),
    })
}

/// Appends the message of Rocket's `_flash` cookie to the pending messages, where it follows
/// this crate's rule; `true` if it did, so the fairing deletes Rocket's cookie once TempData
/// is written. A message kept in both places would show twice; one dropped would be lost.
fn adopt_rocket_flash(req: &Request<'_>, temp: &TempData<'_>) -> bool {
    let Some(message) = rocket_flash_message(req) else {
        return false;
    };
    match temp.with(|t| t.flash(message.level, message.text)) {
        Ok(()) => true,
        Err(e) => {
            log::warn!("rocket_sealed: Rocket's `_flash` message not taken over: {e}");
            false
        }
    }
}

/// Counts the messages a `Flashes` guard was offered as shown if the handler looked at them;
/// the fairing calls it before it commits TempData, and `TempData::commit` before it measures.
pub(crate) fn settle_offered(stores: &RequestStores, state: &mut TempDataState) {
    if stores.flashes_looked_at() {
        state.offered_flashes_shown();
    }
}
