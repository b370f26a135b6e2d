//! Running it as a service: who the client is behind a reverse proxy (throttling, audit, request
//! ids), `/metrics` for administrators and the monitoring server, the status page's figures,
//! and scheduled backups.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;
use server::seed::{seed, SeedOptions};

use crate::helpers::{surveys_with, TestApp, TEST_PASSWORD};

const SMALL: SeedOptions = SeedOptions {
    households: 120,
    seed: 5,
    progress: false,
};

async fn audit(app: &TestApp, query: &str) -> Vec<serde_json::Value> {
    let admin = app.admin().await;
    let response = app.get_as(&admin, &format!("/api/v1/audit?{query}")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json().as_array().expect("entries").clone()
}

/// Signs in over a real port, as `forwarded` (an `X-Forwarded-For` value) when given.
async fn sign_in_over(
    addr: std::net::SocketAddr,
    forwarded: Option<&str>,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/session"))
        .header("origin", format!("http://{addr}"))
        .json(&json!({ "username": username, "password": password }));
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    request.send().await.expect("send")
}

async fn a_forged_forwarded_address_from_an_untrusted_peer_changes_nothing(app: &TestApp) {
    app.create_account("target", "researcher", "513400").await;
    // No trusted proxy: the peer (127.0.0.1) is the client whatever the headers say.
    let addr = app.spawn().await;
    for n in 0..20 {
        let forged = format!("203.0.113.{}", n + 1);
        let response = sign_in_over(addr, Some(&forged), &format!("guess{n}"), "guess").await;
        assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
    }
    // A fresh forged address does not get the attacker past the throttle.
    let blocked = sign_in_over(addr, Some("198.51.100.99"), "target", TEST_PASSWORD).await;
    assert_eq!(blocked.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    let entries = audit(app, "action=login.failed").await;
    assert_eq!(entries.len(), 20);
    assert!(
        entries.iter().all(|e| e["ip"] == "127.0.0.1"),
        "{entries:?}"
    );
}

async fn behind_a_trusted_proxy_one_clients_failures_do_not_lock_out_another(app: &TestApp) {
    app.create_account("target", "researcher", "513400").await;
    let proxied = app
        .instance_with(|s| s.trusted_proxies = "127.0.0.1".parse().expect("ranges"))
        .await;
    let addr = proxied.spawn().await;
    // The proxy appends the address it saw to whatever the client sent.
    let guesser = "6.6.6.6, 203.0.113.5";
    for n in 0..20 {
        let response = sign_in_over(addr, Some(guesser), &format!("guess{n}"), "guess").await;
        assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
    }
    let blocked = sign_in_over(addr, Some(guesser), "target", TEST_PASSWORD).await;
    assert_eq!(blocked.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy signs in.
    let other = sign_in_over(addr, Some("198.51.100.7"), "target", TEST_PASSWORD).await;
    assert_eq!(other.status(), reqwest::StatusCode::OK);
    // The guesser's own `Forwarded` header, passed through by the proxy, is not read: the
    // proxy writes X-Forwarded-For.
    let sneaky = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/session"))
        .header("origin", format!("http://{addr}"))
        .header("forwarded", "for=198.51.100.200")
        .header("x-forwarded-for", guesser)
        .json(&json!({ "username": "target", "password": TEST_PASSWORD }))
        .send()
        .await
        .expect("send");
    assert_eq!(sneaky.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    let failed = audit(app, "action=login.failed").await;
    assert_eq!(failed.len(), 20);
    assert!(
        failed.iter().all(|e| e["ip"] == "203.0.113.5"),
        "{failed:?}"
    );
    let ok = audit(app, "action=login.ok&target=target").await;
    assert_eq!(ok[0]["ip"], "198.51.100.7");
}

async fn every_response_carries_a_request_id(app: &TestApp) {
    let plain = app.spawn().await;
    let proxied = app
        .instance_with(|s| s.trusted_proxies = "127.0.0.1/32".parse().expect("ranges"))
        .await
        .spawn()
        .await;
    let client = reqwest::Client::new();
    let get = |addr: std::net::SocketAddr, id: Option<&'static str>| {
        let mut request = client.get(format!("http://{addr}/healthz"));
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        request.send()
    };
    let id_of = |response: &reqwest::Response| {
        response.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_owned()
    };
    let first = id_of(&get(plain, None).await.expect("send"));
    let second = id_of(&get(plain, None).await.expect("send"));
    assert_eq!(first.len(), 24);
    assert_ne!(first, second, "a new id per request");
    // Only a trusted proxy's id is kept (its logs and ours then name the same request).
    let forged = id_of(&get(plain, Some("chosen-by-client-1")).await.expect("send"));
    assert_ne!(forged, "chosen-by-client-1");
    let kept = id_of(&get(proxied, Some("nginx-4f2a91c0")).await.expect("send"));
    assert_eq!(kept, "nginx-4f2a91c0");
    let refused = id_of(
        &get(proxied, Some("bad id with spaces"))
            .await
            .expect("send"),
    );
    assert_ne!(refused, "bad id with spaces");
    // In-process too, and on errors.
    let missing = app.get("/api/v1/no-such-endpoint").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.headers["x-request-id"].len(), 24);
}

/// A metrics document parsed by a Prometheus text-format parser.
fn parse(text: &str) -> prometheus_parse::Scrape {
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
        .expect("Prometheus text format")
}

/// The value of `name` whose labels include every pair of `labels`.
fn value(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let sample = scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .unwrap_or_else(|| panic!("no sample {name} {labels:?}"));
    match sample.value {
        prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Untyped(v) => v,
        ref other => panic!("{name}: {other:?}"),
    }
}

async fn token_of(app: &TestApp, username: &str, role: &str, scopes: &str) -> String {
    let session = app.session(username, role, scopes).await;
    let created = app
        .json_as(
            &session,
            "POST",
            "/api/v1/tokens",
            json!({ "name": "监控" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.json()["secret"]
        .as_str()
        .expect("secret")
        .to_owned()
}

async fn scrape(app: &TestApp, token: &str) -> (StatusCode, String) {
    let response = app
        .send(
            Request::get("/metrics")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    (response.status, response.body)
}

async fn metrics_are_prometheus_text_for_administrators_only(app: &TestApp) {
    seed(&app.store, SMALL).await.expect("seed");
    let admin_token = token_of(app, "monitor", "admin", "").await;
    let researcher_token = token_of(app, "res", "researcher", "513400").await;
    let official = app.session("yuexi", "official", "513434").await;

    // Nobody else reads it.
    assert_eq!(app.get("/metrics").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get_as(&official, "/metrics").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        scrape(app, &researcher_token).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        scrape(app, "thk_not-a-real-token").await.0,
        StatusCode::UNAUTHORIZED
    );

    // Traffic to count: an API read and a failed sign-in.
    let admin = app.admin().await;
    assert_eq!(
        app.get_as(&admin, "/api/v1/indicators?unit=513434&wave=2021")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.sign_in("admin", "wrong-password").await.status,
        StatusCode::UNAUTHORIZED
    );

    let response = app
        .send(
            Request::get("/metrics")
                .header(header::AUTHORIZATION, format!("Bearer {admin_token}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        response.headers[header::CONTENT_TYPE],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = response.body;
    let scraped = parse(&text);

    // Requests by route template, never by concrete path.
    assert!(
        value(
            &scraped,
            "tanhui_http_requests_total",
            &[
                ("route", "/api/v1/indicators"),
                ("status", "200"),
                ("method", "GET")
            ]
        ) >= 1.0
    );
    assert!(
        value(
            &scraped,
            "tanhui_http_requests_total",
            &[("route", "/metrics"), ("status", "401")]
        ) >= 1.0
    );
    assert!(!text.contains("wave=2021"), "no query strings in labels");
    let count = value(
        &scraped,
        "tanhui_http_request_duration_seconds_count",
        &[("route", "/api/v1/indicators")],
    );
    assert!(count >= 1.0);
    match &scraped
        .samples
        .iter()
        .find(|s| {
            s.metric == "tanhui_http_request_duration_seconds"
                && s.labels.get("route") == Some("/api/v1/indicators")
        })
        .expect("a histogram")
        .value
    {
        prometheus_parse::Value::Histogram(buckets) => {
            assert_eq!(buckets.len(), 12, "11 bounds and +Inf");
            assert_eq!(buckets.last().map(|b| b.count), Some(count));
            assert!(
                buckets.windows(2).all(|w| w[0].count <= w[1].count),
                "cumulative"
            );
        }
        other => panic!("not a histogram: {other:?}"),
    }

    // The engine holds every approved survey, the surveys gauge agrees with the database.
    let by_status = app.store.surveys_by_status().await.expect("counts");
    let approved = by_status
        .iter()
        .find(|(s, _)| s == "approved")
        .map(|(_, n)| *n)
        .expect("approved surveys");
    assert_eq!(
        value(&scraped, "tanhui_surveys", &[("status", "approved")]),
        approved as f64
    );
    for (status, n) in &by_status {
        assert_eq!(
            value(&scraped, "tanhui_surveys", &[("status", status)]),
            *n as f64,
            "{status}"
        );
    }
    assert_eq!(value(&scraped, "tanhui_engine_facts", &[]), approved as f64);
    assert!(value(&scraped, "tanhui_engine_cells", &[]) > 0.0);
    assert_eq!(value(&scraped, "tanhui_change_feed_lag", &[]), 0.0);
    assert_eq!(value(&scraped, "tanhui_sign_in_failures_total", &[]), 1.0);
    assert!(value(&scraped, "tanhui_sign_ins_total", &[]) >= 4.0);
    assert_eq!(value(&scraped, "tanhui_sign_in_throttled_total", &[]), 0.0);
    assert!(value(&scraped, "tanhui_db_pool_connections", &[("state", "max")]) >= 1.0);
    assert_eq!(
        value(
            &scraped,
            "tanhui_build_info",
            &[("backend", app.store.backend_name())]
        ),
        1.0
    );
}

async fn the_change_feed_lag_shows_what_another_instance_wrote(app: &TestApp) {
    seed(&app.store, SMALL).await.expect("seed");
    let token = token_of(app, "monitor", "admin", "").await;
    // The seed wrote behind this instance's back: a read catches it up first.
    let admin = app.admin().await;
    app.get_as(&admin, "/api/v1/indicators?unit=513400").await;
    let (_, text) = scrape(app, &token).await;
    assert_eq!(value(&parse(&text), "tanhui_change_feed_lag", &[]), 0.0);
    let other = app.second_instance().await;
    // Another instance behind the load balancer approves a survey.
    let supervisor = other.session_of("admin").await;
    let submitted = surveys_with(app, domain::SurveyStatus::Submitted).await;
    let (id, version) = submitted.first().expect("a submitted survey").clone();
    let decided = other
        .json_as(
            &supervisor,
            "POST",
            &format!("/api/v1/surveys/{id}/review"),
            json!({ "decision": "approve", "version": version }),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    // This instance has not read anything since: it is one change behind.
    let (status, text) = scrape(app, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(value(&parse(&text), "tanhui_change_feed_lag", &[]), 1.0);
    // Any read catches it up.
    app.get_as(&admin, "/api/v1/indicators?unit=513400").await;
    let (_, text) = scrape(app, &token).await;
    assert_eq!(value(&parse(&text), "tanhui_change_feed_lag", &[]), 0.0);
}

async fn the_monitoring_server_reads_metrics_from_its_address(app: &TestApp) {
    let monitored = app
        .instance_with(|s| s.metrics_from = "127.0.0.1".parse().expect("ranges"))
        .await;
    let addr = monitored.spawn().await;
    let response = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .expect("send");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let text = response.text().await.expect("body");
    assert!(parse(&text)
        .samples
        .iter()
        .any(|s| s.metric == "tanhui_uptime_seconds"));
    // The address is the client's: a request that did not come over the network, or one a
    // proxy forwarded for an outside client, is not the monitoring server.
    assert_eq!(
        monitored.get("/metrics").await.status,
        StatusCode::UNAUTHORIZED
    );
    let behind = app
        .instance_with(|s| {
            s.metrics_from = "127.0.0.1".parse().expect("ranges");
            s.trusted_proxies = "127.0.0.1".parse().expect("ranges");
        })
        .await
        .spawn()
        .await;
    let outside = reqwest::Client::new()
        .get(format!("http://{behind}/metrics"))
        .header("x-forwarded-for", "203.0.113.50")
        .send()
        .await
        .expect("send");
    assert_eq!(outside.status(), reqwest::StatusCode::UNAUTHORIZED);
}

async fn the_status_page_shows_the_running_server(app: &TestApp) {
    seed(&app.store, SMALL).await.expect("seed");
    let dir = tempfile::tempdir().expect("temp dir");
    let backed_up = app
        .instance_with(|s| {
            s.backup_dir = Some(dir.path().to_owned());
            s.backup_keep = 2;
        })
        .await;
    // Three scheduled backups, as the schedule takes them: each checked, two kept.
    let schedule = server::settings::BackupSchedule {
        dir: dir.path().to_owned(),
        every: "1h".parse().expect("period"),
        keep: 2,
    };
    let metrics = server::metrics::Metrics::default();
    for _ in 0..3 {
        let path = server::service::backups::take(&backed_up.store, &schedule, &metrics)
            .await
            .expect("backup");
        server::storage::backup::verify(&path).expect("a whole backup");
    }
    let files = server::service::backups::list(dir.path()).expect("list");
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(
        metrics.backups.load(std::sync::atomic::Ordering::Relaxed),
        3
    );

    let admin = backed_up.admin().await;
    let response = backed_up
        .server_fn_as(&admin, "server_operations", "")
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let view = response.json();
    assert_eq!(view["backend"], app.store.backend_name());
    assert_eq!(view["engine_facts"].as_u64().map(|n| n > 0), Some(true));
    assert_eq!(view["feed_lag"], 0);
    assert_eq!(view["backups"]["keep"], 2);
    assert_eq!(view["backups"]["every"], "24h");
    assert_eq!(
        view["backups"]["files"].as_array().map(Vec::len),
        Some(2),
        "{view}"
    );
    let official = backed_up.session("yuexi", "official", "513434").await;
    assert_eq!(
        backed_up
            .server_fn_as(&official, "server_operations", "")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The page itself.
    let page = backed_up.get_as(&admin, "/admin/status").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("data-testid=\"operations\""),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&files[0].name),
        "the newest backup is listed"
    );
}

/// Five wrong passwords for any username, `admin` included, once locked it for everyone for
/// 15 minutes. Now they make only that address wait; spread over many addresses they slow the
/// username by seconds.
async fn nobody_can_lock_an_account_owner_out(app: &TestApp) {
    app.create_account("target", "admin", "").await;
    let proxied = app
        .instance_with(|s| s.trusted_proxies = "127.0.0.1".parse().expect("ranges"))
        .await;
    let addr = proxied.spawn().await;
    for _ in 0..5 {
        let guess = sign_in_over(addr, Some("203.0.113.5"), "target", "guess").await;
        assert_eq!(guess.status(), reqwest::StatusCode::UNAUTHORIZED);
    }
    let blocked = sign_in_over(addr, Some("203.0.113.5"), "target", TEST_PASSWORD).await;
    assert_eq!(blocked.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(blocked.headers()[header::RETRY_AFTER.as_str()], "60");
    let owner = sign_in_over(addr, Some("198.51.100.7"), "target", TEST_PASSWORD).await;
    assert_eq!(owner.status(), reqwest::StatusCode::OK);
    // Fifteen more guesses, each from an address of its own (twenty failures in all).
    for n in 0..15 {
        let from = format!("192.0.2.{}", n + 1);
        let guess = sign_in_over(addr, Some(&from), "target", "guess").await;
        assert_eq!(
            guess.status(),
            reqwest::StatusCode::UNAUTHORIZED,
            "guess {n}"
        );
    }
    let slowed = sign_in_over(addr, Some("198.51.100.7"), "target", TEST_PASSWORD).await;
    assert_eq!(slowed.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = slowed.headers()[header::RETRY_AFTER.as_str()]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!((1..=5).contains(&wait), "{wait} s");
}

crate::on_both_backends!(
    nobody_can_lock_an_account_owner_out,
    a_forged_forwarded_address_from_an_untrusted_peer_changes_nothing,
    behind_a_trusted_proxy_one_clients_failures_do_not_lock_out_another,
    every_response_carries_a_request_id,
    metrics_are_prometheus_text_for_administrators_only,
    the_change_feed_lag_shows_what_another_instance_wrote,
    the_monitoring_server_reads_metrics_from_its_address,
    the_status_page_shows_the_running_server,
);
