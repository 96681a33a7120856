//! A dictionary of typed values stored as bytes, decoded only when asked for.
//!
//! Each stored value is a 4-byte type tag followed by its postcard encoding. postcard is not
//! self-describing, so without the tag a value read as the wrong type could decode into
//! garbage; with it, a wrong-type read is an [`Error::Decode`].

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::cell::Cell;
use std::ops::Range;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::envelope::{EntryRef, EnvelopeFields};
use crate::seal::Plaintext;
use crate::{Error, Rejection};

const TAG_LEN: usize = 4;

/// A fingerprint of a Rust type's name, with the paths of the standard library's types left
/// out (`Vec<String>`, not `alloc::vec::Vec<alloc::string::String>`; `Vec<my_app::Cart>`).
/// References and unsized forms are folded into their owned forms (`&str` and `str` into
/// `String`, `[T]` into `Vec<T>`, also inside a type: `Vec<&str>` into `Vec<String>`),
/// because they serialize identically.
///
/// The standard library's paths are left out because the compiler may print them differently
/// in another version (`IpAddr` moved from `std::net` to `core::net` in Rust 1.77), which
/// would make stored values unreadable after a toolchain upgrade. The app's own types keep
/// their paths, so two types of the same name in different modules stay apart.
///
/// Each stored value's bytes start with this tag; tools that look at raw entries (those of a
/// [`seal::open`](crate::seal::open)ed envelope) can use it to recognise a type.
///
/// ```
/// use rocket_sealed::chunk::SentCookies;
/// use rocket_sealed::codec::StoreSpec;
/// use rocket_sealed::store::{type_tag, SessionState};
/// use rocket_sealed::{seal, Config, KeyConfig, KeyRing, Status};
///
/// assert_eq!(type_tag::<&str>(), type_tag::<String>());
/// assert_eq!(type_tag::<Vec<&str>>(), type_tag::<Vec<String>>());
/// assert_ne!(type_tag::<u32>(), type_tag::<u64>());
///
/// let config = Config::default();
/// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
/// let spec = StoreSpec {
///     name: "sid".into(),
///     limits: config.chunk_limits(),
///     budget: config.session.budget,
///     attrs: config.cookie_attrs(false, config.session.idle_timeout_secs),
/// };
/// let mut session = SessionState::new(1_000, Status::New);
/// session.set("visits", &3u32).unwrap();
/// let nothing = SentCookies::collect("sid", []);
/// let commit = session.commit(&ring, &spec, &config.session, &nothing, 1_000).unwrap().unwrap();
/// let value = commit.written.lines[0].split(';').next().unwrap().strip_prefix("sid=").unwrap();
/// let envelope = seal::open(&ring, "sid", value, 4096).unwrap().envelope;
/// let (name, bytes) = &envelope.entries[0];
/// assert_eq!((name.as_str(), &bytes[..4]), ("visits", &type_tag::<u32>()[..]));
/// ```
pub fn type_tag<T: ?Sized>() -> [u8; TAG_LEN] {
    // Walking the name costs ~0.5k instructions, and handlers ask for the same few types on
    // every request: each thread remembers recent tags by the address of the type's name
    // (`T` need not be `'static`, so there is no `TypeId`). Equal address and length mean the
    // same text, so a hit is always right; a collision only means walking the name again.
    thread_local! {
        static RECENT: [Cell<(usize, usize, [u8; TAG_LEN])>; 32] =
            const { [const { Cell::new((0, 0, [0; TAG_LEN])) }; 32] };
    }
    let name = std::any::type_name::<T>();
    let (addr, len) = (name.as_ptr() as usize, name.len());
    RECENT.with(|recent| {
        let slot = &recent[(addr ^ (addr >> 7)) % recent.len()];
        match slot.get() {
            (a, l, tag) if a == addr && l == len => tag,
            _ => {
                let tag = tag_of_name(name);
                slot.set((addr, len, tag));
                tag
            }
        }
    })
}

