//! Survey entry over the wire (`PUT /api/v1/households/{id}/surveys/{wave}` and the form's
//! `save_survey` server function): every validation rule refused with its field and a Chinese
//! message and nothing written; retries answered from what is stored; stale versions refused;
//! the whole draft → submit → reject → fix → approve cycle, audited, reaching the figures.

use axum::http::StatusCode;
use domain::{RecordId, SurveyStatus};
use serde_json::{json, Value};
use server::seed::{seed, SeedOptions};

use crate::helpers::{Session, TestApp};

const SEED: SeedOptions = SeedOptions {
    households: 120,
    seed: 5,
    progress: false,
};

/// A three-person household's answers. Net income: wages 6,000 + dividends 400 + pepper
/// (3,000 − 800) + pigs (6,000 − 3,500) + crops 1,200 + transfers 1,500 = 13,800 yuan,
/// 4,600 per person (above 2021's line of 4,000).
pub fn answers() -> Value {
    let person = |sex: &str, year: i32, relation: &str, education: &str, labour: &str| {
        json!({ "sex": sex, "birth_year": year, "relation": relation, "ethnicity": "yi",
                "education": education, "health": "healthy", "labour": labour })
    };
    json!({
        "members": [
            person("male", 1975, "head", "primary", "ordinary"),
            person("female", 1978, "spouse", "none", "ordinary"),
            person("female", 2010, "child", "primary", "none"),
        ],
        "employment": [{ "member_no": 1, "activity": "afforestation", "days": 60, "wages": 6000.0 }],
        "equity": { "land_mu": 5.0, "shares": 5.0, "dividends": 400.0 },
        "training": [{ "member_no": 2, "topic": "understory", "days": 3 }],
        "understory": [{ "product": "sichuan_pepper", "area_mu": 2.0, "output_kg": 50.0, "sales": 3000.0, "costs": 800.0 }],
        "livestock": [{ "species": "pig", "head_start": 2, "born": 5, "died": 1, "sold": 4, "head_end": 2,
                        "sales": 6000.0, "costs": 3500.0, "correction_note": "" }],
        "other_income": { "crop_net": 1200.0, "transfers": 1500.0, "remittances": 0.0, "other": 0.0 },
        "guarantees": { "food_clothing_secure": true, "schooling_ok": true, "insured": true,
                        "housing_safe": true, "water_safe": true },
    })
}

fn new_client_id() -> String {
    server::auth::new_id()
}

struct Entry<'a> {
    app: &'a TestApp,
    who: &'a Session,
    household: String,
}

impl Entry<'_> {
    fn path(&self, wave: i32) -> String {
        format!("/api/v1/households/{}/surveys/{wave}", self.household)
    }

    async fn put(&self, wave: i32, body: Value) -> crate::helpers::Response {
        self.app
            .json_as(self.who, "PUT", &self.path(wave), body)
            .await
    }

    async fn save(
        &self,
        client_id: &str,
        base: i32,
        submit: bool,
        answers: Value,
    ) -> crate::helpers::Response {
        self.put(
            2021,
            json!({ "client_id": client_id, "base_version": base, "submit": submit, "answers": answers }),
        )
        .await
    }

    async fn stored(&self) -> Option<domain::HouseholdSurvey> {
        let id = RecordId::parse(&self.household).expect("id");
        self.app.store.survey_for(&id, 2021).await.expect("read")
    }
}

async fn households_surveyed(app: &TestApp, who: &Session, village: &str) -> f64 {
    app.get_as(
        who,
        &format!("/api/v1/indicators?unit={village}&wave=2021&indicator=households_surveyed"),
    )
    .await
    .json()["rows"][0]["indicators"][0]["value"]
        .as_f64()
        .unwrap_or(0.0)
}

