//! `Sealed`: the fairing's constructor and the managed state every guard reads.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use arc_swap::ArcSwap;
use rocket::{Ignite, Phase, Request, Rocket};

use crate::attrs::CookieAttrs;
use crate::codec::StoreSpec;
use crate::config::{SecureMode, forwarded_https};
use crate::counters::Counters;
use crate::keys_file::{Watch, WatchSeed};
use crate::validator::Validator;
use crate::{Clock, Config, Error, KeyRing};

/// The crate's state, managed by Rocket once the fairing has ignited: the key ring, the
/// configuration, the clock and the counters.
///
/// Attach it with [`Sealed::fairing()`] (configuration from Rocket's figment) or
/// [`Sealed::custom()`] (configuration in code). Handlers can take `&State<Sealed>` to read
/// its [`counters`](Sealed::counters).
///
/// ```
/// use rocket_sealed::{Config, KeyConfig, Sealed};
///
/// let mut config = Config::default();
/// config.keys = vec![KeyConfig::generate(2), KeyConfig::generate(1)];
/// config.session.cookie_name = "sid".into();
/// let rocket = rocket::build().attach(Sealed::custom(config));
///
/// // Once ignited, the state is there for handlers (`&State<Sealed>`) and tests.
/// let client = rocket::local::blocking::Client::tracked(rocket).unwrap();
/// let sealed = client.rocket().state::<Sealed>().unwrap();
/// assert_eq!(sealed.key_ring().sealing_key_id(), 2);
/// assert_eq!(sealed.config().session.cookie_name, "sid");
/// assert_eq!(sealed.counters().snapshot().sealed, 0);
/// ```
pub struct Sealed {
    /// The ring in force; a `keys_file` watcher swaps in a new one. Readers never wait.
    pub(crate) ring: Arc<ArcSwap<KeyRing>>,
    /// The configuration, its key text wiped.
    pub(crate) config: Config,
    pub(crate) session: StoreSpec,
    pub(crate) tempdata: StoreSpec,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) counters: Arc<Counters>,
    pub(crate) validator: Option<Arc<dyn Validator>>,
    /// Set once a handler's own `public` `Cache-Control` on a response that writes a sealed
    /// cookie has been logged: the line is said once, not on every request.
    pub(crate) public_cache_noted: AtomicBool,
    /// Whether the cookies are `Secure`, decided at launch.
    pub(crate) secure_mode: SecureMode,
    /// In the forwarded-proto mode, the session's and TempData's specs without `Secure`, for
    /// requests the proxy's header does not mark https (`session` and `tempdata` have it).
    plain: Option<Box<(StoreSpec, StoreSpec)>>,
    /// The `keys_file` watch, taken at liftoff to run until shutdown.
    pub(crate) watch: std::sync::Mutex<Option<Watch>>,
}

impl Sealed {
    /// The state of `rocket` once the fairing has ignited, or `None` — with an error logged
    /// that says to attach [`Sealed::fairing()`] — when it is not attached. The guards, the
    /// [`Flash`](crate::Flash) responder and [`Flashes`](crate::Flashes) ask it at launch (as
    /// Rocket `Sentinel`s) and on each request.
    ///
    /// ```
    /// use rocket::local::blocking::Client;
    /// use rocket_sealed::Sealed;
    ///
    /// let client = Client::tracked(rocket::build().attach(Sealed::fairing())).unwrap();
    /// assert!(Sealed::fetch(client.rocket()).is_some());
    ///
    /// let client = Client::tracked(rocket::build()).unwrap();
    /// assert!(Sealed::fetch(client.rocket()).is_none());
    /// ```
    pub fn fetch<P: Phase>(rocket: &Rocket<P>) -> Option<&Sealed> {
        let sealed = rocket.state::<Sealed>();
        if sealed.is_none() {
            log::error!(
                "rocket_sealed: a `Session`, `TempData`, `Flash` or `Flashes` is used, but the \
                 fairing is not attached: add `.attach(rocket_sealed::Sealed::fairing())` to the \
                 rocket"
            );
        }
        sealed
    }

    /// A `Sentinel`'s answer for `what` (`Session`, `CsrfForm`, ...): `true`, aborting launch
    /// with an error that names it and the line that fixes it, when the fairing is not
    /// attached. Rocket asks each type once, then lists the types and where they are used.
    pub(crate) fn missing_for(rocket: &Rocket<Ignite>, what: &str) -> bool {
        let missing = rocket.state::<Sealed>().is_none();
        if missing {
            log::error!(
                "rocket_sealed: a route uses `{what}`, but the `Sealed` fairing is not attached: \
                 add `.attach(rocket_sealed::Sealed::fairing())` to the rocket (or \
                 `.attach(Sealed::custom(config))` to configure it in code)"
            );
        }
        missing
    }

