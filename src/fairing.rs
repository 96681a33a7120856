//! The fairing: builds [`Sealed`] at ignite and commits both stores in `on_response`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::CookieJar;
use rocket::{Build, Request, Response, Rocket};

use crate::chunk::SentCookies;
use crate::codec::Written;
use crate::hook::Validator;
use crate::store::{SessionState, TempDataState};
use crate::{Clock, Config, Error, KeyRing, Sealed, SystemClock};

/// The fairing that [`Sealed::fairing()`] and [`Sealed::custom()`] return. Attach it once.
///
/// ```
/// use rocket::local::blocking::Client;
/// use rocket::{get, routes};
/// use rocket_sealed::{ManualClock, Sealed, Session};
///
/// #[get("/count")]
/// fn count(session: Session<'_>) -> String {
///     session.update::<u32>("n", |n| *n += 1).unwrap();
///     session.get::<u32>("n").unwrap().unwrap_or_default().to_string()
/// }
///
/// // A clock the tests can move (the default is the system clock).
/// let clock = ManualClock::new(1_700_000_000);
/// let rocket = rocket::build()
///     .attach(Sealed::fairing().with_clock(clock.clone()))
///     .mount("/", routes![count]);
/// let client = Client::tracked(rocket).unwrap();
/// assert_eq!(client.get("/count").dispatch().into_string().unwrap(), "1");
/// assert_eq!(client.get("/count").dispatch().into_string().unwrap(), "2");
/// clock.advance(20 * 60 + 1); // past the default idle timeout
/// assert_eq!(client.get("/count").dispatch().into_string().unwrap(), "1");
/// ```
pub struct SealedFairing {
    config: Option<Config>,
    clock: Arc<dyn Clock>,
    validator: Option<Arc<dyn Validator>>,
}

impl SealedFairing {
    pub(crate) fn from_figment() -> Self {
        SealedFairing {
            config: None,
            clock: Arc::new(SystemClock),
            validator: None,
        }
    }

    pub(crate) fn from_config(config: Config) -> Self {
        SealedFairing {
            config: Some(config),
            ..SealedFairing::from_figment()
        }
    }

    /// Uses `clock` for every timestamp and expiry check (tests use a
    /// [`ManualClock`](crate::ManualClock)). A second call replaces the first clock.
    ///
    /// ```
    /// use rocket::local::blocking::Client;
    /// use rocket::{get, post, routes};
    /// use rocket_sealed::{ManualClock, Sealed, TempData};
    ///
    /// #[post("/note")]
    /// fn save(temp: TempData<'_>) {
    ///     temp.set("note", "saved").unwrap();
    /// }
    ///
    /// #[get("/note")]
    /// fn show(temp: TempData<'_>) -> String {
    ///     temp.peek::<String>("note").unwrap().unwrap_or_default()
    /// }
    ///
    /// let clock = ManualClock::new(1_700_000_000);
    /// let rocket = rocket::build()
    ///     .attach(Sealed::fairing().with_clock(clock.clone()))
    ///     .mount("/", routes![save, show]);
    /// let client = Client::tracked(rocket).unwrap();
    /// client.post("/note").dispatch();
    /// assert_eq!(client.get("/note").dispatch().into_string().unwrap(), "saved");
    /// // TempData lasts a day by default: a day and a second later, the note is gone.
    /// clock.advance(24 * 60 * 60 + 1);
    /// assert_eq!(client.get("/note").dispatch().into_string().unwrap(), "");
    /// ```
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Installs a validation hook run on every loaded session (see [`Validator`]). There is
    /// one: a second call replaces the first (check several things in one validator).
    ///
    /// ```
    /// use rocket::Request;
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::{ManualClock, Sealed, Session, Validator};
    ///
    /// /// Sessions created before this time were signed out everywhere.
    /// struct SignedOutBefore(u64);
    ///
    /// #[rocket::async_trait]
    /// impl Validator for SignedOutBefore {
    ///     async fn validate(&self, session: &SessionState, _req: &Request<'_>) -> bool {
    ///         session.issued_at() >= self.0
    ///     }
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket::{get, routes};
    /// #[get("/")]
    /// fn visit(session: Session<'_>) -> String {
    ///     session.set("seen", &true).unwrap();
    ///     session.status().to_string()
    /// }
    ///
    /// let clock = ManualClock::new(1_000);
    /// let fairing = Sealed::fairing()
    ///     .with_clock(clock.clone())
    ///     .with_validator(SignedOutBefore(1_500));
    /// let rocket = rocket::build().attach(fairing).mount("/", routes![visit]);
    /// let client = Client::tracked(rocket).unwrap();
    /// let visit = || client.get("/").dispatch().into_string().unwrap();
    /// assert_eq!(visit(), "new"); // a session created at 1000
    /// clock.set(1_600);
    /// // Refused: it starts over as a new session, created at 1600.
    /// assert_eq!(visit(), "rejected (revoked by the application's validation hook)");
    /// assert_eq!(visit(), "loaded");
    /// ```
    pub fn with_validator(mut self, validator: impl Validator) -> Self {
        self.validator = Some(Arc::new(validator));
        self
    }

