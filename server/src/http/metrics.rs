//! `GET /metrics`: the running server in the Prometheus text format, for an administrator's
//! API token (or session), or for a client address listed in `TANHUI_METRICS_FROM` (the
//! monitoring server). Anonymous callers get 401, other accounts 403.

use app::backend::RequestViewer;
use app::model::OperationsView;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;

use super::observe::RequestContext;
use crate::api::ApiError;
use crate::metrics::Exposition;
use crate::state::AppState;

/// The exposition format's content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

pub async fn metrics(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    context: Option<Extension<RequestContext>>,
) -> Response {
    let from_monitor = context
        .and_then(|Extension(c)| c.client)
        .is_some_and(|ip| state.network.metrics_from.contains(ip));
    if !from_monitor {
        match &viewer.actor {
            None => return ApiError::Unauthenticated.into_response(),
            Some(actor)
                if !actor.may_administer()
                    || viewer.must_change_password
                    || viewer.must_enrol_second_factor =>
            {
                return ApiError::Forbidden.into_response()
            }
            Some(_) => {}
        }
    }
    let snapshot = match state.operations().snapshot().await {
        Ok(snapshot) => snapshot,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let mut out = Exposition::default();
    write_snapshot(&mut out, &snapshot);
    state.metrics.write_requests(&mut out);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        out.finish(),
    )
        .into_response()
}

/// The scrape-time figures, one family each.
fn write_snapshot(out: &mut Exposition, s: &OperationsView) {
    out.family(
        "tanhui_build_info",
        "gauge",
        "Always 1; the labels say which tanhui and which browser bundle serve.",
    );
    out.sample(
        "tanhui_build_info",
        &[
            ("version", &s.version),
            ("build", &s.build),
            ("backend", &s.backend),
            ("schema", &s.schema_version.to_string()),
        ],
        1.0,
    );
    out.single(
        "tanhui_uptime_seconds",
        "gauge",
        "Seconds since the server started.",
        s.uptime_s as f64,
    );
    out.single(
        "tanhui_engine_facts",
        "gauge",
        "Approved surveys held by the indicator engine.",
        s.engine_facts as f64,
    );
    out.single(
        "tanhui_engine_cells",
        "gauge",
        "Aggregate cells kept by the indicator engine.",
        s.engine_cells as f64,
    );
    out.single(
        "tanhui_change_feed_lag",
        "gauge",
        "Survey changes written to the database but not yet applied by this server's engine (it catches up before answering a request).",
        s.feed_lag as f64,
    );
    out.family("tanhui_surveys", "gauge", "Stored surveys by status.");
    for status in domain::SurveyStatus::ALL {
        let n = s
            .surveys
            .iter()
            .find(|(st, _)| st == status)
            .map_or(0, |(_, n)| *n);
        out.sample("tanhui_surveys", &[("status", status.code())], n as f64);
    }
    let (open, idle, max) = s.pool;
    out.family(
        "tanhui_db_pool_connections",
        "gauge",
        "Database connections by state (in_use, idle) and the pool's maximum.",
    );
    out.sample(
        "tanhui_db_pool_connections",
        &[("state", "in_use")],
        f64::from(open.saturating_sub(idle)),
    );
    out.sample(
        "tanhui_db_pool_connections",
        &[("state", "idle")],
        f64::from(idle),
    );
    out.sample(
        "tanhui_db_pool_connections",
        &[("state", "max")],
        f64::from(max),
    );
    let (ok, failed, throttled) = s.sign_ins;
    out.single(
        "tanhui_sign_ins_total",
        "counter",
        "Successful sign-ins since start.",
        ok as f64,
    );
    out.single(
        "tanhui_sign_in_failures_total",
        "counter",
        "Sign-ins refused for a wrong username or password since start.",
        failed as f64,
    );
    out.single(
        "tanhui_sign_in_throttled_total",
        "counter",
        "Sign-ins refused by the throttle since start.",
        throttled as f64,
    );
    if let Some(b) = &s.backups {
        out.single(
            "tanhui_backup_last_success_timestamp_seconds",
            "gauge",
            "When the newest scheduled backup of this run was written and checked (0: none yet).",
            b.last_ms.map_or(0.0, |ms| ms as f64 / 1000.0),
        );
        let newest_file = b.files.first().map(|f| f.modified_ms);
        out.single(
            "tanhui_backup_age_seconds",
            "gauge",
            "Age of the newest scheduled backup file in the backup folder (-1: there is none).",
            newest_file.map_or(-1.0, |ms| {
                ((crate::storage::now_ms() - ms).max(0)) as f64 / 1000.0
            }),
        );
        out.single(
            "tanhui_backup_duration_seconds",
            "gauge",
            "How long the newest scheduled backup of this run took.",
            b.last_seconds.unwrap_or(0.0),
        );
        out.single(
            "tanhui_backups_total",
            "counter",
            "Scheduled backups written and checked since start.",
            b.written as f64,
        );
        out.single(
            "tanhui_backup_failures_total",
            "counter",
            "Scheduled backups that failed since start.",
            b.failures as f64,
        );
        out.single(
            "tanhui_backup_files",
            "gauge",
            "Scheduled backup files in the backup folder.",
            b.files.len() as f64,
        );
    }
}
