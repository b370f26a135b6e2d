//! Corrections to the household registry: an enumerator of the village, a supervisor of its
//! township or an administrator corrects a household's registration data or marks it moved
//! out, deceased or merged into another. Every correction gives a reason, starts from the
//! version it read (a stale one is refused) and is audited with before and after, in the same
//! transaction. The household's id never changes, so its pseudonymous id does not either.

use app::backend::BackendError;
use app::model::{Corrected, CorrectionForm, FieldIssue, HouseholdCorrectionInput};
use domain::validate::{check_household, HouseholdInput};
use domain::{Household, HouseholdStatus, RecordId};

use super::storage;
use crate::records::{household_snapshot, Author};
use crate::storage::{AuditEntry, HouseholdState, Store};

/// What the form starts from for a stored household.
pub fn form(
    household: &Household,
    state: &HouseholdState,
    merged_registry: Option<String>,
) -> CorrectionForm {
    let year = |y: Option<i32>| y.map(|y| y.to_string()).unwrap_or_default();
    CorrectionForm {
        version: state.version,
        input: HouseholdCorrectionInput {
            household: household.id.as_str().to_owned(),
            version: state.version,
            reason: String::new(),
            head_name: household.head_name.clone(),
            head_id_card: household.id_card_text().to_owned(),
            phone: household
                .phone
                .as_ref()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            head_sex: household.head_sex.code().to_owned(),
            head_ethnicity: household.head_ethnicity.code().to_owned(),
            poverty_registration: household.poverty_registration.code().to_owned(),
            poverty_cause: household
                .poverty_cause
                .map(|c| c.code().to_owned())
                .unwrap_or_default(),
            registration_year: year(household.registration_year),
            exit_year: year(household.exit_year),
            model: household.model.code().to_owned(),
            enrolment_date: household
                .enrolment_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            status: state.status.code().to_owned(),
            merged_into: merged_registry.unwrap_or_default(),
            left_on: state.left_on.map(|d| d.to_string()).unwrap_or_default(),
        },
    }
}

fn issue(path: &str, rule: &str, zh: impl Into<String>, en: impl Into<String>) -> FieldIssue {
    FieldIssue::error(path, rule, zh, en)
}

/// A year field: empty, or a whole number.
fn year(path: &str, text: &str, issues: &mut Vec<FieldIssue>) -> Option<i32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<i32>() {
        Ok(year) => Some(year),
        Err(_) => {
            issues.push(issue(
                path,
                "year",
                format!("“{text}”不是年份"),
                format!("{path}: {text:?} is not a year"),
            ));
            None
        }
    }
}

