//! The at-risk list: households the engine flags against the poverty line (a margin above
//! it, a drop from the previous wave), in the viewer's scope, with names as the viewer may see
//! them. The page, its CSV download and the API use these.

use app::backend::{BackendError, RequestViewer};
use app::model::{RiskQuery, RiskRowView, UnitView};
use domain::engine::Slice;
use domain::risk::{RiskReason, RiskRules};
use domain::{PovertyScheme, RecordId};

use super::views::{head_name, pick_scheme, pick_unit, pick_wave, unit_view, LiveViews};
use super::{actor, invalid, read, storage, QueryIssues};

impl LiveViews {
    /// The whole at-risk list for a request (every page), with the unit, wave and rules used.
    pub async fn risk_list(
        &self,
        by: &RequestViewer,
        query: &RiskQuery,
    ) -> Result<
        (
            UnitView,
            i32,
            Vec<i32>,
            RiskRules,
            PovertyScheme,
            Vec<domain::engine::HouseholdRisk>,
        ),
        BackendError,
    > {
        let actor = actor(by)?;
        let engine = self.engine.read(&self.store).await.map_err(storage)?;
        let mut issues = QueryIssues::default();
        let unit = issues.take(pick_unit(
            &engine,
            actor,
            &self.prefecture,
            query.unit.as_deref(),
        ))?;
        if unit.as_ref().is_some_and(|u| !actor.may_see_households(u)) {
            return Err(BackendError::Forbidden);
        }
        let picked = issues.take(pick_wave(&engine, query.wave))?;
        let rules = RiskRules::new(
            query.margin.unwrap_or(RiskRules::default().margin_pct),
            query.drop.unwrap_or(RiskRules::default().drop_pct),
        );
        let reason = match query.reason.as_deref().filter(|r| !r.is_empty()) {
            None => None,
            Some(code) => issues.take(RiskReason::parse(code).ok_or_else(|| {
                invalid(
                    "reason",
                    format!("没有“{code}”这种风险类型"),
                    format!("there is no risk type {code:?}"),
                )
            }))?,
        };
        let scheme = issues.take(pick_scheme(query.scheme.as_deref()))?;
        issues.finish()?;
        let (unit, (wave, waves), scheme) = (read(unit)?, read(picked)?, read(scheme)?);
        let mut list = engine.at_risk(&unit, wave, Slice::ALL, rules, scheme);
        if let Some(reason) = reason {
            list.retain(|r| r.reasons.contains(&reason));
        }
        Ok((unit_view(&engine, &unit), wave, waves, rules, scheme, list))
    }

    /// Rows for flagged households, with names as this viewer may see them.
    pub async fn risk_rows(
        &self,
        by: &RequestViewer,
        flagged: &[domain::engine::HouseholdRisk],
    ) -> Result<Vec<RiskRowView>, BackendError> {
        let actor = actor(by)?;
        let ids: Vec<RecordId> = flagged.iter().map(|f| f.household.clone()).collect();
        let households = self.households_by_id(&ids).await?;
        let engine = self.engine.read(&self.store).await.map_err(storage)?;
        Ok(flagged
            .iter()
            .filter_map(|f| {
                let h = households.get(&f.household)?;
                Some(RiskRowView {
                    household: f.household.as_str().to_owned(),
                    village: unit_view(&engine, &f.village),
                    registry_no: h.registry_no.clone(),
                    head_name: head_name(actor, h),
                    per_capita: f.situation.per_capita_fen.map(|p| p as f64 / 100.0),
                    line: f.situation.line_fen as f64 / 100.0,
                    previous_wave: f.previous_wave,
                    previous_per_capita: f
                        .situation
                        .previous_per_capita_fen
                        .map(|p| p as f64 / 100.0),
                    reasons: f.reasons.clone(),
                })
            })
            .collect())
    }
}
