//! Golden values computed by hand from `golden.json`, and properties that must hold for any
//! data: parents equal the merge of their children, and incremental updates equal a rebuild.

use proptest::prelude::*;
use serde_json::Value as Json;

use super::*;
use crate::PovertyScheme::National;
use crate::*;

fn rid(n: u64, salt: u8) -> RecordId {
    let mut bytes = [salt; 16];
    bytes[..8].copy_from_slice(&n.to_be_bytes());
    RecordId::from_random_bytes(bytes)
}

fn s(v: &Json) -> &str {
    v.as_str().expect("string in fixture")
}

fn n(v: &Json) -> f64 {
    v.as_f64().expect("number in fixture")
}

fn golden_engine() -> Engine {
    golden_engine_with(|_| {})
}

/// The golden engine, with its units changed by `edit` first.
fn golden_engine_with(edit: impl FnOnce(&mut Vec<AdminUnit>)) -> Engine {
    golden_engine_assigned(edit, &[])
}

/// The golden engine with its units edited and these villages' programme assignments.
fn golden_engine_assigned(
    edit: impl FnOnce(&mut Vec<AdminUnit>),
    assignments: &[(&str, EngagementModel)],
) -> Engine {
    let fixture: Json = serde_json::from_str(include_str!("golden.json")).expect("fixture parses");
    let mut units: Vec<AdminUnit> = fixture["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|c| AdminUnit {
            code: UnitCode::parse(s(c)).expect("code"),
            name_zh: format!("单位{}", s(c)),
            name_pinyin: String::new(),
            valid_from: None,
            name_ii: String::new(),
            valid_to: None,
            successor: None,
            synthetic: false,
        })
        .collect();
    edit(&mut units);
    let waves: Vec<Wave> = [2018, 2019]
        .iter()
        .map(|&year| Wave {
            year,
            baseline: year == 2018,
            period_start: Date::new(year, 1, 1).expect("date"),
            period_end: Date::new(year, 12, 31).expect("date"),
            closed: false,
        })
        .collect();
    let targets = vec![
        Target {
            indicator: "poverty_headcount_ratio".into(),
            unit: UnitCode::parse("513434").expect("code"),
            year: 2019,
            value: 20.0,
        },
        Target {
            indicator: "households_surveyed".into(),
            unit: UnitCode::parse("513434").expect("code"),
            year: 2019,
            value: 4.0,
        },
    ];
    let mut engine = Engine::new(
        &units,
        &programme::default_poverty_lines(),
        &waves,
        &targets,
    );
    let assignments: Vec<VillageProgramme> = assignments
        .iter()
        .map(|(village, model)| VillageProgramme {
            village: UnitCode::parse(village).expect("village"),
            model: *model,
            start_year: model.participates().then_some(2018),
        })
        .collect();
    engine.set_assignments(&assignments);
    for h in fixture["households"].as_array().expect("households") {
        let household = Household {
            id: rid(n(&h["n"]) as u64, 1),
            village: UnitCode::parse(s(&h["village"])).expect("village"),
            registry_no: "1".into(),
            head_name: "测试".into(),
            head_id_card: Some(IdCardNumber::parse("11010519491231002X").expect("id")),
            phone: None,
            head_sex: Sex::parse(s(&h["sex"])).expect("sex"),
            head_ethnicity: Ethnicity::parse(s(&h["ethnicity"])).expect("ethnicity"),
            poverty_registration: PovertyRegistration::parse(s(&h["registration"]))
                .expect("registration"),
            poverty_cause: None,
            registration_year: None,
            exit_year: None,
            model: EngagementModel::parse(s(&h["model"])).expect("model"),
            enrolment_date: None,
        };
        for (i, sv) in h["surveys"].as_array().expect("surveys").iter().enumerate() {
            let survey = survey_from(sv, &household, n(&h["n"]) as u64 * 10 + i as u64);
            if survey.status == SurveyStatus::Approved {
                engine.upsert(SurveyFact::new(&household, &survey));
            }
        }
    }
    for (i, p) in fixture["plots"]
        .as_array()
        .expect("plots")
        .iter()
        .enumerate()
    {
        engine.add_plot(AfforestationPlot {
            id: rid(100 + i as u64, 3),
            village: UnitCode::parse(s(&p["village"])).expect("village"),
            area: Hectares::new(n(&p["area_ha"])).expect("area"),
            species: TreeSpecies::parse(s(&p["species"])).expect("species"),
            planting_year: n(&p["planting_year"]) as i32,
            managing_party: ManagingParty::Collective,
            inspections: p["inspections"]
                .as_array()
                .expect("inspections")
                .iter()
                .map(|x| SurvivalInspection {
                    year: n(&x[0]) as i32,
                    survival_pct: n(&x[1]),
                })
                .collect(),
        });
    }
    engine
}

