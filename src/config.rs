//! Configuration: every option, its default, and its validation.

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::attrs::CookieAttrs;
use crate::chunk::ChunkLimits;
use crate::codec::StoreSpec;
use crate::keys::KeyConfig;

/// All settings, read from the `sealed` table of Rocket's configuration or built in code.
///
/// Every field has a default, so an empty table is valid (in the debug profile, where no `keys`
/// given means one ephemeral key).
///
/// ```
/// use rocket_sealed::Config;
///
/// let config = Config::default();
/// assert_eq!(config.session.idle_timeout_secs, 20 * 60);
/// assert_eq!(config.chunk_size, 4000);
/// assert_eq!(config.open_cache, 1024);
/// assert!(config.validate().is_ok());
///
/// let most = Config { open_cache: 65_536, ..Config::default() };
/// assert!(most.validate().is_ok());
/// let too_many = Config { open_cache: 65_537, ..Config::default() };
/// assert!(too_many.validate().unwrap_err().to_string().contains("sealed.open_cache"));
/// ```
///
/// In `Rocket.toml`:
///
/// ```toml
/// [default.sealed]
/// keys = [{ id = 2, key = "…base64url…" }, { id = 1, key = "…" }]
/// [default.sealed.session]
/// idle_timeout_secs = 1800
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The key ring; the first key seals, all open. Default: empty (ephemeral key in debug,
    /// launch failure in release). In Rocket's configuration, `keys = []` written out is an
    /// empty ring and fails launch in every profile; an empty list given to
    /// [`Sealed::custom`](crate::Sealed::custom) counts as no keys. Serializing leaves out an
    /// empty list, so a default `Config` merged into a figment (`Serialized::defaults`) still
    /// means "no keys".
    ///
    /// Each key may carry `activates_at` and `retires_at` (RFC 3339): the newest activated
    /// key seals, each key opens until it retires (see
    /// [`KeyRing::from_config_with_clock`](crate::KeyRing::from_config_with_clock)).
    /// [`Sealed::config`](crate::Sealed::config) shows the ids and dates, never the key text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<KeyConfig>,
    /// A file holding the key ring instead of `keys` (not both): a TOML `keys = [{ id, key,
    /// activates_at, retires_at }, …]` or the JSON `{"keys": [...]}`. Re-read whenever it
    /// changes (a new modification time, inode, size or device, through any symlinks, as
    /// when Kubernetes swaps a mounted secret) and swapped in whole; a file that fails to
    /// read or validate keeps the ring in force. Default none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keys_file: Option<String>,
    /// How often the `keys_file` is checked for a change, in seconds. Default 5; more than 0
    /// and at most 3600.
    pub keys_file_poll_secs: f64,
    /// An application label sealed into every cookie's associated data (`shop-prod`): a
    /// cookie sealed under another label does not open, even when both share a key by
    /// mistake. Default empty: no label, the bytes of earlier versions, whose cookies keep
    /// opening. At most 100 bytes. Changing it ends every session.
    pub context: String,
    /// Session settings.
    pub session: SessionConfig,
    /// TempData settings.
    pub tempdata: TempDataConfig,
    /// Attributes of both stores' cookies.
    pub cookie: CookieConfig,
    /// The Redis registry of signed-in sessions (the `redis` feature).
    pub registry: crate::RegistryConfig,
    /// Upper bound of one `Set-Cookie` value (`name=value` plus attributes), in bytes. Default
    /// 4000: under the 4096 bytes browsers guarantee per cookie.
    pub chunk_size: usize,
    /// Most chunks one store may use; a reader refuses a higher count. Default 8.
    pub max_chunks: usize,
    /// How many cookie values each instance remembers having opened or sealed, with what
    /// they decrypt to, so that a browser sending the same cookie again is not decrypted
    /// again. Default 1024; 0 turns it off; at most 65536.
    ///
    /// Nothing depends on it: a value not remembered is opened as usual, and only a value
    /// identical in every byte, sent as the same cookie, is found. Timestamps, expiry and the
    /// validator are checked on every request. It costs memory: each slot holds a cookie
    /// value and its plaintext, about 2.5 KB for a 1 KiB session and never more than a
    /// reader accepts (`chunk_size × max_chunks` and its plaintext), and a slot keeps the
    /// largest buffers it has needed. It keeps plaintexts in the process between requests,
    /// until their slot is reused, however long that is (they are wiped when replaced or
    /// dropped). A hit is faster than a miss, so whoever holds a cookie can tell whether this
    /// instance saw it lately. [`Sealed::key_ring`](crate::Sealed::key_ring) returns the ring
    /// with this cache: [`seal::open`](crate::seal::open) on it finds and remembers values
    /// too.
    pub open_cache: usize,
    /// Send `Cache-Control: private, no-store` on every response that writes a sealed
    /// cookie (a new value, a refresh, a re-seal or a deletion), so that no shared cache (a
    /// CDN, a proxy) stores one user's `Set-Cookie` and serves it to another. A handler that
    /// sets its own `Cache-Control` keeps it (one debug line says so if it is `public`).
    /// Responses that write no sealed cookie are left alone. Default true.
    pub no_store: bool,
}

