//! Nonces after `fork()`: a child process must not seal with the nonces its parent goes on
//! to use. `rand`'s thread-local generator is copied into the child as it is, so without a
//! reseed both processes would draw the same nonces, and two messages under one key and one
//! nonce reveal the XOR of their plaintexts and the one-time Poly1305 key.
//!
//! Its own test binary with one test, so that the process forks with as few threads as
//! possible; the child only seals, writes and exits.
#![cfg(unix)]

use std::io::{Read as _, Write as _};
use std::os::unix::net::UnixStream;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rocket_sealed::seal::{Envelope, seal};
use rocket_sealed::{KeyConfig, KeyRing};

fn envelope() -> Envelope {
    Envelope {
        issued_at: 1_700_000_000,
        refreshed_at: 1_700_000_000,
        session_id: None,
        entries: vec![("note".into(), b"the same plaintext".to_vec())],
    }
}

/// The nonce of a sealed value (after the version byte and the 4-byte key id).
fn nonce(sealed: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(sealed).unwrap()[5..29].to_vec()
}

#[test]
fn a_forked_child_does_not_reuse_its_parents_nonces() {
    let ring = KeyRing::from_config(&[KeyConfig::new(
        1,
        URL_SAFE_NO_PAD.encode(std::array::from_fn::<u8, 32, _>(|i| 9 ^ i as u8)),
    )])
    .unwrap();
    // Both processes seal the same envelope under the same key: with equal nonces, the
    // outputs would be equal byte for byte.
    let before = seal(&ring, "sealed_session", &envelope()).unwrap();
    let (mut parent_end, mut child_end) = UnixStream::pair().unwrap();

    // SAFETY: the child only seals (allocating, which glibc's fork handlers make safe),
    // writes to a socket it owns and leaves with `_exit`, never returning into the harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let sealed = std::panic::catch_unwind(|| seal(&ring, "sealed_session", &envelope()));
        let code = match sealed {
            Ok(Ok(text)) if child_end.write_all(text.as_bytes()).is_ok() => 0,
            _ => 1,
        };
        unsafe { libc::_exit(code) };
    }
    drop(child_end);
    let in_parent: Vec<String> = (0..4)
        .map(|_| seal(&ring, "sealed_session", &envelope()).unwrap())
        .collect();
    let mut in_child = String::new();
    parent_end.read_to_string(&mut in_child).unwrap();
    let mut status = 0;
    // SAFETY: waits for the child forked above.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the child failed to seal: status {status}"
    );

    assert_ne!(nonce(&before), nonce(&in_child));
    for sealed in &in_parent {
        assert_ne!(
            nonce(sealed),
            nonce(&in_child),
            "the child sealed with a nonce its parent used"
        );
    }
}
