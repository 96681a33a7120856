//! A per-instance memo of what Redis last said a user's entry holds, so that the sessions whose
//! sealed verdict is older than the interval (a replayed copy, a client that drops
//! `Set-Cookie`, a browser's requests sent before its refreshed cookie arrived) cost one
//! lookup per interval per user on each instance, not one per request.
//!
//! It is keyed by user, not by session: Redis holds one entry per user, so one memo answers
//! for every session id of that user (the current one and every copy of an older one), and
//! this instance's own sign-in, sign-out and sign-out-everywhere find the one entry to drop.
//!
//! Slots are direct-mapped by a keyed hash of the user (chosen per process, so nobody can
//! pick names that collide) and hold one user each, behind its own lock: the bound on memory
//! is the number of slots, whatever the number of users or cookies. A collision replaces
//! the older user, who is looked up again. A lookup that finds its slot busy misses rather
//! than wait; no lock is held across an await.
//!
//! Each write carries a ticket, taken before its command was sent; a slot takes only a ticket
//! newer than the last one it saw. So an answer that was on its way while this instance
//! signed the user out cannot bring back the "yes" the sign-out dropped.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};

/// Users remembered at most: about 400 KiB of slots, and the users' entries as they fill.
pub(super) const SLOTS: usize = 1 << 14;

#[derive(Default)]
struct Slot {
    /// The newest ticket written or dropped here.
    ticket: u64,
    entry: Option<Box<Entry>>,
}

struct Entry {
    user: String,
    /// What Redis held: a session id's text, the signed-out mark, or `None` (no entry).
    value: Option<String>,
    /// The request's clock reading taken before the lookup was sent.
    at: u64,
}

/// A remembered answer for one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Answer {
    /// Redis named this session at some moment after `at`.
    Yes { at: u64 },
    /// Redis named another session, the signed-out mark, or nothing.
    No,
}

pub(super) struct LookupCache {
    slots: Box<[Mutex<Slot>]>,
    hasher: std::collections::hash_map::RandomState,
    tickets: AtomicU64,
}

impl LookupCache {
    pub(super) fn new(slots: usize) -> LookupCache {
        LookupCache {
            slots: (0..slots).map(|_| Mutex::default()).collect(),
            hasher: std::collections::hash_map::RandomState::new(),
            tickets: AtomicU64::new(0),
        }
    }

    /// A ticket for a command about to be sent (never 0, the empty slot's).
    pub(super) fn ticket(&self) -> u64 {
        self.tickets.fetch_add(1, Relaxed) + 1
    }

    fn slot(&self, user: &str) -> Option<&Mutex<Slot>> {
        if self.slots.is_empty() {
            return None;
        }
        let hash = self.hasher.hash_one(user);
        Some(&self.slots[(hash % self.slots.len() as u64) as usize])
    }

    /// The answer for session `id` of `user` if Redis was asked less than `interval` seconds
    /// before `now` (never with `interval` 0, nor for a reading ahead of `now`: a clock set
    /// back must not stretch an answer's life).
    pub(super) fn get(&self, user: &str, id: &str, now: u64, interval: u64) -> Option<Answer> {
        let slot = self.slot(user)?.try_lock().ok()?;
        let entry = slot.entry.as_deref().filter(|e| e.user == user)?;
        if interval == 0 || entry.at > now || now - entry.at >= interval {
            return None;
        }
        Some(if entry.value.as_deref() == Some(id) {
            Answer::Yes { at: entry.at }
        } else {
            Answer::No
        })
    }

    /// Remembers that Redis held `value` for `user`, asked at `at` under `ticket`; dropped if
    /// the slot has seen a newer ticket since.
    pub(super) fn put(&self, user: &str, value: Option<&str>, at: u64, ticket: u64) {
        let Some(slot) = self.slot(user) else {
            return;
        };
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.ticket >= ticket {
            return;
        }
        slot.ticket = ticket;
        slot.entry = Some(Box::new(Entry {
            user: user.to_owned(),
            value: value.map(str::to_owned),
            at,
        }));
    }

