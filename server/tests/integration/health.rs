//! `GET /healthz` and the JSON API's fallback.

use axum::http::StatusCode;

use crate::helpers::TestApp;

async fn healthz_reports_the_database(app: &TestApp) {
    let response = app.get("/healthz").await;
    assert_eq!(response.status, StatusCode::OK);
    let json = response.json();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["db"], app.store.backend_name());
}

async fn healthz_says_unavailable_when_the_database_is_gone(app: &TestApp) {
    app.store.close().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.json()["status"], "unavailable");
}

async fn unknown_api_paths_answer_json_404(app: &TestApp) {
    let response = app.get("/api/v1/no-such-thing").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.json()["error"], "not_found");
}

crate::on_both_backends!(
    healthz_reports_the_database,
    healthz_says_unavailable_when_the_database_is_gone,
    unknown_api_paths_answer_json_404,
);
