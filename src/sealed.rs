//! `Sealed`: the fairing's constructor and the managed state every guard reads.

use std::sync::Arc;

use crate::codec::StoreSpec;
use crate::counters::Counters;
use crate::fairing::SealedFairing;
use crate::hook::Validator;
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
    pub(crate) ring: KeyRing,
    pub(crate) config: Config,
    pub(crate) session: StoreSpec,
    pub(crate) tempdata: StoreSpec,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) counters: Counters,
    pub(crate) validator: Option<Arc<dyn Validator>>,
}

impl Sealed {
    /// The fairing, configured from the `sealed` table of Rocket's configuration
    /// (`Rocket.toml`, `ROCKET_SEALED`, or any figment provider).
    pub fn fairing() -> SealedFairing {
        SealedFairing::from_figment()
    }

    /// The fairing, configured in code. The `sealed` table is ignored.
    pub fn custom(config: Config) -> SealedFairing {
        SealedFairing::from_config(config)
    }

    pub(crate) fn new(
        config: Config,
        ring: KeyRing,
        tls: bool,
        clock: Arc<dyn Clock>,
        validator: Option<Arc<dyn Validator>>,
    ) -> Result<Sealed, Error> {
        config.validate()?;
        let limits = config.chunk_limits();
        let session_age = match config.session.absolute_timeout_secs {
            Some(abs) => abs.min(config.session.idle_timeout_secs),
            None => config.session.idle_timeout_secs,
        };
        let session = StoreSpec {
            name: config.session.cookie_name.clone(),
            limits,
            budget: config.session.budget,
            attrs: config.cookie_attrs(tls, session_age),
        };
        let tempdata = StoreSpec {
            name: config.tempdata.cookie_name.clone(),
            limits,
            budget: config.tempdata.budget,
            attrs: config.cookie_attrs(tls, config.tempdata.lifetime_secs),
        };
        Ok(Sealed {
            ring,
            config,
            session,
            tempdata,
            clock,
            counters: Counters::default(),
            validator,
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The key ring in force (its `Debug` output redacts the keys).
    pub fn key_ring(&self) -> &KeyRing {
        &self.ring
    }

    /// The counters: opened, rejected by reason, sealed, and so on.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The current time by the configured clock (unix seconds).
    pub fn now(&self) -> u64 {
        self.clock.now()
    }
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealed")
            .field("ring", &self.ring)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
