//! Household records and survey review. Household records are personal data: only roles
//! whose scope covers the village reach them (never researchers); review is for supervisors
//! of the township (and administrators).

use super::body::{JsonBody, QueryParams};
use app::backend::RequestViewer;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::Extension;
use domain::validate::HouseholdInput;
use domain::{Actor, Household, RecordId, UnitCode};
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};

use super::{require, ApiError};
use crate::records::Author;
use crate::service::field_work::SaveError;
use crate::service::review::ReviewError;
use crate::state::AppState;
use crate::storage::AuditEntry;

fn record_id(text: &str) -> Result<RecordId, ApiError> {
    RecordId::parse(text).map_err(|_| ApiError::NotFound {
        zh: "没有这条记录".into(),
        en: "no such record".into(),
    })
}

/// A household as this actor may see it: names, ID-card numbers and phones in clear only
/// when the actor's scope covers the village, masked otherwise.
fn household_json(actor: &Actor, h: &Household) -> JsonValue {
    let clear = actor.may_see_personal(&h.village);
    json!({
        "id": h.id.as_str(),
        "village_code": h.village.as_str(),
        "registry_no": h.registry_no,
        "head_name": if clear { h.head_name.clone() } else { domain::access::mask_name(&h.head_name) },
        "head_id_card": h.head_id_card.as_ref().map(|c| if clear { c.as_str().to_owned() } else { c.masked() }),
        "phone": h.phone.as_ref().map(|p| if clear { p.as_str().to_owned() } else { p.masked() }),
        "personal_data": match (h.is_erased(), clear) {
            (true, _) => "erased",
            (false, true) => "clear",
            (false, false) => "masked",
        },
        "head_sex": h.head_sex.code(),
        "head_ethnicity": h.head_ethnicity.code(),
        "poverty_registration": h.poverty_registration.code(),
        "registration_year": h.registration_year,
        "exit_year": h.exit_year,
        "model": h.model.code(),
    })
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    pub village: Option<String>,
}

/// `GET /api/v1/households?village=CODE`: the village's households.
pub async fn list(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    QueryParams(params): QueryParams<ListParams>,
) -> Result<Json<JsonValue>, ApiError> {
    let actor = require(&viewer)?;
    let text = params.village.unwrap_or_default();
    let village = UnitCode::parse(text.trim())
        .ok()
        .filter(|u| u.level() == domain::UnitLevel::Village)
        .ok_or_else(|| ApiError::BadParameter {
            field: "village",
            zh: "请给出村的 12 位行政区划代码".into(),
            en: "village: a 12-digit village code".into(),
        })?;
    if !actor.may_see_households(&village) {
        return Err(ApiError::Forbidden);
    }
    let households = state.store.households_in(&village).await?;
    Ok(Json(json!({
        "village": village.as_str(),
        "households": households.iter().map(|h| household_json(actor, h)).collect::<Vec<_>>(),
    })))
}

/// `PATCH /api/v1/households/{id}` with a `HouseholdCorrectionInput` body (`version` and
/// `reason` required): corrects the household's registration data. 200 `{household, version,
/// warnings}`; 409 for a stale version; 422 with field issues; 403 outside the village.
pub async fn correct(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Path(id): Path<String>,
    JsonBody(mut input): JsonBody<app::model::HouseholdCorrectionInput>,
) -> Result<Response, ApiError> {
    let actor = require(&viewer)?;
    input.household = id;
    let author = Author {
        actor,
        ip: viewer.ip.clone(),
    };
    match crate::service::registry::correct_household(
        &state.store,
        &author,
        &input,
        crate::service::field_work::this_year(),
    )
    .await
    {
        Ok(done) => Ok(Json(json!(done)).into_response()),
        Err(app::backend::BackendError::Invalid(issues)) => {
            // A stale version is a conflict, not a field to fix.
            let (stale, others): (Vec<_>, Vec<_>) =
                issues.into_iter().partition(|i| i.rule == "stale");
            match stale.into_iter().next() {
                Some(stale) => Err(ApiError::Conflict {
                    zh: stale.zh,
                    en: stale.en,
                }),
                None => Err(ApiError::Invalid(others)),
            }
        }
        Err(err) => Err(err.into()),
    }
}

/// `GET /api/v1/households/{id}`: one household and its surveys.
pub async fn detail(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Path(id): Path<String>,
) -> Result<Json<JsonValue>, ApiError> {
    let actor = require(&viewer)?;
    let id = record_id(&id)?;
    let household = state
        .store
        .household(&id)
        .await?
        .ok_or(ApiError::NotFound {
            zh: "没有这一户".into(),
            en: "no such household".into(),
        })?;
    if !actor.may_see_households(&household.village) {
        return Err(ApiError::Forbidden);
    }
    if actor.may_see_personal(&household.village) {
        let audit = AuditEntry::by(Some(actor), "household.view")
            .target("household", household.id.as_str())
            .unit(Some(&household.village))
            .ip(viewer.ip.clone())
            .change(None, Some(json!({ "via": "api" })));
        state.store.append_audit(&audit).await?;
    }
    let surveys = state.store.surveys_of(&id).await?;
    let mut body = household_json(actor, &household);
    body["surveys"] = json!(surveys
        .iter()
        .map(|line| json!({
            "id": line.id.as_str(), "wave": line.wave, "status": line.status, "version": line.version,
            "enumerator": line.enumerator, "review_comment": line.review_comment,
        }))
        .collect::<Vec<_>>());
    Ok(Json(body))
}

#[derive(Debug, Deserialize)]
pub struct RegisterBody {
    /// The household's id chosen by the client (a device registering offline); a new one
    /// when absent. The same id and head sent again answers 200 with `replayed: true`.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(flatten)]
    pub input: HouseholdInput,
}

