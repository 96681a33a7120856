//! Randomness for nonces, session ids and CSRF tokens.
//!
//! Both come from `rand`'s thread-local generator: ChaCha12 seeded from the operating system
//! and reseeded periodically, which avoids a system call per message. That generator is not
//! reseeded when the process forks: a child would draw the very nonces its parent draws next,
//! and two messages under one key and one nonce give away the XOR of their plaintexts and the
//! Poly1305 key. So every draw first asks a fork detector (`forkguard`, a counter bumped by a
//! `pthread_atfork` handler: one atomic load) and reseeds from the OS after a fork. A child
//! made by a raw `fork`/`clone` system call skips libc's fork handlers and is not seen; such a
//! child must not seal. Keys are drawn from the OS directly (see `keys`).

use std::cell::RefCell;

use rand::Rng as _;
use rand::rngs::ThreadRng;

thread_local! {
    /// This thread's handle on the generator, with the fork detector made when it was seeded.
    static GENERATOR: RefCell<(forkguard::Guard, ThreadRng)> = RefCell::new(seeded());
}

/// A detector, then the generator reseeded. The generator may have been made earlier by other
/// code on this thread, before a fork the new detector cannot see, so it is reseeded once
/// here; every fork after this is seen.
fn seeded() -> (forkguard::Guard, ThreadRng) {
    let guard = forkguard::new();
    let mut rng = rand::rng();
    reseed(&mut rng);
    (guard, rng)
}

fn reseed(rng: &mut ThreadRng) {
    // The same failure `ThreadRng` itself panics on when its periodic reseed fails: without
    // the OS generator there is nothing safe to seal with.
    if let Err(e) = rng.reseed() {
        panic!("could not seed the nonce generator from the operating system: {e}");
    }
}

fn fill(out: &mut [u8]) {
    GENERATOR.with_borrow_mut(|(guard, rng)| {
        if guard.detected_fork() {
            reseed(rng);
        }
        rng.fill_bytes(out);
    });
}

/// A fresh 24-byte XChaCha20 nonce.
pub(crate) fn nonce() -> [u8; 24] {
    let mut n = [0u8; 24];
    fill(&mut n);
    n
}

/// `N` fresh random bytes (CSRF tokens and the masks they are shown under).
pub(crate) fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    fill(&mut out);
    out
}

/// A fresh 128-bit session id.
pub(crate) fn session_id() -> [u8; 16] {
    let mut id = [0u8; 16];
    fill(&mut id);
    id
}
