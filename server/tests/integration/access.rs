//! The access matrix: every role × every endpoint and server function × a unit inside and a
//! unit outside the account's scope, with the status each must get. Anonymous requests get
//! 401, out-of-scope ones 403, and neither carries data.

use axum::http::StatusCode;
use domain::RecordId;
use serde_json::json;
use server::seed::{seed, SeedOptions};

use crate::helpers::{Session, TestApp};

const SEED: SeedOptions = SeedOptions {
    households: 240,
    seed: 5,
    progress: false,
};

/// The places the matrix points at: a Yuexi village (inside every scoped account's scope)
/// with a household and its survey, and the same in Zhaojue (outside the Yuexi accounts').
struct Places {
    village_in: String,
    household_in: String,
    survey_in: String,
    village_out: String,
    household_out: String,
    survey_out: String,
}

async fn places(app: &TestApp) -> Places {
    let mut found: [Option<(String, String, String)>; 2] = [None, None];
    for id in app.store.household_ids().await.expect("ids") {
        let rid = RecordId::parse(&id).expect("id");
        let household = app
            .store
            .household(&rid)
            .await
            .expect("read")
            .expect("exists");
        let slot = match &household.village.as_str()[..6] {
            "513434" => 0,
            "513431" => 1,
            _ => continue,
        };
        if found[slot].is_none() {
            let survey = app
                .store
                .survey_for(&rid, 2021)
                .await
                .expect("read")
                .expect("survey");
            found[slot] = Some((household.village.to_string(), id, survey.id.to_string()));
        }
    }
    let [Some((village_in, household_in, survey_in)), Some((village_out, household_out, survey_out))] =
        found
    else {
        panic!("the demo data has households in Yuexi and Zhaojue");
    };
    Places {
        village_in,
        household_in,
        survey_in,
        village_out,
        household_out,
        survey_out,
    }
}

/// The accounts, in the matrix's column order; `None` is the anonymous reader.
const ROLES: [&str; 7] = [
    "admin",
    "official (prefecture)",
    "official (Yuexi)",
    "supervisor (township)",
    "enumerator (village)",
    "researcher",
    "anonymous",
];

async fn accounts(app: &TestApp, places: &Places) -> Vec<Option<Session>> {
    let township = &places.village_in[..9];
    vec![
        Some(app.admin().await),
        Some(app.session("off.pref", "official", "513400").await),
        Some(app.session("off.yuexi", "official", "513434").await),
        Some(app.session("sup", "supervisor", township).await),
        Some(app.session("enum", "enumerator", &places.village_in).await),
        Some(app.session("res", "researcher", "513400").await),
        None,
    ]
}

/// How one request is made: method, path, body (JSON for the API, a form for server fns).
struct Call {
    method: &'static str,
    path: String,
    body: Option<String>,
    server_fn: bool,
}

fn get(path: String) -> Call {
    Call {
        method: "GET",
        path,
        body: None,
        server_fn: false,
    }
}

fn post_json(path: String, body: serde_json::Value) -> Call {
    Call {
        method: "POST",
        path,
        body: Some(body.to_string()),
        server_fn: false,
    }
}

fn put_json(path: String, body: serde_json::Value) -> Call {
    Call {
        method: "PUT",
        ..post_json(path, body)
    }
}

/// A server function that takes JSON (the survey form's save).
fn patch_json(path: String, body: serde_json::Value) -> Call {
    Call {
        method: "PATCH",
        ..post_json(path, body)
    }
}

fn sfn_json(name: &str, body: serde_json::Value) -> Call {
    post_json(format!("/sfn/{name}"), body)
}

fn sfn(name: &str, form: String) -> Call {
    Call {
        method: "POST",
        path: format!("/sfn/{name}"),
        body: Some(form),
        server_fn: true,
    }
}

async fn send(app: &TestApp, who: &Option<Session>, call: &Call) -> crate::helpers::Response {
    use axum::body::Body;
    use axum::http::{header, Request};
    let mut request = Request::builder()
        .method(call.method)
        .uri(&call.path)
        .header("sec-fetch-site", "same-origin")
        .header(header::ACCEPT, "application/json");
    if let Some(session) = who {
        request = request.header(header::COOKIE, &session.cookie);
    }
    if call.body.is_some() {
        request = request.header(
            header::CONTENT_TYPE,
            if call.server_fn {
                "application/x-www-form-urlencoded"
            } else {
                "application/json"
            },
        );
    }
    let body = call.body.clone().map_or_else(Body::empty, Body::from);
    app.send(request.body(body).expect("request")).await
}

