//! The shape of a demo data set: which villages exist, how many households each holds, and
//! which engagement model each village follows. Depends only on N, so the same N always gives
//! the same places.

use domain::{AdminUnit, Date, EngagementModel, PovertyLine, UnitCode, Wave};

use super::places::{township_codes, village_name, County, COUNTIES, MERGED_TOWNSHIPS};

/// Survey waves of the demo: 2018 is the baseline.
pub const WAVES: std::ops::RangeInclusive<i32> = 2018..=2021;
/// About this many households share a village.
const HOUSEHOLDS_PER_VILLAGE: usize = 60;

pub struct VillagePlan {
    pub code: UnitCode,
    pub county: &'static County,
    /// The model of the programme villages; `Comparison` villages take no part.
    pub model: EngagementModel,
    pub households: usize,
    /// Position in the plan: seeds this village's random stream.
    pub index: u64,
}

pub struct Plan {
    pub units: Vec<AdminUnit>,
    pub villages: Vec<VillagePlan>,
}

impl Plan {
    pub fn new(households: usize) -> Plan {
        let total_weight: f64 = COUNTIES.iter().map(|c| c.weight).sum();
        let mut units = Vec::new();
        let mut villages = Vec::new();
        let mut assigned = 0;
        for (ci, county) in COUNTIES.iter().enumerate() {
            let county_households = if ci + 1 == COUNTIES.len() {
                households - assigned
            } else {
                ((households as f64) * county.weight / total_weight).round() as usize
            };
            assigned += county_households;
            let townships = township_codes(county);
            for (code, name) in &townships {
                let mut township = unit(code, name, "", None, false);
                if let Some((_, end, successor)) = MERGED_TOWNSHIPS.iter().find(|(c, ..)| c == code)
                {
                    township.valid_to = Date::parse(end).ok();
                    township.successor = UnitCode::parse(successor).ok();
                }
                units.push(township);
            }
            let village_count = (county_households / HOUSEHOLDS_PER_VILLAGE)
                .max(townships.len().min(county_households))
                .max(1)
                // Village codes and names stay unique: at most 224 villages per township.
                .min(townships.len() * super::places::VILLAGE_NAMES);
            for v in 0..village_count.min(county_households.max(1)) {
                let (township, _) = &townships[v % townships.len()];
                let within = v / townships.len();
                let code = format!("{township}{:03}", 201 + within);
                units.push(unit(
                    &code,
                    &village_name(within + 5 * (v % townships.len())),
                    "",
                    None,
                    true,
                ));
                // Villages take turns: collective, household, comparison, collective, household, …
                // so that every county has all three and comparison villages are about 30%.
                let model = match villages.len() % 10 {
                    0 | 3 | 6 | 8 => EngagementModel::Collective,
                    1 | 4 | 7 => EngagementModel::Household,
                    _ => EngagementModel::Comparison,
                };
                villages.push(VillagePlan {
                    code: UnitCode::parse(&code).expect("planned codes are valid"),
                    county,
                    model,
                    households: 0,
                    index: villages.len() as u64,
                });
            }
            let first = villages.len() - village_count.min(county_households.max(1));
            let count = villages.len() - first;
            for (k, village) in villages[first..].iter_mut().enumerate() {
                village.households =
                    county_households / count + usize::from(k < county_households % count);
            }
        }
        villages.retain(|v| v.households > 0);
        Plan { units, villages }
    }
}

fn unit(
    code: &str,
    name_zh: &str,
    pinyin: &str,
    valid_to: Option<Date>,
    synthetic: bool,
) -> AdminUnit {
    AdminUnit {
        code: UnitCode::parse(code).expect("planned codes are valid"),
        name_zh: name_zh.to_owned(),
        name_pinyin: pinyin.to_owned(),
        name_ii: String::new(),
        valid_from: None,
        valid_to,
        successor: None,
        synthetic,
    }
}

pub fn waves() -> Vec<Wave> {
    WAVES
        .map(|year| Wave {
            year,
            baseline: year == *WAVES.start(),
            period_start: Date::new(year, 1, 1).expect("valid date"),
            period_end: Date::new(year, 12, 31).expect("valid date"),
            closed: false,
        })
        .collect()
}

pub fn poverty_lines() -> Vec<PovertyLine> {
    domain::programme::default_poverty_lines()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn households_are_shared_out_exactly() {
        for n in [0, 1, 7, 60, 6000, 100_000, 2_000_000] {
            let plan = Plan::new(n);
            assert_eq!(
                plan.villages.iter().map(|v| v.households).sum::<usize>(),
                n,
                "n = {n}"
            );
        }
    }

    #[test]
    fn six_thousand_households_cover_every_township_and_all_three_models() {
        let plan = Plan::new(6000);
        let villages: Vec<_> = plan.units.iter().filter(|u| u.synthetic).collect();
        assert_eq!(villages.len(), plan.villages.len());
        assert!(villages
            .iter()
            .all(|u| u.code.level() == domain::UnitLevel::Village));
        let townships: std::collections::HashSet<_> = plan
            .villages
            .iter()
            .filter_map(|v| v.code.parent())
            .collect();
        assert_eq!(townships.len(), 19 + 25 + 9);
        for model in EngagementModel::ALL {
            assert!(plan.villages.iter().any(|v| v.model == *model));
        }
        let codes: std::collections::HashSet<_> =
            plan.units.iter().map(|u| u.code.clone()).collect();
        assert_eq!(codes.len(), plan.units.len(), "unit codes unique");
    }
}
