//! Putting a real programme into service, as a new county administrator does on a database
//! without demo data: import Yuexi's units (its real townships, 20 villages, 大屯乡 merged
//! into 新民镇 at the end of 2024), open waves, set the line, import a 500-household registry
//! (a first file with one bad row refused whole), create an enumerator and a supervisor,
//! enter and approve a survey and see it in the figures; a merged township's households
//! counting under its successor; a closed wave refusing saves and reviews; a re-import
//! correcting households without changing their ids. Every bad file writes nothing.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{Response, Session, TestApp};

const UNITS: &str = include_str!("../fixtures/setup/yuexi-units.csv");
const HOUSEHOLDS: &str = include_str!("../fixtures/setup/yuexi-households.csv");
const HOUSEHOLDS_BAD: &str = include_str!("../fixtures/setup/yuexi-households-bad.csv");

/// A village of 越城镇, and a village of 大屯乡 (merged into 新民镇 at the end of 2024).
const VILLAGE: &str = "513434100201";
const TOWNSHIP: &str = "513434100";
const MERGED_VILLAGE: &str = "513434210201";
const MERGED: &str = "513434210";
const SUCCESSOR: &str = "513434102";

pub async fn upload(
    app: &TestApp,
    who: &Session,
    kind: &str,
    query: &str,
    body: Vec<u8>,
) -> Response {
    app.send(
        Request::post(format!("/api/v1/import/{kind}{query}"))
            .header(header::COOKIE, &who.cookie)
            .header(header::CONTENT_TYPE, "text/csv")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(body))
            .expect("request"),
    )
    .await
}

fn issues(report: &Value, key: &str) -> Vec<(u64, String, String)> {
    report[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} in {report}"))
        .iter()
        .map(|i| {
            (
                i["line"].as_u64().expect("line"),
                i["column"].as_str().expect("column").to_owned(),
                i["rule"].as_str().expect("rule").to_owned(),
            )
        })
        .collect()
}

