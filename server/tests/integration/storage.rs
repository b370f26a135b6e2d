//! The storage layer directly: migrations are idempotent and the schema enforces its rules.

use domain::UnitCode;

use crate::helpers::TestApp;

async fn migrating_twice_changes_nothing(app: &TestApp) {
    let before = app.store.schema_version().await.expect("version");
    app.store.migrate().await.expect("second migration run");
    assert_eq!(app.store.schema_version().await.expect("version"), before);
    assert_eq!(app.store.count_units().await.expect("count"), 4);
}

async fn reference_units_have_their_real_codes(app: &TestApp) {
    let rows = app
        .store
        .child_units(&UnitCode::parse("513400").expect("code"))
        .await
        .expect("rows");
    let pairs: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.code.as_str(), r.name_pinyin.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("513431", "Zhaojue"),
            ("513434", "Yuexi"),
            ("513437", "Leibo")
        ]
    );
}

async fn reconnecting_finds_the_same_data(app: &TestApp) {
    let again = server::storage::Store::connect(&app.db_url)
        .await
        .expect("reconnect");
    assert_eq!(again.count_units().await.expect("count"), 4);
    again.close().await;
}

crate::on_both_backends!(
    migrating_twice_changes_nothing,
    reference_units_have_their_real_codes,
    reconnecting_finds_the_same_data,
);
