//! Cookie attributes and the `Set-Cookie` lines they produce.
//!
//! ```
//! use rocket_sealed::attrs::CookieAttrs;
//!
//! let attrs = CookieAttrs { domain: Some("example.com".into()), ..CookieAttrs::default() };
//! assert!(attrs.set_line("s", "v").ends_with("; Path=/; Domain=example.com"));
//! // A deletion carries the same Path and Domain, or the browser would keep the cookie.
//! assert!(attrs.delete_line("s").contains("; Path=/; Domain=example.com"));
//! ```

use std::fmt;

#[cfg(test)]
use cookie::Cookie;
use cookie::SameSite;

/// The attributes every cookie of a store carries. Deletions repeat them, because a browser
/// only replaces a cookie whose name, path and domain match.
///
/// The default is `Path=/`, `SameSite=Lax`, `HttpOnly`, not `Secure`, no `Domain` and no
/// `Max-Age`; [`Config::cookie_attrs`](crate::Config::cookie_attrs) builds them from
/// configuration.
///
/// ```
/// use rocket::http::SameSite;
/// use rocket_sealed::attrs::CookieAttrs;
///
/// let attrs = CookieAttrs {
///     same_site: SameSite::Strict,
///     secure: true,
///     max_age: Some(600),
///     ..CookieAttrs::default()
/// };
/// let line = attrs.set_line("s", "v");
/// assert_eq!(line, "s=v; HttpOnly; SameSite=Strict; Secure; Path=/; Max-Age=600");
/// assert_eq!(attrs.attr_len(), line.len() - "s=v".len());
///
/// // A partitioned cookie is Secure too, deletions included.
/// let chips = CookieAttrs { partitioned: true, ..CookieAttrs::default() };
/// assert_eq!(chips.set_line("s", "v"), "s=v; HttpOnly; SameSite=Lax; Partitioned; Secure; Path=/");
/// assert!(chips.delete_line("s").contains("; Partitioned; Secure; Path=/"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieAttrs {
    /// `Path`.
    pub path: String,
    /// `Domain`, if any.
    pub domain: Option<String>,
    /// `SameSite`.
    pub same_site: SameSite,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `Secure`.
    pub secure: bool,
    /// `Max-Age` in seconds for a persistent cookie; `None` for a browser-session cookie.
    pub max_age: Option<u64>,
    /// `Partitioned` (CHIPS): the browser keeps a separate cookie for each top-level site the
    /// app is embedded in. It implies `Secure`, which browsers require of it.
    pub partitioned: bool,
}

impl Default for CookieAttrs {
    fn default() -> Self {
        CookieAttrs {
            path: "/".into(),
            domain: None,
            same_site: SameSite::Lax,
            http_only: true,
            secure: false,
            max_age: None,
            partitioned: false,
        }
    }
}

impl CookieAttrs {
    /// The `cookie` crate's rendering of these attributes on `name=value`. It is the
    /// reference the hand-written lines below are tested against.
    #[cfg(test)]
    fn build<'c>(&self, name: &'c str, value: &'c str) -> Cookie<'c> {
        let mut c = Cookie::build((name, value))
            .path(self.path.clone())
            .same_site(self.same_site)
            .http_only(self.http_only)
            .secure(self.secure)
            .partitioned(self.partitioned);
        if let Some(domain) = &self.domain {
            c = c.domain(domain.clone());
        }
        if let Some(secs) = self.max_age {
            c = c.max_age(time::Duration::seconds(Self::max_age_secs(secs)));
        }
        c.build()
    }

    /// `Max-Age` as the `cookie` crate stores it: an `i64` of seconds, saturating.
    fn max_age_secs(secs: u64) -> i64 {
        secs.min(i64::MAX as u64) as i64
    }

    /// Writes the attributes that follow `name=value`, byte for byte as the `cookie` crate's
    /// `Display` writes them for a cookie built with these attributes (same order, `Secure`
    /// only when set or partitioned, a leading dot dropped from the domain).
    ///
    /// Every commit writes a line per cookie and asks for [`attr_len`](Self::attr_len);
    /// building a `cookie::Cookie` for each (cloning the path and domain, then formatting it
    /// through `Display`) was the largest cost of a write outside the cipher. A test checks
    /// that the lines stay identical to the `cookie` crate's.
    fn write_attrs(&self, out: &mut impl fmt::Write, max_age: Option<i64>) -> fmt::Result {
        if self.http_only {
            out.write_str("; HttpOnly")?;
        }
        out.write_str(match self.same_site {
            SameSite::Strict => "; SameSite=Strict",
            SameSite::Lax => "; SameSite=Lax",
            SameSite::None => "; SameSite=None",
        })?;
        if self.partitioned {
            out.write_str("; Partitioned")?;
        }
        if self.secure || self.partitioned {
            out.write_str("; Secure")?;
        }
        out.write_str("; Path=")?;
        out.write_str(&self.path)?;
        if let Some(domain) = &self.domain {
            out.write_str("; Domain=")?;
            out.write_str(domain.strip_prefix('.').unwrap_or(domain))?;
        }
        if let Some(secs) = max_age {
            write!(out, "; Max-Age={secs}")?;
        }
        Ok(())
    }

    /// `name=value` followed by the attributes, `max_age` overriding the store's.
    fn line(&self, name: &str, value: &str, max_age: Option<i64>, tail: &str) -> String {
        self.line_with(
            name,
            value.len(),
            |line| line.push_str(value),
            max_age,
            tail,
        )
    }

