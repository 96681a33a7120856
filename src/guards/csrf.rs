//! The CSRF guards: `CsrfToken` gives a page the session's token; `CsrfChecked` (a header) and
//! `CsrfForm<T>` (a form field) refuse an unsafe request without a valid one, with a 403.

use rocket::data::{self, Data, FromData};
use rocket::form::{self, DataField, Form, FromForm, ValueField};
use rocket::http::{Method, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::{Ignite, Request, Rocket, Sentinel};

use super::{GuardError, Session};
use crate::Sealed;

/// The form field [`CsrfForm`] reads the token from: `<input type="hidden" name="csrf_token">`.
///
/// ```
/// use rocket::get;
/// use rocket::response::content::RawHtml;
/// use rocket_sealed::{CSRF_FIELD, CsrfToken};
///
/// #[get("/")]
/// fn page(token: CsrfToken) -> RawHtml<String> {
///     let field = format!(r#"<input type="hidden" name="{CSRF_FIELD}" value="{token}">"#);
///     RawHtml(format!(r#"<form method="post">{field}<button>Go</button></form>"#))
/// }
/// # let _ = rocket::routes![page];
/// ```
pub const CSRF_FIELD: &str = "csrf_token";

/// The header [`CsrfChecked`] (and [`CsrfForm`], when the form has no token field) reads the
/// token from, as `fetch()` sends it:
/// `fetch(url, { method: "POST", headers: { "X-CSRF-Token": token } })`.
///
/// ```
/// use rocket::http::{Header, Status};
/// use rocket::local::blocking::Client;
/// use rocket::{get, post, routes};
/// use rocket_sealed::{CSRF_HEADER, CsrfChecked, CsrfToken, Sealed};
///
/// #[get("/token")]
/// fn token(token: CsrfToken) -> String {
///     token.to_string()
/// }
///
/// #[post("/like")]
/// fn like(_checked: CsrfChecked) {}
///
/// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![token, like]);
/// let client = Client::tracked(rocket).unwrap();
/// let token = client.get("/token").dispatch().into_string().unwrap();
/// let liked = client.post("/like").header(Header::new(CSRF_HEADER, token)).dispatch();
/// assert_eq!(liked.status(), Status::Ok);
/// ```
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// `true` for the methods that may change something (everything but `GET`, `HEAD`, `OPTIONS`
/// and `TRACE`, which RFC 9110 calls safe): those need a token.
fn needs_token(method: Method) -> bool {
    !matches!(
        method,
        Method::Get | Method::Head | Method::Options | Method::Trace
    )
}

/// The session's CSRF token, to put in a page: a form's hidden [`CSRF_FIELD`] or a
/// `<meta>` tag that scripts copy into the [`CSRF_HEADER`] header.
///
/// A request guard that never fails while the fairing is attached. The session's secret is
/// drawn the first time a page asks for a token (a session that never uses one carries none)
/// and sealed in the session cookie; each `CsrfToken` shows it under a fresh mask, so the
/// string differs from page to page while every one of them verifies, until
/// [`Session::renew`] or [`Session::clear`]. It is `Display` and `Serialize` (as a string),
/// so it goes into a template's context as it is.
///
/// [`CsrfForm`] and [`CsrfChecked`] check it. See docs/security.md, "CSRF".
///
/// ```
/// use rocket::form::FromForm;
/// use rocket::response::content::RawHtml;
/// use rocket::{get, post, routes};
/// use rocket_sealed::{CsrfForm, CsrfToken, Session};
///
/// #[get("/")]
/// fn page(token: CsrfToken) -> RawHtml<String> {
///     RawHtml(format!(
///         r#"<form method="post" action="/note">
///              <input type="hidden" name="csrf_token" value="{token}">
///              <input name="text"><button>Save</button>
///            </form>"#
///     ))
/// }
///
/// #[derive(FromForm)]
/// struct Note {
///     text: String,
/// }
///
/// #[post("/note", data = "<note>")]
/// fn note(note: CsrfForm<Note>, session: Session<'_>) -> &'static str {
///     session.set("note", &note.text).unwrap();
///     "saved"
/// }
///
/// # use rocket::http::{ContentType, Status};
/// # use rocket::local::blocking::Client;
/// # use rocket_sealed::Sealed;
/// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![page, note]);
/// let client = Client::tracked(rocket).unwrap();
/// let html = client.get("/").dispatch().into_string().unwrap();
/// let token = html.split(r#"value=""#).nth(1).unwrap().split('"').next().unwrap();
/// let post = |body: String| {
///     client.post("/note").header(ContentType::Form).body(body).dispatch().status()
/// };
/// assert_eq!(post(format!("csrf_token={token}&text=tea")), Status::Ok);
/// // Without the token, as a form posted from another site would be: refused.
/// assert_eq!(post("text=tea".into()), Status::Forbidden);
/// ```
pub struct CsrfToken(String);

impl CsrfToken {
    /// The token, 86 base64url characters (no HTML escaping needed).
    ///
    /// ```
    /// use rocket::{get, routes};
    /// use rocket_sealed::CsrfToken;
    ///
    /// #[get("/token")]
    /// fn token(token: CsrfToken) -> String {
    ///     format!(r#"<meta name="csrf-token" content="{}">"#, token.as_str())
    /// }
    ///
    /// # use rocket::local::blocking::Client;
    /// # use rocket_sealed::Sealed;
    /// # let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![token]);
    /// # let client = Client::tracked(rocket).unwrap();
    /// let meta = client.get("/token").dispatch().into_string().unwrap();
    /// assert_eq!(meta.len(), r#"<meta name="csrf-token" content="">"#.len() + 86);
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CsrfToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// As a string, for a template's context.
impl serde::Serialize for CsrfToken {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Redacted: a token in a log is one an attacker reading the log could post.
impl std::fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfToken(..)")
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CsrfToken {
    type Error = GuardError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, GuardError> {
        req.guard::<Session<'_>>()
            .await
            .map(|session| CsrfToken(session.csrf_token()))
    }
}

impl Sentinel for CsrfToken {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        Sealed::missing_for(rocket, "CsrfToken")
    }
}

/// Why [`CsrfChecked`] or [`CsrfForm`] refused a request.
///
/// Rocket answers with the status alone (a 403, or a 500 for [`CsrfError::Session`]) and
/// logs the error; a route that takes `Result<CsrfChecked, CsrfError>` answers as it likes.
///
/// ```
/// use rocket::http::Status;
/// use rocket::{post, routes};
/// use rocket_sealed::{CsrfChecked, CsrfError};
///
/// #[post("/like")]
/// fn like(checked: Result<CsrfChecked, CsrfError>) -> (Status, String) {
///     match checked {
///         Ok(_) => (Status::Ok, "liked".into()),
///         Err(e) => (Status::Forbidden, format!("refused: {e}; reload the page")),
///     }
/// }
///
/// # use rocket::local::blocking::Client;
/// # use rocket_sealed::Sealed;
/// # let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![like]);
/// # let client = Client::tracked(rocket).unwrap();
/// let refused = client.post("/like").dispatch();
/// assert_eq!(refused.status(), Status::Forbidden);
/// assert_eq!(refused.into_string().unwrap(), "refused: no CSRF token; reload the page");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsrfError {
    /// No token: neither the [`CSRF_HEADER`] header nor (for [`CsrfForm`]) the
    /// [`CSRF_FIELD`] field. A 403.
    Missing,
    /// A token that is not one of this session's: forged, of another session, or shown
    /// before the session was [renewed](Session::renew) or [cleared](Session::clear). A 403.
    Invalid,
    /// The session could not be had (a 500): see [`GuardError`].
    Session(GuardError),
}

impl std::fmt::Display for CsrfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CsrfError::Missing => f.write_str("no CSRF token"),
            CsrfError::Invalid => f.write_str("a CSRF token that is not this session's"),
            CsrfError::Session(e) => write!(f, "no session to check a CSRF token against: {e}"),
        }
    }
}

