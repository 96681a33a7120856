//! Wire format version 1: the sealed envelope.
//!
//! ```text
//! cookie value = base64url-no-pad( 0x01 | key_id (u32 BE) | nonce (24) | ciphertext | tag (16) )
//! AAD          = "rocket_sealed" | 0x01 | key_id (u32 BE) | cookie name
//! plaintext    = postcard(Envelope)
//! ```
//!
//! The cookie name in the AAD binds a value to its slot: a TempData cookie pasted into the
//! Session cookie fails to open. There is deliberately no compression (CRIME/BREACH).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::cipher::{NONCE_LEN, TAG_LEN};
use crate::keys::KeyRing;
use crate::{Error, Malformed, Rejection};

/// The format version this build writes and reads.
pub const VERSION: u8 = 1;
/// A fixed label that starts every AAD, so our values cannot be confused with another
/// protocol's under the same key.
const AAD_LABEL: &[u8] = b"rocket_sealed";
const HEADER_LEN: usize = 1 + 4 + NONCE_LEN;
/// Bytes a sealed value adds to its plaintext before base64.
pub const OVERHEAD: usize = HEADER_LEN + TAG_LEN;

/// The decrypted content of a store's cookie.
///
/// Entries stay as postcard bytes so a value is only decoded when a handler asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Envelope {
    /// When the store was created (unix seconds).
    pub issued_at: u64,
    /// When the store was last sealed (unix seconds); the idle timeout counts from here.
    pub refreshed_at: u64,
    /// The session id (Session only).
    pub session_id: Option<[u8; 16]>,
    /// Entry name and postcard-encoded value, in name order. Values are written as byte
    /// strings (a length and the bytes, the same postcard bytes as a `Vec<u8>`) so encoding
    /// is one copy rather than one serde call per byte.
    #[serde(with = "entries")]
    pub entries: Vec<(String, Vec<u8>)>,
}

/// The result of opening a sealed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The decrypted envelope.
    pub envelope: Envelope,
    /// The id of the key that opened it.
    pub key_id: u32,
    /// `true` when that key is not the ring's first: the value should be re-sealed.
    pub needs_reseal: bool,
}

/// Length of the base64url text that sealing `plaintext_len` bytes produces.
///
/// ```
/// use rocket_sealed::seal::sealed_len;
/// assert_eq!(sealed_len(0), 60); // 45 bytes of header and tag, in base64url
/// ```
pub fn sealed_len(plaintext_len: usize) -> usize {
    let raw = plaintext_len + OVERHEAD;
    raw / 3 * 4 + [0, 2, 3][raw % 3]
}

/// Calls `f` with the AAD, built on the stack for cookie names up to 64 bytes.
fn with_aad<R>(key_id: u32, cookie_name: &str, f: impl FnOnce(&[u8]) -> R) -> R {
    const PREFIX: usize = AAD_LABEL.len() + 1 + 4;
    let mut stack = [0u8; PREFIX + 64];
    let mut heap = Vec::new();
    let len = PREFIX + cookie_name.len();
    let aad = if len <= stack.len() {
        &mut stack[..len]
    } else {
        heap.resize(len, 0);
        &mut heap[..]
    };
    aad[..AAD_LABEL.len()].copy_from_slice(AAD_LABEL);
    aad[AAD_LABEL.len()] = VERSION;
    aad[AAD_LABEL.len() + 1..PREFIX].copy_from_slice(&key_id.to_be_bytes());
    aad[PREFIX..].copy_from_slice(cookie_name.as_bytes());
    f(aad)
}

/// An upper bound of an envelope's postcard length, so the buffer is allocated once.
fn max_plaintext_len(envelope: &Envelope) -> usize {
    const VARINT: usize = 10;
    let entries: usize = envelope
        .entries
        .iter()
        .map(|(name, value)| 2 * VARINT + name.len() + value.len())
        .sum();
    3 * VARINT + 1 + 16 + entries
}

/// Seals an envelope for the cookie `cookie_name` with the ring's first key.
///
/// ```
/// use rocket_sealed::seal::{open, seal, Envelope};
/// use rocket_sealed::{KeyConfig, KeyRing};
///
/// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
/// let env = Envelope { issued_at: 1, refreshed_at: 1, session_id: None, entries: vec![] };
/// let value = seal(&ring, "sealed_session", &env).unwrap();
/// assert_eq!(open(&ring, "sealed_session", &value, 4096).unwrap().envelope, env);
/// assert!(open(&ring, "sealed_tempdata", &value, 4096).is_err());
/// ```
pub fn seal(ring: &KeyRing, cookie_name: &str, envelope: &Envelope) -> Result<String, Error> {
    let key = ring.sealing_key();
    let mut buf = Vec::with_capacity(HEADER_LEN + max_plaintext_len(envelope) + TAG_LEN);
    buf.push(VERSION);
    buf.extend_from_slice(&key.id.to_be_bytes());
    buf.extend_from_slice(&crate::random::nonce());
    let mut buf = postcard::to_extend(envelope, buf).map_err(|e| Error::Encode {
        key: "<envelope>".into(),
        reason: e.to_string(),
    })?;
    let (header, body) = buf.split_at_mut(HEADER_LEN);
    let nonce: &[u8; NONCE_LEN] = header[5..].try_into().expect("24-byte nonce slice");
    let tag = with_aad(key.id, cookie_name, |aad| {
        key.cipher.seal_in_place(nonce, aad, body)
    })
    .map_err(|_| Error::Encode {
        key: "<envelope>".into(),
        reason: "the envelope is too long for the cipher".into(),
    })?;
    buf.extend_from_slice(&tag);
    Ok(URL_SAFE_NO_PAD.encode(&buf))
}

