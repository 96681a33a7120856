//! A dictionary of typed values stored as bytes, decoded only when asked for.
//!
//! Each stored value starts with a format byte. Values written by this build are
//! [`FORMAT_MSGPACK`]: MessagePack with structs as maps of field names, so a value is read by
//! its shape (a field added with a default reads old values; a renamed field is an error), never
//! by position into another shape. Values that the builds before wrote are
//! [`FORMAT_TAGGED_POSTCARD`], kept as they are until the app writes them again.

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::ops::Range;
use std::sync::Mutex;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::type_tag;
use crate::envelope::{EntryRef, EnvelopeFields};
use crate::seal::Plaintext;
use crate::{Error, Rejection};

/// The format of values written by wire version 1: a 4-byte [type tag](type_tag::type_tag)
/// then the postcard encoding. postcard is not self-describing: the tag is all that tells a
/// wrong type apart. A wire-version-1 envelope holds no format byte; its values get this one
/// when loaded.
pub(crate) const FORMAT_TAGGED_POSTCARD: u8 = 1;
/// The format this build writes: MessagePack, structs as maps keyed by field name, enum
/// variants by name (`rmp-serde`'s `to_vec_named`).
pub(crate) const FORMAT_MSGPACK: u8 = 2;

/// Encodes a value in the format this build writes.
pub(crate) fn encode<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::with_capacity(64);
    buf.push(FORMAT_MSGPACK);
    let mut serializer = rmp_serde::Serializer::new(&mut buf).with_struct_map();
    value
        .serialize(&mut serializer)
        .map_err(|e| Error::Encode {
            key: key.to_owned(),
            reason: e.to_string(),
        })?;
    Ok(buf)
}

/// Decodes bytes made by [`encode`] (or by an earlier build) as `T`. A value whose shape does
/// not fit `T` is [`Error::SchemaChanged`]; bytes that are no value at all are
/// [`Error::Decode`].
pub(crate) fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, Error> {
    let malformed = |reason: &str| Error::Decode {
        key: key.to_owned(),
        reason: reason.to_owned(),
    };
    let changed = |reason: String| Error::SchemaChanged {
        key: key.to_owned(),
        reason,
    };
    let type_name = std::any::type_name::<T>;
    match bytes.split_first() {
        Some((&FORMAT_MSGPACK, body)) => {
            // Read in place: strings and bytes are borrowed from `body` rather than copied
            // through a reader's buffer first (which cost an allocation per value and a copy
            // per string). That reader cannot say where it stopped, so whether `T` read all of
            // `body` is told by the length of its first MessagePack value.
            let mut deserializer = rmp_serde::Deserializer::from_read_ref(body);
            let value = T::deserialize(&mut deserializer)
                .map_err(|e| changed(format!("it does not read as `{}`: {e}", type_name())))?;
            match msgpack_len(body) {
                Some(len) if len == body.len() => Ok(value),
                _ => Err(changed(format!(
                    "`{}` reads only part of it (a value of another type?)",
                    type_name()
                ))),
            }
        }
        Some((&FORMAT_TAGGED_POSTCARD, rest)) => {
            let (tag, body) = rest
                .split_at_checked(type_tag::TAG_LEN)
                .ok_or_else(|| malformed("the stored value is truncated"))?;
            if !type_tag::is_tag_of::<T>(tag) {
                return Err(changed(format!(
                    "it was stored by an earlier version as another type than `{}`",
                    type_name()
                )));
            }
            match postcard::take_from_bytes::<T>(body) {
                Ok((value, [])) => Ok(value),
                Ok(_) => Err(changed("the stored value has trailing bytes".into())),
                Err(e) => Err(changed(e.to_string())),
            }
        }
        Some((format, _)) => Err(malformed(&format!(
            "unknown value format {format} (written by a later version?)"
        ))),
        None => Err(malformed("the stored value is empty")),
    }
}

