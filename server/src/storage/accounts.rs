//! Account, session, token and audit records as storage reads and writes them (server-only
//! types: the UI sees `app::model` views, access decisions see `domain::Actor`).

use domain::{Actor, Role, UnitCode};
use serde::Serialize;

/// A user account with its scopes.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Argon2id PHC string; never logged (see the `Debug` below).
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub scopes: Vec<UnitCode>,
    /// Signs in with a confirmed second factor (an authenticator app).
    pub second_factor: bool,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl UserRecord {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.id.clone(),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            scopes: self.scopes.clone(),
        }
    }
}

/// The changeable parts of an account, as an admin edits them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChange {
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub scopes: Vec<UnitCode>,
}

/// A session as found by its token: the account and the session's times.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user: UserRecord,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// An API token's public description (the secret is never stored, only its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TokenRecord {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// After this instant the token is refused (Unix ms).
    pub expires_at: Option<i64>,
    /// Reads only: any request but GET or HEAD is refused.
    pub read_only: bool,
}

/// One audit-log entry to append. `before` / `after` are JSON snapshots of what changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditEntry {
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor: String,
    pub action: String,
    pub target_kind: Option<String>,
    pub target: Option<String>,
    pub unit_code: Option<String>,
    pub ip: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl AuditEntry {
    /// An entry by `actor` (or by the system when `None`), at the current time.
    pub fn by(actor: Option<&Actor>, action: &str) -> AuditEntry {
        AuditEntry {
            at: now_ms(),
            actor_id: actor.map(|a| a.user_id.clone()),
            actor: actor.map_or_else(|| "system".to_owned(), |a| a.username.clone()),
            action: action.to_owned(),
            ..AuditEntry::default()
        }
    }

    pub fn target(mut self, kind: &str, id: impl Into<String>) -> AuditEntry {
        self.target_kind = Some(kind.to_owned());
        self.target = Some(id.into());
        self
    }

    pub fn unit(mut self, unit: Option<&UnitCode>) -> AuditEntry {
        self.unit_code = unit.map(|u| u.as_str().to_owned());
        self
    }

    pub fn ip(mut self, ip: Option<String>) -> AuditEntry {
        self.ip = ip;
        self
    }

    pub fn change(
        mut self,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> AuditEntry {
        self.before = before;
        self.after = after;
        self
    }
}

/// A stored audit entry with its sequence number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor: String,
    pub action: String,
    pub target_kind: Option<String>,
    pub target: Option<String>,
    pub unit_code: Option<String>,
    pub ip: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Which audit entries to read: every field narrows; newest first, at most `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// An action, or a prefix ending in `.` (`survey.` = every survey action).
    pub action: Option<String>,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Only entries older than this sequence number (paging).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// Milliseconds since the Unix epoch, the unit of every stored time in these tables.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A `users` row as read (its scopes come from a second query).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub second_factor: bool,
}

/// A session with its account.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SessionUserRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub session_created_at: i64,
    pub session_last_seen_at: i64,
}

/// A live API token with its account.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct TokenUserRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub token_id: String,
    pub token_last_used_at: Option<i64>,
    pub token_expires_at: Option<i64>,
    pub token_read_only: bool,
}

/// A token that was not revoked, as a request presents it: its account and its terms.
#[derive(Debug)]
pub struct TokenUse {
    pub user: UserRecord,
    pub token_id: String,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub read_only: bool,
}

/// An `audit_log` row as stored: `before` and `after` are JSON text.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, serde::Deserialize)]
pub(crate) struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor: String,
    pub action: String,
    pub target_kind: Option<String>,
    pub target: Option<String>,
    pub unit_code: Option<String>,
    pub ip: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// An audit entry as stored, with its chain hash (none for entries older than the chain).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ChainedRow {
    #[sqlx(flatten)]
    pub row: AuditRow,
    pub hash: Option<String>,
}

/// An account's authenticator: the TOTP secret (base32), when it was confirmed (`None` while
/// enrolling) and the last time step used.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SecondFactorRecord {
    pub secret: String,
    pub created_at: i64,
    pub confirmed_at: Option<i64>,
    pub last_step: i64,
}

impl std::fmt::Debug for SecondFactorRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFactorRecord")
            .field("confirmed_at", &self.confirmed_at)
            .field("last_step", &self.last_step)
            .finish_non_exhaustive()
    }
}
