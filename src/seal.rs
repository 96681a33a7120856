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
//!
//! ```
//! use rocket_sealed::seal::{open, seal, Envelope};
//! use rocket_sealed::{KeyConfig, KeyRing, Rejection};
//!
//! let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
//! let value = seal(&ring, "sealed_tempdata", &Envelope::default()).unwrap();
//! assert!(open(&ring, "sealed_tempdata", &value, 4096).is_ok());
//! assert_eq!(open(&ring, "sealed_session", &value, 4096).unwrap_err(), Rejection::Tampered);
//! ```

use std::borrow::Cow;

use base64_simd::URL_SAFE_NO_PAD;
use serde::de::DeserializeSeed as _;
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::cipher::{NONCE_LEN, TAG_LEN};
use crate::keys::KeyRing;
use crate::{Error, Malformed, Rejection};

/// The format version this build writes and reads: the first byte of every sealed value,
/// followed by the sealing key's id.
///
/// ```
/// use base64::Engine as _;
/// use rocket_sealed::seal::{seal, Envelope, VERSION};
/// use rocket_sealed::{KeyConfig, KeyRing};
///
/// let ring = KeyRing::from_config(&[KeyConfig::generate(7)]).unwrap();
/// let value = seal(&ring, "s", &Envelope::default()).unwrap();
/// let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&value).unwrap();
/// assert_eq!(raw[0], VERSION);
/// assert_eq!(raw[1..5], 7u32.to_be_bytes());
/// ```
pub const VERSION: u8 = 1;
/// A fixed label that starts every AAD, so our values cannot be confused with another
/// protocol's under the same key.
const AAD_LABEL: &[u8] = b"rocket_sealed";
const HEADER_LEN: usize = 1 + 4 + NONCE_LEN;
/// Bytes a sealed value adds to its plaintext before base64: version (1), key id (4), nonce
/// (24) and tag (16).
///
/// ```
/// use base64::Engine as _;
/// use rocket_sealed::seal::{seal, Envelope, OVERHEAD};
/// use rocket_sealed::{KeyConfig, KeyRing};
///
/// assert_eq!(OVERHEAD, 45);
/// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
/// let env = Envelope { entries: vec![("k".into(), vec![0; 100])], ..Envelope::default() };
/// let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
///     .decode(seal(&ring, "s", &env).unwrap())
///     .unwrap();
/// assert_eq!(raw.len(), postcard::to_allocvec(&env).unwrap().len() + OVERHEAD);
/// ```
pub const OVERHEAD: usize = HEADER_LEN + TAG_LEN;

/// The decrypted content of a store's cookie.
///
/// Entries stay as postcard bytes so a value is only decoded when a handler asks for it.
///
/// ```
/// use rocket_sealed::seal::{open, seal, Envelope};
/// use rocket_sealed::{KeyConfig, KeyRing};
///
/// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
/// let env = Envelope {
///     issued_at: 1_700_000_000,
///     refreshed_at: 1_700_000_600,
///     session_id: Some([9; 16]),
///     entries: vec![("a".into(), vec![1]), ("b".into(), vec![2, 3])],
/// };
/// let value = seal(&ring, "sealed_session", &env).unwrap();
/// let opened = open(&ring, "sealed_session", &value, 4096).unwrap().envelope;
/// assert_eq!(opened, env);
/// assert_eq!(Envelope::default().entries.len(), 0);
/// ```
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
///
/// ```
/// use rocket_sealed::seal::{open, seal, Envelope};
/// use rocket_sealed::{KeyConfig, KeyRing};
///
/// let (old, new) = (KeyConfig::generate(1), KeyConfig::generate(2));
/// let value = seal(&KeyRing::from_config(&[old.clone()]).unwrap(), "s", &Envelope::default()).unwrap();
///
/// // After a rotation key 2 seals, and key 1 still opens what it sealed.
/// let ring = KeyRing::from_config(&[new, old]).unwrap();
/// let opened = open(&ring, "s", &value, 4096).unwrap();
/// assert_eq!(opened.key_id, 1);
/// assert!(opened.needs_reseal);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The decrypted envelope.
    pub envelope: Envelope,
    /// The id of the key that opened it.
    pub key_id: u32,
    /// `true` when that key is not the ring's first: the value should be re-sealed.
    pub needs_reseal: bool,
}

