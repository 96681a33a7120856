//! The framework-free state model: what a request may do with a store, and what the commit
//! writes back.
//!
//! ```
//! use rocket_sealed::store::{SessionState, TempDataState};
//! use rocket_sealed::{Level, Status};
//!
//! let mut session = SessionState::new(1_000, Status::New);
//! session.update::<u32>("visits", |n| *n += 1).unwrap();
//! assert_eq!(session.get::<u32>("visits").unwrap(), Some(1));
//!
//! let mut temp = TempDataState::new(Status::New);
//! temp.flash(Level::Info, "Welcome").unwrap();
//! assert_eq!(temp.take_flashes().unwrap()[0].text, "Welcome");
//! ```

mod csrf;
mod reserved;
mod session;
mod status;
mod tempdata;
mod type_tag;
pub(crate) mod values;

pub use session::{SessionId, SessionState};
pub use status::Status;
pub use tempdata::{FLASH_KEY, FlashMessage, Level, TempDataState};
pub use type_tag::type_tag;

use crate::Rejection;
use crate::codec::Written;
use crate::envelope::EnvelopeFields;

pub use crate::clock::MAX_CLOCK_AHEAD_SECS;

/// Refuses an envelope whose timestamps lie too far ahead of `now` (see
/// [`MAX_CLOCK_AHEAD_SECS`]).
fn check_clock(env: &EnvelopeFields, now: u64) -> Result<(), Rejection> {
    let latest = env.issued_at.max(env.refreshed_at);
    match latest.saturating_sub(now) {
        ahead_secs if ahead_secs > MAX_CLOCK_AHEAD_SECS => {
            Err(Rejection::ClockAhead { ahead_secs })
        }
        _ => Ok(()),
    }
}

/// What a commit writes, and why.
///
/// ```
/// use rocket_sealed::chunk::SentCookies;
/// use rocket_sealed::codec::StoreSpec;
/// use rocket_sealed::store::{Commit, CommitReason, SessionState};
/// use rocket_sealed::{Config, KeyConfig, KeyRing, Status};
///
/// let config = Config::default();
/// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
/// let spec = StoreSpec { name: "sid".into(), ..config.session_spec(false) };
/// let nothing = SentCookies::collect("sid", []);
/// let mut session = SessionState::new(1_000, Status::New);
/// session.set("user", "ada").unwrap();
/// let Commit { written, reason } =
///     session.commit(&ring, &spec, &config.session, &nothing, 1_000).unwrap().unwrap();
/// assert_eq!(reason, CommitReason::Changed);
/// assert_eq!(written.cookies, 1);
/// assert!(written.lines[0].starts_with("sid="));
/// assert!(written.lines[0].ends_with("; HttpOnly; SameSite=Lax; Path=/"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// The `Set-Cookie` values.
    pub written: Written,
    /// Why the store is written.
    pub reason: CommitReason,
}

/// Why a store is written at the end of a request.
///
/// ```
/// use rocket_sealed::chunk::SentCookies;
/// use rocket_sealed::codec::StoreSpec;
/// use rocket_sealed::store::{CommitReason, SessionState};
/// use rocket_sealed::{Config, KeyConfig, KeyRing, Status};
///
/// let config = Config::default();
/// let (old, new) = (KeyConfig::generate(1), KeyConfig::generate(2));
/// let before = KeyRing::from_config(&[old.clone()]).unwrap();
/// let after = KeyRing::from_config(&[new, old]).unwrap(); // key 2 now seals; 1 still opens
/// let spec = StoreSpec { name: "sid".into(), ..config.session_spec(false) };
/// let reason = |ring: &KeyRing, sent: &SentCookies, now: u64, clear: bool| {
///     let mut session = SessionState::load(ring, &spec, &config.session, sent, now);
///     if clear {
///         session.clear();
///     }
///     let commit = session.commit(ring, &spec, &config.session, sent, now).unwrap();
///     commit.map(|c| c.reason)
/// };
///
/// let mut session = SessionState::new(1_000, Status::New);
/// session.set("user", "ada").unwrap();
/// let nothing = SentCookies::collect("sid", []);
/// let commit = session.commit(&before, &spec, &config.session, &nothing, 1_000).unwrap();
/// let written = commit.unwrap().written;
/// let sent = SentCookies::collect("sid", written.sent_back());
///
/// // Read-only, soon after: nothing to write.
/// assert_eq!(reason(&before, &sent, 1_010, false), None);
/// // Half the idle timeout (`refresh_share` 0.5 of 1200 s) later: refreshed.
/// assert_eq!(reason(&before, &sent, 1_600, false), Some(CommitReason::Refreshed));
/// // Opened with a key that no longer seals: re-sealed with the new one.
/// assert_eq!(reason(&after, &sent, 1_010, false), Some(CommitReason::Resealed));
/// // Emptied: its cookies are deleted.
/// assert_eq!(reason(&before, &sent, 1_010, true), Some(CommitReason::Erased));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitReason {
    /// The request changed it (or it is new, or replaces a refused cookie).
    Changed,
    /// Unchanged, but opened with a key that is not the ring's first.
    Resealed,
    /// Unchanged, re-sealed only to slide the idle timeout.
    Refreshed,
    /// It is empty: its cookies are deleted.
    Erased,
}
