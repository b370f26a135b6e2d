//! Bulk import (`POST /api/v1/import/surveys`): thousands of rows with one bad one write
//! nothing and name the line and column; warnings wait for confirmation; the corrected file
//! lands whole and shows in the figures at once; a second run of the same file is refused.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use domain::{Date, RecordId, Wave};
use server::seed::{seed, SeedOptions};
use server::storage::Batch;

use crate::helpers::{Session, TestApp};

const SEED: SeedOptions = SeedOptions {
    households: 2_000,
    seed: 3,
    progress: false,
};

async fn post_csv(
    app: &TestApp,
    who: &Session,
    query: &str,
    body: Vec<u8>,
) -> crate::helpers::Response {
    app.send(
        Request::post(format!("/api/v1/import/surveys{query}"))
            .header(header::COOKIE, &who.cookie)
            .header(header::CONTENT_TYPE, "text/csv")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(body))
            .expect("request"),
    )
    .await
}

/// One CSV line: a two-person household with a forest-ranger job; `birth` is the child's
/// birth year and `dividends` the dividends (with no shares when positive: a warning).
fn line(village: &str, registry: &str, birth: i32, dividends: i32) -> String {
    let columns = server::import::columns();
    let values: std::collections::HashMap<&str, String> = [
        ("village_code", village.to_owned()),
        ("registry_no", registry.to_owned()),
        ("wave", "2022".into()),
        ("status", "approved".into()),
        ("member1_sex", "male".into()),
        ("member1_birth_year", "1970".into()),
        ("member1_relation", "head".into()),
        ("member1_ethnicity", "yi".into()),
        ("member1_education", "primary".into()),
        ("member1_health", "healthy".into()),
        ("member1_labour", "ordinary".into()),
        ("member2_sex", "female".into()),
        ("member2_birth_year", birth.to_string()),
        ("member2_relation", "child".into()),
        ("member2_ethnicity", "yi".into()),
        ("member2_education", "junior".into()),
        ("member2_health", "healthy".into()),
        ("member2_labour", "none".into()),
        ("employment1_member_no", "1".into()),
        ("employment1_activity", "forest_ranger".into()),
        ("employment1_days", "200".into()),
        ("employment1_wages", "\"9,000\"".into()),
        ("dividends", dividends.to_string()),
        ("food_clothing_secure", "1".into()),
        ("schooling_ok", "是".into()),
        ("insured", "1".into()),
        ("housing_safe", "1".into()),
        ("water_safe", "0".into()),
    ]
    .into_iter()
    .collect();
    columns
        .iter()
        .map(|c| values.get(c.as_str()).cloned().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(",")
}

async fn surveyed_2022(app: &TestApp, who: &Session) -> serde_json::Value {
    app.get_as(
        who,
        "/api/v1/indicators?unit=513400&wave=2022&indicator=households_surveyed",
    )
    .await
    .json()["rows"][0]["indicators"][0]["value"]
        .clone()
}

async fn one_bad_row_among_thousands_writes_nothing(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    app.store
        .write(&Batch {
            waves: vec![Wave {
                year: 2022,
                baseline: false,
                period_start: Date::new(2022, 1, 1).expect("date"),
                period_end: Date::new(2022, 12, 31).expect("date"),
                closed: false,
            }],
            ..Batch::default()
        })
        .await
        .expect("wave 2022");
    let ids: Vec<RecordId> = app
        .store
        .household_ids()
        .await
        .expect("ids")
        .iter()
        .map(|i| RecordId::parse(i).expect("id"))
        .collect();
    let households = app.store.households_by_ids(&ids).await.expect("households");
    assert_eq!(households.len(), 2_000);
    let admin = app.admin().await;
    let before = app.store.count_surveys().await.expect("count");
    assert!(
        surveyed_2022(app, &admin).await.is_null(),
        "no 2022 data yet"
    );

    // Row 1,234 (line 1,236: the header is line 1) has a child born after the wave; row 17
    // has dividends without shares (a warning).
    let (bad, odd) = (1_234, 17);
    let file = |fixed: bool| {
        let mut text = String::from("\u{feff}");
        text.push_str(&server::import::columns().join(","));
        text.push_str("\r\n");
        for (i, h) in households.iter().enumerate() {
            let birth = if i == bad && !fixed { 2030 } else { 2009 };
            let dividends = if i == odd { 300 } else { 0 };
            text.push_str(&line(h.village.as_str(), &h.registry_no, birth, dividends));
            text.push_str("\r\n");
        }
        text.into_bytes()
    };
    let refused = post_csv(app, &admin, "", file(false)).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        &refused.body[..refused.body.len().min(400)]
    );
    let report = refused.json();
    assert_eq!(report["rows"], 2_000);
    assert_eq!(report["imported"], 0);
    let errors = report["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["line"], bad + 2);
    assert_eq!(errors[0]["column"], "member2_birth_year");
    assert_eq!(errors[0]["rule"], "birth_year");
    assert!(errors[0]["zh"].as_str().expect("zh").contains("出生年份"));
    assert_eq!(report["warnings"][0]["line"], odd + 2);
    assert_eq!(report["warnings"][0]["column"], "dividends");
    assert_eq!(app.store.count_surveys().await.expect("count"), before);
    assert!(surveyed_2022(app, &admin).await.is_null());

    // Fixed, and sent as an XLSX workbook this time (numbers as numbers): only the warning
    // stands, and waits for confirmation.
    let workbook = {
        let text = String::from_utf8(file(true)).expect("utf-8");
        let records = server::import::parse_csv(&text).expect("csv");
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, (_, cells)) in records.iter().enumerate() {
            for (c, cell) in cells.iter().enumerate() {
                let plain = cell.replace(',', "");
                match plain.parse::<f64>() {
                    Ok(n) if r > 0 && !cell.starts_with('0') && cell.len() < 12 => {
                        sheet.write_number(r as u32, c as u16, n).expect("write");
                    }
                    _ if cell.is_empty() => {}
                    _ => {
                        sheet.write_string(r as u32, c as u16, cell).expect("write");
                    }
                }
            }
        }
        book.save_to_buffer().expect("xlsx")
    };
    let unconfirmed = post_csv(app, &admin, "", workbook).await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let report = unconfirmed.json();
    assert_eq!(report["rows"], 2_000);
    assert_eq!(
        report["errors"].as_array().expect("errors").len(),
        0,
        "{report}"
    );
    assert_eq!(report["warnings"].as_array().expect("warnings").len(), 1);
    assert_eq!(report["warnings"][0]["line"], odd + 2);
    assert_eq!(app.store.count_surveys().await.expect("count"), before);

    // Confirmed: every row lands, and the prefecture's figure counts them at once.
    let done = post_csv(app, &admin, "?confirm_warnings=true", file(true)).await;
    assert_eq!(
        done.status,
        StatusCode::OK,
        "{}",
        &done.body[..done.body.len().min(400)]
    );
    assert_eq!(done.json()["imported"], 2_000);
    assert_eq!(
        app.store.count_surveys().await.expect("count"),
        before + 2_000
    );
    assert_eq!(surveyed_2022(app, &admin).await, 2_000.0);
    // One imported survey read back: 9,000 wages for 2 people, water not safe.
    let one = app
        .store
        .survey_for(&households[0].id, 2022)
        .await
        .expect("read")
        .expect("imported");
    assert_eq!(one.answers.net_income_fen(), 900_000);
    assert!(!one.answers.guarantees.water_safe && one.answers.guarantees.schooling_ok);
    assert_eq!(one.status, domain::SurveyStatus::Approved);

    // The same file again: every row already has its survey; nothing is written.
    let again = post_csv(app, &admin, "?confirm_warnings=true", file(true)).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The report lists the first 1,000 and counts all 2,000 under their rule.
    let report = again.json();
    assert_eq!(report["errors"].as_array().expect("errors").len(), 1_000);
    assert_eq!(report["errors"][0]["line"], 2);
    assert_eq!(report["errors"][999]["line"], 1_001);
    assert_eq!(
        report["counts"],
        serde_json::json!([
            { "rule": "survey_exists", "warning": false, "count": 2_000 },
            { "rule": "dividends_without_shares", "warning": true, "count": 1 }
        ])
    );
    assert_eq!(
        app.store.count_surveys().await.expect("count"),
        before + 2_000
    );

    // Only administrators import; a file that is not UTF-8 (Excel's GBK CSV) is explained.
    let supervisor = app
        .session("sup", "supervisor", &households[0].village.as_str()[..9])
        .await;
    let denied = post_csv(app, &supervisor, "", file(true)).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let gbk = post_csv(app, &admin, "", vec![0xb4, 0xe5, 0x2c, 0x0d, 0x0a]).await;
    assert_eq!(gbk.status, StatusCode::BAD_REQUEST);
    assert!(gbk.body.contains("UTF-8"), "{}", gbk.body);
    let template = app
        .get_as(&admin, "/api/v1/import/surveys/template.csv")
        .await;
    assert_eq!(template.status, StatusCode::OK);
    assert!(template.body.contains("member1_birth_year"));
    let workbook = app
        .get_as(&admin, "/api/v1/import/surveys/template.xlsx")
        .await;
    assert_eq!(workbook.status, StatusCode::OK);
    // A damaged workbook is a report, not a failure.
    let damaged = post_csv(app, &admin, "", b"PK\x03\x04 truncated".to_vec()).await;
    assert_eq!(damaged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(damaged.json()["errors"][0]["zh"]
        .as_str()
        .expect("zh")
        .contains("XLSX"));
}

crate::on_both_backends!(one_bad_row_among_thousands_writes_nothing);
