//! Cookie attributes and the `Set-Cookie` lines they produce.

use cookie::{Cookie, SameSite};

/// The attributes every cookie of a store carries. Deletions repeat them, because a browser
/// only replaces a cookie whose name, path and domain match.
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
        }
    }
}

impl CookieAttrs {
    fn build<'c>(&self, name: &'c str, value: &'c str) -> Cookie<'c> {
        let mut c = Cookie::build((name, value))
            .path(self.path.clone())
            .same_site(self.same_site)
            .http_only(self.http_only)
            .secure(self.secure);
        if let Some(domain) = &self.domain {
            c = c.domain(domain.clone());
        }
        if let Some(secs) = self.max_age {
            c = c.max_age(time::Duration::seconds(secs.min(i64::MAX as u64) as i64));
        }
        c.build()
    }

    /// The `Set-Cookie` value that stores `name=value`.
    ///
    /// ```
    /// use rocket_sealed::attrs::CookieAttrs;
    /// let line = CookieAttrs::default().set_line("s", "abc");
    /// assert_eq!(line, "s=abc; HttpOnly; SameSite=Lax; Path=/");
    /// ```
    pub fn set_line(&self, name: &str, value: &str) -> String {
        self.build(name, value).to_string()
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
        let mut c = self.build(name, "");
        c.set_max_age(time::Duration::ZERO);
        c.set_expires(time::OffsetDateTime::UNIX_EPOCH);
        c.to_string()
    }

    /// Bytes the attributes add after `name=value` in a `Set-Cookie` value.
    pub fn attr_len(&self) -> usize {
        self.set_line("", "").len() - 1
    }
}
