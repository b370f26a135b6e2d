//! The core indicator catalogue of DESIGN.md, as data: each entry names its numerator and
//! denominator measures, its aggregation and which disaggregations apply. Ids are a contract.

use serde::Serialize;

use super::measure::{Measure, Totals};
use super::slice::Dim;
use crate::PovertyScheme;

/// How an indicator turns a cell's totals into its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Number of distinct households.
    CountDistinct,
    /// The numerator measure summed over the cell, in its shown unit.
    Sum,
    /// Σ numerator ÷ Σ denominator.
    RatioOfSums,
    /// Σ numerator ÷ Σ denominator, as a percentage.
    Share,
}

/// Where the indicator's facts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Approved household surveys: "no data" where a unit has none in the wave.
    Surveys,
    /// Afforestation plots: defined wherever the unit exists.
    Plots,
}

/// Which way is better, for progress towards a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More is better (households reached, incomes, area planted): progress is the share of
    /// the target reached.
    Higher,
    /// Less is better (poverty headcount): progress is how far the value has come from the
    /// baseline towards the target.
    Lower,
}

/// One catalogue indicator: what it counts, how it aggregates, how it is labelled and
/// explained. The engine evaluates every entry of [`CATALOGUE`] in every cell.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorDef {
    /// The stable id (`per_capita_net_income`…): a contract with the API, exports, URLs and
    /// targets.
    pub id: &'static str,
    /// The indicator's Chinese name.
    pub name_zh: &'static str,
    /// The indicator's English name.
    pub name_en: &'static str,
    /// The unit of the value in Chinese (户, 元, %…).
    pub unit_zh: &'static str,
    /// The unit of the value in English (households, RMB, %…).
    pub unit_en: &'static str,
    /// How the value is computed from the numerator and denominator.
    pub aggregation: Aggregation,
    /// The measure summed on top (or alone, without a denominator).
    pub numerator: Measure,
    /// The measure divided by, for ratios and shares; `None` for counts and sums.
    pub denominator: Option<Measure>,
    /// Whether the facts come from surveys or plots; decides "no data" and breakdowns.
    pub source: Source,
    /// Which way is better, for progress towards a target.
    pub direction: Direction,
    /// The definition as a formula, in Chinese, shown when a figure is explained.
    pub formula_zh: &'static str,
    /// The definition as a formula, in English, shown when a figure is explained.
    pub formula_en: &'static str,
}

const SURVEY_DIMS: &[Dim] = &[Dim::Model, Dim::Registration, Dim::Sex, Dim::Ethnicity];

impl IndicatorDef {
    /// The dimensions the indicator may be broken down by: all four for survey indicators,
    /// none for plot indicators (whose figures cover land, not households).
    pub fn disaggregations(&self) -> &'static [Dim] {
        match self.source {
            Source::Surveys => SURVEY_DIMS,
            Source::Plots => &[],
        }
    }

    /// The indicator's value in a cell, with its parts; "no data" is explicit.
    pub fn evaluate(&self, totals: &Totals) -> Value {
        if self.source == Source::Surveys && totals.get(Measure::Households) == 0 {
            return Value::none(NoData::NoApprovedSurveys);
        }
        let numerator = totals.get(self.numerator) as f64 * self.numerator.factor();
        let Some(den_measure) = self.denominator else {
            return Value {
                value: Some(numerator),
                numerator: Some(numerator),
                denominator: None,
                no_data: None,
            };
        };
        let denominator = totals.get(den_measure) as f64 * den_measure.factor();
        if totals.get(den_measure) == 0 {
            return Value {
                value: None,
                numerator: Some(numerator),
                denominator: Some(denominator),
                no_data: Some(NoData::ZeroDenominator),
            };
        }
        let scale = if self.aggregation == Aggregation::Share {
            100.0
        } else {
            1.0
        };
        Value {
            value: Some(numerator / denominator * scale),
            numerator: Some(numerator),
            denominator: Some(denominator),
            no_data: None,
        }
    }
}

