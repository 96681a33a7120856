//! The session's CSRF secret and the masked tokens a page shows of it.
//!
//! The secret is 32 random bytes sealed in the session (a reserved entry). A page never shows
//! it as it is: each token is a fresh 32-byte mask followed by the secret XOR the mask, in
//! base64url (86 characters). Every page thus carries a different string for the same secret,
//! so a compression side channel (BREACH) that guesses a token byte by byte across responses
//! has no fixed string to find, as Django's and Rails' tokens are masked for the same reason.

use base64_simd::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq as _;

/// Length of the secret, and of each token's mask.
const LEN: usize = 32;

/// A session's CSRF secret.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct CsrfSecret([u8; LEN]);

impl CsrfSecret {
    pub(crate) fn random() -> CsrfSecret {
        CsrfSecret(crate::random::bytes())
    }

    /// The secret as sealed; `None` for bytes of another length (a damaged entry counts as
    /// none, and a new secret is drawn when one is asked for).
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<CsrfSecret> {
        <[u8; LEN]>::try_from(bytes).ok().map(CsrfSecret)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; LEN] {
        &self.0
    }

    /// A token for a page: a fresh mask, then the secret under it.
    pub(crate) fn token(&self) -> String {
        let mask: [u8; LEN] = crate::random::bytes();
        let mut raw = [0u8; 2 * LEN];
        raw[..LEN].copy_from_slice(&mask);
        for (i, out) in raw[LEN..].iter_mut().enumerate() {
            *out = self.0[i] ^ mask[i];
        }
        URL_SAFE_NO_PAD.encode_to_string(raw)
    }

    /// `true` if `token` is this secret under some mask. The comparison takes the same time
    /// wherever the first wrong byte is, so response times do not reveal how much of a guess
    /// was right; only the length (public: every token has 86 characters) is checked first.
    pub(crate) fn verify(&self, token: &str) -> bool {
        let Ok(raw) = URL_SAFE_NO_PAD.decode_to_vec(token) else {
            return false;
        };
        if raw.len() != 2 * LEN {
            return false;
        }
        let (mask, masked) = raw.split_at(LEN);
        let mut unmasked = [0u8; LEN];
        for (i, out) in unmasked.iter_mut().enumerate() {
            *out = masked[i] ^ mask[i];
        }
        bool::from(unmasked.ct_eq(&self.0))
    }
}

/// Never the secret itself, which would let whoever reads a log forge tokens.
impl std::fmt::Debug for CsrfSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfSecret(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_under_its_secret_only() {
        let secret = CsrfSecret::random();
        let (a, b) = (secret.token(), secret.token());
        assert_ne!(a, b, "each token has its own mask");
        assert_eq!(a.len(), 86);
        assert!(secret.verify(&a) && secret.verify(&b));
        assert!(!CsrfSecret::random().verify(&a));
        assert!(!secret.verify(""));
        assert!(!secret.verify(&a[..85]));
        assert!(!secret.verify("not base64 at all!"));
        // The secret itself, unmasked, is not a token.
        assert!(!secret.verify(&URL_SAFE_NO_PAD.encode_to_string(secret.as_bytes())));
    }
}
