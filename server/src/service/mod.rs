//! The app-facing use cases, between the HTTP layer (`http`, `api`, the CLI) and what they
//! stand on (`storage`, `auth`, the indicator engine). Each module implements one of
//! `app::backend`'s ports or the functions behind one, so a page's server function and the
//! JSON API call the same code, and a new feature adds a module here.

pub mod accounts;
pub mod at_risk;
pub mod charts;
pub mod field_work;
pub mod review;
pub mod starting_accounts;
pub mod views;

use app::backend::{BackendError, RequestViewer};
use app::model::FieldIssue;
use domain::Actor;

use crate::storage::StorageError;

/// A storage failure, logged here once; the user gets a generic message.
pub(crate) fn storage(err: StorageError) -> BackendError {
    tracing::error!(%err, "storage failed");
    BackendError::Storage(err.to_string())
}

/// A malformed query value (a unit code, a wave), as a field issue on `path`.
pub(crate) fn invalid(path: &str, zh: String, en: String) -> BackendError {
    BackendError::Invalid(vec![FieldIssue::error(path, "query", zh, en)])
}

/// The signed-in actor, or `Forbidden`.
pub(crate) fn actor(by: &RequestViewer) -> Result<&Actor, BackendError> {
    by.actor.as_ref().ok_or(BackendError::Forbidden)
}
