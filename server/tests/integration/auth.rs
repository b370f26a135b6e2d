//! Sign-in, sessions, CSRF, throttling, tokens, account administration, personal-data masking
//! and the audit trail — over the wire, on both backends.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;
use server::seed::{seed, SeedOptions};
use server::storage::Store;

use crate::helpers::{session_cookie, Session, TestApp, TEST_PASSWORD};

/// Runs one statement directly on the database (to age a session, or to try to tamper).
async fn execute(store: &Store, sql: &str) -> Result<u64, sqlx::Error> {
    match store {
        Store::Sqlite { pool, .. } => sqlx::query(sql)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
        Store::Postgres { pool, .. } => sqlx::query(sql)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
    }
}

async fn audit(app: &TestApp, query: &str) -> Vec<serde_json::Value> {
    let admin = app.admin().await;
    let response = app.get_as(&admin, &format!("/api/v1/audit?{query}")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json().as_array().expect("entries").clone()
}

async fn sessions_expire_when_idle_or_old_and_end_at_sign_out(app: &TestApp) {
    let admin = app.admin().await;
    assert_eq!(
        app.get_as(&admin, "/api/v1/me").await.status,
        StatusCode::OK
    );

    // Idle for 31 minutes: gone, and the browser is told to drop the cookie.
    let idle = app.session("idle", "researcher", "513400").await;
    execute(&app.store, "UPDATE sessions SET last_seen_at = last_seen_at - 1860000 WHERE user_id = (SELECT id FROM users WHERE username = 'idle')")
        .await
        .expect("age the session");
    let expired = app.get_as(&idle, "/api/v1/me").await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    let cleared = expired.headers[header::SET_COOKIE].to_str().expect("ascii");
    assert!(
        cleared.starts_with("tanhui_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );

    // Used a minute ago but signed in 13 hours ago: past the absolute limit.
    let old = app.session("old", "researcher", "513400").await;
    execute(&app.store, "UPDATE sessions SET created_at = created_at - 46800000 WHERE user_id = (SELECT id FROM users WHERE username = 'old')")
        .await
        .expect("age the session");
    assert_eq!(
        app.get_as(&old, "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get_as(&old, "/").await.status, StatusCode::SEE_OTHER);

    // The cookie is HttpOnly, SameSite and Secure by default.
    let login = app.sign_in("admin", TEST_PASSWORD).await;
    let cookie = login.headers[header::SET_COOKIE].to_str().expect("ascii");
    for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }

    // Signing out ends the session on the server, not only in the browser.
    let out = app
        .send(
            Request::post("/logout")
                .header(header::COOKIE, &admin.cookie)
                .header("sec-fetch-site", "same-origin")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.headers[header::LOCATION], "/login?signed_out=1");
    assert_eq!(out.headers["clear-site-data"], "\"cache\"");
    assert!(out.headers[header::SET_COOKIE]
        .to_str()
        .expect("ascii")
        .contains("Max-Age=0"));
    assert_eq!(
        app.get_as(&admin, "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let page = app.get_as(&admin, "/").await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "the old cookie opens nothing"
    );
    assert!(!page.body.contains("越西县"));
    let fresh = app.session_of("admin").await;
    let logouts = app
        .get_as(&fresh, "/api/v1/audit?action=logout")
        .await
        .json();
    assert_eq!(logouts.as_array().expect("entries").len(), 1);
    assert_eq!(
        app.get_as(&fresh, "/api/v1/me").await.status,
        StatusCode::OK
    );
}

async fn state_changing_requests_from_other_sites_are_refused(app: &TestApp) {
    let admin = app.admin().await;
    let attempt = |headers: Vec<(&'static str, &'static str)>| {
        let mut request = Request::post("/sfn/admin_create_user")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &admin.cookie);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request
            .body(Body::from("input[username]=mallory&input[display_name]=&input[role]=admin&input[scopes]=&input[password]=correct-horse-battery-9"))
            .expect("request")
    };
    for (headers, why) in [
        (
            vec![("sec-fetch-site", "cross-site")],
            "fetch metadata says cross-site",
        ),
        (vec![("sec-fetch-site", "same-site")], "a sibling subdomain"),
        (
            vec![
                ("host", "tanhui.example"),
                ("origin", "https://evil.example"),
            ],
            "foreign Origin",
        ),
        (vec![("host", "tanhui.example")], "no Origin at all"),
    ] {
        let response = app.send(attempt(headers)).await;
        assert_eq!(
            response.status,
            StatusCode::FORBIDDEN,
            "{why}: {}",
            response.body
        );
        assert_eq!(response.json()["error"], "csrf", "{why}");
    }
    assert!(
        app.store
            .user_by_username("mallory")
            .await
            .expect("read")
            .is_none(),
        "nothing created"
    );

    // A forged sign-out is refused too (and the session survives).
    let forged = app
        .send(
            Request::post("/logout")
                .header(header::COOKIE, &admin.cookie)
                .header("sec-fetch-site", "cross-site")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get_as(&admin, "/api/v1/me").await.status,
        StatusCode::OK
    );

    // The page itself (same origin) may.
    let ok = app
        .send(attempt(vec![
            ("host", "tanhui.example"),
            ("origin", "https://tanhui.example"),
        ]))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert!(app
        .store
        .user_by_username("mallory")
        .await
        .expect("read")
        .is_some());
}

/// The failed sign-ins `/admin/users` shows for `username`.
async fn failed_sign_ins(app: &TestApp, admin: &crate::helpers::Session, username: &str) -> i64 {
    let listed = app.server_fn_as(admin, "admin_users", "").await;
    let users = listed.json();
    let user = users
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["username"] == username)
        .cloned()
        .expect("listed");
    user["failed_sign_ins"].as_i64().expect("a count")
}

async fn repeated_failed_sign_ins_make_that_source_wait(app: &TestApp) {
    app.create_account("lihua", "researcher", "513400").await;
    app.create_account("wangfang", "researcher", "513400").await;
    for attempt in 1..=5 {
        let response = app.sign_in("lihua", "not-the-password").await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
        assert_eq!(response.json()["message"], "用户名或密码不正确");
        assert!(session_cookie(&response).is_none());
    }
    // Now even the right password waits a minute (doubling with each further failure, at
    // most 15), with a clear message. Hammering meanwhile counts nothing and logs one entry.
    for _ in 0..30 {
        let locked = app.sign_in("lihua", TEST_PASSWORD).await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            locked.body
        );
        let wait: i64 = locked.headers[header::RETRY_AFTER]
            .to_str()
            .expect("text")
            .parse()
            .expect("seconds");
        assert!((55..=60).contains(&wait), "{wait}");
        assert!(locked.json()["message"]
            .as_str()
            .expect("message")
            .contains("1 分钟"));
        assert!(session_cookie(&locked).is_none());
    }
    // Other accounts are not affected; an unknown username fails the same way as a wrong password.
    assert_eq!(
        app.sign_in("wangfang", TEST_PASSWORD).await.status,
        StatusCode::OK
    );
    let unknown = app.sign_in("nobody", TEST_PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        unknown.body,
        app.sign_in("wangfang", "wrong-password").await.body
    );

    let failed = audit(app, "action=login.failed&target=lihua").await;
    assert_eq!(failed.len(), 5);
    assert_eq!(failed[0]["after"]["reason"], "wrong_password");
    assert_eq!(audit(app, "action=login.throttled").await.len(), 1);
    // An administrator lets the account in again at once; the failures stay on record.
    let admin = app.admin().await;
    let id = app
        .store
        .user_by_username("lihua")
        .await
        .expect("read")
        .expect("lihua")
        .id;
    assert_eq!(failed_sign_ins(app, &admin, "lihua").await, 5);
    let unlocked = app
        .server_fn_as(&admin, "admin_unlock_sign_in", &format!("id={id}"))
        .await;
    assert_eq!(unlocked.status, StatusCode::OK, "{}", unlocked.body);
    let back = app.sign_in("lihua", TEST_PASSWORD).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert_eq!(
        audit(app, "action=login.unlock&target=lihua").await.len(),
        1
    );
    assert_eq!(
        audit(app, "action=login.failed&target=lihua").await.len(),
        5
    );
    // The owner still learns of them on the account page, with where the latest came from.
    let lihua = crate::helpers::Session {
        cookie: session_cookie(&back).expect("cookie"),
    };
    let mine = app.server_fn_as(&lihua, "my_failed_sign_ins", "").await;
    assert_eq!(mine.json()["count"], 5, "{}", mine.body);
    assert!(mine.json()["latest_at"].as_i64().is_some(), "{}", mine.body);
    assert_eq!(failed_sign_ins(app, &admin, "lihua").await, 0, "unlocked");
    assert_eq!(
        audit(app, "action=login.failed&target=nobody").await[0]["after"]["reason"],
        "unknown_user"
    );
}

async fn one_address_guessing_many_usernames_is_throttled(app: &TestApp) {
    app.create_account("target", "researcher", "513400").await;
    let addr = app.spawn().await;
    let client = reqwest::Client::new();
    let sign_in = |username: String, password: &'static str| {
        client
            .post(format!("http://{addr}/api/v1/session"))
            .header("origin", format!("http://{addr}"))
            .json(&json!({ "username": username, "password": password }))
            .send()
    };
    for n in 0..20 {
        let response = sign_in(format!("guess{n}"), "password-guess-1")
            .await
            .expect("send");
        assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
    }
    let blocked = sign_in("target".into(), TEST_PASSWORD).await.expect("send");
    assert_eq!(blocked.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    let entries = audit(app, "action=login.failed").await;
    assert_eq!(entries.len(), 20);
    assert_eq!(entries[0]["ip"], "127.0.0.1");
}

async fn researchers_script_with_revocable_tokens(app: &TestApp) {
    seed(
        &app.store,
        SeedOptions {
            households: 60,
            seed: 2,
            progress: false,
        },
    )
    .await
    .expect("seed");
    let researcher = app.session("res", "researcher", "513400").await;
    let created = app
        .json_as(
            &researcher,
            "POST",
            "/api/v1/tokens",
            json!({ "name": "Stata 导出" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let secret = created.json()["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let token_id = created.json()["token"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(secret.starts_with("thk_") && secret.len() == 68, "{secret}");

    let bearer = |path: &str, token: &str| {
        Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request")
    };
    let figures = app
        .send(bearer("/api/v1/indicators?unit=513434", &secret))
        .await;
    assert_eq!(figures.status, StatusCode::OK, "{}", figures.body);
    let me = app.send(bearer("/api/v1/me", &secret)).await.json();
    assert_eq!(me["username"], "res");
    assert_eq!(me["via_token"], true);
    // A token carries its account's rights, no more: no household records for researchers.
    let village = app.store.household_ids().await.expect("ids");
    let household = app
        .store
        .household(&domain::RecordId::parse(&village[0]).expect("id"))
        .await
        .expect("read")
        .expect("exists");
    let path = format!("/api/v1/households?village={}", household.village);
    assert_eq!(
        app.send(bearer(&path, &secret)).await.status,
        StatusCode::FORBIDDEN
    );

    // The list shows a prefix, never the secret.
    let list = app.get_as(&researcher, "/api/v1/tokens").await;
    assert!(!list.body.contains(&secret));
    assert_eq!(list.json()[0]["prefix"], &secret[..10]);
    assert!(list.json()[0]["last_used_at"].is_i64(), "use is recorded");

    // Revoked: refused at once. A made-up token is refused the same way.
    let revoke = app
        .json_as(
            &researcher,
            "DELETE",
            &format!("/api/v1/tokens/{token_id}"),
            json!({}),
        )
        .await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT, "{}", revoke.body);
    assert_eq!(
        app.send(bearer("/api/v1/me", &secret)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.send(bearer("/api/v1/me", "thk_0000")).await.status,
        StatusCode::UNAUTHORIZED
    );
    // A token carries the account's current rights: none once it is no longer a researcher.
    let second = app
        .json_as(
            &researcher,
            "POST",
            "/api/v1/tokens",
            json!({ "name": "second" }),
        )
        .await
        .json()["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_eq!(
        app.send(bearer("/api/v1/me", &second)).await.status,
        StatusCode::OK
    );
    let res = app
        .store
        .user_by_username("res")
        .await
        .expect("read")
        .expect("exists");
    let admin = app.admin().await;
    let demoted = app
        .server_fn_as(&admin, "admin_update_user", &format!("id={}&change[display_name]=&change[role]=official&change[scopes]=513400&change[disabled]=false", res.id))
        .await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.body);
    assert_eq!(
        app.send(bearer("/api/v1/me", &second)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let actions: Vec<String> = audit(app, "action=token.")
        .await
        .iter()
        .map(|e| e["action"].as_str().expect("action").to_owned())
        .collect();
    assert_eq!(actions, ["token.create", "token.revoke", "token.create"]);
    // Only the digest is stored.
    let stored: Vec<String> = match &app.store {
        Store::Sqlite { pool, .. } => {
            sqlx::query_scalar("SELECT token_hash FROM api_tokens")
                .fetch_all(pool)
                .await
        }
        Store::Postgres { pool, .. } => {
            sqlx::query_scalar("SELECT token_hash FROM api_tokens")
                .fetch_all(pool)
                .await
        }
    }
    .expect("read");
    assert!(!stored.iter().any(|h| h.contains(&secret[4..])));
}

async fn administrators_manage_accounts_and_every_change_is_audited(app: &TestApp) {
    seed(
        &app.store,
        SeedOptions {
            households: 60,
            seed: 2,
            progress: false,
        },
    )
    .await
    .expect("seed");
    let admin = app.admin().await;
    // Bad input: every problem named, nothing created.
    let bad = app
        .server_fn_as(&admin, "admin_create_user", "input[username]=Li Hua&input[display_name]=&input[role]=supervisor&input[scopes]=513434&input[password]=short")
        .await;
    assert_eq!(bad.status, StatusCode::OK);
    let issues = bad.json()["Err"].as_array().expect("issues").clone();
    let rules: Vec<&str> = issues
        .iter()
        .map(|i| i["rule"].as_str().expect("rule"))
        .collect();
    assert_eq!(rules, ["username_format", "scope_level", "password_length"]);
    assert!(issues[1]["zh"].as_str().expect("zh").contains("乡镇"));

    // Created with a one-time password, which must be changed at first sign-in.
    let created = app
        .server_fn_as(&admin, "admin_create_user", "input[username]=zhang.wei&input[display_name]=张伟&input[role]=official&input[scopes]=513434&input[password]=")
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let created = created.json()["Ok"].clone();
    let one_time = created["one_time_password"]
        .as_str()
        .expect("one-time password")
        .to_owned();
    let user_id = created["user"]["id"].as_str().expect("id").to_owned();
    let response = app.sign_in("zhang.wei", &one_time).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json()["must_change_password"], true);
    let zhang = Session {
        cookie: session_cookie(&response).expect("cookie"),
    };
    let home = app.get_as(&zhang, "/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.headers[header::LOCATION], "/account?must_change=1");
    let changed = app
        .server_fn_as(
            &zhang,
            "change_password",
            &format!("current={one_time}&new=zhang-new-password-9"),
        )
        .await;
    assert_eq!(changed.json(), json!({ "Ok": null }), "{}", changed.body);
    assert_eq!(app.get_as(&zhang, "/").await.status, StatusCode::OK);

    // Disabled: the open session stops working at once, and signing in fails.
    let disable = app
        .server_fn_as(&admin, "admin_update_user", &format!("id={user_id}&change[display_name]=张伟&change[role]=official&change[scopes]=513434,513431&change[disabled]=true"))
        .await;
    assert_eq!(disable.status, StatusCode::OK, "{}", disable.body);
    assert_eq!(disable.json()["Ok"]["scopes"], json!(["513431", "513434"]));
    assert_eq!(
        app.get_as(&zhang, "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("zhang.wei", "zhang-new-password-9")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // An administrator cannot lock themselves out.
    let me = app
        .store
        .user_by_username("admin")
        .await
        .expect("read")
        .expect("admin");
    let lockout = app
        .server_fn_as(&admin, "admin_update_user", &format!("id={}&change[display_name]=&change[role]=official&change[scopes]=513400&change[disabled]=false", me.id))
        .await;
    assert_eq!(lockout.json()["Err"][0]["rule"], "self_lockout");

    // Reset: a new one-time password; the old password no longer works.
    let enable = app
        .server_fn_as(&admin, "admin_update_user", &format!("id={user_id}&change[display_name]=张伟&change[role]=official&change[scopes]=513434&change[disabled]=false"))
        .await;
    assert_eq!(enable.status, StatusCode::OK);
    let reset = app
        .server_fn_as(&admin, "admin_reset_password", &format!("id={user_id}"))
        .await;
    let new_one_time = reset.json()["Ok"]["one_time_password"]
        .as_str()
        .expect("password")
        .to_owned();
    assert_eq!(
        app.sign_in("zhang.wei", "zhang-new-password-9")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("zhang.wei", &new_one_time).await.status,
        StatusCode::OK
    );

    // The trail: who did what, before and after — and never a password or its hash.
    let trail = audit(app, "target=zhang.wei").await;
    let actions: Vec<&str> = trail
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        [
            "login.ok",
            "login.failed",
            "user.password_reset",
            "user.update",
            "login.failed",
            "user.update",
            "user.password_change",
            "login.ok",
            "user.create",
        ]
    );
    let create = trail.last().expect("create");
    assert_eq!(create["actor"], "admin");
    assert_eq!(create["before"], serde_json::Value::Null);
    assert_eq!(create["after"]["role"], "official");
    assert_eq!(create["after"]["scopes"], json!(["513434"]));
    let disabled = &trail[5];
    assert_eq!(disabled["before"]["disabled"], false);
    assert_eq!(disabled["after"]["disabled"], true);
    assert_eq!(disabled["after"]["scopes"], json!(["513431", "513434"]));
    let everything = app.get_as(&admin, "/api/v1/audit").await.body;
    for secret in [
        one_time.as_str(),
        new_one_time.as_str(),
        "zhang-new-password-9",
        "$argon2id$",
    ] {
        assert!(
            !everything.contains(secret),
            "the audit log holds no {secret}"
        );
    }
    // Filters by date (China time) and by actor.
    assert!(audit(app, "actor=admin&from=2000-01-01").await.len() >= 5);
    assert!(audit(app, "to=2000-01-01").await.is_empty());
    let bad_date = app.get_as(&admin, "/api/v1/audit?from=yesterday").await;
    assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_date.json()["issues"][0]["path"], "from");
}

async fn the_audit_log_cannot_be_rewritten(app: &TestApp) {
    app.admin().await; // writes login.ok
    let before = audit(app, "").await.len();
    assert!(before >= 2, "user.create and login.ok");
    for sql in [
        "UPDATE audit_log SET actor = 'someone-else'",
        "DELETE FROM audit_log",
    ] {
        let err = execute(&app.store, sql)
            .await
            .expect_err("refused by the database");
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(audit(app, "").await.len(), before);
}

async fn personal_data_stays_within_scope(app: &TestApp) {
    seed(
        &app.store,
        SeedOptions {
            households: 120,
            seed: 4,
            progress: false,
        },
    )
    .await
    .expect("seed");
    // A Zhaojue household and a Yuexi village.
    let mut zhaojue = None;
    let mut yuexi_village = None;
    for id in app.store.household_ids().await.expect("ids") {
        let h = app
            .store
            .household(&domain::RecordId::parse(&id).expect("id"))
            .await
            .expect("read")
            .expect("exists");
        match &h.village.as_str()[..6] {
            "513431" if zhaojue.is_none() => zhaojue = Some(h),
            "513434" if yuexi_village.is_none() => yuexi_village = Some(h.village.to_string()),
            _ => {}
        }
    }
    let (zhaojue, village) = (zhaojue.expect("zhaojue"), yuexi_village.expect("yuexi"));
    let enumerator = app.session("enum", "enumerator", &village).await;
    let id_card = zhaojue.id_card_text().to_owned();
    let masked = zhaojue.id_card_masked();
    assert_eq!(masked.len(), 18);
    assert_eq!(&masked[..4], &id_card[..4]);
    assert_eq!(&masked[4..14], "**********");

    // Registering the same head in Yuexi: refused, pointing at nothing the enumerator may not see.
    let body = json!({
        "village": village, "registry_no": "9901", "head_name": "沙马阿果", "head_id_card": id_card,
        "phone": "13800001234", "head_sex": zhaojue.head_id_card.as_ref().expect("not erased").sex().code(), "head_ethnicity": "yi",
        "poverty_registration": "non_poor", "model": "household",
    });
    let refused = app
        .json_as(&enumerator, "POST", "/api/v1/households", body.clone())
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let issue = &refused.json()["issues"][0];
    assert_eq!(issue["rule"], "duplicate_household");
    let message = issue["zh"].as_str().expect("zh");
    assert!(message.contains(&masked), "{message}");
    assert!(!refused.body.contains(&id_card), "{}", refused.body);
    assert!(
        !refused.body.contains(zhaojue.id.as_str()),
        "no household id outside scope"
    );
    assert!(!refused.body.contains(zhaojue.village.as_str()));
    // The answer is on the record, where Zhaojue's officials see who asked.
    let probes = audit(app, "action=household.duplicate_elsewhere").await;
    assert_eq!(probes.len(), 1);
    assert_eq!(probes[0]["actor"], "enum");
    assert_eq!(probes[0]["unit_code"], zhaojue.village.as_str());
    // Four more such answers in a day, then the account's registrations pause: probing who is
    // registered where stops there, whatever number comes next.
    for _ in 0..4 {
        let again = app
            .json_as(&enumerator, "POST", "/api/v1/households", body.clone())
            .await;
        assert_eq!(again.json()["issues"][0]["rule"], "duplicate_household");
    }
    let paused = app
        .json_as(&enumerator, "POST", "/api/v1/households", body.clone())
        .await;
    assert_eq!(
        paused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        paused.body
    );
    assert_eq!(paused.json()["issues"][0]["rule"], "registration_paused");
    assert!(!paused.body.contains(&masked), "{}", paused.body);

    // An administrator gets the pointer itself.
    let admin = app.admin().await;
    let pointer = app
        .json_as(&admin, "POST", "/api/v1/households", body)
        .await;
    assert!(pointer.json()["issues"][0]["zh"]
        .as_str()
        .expect("zh")
        .contains(zhaojue.id.as_str()));

    // Within scope, the official reads names and numbers in clear; a researcher reads nothing.
    let official = app.session("off.zhaojue", "official", "513431").await;
    let detail = app
        .get_as(&official, &format!("/api/v1/households/{}", zhaojue.id))
        .await
        .json();
    assert_eq!(detail["head_id_card"], id_card);
    assert_eq!(detail["head_name"], zhaojue.head_name);
    assert_eq!(detail["personal_data"], "clear");
    let views = audit(app, "action=household.view").await;
    assert_eq!(views.len(), 1, "reading a household in clear is audited");
    assert_eq!(views[0]["actor"], "off.zhaojue");
    assert_eq!(views[0]["target"], zhaojue.id.as_str());
    let researcher = app.session("res", "researcher", "513400").await;
    let denied = app
        .get_as(&researcher, &format!("/api/v1/households/{}", zhaojue.id))
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(!denied.body.contains(&id_card) && !denied.body.contains(&zhaojue.head_name));
    // Researchers see the figures but not the households behind them.
    let explain = app
        .get_as(
            &researcher,
            &format!(
                "/api/v1/indicators/households_surveyed/explain?unit={}",
                zhaojue.village
            ),
        )
        .await
        .json();
    assert_eq!(explain["households"], serde_json::Value::Null);
    let explain = app
        .get_as(
            &official,
            &format!(
                "/api/v1/indicators/households_surveyed/explain?unit={}&wave=2019",
                zhaojue.village
            ),
        )
        .await
        .json();
    assert!(!explain["households"]
        .as_array()
        .expect("listed for the official")
        .is_empty());

    // The audit trail of a registration keeps the ID-card number and phone masked (another
    // enumerator of the village: the first one's registrations are paused).
    let colleague = app.session("enum.two", "enumerator", &village).await;
    let registered = app
        .json_as(
            &colleague,
            "POST",
            "/api/v1/households",
            json!({
                "village": village, "registry_no": "9902", "head_name": "吉克石布", "head_id_card": "513434198503070014",
                "phone": "13900002222", "head_sex": "male", "head_ethnicity": "yi",
                "poverty_registration": "general", "poverty_cause": "illness", "registration_year": 2014, "model": "collective",
            }),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    let trail = audit(app, "action=household.create").await;
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0]["actor"], "enum.two");
    assert_eq!(trail[0]["after"]["head_id_card"], "5134**********0014");
    assert_eq!(trail[0]["after"]["phone"], "139****2222");
    assert_eq!(trail[0]["unit_code"], village);
}

async fn tokens_expire_and_read_only_ones_only_read(app: &TestApp) {
    let researcher = app.session("res", "researcher", "513400").await;
    let create = |body: serde_json::Value| app.json_as(&researcher, "POST", "/api/v1/tokens", body);
    // Bad terms are field errors.
    let bad = create(json!({ "name": "x", "scope": "admin", "days": 0 })).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let issues = bad.json()["issues"].clone();
    let fields: Vec<&str> = issues
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["path"].as_str().expect("path"))
        .collect();
    assert_eq!(fields, ["scope", "days"]);
    let too_long = create(json!({ "name": "x", "days": 366 })).await;
    assert_eq!(
        too_long.json()["issues"][0]["rule"],
        "token_days",
        "{}",
        too_long.body
    );

    // By default a token reads only, for 90 days.
    let read = create(json!({ "name": "R" })).await.json();
    assert_eq!(read["token"]["read_only"], true);
    let expires = read["token"]["expires_at"].as_i64().expect("expiry");
    let days = (expires - read["token"]["created_at"].as_i64().expect("created")) / 86_400_000;
    assert_eq!(days, 90);
    let secret = read["secret"].as_str().expect("secret").to_owned();
    let with = |method: &str, path: &str, token: &str| {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({ "name": "made by a token" }).to_string()))
            .expect("request")
    };
    assert_eq!(
        app.send(with("GET", "/api/v1/me", &secret)).await.status,
        StatusCode::OK
    );
    let write = app.send(with("POST", "/api/v1/tokens", &secret)).await;
    assert_eq!(write.status, StatusCode::FORBIDDEN, "{}", write.body);
    assert_eq!(write.json()["error"], "read_only_token");

    // A read-write token may write.
    let rw = create(json!({ "name": "RW", "scope": "write", "days": 1 }))
        .await
        .json();
    assert_eq!(rw["token"]["read_only"], false);
    let rw_secret = rw["secret"].as_str().expect("secret").to_owned();
    let made = app.send(with("POST", "/api/v1/tokens", &rw_secret)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);

    // Past its expiry a token is refused, and says why.
    let id = rw["token"]["id"].as_str().expect("id").to_owned();
    let expire = format!("UPDATE api_tokens SET expires_at = 1 WHERE id = '{id}'");
    if app.db_url.starts_with("sqlite:") {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&app.db_url)
            .await
            .expect("connect");
        sqlx::query(&expire)
            .execute(&mut conn)
            .await
            .expect("expire");
    } else {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&app.db_url)
            .await
            .expect("connect");
        sqlx::query(&expire)
            .execute(&mut conn)
            .await
            .expect("expire");
    }
    let expired = app.send(with("GET", "/api/v1/me", &rw_secret)).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED, "{}", expired.body);
    assert_eq!(expired.json()["error"], "token_expired");
}

async fn a_new_password_is_neither_common_nor_one_of_the_last_five(app: &TestApp) {
    let session = app.session("res", "researcher", "513400").await;
    let change = |current: &str, new: &str| {
        let form = format!("current={current}&new={new}");
        let session = session.clone();
        async move {
            let response = app.server_fn_as(&session, "change_password", &form).await;
            assert_eq!(response.status, StatusCode::OK, "{}", response.body);
            response.json()
        }
    };
    let common = change(TEST_PASSWORD, "Woaini1314").await;
    assert_eq!(common["Err"][0]["rule"], "password_common", "{common}");
    let done = json!({ "Ok": null });
    let passwords: Vec<String> = (1..=6).map(|i| format!("Liangshan-tree-{i}-co2")).collect();
    assert_eq!(change(TEST_PASSWORD, &passwords[0]).await, done);
    assert_eq!(change(&passwords[0], &passwords[1]).await, done);
    let reused = change(&passwords[1], TEST_PASSWORD).await;
    assert_eq!(reused["Err"][0]["rule"], "password_reused", "{reused}");
    for pair in passwords[1..].windows(2) {
        assert_eq!(change(&pair[0], &pair[1]).await, done);
    }
    // Five changes later the first password has left the history.
    assert_eq!(change(&passwords[5], TEST_PASSWORD).await, done);
}

crate::on_both_backends!(
    a_new_password_is_neither_common_nor_one_of_the_last_five,
    tokens_expire_and_read_only_ones_only_read,
    sessions_expire_when_idle_or_old_and_end_at_sign_out,
    state_changing_requests_from_other_sites_are_refused,
    repeated_failed_sign_ins_make_that_source_wait,
    one_address_guessing_many_usernames_is_throttled,
    researchers_script_with_revocable_tokens,
    administrators_manage_accounts_and_every_change_is_audited,
    the_audit_log_cannot_be_rewritten,
    personal_data_stays_within_scope,
);
