//! What happened when a store was loaded.

use std::fmt;

use crate::{Expiry, Rejection};

/// How a store came to be what it is in this request.
///
/// ```
/// use rocket_sealed::{Expiry, Rejection, Status};
///
/// let status = Status::Rejected(Rejection::Expired(Expiry::Idle));
/// assert!(status.is_expired());
/// assert_eq!(status.to_string(), "rejected (expired: past its idle timeout)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The browser sent no cookie for this store.
    New,
    /// The cookie opened and is within its lifetime.
    Loaded,
    /// A cookie was sent but refused; the store started empty. The cookies are removed at
    /// commit.
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

    /// `true` when a cookie was refused because it outlived a timeout.
    ///
    /// ```
    /// use rocket_sealed::{Expiry, Rejection, Status};
    ///
    /// assert!(Status::Rejected(Rejection::Expired(Expiry::Lifetime)).is_expired());
    /// // Refused for another reason: worth a closer look, where an expiry is routine.
    /// assert!(!Status::Rejected(Rejection::Tampered).is_expired());
    /// assert!(!Status::New.is_expired());
    /// ```
    pub fn is_expired(&self) -> bool {
        matches!(self, Status::Rejected(Rejection::Expired(_)))
    }

    /// The reason a cookie was refused, if it was.
    ///
    /// ```
    /// use rocket_sealed::{Rejection, Status};
    ///
    /// let status = Status::Rejected(Rejection::UnknownKey { key_id: 7 });
    /// assert_eq!(status.rejection(), Some(&Rejection::UnknownKey { key_id: 7 }));
    /// assert_eq!(Status::Loaded.rejection(), None);
    /// assert_eq!(Status::New.rejection(), None);
    /// ```
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Status::Rejected(r) => Some(r),
            _ => None,
        }
    }

    /// The expiry that ended the previous store, if that is why it was refused.
    ///
    /// ```
    /// use rocket_sealed::{Expiry, Rejection, Status};
    ///
    /// let status = Status::Rejected(Rejection::Expired(Expiry::Idle));
    /// assert_eq!(status.expiry(), Some(Expiry::Idle));
    /// // Refused, but not for its age.
    /// assert_eq!(Status::Rejected(Rejection::Revoked).expiry(), None);
    /// ```
    pub fn expiry(&self) -> Option<Expiry> {
        match self {
            Status::Rejected(Rejection::Expired(e)) => Some(*e),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::New => f.write_str("new"),
            Status::Loaded => f.write_str("loaded"),
            Status::Rejected(r) => write!(f, "rejected ({r})"),
        }
    }
}
