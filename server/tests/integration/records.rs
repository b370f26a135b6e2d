//! Every entity written and read back unchanged; writes are all-or-nothing; raw input that
//! breaks a rule is refused with field-level issues and leaves the database as it was.

use domain::validate::{EmploymentInput, HouseholdInput, MemberInput, SurveyInput};
use domain::*;
use server::records::{register_household, RecordError};
use server::service::field_work::{save_survey, SaveError};
use server::storage::AuditEntry;
use server::storage::Batch;

use crate::helpers::TestApp;

fn rid(n: u8) -> RecordId {
    RecordId::from_random_bytes([n; 16])
}

fn code(text: &str) -> UnitCode {
    UnitCode::parse(text).expect("valid code")
}

fn rmb(yuan: f64) -> Rmb {
    Rmb::from_yuan(yuan).expect("valid money")
}

/// A reference batch: a township and a village (one merged away), a wave, poverty lines, a
/// target and a plot with inspections.
fn reference() -> Batch {
    Batch {
        units: vec![
            AdminUnit {
                code: code("513434210"),
                name_zh: "大屯乡".into(),
                name_pinyin: "Datun".into(),
                valid_from: Some(Date::new(1992, 1, 1).expect("date")),
                name_ii: String::new(),
                valid_to: Some(Date::new(2020, 12, 31).expect("date")),
                successor: None,
                synthetic: false,
            },
            AdminUnit {
                code: code("513434210201"),
                name_zh: "阿普村".into(),
                name_pinyin: String::new(),
                valid_from: None,
                name_ii: String::new(),
                valid_to: None,
                successor: None,
                synthetic: true,
            },
        ],
        waves: vec![Wave {
            year: 2019,
            baseline: true,
            period_start: Date::new(2019, 1, 1).expect("date"),
            period_end: Date::new(2019, 12, 31).expect("date"),
            closed: false,
        }],
        poverty_lines: domain::programme::default_poverty_lines(),
        targets: vec![Target {
            indicator: "poor_participation_rate".into(),
            unit: code("513434"),
            year: 2019,
            value: 62.5,
        }],
        plots: vec![AfforestationPlot {
            id: rid(9),
            village: code("513434210201"),
            area: Hectares::new(12.75).expect("area"),
            species: TreeSpecies::ArmandPine,
            planting_year: 2016,
            managing_party: ManagingParty::Cooperative,
            inspections: vec![
                SurvivalInspection {
                    year: 2017,
                    survival_pct: 93.5,
                },
                SurvivalInspection {
                    year: 2019,
                    survival_pct: 88.0,
                },
            ],
        }],
        ..Batch::default()
    }
}

pub(crate) fn household() -> Household {
    Household {
        id: rid(1),
        village: code("513434210201"),
        registry_no: "0007".into(),
        head_name: "吉克伍呷".into(),
        head_id_card: Some(IdCardNumber::parse("11010519491231002X").expect("valid")),
        phone: Some(Phone::parse("13912345678").expect("valid")),
        head_sex: Sex::Female,
        head_ethnicity: Ethnicity::Yi,
        poverty_registration: PovertyRegistration::Dibao,
        poverty_cause: Some(PovertyCause::Illness),
        registration_year: Some(2014),
        exit_year: None,
        model: EngagementModel::Collective,
        enrolment_date: Some(Date::new(2018, 5, 20).expect("date")),
    }
}

fn member(no: u8, relation: Relation, birth_year: i32) -> Member {
    Member {
        no,
        sex: if no % 2 == 1 { Sex::Female } else { Sex::Male },
        birth_year,
        relation,
        ethnicity: Ethnicity::Yi,
        education: Education::Junior,
        health: Health::Chronic,
        labour: LabourAbility::Skilled,
        person: None,
    }
}

