//! Per-request state: both stores' cells in Rocket's request-local cache, loaded on first use.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use rocket::Request;
use rocket::http::{CookieJar, HeaderMap};

use crate::chunk::SentCookies;
use crate::store::{SessionState, TempDataState};
use crate::{Sealed, Status};

/// One store's per-request cell: its state, decrypted on first use.
pub(crate) struct StoreCell<S> {
    state: Option<S>,
}

impl<S> Default for StoreCell<S> {
    fn default() -> Self {
        StoreCell { state: None }
    }
}

impl<S> StoreCell<S> {
    pub(crate) fn is_loaded(&self) -> bool {
        self.state.is_some()
    }

    /// The state if it was loaded.
    pub(crate) fn loaded(&self) -> Option<&S> {
        self.state.as_ref()
    }

    /// The state if it was loaded, to commit it.
    pub(crate) fn loaded_mut(&mut self) -> Option<&mut S> {
        self.state.as_mut()
    }

    pub(crate) fn put(&mut self, state: S) {
        self.state = Some(state);
    }

    /// The state, loading it with `load` on first use.
    pub(crate) fn get_or_load(&mut self, load: impl FnOnce() -> S) -> &mut S {
        self.state.get_or_insert_with(load)
    }
}

/// The cookies a request carried: Rocket's jar, which holds one cookie per name (the last
/// the browser sent of each), and the raw `Cookie` headers, where every copy is. The headers
/// are read only when the jar's copy of a store is refused (see [`load_session`]).
#[derive(Clone, Copy)]
pub(crate) struct Cookies<'r> {
    jar: &'r CookieJar<'r>,
    headers: &'r HeaderMap<'r>,
}

impl<'r> Cookies<'r> {
    pub(crate) fn of(req: &'r Request<'_>) -> Cookies<'r> {
        Cookies {
            jar: req.cookies(),
            headers: req.headers(),
        }
    }
}

/// One store's cookies as the jar holds them, and where to find other copies.
pub(crate) struct Sent<'a> {
    cookies: SentCookies<'a>,
    headers: &'a HeaderMap<'a>,
}

impl<'a> std::ops::Deref for Sent<'a> {
    type Target = SentCookies<'a>;

    fn deref(&self) -> &SentCookies<'a> {
        &self.cookies
    }
}

/// The cookies of the store called `name` among those the request carried. Rocket's jar keeps
/// them as they arrived (cookies a handler adds are pending changes, not originals), so this
/// is the same whenever in the request it is asked.
pub(crate) fn sent_cookies<'a>(cookies: Cookies<'a>, name: &'a str) -> Sent<'a> {
    Sent {
        cookies: SentCookies::collect(name, cookies.jar.iter().map(|c| (c.name(), c.value()))),
        headers: cookies.headers,
    }
}

/// Most other copies of a store tried after the jar's is refused: each costs a decryption,
/// and a browser holds a few copies at most (one per path and domain).
const MAX_OTHER_COPIES: usize = 4;

/// The store `name`'s cookies in the raw `Cookie` headers, in the order sent, parsed as Rocket
/// parses them into its jar; `None` when no name was sent twice, so there is no other copy.
fn every_copy(headers: &HeaderMap<'_>, name: &str) -> Option<Vec<(String, String)>> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for header in headers.get("Cookie") {
        for cookie in cookie::Cookie::split_parse_encoded(header).flatten() {
            let n = cookie.name();
            if n == name || crate::chunk::chunk_index(name, n).is_some() {
                pairs.push((n.to_owned(), cookie.value().to_owned()));
            }
        }
    }
    let mut names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    (names.len() < before).then_some(pairs)
}

