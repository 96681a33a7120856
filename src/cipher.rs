//! The AEAD: XChaCha20-Poly1305 as draft-irtf-cfrg-xchacha defines it, one instance per key.
//!
//! With the default `ring` feature it is composed from two maintained crates, exactly as the
//! draft constructs it: HChaCha20 from the `chacha20` crate turns the key and the first 16
//! nonce bytes into a one-message subkey, and `ring`'s ChaCha20-Poly1305 (RFC 8439) seals under
//! that subkey with the 12-byte nonce `0u32 || nonce[16..24]`. Without the feature, the
//! `chacha20poly1305` crate does the whole thing in pure Rust. Both give the same bytes; the
//! tests below check them against each other and against the draft's test vector.
//!
//! Why two: in a build without `-C target-cpu`, the `poly1305` crate under `chacha20poly1305`
//! picks its AVX2 backend at run time but prepares every one-time key in code compiled without
//! AVX2, which costs about 0.4 µs per message and 1.6 µs per KiB hashed; `ring`'s assembly
//! does not have that problem (docs/performance.md has the numbers).

#[cfg(feature = "ring")]
use zeroize::Zeroizing;

/// Length of a key in bytes.
///
/// ```
/// use rocket_sealed::{KeyConfig, KeyRing, KEY_LEN};
///
/// assert_eq!(KEY_LEN, 32);
/// // 32 bytes are 43 characters of unpadded base64url.
/// let exact = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopA";
/// assert_eq!(exact.len(), (KEY_LEN * 4).div_ceil(3));
/// assert!(KeyRing::from_config(&[KeyConfig::new(1, exact)]).is_ok());
/// let short = &exact[..42]; // 31 bytes
/// assert!(KeyRing::from_config(&[KeyConfig::new(1, short)]).is_err());
/// ```
pub const KEY_LEN: usize = 32;

/// Nonce length of XChaCha20-Poly1305.
pub(crate) const NONCE_LEN: usize = 24;
/// Tag length of Poly1305.
pub(crate) const TAG_LEN: usize = 16;

/// The message was too long for the cipher (sealing) or did not authenticate (opening).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CipherError;

/// XChaCha20-Poly1305 under one key. The key material is zeroized on drop.
pub(crate) struct Cipher {
    #[cfg(feature = "ring")]
    key: Zeroizing<[u8; KEY_LEN]>,
    #[cfg(not(feature = "ring"))]
    inner: chacha20poly1305::XChaCha20Poly1305,
}

impl Cipher {
    /// A cipher for these 32 key bytes (the caller keeps and wipes its own copy).
    pub(crate) fn new(key: &[u8; KEY_LEN]) -> Cipher {
        #[cfg(feature = "ring")]
        {
            Cipher {
                key: Zeroizing::new(*key),
            }
        }
        #[cfg(not(feature = "ring"))]
        {
            use chacha20poly1305::aead::KeyInit as _;
            Cipher {
                inner: chacha20poly1305::XChaCha20Poly1305::new(key.into()),
            }
        }
    }

