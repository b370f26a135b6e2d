//! Two-step verification: enrolment on the account page's server functions, the sign-in's
//! second step (code, recovery code, replay, throttling), the roles that must enrol before
//! anything else, and an administrator's reset — on both backends.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use server::auth::totp;
use server::storage::{now_ms, AuditFilter};

use crate::helpers::{Response, Session, TestApp, TEST_PASSWORD};

/// The `name=value` of a `Set-Cookie` header for `name`, if the response set it.
fn cookie_set(response: &Response, name: &str) -> Option<String> {
    response
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")) && !v.contains("Max-Age=0"))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

/// The six-digit code of `secret` (base32, as the enrolment shows it) `ahead` steps from now.
fn code(secret: &str, ahead: i64) -> String {
    let bytes = totp::from_base32(secret).expect("base32 secret");
    format!(
        "{:06}",
        totp::code_at_step(&bytes, totp::step_of(now_ms()) + ahead)
    )
}

/// Enrols an authenticator for `session` and returns its secret and recovery codes.
async fn enrol(app: &TestApp, session: &Session) -> (String, Vec<String>) {
    let started = app.server_fn_as(session, "start_second_factor", "").await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let enrolment = started.json()["Ok"].clone();
    let secret = enrolment["secret"].as_str().expect("secret").to_owned();
    assert!(enrolment["qr_svg"].as_str().expect("svg").contains("<svg"));
    assert!(enrolment["otpauth_uri"]
        .as_str()
        .expect("uri")
        .starts_with("otpauth://totp/Tanhui:"));

    let wrong = app
        .server_fn_as(session, "confirm_second_factor", "code=000000")
        .await;
    let wrong_json = wrong.json();
    // A lucky guess is one in a million; the field issue names the code either way.
    if wrong_json.get("Err").is_some() {
        assert_eq!(wrong_json["Err"][0]["rule"], "wrong_code", "{}", wrong.body);
    }

    let confirmed = app
        .server_fn_as(
            session,
            "confirm_second_factor",
            &format!("code={}", code(&secret, 0)),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let codes: Vec<String> = serde_json::from_value(confirmed.json()["Ok"].clone())
        .unwrap_or_else(|err| panic!("recovery codes ({err}): {}", confirmed.body));
    assert_eq!(codes.len(), totp::RECOVERY_CODES);
    (secret, codes)
}

/// The TOTP secrets as stored, read past the application.
async fn stored_secrets(app: &TestApp) -> Vec<String> {
    use sqlx::Connection;
    let select = "SELECT secret FROM second_factors";
    if app.db_url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&app.db_url)
            .await
            .expect("connect");
        sqlx::query_scalar(select)
            .fetch_all(&mut conn)
            .await
            .expect("read")
    } else {
        let mut conn = sqlx::PgConnection::connect(&app.db_url)
            .await
            .expect("connect");
        sqlx::query_scalar(select)
            .fetch_all(&mut conn)
            .await
            .expect("read")
    }
}

async fn second_step(app: &TestApp, pending: &str, code: &str) -> Response {
    app.send(
        Request::post("/api/v1/session/second-factor")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, pending)
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(serde_json::json!({ "code": code }).to_string()))
            .expect("request"),
    )
    .await
}

/// Signs in with the password; the answer asks for the second factor and holds the pending
/// cookie (no session).
async fn first_step(app: &TestApp, username: &str) -> String {
    let response = app.sign_in(username, TEST_PASSWORD).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json()["second_factor_required"], true);
    assert!(
        cookie_set(&response, "tanhui_session").is_none(),
        "no session before the code"
    );
    cookie_set(&response, "tanhui_pending").expect("pending cookie")
}

