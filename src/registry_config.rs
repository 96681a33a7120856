//! The settings of the Redis registry (`sealed.registry`), read with the rest of the
//! configuration whether or not the `redis` feature is built, so that one `Rocket.toml` serves
//! both builds.

use serde::{Deserialize, Serialize};

use crate::Error;

/// What the registry's validator answers when Redis cannot be asked within
/// [`timeout_ms`](RegistryConfig::timeout_ms).
///
/// ```
/// use rocket_sealed::{OnUnavailable, RegistryConfig};
///
/// assert_eq!(RegistryConfig::default().on_unavailable, OnUnavailable::FailClosed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnUnavailable {
    /// The session is served as if Redis had said yes; a warning is logged and counted. A
    /// session signed out elsewhere can open during the outage.
    FailOpen,
    /// The session is treated as signed out (refused, its cookies deleted); a warning is
    /// logged and counted. The default: a registry is installed so that sign-out holds, and
    /// an outage, which an attacker may be able to cause, must not switch that off silently.
    #[default]
    FailClosed,
}

/// Registry settings (`sealed.registry`), used by the `redis` feature's `Registry`.
///
/// ```
/// use rocket_sealed::{Config, RegistryConfig};
///
/// let registry = RegistryConfig::default();
/// assert_eq!(registry.url, None);
/// assert_eq!(registry.timeout_ms, 500);
/// assert_eq!(registry.key_prefix, "rocket_sealed:user:");
///
/// let mut config = Config::default();
/// config.registry.timeout_ms = 0;
/// assert!(config.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistryConfig {
    /// The Redis server, as `redis://host:port/db` (`rediss://` for TLS needs the `redis`
    /// crate's TLS features). Default none: no registry.
    pub url: Option<String>,
    /// Prefix of the one key kept per user. Default `rocket_sealed:user:`.
    pub key_prefix: String,
    /// Longest wait for one Redis command, connecting included, in milliseconds. Default
    /// 500; 1 to 10000.
    pub timeout_ms: u64,
    /// What a check answers when Redis cannot be asked. Default `fail_closed`.
    pub on_unavailable: OnUnavailable,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        RegistryConfig {
            url: None,
            key_prefix: "rocket_sealed:user:".into(),
            timeout_ms: 500,
            on_unavailable: OnUnavailable::FailClosed,
        }
    }
}

impl RegistryConfig {
    /// Checks the settings, naming the first bad field.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if !(1..=10_000).contains(&self.timeout_ms) {
            return Err(Error::config(
                "sealed.registry.timeout_ms",
                "must be between 1 and 10000",
            ));
        }
        if self.key_prefix.is_empty() {
            return Err(Error::config(
                "sealed.registry.key_prefix",
                "must not be empty",
            ));
        }
        Ok(())
    }
}
