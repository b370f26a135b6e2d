//! Indicator endpoints: the catalogue, computed values and their provenance. Handlers parse
//! their parameters into domain types, check the unit against the caller's scope, catch the
//! engine up with the change feed, and answer.

use super::body::QueryParams;
use app::backend::RequestViewer;
use axum::extract::State;
use axum::response::Json;
use axum::Extension;
use domain::engine::{find, under, Dim, Engine, IndicatorDef, Slice, Value, CATALOGUE};
use domain::{Localized, PovertyScheme, UnitCode};
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};

use super::{require, ApiError};
use crate::export::indicators::{indicator_rows, table_lines, TableLine, TableRequest};
use crate::state::AppState;

pub async fn catalogue(
    Extension(viewer): Extension<RequestViewer>,
) -> Result<Json<JsonValue>, ApiError> {
    require(&viewer)?;
    let entries: Vec<JsonValue> = CATALOGUE
        .iter()
        .map(|def| {
            let mut entry = serde_json::to_value(def).unwrap_or_default();
            entry["disaggregations"] = json!(def
                .disaggregations()
                .iter()
                .map(|d| d.code())
                .collect::<Vec<_>>());
            entry
        })
        .collect();
    Ok(Json(json!(entries)))
}

#[derive(Debug, Default, Deserialize)]
pub struct IndicatorParams {
    pub unit: Option<String>,
    pub wave: Option<String>,
    pub by: Option<String>,
    pub indicator: Option<String>,
    pub scheme: Option<String>,
}

/// The validated form of the parameters shared by the indicator endpoints.
pub struct Selection {
    pub unit: UnitCode,
    pub wave: i32,
    pub by: Vec<Dim>,
    pub indicators: Vec<&'static IndicatorDef>,
    pub scheme: PovertyScheme,
}

/// Parses the parameters. `home` is the unit when none is named; `allowed` vets the unit
/// before anything is said about it (an out-of-scope unit is 403 whether or not it exists).
pub fn parse_selection(
    params: &IndicatorParams,
    engine: &Engine,
    home: UnitCode,
    allowed: &dyn Fn(&UnitCode) -> bool,
) -> Result<Selection, ApiError> {
    let unit = match params.unit.as_deref().filter(|u| !u.trim().is_empty()) {
        None => home,
        Some(text) => UnitCode::parse(text).map_err(|err| ApiError::BadParameter {
            field: "unit",
            zh: err.zh(),
            en: err.en(),
        })?,
    };
    if !allowed(&unit) {
        return Err(ApiError::Forbidden);
    }
    if !engine.knows(&unit) {
        return Err(ApiError::NotFound {
            zh: format!("没有行政区划代码为 {unit} 的单位"),
            en: format!("no unit with code {unit}"),
        });
    }
    let waves: Vec<i32> = engine.waves().collect();
    let wave = match params.wave.as_deref().filter(|w| !w.trim().is_empty()) {
        None => *waves.last().ok_or(ApiError::NotFound {
            zh: "还没有调查轮次".into(),
            en: "no survey waves yet".into(),
        })?,
        Some(text) => {
            let year: i32 = text.trim().parse().map_err(|_| ApiError::BadParameter {
                field: "wave",
                zh: format!("调查轮次应为年份，如 2021，而不是“{text}”"),
                en: format!("wave: a year such as 2021, not {text:?}"),
            })?;
            if !waves.contains(&year) {
                return Err(ApiError::NotFound {
                    zh: format!("没有 {year} 年的调查轮次（现有：{waves:?}）"),
                    en: format!("no survey wave {year} (known: {waves:?})"),
                });
            }
            year
        }
    };
    let by = super::params::breakdown(params.by.as_deref())?;
    let indicators = super::params::indicators(params.indicator.as_deref())?;
    let scheme = super::params::scheme(params.scheme.as_deref())?;
    Ok(Selection {
        unit,
        wave,
        by,
        indicators,
        scheme,
    })
}

fn unit_json(engine: &Engine, unit: &UnitCode) -> JsonValue {
    let known = engine.unit(unit);
    json!({
        "code": unit.as_str(),
        "level": unit.level().as_str(),
        "name_zh": known.map(|u| u.name_zh.as_str()),
        "name_pinyin": known.map(|u| u.name_pinyin.as_str()).filter(|p| !p.is_empty()),
    })
}

