//! `tanhui seed`: a deterministic, realistic demo data set — the three real counties and their
//! real townships, synthetic villages (flagged), households of all three engagement models,
//! four survey waves (2018 baseline to 2021), afforestation plots, poverty lines and targets.
//! The same `households` and `seed` always give the same data, on either backend.

mod household;
mod places;
mod plan;
mod plots;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use domain::{EngagementModel, IdCardNumber, Sex, Target, UnitCode};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::storage::{Batch, StorageError, Store};

pub use plan::Plan;

/// How many households go into one transaction.
const HOUSEHOLDS_PER_BATCH: usize = 2_000;

#[derive(Debug, Clone, Copy)]
pub struct SeedOptions {
    pub households: usize,
    pub seed: u64,
    /// Draw a progress bar on the terminal (stderr).
    pub progress: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeedReport {
    pub households: usize,
    pub surveys: usize,
    pub rows: usize,
    pub elapsed: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the database already holds {0} households: seed into an empty database")]
    NotEmpty(i64),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Generates and writes the data set, village by village, in batches of about 2,000 households.
pub async fn seed(store: &Store, options: SeedOptions) -> Result<SeedReport, SeedError> {
    let existing = store.count_households().await?;
    if existing > 0 {
        return Err(SeedError::NotEmpty(existing));
    }
    let started = Instant::now();
    let plan = Plan::new(options.households);
    let bar = progress_bar(options);

    let mut batch = Batch {
        units: plan.units.clone(),
        waves: plan::waves(),
        poverty_lines: plan::poverty_lines(),
        targets: targets(&plan),
        // Each village's assignment; programme households gain from the 2019 wave on.
        programmes: plan
            .villages
            .iter()
            .map(|v| domain::VillageProgramme {
                village: v.code.clone(),
                model: v.model,
                start_year: v.model.participates().then_some(2019),
            })
            .collect(),
        ..Batch::default()
    };
    let mut report = SeedReport {
        households: 0,
        surveys: 0,
        rows: 0,
        elapsed: Duration::ZERO,
    };
    let mut id_cards = IdCards::default();
    for village in &plan.villages {
        let mut rng = ChaCha8Rng::seed_from_u64(
            options.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ village.index,
        );
        batch.plots.extend(plots::plots(&mut rng, village));
        for index in 0..village.households {
            let mut generated =
                household::household(&mut rng, village, index, &mut |rng, sex, year| {
                    id_cards.next(rng, village.county.code, sex, year)
                });
            batch
                .persons
                .extend(household::registry_people(&mut generated));
            batch.households.push(generated.household);
            batch.surveys.extend(generated.surveys);
        }
        if batch.households.len() >= HOUSEHOLDS_PER_BATCH {
            flush(store, &mut batch, &mut report, &bar).await?;
        }
    }
    flush(store, &mut batch, &mut report, &bar).await?;
    bar.finish_and_clear();
    report.elapsed = started.elapsed();
    Ok(report)
}

async fn flush(
    store: &Store,
    batch: &mut Batch,
    report: &mut SeedReport,
    bar: &ProgressBar,
) -> Result<(), SeedError> {
    if batch.is_empty() {
        return Ok(());
    }
    store.write(batch).await?;
    report.households += batch.households.len();
    report.surveys += batch.surveys.len();
    report.rows += batch.row_count();
    bar.inc(batch.households.len() as u64);
    *batch = Batch::default();
    Ok(())
}

fn progress_bar(options: SeedOptions) -> ProgressBar {
    if !options.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(options.households as u64);
    let style = ProgressStyle::with_template(
        "{spinner} 写入演示数据 seeding [{bar:40}] {pos}/{len} households, {per_sec}, ETA {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Hands out ID-card numbers that are valid (checksum, birth date, sex digit) and unique.
#[derive(Default)]
struct IdCards {
    used: HashSet<String>,
}

impl IdCards {
    fn next(&mut self, rng: &mut ChaCha8Rng, county: &str, sex: Sex, year: i32) -> IdCardNumber {
        let (month, day) = (rng.random_range(1..=12), rng.random_range(1..=28));
        let mut sequence = rng.random_range(0..500u32) * 2 + u32::from(sex == Sex::Male);
        loop {
            if let Ok(id) = domain::id_card::compose(county, year, month, day, sequence % 1000) {
                if self.used.insert(id.as_str().to_owned()) {
                    return id;
                }
            }
            sequence += 2;
        }
    }
}

/// Targets per county and for the prefecture, 2019–2021, scaled to the planned data.
fn targets(plan: &Plan) -> Vec<Target> {
    let mut units: Vec<(UnitCode, usize)> = Vec::new();
    let prefecture = UnitCode::parse("513400").expect("valid code");
    let mut total_participants = 0.0;
    for county in places::COUNTIES.iter() {
        let participants: f64 = plan
            .villages
            .iter()
            .filter(|v| v.county.code == county.code && v.model != EngagementModel::Comparison)
            .map(|v| v.households as f64 * 0.8)
            .sum();
        total_participants += participants;
        units.push((
            UnitCode::parse(county.code).expect("valid code"),
            participants.round() as usize,
        ));
    }
    units.push((prefecture, total_participants.round() as usize));
    let mut targets = Vec::new();
    for (unit, participants) in units {
        for (i, year) in (2019..=2021).enumerate() {
            let step = i as f64;
            let mut push = |indicator: &str, value: f64| {
                targets.push(Target {
                    indicator: indicator.to_owned(),
                    unit: unit.clone(),
                    year,
                    value,
                })
            };
            push(
                "participating_households",
                (participants as f64 * (0.9 + 0.05 * step)).round(),
            );
            push("poor_participation_rate", 60.0 + 10.0 * step);
            push("poverty_headcount_ratio", [8.0, 3.0, 0.0][i]);
            push("guarantees_met_rate", [85.0, 95.0, 100.0][i]);
            push("per_capita_net_income", [5_000.0, 6_000.0, 7_000.0][i]);
        }
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_cards_are_valid_unique_and_carry_the_sex() {
        let mut cards = IdCards::default();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for i in 0..20_000 {
            let sex = if i % 3 == 0 { Sex::Female } else { Sex::Male };
            let id = cards.next(&mut rng, "513431", sex, 1970 + (i % 3));
            assert_eq!(id.sex(), sex);
            assert!(id.as_str().starts_with("513431197"));
        }
        assert_eq!(cards.used.len(), 20_000);
    }
}