    /// Encrypts `in_out` in place and returns the tag.
    pub(crate) fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], CipherError> {
        #[cfg(feature = "ring")]
        {
            let (key, nonce) = self.message_key(nonce);
            let tag = key
                .seal_in_place_separate_tag(nonce, ring::aead::Aad::from(aad), in_out)
                .map_err(|_| CipherError)?;
            let mut out = [0u8; TAG_LEN];
            out.copy_from_slice(tag.as_ref());
            Ok(out)
        }
        #[cfg(not(feature = "ring"))]
        {
            use chacha20poly1305::aead::AeadInOut as _;
            let tag = self
                .inner
                .encrypt_inout_detached(nonce.into(), aad, in_out.into())
                .map_err(|_| CipherError)?;
            Ok(tag.into())
        }
    }

    /// Checks the tag and decrypts `in_out` in place. On failure the contents of `in_out`
    /// are unspecified and must not be used.
    pub(crate) fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), CipherError> {
        #[cfg(feature = "ring")]
        {
            let (key, nonce) = self.message_key(nonce);
            key.open_in_place_separate_tag(
                nonce,
                ring::aead::Aad::from(aad),
                ring::aead::Tag::from(*tag),
                in_out,
                0..,
            )
            .map(|_| ())
            .map_err(|_| CipherError)
        }
        #[cfg(not(feature = "ring"))]
        {
            use chacha20poly1305::aead::AeadInOut as _;
            self.inner
                .decrypt_inout_detached(nonce.into(), aad, in_out.into(), tag.into())
                .map_err(|_| CipherError)
        }
    }

    /// The ChaCha20-Poly1305 key and nonce for one XChaCha20-Poly1305 message
    /// (draft-irtf-cfrg-xchacha-03, section 2.3).
    #[cfg(feature = "ring")]
    fn message_key(&self, nonce: &[u8; NONCE_LEN]) -> (ring::aead::LessSafeKey, ring::aead::Nonce) {
        use zeroize::Zeroize as _;

        let key: &chacha20::Key = (&*self.key).into();
        let prefix: &[u8; 16] = nonce[..16].try_into().expect("16 of 24 bytes");
        let mut subkey = chacha20::hchacha::<chacha20::R20>(key, prefix.into());
        let unbound = ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, &subkey);
        subkey.as_mut_slice().zeroize();
        // ring keeps its own copy of the subkey in the returned key, which it does not wipe
        // on drop. A leaked subkey opens this message, and since a sealer chooses the nonce,
        // it also seals new messages under this 16-byte prefix that open for as long as the
        // key is in the ring (docs/security.md says so: rotate after a memory disclosure).
        let unbound = unbound.expect("a 32-byte key is valid for ChaCha20-Poly1305");
        let mut short = [0u8; 12];
        short[4..].copy_from_slice(&nonce[16..]);
        (
            ring::aead::LessSafeKey::new(unbound),
            ring::aead::Nonce::assume_unique_for_key(short),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// draft-irtf-cfrg-xchacha-03, appendix A.3.1.
    #[test]
    fn draft_test_vector() {
        let plaintext = hex(
            "4c616469657320616e642047656e746c656d656e206f662074686520636c6173
             73206f66202739393a204966204920636f756c64206f6666657220796f75206f
             6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73
             637265656e20776f756c642062652069742e",
        );
        let aad = hex("50515253c0c1c2c3c4c5c6c7");
        let key: [u8; 32] = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
            .try_into()
            .unwrap();
        let nonce: [u8; 24] = hex("404142434445464748494a4b4c4d4e4f5051525354555657")
            .try_into()
            .unwrap();
        let ciphertext = hex(
            "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb
             731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452
             2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9
             21f9664c97637da9768812f615c68b13b52e",
        );
        let tag = hex("c0875924c1c7987947deafd8780acf49");

        let cipher = Cipher::new(&key);
        let mut buf = plaintext.clone();
        let sealed_tag = cipher.seal_in_place(&nonce, &aad, &mut buf).unwrap();
        assert_eq!(buf, ciphertext);
        assert_eq!(sealed_tag.to_vec(), tag);

        cipher
            .open_in_place(&nonce, &aad, &mut buf, &sealed_tag)
            .unwrap();
        assert_eq!(buf, plaintext);
    }

    #[test]
    fn any_changed_input_fails_to_open() {
        let cipher = Cipher::new(&[7; 32]);
        let nonce = [9; 24];
        let mut sealed = b"a message".to_vec();
        let tag = cipher.seal_in_place(&nonce, b"aad", &mut sealed).unwrap();

        let mut other_nonce = nonce;
        other_nonce[23] ^= 1; // a bit of the part ring sees
        let mut other_prefix = nonce;
        other_prefix[0] ^= 1; // a bit of the part only HChaCha20 sees
        let mut other_tag = tag;
        other_tag[15] ^= 0x80;
        let mut other_body = sealed.clone();
        other_body[0] ^= 1;
        // nonce, aad, sealed body, tag
        type Case<'a> = (&'a [u8; 24], &'a [u8], Vec<u8>, [u8; 16]);
        let cases: [Case; 6] = [
            (&other_nonce, b"aad", sealed.clone(), tag),
            (&other_prefix, b"aad", sealed.clone(), tag),
            (&nonce, b"aae", sealed.clone(), tag),
            (&nonce, b"aad", sealed.clone(), other_tag),
            (&nonce, b"aad", other_body, tag),
            (&nonce, b"aad", sealed[..8].to_vec(), tag),
        ];
        for (i, (nonce, aad, mut body, tag)) in cases.into_iter().enumerate() {
            assert_eq!(
                cipher.open_in_place(nonce, aad, &mut body, &tag),
                Err(CipherError),
                "case {i}"
            );
        }
        assert_eq!(
            Cipher::new(&[8; 32]).open_in_place(&nonce, b"aad", &mut sealed.clone(), &tag),
            Err(CipherError)
        );
        assert!(
            cipher
                .open_in_place(&nonce, b"aad", &mut sealed, &tag)
                .is_ok()
        );
    }

    /// The cipher's copy of the key is wiped on drop. With `ring` the 32 bytes are held in a
    /// `Zeroizing` (this does not compile if the field's type changes); without it the
    /// `chacha20poly1305` instance holds them and wipes them itself (its `zeroize` feature).
    #[test]
    fn the_key_held_is_zeroized_on_drop() {
        fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}
        let cipher = Cipher::new(&[3; KEY_LEN]);
        #[cfg(feature = "ring")]
        {
            let key: &zeroize::Zeroizing<[u8; 32]> = &cipher.key;
            zeroized_on_drop(key);
            assert_eq!(**key, [3; 32]);
        }
        #[cfg(not(feature = "ring"))]
        {
            let inner: &chacha20poly1305::XChaCha20Poly1305 = &cipher.inner;
            zeroized_on_drop(inner);
        }
    }

    proptest! {
        /// The composed cipher gives exactly the bytes of the `chacha20poly1305` crate, and
        /// each opens what the other sealed. (Without the `ring` feature the two are the same
        /// code, so the comparison would prove nothing.)
        #[cfg(feature = "ring")]
        #[test]
        fn same_bytes_as_the_chacha20poly1305_crate(
            key in any::<[u8; 32]>(),
            nonce in any::<[u8; 24]>(),
            aad in proptest::collection::vec(any::<u8>(), 0..100),
            message in proptest::collection::vec(any::<u8>(), 0..5000),
        ) {
            use chacha20poly1305::aead::{AeadInOut as _, KeyInit as _};
            let reference = chacha20poly1305::XChaCha20Poly1305::new(&key.into());
            let mut expected = message.clone();
            let expected_tag = reference
                .encrypt_inout_detached(&nonce.into(), &aad, expected.as_mut_slice().into())
                .unwrap();

            let cipher = Cipher::new(&key);
            let mut ours = message.clone();
            let tag = cipher.seal_in_place(&nonce, &aad, &mut ours).unwrap();
            prop_assert_eq!(&ours, &expected);
            prop_assert_eq!(tag, <[u8; 16]>::from(expected_tag));

            prop_assert!(cipher.open_in_place(&nonce, &aad, &mut expected, &tag).is_ok());
            prop_assert_eq!(&expected, &message);
            reference
                .decrypt_inout_detached(&nonce.into(), &aad, ours.as_mut_slice().into(), &tag.into())
                .unwrap();
            prop_assert_eq!(&ours, &message);
        }
    }
}
