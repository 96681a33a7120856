//! The session state model: a typed dictionary with an id and sliding/absolute expiry.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Status;
use super::csrf::CsrfSecret;
use super::reserved;
use super::values::Values;
use super::{Commit, CommitReason};
use crate::chunk::SentCookies;
use crate::codec::StoreSpec;
use crate::config::SessionConfig;
use crate::envelope::{EntryRef, EnvelopeFields, EnvelopeView};
use crate::keys::KeyRing;
use crate::{Error, Expiry, Rejection};

/// A random 128-bit session id, shown as 32 hex digits.
///
/// It identifies a session to the application (for logs, or a revocation list); it is not a
/// bearer token into a server store, because there is no server store.
///
/// ```
/// use rocket_sealed::store::SessionState;
/// use rocket_sealed::{SessionId, Status};
///
/// let id: SessionId = SessionState::new(0, Status::New).id();
/// let hex = id.to_string();
/// assert_eq!(hex.len(), 32);
/// let bytes: String = id.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
/// assert_eq!(hex, bytes);
/// // `Debug` shows only the first four bytes, for logs.
/// assert_eq!(format!("{id:?}"), format!("SessionId({}…)", &hex[..8]));
/// // Every new session draws a fresh id.
/// assert_ne!(id, SessionState::new(0, Status::New).id());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId([u8; 16]);

impl SessionId {
    pub(crate) fn random() -> SessionId {
        SessionId(crate::random::session_id())
    }

    /// The id's bytes, say to keep in a list of signed-out sessions.
    ///
    /// ```
    /// use std::collections::HashSet;
    ///
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let session = SessionState::new(1_000, Status::New);
    /// let mut signed_out: HashSet<[u8; 16]> = HashSet::new();
    /// signed_out.insert(*session.id().as_bytes());
    /// assert!(signed_out.contains(session.id().as_bytes()));
    /// assert!(!signed_out.contains(SessionState::new(1_000, Status::New).id().as_bytes()));
    /// ```
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// The first four bytes only: enough to tell sessions apart in a log, not the whole id that
/// a revocation list may be keyed by (`Display` gives all of it).
impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId(")?;
        self.0[..4].iter().try_for_each(|b| write!(f, "{b:02x}"))?;
        f.write_str("…)")
    }
}

/// One browser's session, as loaded for one request. Framework-free: the Rocket guard
/// [`Session`](crate::Session) wraps it.
///
/// Load it from the cookies the browser sent, use it, and [`commit`](Self::commit) it to get
/// the `Set-Cookie` values; all times are unix seconds passed in by the caller.
///
/// ```
/// use rocket_sealed::chunk::SentCookies;
/// use rocket_sealed::store::{CommitReason, SessionState};
/// use rocket_sealed::{Config, Expiry, KeyConfig, KeyRing, Status};
///
/// let config = Config::default();
/// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
/// let spec = config.session_spec(false);
///
/// // First request: the browser sends nothing.
/// let nothing = SentCookies::collect(&spec.name, []);
/// let mut session = SessionState::load(&ring, &spec, &config.session, &nothing, 1_000);
/// assert_eq!(session.status(), &Status::New);
/// session.set("user", "ada").unwrap();
/// let commit = session.commit(&ring, &spec, &config.session, &nothing, 1_000).unwrap().unwrap();
/// assert_eq!(commit.reason, CommitReason::Changed);
///
/// // Next request: the browser sends the cookie back.
/// let sent = SentCookies::collect(&spec.name, commit.written.sent_back());
/// let mut again = SessionState::load(&ring, &spec, &config.session, &sent, 1_060);
/// assert!(again.status().is_loaded());
/// assert_eq!(again.id(), session.id());
/// assert_eq!(again.get::<String>("user").unwrap().as_deref(), Some("ada"));
/// // Only read, a minute into a 20-minute idle timeout: nothing to write.
/// assert_eq!(again.commit(&ring, &spec, &config.session, &sent, 1_060).unwrap(), None);
///
/// // Past the idle timeout the session starts over, empty.
/// let late = SessionState::load(&ring, &spec, &config.session, &sent, 1_000 + 1_201);
/// assert_eq!(late.status().expiry(), Some(Expiry::Idle));
/// assert!(late.is_empty());
/// ```
pub struct SessionState {
    status: Status,
    id: SessionId,
    issued_at: u64,
    refreshed_at: u64,
    values: Values,
    modified: bool,
    needs_reseal: bool,
    /// When the validator last said yes (sealed as a reserved entry; see `reserved.rs`).
    validated_at: Option<u64>,
    /// The validator said yes in this request: the new time must be sealed.
    revalidated: bool,
    /// The id the browser's cookie carried, if it was loaded; `renew` does not change it.
    sent_id: Option<SessionId>,
    /// The CSRF secret (sealed as a reserved entry), drawn when a token is first asked for.
    csrf: Option<CsrfSecret>,
}