fn survey() -> HouseholdSurvey {
    HouseholdSurvey {
        id: rid(2),
        household_id: rid(1),
        wave: 2019,
        status: SurveyStatus::Rejected,
        enumerator: "enumerator-513434210".into(),
        client_id: rid(3),
        version: 3,
        review_comment: Some("牲畜存栏数与上期不一致，请核实".into()),
        answers: SurveyAnswers {
            members: vec![
                member(1, Relation::Head, 1949),
                member(2, Relation::Child, 1975),
                member(3, Relation::Grandchild, 2012),
            ],
            employment: vec![
                EmploymentRow {
                    member_no: 2,
                    activity: Activity::ForestRanger,
                    days: Days::new(200).expect("days"),
                    wages: rmb(8000.0),
                },
                EmploymentRow {
                    member_no: 2,
                    activity: Activity::Migrant,
                    days: Days::new(90).expect("days"),
                    wages: rmb(13_500.55),
                },
            ],
            equity: Equity {
                land_mu: Mu::new(6.5).expect("mu"),
                shares: Mu::new(6.5).expect("mu"),
                dividends: rmb(455.0),
            },
            training: vec![TrainingRow {
                member_no: 2,
                topic: TrainingTopic::Afforestation,
                days: Days::new(4).expect("days"),
            }],
            understory: vec![UnderstoryRow {
                product: UnderstoryProduct::Konjac,
                area: Mu::new(1.5).expect("mu"),
                output_kg: Mu::new(620.0).expect("kg"),
                sales: rmb(2480.0),
                costs: rmb(610.0),
            }],
            livestock: vec![
                LivestockRow {
                    species: LivestockSpecies::Goat,
                    head_start: Heads::new(8).expect("heads"),
                    born: Heads::new(5).expect("heads"),
                    died: Heads::new(1).expect("heads"),
                    sold: Heads::new(4).expect("heads"),
                    head_end: Heads::new(9).expect("heads"),
                    sales: rmb(3600.0),
                    costs: rmb(1500.0),
                    correction_note: Some("购入1只".into()),
                },
                LivestockRow {
                    species: LivestockSpecies::Chicken,
                    head_start: Heads::new(20).expect("heads"),
                    born: Heads::new(0).expect("heads"),
                    died: Heads::new(0).expect("heads"),
                    sold: Heads::new(0).expect("heads"),
                    head_end: Heads::new(20).expect("heads"),
                    sales: Rmb::ZERO,
                    costs: Rmb::ZERO,
                    correction_note: None,
                },
            ],
            other_income: OtherIncome {
                crop_net: rmb(1200.0),
                transfers: rmb(3360.0),
                remittances: Rmb::ZERO,
                other: rmb(0.01),
            },
            guarantees: Guarantees {
                food_clothing_secure: true,
                schooling_ok: true,
                insured: true,
                housing_safe: false,
                water_safe: true,
            },
        },
    }
}

/// One survey with its audit entry, as one batch.
fn one_survey(survey: HouseholdSurvey) -> Batch {
    Batch {
        surveys: vec![survey],
        audit: vec![AuditEntry::by(None, "test")],
        ..Batch::default()
    }
}

async fn every_entity_round_trips(app: &TestApp) {
    let reference = reference();
    app.store
        .write(&reference)
        .await
        .expect("write reference data");
    app.store
        .insert_household(&household(), AuditEntry::by(None, "test"))
        .await
        .expect("insert household");
    app.store
        .write(&one_survey(survey()))
        .await
        .expect("insert survey");

    let units = app.store.units().await.expect("units");
    for unit in &reference.units {
        assert!(units.contains(unit), "unit {} round-trips", unit.code);
    }
    assert_eq!(app.store.waves().await.expect("waves"), reference.waves);
    let mut lines = reference.poverty_lines.clone();
    lines.sort_by_key(|l| (l.scheme.code(), l.year));
    assert_eq!(app.store.poverty_lines().await.expect("lines"), lines);
    assert_eq!(
        app.store.targets().await.expect("targets"),
        reference.targets
    );
    assert_eq!(app.store.plots().await.expect("plots"), reference.plots);
    assert_eq!(
        app.store.household(&rid(1)).await.expect("read"),
        Some(household())
    );
    assert_eq!(
        app.store.survey(&rid(2)).await.expect("read"),
        Some(survey())
    );
    assert_eq!(
        app.store.survey_for(&rid(1), 2019).await.expect("read"),
        Some(survey())
    );
    assert_eq!(
        app.store.survey_for(&rid(1), 2020).await.expect("read"),
        None
    );
    assert_eq!(app.store.household(&rid(77)).await.expect("read"), None);
}

