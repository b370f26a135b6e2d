//! Every rule with a passing and a failing case.

use super::*;

const WAVE: i32 = 2020;

fn valid_household() -> HouseholdInput {
    HouseholdInput {
        village: "513434100201".into(),
        registry_no: "0042".into(),
        head_name: "阿呷日作".into(),
        head_id_card: "513431198001010012".into(),
        phone: "13800001234".into(),
        head_sex: "male".into(),
        head_ethnicity: "yi".into(),
        poverty_registration: "general".into(),
        poverty_cause: "lack_skills".into(),
        registration_year: Some(2014),
        exit_year: Some(2019),
        model: "collective".into(),
    }
}

fn member(relation: &str, birth_year: i32) -> MemberInput {
    MemberInput {
        sex: "female".into(),
        birth_year,
        relation: relation.into(),
        ethnicity: "yi".into(),
        education: "primary".into(),
        health: "healthy".into(),
        labour: "ordinary".into(),
        ..MemberInput::default()
    }
}

fn valid_survey() -> SurveyInput {
    SurveyInput {
        members: vec![
            member("head", 1978),
            member("spouse", 1980),
            member("child", 2008),
        ],
        employment: vec![
            EmploymentInput {
                member_no: 1,
                activity: "afforestation".into(),
                days: 200,
                wages: 20_000.0,
            },
            EmploymentInput {
                member_no: 1,
                activity: "migrant".into(),
                days: 166,
                wages: 16_600.0,
            },
        ],
        equity: EquityInput {
            land_mu: 6.0,
            shares: 6.0,
            dividends: 420.0,
        },
        training: vec![TrainingInput {
            member_no: 2,
            topic: "understory".into(),
            days: 5,
        }],
        understory: vec![UnderstoryInput {
            product: "sichuan_pepper".into(),
            area_mu: 2.0,
            output_kg: 80.0,
            sales: 4000.0,
            costs: 900.0,
        }],
        livestock: vec![LivestockInput {
            species: "goat".into(),
            head_start: 10,
            born: 4,
            died: 1,
            sold: 5,
            head_end: 8,
            sales: 4500.0,
            costs: 1200.0,
            correction_note: String::new(),
        }],
        other_income: OtherIncomeInput {
            crop_net: 1500.0,
            transfers: 800.0,
            remittances: 0.0,
            other: 0.0,
        },
        guarantees: Guarantees {
            food_clothing_secure: true,
            schooling_ok: true,
            insured: true,
            housing_safe: true,
            water_safe: true,
        },
    }
}

/// (path, rule, severity) of every issue a check reported.
fn issues<T>(checked: &Checked<T>) -> Vec<(String, &'static str, Severity)> {
    let list = match checked {
        Ok((_, warnings)) => warnings,
        Err(errors) => errors,
    };
    list.iter()
        .map(|i| (i.path.clone(), i.rule, i.severity))
        .collect()
}

fn error_at(path: &str, rule: &'static str) -> Vec<(String, &'static str, Severity)> {
    vec![(path.to_owned(), rule, Severity::Error)]
}

fn warning_at(path: &str, rule: &'static str) -> Vec<(String, &'static str, Severity)> {
    vec![(path.to_owned(), rule, Severity::Warning)]
}

fn household_with(change: impl FnOnce(&mut HouseholdInput)) -> Checked<HouseholdFields> {
    let mut input = valid_household();
    change(&mut input);
    check_household(&input, WAVE)
}

fn survey_with(change: impl FnOnce(&mut SurveyInput)) -> Checked<SurveyAnswers> {
    let mut input = valid_survey();
    change(&mut input);
    check_survey(&input, WAVE)
}

// ---- household ------------------------------------------------------------------------------

#[test]
fn a_valid_household_passes_cleanly() {
    let (fields, warnings) = check_household(&valid_household(), WAVE).expect("valid household");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(fields.village.as_str(), "513434100201");
    assert_eq!(fields.head_id_card.birth_year(), 1980);
    assert_eq!(fields.model, crate::EngagementModel::Collective);
}

#[test]
fn the_village_must_be_a_village_code() {
    assert_eq!(
        issues(&household_with(|h| h.village = "513434100".into())),
        error_at("village", "village_level")
    );
    assert_eq!(
        issues(&household_with(|h| h.village = "51343410020".into())),
        error_at("village", "unit_code")
    );
}

#[test]
fn the_head_needs_a_name() {
    assert_eq!(
        issues(&household_with(|h| h.head_name = "  ".into())),
        error_at("head_name", "head_name")
    );
    assert_eq!(
        issues(&household_with(|h| h.head_name = "名".repeat(51))),
        error_at("head_name", "head_name")
    );
}