    fn build(&self, rocket: &Rocket<Build>) -> Result<Sealed, Error> {
        let figment = rocket.figment();
        let config = match &self.config {
            Some(config) => config.clone(),
            None => Config::from_figment(figment)?,
        };
        // `keys = []` written out is an empty ring, a mistake that must not pass for "no keys
        // configured" (which the debug profile meets with an ephemeral key).
        let listed_empty = self.config.is_none()
            && figment
                .find_value("sealed.keys")
                .is_ok_and(|keys| keys.as_array().is_some_and(<[_]>::is_empty));
        let ring = if config.keys.is_empty() && !listed_empty {
            if figment.profile() == rocket::Config::DEBUG_PROFILE {
                log::warn!(
                    "rocket_sealed: no keys configured; using one EPHEMERAL key. Sessions will not \
                     survive a restart or be shared with other instances. Configure `sealed.keys` \
                     (a key is 32 random bytes in base64url: `openssl rand -base64 32 | tr '+/' \
                     '-_' | tr -d =`, or `KeyConfig::generate`) before deploying."
                );
                KeyRing::ephemeral()
            } else {
                return Err(Error::config(
                    "sealed.keys",
                    format!(
                        "no keys configured in the `{}` profile; ephemeral keys are only allowed in \
                         the debug profile",
                        figment.profile()
                    ),
                ));
            }
        } else {
            KeyRing::from_config(&config.keys)?
        };
        let tls = figment
            .extract::<rocket::Config>()
            .map(|c| c.tls_enabled())
            .unwrap_or(false);
        Sealed::new(
            config,
            ring,
            tls,
            self.clock.clone(),
            self.validator.clone(),
        )
    }
}

impl std::fmt::Debug for SealedFairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedFairing")
            // `None`: read from Rocket's configuration at launch. Keys are redacted.
            .field("config", &self.config)
            .field("validator", &self.validator.is_some())
            .finish_non_exhaustive()
    }
}

