//! The port through which server functions reach the server's storage and services.
//!
//! `app` cannot depend on `server` (the server depends on it), so it states here what it needs
//! and the server provides an implementation in the Leptos context. Implementations log their
//! own failures; server functions only map them to a user-facing message.

use std::sync::Arc;

use domain::UnitCode;

use crate::model::{ServerStatus, UnitView};

/// Failures a backend reports to the UI layer. The detail is for logs, never for users.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("storage failed: {0}")]
    Storage(String),
}

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Backend name, schema version and a row count: proves the database answers.
    async fn status(&self) -> Result<ServerStatus, BackendError>;

    /// The units directly below `parent`, ordered by code.
    async fn child_units(&self, parent: &UnitCode) -> Result<Vec<UnitView>, BackendError>;
}

/// What the server puts into the Leptos context.
pub type SharedBackend = Arc<dyn Backend>;
