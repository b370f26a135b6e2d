//! Offline field work, the server's side: the package a device prepares (`GET
//! /api/v1/field/offline`), registrations under the device's id answered as replays when
//! sent twice, an outbox file applied once however often it is uploaded, and the service
//! worker and offline shell served per build, public and never cached by HTTP.

use axum::http::{header, StatusCode};
use serde_json::{json, Value};
use server::seed::{seed, SeedOptions};

use crate::entry::answers;
use crate::helpers::TestApp;

const SEED: SeedOptions = SeedOptions {
    households: 120,
    seed: 11,
    progress: false,
};

/// A seeded Yuexi household: (its village, its id).
async fn a_yuexi_household(app: &TestApp) -> (String, String) {
    let ids = app.store.household_ids().await.expect("ids");
    for id in ids {
        let h = app
            .store
            .household(&domain::RecordId::parse(&id).expect("id"))
            .await
            .expect("read")
            .expect("exists");
        if h.village.as_str().starts_with("513434") {
            return (h.village.to_string(), id);
        }
    }
    panic!("no Yuexi village in the seed");
}

fn registration(id: &str, id_card: &str, village: &str) -> Value {
    json!({ "id": id, "village": village, "registry_no": "7001", "head_name": "阿说木呷",
            "head_id_card": id_card, "head_sex": "male", "head_ethnicity": "yi",
            "poverty_registration": "general", "poverty_cause": "lack_skills",
            "registration_year": 2014, "model": "household" })
}

