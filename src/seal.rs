//! Wire format version 2: how an envelope is sealed into a cookie value and opened again.
//!
//! ```text
//! cookie value = base64url-no-pad( 0x02 | key_id (u32 BE) | nonce (24) | ciphertext | tag (16) )
//! AAD          = "rocket_sealed" | 0x02 | key_id (u32 BE) | cookie name [ | 0x00 | context ]
//! plaintext    = postcard(Envelope)
//! entry value  = format (1 byte) | bytes: 0x02 MessagePack (named fields), 0x01 type tag + postcard
//! ```
//!
//! Version 1, written before, is still opened: its entry values had no format byte (they were
//! all type tag + postcard) and get `0x01` when opened, so an opened [`Envelope`] always holds
//! version-2 entries. A build that knows only version 1 refuses version-2 cookies as
//! `WrongVersion { found: 2 }`: a typed refusal, never a misread value.
//!
//! The cookie name in the AAD binds a value to its slot: a TempData cookie pasted into the
//! Session cookie fails to open. The optional application label (`sealed.context`, see
//! [`KeyRing::with_context`]) follows a zero byte, which no cookie name holds; an empty label
//! adds nothing, so values sealed before labels existed keep opening. There is deliberately
//! no compression (CRIME/BREACH).
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

use base64_simd::URL_SAFE_NO_PAD;

use crate::cipher::{NONCE_LEN, TAG_LEN};
pub use crate::envelope::Envelope;
use crate::envelope::{self, EnvelopeFields, EnvelopeView};
use crate::keys::KeyRing;
use crate::{Error, Malformed, Rejection};

