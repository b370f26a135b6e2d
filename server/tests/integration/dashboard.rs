//! The officials' pages' data, checked against independent sources: card values against
//! `/api/v1/indicators`, the at-risk list against the surveys themselves (recomputed with the
//! domain types), the household page against its survey's answers, and the server-rendered
//! pages and downloads as a browser receives them.

use axum::http::StatusCode;
use domain::risk::{assess, RiskRules, Situation};
use domain::{RecordId, UnitCode};
use serde_json::{json, Value};
use server::seed::{seed, SeedOptions};

use crate::helpers::{Session, TestApp};

const SEED: SeedOptions = SeedOptions {
    households: 300,
    seed: 11,
    progress: false,
};

async fn dashboard(app: &TestApp, who: &Session, form: &str) -> Value {
    let response = app.server_fn_as(who, "dashboard", form).await;
    assert_eq!(response.status, StatusCode::OK, "{form}: {}", response.body);
    response.json()
}

fn card<'a>(view: &'a Value, id: &str) -> &'a Value {
    view["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("card {id}"))
}

fn api_value(json: &Value, slice_key: Option<(&str, &str)>, id: &str) -> Option<f64> {
    let row = json["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| match slice_key {
            None => true,
            Some((dim, code)) => r["slice"][dim] == code,
        })
        .expect("row");
    row["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .find(|i| i["id"] == id)
        .and_then(|i| i["value"].as_f64())
}