/// Why a figure has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoData {
    /// The unit has no approved survey in the wave (for this slice).
    NoApprovedSurveys,
    /// The ratio's denominator is zero.
    ZeroDenominator,
    /// The indicator does not break down by household dimensions (plot-based indicators).
    NotDisaggregated,
    /// Withheld from this reader: a survey figure over fewer than [`MIN_CELL_HOUSEHOLDS`]
    /// households, as researchers receive it.
    Suppressed,
}

impl NoData {
    /// The stable code (as serialised): `no_approved_surveys`, `zero_denominator`,
    /// `not_disaggregated`, `suppressed`.
    pub fn code(self) -> &'static str {
        match self {
            NoData::NoApprovedSurveys => "no_approved_surveys",
            NoData::ZeroDenominator => "zero_denominator",
            NoData::NotDisaggregated => "not_disaggregated",
            NoData::Suppressed => "suppressed",
        }
    }
}

impl crate::Localized for NoData {
    fn zh(&self) -> String {
        match self {
            NoData::NoApprovedSurveys => "本期没有已审核的调查",
            NoData::ZeroDenominator => "分母为零，无法计算",
            NoData::NotDisaggregated => "该指标不按农户特征分组",
            NoData::Suppressed => "样本少于 5 户，不予显示",
        }
        .into()
    }
    fn en(&self) -> String {
        match self {
            NoData::NoApprovedSurveys => "no approved surveys in this wave",
            NoData::ZeroDenominator => "zero denominator",
            NoData::NotDisaggregated => "not broken down by household",
            NoData::Suppressed => "fewer than 5 households: withheld",
        }
        .into()
    }
}

/// Researchers never see a survey-based figure that covers fewer households than this: such a
/// cell is suppressed (and marked as suppressed) in what they receive.
pub const MIN_CELL_HOUSEHOLDS: i64 = 5;

impl IndicatorDef {
    /// Whether a figure over `households` households is too small to show a researcher. Empty
    /// cells already say "no data"; plot indicators describe land, not households.
    pub fn suppressed_for_researchers(&self, households: i64) -> bool {
        self.source == Source::Surveys && (1..MIN_CELL_HOUSEHOLDS).contains(&households)
    }
}

/// A computed figure: `value` is `None` exactly when `no_data` says why.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Value {
    /// The figure in the indicator's unit; `None` when there is no data.
    pub value: Option<f64>,
    /// The numerator's sum in its shown unit, when computed (also when the denominator is
    /// zero).
    pub numerator: Option<f64>,
    /// The denominator's sum in its shown unit, for ratios and shares.
    pub denominator: Option<f64>,
    /// Why `value` is `None`; `None` itself when there is a value.
    pub no_data: Option<NoData>,
}

impl Value {
    /// The figure as a reader receives it. Researchers (`researcher`) never see a survey
    /// figure over 1–4 households: it is withheld and says [`NoData::Suppressed`]. This is the
    /// one place the rule is applied; pages, the API and every export call it.
    pub fn for_reader(self, def: &IndicatorDef, households: i64, researcher: bool) -> Value {
        match researcher && def.suppressed_for_researchers(households) {
            true => Value::none(NoData::Suppressed),
            false => self,
        }
    }

    /// Whether the figure was withheld from its reader.
    pub fn suppressed(&self) -> bool {
        self.no_data == Some(NoData::Suppressed)
    }

    pub(crate) fn none(reason: NoData) -> Value {
        Value {
            value: None,
            numerator: None,
            denominator: None,
            no_data: Some(reason),
        }
    }
}

macro_rules! def {
    ($id:literal, $zh:literal, $en:literal, $uzh:literal, $uen:literal, $agg:ident, $num:ident, $den:expr, $src:ident, $dir:ident, $fzh:literal, $fen:literal) => {
        IndicatorDef {
            id: $id,
            name_zh: $zh,
            name_en: $en,
            unit_zh: $uzh,
            unit_en: $uen,
            aggregation: Aggregation::$agg,
            numerator: Measure::$num,
            denominator: $den,
            source: Source::$src,
            direction: Direction::$dir,
            formula_zh: $fzh,
            formula_en: $fen,
        }
    };
}