/// A value that opened, not yet decoded: the decrypted bytes, so a store can keep its entries
/// as slices of them instead of copying each name and value out.
pub(crate) struct Plaintext {
    /// The decoded cookie value with its body decrypted in place (header and tag included).
    buf: Vec<u8>,
    pub(crate) key_id: u32,
    pub(crate) needs_reseal: bool,
}

/// An envelope's fields other than its entries.
pub(crate) struct EnvelopeFields {
    pub(crate) issued_at: u64,
    pub(crate) refreshed_at: u64,
    pub(crate) session_id: Option<[u8; 16]>,
}

impl Plaintext {
    /// Decodes the envelope in place: `entry` turns each name and value, borrowed from the
    /// buffer, into an element of the returned list, so a caller builds its own entries in
    /// one pass and one allocation. Anything that is not exactly one envelope is
    /// `BadEnvelope`.
    pub(crate) fn decode_with<'a, E>(
        &'a self,
        entry: impl FnMut(&'a str, &'a [u8]) -> E,
    ) -> Result<(EnvelopeFields, Vec<E>), Rejection> {
        let body = &self.buf[HEADER_LEN..self.buf.len() - TAG_LEN];
        let mut deserializer = postcard::Deserializer::from_bytes(body);
        match in_place::EnvelopeSeed(entry).deserialize(&mut deserializer) {
            Ok(decoded) if deserializer.finalize().is_ok_and(|rest| rest.is_empty()) => Ok(decoded),
            _ => Err(Malformed::BadEnvelope.into()),
        }
    }

    /// The envelope copied out into an owned [`Opened`], for callers that keep it.
    pub(crate) fn into_opened(self) -> Result<Opened, Rejection> {
        let (fields, entries) =
            self.decode_with(|name, value| (name.to_owned(), value.to_vec()))?;
        let envelope = Envelope {
            issued_at: fields.issued_at,
            refreshed_at: fields.refreshed_at,
            session_id: fields.session_id,
            entries,
        };
        Ok(Opened {
            envelope,
            key_id: self.key_id,
            needs_reseal: self.needs_reseal,
        })
    }

    /// The buffer the envelope's slices point into.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The buffer, for a store to keep.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// An entry's name and encoded value as a store seals them: borrowed where it can be.
pub(crate) type EntryRef<'a> = (&'a str, Cow<'a, [u8]>);

/// What a store seals, borrowed from it: the same bytes as an [`Envelope`] with these
/// fields, without copying the entries into one first.
pub(crate) struct EnvelopeView<'a> {
    pub(crate) issued_at: u64,
    pub(crate) refreshed_at: u64,
    pub(crate) session_id: Option<[u8; 16]>,
    /// In name order, names unique.
    pub(crate) entries: &'a [EntryRef<'a>],
}

impl Serialize for EnvelopeView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Field for field what `Envelope`'s derived impl writes (a test checks the bytes).
        let mut st = serializer.serialize_struct("Envelope", 4)?;
        st.serialize_field("issued_at", &self.issued_at)?;
        st.serialize_field("refreshed_at", &self.refreshed_at)?;
        st.serialize_field("session_id", &self.session_id)?;
        st.serialize_field(
            "entries",
            &entries::Seq(self.entries.iter().map(|(k, v)| (*k, &v[..]))),
        )?;
        st.end()
    }
}

impl EnvelopeView<'_> {
    /// The postcard length of this envelope, without writing it.
    pub(crate) fn encoded_len(&self) -> Result<usize, Error> {
        postcard::experimental::serialized_size(self).map_err(|e| Error::Encode {
            key: "<envelope>".into(),
            reason: e.to_string(),
        })
    }
}

/// Length of the base64url text that sealing `plaintext_len` bytes produces.
///
/// ```
/// use rocket_sealed::seal::sealed_len;
/// assert_eq!(sealed_len(0), 60); // 45 bytes of header and tag, in base64url
/// ```
pub fn sealed_len(plaintext_len: usize) -> usize {
    text_len(plaintext_len + OVERHEAD)
}

/// Length of the base64url text of `raw_len` sealed bytes.
pub(crate) fn text_len(raw_len: usize) -> usize {
    raw_len / 3 * 4 + [0, 2, 3][raw_len % 3]
}

