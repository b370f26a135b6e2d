//! Downloads that belong to the officials' pages: a chart as SVG (the very drawing the page
//! shows) and the at-risk list as CSV. Both go through the same scope checks as the pages.

use super::body::QueryParams;
use app::backend::{RequestViewer, Views};
use app::model::{DashQuery, RiskQuery};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use domain::risk::RiskReason;
use domain::{Lang, Localized};
use serde::Deserialize;

use super::exports::attachment;
use super::{require, ApiError};
use crate::export::csv::{field, yuan};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct ChartParams {
    pub unit: Option<String>,
    pub wave: Option<String>,
    pub model: Option<String>,
    pub registration: Option<String>,
    pub sex: Option<String>,
    pub ethnicity: Option<String>,
    pub scheme: Option<String>,
    pub lang: Option<String>,
}

/// The reader's language: `?lang=`, else the `lang` cookie, else Chinese.
fn language(explicit: Option<&str>, headers: &HeaderMap) -> Lang {
    if let Some(tag) = explicit.filter(|t| !t.is_empty()) {
        return Lang::from_tag(tag);
    }
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(app::i18n::lang_from_cookie_header)
        .unwrap_or_default()
}

fn wave(text: Option<&str>) -> Result<Option<i32>, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| ApiError::BadParameter {
            field: "wave",
            zh: "调查轮次应为年份，例如 2021".into(),
            en: "wave: a year such as 2021".into(),
        }),
    }
}

/// `GET /api/v1/charts/{id}.svg?unit=&wave=&model=…&lang=`
pub async fn chart_svg(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Path(file): Path<String>,
    QueryParams(params): QueryParams<ChartParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    require(&viewer)?;
    let not_found = || ApiError::NotFound {
        zh: format!("没有图表 {file}"),
        en: format!("no chart {file}"),
    };
    let id = file.strip_suffix(".svg").ok_or_else(not_found)?;
    if !crate::service::charts::CHART_IDS.contains(&id) {
        return Err(not_found());
    }
    let query = DashQuery {
        wave: wave(params.wave.as_deref())?,
        model: params.model,
        registration: params.registration,
        sex: params.sex,
        ethnicity: params.ethnicity,
        scheme: params.scheme,
    };
    let lang = language(params.lang.as_deref(), &headers);
    let view = state
        .views()
        .dashboard(&viewer, params.unit.as_deref(), &query)
        .await?;
    let chart = view
        .charts
        .iter()
        .find(|c| c.data.id == id)
        .ok_or_else(not_found)?;
    let svg = app::charts::svg(&chart.data, lang);
    Ok(attachment(
        Response::new(Body::from(svg)),
        &format!("{id}-{}.svg", view.unit.code),
        "image/svg+xml; charset=utf-8",
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct RiskParams {
    pub unit: Option<String>,
    pub wave: Option<String>,
    pub margin: Option<String>,
    pub drop: Option<String>,
    pub reason: Option<String>,
    pub scheme: Option<String>,
}

fn percent(field: &'static str, text: Option<&str>) -> Result<Option<u32>, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => {
            t.parse::<u32>()
                .ok()
                .filter(|v| *v <= 100)
                .map(Some)
                .ok_or(ApiError::BadParameter {
                    field,
                    zh: "应为 0 到 100 之间的整数（百分比）".into(),
                    en: "a whole percentage from 0 to 100".into(),
                })
        }
    }
}

pub fn risk_query(params: &RiskParams) -> Result<RiskQuery, ApiError> {
    Ok(RiskQuery {
        unit: params.unit.clone(),
        wave: wave(params.wave.as_deref())?,
        margin: percent("margin", params.margin.as_deref())?,
        drop: percent("drop", params.drop.as_deref())?,
        reason: params.reason.clone(),
        scheme: params.scheme.clone(),
        page: None,
    })
}

/// `GET /api/v1/at-risk.csv?unit=&wave=&margin=&drop=&reason=&scheme=`: every flagged household.
pub async fn at_risk_csv(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    QueryParams(params): QueryParams<RiskParams>,
) -> Result<Response, ApiError> {
    require(&viewer)?;
    let query = risk_query(&params)?;
    let views = state.views();
    let (unit, wave, _, rules, scheme, list) = views.risk_list(&viewer, &query).await?;
    let rows = views.risk_rows(&viewer, &list).await?;
    let mut out = String::from(
        "household_id,village_code,village_name,registry_no,head_name,wave,per_capita_net_income,\
         poverty_line,poverty_line_scheme,previous_wave,previous_per_capita_net_income,below_line,near_line,\
         guarantee_missed,income_fell,reasons_zh\n",
    );
    let cents = |v: Option<f64>| {
        v.map(|v| yuan((v * 100.0).round() as i64))
            .unwrap_or_default()
    };
    for r in &rows {
        let has = |reason: RiskReason| u8::from(r.reasons.contains(&reason));
        let zh: Vec<String> = r.reasons.iter().map(Localized::zh).collect();
        out.push_str(&format!(
            "{},{},{},{},{},{wave},{},{},{},{},{},{},{},{},{},{}\n",
            r.household,
            r.village.code,
            field(&r.village.name_zh),
            field(&r.registry_no),
            field(&r.head_name),
            cents(r.per_capita),
            cents(Some(r.line)),
            scheme.code(),
            r.previous_wave.map(|w| w.to_string()).unwrap_or_default(),
            cents(r.previous_per_capita),
            has(RiskReason::BelowLine),
            has(RiskReason::NearLine),
            has(RiskReason::GuaranteeMissed),
            has(RiskReason::IncomeFell),
            field(&zh.join("；")),
        ));
    }
    tracing::info!(unit = %unit.code, wave, rows = rows.len(), margin = rules.margin_pct, "at-risk export");
    // It names heads of households: every download is on the record.
    let audit = crate::storage::AuditEntry::by(viewer.actor.as_ref(), "export.at_risk")
        .target("unit", unit.code.clone())
        .ip(viewer.ip.clone())
        .change(
            None,
            Some(serde_json::json!({ "wave": wave, "rows": rows.len() })),
        );
    state.store.append_audit(&audit).await?;
    Ok(attachment(
        Response::new(Body::from(out)),
        &format!("at-risk-{}-{wave}.csv", unit.code),
        "text/csv; charset=utf-8",
    ))
}
