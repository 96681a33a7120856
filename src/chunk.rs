//! Splitting one logical cookie into several and joining them back.
//!
//! When `NAME=value` plus its attributes would exceed the chunk size, `NAME` holds `chunks-N`
//! and the pieces go in `NAMEC1` … `NAMECN`, the scheme ASP.NET Core's chunking cookie manager
//! uses. Values are base64url text, so a split at any byte is a split at a character.
//!
//! ```
//! use rocket_sealed::chunk::{split, ChunkLimits};
//!
//! let limits = ChunkLimits { chunk_size: 100, max_chunks: 8 };
//! let cookies = split("s", &"x".repeat(300), 0, limits).unwrap();
//! let names: Vec<&str> = cookies.iter().map(|(n, _)| n.as_str()).collect();
//! assert_eq!(names, ["s", "sC1", "sC2", "sC3", "sC4"]);
//! assert_eq!(cookies[0].1, "chunks-4");
//! ```

use std::borrow::Cow;

use crate::{Error, Malformed, Rejection};

const MARKER: &str = "chunks-";

/// The cookies a browser sent for one store: its main cookie and any `NAMEC<n>` chunks.
///
/// ```
/// use rocket_sealed::chunk::SentCookies;
///
/// let sent = SentCookies::collect("s", [("s", "chunks-2"), ("sC1", "ab"), ("sC2", "cd"), ("other", "x")]);
/// assert_eq!(sent.get("sC2"), Some("cd"));
/// assert_eq!(sent.get("other"), None);
/// ```
///
/// It borrows the names and values: the fairing collects them from Rocket's cookie jar, whose
/// original cookies do not change during a request, whenever it needs them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentCookies<'a> {
    name: &'a str,
    pairs: Pairs<'a>,
}

/// Names and values in the order sent. The first is kept inline: a store of one cookie is the
/// common case, and collecting it (twice in a request that writes) then allocates nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Pairs<'a> {
    first: Option<(&'a str, &'a str)>,
    rest: Vec<(&'a str, &'a str)>,
}

impl<'a> Pairs<'a> {
    fn push(&mut self, pair: (&'a str, &'a str)) {
        match self.first {
            None => self.first = Some(pair),
            Some(_) => self.rest.push(pair),
        }
    }

    fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.first.iter().chain(&self.rest).copied()
    }
}

impl<'a> SentCookies<'a> {
    /// Keeps, from all the request's cookies, those that belong to the store called `name`.
    ///
    /// ```
    /// use rocket_sealed::chunk::SentCookies;
    ///
    /// let request = [
    ///     ("theme", "dark"),
    ///     ("s", "chunks-2"),
    ///     ("sC1", "ab"),
    ///     ("sC2", "cd"),
    ///     ("sC01", "x"),
    ///     ("session", "y"),
    /// ];
    /// let sent = SentCookies::collect("s", request);
    /// // Other cookies, and names that are not canonical chunk names, are left out.
    /// let names: Vec<&str> = sent.iter().map(|(n, _)| n).collect();
    /// assert_eq!(names, ["s", "sC1", "sC2"]);
    /// ```
    pub fn collect<I>(name: &'a str, cookies: I) -> SentCookies<'a>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut pairs = Pairs::default();
        for (n, v) in cookies {
            if n == name || chunk_index(name, n).is_some() {
                pairs.push((n, v));
            }
        }
        SentCookies { name, pairs }
    }

