//! The key ring: numbered 256-bit keys, each with an optional activation and retirement date.
//! The newest activated key seals; every key opens until it retires.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::cipher::{Cipher, KEY_LEN};
use crate::open_cache::OpenCache;
use crate::{Clock, Error, SystemClock};

/// One key of the ring as it appears in configuration: a numeric id and 32 bytes in base64url.
///
/// Its `Debug` output never shows the key material, and the string is zeroized on drop.
///
/// ```
/// use rocket_sealed::KeyConfig;
///
/// let k = KeyConfig::generate(1);
/// assert_eq!(format!("{k:?}"), "KeyConfig { id: 1, key: <redacted> }");
/// ```
#[derive(Clone, Deserialize, Serialize, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// The key's id, written into every cookie it seals. Ids must be unique within a ring.
    #[zeroize(skip)]
    pub id: u32,
    /// 32 bytes, base64url (padding optional). Serialized as it is, so that a ring built in
    /// code can be merged into a figment; [`Sealed::config`](crate::Sealed::config) hands
    /// handlers a copy whose text is `<redacted>`.
    pub key: String,
    /// When the key starts to seal (RFC 3339, such as `2025-06-01T12:00:00Z`). It opens
    /// from the moment it is in the ring. None: it may seal at once, as the first key of a
    /// ring without dates does.
    #[zeroize(skip)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activates_at: Option<String>,
    /// When the key stops opening (RFC 3339). None: it opens as long as it is in the ring.
    #[zeroize(skip)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retires_at: Option<String>,
}

impl KeyConfig {
    /// A key entry from an id and its base64url text.
    ///
    /// Nothing is checked here; [`KeyRing::from_config`] checks the text.
    ///
    /// ```
    /// use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    /// use base64::Engine as _;
    /// use rocket_sealed::{KeyConfig, KeyRing};
    ///
    /// let text = URL_SAFE_NO_PAD.encode(std::array::from_fn::<u8, 32, _>(|i| 7 ^ i as u8));
    /// let key = KeyConfig::new(2, text.clone());
    /// assert_eq!((key.id, key.key.as_str()), (2, text.as_str()));
    /// assert!(KeyRing::from_config(&[key]).is_ok());
    /// // Padding is optional.
    /// assert!(KeyRing::from_config(&[KeyConfig::new(2, format!("{text}="))]).is_ok());
    ///
    /// // Any text makes an entry; the ring is what refuses it.
    /// let typo = KeyConfig::new(2, "not a key");
    /// assert!(KeyRing::from_config(&[typo]).is_err());
    /// ```
    pub fn new(id: u32, key: impl Into<String>) -> Self {
        KeyConfig {
            id,
            key: key.into(),
            activates_at: None,
            retires_at: None,
        }
    }

    /// The same key, set to start sealing at `when` (RFC 3339).
    ///
    /// ```
    /// use rocket_sealed::{KeyConfig, KeyRing, ManualClock};
    /// use std::sync::Arc;
    ///
    /// let old = KeyConfig::generate(1);
    /// let new = KeyConfig::generate(2).activating_at("2025-01-01T00:00:00Z");
    /// let clock = ManualClock::new(1_735_689_599); // a second before
    /// let ring = KeyRing::from_config_with_clock(&[old, new], Arc::new(clock.clone())).unwrap();
    /// assert_eq!(ring.sealing_key_id(), 1);
    /// clock.advance(1);
    /// assert_eq!(ring.sealing_key_id(), 2);
    /// ```
    pub fn activating_at(mut self, when: impl Into<String>) -> Self {
        self.activates_at = Some(when.into());
        self
    }

    /// The same key, set to stop opening at `when` (RFC 3339).
    ///
    /// ```
    /// use rocket_sealed::{KeyConfig, KeyRing, ManualClock};
    /// use std::sync::Arc;
    ///
    /// let old = KeyConfig::generate(1).retiring_at("2025-01-02T00:00:00Z");
    /// let new = KeyConfig::generate(2).activating_at("2025-01-01T00:00:00Z");
    /// let clock = ManualClock::new(1_735_776_000 - 1); // a second before retirement
    /// let ring = KeyRing::from_config_with_clock(&[old, new], Arc::new(clock.clone())).unwrap();
    /// assert_eq!(ring.opening_key_ids().collect::<Vec<_>>(), [1, 2]);
    /// clock.advance(1);
    /// assert_eq!(ring.opening_key_ids().collect::<Vec<_>>(), [2]);
    /// ```
    pub fn retiring_at(mut self, when: impl Into<String>) -> Self {
        self.retires_at = Some(when.into());
        self
    }

