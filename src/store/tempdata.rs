//! The TempData state model, with ASP.NET Core's rules (tabled on [`TempDataState`]).

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::SessionId;
use super::Status;
use super::reserved;
use super::values::Values;
use super::{Commit, CommitReason};
use crate::chunk::SentCookies;
use crate::codec::StoreSpec;
use crate::config::TempDataConfig;
use crate::envelope::{EntryRef, EnvelopeView};
use crate::keys::KeyRing;
use crate::{Error, Expiry};

/// The TempData entry that holds pending flash messages: a `Vec<FlashMessage>`, oldest
/// first. It follows the same rules as any entry, so [`TempDataState::keep`] on it keeps the
/// messages for one more request.
///
/// ```
/// use rocket_sealed::store::{TempDataState, FLASH_KEY};
/// use rocket_sealed::{FlashMessage, Level, Status};
///
/// let mut temp = TempDataState::new(Status::New);
/// temp.flash(Level::Success, "Saved").unwrap();
/// assert!(temp.contains(FLASH_KEY));
/// let pending: Vec<FlashMessage> = temp.peek(FLASH_KEY).unwrap().unwrap();
/// assert_eq!(pending, vec![FlashMessage { level: Level::Success, text: "Saved".into() }]);
/// ```
pub const FLASH_KEY: &str = "_flash";

/// A flash message's level, ordered from `Debug` (lowest) to `Error` (highest).
///
/// In a human-readable format (JSON, a template's context) a level is its lower-case name,
/// ready for a CSS class; in the cookies it is stored by its variant name, as it always was
/// (see [`FlashMessage`]). Either spelling reads back.
///
/// ```
/// use rocket_sealed::Level;
///
/// assert!(Level::Debug < Level::Info && Level::Warning < Level::Error);
/// let levels = [Level::Info, Level::Error, Level::Warning];
/// let serious: Vec<&str> = levels.iter().filter(|l| **l >= Level::Warning).map(Level::as_str).collect();
/// assert_eq!(serious, ["error", "warning"]);
///
/// assert_eq!(serde_json::to_string(&Level::Success).unwrap(), r#""success""#);
/// let read: Level = serde_json::from_str(r#""Success""#).unwrap();
/// assert_eq!(read, Level::Success);
/// ```
// Deserialize keeps the derive (the variant names of every stored list) and adds the
// lower-case names that human-readable output now has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
pub enum Level {
    /// Diagnostic detail.
    #[serde(alias = "debug")]
    Debug,
    /// Neutral information.
    #[serde(alias = "info")]
    Info,
    /// Something worked.
    #[serde(alias = "success")]
    Success,
    /// Something needs attention.
    #[serde(alias = "warning")]
    Warning,
    /// Something failed.
    #[serde(alias = "error")]
    Error,
}

impl Level {
    /// The level's lower-case name, handy as a CSS class.
    ///
    /// ```
    /// assert_eq!(rocket_sealed::Level::Warning.as_str(), "warning");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Success => "success",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    /// The level called `name` (`"warning"`, `"Warning"`, any case), or `None`: what a
    /// `kind` of Rocket's own flash message maps to.
    ///
    /// ```
    /// use rocket_sealed::Level;
    ///
    /// assert_eq!(Level::from_name("success"), Some(Level::Success));
    /// assert_eq!(Level::from_name("ERROR"), Some(Level::Error));
    /// assert_eq!(Level::from_name("notice"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Level> {
        [
            Level::Debug,
            Level::Info,
            Level::Success,
            Level::Warning,
            Level::Error,
        ]
        .into_iter()
        .find(|level| level.as_str().eq_ignore_ascii_case(name))
    }

    /// The variant's name, as the cookies store it.
    fn variant_name(self) -> &'static str {
        match self {
            Level::Debug => "Debug",
            Level::Info => "Info",
            Level::Success => "Success",
            Level::Warning => "Warning",
            Level::Error => "Error",
        }
    }
}

impl Serialize for Level {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(self.as_str())
        } else {
            // Exactly what the derive wrote: flash lists pending in browsers, and instances
            // of an earlier release in the same farm, read these bytes.
            serializer.serialize_unit_variant("Level", *self as u32, self.variant_name())
        }
    }
}

/// One flash message.
///
/// In a human-readable format (JSON, a template's context) it is
/// `{ level, text, kind, message }`: `kind` and `message` repeat `level` (lower-case) and
/// `text` under the names of Rocket's own `FlashMessage`, so a template written for Rocket's
/// flash works unchanged. In the cookies it stays `{ level, text }` with the variant's name,
/// byte for byte what earlier releases wrote and read.
///
/// ```
/// use rocket_sealed::{Flash, FlashMessage, Level};
///
/// let flash = Flash::warning((), "Disk almost full").and(Level::Info, "Cleanup runs tonight");
/// let first = FlashMessage { level: Level::Warning, text: "Disk almost full".into() };
/// assert_eq!(flash.messages()[0], first);
/// assert_eq!(flash.messages()[1].level.as_str(), "info");
///
/// assert_eq!(
///     serde_json::to_value(&first).unwrap(),
///     serde_json::json!({
///         "level": "warning",
///         "text": "Disk almost full",
///         "kind": "warning",
///         "message": "Disk almost full",
///     })
/// );
/// ```
// Its path is part of the type tag of every stored flash list: moving this type makes the
// flash messages pending in browsers unreadable after an upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FlashMessage {
    /// Its level.
    pub level: Level,
    /// Its text.
    pub text: String,
}