async fn cards_equal_the_indicators_api_with_and_without_filters(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let official = app.session("off.pref", "official", "513400").await;

    // The overview: the prefecture, the latest wave, three counties side by side.
    // No filter at all: the form encoding sends nothing for `query`.
    let overview = dashboard(app, &official, "lang=zh").await;
    assert_eq!(overview["unit"]["code"], "513400");
    assert_eq!(overview["wave"], 2021);
    let counties: Vec<&str> = overview["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|c| c["unit"]["code"].as_str().expect("code"))
        .collect();
    assert_eq!(counties, ["513431", "513434", "513437"]);
    assert_eq!(overview["cards"].as_array().expect("cards").len(), 14);
    assert_eq!(overview["charts"].as_array().expect("charts").len(), 8);
    let api = app
        .get_as(&official, "/api/v1/indicators?unit=513400&wave=2021")
        .await
        .json();
    for id in [
        "households_surveyed",
        "per_capita_net_income",
        "poverty_headcount_ratio",
        "guarantees_met_rate",
        "sequestration_tco2e",
    ] {
        assert_eq!(
            card(&overview, id)["value"].as_f64(),
            api_value(&api, None, id),
            "{id}"
        );
    }
    // The per-capita card reads against the 2021 line (4,000 yuan).
    assert_eq!(card(&overview, "per_capita_net_income")["line"], 4000.0);

    // Yuexi, 2019, collective households only: the same figure as the API's breakdown.
    let filtered = dashboard(
        app,
        &official,
        "unit=513434&query[wave]=2019&query[model]=collective&lang=zh",
    )
    .await;
    let api = app
        .get_as(
            &official,
            "/api/v1/indicators?unit=513434&wave=2019&by=model",
        )
        .await
        .json();
    for id in [
        "households_surveyed",
        "per_capita_net_income",
        "programme_wages",
    ] {
        let shown = card(&filtered, id)["value"].as_f64();
        assert!(shown.is_some(), "{id} has a value");
        assert_eq!(
            shown,
            api_value(&api, Some(("model", "collective")), id),
            "{id}"
        );
    }
    // Every child row is a township of Yuexi, and the explanation lists the same children.
    let children = filtered["children"].as_array().expect("children");
    assert!(!children.is_empty());
    let contributors = card(&filtered, "households_surveyed")["contributors"]
        .as_array()
        .expect("contributors");
    assert_eq!(children.len(), contributors.len());
    let sum: f64 = contributors.iter().filter_map(|c| c[1].as_f64()).sum();
    assert_eq!(
        Some(sum),
        card(&filtered, "households_surveyed")["value"].as_f64()
    );

    // Three filters: the first two apply, and the page says which did not.
    let three = dashboard(
        app,
        &official,
        "unit=513434&query[model]=collective&query[sex]=female&query[ethnicity]=yi&lang=zh",
    )
    .await;
    assert!(three["filter_note"]["zh"]
        .as_str()
        .expect("note")
        .contains("户主民族"));
    // A value that does not exist is a field error, not a blank page.
    let bad = app
        .server_fn_as(
            &official,
            "dashboard",
            "unit=513434&query[model]=nope&lang=zh",
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("参与模式"), "{}", bad.body);
    let bad_wave = app
        .server_fn_as(
            &official,
            "dashboard",
            "unit=513434&query[wave]=1999&lang=zh",
        )
        .await;
    assert_eq!(bad_wave.status, StatusCode::BAD_REQUEST);
    assert!(bad_wave.body.contains("1999"), "{}", bad_wave.body);
}

crate::on_both_backends!(cards_equal_the_indicators_api_with_and_without_filters);

async fn the_at_risk_list_matches_the_surveys_recomputed(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let official = app.session("off.yuexi", "official", "513434").await;
    let csv = app
        .get_as(&official, "/api/v1/at-risk.csv?unit=513434&wave=2021")
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(lines[0].starts_with("household_id,village_code,village_name,registry_no,head_name"));
    let listed: std::collections::HashSet<String> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().expect("id").to_owned())
        .collect();
    assert_eq!(listed.len(), lines.len() - 1, "one row per household");
    // It names heads of households: the download is on the record.
    let downloads = app
        .store
        .audit(&server::storage::AuditFilter {
            action: Some("export.at_risk".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0].actor, "off.yuexi");
    assert_eq!(
        downloads[0].after.as_ref().expect("detail")["rows"],
        lines.len() - 1
    );

    // Independently: every Yuexi household's approved 2021 survey, checked with the rules.
    let line_2021 = 400_000;
    let mut expected = std::collections::HashSet::new();
    let mut below = 0;
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
        let Some(now) = app.store.survey_for(&rid, 2021).await.expect("read") else {
            continue;
        };
        if now.status != domain::SurveyStatus::Approved {
            continue;
        }
        let per_capita = |s: &domain::HouseholdSurvey| {
            let size = s.answers.household_size() as i64;
            (size > 0).then(|| s.answers.net_income_fen().div_euclid(size))
        };
        let mut previous = None;
        for wave in [2020, 2019, 2018] {
            if let Some(s) = app.store.survey_for(&rid, wave).await.expect("read") {
                if s.status == domain::SurveyStatus::Approved {
                    previous = per_capita(&s);
                    break;
                }
            }
        }
        let reasons = assess(
            Situation {
                per_capita_fen: per_capita(&now),
                line_fen: line_2021,
                guarantees_met: now.answers.guarantees.all_met(),
                previous_per_capita_fen: previous,
            },
            RiskRules::default(),
        );
        if !reasons.is_empty() {
            expected.insert(id.clone());
        }
        if reasons.contains(&domain::risk::RiskReason::BelowLine) {
            below += 1;
        }
    }
    assert!(!expected.is_empty(), "the demo data has households at risk");
    assert_eq!(listed, expected);

    // The page's counts agree, and a reason filter narrows to it.
    let page = app
        .server_fn_as(&official, "at_risk", "query[unit]=513434&query[wave]=2021")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let page = page.json();
    assert_eq!(page["total"].as_u64(), Some(expected.len() as u64));
    assert_eq!(page["by_reason"][0], json!(["below_line", below]));
    assert!(page["rows"].as_array().expect("rows").len() <= 50);
    let only_below = app
        .get_as(
            &official,
            "/api/v1/at-risk.csv?unit=513434&wave=2021&reason=below_line",
        )
        .await;
    assert_eq!(only_below.body.lines().count() - 1, below);
    // A wider margin can only add households.
    let wider = app
        .get_as(
            &official,
            "/api/v1/at-risk.csv?unit=513434&wave=2021&margin=60",
        )
        .await;
    assert!(wider.body.lines().count() >= lines.len());
    let bad = app
        .get_as(&official, "/api/v1/at-risk.csv?unit=513434&margin=300")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["field"], "margin");
    // Researchers never get household lists.
    let researcher = app.session("res", "researcher", "513400").await;
    let refused = app
        .get_as(&researcher, "/api/v1/at-risk.csv?unit=513434")
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

