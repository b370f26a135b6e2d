//! The security review's findings (issue 20), each driven the way the attacker or the careless
//! user did it: hostile files, malformed bodies, ordinary mistakes that answered 500, bodies
//! sent by someone who may not send them. Every answer is a 4xx in the API's
//! `{error, message, message_en}` shape (or an import report), and nothing is written.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};
use server::seed::{seed, SeedOptions};

use crate::helpers::{Response, Session, TestApp};

const SEED: SeedOptions = SeedOptions {
    households: 60,
    seed: 11,
    progress: false,
};

async fn post_file(app: &TestApp, who: Option<&Session>, path: &str, body: Body) -> Response {
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "text/csv")
        .header("sec-fetch-site", "same-origin");
    if let Some(who) = who {
        request = request.header(header::COOKIE, &who.cookie);
    }
    app.send(request.body(body).expect("request")).await
}

fn workbook(sheet: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/worksheets/sheet1.xml", options)
        .expect("part");
    zip.write_all(sheet).expect("write");
    zip.finish().expect("zip").into_inner()
}

/// The API's error shape: a code and both messages.
fn assert_api_error(response: &Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status, status, "{}", response.body);
    let body = response.json();
    assert_eq!(body["error"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        body["message_en"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}

/// Posts a file to an import as `admin`; asserts a 422 report whose text holds `says`.
async fn refused_file(
    app: &TestApp,
    admin: &Session,
    kind: &str,
    body: impl Into<Body>,
    says: &str,
) -> Response {
    let path = format!("/api/v1/import/{kind}");
    let refused = post_file(app, Some(admin), &path, body.into()).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        &refused.body[..refused.body.len().min(600)]
    );
    assert!(
        refused.body.contains(says),
        "{says:?} in {}",
        &refused.body[..refused.body.len().min(600)]
    );
    refused
}

async fn hostile_files_answer_with_a_short_report(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let admin = app.admin().await;
    let before = app.store.count_surveys().await.expect("count");

    // A cell reference past column XFD once made the reader allocate ≈135 TB and abort.
    let sheet = br#"<worksheet><sheetData><row r="1"><c r="AAAAAAAAAA1" t="inlineStr"><is><t>village_code</t></is></c></row></sheetData></worksheet>"#;
    let tiny = workbook(sheet);
    assert!(tiny.len() < 400, "{} bytes", tiny.len());
    refused_file(app, &admin, "surveys", tiny, "outside a worksheet").await;

    // 8 MB of blanks deflated to a few kilobytes: refused by its ratio, not inflated.
    let bomb = workbook(&vec![b' '; 8 << 20]);
    refused_file(app, &admin, "households", bomb, "more than 100 to 1").await;

    // A CSV whose every cell is wrong: about 2 MB that once answered with 173 MB. The report
    // lists the first 1,000 errors and counts them all by rule.
    let columns = server::import::columns();
    let mut text = columns.join(",");
    text.push('\n');
    let bad_row = vec!["x"; columns.len()].join(",");
    let rows = 2_000_000 / bad_row.len();
    for _ in 0..rows {
        text.push_str(&bad_row);
        text.push('\n');
    }
    let refused = refused_file(app, &admin, "surveys", text, "village_code").await;
    assert!(
        refused.body.len() < 1_500_000,
        "a report of {} bytes",
        refused.body.len()
    );
    let report = refused.json();
    assert_eq!(report["rows"], rows);
    assert_eq!(report["errors"].as_array().expect("errors").len(), 1_000);
    let counts = report["counts"].as_array().expect("counts");
    let total: u64 = counts
        .iter()
        .map(|c| c["count"].as_u64().expect("count"))
        .sum();
    assert!(total > 10 * rows as u64, "{total} issues in {rows} rows");
    let village = counts
        .iter()
        .find(|c| c["rule"] == "village")
        .expect("the village rule");
    assert_eq!(village["count"], rows, "one bad village code per row");

    // NUL in a cell: PostgreSQL refuses it, so the file is refused at the door, by line.
    let nul = format!(
        "{}\n513434100201,00\u{0}1,2021\n",
        ["village_code", "registry_no", "wave"].join(",")
    );
    let refused = refused_file(app, &admin, "surveys", nul, "NUL").await;
    let report = refused.json();
    assert_eq!(report["errors"][0]["line"], 2, "{report}");
    assert_eq!(app.store.count_surveys().await.expect("count"), before);
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
}

async fn malformed_bodies_answer_in_the_api_shape(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let admin = app.admin().await;
    let id = app.store.household_ids().await.expect("ids")[0].clone();
    let path = format!("/api/v1/households/{id}/surveys/2021");
    let send = |body: &'static str, content_type: &'static str| {
        let path = path.clone();
        let cookie = admin.cookie.clone();
        async move {
            app.send(
                Request::put(path)
                    .header(header::COOKIE, cookie)
                    .header(header::CONTENT_TYPE, content_type)
                    .header("sec-fetch-site", "same-origin")
                    .body(Body::from(body))
                    .expect("request"),
            )
            .await
        }
    };
    let broken = send("{\"client_id\": ", "application/json").await;
    assert_api_error(&broken, StatusCode::BAD_REQUEST, "malformed_body");
    let typed = send(r#"{"client_id": 5, "answers": []}"#, "application/json").await;
    let body = assert_api_error(&typed, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    assert!(
        body["message_en"]
            .as_str()
            .expect("en")
            .contains("invalid type"),
        "{body}"
    );
    let plain = send("{}", "text/plain").await;
    assert_api_error(&plain, StatusCode::UNSUPPORTED_MEDIA_TYPE, "content_type");
    // Query strings too: a flag that is not true or false.
    let flag = post_file(
        app,
        Some(&admin),
        "/api/v1/import/surveys?confirm_warnings=perhaps",
        Body::from("village_code\n"),
    )
    .await;
    assert_api_error(&flag, StatusCode::BAD_REQUEST, "invalid_parameter");
    // The JSON sign-in is no exception.
    let sign_in = app
        .send(
            Request::post("/api/v1/session")
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from("{\"username\": \"admin\""))
                .expect("request"),
        )
        .await;
    assert_api_error(&sign_in, StatusCode::BAD_REQUEST, "malformed_body");
}

/// Registers through the API as `who`; the answer.
async fn register(app: &TestApp, who: &Session, change: impl FnOnce(&mut Value)) -> Response {
    let id_card = domain::id_card::compose("513434", 1978, 6, 2, 417).expect("id card");
    let mut body = json!({ "village": "", "registry_no": "9801", "head_name": "阿于石者",
        "head_id_card": id_card.as_str(), "head_sex": "male", "head_ethnicity": "yi",
        "poverty_registration": "general", "poverty_cause": "lack_skills",
        "registration_year": 2014, "model": "household" });
    change(&mut body);
    app.json_as(who, "POST", "/api/v1/households", body).await
}

/// Registers household number `n` (a registry number and head of its own) in `village`.
async fn fresh_household(app: &TestApp, who: &Session, village: &str, n: u32) -> String {
    let id_card = domain::id_card::compose("513434", 1980, 4, 9, 700 + n).expect("id card");
    let created = register(app, who, |b| {
        b["village"] = json!(village);
        b["registry_no"] = json!(format!("97{n:02}"));
        b["head_id_card"] = json!(id_card.as_str());
    })
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.json()["id"].as_str().expect("id").to_owned()
}

/// The first issue of a 422 `invalid` answer: (path, rule).
fn first_issue(response: &Response) -> (String, String) {
    let body = assert_api_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    let issue = &body["issues"][0];
    (
        issue["path"].as_str().expect("path").to_owned(),
        issue["rule"].as_str().expect("rule").to_owned(),
    )
}

async fn ordinary_mistakes_are_4xx_naming_the_field(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let ids = app.store.household_ids().await.expect("ids");
    let first = app
        .store
        .household(&domain::RecordId::parse(&ids[0]).expect("id"))
        .await
        .expect("read")
        .expect("stored");
    let village = first.village.as_str().to_owned();
    let supervisor = app.session("sup", "supervisor", &village[..9]).await;
    let households = app.store.household_ids().await.expect("ids").len();
    let at = |v: &str| {
        let v = v.to_owned();
        move |body: &mut Value| body["village"] = json!(v)
    };

    // NUL in a name (a 500 on PostgreSQL), a registry number past a PostgreSQL index row,
    // a blank one, one the village has, a village inside the township that does not exist.
    let nul = register(app, &supervisor, |b| {
        at(&village)(b);
        b["head_name"] = json!("阿于\u{0}石者");
    })
    .await;
    assert_eq!(
        first_issue(&nul),
        ("head_name".into(), "control_character".into())
    );
    for (registry, rule) in [
        ("9".repeat(3_000), "registry_no"),
        ("  ".to_owned(), "registry_no"),
        (first.registry_no.clone(), "duplicate_registry_no"),
    ] {
        let refused = register(app, &supervisor, |b| {
            at(&village)(b);
            b["registry_no"] = json!(registry);
        })
        .await;
        assert_eq!(first_issue(&refused), ("registry_no".into(), rule.into()));
    }
    let nowhere = format!("{}999", &village[..9]);
    let refused = register(app, &supervisor, at(&nowhere)).await;
    assert_eq!(
        first_issue(&refused),
        ("village".into(), "unknown_village".into())
    );
    assert_eq!(
        app.store.household_ids().await.expect("ids").len(),
        households
    );

    // NUL sent to sign-in, as JSON and as the form: refused, naming the field, on both.
    let json_sign_in = app.sign_in("ad\u{0}min", "whatever-password").await;
    assert_eq!(
        first_issue(&json_sign_in),
        ("username".into(), "control_character".into())
    );
    let form = app
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from("username=ad%00min&password=x"))
                .expect("request"),
        )
        .await;
    assert_eq!(form.status, StatusCode::BAD_REQUEST, "{}", form.body);
    assert!(
        form.body.contains("username") && form.body.contains("NUL"),
        "{}",
        form.body
    );
    // And to a server function.
    let server_fn = app
        .server_fn_as(
            &supervisor,
            "register_household",
            "input%5Bhead_name%5D=a%00b",
        )
        .await;
    assert_eq!(
        server_fn.status,
        StatusCode::BAD_REQUEST,
        "{}",
        server_fn.body
    );
    assert!(
        server_fn.body.contains("input[head_name]"),
        "{}",
        server_fn.body
    );

    // One client id for two households' surveys: the second is refused by its field.
    let client_id = server::auth::new_id();
    let answers = crate::entry::answers();
    let save = |household: &str| {
        let body = json!({ "client_id": client_id, "base_version": 0, "submit": false, "answers": answers });
        let path = format!("/api/v1/households/{household}/surveys/2021");
        let supervisor = supervisor.clone();
        async move { app.json_as(&supervisor, "PUT", &path, body).await }
    };
    let fresh = [
        fresh_household(app, &supervisor, &village, 1).await,
        fresh_household(app, &supervisor, &village, 2).await,
    ];
    let surveys = app.store.count_surveys().await.expect("count");
    let saved = save(&fresh[0]).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    let reused = save(&fresh[1]).await;
    assert_eq!(
        first_issue(&reused),
        ("client_id".into(), "client_id_taken".into())
    );
    assert_eq!(app.store.count_surveys().await.expect("count"), surveys + 1);
    // NUL inside the answers.
    let mut answers = crate::entry::answers();
    answers["livestock"][0]["correction_note"] = json!("补\u{0}记");
    let nul = app
        .json_as(
            &supervisor,
            "PUT",
            &format!("/api/v1/households/{}/surveys/2021", fresh[1]),
            json!({ "client_id": server::auth::new_id(), "base_version": 0, "submit": false, "answers": answers }),
        )
        .await;
    assert_eq!(
        first_issue(&nul),
        (
            "answers.livestock[0].correction_note".into(),
            "control_character".into()
        )
    );
    assert_eq!(app.store.count_surveys().await.expect("count"), surveys + 1);
}

