//! Minimisation (issue 20): a household that left the programme has its personal data erased
//! once the retention period has passed since — never before, never while active, never
//! twice — with its answers, statistics and pseudonym kept, each erasure audited, nothing of
//! it left in the SQLite file; and the data inventory an administrator reads.

use axum::http::StatusCode;
use serde_json::json;
use server::seed::{seed, SeedOptions};

use crate::helpers::{Session, TestApp};

/// Today in China, as the server reckons it.
fn today() -> domain::Date {
    domain::Date::in_china_at(server::storage::now_ms())
}

/// The full correction body of `h` at `version`, marked as having left on `left_on`.
fn leaving(h: &domain::Household, version: i32, status: &str, left_on: &str) -> serde_json::Value {
    json!({
        "version": version, "reason": "户籍迁出", "head_name": h.head_name,
        "head_id_card": h.id_card_text(),
        "phone": h.phone.as_ref().map(|p| p.as_str()).unwrap_or(""),
        "head_sex": h.head_sex.code(), "head_ethnicity": h.head_ethnicity.code(),
        "poverty_registration": h.poverty_registration.code(),
        "poverty_cause": h.poverty_cause.map(|c| c.code()).unwrap_or(""),
        "registration_year": h.registration_year.map(|y| y.to_string()).unwrap_or_default(),
        "exit_year": h.exit_year.map(|y| y.to_string()).unwrap_or_default(),
        "model": h.model.code(),
        "enrolment_date": h.enrolment_date.map(|d| d.to_string()).unwrap_or_default(),
        "status": status, "left_on": left_on,
    })
}