/// `POST /api/v1/households`: registers a household (enumerators and supervisors in scope).
pub async fn register(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    JsonBody(body): JsonBody<RegisterBody>,
) -> Result<Response, ApiError> {
    let actor = require(&viewer)?;
    let author = Author {
        actor,
        ip: viewer.ip.clone(),
    };
    let done = crate::service::field_work::register(
        &state.store,
        &author,
        body.id.as_deref(),
        &body.input,
    )
    .await?;
    let code = match done.replayed {
        true => StatusCode::OK,
        false => StatusCode::CREATED,
    };
    Ok((
        code,
        Json(json!({ "id": done.household, "warnings": done.warnings, "replayed": done.replayed })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReviewBody {
    /// `approve` or `reject`.
    pub decision: String,
    /// The version the reviewer saw; a newer one means someone else changed it meanwhile.
    pub version: i32,
    #[serde(default)]
    pub comment: Option<String>,
}

/// `POST /api/v1/surveys/{id}/review`: a supervisor approves or rejects (or un-approves) a
/// survey of its township. The engine sees the change on the next read (change feed), so the
/// very next `/api/v1/indicators` answer includes it.
pub async fn review(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReviewBody>,
) -> Result<Json<JsonValue>, ApiError> {
    let actor = require(&viewer)?;
    let id = record_id(&id)?;
    let author = Author {
        actor,
        ip: viewer.ip.clone(),
    };
    let result = crate::service::review::review_survey(
        &state.store,
        &author,
        &id,
        &body.decision,
        body.version,
        body.comment.as_deref(),
    )
    .await;
    match result {
        Ok((status, version)) => Ok(Json(json!({
            "id": id.as_str(), "status": status.code(), "version": version,
        }))),
        // An administrator may learn that a survey does not exist; others learn nothing.
        Err(ReviewError::NotFound) if actor.role == domain::Role::Admin => {
            Err(ApiError::NotFound {
                zh: "没有这份问卷".into(),
                en: "no such survey".into(),
            })
        }
        Err(ReviewError::NotFound | ReviewError::Forbidden) => Err(ApiError::Forbidden),
        Err(ReviewError::Refused("decision", _, zh, en)) => Err(ApiError::BadParameter {
            field: "decision",
            zh,
            en,
        }),
        Err(ReviewError::Refused("comment", rule, zh, en)) => {
            Err(ApiError::Invalid(vec![app::model::FieldIssue::error(
                "comment", rule, zh, en,
            )]))
        }
        Err(ReviewError::Refused(_, _, zh, en)) => Err(ApiError::Conflict { zh, en }),
        Err(ReviewError::Storage(err)) => Err(err.into()),
    }
}

/// `GET /api/v1/households/{id}/surveys/{wave}`: what the survey form starts from — the
/// stored survey of the wave (answers, status, version) and the latest earlier wave's answers.
pub async fn survey(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Path((id, wave)): Path<(String, i32)>,
) -> Result<Json<JsonValue>, ApiError> {
    require(&viewer)?;
    let form =
        app::backend::FieldWork::survey_form(&state.views(), &viewer, &id, Some(wave)).await?;
    Ok(Json(json!(form)))
}

#[derive(Debug, Deserialize)]
pub struct SaveBody {
    /// A UUID the client generates for this save; a retry sends the same one.
    pub client_id: String,
    /// The version the client started from; 0 (or absent) for a new survey.
    #[serde(default)]
    pub base_version: i32,
    /// Submit for review; otherwise the survey stays a draft.
    #[serde(default)]
    pub submit: bool,
    #[serde(default)]
    pub confirm_warnings: bool,
    pub answers: domain::validate::SurveyInput,
}

/// `PUT /api/v1/households/{id}/surveys/{wave}`: saves the household's survey of the wave as
/// a draft or submits it. 201 when created, 200 when replaced or when this `client_id` was
/// already applied (`replayed: true`); 422 with field issues; 409 for a stale `base_version`
/// or a survey that cannot change now (submitted, approved).
pub async fn save_survey(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Path((id, wave)): Path<(String, i32)>,
    JsonBody(body): JsonBody<SaveBody>,
) -> Result<Response, ApiError> {
    let actor = require(&viewer)?;
    let waves: Vec<i32> = state.engine.read(&state.store).await?.waves().collect();
    let author = Author {
        actor,
        ip: viewer.ip.clone(),
    };
    let input = app::model::SurveySaveInput {
        household: id,
        wave,
        client_id: body.client_id,
        base_version: body.base_version,
        submit: body.submit,
        confirm_warnings: body.confirm_warnings,
        answers: body.answers,
    };
    match crate::service::field_work::save_survey(&state.store, &author, &waves, &input).await {
        Ok(saved) => {
            let code = match saved.version == 1 && !saved.replayed {
                true => StatusCode::CREATED,
                false => StatusCode::OK,
            };
            Ok((code, Json(json!(saved))).into_response())
        }
        Err(SaveError::NotFound) => Err(ApiError::NotFound {
            zh: "没有这户".into(),
            en: "no such household".into(),
        }),
        Err(SaveError::Forbidden) => Err(ApiError::Forbidden),
        Err(SaveError::Invalid(issues)) => Err(ApiError::Invalid(issues)),
        Err(SaveError::Unconfirmed(issues)) => Err(ApiError::Unconfirmed(issues)),
        Err(SaveError::Conflict(_, zh, en)) => Err(ApiError::Conflict { zh, en }),
        Err(SaveError::Storage(err)) => Err(err.into()),
    }
}
