//! The indicator engine behind the API: facts computed by SQL equal facts computed from the
//! domain types; the API validates its parameters; an approval shows in the very next answer,
//! on this instance and on another one sharing the database.

use axum::http::StatusCode;
use domain::engine::{Engine, SurveyFact};
use domain::{RecordId, SurveyStatus};
use server::seed::{seed, SeedOptions};

use crate::helpers::TestApp;

const SMALL: SeedOptions = SeedOptions {
    households: 240,
    seed: 5,
    progress: false,
};

async fn sql_facts_equal_domain_facts(app: &TestApp) {
    seed(&app.store, SMALL).await.expect("seed");
    let from_sql = server::indicators::build(&app.store)
        .await
        .expect("engine from SQL");

    let store = &app.store;
    let mut from_domain = Engine::new(
        &store.units().await.expect("units"),
        &store.poverty_lines().await.expect("lines"),
        &store.waves().await.expect("waves"),
        &store.targets().await.expect("targets"),
    );
    from_domain.set_assignments(&store.village_programmes().await.expect("assignments"));
    let mut approved = 0;
    for id in store.household_ids().await.expect("ids") {
        let id = RecordId::parse(&id).expect("id");
        let household = store.household(&id).await.expect("read").expect("exists");
        for wave in 2018..=2021 {
            let survey = store
                .survey_for(&id, wave)
                .await
                .expect("read")
                .expect("exists");
            if survey.status == SurveyStatus::Approved {
                from_domain.upsert(SurveyFact::new(&household, &survey));
                approved += 1;
            }
        }
    }
    for plot in store.plots().await.expect("plots") {
        from_domain.add_plot(plot);
    }
    assert_eq!(from_sql.fact_count(), approved);
    assert!(approved > 800, "most of 960 surveys are approved");
    assert_eq!(from_sql.nonzero_cells(), from_domain.nonzero_cells());

    // The stored measures agree with an independent SQL aggregation over the survey tables.
    let mut stored = app.store.survey_facts(None).await.expect("stored facts");
    let mut computed = app.store.computed_facts().await.expect("computed facts");
    stored.sort_by(|a, b| a.survey.cmp(&b.survey));
    computed.sort_by(|a, b| a.survey.cmp(&b.survey));
    assert_eq!(stored.len(), approved);
    assert_eq!(stored, computed);
}

fn value(json: &serde_json::Value, row: usize, id: &str) -> serde_json::Value {
    json["rows"][row]["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{id} in row {row}"))
        .clone()
}

