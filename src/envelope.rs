//! The envelope: what a store's cookie holds once opened — timestamps, the session id and the
//! entries as (name, postcard bytes) — and its postcard encoding, with no copies on the way in
//! or out. [`seal`](crate::seal) turns it into a cookie value.

use std::borrow::Cow;

use serde::de::DeserializeSeed as _;
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::Error;

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

/// An envelope's fields other than its entries.
pub(crate) struct EnvelopeFields {
    pub(crate) issued_at: u64,
    pub(crate) refreshed_at: u64,
    pub(crate) session_id: Option<[u8; 16]>,
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
        Ok(wire::encoded_len(
            self.session_id.is_some(),
            self.issued_at,
            self.refreshed_at,
            self.entries.iter().map(|(k, v)| (k.len(), v.len())),
        ))
    }

    /// Appends the postcard encoding of this envelope to `out`.
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        wire::encode_into(
            out,
            self.issued_at,
            self.refreshed_at,
            self.session_id.as_ref(),
            self.entries.iter().map(|(k, v)| (*k, &v[..])),
        );
    }
}

impl Envelope {
    /// Appends the postcard encoding of this envelope to `out`: the bytes of its `Serialize`.
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        wire::encode_into(
            out,
            self.issued_at,
            self.refreshed_at,
            self.session_id.as_ref(),
            self.entries.iter().map(|(k, v)| (k.as_str(), &v[..])),
        );
    }
}

/// Decodes an envelope's postcard bytes in place: `entry` turns each name and value, borrowed
/// from `body`, into an element of the returned list. `None` unless `body` is exactly one
/// envelope.
pub(crate) fn decode_in_place<'a, E>(
    body: &'a [u8],
    entry: impl FnMut(&'a str, &'a [u8]) -> E,
) -> Option<(EnvelopeFields, Vec<E>)> {
    let mut deserializer = postcard::Deserializer::from_bytes(body);
    match in_place::EnvelopeSeed(entry).deserialize(&mut deserializer) {
        Ok(decoded) if deserializer.finalize().is_ok_and(|rest| rest.is_empty()) => Some(decoded),
        _ => None,
    }
}

/// The envelope's postcard encoding written by hand. Through serde, postcard spent a call
/// per byte of the 16-byte session id and several per field: ~1k instructions per write,
/// ~0.5k of them saved here. The bytes are postcard's (a test compares them):
///
/// ```text
/// envelope = varint(issued_at) varint(refreshed_at) session_id entries
/// session_id = 0x00 | 0x01 16-bytes
/// entries  = varint(count) { varint(name len) name varint(value len) value }
/// varint   = LEB128, shortest form
/// ```
mod wire {
    fn varint_len(v: u64) -> usize {
        // 1 byte per 7 bits, at least one.
        (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
    }

    fn put_varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push(v as u8 | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    pub(super) fn encoded_len(
        has_id: bool,
        issued_at: u64,
        refreshed_at: u64,
        entries: impl ExactSizeIterator<Item = (usize, usize)>,
    ) -> usize {
        let count = entries.len();
        let entries: usize = entries
            .map(|(name, value)| varint_len(name as u64) + name + varint_len(value as u64) + value)
            .sum();
        varint_len(issued_at)
            + varint_len(refreshed_at)
            + if has_id { 17 } else { 1 }
            + varint_len(count as u64)
            + entries
    }

    pub(super) fn encode_into<'a>(
        out: &mut Vec<u8>,
        issued_at: u64,
        refreshed_at: u64,
        session_id: Option<&[u8; 16]>,
        entries: impl ExactSizeIterator<Item = (&'a str, &'a [u8])>,
    ) {
        put_varint(out, issued_at);
        put_varint(out, refreshed_at);
        match session_id {
            None => out.push(0),
            Some(id) => {
                out.push(1);
                out.extend_from_slice(id);
            }
        }
        put_varint(out, entries.len() as u64);
        for (name, value) in entries {
            put_varint(out, name.len() as u64);
            out.extend_from_slice(name.as_bytes());
            put_varint(out, value.len() as u64);
            out.extend_from_slice(value);
        }
    }
}

/// An upper bound of the postcard length of an envelope with these entries' name and value
/// lengths, so the buffer is allocated once.
pub(crate) fn max_encoded_len(entries: impl Iterator<Item = (usize, usize)>) -> usize {
    const VARINT: usize = 10;
    let entries: usize = entries.map(|(name, value)| 2 * VARINT + name + value).sum();
    3 * VARINT + 1 + 16 + entries
}

/// The in-place decoder behind [`decode_in_place`]: the fields of [`Envelope`] in the order its
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
mod wire_tests {
    use super::Envelope;

    /// The varint lengths at every boundary, which random `u64`s almost never hit.
    #[test]
    fn hand_encoding_is_postcards_at_varint_boundaries() {
        let edges = (0..64).flat_map(|bit| {
            let v = 1u64 << bit;
            [v - 1, v, v + 1]
        });
        for (i, v) in edges.chain([u64::MAX]).enumerate() {
            let value_len = (v % 300) as usize;
            let env = Envelope {
                issued_at: v,
                refreshed_at: v.rotate_left(i as u32),
                session_id: (i % 2 == 0).then_some([i as u8; 16]),
                entries: (0..i % 4)
                    .map(|n| ("k".repeat(n * 50), vec![n as u8; value_len]))
                    .collect(),
            };
            let mut ours = Vec::new();
            env.encode_into(&mut ours);
            assert_eq!(ours, postcard::to_allocvec(&env).unwrap(), "{v}");
        }
    }
}
