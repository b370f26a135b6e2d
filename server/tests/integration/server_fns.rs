//! Server functions over the wire, as the hydrated page calls them.

use axum::http::StatusCode;

use crate::helpers::TestApp;

async fn check_server_reports_backend_schema_and_units(app: &TestApp) {
    let anonymous = app.server_fn("check_server", "").await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.body
    );
    assert!(anonymous.body.contains("请先登录"), "{}", anonymous.body);
    let admin = app.admin().await;
    let response = app.server_fn_as(&admin, "check_server", "").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let json = response.json();
    assert_eq!(json["backend"], app.store.backend_name());
    assert_eq!(json["schema_version"], 20261208000016_i64);
    assert_eq!(json["units"], 4);
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
}

async fn child_units_lists_the_three_counties(app: &TestApp) {
    let admin = app.admin().await;
    let response = app
        .server_fn_as(&admin, "child_units", "parent=513400")
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let json = response.json();
    let names: Vec<&str> = json
        .as_array()
        .expect("array")
        .iter()
        .map(|u| u["name_zh"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["昭觉县", "越西县", "雷波县"]);
    assert_eq!(json[1]["code"], "513434");
    assert_eq!(json[1]["level"], "county");
    assert_eq!(json[1]["name_pinyin"], "Yuexi");
}

async fn child_units_of_a_leaf_is_empty(app: &TestApp) {
    let admin = app.admin().await;
    let response = app
        .server_fn_as(&admin, "child_units", "parent=513437")
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json(), serde_json::json!([]));
}

async fn a_malformed_code_is_a_400_with_a_chinese_message(app: &TestApp) {
    let admin = app.admin().await;
    let response = app.server_fn_as(&admin, "child_units", "parent=5134").await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.body
    );
    assert!(
        response
            .body
            .contains("行政区划代码应为6、9或12位数字，而不是4位"),
        "{}",
        response.body
    );
}

async fn undecodable_arguments_are_a_400_not_a_500(app: &TestApp) {
    let admin = app.admin().await;
    let response = app
        .server_fn_as(&admin, "child_units", "parents=513400")
        .await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.body
    );
    let response = app
        .server_fn_as(&admin, "audit_log", "before=yesterday")
        .await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.body
    );
}

crate::on_both_backends!(
    undecodable_arguments_are_a_400_not_a_500,
    check_server_reports_backend_schema_and_units,
    child_units_lists_the_three_counties,
    child_units_of_a_leaf_is_empty,
    a_malformed_code_is_a_400_with_a_chinese_message,
);