    /// A fresh key with 32 bytes from the operating system's random source.
    ///
    /// ```
    /// use rocket_sealed::{KeyConfig, KeyRing};
    ///
    /// let fresh = KeyConfig::generate(3);
    /// assert_eq!(fresh.id, 3);
    /// assert!(KeyRing::from_config(&[fresh]).is_ok());
    /// ```
    pub fn generate(id: u32) -> Self {
        let bytes = Zeroizing::new(random_key_bytes());
        KeyConfig::new(id, URL_SAFE_NO_PAD.encode(*bytes))
    }
}

impl fmt::Debug for KeyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyConfig {{ id: {}, key: <redacted>", self.id)?;
        if let Some(at) = &self.activates_at {
            write!(f, ", activates_at: {at}")?;
        }
        if let Some(at) = &self.retires_at {
            write!(f, ", retires_at: {at}")?;
        }
        f.write_str(" }")
    }
}

fn random_key_bytes() -> [u8; KEY_LEN] {
    use rand::TryRng as _;
    let mut bytes = [0u8; KEY_LEN];
    // The OS source directly (not a userspace generator): keys are long-lived.
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random source is unavailable");
    bytes
}

/// A usable key: its id, a ready cipher instance (built once, reused for every message), its
/// dates in unix seconds and its figures.
pub(crate) struct Key {
    pub(crate) id: u32,
    pub(crate) cipher: Cipher,
    activates_at: Option<i64>,
    retires_at: Option<i64>,
    pub(crate) stats: Arc<KeyStats>,
}

/// What a key has opened since launch; shared by the rings a reload builds, so that a
/// figure survives the key's ring being replaced.
#[derive(Default)]
pub(crate) struct KeyStats {
    opened: AtomicU64,
    resealed: AtomicU64,
    /// Unix seconds of the last open while another key sealed; 0 for never.
    last_old_open: AtomicU64,
}

impl KeyStats {
    /// Counts one value this key opened; `now` when it was not the sealing key.
    pub(crate) fn opened(&self, not_sealing_at: Option<u64>) {
        self.opened.fetch_add(1, Relaxed);
        if let Some(now) = not_sealing_at {
            self.resealed.fetch_add(1, Relaxed);
            self.last_old_open.fetch_max(now, Relaxed);
        }
    }
}

/// One key's dates and figures, from [`KeyRing::key_figures`].
///
/// ```
/// use rocket_sealed::{KeyConfig, KeyRing};
///
/// let ring = KeyRing::from_config(&[KeyConfig::generate(2), KeyConfig::generate(1)]).unwrap();
/// let figures = ring.key_figures();
/// assert_eq!((figures[0].id, figures[0].sealing), (2, true));
/// assert_eq!((figures[1].id, figures[1].sealing, figures[1].opens), (1, false, true));
/// assert_eq!((figures[1].opened, figures[1].last_old_open), (0, None));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyFigures {
    /// The key's id.
    pub id: u32,
    /// Whether it seals now.
    pub sealing: bool,
    /// Whether it opens now (it has not retired).
    pub opens: bool,
    /// When it starts to seal (unix seconds), if dated.
    pub activates_at: Option<i64>,
    /// When it stops opening (unix seconds), if dated.
    pub retires_at: Option<i64>,
    /// Values it opened since launch.
    pub opened: u64,
    /// Of those, values it opened while another key sealed: each is re-sealed with the
    /// sealing key when its store is written.
    pub resealed: u64,
    /// The last time (unix seconds) it opened a value while another key sealed.
    pub last_old_open: Option<u64>,
}

