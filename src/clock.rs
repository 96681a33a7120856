//! Where "now" comes from. Expiry is computed from sealed timestamps against this clock, so
//! tests can move time without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time in unix seconds.
///
/// ```
/// use rocket_sealed::{Clock, SystemClock};
/// assert!(SystemClock.now() > 1_600_000_000);
/// ```
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the unix epoch.
    fn now(&self) -> u64;
}

/// The system's wall clock; the fairing's default.
///
/// ```
/// use rocket_sealed::{Clock, Sealed, SystemClock};
///
/// let (a, b) = (SystemClock.now(), SystemClock.now());
/// assert!(a > 1_600_000_000 && b >= a);
/// // Explicitly, what `Sealed::fairing()` uses anyway.
/// let rocket = rocket::build().attach(Sealed::fairing().with_clock(SystemClock));
/// let client = rocket::local::blocking::Client::tracked(rocket).unwrap();
/// assert!(client.rocket().state::<Sealed>().unwrap().now() >= b);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to; clones share the same time. For tests.
///
/// ```
/// use rocket_sealed::{Clock, ManualClock};
///
/// let clock = ManualClock::new(1_000);
/// let handle = clock.clone();
/// handle.advance(60);
/// assert_eq!(clock.now(), 1_060);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock stopped at `now` (unix seconds).
    ///
    /// ```
    /// use rocket_sealed::{Clock, ManualClock};
    ///
    /// let clock = ManualClock::new(1_700_000_000); // 2023-11-14 22:13:20 UTC
    /// assert_eq!(clock.now(), 1_700_000_000);
    ///
    /// // The default clock is stopped at the unix epoch.
    /// assert_eq!(ManualClock::default().now(), 0);
    /// ```
    pub fn new(now: u64) -> Self {
        ManualClock(Arc::new(AtomicU64::new(now)))
    }

    /// Moves the clock forward by `secs`.
    ///
    /// ```
    /// use rocket_sealed::{Clock, Config, ManualClock};
    ///
    /// let clock = ManualClock::new(1_000);
    /// clock.advance(60);
    /// clock.advance(60);
    /// assert_eq!(clock.now(), 1_120);
    ///
    /// // A test steps just past a timeout rather than waiting for it.
    /// let idle = Config::default().session.idle_timeout_secs;
    /// clock.advance(idle + 1);
    /// assert_eq!(clock.now(), 1_120 + 20 * 60 + 1);
    /// ```
    pub fn advance(&self, secs: u64) {
        // Saturating: a clock pushed past the end stays there rather than wrap to 1970.
        let _ = self
            .0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(secs))
            });
    }

    /// Sets the clock to `now`.
    ///
    /// ```
    /// use rocket_sealed::{Clock, ManualClock};
    ///
    /// let clock = ManualClock::new(1_000);
    /// clock.set(5_000);
    /// assert_eq!(clock.now(), 5_000);
    /// // Unlike `advance` it can go back: say, to play a server whose clock runs behind.
    /// clock.set(10);
    /// assert_eq!(clock.now(), 10);
    /// ```
    pub fn set(&self, now: u64) {
        self.0.store(now, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}
