//! A dictionary of typed values stored as bytes, decoded only when asked for.
//!
//! Each stored value is a 4-byte type tag followed by its postcard encoding. postcard is not
//! self-describing, so without the tag a value read as the wrong type could decode into
//! garbage; with it, a wrong-type read is an [`Error::Decode`].

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::ops::Range;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::type_tag;
use crate::envelope::{EntryRef, EnvelopeFields};
use crate::seal::Plaintext;
use crate::{Error, Rejection};

/// Encodes a value as type tag + postcard bytes.
pub(crate) fn encode<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<Vec<u8>, Error> {
    let buf = type_tag::type_tag::<T>().to_vec();
    postcard::to_extend(value, buf).map_err(|e| Error::Encode {
        key: key.to_owned(),
        reason: e.to_string(),
    })
}

/// Decodes bytes made by [`encode`] as `T`; a different type or trailing bytes is an error.
pub(crate) fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, Error> {
    let err = |reason: String| Error::Decode {
        key: key.to_owned(),
        reason,
    };
    let (tag, body) = bytes
        .split_at_checked(type_tag::TAG_LEN)
        .ok_or_else(|| err("the stored value is truncated".into()))?;
    if !type_tag::is_tag_of::<T>(tag) {
        return Err(err(format!(
            "it was stored as a different type than `{}`",
            std::any::type_name::<T>()
        )));
    }
    match postcard::take_from_bytes::<T>(body) {
        Ok((value, [])) => Ok(value),
        Ok(_) => Err(err("the stored value has trailing bytes".into())),
        Err(e) => Err(err(e.to_string())),
    }
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
}

/// The entries of one store, in name order with unique names.
///
/// A loaded store keeps the decrypted cookie and points into it, so opening a session copies
/// no name or value out; a value is decoded only when a handler asks for it.
#[derive(Default)]
pub(crate) struct Values {
    loaded: Vec<u8>,
    entries: Vec<Entry>,
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
        })?;
        let loaded = plaintext.into_bytes();
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
        Ok((fields, Values { loaded, entries }))
    }

    fn bytes<'a>(&'a self, b: &'a Bytes) -> &'a [u8] {
        bytes(&self.loaded, b)
    }

    fn name<'a>(&'a self, entry: &'a Entry) -> &'a str {
        std::str::from_utf8(self.bytes(&entry.name)).expect("names are stored as UTF-8")
    }

    /// The entry's index, or where it would go.
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|e| self.bytes(&e.name).cmp(key.as_bytes()))
    }

    fn slot(&self, key: &str) -> Option<&Slot> {
        self.find(key).ok().map(|i| &self.entries[i].slot)
    }

    /// Puts `slot` under `key`, replacing what was there.
    fn put(&mut self, key: &str, slot: Slot) {
        match self.find(key) {
            Ok(i) => self.entries[i].slot = slot,
            Err(i) => self.entries.insert(
                i,
                Entry {
                    name: Bytes::Owned(key.as_bytes().into()),
                    slot,
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

    pub(crate) fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        match self.slot(key) {
            None => Ok(None),
            Some(Slot::Encoded(b)) => decode(key, self.bytes(b)).map(Some),
            // Rare (update then get in one request): a round trip keeps one code path for
            // type checking.
            Some(Slot::Live(live)) => decode(key, &live.encode(key)?).map(Some),
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
        let live_of_type =
            matches!(self.slot(key), Some(Slot::Live(l)) if l.value_type() == TypeId::of::<T>());
        if !live_of_type {
            let value: T = self.get(key)?.unwrap_or_default();
            self.put(key, Slot::Live(Box::new(value)));
        }
        let i = self.find(key).expect("inserted above");
        let Slot::Live(live) = &mut self.entries[i].slot else {
            unreachable!("inserted above")
        };
        let value = live
            .as_any_mut()
            .downcast_mut::<T>()
            .expect("type checked above");
        Ok(f(value))
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

    /// The stored size of an entry in bytes, if it is known without encoding.
    pub(crate) fn encoded_len(&self, key: &str) -> Option<usize> {
        match self.slot(key)? {
            Slot::Encoded(b) => Some(self.bytes(b).len()),
            Slot::Live(_) => None,
        }
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
        assert_eq!(decode::<String>("k", &bytes).unwrap(), "abc");
        assert!(matches!(
            decode::<Vec<u8>>("k", &bytes),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            decode::<u32>("k", &bytes),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            decode::<String>("k", &bytes[..2]),
            Err(Error::Decode { .. })
        ));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            decode::<String>("k", &longer),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn update_keeps_a_live_value_and_encodes_it_once_at_the_end() {
        let mut v = Values::default();
        v.update::<Vec<u32>, _>("cart", |c| c.push(1)).unwrap();
        v.update::<Vec<u32>, _>("cart", |c| c.push(2)).unwrap();
        assert_eq!(v.get::<Vec<u32>>("cart").unwrap(), Some(vec![1, 2]));
        assert!(v.update::<String, _>("cart", |_| ()).is_err());
        let back = reload(&v);
        assert_eq!(back.get::<Vec<u32>>("cart").unwrap(), Some(vec![1, 2]));
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