/// A set of keys: the newest activated key seals, every key opens until it retires.
///
/// Without dates the first key seals, as before dates existed. A key with `activates_at`
/// seals from then on if no key activated later; a key with `retires_at` stops opening then.
/// Times come from the ring's [`Clock`].
///
/// Build it from configuration; every mistake names the key and the reason. Key material is
/// zeroized on drop (the cipher instances wipe their copies) and never printed.
///
/// ```
/// use rocket_sealed::{KeyConfig, KeyRing};
///
/// let ring = KeyRing::from_config(&[KeyConfig::generate(2), KeyConfig::generate(1)]).unwrap();
/// assert_eq!(ring.sealing_key_id(), 2);
/// assert_eq!(ring.key_ids().collect::<Vec<_>>(), vec![2, 1]);
/// assert!(format!("{ring:?}").contains("redacted"));
///
/// let err = KeyRing::from_config(&[KeyConfig::new(1, "too-short")]).unwrap_err();
/// assert!(err.to_string().contains("keys[0]"));
/// ```
pub struct KeyRing {
    keys: Vec<Key>,
    /// Whether any key has a date: without, the first key seals and none retires.
    dated: bool,
    clock: RingClock,
    /// The application label in every AAD (empty: none).
    context: Box<[u8]>,
    recent: OpenCache,
    /// Values the cipher ran on, authenticated or not (the `decrypted` counter).
    decrypted: Arc<AtomicU64>,
}

/// The ring's clock. The ring only reads it, so a panic inside a clock leaves nothing of the
/// ring half-changed: the ring stays unwind-safe, as it was before it had a clock.
struct RingClock(Arc<dyn Clock>);

impl std::panic::RefUnwindSafe for RingClock {}
impl std::panic::UnwindSafe for RingClock {}

impl RingClock {
    fn now(&self) -> u64 {
        self.0.now()
    }
}

fn parse_date(field: &str, name: &str, text: &Option<String>) -> Result<Option<i64>, Error> {
    let Some(text) = text else { return Ok(None) };
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .map(|t| Some(t.unix_timestamp()))
        .map_err(|_| {
            Error::config(
                format!("{field}.{name}"),
                format!(
                    "`{text}` is not an RFC 3339 date and time (such as `2025-06-01T12:00:00Z`)"
                ),
            )
        })
}

/// A unix time as RFC 3339 (UTC), for messages.
pub(crate) fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("unix time {secs}"))
}

impl KeyRing {
    /// Builds a ring from configured keys, judging dates by the system clock. Fails on an
    /// empty list, a duplicate id, text that is not base64url, a key that is not exactly 32
    /// bytes or whose bytes are all the same, and on the date mistakes
    /// [`from_config_with_clock`](Self::from_config_with_clock) lists.
    ///
    /// ```
    /// use rocket_sealed::{Error, KeyConfig, KeyRing};
    ///
    /// let (new, old) = (KeyConfig::generate(2), KeyConfig::generate(1));
    /// let ring = KeyRing::from_config(&[new.clone(), old.clone()]).unwrap();
    /// assert_eq!(ring.key_ids().collect::<Vec<_>>(), [2, 1]);
    ///
    /// // Each mistake names the setting: the list, or the key by position and id.
    /// let field = |keys: &[KeyConfig]| match KeyRing::from_config(keys) {
    ///     Err(Error::Config { field, .. }) => field,
    ///     other => panic!("{other:?}"),
    /// };
    /// assert_eq!(field(&[]), "sealed.keys"); // no key at all
    /// assert_eq!(field(&[new.clone(), new]), "sealed.keys[1] (id 2)"); // id 2 twice
    /// let short = KeyConfig::new(3, "c2hvcnQ"); // base64url, but of 5 bytes
    /// assert_eq!(field(&[old.clone(), short]), "sealed.keys[1] (id 3)");
    /// // 32 zero bytes: a placeholder, not a key.
    /// let zeros = KeyConfig::new(4, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    /// assert_eq!(field(&[old, zeros]), "sealed.keys[1] (id 4)");
    /// ```
    pub fn from_config(configs: &[KeyConfig]) -> Result<KeyRing, Error> {
        KeyRing::from_config_with_clock(configs, Arc::new(SystemClock))
    }