fn survey_from(v: &Json, household: &Household, number: u64) -> HouseholdSurvey {
    let rows = |key: &str| v[key].as_array().expect("rows").clone();
    let money = |x: &Json| Rmb::from_yuan(n(x)).expect("money");
    let heads = |x: &Json| Heads::new(n(x) as i64).expect("heads");
    let answers = SurveyAnswers {
        members: rows("members")
            .iter()
            .enumerate()
            .map(|(k, m)| Member {
                no: k as u8 + 1,
                sex: Sex::parse(s(&m[0])).expect("sex"),
                birth_year: n(&m[1]) as i32,
                relation: Relation::parse(s(&m[2])).expect("relation"),
                ethnicity: Ethnicity::Yi,
                education: Education::Primary,
                health: Health::Healthy,
                labour: LabourAbility::Ordinary,
                person: None,
            })
            .collect(),
        employment: rows("employment")
            .iter()
            .map(|r| EmploymentRow {
                member_no: n(&r[0]) as u8,
                activity: Activity::parse(s(&r[1])).expect("activity"),
                days: Days::new(n(&r[2]) as i64).expect("days"),
                wages: money(&r[3]),
            })
            .collect(),
        equity: Equity {
            land_mu: Mu::new(n(&v["equity"][0])).expect("mu"),
            shares: Mu::new(n(&v["equity"][1])).expect("mu"),
            dividends: money(&v["equity"][2]),
        },
        training: rows("training")
            .iter()
            .map(|r| TrainingRow {
                member_no: n(&r[0]) as u8,
                topic: TrainingTopic::parse(s(&r[1])).expect("topic"),
                days: Days::new(n(&r[2]) as i64).expect("days"),
            })
            .collect(),
        understory: rows("understory")
            .iter()
            .map(|r| UnderstoryRow {
                product: UnderstoryProduct::parse(s(&r[0])).expect("product"),
                area: Mu::new(n(&r[1])).expect("mu"),
                output_kg: Mu::new(n(&r[2])).expect("kg"),
                sales: money(&r[3]),
                costs: money(&r[4]),
            })
            .collect(),
        livestock: rows("livestock")
            .iter()
            .map(|r| LivestockRow {
                species: LivestockSpecies::parse(s(&r[0])).expect("species"),
                head_start: heads(&r[1]),
                born: heads(&r[2]),
                died: heads(&r[3]),
                sold: heads(&r[4]),
                head_end: heads(&r[5]),
                sales: money(&r[6]),
                costs: money(&r[7]),
                correction_note: None,
            })
            .collect(),
        other_income: OtherIncome {
            crop_net: money(&v["other"][0]),
            transfers: money(&v["other"][1]),
            remittances: money(&v["other"][2]),
            other: money(&v["other"][3]),
        },
        guarantees: {
            let f = |k: usize| v["flags"][k].as_bool().expect("flag");
            Guarantees {
                food_clothing_secure: f(0),
                schooling_ok: f(1),
                insured: f(2),
                housing_safe: f(3),
                water_safe: f(4),
            }
        },
    };
    HouseholdSurvey {
        id: rid(number, 2),
        household_id: household.id.clone(),
        wave: n(&v["wave"]) as i32,
        status: SurveyStatus::parse(s(&v["status"])).expect("status"),
        enumerator: "t".into(),
        client_id: rid(number, 9),
        version: 1,
        review_comment: None,
        answers,
    }
}

fn code(text: &str) -> UnitCode {
    UnitCode::parse(text).expect("code")
}

/// The value of `id` at `unit`, `wave`, `slice`.
fn v(engine: &Engine, id: &str, unit: &str, wave: i32, slice: Slice) -> Value {
    engine.value(find(id).expect("catalogue id"), &code(unit), wave, slice)
}

fn close(actual: Value, expected: f64) {
    let got = actual
        .value
        .unwrap_or_else(|| panic!("expected {expected}, got no data ({:?})", actual.no_data));
    assert!(
        (got - expected).abs() < 1e-6,
        "expected {expected}, got {got}"
    );
}

const ALL: Slice = Slice::ALL;

/// With village assignments, the `model` breakdown tells three kinds of household apart:
/// village 100201 is a collective programme village, so H2 (who did not enrol) is
/// `non_enrolled`, not comparison; village 101201 is a comparison village, so H3 counts as
/// comparison whatever its own model says. Participation itself is each household's own.
#[test]
fn village_assignments_keep_non_enrolled_households_out_of_the_comparison_group() {
    let engine = golden_engine_assigned(
        |_| {},
        &[
            ("513434100201", EngagementModel::Collective),
            ("513434101201", EngagementModel::Comparison),
        ],
    );
    let by = |wave: i32| -> Vec<(&'static str, Option<f64>)> {
        engine
            .query(&code("513434"), wave, &[Dim::Model], National)
            .into_iter()
            .map(|row| {
                let value = &row
                    .values
                    .iter()
                    .find(|(id, _)| *id == "households_surveyed")
                    .expect("indicator")
                    .1;
                (row.slice.describe()[0].1, value.value)
            })
            .collect()
    };
    assert_eq!(
        by(2018),
        [
            ("collective", Some(1.0)),
            ("household", None),
            ("comparison", None),
            ("non_enrolled", Some(1.0))
        ]
    );
    // 2019: H1 (collective) and H3 (household model, comparison village) are approved.
    assert_eq!(
        by(2019),
        [
            ("collective", Some(1.0)),
            ("household", None),
            ("comparison", Some(1.0)),
            ("non_enrolled", None)
        ]
    );
    // Participation follows the household: H3 enrolled although its village is a control.
    close(
        v(&engine, "participating_households", "513434", 2019, ALL),
        2.0,
    );
    assert_eq!(engine.rebuilt().nonzero_cells(), engine.nonzero_cells());
}