async fn a_failing_write_leaves_nothing_behind(app: &TestApp) {
    app.store.write(&reference()).await.expect("reference");
    // The second survey reuses the first one's client id: the whole batch must roll back.
    let mut second = survey();
    second.id = rid(4);
    second.wave = 2019;
    second.household_id = rid(5);
    let mut other_household = household();
    other_household.id = rid(5);
    other_household.registry_no = "0008".into();
    other_household.head_id_card = Some(IdCardNumber::parse("513431198001010012").expect("valid"));
    let batch = Batch {
        households: vec![household(), other_household],
        surveys: vec![survey(), second],
        ..Batch::default()
    };
    assert!(app.store.write(&batch).await.is_err());
    assert_eq!(app.store.count_households().await.expect("count"), 0);
    assert_eq!(app.store.count_surveys().await.expect("count"), 0);

    // A survey for a wave that does not exist is refused (foreign key), members and all.
    app.store
        .insert_household(&household(), AuditEntry::by(None, "test"))
        .await
        .expect("household");
    let mut orphan = survey();
    orphan.wave = 2031;
    assert!(app.store.write(&one_survey(orphan)).await.is_err());
    assert_eq!(app.store.count_surveys().await.expect("count"), 0);
    assert_eq!(app.store.survey(&rid(2)).await.expect("read"), None);
}

fn household_input() -> HouseholdInput {
    HouseholdInput {
        village: "513434210201".into(),
        registry_no: "0101".into(),
        head_name: "沙马拉则".into(),
        head_id_card: "513431198001010012".into(),
        phone: String::new(),
        head_sex: "male".into(),
        head_ethnicity: "yi".into(),
        poverty_registration: "general".into(),
        poverty_cause: "lack_skills".into(),
        registration_year: Some(2014),
        exit_year: Some(2019),
        model: "household".into(),
    }
}