crate::on_both_backends!(the_at_risk_list_matches_the_surveys_recomputed);

async fn the_household_page_adds_up_and_names_the_reviewer(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    // A Yuexi household with a submitted 2021 survey, approved through the API.
    let mut pick = None;
    for id in app.store.household_ids().await.expect("ids") {
        let rid = RecordId::parse(&id).expect("id");
        let h = app
            .store
            .household(&rid)
            .await
            .expect("read")
            .expect("exists");
        if let Some(s) = app.store.survey_for(&rid, 2021).await.expect("read") {
            if s.status == domain::SurveyStatus::Submitted
                && h.village.as_str().starts_with("513434")
            {
                pick = Some((h, s));
                break;
            }
        }
    }
    let (household, survey) = pick.expect("a submitted Yuexi survey");
    let township = &household.village.as_str()[..9];
    let supervisor = app.session("sup", "supervisor", township).await;
    let approved = app
        .json_as(
            &supervisor,
            "POST",
            &format!("/api/v1/surveys/{}/review", survey.id),
            json!({ "decision": "approve", "version": survey.version }),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);

    let official = app.session("off.yuexi", "official", "513434").await;
    let page = app
        .server_fn_as(&official, "household_page", &format!("id={}", household.id))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let page = page.json();
    assert_eq!(page["head_name"], household.head_name);
    let waves = page["surveys"].as_array().expect("surveys");
    let w2021 = waves.iter().find(|s| s["wave"] == 2021).expect("2021");
    assert_eq!(w2021["status"], "approved");
    assert_eq!(w2021["reviewed_by"], "sup");
    assert_eq!(w2021["enumerator"], survey.enumerator);
    // Income parts add up to net income; per-capita is net ÷ members.
    let parts: f64 = w2021["income"]
        .as_array()
        .expect("income")
        .iter()
        .map(|p| p[1].as_f64().expect("yuan"))
        .sum();
    let net = survey.answers.net_income_fen() as f64 / 100.0;
    assert!((parts - net).abs() < 0.005, "{parts} vs {net}");
    assert!((w2021["net_income"].as_f64().expect("net") - net).abs() < 0.005);
    assert_eq!(w2021["line"], 4000.0);
    assert_eq!(w2021["guarantees"].as_array().expect("flags").len(), 5);
    assert_eq!(
        w2021["guarantees"][3][1].as_bool(),
        Some(survey.answers.guarantees.housing_safe)
    );

    // The village page lists the household with its status; the county official may see it,
    // a Zhaojue official may not.
    let village = dashboard(
        app,
        &official,
        &format!("unit={}&query[wave]=2021&lang=zh", household.village),
    )
    .await;
    let rows = village["households"].as_array().expect("households");
    let row = rows
        .iter()
        .find(|r| r["id"] == household.id.as_str())
        .expect("listed");
    assert_eq!(row["status"], "approved");
    assert!(row["per_capita"].as_f64().is_some());
    let zhaojue = app.session("off.zj", "official", "513431").await;
    let refused = app
        .server_fn_as(&zhaojue, "household_page", &format!("id={}", household.id))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.body.contains(&household.head_name));
}

crate::on_both_backends!(the_household_page_adds_up_and_names_the_reviewer);

