//! One active session per user: the map of each user's current session, and the validator
//! that refuses the others.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rocket::Request;
use rocket_sealed::store::SessionState;
use rocket_sealed::{SessionId, Validator};

/// user → the id of their current session, or `None` after "sign out everywhere".
///
/// This map lives in this process only. In a farm it must be shared by every instance — a
/// database or a cache — because the whole point is server-side memory that a cookie cannot
/// carry: the cookie of an older sign-in is still perfectly valid cryptographically. A user
/// this instance has never seen is accepted, so a restart (or an instance that missed the
/// sign-in) does not sign anybody out.
#[derive(Clone, Default)]
pub struct Accounts(Arc<Mutex<HashMap<String, Option<SessionId>>>>);

impl Accounts {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<SessionId>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn signed_in(&self, user: &str, id: SessionId) {
        self.lock().insert(user.to_owned(), Some(id));
    }

    pub fn sign_out_everywhere(&self, user: &str) {
        self.lock().insert(user.to_owned(), None);
    }

    fn allows(&self, user: &str, id: SessionId) -> bool {
        match self.lock().get(user) {
            None => true,
            Some(current) => *current == Some(id),
        }
    }
}

/// The hook: a loaded session whose user has signed in since (elsewhere), or signed out
/// everywhere, is refused; the guard then hands out a fresh session with status "revoked".
pub struct OneSessionPerUser(pub Accounts);

#[rocket::async_trait]
impl Validator for OneSessionPerUser {
    async fn validate(&self, session: &SessionState, _request: &Request<'_>) -> bool {
        match session.get::<String>("user") {
            Ok(Some(user)) => self.0.allows(&user, session.id()),
            _ => true,
        }
    }
}
