//! Entries the crate keeps beside the application's in a store's envelope: when the session
//! was last judged by the validator, its CSRF secret, and which session a TempData cookie was
//! written under.
//!
//! They are ordinary entries on the wire, so the envelope and its version stay as they were
//! and cookies sealed before these entries existed still open (they simply lack them). A
//! store takes them out when it loads, so they never show in `keys()`, `len()`, `get` or
//! `entry_len`, and puts them back when it seals. Their values are raw bytes, not type-tagged
//! postcard values: they never pass through `get`, and so never depend on a type's path.

use std::borrow::Cow;

use super::values::Values;
use crate::Error;
use crate::envelope::EntryRef;

/// Session: the unix time (8 bytes, big-endian) of the validator's last "yes".
pub(crate) const VALIDATED_AT: &str = "_sealed.validated_at";

/// Session: the 32-byte CSRF secret, drawn the first time a token is asked for.
pub(crate) const CSRF: &str = "_sealed.csrf";

/// TempData: the 16-byte id of the session the cookie was written under; absent when it was
/// written with no stored session.
pub(crate) const SESSION_ID: &str = "_sealed.session";

/// `true` for a name an application may not store under (`_sealed.` and anything after it).
pub(crate) fn is_reserved(key: &str) -> bool {
    key.starts_with("_sealed.")
}

/// The error `set` and `update` give for a reserved name.
pub(crate) fn reserved_error(key: &str) -> Error {
    Error::Encode {
        key: key.to_owned(),
        reason: "names starting with `_sealed.` are reserved by rocket_sealed".into(),
    }
}

/// Takes the reserved `key` out of `values`: its raw bytes, if it was there.
pub(crate) fn take(values: &mut Values, key: &str) -> Option<Vec<u8>> {
    values.take_raw(key)
}

/// The unix time stored under [`VALIDATED_AT`]; `None` if absent or not 8 bytes.
pub(crate) fn take_time(values: &mut Values, key: &str) -> Option<u64> {
    take(values, key).and_then(|b| {
        <[u8; 8]>::try_from(b.as_slice())
            .ok()
            .map(u64::from_be_bytes)
    })
}

/// The session id stored under [`SESSION_ID`]; `None` if absent or not 16 bytes.
pub(crate) fn take_id(values: &mut Values, key: &str) -> Option<[u8; 16]> {
    take(values, key).and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok())
}

/// Puts the reserved entry `key` = `bytes` into `entries` (in name order, names unique), in
/// place of any entry of that name.
pub(crate) fn insert<'a>(entries: &mut Vec<EntryRef<'a>>, key: &'static str, bytes: Vec<u8>) {
    entries.retain(|(k, _)| *k != key);
    let at = entries.partition_point(|(k, _)| *k < key);
    entries.insert(at, (key, Cow::Owned(bytes)));
}