    /// The value of the cookie called `name`, if it was sent.
    ///
    /// ```
    /// use rocket_sealed::chunk::{chunk_name, SentCookies};
    ///
    /// let sent = SentCookies::collect("s", [("s", "chunks-1"), ("sC1", "abc"), ("t", "x")]);
    /// assert_eq!(sent.get("s"), Some("chunks-1"));
    /// assert_eq!(sent.get(&chunk_name("s", 1)), Some("abc"));
    /// assert_eq!(sent.get("sC2"), None); // not sent
    /// assert_eq!(sent.get("t"), None); // sent, but not one of this store's cookies
    ///
    /// // Given a name twice, it reads the first. (The fairing collects from Rocket's jar,
    /// // which keeps one cookie per name, the last the browser sent; when that copy is
    /// // refused it tries the others: docs/security.md, Duplicate cookies.)
    /// let twice = SentCookies::collect("s", [("s", "first"), ("s", "second")]);
    /// assert_eq!(twice.get("s"), Some("first"));
    /// ```
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// `true` when the browser sent no cookie of this store at all.
    ///
    /// ```
    /// use rocket_sealed::chunk::{join, stale_chunks, ChunkLimits, SentCookies};
    ///
    /// assert!(SentCookies::collect("s", [("theme", "dark")]).is_empty());
    ///
    /// // A chunk left without its main cookie still belongs to the store: there is no value
    /// // to read, but the chunk is there to delete.
    /// let stray = SentCookies::collect("s", [("sC3", "x")]);
    /// assert!(!stray.is_empty());
    /// let limits = ChunkLimits { chunk_size: 4000, max_chunks: 8 };
    /// assert_eq!(join(&stray, limits), Ok(None));
    /// assert_eq!(stale_chunks(&stray, 0), ["sC3"]);
    /// ```
    pub fn is_empty(&self) -> bool {
        self.pairs.first.is_none()
    }

    /// The store's cookie name.
    ///
    /// ```
    /// use rocket_sealed::chunk::{chunk_name, SentCookies};
    ///
    /// let sent = SentCookies::collect("sealed_session", [("sealed_sessionC1", "ab")]);
    /// assert_eq!(sent.name(), "sealed_session");
    /// // The name its chunks are found under.
    /// assert_eq!(sent.get(&chunk_name(sent.name(), 1)), Some("ab"));
    /// ```
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// Names and values as sent.
    ///
    /// ```
    /// use rocket_sealed::chunk::SentCookies;
    ///
    /// let request = [("sC2", "cd"), ("a", "1"), ("s", "chunks-2"), ("sC1", "ab")];
    /// let sent = SentCookies::collect("s", request);
    /// // In the order the browser sent them, not sorted by chunk.
    /// let pairs: Vec<(&str, &str)> = sent.iter().collect();
    /// assert_eq!(pairs, [("sC2", "cd"), ("s", "chunks-2"), ("sC1", "ab")]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.pairs.iter()
    }

    /// Bytes these cookies take in the request's `Cookie` header.
    ///
    /// ```
    /// use rocket_sealed::chunk::SentCookies;
    ///
    /// let request = [("s", "chunks-1"), ("theme", "dark"), ("sC1", "abc")];
    /// let sent = SentCookies::collect("s", request);
    /// // Only this store's cookies count, as if they were sent on their own.
    /// assert_eq!(sent.header_len(), "s=chunks-1; sC1=abc".len());
    /// assert_eq!(SentCookies::collect("s", []).header_len(), 0);
    /// ```
    pub fn header_len(&self) -> usize {
        header_len(self.iter())
    }
}

/// Bytes a list of cookies takes in a `Cookie` header: `a=1; b=2`.
///
/// ```
/// use rocket_sealed::chunk::header_len;
///
/// assert_eq!(header_len([("a", "1"), ("b", "2")]), "a=1; b=2".len());
/// assert_eq!(header_len([]), 0);
/// ```
pub fn header_len<'a>(cookies: impl IntoIterator<Item = (&'a str, &'a str)>) -> usize {
    let mut total = 0;
    let mut count: usize = 0;
    for (n, v) in cookies {
        total += n.len() + 1 + v.len();
        count += 1;
    }
    total + 2 * count.saturating_sub(1)
}

/// The name of chunk `index` (1-based) of the store `name`.
///
/// ```
/// assert_eq!(rocket_sealed::chunk::chunk_name("sealed_session", 2), "sealed_sessionC2");
/// ```
pub fn chunk_name(name: &str, index: usize) -> String {
    format!("{name}C{index}")
}

/// If `candidate` is `NAMEC<n>` with a canonical decimal `n >= 1`, returns `n`.
///
/// ```
/// use rocket_sealed::chunk::{chunk_index, chunk_name};
///
/// assert_eq!(chunk_index("s", &chunk_name("s", 12)), Some(12));
/// assert_eq!(chunk_index("s", "sC0"), None);
/// assert_eq!(chunk_index("s", "sC01"), None); // not canonical
/// assert_eq!(chunk_index("s", "s"), None); // the main cookie is not a chunk
/// ```
pub fn chunk_index(name: &str, candidate: &str) -> Option<usize> {
    let digits = candidate.strip_prefix(name)?.strip_prefix('C')?;
    parse_count(digits)
}

