//! The framework-free state model: what a request may do with a store, and what the commit
//! writes back.

mod session;
mod status;
mod tempdata;
pub(crate) mod values;

pub use session::{SessionId, SessionState};
pub use status::Status;
pub use tempdata::{FlashMessage, Level, TempDataState, FLASH_KEY};

use crate::codec::Written;

/// What a commit writes, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// The `Set-Cookie` values.
    pub written: Written,
    /// Why the store is written.
    pub reason: CommitReason,
}

/// Why a store is written at the end of a request.
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