/// The length of the MessagePack value `bytes` starts with; `None` if it is cut short or holds
/// the one byte MessagePack never uses (0xc1). A loop over markers with a count of items still
/// to read, so no nesting makes it recurse, and every length is checked against the input.
fn msgpack_len(bytes: &[u8]) -> Option<usize> {
    let mut pos = 0usize;
    // A big-endian length of `width` bytes at `pos`.
    let read_len = |pos: &mut usize, width: usize| -> Option<usize> {
        let field = bytes.get(*pos..pos.checked_add(width)?)?;
        *pos += width;
        Some(field.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b)))
    };
    let mut pending: u64 = 1;
    while pending > 0 {
        pending -= 1;
        let marker = *bytes.get(pos)?;
        pos += 1;
        // (bytes of payload after the marker and any length field, items that follow)
        let (payload, items): (usize, u64) = match marker {
            0x00..=0x7f | 0xc0 | 0xc2 | 0xc3 | 0xe0..=0xff => (0, 0),
            0x80..=0x8f => (0, 2 * u64::from(marker & 0x0f)),
            0x90..=0x9f => (0, u64::from(marker & 0x0f)),
            0xa0..=0xbf => (usize::from(marker & 0x1f), 0),
            0xc1 => return None,
            0xc4 | 0xd9 => (read_len(&mut pos, 1)?, 0),
            0xc5 | 0xda => (read_len(&mut pos, 2)?, 0),
            0xc6 | 0xdb => (read_len(&mut pos, 4)?, 0),
            // ext: a length, then a type byte and the data
            0xc7 => (read_len(&mut pos, 1)?.checked_add(1)?, 0),
            0xc8 => (read_len(&mut pos, 2)?.checked_add(1)?, 0),
            0xc9 => (read_len(&mut pos, 4)?.checked_add(1)?, 0),
            0xca => (4, 0),
            0xcb => (8, 0),
            0xcc | 0xd0 => (1, 0),
            0xcd | 0xd1 => (2, 0),
            0xce | 0xd2 => (4, 0),
            0xcf | 0xd3 => (8, 0),
            // fixext 1, 2, 4, 8, 16: a type byte and the data
            0xd4 => (2, 0),
            0xd5 => (3, 0),
            0xd6 => (5, 0),
            0xd7 => (9, 0),
            0xd8 => (17, 0),
            0xdc => (0, read_len(&mut pos, 2)? as u64),
            0xdd => (0, read_len(&mut pos, 4)? as u64),
            0xde => (0, 2 * read_len(&mut pos, 2)? as u64),
            0xdf => (0, 2 * read_len(&mut pos, 4)? as u64),
        };
        pos = pos.checked_add(payload).filter(|&end| end <= bytes.len())?;
        // Each item takes at least a byte: more than are left is cut short.
        pending = pending.saturating_add(items);
        if pending > (bytes.len() - pos) as u64 {
            return None;
        }
    }
    Some(pos)
}

/// A value that a handler is mutating in place through `update`; it is encoded at commit.
trait Live: Send + Sync {
    fn encode(&self, key: &str) -> Result<Vec<u8>, Error>;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn value_type(&self) -> TypeId;
}

impl<T: Serialize + Send + Sync + 'static> Live for T {
    fn encode(&self, key: &str) -> Result<Vec<u8>, Error> {
        encode(key, self)
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn value_type(&self) -> TypeId {
        TypeId::of::<T>()
    }
}

/// Where an entry's name or value bytes are.
enum Bytes {
    /// A range of the decrypted cookie the store was loaded from.
    Loaded(Range<usize>),
    /// Written in this request.
    Owned(Box<[u8]>),
}

enum Slot {
    Encoded(Bytes),
    Live(Box<dyn Live>),
}

struct Entry {
    /// UTF-8: it was a `&str` when it was loaded or set.
    name: Bytes,
    slot: Slot,
    /// Set or updated in this request (not what the cookie held).
    written: bool,
}

