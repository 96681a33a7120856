//! Cheap counters an application can expose as metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::Serialize;

use crate::Rejection;

/// Running totals since launch, shared by every request. Read them with
/// [`snapshot`](Counters::snapshot).
///
/// ```
/// use rocket_sealed::Counters;
///
/// let counters = Counters::default();
/// assert_eq!(counters.snapshot().opened, 0);
/// ```
#[derive(Debug, Default)]
pub struct Counters {
    opened: AtomicU64,
    reopened: Arc<AtomicU64>,
    decrypted: Arc<AtomicU64>,
    rejected_tampered: AtomicU64,
    rejected_unknown_key: AtomicU64,
    rejected_wrong_version: AtomicU64,
    rejected_malformed: AtomicU64,
    expired: AtomicU64,
    rejected_clock_ahead: AtomicU64,
    rejected_revoked: AtomicU64,
    sealed: AtomicU64,
    refreshed: AtomicU64,
    resealed: AtomicU64,
    erased: AtomicU64,
    too_large: AtomicU64,
    chunks_written: AtomicU64,
    keys_reloaded: AtomicU64,
    keys_reload_failed: AtomicU64,
    unreadable_values: AtomicU64,
}

/// The counters' values at one moment, from [`Counters::snapshot`]. It is `Serialize`, to be
/// served as JSON or fed to a metrics exporter.
///
/// ```
/// use rocket::http::Cookie;
/// use rocket::local::blocking::Client;
/// use rocket::{get, routes};
/// use rocket_sealed::{CounterSnapshot, Sealed, Session};
///
/// #[get("/login")]
/// fn login(session: Session<'_>) {
///     session.set("user", "ada").unwrap();
/// }
///
/// #[get("/whoami")]
/// fn whoami(session: Session<'_>) -> String {
///     session.get::<String>("user").unwrap().unwrap_or_default()
/// }
///
/// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![login, whoami]);
/// let client = Client::tracked(rocket).unwrap();
/// // A forged cookie is refused (and deleted); the request goes on with an empty session.
/// let forged = client.get("/whoami").cookie(Cookie::new("sealed_session", "garbage"));
/// assert_eq!(forged.dispatch().into_string().unwrap(), "");
/// client.get("/login").dispatch();
/// assert_eq!(client.get("/whoami").dispatch().into_string().unwrap(), "ada");
///
/// let counters: CounterSnapshot = client.rocket().state::<Sealed>().unwrap().counters().snapshot();
/// assert_eq!(counters.rejected_malformed, 1);
/// assert_eq!(counters.rejected(), 1);
/// assert_eq!((counters.erased, counters.sealed, counters.opened), (1, 1, 1));
/// ```
///
/// Later releases may add counters without breaking code that reads these (`#[non_exhaustive]`):
/// to make one, start from `CounterSnapshot::default()`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CounterSnapshot {
    /// Cookies opened successfully (both stores), including sessions the validation hook
    /// then refused (counted again in `rejected_revoked`).
    pub opened: u64,
    /// Cookies found among the values this instance had lately opened or sealed, and so not
    /// decrypted again (see [`Config::open_cache`](crate::Config::open_cache)). A store that
    /// loads one also counts it as `opened`, `expired` or a rejection, by what its timestamps
    /// then say; a [`seal::open`](crate::seal::open) on the app's ring counts only here.
    pub reopened: u64,
    /// Cookie values the cipher ran on to open them, whether they then authenticated or not.
    /// A value found in the `open_cache`, or refused before any decryption (too long for the
    /// store's budget, not base64url, an unknown key id, too many chunks) is not counted. A
    /// rise of `decrypted` without a rise of `opened` or `expired` is work spent on forged
    /// cookies.
    pub decrypted: u64,
    /// Cookies refused because authentication failed.
    pub rejected_tampered: u64,
    /// Cookies refused because their key id is not in the ring.
    pub rejected_unknown_key: u64,
    /// Cookies refused because of their format version.
    pub rejected_wrong_version: u64,
    /// Cookies refused as malformed (base64, length, chunks).
    pub rejected_malformed: u64,
    /// Cookies that opened but had outlived a timeout (not a rejection: not counted in
    /// [`rejected`](CounterSnapshot::rejected)).
    pub expired: u64,
    /// Cookies refused because they were sealed by a clock too far ahead of this one.
    pub rejected_clock_ahead: u64,
    /// Sessions refused by the validation hook.
    pub rejected_revoked: u64,
    /// Stores sealed and written (any reason).
    pub sealed: u64,
    /// Of those, unmodified sessions re-sealed only to slide the idle timeout.
    pub refreshed: u64,
    /// Of those, stores re-sealed because an older key opened them.
    pub resealed: u64,
    /// Stores whose cookies were deleted (emptied, or refused and cleaned up).
    pub erased: u64,
    /// Stores not written because they exceeded their budget.
    pub too_large: u64,
    /// Chunk cookies written (not counting the `chunks-N` marker).
    pub chunks_written: u64,
    /// Key rings read from a changed `keys_file` and put in force.
    pub keys_reloaded: u64,
    /// Changed `keys_file`s that did not read or validate; the ring in force was kept.
    pub keys_reload_failed: u64,
    /// Stored values a request could not read as the type it asked for (a stored type changed
    /// incompatibly and was not migrated): each is logged with its key and dropped at the
    /// store's next write. Not a rejection: the cookie opened.
    pub unreadable_values: u64,
}

