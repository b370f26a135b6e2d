//! The demo data set: deterministic, identical on both backends, and shaped like the programme.

use server::seed::{seed, SeedOptions};
use server::storage::backup::digest;

use crate::helpers::TestApp;

const SMALL: SeedOptions = SeedOptions {
    households: 240,
    seed: 11,
    progress: false,
};

async fn same_households_and_seed_give_identical_data(app: &TestApp) {
    let report = seed(&app.store, SMALL).await.expect("seed");
    assert_eq!((report.households, report.surveys), (240, 960));
    let expected = digest(&app.store).await.expect("digest");

    // Again, into a fresh SQLite database: the same digest, whichever backend `app` is.
    let other = TestApp::sqlite().await;
    seed(&other.store, SMALL).await.expect("seed again");
    assert_eq!(digest(&other.store).await.expect("digest"), expected);

    // Another seed gives other data.
    let third = TestApp::sqlite().await;
    seed(&third.store, SeedOptions { seed: 12, ..SMALL })
        .await
        .expect("seed");
    assert_ne!(digest(&third.store).await.expect("digest"), expected);
}

async fn seeding_refuses_a_database_with_households(app: &TestApp) {
    seed(&app.store, SMALL).await.expect("seed");
    let err = seed(&app.store, SMALL)
        .await
        .expect_err("second seed refused");
    assert!(
        err.to_string().contains("already holds 240 households"),
        "{err}"
    );
    assert_eq!(app.store.count_households().await.expect("count"), 240);
}

async fn the_demo_looks_like_the_programme(app: &TestApp) {
    seed(
        &app.store,
        SeedOptions {
            households: 1_500,
            seed: 2018,
            progress: false,
        },
    )
    .await
    .expect("seed");
    // Real counties and townships, synthetic villages.
    let units = app.store.units().await.expect("units");
    let yuexi_towns: Vec<_> = units
        .iter()
        .filter(|u| u.code.as_str().starts_with("513434") && u.code.as_str().len() == 9)
        .collect();
    assert_eq!(yuexi_towns.len(), 25);
    assert!(yuexi_towns
        .iter()
        .any(|u| u.code.as_str() == "513434104" && u.name_zh == "普雄镇"));
    let merged = units
        .iter()
        .find(|u| u.code.as_str() == "513434210")
        .expect("大屯乡");
    assert_eq!(
        merged.valid_to.map(|d| d.to_string()).as_deref(),
        Some("2020-12-31")
    );
    assert!(units
        .iter()
        .filter(|u| u.code.level() == domain::UnitLevel::Village)
        .all(|u| u.synthetic));
    assert!(units
        .iter()
        .filter(|u| u.code.level() != domain::UnitLevel::Village)
        .all(|u| !u.synthetic));
    // Waves 2018 (baseline) to 2021, lines, plots and targets.
    let waves = app.store.waves().await.expect("waves");
    assert_eq!(
        waves
            .iter()
            .map(|w| (w.year, w.baseline))
            .collect::<Vec<_>>(),
        [(2018, true), (2019, false), (2020, false), (2021, false)]
    );
    assert!(app
        .store
        .poverty_lines()
        .await
        .expect("lines")
        .iter()
        .any(|l| l.year == 2020 && l.amount.fen() == 400_000));
    assert!(!app.store.plots().await.expect("plots").is_empty());
    assert!(!app.store.targets().await.expect("targets").is_empty());

    // Every household's surveys pass the domain's own validation, and the picture has signal:
    // participants' per-capita income grows faster than the comparison group's.
    let mut by_group = std::collections::BTreeMap::<(bool, i32), (i64, usize)>::new();
    let mut statuses = std::collections::BTreeMap::<&str, usize>::new();
    for id in app.store.household_ids().await.expect("ids") {
        let id = domain::RecordId::parse(&id).expect("id");
        let household = app
            .store
            .household(&id)
            .await
            .expect("read")
            .expect("exists");
        for wave in 2018..=2021 {
            let survey = app
                .store
                .survey_for(&id, wave)
                .await
                .expect("read")
                .expect("one survey per wave");
            let input = domain::validate::SurveyInput::from(&survey.answers);
            let checked = domain::validate::check_survey(&input, wave);
            assert!(
                checked.is_ok(),
                "seeded survey of {id} in {wave} is valid: {checked:?}"
            );
            *statuses.entry(survey.status.code()).or_default() += 1;
            let entry = by_group
                .entry((household.model.participates(), wave))
                .or_default();
            entry.0 += survey.answers.net_income_fen();
            entry.1 += survey.answers.household_size();
        }
    }
    let per_capita = |participates, wave| {
        let (income, people) = by_group[&(participates, wave)];
        income as f64 / people as f64
    };
    let growth = |participates| per_capita(participates, 2021) / per_capita(participates, 2018);
    assert!(
        growth(true) > growth(false) * 1.05,
        "participants {:.3} vs comparison {:.3}",
        growth(true),
        growth(false)
    );
    for status in ["approved", "submitted", "rejected", "draft"] {
        assert!(
            statuses.get(status).copied().unwrap_or(0) > 0,
            "some surveys are {status}: {statuses:?}"
        );
    }
}

crate::on_both_backends!(
    same_households_and_seed_give_identical_data,
    seeding_refuses_a_database_with_households,
    the_demo_looks_like_the_programme,
);
