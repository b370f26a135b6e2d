//! The port through which server functions reach the server's storage and services.
//!
//! `app` cannot depend on `server` (the server depends on it), so it states here what it needs
//! and the server provides an implementation in the Leptos context. Implementations log their
//! own failures; server functions only map them to a user-facing message.

use std::sync::Arc;

use domain::{Actor, UnitCode};

use crate::model::{
    AuditQuery, AuditView, FieldIssue, IssuedPassword, NewToken, NewUserInput, ServerStatus,
    TokenView, UnitView, UserChangeInput, UserView,
};

/// Who is asking, established by the server's authentication middleware for every request
/// and stored in the request's extensions.
#[derive(Debug, Clone, Default)]
pub struct RequestViewer {
    /// `None` for an anonymous request.
    pub actor: Option<Actor>,
    /// Digest of the session token when signed in with a browser session.
    pub session_hash: Option<String>,
    /// Signed in with an API token rather than a session.
    pub via_token: bool,
    pub must_change_password: bool,
    /// The client's address as the server saw it (for the audit log and throttling).
    pub ip: Option<String>,
}

/// Failures a backend reports to the UI layer. `Storage` detail is for logs, never for users.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("storage failed: {0}")]
    Storage(String),
    /// The input breaks rules; each issue names its field.
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    #[error("not found")]
    NotFound,
}

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Backend name, schema version and a row count: proves the database answers.
    async fn status(&self) -> Result<ServerStatus, BackendError>;

    /// The units directly below `parent`, ordered by code.
    async fn child_units(&self, parent: &UnitCode) -> Result<Vec<UnitView>, BackendError>;

    // Accounts. Callers have already checked that `by` may do this.
    async fn users(&self) -> Result<Vec<UserView>, BackendError>;
    async fn create_user(
        &self,
        by: &RequestViewer,
        input: NewUserInput,
    ) -> Result<IssuedPassword, BackendError>;
    async fn update_user(
        &self,
        by: &RequestViewer,
        id: &str,
        change: UserChangeInput,
    ) -> Result<UserView, BackendError>;
    async fn reset_password(
        &self,
        by: &RequestViewer,
        id: &str,
    ) -> Result<IssuedPassword, BackendError>;
    /// The signed-in account changes its own password (the current one is checked).
    async fn change_password(
        &self,
        by: &RequestViewer,
        current: &str,
        new: &str,
    ) -> Result<(), BackendError>;
    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditView>, BackendError>;
    async fn tokens(&self, by: &RequestViewer) -> Result<Vec<TokenView>, BackendError>;
    async fn create_token(&self, by: &RequestViewer, name: &str) -> Result<NewToken, BackendError>;
    async fn revoke_token(&self, by: &RequestViewer, id: &str) -> Result<(), BackendError>;
}

/// What the server puts into the Leptos context.
pub type SharedBackend = Arc<dyn Backend>;
