//! The key ring: numbered 256-bit keys, the first of which seals and all of which open.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::Error;
use crate::cipher::{Cipher, KEY_LEN};
use crate::open_cache::OpenCache;

/// One key of the ring as it appears in configuration: a numeric id and 32 bytes in base64url.
///
/// Its `Debug` output never shows the key material, and the string is zeroized on drop.
///
/// ```
/// use rocket_sealed::KeyConfig;
///
/// let k = KeyConfig::new(1, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
/// assert_eq!(format!("{k:?}"), "KeyConfig { id: 1, key: <redacted> }");
/// ```
#[derive(Clone, Deserialize, Serialize, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// The key's id, written into every cookie it seals. Ids must be unique within a ring.
    #[zeroize(skip)]
    pub id: u32,
    /// 32 bytes, base64url (padding optional).
    pub key: String,
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
    /// let text = URL_SAFE_NO_PAD.encode([7u8; 32]);
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
        }
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
        KeyConfig {
            id,
            key: URL_SAFE_NO_PAD.encode(*bytes),
        }
    }
}

impl fmt::Debug for KeyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyConfig {{ id: {}, key: <redacted> }}", self.id)
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

/// A usable key: its id and a ready cipher instance (built once, reused for every message).
pub(crate) struct Key {
    pub(crate) id: u32,
    pub(crate) cipher: Cipher,
}

/// An ordered set of keys. The first key seals; every key opens.
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
    recent: OpenCache,
    /// Values the cipher ran on, authenticated or not (the `decrypted` counter).
    decrypted: Arc<AtomicU64>,
}

impl KeyRing {
    /// Builds a ring from configured keys, in order. Fails on an empty list, a duplicate id,
    /// text that is not base64url, or a key that is not exactly 32 bytes.
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
    /// assert_eq!(field(&[old, short]), "sealed.keys[1] (id 3)");
    /// ```
    pub fn from_config(configs: &[KeyConfig]) -> Result<KeyRing, Error> {
        if configs.is_empty() {
            return Err(Error::config(
                "sealed.keys",
                "the key ring is empty; add at least one key (32 random bytes in base64url, as \
                 `openssl rand -base64 32 | tr '+/' '-_' | tr -d =` or `KeyConfig::generate` \
                 make)",
            ));
        }
        let mut keys: Vec<Key> = Vec::with_capacity(configs.len());
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
            keys.push(Key::new(config.id, &decoded));
        }
        Ok(KeyRing {
            keys,
            recent: OpenCache::off(),
            decrypted: Arc::default(),
        })
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
            recent: OpenCache::off(),
            decrypted: Arc::default(),
        }
    }

    /// The id of the key that seals.
    ///
    /// It is the first key's, whatever the ids: a rotation puts the new key first.
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
        self.keys[0].id
    }

    /// The ids in ring order.
    ///
    /// These are the keys a cookie may be sealed with and still open.
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

    pub(crate) fn sealing_key(&self) -> &Key {
        &self.keys[0]
    }

    /// The key with this id and whether it is the sealing key.
    pub(crate) fn find(&self, id: u32) -> Option<(&Key, bool)> {
        self.keys
            .iter()
            .enumerate()
            .find(|(_, k)| k.id == id)
            .map(|(i, k)| (k, i == 0))
    }
}

impl Key {
    fn new(id: u32, bytes: &[u8]) -> Key {
        let key: Zeroizing<[u8; KEY_LEN]> =
            Zeroizing::new(bytes.try_into().expect("length checked by the caller"));
        Key {
            id,
            cipher: Cipher::new(&key),
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