/// Session settings (`sealed.session`).
///
/// ```
/// use rocket_sealed::{Config, SessionConfig};
///
/// let session = SessionConfig::default();
/// assert_eq!(session.cookie_name, "sealed_session");
/// assert_eq!(session.idle_timeout_secs, 1200);
/// assert_eq!(session.absolute_timeout_secs, Some(12 * 60 * 60));
/// assert_eq!(session.revalidate_secs, 60);
/// assert_eq!((session.refresh_share, session.budget), (0.5, 5120));
///
/// // A refresh share of 1.0 or more is refused.
/// let mut config = Config::default();
/// config.session = SessionConfig { refresh_share: 1.0, ..SessionConfig::default() };
/// assert!(config.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// Cookie name. Default `sealed_session`.
    pub cookie_name: String,
    /// A session not refreshed for longer than this starts fresh (at exactly this age it is
    /// still loaded). Default 1200 (20 minutes, as ASP.NET Core's session).
    pub idle_timeout_secs: u64,
    /// A session older than this (in seconds) starts fresh however active it is, and a copy
    /// of its cookie is worth nothing after it. Default 43200 (12 hours: a working day signs
    /// in once; see the README, "Signing out and revocation"). `None` lets an active session
    /// live for ever.
    pub absolute_timeout_secs: Option<u64>,
    /// How long the validator's "yes" holds, in seconds: it is sealed into the session with
    /// the time it was given, and the validator runs again only once it is older than this.
    /// Revocation then takes effect within this time, and requests in between cost no
    /// lookup. 0 asks the validator on every request. Default 60. Without a validator it
    /// does nothing.
    pub revalidate_secs: u64,
    /// Share of the idle timeout that must pass before a read-only request re-seals the
    /// cookie to slide its expiry. Default 0.5: rare rewrites, so parallel read-only
    /// requests do not overwrite each other. At least 0.0 and below 1.0: at 1.0 a session
    /// read only would expire the moment its refresh came due.
    pub refresh_share: f64,
    /// Most bytes the session's cookies may take in the `Cookie` header. Default 5120.
    ///
    /// A sent value longer than this was not written by this configuration and is refused
    /// before it is decrypted, so lowering the budget ends the sessions that no longer fit.
    pub budget: usize,
}

/// TempData settings (`sealed.tempdata`).
///
/// ```
/// use rocket_sealed::{Config, TempDataConfig};
///
/// let tempdata = TempDataConfig::default();
/// assert_eq!(tempdata.cookie_name, "sealed_tempdata");
/// assert_eq!(tempdata.lifetime_secs, 10 * 60);
/// assert_eq!(tempdata.budget, 2048);
/// assert!(tempdata.keep_on_redirect);
///
/// // The TempData cookie may not share the session's name.
/// let mut config = Config::default();
/// config.tempdata.cookie_name = config.session.cookie_name.clone();
/// assert!(config.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TempDataConfig {
    /// Cookie name. Default `sealed_tempdata`.
    pub cookie_name: String,
    /// A TempData cookie not written for longer than this is dropped unread, with all its
    /// entries.
    /// The clock starts again whenever the cookie is written (any entry set, read or
    /// removed), so an unread entry carried along by later writes lives on. Default 600 (10
    /// minutes: TempData is for the next request, and a form on the page it leads to).
    pub lifetime_secs: u64,
    /// Most bytes the TempData cookies may take in the `Cookie` header. Default 2048, so that
    /// session and TempData at their budgets fit in an 8 KiB header with room to spare. As
    /// for the session, a longer value is refused before it is decrypted.
    pub budget: usize,
    /// Keep read entries when the response is a redirect (301, 302, 303, 307 or 308; not 304
    /// Not Modified or the other 3xx codes, which send the browser nowhere), as ASP.NET Core's redirect
    /// results do. Default true.
    pub keep_on_redirect: bool,
}