impl std::error::Error for CsrfError {}

/// Checks `token` against the request's session.
async fn verify(req: &Request<'_>, token: Option<&str>) -> Result<(), (Status, CsrfError)> {
    let session = match req.guard::<Session<'_>>().await {
        Outcome::Success(session) => session,
        Outcome::Error((status, e)) => return Err((status, CsrfError::Session(e))),
        // The guard never forwards; were it to, no session means no token to match.
        Outcome::Forward(_) => return Err((Status::Forbidden, CsrfError::Invalid)),
    };
    match token {
        None => Err((Status::Forbidden, CsrfError::Missing)),
        Some(token) if session.verify_csrf(token) => Ok(()),
        Some(_) => Err((Status::Forbidden, CsrfError::Invalid)),
    }
}

/// A request guard that refuses, with a 403, a `POST`, `PUT`, `PATCH` or `DELETE` (any method
/// but `GET`, `HEAD`, `OPTIONS`, `TRACE`) whose [`CSRF_HEADER`] header is not a token of the
/// request's session; safe methods pass unchecked. For `fetch()` and other scripts, which can
/// set a header; an HTML form cannot, and takes [`CsrfForm`] instead.
///
/// A page from another site cannot set this header on a cross-origin request without the
/// server allowing it through CORS, and cannot read the token out of this site's pages.
///
/// ```
/// use rocket::{delete, get, routes};
/// use rocket_sealed::{CsrfChecked, CsrfToken};
///
/// #[get("/token")]
/// fn token(token: CsrfToken) -> String {
///     // In a real page: <meta name="csrf-token" content="{token}">, and
///     // fetch("/cart", { method: "DELETE", headers: { "X-CSRF-Token": token } })
///     token.to_string()
/// }
///
/// #[delete("/cart")]
/// fn empty_cart(_checked: CsrfChecked) -> &'static str {
///     "emptied"
/// }
///
/// # use rocket::http::{Header, Status};
/// # use rocket::local::blocking::Client;
/// # use rocket_sealed::Sealed;
/// let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![token, empty_cart]);
/// let client = Client::tracked(rocket).unwrap();
/// let token = client.get("/token").dispatch().into_string().unwrap();
/// let with = client.delete("/cart").header(Header::new("X-CSRF-Token", token));
/// assert_eq!(with.dispatch().status(), Status::Ok);
/// assert_eq!(client.delete("/cart").dispatch().status(), Status::Forbidden);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsrfChecked(());

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CsrfChecked {
    type Error = CsrfError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, CsrfError> {
        if !needs_token(req.method()) {
            return Outcome::Success(CsrfChecked(()));
        }
        match verify(req, req.headers().get_one(CSRF_HEADER)).await {
            Ok(()) => Outcome::Success(CsrfChecked(())),
            Err(refusal) => Outcome::Error(refusal),
        }
    }
}