/// A canonical positive decimal: digits only, no sign, no leading zero, at most 6 digits.
fn parse_count(digits: &str) -> Option<usize> {
    let canonical = !digits.is_empty()
        && digits.len() <= 6
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if canonical { digits.parse().ok() } else { None }
}

/// The count in a `chunks-N` marker: a canonical positive decimal (digits only, no sign, no
/// leading zero). A well-formed count above `max` is `TooManyChunks` however many digits it
/// has (even beyond `usize`); anything else is `BadChunkCount`.
fn marker_count(digits: &str, max: usize) -> Result<usize, Malformed> {
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if !canonical {
        return Err(Malformed::BadChunkCount);
    }
    match digits.parse::<usize>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(Malformed::TooManyChunks),
    }
}

/// Decimal digits of `n`, counted without formatting it (this runs on every chunked write).
fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// Limits that shape the split; [`Config::chunk_limits`](crate::Config::chunk_limits) gives
/// the configured ones.
///
/// ```
/// use rocket_sealed::chunk::ChunkLimits;
///
/// let limits = ChunkLimits { chunk_size: 100, max_chunks: 9 };
/// // The longest chunk name, `sC9=`, and 20 bytes of attributes leave 76 bytes per piece.
/// assert_eq!(limits.piece_len("s", 20), Some(76));
/// assert_eq!(limits.piece_len("s", 96), None);
/// assert_eq!(limits.max_value_len(), 900);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLimits {
    /// Upper bound of one `Set-Cookie` value: `name=value` plus attributes.
    pub chunk_size: usize,
    /// Most chunks one store may use.
    pub max_chunks: usize,
}

impl ChunkLimits {
    /// The longest value piece a chunk of the store `name` can hold when its attributes take
    /// `attr_len` bytes, or `None` if the attributes leave no room.
    ///
    /// ```
    /// use rocket_sealed::attrs::CookieAttrs;
    /// use rocket_sealed::chunk::ChunkLimits;
    ///
    /// let limits = ChunkLimits { chunk_size: 4000, max_chunks: 8 };
    /// let attr_len = CookieAttrs::default().attr_len();
    /// // Every piece is cut to fit the longest chunk name, here `sealed_sessionC8=`.
    /// let room = 4000 - "sealed_sessionC8=".len() - attr_len;
    /// assert_eq!(limits.piece_len("sealed_session", attr_len), Some(room));
    ///
    /// // With ten chunks the last name has two digits: every piece is one byte shorter.
    /// let ten = ChunkLimits { chunk_size: 4000, max_chunks: 10 };
    /// assert_eq!(ten.piece_len("sealed_session", attr_len), Some(room - 1));
    ///
    /// // Attributes that fill the cookie leave nothing for a value.
    /// assert_eq!(limits.piece_len("sealed_session", 4000), None);
    /// ```
    pub fn piece_len(&self, name: &str, attr_len: usize) -> Option<usize> {
        let longest_name = name.len() + 1 + digits(self.max_chunks);
        self.chunk_size
            .checked_sub(longest_name + 1 + attr_len)
            .filter(|n| *n > 0)
    }

    /// The longest joined value the reader accepts for this store.
    ///
    /// ```
    /// use rocket_sealed::chunk::{join, ChunkLimits, SentCookies};
    /// use rocket_sealed::{Malformed, Rejection};
    ///
    /// let limits = ChunkLimits { chunk_size: 100, max_chunks: 3 };
    /// assert_eq!(limits.max_value_len(), 300);
    ///
    /// let full: &str = &"x".repeat(100);
    /// let at_limit = [("s", "chunks-3"), ("sC1", full), ("sC2", full), ("sC3", full)];
    /// let joined = join(&SentCookies::collect("s", at_limit), limits).unwrap();
    /// assert_eq!(joined.unwrap().len(), 300);
    ///
    /// // One byte more and the value is refused before it is opened.
    /// let over: &str = &"x".repeat(101);
    /// let too_long = [("s", "chunks-3"), ("sC1", full), ("sC2", full), ("sC3", over)];
    /// let refused = join(&SentCookies::collect("s", too_long), limits);
    /// assert_eq!(refused, Err(Rejection::Malformed(Malformed::TooLong)));
    /// ```
    pub fn max_value_len(&self) -> usize {
        self.chunk_size.saturating_mul(self.max_chunks)
    }

