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

/// How far ahead of this server's clock a sealed timestamp may lie, in seconds, before the
/// cookie is refused with [`Rejection::ClockAhead`](crate::Rejection::ClockAhead).
///
/// A store's age is measured from the timestamps sealed into it, so a cookie sealed by a farm
/// member whose clock ran ahead (an NTP step, a restored VM snapshot) would otherwise look
/// fresh until this clock caught up, however long its timeouts. Clocks of a farm kept in step
/// by NTP differ by far less; the timeouts stretch by at most this much.
///
/// ```
/// use rocket_sealed::store::{SessionState, MAX_CLOCK_AHEAD_SECS};
/// use rocket_sealed::chunk::SentCookies;
/// use rocket_sealed::codec::StoreSpec;
/// use rocket_sealed::{Config, KeyConfig, KeyRing, Rejection, Status};
///
/// let config = Config::default();
/// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
/// let spec = StoreSpec { name: "sid".into(), ..config.session_spec(false) };
/// // Sealed by a clock at 10_000 ...
/// let mut session = SessionState::new(10_000, Status::New);
/// session.set("user", "ada").unwrap();
/// let nothing = SentCookies::collect("sid", []);
/// let commit = session.commit(&ring, &spec, &config.session, &nothing, 10_000).unwrap().unwrap();
/// let sent = SentCookies::collect("sid", commit.written.sent_back());
/// // ... opened by one a little behind it, and by one far behind it.
/// let behind = 10_000 - MAX_CLOCK_AHEAD_SECS;
/// assert!(SessionState::load(&ring, &spec, &config.session, &sent, behind).status().is_loaded());
/// let far_behind = SessionState::load(&ring, &spec, &config.session, &sent, behind - 1);
/// assert_eq!(
///     far_behind.status().rejection(),
///     Some(&Rejection::ClockAhead { ahead_secs: MAX_CLOCK_AHEAD_SECS + 1 })
/// );
/// ```
pub const MAX_CLOCK_AHEAD_SECS: u64 = 60;