/// Cookie attributes (`sealed.cookie`).
///
/// ```
/// use rocket_sealed::{Config, CookieConfig};
///
/// let cookie = CookieConfig::default();
/// assert_eq!((cookie.path.as_str(), cookie.same_site.as_str()), ("/", "lax"));
/// assert!(cookie.http_only && !cookie.persistent);
/// assert_eq!((cookie.domain, cookie.secure), (None, None));
///
/// // `SameSite=None` with `Secure` explicitly off is refused: browsers would drop the cookies.
/// let mut config = Config::default();
/// config.cookie.same_site = "none".into();
/// config.cookie.secure = Some(false);
/// assert!(config.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CookieConfig {
    /// `Path`. Default `/`.
    pub path: String,
    /// `Domain`. Default none (host-only cookie).
    pub domain: Option<String>,
    /// `SameSite`: `"strict"`, `"lax"` or `"none"`. Default `"lax"`.
    pub same_site: String,
    /// `HttpOnly`. Default true: scripts cannot read the cookies.
    pub http_only: bool,
    /// `Secure`. Default none: set when Rocket serves TLS, as Rocket does for its own cookies,
    /// and always where browsers require it — with `same_site = "none"`, `partitioned`, or a
    /// `__Host-` or `__Secure-` cookie name (unset means set; `false` with any of them is
    /// refused). Behind a TLS-terminating proxy set it to `true`, or see
    /// [`forwarded_proto_header`](Self::forwarded_proto_header).
    pub secure: Option<bool>,
    /// Persistent cookies (`Max-Age` = the store's lifetime) instead of browser-session
    /// cookies. Default false.
    pub persistent: bool,
    /// `Partitioned` (CHIPS) on every cookie and deletion: for an app embedded in other
    /// sites, the browser keeps one cookie per top-level site. Implies `Secure`. Default false.
    pub partitioned: bool,
    /// The header a TLS-terminating proxy in front of the app sets to the scheme the browser
    /// used, such as `X-Forwarded-Proto` (or `Forwarded`, whose `proto=` is read). When
    /// `secure` is unset and Rocket serves no TLS, a response is `Secure` when the last value
    /// of this header says `https`. Default none: only a proxy you run may set this header,
    /// and it must replace whatever the client sent; never name it when clients reach the app
    /// directly.
    pub forwarded_proto_header: Option<String>,
}

/// Whether the stores' cookies are `Secure`, and why: what
/// [`Config::secure_mode`] decides and the launch log says.
///
/// ```
/// use rocket_sealed::{Config, SecureMode};
///
/// let mut config = Config::default();
/// assert!(matches!(config.secure_mode(false), SecureMode::Never(_)));
/// assert!(matches!(config.secure_mode(true), SecureMode::Always(_)));
/// config.cookie.forwarded_proto_header = Some("X-Forwarded-Proto".into());
/// assert_eq!(config.secure_mode(false), SecureMode::ByHeader("X-Forwarded-Proto".into()));
/// assert!(config.secure_mode(false).to_string().contains("X-Forwarded-Proto"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecureMode {
    /// On every response, for the reason given.
    Always(&'static str),
    /// On a response to a request whose header of this name, set by the proxy, says `https`.
    ByHeader(String),
    /// On no response, for the reason given.
    Never(&'static str),
}

impl std::fmt::Display for SecureMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecureMode::Always(why) => write!(f, "Secure on every response ({why})"),
            SecureMode::ByHeader(header) => write!(
                f,
                "Secure when the request's `{header}` header says https \
                 (sealed.cookie.forwarded_proto_header; only your proxy may set it)"
            ),
            SecureMode::Never(why) => write!(
                f,
                "not Secure ({why}); behind a TLS-terminating proxy set \
                 sealed.cookie.secure = true"
            ),
        }
    }
}

