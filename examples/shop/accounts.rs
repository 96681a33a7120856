//! One active session per user, and sign-out that holds: each user's current session, and
//! the validator that refuses the others.
//!
//! With `REDIS_URL` (or `sealed.registry.url`) set and the `redis` feature built, the record
//! lives in Redis ([`rocket_sealed::registry::Registry`]), shared by every instance of a
//! farm. Otherwise it is a map in this process: right for one instance, but behind a load
//! balancer the instance that did not see a sign-in or sign-out keeps the old session alive.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rocket::Request;
use rocket::figment::Figment;
use rocket_sealed::store::SessionState;
use rocket_sealed::{Sealed, Session, SessionId, Validator};

/// The user a session belongs to: the shop stores it under `"user"`.
pub fn user_of(session: &SessionState) -> Option<String> {
    session.get::<String>("user").ok().flatten()
}

/// Where each user's current session is recorded.
#[derive(Clone)]
pub enum Accounts {
    /// user → the id of their current session, or `None` once signed out.
    Local(Arc<Mutex<HashMap<String, Option<SessionId>>>>),
    /// The same, in Redis.
    #[cfg(feature = "redis")]
    Redis(rocket_sealed::registry::Registry),
}

impl Accounts {
    /// Redis when a URL is configured (and the `redis` feature built), the in-process map
    /// otherwise.
    pub fn from_figment(figment: &Figment) -> Accounts {
        #[cfg(feature = "redis")]
        {
            use rocket_sealed::RegistryConfig;
            let mut config: RegistryConfig =
                figment.extract_inner("sealed.registry").unwrap_or_default();
            if let Ok(url) = std::env::var("REDIS_URL") {
                config.url = Some(url);
            }
            if config.url.is_some() {
                match rocket_sealed::registry::Registry::new(&config, user_of) {
                    Ok(registry) => return Accounts::Redis(registry),
                    Err(e) => {
                        eprintln!("shop: {e}");
                        std::process::exit(1);
                    }
                }
            }
        }
        let _ = figment;
        Accounts::Local(Arc::default())
    }

    /// `"redis"` or `"local"`, for `/registry.json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Accounts::Local(_) => "local",
            #[cfg(feature = "redis")]
            Accounts::Redis(_) => "redis",
        }
    }

    fn local(
        map: &Mutex<HashMap<String, Option<SessionId>>>,
    ) -> std::sync::MutexGuard<'_, HashMap<String, Option<SessionId>>> {
        map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes `session` (renewed: an id seen before sign-in is worth nothing after) the only
    /// active session of `user`. The caller has stored the user in the session.
    pub async fn sign_in(&self, session: &Session<'_>, user: &str) -> Result<(), String> {
        match self {
            Accounts::Local(map) => {
                session.renew();
                Self::local(map).insert(user.to_owned(), Some(session.id()));
                Ok(())
            }
            #[cfg(feature = "redis")]
            Accounts::Redis(registry) => registry
                .sign_in(session, user)
                .await
                .map_err(|e| e.to_string()),
        }
    }

    /// Signs this session out for good (copies of its cookie included), and clears it.
    pub async fn sign_out(&self, session: &Session<'_>) -> Result<(), String> {
        match self {
            Accounts::Local(map) => {
                if let Some(user) = session.get::<String>("user").ok().flatten() {
                    let mut map = Self::local(map);
                    if map.get(&user) == Some(&Some(session.id())) {
                        map.insert(user, None);
                    }
                }
                session.clear();
                Ok(())
            }
            #[cfg(feature = "redis")]
            Accounts::Redis(registry) => {
                registry.sign_out(session).await.map_err(|e| e.to_string())
            }
        }
    }

    /// Signs every session of `user` out.
    pub async fn sign_out_everywhere(
        &self,
        session: &Session<'_>,
        sealed: &Sealed,
        user: &str,
    ) -> Result<(), String> {
        let result = match self {
            Accounts::Local(map) => {
                let _ = sealed;
                Self::local(map).insert(user.to_owned(), None);
                Ok(())
            }
            #[cfg(feature = "redis")]
            Accounts::Redis(registry) => {
                let ttl = rocket_sealed::registry::Registry::ttl_for(sealed);
                registry
                    .sign_out_everywhere(user, ttl)
                    .await
                    .map_err(|e| e.to_string())
            }
        };
        session.clear();
        result
    }

    /// The registry's counters as JSON (`{}` for the in-process map).
    pub fn counters_json(&self) -> String {
        match self {
            Accounts::Local(_) => "{}".into(),
            #[cfg(feature = "redis")]
            Accounts::Redis(registry) => {
                serde_json::to_string(&registry.counters()).unwrap_or_default()
            }
        }
    }
}

/// The hook: a loaded session whose user has signed in since (elsewhere), or signed out, is
/// refused; the guard then hands out a fresh session with status "revoked".
pub struct OneSessionPerUser(pub Accounts);

#[rocket::async_trait]
impl Validator for OneSessionPerUser {
    async fn validate(&self, session: &SessionState, request: &Request<'_>) -> bool {
        match &self.0 {
            Accounts::Local(map) => match user_of(session).filter(|_| {
                let _ = request;
                true
            }) {
                // A user this instance has never seen is accepted, so a restart (or an
                // instance that missed the sign-in) does not sign anybody out.
                Some(user) => match Accounts::local(map).get(&user) {
                    None => true,
                    Some(current) => *current == Some(session.id()),
                },
                None => true,
            },
            #[cfg(feature = "redis")]
            Accounts::Redis(registry) => registry.validate(session, request).await,
        }
    }
}
