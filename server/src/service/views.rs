//! The officials' pages' data: the live indicator engine's figures joined with household
//! records, each checked against the viewer's scope. Pages reach this through the
//! [`app::backend::Views`] port; the at-risk CSV export uses it directly.

use std::collections::HashMap;
use std::sync::Arc;

use app::backend::{BackendError, RequestViewer, Views};
use app::charts::Both;
use app::model::{
    CardView, ChartView, ChildRow, ColumnView, DashQuery, DashboardView, FieldIssue, FilterView,
    HouseholdPageView, HouseholdRowView, ReviewDone, ReviewInput, ReviewQueueView, RiskPageView,
    RiskQuery, SurveyHistoryView, UnitView,
};
use domain::engine::{Dim, Engine, IndicatorDef, Measure, Slice};
use domain::risk::{RiskReason, RiskRules};
use domain::{Actor, Localized, PovertyScheme, RecordId, SurveyStatus, UnitCode, UnitLevel};

use super::charts::{charts, def};
use super::review::REVIEW_LIMIT;
use super::{actor, invalid, read, storage, QueryIssues};
use crate::indicators::LiveEngine;
use crate::storage::{AuditEntry, AuditFilter, StorageError, Store};

/// The headline cards, in the order the overview shows them.
pub const HEADLINE: [&str; 14] = [
    "households_surveyed",
    "participating_households",
    "poor_participation_rate",
    "per_capita_net_income",
    "poverty_headcount_ratio",
    "guarantees_met_rate",
    "programme_employment_days",
    "programme_wages",
    "dividends_paid",
    "understory_net_income",
    "livestock_net_income",
    "afforested_area_ha",
    "survival_rate",
    "sequestration_tco2e",
];

/// The child-unit table's columns.
const COLUMNS: [&str; 7] = [
    "households_surveyed",
    "participating_households",
    "per_capita_net_income",
    "poverty_headcount_ratio",
    "guarantees_met_rate",
    "programme_wages",
    "afforested_area_ha",
];

/// At-risk list page size.
const PAGE: usize = 50;

pub struct LiveViews {
    pub store: Store,
    pub engine: Arc<LiveEngine>,
    pub prefecture: UnitCode,
}

/// How many decimals a figure in this unit deserves.
pub fn decimals(def: &IndicatorDef) -> usize {
    match def.unit_en {
        "%" | "ha" | "mu" => 1,
        _ => 0,
    }
}

pub(crate) fn unit_view(engine: &Engine, code: &UnitCode) -> UnitView {
    let (name_zh, name_pinyin) = engine
        .unit(code)
        .map(|u| (u.name_zh.clone(), u.name_pinyin.clone()))
        .unwrap_or_else(|| (code.as_str().to_owned(), String::new()));
    UnitView {
        code: code.as_str().to_owned(),
        name_zh,
        name_pinyin,
        level: code.level(),
    }
}

pub(super) fn both(zh: impl Into<String>, en: impl Into<String>) -> Both {
    Both::new(zh, en)
}

/// Reads the unit named in a request (the viewer's home when none), checking scope before
/// saying anything about it.
pub(super) fn pick_unit(
    engine: &Engine,
    actor: &Actor,
    prefecture: &UnitCode,
    text: Option<&str>,
) -> Result<UnitCode, BackendError> {
    let unit = match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => actor.home(prefecture).ok_or(BackendError::Forbidden)?,
        Some(text) => UnitCode::parse(text).map_err(|err| invalid("unit", err.zh(), err.en()))?,
    };
    if !actor.may_read(&unit) {
        return Err(BackendError::Forbidden);
    }
    if !engine.knows(&unit) {
        return Err(BackendError::NotFound);
    }
    Ok(unit)
}

pub(crate) fn pick_wave(
    engine: &Engine,
    wave: Option<i32>,
) -> Result<(i32, Vec<i32>), BackendError> {
    let waves: Vec<i32> = engine.waves().collect();
    // Before the first wave is recorded there is nothing to pick: every figure says "no data".
    let latest = waves.last().copied().unwrap_or(0);
    match wave {
        None => Ok((latest, waves)),
        Some(w) if waves.contains(&w) => Ok((w, waves)),
        Some(w) => {
            let list = waves
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            Err(invalid(
                "wave",
                format!("没有 {w} 年的调查轮次（现有：{list}）"),
                format!("there is no {w} wave (there are: {list})"),
            ))
        }
    }
}