async fn mark_left(app: &TestApp, admin: &Session, h: &domain::Household, left_on: &str) {
    let path = format!("/api/v1/households/{}", h.id);
    let r = app
        .json_as(admin, "PATCH", &path, leaving(h, 1, "moved_out", left_on))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn erase(app: &TestApp, who: &Session, body: serde_json::Value) -> crate::helpers::Response {
    app.json_as(who, "POST", "/api/v1/privacy/erasures", body)
        .await
}

/// Every micro-data file with every survey, as a researcher would download them, rows sorted.
async fn microdata(app: &TestApp, admin: &Session) -> Vec<String> {
    let mut out = Vec::new();
    for file in ["households_by_wave", "persons", "members_by_wave"] {
        let r = app
            .get_as(
                admin,
                &format!("/api/v1/export/microdata/{file}.csv?statuses=all"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{file}: {}", r.body);
        // The same rows; their order follows the database's scan, which an update may change.
        let mut lines: Vec<&str> = r.body.lines().collect();
        lines[1..].sort_unstable();
        out.push(lines.join("\n"));
    }
    out
}

/// A head's name the seed never draws.
const UNIQUE_NAME: &str = "沙马拉则依莫";

async fn households_are_erased_past_retention_only(app: &TestApp) {
    seed(
        &app.store,
        SeedOptions {
            households: 60,
            seed: 4,
            progress: false,
        },
    )
    .await
    .expect("seed");
    let admin = app.admin().await;
    let ids: Vec<domain::RecordId> = app
        .store
        .household_ids()
        .await
        .expect("ids")
        .iter()
        .map(|id| domain::RecordId::parse(id).expect("id"))
        .collect();
    let households = app.store.households_by_ids(&ids).await.expect("read");
    let old = households
        .iter()
        .find(|h| h.phone.is_some())
        .expect("one with a phone");
    let recent = households.iter().find(|h| h.id != old.id).expect("another");
    let active = households
        .iter()
        .find(|h| h.id != old.id && h.id != recent.id)
        .expect("a third");

    // Leaving: a day in the future is refused; six years ago and one year ago are kept.
    let path = format!("/api/v1/households/{}", old.id);
    let tomorrow = today().years_later(1).to_string();
    let r = app
        .json_as(
            &admin,
            "PATCH",
            &path,
            leaving(old, 1, "moved_out", &tomorrow),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["issues"][0]["path"], "left_on");
    assert_eq!(r.json()["issues"][0]["rule"], "future");
    // Its head's name corrected to one no generated name can be, to look for in the file.
    let six_years_ago = today().years_earlier(6).to_string();
    let mut body = leaving(old, 1, "moved_out", &six_years_ago);
    body["head_name"] = json!(UNIQUE_NAME);
    let r = app.json_as(&admin, "PATCH", &path, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    mark_left(app, &admin, recent, &today().years_earlier(1).to_string()).await;
    let page = app.get_as(&admin, &format!("/household/{}", old.id)).await;
    assert!(
        page.body.contains(&six_years_ago),
        "the page shows the day it left"
    );

    // The inventory: every kind of personal data, with counts; one household due.
    let r = app.get_as(&admin, "/api/v1/privacy").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let view = r.json();
    assert_eq!(view["erase_after_years"], 5);
    assert_eq!(view["cutoff"], today().years_earlier(5).to_string());
    assert_eq!(view["due_count"], 1);
    assert_eq!(view["erased_count"], 0);
    assert_eq!(view["due"][0]["id"], old.id.as_str());
    assert_eq!(view["due"][0]["left_on"], six_years_ago);
    let inventory = view["inventory"].as_array().expect("inventory");
    assert_eq!(inventory.len(), 13);
    assert_eq!(inventory[0]["stored"], "households.head_name");
    assert_eq!(inventory[0]["count"], 60);
    let page = app.get_as(&admin, "/admin/privacy").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"inventory\""));
    assert!(page
        .body
        .contains(&format!("data-household=\"{}\"", old.id)));

    // Only administrators.
    let official = app.session("official.p", "official", "513400").await;
    assert_eq!(
        app.get_as(&official, "/api/v1/privacy").await.status,
        StatusCode::FORBIDDEN
    );
    let r = erase(app, &official, json!({ "households": [old.id.as_str()] })).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get_as(&official, "/admin/privacy").await.status,
        StatusCode::FORBIDDEN
    );

    // Refusals say why, and erase nothing.
    let refused = [
        (json!({ "households": [recent.id.as_str()] }), "retention"),
        (json!({ "households": [active.id.as_str()] }), "active"),
        (json!({ "households": ["not-an-id"] }), "not_found"),
        (
            json!({ "households": [old.id.as_str(), active.id.as_str()] }),
            "active",
        ),
        (json!({}), "required"),
        (json!({ "all_due": true, "expected": "2" }), "count_changed"),
        (json!({ "all_due": true, "expected": "" }), "count_changed"),
        (
            json!({ "all_due": true, "households": [old.id.as_str()] }),
            "both",
        ),
    ];
    for (body, rule) in refused {
        let r = erase(app, &admin, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.body
        );
        let issues = r.json()["issues"].clone();
        assert!(
            issues
                .as_array()
                .expect("issues")
                .iter()
                .any(|i| i["rule"] == rule),
            "{body}: {issues}"
        );
    }
    let r = erase(app, &admin, json!({ "households": [old.id.as_str(), 7] })).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a number is not an id"
    );
    assert_eq!(
        app.get_as(&admin, "/api/v1/privacy").await.json()["erased_count"],
        0
    );

    // The erasure: personal data gone, answers and pseudonyms unchanged.
    let people = app
        .store
        .persons_of(std::slice::from_ref(&old.id))
        .await
        .expect("people");
    assert!(
        people.iter().any(|p| p.id_card.is_some()),
        "members with ID cards"
    );
    let before = microdata(app, &admin).await;
    let r = erase(app, &admin, json!({ "households": [old.id.as_str()] })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["erased"], 1);
    assert_eq!(microdata(app, &admin).await, before, "the same micro-data");
    let erased = app
        .store
        .household(&old.id)
        .await
        .expect("read")
        .expect("still on record");
    assert!(erased.is_erased());
    assert_eq!(erased.head_name, "");
    assert_eq!(erased.registry_no, "");
    assert_eq!(erased.phone, None);
    assert_eq!((erased.head_sex, erased.model), (old.head_sex, old.model));
    let people_after = app
        .store
        .persons_of(std::slice::from_ref(&old.id))
        .await
        .expect("people");
    assert_eq!(
        people_after.len(),
        people.len(),
        "the people stay, nameless"
    );
    assert!(people_after
        .iter()
        .all(|p| p.name.is_empty() && p.id_card.is_none()));
    // Not twice; never corrected again; the page says what happened.
    let r = erase(app, &admin, json!({ "households": [old.id.as_str()] })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["issues"][0]["rule"], "erased");
    let r = app
        .json_as(&admin, "PATCH", &path, leaving(old, 2, "moved_out", ""))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["issues"][0]["rule"], "erased");
    let page = app.get_as(&admin, &format!("/household/{}", old.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("household-erased"));
    assert!(!page.body.contains("correction-form"));
    assert!(!page.body.contains(UNIQUE_NAME));
    let r = app
        .get_as(&admin, &format!("/api/v1/households/{}", old.id))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["personal_data"], "erased");
    assert_eq!(r.json()["head_id_card"], json!(null));

    // Audited, once, with the rule applied.
    let audit = app
        .store
        .audit(&server::storage::AuditFilter {
            action: Some("household.erase".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].target.as_deref(), Some(old.id.as_str()));
    assert_eq!(audit[0].actor, "admin");
    assert_eq!(
        audit[0].after.clone().expect("after")["erase_after_years"],
        5
    );

    // Nothing of it is left in the SQLite file or its log: names no other record holds.
    if app.db_url.starts_with("sqlite://") {
        let path = app.db_url.trim_start_matches("sqlite://").to_owned();
        let others: Vec<domain::RecordId> =
            ids.iter().filter(|id| **id != old.id).cloned().collect();
        let mut kept: Vec<String> = households
            .iter()
            .filter(|h| h.id != old.id)
            .map(|h| h.head_name.clone())
            .collect();
        kept.extend(
            app.store
                .persons_of(&others)
                .await
                .expect("people")
                .into_iter()
                .map(|p| p.name),
        );
        let mut gone = vec![UNIQUE_NAME.to_owned()];
        gone.extend(people.iter().map(|p| p.name.clone()));
        gone.retain(|n| n.chars().count() >= 3 && !kept.contains(n));
        assert!(
            gone.contains(&UNIQUE_NAME.to_owned()),
            "a name only this household had"
        );
        for file in [path.clone(), format!("{path}-wal")] {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            for name in &gone {
                assert!(
                    !bytes.windows(name.len()).any(|w| w == name.as_bytes()),
                    "{name} is still in {file}"
                );
            }
        }
    }

    // All due at once, against the count read; then the keys still rotate and a restart
    // seals nothing it should not.
    mark_left(app, &admin, active, &today().years_earlier(7).to_string()).await;
    let r = erase(app, &admin, json!({ "all_due": true, "expected": "1" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["erased"], 1);
    let view = app.get_as(&admin, "/api/v1/privacy").await.json();
    assert_eq!(
        (view["due_count"].clone(), view["erased_count"].clone()),
        (json!(0), json!(2))
    );
    app.store.migrate().await.expect("a restart");
    let key = server::storage::crypt::Keys::from_master(&[0xab; 32]);
    app.store.rotate_keys(&key).await.expect("rotate");
    let rotated = app.store.clone().with_keys(key);
    let all = rotated
        .households_by_ids(&ids)
        .await
        .expect("every household reads");
    assert_eq!(all.iter().filter(|h| h.is_erased()).count(), 2);
    assert!(all
        .iter()
        .filter(|h| !h.is_erased())
        .all(|h| h.head_id_card.is_some()));
}

crate::on_both_backends!(households_are_erased_past_retention_only);