async fn an_enrolled_account_signs_in_with_a_code_or_a_recovery_code_once(app: &TestApp) {
    let admin = app.admin().await;
    let (secret, codes) = enrol(app, &admin).await;
    // The secret is sealed with the data key: a copied database signs nobody in.
    let stored = stored_secrets(app).await;
    assert_eq!(stored.len(), 1);
    assert!(stored[0].starts_with("v1."), "{}", stored[0]);
    assert!(!stored[0].contains(&secret.replace(' ', "")));
    let status = app.server_fn_as(&admin, "my_second_factor", "").await;
    assert_eq!(status.json()["enrolled"], true, "{}", status.body);
    assert_eq!(status.json()["recovery_codes_left"], 10);

    // The password alone opens nothing.
    let pending = first_step(app, "admin").await;
    let me = app.get_with_cookie("/api/v1/me", &pending).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{}", me.body);

    // A wrong code, and the enrolment's own code again (its time step is used up).
    let wrong = second_step(app, &pending, "12345x").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);
    assert_eq!(wrong.json()["error"], "wrong_code");
    let replayed = second_step(app, &pending, &code(&secret, -1)).await;
    assert_eq!(
        replayed.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        replayed.body
    );

    // The next step's code (a phone's clock a little ahead) signs in, once.
    let ok = second_step(app, &pending, &code(&secret, 1)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let session = cookie_set(&ok, "tanhui_session").expect("session");
    assert_eq!(
        app.get_with_cookie("/api/v1/me", &session).await.status,
        StatusCode::OK
    );
    let again = second_step(app, &pending, &code(&secret, 1)).await;
    assert_eq!(again.json()["error"], "sign_in_expired", "{}", again.body);

    // A recovery code works once, typed in capitals with spaces.
    let pending = first_step(app, "admin").await;
    let typed = codes[3].to_uppercase().replace('-', " ");
    let ok = second_step(app, &pending, &typed).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let pending = first_step(app, "admin").await;
    let reused = second_step(app, &pending, &codes[3]).await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED, "{}", reused.body);
    assert_eq!(reused.json()["error"], "wrong_code");

    let logins = app
        .store
        .audit(&AuditFilter {
            action: Some("login.ok".into()),
            target: Some("admin".into()),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(
        logins[0].after.as_ref().expect("detail")["second_factor"],
        "recovery_code"
    );
    assert_eq!(
        logins[0].after.as_ref().expect("detail")["recovery_codes_left"],
        9
    );
    assert_eq!(
        logins[1].after.as_ref().expect("detail")["second_factor"],
        "totp"
    );
    let enrolled = app
        .store
        .audit(&AuditFilter {
            action: Some("second_factor.enrol".into()),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(enrolled.len(), 1);
}

async fn wrong_codes_are_failed_sign_ins_and_get_throttled(app: &TestApp) {
    let admin = app.admin().await;
    enrol(app, &admin).await;
    let pending = first_step(app, "admin").await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(second_step(app, &pending, "abcde-fghjk").await.status);
    }
    assert_eq!(&statuses[..5], &[StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
}

async fn a_role_that_needs_it_enrols_before_anything_else(app: &TestApp) {
    app.create_account("li.official", "official", "513431")
        .await;
    // The defaults: administrators and officials.
    let strict = app
        .instance_with(|s| {
            s.two_factor_roles = server::settings::Settings::default().two_factor_roles
        })
        .await;
    let session = strict.session_of("li.official").await;
    let api = strict.get_as(&session, "/api/v1/catalogue").await;
    assert_eq!(api.status, StatusCode::FORBIDDEN, "{}", api.body);
    assert_eq!(api.json()["error"], "second_factor_required");
    let page = strict.get_as(&session, "/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers[header::LOCATION], "/account?enrol=1");
    let server_fn = strict.server_fn_as(&session, "home_units", "").await;
    assert_eq!(
        server_fn.status,
        StatusCode::FORBIDDEN,
        "{}",
        server_fn.body
    );
    let status = strict.server_fn_as(&session, "my_second_factor", "").await;
    assert_eq!(status.json()["required"], true, "{}", status.body);
    let account = strict.get_as(&session, "/account?enrol=1").await;
    assert_eq!(account.status, StatusCode::OK);

    let (secret, _) = enrol(&strict, &session).await;
    assert_eq!(
        strict.get_as(&session, "/api/v1/catalogue").await.status,
        StatusCode::OK
    );
    // It cannot be turned off by its holder.
    let off = strict
        .server_fn_as(
            &session,
            "disable_second_factor",
            &format!("code={}", code(&secret, 1)),
        )
        .await;
    assert_eq!(
        off.json()["Err"][0]["rule"],
        "second_factor_required",
        "{}",
        off.body
    );
    // A researcher's role does not need one.
    strict
        .create_account("a.researcher", "researcher", "513400")
        .await;
    let researcher = strict.session_of("a.researcher").await;
    assert_eq!(
        strict.get_as(&researcher, "/exports").await.status,
        StatusCode::OK
    );
}

async fn an_administrator_resets_a_lost_authenticator_but_not_their_own(app: &TestApp) {
    let admin = app.admin().await;
    let lost = app.session("wang.lost", "researcher", "513400").await;
    enrol(app, &lost).await;
    enrol(app, &admin).await;
    let users = app.server_fn_as(&admin, "admin_users", "").await;
    let find = |name: &str| {
        users
            .json()
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["username"] == name)
            .cloned()
            .expect("user")
    };
    let lost_id = find("wang.lost")["id"].as_str().expect("id").to_owned();
    let admin_id = find("admin")["id"].as_str().expect("id").to_owned();
    assert_eq!(find("wang.lost")["second_factor"], true);

    let own = app
        .server_fn_as(
            &admin,
            "admin_reset_second_factor",
            &format!("id={admin_id}"),
        )
        .await;
    assert_eq!(
        own.json()["Err"][0]["rule"],
        "own_second_factor",
        "{}",
        own.body
    );
    let by_researcher = app
        .server_fn_as(
            &lost,
            "admin_reset_second_factor",
            &format!("id={admin_id}"),
        )
        .await;
    assert_eq!(by_researcher.status, StatusCode::FORBIDDEN);

    let reset = app
        .server_fn_as(
            &admin,
            "admin_reset_second_factor",
            &format!("id={lost_id}"),
        )
        .await;
    assert_eq!(reset.json()["Ok"]["second_factor"], false, "{}", reset.body);
    // The password alone signs in again.
    let back = app.sign_in("wang.lost", TEST_PASSWORD).await;
    assert!(
        cookie_set(&back, "tanhui_session").is_some(),
        "{}",
        back.body
    );
    let audit = app
        .store
        .audit(&AuditFilter {
            action: Some("second_factor.reset".into()),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "admin");
    assert_eq!(audit[0].target.as_deref(), Some("wang.lost"));
}

async fn the_form_sign_in_goes_through_the_code_page(app: &TestApp) {
    let admin = app.admin().await;
    let (secret, _) = enrol(app, &admin).await;
    let form = |path: &str, body: String, cookie: Option<&str>| {
        let mut request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.body(Body::from(body)).expect("request")
    };
    let first = app
        .send(form(
            "/login",
            format!("username=admin&password={TEST_PASSWORD}&next=%2Fadmin%2Fusers"),
            None,
        ))
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(
        first.headers[header::LOCATION],
        "/login/second-factor?next=/admin/users"
    );
    let pending = cookie_set(&first, "tanhui_pending").expect("pending cookie");
    let page = app
        .get_with_cookie("/login/second-factor?next=%2Fadmin%2Fusers", &pending)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("second-factor-form"), "{}", page.body);

    let wrong = app
        .send(form(
            "/login/second-factor",
            "code=000001&next=%2Fadmin%2Fusers".into(),
            Some(&pending),
        ))
        .await;
    let location = wrong.headers[header::LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    // (A one-in-a-million right guess would land on the users page.)
    if location.starts_with("/login") {
        assert_eq!(
            location,
            "/login/second-factor?error=code&next=/admin/users"
        );
    }
    let ok = app
        .send(form(
            "/login/second-factor",
            format!("code={}&next=%2Fadmin%2Fusers", code(&secret, 1)),
            Some(&pending),
        ))
        .await;
    assert_eq!(ok.headers[header::LOCATION], "/admin/users");
    assert!(cookie_set(&ok, "tanhui_session").is_some());
    // Without a pending sign-in the code page sends the reader back to the password.
    let stale = app
        .send(form(
            "/login/second-factor",
            "code=123456".into(),
            Some(&pending),
        ))
        .await;
    assert_eq!(
        stale.headers[header::LOCATION],
        "/login?error=expired&next=/"
    );
}

crate::on_both_backends!(
    an_enrolled_account_signs_in_with_a_code_or_a_recovery_code_once,
    wrong_codes_are_failed_sign_ins_and_get_throttled,
    a_role_that_needs_it_enrols_before_anything_else,
    an_administrator_resets_a_lost_authenticator_but_not_their_own,
    the_form_sign_in_goes_through_the_code_page,
);