    /// Builds a ring whose dates are judged by `clock`. On top of the checks of
    /// [`from_config`](Self::from_config), refuses: a date that is not RFC 3339, a key that
    /// retires at or before it activates, two keys that activate at the same instant, a key
    /// that retires while it still seals (no later key activated by then), and a ring in
    /// which no key seals now. Each message names the key.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rocket_sealed::{KeyConfig, KeyRing, ManualClock};
    ///
    /// let clock = Arc::new(ManualClock::new(1_735_689_600)); // 2025-01-01T00:00:00Z
    /// let soon = KeyConfig::generate(2).activating_at("2025-01-01T00:05:00Z");
    /// // Alone, a key that activates in five minutes leaves nothing to seal with now.
    /// let err = KeyRing::from_config_with_clock(&[soon.clone()], clock.clone()).unwrap_err();
    /// assert!(err.to_string().contains("no key seals now"), "{err}");
    /// // Beside the current key it is a scheduled rotation.
    /// let now = KeyConfig::generate(1).retiring_at("2025-01-02T00:05:00Z");
    /// let ring = KeyRing::from_config_with_clock(&[now, soon], clock).unwrap();
    /// assert_eq!(ring.sealing_key_id(), 1);
    /// ```
    pub fn from_config_with_clock(
        configs: &[KeyConfig],
        clock: Arc<dyn Clock>,
    ) -> Result<KeyRing, Error> {
        if configs.is_empty() {
            return Err(Error::config(
                "sealed.keys",
                "the key ring is empty; add at least one key (32 random bytes in base64url, as \
                 `openssl rand -base64 32 | tr '+/' '-_' | tr -d =` or `KeyConfig::generate` \
                 make)",
            ));
        }
        let mut keys: Vec<Key> = Vec::with_capacity(configs.len());
        let mut fields = Vec::with_capacity(configs.len());
        for (index, config) in configs.iter().enumerate() {
            let field = format!("sealed.keys[{index}] (id {})", config.id);
            if keys.iter().any(|k| k.id == config.id) {
                return Err(Error::config(
                    field,
                    format!(
                        "key id {} appears more than once; ids must be unique",
                        config.id
                    ),
                ));
            }
            // Padding is optional; more than base64's two `=` is not padding.
            let text = config.key.trim();
            let text = text
                .strip_suffix("==")
                .or_else(|| text.strip_suffix('='))
                .unwrap_or(text);
            let decoded = Zeroizing::new(
                URL_SAFE_NO_PAD
                    .decode(text)
                    .map_err(|e| Error::config(&field, not_base64url(&e)))?,
            );
            if decoded.len() != KEY_LEN {
                return Err(Error::config(
                    field,
                    format!(
                        "the key decodes to {} bytes; it must be exactly {KEY_LEN}",
                        decoded.len()
                    ),
                ));
            }
            if decoded.iter().all(|b| *b == decoded[0]) {
                return Err(Error::config(
                    field,
                    "the key's 32 bytes are all the same: a placeholder, not a key; make one \
                     from a random source (`KeyConfig::generate`, or `openssl rand -base64 32 | \
                     tr '+/' '-_' | tr -d =`)",
                ));
            }
            let activates_at = parse_date(&field, "activates_at", &config.activates_at)?;
            let retires_at = parse_date(&field, "retires_at", &config.retires_at)?;
            if let (Some(a), Some(r)) = (activates_at, retires_at)
                && r <= a
            {
                return Err(Error::config(
                    field,
                    format!(
                        "retires_at ({}) is not after activates_at ({}): the key would never \
                         seal",
                        rfc3339(r),
                        rfc3339(a)
                    ),
                ));
            }
            let mut key = Key::new(config.id, &decoded);
            key.activates_at = activates_at;
            key.retires_at = retires_at;
            keys.push(key);
            fields.push(field);
        }
        let dated = keys
            .iter()
            .any(|k| k.activates_at.is_some() || k.retires_at.is_some());
        let ring = KeyRing {
            keys,
            dated,
            clock: RingClock(clock),
            context: Box::default(),
            recent: OpenCache::off(),
            decrypted: Arc::default(),
        };
        ring.check_dates(&fields)?;
        Ok(ring)
    }

    /// The date rules that involve more than one key.
    fn check_dates(&self, fields: &[String]) -> Result<(), Error> {
        if !self.dated {
            return Ok(());
        }
        for (i, key) in self.keys.iter().enumerate() {
            if let Some(at) = key.activates_at
                && let Some(j) = self.keys[..i]
                    .iter()
                    .position(|k| k.activates_at == Some(at))
            {
                return Err(Error::config(
                    &fields[i],
                    format!(
                        "key {} and key {} both activate at {}; which one seals would be a guess",
                        self.keys[j].id,
                        key.id,
                        rfc3339(at)
                    ),
                ));
            }
        }
        let now = clamp(self.clock.now());
        for (i, key) in self.keys.iter().enumerate() {
            if let Some(r) = key.retires_at
                && r > now
                && self.sealing_index_at(r - 1) == Some(i)
            {
                return Err(Error::config(
                    &fields[i],
                    format!(
                        "key {} retires at {} while it still seals: add a key that activates \
                         before then",
                        key.id,
                        rfc3339(r)
                    ),
                ));
            }
        }
        if self.sealing_index_at(now).is_none() {
            let states: Vec<String> = self
                .keys
                .iter()
                .map(|k| match (k.activates_at, k.retires_at) {
                    (_, Some(r)) if r <= now => format!("key {} retired at {}", k.id, rfc3339(r)),
                    (Some(a), _) => format!("key {} activates at {}", k.id, rfc3339(a)),
                    _ => format!("key {}", k.id),
                })
                .collect();
            return Err(Error::config(
                "sealed.keys",
                format!("no key seals now ({}): {}", rfc3339(now), states.join(", ")),
            ));
        }
        Ok(())
    }

