//! XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha over RFC 8439), assembled from the `chacha20`
//! crate's XChaCha20 keystream and a 64-bit Poly1305.
//!
//! Why not the `chacha20poly1305` crate's AEAD: in a default x86-64 build (no `target-cpu` or
//! `target-feature` flags) its Poly1305 picks the AVX2 backend at run time, but prepares each
//! message's one-time key (r, r²) in functions compiled without AVX2 enabled. Every AVX2
//! intrinsic there becomes an out-of-line call that passes its vectors through memory: about
//! 1.2 µs per message before a byte is hashed, most of the cipher's cost for a cookie-sized
//! message. With `-C target-cpu=native` the cost disappears, but users rarely build that way.
//! A scalar Poly1305 on 64-bit limbs has no setup cost and hashes a cookie as fast as the
//! vector code does.
//!
//! The keystream's first four blocks are drawn in one parallel call: block 0 keys Poly1305,
//! blocks 1–3 encrypt the first 192 bytes. Drawing block 0 alone would cost as much as four.
//!
//! Output is bit-for-bit that of `chacha20poly1305::XChaCha20Poly1305`; the tests below check
//! it against that crate at every length up to 300 bytes and against the published vectors.

use chacha20::cipher::{KeyIvInit, StreamCipher};
use chacha20::XChaCha20;
use zeroize::Zeroizing;

/// Nonce length in bytes.
pub(crate) const NONCE_LEN: usize = 24;
/// Tag length in bytes.
pub(crate) const TAG_LEN: usize = 16;

/// Keystream bytes drawn up front: Poly1305 key block plus three message blocks.
const HEAD_LEN: usize = 256;
/// Of those, the message bytes (keystream blocks 1 to 3).
const HEAD_TEXT: usize = HEAD_LEN - 64;

/// An XChaCha20-Poly1305 key, ready to seal and open any number of messages. The key is
/// wiped on drop.
pub(crate) struct XChaCha20Poly1305 {
    key: Zeroizing<[u8; 32]>,
}

/// Authentication failed, or the message is too long for the cipher (over 256 GiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AeadError;

/// The per-message state: the keystream positioned after the head, the head (keystream
/// blocks 0 to 3, later reused for the tail's keystream), and Poly1305 keyed from block 0.
struct Message {
    stream: XChaCha20,
    head: [u8; HEAD_LEN],
    mac: Poly1305,
}

impl Drop for Message {
    fn drop(&mut self) {
        // A memset the optimizer cannot drop (the buffer escapes into `black_box`): `zeroize`'s
        // byte-by-byte volatile stores would cost a quarter of a short message's sealing.
        self.head.fill(0);
        std::hint::black_box(&mut self.head);
    }
}

impl XChaCha20Poly1305 {
    /// A cipher for a 32-byte key.
    pub(crate) fn new(key: &chacha20::Key) -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(key);
        XChaCha20Poly1305 { key: bytes }
    }

    fn start(&self, nonce: &[u8; NONCE_LEN], aad: &[u8]) -> Message {
        let mut stream = XChaCha20::new((&*self.key).into(), nonce.into());
        let mut head = [0u8; HEAD_LEN];
        stream.apply_keystream(&mut head);
        let mut mac = Poly1305::new(head[..32].try_into().expect("32 bytes"));
        mac.update_padded(aad);
        Message { stream, head, mac }
    }

    /// Encrypts `buffer` in place and returns its tag.
    pub(crate) fn encrypt(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buffer: &mut [u8],
    ) -> Result<[u8; TAG_LEN], AeadError> {
        let mut m = self.start(nonce, aad);
        m.apply(buffer)?;
        m.mac.update_padded(buffer);
        Ok(m.mac.finish(aad.len(), buffer.len()))
    }

    /// Checks `tag` and, only if it matches, decrypts `buffer` in place. On failure `buffer`
    /// is left as it was.
    pub(crate) fn decrypt(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buffer: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadError> {
        let mut m = self.start(nonce, aad);
        m.mac.update_padded(buffer);
        let expected = m.mac.finish(aad.len(), buffer.len());
        if !constant_time_eq(&expected, tag) {
            return Err(AeadError);
        }
        m.apply(buffer)
    }
}

