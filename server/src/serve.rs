//! `tanhui serve`: open and migrate the database, bind, serve until Ctrl-C or SIGTERM, then
//! finish in-flight requests and close the database cleanly. Takes scheduled backups when a
//! backup folder is set.

use std::sync::Arc;

use tokio::net::TcpListener;

use crate::assets::Assets;
use crate::http::build;
use crate::seed::SeedOptions;
use crate::settings::Settings;
use crate::state::AppState;
use crate::storage::Store;

/// The seed of the demo data `serve` loads into an empty database.
pub const DEMO_SEED: u64 = 2018;

pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    // The browser bundle first: a server that could not hydrate its pages does not start.
    let assets = Assets::load(settings.site_root.as_deref())?;
    assets.require_complete()?;
    let (files, bytes) = assets.size();
    tracing::info!(build = assets.build(), origin = %assets.origin(), files, bytes, "site loaded");
    let store = Store::connect(&settings.db).await?;
    store.migrate().await?;
    // ID-card numbers and phones are sealed with a key kept apart from the database: a
    // server without one could not register a household.
    if store.keys().is_err() {
        anyhow::bail!(
            "no data key for {}: ID-card numbers and phones are stored encrypted with a key kept outside the database; set TANHUI_KEY_FILE (a file of 64 hex digits, e.g. `openssl rand -hex 32`) or TANHUI_DATA_KEY",
            store.redacted_url()
        );
    }
    tracing::info!(key = store.keys()?.id(), "data key loaded");
    tracing::info!(db = %store.redacted_url(), version = store.schema_version().await?, "database ready");
    // Real data is any household, or any unit beyond the four the migrations create.
    let empty = store.count_households().await? == 0
        && store.count_units().await? <= crate::storage::BUILT_IN_UNITS;
    if settings.demo && !empty && store.count_synthetic_units().await? == 0 {
        tracing::warn!("demo data requested, but this database holds real data: none loaded");
        println!("--demo ignored: this database holds real data, so no demo data or demo accounts are added.");
    }
    if settings.demo && empty && settings.demo_households > 0 {
        let options = SeedOptions {
            households: settings.demo_households,
            seed: DEMO_SEED,
            progress: false,
        };
        tracing::info!(
            households = options.households,
            "empty database: loading the demo data set"
        );
        let report = crate::seed::seed(&store, options).await?;
        tracing::info!(
            households = report.households,
            surveys = report.surveys,
            seconds = report.elapsed.as_secs_f64(),
            "demo data loaded"
        );
    }

    // Demo accounts (with their published password) only where the demo data is: a real
    // database never gets them, even with the default settings.
    let demo = store.count_synthetic_units().await? > 0;
    let created = crate::service::starting_accounts::ensure_starting_accounts(&store, demo).await?;
    if !settings.cookie_secure {
        tracing::warn!("session cookies are not marked Secure (TANHUI_COOKIE_SECURE=false): use this on a trusted plain-HTTP network only");
    }

    let listener = TcpListener::bind(settings.addr).await?;
    let addr = listener.local_addr()?;
    let engine = crate::indicators::LiveEngine::load(&store).await?;
    let state = AppState::new(&settings, store.clone(), engine, addr, Arc::new(assets));
    let (stop_backups, stopped) = tokio::sync::watch::channel(false);
    if let Some(schedule) = state.backups.clone() {
        tracing::info!(dir = %schedule.dir.display(), every = %schedule.every, keep = schedule.keep, "scheduled backups on");
        crate::service::backups::spawn(
            settings.db.clone(),
            schedule,
            state.metrics.clone(),
            stopped,
        )?;
    }
    if !state.network.trusted_proxies.is_empty() {
        tracing::info!(proxies = ?state.network.trusted_proxies.0.iter().map(ToString::to_string).collect::<Vec<_>>(), "forwarded client addresses are believed from these proxies only");
    }
    let router = build(state);

    tracing::info!(%addr, "listening");
    println!("Tanhui 碳汇 is running at http://{addr}/ (Ctrl-C to stop)");
    print_sign_ins(demo, &created);

    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    // A backup under way is abandoned: its `.partial` file is never renamed, and the next
    // start removes it. The thread is not waited for.
    let _ = stop_backups.send(true);
    store.close().await;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Tells the person starting the server how to sign in. One-time passwords go to standard
/// output only, never to the log.
fn print_sign_ins(demo: bool, created: &[crate::service::starting_accounts::StartingAccount]) {
    if demo {
        println!(
            "Demo sign-ins 演示账号 (password 密码: {}):",
            crate::service::starting_accounts::DEMO_PASSWORD
        );
        for (username, what) in [
            ("admin", "administrator 系统管理员"),
            ("official", "official, Liangshan 州级干部"),
            ("official.yuexi", "official, Yuexi county 越西县干部"),
            ("supervisor", "supervisor, one Yuexi township 乡镇审核员"),
            ("enumerator", "enumerator, two villages 村调查员"),
            ("researcher", "researcher 研究人员"),
        ] {
            println!("  {username:<16} {what}");
        }
        if created.is_empty() {
            println!("  (created at the first start; a changed password stays changed)");
        }
    } else if let Some(admin) = created.first() {
        println!(
            "First start: sign in as '{}' with the one-time password {} and choose a new one.",
            admin.username, admin.password
        );
        println!(
            "首次启动：请用账号 '{}' 和一次性密码 {} 登录，并设置新密码。",
            admin.username, admin.password
        );
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