#[test]
fn id_card_checksum_and_birth_date_are_checked() {
    let bad_checksum = household_with(|h| h.head_id_card = "513431198001010011".into());
    assert_eq!(issues(&bad_checksum), error_at("head_id_card", "id_card"));
    let message = &bad_checksum.expect_err("refused")[0];
    assert_eq!(
        message.zh,
        "身份证号校验位应为 2，而不是 1，请核对是否录入有误"
    );
    assert_eq!(
        message.en,
        "the check character should be 2, not 1: the number was mistyped"
    );
    // 1981-02-29 does not exist (check digit computed for the digits as written).
    let bad_date = crate::id_card::check_char(b"51343119810229001");
    let id = format!("51343119810229001{bad_date}");
    assert_eq!(
        issues(&household_with(|h| h.head_id_card = id)),
        error_at("head_id_card", "id_card")
    );
}

#[test]
fn phone_is_optional_but_must_be_a_mobile_number() {
    assert!(household_with(|h| h.phone = String::new()).is_ok());
    assert_eq!(
        issues(&household_with(|h| h.phone = "0834-1234567".into())),
        error_at("phone", "phone")
    );
}

#[test]
fn choices_must_come_from_the_vocabulary() {
    let checked = household_with(|h| {
        h.head_sex = "x".into();
        h.model = String::new();
    });
    assert_eq!(
        issues(&checked),
        vec![
            ("head_sex".to_owned(), "invalid_choice", Severity::Error),
            ("model".to_owned(), "invalid_choice", Severity::Error)
        ]
    );
    let errors = checked.expect_err("refused");
    assert_eq!(errors[0].zh, "户主性别“x”不是有效选项");
    assert_eq!(errors[1].zh, "请选择参与模式");
    assert!(household_with(|h| h.poverty_cause = String::new()).is_ok());
    assert_eq!(
        issues(&household_with(|h| h.poverty_cause = "bad_luck".into())),
        error_at("poverty_cause", "invalid_choice")
    );
}

#[test]
fn sex_disagreeing_with_the_id_card_is_a_warning() {
    let checked = household_with(|h| h.head_sex = "female".into());
    assert_eq!(
        issues(&checked),
        warning_at("head_sex", "sex_matches_id_card")
    );
    assert!(checked.is_ok(), "warnings do not block");
}

#[test]
fn programme_years_are_plausible_and_ordered() {
    assert_eq!(
        issues(&household_with(|h| h.registration_year = Some(2009))),
        error_at("registration_year", "programme_year")
    );
    assert_eq!(
        issues(&household_with(|h| h.exit_year = Some(WAVE + 1))),
        error_at("exit_year", "programme_year")
    );
    assert_eq!(
        issues(&household_with(|h| {
            h.registration_year = Some(2016);
            h.exit_year = Some(2015);
        })),
        error_at("exit_year", "exit_after_registration")
    );
    assert_eq!(
        issues(&household_with(|h| {
            h.registration_year = None;
            h.exit_year = None;
        })),
        warning_at("registration_year", "registration_year_missing")
    );
    assert!(household_with(|h| {
        h.poverty_registration = "non_poor".into();
        h.registration_year = None;
        h.exit_year = None;
    })
    .is_ok_and(|(_, warnings)| warnings.is_empty()));
}

// ---- survey ---------------------------------------------------------------------------------

#[test]
fn a_valid_survey_passes_cleanly_with_the_right_totals() {
    let (answers, warnings) = check_survey(&valid_survey(), WAVE).expect("valid survey");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(answers.household_size(), 3);
    // 20000 + 16600 + 420 + (4000 − 900) + (4500 − 1200) + 1500 + 800 = 45720 yuan
    assert_eq!(answers.net_income_fen(), 4_572_000);
    assert_eq!(answers.per_capita_net_income(), Some(15_240.0));
}

#[test]
fn the_form_round_trips_through_input() {
    let (answers, _) = check_survey(&valid_survey(), WAVE).expect("valid");
    let (again, _) = check_survey(&SurveyInput::from(&answers), WAVE).expect("still valid");
    assert_eq!(again, answers);
}

#[test]
fn a_household_has_at_least_one_member_and_exactly_one_head() {
    assert_eq!(issues(&survey_with(|s| s.members.clear())), {
        // The member references of the employment and training rows then fail too.
        let mut expected = error_at("members", "household_size");
        expected.extend(error_at("employment[0].member_no", "unknown_member"));
        expected.extend(error_at("employment[1].member_no", "unknown_member"));
        expected.extend(error_at("training[0].member_no", "unknown_member"));
        expected
    });
    assert_eq!(
        issues(&survey_with(|s| s.members[1].relation = "head".into())),
        error_at("members", "one_head")
    );
    assert_eq!(
        issues(&survey_with(|s| s.members[0].relation = "other".into())),
        error_at("members", "one_head")
    );
}

#[test]
fn birth_years_are_plausible() {
    assert_eq!(
        issues(&survey_with(|s| s.members[2].birth_year = WAVE + 1)),
        error_at("members[2].birth_year", "birth_year")
    );
    assert_eq!(
        issues(&survey_with(|s| s.members[2].birth_year = 1899)),
        error_at("members[2].birth_year", "birth_year")
    );
    assert!(
        survey_with(|s| s.members[2].birth_year = WAVE).is_ok(),
        "a baby born in the wave year"
    );
}

