//! A per-instance memo of the cookie values a key ring has lately opened or sealed, so that a
//! browser sending the same cookie again is not decrypted again.
//!
//! It holds nothing a request needs: a value that is not here is opened as usual, so any
//! instance of a farm still serves any request. It only skips work whose result is known.
//! An entry is the exact text of a value that authenticated under this ring (or was sealed
//! by it) for one cookie name, with its decrypted bytes; a value that differs in any byte,
//! or is sent as another cookie, is not found. Everything decided from the decrypted bytes
//! (timestamps, expiry, the validator) is decided again on every request.
//!
//! Slots are direct-mapped by the value's last bytes (its tag), each behind its own lock: no
//! eviction order to keep, and a request that finds its slot busy does the work itself
//! rather than wait. A replaced entry's bytes are overwritten or wiped, and dropped ones are
//! wiped.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

use zeroize::Zeroize as _;

/// Most slots [`crate::Config::open_cache`] may ask for.
pub(crate) const MAX_SLOTS: usize = 1 << 16;

#[derive(Default)]
struct Entry {
    cookie_name: String,
    value: String,
    /// Decrypted bytes, laid out as [`crate::seal::Plaintext`] keeps them.
    plaintext: Vec<u8>,
    key_id: u32,
}

impl Drop for Entry {
    fn drop(&mut self) {
        self.plaintext.zeroize();
    }
}

/// The memo: a fixed number of slots (none when turned off), and a count of its hits.
pub(crate) struct OpenCache {
    slots: Box<[Mutex<Entry>]>,
    hits: Arc<AtomicU64>,
}

impl OpenCache {
    /// A memo of `slots` entries (0: none, every lookup misses) counting its hits in `hits`.
    pub(crate) fn new(slots: usize, hits: Arc<AtomicU64>) -> OpenCache {
        OpenCache {
            slots: (0..slots.min(MAX_SLOTS))
                .map(|_| Mutex::new(Entry::default()))
                .collect(),
            hits,
        }
    }

    /// A memo that remembers nothing.
    pub(crate) fn off() -> OpenCache {
        OpenCache::new(0, Arc::default())
    }

    /// Whether it remembers anything at all.
    pub(crate) fn is_on(&self) -> bool {
        !self.slots.is_empty()
    }

