//! Household records and survey review. Household records are personal data: only roles
//! whose scope covers the village reach them (never researchers); review is for supervisors
//! of the township (and administrators).

use app::backend::RequestViewer;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::Extension;
use domain::validate::HouseholdInput;
use domain::{Actor, Household, Localized, RecordId, UnitCode};
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};

use super::{require, ApiError};
use crate::http::AppState;
use crate::records::{register_household, Author, RecordError};
use crate::storage::{now_ms, AuditEntry};

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
        "head_id_card": if clear { h.head_id_card.as_str().to_owned() } else { h.head_id_card.masked() },
        "phone": h.phone.as_ref().map(|p| if clear { p.as_str().to_owned() } else { p.masked() }),
        "personal_data": if clear { "clear" } else { "masked" },
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
    Query(params): Query<ListParams>,
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
    let surveys = state.store.surveys_of(&id).await?;
    let mut body = household_json(actor, &household);
    body["surveys"] = json!(surveys
        .iter()
        .map(|(id, wave, status, version, enumerator, comment)| json!({
            "id": id, "wave": wave, "status": status, "version": version,
            "enumerator": enumerator, "review_comment": comment,
        }))
        .collect::<Vec<_>>());
    Ok(Json(body))
}

/// `POST /api/v1/households`: registers a household (enumerators and supervisors in scope).
pub async fn register(
    State(state): State<AppState>,
    Extension(viewer): Extension<RequestViewer>,
    Json(input): Json<HouseholdInput>,
) -> Result<Response, ApiError> {
    let actor = require(&viewer)?;
    let author = Author {
        actor,
        ip: viewer.ip.clone(),
    };
    let today = domain::date::format_china_time(now_ms());
    let year: i32 = today[..4].parse().unwrap_or(2026);
    let enrolment = domain::Date::parse(&today[..10]).ok();
    let id = RecordId::parse(&crate::auth::new_id()).map_err(|_| ApiError::Internal)?;
    match register_household(&state.store, &author, id, &input, year, enrolment).await {
        Ok((household, warnings)) => Ok((
            StatusCode::CREATED,
            Json(json!({
                "id": household.id.as_str(),
                "warnings": warnings.into_iter().map(app::model::FieldIssue::from).collect::<Vec<_>>(),
            })),
        )
            .into_response()),
        Err(RecordError::Invalid(issues)) => Err(ApiError::Invalid(
            issues.into_iter().map(Into::into).collect(),
        )),
        Err(RecordError::Forbidden) => Err(ApiError::Forbidden),
        Err(RecordError::Storage(err)) => Err(err.into()),
    }
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
    Json(body): Json<ReviewBody>,
) -> Result<Json<JsonValue>, ApiError> {
    let actor = require(&viewer)?;
    let id = record_id(&id)?;
    let not_found = || match actor.role {
        domain::Role::Admin => ApiError::NotFound {
            zh: "没有这份问卷".into(),
            en: "no such survey".into(),
        },
        _ => ApiError::Forbidden,
    };
    let survey = state.store.survey(&id).await?.ok_or_else(not_found)?;
    let household = state
        .store
        .household(&survey.household_id)
        .await?
        .ok_or_else(not_found)?;
    if !actor.may_review(&household.village) {
        return Err(ApiError::Forbidden);
    }
    // Four eyes: nobody approves what they entered themselves (administrators excepted, who
    // correct data rather than review it).
    if survey.enumerator == actor.username && actor.role != domain::Role::Admin {
        return Err(ApiError::Conflict {
            zh: "不能审核自己录入的问卷，请由另一位审核员审核".into(),
            en: "you entered this survey: another supervisor must review it".into(),
        });
    }
    let approve = match body.decision.as_str() {
        "approve" => true,
        "reject" => false,
        other => {
            return Err(ApiError::BadParameter {
                field: "decision",
                zh: format!("审核结论应为 approve（通过）或 reject（退回），而不是“{other}”"),
                en: format!("decision: approve or reject, not {other:?}"),
            })
        }
    };
    let comment = body
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if !approve && comment.is_none() {
        return Err(ApiError::Invalid(vec![app::model::FieldIssue {
            path: "comment".into(),
            rule: "reject_needs_comment".into(),
            zh: "退回问卷时请写明原因，调查员才知道要改什么".into(),
            en: "say why the survey is rejected, so the enumerator knows what to fix".into(),
        }]));
    }
    let Some(next) = survey.status.after_review(approve) else {
        return Err(ApiError::Conflict {
            zh: format!(
                "问卷当前状态为“{}”，不能{}",
                survey.status.zh(),
                if approve { "通过" } else { "退回" }
            ),
            en: format!(
                "the survey is {}; it cannot be {}",
                survey.status.en(),
                if approve { "approved" } else { "rejected" }
            ),
        });
    };
    let audit = AuditEntry::by(
        Some(actor),
        if approve {
            "survey.approve"
        } else {
            "survey.reject"
        },
    )
    .ip(viewer.ip.clone());
    match state
        .store
        .set_survey_status(&id, next, body.version, comment, &audit)
        .await?
    {
        Some(version) => Ok(Json(json!({
            "id": id.as_str(), "status": next.code(), "version": version,
        }))),
        None => Err(ApiError::Conflict {
            zh: "这份问卷已被他人修改，请刷新后再审核".into(),
            en: "the survey was changed by someone else; reload and review again".into(),
        }),
    }
}