/// The other ways to read a store sent with duplicate names: each copy of the main cookie,
/// in the order sent, with the first copy of each chunk and with the last. The jar's view
/// (the last of everything) is left out: it was tried already.
fn other_views(pairs: &[(String, String)], name: &str) -> Vec<Vec<(String, String)>> {
    let mains: Vec<&str> = pairs
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect();
    let chunks = || pairs.iter().filter(|(n, _)| n != name).cloned();
    let mut views: Vec<Vec<(String, String)>> = Vec::new();
    for (i, main) in mains.iter().enumerate() {
        if views.len() >= MAX_OTHER_COPIES {
            // A request may carry thousands of copies: stop before building them all.
            break;
        }
        let last_main = i + 1 == mains.len();
        let main = (name.to_owned(), (*main).to_owned());
        // `SentCookies::get` reads the first copy of a name: chunks in the order sent give
        // the first copies, reversed the last.
        let first_chunks: Vec<_> = std::iter::once(main.clone()).chain(chunks()).collect();
        let last_chunks: Vec<_> = std::iter::once(main)
            .chain(chunks().collect::<Vec<_>>().into_iter().rev())
            .collect();
        let same = first_chunks == last_chunks;
        for (view, is_jars) in [(first_chunks, same && last_main), (last_chunks, last_main)] {
            if !is_jars && !views.contains(&view) {
                views.push(view);
            }
        }
    }
    views.truncate(MAX_OTHER_COPIES);
    views
}

