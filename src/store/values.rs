//! A dictionary of typed values stored as bytes, decoded only when asked for.
//!
//! Each stored value is a 4-byte type tag followed by its postcard encoding. postcard is not
//! self-describing, so without the tag a value read as the wrong type could decode into
//! garbage; with it, a wrong-type read is an [`Error::Decode`].

use std::any::{Any, TypeId};
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::Error;

const TAG_LEN: usize = 4;

/// A fingerprint of a Rust type's name. References and unsized forms are folded into their
/// owned forms (`&str` and `str` into `String`, `[T]` into `Vec<T>`), because they serialize
/// identically.
fn type_tag<T: ?Sized>() -> [u8; TAG_LEN] {
    let mut name = std::any::type_name::<T>();
    while let Some(rest) = name.strip_prefix('&') {
        name = rest.strip_prefix("mut ").unwrap_or(rest);
    }
    let owned;
    let name = if name == "str" {
        "alloc::string::String"
    } else if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        if inner.contains(';') {
            name // a fixed-size array serializes as a tuple, not a Vec
        } else {
            owned = format!("alloc::vec::Vec<{inner}>");
            &owned
        }
    } else {
        name
    };
    // FNV-1a, 32 bits: a fingerprint against mistakes, not an adversary (the bytes are sealed).
    let mut hash: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash.to_be_bytes()
}

/// Encodes a value as type tag + postcard bytes.
pub(crate) fn encode<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<Vec<u8>, Error> {
    let buf = type_tag::<T>().to_vec();
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
        .split_at_checked(TAG_LEN)
        .ok_or_else(|| err("the stored value is truncated".into()))?;
    if tag != type_tag::<T>() {
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

enum Slot {
    Encoded(Vec<u8>),
    Live(Box<dyn Live>),
}

/// The entries of one store.
#[derive(Default)]
pub(crate) struct Values {
    map: BTreeMap<String, Slot>,
}

impl Values {
    pub(crate) fn from_entries(entries: Vec<(String, Vec<u8>)>) -> Values {
        Values {
            map: entries
                .into_iter()
                .map(|(k, v)| (k, Slot::Encoded(v)))
                .collect(),
        }
    }

    /// Encodes every entry, in name order.
    pub(crate) fn to_entries(&self) -> Result<Vec<(String, Vec<u8>)>, Error> {
        self.map
            .iter()
            .map(|(k, slot)| {
                let bytes = match slot {
                    Slot::Encoded(bytes) => bytes.clone(),
                    Slot::Live(live) => live.encode(k)?,
                };
                Ok((k.clone(), bytes))
            })
            .collect()
    }

    pub(crate) fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Error> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Slot::Encoded(bytes)) => decode(key, bytes).map(Some),
            // Rare (update then get in one request): a round trip keeps one code path for
            // type checking.
            Some(Slot::Live(live)) => decode(key, &live.encode(key)?).map(Some),
        }
    }

    pub(crate) fn set<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        let bytes = encode(key, value)?;
        self.map.insert(key.to_owned(), Slot::Encoded(bytes));
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
            matches!(self.map.get(key), Some(Slot::Live(l)) if l.value_type() == TypeId::of::<T>());
        if !live_of_type {
            let value: T = self.get(key)?.unwrap_or_default();
            self.map.insert(key.to_owned(), Slot::Live(Box::new(value)));
        }
        let Some(Slot::Live(live)) = self.map.get_mut(key) else {
            unreachable!("inserted above")
        };
        let value = live
            .as_any_mut()
            .downcast_mut::<T>()
            .expect("type checked above");
        Ok(f(value))
    }

    pub(crate) fn remove(&mut self, key: &str) -> bool {
        self.map.remove(key).is_some()
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }

    /// The stored size of an entry in bytes, if it is known without encoding.
    pub(crate) fn encoded_len(&self, key: &str) -> Option<usize> {
        match self.map.get(key)? {
            Slot::Encoded(b) => Some(b.len()),
            Slot::Live(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn str_and_string_share_a_tag_but_other_types_do_not() {
        assert_eq!(type_tag::<&str>(), type_tag::<String>());
        assert_eq!(type_tag::<str>(), type_tag::<String>());
        assert_eq!(type_tag::<[u32]>(), type_tag::<Vec<u32>>());
        assert_ne!(type_tag::<[u32; 2]>(), type_tag::<Vec<u32>>());
        assert_ne!(type_tag::<u32>(), type_tag::<u64>());
        assert_ne!(type_tag::<String>(), type_tag::<Vec<u8>>());
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
        let entries = v.to_entries().unwrap();
        let back = Values::from_entries(entries);
        assert_eq!(back.get::<Vec<u32>>("cart").unwrap(), Some(vec![1, 2]));
    }
}