pub async fn indicators(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    QueryParams(params): QueryParams<IndicatorParams>,
) -> Result<Json<JsonValue>, ApiError> {
    let actor = require(&viewer)?;
    let home = actor
        .home(&UnitCode::prefecture())
        .ok_or(ApiError::Forbidden)?;
    let engine = state.engine.read(&state.store).await?;
    let selection = parse_selection(&params, &engine, home, &|u| actor.may_read(u))?;
    let lines = selection_lines(&engine, &selection, actor.role == domain::Role::Researcher);
    Ok(Json(indicator_table(&engine, &selection, &lines)))
}

/// The lines of a selection (one unit, one wave): the same pipeline as the table export. With
/// `suppress` (researchers), survey figures over fewer than 5 households are withheld and marked.
pub fn selection_lines(engine: &Engine, selection: &Selection, suppress: bool) -> Vec<TableLine> {
    table_lines(
        engine,
        &TableRequest {
            units: vec![selection.unit.clone()],
            waves: vec![selection.wave],
            by: selection.by.clone(),
            indicators: selection.indicators.clone(),
            scheme: selection.scheme,
            suppress,
            progress: true,
        },
    )
}

/// The response of `/api/v1/indicators` (also the CLI's JSON output), from the selection's lines.
pub fn indicator_table(engine: &Engine, selection: &Selection, lines: &[TableLine]) -> JsonValue {
    json!({
        "unit": unit_json(engine, &selection.unit),
        "wave": selection.wave,
        "baseline_wave": engine.baseline(),
        "by": selection.by.iter().map(|d| d.code()).collect::<Vec<_>>(),
        "scheme": selection.scheme.code(),
        "poverty_line": engine.line_under(selection.scheme, selection.wave) as f64 / 100.0,
        "rows": indicator_rows(lines),
    })
}

pub async fn explain(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    axum::extract::Path(id): axum::extract::Path<String>,
    QueryParams(params): QueryParams<IndicatorParams>,
) -> Result<Json<JsonValue>, ApiError> {
    let actor = require(&viewer)?;
    let home = actor
        .home(&UnitCode::prefecture())
        .ok_or(ApiError::Forbidden)?;
    let found = find(&id).ok_or_else(|| ApiError::NotFound {
        zh: format!("没有编号为“{id}”的指标"),
        en: format!("no indicator {id:?}"),
    })?;
    let engine = state.engine.read(&state.store).await?;
    let selection = parse_selection(
        &IndicatorParams {
            by: None,
            indicator: None,
            ..params
        },
        &engine,
        home,
        &|u| actor.may_read(u),
    )?;
    let def = under(found, selection.scheme);
    // The households behind a figure only for those who may see household records there.
    let with_households = actor.may_see_households(&selection.unit);
    let why = engine.explain(
        def,
        &selection.unit,
        selection.wave,
        Slice::ALL,
        with_households,
    );
    // Researchers: a figure, or a child unit's figure, over fewer than 5 households is withheld.
    let suppress = actor.role == domain::Role::Researcher;
    let for_reader = |unit: &UnitCode, value: Value| {
        let households = engine
            .totals(unit, selection.wave, Slice::ALL)
            .get(domain::engine::Measure::Households);
        value.for_reader(def, households, suppress)
    };
    let shown = for_reader(&selection.unit, why.value);
    let value = match shown.suppressed() {
        true => {
            json!({ "value": null, "numerator": null, "denominator": null, "no_data": shown.no_data, "suppressed": true })
        }
        false => json!(shown),
    };
    Ok(Json(json!({
        "indicator": def,
        "unit": unit_json(&engine, &selection.unit),
        "wave": selection.wave,
        "scheme": def.scheme().map(|s| s.code()),
        "value": value,
        "children": why.children.iter().map(|(code, name, value)| {
            let value = for_reader(code, *value);
            json!({
                "code": code.as_str(), "name_zh": name, "value": value.value, "numerator": value.numerator,
                "denominator": value.denominator, "no_data": value.no_data, "suppressed": value.suppressed(),
            })
        }).collect::<Vec<_>>(),
        "households": with_households.then(|| why.households.iter().map(|(survey, household)| json!({
            "survey_id": survey.as_str(), "household_id": household.as_str(),
        })).collect::<Vec<_>>()),
    })))
}
