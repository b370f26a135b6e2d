//! Authentication: who is asking. Sessions for browsers (an HttpOnly cookie holding a random
//! token), bearer API tokens for scripts, Argon2id passwords, login throttling. What an
//! authenticated actor may then do is decided by `domain::access`. The HTTP side — the
//! middleware that establishes the [`app::backend::RequestViewer`] every handler and server
//! function reads, the sign-in handlers, CSRF and security headers — is in `crate::http`.

pub mod password;
pub mod secret;
pub mod totp;

use crate::storage::{now_ms, AuditEntry, SessionRecord, StorageError, Store, UserRecord};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tanhui_session";
/// The cookie of a sign-in whose password was right, waiting for the second factor.
pub const PENDING_COOKIE: &str = "tanhui_pending";
/// How long a sign-in waits for its second factor.
pub const PENDING_MS: i64 = 5 * 60 * 1000;
/// API tokens start with this, so they are recognisable in a leaked file or a secret scanner.
pub const TOKEN_PREFIX: &str = "thk_";

/// Session and throttling policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// Mark the session cookie `Secure` (HTTPS only). On by default; turn off only for a
    /// plain-HTTP intranet.
    pub cookie_secure: bool,
    /// A session unused this long ends.
    pub idle_ms: i64,
    /// A session ends this long after sign-in, used or not.
    pub absolute_ms: i64,
    /// Failed sign-ins counted over this window make later attempts wait ([`Throttle`]).
    pub throttle_window_ms: i64,
    /// For one username from one address: free failures, then the first wait, doubling per
    /// further failure up to the cap. Nobody elsewhere is held up by them.
    pub per_source: Throttle,
    /// For one username from anywhere (a guess spread over many addresses): a short wait
    /// only, so that nobody can lock an account's owner out.
    pub per_user: Throttle,
    /// From one address for any usernames (one machine spraying many names).
    pub per_address: Throttle,
    /// Roles that must sign in with a second factor: an account of one without it may only
    /// enrol one (its account page) until it has.
    pub two_factor_roles: Vec<domain::Role>,
}

/// A growing wait: none up to `free` failures, then `first_s` seconds after the latest
/// failure, doubling with each further failure, never more than `cap_s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub free: i64,
    pub first_s: i64,
    pub cap_s: i64,
}

impl Throttle {
    /// Seconds to wait after the latest of `count` failures.
    pub fn wait_s(self, count: i64) -> i64 {
        match count.checked_sub(self.free) {
            Some(extra) if count >= self.free => {
                let doubled = self.first_s.saturating_mul(1i64 << extra.min(30));
                doubled.min(self.cap_s)
            }
            _ => 0,
        }
    }

    /// Seconds left before another attempt, given `(count, latest failure ms)`.
    fn left_s(self, (count, latest): (i64, Option<i64>), now: i64) -> i64 {
        let Some(latest) = latest else {
            return 0;
        };
        let until = latest + self.wait_s(count) * 1000;
        ((until - now).max(0) + 999) / 1000
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            cookie_secure: true,
            idle_ms: 30 * 60 * 1000,
            absolute_ms: 12 * 60 * 60 * 1000,
            throttle_window_ms: 15 * 60 * 1000,
            per_source: Throttle {
                free: 5,
                first_s: 60,
                cap_s: 15 * 60,
            },
            per_user: Throttle {
                free: 20,
                first_s: 5,
                cap_s: 60,
            },
            per_address: Throttle {
                free: 20,
                first_s: 60,
                cap_s: 5 * 60,
            },
            two_factor_roles: vec![domain::Role::Admin, domain::Role::Official],
        }
    }
}

impl AuthConfig {
    /// The `Set-Cookie` value that starts a session.
    pub fn session_cookie(&self, token: &str) -> String {
        format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
            self.absolute_ms / 1000,
            if self.cookie_secure { "; Secure" } else { "" }
        )
    }

    /// The `Set-Cookie` value of a sign-in waiting for its second factor.
    pub fn pending_cookie(&self, token: &str) -> String {
        format!(
            "{PENDING_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
            PENDING_MS / 1000,
            if self.cookie_secure { "; Secure" } else { "" }
        )
    }

    /// The `Set-Cookie` value that removes the pending sign-in's cookie.
    pub fn clear_pending_cookie(&self) -> String {
        format!(
            "{PENDING_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
            if self.cookie_secure { "; Secure" } else { "" }
        )
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub fn clear_cookie(&self) -> String {
        format!(
            "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
            if self.cookie_secure { "; Secure" } else { "" }
        )
    }
}