/// The entries of one store, in name order with unique names.
///
/// A loaded store keeps the decrypted cookie and points into it, so opening a session copies
/// no name or value out; a value is decoded only when a handler asks for it.
#[derive(Default)]
pub(crate) struct Values {
    loaded: Vec<u8>,
    entries: Vec<Entry>,
    /// Entries a read found unreadable in this request (behind a lock because reads take
    /// `&self`; touched only when a read fails, and at commit).
    unreadable: Mutex<Vec<(String, Error)>>,
}

impl Values {
    /// The entries of an opened cookie, and the envelope's other fields.
    pub(crate) fn from_plaintext(
        plaintext: Plaintext,
    ) -> Result<(EnvelopeFields, Values), Rejection> {
        let buf = plaintext.bytes();
        let (base, len) = (buf.as_ptr() as usize, buf.len());
        // The slices borrow `plaintext`; keep them as ranges of the buffer the store will own.
        let range = |s: &[u8]| match (s.as_ptr() as usize).checked_sub(base) {
            Some(start) if start + s.len() <= len => start..start + s.len(),
            _ => {
                debug_assert!(s.is_empty(), "postcard borrows from its input");
                0..0
            }
        };
        let (fields, mut entries) = plaintext.decode_with(|name, value| Entry {
            name: Bytes::Loaded(range(name.as_bytes())),
            slot: Slot::Encoded(Bytes::Loaded(range(value))),
            written: false,
        })?;
        let legacy = plaintext.version() == 1;
        let loaded = plaintext.into_bytes();
        if legacy {
            // Wire version 1 wrote values with no format byte: give them theirs, so every
            // value in the store is laid out alike (a copy, once, for cookies of old builds).
            for entry in &mut entries {
                if let Slot::Encoded(b) = &entry.slot {
                    let mut value = Vec::with_capacity(bytes(&loaded, b).len() + 1);
                    value.push(FORMAT_TAGGED_POSTCARD);
                    value.extend_from_slice(bytes(&loaded, b));
                    entry.slot = Slot::Encoded(Bytes::Owned(value.into()));
                }
            }
        }
        // This crate writes names in order, once each. Anything else (a hand-made envelope)
        // is put in order, and a repeated name keeps its last value.
        if !entries
            .windows(2)
            .all(|w| bytes(&loaded, &w[0].name) < bytes(&loaded, &w[1].name))
        {
            entries.reverse();
            entries.sort_by(|a, b| bytes(&loaded, &a.name).cmp(bytes(&loaded, &b.name)));
            entries.dedup_by(|later, earlier| {
                bytes(&loaded, &later.name) == bytes(&loaded, &earlier.name)
            });
        }
        Ok((
            fields,
            Values {
                loaded,
                entries,
                unreadable: Mutex::default(),
            },
        ))
    }

    fn bytes<'a>(&'a self, b: &'a Bytes) -> &'a [u8] {
        bytes(&self.loaded, b)
    }

    fn name<'a>(&'a self, entry: &'a Entry) -> &'a str {
        std::str::from_utf8(self.bytes(&entry.name)).expect("names are stored as UTF-8")
    }

    /// The entry's index, or where it would go.
    fn find(&self, key: &str) -> Result<usize, usize> {
        let key = key.as_bytes();
        self.entries
            .binary_search_by(|e| name_order(self.bytes(&e.name), key))
    }

    fn slot(&self, key: &str) -> Option<&Slot> {
        self.find(key).ok().map(|i| &self.entries[i].slot)
    }

    /// Puts `slot` under `key`, replacing what was there.
    fn put(&mut self, key: &str, slot: Slot) {
        match self.find(key) {
            Ok(i) => {
                self.entries[i].slot = slot;
                self.entries[i].written = true;
            }
            Err(i) => self.entries.insert(
                i,
                Entry {
                    name: Bytes::Owned(key.as_bytes().into()),
                    slot,
                    written: true,
                },
            ),
        }
    }