/// Township 101 (one village, household 3) merged into township 100 at the end of 2018.
#[test]
fn a_merged_township_counts_under_its_successor_from_the_next_wave() {
    let plain = golden_engine();
    let merged = golden_engine_with(|units| {
        let t = units
            .iter_mut()
            .find(|u| u.code.as_str() == "513434101")
            .expect("township 101");
        t.valid_to = Some(Date::new(2018, 12, 31).expect("date"));
        t.successor = Some(code("513434100"));
    });
    let id = "households_surveyed";
    let figure = |e: &Engine, unit: &str, wave: i32| v(e, id, unit, wave, ALL).value.unwrap_or(0.0);
    // Up to its end, the township counts on its own.
    for unit in ["513434100", "513434101", "513434", "513400"] {
        assert_eq!(
            figure(&merged, unit, 2018),
            figure(&plain, unit, 2018),
            "{unit}"
        );
    }
    // From 2019 its households count under 100; the county is unchanged.
    assert!(figure(&plain, "513434101", 2019) > 0.0);
    assert_eq!(figure(&merged, "513434101", 2019), 0.0);
    assert_eq!(
        figure(&merged, "513434100", 2019),
        figure(&plain, "513434100", 2019) + figure(&plain, "513434101", 2019)
    );
    for unit in ["513434", "513400", "513434101201"] {
        assert_eq!(
            figure(&merged, unit, 2019),
            figure(&plain, unit, 2019),
            "{unit}"
        );
    }
    // The per-capita figure of the successor is recomputed from the pooled sums.
    let pc = "per_capita_net_income";
    assert_eq!(
        v(&merged, pc, "513434100", 2019, ALL).value,
        v(&plain, pc, "513434", 2019, ALL).value
    );
    // The lists follow: the county shows one township in 2019, the successor three villages.
    assert_eq!(
        merged.children_in(&code("513434"), 2018),
        vec![code("513434100"), code("513434101")]
    );
    assert_eq!(
        merged.children_in(&code("513434"), 2019),
        vec![code("513434100")]
    );
    assert_eq!(
        merged.children_in(&code("513434100"), 2019),
        vec![
            code("513434100201"),
            code("513434100202"),
            code("513434101201")
        ]
    );
    assert_eq!(
        merged.merged_into(&code("513434101")),
        Some((Date::new(2018, 12, 31).expect("date"), code("513434100")))
    );
    let household_3 = rid(3, 1);
    assert!(merged
        .household_figures(&code("513434100"), 2019)
        .contains_key(&household_3));
    assert!(!merged
        .household_figures(&code("513434100"), 2018)
        .contains_key(&household_3));
    // A rebuild (a bulk load) gives the same cells as the one-by-one upserts.
    assert_eq!(merged.rebuilt().nonzero_cells(), merged.nonzero_cells());
}

#[test]
fn golden_village_a_2018_two_households() {
    let e = golden_engine();
    let a = "513434100201";
    // H = {H1 (collective, general poor, male, Yi), H2 (comparison, non-poor, female, Han)}.
    close(v(&e, "households_surveyed", a, 2018, ALL), 2.0);
    close(v(&e, "participating_households", a, 2018, ALL), 1.0);
    // Poor = {H1}, participating: 1 ÷ 1.
    close(v(&e, "poor_participation_rate", a, 2018, ALL), 100.0);
    // H1: 3000 + 2000 + 15000 wages + 200 dividends + (5400 − 2100) livestock + 1200 crop + 600
    // transfers = 25,300; H2: 8000 + 500 = 8,500. (25,300 + 8,500) ÷ (3 + 1) = 8,450.
    close(v(&e, "per_capita_net_income", a, 2018, ALL), 8_450.0);
    assert_eq!(
        v(&e, "per_capita_net_income", a, 2018, ALL).numerator,
        Some(33_800.0)
    );
    assert_eq!(
        v(&e, "per_capita_net_income", a, 2018, ALL).denominator,
        Some(4.0)
    );
    // Line 2018 = 2,995: 8,433.33 and 8,500 are both above it.
    close(v(&e, "poverty_headcount_ratio", a, 2018, ALL), 0.0);
    close(v(&e, "guarantees_met_rate", a, 2018, ALL), 100.0);
    // Programme days: afforestation 30 + tending 20 (migrant and other local work excluded).
    close(v(&e, "programme_employment_days", a, 2018, ALL), 50.0);
    close(v(&e, "programme_wages", a, 2018, ALL), 5_000.0);
    // Member 2 of H1 is a woman: 20 of 50 days.
    close(v(&e, "women_share_employment_days", a, 2018, ALL), 40.0);
    close(v(&e, "equity_households", a, 2018, ALL), 1.0);
    close(v(&e, "equity_land_mu", a, 2018, ALL), 4.0);
    close(v(&e, "dividends_paid", a, 2018, ALL), 200.0);
    close(v(&e, "understory_area_mu", a, 2018, ALL), 0.0);
    close(v(&e, "understory_net_income", a, 2018, ALL), 0.0);
    close(v(&e, "livestock_head_end", a, 2018, ALL), 2.0);
    close(v(&e, "livestock_net_income", a, 2018, ALL), 3_300.0);
    // Member 2 trained twice: one person.
    close(v(&e, "trained_persons", a, 2018, ALL), 1.0);
    // (5,000 + 200 + 0 + 3,300) ÷ 33,800.
    close(
        v(&e, "programme_income_share", a, 2018, ALL),
        8_500.0 / 33_800.0 * 100.0,
    );
    close(v(&e, "afforested_area_ha", a, 2018, ALL), 10.0);
    close(v(&e, "survival_rate", a, 2018, ALL), 90.0);
    // Age 1: share 1 ÷ (1 + e^(5/1.5)) = 0.034445; 10 ha × 0.90 × 7.0 t × 0.034445 = 2.170 t.
    close(v(&e, "sequestration_tco2e", a, 2018, ALL), 2.170);
}