    /// Warnings about retirements that come before every cookie a key sealed has expired:
    /// a key stops sealing when the next key activates, and the cookies it sealed just before
    /// then live `longest_life` seconds more.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rocket_sealed::{KeyConfig, KeyRing, ManualClock};
    ///
    /// let clock = Arc::new(ManualClock::new(1_735_689_600)); // 2025-01-01T00:00:00Z
    /// let old = KeyConfig::generate(1).retiring_at("2025-01-01T00:30:00Z");
    /// let new = KeyConfig::generate(2).activating_at("2025-01-01T00:10:00Z");
    /// let ring = KeyRing::from_config_with_clock(&[old, new], clock).unwrap();
    /// // Cookies that live 20 minutes fit between 00:10 and 00:30; cookies that live a day do not.
    /// assert!(ring.retirement_warnings(20 * 60).is_empty());
    /// let warnings = ring.retirement_warnings(86_400);
    /// assert!(warnings[0].starts_with("sealed.keys[0] (id 1)"), "{warnings:?}");
    /// assert!(warnings[0].contains("2025-01-02T00:10:00Z"), "{warnings:?}");
    /// ```
    pub fn retirement_warnings(&self, longest_life: u64) -> Vec<String> {
        let life = i64::try_from(longest_life).unwrap_or(i64::MAX);
        let mut out = Vec::new();
        for (index, key) in self.keys.iter().enumerate() {
            let Some(r) = key.retires_at else { continue };
            let from = key.activates_at.unwrap_or(i64::MIN);
            let Some((next, at)) = self
                .keys
                .iter()
                .filter_map(|k| Some((k.id, k.activates_at?)))
                .filter(|(_, a)| *a > from)
                .min_by_key(|(_, a)| *a)
            else {
                continue;
            };
            let safe = at.saturating_add(life);
            if r < safe {
                out.push(format!(
                    "sealed.keys[{index}] (id {}): retires at {}, before every cookie it sealed \
                     has expired (key {next} takes over sealing at {}, and cookies live up to \
                     {longest_life} s): retire it at {} or later, or those users start fresh \
                     sessions",
                    key.id,
                    rfc3339(r),
                    rfc3339(at),
                    rfc3339(safe)
                ));
            }
        }
        out
    }

    /// A ring of one random key, for development only: cookies sealed with it die with the
    /// process and are not shared with any other instance.
    ///
    /// ```
    /// use rocket_sealed::KeyRing;
    ///
    /// let ring = KeyRing::ephemeral();
    /// assert_eq!(ring.key_ids().collect::<Vec<_>>(), vec![0]);
    /// ```
    pub fn ephemeral() -> KeyRing {
        let bytes = Zeroizing::new(random_key_bytes());
        KeyRing {
            keys: vec![Key::new(0, &*bytes)],
            dated: false,
            clock: RingClock(Arc::new(SystemClock)),
            context: Box::default(),
            recent: OpenCache::off(),
            decrypted: Arc::default(),
        }
    }

    /// The same ring with `context`, an application label, in the AAD of everything it seals
    /// and opens: a value sealed under another label does not open, even with the same key.
    /// Empty (the default) adds nothing, so values sealed before labels existed still open.
    ///
    /// ```
    /// use rocket_sealed::seal::{open, seal, Envelope};
    /// use rocket_sealed::{KeyConfig, KeyRing, Rejection};
    ///
    /// let key = KeyConfig::generate(1);
    /// let staging = KeyRing::from_config(&[key.clone()]).unwrap().with_context("shop-staging");
    /// let prod = KeyRing::from_config(&[key.clone()]).unwrap().with_context("shop-prod");
    /// let value = seal(&staging, "s", &Envelope::default()).unwrap();
    /// assert_eq!(open(&prod, "s", &value, 4096).unwrap_err(), Rejection::Tampered);
    /// assert!(open(&staging, "s", &value, 4096).is_ok());
    /// ```
    pub fn with_context(mut self, context: &str) -> KeyRing {
        self.context = context.as_bytes().into();
        self
    }