/// `first`, loaded from the jar's copy, unless it was refused and another copy of the store
/// in the raw headers opens: a valid copy wins over an invalid one, whatever their order, so
/// a garbage cookie planted under the same name (from a sibling subdomain, or for another
/// path) does not end the real session. Only a refusal sends it to the headers, so a normal
/// request does no more work than before.
fn or_another_copy<S>(
    sent: &Sent<'_>,
    first: S,
    status: impl Fn(&S) -> &Status,
    load: impl Fn(&SentCookies<'_>) -> S,
) -> S {
    if !matches!(status(&first), Status::Rejected(_)) {
        return first;
    }
    let name = sent.name();
    let Some(pairs) = every_copy(sent.headers, name) else {
        return first;
    };
    let mut expired = None;
    for view in other_views(&pairs, name) {
        let other = SentCookies::collect(name, view.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let state = load(&other);
        match status(&state) {
            Status::Loaded => {
                log::debug!(
                    "rocket_sealed: the {name} cookie was sent more than once; a copy other than \
                     the last one opened"
                );
                return state;
            }
            Status::Expired(_) if expired.is_none() => expired = Some(state),
            _ => {}
        }
    }
    expired.unwrap_or(first)
}

/// Both stores' cells for one request, in Rocket's request-local cache.
pub(crate) struct RequestStores {
    touched: AtomicBool,
    /// The request's time (unix seconds), read once; `u64::MAX` until then.
    now: AtomicU64,
    session: Mutex<StoreCell<SessionState>>,
    tempdata: Mutex<StoreCell<TempDataState>>,
    /// Set once the handler looks at the flash messages a `Flashes` guard was handed (see
    /// `crate::flash`, which owns the rule).
    flashes_looked_at: OnceLock<Arc<AtomicBool>>,
    /// Whether a `Flashes` guard moved Rocket's own `_flash` cookie into TempData (decided
    /// once per request; `crate::flash` owns the rule).
    rocket_flash_adopted: OnceLock<bool>,
}

impl Default for RequestStores {
    fn default() -> Self {
        RequestStores {
            touched: Default::default(),
            now: AtomicU64::new(u64::MAX),
            session: Default::default(),
            tempdata: Default::default(),
            flashes_looked_at: Default::default(),
            rocket_flash_adopted: Default::default(),
        }
    }
}

impl RequestStores {
    /// The time this request works at: the clock is read once, when first needed, so the
    /// expiry checks at load and the timestamps sealed at commit agree (and a request does
    /// not pay for a clock reading per store).
    pub(crate) fn now(&self, sealed: &Sealed) -> u64 {
        match self.now.load(Ordering::Relaxed) {
            u64::MAX => {
                // `u64::MAX` marks "not read yet": a clock there reads as a second before.
                let now = sealed.now().min(u64::MAX - 1);
                self.now.store(now, Ordering::Relaxed);
                now
            }
            now => now,
        }
    }

    /// The cells, created on first use by a guard.
    pub(crate) fn get<'r>(req: &'r Request<'_>) -> &'r RequestStores {
        let stores = req.local_cache(RequestStores::default);
        stores.touched.store(true, Ordering::Relaxed);
        stores
    }

    /// The cells if a guard created them in this request.
    pub(crate) fn of<'r>(req: &'r Request<'_>) -> Option<&'r RequestStores> {
        let stores = req.local_cache(RequestStores::default);
        stores.touched.load(Ordering::Relaxed).then_some(stores)
    }

    pub(crate) fn session(&self) -> MutexGuard<'_, StoreCell<SessionState>> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn tempdata(&self) -> MutexGuard<'_, StoreCell<TempDataState>> {
        self.tempdata.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The session's cell unless it is locked right now (for `Debug`, which must not wait).
    pub(crate) fn try_session(&self) -> Option<MutexGuard<'_, StoreCell<SessionState>>> {
        try_lock(&self.session)
    }

    /// TempData's cell unless it is locked right now.
    pub(crate) fn try_tempdata(&self) -> Option<MutexGuard<'_, StoreCell<TempDataState>>> {
        try_lock(&self.tempdata)
    }

    /// The flag a `Flashes` guard hands its value, shared by every `Flashes` of the request.
    pub(crate) fn flash_look_flag(&self) -> Arc<AtomicBool> {
        self.flashes_looked_at.get_or_init(Default::default).clone()
    }

    /// Runs `adopt` the first time a `Flashes` guard of this request asks, and remembers
    /// whether it moved Rocket's `_flash` cookie into TempData.
    pub(crate) fn adopt_rocket_flash_once(&self, adopt: impl FnOnce() -> bool) {
        self.rocket_flash_adopted.get_or_init(adopt);
    }

    /// `true` if Rocket's `_flash` cookie was moved into TempData in this request.
    pub(crate) fn rocket_flash_adopted(&self) -> bool {
        self.rocket_flash_adopted.get().copied().unwrap_or(false)
    }

    /// `true` once the handler looked at the messages a `Flashes` guard was handed.
    pub(crate) fn flashes_looked_at(&self) -> bool {
        self.flashes_looked_at
            .get()
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    }
}

fn try_lock<T>(mutex: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    match mutex.try_lock() {
        Ok(guard) => Some(guard),
        Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

/// Loads a session from its cell's cookies, counting and logging what happened.
pub(crate) fn load_session(sealed: &Sealed, sent: &Sent<'_>, now: u64) -> SessionState {
    let state = open_session(sealed, sent, now);
    note_status(sealed, "session", state.status());
    state
}

/// Opens the session as [`load_session`] does (the same copy of a cookie sent twice), without
/// counting or logging it: for a look at its id that a `Session` guard will count later.
pub(crate) fn open_session(sealed: &Sealed, sent: &Sent<'_>, now: u64) -> SessionState {
    let ring = sealed.ring.load();
    let load = |sent: &SentCookies<'_>| {
        SessionState::load(&ring, &sealed.session, &sealed.config.session, sent, now)
    };
    or_another_copy(sent, load(sent), SessionState::status, load)
}

/// Loads TempData from its cell's cookies, counting and logging what happened.
pub(crate) fn load_tempdata(sealed: &Sealed, sent: &Sent<'_>, now: u64) -> TempDataState {
    let ring = sealed.ring.load();
    let load = |sent: &SentCookies<'_>| {
        TempDataState::load(&ring, &sealed.tempdata, &sealed.config.tempdata, sent, now)
    };
    let state = or_another_copy(sent, load(sent), TempDataState::status, load);
    note_status(sealed, "tempdata", state.status());
    state
}

pub(crate) fn note_status(sealed: &Sealed, store: &str, status: &Status) {
    match status {
        Status::New => {}
        Status::Loaded => sealed.counters.opened(),
        Status::Expired(expiry) => {
            sealed.counters.expired();
            log::debug!("rocket_sealed: {store} cookie expired: past its {expiry}; starting fresh");
        }
        Status::Rejected(reason) => {
            sealed.counters.rejected(reason);
            log::warn!("rocket_sealed: {store} cookie rejected ({reason}); starting fresh");
        }
    }
}