async fn pages_and_chart_downloads_render_on_the_server(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let official = app.session("off.pref", "official", "513400").await;
    // The overview, as HTML, without JavaScript: cards, the county table and inline SVG.
    let page = app.get_as(&official, "/").await;
    assert_eq!(page.status, StatusCode::OK);
    for needle in [
        "data-testid=\"card-per_capita_net_income\"",
        "data-testid=\"child-table\"",
        "越西县",
        "<svg",
        "人均纯收入与贫困线",
        "国家贫困线",
    ] {
        assert!(page.body.contains(needle), "overview lacks {needle}");
    }
    // A county page with a filter in the query string, rendered by the server.
    let county = app
        .get_as(&official, "/unit/513434?wave=2019&model=household")
        .await;
    assert_eq!(county.status, StatusCode::OK);
    assert!(county.body.contains("data-unit=\"513434\""));
    assert!(county.body.contains("<option value=\"household\" selected"));

    // The SVG download: the same chart, in the language asked for.
    let svg = app
        .get_as(
            &official,
            "/api/v1/charts/income_trend.svg?unit=513434&lang=zh",
        )
        .await;
    assert_eq!(svg.status, StatusCode::OK);
    assert_eq!(
        svg.headers.get("content-type").expect("type"),
        "image/svg+xml; charset=utf-8"
    );
    assert!(svg
        .headers
        .get("content-disposition")
        .expect("attachment")
        .to_str()
        .expect("ascii")
        .contains("income_trend-513434.svg"));
    assert!(svg.body.starts_with("<svg") && svg.body.contains("人均纯收入与贫困线"));
    let en = app
        .get_as(
            &official,
            "/api/v1/charts/income_trend.svg?unit=513434&lang=en",
        )
        .await;
    assert!(en
        .body
        .contains("Per-capita net income and the poverty line"));
    let missing = app
        .get_as(&official, "/api/v1/charts/nothing.svg?unit=513434")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let yuexi = app.session("off.yuexi", "official", "513434").await;
    let outside = app
        .get_as(&yuexi, "/api/v1/charts/income_trend.svg?unit=513431")
        .await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
    // Researchers see aggregates, never a small village's exact figures.
    let researcher = app.session("res", "researcher", "513400").await;
    let small = small_village(app).await;
    let view = dashboard(
        app,
        &researcher,
        &format!("unit={small}&query[wave]=2021&lang=zh"),
    )
    .await;
    assert_eq!(card(&view, "households_surveyed")["value"], Value::Null);
    assert!(view["households"].is_null());
    let admin_view = dashboard(
        app,
        &app.admin().await,
        &format!("unit={small}&query[wave]=2021&lang=zh"),
    )
    .await;
    assert!(card(&admin_view, "households_surveyed")["value"]
        .as_f64()
        .is_some());
}

/// A village with 1–4 approved 2021 surveys.
async fn small_village(app: &TestApp) -> UnitCode {
    let engine = server::indicators::build(&app.store).await.expect("engine");
    let def = domain::engine::find("households_surveyed").expect("id");
    for unit in app.store.units().await.expect("units") {
        if unit.code.level() != domain::UnitLevel::Village {
            continue;
        }
        let v = engine.value(def, &unit.code, 2021, domain::engine::Slice::ALL);
        if matches!(v.value, Some(n) if (1.0..5.0).contains(&n)) {
            return unit.code;
        }
    }
    panic!("the demo data has a village with fewer than 5 approved surveys");
}

crate::on_both_backends!(pages_and_chart_downloads_render_on_the_server);