/// `households_surveyed` of a unit and wave (0 where there is no figure).
async fn surveyed(app: &TestApp, who: &Session, unit: &str, wave: i32) -> f64 {
    let response = app
        .get_as(
            who,
            &format!("/api/v1/indicators?unit={unit}&wave={wave}&indicator=households_surveyed"),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()["rows"][0]["indicators"][0]["value"]
        .as_f64()
        .unwrap_or(0.0)
}

async fn enter_and_submit(app: &TestApp, who: &Session, household: &str, wave: i32) -> Response {
    app.json_as(
        who,
        "PUT",
        &format!("/api/v1/households/{household}/surveys/{wave}"),
        json!({ "client_id": server::auth::new_id(), "base_version": 0, "submit": true,
                "answers": crate::entry::answers() }),
    )
    .await
}

async fn approve(app: &TestApp, who: &Session, survey: &str, version: i64) -> Response {
    app.json_as(
        who,
        "POST",
        &format!("/api/v1/surveys/{survey}/review"),
        json!({ "decision": "approve", "version": version }),
    )
    .await
}

/// The first registered household of a village.
async fn household_of(app: &TestApp, village: &str) -> domain::Household {
    let code = domain::UnitCode::parse(village).expect("code");
    app.store
        .households_in(&code)
        .await
        .expect("households")
        .into_iter()
        .next()
        .expect("a household")
}

async fn a_new_administrator_puts_a_county_into_service(app: &TestApp) {
    let admin = app.admin().await;
    let store = &app.store;
    assert_eq!(store.count_households().await.expect("count"), 0);
    assert_eq!(store.count_units().await.expect("count"), 4);

    // Units: every bad file is refused whole, naming line and column.
    let wrong_parent = UNITS.replacen(
        "513434100201,village,513434100,",
        "513434100201,village,513434101,",
        1,
    );
    let r = upload(app, &admin, "units", "", wrong_parent.into_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        issues(&r.json(), "errors"),
        vec![(28, "parent_code".into(), "parent_matches_code".into())]
    );
    let unknown_column = UNITS.replacen("name_ii", "name_yi", 1);
    let r = upload(app, &admin, "units", "", unknown_column.into_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        issues(&r.json(), "errors"),
        vec![(1, "name_yi".into(), "unknown_column".into())]
    );
    // GBK (Excel's default CSV in China) and a damaged workbook.
    let r = upload(
        app,
        &admin,
        "units",
        "",
        vec![0xd4, 0xbd, 0xce, 0xf7, b',', b'\n'],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.json()["message"]
        .as_str()
        .expect("message")
        .contains("UTF-8"));
    let r = upload(
        app,
        &admin,
        "units",
        "",
        b"PK\x03\x04 not really a workbook".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(issues(&r.json(), "errors")[0].2, "file");
    assert_eq!(
        store.count_units().await.expect("count"),
        4,
        "nothing written"
    );

    let r = upload(app, &admin, "units", "", UNITS.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["imported"], 46);
    // The county existed (its name is unchanged): 25 townships and 20 villages are new.
    assert_eq!(store.count_units().await.expect("count"), 4 + 45);
    // Again: idempotent, nothing to change. A renamed village is reported.
    let r = upload(app, &admin, "units", "", UNITS.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["changes"], json!([]));
    let renamed = UNITS.replacen(",城东村,,", ",城东村,Chengdong,", 1);
    let r = upload(app, &admin, "units", "", renamed.into_bytes()).await;
    assert_eq!(
        issues(&r.json(), "changes"),
        vec![(28, "name_pinyin".into(), "changed".into())]
    );
    assert_eq!(store.count_units().await.expect("count"), 49);

    // Waves and the line: bad input is refused field by field.
    let r = app
        .json_as(
            &admin,
            "POST",
            "/api/v1/waves",
            json!({ "year": "20x5", "start": "2025-13-01", "end": "" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let paths: Vec<String> = r.json()["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["path"].as_str().expect("path").to_owned())
        .collect();
    assert_eq!(paths, vec!["year", "start"]);
    for year in ["2024", "2025"] {
        let r = app
            .json_as(
                &admin,
                "POST",
                "/api/v1/waves",
                json!({ "year": year, "start": "", "end": "" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let waves = store.waves().await.expect("waves");
    assert_eq!(
        waves.iter().map(|w| w.year).collect::<Vec<_>>(),
        vec![2024, 2025]
    );
    assert!(
        waves[0].baseline && !waves[1].baseline,
        "the first wave is the baseline"
    );
    let r = app
        .json_as(
            &admin,
            "PUT",
            "/api/v1/lines",
            json!({ "scheme": "city", "year": "2025", "yuan": "-3" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["issues"].as_array().expect("issues").len(), 2);
    let r = app
        .json_as(
            &admin,
            "PUT",
            "/api/v1/lines",
            json!({ "scheme": "national", "year": "2025", "yuan": "4,100.50" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let line = store
        .poverty_lines()
        .await
        .expect("lines")
        .into_iter()
        .find(|l| l.year == 2025 && l.scheme == domain::PovertyScheme::National)
        .expect("the 2025 line");
    assert_eq!(line.amount.fen(), 410_050);

    // The registry: one bad row among 500 writes nothing; the fixed file lands whole.
    let r = upload(
        app,
        &admin,
        "households",
        "",
        HOUSEHOLDS_BAD.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let report = r.json();
    assert_eq!(report["rows"], 500);
    assert_eq!(
        issues(&report, "errors"),
        vec![(252, "head_id_card".into(), "id_card".into())]
    );
    assert_eq!(
        store.count_households().await.expect("count"),
        0,
        "nothing written"
    );
    // A head registered twice in one file.
    let mut lines: Vec<&str> = HOUSEHOLDS.lines().collect();
    let twin = lines[2].replacen(",0001,", ",0999,", 1);
    lines.push(&twin);
    let r = upload(app, &admin, "households", "", lines.join("\n").into_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        issues(&r.json(), "errors"),
        vec![
            (502, "head_id_card".into(), "duplicate_id_card".into()),
            (502, "member1_id_card".into(), "duplicate_id_card".into())
        ]
    );
    let r = upload(
        app,
        &admin,
        "households",
        "",
        HOUSEHOLDS.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["imported"], 500);
    assert_eq!(store.count_households().await.expect("count"), 500);
    let audit = store
        .audit(&server::storage::AuditFilter {
            action: Some("household.import".into()),
            limit: 10_000,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(audit.len(), 500, "one audit entry per household");
    // The same file again is refused: those households are registered (use update).
    let r = upload(
        app,
        &admin,
        "households",
        "",
        HOUSEHOLDS.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(issues(&r.json(), "errors")[0].2, "household_exists");

    // Field work: an enumerator for the village, a supervisor for its township.
    app.create_account("enum.chengdong", "enumerator", VILLAGE)
        .await;
    app.create_account("sup.yuecheng", "supervisor", TOWNSHIP)
        .await;
    let enumerator = app.session_of("enum.chengdong").await;
    let supervisor = app.session_of("sup.yuecheng").await;
    let household = household_of(app, VILLAGE).await;
    let r = enter_and_submit(app, &enumerator, household.id.as_str(), 2025).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let saved = r.json();
    let r = approve(app, &supervisor, saved["survey"].as_str().expect("id"), 1).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(surveyed(app, &admin, VILLAGE, 2025).await, 1.0);
    assert_eq!(surveyed(app, &admin, "513434", 2025).await, 1.0);
    let page = app
        .get_as(&admin, &format!("/unit/{VILLAGE}?wave=2025"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("城东村"), "the village page");
    assert!(
        page.body.contains(&household.head_name),
        "its household is listed"
    );

    // The merged township: its own until the end of 2024, under 新民镇 from 2025.
    app.create_account("enum.datun", "enumerator", MERGED_VILLAGE)
        .await;
    let enumerator = app.session_of("enum.datun").await;
    let merged_household = household_of(app, MERGED_VILLAGE).await;
    for wave in [2024, 2025] {
        let r = enter_and_submit(app, &enumerator, merged_household.id.as_str(), wave).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = approve(app, &admin, r.json()["survey"].as_str().expect("id"), 1).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    assert_eq!(surveyed(app, &admin, MERGED, 2024).await, 1.0);
    assert_eq!(surveyed(app, &admin, SUCCESSOR, 2024).await, 0.0);
    assert_eq!(surveyed(app, &admin, MERGED, 2025).await, 0.0);
    assert_eq!(surveyed(app, &admin, SUCCESSOR, 2025).await, 1.0);
    assert_eq!(surveyed(app, &admin, "513434", 2025).await, 2.0);
    let page = app
        .get_as(&admin, &format!("/unit/{MERGED}?wave=2025"))
        .await;
    assert!(
        page.body.contains("于 2024-12-31 并入"),
        "the merged township's page"
    );
    let county = app.get_as(&admin, "/unit/513434?wave=2025").await;
    let link = format!("href=\"/unit/{MERGED}");
    if let Some(at) = county.body.find(&link) {
        panic!(
            "not a 2025 child of the county: {}",
            &county.body[at.saturating_sub(300)..at + 200]
        );
    }
    let county_2024 = app.get_as(&admin, "/unit/513434?wave=2024").await;
    assert!(county_2024.body.contains(&link), "a 2024 child");

    // A closed wave takes no saves or reviews, with a reason; reopening is audited.
    let r = app
        .json_as(&admin, "POST", "/api/v1/waves/2025/close", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let other = app
        .store
        .households_in(&domain::UnitCode::parse(VILLAGE).expect("code"))
        .await
        .expect("households")
        .into_iter()
        .nth(1)
        .expect("a second household");
    let enumerator = app.session_of("enum.chengdong").await;
    let r = enter_and_submit(app, &enumerator, other.id.as_str(), 2025).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.json()["message"]
        .as_str()
        .expect("message")
        .contains("已关闭"));
    let r = app
        .json_as(
            &admin,
            "POST",
            "/api/v1/waves",
            json!({ "year": "2025", "start": "", "end": "" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let reopened = store
        .audit(&server::storage::AuditFilter {
            action: Some("wave.reopen".into()),
            limit: 10_000,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(reopened.len(), 1);
    let r = enter_and_submit(app, &enumerator, other.id.as_str(), 2025).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Corrections by re-import: what changed is reported, ids stay.
    let mut lines: Vec<String> = HOUSEHOLDS.lines().map(str::to_owned).collect();
    let original = lines[1].clone();
    lines[1] = original.replace(",吉克阿呷,", ",吉克阿果,");
    let corrected = lines.join("\n");
    let r = upload(
        app,
        &admin,
        "households",
        "?update=true",
        corrected.into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let changes = issues(&r.json(), "changes");
    assert!(
        changes.contains(&(2, "head_name".into(), "changed".into())),
        "{changes:?}"
    );
    assert!(
        changes.contains(&(2, "member1".into(), "changed".into())),
        "{changes:?}"
    );
    assert!(
        changes.iter().all(|c| c.0 == 2),
        "only line 2 changed: {changes:?}"
    );
    let after = household_of(app, VILLAGE).await;
    assert_eq!(after.id, household.id, "the same household");
    assert_eq!(after.head_name, "吉克阿果");
    let people = store
        .persons_of(std::slice::from_ref(&after.id))
        .await
        .expect("people");
    let before_ids: Vec<_> = people.iter().map(|p| p.id.clone()).collect();
    assert!(people.iter().all(|p| p.active));
    assert_eq!(people[0].name, "吉克阿果");
    // Once more: nothing changes, and the people keep their ids.
    let r = upload(
        app,
        &admin,
        "households",
        "?update=true",
        lines.join("\n").into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["changes"], json!([]));
    let again: Vec<_> = store
        .persons_of(std::slice::from_ref(&after.id))
        .await
        .expect("people")
        .iter()
        .map(|p| p.id.clone())
        .collect();
    assert_eq!(again, before_ids);

    // Targets: an unknown indicator and a share over 100 are refused; good ones land.
    let bad = "indicator_id,unit_code,year,value\nhappiness,513434,2025,3\npoverty_headcount_ratio,513434,2025,140\n";
    let r = upload(app, &admin, "targets", "", bad.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        issues(&r.json(), "errors"),
        vec![
            (2, "indicator_id".into(), "indicator".into()),
            (3, "value".into(), "percent".into())
        ]
    );
    let r = upload(
        app,
        &admin,
        "targets",
        "",
        crate::setup::TARGETS.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(store.targets().await.expect("targets").len(), 2);
}

pub const TARGETS: &str =
    "indicator_id,unit_code,year,value\nhouseholds_surveyed,513434,2025,400\npoverty_headcount_ratio,513434,2025,2.5\n";

/// The admin pages answer: the unit tree, a search, a correction with a bad date refused and
/// a good one saved (audited), the programme page.
async fn the_setup_pages_browse_search_and_correct(app: &TestApp) {
    let admin = app.admin().await;
    let r = upload(app, &admin, "units", "", UNITS.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = app.get_as(&admin, "/admin/units?parent=513434").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("越城镇") && page.body.contains("Yuecheng"));
    assert!(
        page.body.contains("于 2024-12-31 并入 新民镇"),
        "the merge is shown"
    );
    let found = app
        .get_as(&admin, "/admin/units?q=%E5%9F%8E%E4%B8%9C")
        .await;
    assert!(found.body.contains("513434100201"), "search by name");
    // A correction: a bad date is refused by field; a good one is saved and audited.
    let bad = app
        .server_fn_as(
            &admin,
            "admin_update_unit",
            "input[code]=513434100201&input[name_zh]=%E5%9F%8E%E4%B8%9C%E6%9D%91&input[name_pinyin]=&input[name_ii]=&input[valid_from]=2019-02-30&input[valid_to]=&input[successor_code]=",
        )
        .await;
    assert_eq!(bad.status, StatusCode::OK, "{}", bad.body);
    assert!(bad.body.contains("valid_from"), "{}", bad.body);
    let good = app
        .server_fn_as(
            &admin,
            "admin_update_unit",
            "input[code]=513434100201&input[name_zh]=%E5%9F%8E%E4%B8%9C%E6%9D%91&input[name_pinyin]=Chengdong&input[name_ii]=&input[valid_from]=2019-02-01&input[valid_to]=&input[successor_code]=",
        )
        .await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    assert!(good.body.contains("Chengdong"), "{}", good.body);
    let audit = app
        .store
        .audit(&server::storage::AuditFilter {
            action: Some("unit.update".into()),
            limit: 10_000,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert!(audit[0].before.is_some() && audit[0].after.is_some());
    let programme = app.get_as(&admin, "/admin/programme").await;
    assert_eq!(programme.status, StatusCode::OK);
    assert!(programme.body.contains("no-waves") || programme.body.contains("waves-table"));
    // Nobody else reaches them.
    let official = app.session("official.x", "official", "513434").await;
    assert_eq!(
        app.get_as(&official, "/api/v1/units").await.status,
        StatusCode::FORBIDDEN
    );
    let r = upload(app, &official, "units", "", UNITS.as_bytes().to_vec()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

crate::on_both_backends!(
    a_new_administrator_puts_a_county_into_service,
    the_setup_pages_browse_search_and_correct
);

/// What the scenarios below start from: Yuexi's units and an open 2025 wave, loaded as an
/// administrator does, and with `registry` its 500 households.
async fn county(app: &TestApp, admin: &Session, registry: bool) {
    let files: &[(&str, &str)] = match registry {
        true => &[("units", UNITS), ("households", HOUSEHOLDS)],
        false => &[("units", UNITS)],
    };
    for (kind, file) in files {
        let r = upload(app, admin, kind, "", file.as_bytes().to_vec()).await;
        assert_eq!(r.status, StatusCode::OK, "{kind}: {}", r.body);
        if *kind == "units" {
            let wave = json!({ "year": "2025", "start": "", "end": "" });
            let r = app.json_as(admin, "POST", "/api/v1/waves", wave).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
    }
}

/// The pseudonymous ids in one column of a micro-data CSV, sorted.
async fn pids(app: &TestApp, who: &Session, file: &str, column: &str) -> Vec<String> {
    let r = app
        .get_as(
            who,
            &format!("/api/v1/export/microdata/{file}.csv?statuses=all"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut lines = r.body.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let at = header
        .iter()
        .position(|c| c.trim_start_matches('\u{feff}') == column)
        .unwrap_or_else(|| panic!("{column} in {file}"));
    let mut pids: Vec<String> = lines
        .map(|l| l.split(',').nth(at).expect("cell").to_owned())
        .collect();
    pids.sort();
    pids
}

/// Corrections: a reason and the version are required, a stale edit is refused, the audit
/// holds before and after with the reason, the household keeps its pseudonymous id, and a
/// household can be marked merged into another.
async fn corrections_are_versioned_reasoned_and_audited(app: &TestApp) {
    let admin = app.admin().await;
    county(app, &admin, true).await;
    app.create_account("enum.chengdong", "enumerator", VILLAGE)
        .await;
    app.create_account("enum.other", "enumerator", MERGED_VILLAGE)
        .await;
    let enumerator = app.session_of("enum.chengdong").await;
    let outsider = app.session_of("enum.other").await;
    let household = household_of(app, VILLAGE).await;
    let r = enter_and_submit(app, &enumerator, household.id.as_str(), 2025).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let pids_before = pids(app, &admin, "households_by_wave", "household_pid").await;
    let people_before = pids(app, &admin, "persons", "person_pid").await;
    assert!(people_before.len() > 500, "every registered person");

    let page = app
        .get_as(&enumerator, &format!("/household/{}", household.id))
        .await;
    assert!(
        page.body.contains("correction-form"),
        "the form for the village's enumerator"
    );
    assert!(
        page.body.contains("data-testid=\"people\""),
        "the registry's people"
    );
    let path = format!("/api/v1/households/{}", household.id);
    let body = |version: i32, reason: &str, id_card: &str, name: &str| {
        json!({ "version": version, "reason": reason, "head_name": name,
                "head_id_card": id_card, "phone": "", "head_sex": household.head_sex.code(),
                "head_ethnicity": household.head_ethnicity.code(),
                "poverty_registration": household.poverty_registration.code(),
                "poverty_cause": household.poverty_cause.map(|c| c.code()).unwrap_or(""),
                "registration_year": household.registration_year.map(|y| y.to_string()).unwrap_or_default(),
                "exit_year": household.exit_year.map(|y| y.to_string()).unwrap_or_default(),
                "model": "household", "enrolment_date": "2020-05-01" })
    };
    let card = household.id_card_text().to_owned();
    // No reason, a bad ID card, another head's ID card: refused by field, nothing written.
    let r = app
        .json_as(&enumerator, "PATCH", &path, body(1, " ", &card, "吉克阿果"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["issues"][0]["path"], "reason");
    let r = app
        .json_as(
            &enumerator,
            "PATCH",
            &path,
            body(1, "录错了", "513434199108060010", "吉克阿果"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["issues"][0]["path"], "head_id_card");
    let other = app
        .store
        .households_in(&domain::UnitCode::parse(VILLAGE).expect("code"))
        .await
        .expect("households")
        .into_iter()
        .nth(1)
        .expect("another household");
    let r = app
        .json_as(
            &enumerator,
            "PATCH",
            &path,
            body(1, "录错了", other.id_card_text(), "吉克阿果"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["issues"][0]["rule"], "duplicate_id_card");
    // Outside the village: 403.
    let r = app
        .json_as(
            &outsider,
            "PATCH",
            &path,
            body(1, "录错了", &card, "吉克阿果"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The correction, then the same stale edit again.
    let r = app
        .json_as(
            &enumerator,
            "PATCH",
            &path,
            body(1, "户主姓名录错了", &card, "吉克阿果"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["version"], 2);
    let r = app
        .json_as(
            &enumerator,
            "PATCH",
            &path,
            body(1, "再改一次", &card, "吉克阿木"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let after = app
        .store
        .household(&household.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(after.head_name, "吉克阿果");
    assert_eq!(after.model, domain::EngagementModel::Household);
    let audit = app
        .store
        .audit(&server::storage::AuditFilter {
            action: Some("household.correct".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1, "only the correction that went through");
    let (before, after_json) = (
        audit[0].before.clone().expect("before"),
        audit[0].after.clone().expect("after"),
    );
    assert_eq!(before["version"], 1);
    assert_eq!(after_json["version"], 2);
    assert_eq!(after_json["reason"], "户主姓名录错了");
    assert_eq!(before["model"], json!(household.model.code()));
    assert_eq!(after_json["model"], "household");
    assert_eq!(
        pids(app, &admin, "households_by_wave", "household_pid").await,
        pids_before,
        "same pseudonymous household ids"
    );
    assert_eq!(
        pids(app, &admin, "persons", "person_pid").await,
        people_before,
        "same pseudonymous person ids"
    );

    // Merged into the village's household 0002: the page says so.
    let mut merged = body(2, "两户合并", &card, "吉克阿果");
    merged["status"] = json!("merged");
    merged["merged_into"] = json!("9999");
    let r = app
        .json_as(&enumerator, "PATCH", &path, merged.clone())
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["issues"][0]["path"], "merged_into");
    merged["merged_into"] = json!(other.registry_no);
    let r = app.json_as(&enumerator, "PATCH", &path, merged).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = app
        .get_as(&admin, &format!("/household/{}", household.id))
        .await;
    assert!(
        page.body
            .contains(&format!("已并户（并入户编号 {}）", other.registry_no)),
        "the page shows the merge"
    );
}

crate::on_both_backends!(corrections_are_versioned_reasoned_and_audited);

const ASSIGNMENTS: &str = include_str!("../fixtures/setup/yuexi-assignments.csv");

/// Treatment assignment: village 513434100201 is a collective programme village whose first
/// household the registry lists as `comparison` (it did not enrol). They count as
/// `non_enrolled`, never as comparison households, in the figures; the micro-data carry the
/// village's model, its start year and the household's own enrolment.
async fn treatment_groups_are_told_apart(app: &TestApp) {
    let admin = app.admin().await;
    county(app, &admin, true).await;
    // A comparison village with a start year, a programme village without: refused whole.
    let bad = ASSIGNMENTS
        .replacen(
            "513434102201,comparison,",
            "513434102201,comparison,2019",
            1,
        )
        .replacen(
            "513434100201,collective,2019",
            "513434100201,collective,",
            1,
        );
    let r = upload(app, &admin, "assignments", "", bad.into_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        issues(&r.json(), "errors"),
        vec![
            (2, "start_year".into(), "start_year".into()),
            (10, "start_year".into(), "comparison_start".into())
        ]
    );
    assert!(app
        .store
        .village_programmes()
        .await
        .expect("read")
        .is_empty());
    let r = upload(
        app,
        &admin,
        "assignments",
        "",
        ASSIGNMENTS.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.store.village_programmes().await.expect("read").len(),
        20
    );

    let non_enrolled = household_of(app, "513434100201").await;
    assert_eq!(non_enrolled.model, domain::EngagementModel::Comparison);
    let comparison = household_of(app, "513434102201").await;
    for h in [&non_enrolled, &comparison] {
        let r = enter_and_submit(app, &admin, h.id.as_str(), 2025).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = approve(app, &admin, r.json()["survey"].as_str().expect("id"), 1).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = app
        .get_as(
            &admin,
            "/api/v1/indicators?unit=513434&wave=2025&by=model&indicator=households_surveyed",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rows: Vec<(String, f64)> = r.json()["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            (
                row["slice"]["model"].as_str().expect("model").to_owned(),
                row["indicators"][0]["value"].as_f64().unwrap_or(0.0),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("collective".to_owned(), 0.0),
            ("household".to_owned(), 0.0),
            ("comparison".to_owned(), 1.0),
            ("non_enrolled".to_owned(), 1.0)
        ]
    );

    let r = app
        .get_as(&admin, "/api/v1/export/microdata/households_by_wave.csv")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let mut lines = r.body.lines();
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(str::to_owned)
        .collect();
    let at = |name: &str| {
        header
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let mut found: Vec<(String, String, String, String)> = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (
                cells[at("village_code")].to_owned(),
                cells[at("village_model")].to_owned(),
                cells[at("programme_start_year")].to_owned(),
                cells[at("enrolled")].to_owned(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "513434100201".into(),
                "collective".into(),
                "2019".into(),
                "0".into()
            ),
            (
                "513434102201".into(),
                "comparison".into(),
                "".into(),
                "0".into()
            ),
        ]
    );
}

crate::on_both_backends!(treatment_groups_are_told_apart);

/// The value of one indicator for a unit and wave (`None` where there is no figure).
async fn figure(app: &TestApp, who: &Session, id: &str, unit: &str, wave: i32) -> Option<f64> {
    let r = app
        .get_as(
            who,
            &format!("/api/v1/indicators?unit={unit}&wave={wave}&indicator={id}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["rows"][0]["indicators"][0]["value"].as_f64()
}

/// Plots and inspections: bad rows refused by line and column, plots counted in the
/// afforestation figures at once, a re-import updating a plot by its code and keeping its
/// inspections.
async fn plots_and_inspections_load_from_files(app: &TestApp) {
    let admin = app.admin().await;
    county(app, &admin, false).await;
    let header = "plot_code,village_code,area_ha,species,planting_year,managing_party\n";
    let bad = format!(
        "{header}YX-1,{VILLAGE},0,yunnan_pine,2019,collective\nYX-2,{VILLAGE},8,oak,2019,collective\nYX-3,513434999201,8,alder,2019,collective\n"
    );
    let r = upload(app, &admin, "plots", "", bad.into_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        issues(&r.json(), "errors"),
        vec![
            (2, "area_ha".into(), "area".into()),
            (3, "species".into(), "choice".into()),
            (4, "village_code".into(), "unknown_unit".into())
        ]
    );
    let good = format!(
        "{header}YX-1,{VILLAGE},12.5,yunnan_pine,2019,collective\nYX-2,{VILLAGE},7.5,armand_pine,2020,cooperative\n"
    );
    let r = upload(app, &admin, "plots", "", good.clone().into_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        figure(app, &admin, "afforested_area_ha", VILLAGE, 2025).await,
        Some(20.0)
    );

    let inspections = "plot_code,year,survival_rate\nYX-9,2024,90\nYX-1,2018,90\nYX-1,2024,140\n";
    let r = upload(
        app,
        &admin,
        "inspections",
        "",
        inspections.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        issues(&r.json(), "errors"),
        vec![
            (2, "plot_code".into(), "unknown_plot".into()),
            (3, "year".into(), "year".into()),
            (4, "survival_rate".into(), "percent".into())
        ]
    );
    let inspections = "plot_code,year,survival_rate\nYX-1,2024,90\nYX-2,2024,80\n";
    let r = upload(
        app,
        &admin,
        "inspections",
        "",
        inspections.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Area-weighted: (12.5 × 90 + 7.5 × 80) ÷ 20 = 86.25.
    let rate = figure(app, &admin, "survival_rate", VILLAGE, 2025)
        .await
        .expect("a rate");
    assert!((rate - 86.25).abs() < 1e-9, "{rate}");

    // The same code again updates the plot and keeps its inspections.
    let r = upload(
        app,
        &admin,
        "plots",
        "",
        good.replace(",7.5,", ",17.5,").into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        issues(&r.json(), "changes"),
        vec![(3, "plot_code".into(), "changed".into())]
    );
    assert_eq!(app.store.plots().await.expect("plots").len(), 2);
    assert_eq!(
        figure(app, &admin, "afforested_area_ha", VILLAGE, 2025).await,
        Some(30.0)
    );
    // (12.5 × 90 + 17.5 × 80) ÷ 30
    let rate = figure(app, &admin, "survival_rate", VILLAGE, 2025)
        .await
        .expect("a rate");
    assert!(
        (rate - (12.5 * 90.0 + 17.5 * 80.0) / 30.0).abs() < 1e-9,
        "{rate}"
    );
}

crate::on_both_backends!(plots_and_inspections_load_from_files);
