//! The engine's start-up read, joined here rather than in SQL. Each backend reads three plain
//! scans — households, approved surveys, stored measures — and this module puts them
//! together in hash maps and adds every approved survey to a [`BulkLoad`].
//!
//! Why not a JOIN: on 100,000 households × 4 waves, SQLite spends 1.1 s on the join alone
//! (two index probes per survey on text keys) and 0.4 s on the three scans; packing the
//! joined rows as JSON for the driver cost another second.
//!
//! Consistency: the three reads need not share a snapshot, so they may run on separate
//! connections at once. The live engine notes the change-feed position before loading
//! (`indicators::LiveEngine::load`); every read sees at least that state, and a survey that
//! changes while they run (approved, edited, sent back, or added with a newly registered
//! household) has a newer change-feed entry, so the next catch-up takes it out and reads it
//! again, whatever the reads saw of it.

use domain::engine::{BulkLoad, IdMap, Place, SurveyMeasures};
use domain::UnitCode;

use super::rows::{bits, corrupt, household_profile, unit, HouseholdProfile};
use super::StorageError;

/// Where a household's surveys go: its village and profile, parsed once for all its waves.
#[derive(Debug)]
struct HouseholdPlace {
    village: UnitCode,
    profile: HouseholdProfile,
}

/// The households table, as far as the engine needs it.
#[derive(Debug, Default)]
pub struct Households {
    places: Vec<HouseholdPlace>,
    /// Household id → position in `places`.
    positions: IdMap<u32>,
}

impl Households {
    /// Room for this many households (an estimate is fine).
    pub fn with_capacity(n: usize) -> Households {
        Households {
            places: Vec::with_capacity(n),
            positions: IdMap::with_capacity_and_hasher(n, Default::default()),
        }
    }

    /// One household row: id, village code and the four profile codes as stored.
    pub fn add(
        &mut self,
        id: &str,
        village: &str,
        model: &str,
        registration: &str,
        sex: &str,
        ethnicity: &str,
    ) -> Result<(), StorageError> {
        const T: &str = "households";
        let id = bits(T, id)?;
        let place = HouseholdPlace {
            village: unit(T, village)?,
            profile: household_profile(T, model, registration, sex, ethnicity)?,
        };
        self.positions.insert(id, self.places.len() as u32);
        self.places.push(place);
        Ok(())
    }
}

/// The approved surveys: id → (household id, wave).
#[derive(Debug, Default)]
pub struct Approved(IdMap<(u128, i32)>);

impl Approved {
    /// Room for this many surveys (an estimate is fine).
    pub fn with_capacity(n: usize) -> Approved {
        Approved(IdMap::with_capacity_and_hasher(n, Default::default()))
    }

    /// One approved survey: its id, its household's id and its wave.
    pub fn add(&mut self, id: &str, household: &str, wave: i32) -> Result<(), StorageError> {
        const T: &str = "surveys";
        self.0.insert(bits(T, id)?, (bits(T, household)?, wave));
        Ok(())
    }
}

/// Puts stored measures together with their surveys and households, and adds each approved
/// survey to a bulk load. Measures can come in any number of batches, as they are read.
pub struct Join<'l, 'e> {
    households: Households,
    /// The households' places as the load interned them, by position.
    places: Vec<Place>,
    approved: Approved,
    load: &'l mut BulkLoad<'e>,
    count: usize,
}

impl<'l, 'e> Join<'l, 'e> {
    pub fn new(households: Households, approved: Approved, load: &'l mut BulkLoad<'e>) -> Self {
        load.reserve(approved.0.len());
        let places = households
            .places
            .iter()
            .map(|h| {
                let p = h.profile;
                load.place(&h.village, p.profile, p.participates, p.poor)
            })
            .collect();
        Join {
            households,
            places,
            approved,
            load,
            count: 0,
        }
    }