impl SessionState {
    /// An empty session with a fresh id, created at `now`; `status` says how it came to be.
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let session = SessionState::new(1_000, Status::New);
    /// assert!(session.is_empty());
    /// assert_eq!(session.status(), &Status::New);
    /// assert_eq!((session.issued_at(), session.refreshed_at()), (1_000, 1_000));
    /// assert_ne!(session.id(), SessionState::new(1_000, Status::New).id());
    /// ```
    pub fn new(now: u64, status: Status) -> SessionState {
        SessionState {
            status,
            id: SessionId::random(),
            issued_at: now,
            refreshed_at: now,
            values: Values::default(),
            modified: false,
            needs_reseal: false,
            validated_at: None,
            revalidated: false,
            sent_id: None,
            csrf: None,
        }
    }

    /// Opens the session from the cookies the browser sent. Never fails: a refused cookie
    /// gives an empty session whose [`status`](Self::status) says why.
    ///
    /// ```
    /// use rocket_sealed::chunk::SentCookies;
    /// use rocket_sealed::codec::StoreSpec;
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::{Config, KeyConfig, KeyRing, Malformed, Rejection, Status};
    ///
    /// let config = Config::default();
    /// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// let spec = StoreSpec { name: "sid".into(), ..config.session_spec(false) };
    ///
    /// let nothing = SentCookies::collect("sid", []);
    /// let session = SessionState::load(&ring, &spec, &config.session, &nothing, 1_000);
    /// assert_eq!(session.status(), &Status::New);
    ///
    /// let garbage = SentCookies::collect("sid", [("sid", "garbage")]);
    /// let session = SessionState::load(&ring, &spec, &config.session, &garbage, 1_000);
    /// assert!(session.is_empty());
    /// assert_eq!(session.status().rejection(), Some(&Rejection::Malformed(Malformed::NotBase64)));
    ///
    /// // Sealed under a key this ring does not hold.
    /// let other = KeyRing::from_config(&[KeyConfig::generate(9)]).unwrap();
    /// let mut elsewhere = SessionState::new(1_000, Status::New);
    /// elsewhere.set("user", "mallory").unwrap();
    /// let commit = elsewhere.commit(&other, &spec, &config.session, &nothing, 1_000).unwrap();
    /// let written = commit.unwrap().written;
    /// let sent = SentCookies::collect("sid", written.sent_back());
    /// let session = SessionState::load(&ring, &spec, &config.session, &sent, 1_000);
    /// assert_eq!(session.status().rejection(), Some(&Rejection::UnknownKey { key_id: 9 }));
    /// ```
    pub fn load(
        ring: &KeyRing,
        spec: &StoreSpec,
        config: &SessionConfig,
        sent: &SentCookies,
        now: u64,
    ) -> SessionState {
        let plaintext = match spec.read_plaintext(ring, sent) {
            Ok(None) => return SessionState::new(now, Status::New),
            Ok(Some(plaintext)) => plaintext,
            Err(reason) => return SessionState::new(now, Status::Rejected(reason)),
        };
        let needs_reseal = plaintext.needs_reseal;
        let (env, mut values) = match Values::from_plaintext(plaintext) {
            Ok(loaded) => loaded,
            Err(reason) => return SessionState::new(now, Status::Rejected(reason)),
        };
        let validated_at = reserved::take_time(&mut values, reserved::VALIDATED_AT);
        let csrf = reserved::take(&mut values, reserved::CSRF)
            .and_then(|bytes| CsrfSecret::from_bytes(&bytes));
        if let Err(reason) = super::check_clock(&env, now) {
            return SessionState::new(now, Status::Rejected(reason));
        }
        if let Err(expiry) = check_expiry(&env, config, now) {
            return SessionState::new(now, Status::Expired(expiry));
        }
        let Some(id) = env.session_id else {
            return SessionState::new(now, Status::Rejected(crate::Malformed::BadEnvelope.into()));
        };
        SessionState {
            status: Status::Loaded,
            id: SessionId(id),
            issued_at: env.issued_at,
            refreshed_at: env.refreshed_at,
            values,
            modified: false,
            needs_reseal,
            validated_at,
            revalidated: false,
            sent_id: Some(SessionId(id)),
            csrf,
        }
    }