impl Serialize for FlashMessage {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let human = serializer.is_human_readable();
        let mut fields = serializer.serialize_struct("FlashMessage", if human { 4 } else { 2 })?;
        fields.serialize_field("level", &self.level)?;
        fields.serialize_field("text", &self.text)?;
        if human {
            fields.serialize_field("kind", self.level.as_str())?;
            fields.serialize_field("message", &self.text)?;
        }
        fields.end()
    }
}

/// One browser's TempData, as loaded for one request. Framework-free: the Rocket guard
/// [`TempData`](crate::TempData) wraps it.
///
/// What becomes of an entry at the end of a request, as ASP.NET Core decides it:
///
/// | what the request did with an entry             | kept for the next request? |
/// |------------------------------------------------|----------------------------|
/// | loaded, not touched                            | yes                        |
/// | loaded, `peek`ed                               | yes                        |
/// | loaded, `get` (read)                           | no                         |
/// | loaded, `get`, then `keep(key)` or `keep_all`  | yes                        |
/// | loaded, `get`, response is a redirect¹         | yes, unless configured off |
/// | `set` in this request                          | yes                        |
/// | `set`, then `get` in this request              | no (as ASP.NET Core)       |
/// | `remove`d                                      | no                         |
///
/// ¹ 301, 302, 303, 307 or 308, with `keep_on_redirect` on (the default).
///
/// ```
/// use rocket_sealed::chunk::SentCookies;
/// use rocket_sealed::store::TempDataState;
/// use rocket_sealed::{Config, KeyConfig, KeyRing, Status};
///
/// let config = Config::default();
/// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
/// let spec = config.tempdata_spec(false);
/// // A request leaves two entries.
/// let nothing = SentCookies::collect(&spec.name, []);
/// let mut temp = TempDataState::new(Status::New);
/// temp.set("notice", "Saved").unwrap();
/// temp.set("draft", "half a letter").unwrap();
/// let commit = temp.commit(&ring, &spec, &nothing, false, 1_000).unwrap().unwrap();
/// // The browser sends back what the commit's `Set-Cookie` lines set.
/// let sent = SentCookies::collect(&spec.name, commit.written.sent_back());
///
/// // The next one reads one entry and peeks at the other.
/// let mut next = TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_010);
/// assert!(next.status().is_loaded());
/// assert_eq!(next.get::<String>("notice").unwrap().as_deref(), Some("Saved"));
/// assert_eq!(next.peek::<String>("draft").unwrap().as_deref(), Some("half a letter"));
/// let commit = next.commit(&ring, &spec, &sent, false, 1_010).unwrap().unwrap();
/// let sent = SentCookies::collect(&spec.name, commit.written.sent_back());
///
/// // Only the entry that was not read is left.
/// let last = TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_020);
/// assert_eq!(last.keys(), ["draft"]);
///
/// // On a redirect that keeps read entries, a read changes nothing: the cookie stays.
/// let mut redirected = TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_030);
/// assert!(redirected.get::<String>("draft").unwrap().is_some());
/// assert_eq!(redirected.commit(&ring, &spec, &sent, true, 1_030).unwrap(), None);
/// ```
pub struct TempDataState {
    status: Status,
    values: Values,
    /// Keys that will be dropped at commit unless kept: ASP.NET's complement of `_initialKeys`.
    loaded: BTreeSet<String>,
    unread: BTreeSet<String>,
    retained: BTreeSet<String>,
    modified: bool,
    needs_reseal: bool,
    /// How many flash messages this request took (and so displayed).
    flashes_taken: usize,
    /// How many flash messages a `Flashes` guard was handed; they count as taken once the
    /// handler looks at them ([`offered_flashes_shown`](Self::offered_flashes_shown)).
    flashes_offered: usize,
    /// The id of the session the cookie was written under (a reserved entry), then the one
    /// it is to be written under; `None`: no stored session.
    session: Option<[u8; 16]>,
    /// Keys set in this request (they survive a change of session; loaded ones do not).
    set_here: BTreeSet<String>,
}

impl TempDataState {
    /// An empty TempData; `status` says how it came to be.
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::Status;
    ///
    /// let temp = TempDataState::new(Status::New);
    /// assert!(temp.is_empty());
    /// assert_eq!(temp.status(), &Status::New);
    /// ```
    pub fn new(status: Status) -> TempDataState {
        TempDataState {
            status,
            values: Values::default(),
            loaded: BTreeSet::new(),
            unread: BTreeSet::new(),
            retained: BTreeSet::new(),
            modified: false,
            needs_reseal: false,
            flashes_taken: 0,
            flashes_offered: 0,
            session: None,
            set_here: BTreeSet::new(),
        }
    }

