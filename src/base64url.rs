//! base64url without padding (RFC 4648 §5), the text of every sealed cookie.
//!
//! The `base64` crate's general-purpose engine spends about as long on a cookie as the cipher
//! does (a table lookup and a shift per character). This codec encodes three bytes with two
//! lookups in a table of character pairs and decodes four characters with four lookups in
//! tables that already hold each character's bits in place. It is exactly as strict as
//! `base64::engine::general_purpose::URL_SAFE_NO_PAD`: no padding, no whitespace, no length of
//! the form 4n + 1, and the unused low bits of the last character must be zero, so every value
//! has exactly one text (the tests compare the two on random and mutated input).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The two characters of every 12-bit value.
static PAIRS: [[u8; 2]; 4096] = {
    let mut t = [[0u8; 2]; 4096];
    let mut i = 0;
    while i < 4096 {
        t[i] = [ALPHABET[i >> 6], ALPHABET[i & 63]];
        i += 1;
    }
    t
};

/// Marks a byte that is not in the alphabet; kept clear of every decoded bit (24 of them).
const INVALID: u32 = 1 << 31;

/// `DECODE[k][c]`: the six bits of character `c` placed where the `k`-th character of a group
/// of four puts them in the 24-bit result, or [`INVALID`].
static DECODE: [[u32; 256]; 4] = {
    let mut t = [[INVALID; 256]; 4];
    let mut i = 0;
    while i < 64 {
        let c = ALPHABET[i] as usize;
        let v = i as u32;
        t[0][c] = v << 18;
        t[1][c] = v << 12;
        t[2][c] = v << 6;
        t[3][c] = v;
        i += 1;
    }
    t
};

/// The text is not canonical unpadded base64url.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidBase64;

/// Characters that `len` bytes encode to.
pub(crate) fn encoded_len(len: usize) -> usize {
    len / 3 * 4 + [0, 2, 3][len % 3]
}

/// Encodes `input`.
pub(crate) fn encode(input: &[u8]) -> String {
    let mut out = vec![0u8; encoded_len(input.len())];
    let (groups, rest) = input.as_chunks::<3>();
    let (out_groups, out_rest) = out.as_chunks_mut::<4>();
    for (o, g) in out_groups.iter_mut().zip(groups) {
        let v = (usize::from(g[0]) << 16) | (usize::from(g[1]) << 8) | usize::from(g[2]);
        let [a, b] = PAIRS[v >> 12];
        let [c, d] = PAIRS[v & 0xfff];
        *o = [a, b, c, d];
    }
    match *rest {
        [x] => {
            let [a, b] = PAIRS[usize::from(x) << 4];
            out_rest.copy_from_slice(&[a, b]);
        }
        [x, y] => {
            let v = (usize::from(x) << 10) | (usize::from(y) << 2);
            let [a, b] = PAIRS[v >> 6];
            out_rest.copy_from_slice(&[a, b, ALPHABET[v & 63]]);
        }
        _ => {}
    }
    String::from_utf8(out).expect("the alphabet is ASCII")
}

/// Decodes `text`, refusing anything but the canonical unpadded form.
#[cfg(test)]
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, InvalidBase64> {
    let mut out = Vec::new();
    decode_into(text, &mut out).map(|()| out)
}