#[rocket::async_trait]
impl Fairing for SealedFairing {
    fn info(&self) -> Info {
        Info {
            name: "rocket_sealed",
            kind: Kind::Ignite | Kind::Response | Kind::Singleton,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        match self.build(&rocket) {
            Ok(sealed) => {
                log::info!(
                    "rocket_sealed: sealing with key {} of ring {:?}",
                    sealed.ring.sealing_key_id(),
                    sealed.ring.key_ids().collect::<Vec<_>>()
                );
                Ok(rocket.manage(sealed))
            }
            Err(e) => {
                log::error!("rocket_sealed: {e}");
                Err(rocket)
            }
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let Some(sealed) = req.rocket().state::<Sealed>() else {
            return;
        };
        let Some(stores) = RequestStores::of(req) else {
            return;
        };
        let code = res.status().code;
        if code >= 500 {
            // A failed request persists nothing: the browser keeps the cookies it had.
            return;
        }
        // The redirects (ASP.NET Core keeps read TempData for its redirect results); 300
        // Multiple Choices, 304 Not Modified and 305 send the browser nowhere.
        let redirect = matches!(code, 301 | 302 | 303 | 307 | 308);
        let now = stores.now(sealed);
        let jar = req.cookies();
        let session = &sealed.config.session;
        if let Some(state) = stores
            .session()
            .state
            .as_mut()
            .filter(|state| state.may_write(session, now))
        {
            let sent = sent_cookies(jar, &sealed.session.name);
            let result = state.commit(&sealed.ring, &sealed.session, session, &sent, now);
            record(sealed, "session", result, res);
        }
        if let Some(state) = stores.tempdata().state.as_mut() {
            // Flashes a guard handed out go only if the handler looked at them; if it never
            // did (a later guard failed, the route forwarded, or it answered without them)
            // they stay pending, as Rocket's own `FlashMessage` is only cleared once read.
            if stores.flashes_seen() {
                state.flashes_shown();
            }
            let sent = sent_cookies(jar, &sealed.tempdata.name);
            let keeps = redirect && sealed.config.tempdata.keep_on_redirect;
            let result = state.commit(&sealed.ring, &sealed.tempdata, &sent, keeps, now);
            record(sealed, "tempdata", result, res);
        }
    }
}

/// Counts a store's commit and adds its `Set-Cookie` lines to the response.
fn record(
    sealed: &Sealed,
    store: &str,
    result: Result<Option<crate::store::Commit>, Error>,
    res: &mut Response<'_>,
) {
    use crate::store::CommitReason;
    match result {
        Ok(None) => {}
        Ok(Some(commit)) => {
            let Written {
                lines: new,
                cookies,
                ..
            } = commit.written;
            match commit.reason {
                CommitReason::Erased => sealed.counters.erased(),
                reason => sealed.counters.sealed(
                    cookies,
                    reason == CommitReason::Refreshed,
                    reason == CommitReason::Resealed,
                ),
            }
            for line in new {
                res.adjoin_raw_header("Set-Cookie", line);
            }
        }
        Err(e) => {
            if matches!(e, Error::TooLarge { .. }) {
                sealed.counters.too_large();
            }
            log::error!(
                "rocket_sealed: the {store} was not written, its previous cookie stays: {e}"
            );
        }
    }
}

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
    touched: std::sync::atomic::AtomicBool,
    /// The request's time (unix seconds), read once; `u64::MAX` until then.
    now: AtomicU64,
    session: Mutex<StoreCell<SessionState>>,
    tempdata: Mutex<StoreCell<TempDataState>>,
    /// Set once the handler looks at the flash messages a `Flashes` guard took.
    flashes_shown: std::sync::OnceLock<Arc<std::sync::atomic::AtomicBool>>,
}

impl Default for RequestStores {
    fn default() -> Self {
        RequestStores {
            touched: Default::default(),
            now: AtomicU64::new(u64::MAX),
            session: Default::default(),
            tempdata: Default::default(),
            flashes_shown: Default::default(),
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
    fn of<'r>(req: &'r Request<'_>) -> Option<&'r RequestStores> {
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
    pub(crate) fn flashes_shown(&self) -> Arc<std::sync::atomic::AtomicBool> {
        self.flashes_shown.get_or_init(Default::default).clone()
    }

    /// `true` once the handler looked at the messages a `Flashes` guard was handed.
    pub(crate) fn flashes_seen(&self) -> bool {
        self.flashes_shown
            .get()
            .is_some_and(|shown| shown.load(Ordering::Relaxed))
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

pub(crate) fn note_status(sealed: &Sealed, store: &str, status: &crate::Status) {
    match status {
        crate::Status::New => {}
        crate::Status::Loaded => sealed.counters.opened(),
        crate::Status::Expired(expiry) => {
            sealed.counters.expired();
            log::debug!("rocket_sealed: {store} cookie expired: past its {expiry}; starting fresh");
        }
        crate::Status::Rejected(reason) => {
            sealed.counters.rejected(reason);
            log::warn!("rocket_sealed: {store} cookie rejected ({reason}); starting fresh");
        }
    }
}