/// [`type_tag`] of the type called `name`.
fn tag_of_name(name: &str) -> [u8; TAG_LEN] {
    let mut hash = Fnv1a::new();
    hash.write_without_std_paths(&owned_name(name));
    hash.0.to_be_bytes()
}

/// The tags earlier builds gave `T`, so that the values they stored still read back (worked
/// out only when the current tag differs). Both folded references at the top of the name
/// only: the tag of 2026-12-01 left out the standard library's paths, the one before it
/// hashed the whole name. They differ from today's only for a type with a reference inside
/// that still deserializes (`PhantomData<&str>`, an id type generic over `&'static str`).
fn earlier_tags<T: ?Sized>() -> [[u8; TAG_LEN]; 2] {
    let name = top_level_owned_name(std::any::type_name::<T>());
    let mut without_std_paths = Fnv1a::new();
    without_std_paths.write_without_std_paths(&name);
    let mut whole = Fnv1a::new();
    whole.write(name.as_bytes());
    [without_std_paths.0.to_be_bytes(), whole.0.to_be_bytes()]
}

/// The owned form of `name` as earlier builds worked it out: references dropped, `str` and
/// `[T]` folded, at the top of the name only.
fn top_level_owned_name(name: &str) -> Cow<'_, str> {
    let name = strip_references(name);
    if name == "str" {
        return Cow::Borrowed("alloc::string::String");
    }
    match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(inner) if !inner.contains(';') => Cow::Owned(format!("alloc::vec::Vec<{inner}>")),
        _ => Cow::Borrowed(name),
    }
}

/// The name of the owned form of the type called `name`, because the borrowed and owned forms
/// serialize identically: references dropped, `str` as `alloc::string::String` and `[T]` as
/// `alloc::vec::Vec<T>`, at the top and, behind a reference, inside (`Vec<&str>` is
/// `Vec<String>`, `Option<&[u8]>` is `Option<Vec<u8>>`). A `str` or `[T]` without a reference
/// inside a type (`Box<str>`) is left as it is: it is already owned and reads back as itself.
fn owned_name(mut name: &str) -> Cow<'_, str> {
    name = strip_references(name);
    if name == "str" {
        return Cow::Borrowed("alloc::string::String");
    }
    if let Some(inner) = slice_element(name) {
        return Cow::Owned(format!("alloc::vec::Vec<{}>", fold_references(inner)));
    }
    if name.contains('&') {
        Cow::Owned(fold_references(name))
    } else {
        Cow::Borrowed(name)
    }
}

fn strip_references(mut name: &str) -> &str {
    while let Some(rest) = name.strip_prefix('&') {
        name = rest.strip_prefix("mut ").unwrap_or(rest);
    }
    name
}

/// `T` of a slice type `[T]`; `None` for anything else, a fixed-size array `[T; N]` included
/// (it serializes as a tuple, not as a Vec).
fn slice_element(name: &str) -> Option<&str> {
    let inner = name.strip_prefix('[')?;
    let close = matching_bracket(inner)?;
    if close + 1 != inner.len() {
        return None;
    }
    let inner = &inner[..close];
    let mut depth = 0usize;
    let mut previous = 0;
    for b in inner.bytes() {
        match b {
            b'[' | b'(' | b'<' => depth += 1,
            // The `>` of a function pointer's `->` closes nothing.
            b'>' if previous == b'-' => {}
            b']' | b')' | b'>' => depth = depth.saturating_sub(1),
            b';' if depth == 0 => return None,
            _ => {}
        }
        previous = b;
    }
    Some(inner)
}

/// The index of the `]` that closes a `[` just before `text`.
fn matching_bracket(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'[' => depth += 1,
            b']' if depth == 0 => return Some(i),
            b']' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// `name` with every reference inside it replaced by its owned form (see [`owned_name`]).
fn fold_references(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 16);
    let mut rest = name;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let referent = strip_references(&rest[at..]);
        let is_str = referent.strip_prefix("str").is_some_and(|after| {
            !after.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
        });
        if is_str {
            out.push_str("alloc::string::String");
            rest = &referent[3..];
        } else if let Some(element) = referent
            .strip_prefix('[')
            .and_then(matching_bracket)
            .and_then(|close| slice_element(&referent[..close + 2]))
        {
            out.push_str("alloc::vec::Vec<");
            out.push_str(&fold_references(element));
            out.push('>');
            rest = &referent[element.len() + 2..];
        } else {
            rest = referent;
        }
    }
    out.push_str(rest);
    out
}