/// Why a sign-in failed. Wrong username, wrong password and disabled account look the same
/// to the caller (the audit log tells them apart).
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("wrong username or password")]
    BadCredentials,
    #[error("too many failed sign-ins; retry in {retry_after_s} s")]
    Throttled { retry_after_s: i64 },
    /// The second factor's code (or recovery code) was wrong or used already.
    #[error("wrong or used code")]
    WrongCode,
    /// No sign-in waits for a second factor under this cookie (five minutes passed, or it
    /// was used): start again with the password.
    #[error("the sign-in expired; start again")]
    Expired,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A successful sign-in step: the cookie secret (sent once, never stored) and the account.
/// With `second_factor`, the password was right and `token` is the pending sign-in's, to be
/// exchanged for a session by [`second_factor`]; otherwise it is the session's.
pub struct Login {
    pub token: String,
    pub user: UserRecord,
    pub second_factor: bool,
}

/// Usernames are at most 32 characters; what is typed into the field is cut to this length
/// before it is counted or audited (a password typed there by mistake stays mostly out).
const MAX_TYPED_USERNAME: usize = 40;

/// Serialises sign-ins within one application instance, so that parallel guesses cannot all
/// read the failure count before any of them is recorded. Each holder spends one Argon2 check
/// (tens of ms). Kept in the application state, not in a static: every instance (and every
/// test's instance) has its own. It also remembers until when each (username, address) was
/// last told to wait, so that hammering a throttled sign-in writes one audit entry per wait,
/// not one per attempt.
pub type SignInGate = std::sync::Arc<tokio::sync::Mutex<ThrottleLog>>;

/// Until when (ms) each (username, address) has been audited as throttled.
#[derive(Debug, Default)]
pub struct ThrottleLog(std::collections::HashMap<(String, Option<String>), i64>);

impl ThrottleLog {
    /// Whether a throttled attempt is the first of its wait (and so audited); remembers it.
    fn first_of_wait(&mut self, key: (String, Option<String>), until: i64, now: i64) -> bool {
        if self.0.len() > 10_000 {
            self.0.retain(|_, until| *until > now);
        }
        match self.0.get(&key) {
            Some(noted) if *noted > now => false,
            _ => {
                self.0.insert(key, until);
                true
            }
        }
    }
}

/// Checks a username and password, with throttling, and opens a session. Every attempt is
/// audited: `login.ok`, `login.failed` (counted for throttling) or `login.throttled`.
pub async fn login(
    store: &Store,
    config: &AuthConfig,
    gate: &SignInGate,
    username: &str,
    password: &str,
    ip: Option<String>,
) -> Result<Login, LoginError> {
    let username: String = username
        .trim()
        .to_lowercase()
        .chars()
        .take(MAX_TYPED_USERNAME)
        .collect();
    let mut turn = gate.lock().await;
    let now = now_ms();
    throttle(store, config, &mut turn, &username, &ip, now).await?;
    let user = store.user_by_username(&username).await?;
    let matches = password::verify_blocking(
        user.as_ref().map(|u| u.password_hash.clone()),
        password.to_owned(),
    )
    .await;
    let failure = match &user {
        None => Some("unknown_user"),
        Some(_) if !matches => Some("wrong_password"),
        Some(user) if user.disabled => Some("disabled"),
        Some(_) => None,
    };
    match (failure, user) {
        (None, Some(user)) if user.second_factor => {
            // Signed in only once the authenticator's code is in; the audit log records that.
            let token = secret::generate("");
            store
                .insert_pending_sign_in(&secret::digest(&token), &user.id, now, now - PENDING_MS)
                .await?;
            Ok(Login {
                token,
                user,
                second_factor: true,
            })
        }
        (None, Some(user)) => {
            let token = secret::generate("");
            let actor = user.actor();
            let audit = AuditEntry::by(Some(&actor), "login.ok")
                .target("user", user.username.clone())
                .ip(ip);
            store
                .insert_session(&secret::digest(&token), &user.id, now, &audit)
                .await?;
            // Sessions past their time are deleted lazily when used; sweep the rest here.
            store
                .delete_expired_sessions(now - config.idle_ms, now - config.absolute_ms)
                .await?;
            Ok(Login {
                token,
                user,
                second_factor: false,
            })
        }
        (reason, _) => {
            let audit = AuditEntry::by(None, "login.failed")
                .target("user", username)
                .ip(ip)
                .change(None, Some(serde_json::json!({ "reason": reason })));
            store.append_audit(&audit).await?;
            Err(LoginError::BadCredentials)
        }
    }
}