    /// The application label in the AAD.
    pub(crate) fn context(&self) -> &[u8] {
        &self.context
    }

    /// The id of the key that seals now.
    ///
    /// Without dates it is the first key's, whatever the ids: a static rotation puts the new
    /// key first. With dates it is the newest key whose activation has passed.
    ///
    /// ```
    /// use rocket_sealed::seal::{open, seal, Envelope};
    /// use rocket_sealed::{KeyConfig, KeyRing};
    ///
    /// let (old, new) = (KeyConfig::generate(7), KeyConfig::generate(3));
    /// let ring = KeyRing::from_config(&[new, old]).unwrap();
    /// assert_eq!(ring.sealing_key_id(), 3);
    ///
    /// let value = seal(&ring, "s", &Envelope::default()).unwrap();
    /// assert_eq!(open(&ring, "s", &value, 4096).unwrap().key_id, ring.sealing_key_id());
    /// ```
    pub fn sealing_key_id(&self) -> u32 {
        self.sealing_key().id
    }

    /// The ids in ring order, retired keys included.
    ///
    /// ```
    /// use rocket_sealed::seal::{open, seal, Envelope};
    /// use rocket_sealed::{KeyConfig, KeyRing, Rejection};
    ///
    /// let keys = [KeyConfig::generate(5), KeyConfig::generate(9), KeyConfig::generate(1)];
    /// let ring = KeyRing::from_config(&keys).unwrap();
    /// assert_eq!(ring.key_ids().collect::<Vec<_>>(), [5, 9, 1]);
    ///
    /// // A cookie sealed with a key that is not in the list is refused.
    /// let dropped = KeyRing::from_config(&[KeyConfig::generate(4)]).unwrap();
    /// let value = seal(&dropped, "s", &Envelope::default()).unwrap();
    /// assert!(!ring.key_ids().any(|id| id == 4));
    /// let refused = open(&ring, "s", &value, 4096).unwrap_err();
    /// assert_eq!(refused, Rejection::UnknownKey { key_id: 4 });
    /// ```
    pub fn key_ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.keys.iter().map(|k| k.id)
    }

    /// The ids of the keys that open now (not retired), in ring order.
    ///
    /// ```
    /// use rocket_sealed::{KeyConfig, KeyRing};
    ///
    /// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// assert_eq!(ring.opening_key_ids().collect::<Vec<_>>(), [1]);
    /// ```
    pub fn opening_key_ids(&self) -> impl Iterator<Item = u32> + '_ {
        let now = clamp(self.clock.now());
        self.keys
            .iter()
            .filter(move |k| opens_at(k, now))
            .map(|k| k.id)
    }

    /// Each key's dates, whether it seals and opens now, and what it opened since launch.
    ///
    /// ```
    /// use rocket_sealed::seal::{open, seal, Envelope};
    /// use rocket_sealed::{KeyConfig, KeyRing};
    ///
    /// let (old, new) = (KeyConfig::generate(1), KeyConfig::generate(2));
    /// let value = seal(&KeyRing::from_config(&[old.clone()]).unwrap(), "s", &Envelope::default()).unwrap();
    /// let ring = KeyRing::from_config(&[new, old]).unwrap();
    /// open(&ring, "s", &value, 4096).unwrap();
    /// let figures = ring.key_figures();
    /// assert_eq!((figures[1].id, figures[1].opened, figures[1].resealed), (1, 1, 1));
    /// assert!(figures[1].last_old_open.is_some());
    /// ```
    pub fn key_figures(&self) -> Vec<KeyFigures> {
        let now = clamp(self.clock.now());
        let sealing = self.sealing_index_at(now);
        self.keys
            .iter()
            .enumerate()
            .map(|(i, k)| KeyFigures {
                id: k.id,
                sealing: sealing == Some(i),
                opens: opens_at(k, now),
                activates_at: k.activates_at,
                retires_at: k.retires_at,
                opened: k.stats.opened.load(Relaxed),
                resealed: k.stats.resealed.load(Relaxed),
                last_old_open: match k.stats.last_old_open.load(Relaxed) {
                    0 => None,
                    t => Some(t),
                },
            })
            .collect()
    }

    /// The time by the ring's clock.
    pub(crate) fn now(&self) -> u64 {
        self.clock.now()
    }

    /// The same ring keeping the figures of `older`'s keys with the same ids.
    pub(crate) fn with_figures_of(mut self, older: &KeyRing) -> KeyRing {
        for key in &mut self.keys {
            if let Some(old) = older.keys.iter().find(|k| k.id == key.id) {
                key.stats = Arc::clone(&old.stats);
            }
        }
        self
    }

    /// The same ring remembering values it opens or seals in `slots` slots (0: none),
    /// counting the values it finds there in `hits`.
    pub(crate) fn with_open_cache(mut self, slots: usize, hits: Arc<AtomicU64>) -> KeyRing {
        self.recent = OpenCache::new(slots, hits);
        self
    }

    /// The same ring counting in `count` every value it runs the cipher on to open.
    pub(crate) fn counting_decryptions(mut self, count: Arc<AtomicU64>) -> KeyRing {
        self.decrypted = count;
        self
    }

    /// Notes that the cipher is about to run on a value to open it.
    pub(crate) fn note_decryption(&self) {
        self.decrypted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// What this ring remembers of values it opened.
    pub(crate) fn recent(&self) -> &OpenCache {
        &self.recent
    }

    /// The key that seals now. A ring that passed validation always has one from then on;
    /// a clock set back before every activation falls back to the first key.
    pub(crate) fn sealing_key(&self) -> &Key {
        if !self.dated {
            return &self.keys[0];
        }
        let index = self.sealing_index_at(clamp(self.clock.now())).unwrap_or(0);
        &self.keys[index]
    }

    /// The index of the key that seals at `now`: of the keys activated and not retired, the
    /// one activated last (an undated key counts as activated forever ago); the earlier in
    /// the ring on a tie.
    fn sealing_index_at(&self, now: i64) -> Option<usize> {
        let mut best: Option<(usize, i64)> = None;
        for (i, k) in self.keys.iter().enumerate() {
            let from = k.activates_at.unwrap_or(i64::MIN);
            if from > now || !opens_at(k, now) {
                continue;
            }
            if best.is_none_or(|(_, b)| from > b) {
                best = Some((i, from));
            }
        }
        best.map(|(i, _)| i)
    }

    /// The key with this id if it opens now, and whether it is the sealing key.
    pub(crate) fn find(&self, id: u32) -> Option<(&Key, bool)> {
        if !self.dated {
            return self
                .keys
                .iter()
                .enumerate()
                .find(|(_, k)| k.id == id)
                .map(|(i, k)| (k, i == 0));
        }
        let now = clamp(self.clock.now());
        let (i, key) = self
            .keys
            .iter()
            .enumerate()
            .find(|(_, k)| k.id == id)
            .filter(|(_, k)| opens_at(k, now))?;
        Some((key, self.sealing_index_at(now) == Some(i)))
    }
}