    /// Opens TempData from the cookies the browser sent. Never fails: a refused cookie gives
    /// an empty store whose [`status`](Self::status) says why. Every loaded entry is unread.
    ///
    /// ```
    /// use rocket_sealed::chunk::SentCookies;
    /// use rocket_sealed::codec::StoreSpec;
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::{Config, Expiry, KeyConfig, KeyRing, Status};
    ///
    /// let config = Config::default();
    /// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// let spec = StoreSpec { name: "td".into(), ..config.tempdata_spec(false) };
    /// let nothing = SentCookies::collect("td", []);
    /// let mut temp = TempDataState::load(&ring, &spec, &config.tempdata, &nothing, 1_000);
    /// assert_eq!(temp.status(), &Status::New);
    /// temp.set("notice", "Saved").unwrap();
    /// let commit = temp.commit(&ring, &spec, &nothing, false, 1_000).unwrap().unwrap();
    /// let sent = SentCookies::collect("td", commit.written.sent_back());
    ///
    /// let next = TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_010);
    /// assert!(next.status().is_loaded());
    /// assert_eq!(next.keys(), ["notice"]);
    ///
    /// // A day and a second later the cookie is dropped, read or not.
    /// let late = TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_000 + 86_401);
    /// assert_eq!(late.status().expiry(), Some(Expiry::Lifetime));
    /// assert!(late.is_empty());
    /// ```
    pub fn load(
        ring: &KeyRing,
        spec: &StoreSpec,
        config: &TempDataConfig,
        sent: &SentCookies,
        now: u64,
    ) -> TempDataState {
        let plaintext = match spec.read_plaintext(ring, sent) {
            Ok(None) => return TempDataState::new(Status::New),
            Ok(Some(plaintext)) => plaintext,
            Err(reason) => return TempDataState::new(Status::Rejected(reason)),
        };
        let needs_reseal = plaintext.needs_reseal;
        let (env, mut values) = match Values::from_plaintext(plaintext) {
            Ok(loaded) => loaded,
            Err(reason) => return TempDataState::new(Status::Rejected(reason)),
        };
        let session = reserved::take_id(&mut values, reserved::SESSION_ID);
        if let Err(reason) = super::check_clock(&env, now) {
            return TempDataState::new(Status::Rejected(reason));
        }
        if now.saturating_sub(env.refreshed_at) > config.lifetime_secs {
            return TempDataState::new(Status::Expired(Expiry::Lifetime));
        }
        let keys: BTreeSet<String> = values.keys().map(str::to_owned).collect();
        TempDataState {
            status: Status::Loaded,
            values,
            loaded: keys.clone(),
            unread: keys,
            retained: BTreeSet::new(),
            modified: false,
            needs_reseal,
            flashes_taken: 0,
            flashes_offered: 0,
            session,
            set_here: BTreeSet::new(),
        }
    }

    /// Keeps what was loaded only if the cookie was written under `current`, the session the
    /// request carries (`None`: no stored session); otherwise it opens empty, with status
    /// `Expired(Expiry::Session)`. Sign-out, a renewed id or another user thus leave nothing
    /// of an older TempData cookie readable, even when a copy of it is sent again.
    pub(crate) fn open_under(&mut self, current: Option<SessionId>) {
        let current = current.map(|id| *id.as_bytes());
        if self.status.is_loaded() && self.session != current {
            *self = TempDataState::new(Status::Expired(Expiry::Session));
        }
        self.session = current;
    }

    /// The session this TempData is to be written under (`None`: no stored session). When it
    /// changes during the request (sign-in renewed the id, sign-out cleared the session), the
    /// entries loaded from the cookie are dropped; those set in this request stay.
    pub(crate) fn bind_to(&mut self, session: Option<SessionId>) {
        let session = session.map(|id| *id.as_bytes());
        if session == self.session {
            return;
        }
        self.session = session;
        for key in std::mem::take(&mut self.loaded) {
            if !self.set_here.contains(&key) {
                self.values.remove(&key);
                self.unread.remove(&key);
                self.retained.remove(&key);
                self.modified = true;
            }
        }
        // Written under another session: whatever the cookie held must be replaced.
        self.modified = true;
    }