/// Appends the base64url text of sealed bytes to `out`.
pub(crate) fn append_text(raw: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_append(raw, out);
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

/// An upper bound of the postcard length of an envelope with these entries' name and value
/// lengths, so the buffer is allocated once.
fn max_plaintext_len(entries: impl Iterator<Item = (usize, usize)>) -> usize {
    const VARINT: usize = 10;
    let entries: usize = entries.map(|(name, value)| 2 * VARINT + name + value).sum();
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
    Ok(URL_SAFE_NO_PAD.encode_to_string(seal_raw(ring, cookie_name, envelope)?.raw))
}

/// Sealed bytes before base64, and, when the ring remembers the values it seals, the
/// plaintext they open to (laid out as [`Plaintext`] keeps it).
pub(crate) struct SealedBytes {
    pub(crate) raw: Vec<u8>,
    pub(crate) plaintext: Option<Vec<u8>>,
}

/// [`seal`] before base64.
pub(crate) fn seal_raw(
    ring: &KeyRing,
    cookie_name: &str,
    envelope: &Envelope,
) -> Result<SealedBytes, Error> {
    let max_len = max_plaintext_len(envelope.entries.iter().map(|(k, v)| (k.len(), v.len())));
    seal_serialized(ring, cookie_name, envelope, max_len)
}

/// [`seal_raw`] for a store's borrowed view: the same bytes.
pub(crate) fn seal_view(
    ring: &KeyRing,
    cookie_name: &str,
    view: &EnvelopeView<'_>,
) -> Result<SealedBytes, Error> {
    let max_len = max_plaintext_len(view.entries.iter().map(|(k, v)| (k.len(), v.len())));
    seal_serialized(ring, cookie_name, view, max_len)
}

/// Seals the postcard encoding of `plaintext`, at most `max_len` bytes long.
fn seal_serialized(
    ring: &KeyRing,
    cookie_name: &str,
    plaintext: &impl Serialize,
    max_len: usize,
) -> Result<SealedBytes, Error> {
    let key = ring.sealing_key();
    let mut buf = Vec::with_capacity(HEADER_LEN + max_len + TAG_LEN);
    buf.push(VERSION);
    buf.extend_from_slice(&key.id.to_be_bytes());
    buf.extend_from_slice(&crate::random::nonce());
    let mut buf = postcard::to_extend(plaintext, buf).map_err(|e| Error::Encode {
        key: "<envelope>".into(),
        reason: e.to_string(),
    })?;
    let mut kept = ring.recent().is_on().then(|| {
        let mut copy = Vec::with_capacity(buf.len() + TAG_LEN);
        copy.extend_from_slice(&buf);
        copy
    });
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
    if let Some(copy) = &mut kept {
        copy.extend_from_slice(&tag);
    }
    Ok(SealedBytes {
        raw: buf,
        plaintext: kept,
    })
}

/// Opens a sealed value meant for `cookie_name`. Never panics, whatever the input.
///
/// `max_len` bounds the text before any work is done on it.
///
/// ```
/// use rocket_sealed::seal::{open, seal, Envelope};
/// use rocket_sealed::{KeyConfig, KeyRing, Malformed, Rejection};
///
/// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
/// let value = seal(&ring, "s", &Envelope::default()).unwrap();
/// assert!(open(&ring, "s", &value, 4096).is_ok());
///
/// // One character of the tag changed, and authentication fails.
/// let at = value.len() - 5;
/// let other = if &value[at..at + 1] == "A" { "B" } else { "A" };
/// let mut tampered = value.clone();
/// tampered.replace_range(at..at + 1, other);
/// assert_eq!(open(&ring, "s", &tampered, 4096).unwrap_err(), Rejection::Tampered);
/// // Longer than `max_len`: refused before decoding.
/// let too_long = open(&ring, "s", &value, 10).unwrap_err();
/// assert_eq!(too_long, Rejection::Malformed(Malformed::TooLong));
/// ```
pub fn open(
    ring: &KeyRing,
    cookie_name: &str,
    value: &str,
    max_len: usize,
) -> Result<Opened, Rejection> {
    open_plaintext(ring, cookie_name, value, max_len)?.into_opened()
}

/// Decrypts a sealed value meant for `cookie_name` without decoding its envelope.
pub(crate) fn open_plaintext(
    ring: &KeyRing,
    cookie_name: &str,
    value: &str,
    max_len: usize,
) -> Result<Plaintext, Rejection> {
    if value.len() > max_len {
        return Err(Malformed::TooLong.into());
    }
    if let Some((buf, key_id)) = ring.recent().get(cookie_name, value) {
        // The ring does not change, so the key is there; whether it seals is asked again.
        if let Some((_, is_first)) = ring.find(key_id) {
            return Ok(Plaintext {
                buf,
                key_id,
                needs_reseal: !is_first,
            });
        }
    }
    let mut raw = URL_SAFE_NO_PAD
        .decode_to_vec(value)
        .map_err(|_| Malformed::NotBase64)?;
    // The decrypted bytes are not wiped: the same plaintext lives on, unwiped, in the store's
    // entries and the handler's values for the rest of the request, so wiping this one copy
    // (byte by byte, about 8 % of an open) would protect nothing.
    let (key_id, needs_reseal) = decrypt_in_place(ring, cookie_name, &mut raw)?;
    ring.recent().put(cookie_name, value, &raw, key_id);
    Ok(Plaintext {
        buf: raw,
        key_id,
        needs_reseal,
    })
}

/// Checks and decrypts `raw` in place; the key id and whether it is not the ring's first.
fn decrypt_in_place(
    ring: &KeyRing,
    cookie_name: &str,
    raw: &mut [u8],
) -> Result<(u32, bool), Rejection> {
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
    Ok((key_id, !is_first))
}

/// The decoder behind [`Plaintext::decode_with`]: the fields of [`Envelope`] in the order its
/// derived impl reads them, with each entry handed to the caller's function as it is read.
mod in_place {
    use std::fmt;

    use serde::de::{DeserializeSeed, Deserializer, Error as _, SeqAccess, Visitor};

    use super::EnvelopeFields;

    const FIELDS: &[&str] = &["issued_at", "refreshed_at", "session_id", "entries"];

    pub(super) struct EnvelopeSeed<F>(pub(super) F);

    impl<'de, E, F: FnMut(&'de str, &'de [u8]) -> E> DeserializeSeed<'de> for EnvelopeSeed<F> {
        type Value = (EnvelopeFields, Vec<E>);

        fn deserialize<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_struct("Envelope", FIELDS, self)
        }
    }

    impl<'de, E, F: FnMut(&'de str, &'de [u8]) -> E> Visitor<'de> for EnvelopeSeed<F> {
        type Value = (EnvelopeFields, Vec<E>);

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an envelope")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let missing = |i| A::Error::invalid_length(i, &"an envelope of 4 fields");
            let issued_at = seq.next_element()?.ok_or_else(|| missing(0))?;
            let refreshed_at = seq.next_element()?.ok_or_else(|| missing(1))?;
            let session_id = seq.next_element()?.ok_or_else(|| missing(2))?;
            let entries = seq
                .next_element_seed(EntriesSeed(self.0))?
                .ok_or_else(|| missing(3))?;
            let fields = EnvelopeFields {
                issued_at,
                refreshed_at,
                session_id,
            };
            Ok((fields, entries))
        }
    }

    struct EntriesSeed<F>(F);

    impl<'de, E, F: FnMut(&'de str, &'de [u8]) -> E> DeserializeSeed<'de> for EntriesSeed<F> {
        type Value = Vec<E>;

        fn deserialize<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_seq(self)
        }
    }

    impl<'de, E, F: FnMut(&'de str, &'de [u8]) -> E> Visitor<'de> for EntriesSeed<F> {
        type Value = Vec<E>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a sequence of (name, bytes)")
        }

        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
            // The hint comes from untrusted (if authenticated) input: cap the reservation.
            let mut entries = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
            while let Some((name, value)) = seq.next_element::<(&'de str, &'de [u8])>()? {
                entries.push((self.0)(name, value));
            }
            Ok(entries)
        }
    }
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

    /// Entries as a sequence of (name, byte string), from any iterator over them.
    pub(super) struct Seq<I>(pub(super) I);

    impl<'a, I> Serialize for Seq<I>
    where
        I: Iterator<Item = (&'a str, &'a [u8])> + Clone,
    {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(self.0.clone().map(|(k, v)| (k, Bytes(v))))
        }
    }

    pub(super) fn serialize<S: Serializer>(
        entries: &[(String, Vec<u8>)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        Seq(entries.iter().map(|(k, v)| (k.as_str(), &v[..]))).serialize(serializer)
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

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as REFERENCE;
    use proptest::prelude::*;

    use super::{Envelope, EnvelopeView, HEADER_LEN, Plaintext, TAG_LEN, URL_SAFE_NO_PAD};

    // Cookie values are encoded and decoded with `base64-simd`; the `base64` crate is the
    // reference. Both must accept exactly the same texts (no padding, no whitespace, only the
    // URL-safe alphabet, zero trailing bits) and agree on every byte.
    proptest! {
        /// Stores seal a borrowed view of their entries; it must be the envelope's bytes.
        #[test]
        fn a_view_encodes_exactly_as_the_envelope(
            issued_at in any::<u64>(),
            refreshed_at in any::<u64>(),
            session_id in any::<Option<[u8; 16]>>(),
            entries in proptest::collection::vec(
                ("\\PC{0,8}", proptest::collection::vec(any::<u8>(), 0..300)),
                0..8,
            ),
        ) {
            let env = Envelope { issued_at, refreshed_at, session_id, entries };
            let borrowed: Vec<(&str, std::borrow::Cow<'_, [u8]>)> =
                env.entries.iter().map(|(k, v)| (k.as_str(), v[..].into())).collect();
            let view = EnvelopeView { issued_at, refreshed_at, session_id, entries: &borrowed };
            let bytes = postcard::to_allocvec(&view).unwrap();
            prop_assert_eq!(&bytes, &postcard::to_allocvec(&env).unwrap());
            prop_assert_eq!(view.encoded_len().unwrap(), bytes.len());
        }

        /// The in-place decoder the stores and `open` use accepts exactly what `Envelope`'s
        /// own `Deserialize` accepts, with the same content: on valid envelopes, on valid
        /// ones with a byte changed, cut short or extended, and on arbitrary bytes.
        #[test]
        fn the_in_place_decoder_agrees_with_the_envelope(
            env in (any::<u64>(), any::<u64>(), any::<Option<[u8; 16]>>(), proptest::collection::vec(
                ("\\PC{0,6}", proptest::collection::vec(any::<u8>(), 0..40)),
                0..5,
            )).prop_map(|(issued_at, refreshed_at, session_id, entries)| {
                Envelope { issued_at, refreshed_at, session_id, entries }
            }),
            change in 0usize..4,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            garbage in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut body = postcard::to_allocvec(&env).unwrap();
            match change {
                0 => {}
                1 => { let i = at.index(body.len()); body[i] = byte; }
                2 => body.truncate(at.index(body.len())),
                _ => body.extend_from_slice(&garbage),
            }
            for body in [body, garbage.clone()] {
                let mut buf = vec![0u8; HEADER_LEN];
                buf.extend_from_slice(&body);
                buf.extend_from_slice(&[0u8; TAG_LEN]);
                let plaintext = Plaintext { buf, key_id: 1, needs_reseal: false };
                let reference = match postcard::take_from_bytes::<Envelope>(&body) {
                    Ok((env, [])) => Some(env),
                    _ => None,
                };
                let in_place = plaintext.into_opened().ok().map(|opened| opened.envelope);
                prop_assert_eq!(in_place, reference);
            }
        }

        #[test]
        fn base64_encoding_matches_the_reference(raw in proptest::collection::vec(any::<u8>(), 0..2000)) {
            prop_assert_eq!(URL_SAFE_NO_PAD.encode_to_string(&raw), REFERENCE.encode(&raw));
        }

        #[test]
        fn base64_decoding_accepts_and_refuses_as_the_reference(
            text in "[A-Za-z0-9_=+/ \n\u{0}\u{ff}-]{0,300}",
        ) {
            prop_assert_eq!(URL_SAFE_NO_PAD.decode_to_vec(&text).ok(), REFERENCE.decode(&text).ok());
        }

        #[test]
        fn base64_decoding_of_valid_text_with_one_changed_character(
            raw in proptest::collection::vec(any::<u8>(), 1..600),
            at in any::<proptest::sample::Index>(),
            with in "[A-Za-z0-9_=+/ -]",
        ) {
            let mut text = REFERENCE.encode(&raw).into_bytes();
            let i = at.index(text.len());
            text[i] = with.as_bytes()[0];
            prop_assert_eq!(URL_SAFE_NO_PAD.decode_to_vec(&text).ok(), REFERENCE.decode(&text).ok());
        }
    }
}
