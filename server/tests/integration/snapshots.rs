//! Outputs pinned as reviewed snapshots (insta, under `snapshots/`): the `/api/v1/indicators`
//! JSON, the indicator-table CSV header, the micro-data codebook and one chart's SVG. A change
//! to any of them fails here with a diff, to be fixed or accepted on purpose
//! (`cargo insta review`, or `INSTA_UPDATE=always` once and read the diff in git). Both
//! backends must give the same bytes: they share one snapshot.

use axum::http::StatusCode;
use server::export::microdata::{codebook_csv, Filter};
use server::seed::{seed, SeedOptions};

use crate::helpers::TestApp;

const SEED: SeedOptions = SeedOptions {
    households: 120,
    seed: 5,
    progress: false,
};

async fn published_outputs_match_their_snapshots(app: &TestApp) {
    seed(&app.store, SEED).await.expect("seed");
    let official = app.session("snap.official", "official", "513400").await;

    let indicators = app
        .get_as(
            &official,
            "/api/v1/indicators?unit=513434&wave=2021&by=model",
        )
        .await;
    assert_eq!(indicators.status, StatusCode::OK, "{}", indicators.body);
    insta::assert_json_snapshot!("indicators_yuexi_2021_by_model", indicators.json());

    let table = app
        .get_as(
            &official,
            "/api/v1/export/indicators?unit=513434&wave=2021&by=model,head_sex&format=csv",
        )
        .await;
    assert_eq!(table.status, StatusCode::OK, "{}", table.body);
    let header = table.body.lines().next().unwrap_or_default();
    insta::assert_snapshot!("indicator_table_csv_header", header);

    insta::assert_snapshot!("microdata_codebook_csv", codebook_csv(&Filter::default()));

    let chart = app
        .get_as(
            &official,
            "/api/v1/charts/income_trend.svg?unit=513434&lang=en",
        )
        .await;
    assert_eq!(chart.status, StatusCode::OK, "{}", chart.body);
    insta::assert_snapshot!("chart_income_trend_yuexi_en_svg", chart.body);
}

crate::on_both_backends!(published_outputs_match_their_snapshots,);
