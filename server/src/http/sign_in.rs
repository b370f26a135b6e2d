//! Sign-in and sign-out over HTTP: the HTML form posts (`POST /login`, `POST /logout`,
//! working without JavaScript) and the JSON equivalents for scripts and tests
//! (`POST /api/v1/session`, `DELETE /api/v1/session`, `GET /api/v1/me`).

use app::backend::RequestViewer;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use serde_json::json;

use super::authenticate::{encode_component, safe_next};
use crate::api::ApiError;
use crate::auth::LoginError;
use crate::state::AppState;
use crate::storage::{AuditEntry, UserRecord};

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    pub next: Option<String>,
}

/// Counts a sign-in's outcome for `/metrics`.
fn count(state: &AppState, outcome: &Result<crate::auth::Login, LoginError>) {
    use std::sync::atomic::Ordering::Relaxed;
    let counter = match outcome {
        Ok(login) if login.second_factor => return,
        Ok(_) => &state.metrics.sign_ins,
        Err(LoginError::BadCredentials) => &state.metrics.sign_in_failures,
        Err(LoginError::Throttled { .. }) => &state.metrics.sign_in_throttled,
        Err(LoginError::WrongCode) => &state.metrics.sign_in_failures,
        Err(LoginError::Storage(_) | LoginError::Expired) => return,
    };
    counter.fetch_add(1, Relaxed);
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub fn viewer_json(user: &UserRecord) -> serde_json::Value {
    json!({
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.code(),
        "scopes": user.scopes.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
        "must_change_password": user.must_change_password,
    })
}

/// `POST /login` from the sign-in form: 303 to `next` with the session cookie, or back to
/// the form with the reason (the form shows it in the reader's language).
pub async fn login_form(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let outcome = crate::auth::login(
        &state.store,
        &state.auth,
        &state.sign_in,
        &form.username,
        &form.password,
        viewer.ip,
    )
    .await;
    count(&state, &outcome);
    match outcome {
        Ok(login) if login.second_factor => with_cookie(
            Redirect::to(&format!(
                "{SECOND_FACTOR_PAGE}?next={}",
                encode_component(&next)
            ))
            .into_response(),
            &state.auth.pending_cookie(&login.token),
        ),
        Ok(login) => with_cookie(
            Redirect::to(&next).into_response(),
            &state.auth.session_cookie(&login.token),
        ),
        Err(LoginError::Storage(err)) => ApiError::from(err).into_response(),
        Err(err) => {
            let reason = match err {
                LoginError::Throttled { retry_after_s } => {
                    format!("throttled&wait={retry_after_s}")
                }
                LoginError::Expired => "expired".to_owned(),
                _ => "credentials".to_owned(),
            };
            // The typed username is not echoed into the URL (history, proxy logs): a password
            // typed into the wrong field would land there.
            Redirect::to(&format!(
                "/login?error={reason}&next={}",
                encode_component(&next)
            ))
            .into_response()
        }
    }
}

/// The page that asks for the second factor's code.
pub const SECOND_FACTOR_PAGE: &str = "/login/second-factor";

#[derive(Debug, Deserialize)]
pub struct SecondFactorForm {
    #[serde(default)]
    pub code: String,
    pub next: Option<String>,
}

/// `POST /login/second-factor` from the code form: 303 to `next` with the session cookie, or
/// back to the code form (wrong code, throttled) or to the sign-in form (expired).
pub async fn second_factor_form(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    headers: axum::http::HeaderMap,
    Form(form): Form<SecondFactorForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let pending = super::authenticate::cookie(&headers, crate::auth::PENDING_COOKIE).unwrap_or("");
    let outcome = crate::auth::second_factor(
        &state.store,
        &state.auth,
        &state.sign_in,
        pending,
        &form.code,
        viewer.ip,
    )
    .await;
    count(&state, &outcome);
    let back = |reason: &str| {
        Redirect::to(&format!(
            "{SECOND_FACTOR_PAGE}?error={reason}&next={}",
            encode_component(&next)
        ))
        .into_response()
    };
    match outcome {
        Ok(login) => with_cookie(
            with_cookie(
                Redirect::to(&next).into_response(),
                &state.auth.session_cookie(&login.token),
            ),
            &state.auth.clear_pending_cookie(),
        ),
        Err(LoginError::Throttled { retry_after_s }) => {
            back(&format!("throttled&wait={retry_after_s}"))
        }
        Err(LoginError::Expired) => with_cookie(
            Redirect::to(&format!(
                "/login?error=expired&next={}",
                encode_component(&next)
            ))
            .into_response(),
            &state.auth.clear_pending_cookie(),
        ),
        Err(LoginError::Storage(err)) => ApiError::from(err).into_response(),
        Err(LoginError::WrongCode | LoginError::BadCredentials) => back("code"),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeBody {
    pub code: String,
}

/// `POST /api/v1/session/second-factor`: the second step of a JSON sign-in (the pending
/// cookie from `POST /api/v1/session`); 200 with the account and the session cookie, 401 for
/// a wrong or used code, 401 `sign_in_expired`, or 429.
pub async fn second_factor_json(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    headers: axum::http::HeaderMap,
    crate::api::body::JsonBody(body): crate::api::body::JsonBody<CodeBody>,
) -> Response {
    let pending = super::authenticate::cookie(&headers, crate::auth::PENDING_COOKIE).unwrap_or("");
    let outcome = crate::auth::second_factor(
        &state.store,
        &state.auth,
        &state.sign_in,
        pending,
        &body.code,
        viewer.ip,
    )
    .await;
    count(&state, &outcome);
    match outcome {
        Ok(login) => with_cookie(
            with_cookie(
                Json(viewer_json(&login.user)).into_response(),
                &state.auth.session_cookie(&login.token),
            ),
            &state.auth.clear_pending_cookie(),
        ),
        Err(err) => login_error_json(err),
    }
}

#[derive(Debug, Deserialize)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

/// `POST /api/v1/session`: 200 with the account and the cookie, 401, or 429 with Retry-After.
pub async fn login_json(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    crate::api::body::JsonBody(body): crate::api::body::JsonBody<LoginBody>,
) -> Response {
    if let Err(err) = end_session(&state, &viewer).await {
        return err.into_response();
    }
    let outcome = crate::auth::login(
        &state.store,
        &state.auth,
        &state.sign_in,
        &body.username,
        &body.password,
        viewer.ip,
    )
    .await;
    count(&state, &outcome);
    match outcome {
        Ok(login) if login.second_factor => with_cookie(
            Json(json!({
                "second_factor_required": true,
                "next": "POST /api/v1/session/second-factor {\"code\": \"123456\"}",
            }))
            .into_response(),
            &state.auth.pending_cookie(&login.token),
        ),
        Ok(login) => with_cookie(
            Json(viewer_json(&login.user)).into_response(),
            &state.auth.session_cookie(&login.token),
        ),
        Err(err) => login_error_json(err),
    }
}

/// A failed sign-in step as JSON: 401 (wrong credentials or code, or an expired pending
/// sign-in) or 429 with `Retry-After`.
fn login_error_json(err: LoginError) -> Response {
    match err {
        LoginError::BadCredentials => (
            StatusCode::UNAUTHORIZED,
            Json(json!({
                "error": "bad_credentials",
                "message": "用户名或密码不正确",
                "message_en": "wrong username or password",
            })),
        )
            .into_response(),
        LoginError::Throttled { retry_after_s } => {
            let (zh, en) = match retry_after_s {
                s if s < 60 => (format!("{s} 秒"), format!("{s} seconds")),
                s => {
                    let minutes = (s + 59) / 60;
                    (format!("{minutes} 分钟"), format!("{minutes} minutes"))
                }
            };
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({
                    "error": "throttled",
                    "message": format!("登录失败次数过多，请 {zh}后再试"),
                    "message_en": format!("too many failed sign-ins; try again in {en}"),
                })),
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&retry_after_s.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        LoginError::WrongCode => (
            StatusCode::UNAUTHORIZED,
            Json(json!({
                "error": "wrong_code",
                "message": "验证码不正确或已用过",
                "message_en": "wrong or already used code",
            })),
        )
            .into_response(),
        LoginError::Expired => (
            StatusCode::UNAUTHORIZED,
            Json(json!({
                "error": "sign_in_expired",
                "message": "登录已过期，请重新输入用户名和密码",
                "message_en": "the sign-in expired; sign in with your password again",
            })),
        )
            .into_response(),
        LoginError::Storage(err) => ApiError::from(err).into_response(),
    }
}

/// Ends the caller's session (audited) and tells the browser to drop it.
async fn end_session(state: &AppState, viewer: &RequestViewer) -> Result<(), ApiError> {
    if let (Some(hash), Some(actor)) = (&viewer.session_hash, &viewer.actor) {
        let audit = AuditEntry::by(Some(actor), "logout")
            .target("user", actor.username.clone())
            .ip(viewer.ip.clone());
        state.store.delete_session(hash, Some(&audit)).await?;
    }
    Ok(())
}

/// `POST /logout` from the header's button: 303 to the sign-in page, cookie and cache cleared.
pub async fn logout_form(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
) -> Response {
    if let Err(err) = end_session(&state, &viewer).await {
        return err.into_response();
    }
    let mut response = with_cookie(
        Redirect::to("/login?signed_out=1").into_response(),
        &state.auth.clear_cookie(),
    );
    response
        .headers_mut()
        .insert("clear-site-data", HeaderValue::from_static("\"cache\""));
    response
}

/// `DELETE /api/v1/session`: 204, cookie cleared.
pub async fn logout_json(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
) -> Response {
    if let Err(err) = end_session(&state, &viewer).await {
        return err.into_response();
    }
    with_cookie(
        StatusCode::NO_CONTENT.into_response(),
        &state.auth.clear_cookie(),
    )
}