#[test]
fn golden_village_a_2019_only_approved_surveys_count() {
    let e = golden_engine();
    let a = "513434100201";
    // H2's 2019 survey is only submitted: H = {H1}.
    close(v(&e, "households_surveyed", a, 2019, ALL), 1.0);
    // H1 2019: 1,000 wages + 1,000 crop + 600 transfers = 2,600 for 3 people.
    close(v(&e, "per_capita_net_income", a, 2019, ALL), 2_600.0 / 3.0);
    // 866.67 < 3,218 (the 2019 line): all 3 people are below.
    close(v(&e, "poverty_headcount_ratio", a, 2019, ALL), 100.0);
    // Housing unsafe and income below the line.
    close(v(&e, "guarantees_met_rate", a, 2019, ALL), 0.0);
    close(v(&e, "women_share_employment_days", a, 2019, ALL), 100.0);
    close(v(&e, "equity_households", a, 2019, ALL), 1.0);
    close(v(&e, "dividends_paid", a, 2019, ALL), 0.0);
    close(v(&e, "trained_persons", a, 2019, ALL), 0.0);
    close(
        v(&e, "programme_income_share", a, 2019, ALL),
        1_000.0 / 2_600.0 * 100.0,
    );
    // Ages 1 and 2: 0.034445 + 0.064969 = 0.099414; latest inspection (2018) 90%:
    // 10 × 0.9 × 7 × 0.099414 = 6.263 t.
    close(v(&e, "sequestration_tco2e", a, 2019, ALL), 6.263);
}

#[test]
fn golden_empty_units_zero_denominators_and_rejected_surveys() {
    let e = golden_engine();
    // Village B has no households at all.
    let none = v(&e, "per_capita_net_income", "513434100202", 2018, ALL);
    assert_eq!(
        (none.value, none.no_data),
        (None, Some(NoData::NoApprovedSurveys))
    );
    assert_eq!(
        v(&e, "households_surveyed", "513434100202", 2018, ALL).no_data,
        Some(NoData::NoApprovedSurveys)
    );
    // ... but plot indicators are defined: no area, and no inspected area to average over.
    close(v(&e, "afforested_area_ha", "513434100202", 2018, ALL), 0.0);
    assert_eq!(
        v(&e, "survival_rate", "513434100202", 2018, ALL).no_data,
        Some(NoData::ZeroDenominator)
    );
    // Village C: H3's 2018 survey was rejected, so 2018 has no data.
    assert_eq!(
        v(&e, "households_surveyed", "513434101201", 2018, ALL).no_data,
        Some(NoData::NoApprovedSurveys)
    );
    // 2019: a single household with no programme days: the women's share has no denominator.
    let c = "513434101201";
    close(v(&e, "households_surveyed", c, 2019, ALL), 1.0);
    let share = v(&e, "women_share_employment_days", c, 2019, ALL);
    assert_eq!(
        (
            share.value,
            share.numerator,
            share.denominator,
            share.no_data
        ),
        (None, Some(0.0), Some(0.0), Some(NoData::ZeroDenominator))
    );
    // 3,000 understory + 1,800 livestock + 800 + 2,400 + 1,000 + 100 = 9,100 for 4 people.
    close(v(&e, "per_capita_net_income", c, 2019, ALL), 2_275.0);
    close(v(&e, "poverty_headcount_ratio", c, 2019, ALL), 100.0);
    close(v(&e, "understory_area_mu", c, 2019, ALL), 2.5);
    close(v(&e, "understory_net_income", c, 2019, ALL), 3_000.0);
    close(v(&e, "livestock_head_end", c, 2019, ALL), 8.0);
    close(
        v(&e, "programme_income_share", c, 2019, ALL),
        4_800.0 / 9_100.0 * 100.0,
    );
    // The alder plot was planted in 2019: counted in area, no inspection, nothing sequestered yet.
    close(v(&e, "afforested_area_ha", c, 2019, ALL), 5.0);
    assert_eq!(
        v(&e, "survival_rate", c, 2019, ALL).no_data,
        Some(NoData::ZeroDenominator)
    );
    close(v(&e, "sequestration_tco2e", c, 2019, ALL), 0.0);
    close(v(&e, "afforested_area_ha", c, 2018, ALL), 0.0);
}

