//! Between a store's envelope and its cookies: join + open on the way in; seal + split +
//! budget check + stale-chunk deletion on the way out.
//!
//! ```
//! use rocket_sealed::attrs::CookieAttrs;
//! use rocket_sealed::chunk::{ChunkLimits, SentCookies};
//! use rocket_sealed::codec::StoreSpec;
//!
//! let spec = StoreSpec {
//!     name: "s".into(),
//!     limits: ChunkLimits { chunk_size: 4000, max_chunks: 8 },
//!     budget: 1024,
//!     attrs: CookieAttrs::default(),
//! };
//! // Erasing a chunked store deletes the marker cookie and every chunk sent.
//! let sent = SentCookies::collect("s", [("s", "chunks-2"), ("sC1", "a"), ("sC2", "b")]);
//! let erased = spec.erase(&sent);
//! assert_eq!(erased.lines.len(), 3);
//! assert!(erased.lines.iter().all(|l| l.contains("Max-Age=0")));
//! ```

use crate::attrs::CookieAttrs;
use crate::chunk::{self, ChunkLimits, SentCookies};
use crate::envelope::EnvelopeView;
use crate::keys::KeyRing;
use crate::seal::{self, Envelope, Opened, Plaintext};
use crate::{Error, Rejection};

/// Everything needed to turn one store into cookies.
///
/// ```
/// use rocket_sealed::attrs::CookieAttrs;
/// use rocket_sealed::chunk::{ChunkLimits, SentCookies};
/// use rocket_sealed::codec::StoreSpec;
/// use rocket_sealed::seal::Envelope;
/// use rocket_sealed::{Error, KeyConfig, KeyRing};
///
/// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
/// let spec = StoreSpec {
///     name: "s".into(),
///     limits: ChunkLimits { chunk_size: 4000, max_chunks: 8 },
///     budget: 1024,
///     attrs: CookieAttrs::default(),
/// };
/// let env = Envelope { entries: vec![("k".into(), vec![1, 2, 3])], ..Envelope::default() };
/// let nothing = SentCookies::collect("s", []);
/// let written = spec.write(&ring, &nothing, &env).unwrap();
///
/// // The browser sends `name=value` back; it opens to the same envelope.
/// let sent = SentCookies::collect("s", written.sent_back());
/// assert_eq!(spec.read(&ring, &sent).unwrap().unwrap().envelope, env);
/// assert_eq!(written.header_len, sent.header_len());
///
/// // Over the budget, nothing is written.
/// let big = Envelope { entries: vec![("k".into(), vec![0; 2000])], ..Envelope::default() };
/// assert!(matches!(spec.write(&ring, &nothing, &big), Err(Error::TooLarge { limit: 1024, .. })));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSpec {
    /// The cookie name (also bound into the AAD).
    pub name: String,
    /// Chunking limits.
    pub limits: ChunkLimits,
    /// Most bytes the store's cookies may take in a `Cookie` header.
    pub budget: usize,
    /// The attributes each of its cookies carries.
    pub attrs: CookieAttrs,
}

