//! The app-facing use cases, between the HTTP layer (`http`, `api`, the CLI) and what they
//! stand on (`storage`, `auth`, the indicator engine). Each module implements one of
//! `app::backend`'s ports or the functions behind one, so a page's server function and the
//! JSON API call the same code, and a new feature adds a module here.

pub mod accounts;
pub mod at_risk;
pub mod backups;
pub mod charts;
pub mod field_work;
pub mod offline;
pub mod operations;
pub mod privacy;
pub mod registry;
pub mod review;
pub mod second_factor;
pub mod setup;
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

/// A request's parameters read together: every malformed one is reported at once, so a
/// reader fixes them in one go. Access decisions (`Forbidden`, `NotFound`) still stop at once.
#[derive(Debug, Default)]
pub(crate) struct QueryIssues(Vec<FieldIssue>);

impl QueryIssues {
    /// Keeps a parameter's value, or its issues; other failures stop the request.
    pub(crate) fn take<T>(
        &mut self,
        result: Result<T, BackendError>,
    ) -> Result<Option<T>, BackendError> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(BackendError::Invalid(issues)) => {
                self.0.extend(issues);
                Ok(None)
            }
            Err(other) => Err(other),
        }
    }

    /// Every issue found, as one error; `Ok` when there were none.
    pub(crate) fn finish(self) -> Result<(), BackendError> {
        match self.0.is_empty() {
            true => Ok(()),
            false => Err(BackendError::Invalid(self.0)),
        }
    }
}

/// A value read with [`QueryIssues`], once it has finished without issues.
pub(crate) fn read<T>(value: Option<T>) -> Result<T, BackendError> {
    // `finish` has returned every issue already; a value missing without one would be a bug.
    value.ok_or_else(|| invalid("query", "请求参数有误".into(), "bad parameters".into()))
}

/// The signed-in actor, or `Forbidden`.
pub(crate) fn actor(by: &RequestViewer) -> Result<&Actor, BackendError> {
    by.actor.as_ref().ok_or(BackendError::Forbidden)
}