/// The cookie-name prefix browsers check (case-insensitively), if `name` has one.
fn name_prefix(name: &str) -> Option<&'static str> {
    ["__Host-", "__Secure-"].into_iter().find(|prefix| {
        name.get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    })
}

/// `true` if `value`, the last value of a forwarded-proto header (`header` names it), says
/// the browser used https: the last comma-separated element, the one the proxy nearest the
/// app wrote (a client can put anything before it), as `https` (`X-Forwarded-Proto`) or
/// with `proto=https` (`Forwarded`).
pub(crate) fn forwarded_https(header: &str, value: &str) -> bool {
    let last = value.rsplit(',').next().unwrap_or_default().trim();
    let proto = if header.eq_ignore_ascii_case("Forwarded") {
        last.split(';').find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("proto")
                .then(|| value.trim().trim_matches('"'))
        })
    } else {
        Some(last)
    };
    proto.is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

impl Default for Config {
    fn default() -> Self {
        Config {
            keys: Vec::new(),
            session: SessionConfig::default(),
            tempdata: TempDataConfig::default(),
            cookie: CookieConfig::default(),
            registry: crate::RegistryConfig::default(),
            chunk_size: 4000,
            max_chunks: 8,
            open_cache: 1024,
            no_store: true,
            keys_file: None,
            keys_file_poll_secs: 5.0,
            context: String::new(),
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            cookie_name: "sealed_session".into(),
            idle_timeout_secs: 20 * 60,
            absolute_timeout_secs: Some(12 * 60 * 60),
            revalidate_secs: 60,
            refresh_share: 0.5,
            budget: 5120,
        }
    }
}

impl Default for TempDataConfig {
    fn default() -> Self {
        TempDataConfig {
            cookie_name: "sealed_tempdata".into(),
            lifetime_secs: 10 * 60,
            budget: 2048,
            keep_on_redirect: true,
        }
    }
}

impl Default for CookieConfig {
    fn default() -> Self {
        CookieConfig {
            path: "/".into(),
            domain: None,
            same_site: "lax".into(),
            http_only: true,
            secure: None,
            persistent: false,
            partitioned: false,
            forwarded_proto_header: None,
        }
    }
}

/// The longest `Set-Cookie` value browsers are required to accept, and so the highest
/// [`Config::chunk_size`] that [`Config::validate`] allows.
///
/// ```
/// use rocket_sealed::{Config, BROWSER_COOKIE_LIMIT};
///
/// assert_eq!(BROWSER_COOKIE_LIMIT, 4096);
/// let mut config = Config::default();
/// config.chunk_size = BROWSER_COOKIE_LIMIT;
/// assert!(config.validate().is_ok());
/// config.chunk_size = BROWSER_COOKIE_LIMIT + 1;
/// assert!(config.validate().is_err());
/// ```
pub const BROWSER_COOKIE_LIMIT: usize = 4096;

/// A text as long as a key's first 24 bytes and made only of base64 or base64url characters.
pub(crate) fn is_key_like_text(text: &str) -> bool {
    text.trim().len() >= 32
        && text
            .trim()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'/' | b'='))
}

/// A configured text for an error message, in backquotes, unless it looks like a key pasted
/// into the wrong field: that is not repeated.
fn quoted(text: &str) -> String {
    if is_key_like_text(text) {
        "a long base64-like text (not shown)".into()
    } else {
        format!("`{text}`")
    }
}