async fn the_api_answers_and_refuses_bad_parameters_clearly(app: &TestApp) {
    seed(&app.store, SMALL).await.expect("seed");
    let admin = app.admin().await;
    assert_eq!(
        app.get("/api/v1/catalogue").await.status,
        StatusCode::UNAUTHORIZED,
        "signed-in readers only"
    );
    let catalogue = app.get_as(&admin, "/api/v1/catalogue").await;
    assert_eq!(catalogue.status, StatusCode::OK);
    let entries = catalogue.json();
    assert_eq!(entries.as_array().expect("array").len(), 21);
    assert_eq!(entries[3]["id"], "per_capita_net_income");
    assert_eq!(entries[3]["name_zh"], "人均纯收入");
    assert_eq!(entries[3]["disaggregations"][0], "model");

    // Fresh catch-up: the app's engine was built before seeding; the change feed brings it up to date.
    let response = app
        .get_as(&admin, "/api/v1/indicators?unit=513434&wave=2019&by=model")
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let json = response.json();
    assert_eq!(json["unit"]["name_zh"], "越西县");
    assert_eq!(json["by"][0], "model");
    // Collective, household, comparison villages, programme villages' non-enrolled.
    assert_eq!(json["rows"].as_array().expect("rows").len(), 4);
    assert_eq!(json["rows"][3]["slice"]["model"], "non_enrolled");
    assert_eq!(json["rows"][0]["slice"]["model"], "collective");
    assert_eq!(json["rows"][0]["labels"]["model"]["zh"], "集体经济主导型");

    let engine = server::indicators::build(&app.store).await.expect("engine");
    let def = domain::engine::find("per_capita_net_income").expect("id");
    let unit = domain::UnitCode::parse("513434").expect("code");
    for (row, slice) in domain::engine::Slice::ALL
        .split(domain::engine::Dim::Model)
        .into_iter()
        .enumerate()
    {
        let expected = engine.value(def, &unit, 2019, slice);
        let got = value(&json, row, "per_capita_net_income");
        assert_eq!(got["value"].as_f64(), expected.value);
        assert_eq!(got["numerator"].as_f64(), expected.numerator);
    }
    // Defaults: Liangshan, the latest wave.
    let overall = app
        .get_as(
            &admin,
            "/api/v1/indicators?indicator=households_surveyed,survival_rate",
        )
        .await
        .json();
    assert_eq!(overall["unit"]["code"], "513400");
    assert_eq!(overall["wave"], 2021);
    assert_eq!(overall["baseline_wave"], 2018);
    assert_eq!(
        overall["rows"][0]["indicators"]
            .as_array()
            .expect("two")
            .len(),
        2
    );
    assert!(
        value(&overall, 0, "households_surveyed")["value"]
            .as_f64()
            .expect("value")
            > 150.0
    );

    for (query, status, field) in [
        ("unit=5134", StatusCode::BAD_REQUEST, Some("unit")),
        ("wave=twenty", StatusCode::BAD_REQUEST, Some("wave")),
        ("by=colour", StatusCode::BAD_REQUEST, Some("by")),
        ("by=model,model", StatusCode::BAD_REQUEST, Some("by")),
        (
            "by=model,head_sex,head_ethnicity",
            StatusCode::BAD_REQUEST,
            Some("by"),
        ),
        (
            "indicator=happiness",
            StatusCode::BAD_REQUEST,
            Some("indicator"),
        ),
        ("wave=1999", StatusCode::NOT_FOUND, None),
        ("unit=513499", StatusCode::NOT_FOUND, None),
    ] {
        let response = app
            .get_as(&admin, &format!("/api/v1/indicators?{query}"))
            .await;
        assert_eq!(response.status, status, "{query}: {}", response.body);
        let json = response.json();
        assert!(
            json["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{query}: Chinese message"
        );
        if let Some(field) = field {
            assert_eq!(json["field"], field, "{query}");
        }
    }
    let explain = app
        .get_as(
            &admin,
            "/api/v1/indicators/per_capita_net_income/explain?unit=513434&wave=2019",
        )
        .await;
    assert_eq!(explain.status, StatusCode::OK, "{}", explain.body);
    let explain = explain.json();
    assert_eq!(
        explain["indicator"]["formula_zh"],
        "Σ家庭纯收入 ÷ Σ家庭人口"
    );
    assert_eq!(explain["children"].as_array().expect("townships").len(), 25);
    assert_eq!(
        app.get_as(&admin, "/api/v1/indicators/nonsense/explain")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// A submitted 2021 survey, its village and version.
async fn a_submitted_survey(app: &TestApp) -> (RecordId, String, i32) {
    for id in app.store.household_ids().await.expect("ids") {
        let id = RecordId::parse(&id).expect("id");
        let survey = app
            .store
            .survey_for(&id, 2021)
            .await
            .expect("read")
            .expect("exists");
        if survey.status == SurveyStatus::Submitted {
            let household = app
                .store
                .household(&id)
                .await
                .expect("read")
                .expect("exists");
            return (survey.id, household.village.to_string(), survey.version);
        }
    }
    panic!("the demo has submitted surveys");
}

fn surveyed(app_json: &serde_json::Value) -> f64 {
    value(app_json, 0, "households_surveyed")["value"]
        .as_f64()
        .unwrap_or(0.0)
}

async fn an_approval_through_the_api_shows_in_the_next_answer_on_every_instance(app: &TestApp) {
    seed(&app.store, SMALL).await.expect("seed");
    let other = app.second_instance().await;
    let (survey, village, version) = a_submitted_survey(app).await;
    let township = &village[..9];
    let supervisor = app.session("supervisor", "supervisor", township).await;
    let official = app.session("official", "official", &village[..6]).await;
    let url = format!("/api/v1/indicators?unit={village}&wave=2021");
    let before = surveyed(&app.get_as(&official, &url).await.json());
    let county_url = format!("/api/v1/indicators?unit={}&wave=2021", &village[..6]);
    // Sessions live in the database: the same cookie works on the second instance.
    let county_before = surveyed(&other.get_as(&official, &county_url).await.json());
    let review = format!("/api/v1/surveys/{survey}/review");

    // Four eyes: whoever entered the survey may not approve it, even as a supervisor.
    let entered_by = app
        .store
        .survey(&survey)
        .await
        .expect("read")
        .expect("exists")
        .enumerator;
    let own = app.session(&entered_by, "supervisor", township).await;
    let refused = app
        .json_as(
            &own,
            "POST",
            &review,
            serde_json::json!({ "decision": "approve", "version": version }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.json()["message"]
        .as_str()
        .expect("message")
        .contains("录入或修改过"));

    // An official may read the figure but not approve it.
    let refused = app
        .json_as(
            &official,
            "POST",
            &review,
            serde_json::json!({ "decision": "approve", "version": version }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    let approved = app
        .json_as(
            &supervisor,
            "POST",
            &review,
            serde_json::json!({ "decision": "approve", "version": version }),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.json()["status"], "approved");
    assert_eq!(approved.json()["version"], version + 1);
    assert_eq!(
        surveyed(&app.get_as(&official, &url).await.json()),
        before + 1.0
    );
    assert_eq!(
        surveyed(&other.get_as(&official, &county_url).await.json()),
        county_before + 1.0,
        "second instance caught up"
    );

    // A stale version changes nothing and says why.
    let stale = app
        .json_as(
            &supervisor,
            "POST",
            &review,
            serde_json::json!({ "decision": "reject", "version": version, "comment": "x" }),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale.json()["message"]
        .as_str()
        .expect("message")
        .contains("他人修改"));
    assert_eq!(
        surveyed(&app.get_as(&official, &url).await.json()),
        before + 1.0
    );

    // Rejecting needs a reason.
    let bare = app
        .json_as(
            &supervisor,
            "POST",
            &review,
            serde_json::json!({ "decision": "reject", "version": version + 1 }),
        )
        .await;
    assert_eq!(
        bare.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bare.body
    );
    assert_eq!(bare.json()["issues"][0]["path"], "comment");

    // Un-approving (sent back for correction) takes it out again, everywhere.
    let sent_back = other
        .json_as(
            &supervisor,
            "POST",
            &review,
            serde_json::json!({ "decision": "reject", "version": version + 1, "comment": "请核对务工天数" }),
        )
        .await;
    assert_eq!(sent_back.status, StatusCode::OK, "{}", sent_back.body);
    assert_eq!(surveyed(&app.get_as(&official, &url).await.json()), before);
    assert_eq!(
        surveyed(&other.get_as(&official, &county_url).await.json()),
        county_before
    );

    // Both transitions are in the audit log, with who, before and after.
    let admin = app.admin().await;
    let log = app
        .get_as(
            &admin,
            &format!("/api/v1/audit?action=survey.&target={survey}"),
        )
        .await
        .json();
    let entries = log.as_array().expect("entries");
    assert_eq!(entries.len(), 2, "{log}");
    assert_eq!(entries[0]["action"], "survey.reject");
    assert_eq!(entries[0]["actor"], "supervisor");
    assert_eq!(entries[0]["before"]["status"], "approved");
    assert_eq!(entries[0]["after"]["status"], "rejected");
    assert_eq!(entries[0]["after"]["comment"], "请核对务工天数");
    assert_eq!(entries[0]["unit_code"], village);
    assert_eq!(entries[1]["action"], "survey.approve");
    assert_eq!(entries[1]["before"]["status"], "submitted");
    assert_eq!(entries[1]["before"]["version"], version);
    assert_eq!(entries[1]["after"]["version"], version + 1);
}

/// The one-round-trip check made before every read: the count of the whole window and the
/// entries after the newest one known, also when nothing is newer (no row to join).
async fn the_feed_tail_counts_the_window_and_lists_only_newer_entries(app: &TestApp) {
    seed(&app.store, SMALL).await.expect("seed");
    let store = &app.store;
    let before = store.latest_change().await.expect("feed");
    let all_before = store.changes_after(0).await.expect("feed").len() as i64;
    let audit = server::storage::AuditEntry::by(None, "test");
    let ids = store
        .surveys_with_status(SurveyStatus::Submitted, 2021, 2)
        .await
        .expect("submitted");
    assert_eq!(ids.len(), 2, "the demo has submitted surveys");
    for id in &ids {
        let id = RecordId::parse(id).expect("id");
        let version = store
            .survey(&id)
            .await
            .expect("read")
            .expect("exists")
            .version;
        store
            .set_survey_status(&id, SurveyStatus::Approved, version, None, &audit)
            .await
            .expect("approve")
            .expect("not stale");
    }
    let new = store.changes_after(before).await.expect("feed");
    let listed: Vec<&str> = new.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(listed, [ids[0].as_str(), ids[1].as_str()]);
    let (first, second) = (new[0].0, new[1].0);

    let tail = store.feed_tail(before, before).await.expect("tail");
    assert_eq!((tail.in_window, tail.newer), (2, new.clone()));
    let tail = store.feed_tail(before, first).await.expect("tail");
    assert_eq!((tail.in_window, tail.newer), (2, vec![new[1].clone()]));
    let tail = store.feed_tail(0, second).await.expect("tail");
    assert_eq!((tail.in_window, tail.newer), (all_before + 2, vec![]));
    let tail = store.feed_tail(second, second).await.expect("tail");
    assert_eq!((tail.in_window, tail.newer), (0, vec![]));
}

crate::on_both_backends!(
    sql_facts_equal_domain_facts,
    the_feed_tail_counts_the_window_and_lists_only_newer_entries,
    the_api_answers_and_refuses_bad_parameters_clearly,
    an_approval_through_the_api_shows_in_the_next_answer_on_every_instance,
);

/// PostgreSQL hands out change-feed numbers when a transaction asks for one, not when it
/// commits: an approval that took seq N can commit after the one that took N + 1 was read and
/// applied. The engine must still apply it (SQLite writers take turns, so this is PostgreSQL's).
mod a_change_committed_late_still_shows {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let app = TestApp::postgres().await;
        seed(&app.store, SMALL).await.expect("seed");
        let server::storage::Store::Postgres { pool, .. } = &app.store else {
            unreachable!("a PostgreSQL test app");
        };
        let ids = app
            .store
            .surveys_with_status(SurveyStatus::Submitted, 2021, 2)
            .await
            .expect("submitted");
        assert_eq!(ids.len(), 2, "the demo has submitted surveys");
        let [late, early] = [&ids[0], &ids[1]].map(|id| RecordId::parse(id).expect("id"));
        let admin = app.admin().await;
        let url = "/api/v1/indicators?unit=513400&wave=2021&indicator=households_surveyed";
        let before = surveyed(&app.get_as(&admin, url).await.json());

        // The late approval takes its feed number first and holds its transaction open.
        let mut held = pool.begin().await.expect("begin");
        sqlx::query("UPDATE surveys SET status = 'approved', version = version + 1 WHERE id = $1")
            .bind(late.as_str())
            .execute(&mut *held)
            .await
            .expect("approve");
        let late_seq: i64 =
            sqlx::query_scalar("INSERT INTO survey_changes (survey_id) VALUES ($1) RETURNING seq")
                .bind(late.as_str())
                .fetch_one(&mut *held)
                .await
                .expect("feed");

        // Another approval commits meanwhile, with a higher number, and is applied.
        let version = app
            .store
            .survey(&early)
            .await
            .expect("read")
            .expect("exists")
            .version;
        let audit = server::storage::AuditEntry::by(None, "test");
        app.store
            .set_survey_status(&early, SurveyStatus::Approved, version, None, &audit)
            .await
            .expect("approve")
            .expect("not stale");
        assert!(app.store.latest_change().await.expect("feed") > late_seq);
        assert_eq!(
            surveyed(&app.get_as(&admin, url).await.json()),
            before + 1.0
        );

        // Now the first one commits: the newest number does not move, yet it shows.
        held.commit().await.expect("commit");
        assert_eq!(
            surveyed(&app.get_as(&admin, url).await.json()),
            before + 2.0,
            "the late commit is applied too"
        );
    }
}