impl CounterSnapshot {
    /// All rejections together; expiries, which are routine, are not among them.
    ///
    /// ```
    /// use rocket_sealed::CounterSnapshot;
    ///
    /// let mut snapshot = CounterSnapshot::default();
    /// snapshot.expired = 5;
    /// snapshot.rejected_tampered = 1;
    /// snapshot.rejected_malformed = 2;
    /// snapshot.sealed = 40;
    /// assert_eq!(snapshot.rejected(), 3);
    /// ```
    pub fn rejected(&self) -> u64 {
        self.rejected_tampered
            + self.rejected_unknown_key
            + self.rejected_wrong_version
            + self.rejected_malformed
            + self.rejected_clock_ahead
            + self.rejected_revoked
    }
}

impl Counters {
    /// Reads every counter.
    ///
    /// The snapshot is a copy: it keeps the values of the moment it was taken.
    ///
    /// ```
    /// use rocket::local::blocking::Client;
    /// use rocket::{get, routes};
    /// use rocket_sealed::{Sealed, Session};
    ///
    /// #[get("/login")]
    /// fn login(session: Session<'_>) {
    ///     session.set("user", "ada").unwrap();
    /// }
    ///
    /// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![login]);
    /// let client = Client::tracked(rocket).unwrap();
    /// let counters = client.rocket().state::<Sealed>().unwrap().counters();
    /// let before = counters.snapshot();
    /// client.get("/login").dispatch(); // a new session, sealed
    /// client.get("/login").dispatch(); // opened, changed, sealed again
    /// let after = counters.snapshot();
    /// assert_eq!((before.opened, before.sealed), (0, 0));
    /// assert_eq!((after.opened, after.sealed), (1, 2));
    /// // The cookie the first request sealed was remembered: the second did not decrypt it.
    /// assert_eq!(after.reopened, 1);
    /// ```
    pub fn snapshot(&self) -> CounterSnapshot {
        CounterSnapshot {
            opened: self.opened.load(Relaxed),
            reopened: self.reopened.load(Relaxed),
            decrypted: self.decrypted.load(Relaxed),
            rejected_tampered: self.rejected_tampered.load(Relaxed),
            rejected_unknown_key: self.rejected_unknown_key.load(Relaxed),
            rejected_wrong_version: self.rejected_wrong_version.load(Relaxed),
            rejected_malformed: self.rejected_malformed.load(Relaxed),
            expired: self.expired.load(Relaxed),
            rejected_clock_ahead: self.rejected_clock_ahead.load(Relaxed),
            rejected_revoked: self.rejected_revoked.load(Relaxed),
            sealed: self.sealed.load(Relaxed),
            refreshed: self.refreshed.load(Relaxed),
            resealed: self.resealed.load(Relaxed),
            erased: self.erased.load(Relaxed),
            too_large: self.too_large.load(Relaxed),
            chunks_written: self.chunks_written.load(Relaxed),
            keys_reloaded: self.keys_reloaded.load(Relaxed),
            keys_reload_failed: self.keys_reload_failed.load(Relaxed),
            unreadable_values: self.unreadable_values.load(Relaxed),
        }
    }

    /// The count the key ring's memo of opened values adds its hits to.
    pub(crate) fn reopened_handle(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.reopened)
    }

    /// The count the key ring adds each decryption to.
    pub(crate) fn decrypted_handle(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.decrypted)
    }

    pub(crate) fn opened(&self) {
        self.opened.fetch_add(1, Relaxed);
    }

    pub(crate) fn rejected(&self, reason: &Rejection) {
        let counter = match reason {
            Rejection::Tampered => &self.rejected_tampered,
            Rejection::UnknownKey { .. } => &self.rejected_unknown_key,
            Rejection::WrongVersion { .. } => &self.rejected_wrong_version,
            Rejection::Malformed(_) => &self.rejected_malformed,
            Rejection::ClockAhead { .. } => &self.rejected_clock_ahead,
            Rejection::Revoked => &self.rejected_revoked,
        };
        counter.fetch_add(1, Relaxed);
    }

    pub(crate) fn expired(&self) {
        self.expired.fetch_add(1, Relaxed);
    }

    pub(crate) fn sealed(&self, cookies: usize, refresh: bool, reseal: bool) {
        self.sealed.fetch_add(1, Relaxed);
        if cookies > 1 {
            self.chunks_written.fetch_add(cookies as u64 - 1, Relaxed);
        }
        if refresh {
            self.refreshed.fetch_add(1, Relaxed);
        }
        if reseal {
            self.resealed.fetch_add(1, Relaxed);
        }
    }

    pub(crate) fn erased(&self) {
        self.erased.fetch_add(1, Relaxed);
    }

    pub(crate) fn keys_reloaded(&self, ok: bool) {
        let counter = if ok {
            &self.keys_reloaded
        } else {
            &self.keys_reload_failed
        };
        counter.fetch_add(1, Relaxed);
    }

    pub(crate) fn unreadable_value(&self) {
        self.unreadable_values.fetch_add(1, Relaxed);
    }

    pub(crate) fn too_large(&self) {
        self.too_large.fetch_add(1, Relaxed);
    }
}