/// The `Set-Cookie` values a commit emits.
///
/// ```
/// use rocket_sealed::attrs::CookieAttrs;
/// use rocket_sealed::chunk::{ChunkLimits, SentCookies};
/// use rocket_sealed::codec::StoreSpec;
/// use rocket_sealed::seal::Envelope;
/// use rocket_sealed::{KeyConfig, KeyRing};
///
/// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
/// let spec = StoreSpec {
///     name: "s".into(),
///     limits: ChunkLimits { chunk_size: 200, max_chunks: 8 },
///     budget: 4000,
///     attrs: CookieAttrs::default(),
/// };
/// // Too long for one 200-byte cookie: a `chunks-N` marker and N chunks.
/// let big = Envelope { entries: vec![("k".into(), vec![7; 500])], ..Envelope::default() };
/// let written = spec.write(&ring, &SentCookies::collect("s", []), &big).unwrap();
/// assert!(written.cookies > 2);
/// assert_eq!(written.lines.len(), written.cookies);
/// assert!(written.lines[0].starts_with(&format!("s=chunks-{}", written.cookies - 1)));
///
/// // Written again smaller, it fits one cookie; the old chunks are deleted.
/// let sent = SentCookies::collect("s", written.sent_back());
/// let small = spec.write(&ring, &sent, &Envelope::default()).unwrap();
/// assert_eq!(small.cookies, 1);
/// assert_eq!(small.lines.len(), 1 + (written.cookies - 1));
/// assert!(small.lines[1..].iter().all(|l| l.contains("Max-Age=0")));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// `Set-Cookie` values, in order: the store's cookies, then deletions.
    pub lines: Vec<String>,
    /// How many cookies the store now takes, the `chunks-N` marker cookie included (1 when
    /// not chunked, 0 for an erasure).
    pub cookies: usize,
    /// Bytes the new cookies will take in the browser's `Cookie` header.
    pub header_len: usize,
}

impl Written {
    /// What a browser that applied these lines sends back for the store: the `name=value`
    /// pairs of the cookies set (the first `cookies` lines), not the deletions. For tests,
    /// and for code that drives the core without a browser.
    ///
    /// ```
    /// use rocket_sealed::attrs::CookieAttrs;
    /// use rocket_sealed::chunk::{ChunkLimits, SentCookies};
    /// use rocket_sealed::codec::StoreSpec;
    /// use rocket_sealed::seal::Envelope;
    /// use rocket_sealed::{KeyConfig, KeyRing};
    ///
    /// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// let spec = StoreSpec {
    ///     name: "s".into(),
    ///     limits: ChunkLimits { chunk_size: 200, max_chunks: 8 },
    ///     budget: 4000,
    ///     attrs: CookieAttrs::default(),
    /// };
    /// let big = Envelope { entries: vec![("k".into(), vec![7; 500])], ..Envelope::default() };
    /// let written = spec.write(&ring, &SentCookies::collect("s", []), &big).unwrap();
    /// let sent = SentCookies::collect("s", written.sent_back());
    /// assert_eq!(spec.read(&ring, &sent).unwrap().unwrap().envelope, big);
    ///
    /// // Written again smaller: one cookie, and deletions the browser applies.
    /// let small = spec.write(&ring, &sent, &Envelope::default()).unwrap();
    /// assert_eq!(small.sent_back().count(), 1);
    /// assert!(small.lines.len() > 1);
    /// ```
    pub fn sent_back(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.lines.iter().take(self.cookies).map(|line| {
            let pair = line.split(';').next().unwrap_or_default();
            pair.split_once('=').unwrap_or((pair, ""))
        })
    }
}

impl StoreSpec {
    /// A chunk-limit error as this store reports it: the most the store may take is the lower
    /// of its budget and what its chunks hold.
    fn over_chunk_limit(&self, e: Error) -> Error {
        match e {
            Error::TooLarge { needed, limit } => Error::TooLarge {
                needed,
                limit: limit.min(self.budget),
            },
            other => other,
        }
    }

