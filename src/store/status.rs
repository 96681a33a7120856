//! What happened when a store was loaded.

use std::fmt;

use crate::{Expiry, Rejection};

/// How a store came to be what it is in this request.
///
/// ```
/// use rocket_sealed::{Expiry, Rejection, Status};
///
/// let status = Status::Expired(Expiry::Idle);
/// assert!(status.is_expired());
/// assert_eq!(status.to_string(), "expired (past its idle timeout)");
/// assert_eq!(
///     Status::Rejected(Rejection::Tampered).to_string(),
///     "rejected (authentication failed: altered, sealed for another cookie, or sealed under another key)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The browser sent no cookie for this store.
    New,
    /// The cookie opened and is within its lifetime.
    Loaded,
    /// The cookie opened, but its sealed timestamps say it outlived a timeout: the store
    /// started empty and its cookies are removed at commit. Routine (a user came back late),
    /// where a rejection is worth a look.
    Expired(Expiry),
    /// A cookie was sent but refused (altered, unknown key, malformed, ...); the store started
    /// empty. The cookies are removed at commit.
    Rejected(Rejection),
}

impl Status {
    /// `true` for [`Status::Loaded`].
    ///
    /// ```
    /// use rocket_sealed::{Rejection, Status};
    ///
    /// assert!(Status::Loaded.is_loaded());
    /// // A new store and a refused one both start empty: neither was loaded.
    /// assert!(!Status::New.is_loaded());
    /// assert!(!Status::Rejected(Rejection::Tampered).is_loaded());
    /// ```
    pub fn is_loaded(&self) -> bool {
        matches!(self, Status::Loaded)
    }

    /// `true` for [`Status::Expired`]: the cookie outlived a timeout.
    ///
    /// ```
    /// use rocket_sealed::{Expiry, Rejection, Status};
    ///
    /// assert!(Status::Expired(Expiry::Lifetime).is_expired());
    /// // Refused for another reason: worth a closer look, where an expiry is routine.
    /// assert!(!Status::Rejected(Rejection::Tampered).is_expired());
    /// assert!(!Status::New.is_expired());
    /// ```
    pub fn is_expired(&self) -> bool {
        matches!(self, Status::Expired(_))
    }

    /// The reason a cookie was refused, if it was (an expired cookie was not refused: see
    /// [`expiry`](Status::expiry)).
    ///
    /// ```
    /// use rocket_sealed::{Expiry, Rejection, Status};
    ///
    /// let status = Status::Rejected(Rejection::UnknownKey { key_id: 7 });
    /// assert_eq!(status.rejection(), Some(&Rejection::UnknownKey { key_id: 7 }));
    /// assert_eq!(Status::Loaded.rejection(), None);
    /// assert_eq!(Status::New.rejection(), None);
    /// assert_eq!(Status::Expired(Expiry::Idle).rejection(), None);
    /// ```
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Status::Rejected(r) => Some(r),
            _ => None,
        }
    }

    /// The timeout that ended the previous store, if it expired.
    ///
    /// ```
    /// use rocket_sealed::{Expiry, Rejection, Status};
    ///
    /// let status = Status::Expired(Expiry::Idle);
    /// assert_eq!(status.expiry(), Some(Expiry::Idle));
    /// // Refused, but not for its age.
    /// assert_eq!(Status::Rejected(Rejection::Revoked).expiry(), None);
    /// ```
    pub fn expiry(&self) -> Option<Expiry> {
        match self {
            Status::Expired(e) => Some(*e),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::New => f.write_str("new"),
            Status::Loaded => f.write_str("loaded"),
            Status::Expired(e) => write!(f, "expired (past its {e})"),
            Status::Rejected(r) => write!(f, "rejected ({r})"),
        }
    }
}
