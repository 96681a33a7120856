//! A ready registry of signed-in sessions on Redis (the `redis` feature): sign-out that
//! holds for copies of a cookie, and one active session per user, across a farm.
//!
//! Sessions stay in cookies. Redis holds one short string per user, under
//! `key_prefix + user`: the id of that user's current session, or `-` once signed out. Each
//! entry expires by itself (TTL: the session's longest possible life, the absolute timeout,
//! plus the 60 s of clock slack; the idle timeout when there is no absolute one, and then
//! each check extends it). A check is one `GETEX`, made at most once per
//! `session.revalidate_secs` per session; a guest (a session with no user) costs none. What
//! Redis answered is remembered on each instance for the interval (`cache.rs`), so copies
//! of a cookie that carry an older verdict cost no more than the cookie itself.
//!
//! The rules, the failure modes and the numbers: docs/signout.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

mod cache;
use cache::{Answer, LookupCache};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use rocket::Request;
use rocket::tokio;
use serde::Serialize;

use crate::store::SessionState;
use crate::{OnUnavailable, RegistryConfig, Sealed, Session, SessionId, Validator};

/// What Redis holds for a user who signed out (or was signed out everywhere): no session id
/// equals it.
const SIGNED_OUT: &str = "-";

/// Sets the user's entry to the signed-out mark only if it still names this session, so a
/// stale session signing out cannot end a newer one.
const SIGN_OUT_SCRIPT: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then \
     redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end return 0";

/// The user a session belongs to, as the application stores it; `None` for a guest.
type UserOf = dyn Fn(&SessionState) -> Option<String> + Send + Sync;

/// A [`Validator`] that keeps, per user, the current session id in Redis: a new sign-in ends
/// the older session, and a sign-out holds for every copy of the cookie.
///
/// Clone it: install one clone with [`with_validator`](crate::SealedFairing::with_validator)
/// and manage another, for the sign-in and sign-out routes.
///
/// ```no_run
/// use rocket::{post, routes, State};
/// use rocket_sealed::registry::Registry;
/// use rocket_sealed::{RegistryConfig, Sealed, Session};
///
/// #[post("/login/<name>")]
/// async fn login(session: Session<'_>, registry: &State<Registry>, name: &str) -> &'static str {
///     session.set("user", name).unwrap();
///     match registry.sign_in(&session, name).await {
///         Ok(()) => "signed in",
///         Err(_) => "try again later",
///     }
/// }
///
/// #[post("/logout")]
/// async fn logout(session: Session<'_>, registry: &State<Registry>) -> &'static str {
///     // Clears the session whatever Redis answers.
///     let _ = registry.sign_out(&session).await;
///     "signed out"
/// }
///
/// #[rocket::launch]
/// fn rocket() -> _ {
///     let config = RegistryConfig {
///         url: Some("redis://127.0.0.1:6379/".into()),
///         ..RegistryConfig::default()
///     };
///     let registry = Registry::new(&config, |s| s.get::<String>("user").ok().flatten())
///         .expect("a valid Redis URL");
///     rocket::build()
///         .attach(Sealed::fairing().with_validator(registry.clone()))
///         .manage(registry)
///         .mount("/", routes![login, logout])
/// }
/// ```
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    manager: tokio::sync::OnceCell<ConnectionManager>,
    prefix: String,
    timeout: Duration,
    on_unavailable: OnUnavailable,
    user_of: Box<UserOf>,
    cache: LookupCache,
    checks: AtomicU64,
    cache_hits: AtomicU64,
    commands: AtomicU64,
    refused: AtomicU64,
    unavailable: AtomicU64,
}

/// Why the registry could not do what it was asked.
///
/// ```
/// use rocket_sealed::registry::RegistryError;
///
/// let e = RegistryError::Timeout { ms: 500 };
/// assert_eq!(e.to_string(), "Redis did not answer within 500 ms");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// The URL does not parse.
    BadUrl(String),
    /// Redis answered with an error, or could not be reached.
    Unavailable(String),
    /// Redis did not answer within `sealed.registry.timeout_ms`.
    Timeout {
        /// The timeout, in milliseconds.
        ms: u64,
    },
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistryError::BadUrl(e) => write!(f, "sealed.registry.url: {e}"),
            RegistryError::Unavailable(e) => write!(f, "Redis is unavailable: {e}"),
            RegistryError::Timeout { ms } => write!(f, "Redis did not answer within {ms} ms"),
        }
    }
}