    /// Every entry in name order with its encoded value: borrowed, except values being
    /// mutated through `update`, which are encoded now.
    pub(crate) fn encoded(&self) -> Result<Vec<EntryRef<'_>>, Error> {
        self.entries
            .iter()
            .map(|e| {
                let name = self.name(e);
                let value = match &e.slot {
                    Slot::Encoded(b) => Cow::Borrowed(self.bytes(b)),
                    Slot::Live(live) => Cow::Owned(live.encode(name)?),
                };
                Ok((name, value))
            })
            .collect()
    }

    /// The value under `key` as `T`; a value that does not read as `T` is remembered as
    /// unreadable (see [`drop_unreadable`](Self::drop_unreadable)).
    pub(crate) fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        self.read(key).inspect_err(|e| self.note_unreadable(key, e))
    }

    /// [`get`](Self::get) without remembering a failure: for a read that has a plan B (a
    /// migration tries the new type, then the old).
    pub(crate) fn read<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        match self.slot(key) {
            None => Ok(None),
            Some(slot) => self.read_slot(key, slot),
        }
    }

    fn read_slot<T: DeserializeOwned>(&self, key: &str, slot: &Slot) -> Result<Option<T>, Error> {
        match slot {
            Slot::Encoded(b) => decode(key, self.bytes(b)).map(Some),
            // Rare (update then get in one request): a round trip keeps one code path for
            // type checking.
            Slot::Live(live) => decode(key, &live.encode(key)?).map(Some),
        }
    }

    pub(crate) fn set<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        let bytes = encode(key, value)?;
        self.put(key, Slot::Encoded(Bytes::Owned(bytes.into())));
        Ok(())
    }

    /// Gets the value (or `T::default()`), lets `f` change it in place, and keeps it live so
    /// it is encoded once, at commit.
    pub(crate) fn update<T, R>(
        &mut self,
        key: &str,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, Error>
    where
        T: Serialize + DeserializeOwned + Default + Send + Sync + 'static,
    {
        // One search for the usual case (the key is there, stored or already live); `put`
        // searches again only for a key the store does not hold yet.
        let found = self.find(key);
        let live_of_type = matches!(found, Ok(i)
            if matches!(&self.entries[i].slot, Slot::Live(l) if l.value_type() == TypeId::of::<T>()));
        let i = if live_of_type {
            found.expect("matched above")
        } else {
            // A value that no longer reads as `T` is given up (and reported): the handler's
            // change starts from the default rather than failing every request.
            let read = match found {
                Ok(i) => self.read_slot::<T>(key, &self.entries[i].slot),
                Err(_) => Ok(None),
            };
            let value: T = read
                .inspect_err(|e| self.note_unreadable(key, e))
                .ok()
                .flatten()
                .unwrap_or_default();
            let slot = Slot::Live(Box::new(value));
            match found {
                Ok(i) => {
                    self.entries[i].slot = slot;
                    self.entries[i].written = true;
                    i
                }
                Err(_) => {
                    self.put(key, slot);
                    self.find(key).expect("inserted above")
                }
            }
        };
        let Slot::Live(live) = &mut self.entries[i].slot else {
            unreachable!("made live above")
        };
        let value = live
            .as_any_mut()
            .downcast_mut::<T>()
            .expect("type checked above");
        Ok(f(value))
    }

    /// Removes `key` and returns its stored bytes as they are (no type check, for the crate's
    /// reserved entries); `None` if absent or being changed through `update`, which is
    /// removed all the same. One search: every load takes its reserved entries this way.
    pub(crate) fn take_raw(&mut self, key: &str) -> Option<Vec<u8>> {
        let i = self.find(key).ok()?;
        let entry = self.entries.remove(i);
        match entry.slot {
            Slot::Encoded(b) => Some(self.bytes(&b).to_vec()),
            Slot::Live(_) => None,
        }
    }

    pub(crate) fn remove(&mut self, key: &str) -> bool {
        match self.find(key) {
            Ok(i) => {
                self.entries.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| self.name(e))
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.loaded = Vec::new();
    }

    pub(crate) fn note_unreadable(&self, key: &str, error: &Error) {
        let mut unreadable = self.unreadable.lock().unwrap_or_else(|p| p.into_inner());
        if !unreadable.iter().any(|(k, _)| k == key) {
            unreadable.push((key.to_owned(), error.clone()));
        }
    }

    /// The entries a read found unreadable in this request, with why, in the order found.
    pub(crate) fn unreadable(&self) -> Vec<(String, Error)> {
        self.unreadable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The keys of [`unreadable`](Self::unreadable), without the errors.
    pub(crate) fn unreadable_keys(&self) -> Vec<String> {
        self.unreadable
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Drops the entries found unreadable that still hold what was loaded (not those the
    /// handler has written since); `true` if any was dropped.
    pub(crate) fn drop_unreadable(&mut self) -> bool {
        let unreadable = self.unreadable.get_mut().unwrap_or_else(|p| p.into_inner());
        if unreadable.is_empty() {
            return false;
        }
        let before = self.entries.len();
        let loaded = &self.loaded;
        self.entries.retain(|e| {
            e.written
                || !unreadable
                    .iter()
                    .any(|(k, _)| k.as_bytes() == bytes(loaded, &e.name))
        });
        before != self.entries.len()
    }

    /// The stored size of an entry in bytes, if it is known without encoding.
    pub(crate) fn encoded_len(&self, key: &str) -> Option<usize> {
        match self.slot(key)? {
            Slot::Encoded(b) => Some(self.bytes(b).len()),
            Slot::Live(_) => None,
        }
    }
}

/// The byte order of two names, as `Ord` for slices gives it. Names of a store mostly differ
/// in their first byte, which decides without a call to `memcmp` (a search of a few entries
/// spent most of its time in those calls).
fn name_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    match (a.first(), b.first()) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        _ => a.cmp(b),
    }
}

fn bytes<'a>(loaded: &'a [u8], b: &'a Bytes) -> &'a [u8] {
    match b {
        Bytes::Loaded(range) => &loaded[range.clone()],
        Bytes::Owned(bytes) => bytes,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::KeyRing;
    use crate::seal::{self, Envelope};

    /// [`decode`] as it was, through a reader that copies and knows its position: the
    /// reference the in-place read is tested against.
    fn decode_through_a_reader<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, Error> {
        let changed = |reason: String| Error::SchemaChanged {
            key: key.to_owned(),
            reason,
        };
        let type_name = std::any::type_name::<T>;
        match bytes.split_first() {
            Some((&FORMAT_MSGPACK, body)) => {
                let mut deserializer = rmp_serde::Deserializer::new(std::io::Cursor::new(body));
                let value = T::deserialize(&mut deserializer)
                    .map_err(|e| changed(format!("it does not read as `{}`: {e}", type_name())))?;
                match body.len() as u64 - deserializer.position() {
                    0 => Ok(value),
                    _ => Err(changed(format!(
                        "`{}` reads only part of it (a value of another type?)",
                        type_name()
                    ))),
                }
            }
            _ => decode(key, bytes),
        }
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Shaped {
        name: String,
        #[serde(default)]
        n: Option<u32>,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    enum Kind {
        Unit,
        New(u8),
        Pair(u8, String),
        Named { x: i64 },
    }

    /// MessagePack-like bytes: markers of every kind, lengths near the ends of the input.
    fn msgpack_like() -> impl Strategy<Value = Vec<u8>> {
        let token = prop_oneof![
            any::<u8>().prop_map(|b| vec![b]),
            (0x80u8..=0x9f).prop_map(|b| vec![b]),
            (0xa0u8..=0xbf, "[a-z]{0,4}").prop_map(|(b, s)| {
                let mut v = vec![b];
                v.extend(s.bytes());
                v
            }),
            (0xc4u8..=0xdf, any::<[u8; 4]>()).prop_map(|(b, n)| {
                let mut v = vec![b];
                v.extend(n.iter().map(|x| x % 4));
                v
            }),
            Just(b"\xa4Unit".to_vec()),
            Just(b"\x81\xa3New\x07".to_vec()),
            Just(b"\x81\xa5Named\x81\xa1x\x05".to_vec()),
            Just(b"\x82\xa4name\xa1a\xa1n\x03".to_vec()),
        ];
        proptest::collection::vec(token, 0..6).prop_map(|t| t.concat())
    }

    fn same_as_the_reader<T: DeserializeOwned + PartialEq + std::fmt::Debug>(bytes: &[u8]) {
        assert_eq!(
            decode::<T>("k", bytes),
            decode_through_a_reader::<T>("k", bytes),
            "{bytes:x?} as {}",
            std::any::type_name::<T>()
        );
    }

    proptest! {
        /// The in-place read accepts exactly what the reader did, with the same value or the
        /// same error, for types of every shape.
        #[test]
        fn reading_in_place_agrees_with_the_reader(body in msgpack_like()) {
            let mut bytes = vec![FORMAT_MSGPACK];
            bytes.extend_from_slice(&body);
            same_as_the_reader::<u64>(&bytes);
            same_as_the_reader::<i8>(&bytes);
            same_as_the_reader::<String>(&bytes);
            same_as_the_reader::<Vec<String>>(&bytes);
            same_as_the_reader::<Option<u32>>(&bytes);
            same_as_the_reader::<(u8, String)>(&bytes);
            same_as_the_reader::<BTreeMap<String, u8>>(&bytes);
            same_as_the_reader::<Shaped>(&bytes);
            same_as_the_reader::<Kind>(&bytes);
            same_as_the_reader::<()>(&bytes);
            same_as_the_reader::<std::marker::PhantomData<u8>>(&bytes);
            same_as_the_reader::<serde_json::Value>(&bytes);
            same_as_the_reader::<Vec<u8>>(&bytes);
        }

        /// The length of a value is where a reader that reads any value stops.
        #[test]
        fn the_length_of_a_value_is_where_a_reader_stops(body in msgpack_like()) {
            let mut deserializer = rmp_serde::Deserializer::new(std::io::Cursor::new(&body[..]));
            let read = <serde::de::IgnoredAny as serde::Deserialize>::deserialize(&mut deserializer)
                .ok()
                .map(|_| deserializer.position() as usize);
            prop_assert_eq!(msgpack_len(&body), read);
        }

        /// Values written by this build, with something after them or cut short.
        #[test]
        fn written_values_read_in_place_as_through_the_reader(
            cart in proptest::collection::vec("\\PC{0,12}", 0..6),
            n in any::<u64>(),
            cut in any::<prop::sample::Index>(),
            extra in proptest::collection::vec(any::<u8>(), 0..3),
        ) {
            for mut bytes in [encode("k", &cart).unwrap(), encode("k", &(n, &cart)).unwrap()] {
                same_as_the_reader::<Vec<String>>(&bytes);
                same_as_the_reader::<(u64, Vec<String>)>(&bytes);
                let whole = bytes.clone();
                bytes.truncate(cut.index(bytes.len()).max(1));
                same_as_the_reader::<Vec<String>>(&bytes);
                same_as_the_reader::<(u64, Vec<String>)>(&bytes);
                let mut longer = whole;
                longer.extend_from_slice(&extra);
                same_as_the_reader::<Vec<String>>(&longer);
                same_as_the_reader::<(u64, Vec<String>)>(&longer);
            }
        }
    }

    proptest! {
        #[test]
        fn names_are_ordered_as_slices_are(a in proptest::collection::vec(any::<u8>(), 0..4), b in proptest::collection::vec(any::<u8>(), 0..4)) {
            prop_assert_eq!(name_order(&a, &b), a.cmp(&b));
        }
    }

    /// Values written as borrowed forms read back as the owned ones, whole-store.
    #[test]
    fn a_vec_of_str_reads_back_as_a_vec_of_string() {
        let mut values = Values::default();
        values.set("names", &vec!["a", "b"]).unwrap();
        values.set("pair", &("x", 1u32)).unwrap();
        assert_eq!(
            values.get::<Vec<String>>("names").unwrap(),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(
            values.get::<(String, u32)>("pair").unwrap(),
            Some(("x".to_string(), 1))
        );
    }

    #[test]
    fn wrong_type_is_an_error_not_garbage() {
        let bytes = encode("k", "abc").unwrap();
        assert_eq!(bytes[0], FORMAT_MSGPACK);
        assert_eq!(decode::<String>("k", &bytes).unwrap(), "abc");
        assert!(matches!(
            decode::<Vec<u8>>("k", &bytes),
            Err(Error::SchemaChanged { .. })
        ));
        assert!(matches!(
            decode::<u32>("k", &bytes),
            Err(Error::SchemaChanged { .. })
        ));
        assert!(matches!(
            decode::<String>("k", &bytes[..2]),
            Err(Error::SchemaChanged { .. })
        ));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            decode::<String>("k", &longer),
            Err(Error::SchemaChanged { .. })
        ));
        // Bytes that are no value: empty, an unknown format, a truncated old-format tag.
        for bytes in [
            &[][..],
            &[0, 1, 2],
            &[9, 0xa3, b'a', b'b', b'c'],
            &[1, 0, 0],
        ] {
            assert!(
                matches!(decode::<String>("k", bytes), Err(Error::Decode { .. })),
                "{bytes:?}"
            );
        }
    }

    /// Values written before this format (a type tag and postcard) still read, by their tag.
    #[test]
    fn values_in_the_earlier_format_read_by_their_type_tag() {
        let mut old = vec![FORMAT_TAGGED_POSTCARD];
        old.extend(type_tag::type_tag::<(String, u32)>());
        old.extend(postcard::to_allocvec(&("x", 7u32)).unwrap());
        assert_eq!(
            decode::<(String, u32)>("k", &old).unwrap(),
            ("x".to_string(), 7)
        );
        assert!(matches!(
            decode::<(String, u64)>("k", &old),
            Err(Error::SchemaChanged { .. })
        ));
    }

    #[test]
    fn update_keeps_a_live_value_and_encodes_it_once_at_the_end() {
        let mut v = Values::default();
        v.update::<Vec<u32>, _>("cart", |c| c.push(1)).unwrap();
        v.update::<Vec<u32>, _>("cart", |c| c.push(2)).unwrap();
        assert_eq!(v.get::<Vec<u32>>("cart").unwrap(), Some(vec![1, 2]));
        let back = reload(&v);
        assert_eq!(back.get::<Vec<u32>>("cart").unwrap(), Some(vec![1, 2]));
    }

    /// A value that does not read as the type asked for is reported, and dropped by the next
    /// write unless the handler wrote the key again.
    #[test]
    fn unreadable_values_are_reported_and_dropped_unless_written_again() {
        let mut loaded = Values::default();
        loaded.set("a", "text").unwrap();
        loaded.set("b", "text").unwrap();
        loaded.set("c", &7u32).unwrap();
        let mut v = reload(&loaded);
        assert!(v.get::<u32>("a").is_err());
        assert!(v.get::<u32>("b").is_err());
        assert_eq!(v.get::<u32>("c").unwrap(), Some(7));
        // `update` gives the unreadable value up and starts from the default.
        v.update::<Vec<u32>, _>("b", |list| list.push(1)).unwrap();
        let keys: Vec<String> = v.unreadable().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b"]);
        assert!(v.drop_unreadable());
        assert_eq!(v.keys().collect::<Vec<_>>(), ["b", "c"]);
        assert_eq!(v.get::<Vec<u32>>("b").unwrap(), Some(vec![1]));
        assert!(!v.drop_unreadable());
    }

    fn ring() -> KeyRing {
        KeyRing::from_config(&[crate::KeyConfig::generate(1)]).unwrap()
    }

    /// Seals `entries` as they are (any order, repeats allowed) and loads them back.
    fn load(entries: Vec<(String, Vec<u8>)>) -> Values {
        let ring = ring();
        let env = Envelope {
            issued_at: 1,
            refreshed_at: 2,
            session_id: None,
            entries,
        };
        let value = seal::seal(&ring, "s", &env).unwrap();
        let plaintext = seal::open_plaintext(&ring, "s", &value, 1 << 20).unwrap();
        let (fields, values) = Values::from_plaintext(plaintext).unwrap();
        assert_eq!((fields.issued_at, fields.refreshed_at), (1, 2));
        values
    }

    /// What `values` would seal, loaded again.
    fn reload(values: &Values) -> Values {
        let entries = values.encoded().unwrap();
        load(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_vec()))
                .collect(),
        )
    }

    fn contents(values: &Values) -> Vec<(String, Vec<u8>)> {
        let entries = values.encoded().unwrap();
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect()
    }

    proptest! {
        /// Loaded entries point into the decrypted cookie; they must read back exactly as a
        /// map of copies would, whatever order and repeats the envelope holds (the last
        /// value of a repeated name wins, as when the entries were collected into a map).
        #[test]
        fn loading_gives_the_entries_of_a_map_built_from_them(
            entries in proptest::collection::vec(
                ("[a-c]{0,3}|[\\PC]{0,6}", proptest::collection::vec(any::<u8>(), 0..40)),
                0..12,
            ),
        ) {
            let map: BTreeMap<String, Vec<u8>> = entries.iter().cloned().collect();
            let values = load(entries);
            prop_assert_eq!(contents(&values), map.clone().into_iter().collect::<Vec<_>>());
            prop_assert_eq!(values.len(), map.len());
            for (k, v) in &map {
                prop_assert!(values.contains(k));
                prop_assert_eq!(values.encoded_len(k), Some(v.len()));
            }
            prop_assert!(!values.contains("not a key of the strategy: ~~~~~~~"));
        }

        /// Setting, updating and removing on a loaded store behaves as on a map, and what it
        /// seals loads back the same.
        #[test]
        fn changes_on_a_loaded_store_act_as_on_a_map(
            initial in proptest::collection::btree_map("[a-e]", any::<u32>(), 0..5),
            ops in proptest::collection::vec((0..3u8, "[a-f]", any::<u32>()), 0..12),
        ) {
            let encoded = |v: u32| encode("k", &v).unwrap();
            let mut model: BTreeMap<String, u32> = initial.clone();
            let mut values = load(initial.iter().map(|(k, v)| (k.clone(), encoded(*v))).collect());
            for (op, key, n) in ops {
                match op {
                    0 => {
                        values.set(&key, &n).unwrap();
                        model.insert(key.clone(), n);
                    }
                    1 => {
                        let got = values.update::<u32, _>(&key, |v| { *v = v.wrapping_add(n); *v }).unwrap();
                        let m = model.entry(key.clone()).or_default();
                        *m = m.wrapping_add(n);
                        prop_assert_eq!(got, *m);
                    }
                    _ => prop_assert_eq!(values.remove(&key), model.remove(&key).is_some()),
                }
                prop_assert_eq!(values.get::<u32>(&key).unwrap(), model.get(&key).copied());
            }
            let expected: Vec<(String, Vec<u8>)> =
                model.iter().map(|(k, v)| (k.clone(), encoded(*v))).collect();
            prop_assert_eq!(contents(&values), expected.clone());
            prop_assert_eq!(contents(&reload(&values)), expected);
            prop_assert_eq!(values.keys().collect::<Vec<_>>(), model.keys().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