async fn a_device_prepares_its_villages_and_registrations_replay(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let (village, _) = a_yuexi_household(app).await;
    let enumerator = app.session("enum", "enumerator", &village).await;

    let package = app.get_as(&enumerator, "/api/v1/field/offline").await;
    assert_eq!(package.status, StatusCode::OK, "{}", package.body);
    let package = package.json();
    assert_eq!(package["format"], 1);
    assert_eq!(package["account"], "enum");
    assert_eq!(package["role"], "enumerator");
    let wave = package["home"]["wave"].as_i64().expect("wave");
    assert_eq!(wave, 2021);
    assert_eq!(package["line"], 4000.0);
    let villages = package["home"]["villages"].as_array().expect("villages");
    assert_eq!(villages.len(), 1);
    assert_eq!(villages[0]["village"]["code"], village.as_str());
    let listed: Vec<&str> = villages[0]["households"]
        .as_array()
        .expect("households")
        .iter()
        .map(|h| h["household"].as_str().expect("id"))
        .collect();
    let forms = package["forms"].as_array().expect("forms");
    let formed: Vec<&str> = forms
        .iter()
        .map(|f| f["household"].as_str().expect("id"))
        .collect();
    assert!(!listed.is_empty());
    assert_eq!(
        formed, listed,
        "one survey form per listed household, in order"
    );
    assert!(forms
        .iter()
        .all(|f| f["wave"] == 2021 && f["line"] == 4000.0));
    assert_eq!(
        package["register"]["villages"][0]["code"],
        village.as_str(),
        "the registration form's villages"
    );
    // Each form is what the form's own request answers.
    let one = app
        .get_as(
            &enumerator,
            &format!("/api/v1/households/{}/surveys/2021", formed[0]),
        )
        .await
        .json();
    assert_eq!(one, forms[0]);

    // Bad and refused requests.
    let bad = app
        .get_as(&enumerator, "/api/v1/field/offline?wave=next")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert_eq!(bad.json()["field"], "wave");
    let researcher = app.session("res", "researcher", "513400").await;
    assert_eq!(
        app.get_as(&researcher, "/api/v1/field/offline")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/field/offline").await.status,
        StatusCode::UNAUTHORIZED
    );

    // A household registered on a device, sent twice: one household, the second a replay.
    let id = server::auth::new_id();
    let card = domain::id_card::compose("513434", 1982, 6, 1, 321).expect("id card");
    let before = app.store.count_households().await.expect("count");
    let first = app
        .json_as(
            &enumerator,
            "POST",
            "/api/v1/households",
            registration(&id, card.as_str(), &village),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.json()["id"], id.as_str());
    assert_eq!(first.json()["replayed"], false);
    let again = app
        .json_as(
            &enumerator,
            "POST",
            "/api/v1/households",
            registration(&id, card.as_str(), &village),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["replayed"], true);
    assert_eq!(
        app.store.count_households().await.expect("count"),
        before + 1
    );
    // The same id for another head, and an id that is not one.
    let other = domain::id_card::compose("513434", 1990, 2, 2, 555).expect("id card");
    let taken = app
        .json_as(
            &enumerator,
            "POST",
            "/api/v1/households",
            registration(&id, other.as_str(), &village),
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(taken.json()["issues"][0]["rule"], "id_taken");
    let malformed = app
        .json_as(
            &enumerator,
            "POST",
            "/api/v1/households",
            registration("device-1", other.as_str(), &village),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(malformed.json()["issues"][0]["path"], "id");
    assert_eq!(
        app.store.count_households().await.expect("count"),
        before + 1,
        "nothing written by the refusals"
    );
    // The device's survey for it names the same id.
    let survey = app
        .json_as(
            &enumerator,
            "PUT",
            &format!("/api/v1/households/{id}/surveys/2021"),
            json!({ "client_id": server::auth::new_id(), "base_version": 0, "submit": true, "answers": answers() }),
        )
        .await;
    assert_eq!(survey.status, StatusCode::CREATED, "{}", survey.body);
}

async fn an_outbox_file_is_applied_once_however_often_it_is_uploaded(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let (village, broken_household) = a_yuexi_household(app).await;
    let enumerator = app.session("enum", "enumerator", &village).await;
    let supervisor = app.session("sup", "supervisor", &village[..9]).await;
    let household = server::auth::new_id();
    let card = domain::id_card::compose("513434", 1979, 9, 9, 246).expect("id card");
    let (draft, submit) = (server::auth::new_id(), server::auth::new_id());
    let mut wrong = answers();
    wrong["members"][0]["birth_year"] = json!(2030);
    let save = |client: &str, hh: &str, submit: bool, answers: Value| {
        json!({ "kind": "survey", "household": hh, "wave": 2021, "client_id": client,
                "base_version": 0, "submit": submit, "confirm_warnings": true, "answers": answers })
    };
    let item = |label: &str, after: Option<&str>, request: Value| {
        json!({ "format": 1, "seq": 1, "account": "enum", "created_at": 1.0e12, "label": label,
                "after": after, "state": "waiting", "attempts": 0, "request": request })
    };
    let mut register = registration(&household, card.as_str(), &village);
    register.as_object_mut().expect("object").remove("id");
    let file = json!({
        "kind": "tanhui-outbox", "format": 1, "account": "enum", "exported_at": "2026-12-07T10:00:00Z",
        "items": [
            item("阿说木呷 7001", None, json!({ "kind": "household", "id": household, "input": register })),
            item("阿说木呷 7001", Some(&household), save(&draft, &household, false, answers())),
            // The second save of the same survey starts from the version the first produces.
            item("阿说木呷 7001", Some(&draft), save(&submit, &household, true, answers())),
            item("错误的问卷", None, save(&server::auth::new_id(), &broken_household, false, wrong)),
        ],
    });

    let refused = app
        .json_as(&enumerator, "POST", "/api/v1/outbox/import", file.clone())
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "supervisors upload files"
    );

    let outcomes = |body: &Value| -> Vec<(String, String)> {
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| {
                (
                    i["kind"].as_str().expect("kind").to_owned(),
                    i["outcome"].as_str().expect("outcome").to_owned(),
                )
            })
            .collect()
    };
    let first = app
        .json_as(&supervisor, "POST", "/api/v1/outbox/import", file.clone())
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first = first.json();
    assert_eq!(first["account"], "enum");
    assert_eq!(
        outcomes(&first),
        [
            ("household".into(), "saved".into()),
            ("survey".into(), "saved".into()),
            ("survey".into(), "saved".into()),
            ("survey".into(), "refused".into()),
        ]
    );
    assert_eq!(first["items"][2]["version"], 2);
    assert_eq!(
        first["items"][3]["issues"][0]["path"],
        "members[0].birth_year"
    );
    let stored = app
        .store
        .survey_for(&domain::RecordId::parse(&household).expect("id"), 2021)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        (stored.status, stored.version),
        (domain::SurveyStatus::Submitted, 2)
    );

    // The same file again, and the device sending its items itself: nothing new.
    let surveys = app.store.count_surveys().await.expect("count");
    let second = app
        .json_as(&supervisor, "POST", "/api/v1/outbox/import", file.clone())
        .await
        .json();
    assert_eq!(
        outcomes(&second),
        [
            ("household".into(), "replayed".into()),
            ("survey".into(), "replayed".into()),
            ("survey".into(), "replayed".into()),
            ("survey".into(), "refused".into()),
        ]
    );
    assert_eq!(app.store.count_surveys().await.expect("count"), surveys);
    let device = app
        .json_as(
            &enumerator,
            "PUT",
            &format!("/api/v1/households/{household}/surveys/2021"),
            json!({ "client_id": submit, "base_version": 1, "submit": true, "confirm_warnings": true, "answers": answers() }),
        )
        .await;
    assert_eq!(device.status, StatusCode::OK, "{}", device.body);
    assert_eq!(device.json()["replayed"], true);
    // An earlier save, sent after later ones were applied: still a replay, not a conflict.
    let old_draft = app
        .json_as(
            &enumerator,
            "PUT",
            &format!("/api/v1/households/{household}/surveys/2021"),
            json!({ "client_id": draft, "base_version": 0, "submit": false, "answers": answers() }),
        )
        .await;
    assert_eq!(old_draft.status, StatusCode::OK, "{}", old_draft.body);
    assert_eq!(old_draft.json()["replayed"], true);
    assert_eq!(app.store.count_surveys().await.expect("count"), surveys);

    // Not an outbox file, or one from a newer device.
    let mut other = file.clone();
    other["kind"] = json!("something-else");
    let wrong_kind = app
        .json_as(&supervisor, "POST", "/api/v1/outbox/import", other)
        .await;
    assert_eq!(wrong_kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_kind.json()["issues"][0]["path"], "kind");
    let mut newer = file;
    newer["format"] = json!(99);
    let too_new = app
        .json_as(&supervisor, "POST", "/api/v1/outbox/import", newer)
        .await;
    assert_eq!(too_new.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_new.json()["issues"][0]["path"], "format");
}

