//! Randomness for nonces and session ids.
//!
//! Both come from `rand`'s thread-local generator: ChaCha12 seeded from the operating system
//! and reseeded periodically. A 192-bit random nonce from it never repeats in practice, and it
//! avoids a system call per message. Keys are drawn from the OS directly (see `keys`).

use rand::Rng as _;

/// A fresh 24-byte XChaCha20 nonce.
pub(crate) fn nonce() -> [u8; 24] {
    let mut n = [0u8; 24];
    rand::rng().fill_bytes(&mut n);
    n
}

/// A fresh 128-bit session id.
pub(crate) fn session_id() -> [u8; 16] {
    let mut id = [0u8; 16];
    rand::rng().fill_bytes(&mut id);
    id
}