async fn raw_households_are_checked_and_duplicates_refused(app: &TestApp) {
    app.store.write(&reference()).await.expect("reference");
    let mut bad = household_input();
    bad.head_id_card = "513431198001010011".into();
    bad.model = "both".into();
    match register_household(
        &app.store,
        &crate::helpers::author(),
        rid(20),
        &bad,
        2021,
        None,
    )
    .await
    {
        Err(RecordError::Invalid(issues)) => {
            let paths: Vec<_> = issues.iter().map(|i| (i.path.as_str(), i.rule)).collect();
            assert_eq!(
                paths,
                [("head_id_card", "id_card"), ("model", "invalid_choice")]
            );
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    assert_eq!(
        app.store.count_households().await.expect("count"),
        0,
        "nothing written"
    );

    let registered = register_household(
        &app.store,
        &crate::helpers::author(),
        rid(20),
        &household_input(),
        2021,
        None,
    )
    .await
    .expect("valid household");
    assert!(registered.warnings.is_empty() && !registered.replayed);
    assert_eq!(
        app.store.household(&rid(20)).await.expect("read"),
        Some(registered.household.clone())
    );

    // The same registration sent again (a device's outbox after a lost answer): found, not
    // refused as its own duplicate, and nothing written.
    let audit_before = app.store.count_rows("audit_log").await.expect("audit");
    let again = register_household(
        &app.store,
        &crate::helpers::author(),
        rid(20),
        &household_input(),
        2021,
        None,
    )
    .await
    .expect("a replay");
    assert!(again.replayed);
    assert_eq!(again.household, registered.household);
    assert_eq!(
        app.store.count_rows("audit_log").await.expect("audit"),
        audit_before
    );
    // The same id with another head: refused on `id`.
    let mut other = household_input();
    other.head_id_card = "11010519491231002X".into();
    match register_household(
        &app.store,
        &crate::helpers::author(),
        rid(20),
        &other,
        2021,
        None,
    )
    .await
    {
        Err(RecordError::Invalid(issues)) => {
            assert_eq!(
                (issues[0].path.as_str(), issues[0].rule),
                ("id", "id_taken")
            );
        }
        other => panic!("expected the id to be refused, got {other:?}"),
    }
    // Another head under a registry number the village already has: refused on the number.
    match register_household(
        &app.store,
        &crate::helpers::author(),
        rid(22),
        &other,
        2021,
        None,
    )
    .await
    {
        Err(RecordError::Invalid(issues)) => {
            assert_eq!(
                (issues[0].path.as_str(), issues[0].rule),
                ("registry_no", "duplicate_registry_no")
            );
        }
        other => panic!("expected the registry number to be refused, got {other:?}"),
    }

    // The same head in another registry entry: refused, pointing at the existing household.
    let mut again = household_input();
    again.registry_no = "0102".into();
    match register_household(
        &app.store,
        &crate::helpers::author(),
        rid(21),
        &again,
        2021,
        None,
    )
    .await
    {
        Err(RecordError::Invalid(issues)) => {
            assert_eq!(issues.len(), 1);
            assert_eq!(issues[0].path, "head_id_card");
            assert_eq!(issues[0].rule, "duplicate_household");
            assert!(issues[0].zh.contains(rid(20).as_str()), "{}", issues[0].zh);
        }
        other => panic!("expected a duplicate refusal, got {other:?}"),
    }
    assert_eq!(app.store.count_households().await.expect("count"), 1);
}

async fn raw_surveys_are_checked_before_anything_is_written(app: &TestApp) {
    app.store.write(&reference()).await.expect("reference");
    app.store
        .insert_household(&household(), AuditEntry::by(None, "test"))
        .await
        .expect("household");
    let member = |relation: &str, birth_year| MemberInput {
        sex: "female".into(),
        birth_year,
        relation: relation.into(),
        ethnicity: "yi".into(),
        education: "primary".into(),
        health: "healthy".into(),
        labour: "ordinary".into(),
        ..MemberInput::default()
    };
    let mut input = SurveyInput {
        members: vec![member("head", 1970), member("child", 2030)],
        employment: vec![EmploymentInput {
            member_no: 1,
            activity: "tending".into(),
            days: 400,
            wages: -3.0,
        }],
        ..SurveyInput::default()
    };
    // Through the one write path every form, file and API body takes.
    let waves = [2019];
    let save = |input: &SurveyInput| app::model::SurveySaveInput {
        household: rid(1).as_str().to_owned(),
        wave: 2019,
        client_id: rid(31).as_str().to_owned(),
        base_version: 0,
        submit: false,
        confirm_warnings: false,
        answers: input.clone(),
    };
    let author = crate::helpers::author();
    match save_survey(&app.store, &author, &waves, &save(&input)).await {
        Err(SaveError::Invalid(issues)) => {
            let paths: Vec<_> = issues
                .iter()
                .map(|i| (i.path.as_str(), i.rule.as_str()))
                .collect();
            assert_eq!(
                paths,
                [
                    ("members[1].birth_year", "birth_year"),
                    ("employment[0].days", "quantity"),
                    ("employment[0].wages", "quantity")
                ]
            );
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    assert_eq!(
        app.store.count_surveys().await.expect("count"),
        0,
        "nothing written"
    );

    input.members[1].birth_year = 2005;
    input.employment[0].days = 120;
    input.employment[0].wages = 12_000.0;
    let saved = save_survey(&app.store, &author, &waves, &save(&input))
        .await
        .expect("valid survey");
    assert_eq!(saved.status, SurveyStatus::Draft);
    let id = RecordId::parse(&saved.survey).expect("survey id");
    let mut stored = app.store.survey(&id).await.expect("read").expect("stored");
    assert_eq!(stored.status, SurveyStatus::Draft);
    // The household had no registry people: the roster added one per line, in order.
    let people = app.store.persons_of(&[rid(1)]).await.expect("people");
    let mut linked = Vec::new();
    for m in &mut stored.answers.members {
        linked.push(m.person.take().expect("linked to a person"));
    }
    let mut added: Vec<_> = people.iter().map(|p| (p.position, p.id.clone())).collect();
    added.sort();
    assert_eq!(
        added.into_iter().map(|(_, id)| id).collect::<Vec<_>>(),
        linked
    );
    assert_eq!(
        stored.answers,
        domain::validate::check_survey(&input, 2019)
            .expect("valid")
            .0
    );
}

crate::on_both_backends!(
    every_entity_round_trips,
    a_failing_write_leaves_nothing_behind,
    raw_households_are_checked_and_duplicates_refused,
    raw_surveys_are_checked_before_anything_is_written,
);