    /// The slot for a value. Its last 16 characters encode its tag, as good as random for a
    /// value that authenticated; any other value finds only a slot it does not match.
    fn slot(&self, value: &str) -> Option<&Mutex<Entry>> {
        let bytes = value.as_bytes();
        if self.slots.is_empty() || bytes.len() < 16 {
            return None;
        }
        let tail = &bytes[bytes.len() - 16..];
        let low = u64::from_le_bytes(tail[..8].try_into().expect("8 of 16 bytes"));
        let high = u64::from_le_bytes(tail[8..].try_into().expect("8 of 16 bytes"));
        let mixed = (low ^ high.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Some(&self.slots[(mixed >> 32) as usize % self.slots.len()])
    }

    /// The decrypted bytes and key id of `value` if this memo holds exactly it for
    /// `cookie_name` and `key_opens` says its key still opens (the ring may have retired or
    /// dropped it since): a plaintext of a key that no longer opens is never handed out.
    pub(crate) fn get(
        &self,
        cookie_name: &str,
        value: &str,
        key_opens: impl FnOnce(u32) -> bool,
    ) -> Option<(Vec<u8>, u32)> {
        let entry = self.slot(value)?.try_lock().ok()?;
        let found = entry.cookie_name == cookie_name && same_bytes(&entry.value, value);
        if !found || !key_opens(entry.key_id) {
            return None;
        }
        self.hits.fetch_add(1, Relaxed);
        Some((entry.plaintext.clone(), entry.key_id))
    }

    /// Remembers that `value`, meant for `cookie_name`, opens to `plaintext` under `key_id`.
    pub(crate) fn put(&self, cookie_name: &str, value: &str, plaintext: &[u8], key_id: u32) {
        let Some(Ok(mut entry)) = self.slot(value).map(Mutex::try_lock) else {
            return;
        };
        let entry = &mut *entry;
        if entry.plaintext.capacity() < plaintext.len() {
            // Growing would free the old buffer unwiped.
            entry.plaintext.zeroize();
            entry.plaintext = Vec::with_capacity(plaintext.len());
        } else if entry.plaintext.len() > plaintext.len() {
            entry.plaintext[plaintext.len()..].zeroize();
        }
        // The rest of the old bytes are overwritten by the new ones.
        entry.plaintext.truncate(plaintext.len());
        let kept = entry.plaintext.len();
        entry.plaintext.copy_from_slice(&plaintext[..kept]);
        entry.plaintext.extend_from_slice(&plaintext[kept..]);
        entry.value.clear();
        entry.value.push_str(value);
        entry.cookie_name.clear();
        entry.cookie_name.push_str(cookie_name);
        entry.key_id = key_id;
    }
}

/// Equality whose time depends on the lengths only, not on where the first difference is:
/// whoever sends a value into an occupied slot learns nothing about the value held there.
fn same_bytes(held: &str, sent: &str) -> bool {
    let (held, sent) = (held.as_bytes(), sent.as_bytes());
    if held.len() != sent.len() {
        return false;
    }
    let diff = held.iter().zip(sent).fold(0u8, |acc, (a, b)| acc | (a ^ b));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUE: &str = "AQAAAAEsomenoncebytesandciphertext-and_the_tag_chars";

    fn cache(slots: usize) -> OpenCache {
        OpenCache::new(slots, Arc::default())
    }

    #[test]
    fn finds_exactly_what_it_was_given() {
        let memo = cache(8);
        assert!(memo.get("s", VALUE, |_| true).is_none());
        memo.put("s", VALUE, b"plain", 7);
        assert_eq!(memo.get("s", VALUE, |_| true), Some((b"plain".to_vec(), 7)));
        assert_eq!(memo.hits.load(Relaxed), 1);
        // Another cookie name, or one changed character, is not found.
        assert!(memo.get("t", VALUE, |_| true).is_none());
        for at in [0, 10, VALUE.len() - 20] {
            let mut changed = VALUE.to_owned();
            let other = if &VALUE[at..=at] == "A" { "B" } else { "A" };
            changed.replace_range(at..=at, other);
            assert!(
                memo.get("s", &changed, |_| true).is_none(),
                "changed at {at}"
            );
        }
        // Nor a prefix or an extension of it.
        assert!(memo.get("s", &VALUE[..VALUE.len() - 1], |_| true).is_none());
        assert!(memo.get("s", &format!("{VALUE}A"), |_| true).is_none());
        assert_eq!(memo.hits.load(Relaxed), 1);
    }

    #[test]
    fn a_key_that_no_longer_opens_is_not_found() {
        let memo = cache(8);
        memo.put("s", VALUE, b"plain", 7);
        assert!(memo.get("s", VALUE, |id| id != 7).is_none());
        assert_eq!(memo.hits.load(Relaxed), 0);
        assert!(memo.get("s", VALUE, |id| id == 7).is_some());
    }

    #[test]
    fn off_remembers_nothing() {
        let memo = cache(0);
        assert!(!memo.is_on());
        memo.put("s", VALUE, b"plain", 1);
        assert!(memo.get("s", VALUE, |_| true).is_none());
        // Values too short to have a tag are never slotted.
        let memo = cache(8);
        memo.put("s", "short", b"plain", 1);
        assert!(memo.get("s", "short", |_| true).is_none());
    }

    #[test]
    fn a_replaced_entry_gives_only_the_new_bytes() {
        let memo = cache(1);
        memo.put("s", VALUE, &[0xAA; 64], 1);
        let shorter = format!("x{VALUE}");
        memo.put("s", &shorter, &[0x55; 16], 2);
        assert!(memo.get("s", VALUE, |_| true).is_none());
        assert_eq!(memo.get("s", &shorter, |_| true), Some((vec![0x55; 16], 2)));
        let longer = format!("yy{VALUE}");
        memo.put("s", &longer, &[0x33; 200], 3);
        assert_eq!(memo.get("s", &longer, |_| true), Some((vec![0x33; 200], 3)));
    }

    #[test]
    fn a_busy_slot_is_passed_over() {
        let memo = cache(1);
        memo.put("s", VALUE, b"plain", 1);
        let held = memo.slots[0].lock().unwrap();
        // Another request holds the slot: look-ups miss and writes are dropped, at once.
        assert!(memo.get("s", VALUE, |_| true).is_none());
        memo.put("s", &format!("x{VALUE}"), b"other", 2);
        drop(held);
        assert_eq!(memo.get("s", VALUE, |_| true), Some((b"plain".to_vec(), 1)));
    }

    #[test]
    fn equality_is_plain_equality() {
        assert!(same_bytes("abc", "abc"));
        assert!(!same_bytes("abc", "abd"));
        assert!(!same_bytes("abc", "ab"));
        assert!(same_bytes("", ""));
    }
}