#[test]
fn rows_must_name_a_member_on_the_roster() {
    assert_eq!(
        issues(&survey_with(|s| s.employment[0].member_no = 4)),
        error_at("employment[0].member_no", "unknown_member")
    );
    assert_eq!(
        issues(&survey_with(|s| s.training[0].member_no = 0)),
        error_at("training[0].member_no", "unknown_member")
    );
}

#[test]
fn days_worked_by_one_member_fit_in_a_year() {
    // 200 + 166 = 366 passes (above); one more day fails.
    let checked = survey_with(|s| s.employment[1].days = 167);
    assert_eq!(
        issues(&checked),
        error_at("employment.member[1]", "member_days_limit")
    );
    assert_eq!(
        checked.expect_err("refused")[0].zh,
        "第1号成员本期务工天数合计367天，超过一年366天"
    );
    // The same days spread over two members pass.
    assert!(survey_with(|s| {
        s.employment[1].days = 300;
        s.employment[1].member_no = 2;
    })
    .is_ok());
    assert_eq!(
        issues(&survey_with(|s| s.employment[0].days = 367)),
        error_at("employment[0].days", "quantity")
    );
}

#[test]
fn training_days_fit_in_a_year() {
    let checked = survey_with(|s| {
        s.training.push(TrainingInput {
            member_no: 2,
            topic: "other".into(),
            days: 362,
        });
    });
    assert_eq!(
        issues(&checked),
        error_at("training.member[2]", "training_days_limit")
    );
    assert!(survey_with(|s| s.training.push(TrainingInput {
        member_no: 2,
        topic: "other".into(),
        days: 361
    }))
    .is_ok());
}

#[test]
fn no_negative_money_area_or_head_counts() {
    assert_eq!(
        issues(&survey_with(|s| s.employment[0].wages = -1.0)),
        error_at("employment[0].wages", "quantity")
    );
    assert_eq!(
        issues(&survey_with(|s| s.equity.land_mu = -0.5)),
        error_at("equity.land_mu", "quantity")
    );
    assert_eq!(
        issues(&survey_with(|s| s.understory[0].area_mu = -2.0)),
        error_at("understory[0].area_mu", "quantity")
    );
    assert_eq!(
        issues(&survey_with(|s| s.other_income.transfers = -10.0)),
        error_at("other_income.transfers", "quantity")
    );
    let negative_heads = survey_with(|s| {
        s.livestock[0].died = -1;
        s.livestock[0].head_end = 10;
    });
    assert_eq!(
        issues(&negative_heads),
        error_at("livestock[0].died", "quantity")
    );
    assert_eq!(
        negative_heads.expect_err("refused")[0].zh,
        "不能为负数（填写了 -1）"
    );
    assert_eq!(
        issues(&survey_with(|s| s.understory[0].sales = f64::NAN)),
        error_at("understory[0].sales", "quantity")
    );
}

#[test]
fn livestock_heads_balance_or_are_explained() {
    let checked = survey_with(|s| s.livestock[0].head_end = 9);
    assert_eq!(
        issues(&checked),
        error_at("livestock[0].head_end", "livestock_balance")
    );
    assert!(checked.expect_err("refused")[0]
        .zh
        .starts_with("期末存栏应为 期初10 + 出生4 − 死亡1 − 出售5 = 8 头（只），填写了 9"));
    let explained = survey_with(|s| {
        s.livestock[0].head_end = 9;
        s.livestock[0].correction_note = "购入1只".into();
    });
    let (answers, _) = explained.expect("a correction note explains the difference");
    assert_eq!(
        answers.livestock[0].correction_note.as_deref(),
        Some("购入1只")
    );
}

#[test]
fn dividends_without_shares_are_a_warning() {
    let checked = survey_with(|s| s.equity.shares = 0.0);
    assert_eq!(
        issues(&checked),
        warning_at("equity.dividends", "dividends_without_shares")
    );
    assert!(checked.is_ok());
}

#[test]
fn implausibly_high_income_is_a_warning_not_an_error() {
    let checked = survey_with(|s| s.other_income.other = 600_000.0);
    assert_eq!(
        issues(&checked),
        warning_at("summary.per_capita_net_income", "per_capita_income_high")
    );
    assert!(checked.is_ok());
    // Just below: 45720 + 554279 = 599999 yuan ÷ 3 = 199,999.67 per person.
    assert!(survey_with(|s| s.other_income.other = 554_279.0)
        .is_ok_and(|(_, warnings)| warnings.is_empty()));
}

#[test]
fn every_error_is_reported_at_once_with_both_languages() {
    let checked = survey_with(|s| {
        s.members[0].sex = "?".into();
        s.employment[0].wages = -5.0;
        s.livestock[0].head_end = 0;
    });
    let errors = checked.expect_err("refused");
    assert_eq!(errors.len(), 3);
    assert!(errors.iter().all(|e| !e.zh.is_empty() && !e.en.is_empty()));
}
