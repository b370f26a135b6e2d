//! Researchers' exports: micro-data that recomputes the engine's figures, carries no personal
//! data, links across exports by stable pseudonyms; indicator tables with small cells
//! suppressed for researchers.

use std::collections::{BTreeMap, HashSet};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use domain::engine::find;
use domain::{RecordId, UnitCode};
use server::export::microdata::{Filter, HOUSEHOLDS};
use server::export::pseudonym::Pseudonymiser;
use server::seed::{seed, SeedOptions};

use tower::ServiceExt;

use crate::helpers::TestApp;

const SEED: SeedOptions = SeedOptions {
    households: 240,
    seed: 7,
    progress: false,
};

/// Parses CSV as written by the exporter (quoted fields only where needed, none here).
fn rows(csv: &str) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let mut lines = csv.lines();
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{line}");
            header
                .iter()
                .cloned()
                .zip(cells.iter().map(|c| (*c).to_owned()))
                .collect()
        })
        .collect();
    (header, rows)
}

/// Yuan with two decimals back to whole fen, exactly.
fn fen(text: &str) -> i64 {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    let (yuan, cents) = digits.split_once('.').expect("two decimals");
    sign * (yuan.parse::<i64>().expect("yuan") * 100 + cents.parse::<i64>().expect("fen"))
}

