//! Programme reference data: poverty lines by year and scheme, afforestation plots, targets.

use serde::{Deserialize, Serialize};

use crate::{Hectares, ManagingParty, PovertyScheme, RecordId, Rmb, TreeSpecies, UnitCode};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PovertyLine {
    pub year: i32,
    pub scheme: PovertyScheme,
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
    pub year: i32,
    /// Percent of trees alive, 0–100.
    pub survival_pct: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AfforestationPlot {
    pub id: RecordId,
    pub village: UnitCode,
    pub area: Hectares,
    pub species: TreeSpecies,
    pub planting_year: i32,
    pub managing_party: ManagingParty,
    pub inspections: Vec<SurvivalInspection>,
}

/// A target for one indicator, unit and year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub indicator: String,
    pub unit: UnitCode,
    pub year: i32,
    pub value: f64,
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