    /// The entries as sealed: `entries`, and the session they belong to.
    fn with_binding<'a>(&self, mut entries: Vec<EntryRef<'a>>) -> Vec<EntryRef<'a>> {
        if let Some(id) = self.session {
            reserved::insert(&mut entries, reserved::SESSION_ID, id.to_vec());
        }
        entries
    }

    /// How this TempData was loaded: new, loaded, expired, or rejected and why.
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::{Rejection, Status};
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "td".into(), ..config.tempdata_spec(false) };
    ///
    /// let nothing = SentCookies::collect("td", []);
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.set("notice", "Saved").unwrap();
    /// let commit = temp.commit(&ring, &spec, &nothing, false, 1_000).unwrap().unwrap();
    /// let (name, value) = commit.written.sent_back().next().unwrap();
    ///
    /// // One character of the sealed value changed.
    /// let mut forged = value.to_owned();
    /// let middle = forged.len() / 2;
    /// let other = if &forged[middle..=middle] == "A" { "B" } else { "A" };
    /// forged.replace_range(middle..=middle, other);
    /// let sent = SentCookies::collect("td", [(name, forged.as_str())]);
    /// let next = TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_010);
    /// assert_eq!(next.status(), &Status::Rejected(Rejection::Tampered));
    /// assert!(next.is_empty());
    /// ```
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// Reads `key` and marks it for deletion at the end of this request; `Ok(None)` if absent,
    /// an [`Error::SchemaChanged`] if it does not read as `T`.
    ///
    /// Unless the response is a redirect (301, 302, 303, 307 or 308) and `keep_on_redirect`
    /// is on, the default (`redirect_keeps` at [`commit`](Self::commit)): then the entry is
    /// kept for the page the browser is sent to, whether it was loaded or set in this request.
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::Status;
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "td".into(), ..config.tempdata_spec(false) };
    /// # let jar = std::cell::RefCell::new(rocket_sealed::codec::Written::default());
    /// # let next_request = |temp: &mut TempDataState| -> TempDataState {
    /// #     let held = jar.borrow().clone();
    /// #     if let Some(commit) = temp
    /// #         .commit(&ring, &spec, &SentCookies::collect("td", held.sent_back()), false, 1_000)
    /// #         .unwrap()
    /// #     {
    /// #         *jar.borrow_mut() = commit.written;
    /// #     }
    /// #     let held = jar.borrow();
    /// #     let sent = SentCookies::collect("td", held.sent_back());
    /// #     TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_000)
    /// # };
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.set("notice", "Saved").unwrap();
    /// temp.set("draft", "half a letter").unwrap();
    /// // `next_request` (set up in hidden lines) ends the request, with a response that is no
    /// // redirect, and loads TempData from what the browser sends next.
    /// let mut temp = next_request(&mut temp);
    /// assert_eq!(temp.get::<String>("notice").unwrap().as_deref(), Some("Saved"));
    /// assert_eq!(temp.get::<String>("missing").unwrap(), None);
    /// let mut temp = next_request(&mut temp);
    /// assert_eq!(temp.get::<String>("notice").unwrap(), None);
    /// assert_eq!(temp.keys(), ["draft"]); // not read: still there
    /// ```
    pub fn get<T: DeserializeOwned>(&mut self, key: &str) -> Result<Option<T>, Error> {
        let value = self.values.get(key)?;
        self.unread.remove(key);
        if key == FLASH_KEY {
            // Reading the entry shows every message in it, as take_flashes does: a message
            // flashed after this read must not bring them back.
            self.flashes_taken = self
                .values
                .get::<Vec<FlashMessage>>(FLASH_KEY)
                .ok()
                .flatten()
                .map_or(0, |messages| messages.len());
        }
        Ok(value)
    }

    /// Reads `key` without marking it.
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::Status;
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "td".into(), ..config.tempdata_spec(false) };
    /// # let jar = std::cell::RefCell::new(rocket_sealed::codec::Written::default());
    /// # let next_request = |temp: &mut TempDataState| -> TempDataState {
    /// #     let held = jar.borrow().clone();
    /// #     if let Some(commit) = temp
    /// #         .commit(&ring, &spec, &SentCookies::collect("td", held.sent_back()), false, 1_000)
    /// #         .unwrap()
    /// #     {
    /// #         *jar.borrow_mut() = commit.written;
    /// #     }
    /// #     let held = jar.borrow();
    /// #     let sent = SentCookies::collect("td", held.sent_back());
    /// #     TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_000)
    /// # };
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.set("draft", "half a letter").unwrap();
    /// // `next_request` (set up in hidden lines) ends the request, with a response that is no
    /// // redirect, and loads TempData from what the browser sends next.
    /// let mut temp = next_request(&mut temp);
    /// assert_eq!(temp.peek::<String>("draft").unwrap().as_deref(), Some("half a letter"));
    /// let temp = next_request(&mut temp);
    /// assert_eq!(temp.peek::<String>("draft").unwrap().as_deref(), Some("half a letter"));
    /// ```
    pub fn peek<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.values.get(key)
    }

    /// Stores `value` under `key` for the next request.
    ///
    /// The types that can be read back are those of
    /// [`SessionState::set`](crate::store::SessionState::set): not `serde_json::Value`,
    /// untagged or internally tagged enums, `skip_serializing_if` (and `flatten` is an
    /// error here).
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::Status;
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "td".into(), ..config.tempdata_spec(false) };
    /// # let jar = std::cell::RefCell::new(rocket_sealed::codec::Written::default());
    /// # let next_request = |temp: &mut TempDataState| -> TempDataState {
    /// #     let held = jar.borrow().clone();
    /// #     if let Some(commit) = temp
    /// #         .commit(&ring, &spec, &SentCookies::collect("td", held.sent_back()), false, 1_000)
    /// #         .unwrap()
    /// #     {
    /// #         *jar.borrow_mut() = commit.written;
    /// #     }
    /// #     let held = jar.borrow();
    /// #     let sent = SentCookies::collect("td", held.sent_back());
    /// #     TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_000)
    /// # };
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.set("notice", "Saved").unwrap();
    /// temp.set("order", &42u64).unwrap();
    /// // Set and read in the same request: gone after it, as in ASP.NET Core.
    /// temp.get::<u64>("order").unwrap();
    /// // `next_request` (set up in hidden lines) ends the request, with a response that is no
    /// // redirect, and loads TempData from what the browser sends next.
    /// let temp = next_request(&mut temp);
    /// assert_eq!(temp.keys(), ["notice"]);
    /// ```
    pub fn set<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        if reserved::is_reserved(key) {
            return Err(reserved::reserved_error(key));
        }
        if key == FLASH_KEY {
            // A list the app writes itself is what goes on, whatever was shown of the old one.
            self.forget_shown_flashes();
        }
        self.put(key, value)
    }

    /// [`set`](Self::set), keeping the count of flash messages shown (for [`flash`](Self::flash)).
    fn put<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.values.set(key, value)?;
        self.unread.insert(key.to_owned());
        self.set_here.insert(key.to_owned());
        self.modified = true;
        Ok(())
    }

    /// Keeps `key` for one more request even if it was read (also when it is set and read
    /// only after this call, as ASP.NET Core's `Keep(key)` does).
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::Status;
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "td".into(), ..config.tempdata_spec(false) };
    /// # let jar = std::cell::RefCell::new(rocket_sealed::codec::Written::default());
    /// # let next_request = |temp: &mut TempDataState| -> TempDataState {
    /// #     let held = jar.borrow().clone();
    /// #     if let Some(commit) = temp
    /// #         .commit(&ring, &spec, &SentCookies::collect("td", held.sent_back()), false, 1_000)
    /// #         .unwrap()
    /// #     {
    /// #         *jar.borrow_mut() = commit.written;
    /// #     }
    /// #     let held = jar.borrow();
    /// #     let sent = SentCookies::collect("td", held.sent_back());
    /// #     TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_000)
    /// # };
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.set("banner", "Maintenance at noon").unwrap();
    /// temp.set("notice", "Saved").unwrap();
    /// // `next_request` (set up in hidden lines) ends the request, with a response that is no
    /// // redirect, and loads TempData from what the browser sends next.
    /// let mut temp = next_request(&mut temp);
    /// temp.get::<String>("banner").unwrap();
    /// temp.get::<String>("notice").unwrap();
    /// temp.keep("banner");
    /// let temp = next_request(&mut temp);
    /// assert_eq!(temp.keys(), ["banner"]);
    /// ```
    pub fn keep(&mut self, key: &str) {
        self.retained.insert(key.to_owned());
    }

    /// Keeps every entry there now for one more request, as ASP.NET Core's `Keep()`: it
    /// replaces what earlier [`keep`](Self::keep) calls asked for (a key kept before it was
    /// set is no longer kept); entries set afterwards survive anyway, being new. Read flash
    /// messages ([`FLASH_KEY`](crate::store::FLASH_KEY)) are an entry too, and are kept with
    /// the others.
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::Status;
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "td".into(), ..config.tempdata_spec(false) };
    /// # let jar = std::cell::RefCell::new(rocket_sealed::codec::Written::default());
    /// # let next_request = |temp: &mut TempDataState| -> TempDataState {
    /// #     let held = jar.borrow().clone();
    /// #     if let Some(commit) = temp
    /// #         .commit(&ring, &spec, &SentCookies::collect("td", held.sent_back()), false, 1_000)
    /// #         .unwrap()
    /// #     {
    /// #         *jar.borrow_mut() = commit.written;
    /// #     }
    /// #     let held = jar.borrow();
    /// #     let sent = SentCookies::collect("td", held.sent_back());
    /// #     TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_000)
    /// # };
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.set("name", "Ada").unwrap();
    /// temp.set("plan", "pro").unwrap();
    /// // `next_request` (set up in hidden lines) ends the request, with a response that is no
    /// // redirect, and loads TempData from what the browser sends next.
    /// let mut temp = next_request(&mut temp);
    /// temp.get::<String>("name").unwrap();
    /// temp.get::<String>("plan").unwrap();
    /// temp.keep_all();
    /// let temp = next_request(&mut temp);
    /// assert_eq!(temp.keys(), ["name", "plan"]);
    /// ```
    pub fn keep_all(&mut self) {
        self.retained = self.values.keys().map(str::to_owned).collect();
    }

    /// The keys whose stored value a read in this request could not read as the type asked
    /// for, in the order found; they are dropped when this request's response is written
    /// (unless set again), as [`SessionState::unreadable_keys`](super::SessionState::unreadable_keys)
    /// says for the session.
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::Status;
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.set("notice", "Saved").unwrap();
    /// assert!(temp.peek::<u32>("notice").is_err());
    /// assert_eq!(temp.unreadable_keys(), ["notice"]);
    /// ```
    pub fn unreadable_keys(&self) -> Vec<String> {
        self.values.unreadable_keys()
    }

    /// [`unreadable_keys`](Self::unreadable_keys) with the errors, for the fairing's log.
    pub(crate) fn unreadable(&self) -> Vec<(String, Error)> {
        self.values.unreadable()
    }

    /// Removes `key` now; `true` if it was there. An earlier `keep(key)` is undone too, as
    /// ASP.NET Core's `Remove` does: a value set under `key` later in the request and read
    /// is not kept.
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::Status;
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "td".into(), ..config.tempdata_spec(false) };
    /// # let jar = std::cell::RefCell::new(rocket_sealed::codec::Written::default());
    /// # let next_request = |temp: &mut TempDataState| -> TempDataState {
    /// #     let held = jar.borrow().clone();
    /// #     if let Some(commit) = temp
    /// #         .commit(&ring, &spec, &SentCookies::collect("td", held.sent_back()), false, 1_000)
    /// #         .unwrap()
    /// #     {
    /// #         *jar.borrow_mut() = commit.written;
    /// #     }
    /// #     let held = jar.borrow();
    /// #     let sent = SentCookies::collect("td", held.sent_back());
    /// #     TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_000)
    /// # };
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.keep("draft");
    /// temp.set("draft", "half a letter").unwrap();
    /// assert!(temp.remove("draft"));
    /// assert!(!temp.remove("draft"));
    /// // Set again and read: the `keep` before the removal no longer holds.
    /// temp.set("draft", "a whole letter").unwrap();
    /// temp.get::<String>("draft").unwrap();
    /// // `next_request` (set up in hidden lines) ends the request, with a response that is no
    /// // redirect, and loads TempData from what the browser sends next.
    /// let temp = next_request(&mut temp);
    /// assert!(temp.is_empty());
    /// ```
    pub fn remove(&mut self, key: &str) -> bool {
        if key == FLASH_KEY {
            // Messages flashed after this are new: none of them was taken.
            self.forget_shown_flashes();
        }
        let removed = self.values.remove(key);
        self.unread.remove(key);
        self.retained.remove(key);
        self.modified |= removed;
        removed
    }

    /// `true` if `key` holds a value (read or not).
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::Status;
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.set("notice", "Saved").unwrap();
    /// temp.get::<String>("notice").unwrap();
    /// // Read, so gone after this request; still here until it ends.
    /// assert!(temp.contains("notice"));
    /// assert!(!temp.contains("draft"));
    /// ```
    pub fn contains(&self, key: &str) -> bool {
        self.values.contains(key)
    }

    /// The entries' names, in name order (not the order they were set in). Listing them
    /// reads no entry. Pending flash messages are the entry
    /// [`FLASH_KEY`](crate::store::FLASH_KEY).
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::Status;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::Config;
    /// # let config = Config::default();
    /// # let spec = StoreSpec { name: "td".into(), ..config.tempdata_spec(false) };
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.set("notice", "Saved").unwrap();
    /// temp.set("draft", "half a letter").unwrap();
    /// // In name order, whatever order they were set in.
    /// assert_eq!(temp.keys(), ["draft", "notice"]);
    /// // Nothing was read: all of it survives a response that is no redirect.
    /// let kept_anyway = temp.check_size(&spec, true, 1_000).unwrap();
    /// assert_eq!(temp.check_size(&spec, false, 1_000).unwrap(), kept_anyway);
    /// ```
    pub fn keys(&self) -> Vec<String> {
        self.values.keys().map(str::to_owned).collect()
    }

    /// Number of entries (read or not), pending flash messages
    /// ([`FLASH_KEY`](crate::store::FLASH_KEY)) included.
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::Status;
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.set("notice", "Saved").unwrap();
    /// temp.set("draft", "half a letter").unwrap();
    /// temp.get::<String>("notice").unwrap();
    /// assert_eq!(temp.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// `true` when there are no entries (read or not). Pending flash messages
    /// ([`FLASH_KEY`](crate::store::FLASH_KEY)) count: ask [`contains`](Self::contains) for an
    /// entry of your own.
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::Status;
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// assert!(temp.is_empty());
    /// temp.set("notice", "Saved").unwrap();
    /// temp.get::<String>("notice").unwrap();
    /// assert!(!temp.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Stored size of an entry in bytes, if known without encoding it.
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::Status;
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.set("order", &42u64).unwrap();
    /// // A format byte, then 42 in one byte.
    /// assert_eq!(temp.entry_len("order"), Some(2));
    /// assert_eq!(temp.entry_len("notice"), None);
    /// ```
    pub fn entry_len(&self, key: &str) -> Option<usize> {
        self.values.encoded_len(key)
    }

    /// Adds a flash message after any pending ones.
    ///
    /// Messages already taken in this request (by [`take_flashes`](Self::take_flashes)) are
    /// not shown again, unless the response is a redirect that keeps read entries: then they
    /// were never displayed, and they go on with the new ones.
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::{Level, Status};
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "td".into(), ..config.tempdata_spec(false) };
    /// # let jar = std::cell::RefCell::new(rocket_sealed::codec::Written::default());
    /// # let next_request = |temp: &mut TempDataState| -> TempDataState {
    /// #     let held = jar.borrow().clone();
    /// #     if let Some(commit) = temp
    /// #         .commit(&ring, &spec, &SentCookies::collect("td", held.sent_back()), false, 1_000)
    /// #         .unwrap()
    /// #     {
    /// #         *jar.borrow_mut() = commit.written;
    /// #     }
    /// #     let held = jar.borrow();
    /// #     let sent = SentCookies::collect("td", held.sent_back());
    /// #     TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_000)
    /// # };
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.flash(Level::Success, "Saved").unwrap();
    /// // `next_request` (set up in hidden lines) ends the request, with a response that is no
    /// // redirect, and loads TempData from what the browser sends next.
    /// let mut temp = next_request(&mut temp);
    /// assert_eq!(temp.take_flashes().unwrap().len(), 1); // shown on this page
    /// temp.flash(Level::Info, "Backed up").unwrap(); // for the next one
    /// let mut temp = next_request(&mut temp);
    /// let texts: Vec<String> = temp.take_flashes().unwrap().into_iter().map(|m| m.text).collect();
    /// assert_eq!(texts, ["Backed up"]);
    /// ```
    pub fn flash(&mut self, level: Level, text: impl Into<String>) -> Result<(), Error> {
        let mut messages: Vec<FlashMessage> = self.values.get(FLASH_KEY)?.unwrap_or_default();
        messages.push(FlashMessage {
            level,
            text: text.into(),
        });
        self.put(FLASH_KEY, &messages)
    }

    /// Takes the pending flash messages: they are not shown again after this request, unless
    /// the response is a redirect that keeps read entries.
    ///
    /// ```
    /// use rocket_sealed::store::{TempDataState, FLASH_KEY};
    /// use rocket_sealed::{Level, Status};
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.flash(Level::Info, "one").unwrap();
    /// temp.flash(Level::Error, "two").unwrap();
    /// let taken = temp.take_flashes().unwrap();
    /// assert_eq!(taken.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["one", "two"]);
    /// // Taken, but still there until the request ends (it is a read, not a removal).
    /// assert!(temp.contains(FLASH_KEY));
    /// ```
    pub fn take_flashes(&mut self) -> Result<Vec<FlashMessage>, Error> {
        let messages: Vec<FlashMessage> = self.values.get(FLASH_KEY)?.unwrap_or_default();
        self.unread.remove(FLASH_KEY);
        self.flashes_taken = messages.len();
        Ok(messages)
    }

    /// The pending flash messages for a `Flashes` guard, without taking them: nothing changes
    /// until [`offered_flashes_shown`](Self::offered_flashes_shown) says the handler looked at them.
    pub(crate) fn offer_flashes(&mut self) -> Result<Vec<FlashMessage>, Error> {
        let messages: Vec<FlashMessage> = self.peek(FLASH_KEY)?.unwrap_or_default();
        self.flashes_offered = messages.len();
        Ok(messages)
    }

    /// The offered messages were shown: they go at commit (the same trim as for taken
    /// flashes, so messages flashed after them stay), unless kept.
    pub(crate) fn offered_flashes_shown(&mut self) {
        self.flashes_taken = self.flashes_taken.max(self.flashes_offered);
    }

    /// No flash message of the entry as it is now was shown (it was written anew or removed).
    fn forget_shown_flashes(&mut self) {
        self.flashes_taken = 0;
        self.flashes_offered = 0;
    }

    /// The entries that survive this request, encoded.
    fn surviving(&self, redirect_keeps: bool) -> Result<Vec<EntryRef<'_>>, Error> {
        let mut entries = self.values.encoded()?;
        if !redirect_keeps {
            entries.retain(|(k, _)| self.unread.contains(*k) || self.retained.contains(*k));
            // Flashes taken and displayed by this request, then joined by new ones: only the
            // new ones go on (unless the app kept the entry explicitly).
            let trim = self.flashes_taken > 0 && !self.retained.contains(FLASH_KEY);
            if let Some(pos) = entries.iter().position(|(k, _)| trim && *k == FLASH_KEY) {
                let mut messages: Vec<FlashMessage> =
                    super::values::decode(FLASH_KEY, &entries[pos].1)?;
                messages.drain(..self.flashes_taken.min(messages.len()));
                if messages.is_empty() {
                    entries.remove(pos);
                } else {
                    entries[pos].1 = Cow::Owned(super::values::encode(FLASH_KEY, &messages)?);
                }
            }
        }
        Ok(entries)
    }

    fn envelope<'a>(entries: &'a [EntryRef<'a>], now: u64) -> EnvelopeView<'a> {
        EnvelopeView {
            issued_at: now,
            refreshed_at: now,
            session_id: None,
            entries,
        }
    }

    /// Checks that what would survive this request fits the budget; returns the bytes needed
    /// (0 when nothing survives: an empty TempData stores no cookie).
    ///
    /// ```
    /// use rocket_sealed::store::TempDataState;
    /// use rocket_sealed::{Error, Status};
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "td".into(), ..config.tempdata_spec(false) };
    ///
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.set("draft", "half a letter").unwrap();
    /// let needed = temp.check_size(&spec, false, 1_000).unwrap();
    /// assert!(needed > 0);
    /// // Read in this request: it survives only a redirect.
    /// temp.get::<String>("draft").unwrap();
    /// assert_eq!(temp.check_size(&spec, false, 1_000).unwrap(), 0);
    /// assert_eq!(temp.check_size(&spec, true, 1_000).unwrap(), needed);
    ///
    /// temp.set("essay", &"x".repeat(3000)).unwrap();
    /// let too_large = temp.check_size(&spec, false, 1_000);
    /// assert!(matches!(too_large, Err(Error::TooLarge { limit: 2048, .. })));
    /// ```
    pub fn check_size(
        &self,
        spec: &StoreSpec,
        is_redirect: bool,
        now: u64,
    ) -> Result<usize, Error> {
        let entries = self.surviving(is_redirect)?;
        if entries.is_empty() {
            return Ok(0);
        }
        let entries = self.with_binding(entries);
        spec.check_size(Self::envelope(&entries, now).encoded_len()?)
    }

    /// What this request must write: `Ok(None)` when the cookies stay as they are.
    ///
    /// `redirect_keeps` is true when the response is a redirect and `keep_on_redirect` is on.
    /// Call it once, when the response leaves (as the fairing does): it does not remember what
    /// it wrote, so a second call writes again.
    ///
    /// ```
    /// use rocket_sealed::store::{CommitReason, TempDataState};
    /// use rocket_sealed::Status;
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "td".into(), ..config.tempdata_spec(false) };
    ///
    /// let nothing = SentCookies::collect("td", []);
    /// let mut temp = TempDataState::new(Status::New);
    /// temp.set("notice", "Saved").unwrap();
    /// let commit = temp.commit(&ring, &spec, &nothing, false, 1_000).unwrap().unwrap();
    /// assert_eq!(commit.reason, CommitReason::Changed);
    /// let sent = SentCookies::collect("td", commit.written.sent_back());
    ///
    /// // Only peeked at: the cookie stays as it is.
    /// let mut next = TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_010);
    /// next.peek::<String>("notice").unwrap();
    /// assert_eq!(next.commit(&ring, &spec, &sent, false, 1_010).unwrap(), None);
    ///
    /// // Read, and the response is no redirect: nothing survives, the cookie is deleted.
    /// let mut next = TempDataState::load(&ring, &spec, &config.tempdata, &sent, 1_010);
    /// next.get::<String>("notice").unwrap();
    /// let commit = next.commit(&ring, &spec, &sent, false, 1_010).unwrap().unwrap();
    /// assert_eq!(commit.reason, CommitReason::Erased);
    /// assert!(commit.written.lines[0].starts_with("td=;"));
    /// ```
    pub fn commit(
        &mut self,
        ring: &KeyRing,
        spec: &StoreSpec,
        sent: &SentCookies,
        redirect_keeps: bool,
        now: u64,
    ) -> Result<Option<Commit>, Error> {
        // Values this request found unreadable are dropped (which writes the cookie).
        self.values.drop_unreadable();
        let entries = self.surviving(redirect_keeps)?;
        if entries.is_empty() {
            return Ok((!sent.is_empty()).then(|| Commit {
                written: spec.erase(sent),
                reason: CommitReason::Erased,
            }));
        }
        let same_keys = entries
            .iter()
            .map(|(k, _)| *k)
            .eq(self.loaded.iter().map(String::as_str));
        let reason = if self.needs_reseal && !self.modified && same_keys {
            CommitReason::Resealed
        } else if self.modified || !same_keys || !self.status.is_loaded() {
            CommitReason::Changed
        } else {
            return Ok(None);
        };
        let entries = self.with_binding(entries);
        let written = spec.write_view(ring, sent, &Self::envelope(&entries, now))?;
        drop(entries);
        self.modified = false;
        self.needs_reseal = false;
        Ok(Some(Commit { written, reason }))
    }
}

impl std::fmt::Debug for TempDataState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TempDataState")
            .field("status", &self.status)
            .field("keys", &self.keys())
            .field("unread", &self.unread)
            .field("retained", &self.retained)
            .finish_non_exhaustive()
    }
}