    /// How this session was loaded: new, loaded, expired, or rejected and why. Using or
    /// committing it does not change that.
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "sid".into(), ..config.session_spec(false) };
    ///
    /// let nothing = SentCookies::collect("sid", []);
    /// let mut session = SessionState::load(&ring, &spec, &config.session, &nothing, 1_000);
    /// assert_eq!(session.status(), &Status::New);
    /// session.set("user", "ada").unwrap();
    /// let commit = session.commit(&ring, &spec, &config.session, &nothing, 1_000).unwrap();
    /// assert_eq!(session.status(), &Status::New);
    ///
    /// let written = commit.unwrap().written;
    /// let sent = SentCookies::collect("sid", written.sent_back());
    /// let again = SessionState::load(&ring, &spec, &config.session, &sent, 1_010);
    /// assert_eq!(again.status(), &Status::Loaded);
    /// ```
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// Marks the session refused by the application (see the validation hook): it becomes
    /// empty with a fresh id and status `Rejected(Revoked)`.
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::{Rejection, Status};
    ///
    /// let mut session = SessionState::new(1_000, Status::Loaded);
    /// session.set("user", "mallory").unwrap();
    /// session.revoke(1_000);
    /// assert!(session.is_empty());
    /// assert_eq!(session.status().rejection(), Some(&Rejection::Revoked));
    /// ```
    pub fn revoke(&mut self, now: u64) {
        *self = SessionState::new(now, Status::Rejected(Rejection::Revoked));
    }

    /// The session id. Changing the data keeps it; only [`renew`](Self::renew) (and
    /// [`revoke`](Self::revoke)) draw a new one.
    ///
    /// It stays the same from request to request once the session stores something. A
    /// session that stores nothing writes no cookie, so the next request draws a new id.
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// let id = session.id();
    /// session.set("user", "ada").unwrap();
    /// session.clear();
    /// assert_eq!(session.id(), id);
    /// session.renew(1_010);
    /// assert_ne!(session.id(), id);
    /// ```
    pub fn id(&self) -> SessionId {
        self.id
    }

    /// When the session was created (unix seconds): the start of its absolute timeout. It
    /// stays the same from request to request, until [`renew`](Self::renew).
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "sid".into(), ..config.session_spec(false) };
    ///
    /// let nothing = SentCookies::collect("sid", []);
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.set("user", "ada").unwrap();
    /// let commit = session.commit(&ring, &spec, &config.session, &nothing, 1_000).unwrap();
    /// let written = commit.unwrap().written;
    /// let sent = SentCookies::collect("sid", written.sent_back());
    ///
    /// let later = SessionState::load(&ring, &spec, &config.session, &sent, 1_900);
    /// assert_eq!(later.issued_at(), 1_000);
    /// ```
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }

    /// When the session was last sealed (unix seconds): the start of its idle timeout.
    ///
    /// A session that is only read is sealed again at [`commit`](Self::commit), to slide its
    /// idle timeout, once `refresh_share` of the timeout has passed (by default half of 20
    /// minutes).
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "sid".into(), ..config.session_spec(false) };
    ///
    /// let nothing = SentCookies::collect("sid", []);
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.set("user", "ada").unwrap();
    /// let commit = session.commit(&ring, &spec, &config.session, &nothing, 1_000).unwrap();
    /// let written = commit.unwrap().written;
    /// let sent = SentCookies::collect("sid", written.sent_back());
    ///
    /// // Read ten minutes later (half the idle timeout): sealed again to slide the timeout.
    /// let mut later = SessionState::load(&ring, &spec, &config.session, &sent, 1_600);
    /// assert_eq!(later.refreshed_at(), 1_000);
    /// assert!(later.commit(&ring, &spec, &config.session, &sent, 1_600).unwrap().is_some());
    /// assert_eq!(later.refreshed_at(), 1_600);
    /// ```
    pub fn refreshed_at(&self) -> u64 {
        self.refreshed_at
    }

    /// The value under `key` decoded as `T`; `Ok(None)` if absent,
    /// `Err(Error::SchemaChanged { .. })` if it does not read as `T` (the entry is then listed
    /// by [`unreadable_keys`](Self::unreadable_keys) and dropped at the next commit that writes).
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::{Error, Status};
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.set("visits", &3u32).unwrap();
    /// assert_eq!(session.get::<u32>("visits").unwrap(), Some(3));
    /// assert_eq!(session.get::<u32>("votes").unwrap(), None);
    /// let Err(Error::SchemaChanged { key, .. }) = session.get::<String>("visits") else { panic!() };
    /// assert_eq!(key, "visits");
    /// assert_eq!(session.unreadable_keys(), ["visits"]);
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.values.get(key)
    }

    /// Stores `value` under `key`, replacing what was there.
    ///
    /// Values are written as MessagePack with field names, which says its own shape: any serde
    /// type reads back (`serde_json::Value` and untagged enums included), and a later version
    /// of the type reads it if the change is compatible (see [`migrate`](Self::migrate)). The
    /// other rules of stored values: docs/stores.md, "Stored values".
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.set("user", "ada").unwrap();
    /// session.set("user", "grace").unwrap();
    /// // Stored as a `&str`, read back as a `String`: they serialize alike.
    /// assert_eq!(session.get::<String>("user").unwrap().as_deref(), Some("grace"));
    /// assert_eq!(session.len(), 1);
    ///
    /// // Self-describing: a `serde_json::Value` reads back too.
    /// let prefs = serde_json::json!({ "theme": "dark", "sizes": [1, 2] });
    /// session.set("prefs", &prefs).unwrap();
    /// assert_eq!(session.get::<serde_json::Value>("prefs").unwrap(), Some(prefs));
    /// ```
    pub fn set<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        if reserved::is_reserved(key) {
            return Err(reserved::reserved_error(key));
        }
        self.values.set(key, value)?;
        self.modified = true;
        Ok(())
    }

    /// Gets the value under `key` (or `T::default()`), lets `f` change it in place, and writes
    /// it back once, at commit. To use the new value, read it inside `f` or
    /// [`get`](Self::get) it afterwards.
    ///
    /// The session counts as changed even if `f` changes nothing (on a new session, the
    /// default value is stored): use [`get`](Self::get) to only read.
    ///
    /// A stored value that does not read as `T` is given up: `f` starts from `T::default()`,
    /// and the key is listed by [`unreadable_keys`](Self::unreadable_keys) (to keep it,
    /// [`migrate`](Self::migrate) first).
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.update::<u32>("visits", |n| *n += 1).unwrap();
    /// assert_eq!(session.get::<u32>("visits").unwrap(), Some(1)); // from `u32::default()`
    /// session.update::<u32>("visits", |n| *n += 1).unwrap();
    /// assert_eq!(session.get::<u32>("visits").unwrap(), Some(2));
    /// // Stored as another type: replaced, starting from the default, and reported.
    /// session.update::<String>("visits", |s| s.push('x')).unwrap();
    /// assert_eq!(session.get::<String>("visits").unwrap().as_deref(), Some("x"));
    /// assert_eq!(session.unreadable_keys(), ["visits"]);
    /// // A closure that changes nothing still stores the default.
    /// session.update::<Vec<String>>("cart", |_| ()).unwrap();
    /// assert_eq!(session.get::<Vec<String>>("cart").unwrap(), Some(vec![]));
    /// ```
    pub fn update<T>(&mut self, key: &str, f: impl FnOnce(&mut T)) -> Result<(), Error>
    where
        T: Serialize + DeserializeOwned + Default + Send + Sync + 'static,
    {
        if reserved::is_reserved(key) {
            return Err(reserved::reserved_error(key));
        }
        self.values.update(key, f)?;
        self.modified = true;
        Ok(())
    }

    /// Reads `key` as `New`, or, if it holds an `Old`, converts it with `f` and stores the
    /// result: the one line that carries values across an incompatible change of a stored type.
    /// `Ok(None)` if absent; if it reads as neither, the error of reading it as `New`.
    ///
    /// `New` is tried first, so values already migrated (or written as `New`) are read as
    /// they are, and `Old` may be any type that reads what the earlier version stored (a copy
    /// of the old type under another name works: values are read by their fields' names).
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize)]
    /// struct CartV1 { items: Vec<String> }
    /// #[derive(Debug, PartialEq, Serialize, Deserialize)]
    /// struct Cart { lines: Vec<(String, u32)> }
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.set("cart", &CartV1 { items: vec!["tea".into()] }).unwrap();
    /// let upgrade = |old: CartV1| Cart { lines: old.items.into_iter().map(|i| (i, 1)).collect() };
    /// let cart = session.migrate::<CartV1, Cart>("cart", upgrade).unwrap();
    /// assert_eq!(cart, Some(Cart { lines: vec![("tea".into(), 1)] }));
    /// // Stored as the new type now.
    /// assert!(session.get::<Cart>("cart").unwrap().is_some());
    /// assert!(session.unreadable_keys().is_empty());
    /// ```
    pub fn migrate<Old, New>(
        &mut self,
        key: &str,
        f: impl FnOnce(Old) -> New,
    ) -> Result<Option<New>, Error>
    where
        Old: DeserializeOwned,
        New: Serialize + DeserializeOwned,
    {
        let error = match self.values.read::<New>(key) {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        match self.values.read::<Old>(key) {
            Ok(Some(old)) => {
                let new = f(old);
                self.set(key, &new)?;
                Ok(Some(new))
            }
            Ok(None) => Ok(None),
            Err(_) => {
                self.values.note_unreadable(key, &error);
                Err(error)
            }
        }
    }

    /// The keys whose stored value a read in this request could not read as the type asked
    /// for ([`Error::SchemaChanged`] or [`Error::Decode`]), in the order found. Unless the
    /// handler writes them again, they are dropped when the session is next written.
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.set("visits", &3u32).unwrap();
    /// assert!(session.unreadable_keys().is_empty());
    /// assert!(session.get::<Vec<String>>("visits").is_err());
    /// assert_eq!(session.unreadable_keys(), ["visits"]);
    /// ```
    pub fn unreadable_keys(&self) -> Vec<String> {
        self.values.unreadable_keys()
    }

    /// [`unreadable_keys`](Self::unreadable_keys) with the errors, for the fairing's log.
    pub(crate) fn unreadable(&self) -> Vec<(String, Error)> {
        self.values.unreadable()
    }

    /// Removes `key`; `true` if it was there.
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.set("user", "ada").unwrap();
    /// assert!(session.remove("user"));
    /// assert!(!session.remove("user"));
    /// assert!(session.is_empty());
    /// ```
    pub fn remove(&mut self, key: &str) -> bool {
        let removed = self.values.remove(key);
        self.modified |= removed;
        removed
    }

    /// `true` if `key` holds a value (of any type: nothing is decoded).
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.set("visits", &3u32).unwrap();
    /// assert!(session.contains("visits"));
    /// assert!(!session.contains("user"));
    /// ```
    pub fn contains(&self, key: &str) -> bool {
        self.values.contains(key)
    }

    /// The entries' names, in name order (not the order they were set in).
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.set("user", "ada").unwrap();
    /// session.set("cart", &["tea"]).unwrap();
    /// // In name order, whatever order they were set in.
    /// assert_eq!(session.keys(), ["cart", "user"]);
    /// ```
    pub fn keys(&self) -> Vec<String> {
        self.values.keys().map(str::to_owned).collect()
    }

    /// Number of entries.
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.set("user", "ada").unwrap();
    /// session.set("theme", "dark").unwrap();
    /// session.set("user", "grace").unwrap();
    /// assert_eq!(session.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// `true` when there are no entries. An empty session stores no cookie, unless it holds a
    /// CSRF secret ([`csrf_token`](Self::csrf_token)), which is not an entry.
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// assert!(session.is_empty());
    /// session.set("user", "ada").unwrap();
    /// assert!(!session.is_empty());
    /// session.remove("user");
    /// assert!(session.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Stored size of an entry in bytes, if known without encoding it.
    ///
    /// `None` for a value changed through [`update`](Self::update) in this request: it is
    /// encoded only at commit, and its size is known again once the next request loads it.
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "sid".into(), ..config.session_spec(false) };
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.set("user", "ada").unwrap();
    /// // A format byte, a 1-byte MessagePack string header, 3 bytes of text.
    /// assert_eq!(session.entry_len("user"), Some(5));
    /// // A value changed through `update` is encoded only at commit.
    /// session.update::<u32>("visits", |n| *n += 1).unwrap();
    /// assert_eq!(session.entry_len("visits"), None);
    /// assert_eq!(session.entry_len("cart"), None);
    ///
    /// // Loaded by the next request, it is known: a format byte and 1 in one byte.
    /// let nothing = SentCookies::collect("sid", []);
    /// let commit = session.commit(&ring, &spec, &config.session, &nothing, 1_000).unwrap();
    /// let written = commit.unwrap().written;
    /// let sent = SentCookies::collect("sid", written.sent_back());
    /// let next = SessionState::load(&ring, &spec, &config.session, &sent, 1_010);
    /// assert_eq!(next.entry_len("visits"), Some(2));
    /// ```
    pub fn entry_len(&self, key: &str) -> Option<usize> {
        self.values.encoded_len(key)
    }

    /// Removes every entry. An empty session's cookies are deleted at commit.
    ///
    /// ```
    /// use rocket_sealed::store::{CommitReason, SessionState};
    /// use rocket_sealed::Status;
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "sid".into(), ..config.session_spec(false) };
    ///
    /// let nothing = SentCookies::collect("sid", []);
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.set("user", "ada").unwrap();
    /// let commit = session.commit(&ring, &spec, &config.session, &nothing, 1_000).unwrap();
    /// let written = commit.unwrap().written;
    /// let sent = SentCookies::collect("sid", written.sent_back());
    ///
    /// let mut signing_out = SessionState::load(&ring, &spec, &config.session, &sent, 1_010);
    /// signing_out.clear();
    /// assert!(signing_out.is_empty());
    /// let commit = signing_out.commit(&ring, &spec, &config.session, &sent, 1_010).unwrap();
    /// let commit = commit.unwrap();
    /// assert_eq!(commit.reason, CommitReason::Erased);
    /// assert!(commit.written.lines[0].starts_with("sid=;"));
    /// ```
    pub fn clear(&mut self) {
        self.modified |= !self.values.is_empty() || self.csrf.is_some();
        self.values.clear();
        // Signing out: a token shown to the signed-in page must not work after.
        self.csrf = None;
    }

    /// A new id (and a new absolute-timeout start) for the same data. Call it when the user
    /// signs in, so an id seen before sign-in is worth nothing after.
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.set("cart", &vec!["tea".to_string()]).unwrap();
    /// let before = session.id();
    /// session.renew(2_000);
    /// assert_ne!(session.id(), before);
    /// assert_eq!(session.issued_at(), 2_000);
    /// assert_eq!(session.get::<Vec<String>>("cart").unwrap(), Some(vec!["tea".to_string()]));
    /// ```
    pub fn renew(&mut self, now: u64) {
        self.id = SessionId::random();
        self.issued_at = now;
        self.modified = true;
        // The validator's last verdict was about the old id.
        self.validated_at = None;
        // A token an attacker saw or planted before sign-in is worth nothing after: the next
        // token asked for is of a new secret.
        self.csrf = None;
    }

    /// When the validator last accepted this session (unix seconds), as sealed in its cookie;
    /// `None` if it never did, or since [`renew`](Self::renew). With
    /// `session.revalidate_secs` above 0 the validator is not asked again until that much
    /// time has passed.
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let session = SessionState::new(1_000, Status::New);
    /// assert_eq!(session.validated_at(), None);
    /// ```
    pub fn validated_at(&self) -> Option<u64> {
        self.validated_at
    }

    /// `true` when the validator accepted this session less than `interval` seconds before
    /// `now` (never when `interval` is 0, nor for a time too far ahead of `now`).
    pub(crate) fn recently_validated(&self, now: u64, interval: u64) -> bool {
        self.validated_at.is_some_and(|at| {
            interval > 0
                && at <= now.saturating_add(crate::clock::MAX_CLOCK_AHEAD_SECS)
                && now.saturating_sub(at) < interval
        })
    }

    /// Records the validator's "yes" at `now`, to be sealed with the session. Called only
    /// when `session.revalidate_secs` is above 0: at 0 nothing is sealed (the cookie stays
    /// as it was).
    pub(crate) fn mark_validated(&mut self, now: u64) {
        self.validated_at = Some(now);
        self.revalidated = true;
    }

    /// The id of the session the browser's cookie carried, if it was loaded (and not refused
    /// since); unlike [`id`](Self::id), unchanged by [`renew`](Self::renew).
    pub(crate) fn sent_id(&self) -> Option<SessionId> {
        self.sent_id
    }

    /// A CSRF token for a page (a form's hidden field, a `<meta>` tag), of this session's
    /// secret: drawn from the CSPRNG the first time it is asked for, and sealed with the
    /// session, which is then written even if it holds nothing else (a sign-in form needs a
    /// token before there is anything to store). Each call gives another string (the secret
    /// under a fresh mask, 86 base64url characters); every one of them verifies until
    /// [`renew`](Self::renew) or [`clear`](Self::clear) drops the secret.
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// let token = session.csrf_token();
    /// assert_ne!(session.csrf_token(), token, "masked anew for each page");
    /// assert!(session.verify_csrf(&token));
    /// assert!(session.is_empty(), "the secret is not one of the application's entries");
    ///
    /// // Another session's token does not verify here.
    /// let mut other = SessionState::new(1_000, Status::New);
    /// assert!(!session.verify_csrf(&other.csrf_token()));
    ///
    /// // Sign-in draws a new secret: tokens shown before it are refused.
    /// session.renew(1_010);
    /// assert!(!session.verify_csrf(&token));
    /// let fresh = session.csrf_token();
    /// assert!(session.verify_csrf(&fresh));
    /// // Sign-out drops it.
    /// session.clear();
    /// assert!(!session.verify_csrf(&fresh));
    /// ```
    pub fn csrf_token(&mut self) -> String {
        if self.csrf.is_none() {
            self.csrf = Some(CsrfSecret::random());
            self.modified = true;
        }
        self.csrf
            .as_ref()
            .map(CsrfSecret::token)
            .unwrap_or_default()
    }

    /// `true` if `token` is a token of this session's CSRF secret (from
    /// [`csrf_token`](Self::csrf_token), in this request or an earlier one); `false` if the
    /// session has none, or for anything else. The comparison takes constant time.
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::Status;
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// assert!(!session.verify_csrf(""), "no secret yet: nothing verifies");
    /// let token = session.csrf_token();
    /// assert!(session.verify_csrf(&token));
    /// assert!(!session.verify_csrf(&token[1..]));
    /// ```
    pub fn verify_csrf(&self, token: &str) -> bool {
        self.csrf
            .as_ref()
            .is_some_and(|secret| secret.verify(token))
    }

    /// `true` when a commit has nothing to seal: no entries and no CSRF secret. (The
    /// validator's verdict time alone is not worth a cookie.)
    pub(crate) fn stores_nothing(&self) -> bool {
        self.values.is_empty() && self.csrf.is_none()
    }

    /// The entries as sealed: the application's, and the reserved ones.
    fn sealed_entries(&self) -> Result<Vec<EntryRef<'_>>, Error> {
        let mut entries = self.values.encoded()?;
        if let Some(at) = self.validated_at {
            reserved::insert(
                &mut entries,
                reserved::VALIDATED_AT,
                at.to_be_bytes().to_vec(),
            );
        }
        if let Some(secret) = &self.csrf {
            reserved::insert(&mut entries, reserved::CSRF, secret.as_bytes().to_vec());
        }
        Ok(entries)
    }

    /// The envelope sealed at `now`, borrowing `entries` (from [`Values::encoded`]).
    fn envelope<'a>(&self, entries: &'a [EntryRef<'a>], now: u64) -> EnvelopeView<'a> {
        EnvelopeView {
            issued_at: self.issued_at,
            refreshed_at: now,
            session_id: Some(self.id.0),
            entries,
        }
    }

    /// Checks that the session as it is now fits its budget; returns the bytes it needs (0
    /// when it is empty: an empty session stores no cookie).
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::{Error, Status};
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "sid".into(), ..config.session_spec(false) };
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// assert_eq!(session.check_size(&spec, 1_000).unwrap(), 0);
    /// session.set("user", "ada").unwrap();
    /// let needed = session.check_size(&spec, 1_000).unwrap();
    /// // What the commit then writes takes exactly that in the `Cookie` header.
    /// let nothing = SentCookies::collect("sid", []);
    /// let commit = session.commit(&ring, &spec, &config.session, &nothing, 1_000).unwrap();
    /// assert_eq!(commit.unwrap().written.header_len, needed);
    ///
    /// session.set("essay", &"x".repeat(6000)).unwrap();
    /// let too_large = session.check_size(&spec, 1_000);
    /// assert!(matches!(too_large, Err(Error::TooLarge { limit: 5120, .. })));
    /// ```
    pub fn check_size(&self, spec: &StoreSpec, now: u64) -> Result<usize, Error> {
        if self.stores_nothing() {
            return Ok(0);
        }
        let entries = self.sealed_entries()?;
        spec.check_size(self.envelope(&entries, now).encoded_len()?)
    }

    /// Why a session with entries must be sealed again now, if it must.
    fn reseal_reason(&self, config: &SessionConfig, now: u64) -> Option<CommitReason> {
        let elapsed = now.saturating_sub(self.refreshed_at) as f64;
        if self.modified || !self.status.is_loaded() {
            Some(CommitReason::Changed)
        } else if self.needs_reseal {
            Some(CommitReason::Resealed)
        } else if self.revalidated
            || elapsed >= config.idle_timeout_secs as f64 * config.refresh_share
        {
            // A new verdict time must be sealed, or the idle expiry is due to slide.
            Some(CommitReason::Refreshed)
        } else {
            None
        }
    }

    /// `false` when [`commit`](Self::commit) would certainly write nothing, whatever cookies
    /// were sent: the fairing then skips collecting them (a request that only reads).
    pub(crate) fn may_write(&self, config: &SessionConfig, now: u64) -> bool {
        self.stores_nothing() || self.reseal_reason(config, now).is_some()
    }

    /// What this request must write: `Ok(None)` when the cookies stay as they are.
    ///
    /// A modified session is re-sealed; an empty one has its cookies deleted; an unmodified
    /// one is re-sealed only if it was opened with an old key, the validator has just said yes
    /// (its new verdict time is sealed), or the refresh share of the idle timeout has passed.
    /// On error nothing is written and the old cookies stay.
    ///
    /// Call it once, when the response leaves (as the fairing does): it does not remember what
    /// it wrote, so a session that was not loaded from a cookie (new, expired or rejected) is
    /// written again by a second call.
    ///
    /// ```
    /// use rocket_sealed::store::{CommitReason, SessionState};
    /// use rocket_sealed::{Error, Status};
    /// # use rocket_sealed::chunk::SentCookies;
    /// # use rocket_sealed::codec::StoreSpec;
    /// # use rocket_sealed::{Config, KeyConfig, KeyRing};
    /// # let config = Config::default();
    /// # let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// # let spec = StoreSpec { name: "sid".into(), ..config.session_spec(false) };
    ///
    /// // A new session that stores nothing writes nothing.
    /// let nothing = SentCookies::collect("sid", []);
    /// let mut session = SessionState::new(1_000, Status::New);
    /// assert_eq!(session.commit(&ring, &spec, &config.session, &nothing, 1_000).unwrap(), None);
    ///
    /// session.set("user", "ada").unwrap();
    /// let commit = session.commit(&ring, &spec, &config.session, &nothing, 1_000).unwrap();
    /// let commit = commit.unwrap();
    /// assert_eq!(commit.reason, CommitReason::Changed);
    /// let sent = SentCookies::collect("sid", commit.written.sent_back());
    ///
    /// // The next request only reads: the cookie stays as it is.
    /// let mut next = SessionState::load(&ring, &spec, &config.session, &sent, 1_010);
    /// assert_eq!(next.get::<String>("user").unwrap().as_deref(), Some("ada"));
    /// assert_eq!(next.commit(&ring, &spec, &config.session, &sent, 1_010).unwrap(), None);
    ///
    /// // Too large: an error, and nothing to write.
    /// next.set("essay", &"x".repeat(6000)).unwrap();
    /// let result = next.commit(&ring, &spec, &config.session, &sent, 1_010);
    /// assert!(matches!(result, Err(Error::TooLarge { .. })));
    /// ```
    pub fn commit(
        &mut self,
        ring: &KeyRing,
        spec: &StoreSpec,
        config: &SessionConfig,
        sent: &SentCookies,
        now: u64,
    ) -> Result<Option<Commit>, Error> {
        if self.stores_nothing() {
            return Ok((!sent.is_empty()).then(|| Commit {
                written: spec.erase(sent),
                reason: CommitReason::Erased,
            }));
        }
        let Some(reason) = self.reseal_reason(config, now) else {
            return Ok(None);
        };
        // Values this request found unreadable go with this write.
        if self.values.drop_unreadable() && self.stores_nothing() {
            return Ok((!sent.is_empty()).then(|| Commit {
                written: spec.erase(sent),
                reason: CommitReason::Erased,
            }));
        }
        let entries = self.sealed_entries()?;
        let written = spec.write_view(ring, sent, &self.envelope(&entries, now))?;
        drop(entries);
        self.refreshed_at = now;
        self.modified = false;
        self.needs_reseal = false;
        self.revalidated = false;
        Ok(Some(Commit { written, reason }))
    }
}

fn check_expiry(env: &EnvelopeFields, config: &SessionConfig, now: u64) -> Result<(), Expiry> {
    if now.saturating_sub(env.refreshed_at) > config.idle_timeout_secs {
        return Err(Expiry::Idle);
    }
    if let Some(limit) = config.absolute_timeout_secs
        && now.saturating_sub(env.issued_at) > limit
    {
        return Err(Expiry::Absolute);
    }
    Ok(())
}

impl fmt::Debug for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionState")
            .field("status", &self.status)
            .field("id", &self.id)
            .field("keys", &self.keys())
            .field("modified", &self.modified)
            .finish_non_exhaustive()
    }
}