use Measure as M;

/// The core catalogue, in display order.
pub static CATALOGUE: [IndicatorDef; 21] = [
    def!(
        "households_surveyed",
        "调查农户数",
        "Households surveyed",
        "户",
        "households",
        CountDistinct,
        Households,
        None,
        Surveys,
        Higher,
        "本期有已审核调查的农户数 |H|",
        "|H|: households with an approved survey in the wave"
    ),
    def!(
        "participating_households",
        "参与项目农户数",
        "Participating households",
        "户",
        "households",
        CountDistinct,
        Participating,
        None,
        Surveys,
        Higher,
        "H中参与集体经济主导型或农户主体型的农户数 |H ∩ P|",
        "|H ∩ P|: households in the collective or household model"
    ),
    def!(
        "poor_participation_rate",
        "贫困户参与率",
        "Poor households' participation rate",
        "%",
        "%",
        Share,
        PoorParticipating,
        Some(M::Poor),
        Surveys,
        Higher,
        "|H ∩ P ∩ 贫困户| ÷ |H ∩ 贫困户|",
        "|H ∩ P ∩ Poor| ÷ |H ∩ Poor|"
    ),
    def!(
        "per_capita_net_income",
        "人均纯收入",
        "Per-capita net income",
        "元/人/年",
        "RMB/person/yr",
        RatioOfSums,
        NetIncomeFen,
        Some(M::People),
        Surveys,
        Higher,
        "Σ家庭纯收入 ÷ Σ家庭人口",
        "Σ net income ÷ Σ household size over H"
    ),
    def!(
        "poverty_headcount_ratio",
        "贫困发生率",
        "Poverty headcount ratio",
        "%",
        "%",
        Share,
        PeopleBelowLine,
        Some(M::People),
        Surveys,
        Lower,
        "人均纯收入低于当年国家贫困线的家庭人口 ÷ 总人口",
        "Σ size of households below the wave year's national line ÷ Σ size"
    ),
    def!(
        "guarantees_met_rate",
        "“两不愁三保障”达标率",
        "Guarantees-met rate",
        "%",
        "%",
        Share,
        GuaranteesMet,
        Some(M::Households),
        Surveys,
        Higher,
        "五项保障均达标且收入不低于贫困线的农户 ÷ |H|",
        "households meeting all five flags and the income line ÷ |H|"
    ),
    def!(
        "programme_employment_days",
        "项目务工天数",
        "Programme employment days",
        "天",
        "days",
        Sum,
        ProgrammeDays,
        None,
        Surveys,
        Higher,
        "造林、抚育、护林、育苗、林下与养殖企业务工天数合计",
        "Σ days in programme activities"
    ),
    def!(
        "programme_wages",
        "项目务工收入",
        "Programme wages",
        "元",
        "RMB",
        Sum,
        ProgrammeWagesFen,
        None,
        Surveys,
        Higher,
        "项目务工工资合计",
        "Σ wages in programme activities"
    ),
    def!(
        "women_share_employment_days",
        "妇女项目务工天数占比",
        "Women's share of programme days",
        "%",
        "%",
        Share,
        WomenProgrammeDays,
        Some(M::ProgrammeDays),
        Surveys,
        Higher,
        "妇女项目务工天数 ÷ 全部项目务工天数",
        "programme days worked by women ÷ all programme days"
    ),
    def!(
        "equity_households",
        "入股农户数",
        "Households holding equity",
        "户",
        "households",
        CountDistinct,
        EquityHouseholds,
        None,
        Surveys,
        Higher,
        "持有股份（>0）的农户数",
        "households with shares > 0"
    ),
    def!(
        "equity_land_mu",
        "入股林地面积",
        "Forest land contributed",
        "亩",
        "mu",
        Sum,
        EquityLandMilliMu,
        None,
        Surveys,
        Higher,
        "入股林地面积合计",
        "Σ land contributed"
    ),
    def!(
        "dividends_paid",
        "分红金额",
        "Dividends paid",
        "元",
        "RMB",
        Sum,
        DividendsFen,
        None,
        Surveys,
        Higher,
        "分红合计",
        "Σ dividends"
    ),
    def!(
        "understory_area_mu",
        "林下经营面积",
        "Understory area",
        "亩",
        "mu",
        Sum,
        UnderstoryAreaMilliMu,
        None,
        Surveys,
        Higher,
        "林下经营面积合计",
        "Σ understory area"
    ),
    def!(
        "understory_net_income",
        "林下经营纯收入",
        "Understory net income",
        "元",
        "RMB",
        Sum,
        UnderstoryNetFen,
        None,
        Surveys,
        Higher,
        "Σ（销售收入 − 成本）",
        "Σ (sales − costs) of understory rows"
    ),
    def!(
        "livestock_head_end",
        "期末存栏",
        "Livestock at end of period",
        "头/只",
        "head",
        Sum,
        LivestockHeadEnd,
        None,
        Surveys,
        Higher,
        "期末存栏合计",
        "Σ head at end of period"
    ),
    def!(
        "livestock_net_income",
        "养殖纯收入",
        "Livestock net income",
        "元",
        "RMB",
        Sum,
        LivestockNetFen,
        None,
        Surveys,
        Higher,
        "Σ（销售收入 − 成本）",
        "Σ (sales − costs) of livestock rows"
    ),
    def!(
        "trained_persons",
        "培训人数",
        "Members trained",
        "人",
        "persons",
        Sum,
        TrainedPersons,
        None,
        Surveys,
        Higher,
        "培训天数大于0的家庭成员数",
        "members with training days > 0"
    ),
    def!(
        "programme_income_share",
        "项目收入占比",
        "Programme income share",
        "%",
        "%",
        Share,
        ProgrammeIncomeFen,
        Some(M::NetIncomeFen),
        Surveys,
        Higher,
        "（项目务工收入 + 分红 + 林下纯收入 + 养殖纯收入）÷ Σ纯收入",
        "(programme wages + dividends + understory net + livestock net) ÷ Σ net income"
    ),
    def!(
        "afforested_area_ha",
        "累计造林面积",
        "Afforested area",
        "公顷",
        "ha",
        Sum,
        PlantedMilliHa,
        None,
        Plots,
        Higher,
        "截至调查年度已种植的地块面积合计",
        "Σ plot area planted up to the wave year"
    ),
    def!(
        "survival_rate",
        "造林成活率",
        "Survival rate",
        "%",
        "%",
        RatioOfSums,
        SurvivalWeighted,
        Some(M::InspectedMilliHa),
        Plots,
        Higher,
        "各地块最近一次检查成活率的面积加权平均",
        "area-weighted mean of each plot's latest survival rate"
    ),
    def!(
        "sequestration_tco2e",
        "估算碳汇量",
        "Estimated sequestration",
        "吨二氧化碳当量",
        "tCO2e",
        Sum,
        SequestrationKg,
        None,
        Plots,
        Higher,
        "Σ 面积 × 成活率 × 树种年固碳率 × 生长曲线（1–5年很小），截至调查年度",
        "Σ area × survival × species rate × growth curve (little in years 1–5), to the wave year"
    ),
];