    /// Joins and opens the cookies the browser sent. `Ok(None)` when none were sent.
    ///
    /// Only the seal is checked: whether the timestamps inside are still within the store's
    /// lifetime is for the store to judge.
    ///
    /// ```
    /// use rocket_sealed::attrs::CookieAttrs;
    /// use rocket_sealed::chunk::{ChunkLimits, SentCookies};
    /// use rocket_sealed::codec::StoreSpec;
    /// use rocket_sealed::seal::{seal, Envelope};
    /// use rocket_sealed::{KeyConfig, KeyRing, Malformed, Rejection};
    ///
    /// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// let spec = StoreSpec {
    ///     name: "s".into(),
    ///     limits: ChunkLimits { chunk_size: 4000, max_chunks: 8 },
    ///     budget: 1024,
    ///     attrs: CookieAttrs::default(),
    /// };
    /// assert_eq!(spec.read(&ring, &SentCookies::collect("s", [])), Ok(None));
    ///
    /// let env = Envelope { issued_at: 1_000, refreshed_at: 1_000, ..Envelope::default() };
    /// let value = seal(&ring, "s", &env).unwrap();
    /// let opened = spec.read(&ring, &SentCookies::collect("s", [("s", &value[..])])).unwrap();
    /// assert_eq!(opened.unwrap().envelope, env);
    ///
    /// // A value sealed for another cookie name does not open under this one.
    /// let elsewhere = seal(&ring, "t", &env).unwrap();
    /// let sent = SentCookies::collect("s", [("s", &elsewhere[..])]);
    /// assert_eq!(spec.read(&ring, &sent), Err(Rejection::Tampered));
    /// // Nor does a chunked value with a chunk missing.
    /// let sent = SentCookies::collect("s", [("s", "chunks-2"), ("sC1", &value[..])]);
    /// assert_eq!(spec.read(&ring, &sent), Err(Rejection::Malformed(Malformed::MissingChunk)));
    /// ```
    pub fn read(&self, ring: &KeyRing, sent: &SentCookies) -> Result<Option<Opened>, Rejection> {
        self.read_plaintext(ring, sent)?
            .map(Plaintext::into_opened)
            .transpose()
    }

    /// [`read`](Self::read) without decoding the envelope.
    pub(crate) fn read_plaintext(
        &self,
        ring: &KeyRing,
        sent: &SentCookies,
    ) -> Result<Option<Plaintext>, Rejection> {
        // A value this store wrote takes less than its budget, so a longer one is refused
        // before it is joined or decrypted: a forged cookie of many kilobytes costs a length
        // check, not a decryption.
        let max_len = self.max_value_len();
        match chunk::join_at_most(sent, self.limits, max_len)? {
            None => Ok(None),
            Some(value) => seal::open_plaintext(ring, &self.name, &value, max_len).map(Some),
        }
    }

    /// The longest value [`read`](Self::read) opens: shorter than what the chunks can carry
    /// when the budget is the lower limit, as it is by default (5120 bytes, against 8 chunks
    /// of 4000).
    ///
    /// ```
    /// use rocket_sealed::attrs::CookieAttrs;
    /// use rocket_sealed::chunk::{ChunkLimits, SentCookies};
    /// use rocket_sealed::codec::StoreSpec;
    /// use rocket_sealed::{KeyConfig, KeyRing, Malformed, Rejection};
    ///
    /// let spec = StoreSpec {
    ///     name: "s".into(),
    ///     limits: ChunkLimits { chunk_size: 4000, max_chunks: 8 },
    ///     budget: 1024,
    ///     attrs: CookieAttrs::default(),
    /// };
    /// assert_eq!(spec.max_value_len(), 1024);
    ///
    /// // A value longer than the budget is refused as too long, not tried and found forged.
    /// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// let forged = "A".repeat(1025);
    /// let sent = SentCookies::collect("s", [("s", forged.as_str())]);
    /// assert_eq!(spec.read(&ring, &sent), Err(Rejection::Malformed(Malformed::TooLong)));
    /// ```
    pub fn max_value_len(&self) -> usize {
        self.limits.max_value_len().min(self.budget)
    }

