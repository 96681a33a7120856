//! The fairing: builds [`Sealed`] at ignite and commits both stores in `on_response`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::{Build, Orbit, Request, Response, Rocket};

use crate::codec::Written;
use crate::request::{Cookies, RequestStores, sent_cookies};
use crate::validator::Validator;
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
    /// // TempData lasts 10 minutes by default: still there at 10 minutes, gone a second later.
    /// clock.advance(10 * 60);
    /// assert_eq!(client.get("/note").dispatch().into_string().unwrap(), "saved");
    /// clock.advance(1);
    /// assert_eq!(client.get("/note").dispatch().into_string().unwrap(), "");
    /// ```
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Installs a validation hook asked about a loaded session (see [`Validator`]): its "yes"
    /// is sealed into the session and holds for `session.revalidate_secs` (60 s by default;
    /// 0 asks on every request). There is one: a second call replaces the first (check
    /// several things in one validator).
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
        config.validate()?;
        let mut seed = None;
        let ring = if let Some(path) = &config.keys_file {
            let (ring, watch) = crate::keys_file::Watch::start(path, self.clock.clone())?;
            seed = Some(watch);
            ring
        } else if config.keys.is_empty() && !listed_empty {
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
                         the debug profile. Make a key with `rocket-sealed keys new` (`cargo \
                         install rocket_sealed --features cli`) or `openssl rand -base64 32 | tr \
                         '+/' '-_' | tr -d =`",
                        figment.profile()
                    ),
                ));
            }
        } else {
            KeyRing::from_config_with_clock(&config.keys, self.clock.clone())?
        };
        for warning in ring.retirement_warnings(config.longest_cookie_life()) {
            log::warn!("rocket_sealed: {warning}");
        }
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
            seed,
        )
    }
}

// The constructors live beside the fairing they build, so that `Sealed`, the state, does not
// depend on the fairing.
impl Sealed {
    /// The fairing, configured from the `sealed` table of Rocket's configuration
    /// (`Rocket.toml`, `ROCKET_SEALED`, or any figment provider).
    ///
    /// An invalid table makes launch fail.
    ///
    /// ```
    /// use rocket::error::ErrorKind;
    /// use rocket::figment::providers::Serialized;
    /// use rocket::local::blocking::Client;
    /// use rocket_sealed::Sealed;
    ///
    /// // As `[default.sealed.session] cookie_name = "sid"` in `Rocket.toml` would.
    /// let setting = Serialized::global("sealed.session.cookie_name", "sid");
    /// let rocket = rocket::custom(rocket::Config::figment().merge(setting));
    /// let client = Client::tracked(rocket.attach(Sealed::fairing())).unwrap();
    /// let sealed = client.rocket().state::<Sealed>().unwrap();
    /// assert_eq!(sealed.config().session.cookie_name, "sid");
    ///
    /// let too_big = Serialized::global("sealed.chunk_size", 9000);
    /// let rocket = rocket::custom(rocket::Config::figment().merge(too_big));
    /// let error = Client::tracked(rocket.attach(Sealed::fairing())).unwrap_err();
    /// let ErrorKind::FailedFairings(failed) = error.kind() else { panic!() };
    /// assert_eq!(failed[0].name, "rocket_sealed");
    /// ```
    pub fn fairing() -> SealedFairing {
        SealedFairing::from_figment()
    }

    /// The fairing, configured in code. The `sealed` table is ignored.
    ///
    /// ```
    /// use rocket::error::ErrorKind;
    /// use rocket::figment::providers::Serialized;
    /// use rocket::local::blocking::Client;
    /// use rocket_sealed::{Config, KeyConfig, Sealed};
    ///
    /// let mut config = Config::default();
    /// config.keys = vec![KeyConfig::generate(1)];
    /// config.tempdata.cookie_name = "notes".into();
    ///
    /// let ignored = Serialized::global("sealed.tempdata.cookie_name", "other");
    /// let rocket = rocket::custom(rocket::Config::figment().merge(ignored));
    /// let client = Client::tracked(rocket.attach(Sealed::custom(config.clone()))).unwrap();
    /// let sealed = client.rocket().state::<Sealed>().unwrap();
    /// assert_eq!(sealed.config().tempdata.cookie_name, "notes");
    ///
    /// // It is validated at launch all the same.
    /// config.chunk_size = 9000;
    /// let error = Client::tracked(rocket::build().attach(Sealed::custom(config))).unwrap_err();
    /// assert!(matches!(error.kind(), ErrorKind::FailedFairings(_)));
    /// ```
    pub fn custom(config: Config) -> SealedFairing {
        SealedFairing::from_config(config)
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
            kind: Kind::Ignite | Kind::Liftoff | Kind::Response | Kind::Singleton,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        match self.build(&rocket) {
            Ok(sealed) => {
                let ring = sealed.ring.load();
                log::info!(
                    "rocket_sealed: sealing with key {} of ring {:?}",
                    ring.sealing_key_id(),
                    ring.key_ids().collect::<Vec<_>>()
                );
                log::info!("rocket_sealed: cookies are {}", sealed.secure_mode);
                drop(ring);
                Ok(rocket.manage(sealed))
            }
            Err(e) => {
                log::error!("rocket_sealed: {e}");
                Err(rocket)
            }
        }
    }

