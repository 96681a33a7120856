//! The type tag: a 4-byte fingerprint of a stored value's Rust type, so that reading a value
//! as another type is an error rather than garbage (postcard is not self-describing). Which
//! types share a tag, and which tags earlier builds wrote, is a compatibility rule: a change
//! here can strand values already in browsers.

use std::borrow::Cow;
use std::cell::Cell;

pub(crate) const TAG_LEN: usize = 4;

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
/// Values that version 0.1 stored (wire format version 1) carry this tag before their postcard
/// bytes, and are read only as a type with the same tag; values written now are MessagePack and
/// carry none (see docs/stores.md, "Stored values"). Tools that look
/// at raw entries of old cookies can use it to recognise a type.
///
/// ```
/// use rocket_sealed::store::type_tag;
///
/// assert_eq!(type_tag::<&str>(), type_tag::<String>());
/// assert_eq!(type_tag::<Vec<&str>>(), type_tag::<Vec<String>>());
/// assert_ne!(type_tag::<u32>(), type_tag::<u64>());
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

/// `true` if `tag` is `T`'s tag, today's or one an earlier build wrote.
pub(crate) fn is_tag_of<T: ?Sized>(tag: &[u8]) -> bool {
    tag == type_tag::<T>() || earlier_tags::<T>().iter().any(|t| t == tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::values::{FORMAT_TAGGED_POSTCARD, decode};

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
        let mut old = vec![FORMAT_TAGGED_POSTCARD];
        old.extend(fnv1a(b"alloc::string::String"));
        old.extend(postcard::to_allocvec("abc").unwrap());
        assert_eq!(decode::<String>("k", &old).unwrap(), "abc");
        let mut old = vec![FORMAT_TAGGED_POSTCARD];
        old.extend(fnv1a(b"alloc::vec::Vec<u32>"));
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
            let mut old = vec![FORMAT_TAGGED_POSTCARD];
            old.extend(fnv1a(old_name));
            old.extend(postcard::to_allocvec(&(PhantomData::<&str>, 5u8)).unwrap());
            let mut old_tuple = vec![FORMAT_TAGGED_POSTCARD];
            old_tuple.extend(fnv1a(b"(PhantomData<&str>, u8)"));
            old_tuple.extend(&old[1 + TAG_LEN..]);
            old.truncate(1 + TAG_LEN);
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

    /// Every flash list pending in a browser carries this tag, so `FlashMessage` must keep its
    /// path (`store::tempdata`): moving it would make those messages unreadable after an upgrade.
    /// `Vec<FlashMessage>`'s tag, as the flash lists pending in browsers carry it.
    const PINNED_FLASH_LIST_TAG: u32 = 0x82a0_c014;

    #[test]
    fn the_flash_list_tag_is_pinned() {
        let tag = type_tag::<Vec<crate::store::FlashMessage>>();
        assert_eq!(
            tag,
            fnv1a(b"Vec<rocket_sealed::store::tempdata::FlashMessage>")
        );
        assert_eq!(u32::from_be_bytes(tag), PINNED_FLASH_LIST_TAG);
    }
}