    /// [`line`](Self::line) with the value (`value_len` bytes) written by `value`.
    fn line_with(
        &self,
        name: &str,
        value_len: usize,
        value: impl FnOnce(&mut String),
        max_age: Option<i64>,
        tail: &str,
    ) -> String {
        let mut line = String::with_capacity(name.len() + 1 + value_len + 128);
        line.push_str(name);
        line.push('=');
        value(&mut line);
        self.write_attrs(&mut line, max_age)
            .expect("writing to a String cannot fail");
        line.push_str(tail);
        line
    }

    /// The `Set-Cookie` value that stores `name=value`.
    ///
    /// ```
    /// use rocket_sealed::attrs::CookieAttrs;
    /// let line = CookieAttrs::default().set_line("s", "abc");
    /// assert_eq!(line, "s=abc; HttpOnly; SameSite=Lax; Path=/");
    /// ```
    pub fn set_line(&self, name: &str, value: &str) -> String {
        self.line(name, value, self.max_age.map(Self::max_age_secs), "")
    }

    /// [`set_line`](Self::set_line) with the value (`value_len` bytes) written into the line by
    /// `value`, so a sealed value can be encoded straight into it.
    pub(crate) fn set_line_with(
        &self,
        name: &str,
        value_len: usize,
        value: impl FnOnce(&mut String),
    ) -> String {
        self.line_with(
            name,
            value_len,
            value,
            self.max_age.map(Self::max_age_secs),
            "",
        )
    }

    /// The `Set-Cookie` value that deletes `name`: empty value, `Max-Age=0` and an `Expires`
    /// in the past, with the same Path/Domain/SameSite/Secure as the cookie it removes.
    ///
    /// ```
    /// use rocket_sealed::attrs::CookieAttrs;
    /// let line = CookieAttrs::default().delete_line("s");
    /// assert!(line.starts_with("s=; ") && line.contains("Max-Age=0") && line.contains("Expires=Thu, 01 Jan 1970"));
    /// ```
    pub fn delete_line(&self, name: &str) -> String {
        // The `cookie` crate's rendering of `Expires` at the unix epoch (RFC 1123, in GMT).
        self.line(name, "", Some(0), "; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    }

    /// Bytes the attributes add after `name=value` in a `Set-Cookie` value.
    ///
    /// Counted without building the line: it is asked for on every write.
    ///
    /// ```
    /// use rocket_sealed::attrs::CookieAttrs;
    ///
    /// let attrs = CookieAttrs::default();
    /// assert_eq!(attrs.attr_len(), "; HttpOnly; SameSite=Lax; Path=/".len());
    /// // The same for every name and value: it is what `set_line` adds after them.
    /// let line = attrs.set_line("sealed_session", "abc");
    /// assert_eq!(line.len(), "sealed_session=abc".len() + attrs.attr_len());
    ///
    /// // A persistent cookie carries its `Max-Age`; a leading dot of the domain is dropped.
    /// let persistent = CookieAttrs {
    ///     domain: Some(".example.com".into()),
    ///     max_age: Some(1200),
    ///     ..CookieAttrs::default()
    /// };
    /// let extra = "; Domain=example.com; Max-Age=1200".len();
    /// assert_eq!(persistent.attr_len(), attrs.attr_len() + extra);
    /// ```
    pub fn attr_len(&self) -> usize {
        struct Count(usize);
        impl fmt::Write for Count {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.0 += s.len();
                Ok(())
            }
        }
        let mut count = Count(0);
        self.write_attrs(&mut count, self.max_age.map(Self::max_age_secs))
            .expect("counting cannot fail");
        count.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn attrs() -> impl Strategy<Value = CookieAttrs> {
        let same_site = prop_oneof![
            Just(SameSite::Strict),
            Just(SameSite::Lax),
            Just(SameSite::None)
        ];
        let max_age = prop_oneof![
            Just(None),
            Just(Some(0u64)),
            Just(Some(u64::MAX)),
            Just(Some(i64::MAX as u64)),
            any::<u64>().prop_map(Some),
        ];
        (
            prop_oneof![Just("/".to_string()), "/[a-z/]{0,12}"],
            prop_oneof![
                Just(None),
                Just(Some(".example.com".to_string())),
                "\\.?[a-z]{1,10}(\\.[a-z]{2,3})?".prop_map(Some),
            ],
            same_site,
            any::<bool>(),
            any::<bool>(),
            max_age,
            any::<bool>(),
        )
            .prop_map(
                |(path, domain, same_site, http_only, secure, max_age, partitioned)| CookieAttrs {
                    path,
                    domain,
                    same_site,
                    http_only,
                    secure,
                    max_age,
                    partitioned,
                },
            )
    }

    proptest! {
        #[test]
        fn lines_are_the_cookie_crates(attrs in attrs(), name in "[a-zA-Z_]{0,20}(C[1-9])?", value in "[A-Za-z0-9_-]{0,80}") {
            prop_assert_eq!(attrs.set_line(&name, &value), attrs.build(&name, &value).to_string());

            let mut deleted = attrs.build(&name, "");
            deleted.set_max_age(time::Duration::ZERO);
            deleted.set_expires(time::OffsetDateTime::UNIX_EPOCH);
            prop_assert_eq!(attrs.delete_line(&name), deleted.to_string());

            prop_assert_eq!(attrs.attr_len(), attrs.build("", "").to_string().len() - 1);
        }
    }
}
