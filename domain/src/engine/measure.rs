//! What the engine counts and sums: every indicator is a ratio or a scaled value of these.
//! All measures are whole numbers (fen, thousandths of a mu or hectare, kilograms), so adding
//! and removing a survey is exact and any order of updates gives the same totals.

use serde::{Deserialize, Serialize};

macro_rules! measures {
    ($($variant:ident = $index:literal, $factor:expr, $zh:literal, $en:literal;)+) => {
        /// A counted or summed quantity over household-wave facts (or plots).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Measure {
            $(
                #[doc = concat!(
                    $en, " (", $zh, "); stored × ", stringify!($factor), " is the shown value."
                )]
                $variant = $index
            ),+
        }

        impl Measure {
            /// Every measure, in index order: `ALL[i] as usize == i`, the position in [`Totals`].
            pub const ALL: &'static [Measure] = &[$(Measure::$variant),+];

            /// Multiply the stored whole number by this to get the displayed unit.
            pub fn factor(self) -> f64 {
                match self { $(Measure::$variant => $factor),+ }
            }

            /// The measure's Chinese label, with the shown unit (元, 亩, 公顷…).
            pub fn label_zh(self) -> &'static str {
                match self { $(Measure::$variant => $zh),+ }
            }

            /// The measure's English label, with the shown unit (RMB, mu, ha…).
            pub fn label_en(self) -> &'static str {
                match self { $(Measure::$variant => $en),+ }
            }
        }
    };
}

measures! {
    Households = 0, 1.0, "有已审核调查的农户数", "households with an approved survey";
    Participating = 1, 1.0, "参与项目的农户数", "participating households";
    Poor = 2, 1.0, "建档立卡贫困户数", "registered poor households";
    PoorParticipating = 3, 1.0, "参与项目的贫困户数", "participating poor households";
    People = 4, 1.0, "家庭人口合计", "household members";
    NetIncomeFen = 5, 0.01, "家庭纯收入合计（元）", "net income (RMB)";
    PeopleBelowLine = 6, 1.0, "人均纯收入低于贫困线的家庭人口", "people in households below the line";
    GuaranteesMet = 7, 1.0, "“两不愁三保障”及饮水安全且收入达标的农户数", "households meeting all guarantees and the line";
    ProgrammeDays = 8, 1.0, "项目务工天数", "programme work days";
    ProgrammeWagesFen = 9, 0.01, "项目务工收入（元）", "programme wages (RMB)";
    WomenProgrammeDays = 10, 1.0, "妇女项目务工天数", "programme days worked by women";
    EquityHouseholds = 11, 1.0, "持有林地股份的农户数", "households holding equity shares";
    EquityLandMilliMu = 12, 0.001, "入股林地面积（亩）", "forest land contributed (mu)";
    DividendsFen = 13, 0.01, "分红（元）", "dividends (RMB)";
    UnderstoryAreaMilliMu = 14, 0.001, "林下经营面积（亩）", "understory area (mu)";
    UnderstoryNetFen = 15, 0.01, "林下经营纯收入（元）", "understory net income (RMB)";
    LivestockHeadEnd = 16, 1.0, "期末存栏（头/只）", "livestock head at end of period";
    LivestockNetFen = 17, 0.01, "养殖纯收入（元）", "livestock net income (RMB)";
    TrainedPersons = 18, 1.0, "参加培训人数", "members trained";
    ProgrammeIncomeFen = 19, 0.01, "项目相关收入（元）", "programme-related income (RMB)";
    PlantedMilliHa = 20, 0.001, "累计造林面积（公顷）", "area planted to date (ha)";
    SurvivalWeighted = 21, 0.0001, "面积加权成活率合计", "area-weighted survival (ha × %)";
    InspectedMilliHa = 22, 0.001, "有成活率检查的面积（公顷）", "inspected area (ha)";
    SequestrationKg = 23, 0.001, "累计碳汇量（吨二氧化碳当量）", "removals to date (tCO2e)";
    PeopleBelowProvincial = 24, 1.0, "人均纯收入低于四川省退出标准的家庭人口", "people in households below the Sichuan threshold";
    GuaranteesMetProvincial = 25, 1.0, "“两不愁三保障”及饮水安全且收入达到四川省退出标准的农户数", "households meeting all guarantees and the Sichuan threshold";
}

/// How many measures there are: the length of every totals vector.
pub const MEASURES: usize = 26;

/// One cell's totals: a whole number per measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals(#[serde(with = "totals_serde")] pub [i64; MEASURES]);

impl Default for Totals {
    fn default() -> Self {
        Totals([0; MEASURES])
    }
}

impl Totals {
    /// The stored whole number for `measure` (multiply by [`Measure::factor`] to show it).
    pub fn get(&self, measure: Measure) -> i64 {
        self.0[measure as usize]
    }

    /// Replaces the stored whole number for `measure`.
    pub fn set(&mut self, measure: Measure, value: i64) {
        self.0[measure as usize] = value;
    }

    /// Adds another cell's or fact's totals (update and merge are the same operation).
    pub fn add(&mut self, other: &Totals) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    /// Takes a fact back out (un-approval, or the old version of an edited survey).
    pub fn subtract(&mut self, other: &Totals) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a -= b;
        }
    }

    /// Whether every measure is zero, e.g. a cell whose facts were all taken back out.
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&v| v == 0)
    }
}

mod totals_serde {
    use super::MEASURES;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(values: &[i64; MEASURES], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(values.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[i64; MEASURES], D::Error> {
        let values = Vec::<i64>::deserialize(d)?;
        values
            .try_into()
            .map_err(|_| serde::de::Error::custom("wrong number of measures"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measure_indices_are_dense_and_in_order() {
        assert_eq!(Measure::ALL.len(), MEASURES);
        for (i, m) in Measure::ALL.iter().enumerate() {
            assert_eq!(*m as usize, i);
        }
    }
}