    /// Most chunk cookies of one store a response deletes: `max_chunks` plus
    /// [`DELETION_MARGIN`]. A browser holds no more chunks than a store wrote, but a request
    /// can carry thousands of made-up `NAMEC<n>` names, and one deletion line each would
    /// answer a 68 KB request with 300 KB of headers. The lowest indices go first, so chunks
    /// left over from a higher `max_chunks` are gone after a few writes.
    ///
    /// ```
    /// use rocket_sealed::chunk::ChunkLimits;
    ///
    /// let limits = ChunkLimits { chunk_size: 4000, max_chunks: 8 };
    /// assert_eq!(limits.max_deletions(), 12);
    /// ```
    pub fn max_deletions(&self) -> usize {
        self.max_chunks.saturating_add(DELETION_MARGIN)
    }
}

/// Chunk deletions a response allows beyond `max_chunks` (see
/// [`ChunkLimits::max_deletions`]): room for chunks written under a higher `max_chunks`.
pub const DELETION_MARGIN: usize = 4;

/// Splits `value` into the cookies that carry it: `[(NAME, value)]` when it fits in one
/// cookie, else `[(NAME, "chunks-N"), (NAMEC1, …), …]`.
///
/// `attr_len` is the length of the attributes that follow `name=value` in each `Set-Cookie`.
///
/// ```
/// use rocket_sealed::chunk::{join, split, ChunkLimits, SentCookies};
///
/// let limits = ChunkLimits { chunk_size: 100, max_chunks: 9 };
/// let value = "x".repeat(250);
/// let cookies = split("s", &value, 20, limits).unwrap();
/// assert_eq!(cookies[0], ("s".to_string(), "chunks-4".to_string()));
/// assert!(cookies.iter().all(|(n, v)| n.len() + 1 + v.len() + 20 <= 100));
///
/// let sent = SentCookies::collect("s", cookies.iter().map(|(n, v)| (n.as_str(), v.as_str())));
/// assert_eq!(join(&sent, limits).unwrap().as_deref(), Some(value.as_str()));
/// ```
pub fn split(
    name: &str,
    value: &str,
    attr_len: usize,
    limits: ChunkLimits,
) -> Result<Vec<(String, String)>, Error> {
    if !value.is_ascii() {
        // Pieces are cut by bytes. The crate's own values are base64url, so only this public
        // entry point checks.
        return Err(Error::Encode {
            key: name.to_owned(),
            reason: "a cookie value must be ASCII".into(),
        });
    }
    let mut cookies = Vec::new();
    split_each(name, value, attr_len, limits, |n, v| {
        cookies.push((n.to_owned(), v.to_owned()))
    })?;
    Ok(cookies)
}

/// [`split`] without building the list: calls `f` with each cookie's name and value, in
/// order, borrowing the pieces from `value`, and returns how many there were. Nothing is
/// called on error. `value` must be ASCII (sealed text is base64url; [`split`] checks).
///
/// A commit turns each cookie straight into its `Set-Cookie` line, so collecting owned
/// copies of the value first would only add an allocation and a copy of the whole value.
pub(crate) fn split_each(
    name: &str,
    value: &str,
    attr_len: usize,
    limits: ChunkLimits,
    mut f: impl FnMut(&str, &str),
) -> Result<usize, Error> {
    let Some((count, piece)) = layout(name, value.len(), attr_len, limits)? else {
        f(name, value);
        return Ok(1);
    };
    f(name, &format!("{MARKER}{count}"));
    for (i, piece) in value.as_bytes().chunks(piece).enumerate() {
        let text = std::str::from_utf8(piece).expect("base64url text is ASCII");
        f(&chunk_name(name, i + 1), text);
    }
    Ok(count + 1)
}

/// `true` when a value of `value_len` bytes is stored in one cookie, not chunked.
pub(crate) fn is_one_cookie(
    name: &str,
    value_len: usize,
    attr_len: usize,
    limits: ChunkLimits,
) -> bool {
    name.len() + 1 + value_len + attr_len <= limits.chunk_size
}