    /// Adds the approved surveys among these measures. Measures of surveys that are not
    /// approved are passed over, and so is a survey whose household was registered after the
    /// households were read (it is newer than the load: see the module's note on consistency).
    pub fn measures(&mut self, rows: impl IntoIterator<Item = (u128, SurveyMeasures)>) {
        for (survey, measures) in rows {
            let Some(&(household, wave)) = self.approved.0.get(&survey) else {
                continue;
            };
            let Some(&position) = self.households.positions.get(&household) else {
                continue;
            };
            let place = self.places[position as usize];
            self.load.add(survey, household, place, wave, measures);
            self.count += 1;
        }
    }

    /// How many surveys were added.
    pub fn count(&self) -> usize {
        self.count
    }
}

/// How many measures rows travel together from a reader to the join.
const BATCH: usize = 4096;

/// A measures reader's side of the stream: rows go out to `send` in batches of [`BATCH`];
/// `send` answers whether anyone still listens.
pub struct Batches<F: FnMut(Vec<(u128, SurveyMeasures)>) -> bool> {
    batch: Vec<(u128, SurveyMeasures)>,
    send: F,
}

impl<F: FnMut(Vec<(u128, SurveyMeasures)>) -> bool> Batches<F> {
    pub fn new(send: F) -> Self {
        Batches {
            batch: Vec::with_capacity(BATCH),
            send,
        }
    }

    /// Adds one row; `false` once the join has stopped listening (the reader may stop).
    pub fn push(&mut self, row: (u128, SurveyMeasures)) -> bool {
        self.batch.push(row);
        self.batch.len() < BATCH
            || (self.send)(std::mem::replace(
                &mut self.batch,
                Vec::with_capacity(BATCH),
            ))
    }

    /// Sends the last, partly filled batch.
    pub fn finish(mut self) {
        if !self.batch.is_empty() {
            (self.send)(std::mem::take(&mut self.batch));
        }
    }
}

/// One `survey_facts` row in column order: the survey id, then 14 whole numbers, the two flags
/// (`guarantees_met`, `equity_shares_positive`) as 0 or 1.
pub fn measures_row(id: &str, n: [i64; 14]) -> Result<(u128, SurveyMeasures), StorageError> {
    const T: &str = "survey_facts";
    let flag = |column: &str, value: i64| match value {
        0 | 1 => Ok(value == 1),
        _ => Err(corrupt(T, format!("{column} = {value}"))),
    };
    Ok((
        bits(T, id)?,
        SurveyMeasures {
            size: n[0],
            net_income_fen: n[1],
            guarantees_met: flag("guarantees_met", n[2])?,
            programme_days: n[3],
            programme_wages_fen: n[4],
            women_programme_days: n[5],
            equity_shares_positive: flag("equity_shares_positive", n[6])?,
            equity_land_milli_mu: n[7],
            dividends_fen: n[8],
            understory_milli_mu: n[9],
            understory_net_fen: n[10],
            livestock_head_end: n[11],
            livestock_net_fen: n[12],
            trained_persons: n[13],
        },
    ))
}

/// The columns `measures_row` takes, in its order.
pub const MEASURE_COLUMNS: &str = "survey_id, size, net_income_fen, guarantees_met, \
     programme_days, programme_wages_fen, women_programme_days, equity_shares_positive, \
     equity_land_milli_mu, dividends_fen, understory_milli_mu, understory_net_fen, \
     livestock_head_end, livestock_net_fen, trained_persons";

/// The household columns `Households::add` takes, in its order.
pub const HOUSEHOLD_COLUMNS: &str =
    "id, village_code, model, poverty_registration, head_sex, head_ethnicity";

#[cfg(test)]
mod tests {
    use super::*;
    use domain::engine::Engine;
    use domain::RecordId;

    const H1: &str = "00000000-0000-4000-8000-000000000001";
    const H2: &str = "00000000-0000-4000-8000-000000000002";
    const S1: &str = "00000000-0000-4000-8000-00000000000a";
    const S2: &str = "00000000-0000-4000-8000-00000000000b";
    const H3: &str = "00000000-0000-4000-8000-000000000003";
    const S3: &str = "00000000-0000-4000-8000-00000000000c";
    const S4: &str = "00000000-0000-4000-8000-00000000000d";

