//! The crate's one error type and the reasons a cookie is rejected.

use std::fmt;

/// Why a cookie (or a set of chunk cookies) was refused when opening a store.
///
/// A rejected cookie never fails a request: the guard hands out an empty store whose
/// [`Status`](crate::Status) carries this reason, and the stale cookies are removed when the
/// store is committed.
///
/// ```
/// use rocket_sealed::Rejection;
///
/// let reason = Rejection::UnknownKey { key_id: 7 };
/// assert_eq!(reason.to_string(), "sealed with key id 7, which is not in the key ring or has retired");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// The authentication tag did not verify: the bytes were altered, sealed under another
    /// key with the same id, sealed for another cookie name, or sealed under another
    /// application label (`sealed.context`).
    Tampered,
    /// The header names a key id that is not in the ring (for example a key dropped after a
    /// rotation) or whose `retires_at` has passed.
    UnknownKey {
        /// The key id found in the cookie's header.
        key_id: u32,
    },
    /// The header carries a wire-format version this build does not understand.
    WrongVersion {
        /// The version byte found.
        found: u8,
    },
    /// The cookie is not a well-formed sealed value: bad base64, too short, too long, bad chunk
    /// count, missing chunk, or an envelope that does not decode.
    Malformed(Malformed),
    /// A sealed timestamp lies more than [`MAX_CLOCK_AHEAD_SECS`](crate::clock::MAX_CLOCK_AHEAD_SECS)
    /// ahead of this server's clock (a farm member whose clock ran ahead sealed it): its age is
    /// unknown, so the timeouts could not be enforced.
    ClockAhead {
        /// How many seconds the later of the two sealed timestamps is ahead of this clock.
        ahead_secs: u64,
    },
    /// The application's validation hook refused the store (for example a session that was
    /// signed out everywhere).
    Revoked,
}

/// What exactly was malformed about a cookie. See [`Rejection::Malformed`].
///
/// ```
/// use rocket_sealed::seal::open;
/// use rocket_sealed::{KeyConfig, KeyRing, Malformed, Rejection};
///
/// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
/// let reason = open(&ring, "s", "not base64!", 4096).unwrap_err();
/// assert_eq!(reason, Rejection::Malformed(Malformed::NotBase64));
/// assert_eq!(open(&ring, "s", "AAAA", 4096).unwrap_err(), Malformed::TooShort.into());
/// assert_eq!(reason.to_string(), "malformed: the value is not base64url without padding");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// The value is not base64url without padding.
    NotBase64,
    /// The value is shorter than a header plus a tag.
    TooShort,
    /// The value (or the joined chunks) is longer than the configured maximum.
    TooLong,
    /// The `chunks-N` marker does not hold a positive decimal count.
    BadChunkCount,
    /// The chunk count is above the configured maximum.
    TooManyChunks,
    /// A chunk named by the count was not sent.
    MissingChunk,
    /// The decrypted envelope does not decode (should only happen across incompatible builds).
    BadEnvelope,
}

/// Which lifetime a store outlived. See [`Status::Expired`](crate::Status::Expired).
///
/// ```
/// use rocket_sealed::{Expiry, Status};
///
/// let status = Status::Expired(Expiry::Absolute);
/// assert_eq!(status.expiry(), Some(Expiry::Absolute));
/// assert_eq!(Expiry::Absolute.to_string(), "absolute timeout");
/// assert_eq!(Status::Loaded.expiry(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expiry {
    /// No request refreshed the session within the idle timeout.
    Idle,
    /// The session is older than the absolute timeout, however active it was.
    Absolute,
    /// A TempData cookie outlived its maximum lifetime.
    Lifetime,
    /// A TempData cookie was written under another session than the one the request carries
    /// (signed out, renewed, another user): it opens empty.
    Session,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Malformed::NotBase64 => "the value is not base64url without padding",
            Malformed::TooShort => "the value is too short to be a sealed value",
            Malformed::TooLong => "the value is longer than the configured maximum",
            Malformed::BadChunkCount => "the chunk marker does not hold a valid count",
            Malformed::TooManyChunks => "the chunk count is above the configured maximum",
            Malformed::MissingChunk => "a chunk named by the chunk count is missing",
            Malformed::BadEnvelope => "the decrypted envelope does not decode",
        })
    }
}

impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expiry::Idle => "idle timeout",
            Expiry::Absolute => "absolute timeout",
            Expiry::Lifetime => "maximum lifetime",
            Expiry::Session => "session",
        })
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Tampered => f.write_str(
                "authentication failed: altered, sealed for another cookie, or sealed under another key",
            ),
            Rejection::UnknownKey { key_id } => {
                write!(f, "sealed with key id {key_id}, which is not in the key ring or has retired")
            }
            Rejection::WrongVersion { found } => {
                write!(f, "wire format version {found} is not supported (this version reads 1 and 2)")
            }
            Rejection::Malformed(what) => write!(f, "malformed: {what}"),
            Rejection::ClockAhead { ahead_secs } => write!(
                f,
                "sealed {ahead_secs} s ahead of this server's clock (more than the {} s allowed)",
                crate::clock::MAX_CLOCK_AHEAD_SECS
            ),
            Rejection::Revoked => f.write_str("revoked by the application's validation hook"),
        }
    }
}

impl std::error::Error for Rejection {}

impl From<Malformed> for Rejection {
    fn from(m: Malformed) -> Self {
        Rejection::Malformed(m)
    }
}

/// Everything that can go wrong in `rocket_sealed`, as one type a caller can match on.
///
/// ```
/// use rocket_sealed::Error;
///
/// let err = Error::TooLarge { needed: 9000, limit: 5120 };
/// assert!(err.to_string().contains("9000"));
/// match err {
///     Error::TooLarge { needed, limit } => assert!(needed > limit),
///     _ => unreachable!(),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid. `field` names the setting (or key) and `reason` says why.
    Config {
        /// The offending setting, e.g. `sealed.chunk_size` or `sealed.keys[1] (id 2)`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The store does not fit its byte budget (or its chunk limit); it was not written.
    TooLarge {
        /// Bytes the sealed store would take in the `Cookie` header.
        needed: usize,
        /// The most it may take: the configured budget, or less when `max_chunks` chunks
        /// hold less than that. Always below `needed`.
        limit: usize,
    },
    /// The stored bytes are no value this build can read: truncated, or in a value format
    /// of a later version. Like [`SchemaChanged`](Error::SchemaChanged), the entry is dropped
    /// at the store's next write.
    Decode {
        /// The entry's name.
        key: String,
        /// The decoder's message.
        reason: String,
    },
    /// The stored value does not read as the type asked for: it was written under another
    /// shape (a field renamed or removed without a default, a field's type changed, an enum
    /// variant gone) or as another type. Never a wrong value: read it with the old type and
    /// convert (`Session::migrate`), or let it go — the entry is dropped at the store's next
    /// write, counted and logged.
    ///
    /// ```
    /// use rocket_sealed::store::SessionState;
    /// use rocket_sealed::{Error, Status};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize)]
    /// struct Before { visits: u32 }
    /// #[derive(Debug, Deserialize)]
    /// struct After { font_size: u32 } // renamed: not the same field
    ///
    /// let mut session = SessionState::new(1_000, Status::New);
    /// session.set("prefs", &Before { visits: 3 }).unwrap();
    /// let Err(Error::SchemaChanged { key, .. }) = session.get::<After>("prefs") else { panic!() };
    /// assert_eq!(key, "prefs");
    /// ```
    SchemaChanged {
        /// The entry's name.
        key: String,
        /// What did not fit, as the decoder says it (`missing field `font_size``).
        reason: String,
    },
    /// A value could not be encoded: its `Serialize` implementation failed, or a value given
    /// to [`chunk::split`](crate::chunk::split) is not ASCII (`key` is then the cookie name).
    Encode {
        /// The entry's name.
        key: String,
        /// The encoder's message.
        reason: String,
    },
    /// A cookie was refused; see [`Rejection`].
    Rejected(Rejection),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config { field, reason } => {
                write!(f, "invalid configuration `{field}`: {reason}")
            }
            Error::TooLarge { needed, limit } => write!(
                f,
                "the store needs {needed} bytes of cookies but may take {limit} (its budget, \
                 or what `max_chunks` chunks hold if that is less); store less, or raise the \
                 limit (mind proxies' 8 KiB header limits)"
            ),
            Error::Decode { key, reason } => {
                write!(f, "entry `{key}` is not a readable value: {reason}")
            }
            Error::SchemaChanged { key, reason } => {
                write!(
                    f,
                    "entry `{key}` was stored under another shape or type: {reason}"
                )
            }
            Error::Encode { key, reason } => {
                write!(f, "entry `{key}` could not be encoded: {reason}")
            }
            Error::Rejected(r) => write!(f, "cookie rejected: {r}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Rejected(r) => Some(r),
            _ => None,
        }
    }
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        Error::Rejected(r)
    }
}

impl Error {
    pub(crate) fn config(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Config {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