/// How [`split`] lays out a value of `value_len` bytes: `None` for one cookie, else the chunk
/// count and the piece length.
fn layout(
    name: &str,
    value_len: usize,
    attr_len: usize,
    limits: ChunkLimits,
) -> Result<Option<(usize, usize)>, Error> {
    if is_one_cookie(name, value_len, attr_len, limits) {
        return Ok(None);
    }
    let piece = limits.piece_len(name, attr_len).ok_or_else(|| {
        Error::config(
            "sealed.chunk_size",
            "cookie attributes leave no room for a value",
        )
    })?;
    let count = value_len.div_ceil(piece);
    if count > limits.max_chunks {
        // In header bytes, as a budget is: what the cookies would take with no chunk limit,
        // and what `max_chunks` full chunks take.
        return Err(Error::TooLarge {
            needed: chunked_header_len(name, value_len, count, piece),
            limit: chunked_header_len(name, piece * limits.max_chunks, limits.max_chunks, piece),
        });
    }
    Ok(Some((count, piece)))
}

/// Bytes in the `Cookie` header of a value of `value_len` bytes in `count` chunks of `piece`
/// bytes (the last one shorter), after the main cookie's `chunks-N`.
fn chunked_header_len(name: &str, value_len: usize, count: usize, piece: usize) -> usize {
    let mut total = name.len() + 1 + MARKER.len() + digits(count);
    for i in 1..=count {
        let this_piece = if i < count {
            piece
        } else {
            value_len - piece * (count - 1)
        };
        // `; NAMEC<i>=piece`, measured without formatting it.
        total += 2 + name.len() + 1 + digits(i) + 1 + this_piece;
    }
    total
}

/// Bytes that [`split`]'s cookies for a value of `value_len` bytes take in a `Cookie` header,
/// computed without building them.
///
/// ```
/// use rocket_sealed::chunk::{header_len, split, split_header_len, ChunkLimits};
///
/// let limits = ChunkLimits { chunk_size: 100, max_chunks: 9 };
/// let value = "x".repeat(250);
/// let cookies = split("s", &value, 20, limits).unwrap();
/// let expected = header_len(cookies.iter().map(|(n, v)| (n.as_str(), v.as_str())));
/// assert_eq!(split_header_len("s", 250, 20, limits).unwrap(), expected);
/// ```
pub fn split_header_len(
    name: &str,
    value_len: usize,
    attr_len: usize,
    limits: ChunkLimits,
) -> Result<usize, Error> {
    let Some((count, piece)) = layout(name, value_len, attr_len, limits)? else {
        return Ok(name.len() + 1 + value_len);
    };
    Ok(chunked_header_len(name, value_len, count, piece))
}

/// Joins the store's cookies back into one value. `Ok(None)` when the main cookie was not sent.
///
/// Refuses a malformed count, a count above the maximum, a missing chunk, and a joined value
/// longer than the limits allow. Chunks sent in the wrong order or duplicated join into a value
/// that fails authentication when opened. A value that was not chunked is borrowed, not copied.
///
/// ```
/// use rocket_sealed::chunk::{join, ChunkLimits, SentCookies};
/// use rocket_sealed::{Malformed, Rejection};
///
/// let limits = ChunkLimits { chunk_size: 4000, max_chunks: 8 };
/// let sent = SentCookies::collect("s", [("s", "chunks-2"), ("sC1", "ab"), ("sC2", "cd")]);
/// assert_eq!(join(&sent, limits).unwrap().as_deref(), Some("abcd"));
///
/// let missing = SentCookies::collect("s", [("s", "chunks-2"), ("sC1", "ab")]);
/// assert_eq!(join(&missing, limits), Err(Rejection::Malformed(Malformed::MissingChunk)));
/// assert_eq!(join(&SentCookies::collect("s", []), limits), Ok(None));
/// ```
pub fn join<'a>(
    sent: &SentCookies<'a>,
    limits: ChunkLimits,
) -> Result<Option<Cow<'a, str>>, Rejection> {
    join_at_most(sent, limits, limits.max_value_len())
}

