//! Programme reference data: poverty lines by year and scheme, afforestation plots, targets.

use serde::{Deserialize, Serialize};

use crate::{Hectares, ManagingParty, PovertyScheme, RecordId, Rmb, TreeSpecies, UnitCode};

/// A poverty line: the yearly net income per person below which a household counts as poor,
/// for one year and scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PovertyLine {
    /// The income year the line applies to (a survey wave's year).
    pub year: i32,
    /// The national line or Sichuan's exit threshold.
    pub scheme: PovertyScheme,
    /// The line in current RMB per person per year.
    pub amount: Rmb,
}

/// The national line (2,300 RMB at 2010 prices) in current yuan per person per year.
pub const NATIONAL_LINE_YUAN: [(i32, i64); 7] = [
    (2014, 2800),
    (2015, 2855),
    (2016, 2952),
    (2017, 2952),
    (2018, 2995),
    (2019, 3218),
    (2020, 4000),
];

/// Sichuan's exit thresholds, where they differ from the national line.
pub const PROVINCIAL_LINE_YUAN: [(i32, i64); 3] = [(2017, 3335), (2018, 3535), (2019, 3747)];

/// The national line for a year: years after the table keep the last value (4,000) until set.
pub fn national_line(year: i32) -> Option<Rmb> {
    let (_, yuan) = NATIONAL_LINE_YUAN.iter().rev().find(|(y, _)| *y <= year)?;
    Rmb::from_fen(yuan * 100).ok()
}

/// The poverty lines known to the programme, for seeding a database: national 2014–2021 and
/// the provincial thresholds.
pub fn default_poverty_lines() -> Vec<PovertyLine> {
    let national = (2014..=2021).filter_map(|year| {
        national_line(year).map(|amount| PovertyLine {
            year,
            scheme: PovertyScheme::National,
            amount,
        })
    });
    let provincial = PROVINCIAL_LINE_YUAN.iter().filter_map(|&(year, yuan)| {
        Rmb::from_fen(yuan * 100).ok().map(|amount| PovertyLine {
            year,
            scheme: PovertyScheme::Provincial,
            amount,
        })
    });
    national.chain(provincial).collect()
}

/// Survival of a plot's trees at one inspection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalInspection {
    /// The year of the inspection; a plot's latest inspection up to a wave year counts for it.
    pub year: i32,
    /// Percent of trees alive, 0–100.
    pub survival_pct: f64,
}

/// A plot afforested under the programme; its area, species and survival give the carbon
/// sequestration and survival indicators of its village.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AfforestationPlot {
    /// The plot's id.
    pub id: RecordId,
    /// The village the plot lies in; its figures count towards that village and the units above.
    pub village: UnitCode,
    /// The planted area, in hectares.
    pub area: Hectares,
    /// The main species planted; it sets the yearly sequestration rate per hectare.
    pub species: TreeSpecies,
    /// The year of planting; the plot counts from this wave year on.
    pub planting_year: i32,
    /// Who manages the plot.
    pub managing_party: ManagingParty,
    /// Survival inspections, in any order; without one, 85% survival (the acceptance
    /// threshold) is assumed.
    pub inspections: Vec<SurvivalInspection>,
}

/// A target for one indicator, unit and year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The indicator's id in the catalogue (e.g. `participating_households`).
    pub indicator: String,
    /// The unit the target is set for.
    pub unit: UnitCode,
    /// The wave year the target is due.
    pub year: i32,
    /// The target value, in the indicator's own unit (households, percent, RMB…).
    pub value: f64,
}

/// A village's programme assignment: which model it was assigned (or `Comparison`) and the
/// year the programme started there (none for comparison villages). Separate from each
/// household's own enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageProgramme {
    /// The village (a village-level code).
    pub village: UnitCode,
    /// `Collective` or `Household` for programme villages, `Comparison` for controls.
    pub model: crate::EngagementModel,
    /// The first year of the programme in the village; `None` for comparison villages.
    pub start_year: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_line_by_year() {
        let yuan = |year| national_line(year).map(|r| r.fen() / 100);
        assert_eq!(yuan(2013), None);
        assert_eq!(yuan(2014), Some(2800));
        assert_eq!(yuan(2018), Some(2995));
        assert_eq!(yuan(2019), Some(3218));
        assert_eq!(yuan(2020), Some(4000));
        assert_eq!(yuan(2023), Some(4000));
        let lines = default_poverty_lines();
        assert_eq!(lines.len(), 8 + 3);
        assert!(lines.iter().any(|l| l.year == 2018
            && l.scheme == PovertyScheme::Provincial
            && l.amount.fen() == 353_500));
    }
}
