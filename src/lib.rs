//! # rocket_sealed
//!
//! Sessions and TempData/flash messages for [Rocket](https://rocket.rs) 0.5, carried entirely
//! in the browser in authenticated-encrypted (XChaCha20-Poly1305), chunked cookies. No server
//! store: any number of instances serve one user with nothing shared but the keys.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod attrs;
pub mod chunk;
mod clock;
pub mod codec;
mod config;
mod counters;
mod error;
mod fairing;
mod flash;
mod guards;
mod hook;
mod keys;
mod random;
pub mod seal;
mod sealed;
pub mod store;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Config, CookieConfig, SessionConfig, TempDataConfig};
pub use counters::{CounterSnapshot, Counters};
pub use error::{Error, Expiry, Malformed, Rejection};
pub use fairing::SealedFairing;
pub use flash::{Flash, Flashes};
pub use guards::{Session, TempData};
pub use hook::Validator;
pub use keys::{KeyConfig, KeyRing, KEY_LEN};
pub use sealed::Sealed;
pub use store::{FlashMessage, Level, SessionId, Status};