/// The format version this build writes (it also reads version 1): the first byte of every
/// sealed value, followed by the sealing key's id.
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
pub const VERSION: u8 = 2;
/// The earlier version this build still opens (see the module docs).
const VERSION_1: u8 = 1;
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
        envelope::decode_in_place(body, entry).ok_or_else(|| Malformed::BadEnvelope.into())
    }

    /// The envelope copied out into an owned [`Opened`], for callers that keep it.
    pub(crate) fn into_opened(self) -> Result<Opened, Rejection> {
        let legacy = self.version() == VERSION_1;
        let (fields, entries) = self.decode_with(|name, value| {
            let mut bytes = Vec::with_capacity(value.len() + 1);
            if legacy {
                bytes.push(crate::store::values::FORMAT_TAGGED_POSTCARD);
            }
            bytes.extend_from_slice(value);
            (name.to_owned(), bytes)
        })?;
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

    /// The wire format version the value was sealed with.
    pub(crate) fn version(&self) -> u8 {
        self.buf[0]
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

/// Calls `f` with the AAD, built on the stack for a cookie name and label up to 128 bytes.
fn with_aad<R>(
    version: u8,
    key_id: u32,
    cookie_name: &str,
    context: &[u8],
    f: impl FnOnce(&[u8]) -> R,
) -> R {
    const PREFIX: usize = AAD_LABEL.len() + 1 + 4;
    let mut stack = [0u8; PREFIX + 128];
    let mut heap = Vec::new();
    let labelled = if context.is_empty() {
        0
    } else {
        1 + context.len()
    };
    let len = PREFIX + cookie_name.len() + labelled;
    let aad = if len <= stack.len() {
        &mut stack[..len]
    } else {
        heap.resize(len, 0);
        &mut heap[..]
    };
    aad[..AAD_LABEL.len()].copy_from_slice(AAD_LABEL);
    aad[AAD_LABEL.len()] = version;
    aad[AAD_LABEL.len() + 1..PREFIX].copy_from_slice(&key_id.to_be_bytes());
    let name_end = PREFIX + cookie_name.len();
    aad[PREFIX..name_end].copy_from_slice(cookie_name.as_bytes());
    if labelled > 0 {
        aad[name_end] = 0;
        aad[name_end + 1..].copy_from_slice(context);
    }
    f(aad)
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
    /// The key that sealed them (the sealing key may change at any instant).
    pub(crate) key_id: u32,
}

/// [`seal`] before base64.
pub(crate) fn seal_raw(
    ring: &KeyRing,
    cookie_name: &str,
    envelope: &Envelope,
) -> Result<SealedBytes, Error> {
    let max_len =
        envelope::max_encoded_len(envelope.entries.iter().map(|(k, v)| (k.len(), v.len())));
    seal_encoded(ring, cookie_name, max_len, |buf| envelope.encode_into(buf))
}

/// [`seal_raw`] for a store's borrowed view: the same bytes.
pub(crate) fn seal_view(
    ring: &KeyRing,
    cookie_name: &str,
    view: &EnvelopeView<'_>,
) -> Result<SealedBytes, Error> {
    let max_len = envelope::max_encoded_len(view.entries.iter().map(|(k, v)| (k.len(), v.len())));
    seal_encoded(ring, cookie_name, max_len, |buf| view.encode_into(buf))
}

/// Seals the envelope `encode` appends (its postcard encoding, at most `max_len` bytes).
fn seal_encoded(
    ring: &KeyRing,
    cookie_name: &str,
    max_len: usize,
    encode: impl FnOnce(&mut Vec<u8>),
) -> Result<SealedBytes, Error> {
    let key = ring.sealing_key();
    let mut buf = Vec::with_capacity(HEADER_LEN + max_len + TAG_LEN);
    buf.push(VERSION);
    buf.extend_from_slice(&key.id.to_be_bytes());
    buf.extend_from_slice(&crate::random::nonce());
    encode(&mut buf);
    let mut kept = ring.recent().is_on().then(|| {
        let mut copy = Vec::with_capacity(buf.len() + TAG_LEN);
        copy.extend_from_slice(&buf);
        copy
    });
    let (header, body) = buf.split_at_mut(HEADER_LEN);
    let nonce: &[u8; NONCE_LEN] = header[5..].try_into().expect("24-byte nonce slice");
    let tag = with_aad(VERSION, key.id, cookie_name, ring.context(), |aad| {
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
        key_id: key.id,
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
    let opens = |key_id| ring.find(key_id).is_some();
    if let Some((buf, key_id)) = ring.recent().get(cookie_name, value, opens) {
        // Whether the key still opens, and whether it seals, is asked again: either may have
        // changed with the clock since the value was remembered.
        if let Some((key, is_first)) = ring.find(key_id) {
            key.stats.opened((!is_first).then(|| ring.now()));
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
    let version = raw[0];
    if version != VERSION && version != VERSION_1 {
        return Err(Rejection::WrongVersion { found: version });
    }
    let key_id = u32::from_be_bytes([raw[1], raw[2], raw[3], raw[4]]);
    let (key, is_first) = ring.find(key_id).ok_or(Rejection::UnknownKey { key_id })?;
    let stats = &key.stats;
    let (header, rest) = raw.split_at_mut(HEADER_LEN);
    let (body, tag) = rest.split_at_mut(rest.len() - TAG_LEN);
    let nonce: &[u8; NONCE_LEN] = header[5..].try_into().map_err(|_| Malformed::TooShort)?;
    let tag: &[u8; TAG_LEN] = (&*tag).try_into().map_err(|_| Malformed::TooShort)?;
    ring.note_decryption();
    with_aad(version, key_id, cookie_name, ring.context(), |aad| {
        key.cipher.open_in_place(nonce, aad, body, tag)
    })
    .map_err(|_| Rejection::Tampered)?;
    stats.opened((!is_first).then(|| ring.now()));
    Ok((key_id, !is_first))
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
            let mut bytes = Vec::new();
            view.encode_into(&mut bytes);
            prop_assert_eq!(&bytes, &postcard::to_allocvec(&env).unwrap());
            prop_assert_eq!(&postcard::to_allocvec(&view).unwrap(), &bytes);
            prop_assert_eq!(view.encoded_len().unwrap(), bytes.len());
            let mut owned = Vec::new();
            env.encode_into(&mut owned);
            prop_assert_eq!(&owned, &bytes);
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