    /// Bytes an envelope whose postcard encoding is `plaintext_len` long would take in the
    /// `Cookie` header; an error if it exceeds the budget or the chunk limit.
    ///
    /// ```
    /// use rocket_sealed::attrs::CookieAttrs;
    /// use rocket_sealed::chunk::{ChunkLimits, SentCookies};
    /// use rocket_sealed::codec::StoreSpec;
    /// use rocket_sealed::seal::Envelope;
    /// use rocket_sealed::{Error, KeyConfig, KeyRing};
    ///
    /// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// let spec = StoreSpec {
    ///     name: "s".into(),
    ///     limits: ChunkLimits { chunk_size: 4000, max_chunks: 8 },
    ///     budget: 1024,
    ///     attrs: CookieAttrs::default(),
    /// };
    /// let env = Envelope { entries: vec![("k".into(), vec![1; 100])], ..Envelope::default() };
    /// let plaintext_len = postcard::to_allocvec(&env).unwrap().len();
    /// let needed = spec.check_size(plaintext_len).unwrap();
    /// // Exactly what writing it then takes.
    /// let written = spec.write(&ring, &SentCookies::collect("s", []), &env).unwrap();
    /// assert_eq!(written.header_len, needed);
    ///
    /// // Sealed, base64 and named, 1000 bytes of plaintext take more than the budget.
    /// let too_large = spec.check_size(1000);
    /// assert!(matches!(too_large, Err(Error::TooLarge { needed, limit: 1024 }) if needed > 1024));
    /// ```
    pub fn check_size(&self, plaintext_len: usize) -> Result<usize, Error> {
        let value_len = seal::sealed_len(plaintext_len);
        let needed =
            chunk::split_header_len(&self.name, value_len, self.attrs.attr_len(), self.limits)
                .map_err(|e| self.over_chunk_limit(e))?;
        if needed > self.budget {
            return Err(Error::TooLarge {
                needed,
                limit: self.budget,
            });
        }
        Ok(needed)
    }

    /// Seals `envelope` into `Set-Cookie` values, plus deletions of the chunks the browser
    /// sent that the new value no longer uses (at most
    /// [`max_deletions`](ChunkLimits::max_deletions), lowest index first). Nothing is emitted
    /// on error.
    ///
    /// ```
    /// use rocket_sealed::attrs::CookieAttrs;
    /// use rocket_sealed::chunk::{ChunkLimits, SentCookies};
    /// use rocket_sealed::codec::StoreSpec;
    /// use rocket_sealed::seal::Envelope;
    /// use rocket_sealed::{Error, KeyConfig, KeyRing};
    ///
    /// let ring = KeyRing::from_config(&[KeyConfig::generate(1)]).unwrap();
    /// let spec = StoreSpec {
    ///     name: "s".into(),
    ///     limits: ChunkLimits { chunk_size: 4000, max_chunks: 8 },
    ///     budget: 1024,
    ///     attrs: CookieAttrs::default(),
    /// };
    /// // The browser holds a value in two chunks; the new one fits a single cookie.
    /// let sent = SentCookies::collect("s", [("s", "chunks-2"), ("sC1", "ab"), ("sC2", "cd")]);
    /// let env = Envelope { entries: vec![("k".into(), vec![1, 2, 3])], ..Envelope::default() };
    /// let written = spec.write(&ring, &sent, &env).unwrap();
    /// assert_eq!(written.cookies, 1);
    /// assert!(written.lines[0].starts_with("s=") && written.lines[0].ends_with("; Path=/"));
    /// assert!(written.lines[1].starts_with("sC1=;") && written.lines[1].contains("Max-Age=0"));
    /// assert!(written.lines[2].starts_with("sC2=;") && written.lines[2].contains("Max-Age=0"));
    /// assert_eq!(written.lines.len(), 3);
    ///
    /// // Over the budget: an error, and no line at all (the chunks stay as they are).
    /// let big = Envelope { entries: vec![("k".into(), vec![0; 2000])], ..Envelope::default() };
    /// assert!(matches!(spec.write(&ring, &sent, &big), Err(Error::TooLarge { .. })));
    /// ```
    pub fn write(
        &self,
        ring: &KeyRing,
        sent: &SentCookies,
        envelope: &Envelope,
    ) -> Result<Written, Error> {
        self.write_sealed(ring, sent, seal::seal_raw(ring, &self.name, envelope)?)
    }

    /// [`write`](Self::write) for a store's borrowed view of its envelope.
    pub(crate) fn write_view(
        &self,
        ring: &KeyRing,
        sent: &SentCookies,
        envelope: &EnvelopeView<'_>,
    ) -> Result<Written, Error> {
        self.write_sealed(ring, sent, seal::seal_view(ring, &self.name, envelope)?)
    }