impl std::error::Error for RegistryError {}

/// The registry's counters since launch, from [`Registry::counters`].
///
/// ```
/// use rocket_sealed::registry::RegistryCounters;
///
/// let counters = RegistryCounters::default();
/// assert_eq!(counters.commands, 0);
/// ```
///
/// Later releases may add counters without breaking code that reads these (`#[non_exhaustive]`),
/// as `cache_hits` was added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RegistryCounters {
    /// Sessions of a signed-in user the validator looked up in Redis.
    pub checks: u64,
    /// Sessions of a signed-in user the validator judged from what Redis answered this
    /// instance less than `session.revalidate_secs` before, with no command.
    pub cache_hits: u64,
    /// Redis commands sent (checks, sign-ins, sign-outs).
    pub commands: u64,
    /// Sessions refused: signed out, or replaced by a newer sign-in.
    pub refused: u64,
    /// Commands that failed or timed out (each also logged as a warning).
    pub unavailable: u64,
}

impl Registry {
    /// A registry for the Redis server of `config.url`; `user_of` says which user a session
    /// belongs to (`None`: a guest, never looked up). Nothing is connected yet: the first
    /// command connects, so launch does not wait for Redis.
    ///
    /// # Errors
    ///
    /// [`RegistryError::BadUrl`] if `config.url` is missing or does not parse.
    ///
    /// ```
    /// use rocket_sealed::registry::{Registry, RegistryError};
    /// use rocket_sealed::RegistryConfig;
    ///
    /// let user = |s: &rocket_sealed::store::SessionState| s.get::<String>("user").ok().flatten();
    /// let config = RegistryConfig { url: Some("redis://127.0.0.1:6379/".into()), ..Default::default() };
    /// assert!(Registry::new(&config, user).is_ok());
    /// let config = RegistryConfig { url: Some("http://nope".into()), ..Default::default() };
    /// assert!(matches!(Registry::new(&config, user), Err(RegistryError::BadUrl(_))));
    /// ```
    pub fn new(
        config: &RegistryConfig,
        user_of: impl Fn(&SessionState) -> Option<String> + Send + Sync + 'static,
    ) -> Result<Registry, RegistryError> {
        let url = config
            .url
            .as_deref()
            .ok_or_else(|| RegistryError::BadUrl("no URL configured".into()))?;
        let client = redis::Client::open(url).map_err(|e| RegistryError::BadUrl(e.to_string()))?;
        Ok(Registry {
            inner: Arc::new(Inner {
                client,
                manager: tokio::sync::OnceCell::new(),
                prefix: config.key_prefix.clone(),
                timeout: Duration::from_millis(config.timeout_ms.max(1)),
                on_unavailable: config.on_unavailable,
                user_of: Box::new(user_of),
                cache: LookupCache::new(cache::SLOTS),
                checks: AtomicU64::new(0),
                cache_hits: AtomicU64::new(0),
                commands: AtomicU64::new(0),
                refused: AtomicU64::new(0),
                unavailable: AtomicU64::new(0),
            }),
        })
    }