impl Message {
    /// XORs the keystream (from block 1 on) into `buffer`.
    ///
    /// The stream cipher makes four blocks per call and wastes three when asked for one, so
    /// the keystream is always drawn in runs of four blocks: the head, the whole 256-byte
    /// chunks in place, then one more run into the head's buffer for the last partial chunk.
    fn apply(&mut self, buffer: &mut [u8]) -> Result<(), AeadError> {
        let n = buffer.len().min(HEAD_TEXT);
        let (first, rest) = buffer.split_at_mut(n);
        xor(first, &self.head[64..]);
        // The stream stands at byte 256 (block 4), just where `rest` begins.
        let (whole, tail) = rest.split_at_mut(rest.len() / HEAD_LEN * HEAD_LEN);
        self.stream
            .try_apply_keystream(whole)
            .map_err(|_| AeadError)?;
        if !tail.is_empty() {
            self.head.fill(0);
            self.stream
                .try_apply_keystream(&mut self.head)
                .map_err(|_| AeadError)?;
            xor(tail, &self.head);
        }
        Ok(())
    }
}

fn xor(buf: &mut [u8], keystream: &[u8]) {
    for (b, k) in buf.iter_mut().zip(keystream) {
        *b ^= k;
    }
}

/// Compares two tags in time independent of where they differ.
fn constant_time_eq(a: &[u8; TAG_LEN], b: &[u8; TAG_LEN]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

const MASK44: u64 = 0xfff_ffff_ffff;
const MASK42: u64 = 0x3ff_ffff_ffff;
/// 2^128 in the top limb: the bit appended to every full 16-byte block.
const HIBIT: u64 = 1 << 40;

/// Poly1305 (RFC 8439 §2.5) on three limbs of 44, 44 and 42 bits with 128-bit products, as in
/// poly1305-donna-64. All arithmetic is branch-free in the key and the data.
struct Poly1305 {
    r: [u64; 3],
    h: [u64; 3],
    pad: [u64; 2],
}

impl Drop for Poly1305 {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        self.r.zeroize();
        self.h.zeroize();
        self.pad.zeroize();
    }
}

fn le64(b: &[u8]) -> u64 {
    u64::from_le_bytes(b.try_into().expect("8 bytes"))
}

/// Splits a 128-bit little-endian number into limbs, adding `hibit` to the top one.
#[inline(always)]
fn limbs(lo: u64, hi: u64, hibit: u64) -> [u64; 3] {
    [
        lo & MASK44,
        ((lo >> 44) | (hi << 20)) & MASK44,
        ((hi >> 24) & MASK42) | hibit,
    ]
}

/// `a · r` before carrying, with the wrap-around of 2^130 ≡ 5 folded in (limb weights 2^0,
/// 2^44, 2^88; 2^132 ≡ 20). Limbs under 2^46 keep each sum under 2^97, and four such under 2^99.
#[inline(always)]
fn mul_wide(a: [u64; 3], r: [u64; 3]) -> [u128; 3] {
    let [a0, a1, a2] = a.map(u128::from);
    let [r0, r1, r2] = r.map(u128::from);
    let (s1, s2) = (r1 * 20, r2 * 20);
    [
        a0 * r0 + a1 * s2 + a2 * s1,
        a0 * r1 + a1 * r0 + a2 * s2,
        a0 * r2 + a1 * r1 + a2 * r0,
    ]
}

/// Carries wide limbs back to 44/44/42 bits (the middle limb may keep a few extra bits, which
/// the next multiplication absorbs).
#[inline(always)]
fn carry(d: [u128; 3]) -> [u64; 3] {
    let [d0, mut d1, mut d2] = d;
    let mut c = (d0 >> 44) as u64;
    let mut h0 = d0 as u64 & MASK44;
    d1 += u128::from(c);
    c = (d1 >> 44) as u64;
    let mut h1 = d1 as u64 & MASK44;
    d2 += u128::from(c);
    c = (d2 >> 42) as u64;
    let h2 = d2 as u64 & MASK42;
    h0 += c * 5;
    c = h0 >> 44;
    h0 &= MASK44;
    h1 += c;
    [h0, h1, h2]
}