/// Expected status per column of [`ROLES`].
type Row = [u16; 7];

async fn every_role_gets_exactly_its_access_on_every_endpoint(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let p = places(app).await;
    let who = accounts(app, &p).await;

    // (what, inside the scope, outside the scope, expected inside, expected outside)
    // 400 / 404 / 422 for an allowed caller mean "got past access control to the input check".
    // A correction with no reason: 422 for those who may correct, after the access check.
    let correction = json!({ "version": 1, "reason": "", "head_name": "", "head_id_card": "",
        "head_sex": "", "head_ethnicity": "", "poverty_registration": "", "model": "" });
    let matrix: Vec<(&str, Call, Call, Row, Row)> = vec![
        ("catalogue", get("/api/v1/catalogue".into()), get("/api/v1/catalogue".into()),
            [200, 200, 200, 200, 200, 200, 401], [200, 200, 200, 200, 200, 200, 401]),
        ("me", get("/api/v1/me".into()), get("/api/v1/me".into()),
            [200, 200, 200, 200, 200, 200, 401], [200, 200, 200, 200, 200, 200, 401]),
        ("indicators",
            get(format!("/api/v1/indicators?unit={}", p.village_in)),
            get(format!("/api/v1/indicators?unit={}", p.village_out)),
            [200, 200, 200, 200, 200, 200, 401], [200, 200, 403, 403, 403, 200, 401]),
        ("explain",
            get(format!("/api/v1/indicators/per_capita_net_income/explain?unit={}", p.village_in)),
            get(format!("/api/v1/indicators/per_capita_net_income/explain?unit={}", p.village_out)),
            [200, 200, 200, 200, 200, 200, 401], [200, 200, 403, 403, 403, 200, 401]),
        ("households",
            get(format!("/api/v1/households?village={}", p.village_in)),
            get(format!("/api/v1/households?village={}", p.village_out)),
            [200, 200, 200, 200, 200, 403, 401], [200, 200, 403, 403, 403, 403, 401]),
        ("household",
            get(format!("/api/v1/households/{}", p.household_in)),
            get(format!("/api/v1/households/{}", p.household_out)),
            [200, 200, 200, 200, 200, 403, 401], [200, 200, 403, 403, 403, 403, 401]),
        ("register household",
            post_json("/api/v1/households".into(), json!({ "village": p.village_in, "head_id_card": "x" })),
            post_json("/api/v1/households".into(), json!({ "village": p.village_out, "head_id_card": "x" })),
            [422, 403, 403, 422, 422, 403, 401], [422, 403, 403, 403, 403, 403, 401]),
        ("correct household",
            patch_json(format!("/api/v1/households/{}", p.household_in), correction.clone()),
            patch_json(format!("/api/v1/households/{}", p.household_out), correction.clone()),
            [422, 403, 403, 422, 422, 403, 401], [422, 403, 403, 403, 403, 403, 401]),
        ("units", get("/api/v1/units".into()), get("/api/v1/units?q=513434".into()),
            [200, 403, 403, 403, 403, 403, 401], [200, 403, 403, 403, 403, 403, 401]),
        ("programme", get("/api/v1/programme".into()), get("/api/v1/programme".into()),
            [200, 403, 403, 403, 403, 403, 401], [200, 403, 403, 403, 403, 403, 401]),
        ("open wave", post_json("/api/v1/waves".into(), json!({ "year": "x", "start": "", "end": "" })),
            post_json("/api/v1/waves/1999/close".into(), json!({})),
            [422, 403, 403, 403, 403, 403, 401], [422, 403, 403, 403, 403, 403, 401]),
        ("set line", put_json("/api/v1/lines".into(), json!({ "scheme": "x", "year": "x", "yuan": "x" })),
            patch_json("/api/v1/units/513434".into(), json!({ "name_zh": "" })),
            [422, 403, 403, 403, 403, 403, 401], [422, 403, 403, 403, 403, 403, 401]),
        ("import households", post_json("/api/v1/import/households".into(), json!({})),
            post_json("/api/v1/import/units".into(), json!({})),
            [422, 403, 403, 403, 403, 403, 401], [422, 403, 403, 403, 403, 403, 401]),
        ("import template", get("/api/v1/import/households/template.csv".into()),
            get("/api/v1/import/units/template.xlsx".into()),
            [200, 200, 200, 200, 200, 200, 401], [200, 200, 200, 200, 200, 200, 401]),
        ("sfn admin_units", sfn("admin_units", String::new()), sfn("admin_programme", String::new()),
            [200, 403, 403, 403, 403, 403, 401], [200, 403, 403, 403, 403, 403, 401]),
        ("review",
            post_json(format!("/api/v1/surveys/{}/review", p.survey_in), json!({ "decision": "noop", "version": 1 })),
            post_json(format!("/api/v1/surveys/{}/review", p.survey_out), json!({ "decision": "noop", "version": 1 })),
            [400, 403, 403, 400, 403, 403, 401], [400, 403, 403, 403, 403, 403, 401]),
        ("audit", get("/api/v1/audit".into()), get("/api/v1/audit?action=login.".into()),
            [200, 403, 403, 403, 403, 403, 401], [200, 403, 403, 403, 403, 403, 401]),
        ("users", get("/api/v1/users".into()), get("/api/v1/users".into()),
            [200, 403, 403, 403, 403, 403, 401], [200, 403, 403, 403, 403, 403, 401]),
        ("tokens", get("/api/v1/tokens".into()), post_json("/api/v1/tokens".into(), json!({ "name": "" })),
            [200, 403, 403, 403, 403, 200, 401], [422, 403, 403, 403, 403, 422, 401]),
        ("sfn check_server", sfn("check_server", String::new()), sfn("check_server", String::new()),
            [200, 200, 200, 200, 200, 200, 401], [200, 200, 200, 200, 200, 200, 401]),
        ("sfn whoami", sfn("whoami", String::new()), sfn("whoami", String::new()),
            [200, 200, 200, 200, 200, 200, 200], [200, 200, 200, 200, 200, 200, 200]),
        ("sfn home_units", sfn("home_units", String::new()), sfn("home_units", String::new()),
            [200, 200, 200, 200, 200, 200, 401], [200, 200, 200, 200, 200, 200, 401]),
        ("sfn child_units",
            sfn("child_units", format!("parent={}", p.village_in)),
            sfn("child_units", format!("parent={}", p.village_out)),
            [200, 200, 200, 200, 200, 200, 401], [200, 200, 403, 403, 403, 200, 401]),
        ("sfn admin_users", sfn("admin_users", String::new()), sfn("admin_users", String::new()),
            [200, 403, 403, 403, 403, 403, 401], [200, 403, 403, 403, 403, 403, 401]),
        ("sfn admin_create_user",
            sfn("admin_create_user", "input[username]=X&input[display_name]=&input[role]=official&input[scopes]=&input[password]=".into()),
            sfn("admin_create_user", "input[username]=X&input[display_name]=&input[role]=official&input[scopes]=&input[password]=".into()),
            [200, 403, 403, 403, 403, 403, 401], [200, 403, 403, 403, 403, 403, 401]),
        ("sfn admin_update_user",
            sfn("admin_update_user", "id=nobody&change[display_name]=&change[role]=admin&change[scopes]=&change[disabled]=false".into()),
            sfn("admin_update_user", "id=nobody&change[display_name]=&change[role]=admin&change[scopes]=&change[disabled]=false".into()),
            [404, 403, 403, 403, 403, 403, 401], [404, 403, 403, 403, 403, 403, 401]),
        ("sfn admin_reset_password", sfn("admin_reset_password", "id=nobody".into()), sfn("admin_reset_password", "id=nobody".into()),
            [404, 403, 403, 403, 403, 403, 401], [404, 403, 403, 403, 403, 403, 401]),
        ("sfn audit_log", sfn("audit_log", String::new()), sfn("audit_log", "action=login.".into()),
            [200, 403, 403, 403, 403, 403, 401], [200, 403, 403, 403, 403, 403, 401]),
        ("sfn my_tokens", sfn("my_tokens", String::new()), sfn("my_tokens", String::new()),
            [200, 403, 403, 403, 403, 200, 401], [200, 403, 403, 403, 403, 200, 401]),
        ("sfn create_token", sfn("create_token", "name=".into()), sfn("create_token", "name=".into()),
            [200, 403, 403, 403, 403, 200, 401], [200, 403, 403, 403, 403, 200, 401]),
        ("sfn revoke_token", sfn("revoke_token", "id=nothing".into()), sfn("revoke_token", "id=nothing".into()),
            [404, 403, 403, 403, 403, 404, 401], [404, 403, 403, 403, 403, 404, 401]),
        ("sfn change_password",
            sfn("change_password", "current=wrong-password-1&new=another-password-2".into()),
            sfn("change_password", "current=wrong-password-1&new=another-password-2".into()),
            [200, 200, 200, 200, 200, 200, 401], [200, 200, 200, 200, 200, 200, 401]),
        ("sfn dashboard",
            sfn("dashboard", format!("unit={}&query[wave]=2021&lang=zh", p.village_in)),
            sfn("dashboard", format!("unit={}&query[wave]=2021&lang=zh", p.village_out)),
            [200, 200, 200, 200, 200, 200, 401], [200, 200, 403, 403, 403, 200, 401]),
        ("sfn household_page",
            sfn("household_page", format!("id={}", p.household_in)),
            sfn("household_page", format!("id={}", p.household_out)),
            [200, 200, 200, 200, 200, 403, 401], [200, 200, 403, 403, 403, 403, 401]),
        ("sfn at_risk",
            sfn("at_risk", format!("query[unit]={}", p.village_in)),
            sfn("at_risk", format!("query[unit]={}", p.village_out)),
            [200, 200, 200, 200, 200, 403, 401], [200, 200, 403, 403, 403, 403, 401]),
        ("chart svg",
            get(format!("/api/v1/charts/income_trend.svg?unit={}", p.village_in)),
            get(format!("/api/v1/charts/income_trend.svg?unit={}", p.village_out)),
            [200, 200, 200, 200, 200, 200, 401], [200, 200, 403, 403, 403, 200, 401]),
        ("at-risk csv",
            get(format!("/api/v1/at-risk.csv?unit={}", p.village_in)),
            get(format!("/api/v1/at-risk.csv?unit={}", p.village_out)),
            [200, 200, 200, 200, 200, 403, 401], [200, 200, 403, 403, 403, 403, 401]),
        ("page /unit",
            get(format!("/unit/{}", p.village_in)),
            get(format!("/unit/{}", p.village_out)),
            [200, 200, 200, 200, 200, 200, 303], [200, 200, 403, 403, 403, 200, 303]),
        ("page /household",
            get(format!("/household/{}", p.household_in)),
            get(format!("/household/{}", p.household_out)),
            [200, 200, 200, 200, 200, 403, 303], [200, 200, 403, 403, 403, 403, 303]),
        ("sfn review_queue", sfn("review_queue", "wave=2021".into()), sfn("review_queue", String::new()),
            [200, 403, 403, 200, 200, 403, 401], [200, 403, 403, 200, 200, 403, 401]),
        ("sfn review_survey",
            sfn("review_survey", format!("input[survey]={}&input[decision]=noop&input[version]=1&input[comment]=", p.survey_in)),
            sfn("review_survey", format!("input[survey]={}&input[decision]=noop&input[version]=1&input[comment]=", p.survey_out)),
            [200, 403, 403, 200, 403, 403, 401], [200, 403, 403, 403, 403, 403, 401]),
        ("page /review", get("/review".into()), get("/review?wave=2020".into()),
            [200, 403, 403, 200, 200, 403, 303], [200, 403, 403, 200, 200, 403, 303]),
        ("survey form api",
            get(format!("/api/v1/households/{}/surveys/2021", p.household_in)),
            get(format!("/api/v1/households/{}/surveys/2021", p.household_out)),
            [200, 200, 200, 200, 200, 403, 401], [200, 200, 403, 403, 403, 403, 401]),
        ("save survey api",
            put_json(format!("/api/v1/households/{}/surveys/2021", p.household_in), json!({ "client_id": "x", "answers": {} })),
            put_json(format!("/api/v1/households/{}/surveys/2021", p.household_out), json!({ "client_id": "x", "answers": {} })),
            [422, 403, 403, 422, 422, 403, 401], [422, 403, 403, 403, 403, 403, 401]),
        ("sfn field_home", sfn("field_home", "wave=2021".into()), sfn("field_home", String::new()),
            [200, 403, 403, 200, 200, 403, 401], [200, 403, 403, 200, 200, 403, 401]),
        ("sfn survey_form",
            sfn("survey_form", format!("household={}&wave=2021", p.household_in)),
            sfn("survey_form", format!("household={}", p.household_out)),
            [200, 200, 200, 200, 200, 403, 401], [200, 200, 403, 403, 403, 403, 401]),
        ("sfn save_survey (JSON)",
            sfn_json("save_survey", json!({ "input": { "household": p.household_in, "wave": 2021, "client_id": "",
                "base_version": 0, "submit": false, "confirm_warnings": false, "answers": {} } })),
            sfn_json("save_survey", json!({ "input": { "household": p.household_out, "wave": 2021, "client_id": "",
                "base_version": 0, "submit": false, "confirm_warnings": false, "answers": {} } })),
            [200, 403, 403, 200, 200, 403, 401], [200, 403, 403, 403, 403, 403, 401]),
        ("sfn register_form", sfn("register_form", String::new()), sfn("register_form", String::new()),
            [200, 403, 403, 200, 200, 403, 401], [200, 403, 403, 200, 200, 403, 401]),
        ("sfn register_household",
            sfn("register_household", format!("input[village]={}&input[head_id_card]=x", p.village_in)),
            sfn("register_household", format!("input[village]={}&input[head_id_card]=x", p.village_out)),
            [200, 403, 403, 200, 200, 403, 401], [200, 403, 403, 403, 403, 403, 401]),
        ("page /field", get("/field".into()), get("/field?wave=2020".into()),
            [200, 403, 403, 200, 200, 403, 303], [200, 403, 403, 200, 200, 403, 303]),
        ("page /register", get("/register".into()), get("/register".into()),
            [200, 403, 403, 200, 200, 403, 303], [200, 403, 403, 200, 200, 403, 303]),
        ("page /survey",
            get(format!("/survey/{}?wave=2021", p.household_in)),
            get(format!("/survey/{}", p.household_out)),
            [200, 200, 200, 200, 200, 403, 303], [200, 200, 403, 403, 403, 403, 303]),
        ("page /", get("/".into()), get("/account".into()),
            [200, 200, 200, 200, 200, 200, 303], [200, 200, 200, 200, 200, 200, 303]),
        ("page /admin", get("/admin/users".into()), get("/admin/audit".into()),
            [200, 403, 403, 403, 403, 403, 303], [200, 403, 403, 403, 403, 403, 303]),
        ("page /admin/status", get("/admin/status".into()), get("/admin/import".into()),
            [200, 403, 403, 403, 403, 403, 303], [200, 403, 403, 403, 403, 403, 303]),
    ];

    let private = [
        p.household_in.as_str(),
        p.household_out.as_str(),
        "head_name",
        "\"rows\"",
        "<svg",
        "data-testid=\"cards\"",
    ];
    let mut failures = Vec::new();
    for (what, inside, outside, want_in, want_out) in &matrix {
        for (call, wants, place) in [
            (inside, want_in, "in scope"),
            (outside, want_out, "out of scope"),
        ] {
            for (column, session) in who.iter().enumerate() {
                let response = send(app, session, call).await;
                let want = wants[column];
                if response.status.as_u16() != want {
                    failures.push(format!(
                        "{what} {place} as {}: got {}, want {want} ({})",
                        ROLES[column],
                        response.status,
                        response.body.chars().take(160).collect::<String>()
                    ));
                }
                let refused = matches!(
                    response.status,
                    StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
                );
                if refused {
                    if let Some(leak) = private.iter().find(|p| response.body.contains(*p)) {
                        failures.push(format!(
                            "{what} {place} as {}: refusal leaks {leak}",
                            ROLES[column]
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} access-matrix failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

crate::on_both_backends!(every_role_gets_exactly_its_access_on_every_endpoint);