    /// Starts the `keys_file` watch, which ends with Rocket's `Shutdown`.
    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        let Some(sealed) = rocket.state::<Sealed>() else {
            return;
        };
        let watch = sealed
            .watch
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(watch) = watch {
            rocket::tokio::spawn(watch.run(rocket.shutdown()));
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let Some(sealed) = req.rocket().state::<Sealed>() else {
            return;
        };
        let Some(stores) = RequestStores::of(req) else {
            return;
        };
        report_unreadable(sealed, stores);
        let code = res.status().code;
        if code >= 500 {
            // A failed request persists nothing: the browser keeps the cookies it had.
            return;
        }
        // The redirects (ASP.NET Core keeps read TempData for its redirect results); 300
        // Multiple Choices, 304 Not Modified and 305 send the browser nowhere.
        let redirect = matches!(code, 301 | 302 | 303 | 307 | 308);
        let now = stores.now(sealed);
        let jar = Cookies::of(req);
        let ring = sealed.ring.load();
        let session = &sealed.config.session;
        let mut wrote = false;
        // `Secure` or not, in the forwarded-proto mode, by the proxy's header.
        let specs = sealed.specs_for(req);
        if let Some(state) = stores
            .session()
            .loaded_mut()
            .filter(|state| state.may_write(session, now))
        {
            let sent = sent_cookies(jar, &sealed.session.name);
            let result = state.commit(&ring, specs.0, session, &sent, now);
            wrote |= record(sealed, "session", result, res);
        }
        // TempData goes with the session as it now is: its id if it is stored, else none.
        let session_now = stores
            .session()
            .loaded()
            .map(|state| (!state.stores_nothing()).then(|| state.id()));
        if let Some(state) = stores.tempdata().loaded_mut() {
            if let Some(session) = session_now {
                state.bind_to(session);
            }
            crate::flash::settle_offered(stores, state);
            let sent = sent_cookies(jar, &sealed.tempdata.name);
            let keeps = redirect && sealed.config.tempdata.keep_on_redirect;
            let result = state.commit(&ring, specs.1, &sent, keeps, now);
            // Rocket's `_flash` message now lives in TempData, unless that was not written.
            let adopted = stores.rocket_flash_adopted() && result.is_ok();
            wrote |= record(sealed, "tempdata", result, res);
            if adopted {
                res.adjoin_raw_header("Set-Cookie", crate::flash::ROCKET_FLASH_REMOVAL);
            }
        }
        if wrote && sealed.config.no_store {
            forbid_shared_caching(sealed, res);
        }
    }
}

/// Counts and logs, by key, the stored values this request could not read: a stored type
/// changed without a migration ([docs/stores.md, Stored values](../docs/stores.md#stored-values)).
fn report_unreadable(sealed: &Sealed, stores: &RequestStores) {
    let session = stores.session().loaded().map(|s| s.unreadable());
    let tempdata = stores.tempdata().loaded().map(|t| t.unreadable());
    for (store, unreadable) in [("session", session), ("tempdata", tempdata)] {
        for (key, error) in unreadable.into_iter().flatten() {
            sealed.counters.unreadable_value();
            log::warn!(
                "rocket_sealed: the {store} entry `{key}` could not be read ({error}); it is \
                 dropped when the {store} is next written"
            );
        }
    }
}

/// `Cache-Control: private, no-store` on a response that writes a sealed cookie, unless the
/// handler chose its own. A shared cache that stored such a response would hand one user's
/// cookies to the next.
fn forbid_shared_caching(sealed: &Sealed, res: &mut Response<'_>) {
    // A scan of the few headers a response has, rather than `get_one`: Rocket's header map
    // hashes a name byte by byte (SipHash), which cost more than this whole lookup, and
    // `set_raw_header` hashes it once more anyway.
    let own = res
        .headers()
        .iter()
        .find(|h| h.name() == "Cache-Control")
        .map(|h| h.value);
    let Some(own) = own else {
        res.set_raw_header("Cache-Control", "private, no-store");
        return;
    };
    let public = own
        .split(',')
        .any(|directive| directive.trim().eq_ignore_ascii_case("public"));
    if public && !sealed.public_cache_noted.swap(true, Ordering::Relaxed) {
        log::debug!(
            "rocket_sealed: a response that writes a sealed cookie says `Cache-Control: {own}`; \
             it is kept, but a shared cache may then serve one user's cookies to another \
             (said once)"
        );
    }
}

/// Counts a store's commit and adds its `Set-Cookie` lines to the response; `true` if there
/// were any.
fn record(
    sealed: &Sealed,
    store: &str,
    result: Result<Option<crate::store::Commit>, Error>,
    res: &mut Response<'_>,
) -> bool {
    use crate::store::CommitReason;
    match result {
        Ok(None) => false,
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
            let wrote = !new.is_empty();
            for line in new {
                res.adjoin_raw_header("Set-Cookie", line);
            }
            wrote
        }
        Err(e) => {
            if matches!(e, Error::TooLarge { .. }) {
                sealed.counters.too_large();
            }
            log::error!(
                "rocket_sealed: the {store} was not written, its previous cookie stays: {e}"
            );
            false
        }
    }
}