    pub(crate) fn new(
        config: Config,
        ring: KeyRing,
        tls: bool,
        clock: Arc<dyn Clock>,
        validator: Option<Arc<dyn Validator>>,
        keys_file: Option<WatchSeed>,
    ) -> Result<Sealed, Error> {
        config.validate()?;
        let session = config.session_spec(tls);
        let tempdata = config.tempdata_spec(tls);
        let secure_mode = config.secure_mode(tls);
        let plain = matches!(secure_mode, SecureMode::ByHeader(_)).then(|| {
            let without_secure = |spec: &StoreSpec| StoreSpec {
                attrs: CookieAttrs {
                    secure: false,
                    ..spec.attrs.clone()
                },
                ..spec.clone()
            };
            Box::new((without_secure(&session), without_secure(&tempdata)))
        });
        let counters = Arc::new(Counters::default());
        let ring = ring
            .with_context(&config.context)
            .with_open_cache(config.open_cache, counters.reopened_handle())
            .counting_decryptions(counters.decrypted_handle());
        let mut config = config;
        for key in &mut config.keys {
            zeroize::Zeroize::zeroize(&mut key.key);
            key.key = "<redacted>".into();
        }
        let sealed = Sealed {
            ring: Arc::new(ArcSwap::from_pointee(ring)),
            config,
            session,
            tempdata,
            clock,
            counters,
            validator,
            public_cache_noted: AtomicBool::new(false),
            secure_mode,
            plain,
            watch: Default::default(),
        };
        if let Some(seed) = keys_file {
            let watch = Watch::new(seed, &sealed.config, &sealed);
            *sealed.watch.lock().unwrap_or_else(|p| p.into_inner()) = Some(watch);
        }
        Ok(sealed)
    }

    /// The session's and TempData's specs for the response to `req`: without `Secure` in the
    /// forwarded-proto mode when the proxy's header does not say https.
    pub(crate) fn specs_for(&self, req: &Request<'_>) -> (&StoreSpec, &StoreSpec) {
        if let (Some(plain), SecureMode::ByHeader(header)) = (&self.plain, &self.secure_mode) {
            let https = req
                .headers()
                .get(header)
                .last()
                .is_some_and(|value| forwarded_https(header, value));
            if !https {
                return (&plain.0, &plain.1);
            }
        }
        (&self.session, &self.tempdata)
    }

    /// The configuration in force. Its `keys` keep their ids and dates; each key's text
    /// reads `<redacted>`, so no handler can leak it.
    ///
    /// ```
    /// use rocket::local::blocking::Client;
    /// use rocket::{get, routes, State};
    /// use rocket_sealed::{Config, Sealed};
    ///
    /// #[get("/timeout")]
    /// fn timeout(sealed: &State<Sealed>) -> String {
    ///     format!("sessions end after {} s idle", sealed.config().session.idle_timeout_secs)
    /// }
    ///
    /// // No `sealed` table: every setting has its default.
    /// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![timeout]);
    /// let client = Client::tracked(rocket).unwrap();
    /// assert_eq!(client.rocket().state::<Sealed>().unwrap().config(), &Config::default());
    /// let body = client.get("/timeout").dispatch().into_string().unwrap();
    /// assert_eq!(body, "sessions end after 1200 s idle");
    /// ```
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The key ring in force now (its `Debug` output redacts the keys). A `keys_file` may
    /// replace it at any time: hold the returned ring only as long as one use.
    ///
    /// ```
    /// use rocket::local::blocking::Client;
    /// use rocket_sealed::{Config, KeyConfig, Sealed};
    ///
    /// let (new, old) = (KeyConfig::generate(2), KeyConfig::generate(1));
    /// let mut config = Config::default();
    /// config.keys = vec![new.clone(), old];
    /// let client = Client::tracked(rocket::build().attach(Sealed::custom(config))).unwrap();
    /// let ring = client.rocket().state::<Sealed>().unwrap().key_ring();
    /// assert_eq!(ring.sealing_key_id(), 2);
    /// assert_eq!(ring.key_ids().collect::<Vec<_>>(), [2, 1]);
    /// assert!(!format!("{ring:?}").contains(&new.key));
    /// // Nor does the configuration hold its text.
    /// let config = client.rocket().state::<Sealed>().unwrap().config();
    /// assert_eq!((config.keys[0].id, config.keys[0].key.as_str()), (2, "<redacted>"));
    /// ```
    pub fn key_ring(&self) -> Arc<KeyRing> {
        self.ring.load_full()
    }

    /// The counters: opened, rejected by reason, expired, sealed, and so on.
    ///
    /// ```
    /// use rocket::local::blocking::Client;
    /// use rocket::{get, routes, State};
    /// use rocket_sealed::{Sealed, Session};
    ///
    /// #[get("/login")]
    /// fn login(session: Session<'_>) {
    ///     session.set("user", "ada").unwrap();
    /// }
    ///
    /// #[get("/metrics")]
    /// fn metrics(sealed: &State<Sealed>) -> String {
    ///     format!("sealed_total {}", sealed.counters().snapshot().sealed)
    /// }
    ///
    /// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![login, metrics]);
    /// let client = Client::tracked(rocket).unwrap();
    /// client.get("/login").dispatch();
    /// assert_eq!(client.get("/metrics").dispatch().into_string().unwrap(), "sealed_total 1");
    /// ```
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The current time by the configured clock (unix seconds).
    ///
    /// ```
    /// use rocket::local::blocking::Client;
    /// use rocket_sealed::{ManualClock, Sealed};
    ///
    /// let clock = ManualClock::new(1_700_000_000);
    /// let rocket = rocket::build().attach(Sealed::fairing().with_clock(clock.clone()));
    /// let client = Client::tracked(rocket).unwrap();
    /// let sealed = client.rocket().state::<Sealed>().unwrap();
    /// assert_eq!(sealed.now(), 1_700_000_000);
    /// clock.advance(60);
    /// assert_eq!(sealed.now(), 1_700_000_060);
    /// ```
    pub fn now(&self) -> u64 {
        self.clock.now()
    }
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealed")
            .field("ring", &*self.ring.load())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