/// [`join`], refusing a value longer than `max_len` (at most the limits' own maximum).
pub(crate) fn join_at_most<'a>(
    sent: &SentCookies<'a>,
    limits: ChunkLimits,
    max_len: usize,
) -> Result<Option<Cow<'a, str>>, Rejection> {
    let max_len = max_len.min(limits.max_value_len());
    let Some(main) = sent.get(sent.name()) else {
        return Ok(None);
    };
    let Some(count) = main.strip_prefix(MARKER) else {
        if main.len() > max_len {
            return Err(Malformed::TooLong.into());
        }
        return Ok(Some(Cow::Borrowed(main)));
    };
    let count = marker_count(count, limits.max_chunks)?;
    let mut joined = String::new();
    for i in 1..=count {
        let piece = sent
            .get(&chunk_name(sent.name(), i))
            .ok_or(Malformed::MissingChunk)?;
        if joined.len() + piece.len() > max_len {
            return Err(Malformed::TooLong.into());
        }
        joined.push_str(piece);
    }
    Ok(Some(Cow::Owned(joined)))
}

/// The chunk cookies the browser sent that a store written with `kept_chunks` chunks no longer
/// uses (all of them when `kept_chunks` is 0), lowest index first.
///
/// A commit deletes only the first [`ChunkLimits::max_deletions`] of them in one response
/// (see [`StoreSpec::write`](crate::codec::StoreSpec::write)).
///
/// ```
/// use rocket_sealed::chunk::{stale_chunks, SentCookies};
///
/// let sent = SentCookies::collect("s", [("s", "chunks-3"), ("sC1", "a"), ("sC2", "b"), ("sC3", "c")]);
/// assert_eq!(stale_chunks(&sent, 1), vec!["sC2".to_string(), "sC3".to_string()]);
/// ```
pub fn stale_chunks(sent: &SentCookies, kept_chunks: usize) -> Vec<String> {
    stale_chunks_at_most(sent, kept_chunks, usize::MAX)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// The first `at_most` of [`stale_chunks`], borrowed, chosen without sorting the rest: a
/// request may carry thousands of made-up chunk names.
pub(crate) fn stale_chunks_at_most<'a>(
    sent: &SentCookies<'a>,
    kept_chunks: usize,
    at_most: usize,
) -> Vec<&'a str> {
    let mut stale: Vec<(usize, &'a str)> = sent
        .iter()
        .filter_map(|(n, _)| chunk_index(sent.name(), n).map(|i| (i, n)))
        .filter(|(i, _)| *i > kept_chunks)
        .collect();
    if at_most == 0 {
        return Vec::new();
    }
    if stale.len() > at_most {
        stale.select_nth_unstable(at_most - 1);
        stale.truncate(at_most);
    }
    stale.sort_unstable();
    stale.into_iter().map(|(_, n)| n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn digits_counts_decimal_digits() {
        for n in [0, 1, 9, 10, 99, 100, 999_999, 1_000_000, usize::MAX] {
            assert_eq!(digits(n), n.to_string().len(), "{n}");
        }
    }

    proptest! {
        /// A write checks the budget with `split_header_len` before it builds any cookie, so
        /// the computed length must be the built cookies' length, and fail the same way.
        #[test]
        fn header_len_is_computed_exactly(
            name in "[a-z_]{1,20}",
            value_len in 0usize..40_000,
            attr_len in 0usize..200,
            chunk_size in 50usize..5000,
            max_chunks in 1usize..120,
        ) {
            let limits = ChunkLimits { chunk_size, max_chunks };
            let value = "v".repeat(value_len);
            let computed = split_header_len(&name, value_len, attr_len, limits);
            match split(&name, &value, attr_len, limits) {
                Ok(cookies) => {
                    let built = header_len(cookies.iter().map(|(n, v)| (n.as_str(), v.as_str())));
                    prop_assert_eq!(computed.unwrap(), built);
                    let mut each = Vec::new();
                    let count = split_each(&name, &value, attr_len, limits, |n, v| {
                        each.push((n.to_owned(), v.to_owned()))
                    }).unwrap();
                    prop_assert_eq!(count, cookies.len());
                    prop_assert_eq!(each, cookies);
                }
                Err(e) => prop_assert_eq!(computed.unwrap_err().to_string(), e.to_string()),
            }
        }
    }
}