/// Registers a new household in a Yuexi village as its enumerator; returns (village, id).
async fn new_household(app: &TestApp, who: &Session, village: &str) -> String {
    let id_card = domain::id_card::compose("513434", 1975, 3, 14, 123).expect("id card");
    let created = app
        .json_as(
            who,
            "POST",
            "/api/v1/households",
            json!({ "village": village, "registry_no": "9001", "head_name": "吉克石一",
                    "head_id_card": id_card.as_str(), "head_sex": "male", "head_ethnicity": "yi",
                    "poverty_registration": "general", "poverty_cause": "lack_skills",
                    "registration_year": 2014, "model": "household" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.json()["id"].as_str().expect("id").to_owned()
}

async fn a_yuexi_village(app: &TestApp) -> String {
    village_where(app, |v| v.starts_with("513434")).await
}

async fn village_where(app: &TestApp, wanted: impl Fn(&str) -> bool) -> String {
    for id in app.store.household_ids().await.expect("ids") {
        let h = app
            .store
            .household(&RecordId::parse(&id).expect("id"))
            .await
            .expect("read")
            .expect("exists");
        if wanted(h.village.as_str()) {
            return h.village.to_string();
        }
    }
    panic!("no such village in the seed");
}

/// Applies `change` to the valid answers.
fn with(change: impl FnOnce(&mut Value)) -> Value {
    let mut a = answers();
    change(&mut a);
    a
}

async fn every_rule_is_refused_over_the_wire_and_nothing_is_written(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let village = a_yuexi_village(app).await;
    let enumerator = app.session("enum", "enumerator", &village).await;
    let household = new_household(app, &enumerator, &village).await;
    let entry = Entry {
        app,
        who: &enumerator,
        household,
    };
    // (answers, path, rule): each breaks exactly one rule.
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            with(|a| a["members"] = json!([])),
            "members",
            "household_size",
        ),
        (
            with(|a| a["members"][1]["relation"] = json!("head")),
            "members",
            "one_head",
        ),
        (
            with(|a| a["members"][0]["sex"] = json!("x")),
            "members[0].sex",
            "invalid_choice",
        ),
        (
            with(|a| a["members"][2]["education"] = json!("")),
            "members[2].education",
            "invalid_choice",
        ),
        (
            with(|a| a["members"][2]["birth_year"] = json!(2030)),
            "members[2].birth_year",
            "birth_year",
        ),
        (
            with(|a| a["employment"][0]["member_no"] = json!(9)),
            "employment[0].member_no",
            "unknown_member",
        ),
        (
            with(|a| a["employment"][0]["activity"] = json!("mining")),
            "employment[0].activity",
            "invalid_choice",
        ),
        (
            with(|a| a["employment"][0]["days"] = json!(-1)),
            "employment[0].days",
            "quantity",
        ),
        (
            with(|a| a["employment"][0]["wages"] = json!(-5.0)),
            "employment[0].wages",
            "quantity",
        ),
        (
            with(|a| {
                a["employment"] = json!([
                    { "member_no": 1, "activity": "afforestation", "days": 200, "wages": 1.0 },
                    { "member_no": 1, "activity": "migrant", "days": 200, "wages": 1.0 },
                ])
            }),
            "employment.member[1]",
            "member_days_limit",
        ),
        (
            with(|a| {
                a["training"] = json!([
                    { "member_no": 2, "topic": "understory", "days": 300 },
                    { "member_no": 2, "topic": "other", "days": 100 },
                ])
            }),
            "training.member[2]",
            "training_days_limit",
        ),
        (
            with(|a| a["training"][0]["topic"] = json!("")),
            "training[0].topic",
            "invalid_choice",
        ),
        (
            with(|a| a["equity"]["land_mu"] = json!(-1.0)),
            "equity.land_mu",
            "quantity",
        ),
        (
            with(|a| a["understory"][0]["area_mu"] = json!(-2.0)),
            "understory[0].area_mu",
            "quantity",
        ),
        (
            with(|a| a["understory"][0]["product"] = json!("tea")),
            "understory[0].product",
            "invalid_choice",
        ),
        (
            with(|a| a["livestock"][0]["head_end"] = json!(9)),
            "livestock[0].head_end",
            "livestock_balance",
        ),
        (
            with(|a| a["livestock"][0]["born"] = json!(-1)),
            "livestock[0].born",
            "quantity",
        ),
        (
            with(|a| a["other_income"]["crop_net"] = json!(-100.0)),
            "other_income.crop_net",
            "quantity",
        ),
        (
            with(|a| a["other_income"]["transfers"] = json!(2e11)),
            "other_income.transfers",
            "quantity",
        ),
    ];
    for (answers, path, rule) in cases {
        let refused = entry.save(&new_client_id(), 0, false, answers).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            refused.body
        );
        let body = refused.json();
        let issues = body["issues"].as_array().expect("issues");
        let issue = issues
            .iter()
            .find(|i| i["path"] == path && i["rule"] == rule)
            .unwrap_or_else(|| panic!("{path} {rule} not in {body}"));
        let zh = issue["zh"].as_str().expect("zh");
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{zh}"
        );
        assert_eq!(issue["warning"], false);
        assert!(entry.stored().await.is_none(), "{path}: nothing written");
    }
    // Server-side checks beyond the answers: the save's id and the wave.
    let no_id = entry
        .put(2021, json!({ "client_id": "", "answers": answers() }))
        .await;
    assert_eq!(no_id.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_id.json()["issues"][0]["path"], "client_id");
    let bad_wave = entry
        .put(
            1999,
            json!({ "client_id": new_client_id(), "answers": answers() }),
        )
        .await;
    assert_eq!(bad_wave.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_wave.json()["issues"][0]["path"], "wave");

    // The livestock balance is an error only without an explanation.
    let explained = with(|a| {
        a["livestock"][0]["head_end"] = json!(9);
        a["livestock"][0]["correction_note"] = json!("年中购入7头");
    });
    let saved = entry.save(&new_client_id(), 0, false, explained).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    assert_eq!(saved.json()["version"], 1);

    // Warnings: a draft keeps them; a submission needs them confirmed.
    let odd = with(|a| a["equity"]["shares"] = json!(0.0));
    let draft = entry.save(&new_client_id(), 1, false, odd.clone()).await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
    let draft = draft.json();
    assert_eq!(draft["version"], 2);
    assert_eq!(draft["warnings"][0]["rule"], "dividends_without_shares");
    assert_eq!(draft["warnings"][0]["warning"], true);
    let unconfirmed = entry.save(&new_client_id(), 2, true, odd.clone()).await;
    assert_eq!(
        unconfirmed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unconfirmed.body
    );
    assert_eq!(unconfirmed.json()["error"], "confirm_warnings");
    assert_eq!(
        entry.stored().await.expect("stored").status,
        SurveyStatus::Draft
    );
    let rich = with(|a| a["other_income"]["other"] = json!(900_000.0));
    let high = entry.save(&new_client_id(), 2, true, rich).await;
    assert_eq!(high.json()["issues"][0]["rule"], "per_capita_income_high");
    let confirmed = entry
        .put(
            2021,
            json!({ "client_id": new_client_id(), "base_version": 2, "submit": true,
                    "confirm_warnings": true, "answers": odd }),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert_eq!(confirmed.json()["status"], "submitted");
    assert_eq!(confirmed.json()["version"], 3);

    // Others may not write it: another village's enumerator, an official, a researcher.
    let other_village = village_where(app, |v| v != village).await;
    let elsewhere = app.session("enum2", "enumerator", &other_village).await;
    let official = app.session("off", "official", "513434").await;
    let researcher = app.session("res", "researcher", "513400").await;
    for who in [&elsewhere, &official, &researcher] {
        let denied = Entry {
            app,
            who,
            household: entry.household.clone(),
        }
        .save(&new_client_id(), 3, false, answers())
        .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
        assert!(!denied.body.contains("吉克"), "{}", denied.body);
    }
    assert_eq!(entry.stored().await.expect("stored").version, 3);

    // A seeded household's form: its 2021 survey, and 2020's answers offered as a start.
    let seeded = app
        .store
        .households_in(&domain::UnitCode::parse(&village).expect("code"))
        .await
        .expect("households")
        .into_iter()
        .find(|h| h.registry_no != "9001")
        .expect("a seeded household");
    let form = app
        .get_as(
            &enumerator,
            &format!("/api/v1/households/{}/surveys/2021", seeded.id),
        )
        .await
        .json();
    let offered = form["previous"][0].as_i64().expect("a previous wave") as i32;
    assert!(offered < 2021, "{form}");
    let earlier = app
        .store
        .survey_for(&seeded.id, offered)
        .await
        .expect("read")
        .expect("that wave's survey");
    assert_eq!(
        form["previous"][1]["members"]
            .as_array()
            .expect("members")
            .len(),
        earlier.answers.members.len()
    );
    assert_eq!(
        form["previous"][1]["other_income"]["transfers"].as_f64(),
        Some(earlier.answers.other_income.transfers.yuan())
    );
    assert_eq!(form["line"], 4000.0);
}