    /// Forgets `user`'s entry, and refuses the answers of lookups sent before now: this
    /// instance has just changed (or may have changed) it in Redis.
    pub(super) fn forget(&self, user: &str) {
        let Some(slot) = self.slot(user) else {
            return;
        };
        let ticket = self.ticket();
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.ticket = slot.ticket.max(ticket);
        if slot.entry.as_ref().is_some_and(|e| e.user == user) {
            slot.entry = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: u64 = 30;

    #[test]
    fn answers_for_the_interval_then_not() {
        let cache = LookupCache::new(8);
        assert_eq!(cache.get("ada", "x", 100, R), None);
        cache.put("ada", Some("x"), 100, cache.ticket());
        assert_eq!(cache.get("ada", "x", 100, R), Some(Answer::Yes { at: 100 }));
        assert_eq!(cache.get("ada", "x", 129, R), Some(Answer::Yes { at: 100 }));
        // Another session of the same user, a copy of an older one: no.
        assert_eq!(cache.get("ada", "old", 129, R), Some(Answer::No));
        assert_eq!(cache.get("ada", "x", 130, R), None);
        // A clock set back, and an interval of 0, get nothing.
        assert_eq!(cache.get("ada", "x", 99, R), None);
        assert_eq!(cache.get("ada", "x", 100, 0), None);
        // Another user is not found in the slot.
        assert_eq!(cache.get("bob", "x", 100, R), None);
    }

    #[test]
    fn signed_out_and_missing_entries_answer_no() {
        let cache = LookupCache::new(8);
        cache.put("ada", Some("-"), 100, cache.ticket());
        assert_eq!(cache.get("ada", "x", 110, R), Some(Answer::No));
        cache.put("bob", None, 100, cache.ticket());
        assert_eq!(cache.get("bob", "x", 110, R), Some(Answer::No));
    }

    #[test]
    fn forget_drops_the_entry_and_refuses_answers_sent_before_it() {
        let cache = LookupCache::new(8);
        cache.put("ada", Some("x"), 100, cache.ticket());
        let in_flight = cache.ticket();
        cache.forget("ada");
        assert_eq!(cache.get("ada", "x", 101, R), None);
        // The answer of a lookup sent before the sign-out arrives after it: not kept.
        cache.put("ada", Some("x"), 100, in_flight);
        assert_eq!(cache.get("ada", "x", 101, R), None);
        // One sent after it is.
        cache.put("ada", Some("-"), 101, cache.ticket());
        assert_eq!(cache.get("ada", "x", 101, R), Some(Answer::No));
    }

    #[test]
    fn memory_is_bounded_by_the_slots() {
        let cache = LookupCache::new(4);
        for n in 0..1_000 {
            cache.put(&format!("user{n}"), Some("x"), 100, cache.ticket());
        }
        let held = cache
            .slots
            .iter()
            .filter(|s| s.lock().unwrap().entry.is_some())
            .count();
        assert!(held <= 4, "{held}");
        // The last user written is found; most others were replaced.
        assert!(cache.get("user999", "x", 100, R).is_some());
        let found = (0..1_000)
            .filter(|n| cache.get(&format!("user{n}"), "x", 100, R).is_some())
            .count();
        assert!(found <= 4, "{found}");
    }

    #[test]
    fn a_busy_slot_misses_at_once() {
        let cache = LookupCache::new(1);
        cache.put("ada", Some("x"), 100, cache.ticket());
        let held = cache.slots[0].lock().unwrap();
        assert_eq!(cache.get("ada", "x", 100, R), None);
        drop(held);
        assert!(cache.get("ada", "x", 100, R).is_some());
    }

    #[test]
    fn no_slots_remember_nothing() {
        let cache = LookupCache::new(0);
        cache.put("ada", Some("x"), 100, cache.ticket());
        cache.forget("ada");
        assert_eq!(cache.get("ada", "x", 100, R), None);
    }
}