/// Applies a correction. Refusals come back as field issues; a stale version as an issue on
/// `version` with rule `stale` (the API answers 409).
pub async fn correct_household(
    store: &Store,
    author: &Author<'_>,
    input: &HouseholdCorrectionInput,
    current_year: i32,
) -> Result<Corrected, BackendError> {
    let actor = author.actor;
    let id = RecordId::parse(input.household.trim()).map_err(|_| BackendError::NotFound)?;
    let old = store
        .household(&id)
        .await
        .map_err(storage)?
        .ok_or(BackendError::NotFound)?;
    if !actor.may_enter(&old.village) {
        return Err(BackendError::Forbidden);
    }
    let state = store
        .household_state(&id)
        .await
        .map_err(storage)?
        .ok_or(BackendError::NotFound)?;
    if let Some(at) = state.erased_at {
        let day = domain::Date::in_china_at(at);
        return Err(BackendError::Invalid(vec![issue(
            "household",
            "erased",
            format!("这户已于 {day} 删除个人信息（离开项目已过保存期限），不能再更正"),
            format!("household: its personal data were erased on {day} (it left the programme past the retention period); it cannot be corrected"),
        )]));
    }
    let today = domain::Date::in_china_at(crate::storage::now_ms());
    let mut issues = Vec::new();
    let reason = input.reason.trim();
    if reason.is_empty() {
        issues.push(issue(
            "reason",
            "reason",
            "请写明更正的原因（将记入审计日志）",
            "reason: say why the household is corrected (it goes into the audit log)",
        ));
    }
    let registration_year = year("registration_year", &input.registration_year, &mut issues);
    let exit_year = year("exit_year", &input.exit_year, &mut issues);
    let enrolment_date = match input.enrolment_date.trim() {
        "" => None,
        text => match domain::Date::parse(text) {
            Ok(date) => Some(date),
            Err(_) => {
                issues.push(issue(
                    "enrolment_date",
                    "date",
                    format!("“{text}”不是 YYYY-MM-DD 格式的日期"),
                    format!("enrolment_date: {text:?} is not a date YYYY-MM-DD"),
                ));
                None
            }
        },
    };
    let status = match input.status.trim() {
        "" => Some(HouseholdStatus::Active),
        code => HouseholdStatus::parse(code),
    };
    if status.is_none() {
        issues.push(issue(
            "status",
            "status",
            format!("“{}”不是户籍状态", input.status.trim()),
            format!(
                "status: {:?} is not a household status",
                input.status.trim()
            ),
        ));
    }
    // The day it left: given, kept from an earlier correction, or today.
    let left_on = match (status, input.left_on.trim()) {
        (None | Some(HouseholdStatus::Active), _) => None,
        (Some(_), "") if state.status != HouseholdStatus::Active => state.left_on.or(Some(today)),
        (Some(_), "") => Some(today),
        (Some(_), text) => match domain::Date::parse(text) {
            Ok(day) if day <= today => Some(day),
            Ok(day) => {
                issues.push(issue(
                    "left_on",
                    "future",
                    format!("离开日期 {day} 在今天（{today}）之后"),
                    format!("left_on: {day} is after today ({today})"),
                ));
                None
            }
            Err(_) => {
                issues.push(issue(
                    "left_on",
                    "date",
                    format!("“{text}”不是 YYYY-MM-DD 格式的日期"),
                    format!("left_on: {text:?} is not a date YYYY-MM-DD"),
                ));
                None
            }
        },
    };
    // Merged into another household of the same village, named by its registry number.
    let mut merged_into = None;
    if status == Some(HouseholdStatus::Merged) {
        let registry = input.merged_into.trim();
        let target = store
            .households_in(&old.village)
            .await
            .map_err(storage)?
            .into_iter()
            .find(|h| h.registry_no == registry && h.id != old.id);
        match target {
            Some(target) => merged_into = Some(target.id),
            None => issues.push(issue(
                "merged_into",
                "merged_into",
                format!("本村没有户编号为“{registry}”的另一户：请填写并入的户的户编号"),
                format!("merged_into: this village has no other household {registry:?}"),
            )),
        }
    }
    let raw = HouseholdInput {
        village: old.village.as_str().to_owned(),
        registry_no: old.registry_no.clone(),
        head_name: input.head_name.clone(),
        head_id_card: input.head_id_card.clone(),
        phone: input.phone.clone(),
        head_sex: input.head_sex.clone(),
        head_ethnicity: input.head_ethnicity.clone(),
        poverty_registration: input.poverty_registration.clone(),
        poverty_cause: input.poverty_cause.clone(),
        registration_year,
        exit_year,
        model: input.model.clone(),
    };
    let (fields, warnings) = match check_household(&raw, current_year) {
        Ok((fields, warnings)) => (Some(fields), warnings),
        Err(found) => {
            issues.extend(found.into_iter().map(FieldIssue::from));
            (None, Vec::new())
        }
    };
    let (Some(fields), Some(status), true) = (fields, status, issues.is_empty()) else {
        return Err(BackendError::Invalid(issues));
    };
    if fields.model == domain::EngagementModel::Comparison && enrolment_date.is_some() {
        return Err(BackendError::Invalid(vec![issue(
            "enrolment_date",
            "comparison_enrolled",
            "对照户没有参与日期：参与方式为对照时请清空参与日期",
            "enrolment_date: a comparison household has no enrolment date",
        )]));
    }
    if Some(&fields.head_id_card) != old.head_id_card.as_ref() {
        let owners = store
            .households_with_id_cards(&[fields.head_id_card.as_str()])
            .await
            .map_err(storage)?;
        if let Some(owner) = owners.into_iter().find(|h| h.id != old.id) {
            let (zh, en) = match actor.may_see_personal(&owner.village) {
                true => (
                    format!(
                        "此身份证号已是村 {} 户编号“{}”的户主",
                        owner.village, owner.registry_no
                    ),
                    format!(
                        "head_id_card: already heads household {:?} of village {}",
                        owner.registry_no, owner.village
                    ),
                ),
                false => (
                    format!(
                        "身份证号 {} 已登记为另一户的户主",
                        fields.head_id_card.masked()
                    ),
                    format!(
                        "head_id_card: {} already heads another household",
                        fields.head_id_card.masked()
                    ),
                ),
            };
            return Err(BackendError::Invalid(vec![issue(
                "head_id_card",
                "duplicate_id_card",
                zh,
                en,
            )]));
        }
    }
    // The village and registry number are not corrected here.
    let fields = domain::validate::HouseholdFields {
        village: old.village.clone(),
        registry_no: old.registry_no.clone(),
        ..fields
    };
    let new = fields.into_household(old.id.clone(), enrolment_date);
    let new_state = HouseholdState {
        version: state.version + 1,
        status,
        merged_into,
        left_on,
        erased_at: None,
    };
    let snapshot = |h: &Household, s: &HouseholdState| {
        let mut value = household_snapshot(h);
        value["status"] = serde_json::json!(s.status.code());
        value["merged_into"] = serde_json::json!(s.merged_into.as_ref().map(|m| m.as_str()));
        value["version"] = serde_json::json!(s.version);
        value["left_on"] = serde_json::json!(s.left_on.map(|d| d.to_string()));
        value
    };
    let mut after = snapshot(&new, &new_state);
    after["reason"] = serde_json::json!(reason);
    let audit = AuditEntry::by(Some(actor), "household.correct")
        .target("household", old.id.as_str())
        .unit(Some(&old.village))
        .ip(author.ip.clone())
        .change(Some(snapshot(&old, &state)), Some(after));
    match store
        .correct_household(&new, &new_state, input.version, &audit)
        .await
        .map_err(storage)?
    {
        Some(version) => Ok(Corrected {
            household: old.id.as_str().to_owned(),
            version,
            warnings: warnings.into_iter().map(Into::into).collect(),
        }),
        None => Err(BackendError::Invalid(vec![issue(
            "version",
            "stale",
            format!(
                "这户的登记信息已被他人更正（现为第 {} 版），请刷新后再改",
                state.version
            ),
            format!(
                "version: someone corrected this household since (it is at version {}); reload and try again",
                state.version
            ),
        )])),
    }
}
