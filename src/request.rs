//! Per-request state: both stores' cells in Rocket's request-local cache, loaded on first use.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use rocket::Request;
use rocket::http::CookieJar;

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

/// The cookies of the store called `name` among those the request carried. Rocket's jar keeps
/// them as they arrived (cookies a handler adds are pending changes, not originals), so this
/// is the same whenever in the request it is asked.
pub(crate) fn sent_cookies<'a>(jar: &'a CookieJar<'_>, name: &'a str) -> SentCookies<'a> {
    SentCookies::collect(name, jar.iter().map(|c| (c.name(), c.value())))
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
}

impl Default for RequestStores {
    fn default() -> Self {
        RequestStores {
            touched: Default::default(),
            now: AtomicU64::new(u64::MAX),
            session: Default::default(),
            tempdata: Default::default(),
            flashes_looked_at: Default::default(),
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
pub(crate) fn load_session(sealed: &Sealed, sent: &SentCookies, now: u64) -> SessionState {
    let state = SessionState::load(
        &sealed.ring,
        &sealed.session,
        &sealed.config.session,
        sent,
        now,
    );
    note_status(sealed, "session", state.status());
    state
}

/// Loads TempData from its cell's cookies, counting and logging what happened.
pub(crate) fn load_tempdata(sealed: &Sealed, sent: &SentCookies, now: u64) -> TempDataState {
    let state = TempDataState::load(
        &sealed.ring,
        &sealed.tempdata,
        &sealed.config.tempdata,
        sent,
        now,
    );
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