    /// Makes `session` the only active session of `user`: gives it a new id (as a sign-in
    /// should), and records that id, which ends every older session of `user` on every
    /// instance within `session.revalidate_secs`. The application stores the user in the
    /// session itself, where `user_of` finds it.
    ///
    /// # Errors
    ///
    /// If Redis could not record it; the session is renewed all the same, and the older
    /// sessions stay active. Treat it as a failed sign-in.
    pub async fn sign_in(&self, session: &Session<'_>, user: &str) -> Result<(), RegistryError> {
        session.renew();
        let ttl = ttl_secs(session.sealed());
        let id = session.id().to_string();
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(user)).arg(id).arg("EX").arg(ttl);
        let recorded = self.query::<()>(&cmd).await;
        // This instance's memo of the user's entry is out of date, whatever Redis answered.
        self.inner.cache.forget(user);
        recorded?;
        // Sign-in is a verdict: the next requests need no lookup.
        session.mark_validated();
        Ok(())
    }

    /// Signs this session out for good: Redis records it (if it is still its user's current
    /// session), so no copy of its cookie opens again, on any instance, once
    /// `session.revalidate_secs` has passed since its last check. The session is cleared
    /// (its cookies deleted in this response) whatever Redis answers.
    ///
    /// # Errors
    ///
    /// If Redis could not record it: the browser's cookie is deleted, but a copy stays
    /// valid (as with no registry) until the absolute timeout.
    pub async fn sign_out(&self, session: &Session<'_>) -> Result<(), RegistryError> {
        let (user, id) = session.inspect(|s| ((self.inner.user_of)(s), s.id()));
        session.clear();
        let Some(user) = user else {
            return Ok(());
        };
        let ttl = ttl_secs(session.sealed());
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(SIGN_OUT_SCRIPT)
            .arg(1)
            .arg(self.key(&user))
            .arg(id.to_string())
            .arg(SIGNED_OUT)
            .arg(ttl);
        let recorded = self.query::<i64>(&cmd).await.map(drop);
        // A "yes" remembered here must not outlive the sign-out on this instance.
        self.inner.cache.forget(&user);
        recorded
    }

    /// Signs every session of `user` out, on every instance, within
    /// `session.revalidate_secs`. `ttl_secs` is how long the mark is kept: the sessions'
    /// longest possible life ([`Registry::ttl_for`] computes it from the configuration).
    ///
    /// # Errors
    ///
    /// If Redis could not record it; nothing was signed out then.
    pub async fn sign_out_everywhere(
        &self,
        user: &str,
        ttl_secs: u64,
    ) -> Result<(), RegistryError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(user))
            .arg(SIGNED_OUT)
            .arg("EX")
            .arg(ttl_secs.max(1));
        let recorded = self.query::<()>(&cmd).await;
        self.inner.cache.forget(user);
        recorded
    }

    /// How long Redis keeps a user's entry under `sealed`'s configuration: the absolute
    /// timeout (the idle timeout if there is none) plus the allowed clock skew.
    ///
    /// ```
    /// use rocket_sealed::registry::Registry;
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let client = Client::tracked(rocket::build().attach(Sealed::fairing())).unwrap();
    /// let sealed = client.rocket().state::<Sealed>().unwrap();
    /// assert_eq!(Registry::ttl_for(sealed), 12 * 60 * 60 + 60);
    /// ```
    pub fn ttl_for(sealed: &Sealed) -> u64 {
        ttl_secs(sealed)
    }

    /// The counters since this registry was made.
    ///
    /// ```
    /// use rocket_sealed::registry::Registry;
    /// use rocket_sealed::RegistryConfig;
    ///
    /// let config = RegistryConfig { url: Some("redis://127.0.0.1/".into()), ..Default::default() };
    /// let registry = Registry::new(&config, |_| None).unwrap();
    /// assert_eq!(registry.counters().checks, 0);
    /// ```
    pub fn counters(&self) -> RegistryCounters {
        let i = &self.inner;
        RegistryCounters {
            checks: i.checks.load(Relaxed),
            cache_hits: i.cache_hits.load(Relaxed),
            commands: i.commands.load(Relaxed),
            refused: i.refused.load(Relaxed),
            unavailable: i.unavailable.load(Relaxed),
        }
    }

    fn key(&self, user: &str) -> String {
        format!("{}{user}", self.inner.prefix)
    }

    /// The connection manager, made on first use (it needs the runtime Rocket runs on).
    async fn connection(&self) -> Result<ConnectionManager, RegistryError> {
        let i = &self.inner;
        let manager = i.manager.get_or_try_init(|| async {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(i.timeout))
                .set_response_timeout(Some(i.timeout))
                // Reconnect soon after Redis is back; the caller's timeout bounds each wait.
                .set_number_of_retries(1)
                .set_max_delay(Duration::from_millis(500));
            ConnectionManager::new_lazy_with_config(i.client.clone(), config)
                .map_err(|e| RegistryError::Unavailable(e.to_string()))
        });
        manager.await.cloned()
    }

    /// Sends one command, waiting at most the configured timeout, connecting included.
    async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, RegistryError> {
        let i = &self.inner;
        i.commands.fetch_add(1, Relaxed);
        let ms = i.timeout.as_millis() as u64;
        let sent = async {
            let mut conn = self.connection().await?;
            cmd.query_async::<T>(&mut conn)
                .await
                .map_err(|e| RegistryError::Unavailable(e.to_string()))
        };
        let result = match tokio::time::timeout(i.timeout, sent).await {
            Ok(result) => result,
            Err(_) => Err(RegistryError::Timeout { ms }),
        };
        if let Err(e) = &result {
            i.unavailable.fetch_add(1, Relaxed);
            log::warn!("rocket_sealed: registry: {e}");
        }
        result
    }

    /// The verdict on a session of `user` with id `id`, asked at `now`: from what Redis
    /// answered this instance less than `interval` seconds ago, or from Redis.
    async fn check(
        &self,
        request: &Request<'_>,
        user: &str,
        id: SessionId,
        now: u64,
        interval: u64,
        ttl: u64,
    ) -> bool {
        let i = &self.inner;
        let id = id.to_string();
        match i.cache.get(user, &id, now, interval) {
            Some(Answer::Yes { at }) => {
                i.cache_hits.fetch_add(1, Relaxed);
                // The session seals the lookup's time, not this request's: the answer is no
                // newer than that, and a copy must not outlive a sign-out by more than the
                // interval.
                crate::validator::record_answered_at(request, at);
                return true;
            }
            Some(Answer::No) => {
                i.cache_hits.fetch_add(1, Relaxed);
                i.refused.fetch_add(1, Relaxed);
                return false;
            }
            None => {}
        }
        i.checks.fetch_add(1, Relaxed);
        let ticket = i.cache.ticket();
        let mut cmd = redis::cmd("GETEX");
        cmd.arg(self.key(user)).arg("EX").arg(ttl);
        let answer = self.query::<Option<String>>(&cmd).await;
        if let Ok(current) = &answer {
            i.cache.put(user, current.as_deref(), now, ticket);
        }
        match answer {
            // No entry: signed in before the registry held it, or its data was lost. Nothing
            // says the session is still wanted, so it is refused.
            Ok(current) if current.as_deref() == Some(id.as_str()) => true,
            Ok(_) => {
                i.refused.fetch_add(1, Relaxed);
                false
            }
            Err(_) => match i.on_unavailable {
                OnUnavailable::FailOpen => {
                    log::warn!("rocket_sealed: registry unavailable: session served (fail_open)");
                    true
                }
                OnUnavailable::FailClosed => {
                    log::warn!(
                        "rocket_sealed: registry unavailable: session treated as signed out \
                         (fail_closed)"
                    );
                    false
                }
            },
        }
    }
}

fn ttl_secs(sealed: &Sealed) -> u64 {
    let session = &sealed.config().session;
    session
        .absolute_timeout_secs
        .unwrap_or(session.idle_timeout_secs)
        .saturating_add(crate::store::MAX_CLOCK_AHEAD_SECS)
}

#[rocket::async_trait]
impl Validator for Registry {
    async fn validate(&self, session: &SessionState, request: &Request<'_>) -> bool {
        let Some(user) = (self.inner.user_of)(session) else {
            return true;
        };
        let Some(sealed) = Sealed::fetch(request.rocket()) else {
            return true;
        };
        // The guard's clock reading, so that a test's clock moves the memo's expiry too.
        let now = crate::request::RequestStores::of(request)
            .map_or_else(|| sealed.now(), |stores| stores.now(sealed));
        let interval = sealed.config().session.revalidate_secs;
        self.check(
            request,
            &user,
            session.id(),
            now,
            interval,
            ttl_secs(sealed),
        )
        .await
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("prefix", &self.inner.prefix)
            .field("timeout", &self.inner.timeout)
            .field("on_unavailable", &self.inner.on_unavailable)
            .field("counters", &self.counters())
            .finish_non_exhaustive()
    }
}