async fn the_service_worker_and_the_shell_are_public_and_per_build(app: &TestApp) {
    let worker = app.get("/sw.js").await;
    assert_eq!(worker.status, StatusCode::OK);
    assert_eq!(worker.headers[header::CACHE_CONTROL], "no-store");
    assert!(worker.headers[header::CONTENT_TYPE]
        .to_str()
        .expect("type")
        .starts_with("text/javascript"));
    let first_line = worker.body.lines().next().expect("a line");
    let build = first_line.trim_start_matches("// build ");
    assert_eq!(build.len(), 16, "{first_line}");
    assert!(worker
        .body
        .contains(&format!("const CACHE = \"tanhui-{build}-")));
    assert!(worker.body.contains("\"/offline/shell\""));
    assert!(worker.body.contains("self.addEventListener(\"fetch\""));

    let shell = app.get("/offline/shell").await;
    assert_eq!(shell.status, StatusCode::OK, "no sign-in needed");
    assert!(shell.body.contains("data-shell=\"offline\""));
    assert!(shell.body.contains(&format!("/pkg/tanhui.{build}.wasm")));
    assert!(shell.body.contains("/offline.js"));
    let policy = shell.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("policy");
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce");
    assert!(shell.body.contains(&format!("nonce=\"{nonce}\"")));
    assert!(!shell.body.contains("tanhui_session"));

    let off = app
        .instance_with(|settings| settings.service_worker = false)
        .await;
    assert_eq!(off.get("/sw.js").await.status, StatusCode::NOT_FOUND);
}

crate::on_both_backends!(
    a_device_prepares_its_villages_and_registrations_replay,
    an_outbox_file_is_applied_once_however_often_it_is_uploaded,
    the_service_worker_and_the_shell_are_public_and_per_build,
);
