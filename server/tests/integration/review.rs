//! The review page's server functions: the queue of a supervisor's township, decisions with
//! their refusals (missing comment, stale version, wrong state), the audit trail, and the
//! figures that change at once.

use axum::http::StatusCode;
use domain::{RecordId, SurveyStatus};
use serde_json::Value;
use server::seed::{seed, SeedOptions};

use crate::helpers::{Session, TestApp};

const SEED: SeedOptions = SeedOptions {
    households: 300,
    seed: 11,
    progress: false,
};

async fn decide(
    app: &TestApp,
    who: &Session,
    survey: &str,
    decision: &str,
    version: i32,
    comment: &str,
) -> Value {
    let form = format!(
        "input[survey]={survey}&input[decision]={decision}&input[version]={version}&input[comment]={comment}"
    );
    let response = app.server_fn_as(who, "review_survey", &form).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

async fn households_surveyed(app: &TestApp, who: &Session, village: &str) -> f64 {
    let json = app
        .get_as(
            who,
            &format!("/api/v1/indicators?unit={village}&wave=2021&indicator=households_surveyed"),
        )
        .await
        .json();
    json["rows"][0]["indicators"][0]["value"]
        .as_f64()
        .unwrap_or(0.0)
}

async fn a_supervisor_reviews_the_township_queue(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    // The Yuexi township with the most submitted 2021 surveys, counted from the store.
    let mut submitted: std::collections::BTreeMap<String, Vec<(String, String, i32)>> =
        Default::default();
    for id in app.store.household_ids().await.expect("ids") {
        let rid = RecordId::parse(&id).expect("id");
        let h = app
            .store
            .household(&rid)
            .await
            .expect("read")
            .expect("exists");
        if !h.village.as_str().starts_with("513434") {
            continue;
        }
        if let Some(s) = app.store.survey_for(&rid, 2021).await.expect("read") {
            if s.status == SurveyStatus::Submitted {
                submitted
                    .entry(h.village.as_str()[..9].to_owned())
                    .or_default()
                    .push((s.id.to_string(), h.village.to_string(), s.version));
            }
        }
    }
    let (township, expected) = submitted
        .into_iter()
        .max_by_key(|(_, v)| v.len())
        .expect("submitted surveys in Yuexi");
    assert!(expected.len() >= 2, "{township}: {}", expected.len());
    let supervisor = app.session("sup", "supervisor", &township).await;

    let queue = app
        .server_fn_as(&supervisor, "review_queue", "wave=2021")
        .await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    let queue = queue.json();
    assert_eq!(queue["may_review"], true);
    let listed: std::collections::BTreeSet<String> = queue["submitted"]
        .as_array()
        .expect("submitted")
        .iter()
        .map(|r| r["survey"].as_str().expect("id").to_owned())
        .collect();
    let wanted: std::collections::BTreeSet<String> = expected.iter().map(|e| e.0.clone()).collect();
    assert_eq!(listed, wanted);
    assert!(queue["submitted"][0]["line"].as_f64() == Some(4000.0));

    // Approve the first: the village's figure counts it in the very next answer.
    let (first, village, version) = expected[0].clone();
    let official = app.session("off", "official", "513434").await;
    let before = households_surveyed(app, &official, &village).await;
    let done = decide(app, &supervisor, &first, "approve", version, "").await;
    assert_eq!(done["Ok"]["status"], "approved", "{done}");
    assert_eq!(
        households_surveyed(app, &official, &village).await,
        before + 1.0
    );

    // The same decision at the old version is refused (the survey moved on), and so is
    // un-approving it at that version: stale.
    let again = decide(app, &supervisor, &first, "reject", version, "typo").await;
    assert_eq!(again["Err"][0]["path"], "version", "{again}");
    let approved_again = decide(app, &supervisor, &first, "approve", version + 1, "").await;
    assert_eq!(
        approved_again["Err"][0]["path"], "survey",
        "{approved_again}"
    );

    // Rejecting needs a comment; with one, the survey is sent back and listed as such.
    let (second, _, version2) = expected[1].clone();
    let bare = decide(app, &supervisor, &second, "reject", version2, "").await;
    assert_eq!(bare["Err"][0]["path"], "comment");
    assert!(bare["Err"][0]["zh"].as_str().expect("zh").contains("原因"));
    let sent_back = decide(
        app,
        &supervisor,
        &second,
        "reject",
        version2,
        "第3人出生年份有误",
    )
    .await;
    assert_eq!(sent_back["Ok"]["status"], "rejected", "{sent_back}");
    let queue = app
        .server_fn_as(&supervisor, "review_queue", "wave=2021")
        .await
        .json();
    let rejected = queue["rejected"].as_array().expect("rejected");
    let row = rejected
        .iter()
        .find(|r| r["survey"] == second.as_str())
        .expect("listed as sent back");
    assert_eq!(row["review_comment"], "第3人出生年份有误");
    assert_eq!(
        queue["submitted"].as_array().expect("submitted").len(),
        expected.len() - 2
    );
    // Both decisions are in the audit log under the supervisor's name.
    let admin = app.admin().await;
    let audit = app
        .get_as(&admin, &format!("/api/v1/audit?target={second}"))
        .await
        .json();
    assert!(audit.to_string().contains("\"survey.reject\""), "{audit}");
    assert!(audit.to_string().contains("\"actor\":\"sup\""), "{audit}");

    // An enumerator of the township sees what was sent back, and may not decide.
    let enumerator = app.session("enum", "enumerator", &village).await;
    let theirs = app
        .server_fn_as(&enumerator, "review_queue", "wave=2021")
        .await
        .json();
    assert_eq!(theirs["may_review"], false);
    assert!(theirs["submitted"].as_array().expect("empty").is_empty());
    let refused = app
        .server_fn_as(
            &enumerator,
            "review_survey",
            &format!(
                "input[survey]={}&input[decision]=approve&input[version]=1&input[comment]=",
                expected[2 % expected.len()].0
            ),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Officials have no review page.
    let page = app
        .server_fn_as(&official, "review_queue", "wave=2021")
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

crate::on_both_backends!(a_supervisor_reviews_the_township_queue);
