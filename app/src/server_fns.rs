//! `#[server]` functions: thin wrappers that take the backend from context, call it once and
//! turn its error into a message a user can read. Their URLs are fixed (`/sfn/<name>`) so
//! that tests and proxies can name them.

use leptos::prelude::*;

use crate::model::{ServerStatus, UnitView};

#[cfg(feature = "ssr")]
fn backend() -> Result<crate::backend::SharedBackend, ServerFnError> {
    use_context::<crate::backend::SharedBackend>()
        .ok_or_else(|| ServerFnError::ServerError("服务未就绪 / service not ready".into()))
}

#[cfg(feature = "ssr")]
fn unavailable(_: crate::backend::BackendError) -> ServerFnError {
    ServerFnError::ServerError(
        "数据库暂时不可用，请稍后重试 / the database is unavailable, try again later".into(),
    )
}

#[cfg(feature = "ssr")]
fn bad_args(message: String) -> ServerFnError {
    // Bad input is the caller's mistake: answer 400, not the default 500.
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::BAD_REQUEST);
    }
    ServerFnError::Args(message)
}

/// Status of the server and its database.
#[server(prefix = "/sfn", endpoint = "check_server")]
pub async fn check_server() -> Result<ServerStatus, ServerFnError> {
    backend()?.status().await.map_err(unavailable)
}

/// Units directly below `parent` (a 6-, 9- or 12-digit code).
#[server(prefix = "/sfn", endpoint = "child_units")]
pub async fn child_units(parent: String) -> Result<Vec<UnitView>, ServerFnError> {
    use domain::Localized;
    let parent = domain::UnitCode::parse(&parent)
        .map_err(|err| bad_args(format!("{} / {}", err.zh(), err.en())))?;
    backend()?.child_units(&parent).await.map_err(unavailable)
}