/// FNV-1a, 32 bits: a fingerprint against mistakes, not an adversary (the bytes are sealed).
struct Fnv1a(u32);

impl Fnv1a {
    fn new() -> Fnv1a {
        Fnv1a(0x811c_9dc5)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u32::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0193);
        }
    }

    /// Hashes a type name with the paths of `core`, `alloc` and `std` items left out.
    fn write_without_std_paths(&mut self, name: &str) {
        let bytes = name.as_bytes();
        // The current path: where it began, the hash there, and whether it is the standard
        // library's (known at its first `::`).
        let (mut start, mut at_start, mut first_separator, mut std_path) = (0, self.0, true, false);
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i..].starts_with(b"::") {
                if first_separator {
                    std_path = matches!(&bytes[start..i], b"core" | b"alloc" | b"std");
                    first_separator = false;
                }
                if std_path {
                    self.0 = at_start; // drop the segment just hashed
                } else {
                    self.write(b"::");
                }
                i += 2;
                continue;
            }
            self.write(&bytes[i..=i]);
            if !(bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                (start, at_start, first_separator, std_path) = (i + 1, self.0, true, false);
            }
            i += 1;
        }
    }
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
    if tag != type_tag::<T>() && !earlier_tags::<T>().contains(&tag.try_into().expect("4 bytes")) {
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
    fn references_inside_a_type_fold_into_owned_forms_too() {
        use std::collections::BTreeMap;
        assert_eq!(type_tag::<Vec<&str>>(), type_tag::<Vec<String>>());
        assert_eq!(type_tag::<&[&str]>(), type_tag::<Vec<String>>());
        assert_eq!(type_tag::<(&str, u32)>(), type_tag::<(String, u32)>());
        assert_eq!(type_tag::<Option<&[u8]>>(), type_tag::<Option<Vec<u8>>>());
        assert_eq!(
            type_tag::<BTreeMap<&str, Vec<&&mut str>>>(),
            type_tag::<BTreeMap<String, Vec<String>>>()
        );
        assert_eq!(
            type_tag::<Vec<&[[u8; 2]]>>(),
            type_tag::<Vec<Vec<[u8; 2]>>>()
        );
        assert_eq!(type_tag::<[[u8; 2]]>(), type_tag::<Vec<[u8; 2]>>());
        assert_eq!(type_tag::<Vec<&u32>>(), type_tag::<Vec<u32>>());
        // A reference to an array is the array; an owned `str` or slice stays itself.
        assert_eq!(type_tag::<Vec<&[u8; 4]>>(), type_tag::<Vec<[u8; 4]>>());
        assert_ne!(type_tag::<Vec<&[u8; 4]>>(), type_tag::<Vec<Vec<u8>>>());
        assert_ne!(type_tag::<Box<str>>(), type_tag::<String>());
        assert_eq!(
            owned_name("alloc::boxed::Box<str>"),
            "alloc::boxed::Box<str>"
        );
        // Names that only look like `str` are not folded.
        assert_eq!(
            owned_name("alloc::vec::Vec<&strings::S>"),
            "alloc::vec::Vec<strings::S>"
        );
        assert_eq!(
            owned_name("(&str_like, &str)"),
            "(str_like, alloc::string::String)"
        );
        // Malformed names (never printed by the compiler) do not panic.
        for name in ["&", "&[", "&[u8", "[&", "&mut ", "]&[]", "&[;]", "&str]"] {
            let _ = owned_name(name);
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

    fn fnv1a(bytes: &[u8]) -> [u8; TAG_LEN] {
        let mut hash = Fnv1a::new();
        hash.write(bytes);
        hash.0.to_be_bytes()
    }

    mod shop {
        pub struct Cart;
    }
    #[allow(non_snake_case)]
    mod größen {
        pub struct Maß;
    }
    mod checkout {
        pub mod moved {
            pub struct Cart;
        }
    }

    #[test]
    fn a_tag_leaves_out_the_standard_librarys_paths_only() {
        assert_eq!(type_tag::<String>(), fnv1a(b"String"));
        assert_eq!(type_tag::<std::net::IpAddr>(), fnv1a(b"IpAddr"));
        assert_eq!(
            type_tag::<Option<Vec<(u32, std::collections::BTreeMap<String, bool>)>>>(),
            fnv1a(b"Option<Vec<(u32, BTreeMap<String, bool>)>>")
        );
        assert_eq!(type_tag::<[String]>(), fnv1a(b"Vec<String>"));
        assert_eq!(type_tag::<[std::net::IpAddr; 2]>(), fnv1a(b"[IpAddr; 2]"));
        assert_eq!(type_tag::<&&mut str>(), fnv1a(b"String"));
        // The app's own types keep their paths: same name, other module, other tag.
        let cart = std::any::type_name::<shop::Cart>();
        assert!(cart.ends_with("::shop::Cart"), "{cart}");
        assert_eq!(type_tag::<shop::Cart>(), fnv1a(cart.as_bytes()));
        assert_ne!(
            type_tag::<shop::Cart>(),
            type_tag::<checkout::moved::Cart>()
        );
        assert_eq!(
            type_tag::<Vec<shop::Cart>>(),
            fnv1a(format!("Vec<{cart}>").as_bytes())
        );
        // Names need not be ASCII.
        let mass = std::any::type_name::<Vec<größen::Maß>>();
        assert_eq!(
            tag_of_name(mass),
            fnv1a(mass.trim_start_matches("alloc::vec::").as_bytes())
        );
        // Cached or not, the same answer.
        for _ in 0..3 {
            assert_eq!(
                type_tag::<Vec<shop::Cart>>(),
                tag_of_name(std::any::type_name::<Vec<shop::Cart>>())
            );
        }
    }

    #[test]
    fn values_stored_with_the_old_whole_name_tags_still_read() {
        let mut old = fnv1a(b"alloc::string::String").to_vec();
        old.extend(postcard::to_allocvec("abc").unwrap());
        assert_eq!(decode::<String>("k", &old).unwrap(), "abc");
        let mut old = fnv1a(b"alloc::vec::Vec<u32>").to_vec();
        old.extend(postcard::to_allocvec(&vec![1u32, 2]).unwrap());
        assert_eq!(decode::<Vec<u32>>("k", &old).unwrap(), vec![1, 2]);
        assert!(decode::<Vec<u64>>("k", &old).is_err());
    }

    /// Types with a reference inside that still deserialize got a new tag when references
    /// inside a type began to fold; what the builds before stored under the old tags reads.
    #[test]
    fn values_of_types_with_a_reference_inside_stored_by_earlier_builds_still_read() {
        use std::marker::PhantomData;
        assert_eq!(
            type_tag::<PhantomData<&str>>(),
            type_tag::<PhantomData<String>>()
        );
        for old_name in [
            &b"PhantomData<&str>"[..],
            b"core::marker::PhantomData<&str>",
        ] {
            let mut old = fnv1a(old_name).to_vec();
            old.extend(postcard::to_allocvec(&(PhantomData::<&str>, 5u8)).unwrap());
            let mut old_tuple = fnv1a(b"(PhantomData<&str>, u8)").to_vec();
            old_tuple.extend(&old[TAG_LEN..]);
            old.truncate(TAG_LEN);
            assert!(decode::<PhantomData<&'static str>>("k", &old).is_ok());
            assert_eq!(
                decode::<(PhantomData<&'static str>, u8)>("k", &old_tuple)
                    .unwrap()
                    .1,
                5
            );
        }
        // Owned types have one tag, as before.
        assert_eq!(earlier_tags::<Vec<String>>()[0], type_tag::<Vec<String>>());
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