async fn download(app: &TestApp, token: &str, path: &str) -> crate::helpers::Response {
    app.send(
        Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

async fn researcher_token(app: &TestApp, username: &str, scope: &str) -> String {
    let session = app.session(username, "researcher", scope).await;
    let created = app
        .json_as(
            &session,
            "POST",
            "/api/v1/tokens",
            serde_json::json!({ "name": "export" }),
        )
        .await;
    created.json()["secret"]
        .as_str()
        .expect("secret")
        .to_owned()
}

async fn the_micro_data_alone_reproduces_the_engine(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let token = researcher_token(app, "res", "513400").await;
    let response = download(
        app,
        &token,
        "/api/v1/export/microdata/households_by_wave.csv",
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        response.headers[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    let (header, households) = rows(&response.body);
    assert_eq!(header.len(), HOUSEHOLDS.columns.len());

    let engine = server::indicators::build(&app.store).await.expect("engine");
    let stored = app.store.poverty_lines().await.expect("lines");
    let by_scheme = |scheme: domain::PovertyScheme| -> BTreeMap<i32, i64> {
        stored
            .iter()
            .filter(|l| l.scheme == scheme)
            .map(|l| (l.year, l.amount.fen()))
            .collect()
    };
    let lines = by_scheme(domain::PovertyScheme::National);
    // Sichuan's threshold where one is set for the year, else the national line.
    let provincial = by_scheme(domain::PovertyScheme::Provincial);
    let mut differs = 0;
    let mut checked = 0;
    for county in ["513431", "513434", "513437"] {
        for wave in engine.waves() {
            let mine: Vec<&BTreeMap<String, String>> = households
                .iter()
                .filter(|h| h["county_code"] == county && h["wave"] == wave.to_string())
                .collect();
            let size: i64 = mine
                .iter()
                .map(|h| h["household_size"].parse::<i64>().expect("size"))
                .sum();
            let net: i64 = mine.iter().map(|h| fen(&h["net_income"])).sum();
            // Each household's net income is exactly the sum of its exported parts.
            for h in &mine {
                let parts = fen(&h["wages"]) + fen(&h["dividends"]) + fen(&h["understory_sales"])
                    - fen(&h["understory_costs"])
                    + fen(&h["livestock_sales"])
                    - fen(&h["livestock_costs"])
                    + fen(&h["crop_net"])
                    + fen(&h["transfers"])
                    + fen(&h["remittances"])
                    + fen(&h["other_income"]);
                assert_eq!(parts, fen(&h["net_income"]), "{h:?}");
            }
            let below_line = |line: i64| -> i64 {
                mine.iter()
                    .map(|h| {
                        (
                            h["household_size"].parse::<i64>().expect("size"),
                            fen(&h["net_income"]),
                        )
                    })
                    .filter(|(size, net)| *size > 0 && *net < line * size)
                    .map(|(size, _)| size)
                    .sum()
            };
            let below = below_line(lines[&wave]);
            let below_provincial =
                below_line(provincial.get(&wave).copied().unwrap_or(lines[&wave]));
            let programme: i64 = mine
                .iter()
                .map(|h| {
                    fen(&h["programme_wages"]) + fen(&h["dividends"]) + fen(&h["understory_sales"])
                        - fen(&h["understory_costs"])
                        + fen(&h["livestock_sales"])
                        - fen(&h["livestock_costs"])
                })
                .sum();
            let unit = UnitCode::parse(county).expect("code");
            let value_under = |id: &str, scheme| {
                engine
                    .value(
                        domain::engine::under(find(id).expect("id"), scheme),
                        &unit,
                        wave,
                        domain::engine::Slice::ALL,
                    )
                    .value
            };
            let value = |id: &str| value_under(id, domain::PovertyScheme::National);
            if mine.is_empty() {
                assert_eq!(value("per_capita_net_income"), None);
                continue;
            }
            let close = |a: f64, b: Option<f64>, what: &str| {
                let b = b.unwrap_or_else(|| panic!("{what} {county} {wave}: engine has no value"));
                assert!(
                    (a - b).abs() < 1e-9 * b.abs().max(1.0),
                    "{what} {county} {wave}: micro-data {a}, engine {b}"
                );
            };
            close(
                net as f64 / 100.0 / size as f64,
                value("per_capita_net_income"),
                "per-capita net income",
            );
            close(
                below as f64 * 100.0 / size as f64,
                value("poverty_headcount_ratio"),
                "poverty headcount",
            );
            close(
                below_provincial as f64 * 100.0 / size as f64,
                value_under("poverty_headcount_ratio", domain::PovertyScheme::Provincial),
                "poverty headcount (Sichuan threshold)",
            );
            differs += usize::from(below_provincial != below);
            close(
                programme as f64 * 100.0 / net as f64,
                value("programme_income_share"),
                "programme income share",
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "every county in most waves: {checked}");
    assert!(
        differs >= 3,
        "the thresholds change some figures: {differs}"
    );
}

/// Every exported roster line names its registry person: `person_pid` in `members_by_wave`
/// is one of its household's in `persons`, and a household's head is the same person in
/// every wave.
async fn members_carry_the_same_person_pid_in_every_wave(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let token = researcher_token(app, "res", "513400").await;
    let get = |file: &'static str| {
        let token = token.clone();
        async move {
            let path = format!("/api/v1/export/microdata/{file}.csv");
            let response = download(app, &token, &path).await;
            assert_eq!(response.status, StatusCode::OK, "{}", response.body);
            rows(&response.body).1
        }
    };
    let (members, persons) = (get("members_by_wave").await, get("persons").await);
    let mut household_of: BTreeMap<String, String> = BTreeMap::new();
    for p in &persons {
        household_of.insert(p["person_pid"].clone(), p["household_pid"].clone());
    }
    let mut heads: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for m in &members {
        let person = &m["person_pid"];
        assert!(!person.is_empty(), "{m:?}");
        assert_eq!(household_of.get(person), Some(&m["household_pid"]), "{m:?}");
        if m["relation"] == "head" {
            heads
                .entry(m["household_pid"].clone())
                .or_default()
                .insert(person.clone());
        }
    }
    assert!(heads.len() > 100, "{}", heads.len());
    assert!(
        heads.values().all(|h| h.len() == 1),
        "one head per household"
    );
    let waves: std::collections::BTreeSet<&str> =
        members.iter().map(|m| m["wave"].as_str()).collect();
    assert!(waves.len() >= 3, "{waves:?}");
}

async fn no_personal_data_leaves_and_pseudonyms_link_exports(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let mut personal: Vec<String> = Vec::new();
    for id in app.store.household_ids().await.expect("ids") {
        let h = app
            .store
            .household(&RecordId::parse(&id).expect("id"))
            .await
            .expect("read")
            .expect("exists");
        personal.push(id.clone());
        personal.push(h.id_card_text().to_owned());
        personal.push(h.id_card_text()[..14].to_owned());
        if h.head_name.chars().count() >= 3 {
            personal.push(h.head_name.clone());
        }
        if let Some(phone) = &h.phone {
            personal.push(phone.as_str().to_owned());
        }
    }
    let dir = tempfile::tempdir().expect("dir");
    let all = Filter {
        all_statuses: true,
        ..Filter::default()
    };
    let pseudonyms = server::export::run::pseudonymiser(&app.store)
        .await
        .expect("secret");
    let written = server::export::run::write_folder(
        &app.store,
        dir.path(),
        &all,
        &pseudonyms,
        server::export::run::Format::Csv,
    )
    .await
    .expect("export");
    assert_eq!(written.files.len(), 11, "9 tables and the codebook twice");
    let mut text = String::new();
    for (path, rows, _) in &written.files {
        let content = std::fs::read_to_string(path).expect("read");
        if path.extension().is_some_and(|e| e == "csv") && !path.ends_with("codebook.csv") {
            assert_eq!(
                content.lines().count() as u64,
                rows + 1,
                "{}",
                path.display()
            );
            assert!(*rows > 0, "{} has rows", path.display());
        }
        text.push_str(&content);
    }
    for secret in &personal {
        assert!(
            !text.contains(secret.as_str()),
            "{secret} left in an export"
        );
    }
    for column in [
        "head_name",
        "id_card",
        "phone",
        "registry_no",
        "review_comment",
        "correction_note",
        "enumerator",
    ] {
        assert!(!text.contains(column), "{column}");
    }
    // With all statuses, the household file says which surveys are approved.
    let households =
        std::fs::read_to_string(dir.path().join("households_by_wave.csv")).expect("read");
    assert!(households
        .lines()
        .next()
        .expect("header")
        .ends_with(",status"));
    assert!(
        households.contains(",submitted\n")
            || households.contains(",rejected\n")
            || households.contains(",draft\n")
    );

    // Stable: a second export has the same pseudonyms; another secret gives none of them.
    let pids = |csv: &str| -> HashSet<String> {
        csv.lines()
            .skip(1)
            .map(|l| l.split(',').next().expect("pid").to_owned())
            .collect()
    };
    let first = pids(&households);
    assert_eq!(
        first.len(),
        app.store.count_households().await.expect("count") as usize
    );
    let again = tempfile::tempdir().expect("dir");
    let pseudonyms_again = server::export::run::pseudonymiser(&app.store)
        .await
        .expect("secret");
    server::export::run::write_folder(
        &app.store,
        again.path(),
        &all,
        &pseudonyms_again,
        server::export::run::Format::Csv,
    )
    .await
    .expect("export");
    let second =
        pids(&std::fs::read_to_string(again.path().join("households_by_wave.csv")).expect("read"));
    assert_eq!(first, second);
    let other = tempfile::tempdir().expect("dir");
    server::export::run::write_folder(
        &app.store,
        other.path(),
        &all,
        &Pseudonymiser::new("another secret"),
        server::export::run::Format::Csv,
    )
    .await
    .expect("export");
    let third =
        pids(&std::fs::read_to_string(other.path().join("households_by_wave.csv")).expect("read"));
    assert_eq!(third.len(), first.len());
    assert!(first.is_disjoint(&third));
    // Members link to households by the same pseudonym.
    let members =
        pids(&std::fs::read_to_string(dir.path().join("members_by_wave.csv")).expect("read"));
    assert!(members.is_subset(&first));
}

async fn researchers_get_their_scope_and_small_cells_suppressed(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let yuexi = researcher_token(app, "res.yuexi", "513434").await;
    let (_, rows) = rows(
        &download(
            app,
            &yuexi,
            "/api/v1/export/microdata/households_by_wave.csv?wave=2021",
        )
        .await
        .body,
    );
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| r["county_code"] == "513434" && r["wave"] == "2021"));
    let downloads = app
        .store
        .audit(&server::storage::AuditFilter {
            action: Some("export.microdata".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(downloads.len(), 1, "every micro-data download is audited");
    assert_eq!(downloads[0].actor, "res.yuexi");
    assert_eq!(
        downloads[0].target.as_deref(),
        Some("households_by_wave.csv")
    );
    assert_eq!(downloads[0].after.as_ref().expect("detail")["wave"], "2021");

    // Officials read figures but do not get micro-data.
    let official = app.session("off", "official", "513400").await;
    assert_eq!(
        app.get_as(&official, "/api/v1/export/microdata/households_by_wave.csv")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Codebook, with labels.
    let book = download(app, &yuexi, "/api/v1/export/microdata/codebook.csv").await;
    assert!(book.body.contains(
        "households_by_wave,head_ethnicity,户主民族,head's ethnicity,string,,yi=彝族/Yi"
    ));

    // A village has few households: a researcher sees its survey figures withheld and marked,
    // an administrator sees them.
    let engine = server::indicators::build(&app.store).await.expect("engine");
    let mut small = None;
    for id in app.store.household_ids().await.expect("ids") {
        let h = app
            .store
            .household(&RecordId::parse(&id).expect("id"))
            .await
            .expect("read")
            .expect("exists");
        let n = engine
            .totals(&h.village, 2021, domain::engine::Slice::ALL)
            .get(domain::engine::Measure::Households);
        if h.village.as_str().starts_with("513434") && (1..5).contains(&n) {
            small = Some((h.village.to_string(), n));
            break;
        }
    }
    let (village, n) = small.expect("a Yuexi village with 1-4 approved 2021 surveys");
    let path = format!("/api/v1/export/indicators?unit={village}&wave=2021&indicator=per_capita_net_income,afforested_area_ha&format=json");
    let researcher = download(app, &yuexi, &path).await.json();
    assert_eq!(researcher["suppressed_below_households"], 5);
    let income = &researcher["rows"][0];
    assert_eq!(income["indicator"], "per_capita_net_income");
    assert_eq!(income["households"], n);
    assert_eq!(income["suppressed"], true);
    assert_eq!(income["no_data"], "suppressed");
    assert_eq!(income["value"], serde_json::Value::Null);
    assert_eq!(
        researcher["rows"][1]["suppressed"], false,
        "land is not about households"
    );
    let admin = app.admin().await;
    let full = app.get_as(&admin, &path).await.json();
    assert_eq!(full["rows"][0]["suppressed"], false);
    assert!(full["rows"][0]["value"].is_f64());
    // The same rule on the plain indicators API, so it cannot be sidestepped.
    let plain = download(
        app,
        &yuexi,
        &format!("/api/v1/indicators?unit={village}&wave=2021"),
    )
    .await
    .json();
    let cell = plain["rows"][0]["indicators"]
        .as_array()
        .expect("values")
        .iter()
        .find(|v| v["id"] == "per_capita_net_income")
        .expect("income")
        .clone();
    assert_eq!(cell["suppressed"], true);
    assert_eq!(cell["value"], serde_json::Value::Null);

    // CSV: labels in both languages beside the codes, one line per unit × wave × slice × indicator.
    let csv = download(app, &yuexi, "/api/v1/export/indicators?unit=513434&wave=2019,2021&by=model&indicator=per_capita_net_income").await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next().expect("header"),
        "unit_code,unit_name_zh,unit_name_en,wave,model,model_zh,model_en,indicator,indicator_zh,indicator_en,unit_zh,unit_en,value,numerator,denominator,households,no_data,suppressed,scheme"
    );
    // Two waves × the four programme groups.
    assert_eq!(lines.clone().count(), 2 * 4);
    assert!(lines
        .next()
        .expect("line")
        .starts_with("513434,越西县,Yuexi,2019,collective,集体经济主导型,"));
    // Out of scope: refused.
    assert_eq!(
        download(app, &yuexi, "/api/v1/export/indicators?unit=513431")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// The text of one part of an XLSX (zip) file.
fn xlsx_part(bytes: &[u8], part: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an XLSX is a zip");
    let mut text = String::new();
    zip.by_name(part)
        .unwrap_or_else(|_| panic!("{part} in the workbook"))
        .read_to_string(&mut text)
        .expect("utf-8 XML");
    text
}

async fn spreadsheets_carry_the_same_data_and_the_codebook(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let token = researcher_token(app, "res", "513400").await;
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get("/api/v1/export/microdata/households_by_wave.xlsx")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("body")
        .to_bytes();
    assert_eq!(&bytes[..2], b"PK");
    let workbook = xlsx_part(&bytes, "xl/workbook.xml");
    assert!(
        workbook.contains("name=\"households_by_wave\"") && workbook.contains("name=\"codebook\""),
        "{workbook}"
    );
    let data = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    let csv = download(
        app,
        &token,
        "/api/v1/export/microdata/households_by_wave.csv",
    )
    .await
    .body;
    assert_eq!(
        data.matches("<row ").count(),
        csv.lines().count(),
        "header and every row"
    );
    assert!(data.contains("household_pid"));
    let first_pid = csv
        .lines()
        .nth(1)
        .expect("a row")
        .split(',')
        .next()
        .expect("pid");
    assert!(data.contains(first_pid), "same pseudonyms as the CSV");
    // The codebook sheet keeps its text in the shared-strings part.
    let book = xlsx_part(&bytes, "xl/worksheets/sheet2.xml");
    assert_eq!(book.matches("<row ").count(), 1 + HOUSEHOLDS.columns.len());
    let strings = xlsx_part(&bytes, "xl/sharedStrings.xml");
    assert!(strings.contains("户主民族") && strings.contains("yi=彝族/Yi"));

    let response = app
        .router
        .clone()
        .oneshot(
            Request::get("/api/v1/export/indicators?unit=513434&wave=2021&by=model&format=xlsx")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("body")
        .to_bytes();
    let sheet = xlsx_part(&bytes, "xl/worksheets/sheet1.xml");
    let strings = xlsx_part(&bytes, "xl/sharedStrings.xml");
    assert!(strings.contains("集体经济主导型") && strings.contains("人均纯收入"));
    // The header, then the four programme groups × the 21 indicators.
    assert_eq!(sheet.matches("<row ").count(), 1 + 4 * 21);
}

crate::on_both_backends!(
    spreadsheets_carry_the_same_data_and_the_codebook,
    the_micro_data_alone_reproduces_the_engine,
    no_personal_data_leaves_and_pseudonyms_link_exports,
    members_carry_the_same_person_pid_in_every_wave,
    researchers_get_their_scope_and_small_cells_suppressed,
);