    fn measures(size: i64, net: i64) -> [i64; 14] {
        [size, net, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    }

    #[test]
    fn only_approved_surveys_with_measures_and_a_household_are_loaded() {
        let mut households = Households::default();
        households
            .add(H1, "513434001001", "collective", "general", "male", "yi")
            .expect("household 1");
        households
            .add(
                H2,
                "513434001002",
                "comparison",
                "non_poor",
                "female",
                "han",
            )
            .expect("household 2");
        let mut approved = Approved::default();
        approved.add(S1, H1, 2021).expect("survey 1");
        approved.add(S2, H2, 2021).expect("survey 2");
        // Its household was registered after the households were read.
        approved.add(S4, H3, 2021).expect("survey 4");
        let rows = vec![
            measures_row(S1, measures(4, 2_000_000)).expect("row 1"),
            measures_row(S2, measures(2, 600_000)).expect("row 2"),
            // Not approved (not listed above): passed over.
            measures_row(S3, measures(9, 9_000_000)).expect("row 3"),
            measures_row(S4, measures(1, 100)).expect("row 4"),
        ];
        let mut engine = Engine::new(&[], &domain::programme::default_poverty_lines(), &[], &[]);
        let mut load = engine.bulk();
        let mut join = Join::new(households, approved, &mut load);
        // In two batches, as a streamed read delivers them.
        let mut rows = rows.into_iter();
        join.measures(rows.by_ref().take(1));
        join.measures(rows);
        assert_eq!(join.count(), 2);
        drop(load);
        assert_eq!(engine.fact_count(), 2);
        let county = UnitCode::parse("513434").expect("code");
        let totals = engine.totals(&county, 2021, domain::engine::Slice::ALL);
        let def = domain::engine::find("per_capita_net_income").expect("id");
        // (2,000,000 + 600,000) fen ÷ (4 + 2) persons = 4,333.33 RMB.
        let value = def.evaluate(&totals).value.expect("value");
        assert!((value - 2_600_000.0 / 6.0 / 100.0).abs() < 1e-9, "{value}");
        let fact = engine
            .fact(&RecordId::parse(S1).expect("id"))
            .expect("loaded");
        assert_eq!(fact.household, RecordId::parse(H1).expect("id"));
        assert!(fact.participates && fact.poor);
    }

    #[test]
    fn batches_go_out_full_then_the_rest_and_stop_when_nobody_listens() {
        let row = measures_row(S1, measures(1, 1)).expect("row");
        let mut sizes = Vec::new();
        let mut batches = Batches::new(|batch: Vec<_>| {
            sizes.push(batch.len());
            true
        });
        for _ in 0..2 * BATCH + 1 {
            assert!(batches.push(row.clone()));
        }
        batches.finish();
        assert_eq!(sizes, [BATCH, BATCH, 1]);

        let mut batches = Batches::new(|_| false);
        for _ in 0..BATCH - 1 {
            assert!(
                batches.push(row.clone()),
                "nothing sent before a batch is full"
            );
        }
        assert!(!batches.push(row), "the join stopped listening");
    }

    #[test]
    fn broken_rows_are_refused_with_the_table_and_value() {
        let mut households = Households::default();
        let err = households
            .add(H1, "513434001001", "collective", "rich", "male", "yi")
            .expect_err("unknown registration");
        assert!(
            err.to_string().contains("poverty_registration = \"rich\""),
            "{err}"
        );
        let err = households
            .add(
                "not-an-id",
                "513434001001",
                "collective",
                "non_poor",
                "male",
                "yi",
            )
            .expect_err("bad id");
        assert!(err.to_string().contains("households"), "{err}");
        let err = households
            .add(H1, "5134", "collective", "non_poor", "male", "yi")
            .expect_err("not a village code");
        assert!(err.to_string().contains("households"), "{err}");
        let err = Approved::default()
            .add(S1, "x", 2021)
            .expect_err("bad household id");
        assert!(err.to_string().contains("surveys"), "{err}");
        let mut flags = measures(1, 1);
        flags[6] = 2;
        let err = measures_row(S1, flags).expect_err("a flag of 2");
        assert!(
            err.to_string().contains("equity_shares_positive = 2"),
            "{err}"
        );
    }
}