#[test]
fn golden_roll_up_to_county_and_prefecture() {
    let e = golden_engine();
    for unit in ["513434", "513400"] {
        // 2019: H1 (3 people, 2,600) and H3 (4 people, 9,100).
        close(v(&e, "households_surveyed", unit, 2019, ALL), 2.0);
        close(
            v(&e, "per_capita_net_income", unit, 2019, ALL),
            11_700.0 / 7.0,
        );
        close(v(&e, "poverty_headcount_ratio", unit, 2019, ALL), 100.0);
        close(v(&e, "poor_participation_rate", unit, 2019, ALL), 100.0);
        close(
            v(&e, "programme_income_share", unit, 2019, ALL),
            5_800.0 / 11_700.0 * 100.0,
        );
        close(v(&e, "afforested_area_ha", unit, 2019, ALL), 15.0);
        // Only the pine plot has been inspected.
        close(v(&e, "survival_rate", unit, 2019, ALL), 90.0);
        close(v(&e, "sequestration_tco2e", unit, 2019, ALL), 6.263);
    }
    // Township 513434100 equals its one populated village; the empty village adds nothing.
    close(
        v(&e, "per_capita_net_income", "513434100", 2018, ALL),
        8_450.0,
    );
}

#[test]
fn golden_disaggregations_alone_and_in_pairs() {
    let e = golden_engine();
    let by_model = e.query(&code("513434"), 2018, &[Dim::Model], National);
    let households: Vec<_> = by_model
        .iter()
        .map(|row| {
            let value = row
                .values
                .iter()
                .find(|(id, _)| *id == "households_surveyed")
                .expect("indicator")
                .1;
            (row.slice.describe()[0].1, value.value)
        })
        .collect();
    // 2018: H1 collective, H2 comparison; no household-model survey approved; with no
    // village assignments, nobody is a non-enrolled household of a programme village.
    assert_eq!(
        households,
        [
            ("collective", Some(1.0)),
            ("household", None),
            ("comparison", Some(1.0)),
            ("non_enrolled", None)
        ]
    );
    let male = Slice::ALL.with(Dim::Sex, 1);
    let female = Slice::ALL.with(Dim::Sex, 2);
    close(
        v(&e, "per_capita_net_income", "513434100201", 2018, male),
        25_300.0 / 3.0,
    );
    close(
        v(&e, "per_capita_net_income", "513434100201", 2018, female),
        8_500.0,
    );
    // Pair: Yi × male in 2019 = H1 and H3; Han × female = nobody approved.
    let yi_male = Slice::ALL.with(Dim::Ethnicity, 1).with(Dim::Sex, 1);
    close(v(&e, "households_surveyed", "513400", 2019, yi_male), 2.0);
    let han_female = Slice::ALL.with(Dim::Ethnicity, 2).with(Dim::Sex, 2);
    assert_eq!(
        v(&e, "households_surveyed", "513400", 2019, han_female).no_data,
        Some(NoData::NoApprovedSurveys)
    );
    let rows = e.query(&code("513400"), 2019, &[Dim::Model, Dim::Sex], National);
    assert_eq!(rows.len(), 4 * 2, "four programme groups by two sexes");
    // Plot indicators do not break down by household dimensions.
    let afforested = rows[0]
        .values
        .iter()
        .find(|(id, _)| *id == "afforested_area_ha")
        .expect("indicator")
        .1;
    assert_eq!(afforested.value, None);
    assert_eq!(afforested.no_data, Some(NoData::NotDisaggregated));
    let female = Slice::ALL.with(Dim::Sex, 2);
    assert_eq!(
        v(&e, "afforested_area_ha", "513434", 2019, female).no_data,
        Some(NoData::NotDisaggregated)
    );
}

