//! Account endpoints: who am I, API tokens, and (administrators) accounts and the audit log.

use super::body::{JsonBody, QueryParams};
use app::backend::RequestViewer;
use app::model::AuditQuery;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::Extension;
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};

use super::{require, ApiError};
use crate::service::accounts as users;
use crate::state::AppState;

pub async fn me(Extension(viewer): Extension<RequestViewer>) -> Result<Json<JsonValue>, ApiError> {
    // Allowed with a one-time password: a client needs to learn that it must change it.
    let actor = viewer.actor.as_ref().ok_or(ApiError::Unauthenticated)?;
    Ok(Json(json!({
        "username": actor.username,
        "display_name": actor.display_name,
        "role": actor.role.code(),
        "scopes": actor.scopes.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
        "via_token": viewer.via_token,
        "must_change_password": viewer.must_change_password,
        "must_enrol_second_factor": viewer.must_enrol_second_factor,
    })))
}

fn token_holder(viewer: &RequestViewer) -> Result<(), ApiError> {
    match require(viewer)?.may_hold_tokens() {
        true => Ok(()),
        false => Err(ApiError::Forbidden),
    }
}

pub async fn tokens(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
) -> Result<Json<JsonValue>, ApiError> {
    token_holder(&viewer)?;
    Ok(Json(json!(users::tokens(&state.store, &viewer).await?)))
}

#[derive(Debug, Deserialize)]
pub struct NewTokenBody {
    #[serde(default)]
    pub name: String,
    /// `read` (default) or `write`.
    #[serde(default)]
    pub scope: Option<String>,
    /// Days until it expires, 1–365 (default 90).
    #[serde(default)]
    pub days: Option<u32>,
}

pub async fn create_token(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    JsonBody(body): JsonBody<NewTokenBody>,
) -> Result<Response, ApiError> {
    token_holder(&viewer)?;
    let input = app::model::TokenInput {
        name: body.name,
        scope: body.scope.unwrap_or_default(),
        days: body.days.map(|d| d.to_string()).unwrap_or_default(),
    };
    let created = users::create_token(&state.store, &viewer, &input).await?;
    Ok((StatusCode::CREATED, Json(json!(created))).into_response())
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    token_holder(&viewer)?;
    users::revoke_token(&state.store, &viewer, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn administrator(viewer: &RequestViewer) -> Result<(), ApiError> {
    match require(viewer)?.may_administer() {
        true => Ok(()),
        false => Err(ApiError::Forbidden),
    }
}

pub async fn users(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
) -> Result<Json<JsonValue>, ApiError> {
    administrator(&viewer)?;
    let list = state.store.users().await?;
    let views: Vec<app::model::UserView> = list.into_iter().map(Into::into).collect();
    Ok(Json(json!(views)))
}

pub async fn audit(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    QueryParams(query): QueryParams<AuditQuery>,
) -> Result<Json<JsonValue>, ApiError> {
    administrator(&viewer)?;
    let entries = users::audit(&state.store, &query).await?;
    // `before` / `after` are JSON documents: return them as such, not as strings.
    let entries: Vec<JsonValue> = entries
        .into_iter()
        .map(|e| {
            let parse = |t: &Option<String>| {
                t.as_deref()
                    .and_then(|t| serde_json::from_str::<JsonValue>(t).ok())
            };
            json!({
                "seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
                "target_kind": e.target_kind, "target": e.target, "unit_code": e.unit_code,
                "ip": e.ip, "before": parse(&e.before), "after": parse(&e.after),
            })
        })
        .collect();
    Ok(Json(json!(entries)))
}