/// The second step of a sign-in with an authenticator: the pending sign-in behind `pending`
/// and a six-digit code (or a recovery code, good once) open a session. A wrong code is a
/// failed sign-in like a wrong password: audited and counted by the same throttle.
pub async fn second_factor(
    store: &Store,
    config: &AuthConfig,
    gate: &SignInGate,
    pending: &str,
    code: &str,
    ip: Option<String>,
) -> Result<Login, LoginError> {
    let mut turn = gate.lock().await;
    let now = now_ms();
    let pending_hash = secret::digest(pending);
    let Some((user_id, started)) = store.pending_sign_in(&pending_hash).await? else {
        return Err(LoginError::Expired);
    };
    let user = match store.user_by_id(&user_id).await? {
        Some(user) if now - started <= PENDING_MS && !user.disabled => user,
        _ => return Err(LoginError::Expired),
    };
    throttle(store, config, &mut turn, &user.username, &ip, now).await?;
    let factor = store.second_factor(&user.id).await?;
    let used = match factor.as_ref().filter(|f| f.confirmed_at.is_some()) {
        None => None,
        Some(factor) if totp::looks_like_code(code) => {
            let secret = totp::from_base32(&factor.secret).unwrap_or_default();
            match totp::matching_step(&secret, code, now, factor.last_step) {
                Some(step) if store.use_totp_step(&user.id, step).await? => Some("totp"),
                _ => None,
            }
        }
        Some(_) => match store
            .use_recovery_code(&user.id, &totp::recovery_hash(code), now)
            .await?
        {
            true => Some("recovery_code"),
            false => None,
        },
    };
    let Some(factor) = used else {
        let audit = AuditEntry::by(None, "login.failed")
            .target("user", user.username.clone())
            .ip(ip)
            .change(None, Some(serde_json::json!({ "reason": "wrong_code" })));
        store.append_audit(&audit).await?;
        return Err(LoginError::WrongCode);
    };
    let left = match factor {
        "recovery_code" => Some(store.recovery_codes_left(&user.id).await?),
        _ => None,
    };
    let token = secret::generate("");
    let audit = AuditEntry::by(Some(&user.actor()), "login.ok")
        .target("user", user.username.clone())
        .ip(ip)
        .change(
            None,
            Some(serde_json::json!({ "second_factor": factor, "recovery_codes_left": left })),
        );
    if !store
        .complete_sign_in(
            &pending_hash,
            &secret::digest(&token),
            &user.id,
            now,
            &audit,
        )
        .await?
    {
        return Err(LoginError::Expired);
    }
    Ok(Login {
        token,
        user,
        second_factor: false,
    })
}