impl Sentinel for CsrfChecked {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        Sealed::missing_for(rocket, "CsrfChecked")
    }
}

/// Rocket's [`Form<T>`] with the CSRF check: a data guard that parses the form as `Form<T>`
/// does (leniently), takes the [`CSRF_FIELD`] field out of it (or, if the form has none, the
/// [`CSRF_HEADER`] header), and refuses the request with a 403 when that is not a token of the
/// request's session. The token is checked before the form's own errors are reported, so a
/// forged post learns nothing about the form. `T` does not declare the token field; a field
/// of `T` named `csrf_token` would never be filled. Safe methods (`GET`, ...) are not checked.
///
/// Dereferences to `T`; [`into_inner`](CsrfForm::into_inner) gives it. The example on
/// [`CsrfToken`] shows a whole form.
///
/// A form that is not a form (another `Content-Type`) forwards, as `Form<T>` does, before any
/// check: the handler does not run either way.
///
/// ```
/// use rocket::form::FromForm;
/// use rocket::{post, routes};
/// use rocket_sealed::CsrfForm;
///
/// #[derive(FromForm)]
/// struct Transfer {
///     to: String,
///     cents: u64,
/// }
///
/// #[post("/transfer", data = "<transfer>")]
/// fn transfer(transfer: CsrfForm<Transfer>) -> String {
///     // Reached only with this session's token in the `csrf_token` field (or the header).
///     format!("{} cents to {}", transfer.cents, transfer.to)
/// }
///
/// # use rocket::http::{ContentType, Status};
/// # use rocket::local::blocking::Client;
/// # use rocket_sealed::Sealed;
/// # let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![transfer]);
/// # let client = Client::tracked(rocket).unwrap();
/// let forged = client.post("/transfer").header(ContentType::Form).body("to=eve&cents=100");
/// assert_eq!(forged.dispatch().status(), Status::Forbidden);
/// ```
#[derive(Debug)]
pub struct CsrfForm<T>(T);