/// Opens a sealed value meant for `cookie_name`. Never panics, whatever the input.
///
/// `max_len` bounds the text before any work is done on it.
pub fn open(
    ring: &KeyRing,
    cookie_name: &str,
    value: &str,
    max_len: usize,
) -> Result<Opened, Rejection> {
    if value.len() > max_len {
        return Err(Malformed::TooLong.into());
    }
    let mut raw = URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| Malformed::NotBase64)?;
    // The decrypted bytes are not wiped: the same plaintext lives on, unwiped, in the
    // envelope's entries and the handler's values for the rest of the request, so wiping this
    // one copy (byte by byte, about 8 % of an open) would protect nothing.
    open_raw(ring, cookie_name, &mut raw)
}

fn open_raw(ring: &KeyRing, cookie_name: &str, raw: &mut [u8]) -> Result<Opened, Rejection> {
    if raw.len() < OVERHEAD {
        return Err(Malformed::TooShort.into());
    }
    if raw[0] != VERSION {
        return Err(Rejection::WrongVersion { found: raw[0] });
    }
    let key_id = u32::from_be_bytes([raw[1], raw[2], raw[3], raw[4]]);
    let (key, is_first) = ring.find(key_id).ok_or(Rejection::UnknownKey { key_id })?;
    let (header, rest) = raw.split_at_mut(HEADER_LEN);
    let (body, tag) = rest.split_at_mut(rest.len() - TAG_LEN);
    let nonce: &[u8; NONCE_LEN] = header[5..].try_into().map_err(|_| Malformed::TooShort)?;
    let tag: &[u8; TAG_LEN] = (&*tag).try_into().map_err(|_| Malformed::TooShort)?;
    with_aad(key_id, cookie_name, |aad| {
        key.cipher.open_in_place(nonce, aad, body, tag)
    })
    .map_err(|_| Rejection::Tampered)?;
    let envelope = match postcard::take_from_bytes::<Envelope>(body) {
        Ok((envelope, [])) => envelope,
        _ => return Err(Malformed::BadEnvelope.into()),
    };
    Ok(Opened {
        envelope,
        key_id,
        needs_reseal: !is_first,
    })
}

/// Entries with their values as byte strings. serde's `Vec<u8>` goes through the seq path,
/// one call per byte each way (about 1.5 ns a byte); as bytes it is one copy. postcard writes
/// both the same way (a varint length, then the bytes), so the wire format does not change.
mod entries {
    use std::fmt;

    use serde::de::{Deserializer, SeqAccess, Visitor};
    use serde::ser::Serializer;
    use serde::{Deserialize, Serialize};

    struct Bytes<'a>(&'a [u8]);

    impl Serialize for Bytes<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_bytes(self.0)
        }
    }

    struct ByteBuf(Vec<u8>);

    impl<'de> Deserialize<'de> for ByteBuf {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct BytesVisitor;
            impl<'de> Visitor<'de> for BytesVisitor {
                type Value = ByteBuf;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a byte string")
                }
                fn visit_bytes<E>(self, v: &[u8]) -> Result<ByteBuf, E> {
                    Ok(ByteBuf(v.to_vec()))
                }
                fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<ByteBuf, E> {
                    Ok(ByteBuf(v))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ByteBuf, A::Error> {
                    let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                    while let Some(b) = seq.next_element()? {
                        v.push(b);
                    }
                    Ok(ByteBuf(v))
                }
            }
            deserializer.deserialize_byte_buf(BytesVisitor)
        }
    }

    pub(super) fn serialize<S: Serializer>(
        entries: &[(String, Vec<u8>)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(entries.iter().map(|(k, v)| (k, Bytes(v))))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<(String, Vec<u8>)>, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Vec<(String, Vec<u8>)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence of (name, bytes)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                // The hint comes from untrusted (if authenticated) input: cap the reservation.
                let mut entries = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
                while let Some((name, ByteBuf(value))) = seq.next_element::<(String, ByteBuf)>()? {
                    entries.push((name, value));
                }
                Ok(entries)
            }
        }
        deserializer.deserialize_seq(EntriesVisitor)
    }

    #[cfg(test)]
    mod tests {
        use super::super::Envelope;
        use serde::{Deserialize, Serialize};

        /// The envelope as serde derives it with no attribute: the format written before.
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Plain {
            issued_at: u64,
            refreshed_at: u64,
            session_id: Option<[u8; 16]>,
            entries: Vec<(String, Vec<u8>)>,
        }

        #[test]
        fn bytes_encode_exactly_as_the_plain_derive() {
            for value_len in [0usize, 1, 127, 128, 300, 20_000] {
                let entries = vec![
                    ("a".to_string(), vec![0xee; value_len]),
                    ("b".repeat(200), (0..=255).collect()),
                ];
                let env = Envelope {
                    issued_at: 1,
                    refreshed_at: u64::MAX,
                    session_id: Some([9; 16]),
                    entries: entries.clone(),
                };
                let plain = Plain {
                    issued_at: 1,
                    refreshed_at: u64::MAX,
                    session_id: Some([9; 16]),
                    entries,
                };
                let ours = postcard::to_allocvec(&env).unwrap();
                assert_eq!(ours, postcard::to_allocvec(&plain).unwrap());
                assert_eq!(postcard::from_bytes::<Envelope>(&ours).unwrap(), env);
            }
        }
    }
}