/// The poverty-line scheme asked for (`None` or empty: national).
pub(crate) fn pick_scheme(code: Option<&str>) -> Result<PovertyScheme, BackendError> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(PovertyScheme::National),
        Some(code) => PovertyScheme::parse(code).ok_or_else(|| {
            invalid(
                "scheme",
                format!("没有“{code}”这种贫困线标准（可选：国家标准、四川省退出标准）"),
                format!(
                    "there is no poverty-line scheme {code:?} (there are: national, provincial)"
                ),
            )
        }),
    }
}

/// The filter values as a slice. The engine keeps cells for at most two fixed dimensions;
/// past two, the first two (in URL order) apply and the note says so.
fn pick_slice(query: &DashQuery) -> Result<(Slice, Vec<FilterView>, Option<Both>), BackendError> {
    let chosen = [
        ("model", Dim::Model, &query.model),
        ("registration", Dim::Registration, &query.registration),
        ("sex", Dim::Sex, &query.sex),
        ("ethnicity", Dim::Ethnicity, &query.ethnicity),
    ];
    let mut issues = Vec::new();
    let mut slice = Slice::ALL;
    let mut fixed = 0;
    let mut ignored = Vec::new();
    let mut filters = Vec::new();
    for (key, dim, value) in chosen {
        let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty());
        if let Some(code) = value {
            let Some(v) = dim.value_of(code) else {
                issues.push(FieldIssue::error(
                    key,
                    "query",
                    format!("{}：没有“{code}”这一项", dim.label_zh()),
                    format!("{}: there is no value {code:?}", dim.label_en()),
                ));
                continue;
            };
            if fixed < 2 {
                slice = slice.with(dim, v);
                fixed += 1;
            } else {
                ignored.push(dim);
            }
        }
        filters.push(FilterView {
            key: key.to_owned(),
            label: both(dim.label_zh(), dim.label_en()),
            options: dim
                .values()
                .into_iter()
                .map(|(_, code, zh, en)| (code.to_owned(), both(zh, en)))
                .collect(),
            selected: value.map(str::to_owned),
        });
    }
    let note = (!ignored.is_empty()).then(|| {
        both(
            format!(
                "最多同时按两个条件筛选；未应用：{}",
                ignored
                    .iter()
                    .map(|d| d.label_zh())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            format!(
                "At most two filters apply at once; not applied: {}",
                ignored
                    .iter()
                    .map(|d| d.label_en())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    });
    match issues.is_empty() {
        true => Ok((slice, filters, note)),
        false => Err(BackendError::Invalid(issues)),
    }
}

impl LiveViews {
    /// A household's registry people as this viewer may see them (names masked without
    /// access to personal data), each with the roster line a new survey starts them as.
    pub(super) async fn people_view(
        &self,
        actor: &Actor,
        household: &domain::Household,
    ) -> Result<Vec<app::model::PersonView>, BackendError> {
        let personal = actor.may_see_personal(&household.village);
        Ok(self
            .store
            .persons_of(std::slice::from_ref(&household.id))
            .await
            .map_err(storage)?
            .into_iter()
            .map(|p| app::model::PersonView {
                position: p.position,
                name: match personal {
                    true => p.name.clone(),
                    false => domain::access::mask_name(&p.name),
                },
                sex: Both::of(&p.sex),
                birth_year: p.birth_year,
                relation: Both::of(&p.relation),
                active: p.active,
                start: domain::validate::MemberInput {
                    sex: p.sex.code().into(),
                    birth_year: p.birth_year,
                    relation: p.relation.code().into(),
                    ethnicity: p.ethnicity.code().into(),
                    person_id: p.id.as_str().to_owned(),
                    ..Default::default()
                },
            })
            .collect())
    }
}

/// A figure as this viewer may see it: researchers get survey figures over 1–4 households
/// withheld, as in their exports.
pub(super) struct Reader {
    pub(super) suppress: bool,
    /// The poverty-line scheme the line-dependent figures are counted against.
    pub(super) scheme: PovertyScheme,
}

impl Reader {
    /// A dashboard indicator as this reader's scheme counts it.
    pub(super) fn def(&self, id: &str) -> &'static IndicatorDef {
        domain::engine::under(def(id), self.scheme)
    }

    /// The figure as this reader receives it ([`domain::engine::Value::for_reader`]).
    pub(super) fn figure(
        &self,
        engine: &Engine,
        def: &IndicatorDef,
        unit: &UnitCode,
        wave: i32,
        slice: Slice,
    ) -> domain::engine::Value {
        let households = engine.totals(unit, wave, slice).get(Measure::Households);
        engine
            .value(def, unit, wave, slice)
            .for_reader(def, households, self.suppress)
    }

    pub(super) fn value(
        &self,
        engine: &Engine,
        def: &IndicatorDef,
        unit: &UnitCode,
        wave: i32,
        slice: Slice,
    ) -> Option<f64> {
        self.figure(engine, def, unit, wave, slice).value
    }
}

fn card(
    engine: &Engine,
    actor: &Actor,
    reader: &Reader,
    def: &'static IndicatorDef,
    unit: &UnitCode,
    wave: i32,
    slice: Slice,
) -> CardView {
    let households = engine.totals(unit, wave, slice).get(Measure::Households);
    let value = reader.figure(engine, def, unit, wave, slice);
    let withheld = value.suppressed();
    let progress = engine.progress(def, unit, wave, slice);
    let explained = engine.explain(def, unit, wave, slice, false);
    let contributors = explained
        .children
        .iter()
        .filter(|(code, _, _)| actor.may_read(code))
        .map(|(code, _, _)| {
            (
                unit_view(engine, code),
                reader.value(engine, def, code, wave, slice),
            )
        })
        .collect();
    let keep = |v: Option<f64>| if withheld { None } else { v };
    CardView {
        id: def.id.to_owned(),
        name: both(def.name_zh, def.name_en),
        unit: both(def.unit_zh, def.unit_en),
        decimals: decimals(def),
        value: value.value,
        no_data: value.no_data.map(|reason| Both::of(&reason)),
        formula: both(def.formula_zh, def.formula_en),
        numerator: value.numerator,
        numerator_label: both(def.numerator.label_zh(), def.numerator.label_en()),
        denominator: value.denominator,
        denominator_label: def.denominator.map(|m| both(m.label_zh(), m.label_en())),
        households: if withheld { 0 } else { households },
        baseline_wave: engine.baseline(),
        baseline: keep(progress.baseline),
        change: keep(progress.change_since_baseline),
        target: progress.target,
        progress_pct: keep(progress.progress_pct),
        line: (def.id == "per_capita_net_income")
            .then(|| engine.line_under(reader.scheme, wave) as f64 / 100.0),
        higher_is_better: def.direction == domain::engine::catalogue::Direction::Higher,
        contributors,
    }
}

/// The head's name as `actor` may read it; a mark once the household's personal data were
/// erased.
pub(super) fn head_name(actor: &Actor, h: &domain::Household) -> String {
    if h.is_erased() {
        "（已删除）".to_owned()
    } else if actor.may_see_personal(&h.village) {
        h.head_name.clone()
    } else {
        domain::access::mask_name(&h.head_name)
    }
}

pub(super) fn trail(engine: &Engine, actor: &Actor, unit: &UnitCode) -> Vec<UnitView> {
    let mut out = Vec::new();
    let mut next = unit.parent();
    while let Some(code) = next {
        if actor.may_read(&code) {
            out.push(unit_view(engine, &code));
        }
        next = code.parent();
    }
    out.reverse();
    out
}

impl LiveViews {
    /// These households, by id (ids not found are left out).
    pub(super) async fn households_by_id(
        &self,
        ids: &[RecordId],
    ) -> Result<HashMap<RecordId, domain::Household>, BackendError> {
        Ok(self
            .store
            .households_by_ids(ids)
            .await
            .map_err(storage)?
            .into_iter()
            .map(|h| (h.id.clone(), h))
            .collect())
    }
}

#[async_trait::async_trait]
impl Views for LiveViews {
    async fn dashboard(
        &self,
        by: &RequestViewer,
        unit: Option<&str>,
        query: &DashQuery,
    ) -> Result<DashboardView, BackendError> {
        let actor = actor(by)?;
        let mut issues = QueryIssues::default();
        let sliced = issues.take(pick_slice(query))?;
        let scheme = issues.take(pick_scheme(query.scheme.as_deref()))?;
        let (view, village) = {
            let engine = self.engine.read(&self.store).await.map_err(storage)?;
            let unit = issues.take(pick_unit(&engine, actor, &self.prefecture, unit))?;
            let picked = issues.take(pick_wave(&engine, query.wave))?;
            issues.finish()?;
            let (unit, (wave, waves)) = (read(unit)?, read(picked)?);
            let (slice, filters, filter_note) = read(sliced)?;
            let reader = Reader {
                suppress: actor.role == domain::Role::Researcher,
                scheme: read(scheme)?,
            };
            let cards = HEADLINE
                .iter()
                .map(|id| card(&engine, actor, &reader, reader.def(id), &unit, wave, slice))
                .collect();
            let children = engine
                .children_in(&unit, wave)
                .into_iter()
                .filter(|c| actor.may_read(c))
                .map(|c| ChildRow {
                    unit: unit_view(&engine, &c),
                    values: COLUMNS
                        .iter()
                        .map(|id| reader.value(&engine, reader.def(id), &c, wave, slice))
                        .collect(),
                })
                .collect();
            let village = (unit.level() == UnitLevel::Village && actor.may_see_households(&unit))
                .then(|| {
                    let figures = engine.household_figures(&unit, wave);
                    let risks: HashMap<RecordId, Vec<RiskReason>> = engine
                        .at_risk(&unit, wave, Slice::ALL, RiskRules::default(), reader.scheme)
                        .into_iter()
                        .map(|r| (r.household, r.reasons))
                        .collect();
                    (figures, risks)
                });
            let view = DashboardView {
                unit: unit_view(&engine, &unit),
                trail: trail(&engine, actor, &unit),
                wave,
                waves,
                query: DashQuery {
                    wave: Some(wave),
                    ..query.clone()
                },
                scheme: reader.scheme.code().to_owned(),
                filters,
                filter_note,
                cards,
                columns: COLUMNS
                    .iter()
                    .map(|id| {
                        let d = reader.def(id);
                        ColumnView {
                            id: d.id.to_owned(),
                            name: both(d.name_zh, d.name_en),
                            unit: both(d.unit_zh, d.unit_en),
                            decimals: decimals(d),
                        }
                    })
                    .collect(),
                children,
                households: None,
                charts: charts(&engine, actor, &reader, &unit, slice)
                    .into_iter()
                    .map(|data| ChartView {
                        data,
                        svg: String::new(),
                        alt: String::new(),
                    })
                    .collect(),
                suppressed: reader.suppress,
                merged_into: engine
                    .merged_into(&unit)
                    .map(|(end, successor)| (end.to_string(), unit_view(&engine, &successor))),
            };
            (view, village)
        };
        let mut view = view;
        if let Some((figures, risks)) = village {
            let code = UnitCode::parse(&view.unit.code).map_err(|e| {
                storage(StorageError::CorruptRow {
                    table: "admin_units",
                    detail: e.en(),
                })
            })?;
            let households = self.store.households_in(&code).await.map_err(storage)?;
            if actor.may_see_personal(&code) && !households.is_empty() {
                // Heads' names in clear: a read of personal data, on the record (PIPL).
                let audit = AuditEntry::by(Some(actor), "household.list")
                    .target("unit", code.as_str())
                    .unit(Some(&code))
                    .ip(by.ip.clone())
                    .change(None, Some(serde_json::json!({ "households": households.len(), "wave": view.wave })));
                self.store.append_audit(&audit).await.map_err(storage)?;
            }
            let surveys: HashMap<RecordId, crate::storage::SurveyLine> = self
                .store
                .village_surveys(&code, view.wave)
                .await
                .map_err(storage)?
                .into_iter()
                .map(|line| (line.household.clone(), line))
                .collect();
            view.households = Some(
                households
                    .iter()
                    .map(|h| {
                        let survey = surveys.get(&h.id);
                        HouseholdRowView {
                            id: h.id.as_str().to_owned(),
                            registry_no: h.registry_no.clone(),
                            head_name: head_name(actor, h),
                            registration: both(
                                h.poverty_registration.zh(),
                                h.poverty_registration.en(),
                            ),
                            model: both(h.model.zh(), h.model.en()),
                            status: survey.map(|s| s.status),
                            review_comment: survey.and_then(|s| s.review_comment.clone()),
                            per_capita: figures
                                .get(&h.id)
                                .and_then(|s| s.per_capita_fen)
                                .map(|p| p as f64 / 100.0),
                            risks: risks.get(&h.id).cloned().unwrap_or_default(),
                        }
                    })
                    .collect(),
            );
        }
        Ok(view)
    }

    async fn household(
        &self,
        by: &RequestViewer,
        id: &str,
    ) -> Result<HouseholdPageView, BackendError> {
        let actor = actor(by)?;
        let id = RecordId::parse(id).map_err(|_| BackendError::NotFound)?;
        let household = self
            .store
            .household(&id)
            .await
            .map_err(storage)?
            .ok_or(BackendError::NotFound)?;
        if !actor.may_see_households(&household.village) {
            return Err(BackendError::Forbidden);
        }
        if actor.may_see_personal(&household.village) {
            let audit = AuditEntry::by(Some(actor), "household.view")
                .target("household", household.id.as_str())
                .unit(Some(&household.village))
                .ip(by.ip.clone());
            self.store.append_audit(&audit).await.map_err(storage)?;
        }
        let mut surveys = Vec::new();
        for line in self.store.surveys_of(&id).await.map_err(storage)? {
            let Some(survey) = self.store.survey(&line.id).await.map_err(storage)? else {
                continue;
            };
            let reviews = self
                .store
                .audit(&AuditFilter {
                    action: Some("survey.".to_owned()),
                    target: Some(line.id.as_str().to_owned()),
                    limit: 20,
                    ..AuditFilter::default()
                })
                .await
                .map_err(storage)?;
            // Newest first: the latest approval or rejection.
            let review = reviews
                .iter()
                .find(|r| r.action == "survey.approve" || r.action == "survey.reject");
            surveys.push((survey, review.map(|r| (r.actor.clone(), r.at))));
        }
        let engine = self.engine.read(&self.store).await.map_err(storage)?;
        let surveys = surveys
            .into_iter()
            .map(|(s, review)| {
                let a = &s.answers;
                let programme: i64 = a
                    .employment
                    .iter()
                    .filter(|r| r.activity.is_programme())
                    .map(|r| r.wages.fen())
                    .sum();
                let yuan = |fen: i64| fen as f64 / 100.0;
                let o = &a.other_income;
                let g = a.guarantees;
                SurveyHistoryView {
                    id: s.id.as_str().to_owned(),
                    wave: s.wave,
                    status: s.status,
                    enumerator: s.enumerator.clone(),
                    reviewed_by: review.as_ref().map(|r| r.0.clone()),
                    reviewed_at: review
                        .as_ref()
                        .map(|r| domain::date::format_china_time(r.1)),
                    review_comment: s.review_comment.clone(),
                    members: a.household_size(),
                    income: vec![
                        (both("项目务工收入", "Programme wages"), yuan(programme)),
                        (
                            both("其他务工收入", "Other wages"),
                            yuan(a.wages_fen() - programme),
                        ),
                        (
                            both("入股分红", "Dividends"),
                            yuan(a.equity.dividends.fen()),
                        ),
                        (
                            both("林下经济纯收入", "Understory net"),
                            yuan(a.understory_net_fen()),
                        ),
                        (
                            both("养殖纯收入", "Livestock net"),
                            yuan(a.livestock_net_fen()),
                        ),
                        (both("种植纯收入", "Crop net"), yuan(o.crop_net.fen())),
                        (both("转移性收入", "Transfers"), yuan(o.transfers.fen())),
                        (both("汇款", "Remittances"), yuan(o.remittances.fen())),
                        (both("其他收入", "Other"), yuan(o.other.fen())),
                    ],
                    net_income: yuan(a.net_income_fen()),
                    per_capita: a.per_capita_net_income(),
                    line: engine.line_fen(s.wave) as f64 / 100.0,
                    guarantees: vec![
                        (
                            both("不愁吃穿", "Food and clothing"),
                            g.food_clothing_secure,
                        ),
                        (both("义务教育有保障", "Schooling"), g.schooling_ok),
                        (both("基本医疗有保障", "Health insurance"), g.insured),
                        (both("住房安全有保障", "Safe housing"), g.housing_safe),
                        (both("饮水安全有保障", "Safe water"), g.water_safe),
                    ],
                }
            })
            .collect();
        let h = &household;
        let state = self
            .store
            .household_state(&id)
            .await
            .map_err(storage)?
            .ok_or(BackendError::NotFound)?;
        let merged_registry = match &state.merged_into {
            Some(other) => self
                .store
                .household(other)
                .await
                .map_err(storage)?
                .map(|o| o.registry_no),
            None => None,
        };
        let people = self.people_view(actor, h).await?;
        let status = (state.status != domain::HouseholdStatus::Active).then(|| {
            let label = Both::of(&state.status);
            match &merged_registry {
                Some(r) => Both::new(
                    format!("{}（并入户编号 {r}）", label.zh),
                    format!("{} (into household {r})", label.en),
                ),
                None => label,
            }
        });
        let correction = (actor.may_enter(&h.village) && state.erased_at.is_none())
            .then(|| super::registry::form(h, &state, merged_registry.clone()));
        Ok(HouseholdPageView {
            id: h.id.as_str().to_owned(),
            trail: {
                let mut t = trail(&engine, actor, &h.village);
                t.push(unit_view(&engine, &h.village));
                t
            },
            registry_no: h.registry_no.clone(),
            head_name: head_name(actor, h),
            head_sex: both(h.head_sex.zh(), h.head_sex.en()),
            head_ethnicity: both(h.head_ethnicity.zh(), h.head_ethnicity.en()),
            registration: both(h.poverty_registration.zh(), h.poverty_registration.en()),
            registration_year: h.registration_year,
            exit_year: h.exit_year,
            model: both(h.model.zh(), h.model.en()),
            status,
            people,
            correction,
            left_on: state.left_on.map(|d| d.to_string()),
            erased_on: state
                .erased_at
                .map(|at| domain::Date::in_china_at(at).to_string()),
            surveys,
        })
    }

    async fn at_risk(
        &self,
        by: &RequestViewer,
        query: &RiskQuery,
    ) -> Result<RiskPageView, BackendError> {
        let (unit, wave, waves, rules, scheme, list) = self.risk_list(by, query).await?;
        let by_reason: Vec<(RiskReason, usize)> = RiskReason::ALL
            .iter()
            .map(|&reason| {
                let flagged = list.iter().filter(|f| f.reasons.contains(&reason)).count();
                (reason, flagged)
            })
            .collect();
        let pages = list.len().div_ceil(PAGE).max(1) as u32;
        let page = query.page.unwrap_or(1).clamp(1, pages);
        let start = (page as usize - 1) * PAGE;
        let shown = &list[start.min(list.len())..(start + PAGE).min(list.len())];
        let rows = self.risk_rows(by, shown).await?;
        Ok(RiskPageView {
            unit,
            wave,
            waves,
            margin: rules.margin_pct,
            drop: rules.drop_pct,
            // Checked by `risk_list`: a reason that does not parse has already been refused.
            reason: query.reason.as_deref().and_then(RiskReason::parse),
            scheme: scheme.code().to_owned(),
            total: list.len(),
            by_reason,
            page,
            pages,
            rows,
        })
    }

    async fn review_queue(
        &self,
        by: &RequestViewer,
        wave: Option<i32>,
    ) -> Result<ReviewQueueView, BackendError> {
        let actor = actor(by)?;
        let (wave, waves, line_fen) = {
            let engine = self.engine.read(&self.store).await.map_err(storage)?;
            let (wave, waves) = pick_wave(&engine, wave)?;
            (wave, waves, engine.line_fen(wave))
        };
        let scopes: Vec<UnitCode> = match actor.role {
            domain::Role::Admin => Vec::new(),
            domain::Role::Supervisor | domain::Role::Enumerator => actor.scopes.to_vec(),
            _ => return Err(BackendError::Forbidden),
        };
        if scopes.is_empty() && actor.role != domain::Role::Admin {
            return Err(BackendError::Forbidden);
        }
        let may_review = matches!(actor.role, domain::Role::Admin | domain::Role::Supervisor);
        let submitted = if may_review {
            let found = self
                .store
                .surveys_in_scope(&scopes, wave, &[SurveyStatus::Submitted], REVIEW_LIMIT)
                .await
                .map_err(storage)?;
            self.review_rows(actor, line_fen, found).await?
        } else {
            Vec::new()
        };
        let found = self
            .store
            .surveys_in_scope(&scopes, wave, &[SurveyStatus::Rejected], REVIEW_LIMIT)
            .await
            .map_err(storage)?;
        let rejected = self.review_rows(actor, line_fen, found).await?;
        // Village names from the engine's unit table, once the store reads are done.
        let (mut submitted, mut rejected) = (submitted, rejected);
        {
            let engine = self.engine.read(&self.store).await.map_err(storage)?;
            for row in submitted.iter_mut().chain(rejected.iter_mut()) {
                if let Ok(code) = UnitCode::parse(&row.village.code) {
                    row.village = unit_view(&engine, &code);
                }
            }
        }
        Ok(ReviewQueueView {
            wave,
            waves,
            may_review,
            submitted,
            rejected,
        })
    }

    async fn review(
        &self,
        by: &RequestViewer,
        input: &ReviewInput,
    ) -> Result<ReviewDone, BackendError> {
        let actor = actor(by)?;
        let id = RecordId::parse(input.survey.trim()).map_err(|_| BackendError::NotFound)?;
        let author = crate::records::Author {
            actor,
            ip: by.ip.clone(),
        };
        let comment = Some(input.comment.as_str());
        match crate::service::review::review_survey(
            &self.store,
            &author,
            &id,
            &input.decision,
            input.version,
            comment,
        )
        .await
        {
            Ok((status, version)) => Ok(ReviewDone {
                survey: id.as_str().to_owned(),
                status,
                version,
            }),
            Err(crate::service::review::ReviewError::NotFound) => Err(BackendError::NotFound),
            Err(crate::service::review::ReviewError::Forbidden) => Err(BackendError::Forbidden),
            Err(crate::service::review::ReviewError::Refused(field, rule, zh, en)) => Err(
                BackendError::Invalid(vec![FieldIssue::error(field, rule, zh, en)]),
            ),
            Err(crate::service::review::ReviewError::Storage(err)) => Err(storage(err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::engine::find;

    #[test]
    fn every_dashboard_indicator_is_in_the_catalogue() {
        for id in HEADLINE.iter().chain(COLUMNS.iter()).chain(
            [
                "per_capita_net_income",
                "poverty_headcount_ratio",
                "equity_households",
            ]
            .iter(),
        ) {
            assert!(find(id).is_some(), "{id}");
        }
    }

    #[test]
    fn more_than_two_filters_apply_the_first_two_and_say_so() {
        let query = DashQuery {
            model: Some("collective".into()),
            sex: Some("female".into()),
            ethnicity: Some("yi".into()),
            ..DashQuery::default()
        };
        let (slice, filters, note) = pick_slice(&query).expect("valid");
        assert_eq!(slice.value(Dim::Model), 1);
        assert_eq!(slice.value(Dim::Sex), 2);
        assert_eq!(slice.value(Dim::Ethnicity), 0);
        assert_eq!(filters.len(), 4);
        assert!(note.expect("note").zh.contains("户主民族"));
        let bad = DashQuery {
            model: Some("nope".into()),
            ..DashQuery::default()
        };
        match pick_slice(&bad) {
            Err(BackendError::Invalid(issues)) => assert_eq!(issues[0].path, "model"),
            other => panic!("{other:?}"),
        }
    }
}