impl<T> CsrfForm<T> {
    /// The parsed form.
    ///
    /// ```
    /// use rocket::{post, routes};
    /// use rocket_sealed::CsrfForm;
    ///
    /// #[post("/rename", data = "<name>")]
    /// fn rename(name: CsrfForm<String>) -> String {
    ///     name.into_inner()
    /// }
    /// # let _ = routes![rename];
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for CsrfForm<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// A form with no fields of its own, for `CsrfForm<NoFields>`: a post whose only field is the
/// token, such as a form that is a single button ("Sign out", "Empty the cart"). Rocket's
/// derive needs at least one field, and `()` is not a form.
///
/// Other fields, if sent, are ignored, as `Form<T>` ignores fields `T` does not name.
///
/// ```
/// use rocket::http::{ContentType, Status};
/// use rocket::response::content::RawHtml;
/// use rocket::{get, post, routes};
/// use rocket_sealed::{CSRF_FIELD, CsrfForm, CsrfToken, NoFields, Session};
///
/// #[get("/")]
/// fn page(token: CsrfToken) -> RawHtml<String> {
///     RawHtml(format!(
///         r#"<form method="post" action="/logout">
///              <input type="hidden" name="{CSRF_FIELD}" value="{token}">
///              <button>Sign out</button>
///            </form>"#
///     ))
/// }
///
/// #[post("/logout", data = "<_form>")]
/// fn logout(_form: CsrfForm<NoFields>, session: Session<'_>) -> &'static str {
///     session.clear();
///     "signed out"
/// }
///
/// # use rocket::local::blocking::Client;
/// # use rocket_sealed::Sealed;
/// # let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![page, logout]);
/// # let client = Client::tracked(rocket).unwrap();
/// let page = client.get("/").dispatch().into_string().unwrap();
/// let token = page.split("value=\"").nth(1).unwrap().split('"').next().unwrap();
/// let forged = client.post("/logout").header(ContentType::Form).body("");
/// assert_eq!(forged.dispatch().status(), Status::Forbidden);
/// let button = client.post("/logout").header(ContentType::Form).body(format!("{CSRF_FIELD}={token}"));
/// assert_eq!(button.dispatch().into_string().unwrap(), "signed out");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoFields;

#[rocket::async_trait]
impl<'r> FromForm<'r> for NoFields {
    type Context = ();

    fn init(_opts: form::Options) -> Self::Context {}

