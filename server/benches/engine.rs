//! `make bench`: the indicator engine on a seeded database (default: 100,000 households × 4
//! waves). Prints one JSON object; `bench/compare.py` runs the same figures as plain SQL on
//! SQLite and on DuckDB and prints the ratios. Timings are reported, never asserted.
//!
//! TANHUI_BENCH_DB     database URL (required)
//! TANHUI_BENCH_RUNS   repetitions of the warm query (default 200)
//! TANHUI_BENCH_BUILDS warm builds after the first, whose median is (a) (default 5)

use std::time::{Duration, Instant};

use domain::engine::{find, Dim, Slice};
use domain::{SurveyStatus, UnitCode};
use server::storage::Store;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let url =
        std::env::var("TANHUI_BENCH_DB").map_err(|_| anyhow::anyhow!("set TANHUI_BENCH_DB"))?;
    let runs: usize = std::env::var("TANHUI_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(200);
    let builds_wanted: usize = std::env::var("TANHUI_BENCH_BUILDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5)
        .max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let store = Store::connect(&url).await?;
        store.migrate().await?;

        // (a) every indicator for every unit × wave × slice, from the database. The first
        // build may read the file from disk; the figure is the median of the warm ones after it.
        let rss_before = rss_kib();
        let started = Instant::now();
        let live = server::indicators::LiveEngine::load(&store).await?;
        let first_build = started.elapsed();
        let rss_after = rss_kib();
        let mut builds = Vec::new();
        for _ in 0..builds_wanted {
            let started = Instant::now();
            let engine = server::indicators::build(&store).await?;
            builds.push(started.elapsed());
            drop(engine);
        }
        let build = median(builds.clone());

        // (b) one dashboard query: Liangshan, latest wave, all indicators, by model (warm).
        let prefecture = UnitCode::parse("513400")?;
        let (wave, facts, cells, approx) = {
            let engine = live.read(&store).await?;
            let wave = engine.waves().last().unwrap_or(2021);
            (wave, engine.fact_count(), engine.cell_count(), engine.approx_bytes())
        };
        let mut samples = Vec::with_capacity(runs);
        let mut checksum = 0.0;
        for _ in 0..runs {
            let engine = live.read(&store).await?;
            let t = Instant::now();
            let rows = engine.query(&prefecture, wave, &[Dim::Model], domain::PovertyScheme::National);
            samples.push(t.elapsed());
            checksum += rows.iter().flat_map(|r| r.values.iter()).filter_map(|(_, v)| v.value).sum::<f64>();
        }
        let query = median(samples);
        // The same query including the change-feed check a request makes (one SQL round trip).
        let mut with_check = Vec::with_capacity(runs);
        for _ in 0..runs.min(50) {
            let t = Instant::now();
            let engine = live.read(&store).await?;
            std::hint::black_box(engine.query(&prefecture, wave, &[Dim::Model], domain::PovertyScheme::National));
            with_check.push(t.elapsed());
        }

        // (c) incremental update after one approval: the engine's own work, and the whole
        // catch-up (feed query + one survey's facts + upsert).
        let mut engine_upsert = Vec::new();
        let mut catch_up = Vec::new();
        let submitted = store.survey_facts(None).await?; // approved ones: to time a pure upsert
        {
            let mut engine = server::indicators::build(&store).await?;
            for fact in submitted.iter().take(200).cloned() {
                let t = Instant::now();
                engine.upsert(fact);
                engine_upsert.push(t.elapsed());
            }
        }
        let audit = server::storage::AuditEntry::by(None, "bench");
        for id in pending_surveys(&store, 20).await? {
            let survey = store.survey(&id).await?.ok_or_else(|| anyhow::anyhow!("survey vanished"))?;
            store.set_survey_status(&id, SurveyStatus::Approved, survey.version, None, &audit).await?;
            let t = Instant::now();
            live.catch_up(&store).await?;
            catch_up.push(t.elapsed());
            // Put it back so repeated runs see the same data.
            store.set_survey_status(&id, survey.status, survey.version + 1, survey.review_comment.as_deref(), &audit).await?;
        }
        live.catch_up(&store).await?;
        let check = find("per_capita_net_income").map(|d| live_value(&live, &store, d, &prefecture, wave));
        let check = match check {
            Some(fut) => fut.await?,
            None => None,
        };

        let json = serde_json::json!({
            "db": store.redacted_url(),
            "facts": facts,
            "cells": cells,
            "a_build_ms": build.as_secs_f64() * 1e3,
            "a_builds_ms": builds.iter().map(|b| b.as_secs_f64() * 1e3).collect::<Vec<_>>(),
            "a_first_build_ms": first_build.as_secs_f64() * 1e3,
            "b_query_us": query.as_secs_f64() * 1e6,
            "b_query_with_feed_check_us": median(with_check).as_secs_f64() * 1e6,
            "c_engine_upsert_us": median(engine_upsert).as_secs_f64() * 1e6,
            "c_catch_up_ms": if catch_up.is_empty() { None } else { Some(median(catch_up).as_secs_f64() * 1e3) },
            "rss_before_mib": rss_before as f64 / 1024.0,
            "rss_after_build_mib": rss_after as f64 / 1024.0,
            "engine_estimate_mib": approx as f64 / 1_048_576.0,
            "prefecture_per_capita_net_income": check,
            "checksum": checksum,
        });
        println!("{json}");
        store.close().await;
        Ok(())
    })
}

async fn live_value(
    live: &server::indicators::LiveEngine,
    store: &Store,
    def: &'static domain::engine::IndicatorDef,
    unit: &UnitCode,
    wave: i32,
) -> anyhow::Result<Option<f64>> {
    Ok(live
        .read(store)
        .await?
        .value(def, unit, wave, Slice::ALL)
        .value)
}

async fn pending_surveys(store: &Store, n: i64) -> anyhow::Result<Vec<domain::RecordId>> {
    let ids = store
        .surveys_with_status(SurveyStatus::Submitted, 2021, n)
        .await?;
    Ok(ids
        .iter()
        .map(|id| domain::RecordId::parse(id))
        .collect::<Result<_, _>>()?)
}