/// Whether `key` opens at `now`: it has not retired.
fn opens_at(key: &Key, now: i64) -> bool {
    key.retires_at.is_none_or(|r| now < r)
}

fn clamp(now: u64) -> i64 {
    i64::try_from(now).unwrap_or(i64::MAX)
}

impl Key {
    fn new(id: u32, bytes: &[u8]) -> Key {
        let key: Zeroizing<[u8; KEY_LEN]> =
            Zeroizing::new(bytes.try_into().expect("length checked by the caller"));
        Key {
            id,
            cipher: Cipher::new(&key),
            activates_at: None,
            retires_at: None,
            stats: Arc::default(),
        }
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("ids", &self.key_ids().collect::<Vec<_>>())
            .field("keys", &"<redacted>")
            .finish()
    }
}

/// Why a key is not base64url, without the character that is wrong: the rest of the text is
/// a key (or almost one).
fn not_base64url(e: &base64::DecodeError) -> String {
    use base64::DecodeError::*;
    let why = match e {
        InvalidByte(offset, _) => format!(
            "character {} is not in the base64url alphabet (A-Z, a-z, 0-9, '-', '_')",
            offset + 1
        ),
        InvalidLength(_) => "its length is not that of base64 text".to_owned(),
        InvalidLastSymbol(..) => "its last character does not end base64 text".to_owned(),
        InvalidPadding => "its padding is wrong".to_owned(),
    };
    format!("the key is not valid base64url: {why}")
}