/// A body that notes whether anyone read from it (it never ends: a reader would wait).
fn watched_body() -> (Body, Arc<AtomicBool>) {
    let read = Arc::new(AtomicBool::new(false));
    let flag = read.clone();
    let stream = futures_util::stream::poll_fn(move |_| {
        flag.store(true, Ordering::SeqCst);
        std::task::Poll::<Option<Result<Vec<u8>, std::io::Error>>>::Pending
    });
    (Body::from_stream(stream), read)
}

async fn bodies_are_read_only_from_who_may_send_them(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let enumerator = app.session("enum", "enumerator", "513434100201").await;
    for path in [
        "/api/v1/import/surveys",
        "/api/v1/outbox/import",
        "/api/v1/households",
    ] {
        let (body, read) = watched_body();
        let anonymous = post_file(app, None, path, body).await;
        assert_api_error(&anonymous, StatusCode::UNAUTHORIZED, "unauthenticated");
        assert!(
            !read.load(Ordering::SeqCst),
            "{path}: an anonymous body was read"
        );
    }
    for path in ["/api/v1/import/surveys", "/api/v1/outbox/import"] {
        let (body, read) = watched_body();
        let refused = post_file(app, Some(&enumerator), path, body).await;
        assert_api_error(&refused, StatusCode::FORBIDDEN, "forbidden");
        assert!(
            !read.load(Ordering::SeqCst),
            "{path}: an enumerator's upload was read"
        );
    }
    // Past the limit: 413 in the API's shape, not a plain-text answer.
    let admin = app.admin().await;
    let huge = vec![b'a'; server::api::IMPORT_LIMIT + 1];
    let refused = post_file(
        app,
        Some(&admin),
        "/api/v1/import/surveys",
        Body::from(huge),
    )
    .await;
    assert_api_error(&refused, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
}

async fn no_csv_runs_a_formula(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let admin = app.admin().await;
    // A unit name from a file or a form, written to every CSV that names units.
    let formula = r#"=HYPERLINK("http://evil.example","越西")"#;
    let renamed = app
        .json_as(
            &admin,
            "PATCH",
            "/api/v1/units/513434",
            json!({ "name_zh": formula, "name_pinyin": "Yuexi" }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let csv = app
        .get_as(
            &admin,
            "/api/v1/export/indicators?unit=513434&wave=2021&indicator=per_capita_net_income",
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert!(
        csv.body
            .contains(r#""'=HYPERLINK(""http://evil.example"",""越西"")""#),
        "{}",
        &csv.body[..csv.body.len().min(600)]
    );
    assert!(!csv.body.contains(",\"=HYPERLINK"), "a bare formula cell");
}

async fn stalled_downloads_leave_the_site_answering(app: &TestApp) {
    use tower::ServiceExt;
    seed(
        &app.store,
        SeedOptions {
            households: 1_500,
            ..SEED
        },
    )
    .await
    .expect("seed");
    let admin = app.admin().await;
    let download = || {
        let request = Request::get("/api/v1/export/microdata/members_by_wave.csv")
            .header(header::COOKIE, &admin.cookie)
            .body(Body::empty())
            .expect("request");
        app.router.clone().oneshot(request)
    };
    // Four downloads whose clients never read: two stream (a megabyte of members each, far
    // more than the chunks in flight), the other two are told to come back later.
    let answers = futures_util::future::join_all((0..4).map(|_| download())).await;
    let (held, refused): (Vec<_>, Vec<_>) = answers
        .into_iter()
        .map(|r| r.expect("infallible"))
        .partition(|r| r.status() == StatusCode::OK);
    assert_eq!(held.len(), server::storage::EXPORT_CONNECTIONS);
    for busy in &refused {
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(busy.headers()[header::RETRY_AFTER], "30");
    }
    // Meanwhile every page and `/healthz` answers from the request pool.
    let started = std::time::Instant::now();
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let figures = app
        .get_as(
            &admin,
            "/api/v1/indicators?unit=513400&indicator=households_surveyed",
        )
        .await;
    assert_eq!(figures.status, StatusCode::OK, "{}", figures.body);
    let household = app.store.household_ids().await.expect("ids")[0].clone();
    let page = app
        .get_as(&admin, &format!("/api/v1/households/{household}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The clients go away: their connections come back, and the next download runs whole.
    drop(held);
    let mut next = None;
    for _ in 0..50 {
        let response = download().await.expect("infallible");
        if response.status() == StatusCode::OK {
            next = Some(response);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let next = next.expect("a download once the others went away");
    use http_body_util::BodyExt;
    let body = next.into_body().collect().await.expect("read").to_bytes();
    assert!(body.len() > 500_000, "{} bytes", body.len());
}

async fn whoever_wrote_a_survey_may_not_approve_it(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let village = app
        .store
        .household(
            &domain::RecordId::parse(&app.store.household_ids().await.expect("ids")[0])
                .expect("id"),
        )
        .await
        .expect("read")
        .expect("stored")
        .village;
    let village = village.as_str();
    let enumerator = app.session("enum", "enumerator", village).await;
    let rewriter = app.session("sup-a", "supervisor", &village[..9]).await;
    let other = app.session("sup-b", "supervisor", &village[..9]).await;
    let household = fresh_household(app, &enumerator, village, 3).await;
    let path = format!("/api/v1/households/{household}/surveys/2021");
    let save = |who: &Session, base: i32, submit: bool, wages: f64| {
        let mut answers = crate::entry::answers();
        answers["employment"][0]["wages"] = json!(wages);
        let body = json!({ "client_id": server::auth::new_id(), "base_version": base,
                           "submit": submit, "answers": answers });
        let (who, path) = (who.clone(), path.clone());
        async move { app.json_as(&who, "PUT", &path, body).await }
    };
    // The enumerator drafts, a supervisor rewrites the draft, the enumerator submits it.
    let first = save(&enumerator, 0, false, 6000.0).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let rewritten = save(&rewriter, 1, false, 16000.0).await;
    assert_eq!(rewritten.status, StatusCode::OK, "{}", rewritten.body);
    let submitted = save(&enumerator, 2, true, 16000.0).await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    let survey = submitted.json()["survey"]
        .as_str()
        .expect("survey")
        .to_owned();
    let review = |who: &Session| {
        let (who, path) = (who.clone(), format!("/api/v1/surveys/{survey}/review"));
        async move {
            app.json_as(
                &who,
                "POST",
                &path,
                json!({ "decision": "approve", "version": 3 }),
            )
            .await
        }
    };
    // The supervisor who rewrote it may not approve it, though the enumerator saved last.
    let refused = review(&rewriter).await;
    let body = assert_api_error(&refused, StatusCode::CONFLICT, "conflict");
    assert!(
        body["message_en"].as_str().expect("en").contains("edited"),
        "{body}"
    );
    let approved = review(&other).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
}

crate::on_both_backends!(
    whoever_wrote_a_survey_may_not_approve_it,
    stalled_downloads_leave_the_site_answering,
    no_csv_runs_a_formula,
    hostile_files_answer_with_a_short_report,
    malformed_bodies_answer_in_the_api_shape,
    ordinary_mistakes_are_4xx_naming_the_field,
    bodies_are_read_only_from_who_may_send_them,
);

/// An acknowledged save survives a power cut: SQLite syncs every commit (WAL with
/// `synchronous = FULL`; NORMAL may lose the last ones).
#[tokio::test]
async fn sqlite_syncs_every_commit() {
    let app = TestApp::sqlite().await;
    let server::storage::Store::Sqlite { pool, .. } = &app.store else {
        panic!("a SQLite store");
    };
    let mode: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(pool)
        .await
        .expect("pragma");
    assert_eq!(mode, 2, "FULL");
}