async fn retries_are_idempotent_and_stale_edits_overwrite_nothing(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let village = a_yuexi_village(app).await;
    let enumerator = app.session("enum", "enumerator", &village).await;
    let household = new_household(app, &enumerator, &village).await;
    let entry = Entry {
        app,
        who: &enumerator,
        household,
    };
    let surveys_before = app.store.count_surveys().await.expect("count");

    // The same first save sent twice at once (a double tap): one survey, one write.
    let first = new_client_id();
    let (a, b) = tokio::join!(
        entry.save(&first, 0, true, answers()),
        entry.save(&first, 0, true, answers())
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CREATED],
        "{} / {}",
        a.body,
        b.body
    );
    let replayed = [a.json(), b.json()]
        .into_iter()
        .filter(|r| r["replayed"] == true)
        .count();
    assert_eq!(replayed, 1);
    assert_eq!(
        app.store.count_surveys().await.expect("count"),
        surveys_before + 1
    );
    // And again later (the answer was lost): still the same survey and version.
    let again = entry.save(&first, 0, true, answers()).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["replayed"], true);
    assert_eq!(again.json()["version"], 1);
    assert_eq!(
        app.store.count_surveys().await.expect("count"),
        surveys_before + 1
    );
    let stored = entry.stored().await.expect("stored");
    assert_eq!(stored.status, SurveyStatus::Submitted);
    assert_eq!(stored.answers.net_income_fen(), 1_380_000);
    assert_eq!(stored.enumerator, "enum");

    // A new survey for a household that has one: a conflict, pointing at the existing one.
    let duplicate = entry.save(&new_client_id(), 0, false, answers()).await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT, "{}", duplicate.body);
    assert!(duplicate.json()["message"]
        .as_str()
        .expect("message")
        .contains("已有问卷"));
    // Submitted: locked until reviewed.
    let locked = entry.save(&new_client_id(), 1, false, answers()).await;
    assert_eq!(locked.status, StatusCode::CONFLICT);
    assert!(locked.json()["message"]
        .as_str()
        .expect("m")
        .contains("等待审核"));

    // The supervisor sends it back; the enumerator fixes and resubmits; approval counts it.
    let supervisor = app.session("sup", "supervisor", &village[..9]).await;
    let survey_id = stored.id.to_string();
    let reject = app
        .server_fn_as(
            &supervisor,
            "review_survey",
            &format!("input[survey]={survey_id}&input[decision]=reject&input[version]=1&input[comment]=%E5%B7%A5%E8%B5%84%E6%9C%89%E8%AF%AF"),
        )
        .await
        .json();
    assert_eq!(reject["Ok"]["version"], 2, "{reject}");
    let form = app.get_as(&enumerator, &entry.path(2021)).await.json();
    assert_eq!(form["survey"]["status"], "rejected");
    assert_eq!(form["survey"]["review_comment"], "工资有误");
    assert_eq!(form["editable"], true);
    assert_eq!(form["answers"]["employment"][0]["wages"], 6000.0);

    // Two tabs open at version 2: the first save wins, the second is told and changes nothing.
    let fixed = with(|a| a["employment"][0]["wages"] = json!(5400.0));
    let draft = entry.save(&new_client_id(), 2, false, fixed.clone()).await;
    assert_eq!(draft.json()["version"], 3, "{}", draft.body);
    assert_eq!(
        entry
            .stored()
            .await
            .expect("stored")
            .review_comment
            .as_deref(),
        Some("工资有误"),
        "a draft keeps the comment in sight"
    );
    let stale = entry.save(&new_client_id(), 2, false, answers()).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let message = stale.json()["message"].as_str().expect("m").to_owned();
    assert!(
        message.contains("第 2 版") && message.contains("第 3 版"),
        "{message}"
    );
    let kept = entry.stored().await.expect("stored");
    assert_eq!(kept.version, 3);
    assert_eq!(kept.answers.wages_fen(), 540_000);

    // Resubmitted through the form's server function (JSON), then approved.
    let official = app.session("off", "official", &village[..9]).await;
    let before = households_surveyed(app, &official, &village).await;
    let resubmit = app
        .send(
            axum::http::Request::post("/sfn/save_survey")
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header("cookie", &enumerator.cookie)
                .header("sec-fetch-site", "same-origin")
                .body(axum::body::Body::from(
                    json!({ "input": { "household": entry.household, "wave": 2021,
                        "client_id": new_client_id(), "base_version": 3, "submit": true,
                        "confirm_warnings": false, "answers": fixed } })
                    .to_string(),
                ))
                .expect("request"),
        )
        .await;
    assert_eq!(resubmit.status, StatusCode::OK, "{}", resubmit.body);
    let resubmit = resubmit.json();
    assert_eq!(resubmit["Ok"]["status"], "submitted", "{resubmit}");
    assert_eq!(resubmit["Ok"]["version"], 4);
    assert_eq!(
        entry.stored().await.expect("stored").review_comment,
        None,
        "submitting clears the comment"
    );
    let approve = app
        .server_fn_as(
            &supervisor,
            "review_survey",
            &format!("input[survey]={survey_id}&input[decision]=approve&input[version]=4&input[comment]="),
        )
        .await
        .json();
    assert_eq!(approve["Ok"]["status"], "approved", "{approve}");
    assert_eq!(
        households_surveyed(app, &official, &village).await,
        before + 1.0
    );

    // Every transition is in the audit log, in order, by whom it was made.
    let admin = app.admin().await;
    let audit = app
        .get_as(&admin, &format!("/api/v1/audit?target={survey_id}"))
        .await
        .json();
    let mut actions: Vec<(String, String)> = audit
        .as_array()
        .unwrap_or_else(|| panic!("entries in {audit}"))
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["actor"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    actions.reverse();
    let expected: Vec<(String, String)> = [
        ("survey.submit", "enum"),
        ("survey.reject", "sup"),
        ("survey.save", "enum"),
        ("survey.submit", "enum"),
        ("survey.approve", "sup"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(actions, expected);
}

/// A survey's roster refers to the registry's people: a first survey of a household with no
/// registry people adds them; a later roster in another order, without the spouse and with a
/// newborn, keeps everyone's id and adds only the newborn; a roster naming someone else's
/// person, or the same person twice, is refused at that field and writes nothing.
async fn rosters_refer_to_the_registrys_people_in_every_wave(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let village = a_yuexi_village(app).await;
    let enumerator = app.session("enum", "enumerator", &village).await;
    let household = new_household(app, &enumerator, &village).await;
    let id = RecordId::parse(&household).expect("id");
    let entry = Entry {
        app,
        who: &enumerator,
        household: household.clone(),
    };
    let people = || async {
        let mut people = app
            .store
            .persons_of(std::slice::from_ref(&id))
            .await
            .expect("people");
        people.sort_by_key(|p| p.position);
        people
    };
    let roster = |survey: &domain::HouseholdSurvey| -> Vec<RecordId> {
        survey
            .answers
            .members
            .iter()
            .map(|m| m.person.clone().expect("linked"))
            .collect()
    };
    assert!(people().await.is_empty());
    let saved = entry.save(&new_client_id(), 0, false, answers()).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let registry = people().await;
    assert_eq!(registry.len(), 3, "head, spouse and child added");
    assert_eq!(
        registry
            .iter()
            .map(|p| (p.position, p.birth_year))
            .collect::<Vec<_>>(),
        [(1, 1975), (2, 1978), (3, 2010)]
    );
    assert!(registry.iter().all(|p| p.name.is_empty() && p.active));
    let first = roster(&entry.stored().await.expect("stored"));
    assert_eq!(
        first,
        registry.iter().map(|p| p.id.clone()).collect::<Vec<_>>()
    );

    // 2020: the child listed first, the spouse away, a son born in 2020.
    let later = json!({
        "client_id": new_client_id(), "base_version": 0, "submit": false,
        "answers": with(|a| {
            let members = a["members"].as_array().expect("members").clone();
            a["members"] = json!([
                members[2], members[0],
                { "sex": "male", "birth_year": 2020, "relation": "child", "ethnicity": "yi",
                  "education": "preschool", "health": "healthy", "labour": "none" },
            ]);
            a["employment"][0]["member_no"] = json!(2);
            a["training"] = json!([]);
        }),
    });
    let saved = entry.put(2020, later).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let registry = people().await;
    assert_eq!(registry.len(), 4, "only the newborn is new");
    assert_eq!((registry[3].position, registry[3].birth_year), (4, 2020));
    let stored = app
        .store
        .survey_for(&id, 2020)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        roster(&stored),
        [first[2].clone(), first[0].clone(), registry[3].id.clone()]
    );

    // Saving 2021 again as the form sends it (person ids included) changes nobody.
    let mut again = answers();
    for (m, person) in again["members"]
        .as_array_mut()
        .expect("members")
        .iter_mut()
        .zip(&first)
    {
        m["person_id"] = json!(person.as_str());
    }
    let resaved = entry.save(&new_client_id(), 1, false, again.clone()).await;
    assert_eq!(resaved.status, StatusCode::OK, "{}", resaved.body);
    assert_eq!(roster(&entry.stored().await.expect("stored")), first);
    assert_eq!(people().await.len(), 4);

    // Someone else's person, the same person twice, and a malformed id: refused, nothing written.
    // (Any household but this one: ids are random, so this one may sort first.)
    let another = app
        .store
        .household_ids()
        .await
        .expect("ids")
        .into_iter()
        .find(|h| *h != household)
        .expect("another household");
    let other = app
        .store
        .persons_of(&[RecordId::parse(&another).expect("id")])
        .await
        .expect("people");
    let mut bad = again.clone();
    bad["members"][0]["person_id"] = json!(other[0].id.as_str());
    bad["members"][2]["person_id"] = json!(first[1].as_str());
    let refused = entry.save(&new_client_id(), 2, false, bad).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let issues = refused.json()["issues"].clone();
    let paths: Vec<(&str, &str)> = issues
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| {
            (
                i["path"].as_str().expect("path"),
                i["rule"].as_str().expect("rule"),
            )
        })
        .collect();
    assert_eq!(
        paths,
        [
            ("members[0].person_id", "person_household"),
            ("members[2].person_id", "person_twice")
        ]
    );
    let mut malformed = again;
    malformed["members"][1]["person_id"] = json!("not-an-id");
    let refused = entry.save(&new_client_id(), 2, false, malformed).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(refused.json()["issues"][0]["path"], "members[1].person_id");
    assert_eq!(entry.stored().await.expect("stored").version, 2);
    assert_eq!(people().await.len(), 4);

    // The form lists the registry's people, each with the roster line it starts as.
    let form = app
        .server_fn_as(
            &enumerator,
            "survey_form",
            &format!("household={household}&wave=2021"),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let listed: Vec<String> = form.json()["people"]
        .as_array()
        .expect("people")
        .iter()
        .map(|p| p["start"]["person_id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[0], first[0].as_str());
}

crate::on_both_backends!(
    every_rule_is_refused_over_the_wire_and_nothing_is_written,
    retries_are_idempotent_and_stale_edits_overwrite_nothing,
    rosters_refer_to_the_registrys_people_in_every_wave,
);