/// Decodes `text` into `out` (replacing its contents), refusing anything but the canonical
/// unpadded form. On error `out` holds no meaningful bytes.
pub(crate) fn decode_into(text: &str, out: &mut Vec<u8>) -> Result<(), InvalidBase64> {
    let text = text.as_bytes();
    let tail_bytes = match text.len() % 4 {
        0 => 0,
        2 => 1,
        3 => 2,
        _ => return Err(InvalidBase64),
    };
    out.clear();
    out.resize(text.len() / 4 * 3 + tail_bytes, 0);
    let (groups, rest) = text.as_chunks::<4>();
    let (out_groups, out_rest) = out.as_chunks_mut::<3>();
    let mut seen = 0u32;
    for (o, g) in out_groups.iter_mut().zip(groups) {
        let v = DECODE[0][usize::from(g[0])]
            | DECODE[1][usize::from(g[1])]
            | DECODE[2][usize::from(g[2])]
            | DECODE[3][usize::from(g[3])];
        seen |= v;
        let [_, a, b, c] = v.to_be_bytes();
        *o = [a, b, c];
    }
    match *rest {
        [x, y] => {
            let v = DECODE[0][usize::from(x)] | DECODE[1][usize::from(y)];
            // The last character's low four bits are not part of any byte.
            seen |= v | if v & 0xffff != 0 { INVALID } else { 0 };
            out_rest.copy_from_slice(&[(v >> 16) as u8]);
        }
        [x, y, z] => {
            let v =
                DECODE[0][usize::from(x)] | DECODE[1][usize::from(y)] | DECODE[2][usize::from(z)];
            // The last character's low two bits are not part of any byte.
            seen |= v | if v & 0xff != 0 { INVALID } else { 0 };
            let [_, a, b, _] = v.to_be_bytes();
            out_rest.copy_from_slice(&[a, b]);
        }
        _ => {}
    }
    if seen & INVALID != 0 {
        return Err(InvalidBase64);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use proptest::collection::vec;
    use proptest::prelude::*;

    #[test]
    fn rfc4648_vectors() {
        for (plain, text) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), text);
            assert_eq!(decode(text).unwrap(), plain.as_bytes());
        }
        assert_eq!(encode(&[0xfb, 0xff, 0xbf]), "-_-_");
    }

    #[test]
    fn refuses_what_the_base64_crate_refuses() {
        for bad in [
            "Zg=",
            "Zg==",
            "Z",
            "Zm9vY",
            "Zh",
            "Zm9",
            "Zm8 ",
            " Zm8",
            "Zm+v",
            "Zm/v",
            "Zm9v\n",
            "Zm9vYg=",
            "Z\u{e9}9v",
        ] {
            assert_eq!(decode(bad), Err(InvalidBase64), "{bad:?}");
            assert!(URL_SAFE_NO_PAD.decode(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_trailing_character_is_checked_against_the_crate() {
        // All 64 × 64 endings of a 2- and a 3-character tail, valid or not.
        for x in ALPHABET {
            for y in ALPHABET {
                for text in [
                    format!("AAAA{}{}", *x as char, *y as char),
                    format!("AAAAA{}{}", *x as char, *y as char),
                ] {
                    assert_eq!(
                        decode(&text).ok(),
                        URL_SAFE_NO_PAD.decode(&text).ok(),
                        "{text}"
                    );
                }
            }
        }
    }

    proptest! {
        #[test]
        fn encodes_as_the_base64_crate(bytes in vec(any::<u8>(), 0..600)) {
            let text = encode(&bytes);
            prop_assert_eq!(&text, &URL_SAFE_NO_PAD.encode(&bytes));
            prop_assert_eq!(text.len(), encoded_len(bytes.len()));
            prop_assert_eq!(decode(&text).unwrap(), bytes);
        }

        #[test]
        fn decodes_as_the_base64_crate(
            text in "[A-Za-z0-9_=+/ .-]{0,40}",
        ) {
            prop_assert_eq!(decode(&text).ok(), URL_SAFE_NO_PAD.decode(&text).ok());
        }

        #[test]
        fn decodes_mutated_encodings_as_the_base64_crate(
            bytes in vec(any::<u8>(), 0..100),
            at in any::<prop::sample::Index>(),
            with in any::<u8>(),
        ) {
            let mut text = encode(&bytes).into_bytes();
            if !text.is_empty() {
                let i = at.index(text.len());
                text[i] = with;
            }
            if let Ok(text) = String::from_utf8(text) {
                prop_assert_eq!(decode(&text).ok(), URL_SAFE_NO_PAD.decode(&text).ok());
            }
        }
    }
}
