//! Reviewing a survey: a supervisor of the township (or an administrator) approves or rejects
//! a submitted survey, or un-approves an approved one. One function for the API and the
//! review page, so both refuse the same things with the same words.

use app::backend::BackendError;
use app::model::{ReviewRowView, UnitView};
use domain::{Actor, Localized, RecordId, ReviewDecision, SurveyStatus, UnitLevel};

use super::storage;
use super::views::{head_name, LiveViews};
use crate::records::Author;
use crate::storage::{AuditEntry, StorageError, Store, SurveyLine};

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no such survey")]
    NotFound,
    #[error("outside the reviewer's role or scope")]
    Forbidden,
    /// Anything else the reviewer can fix: (field, rule, zh, en). Nothing was written.
    #[error("{3}")]
    Refused(&'static str, &'static str, String, String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

fn refused(
    field: &'static str,
    rule: &'static str,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> ReviewError {
    ReviewError::Refused(field, rule, zh.into(), en.into())
}

/// Applies a decision (a [`ReviewDecision`] code, parsed once the reviewer is known to be
/// allowed) to the survey at the version the reviewer saw.
/// Returns the new status and version. Audited in the same transaction as the change.
pub async fn review_survey(
    store: &Store,
    author: &Author<'_>,
    id: &RecordId,
    decision: &str,
    version: i32,
    comment: Option<&str>,
) -> Result<(SurveyStatus, i32), ReviewError> {
    let actor = author.actor;
    let survey = store.survey(id).await?.ok_or(ReviewError::NotFound)?;
    let household = store
        .household(&survey.household_id)
        .await?
        .ok_or(ReviewError::NotFound)?;
    if !actor.may_review(&household.village) {
        return Err(ReviewError::Forbidden);
    }
    if let Some(why) = super::setup::closed_wave(store, survey.wave).await? {
        return Err(refused("survey", "wave_closed", why.zh, why.en));
    }
    // Four eyes: nobody reviews what they wrote themselves — at any version, not only the
    // last (a supervisor who rewrote an enumerator's draft is an author of it). Administrators
    // are excepted: they correct data rather than review it.
    let wrote =
        survey.enumerator == actor.username || store.survey_written_by(id, &actor.username).await?;
    if wrote && actor.role != domain::Role::Admin {
        return Err(refused(
            "survey",
            "four_eyes",
            "您录入或修改过这份问卷，不能审核它，请由另一位审核员审核",
            "you entered or edited this survey: another supervisor must review it",
        ));
    }
    let decision = ReviewDecision::parse(decision).ok_or_else(|| {
        refused(
            "decision",
            "decision",
            format!("审核结论应为 approve（通过）或 reject（退回），而不是“{decision}”"),
            format!("decision: approve or reject, not {decision:?}"),
        )
    })?;
    let approve = decision.approves();
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if !approve && comment.is_none() {
        return Err(refused(
            "comment",
            "reject_needs_comment",
            "退回问卷时请写明原因，调查员才知道要改什么",
            "say why the survey is rejected, so the enumerator knows what to fix",
        ));
    }
    let Some(next) = survey.status.after_review(approve) else {
        return Err(refused(
            "survey",
            "status",
            format!(
                "问卷当前状态为“{}”，不能{}",
                survey.status.zh(),
                decision.zh()
            ),
            format!(
                "the survey is {}; it cannot be {}",
                survey.status.en(),
                match decision {
                    ReviewDecision::Approve => "approved",
                    ReviewDecision::Reject => "rejected",
                }
            ),
        ));
    };
    let audit = AuditEntry::by(
        Some(actor),
        match decision {
            ReviewDecision::Approve => "survey.approve",
            ReviewDecision::Reject => "survey.reject",
        },
    )
    .ip(author.ip.clone());
    match store
        .set_survey_status(id, next, version, comment, &audit)
        .await?
    {
        Some(version) => Ok((next, version)),
        None => Err(refused(
            "version",
            "stale",
            "这份问卷已被他人修改，请刷新后再审核",
            "the survey was changed by someone else; reload and review again",
        )),
    }
}

impl LiveViews {
    /// Rows for surveys, with what a reviewer needs to decide: the household, its size and
    /// per-capita income against the line.
    pub(super) async fn review_rows(
        &self,
        actor: &Actor,
        line_fen: i64,
        found: Vec<SurveyLine>,
    ) -> Result<Vec<ReviewRowView>, BackendError> {
        let ids: Vec<RecordId> = found.iter().map(|line| line.household.clone()).collect();
        let households = self.households_by_id(&ids).await?;
        let mut rows = Vec::new();
        for line in found {
            let (Some(h), Some(s)) = (
                households.get(&line.household),
                self.store.survey(&line.id).await.map_err(storage)?,
            ) else {
                continue;
            };
            rows.push(ReviewRowView {
                survey: line.id.as_str().to_owned(),
                household: line.household.as_str().to_owned(),
                village: UnitView {
                    code: h.village.as_str().to_owned(),
                    name_zh: String::new(),
                    name_pinyin: String::new(),
                    level: UnitLevel::Village,
                },
                registry_no: h.registry_no.clone(),
                head_name: head_name(actor, h),
                status: line.status,
                version: line.version,
                own: line.enumerator == actor.username,
                enumerator: line.enumerator,
                review_comment: line.review_comment,
                members: s.answers.household_size(),
                per_capita: s.answers.per_capita_net_income(),
                line: line_fen as f64 / 100.0,
                guarantees_met: s.answers.guarantees.all_met(),
            });
        }
        Ok(rows)
    }
}

/// The most surveys one list shows (a township's wave is a few hundred at most).
pub(super) const REVIEW_LIMIT: i64 = 300;