#[inline(always)]
fn add(a: [u64; 3], b: [u64; 3]) -> [u64; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

#[inline(always)]
fn block(m: &[u8; 16]) -> [u64; 3] {
    limbs(le64(&m[..8]), le64(&m[8..]), HIBIT)
}

impl Poly1305 {
    fn new(key: &[u8; 32]) -> Self {
        // r is clamped: r &= 0x0ffffffc0ffffffc0ffffffc0fffffff.
        let r = limbs(
            le64(&key[..8]) & 0x0fff_fffc_0fff_ffff,
            le64(&key[8..16]) & 0x0fff_fffc_0fff_fffc,
            0,
        );
        Poly1305 {
            r,
            h: [0; 3],
            pad: [le64(&key[16..24]), le64(&key[24..])],
        }
    }

    /// Absorbs whole 16-byte blocks. Four at a time go as
    /// `(h + m1)·r⁴ + m2·r³ + m3·r² + m4·r`: four independent products and one carry chain
    /// per 64 bytes, about a third faster than one block at a time.
    fn blocks(&mut self, blocks: &[[u8; 16]]) {
        let r = self.r;
        let mut h = self.h;
        let (quads, rest) = blocks.as_chunks::<4>();
        if !quads.is_empty() {
            let r2 = carry(mul_wide(r, r));
            let r3 = carry(mul_wide(r2, r));
            let r4 = carry(mul_wide(r2, r2));
            for [m1, m2, m3, m4] in quads {
                let w = mul_wide(add(h, block(m1)), r4);
                let x = mul_wide(block(m2), r3);
                let y = mul_wide(block(m3), r2);
                let z = mul_wide(block(m4), r);
                h = carry(std::array::from_fn(|i| w[i] + x[i] + y[i] + z[i]));
            }
        }
        for m in rest {
            h = carry(mul_wide(add(h, block(m)), r));
        }
        self.h = h;
    }

    /// Absorbs `data` zero-padded to a multiple of 16 bytes (RFC 8439's pad16).
    fn update_padded(&mut self, data: &[u8]) {
        let (blocks, rest) = data.as_chunks::<16>();
        self.blocks(blocks);
        if !rest.is_empty() {
            let mut last = [0u8; 16];
            last[..rest.len()].copy_from_slice(rest);
            self.blocks(&[last]);
        }
    }

    /// Absorbs the AEAD's lengths block and returns the tag.
    fn finish(&mut self, aad_len: usize, text_len: usize) -> [u8; TAG_LEN] {
        let mut lengths = [0u8; 16];
        lengths[..8].copy_from_slice(&(aad_len as u64).to_le_bytes());
        lengths[8..].copy_from_slice(&(text_len as u64).to_le_bytes());
        self.blocks(&[lengths]);
        self.tag()
    }

    /// `(h mod 2^130 - 5) + pad mod 2^128`, little-endian.
    fn tag(&self) -> [u8; TAG_LEN] {
        let [mut h0, mut h1, mut h2] = self.h;
        // Carry fully: h < 2^130 + a little.
        let mut c = h1 >> 44;
        h1 &= MASK44;
        h2 += c;
        c = h2 >> 42;
        h2 &= MASK42;
        h0 += c * 5;
        c = h0 >> 44;
        h0 &= MASK44;
        h1 += c;
        c = h1 >> 44;
        h1 &= MASK44;
        h2 += c;
        c = h2 >> 42;
        h2 &= MASK42;
        h0 += c * 5;
        c = h0 >> 44;
        h0 &= MASK44;
        h1 += c;
        // g = h - p = h + 5 - 2^130; keep g when it does not go negative.
        let mut g0 = h0 + 5;
        c = g0 >> 44;
        g0 &= MASK44;
        let mut g1 = h1 + c;
        c = g1 >> 44;
        g1 &= MASK44;
        let g2 = (h2 + c).wrapping_sub(1 << 42);
        let keep_g = (g2 >> 63).wrapping_sub(1); // all ones when g2 did not borrow
        h0 = (h0 & !keep_g) | (g0 & keep_g);
        h1 = (h1 & !keep_g) | (g1 & keep_g);
        h2 = (h2 & !keep_g) | (g2 & keep_g);
        // h + pad mod 2^128.
        let [p0, p1, p2] = limbs(self.pad[0], self.pad[1], 0);
        h0 += p0;
        c = h0 >> 44;
        h0 &= MASK44;
        h1 += p1 + c;
        c = h1 >> 44;
        h1 &= MASK44;
        h2 = (h2 + p2 + c) & MASK42;
        let lo = h0 | (h1 << 44);
        let hi = (h1 >> 20) | (h2 << 24);
        let mut tag = [0u8; TAG_LEN];
        tag[..8].copy_from_slice(&lo.to_le_bytes());
        tag[8..].copy_from_slice(&hi.to_le_bytes());
        tag
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20poly1305::aead::{AeadInOut, KeyInit};
    use proptest::collection::vec;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn reference(key: &[u8; 32], nonce: &[u8; 24], aad: &[u8], msg: &[u8]) -> (Vec<u8>, [u8; 16]) {
        let cipher = chacha20poly1305::XChaCha20Poly1305::new(key.into());
        let mut buf = msg.to_vec();
        let tag = cipher
            .encrypt_inout_detached(nonce.into(), aad, buf.as_mut_slice().into())
            .unwrap();
        (buf, tag.into())
    }

    fn ours(key: &[u8; 32]) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(key.into())
    }

    #[test]
    fn poly1305_matches_rfc8439_2_5_2() {
        let key = hex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        let msg = b"Cryptographic Forum Research Group";
        let mut p = Poly1305::new(key.as_slice().try_into().unwrap());
        let (blocks, rest) = msg.as_chunks::<16>();
        p.blocks(blocks);
        // The last partial block carries its 0x01 byte itself, not the 2^128 bit.
        let mut last = [0u8; 16];
        last[..rest.len()].copy_from_slice(rest);
        last[rest.len()] = 1;
        let [lo, hi] = [le64(&last[..8]), le64(&last[8..])];
        p.h = carry(mul_wide(add(p.h, limbs(lo, hi, 0)), p.r));
        assert_eq!(p.tag().to_vec(), hex("a8061dc1305136c6c22b8baf0c0127a9"));
    }

    #[test]
    fn poly1305_reduces_values_at_and_above_p() {
        // RFC 8439 appendix A.3 #6 and #7: h lands exactly on/over 2^130 - 5.
        let mut key = [0u8; 32];
        key[0] = 2;
        let mut p = Poly1305::new(&key);
        p.blocks(&[[0xff; 16]]);
        assert_eq!(p.tag().to_vec(), hex("03000000000000000000000000000000"));

        let mut key = [0u8; 32];
        key[0] = 1;
        let mut p = Poly1305::new(&key);
        let mut blocks = [[0xffu8; 16], [0u8; 16], [0u8; 16]];
        blocks[1] = hex("f0ffffffffffffffffffffffffffffff").try_into().unwrap();
        blocks[2] = hex("11000000000000000000000000000000").try_into().unwrap();
        p.blocks(&blocks);
        assert_eq!(p.tag().to_vec(), hex("05000000000000000000000000000000"));
    }

    #[test]
    fn xchacha20poly1305_matches_the_draft_vector() {
        // draft-irtf-cfrg-xchacha-03, appendix A.3.1.
        let key: [u8; 32] = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
            .try_into()
            .unwrap();
        let nonce: [u8; 24] = hex("404142434445464748494a4b4c4d4e4f5051525354555657")
            .try_into()
            .unwrap();
        let aad = hex("50515253c0c1c2c3c4c5c6c7");
        let plaintext = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
        let mut buf = plaintext.to_vec();
        let tag = ours(&key).encrypt(&nonce, &aad, &mut buf).unwrap();
        assert_eq!(
            buf,
            hex(
                "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb
                 731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452
                 2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9
                 21f9664c97637da9768812f615c68b13b52e"
            )
        );
        assert_eq!(tag.to_vec(), hex("c0875924c1c7987947deafd8780acf49"));
        ours(&key).decrypt(&nonce, &aad, &mut buf, &tag).unwrap();
        assert_eq!(buf, plaintext);
    }

    #[test]
    fn matches_the_reference_crate_at_every_length_to_300() {
        let key: [u8; 32] = std::array::from_fn(|i| (i * 29 + 3) as u8);
        let nonce: [u8; 24] = std::array::from_fn(|i| (i * 7) as u8);
        let cipher = ours(&key);
        for aad_len in [0usize, 1, 15, 16, 17, 31, 40] {
            let aad: Vec<u8> = (0..aad_len).map(|i| i as u8).collect();
            for len in 0..300 {
                let msg: Vec<u8> = (0..len).map(|i| (i * 31 + 5) as u8).collect();
                let (ct, tag) = reference(&key, &nonce, &aad, &msg);
                let mut buf = msg.clone();
                assert_eq!(cipher.encrypt(&nonce, &aad, &mut buf), Ok(tag), "len {len}");
                assert_eq!(buf, ct, "len {len}");
                cipher.decrypt(&nonce, &aad, &mut buf, &tag).unwrap();
                assert_eq!(buf, msg);
            }
        }
    }

    #[test]
    fn a_wrong_tag_leaves_the_buffer_untouched() {
        let cipher = ours(&[9; 32]);
        let mut buf = b"some secret".to_vec();
        let tag = cipher.encrypt(&[1; 24], b"aad", &mut buf).unwrap();
        let sealed = buf.clone();
        for i in 0..TAG_LEN {
            let mut bad = tag;
            bad[i] ^= 0x80;
            assert_eq!(
                cipher.decrypt(&[1; 24], b"aad", &mut buf, &bad),
                Err(AeadError)
            );
            assert_eq!(buf, sealed);
        }
        assert_eq!(
            cipher.decrypt(&[1; 24], b"aaD", &mut buf, &tag),
            Err(AeadError)
        );
        assert_eq!(
            cipher.decrypt(&[2; 24], b"aad", &mut buf, &tag),
            Err(AeadError)
        );
        assert_eq!(buf, sealed);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn matches_the_reference_crate_on_random_input(
            key in any::<[u8; 32]>(),
            nonce in any::<[u8; 24]>(),
            aad in vec(any::<u8>(), 0..80),
            msg in vec(any::<u8>(), 0..5000),
        ) {
            let (ct, tag) = reference(&key, &nonce, &aad, &msg);
            let mut buf = msg.clone();
            prop_assert_eq!(ours(&key).encrypt(&nonce, &aad, &mut buf), Ok(tag));
            prop_assert_eq!(&buf, &ct);
            prop_assert_eq!(ours(&key).decrypt(&nonce, &aad, &mut buf, &tag), Ok(()));
            prop_assert_eq!(buf, msg);
        }

        #[test]
        fn poly1305_matches_the_reference_on_edge_values(
            key in any::<[u8; 32]>(),
            // Blocks of all-ones and all-zeros push the accumulator to its limits.
            blocks in vec(prop_oneof![Just([0xffu8; 16]), Just([0u8; 16]), any::<[u8; 16]>()], 0..70),
        ) {
            use poly1305::universal_hash::{KeyInit as _, UniversalHash as _};
            let mut reference = poly1305::Poly1305::new(&key.into());
            let data: Vec<u8> = blocks.concat();
            reference.update_padded(&data);
            let mut p = Poly1305::new(&key);
            p.blocks(&blocks);
            prop_assert_eq!(p.tag(), <[u8; 16]>::from(reference.finalize()));
        }
    }
}