    /// The `Set-Cookie` lines for sealed bytes, once they are known to fit; the ring
    /// remembers the value if it keeps the plaintext.
    fn write_sealed(
        &self,
        ring: &KeyRing,
        sent: &SentCookies,
        sealed: seal::SealedBytes,
    ) -> Result<Written, Error> {
        let raw = &sealed.raw[..];
        let value_len = seal::text_len(raw.len());
        let attr_len = self.attrs.attr_len();
        // The header length is computed from the layout, so the cookies are built only once
        // the value is known to fit, straight into their `Set-Cookie` lines.
        let header_len = chunk::split_header_len(&self.name, value_len, attr_len, self.limits)
            .map_err(|e| self.over_chunk_limit(e))?;
        if header_len > self.budget {
            return Err(Error::TooLarge {
                needed: header_len,
                limit: self.budget,
            });
        }
        let mut lines = Vec::with_capacity(1);
        let remember = |value: &str| {
            if let Some(plaintext) = &sealed.plaintext {
                ring.recent()
                    .put(&self.name, value, plaintext, sealed.key_id);
            }
        };
        let cookies = if chunk::is_one_cookie(&self.name, value_len, attr_len, self.limits) {
            // Most stores fit one cookie: the base64 goes straight into its line.
            let line = self
                .attrs
                .set_line_with(&self.name, value_len, |line| seal::append_text(raw, line));
            let start = self.name.len() + 1;
            remember(&line[start..start + value_len]);
            lines.push(line);
            1
        } else {
            let mut value = String::with_capacity(value_len);
            seal::append_text(raw, &mut value);
            remember(&value);
            chunk::split_each(&self.name, &value, attr_len, self.limits, |n, v| {
                lines.push(self.attrs.set_line(n, v))
            })?
        };
        let kept_chunks = if cookies == 1 { 0 } else { cookies - 1 };
        lines.extend(
            chunk::stale_chunks_at_most(sent, kept_chunks, self.limits.max_deletions())
                .into_iter()
                .map(|n| self.attrs.delete_line(n)),
        );
        Ok(Written {
            lines,
            cookies,
            header_len,
        })
    }

    /// Deletions for every cookie of this store the browser sent: the main cookie and at
    /// most [`max_deletions`](ChunkLimits::max_deletions) chunks, lowest index first.
    ///
    /// ```
    /// use rocket_sealed::attrs::CookieAttrs;
    /// use rocket_sealed::chunk::{ChunkLimits, SentCookies};
    /// use rocket_sealed::codec::StoreSpec;
    ///
    /// let spec = StoreSpec {
    ///     name: "s".into(),
    ///     limits: ChunkLimits { chunk_size: 4000, max_chunks: 8 },
    ///     budget: 1024,
    ///     attrs: CookieAttrs { path: "/app".into(), ..CookieAttrs::default() },
    /// };
    /// let erased = spec.erase(&SentCookies::collect("s", [("s", "v"), ("theme", "dark")]));
    /// // Only the store's cookie, with the path it was set with, or the browser would keep it.
    /// assert_eq!(erased.lines.len(), 1);
    /// assert!(erased.lines[0].starts_with("s=; ") && erased.lines[0].contains("; Path=/app"));
    /// assert_eq!((erased.cookies, erased.header_len), (0, 0));
    ///
    /// // Nothing sent, nothing to delete.
    /// assert!(spec.erase(&SentCookies::collect("s", [])).lines.is_empty());
    /// ```
    pub fn erase(&self, sent: &SentCookies) -> Written {
        let main = sent.get(&self.name).map(|_| self.name.as_str());
        let chunks = chunk::stale_chunks_at_most(sent, 0, self.limits.max_deletions());
        Written {
            lines: main
                .into_iter()
                .chain(chunks)
                .map(|n| self.attrs.delete_line(n))
                .collect(),
            cookies: 0,
            header_len: 0,
        }
    }
}
