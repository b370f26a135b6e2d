//! Facts: what one approved survey (or one plot, in one wave year) contributes to the cells
//! it belongs to. A fact is computed once, from the domain types or from a database row with
//! the same fields, and then only added or subtracted.

use serde::{Deserialize, Serialize};

use super::measure::{Measure, Totals};
use super::slice::Profile;
use crate::{
    AfforestationPlot, Household, HouseholdSurvey, RecordId, Sex, SurveyAnswers, TreeSpecies,
    UnitCode,
};

/// What one survey's answers alone say, for the catalogue: computed when the survey is
/// written and stored beside it (so the engine loads one narrow row per survey), or derived
/// here from the answers — both must agree, and a test checks that they do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyMeasures {
    /// Household size: members on the roster.
    pub size: i64,
    /// Household net income over the wave, in fen (negative when losses exceed earnings).
    pub net_income_fen: i64,
    /// Whether 两不愁三保障 and safe water are all met.
    pub guarantees_met: bool,
    /// Days of programme work by all members.
    pub programme_days: i64,
    /// Wages from programme work, in fen.
    pub programme_wages_fen: i64,
    /// Days of programme work by women members.
    pub women_programme_days: i64,
    /// Whether the household holds any forest-land equity shares.
    pub equity_shares_positive: bool,
    /// Forest land contributed as equity, in thousandths of a mu.
    pub equity_land_milli_mu: i64,
    /// Equity dividends, in fen.
    pub dividends_fen: i64,
    /// Understory area over all products, in thousandths of a mu.
    pub understory_milli_mu: i64,
    /// Understory sales less costs, in fen.
    pub understory_net_fen: i64,
    /// Livestock head count at the end of the wave, all kinds together.
    pub livestock_head_end: i64,
    /// Livestock sales less costs, in fen.
    pub livestock_net_fen: i64,
    /// Members with at least one day of training (each counted once).
    pub trained_persons: i64,
}

impl SurveyMeasures {
    /// The measures of one survey's answers.
    pub fn of(a: &SurveyAnswers) -> SurveyMeasures {
        let women: std::collections::HashSet<u8> = a
            .members
            .iter()
            .filter(|m| m.sex == Sex::Female)
            .map(|m| m.no)
            .collect();
        let programme = a.employment.iter().filter(|r| r.activity.is_programme());
        let mut trained: Vec<u8> = a
            .training
            .iter()
            .filter(|r| r.days.get() > 0)
            .map(|r| r.member_no)
            .collect();
        trained.sort_unstable();
        trained.dedup();
        SurveyMeasures {
            size: a.household_size() as i64,
            net_income_fen: a.net_income_fen(),
            guarantees_met: a.guarantees.all_met(),
            programme_days: programme.clone().map(|r| i64::from(r.days.get())).sum(),
            programme_wages_fen: programme.clone().map(|r| r.wages.fen()).sum(),
            women_programme_days: programme
                .filter(|r| women.contains(&r.member_no))
                .map(|r| i64::from(r.days.get()))
                .sum(),
            equity_shares_positive: a.equity.shares.get() > 0.0,
            equity_land_milli_mu: milli(a.equity.land_mu.get()),
            dividends_fen: a.equity.dividends.fen(),
            understory_milli_mu: a.understory.iter().map(|r| milli(r.area.get())).sum(),
            understory_net_fen: a.understory_net_fen(),
            livestock_head_end: a
                .livestock
                .iter()
                .map(|r| i64::from(r.head_end.get()))
                .sum(),
            livestock_net_fen: a.livestock_net_fen(),
            trained_persons: trained.len() as i64,
        }
    }
}

/// An approved survey placed in its cells: who, where, when, which slices, and its measures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyFact {
    /// The survey's id; an edited or un-approved survey takes its old fact back out by it.
    pub survey: RecordId,
    /// The household surveyed.
    pub household: RecordId,
    /// The household's village; the fact counts in it and in every unit above.
    pub village: UnitCode,
    /// The wave year.
    pub wave: i32,
    /// The household's values on the breakdown dimensions, deciding its slices.
    pub profile: Profile,
    /// Whether the household takes part in the programme (not a comparison household).
    pub participates: bool,
    /// Whether the household is registered poor.
    pub poor: bool,
    /// What the survey's answers say.
    pub measures: SurveyMeasures,
}

/// A mu or hectare figure in whole thousandths (rounded), as the measures store areas.
pub fn milli(value: f64) -> i64 {
    (value * 1000.0).round() as i64
}

impl SurveyFact {
    /// The fact of an approved `survey` of `household`.
    pub fn new(household: &Household, survey: &HouseholdSurvey) -> SurveyFact {
        SurveyFact {
            survey: survey.id.clone(),
            household: household.id.clone(),
            village: household.village.clone(),
            wave: survey.wave,
            profile: Profile::new(
                household.model,
                household.poverty_registration,
                household.head_sex,
                household.head_ethnicity,
            ),
            participates: household.model.participates(),
            poor: household.poverty_registration.is_poor(),
            measures: SurveyMeasures::of(&survey.answers),
        }
    }

