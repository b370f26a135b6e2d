//! Wire and view types: what server functions return and pages show. Shared by SSR and
//! hydrate, so they are plain serde data with no database types in them.

use domain::{Lang, UnitLevel};
use serde::{Deserialize, Serialize};

/// An administrative unit as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitView {
    pub code: String,
    pub name_zh: String,
    pub name_pinyin: String,
    pub level: UnitLevel,
}

impl UnitView {
    /// The name in the reader's language; Chinese where no pinyin name is recorded.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.name_pinyin.is_empty() => &self.name_pinyin,
            _ => &self.name_zh,
        }
    }
}

/// What the server says about itself when asked from the home page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStatus {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The newest applied migration.
    pub schema_version: i64,
    /// How many administrative units the database holds.
    pub units: i64,
    /// The `tanhui` version serving the page.
    pub version: String,
}

/// A problem with one field of a submitted form, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldIssue {
    pub path: String,
    pub rule: String,
    pub zh: String,
    pub en: String,
}

impl From<domain::Issue> for FieldIssue {
    fn from(issue: domain::Issue) -> Self {
        FieldIssue {
            path: issue.path,
            rule: issue.rule.to_owned(),
            zh: issue.zh,
            en: issue.en,
        }
    }
}

/// The signed-in account, as the page header and the pages see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewerView {
    pub username: String,
    pub display_name: String,
    pub role: domain::Role,
    pub scopes: Vec<String>,
    pub must_change_password: bool,
}

/// An account as the administrators' page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: domain::Role,
    pub scopes: Vec<String>,
    pub disabled: bool,
    pub must_change_password: bool,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
}

/// What an administrator types to create an account. Scopes are unit codes separated by
/// commas or spaces.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUserInput {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub scopes: String,
    /// Empty: generate a one-time password (shown once, to be changed at first sign-in).
    pub password: String,
}

/// An administrator's edit of an existing account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChangeInput {
    pub display_name: String,
    pub role: String,
    pub scopes: String,
    pub disabled: bool,
}

/// The result of creating an account or resetting its password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedPassword {
    pub user: UserView,
    /// Set when the server generated the password: shown once, never stored in clear.
    pub one_time_password: Option<String>,
}

/// An API token's description; the secret itself is shown only when it is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    pub token: TokenView,
    pub secret: String,
}

/// Filters of the audit-log page (all optional; dates as `YYYY-MM-DD`, China time).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub before: Option<i64>,
}

/// One audit-log entry as the administrators' page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    pub seq: i64,
    /// Unix milliseconds.
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target_kind: Option<String>,
    pub target: Option<String>,
    pub unit_code: Option<String>,
    pub ip: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}