#[test]
fn golden_targets_baseline_and_provenance() {
    let e = golden_engine();
    let county = code("513434");
    let headcount = find("poverty_headcount_ratio").expect("id");
    // Baseline 2018: 0% (4 people, none below); 2019: 100%; target 20%: lower is better, so
    // progress = (0 − 100) ÷ (0 − 20) × 100 = 500%... of the way in the wrong direction.
    let p = e.progress(headcount, &county, 2019, ALL);
    assert_eq!(p.baseline, Some(0.0));
    assert_eq!(p.change_since_baseline, Some(100.0));
    assert_eq!(p.target, Some(20.0));
    assert_eq!(p.progress_pct, Some(500.0));
    let surveyed = e.progress(find("households_surveyed").expect("id"), &county, 2019, ALL);
    assert_eq!(surveyed.progress_pct, Some(50.0));

    let why = e.explain(
        find("per_capita_net_income").expect("id"),
        &county,
        2019,
        ALL,
        true,
    );
    assert_eq!(why.value.numerator, Some(11_700.0));
    let children: Vec<_> = why
        .children
        .iter()
        .map(|(c, _, v)| (c.as_str(), v.value))
        .collect();
    assert_eq!(
        children,
        [
            ("513434100", Some(2_600.0 / 3.0)),
            ("513434101", Some(2_275.0))
        ]
    );
    assert_eq!(why.households.len(), 2);
    let without = e.explain(
        find("per_capita_net_income").expect("id"),
        &county,
        2019,
        ALL,
        false,
    );
    assert!(without.households.is_empty());
}

#[test]
fn unapproving_and_editing_update_only_the_affected_cells() {
    let mut e = golden_engine();
    let before = e.nonzero_cells();
    let fact = e
        .surveys()
        .filter_map(|id| e.fact(&id))
        .find(|f| f.village.as_str() == "513434101201")
        .expect("H3 2019");
    assert!(e.remove(&fact.survey));
    assert_eq!(
        v(&e, "households_surveyed", "513434101201", 2019, ALL).no_data,
        Some(NoData::NoApprovedSurveys)
    );
    close(
        v(&e, "per_capita_net_income", "513434", 2019, ALL),
        2_600.0 / 3.0,
    );
    assert!(!e.remove(&fact.survey), "removing twice changes nothing");
    e.upsert(fact.clone());
    assert_eq!(e.nonzero_cells(), before);
    // An edit replaces the old figures.
    let mut edited = fact;
    edited.measures.net_income_fen += 400_000;
    e.upsert(edited);
    close(
        v(&e, "per_capita_net_income", "513434101201", 2019, ALL),
        13_100.0 / 4.0,
    );
    assert_eq!(e.fact_count(), 4);
}

// ---- properties ---------------------------------------------------------------------------

const VILLAGES: [&str; 5] = [
    "513434100201",
    "513434100202",
    "513434101201",
    "513431100201",
    "513437200205",
];

fn arb_fact() -> impl Strategy<Value = SurveyFact> {
    (
        (0u64..40, 0usize..VILLAGES.len(), 2018i32..=2020),
        (0usize..3, 0usize..4, 0usize..2, 0usize..4),
        (
            1i64..9,
            -50_000i64..20_000_000,
            any::<bool>(),
            0i64..400,
            0i64..4_000_000,
        ),
        (
            0i64..100,
            any::<bool>(),
            0i64..20_000,
            0i64..90_000,
            0i64..50,
        ),
    )
        .prop_map(
            |(
                (hh, village, wave),
                (m, r, s, e),
                (size, net, flags, days, wages),
                (women, shares, land, div, head),
            )| {
                let model = EngagementModel::ALL[m];
                let registration = PovertyRegistration::ALL[r];
                SurveyFact {
                    survey: rid(hh * 10 + (wave - 2018) as u64, 7),
                    household: rid(hh, 8),
                    village: UnitCode::parse(VILLAGES[village]).expect("code"),
                    wave,
                    profile: Profile::new(model, registration, Sex::ALL[s], Ethnicity::ALL[e]),
                    participates: model.participates(),
                    poor: registration.is_poor(),
                    measures: SurveyMeasures {
                        size,
                        net_income_fen: net,
                        guarantees_met: flags,
                        programme_days: days,
                        programme_wages_fen: wages,
                        women_programme_days: women.min(days),
                        equity_shares_positive: shares,
                        equity_land_milli_mu: land,
                        dividends_fen: div,
                        understory_milli_mu: land / 2,
                        understory_net_fen: div - 10_000,
                        livestock_head_end: head,
                        livestock_net_fen: wages / 3 - 1000,
                        trained_persons: size / 2,
                    },
                }
            },
        )
}