/// Refuses an attempt while `username` from `ip` has to wait after failed sign-ins; the first
/// refusal of each wait is audited.
async fn throttle(
    store: &Store,
    config: &AuthConfig,
    turn: &mut ThrottleLog,
    username: &str,
    ip: &Option<String>,
    now: i64,
) -> Result<(), LoginError> {
    let failures = store
        .login_failures(username, ip.as_deref(), now - config.throttle_window_ms)
        .await?;
    let wait = [
        config.per_source.left_s(failures.pair, now),
        config.per_user.left_s(failures.user, now),
        config.per_address.left_s(failures.address, now),
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    if wait > 0 {
        let key = (username.to_owned(), ip.clone());
        if turn.first_of_wait(key, now + wait * 1000, now) {
            store
                .append_audit(
                    &AuditEntry::by(None, "login.throttled")
                        .target("user", username.to_owned())
                        .ip(ip.clone())
                        .change(None, Some(serde_json::json!({ "wait_s": wait }))),
                )
                .await?;
        }
        return Err(LoginError::Throttled {
            retry_after_s: wait,
        });
    }
    Ok(())
}

/// The live session behind a cookie token, or `None` when unknown, expired or its account is
/// disabled (an expired session is deleted on the way).
pub async fn session(
    store: &Store,
    config: &AuthConfig,
    token: &str,
) -> Result<Option<SessionRecord>, StorageError> {
    let hash = secret::digest(token);
    let Some(session) = store.session(&hash).await? else {
        return Ok(None);
    };
    let now = now_ms();
    let expired = now - session.last_seen_at > config.idle_ms
        || now - session.created_at > config.absolute_ms;
    if expired || session.user.disabled {
        store.delete_session(&hash, None).await?;
        return Ok(None);
    }
    // Writing on every request would serialise readers on SQLite; a minute's slack is fine.
    if now - session.last_seen_at > 60_000 {
        store.touch_session(&hash, now).await?;
    }
    Ok(Some(session))
}

/// What a bearer token presented: an account and whether it only reads, or why it opens
/// nothing.
#[derive(Debug)]
pub enum TokenCheck {
    Live {
        user: UserRecord,
        read_only: bool,
    },
    /// Past its expiry: its owner makes a new one.
    Expired,
    /// Unknown, revoked, or its account disabled or no longer allowed tokens.
    Refused,
}

/// The account behind a bearer API token, if the token is live and the account enabled.
pub async fn token_user(store: &Store, token: &str) -> Result<TokenCheck, StorageError> {
    let Some(found) = store.token_user(&secret::digest(token)).await? else {
        return Ok(TokenCheck::Refused);
    };
    // A token carries its account's current rights: none once disabled or moved to a role
    // that may not hold tokens.
    if found.user.disabled || !found.user.actor().may_hold_tokens() {
        return Ok(TokenCheck::Refused);
    }
    let now = now_ms();
    if found.expires_at.is_some_and(|t| now >= t) {
        return Ok(TokenCheck::Expired);
    }
    if found.last_used_at.is_none_or(|t| now - t > 60_000) {
        store.touch_token(&found.token_id, now).await?;
    }
    Ok(TokenCheck::Live {
        user: found.user,
        read_only: found.read_only,
    })
}

/// A fresh random record id (accounts, tokens).
pub fn new_id() -> String {
    new_record_id().as_str().to_owned()
}

/// A new random (version 4) record id.
pub fn new_record_id() -> domain::RecordId {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    domain::RecordId::from_random_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_the_free_failures_and_stop_at_the_cap() {
        let source = AuthConfig::default().per_source;
        let waits: Vec<i64> = (0..=10).map(|n| source.wait_s(n)).collect();
        assert_eq!(waits, [0, 0, 0, 0, 0, 60, 120, 240, 480, 900, 900]);
        assert_eq!(source.wait_s(i64::MAX), 900);
        let user = AuthConfig::default().per_user;
        assert_eq!(
            (
                user.wait_s(19),
                user.wait_s(20),
                user.wait_s(23),
                user.wait_s(99)
            ),
            (0, 5, 40, 60)
        );
        // Seconds left after the latest failure, rounded up.
        assert_eq!(source.left_s((5, Some(1_000)), 1_000), 60);
        assert_eq!(source.left_s((5, Some(1_000)), 60_500), 1);
        assert_eq!(source.left_s((5, Some(1_000)), 61_000), 0);
        assert_eq!(source.left_s((4, Some(1_000)), 1_000), 0);
        assert_eq!(source.left_s((0, None), 1_000), 0);
    }

    #[test]
    fn a_wait_is_audited_once() {
        let mut log = ThrottleLog::default();
        let key = ("admin".to_owned(), Some("203.0.113.5".to_owned()));
        assert!(log.first_of_wait(key.clone(), 61_000, 1_000));
        assert!(!log.first_of_wait(key.clone(), 61_000, 2_000));
        assert!(
            log.first_of_wait(key, 200_000, 62_000),
            "a new wait after the last ended"
        );
    }
}