    fn push_value(_ctxt: &mut Self::Context, _field: ValueField<'r>) {}

    async fn push_data(_ctxt: &mut Self::Context, _field: DataField<'r, '_>) {}

    fn finalize(_ctxt: Self::Context) -> form::Result<'r, Self> {
        Ok(NoFields)
    }
}

/// Why [`CsrfForm`] refused a request: the CSRF check, or the form itself (as `Form<T>`
/// reports it).
///
/// ```
/// use rocket::form::FromForm;
/// use rocket::http::Status;
/// use rocket::{post, routes};
/// use rocket_sealed::{CsrfError, CsrfForm, CsrfFormError};
///
/// #[derive(FromForm)]
/// struct Age {
///     years: u8,
/// }
///
/// #[post("/age", data = "<age>")]
/// fn age<'r>(age: Result<CsrfForm<Age>, CsrfFormError<'r>>) -> (Status, String) {
///     match age {
///         Ok(age) => (Status::Ok, age.years.to_string()),
///         Err(CsrfFormError::Csrf(CsrfError::Missing)) => (Status::Forbidden, "no token".into()),
///         Err(e) => (Status::UnprocessableEntity, e.to_string()),
///     }
/// }
///
/// # use rocket::http::ContentType;
/// # use rocket::local::blocking::Client;
/// # use rocket_sealed::Sealed;
/// # let rocket = rocket::build().attach(Sealed::fairing()).mount("/", routes![age]);
/// # let client = Client::tracked(rocket).unwrap();
/// let post = client.post("/age").header(ContentType::Form).body("years=41");
/// assert_eq!(post.dispatch().into_string().unwrap(), "no token");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum CsrfFormError<'r> {
    /// The token was missing or wrong (a 403), or there was no session (a 500).
    Csrf(CsrfError),
    /// The token was right, the form was not (Rocket's own status for it, as a 422).
    Form(form::Errors<'r>),
}

impl std::fmt::Display for CsrfFormError<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CsrfFormError::Csrf(e) => e.fmt(f),
            CsrfFormError::Form(e) => e.fmt(f),
        }
    }
}

/// `T`'s fields, with the token taken out before `T` sees them, and `T`'s outcome kept for
/// after the token is checked.
struct WithToken<'r, T> {
    token: Option<&'r str>,
    form: form::Result<'r, T>,
}

struct WithTokenContext<'r, T: FromForm<'r>> {
    token: Option<&'r str>,
    form: T::Context,
}

#[rocket::async_trait]
impl<'r, T: FromForm<'r>> FromForm<'r> for WithToken<'r, T> {
    type Context = WithTokenContext<'r, T>;

    fn init(opts: form::Options) -> Self::Context {
        WithTokenContext {
            token: None,
            form: T::init(opts),
        }
    }

    fn push_value(ctxt: &mut Self::Context, field: ValueField<'r>) {
        if field.name.source().as_str() == CSRF_FIELD {
            // The first one counts: a later copy cannot replace the page's token.
            ctxt.token.get_or_insert(field.value);
        } else {
            T::push_value(&mut ctxt.form, field);
        }
    }

    async fn push_data(ctxt: &mut Self::Context, field: DataField<'r, '_>) {
        T::push_data(&mut ctxt.form, field).await;
    }

    fn push_error(ctxt: &mut Self::Context, error: form::Error<'r>) {
        T::push_error(&mut ctxt.form, error);
    }

    fn finalize(ctxt: Self::Context) -> form::Result<'r, Self> {
        Ok(WithToken {
            token: ctxt.token,
            form: T::finalize(ctxt.form),
        })
    }
}

#[rocket::async_trait]
impl<'r, T: FromForm<'r>> FromData<'r> for CsrfForm<T> {
    type Error = CsrfFormError<'r>;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let parsed = match Form::<WithToken<'r, T>>::from_data(req, data).await {
            data::Outcome::Success(form) => form.into_inner(),
            data::Outcome::Error((status, e)) => {
                return data::Outcome::Error((status, CsrfFormError::Form(e)));
            }
            data::Outcome::Forward(forward) => return data::Outcome::Forward(forward),
        };
        if needs_token(req.method()) {
            let token = parsed.token.or_else(|| req.headers().get_one(CSRF_HEADER));
            if let Err((status, e)) = verify(req, token).await {
                return data::Outcome::Error((status, CsrfFormError::Csrf(e)));
            }
        }
        match parsed.form {
            Ok(form) => data::Outcome::Success(CsrfForm(form)),
            Err(e) => data::Outcome::Error((e.status(), CsrfFormError::Form(e))),
        }
    }
}

impl<T> Sentinel for CsrfForm<T> {
    fn abort(rocket: &Rocket<Ignite>) -> bool {
        Sealed::missing_for(rocket, "CsrfForm")
    }
}