/// `scheme=provincial` counts the line-dependent figures against Sichuan's exit threshold
/// (3,747 yuan in 2019, against the national 3,218) in the indicators API, the explanation,
/// the dashboard and the at-risk list, and leaves every other figure as it was; an unknown
/// scheme is a field error on `scheme`.
async fn a_poverty_line_scheme_applies_to_indicators_dashboard_and_at_risk(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let official = app.session("off.yuexi", "official", "513434").await;
    let api = |scheme: &'static str| {
        let official = official.clone();
        async move {
            let path = format!("/api/v1/indicators?unit=513434&wave=2019&scheme={scheme}");
            let response = app.get_as(&official, &path).await;
            assert_eq!(response.status, StatusCode::OK, "{}", response.body);
            response.json()
        }
    };
    let (national, provincial) = (api("national").await, api("provincial").await);
    assert_eq!(national["scheme"], "national");
    assert_eq!(national["poverty_line"], 3218.0);
    assert_eq!(provincial["scheme"], "provincial");
    assert_eq!(provincial["poverty_line"], 3747.0);
    let both = |id: &str| {
        (
            api_value(&national, None, id),
            api_value(&provincial, None, id),
        )
    };
    let (n, p) = both("poverty_headcount_ratio");
    assert!(
        p.expect("value") > n.expect("value"),
        "a higher line: {n:?} {p:?}"
    );
    let (n, p) = both("guarantees_met_rate");
    assert!(
        p.expect("value") < n.expect("value"),
        "a higher line: {n:?} {p:?}"
    );
    for id in [
        "per_capita_net_income",
        "households_surveyed",
        "programme_wages",
    ] {
        let (n, p) = both(id);
        assert_eq!(n, p, "{id} does not depend on the line");
    }
    let default = app
        .get_as(&official, "/api/v1/indicators?unit=513434&wave=2019")
        .await
        .json();
    assert_eq!(default["scheme"], "national");
    assert_eq!(
        api_value(&default, None, "poverty_headcount_ratio"),
        api_value(&national, None, "poverty_headcount_ratio")
    );

    // The explanation says which line, and agrees.
    let why = app
        .get_as(
            &official,
            "/api/v1/indicators/poverty_headcount_ratio/explain?unit=513434&wave=2019&scheme=provincial",
        )
        .await
        .json();
    assert_eq!(why["scheme"], "provincial");
    assert!(why["indicator"]["formula_zh"]
        .as_str()
        .expect("formula")
        .contains("四川省退出标准"));
    assert_eq!(
        why["value"]["value"].as_f64(),
        api_value(&provincial, None, "poverty_headcount_ratio")
    );

    // The dashboard's cards follow the scheme, and its per-capita card shows that line.
    let page = dashboard(
        app,
        &official,
        "unit=513434&query[wave]=2019&query[scheme]=provincial&lang=zh",
    )
    .await;
    assert_eq!(page["scheme"], "provincial");
    assert_eq!(
        card(&page, "poverty_headcount_ratio")["value"].as_f64(),
        api_value(&provincial, None, "poverty_headcount_ratio")
    );
    assert_eq!(card(&page, "per_capita_net_income")["line"], 3747.0);
    assert_eq!(
        card(&page, "poverty_headcount_ratio")["target"],
        Value::Null
    );

    // The at-risk list: every household below the national line is below Sichuan's too.
    let listed = |scheme: &'static str| {
        let official = official.clone();
        async move {
            let path = format!(
                "/api/v1/at-risk.csv?unit=513434&wave=2019&reason=below_line&scheme={scheme}"
            );
            let csv = app.get_as(&official, &path).await;
            assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
            let lines: Vec<String> = csv.body.lines().map(str::to_owned).collect();
            let header: Vec<&str> = lines[0].split(',').collect();
            let (line, named) = (
                header
                    .iter()
                    .position(|c| *c == "poverty_line")
                    .expect("line"),
                header
                    .iter()
                    .position(|c| *c == "poverty_line_scheme")
                    .expect("scheme"),
            );
            lines[1..]
                .iter()
                .map(|l| {
                    let cells: Vec<&str> = l.split(',').collect();
                    assert_eq!(cells[named], scheme);
                    (cells[0].to_owned(), cells[line].to_owned())
                })
                .collect::<Vec<_>>()
        }
    };
    let (below_national, below_provincial) = (listed("national").await, listed("provincial").await);
    assert!(below_national.iter().all(|(_, line)| line == "3218.00"));
    assert!(below_provincial.iter().all(|(_, line)| line == "3747.00"));
    assert!(below_provincial.len() > below_national.len());
    assert!(below_national
        .iter()
        .all(|(id, _)| below_provincial.iter().any(|(other, _)| other == id)));
    let risk_page = app
        .server_fn_as(
            &official,
            "at_risk",
            "query[unit]=513434&query[wave]=2019&query[scheme]=provincial",
        )
        .await
        .json();
    assert_eq!(risk_page["scheme"], "provincial");
    assert_eq!(risk_page["by_reason"][0][1], below_provincial.len());

    // Unknown schemes are refused with a field error, in the indicators API and the pages.
    let bad = app
        .get_as(&official, "/api/v1/indicators?unit=513434&scheme=county")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["field"], "scheme");
    let bad = app
        .get_as(&official, "/api/v1/at-risk.csv?unit=513434&scheme=county")
        .await;
    // Like every at-risk parameter the list itself checks: the field's issue, as 422.
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.json()["issues"][0]["path"], "scheme");
    let bad = app
        .server_fn_as(
            &official,
            "dashboard",
            "unit=513434&query[scheme]=county&lang=en",
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("scheme"), "{}", bad.body);
}

crate::on_both_backends!(a_poverty_line_scheme_applies_to_indicators_dashboard_and_at_risk);