    /// The totals this survey adds to each of its cells, against the wave year's lines.
    pub fn contribution(&self, lines: WaveLines) -> Totals {
        contribution(self.participates, self.poor, &self.measures, lines)
    }
}

/// The poverty lines a wave's surveys are counted against, in fen per person per year: each
/// line-dependent measure is kept once per [`PovertyScheme`](crate::PovertyScheme).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WaveLines {
    /// The national line.
    pub national_fen: i64,
    /// Sichuan's exit threshold.
    pub provincial_fen: i64,
}

/// What one approved survey adds to each of its cells, against the wave year's lines.
pub fn contribution(
    participates: bool,
    poor: bool,
    m: &SurveyMeasures,
    lines: WaveLines,
) -> Totals {
    let mut t = Totals::default();
    let below = |line_fen: i64| m.size > 0 && m.net_income_fen < line_fen * m.size;
    let flag = |b: bool| i64::from(b);
    let met = |below: bool| flag(m.guarantees_met && !below && m.size > 0);
    let (national, provincial) = (below(lines.national_fen), below(lines.provincial_fen));
    t.set(Measure::Households, 1);
    t.set(Measure::Participating, flag(participates));
    t.set(Measure::Poor, flag(poor));
    t.set(Measure::PoorParticipating, flag(poor && participates));
    t.set(Measure::People, m.size);
    t.set(Measure::NetIncomeFen, m.net_income_fen);
    t.set(Measure::PeopleBelowLine, if national { m.size } else { 0 });
    t.set(Measure::GuaranteesMet, met(national));
    t.set(
        Measure::PeopleBelowProvincial,
        if provincial { m.size } else { 0 },
    );
    t.set(Measure::GuaranteesMetProvincial, met(provincial));
    t.set(Measure::ProgrammeDays, m.programme_days);
    t.set(Measure::ProgrammeWagesFen, m.programme_wages_fen);
    t.set(Measure::WomenProgrammeDays, m.women_programme_days);
    t.set(Measure::EquityHouseholds, flag(m.equity_shares_positive));
    t.set(Measure::EquityLandMilliMu, m.equity_land_milli_mu);
    t.set(Measure::DividendsFen, m.dividends_fen);
    t.set(Measure::UnderstoryAreaMilliMu, m.understory_milli_mu);
    t.set(Measure::UnderstoryNetFen, m.understory_net_fen);
    t.set(Measure::LivestockHeadEnd, m.livestock_head_end);
    t.set(Measure::LivestockNetFen, m.livestock_net_fen);
    t.set(Measure::TrainedPersons, m.trained_persons);
    t.set(
        Measure::ProgrammeIncomeFen,
        m.programme_wages_fen + m.dividends_fen + m.understory_net_fen + m.livestock_net_fen,
    );
    t
}

/// Mature removal rate by species, tCO2e per hectare per year (DOMAIN.md's 20–30-year means).
pub fn species_rate(species: TreeSpecies) -> f64 {
    match species {
        TreeSpecies::YunnanPine => 6.0,
        TreeSpecies::ArmandPine => 7.0,
        TreeSpecies::Alder => 11.5,
        TreeSpecies::SpruceFir => 5.5,
        TreeSpecies::Other => 5.0,
    }
}

/// Share of the mature rate reached in a stand's year `age` (sigmoid: years 1–5 give little).
pub fn growth_share(age: i32) -> f64 {
    1.0 / (1.0 + (-(f64::from(age) - 6.0) / 1.5).exp())
}

/// What a plot contributes to the wave year `year` (nothing before it is planted).
pub fn plot_contribution(plot: &AfforestationPlot, year: i32) -> Option<Totals> {
    if plot.planting_year > year {
        return None;
    }
    let area = milli(plot.area.get());
    let latest = plot
        .inspections
        .iter()
        .filter(|i| i.year <= year)
        .max_by_key(|i| i.year);
    let mut t = Totals::default();
    t.set(Measure::PlantedMilliHa, area);
    if let Some(inspection) = latest {
        t.set(
            Measure::SurvivalWeighted,
            area * (inspection.survival_pct * 10.0).round() as i64,
        );
        t.set(Measure::InspectedMilliHa, area);
    }
    // Without an inspection yet, assume the acceptance threshold (85%) survives.
    let survival = latest.map_or(0.85, |i| i.survival_pct / 100.0);
    let years: f64 = (1..=year - plot.planting_year).map(growth_share).sum();
    let tonnes = plot.area.get() * survival * species_rate(plot.species) * years;
    t.set(Measure::SequestrationKg, (tonnes * 1000.0).round() as i64);
    Some(t)
}