fn valid_cookie_name(name: &str) -> bool {
    // RFC 6265 token characters, minus those some servers mangle.
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl Config {
    /// The chunking limits: [`chunk_size`](Self::chunk_size) and
    /// [`max_chunks`](Self::max_chunks).
    ///
    /// ```
    /// use rocket_sealed::Config;
    ///
    /// let limits = Config::default().chunk_limits();
    /// assert_eq!((limits.chunk_size, limits.max_chunks), (4000, 8));
    /// ```
    pub fn chunk_limits(&self) -> ChunkLimits {
        ChunkLimits {
            chunk_size: self.chunk_size,
            max_chunks: self.max_chunks,
        }
    }

    /// The longest a cookie sealed now can keep opening: the session's idle timeout (its
    /// absolute timeout if shorter) or the TempData lifetime, whichever is longer. A key must
    /// stay in the ring this long after it stops sealing.
    ///
    /// ```
    /// use rocket_sealed::Config;
    ///
    /// let mut config = Config::default();
    /// // The session's 20-minute idle timeout, longer than TempData's 10 minutes.
    /// assert_eq!(config.longest_cookie_life(), 1_200);
    /// config.tempdata.lifetime_secs = 60;
    /// config.session.absolute_timeout_secs = Some(600);
    /// assert_eq!(config.longest_cookie_life(), 600);
    /// ```
    pub fn longest_cookie_life(&self) -> u64 {
        let s = &self.session;
        let session = match s.absolute_timeout_secs {
            Some(abs) => abs.min(s.idle_timeout_secs),
            None => s.idle_timeout_secs,
        };
        session.max(self.tempdata.lifetime_secs)
    }

    pub(crate) fn same_site(&self) -> Result<cookie::SameSite, Error> {
        match self.cookie.same_site.to_ascii_lowercase().as_str() {
            "strict" => Ok(cookie::SameSite::Strict),
            "lax" => Ok(cookie::SameSite::Lax),
            "none" => Ok(cookie::SameSite::None),
            other => Err(Error::config(
                "sealed.cookie.same_site",
                format!(
                    "{} is not one of \"strict\", \"lax\", \"none\"",
                    quoted(other)
                ),
            )),
        }
    }

    /// The attributes of a store's cookies; `tls` says whether the server serves TLS (used
    /// when `cookie.secure` is not set) and `max_age` is the store's lifetime (used only when
    /// `cookie.persistent` is on).
    ///
    /// Meant for a validated config ([`validate`](Config::validate), which the fairing runs
    /// at launch): a `same_site` that does not parse is read as `lax` here.
    ///
    /// ```
    /// use rocket_sealed::Config;
    ///
    /// let mut config = Config::default();
    /// // `Secure` follows TLS unless configured.
    /// assert!(!config.cookie_attrs(false, 1200).secure);
    /// assert!(config.cookie_attrs(true, 1200).secure);
    /// // Browser-session cookies unless persistent.
    /// assert_eq!(config.cookie_attrs(true, 1200).max_age, None);
    /// config.cookie.persistent = true;
    /// assert_eq!(config.cookie_attrs(true, 1200).max_age, Some(1200));
    /// ```
    pub fn cookie_attrs(&self, tls: bool, max_age: u64) -> CookieAttrs {
        CookieAttrs {
            path: self.cookie.path.clone(),
            domain: self.cookie.domain.clone(),
            same_site: self.same_site().unwrap_or(cookie::SameSite::Lax),
            http_only: self.cookie.http_only,
            // In the forwarded-proto mode these are the attributes of an https request; the
            // fairing drops `Secure` for the others.
            secure: !matches!(self.secure_mode(tls), SecureMode::Never(_)),
            max_age: self.cookie.persistent.then_some(max_age),
            partitioned: self.cookie.partitioned,
        }
    }

    /// How the session store is written: its cookie name, the chunk limits, its budget and
    /// its cookies' attributes ([`cookie_attrs`](Self::cookie_attrs), with `tls` as there),
    /// which live, when persistent, as long as the shorter of the idle and absolute timeouts.
    ///
    /// ```
    /// use rocket_sealed::Config;
    ///
    /// let mut config = Config::default();
    /// config.cookie.persistent = true;
    /// config.session.absolute_timeout_secs = Some(600);
    /// let spec = config.session_spec(true);
    /// assert_eq!(spec.name, config.session.cookie_name);
    /// assert_eq!(spec.budget, config.session.budget);
    /// assert_eq!(spec.attrs.max_age, Some(600));
    /// ```
    pub fn session_spec(&self, tls: bool) -> StoreSpec {
        let lifetime = match self.session.absolute_timeout_secs {
            Some(absolute) => absolute.min(self.session.idle_timeout_secs),
            None => self.session.idle_timeout_secs,
        };
        StoreSpec {
            name: self.session.cookie_name.clone(),
            limits: self.chunk_limits(),
            budget: self.session.budget,
            attrs: self.cookie_attrs(tls, lifetime),
        }
    }

    /// How the TempData store is written, as [`session_spec`](Self::session_spec) says for
    /// the session; its cookies live, when persistent, for `tempdata.lifetime_secs`.
    ///
    /// ```
    /// use rocket_sealed::Config;
    ///
    /// let config = Config::default();
    /// let spec = config.tempdata_spec(false);
    /// assert_eq!(spec.name, config.tempdata.cookie_name);
    /// assert_eq!(spec.budget, config.tempdata.budget);
    /// assert!(!spec.attrs.secure);
    /// ```
    pub fn tempdata_spec(&self, tls: bool) -> StoreSpec {
        StoreSpec {
            name: self.tempdata.cookie_name.clone(),
            limits: self.chunk_limits(),
            budget: self.tempdata.budget,
            attrs: self.cookie_attrs(tls, self.tempdata.lifetime_secs),
        }
    }

    /// Whether the cookies are `Secure` when Rocket does (`tls`) or does not serve TLS.
    ///
    /// `cookie.secure` decides when set. Unset, they are `Secure` over TLS, and always where
    /// browsers require it (`SameSite=None`, `Partitioned`, a `__Host-` or `__Secure-` name);
    /// else, with a `forwarded_proto_header`, when the proxy's header says https.
    ///
    /// ```
    /// use rocket_sealed::{Config, SecureMode};
    ///
    /// let mut config = Config::default();
    /// config.session.cookie_name = "__Host-session".into();
    /// assert_eq!(
    ///     config.secure_mode(false),
    ///     SecureMode::Always("a `__Host-` or `__Secure-` cookie name requires it")
    /// );
    /// config.cookie.secure = Some(false);
    /// assert!(config.validate().is_err()); // browsers would drop every cookie
    /// ```
    pub fn secure_mode(&self, tls: bool) -> SecureMode {
        match self.cookie.secure {
            Some(true) => SecureMode::Always("sealed.cookie.secure = true"),
            Some(false) => SecureMode::Never("sealed.cookie.secure = false"),
            None if tls => SecureMode::Always("Rocket serves TLS"),
            None if self.has_prefixed_name() => {
                SecureMode::Always("a `__Host-` or `__Secure-` cookie name requires it")
            }
            None if self.same_site().is_ok_and(|s| s == cookie::SameSite::None) => {
                SecureMode::Always("SameSite=None requires it")
            }
            None if self.cookie.partitioned => SecureMode::Always("Partitioned requires it"),
            None => match &self.cookie.forwarded_proto_header {
                Some(header) => SecureMode::ByHeader(header.clone()),
                None => {
                    SecureMode::Never("Rocket serves no TLS and sealed.cookie.secure is not set")
                }
            },
        }
    }

    /// `true` if a store's cookie name has a `__Host-` or `__Secure-` prefix.
    fn has_prefixed_name(&self) -> bool {
        [&self.session.cookie_name, &self.tempdata.cookie_name]
            .into_iter()
            .any(|name| name_prefix(name).is_some())
    }

    /// Browsers drop a `__Host-` cookie that is not `Secure`, has a `Domain` or a `Path`
    /// other than `/`, and a `__Secure-` one that is not `Secure`; and a `Partitioned` one
    /// that is not `Secure`.
    fn check_prefixes(&self) -> Result<(), Error> {
        for (field, name) in [
            ("sealed.session.cookie_name", &self.session.cookie_name),
            ("sealed.tempdata.cookie_name", &self.tempdata.cookie_name),
        ] {
            let Some(prefix) = name_prefix(name) else {
                continue;
            };
            let refuse = |conflict: &str| {
                Err(Error::config(
                    field,
                    format!(
                        "{} starts with `{prefix}`, which browsers accept only {}; but {conflict}",
                        quoted(name),
                        if prefix == "__Host-" {
                            "Secure, with Path=/ and no Domain"
                        } else {
                            "Secure"
                        }
                    ),
                ))
            };
            if self.cookie.secure == Some(false) {
                return refuse("sealed.cookie.secure is false");
            }
            if prefix == "__Host-" && self.cookie.path != "/" {
                return refuse(&format!(
                    "sealed.cookie.path is {}",
                    quoted(&self.cookie.path)
                ));
            }
            if prefix == "__Host-" && self.cookie.domain.is_some() {
                return refuse("sealed.cookie.domain is set");
            }
        }
        if self.cookie.partitioned && self.cookie.secure == Some(false) {
            return Err(Error::config(
                "sealed.cookie.partitioned",
                "Partitioned requires Secure; browsers drop such cookies otherwise",
            ));
        }
        if let Some(header) = &self.cookie.forwarded_proto_header {
            if !valid_cookie_name(header) {
                return Err(Error::config(
                    "sealed.cookie.forwarded_proto_header",
                    format!("{} is not a valid header name", quoted(header)),
                ));
            }
            if self.cookie.secure.is_some() {
                return Err(Error::config(
                    "sealed.cookie.forwarded_proto_header",
                    "has no effect while sealed.cookie.secure is set; remove one of them",
                ));
            }
        }
        Ok(())
    }

    /// Checks every setting except the keys (see [`KeyRing::from_config`](crate::KeyRing::from_config)),
    /// naming the first bad field.
    ///
    /// ```
    /// use rocket_sealed::{Config, Error};
    ///
    /// let mut config = Config::default();
    /// config.chunk_size = 9000;
    /// let Err(Error::Config { field, .. }) = config.validate() else { panic!() };
    /// assert_eq!(field, "sealed.chunk_size");
    ///
    /// // Attribute injection through configuration is refused.
    /// let mut config = Config::default();
    /// config.cookie.path = "/; Domain=evil.example".into();
    /// assert!(config.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        if self.keys_file.is_some() && !self.keys.is_empty() {
            return Err(Error::config(
                "sealed.keys_file",
                "`keys` and `keys_file` are both set; keep the ring in one place",
            ));
        }
        if self
            .keys_file
            .as_deref()
            .is_some_and(|f| f.trim().is_empty())
        {
            return Err(Error::config("sealed.keys_file", "is empty; give a path"));
        }
        let poll = self.keys_file_poll_secs;
        if !(poll > 0.0 && poll <= 3600.0) {
            return Err(Error::config(
                "sealed.keys_file_poll_secs",
                "must be more than 0 and at most 3600 seconds",
            ));
        }
        if self.context.len() > 100 {
            return Err(Error::config(
                "sealed.context",
                format!("is {} bytes long; at most 100", self.context.len()),
            ));
        }
        let unsafe_char = |c: char| c.is_control() || c == ';' || c == ',';
        if !self.cookie.path.starts_with('/') || self.cookie.path.contains(unsafe_char) {
            return Err(Error::config(
                "sealed.cookie.path",
                "must start with `/` and hold no `;`, `,` or control characters",
            ));
        }
        if let Some(domain) = &self.cookie.domain
            && (domain.is_empty() || domain.contains(unsafe_char) || domain.contains(' '))
        {
            return Err(Error::config(
                "sealed.cookie.domain",
                "must be a host name with no spaces, `;`, `,` or control characters",
            ));
        }
        let same_site = self.same_site()?;
        if same_site == cookie::SameSite::None && self.cookie.secure == Some(false) {
            return Err(Error::config(
                "sealed.cookie.same_site",
                "SameSite=None requires Secure; browsers drop such cookies otherwise",
            ));
        }
        if !(1..=BROWSER_COOKIE_LIMIT).contains(&self.chunk_size) {
            return Err(Error::config(
                "sealed.chunk_size",
                format!(
                    "must be between 1 and {BROWSER_COOKIE_LIMIT} (browsers drop longer cookies)"
                ),
            ));
        }
        if !(1..=1000).contains(&self.max_chunks) {
            return Err(Error::config(
                "sealed.max_chunks",
                "must be between 1 and 1000",
            ));
        }
        if self.open_cache > crate::open_cache::MAX_SLOTS {
            return Err(Error::config(
                "sealed.open_cache",
                format!(
                    "must be at most {} (0 turns it off)",
                    crate::open_cache::MAX_SLOTS
                ),
            ));
        }
        for (field, name) in [
            ("sealed.session.cookie_name", &self.session.cookie_name),
            ("sealed.tempdata.cookie_name", &self.tempdata.cookie_name),
        ] {
            if !valid_cookie_name(name) {
                return Err(Error::config(
                    field,
                    format!("{} is not a valid cookie name", quoted(name)),
                ));
            }
        }
        self.check_prefixes()?;
        let (s, t) = (&self.session.cookie_name, &self.tempdata.cookie_name);
        if s == t
            || crate::chunk::chunk_index(s, t).is_some()
            || crate::chunk::chunk_index(t, s).is_some()
        {
            return Err(Error::config(
                "sealed.tempdata.cookie_name",
                "must differ from the session's cookie name and its chunk names",
            ));
        }
        if self.session.idle_timeout_secs == 0 {
            return Err(Error::config(
                "sealed.session.idle_timeout_secs",
                "must be above 0",
            ));
        }
        if self.session.absolute_timeout_secs == Some(0) {
            return Err(Error::config(
                "sealed.session.absolute_timeout_secs",
                "must be above 0",
            ));
        }
        if !(0.0..1.0).contains(&self.session.refresh_share) {
            return Err(Error::config(
                "sealed.session.refresh_share",
                "must be at least 0.0 and below 1.0 (at 1.0 a session that is only read \
                 would expire before its refresh is due)",
            ));
        }
        self.registry.validate()?;
        if self.tempdata.lifetime_secs == 0 {
            return Err(Error::config(
                "sealed.tempdata.lifetime_secs",
                "must be above 0",
            ));
        }
        let attrs = self.cookie_attrs(
            true,
            self.session
                .idle_timeout_secs
                .max(self.tempdata.lifetime_secs),
        );
        for (field, name) in [
            ("sealed.session.cookie_name", &self.session.cookie_name),
            ("sealed.tempdata.cookie_name", &self.tempdata.cookie_name),
        ] {
            // Room for at least a small sealed value in every chunk.
            match self.chunk_limits().piece_len(name, attrs.attr_len()) {
                Some(piece) if piece >= 64 => {}
                _ => {
                    return Err(Error::config(
                        field,
                        "with the cookie attributes (path, domain) this name leaves under 64 bytes per chunk; raise sealed.chunk_size or shorten them",
                    ));
                }
            }
        }
        for (field, budget) in [
            ("sealed.session.budget", self.session.budget),
            ("sealed.tempdata.budget", self.tempdata.budget),
        ] {
            if budget < 128 {
                return Err(Error::config(field, "must be at least 128 bytes"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::forwarded_https;

    #[test]
    fn the_proxys_own_forwarded_proto_value_decides() {
        assert!(forwarded_https("X-Forwarded-Proto", "https"));
        assert!(forwarded_https("x-forwarded-proto", " HTTPS "));
        // The last element is the one the nearest proxy wrote; a client wrote any before it.
        assert!(forwarded_https("X-Forwarded-Proto", "http, https"));
        assert!(!forwarded_https("X-Forwarded-Proto", "https, http"));
        assert!(forwarded_https(
            "Forwarded",
            "for=192.0.2.1;proto=https;by=proxy"
        ));
        assert!(forwarded_https("forwarded", "for=x;PROTO=\"https\""));
        assert!(!forwarded_https(
            "Forwarded",
            "proto=https, for=192.0.2.9;proto=http"
        ));
        assert!(!forwarded_https("Forwarded", "https"));
        assert!(!forwarded_https("X-Forwarded-Proto", ""));
        assert!(!forwarded_https("X-Forwarded-Proto", "http"));
        assert!(!forwarded_https("X-Forwarded-Proto", "httpsx"));
    }
}