/// The catalogue entry with this id, or `None` for an unknown id.
pub fn find(id: &str) -> Option<&'static IndicatorDef> {
    CATALOGUE.iter().find(|d| d.id == id)
}

/// The line-dependent indicators counted against Sichuan's exit threshold: the same ids as
/// their national entries in [`CATALOGUE`], other measures.
pub static PROVINCIAL: [IndicatorDef; 2] = [
    def!(
        "poverty_headcount_ratio",
        "贫困发生率",
        "Poverty headcount ratio",
        "%",
        "%",
        Share,
        PeopleBelowProvincial,
        Some(M::People),
        Surveys,
        Lower,
        "人均纯收入低于当年四川省退出标准的家庭人口 ÷ 总人口",
        "Σ size of households below the wave year's Sichuan exit threshold ÷ Σ size"
    ),
    def!(
        "guarantees_met_rate",
        "“两不愁三保障”达标率",
        "Guarantees-met rate",
        "%",
        "%",
        Share,
        GuaranteesMetProvincial,
        Some(M::Households),
        Surveys,
        Higher,
        "五项保障均达标且收入不低于四川省退出标准的农户 ÷ |H|",
        "households meeting all five flags and the Sichuan exit threshold ÷ |H|"
    ),
];

/// An indicator as counted under a poverty-line `scheme`: `def` itself unless it depends on
/// the line and the scheme is not the national one.
pub fn under(def: &'static IndicatorDef, scheme: PovertyScheme) -> &'static IndicatorDef {
    match scheme {
        PovertyScheme::National => def,
        PovertyScheme::Provincial => PROVINCIAL.iter().find(|p| p.id == def.id).unwrap_or(def),
    }
}

impl IndicatorDef {
    /// The poverty-line scheme the indicator is counted against, if it depends on a line.
    pub fn scheme(&self) -> Option<PovertyScheme> {
        match self.numerator {
            Measure::PeopleBelowLine | Measure::GuaranteesMet => Some(PovertyScheme::National),
            Measure::PeopleBelowProvincial | Measure::GuaranteesMetProvincial => {
                Some(PovertyScheme::Provincial)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_match_design() {
        let ids: Vec<_> = CATALOGUE.iter().map(|d| d.id).collect();
        let unique: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        assert_eq!(
            ids,
            [
                "households_surveyed",
                "participating_households",
                "poor_participation_rate",
                "per_capita_net_income",
                "poverty_headcount_ratio",
                "guarantees_met_rate",
                "programme_employment_days",
                "programme_wages",
                "women_share_employment_days",
                "equity_households",
                "equity_land_mu",
                "dividends_paid",
                "understory_area_mu",
                "understory_net_income",
                "livestock_head_end",
                "livestock_net_income",
                "trained_persons",
                "programme_income_share",
                "afforested_area_ha",
                "survival_rate",
                "sequestration_tco2e",
            ]
        );
        assert!(CATALOGUE.iter().all(|d| matches!(
            d.aggregation,
            Aggregation::Share | Aggregation::RatioOfSums
        ) == d.denominator.is_some()));
    }

    #[test]
    fn every_line_dependent_indicator_has_a_provincial_entry_and_no_other_does() {
        let national: Vec<_> = CATALOGUE
            .iter()
            .filter(|d| d.scheme() == Some(PovertyScheme::National))
            .map(|d| d.id)
            .collect();
        let provincial: Vec<_> = PROVINCIAL.iter().map(|d| d.id).collect();
        assert_eq!(national, provincial);
        for def in &CATALOGUE {
            let other = under(def, PovertyScheme::Provincial);
            assert_eq!(other.id, def.id);
            match def.scheme() {
                Some(_) => assert_eq!(other.scheme(), Some(PovertyScheme::Provincial)),
                None => assert!(std::ptr::eq(other, def), "{} changed", def.id),
            }
            assert!(std::ptr::eq(under(def, PovertyScheme::National), def));
        }
    }

    #[test]
    fn small_household_cells_are_suppressed_for_researchers_but_land_is_not() {
        let income = find("per_capita_net_income").expect("id");
        assert!(income.suppressed_for_researchers(1));
        assert!(income.suppressed_for_researchers(4));
        assert!(!income.suppressed_for_researchers(5));
        assert!(
            !income.suppressed_for_researchers(0),
            "empty cells say no data instead"
        );
        let area = find("afforested_area_ha").expect("id");
        assert!(!area.suppressed_for_researchers(2));
    }
}