#[derive(Debug, Clone)]
enum Op {
    Upsert(SurveyFact),
    Remove(u64, i32),
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => arb_fact().prop_map(Op::Upsert),
        1 => (0u64..40, 2018i32..=2020).prop_map(|(h, w)| Op::Remove(h, w)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn incremental_updates_equal_a_rebuild_and_parents_equal_merged_children(ops in prop::collection::vec(arb_op(), 1..60)) {
        let mut engine = Engine::new(&[], &programme::default_poverty_lines(), &[], &[]);
        for op in ops {
            match op {
                Op::Upsert(fact) => engine.upsert(fact),
                Op::Remove(h, w) => { engine.remove(&rid(h * 10 + (w - 2018) as u64, 7)); }
            }
        }
        prop_assert_eq!(engine.nonzero_cells(), engine.rebuilt().nonzero_cells());

        let mut slices: Vec<Slice> = vec![Slice::ALL];
        for &a in &Dim::ALL {
            slices.extend(Slice::ALL.split(a));
            for &b in &Dim::ALL {
                if a < b {
                    for s in Slice::ALL.split(a) { slices.extend(s.split(b)); }
                }
            }
        }
        for (&parent, kids) in &engine.children {
            let parent_code = engine.codes[parent as usize].clone();
            for wave in 2018..=2020 {
                for &slice in &slices {
                    let mut merged = Totals::default();
                    for &kid in kids {
                        merged.add(&engine.totals(&engine.codes[kid as usize], wave, slice));
                    }
                    prop_assert_eq!(engine.totals(&parent_code, wave, slice), merged, "{} {} {:?}", parent_code, wave, slice);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Bulk loads (as at start-up), with removals between them and the same survey more than
    /// once within one load, give exactly the cells and facts of upserting one by one.
    #[test]
    fn bulk_loads_equal_one_by_one_upserts(ops in prop::collection::vec(arb_op(), 1..80), cut in 1usize..20) {
        let lines = programme::default_poverty_lines();
        let mut one_by_one = Engine::new(&[], &lines, &[], &[]);
        let mut bulk = Engine::new(&[], &lines, &[], &[]);
        let mut run = Vec::new();
        for op in ops {
            match op {
                Op::Upsert(fact) => {
                    one_by_one.upsert(fact.clone());
                    run.push(fact);
                    if run.len() == cut {
                        bulk.extend(run.drain(..));
                    }
                }
                Op::Remove(h, w) => {
                    let id = rid(h * 10 + (w - 2018) as u64, 7);
                    one_by_one.remove(&id);
                    bulk.extend(run.drain(..));
                    bulk.remove(&id);
                }
            }
        }
        bulk.extend(run);
        prop_assert_eq!(one_by_one.nonzero_cells(), bulk.nonzero_cells());
        let mut a: Vec<_> = one_by_one.surveys().map(|id| one_by_one.fact(&id)).collect();
        let mut b: Vec<_> = bulk.surveys().map(|id| bulk.fact(&id)).collect();
        a.sort_by_key(|f| f.as_ref().map(|f| f.survey.clone()));
        b.sort_by_key(|f| f.as_ref().map(|f| f.survey.clone()));
        prop_assert_eq!(a, b);
    }
}

#[test]
fn golden_at_risk_households() {
    use crate::risk::{RiskReason, RiskRules};
    let e = golden_engine();
    let a = code("513434100201");
    // 2018: H1 8,433.33 and H2 8,500 per person, far above 2,995 × 1.2; guarantees met.
    assert!(e
        .at_risk(&a, 2018, ALL, RiskRules::default(), National)
        .is_empty());
    // 2019: only H1 is approved: 2,600 ÷ 3 = 866.66 yuan (86,666 fen, rounded down) < 3,218,
    // housing unsafe, and down from 8,433.33 in 2018 (more than 30 %).
    let flagged = e.at_risk(&a, 2019, ALL, RiskRules::default(), National);
    assert_eq!(flagged.len(), 1);
    let h1 = &flagged[0];
    assert_eq!(h1.situation.per_capita_fen, Some(86_666));
    assert_eq!(h1.situation.line_fen, 321_800);
    assert_eq!(h1.situation.previous_per_capita_fen, Some(843_333));
    assert_eq!(h1.previous_wave, Some(2018));
    assert_eq!(
        h1.reasons,
        vec![
            RiskReason::BelowLine,
            RiskReason::GuaranteeMissed,
            RiskReason::IncomeFell
        ]
    );
    // The county also sees H3 (village C): (3,000 understory + 1,800 livestock + 4,300 other)
    // ÷ 4 = 2,275 yuan, below the line; its 2018 survey was rejected, so no fall is measured.
    // Worst first: H1 (866.66) before H3 (2,275).
    let county = e.at_risk(&code("513434"), 2019, ALL, RiskRules::default(), National);
    assert_eq!(county.len(), 2);
    assert_eq!(county[0].household, h1.household);
    assert_eq!(county[1].situation.per_capita_fen, Some(227_500));
    assert_eq!(county[1].previous_wave, None);
    assert_eq!(county[1].reasons, vec![RiskReason::BelowLine]);
    // A slice H1 does not belong to does not list it.
    let women_heads = ALL.with(Dim::Sex, 2);
    assert!(e
        .at_risk(&a, 2019, women_heads, RiskRules::default(), National)
        .is_empty());
    assert_eq!(e.children(&code("513434100")).len(), 2);
}

/// Indicators and the at-risk list under each poverty-line scheme, computed by hand. Lines:
/// national 4,000 yuan in 2020 and 2021; Sichuan's threshold set at 4,500 for 2020 only, so
/// 2021 falls back to the national line. Three households in one village, all guarantees met:
/// A 3,000 yuan per person × 2 people, B 4,200 × 3, C 5,000 × 4 (nine people).
#[test]
fn a_scheme_changes_only_the_line_dependent_figures_and_the_at_risk_list() {
    use crate::risk::{RiskReason, RiskRules};
    use crate::PovertyScheme::Provincial;
    let village = code("513434100201");
    let units: Vec<AdminUnit> = ["513400", "513434", "513434100", "513434100201"]
        .iter()
        .map(|c| AdminUnit {
            code: code(c),
            name_zh: format!("单位{c}"),
            name_pinyin: String::new(),
            name_ii: String::new(),
            valid_from: None,
            valid_to: None,
            successor: None,
            synthetic: false,
        })
        .collect();
    let line = |year, scheme, yuan: i64| PovertyLine {
        year,
        scheme,
        amount: Rmb::from_fen(yuan * 100).expect("line"),
    };
    let lines = [line(2020, National, 4000), line(2020, Provincial, 4500)];
    let waves: Vec<Wave> = [2020, 2021]
        .iter()
        .map(|&year| Wave {
            year,
            baseline: year == 2020,
            period_start: Date::new(year, 1, 1).expect("date"),
            period_end: Date::new(year, 12, 31).expect("date"),
            closed: false,
        })
        .collect();
    let target = Target {
        indicator: "poverty_headcount_ratio".into(),
        unit: village.clone(),
        year: 2020,
        value: 10.0,
    };
    let mut e = Engine::new(&units, &lines, &waves, &[target]);
    for wave in [2020, 2021] {
        for (n, (per_capita, size)) in [(3_000, 2), (4_200, 3), (5_000, 4)].into_iter().enumerate()
        {
            e.upsert(SurveyFact {
                survey: rid(n as u64 * 10 + (wave - 2020) as u64, 5),
                household: rid(n as u64, 6),
                village: village.clone(),
                wave,
                profile: Profile::new(
                    EngagementModel::Collective,
                    PovertyRegistration::General,
                    Sex::Male,
                    Ethnicity::Yi,
                ),
                participates: true,
                poor: true,
                measures: SurveyMeasures {
                    size,
                    net_income_fen: per_capita * 100 * size,
                    guarantees_met: true,
                    ..SurveyMeasures::default()
                },
            });
        }
    }
    assert_eq!(e.line_under(National, 2020), 400_000);
    assert_eq!(e.line_under(Provincial, 2020), 450_000);
    assert_eq!(
        e.line_under(Provincial, 2021),
        400_000,
        "no threshold set: national"
    );
    let value = |id: &str, wave: i32, scheme| {
        let def = under(find(id).expect("id"), scheme);
        e.value(def, &village, wave, ALL)
    };
    // National: A is below (2 of 9 people); B and C meet every guarantee and the line.
    close(
        value("poverty_headcount_ratio", 2020, National),
        2.0 / 9.0 * 100.0,
    );
    close(
        value("guarantees_met_rate", 2020, National),
        2.0 / 3.0 * 100.0,
    );
    // Sichuan 2020: A and B are below (5 of 9); only C meets it.
    close(
        value("poverty_headcount_ratio", 2020, Provincial),
        5.0 / 9.0 * 100.0,
    );
    close(
        value("guarantees_met_rate", 2020, Provincial),
        1.0 / 3.0 * 100.0,
    );
    // 2021 has no Sichuan threshold: both schemes give the national figures.
    close(
        value("poverty_headcount_ratio", 2021, Provincial),
        2.0 / 9.0 * 100.0,
    );
    // Figures that do not depend on a line are the same under both.
    close(
        value("per_capita_net_income", 2020, Provincial),
        38_600.0 / 9.0,
    );
    let query = e.query(&village, 2020, &[], Provincial);
    let headcount = query[0]
        .values
        .iter()
        .find(|(id, _)| *id == "poverty_headcount_ratio")
        .expect("headcount");
    close(headcount.1, 5.0 / 9.0 * 100.0);
    // The national target does not apply to the Sichuan figure.
    let def = find("poverty_headcount_ratio").expect("id");
    assert_eq!(e.progress(def, &village, 2020, ALL).target, Some(10.0));
    assert_eq!(
        e.progress(under(def, Provincial), &village, 2020, ALL)
            .target,
        None
    );
    // At risk: nationally A is below the line and B near it (4,200 < 4,800); under Sichuan's
    // 4,500, B is below and C near (5,000 < 5,400).
    let reasons = |scheme| -> Vec<Vec<RiskReason>> {
        e.at_risk(&village, 2020, ALL, RiskRules::default(), scheme)
            .into_iter()
            .map(|r| r.reasons)
            .collect()
    };
    use RiskReason::{BelowLine, NearLine};
    assert_eq!(reasons(National), vec![vec![BelowLine], vec![NearLine]]);
    assert_eq!(
        reasons(Provincial),
        vec![vec![BelowLine], vec![BelowLine], vec![NearLine]]
    );
    let rebuilt = e.rebuilt();
    assert_eq!(rebuilt.nonzero_cells(), e.nonzero_cells());
}
