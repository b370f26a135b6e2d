//! Server-rendered pages, static assets and compression, in-process and over a real port.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::helpers::TestApp;

async fn home_page_is_rendered_on_the_server_with_the_counties(app: &TestApp) {
    let admin = app.admin().await;
    let response = app.get_as(&admin, "/").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.headers[header::CONTENT_TYPE]
        .to_str()
        .expect("ascii")
        .starts_with("text/html"));
    let html = &response.body;
    assert!(
        html.contains("<html lang=\"zh-CN\""),
        "Chinese by default: {html}"
    );
    assert!(html.contains("森林碳汇扶贫监测评价平台"));
    // No survey waves yet: the overview says so instead of failing.
    assert!(html.contains("还没有调查轮次"));
    // The county table is resolved while rendering, in code order, with the real codes.
    let zhaojue = html.find("昭觉县").expect("Zhaojue listed");
    let yuexi = html.find("越西县").expect("Yuexi listed");
    let leibo = html.find("雷波县").expect("Leibo listed");
    assert!(zhaojue < yuexi && yuexi < leibo, "ordered by code");
    for code in ["513431", "513434", "513437"] {
        assert!(html.contains(code), "code {code} shown");
    }
    // The hydration script and the stylesheet are named by the bundle's build, and the script
    // is allowed by the page's policy through its nonce.
    let build = build_of(html);
    assert!(
        html.contains(&format!("/pkg/tanhui.{build}.js")),
        "hydration script linked"
    );
    assert!(
        html.contains(&format!("/pkg/tanhui.{build}.wasm")),
        "wasm preloaded"
    );
    assert!(
        html.contains(&format!(
            "<link rel=\"stylesheet\" href=\"/pkg/tanhui.{build}.css\""
        )),
        "stylesheet linked"
    );
    let csp = response.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy");
    assert!(nonce.len() >= 16, "{csp}");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the script carries it"
    );
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"),
        "{csp}"
    );
    assert_eq!(response.headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(response.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(response.headers[header::CACHE_CONTROL], "no-store");
    // A second render has a different nonce.
    let again = app.get_as(&admin, "/").await;
    assert!(!again.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii")
        .contains(nonce));
}

async fn pages_need_a_signed_in_account_and_admin_pages_an_administrator(app: &TestApp) {
    let anonymous = app.get("/admin/users?x=1").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(
        anonymous.headers[header::LOCATION],
        "/login?next=/admin/users%3Fx%3D1"
    );
    assert!(!anonymous.body.contains("admin"), "no page content");
    let login = app.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("name=\"password\""), "{}", login.body);
    let official = app.session("official", "official", "513400").await;
    let forbidden = app.get_as(&official, "/admin/users").await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert!(forbidden.body.contains("无权访问"));
    assert!(!forbidden.body.contains("official"), "no account data");
    let admin = app.admin().await;
    let page = app.get_as(&admin, "/admin/users").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("official"), "lists accounts");
    // Signed in: the sign-in page sends you home.
    assert_eq!(
        app.get_as(&admin, "/login").await.status,
        StatusCode::SEE_OTHER
    );
}

async fn the_language_cookie_switches_the_server_render_to_english(app: &TestApp) {
    let admin = app.admin().await;
    let response = app
        .get_with_cookie("/", &format!("theme=x; lang=en; {}", admin.cookie))
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.contains("<html lang=\"en\""));
    assert!(response
        .body
        .contains("Forest-carbon poverty-alleviation monitoring"));
    assert!(response.body.contains("Zhaojue"));
    assert!(!response.body.contains("森林碳汇扶贫监测评价平台"));
}

/// The text of the page's alerts (`role="alert"`), tags removed.
fn alerts(html: &str) -> Vec<String> {
    html.split("role=\"alert\"")
        .skip(1)
        .map(|rest| {
            let body = rest.split_once('>').map_or("", |(_, b)| b);
            let body = body.split("</p>").next().unwrap_or_default();
            let mut text = String::new();
            let mut in_tag = false;
            for c in body.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text
        })
        .collect()
}

async fn a_failure_with_three_field_issues_reads_wholly_in_english(app: &TestApp) {
    // Three bad parameters at once: a malformed unit code, a wave that does not exist and an
    // unknown risk type. The page reports all three, each in the reader's language.
    let admin = app.admin().await;
    let path = "/at-risk?unit=5134&wave=1900&reason=nonsense";
    let english = app
        .get_with_cookie(path, &format!("lang=en; {}", admin.cookie))
        .await;
    // The page still renders (its frame, the language switch), with the request's 400.
    assert_eq!(english.status, StatusCode::BAD_REQUEST, "{}", english.body);
    let shown = alerts(&english.body);
    assert_eq!(shown.len(), 1, "one alert: {shown:?}");
    let alert = &shown[0];
    for part in [
        "a unit code has 6, 9 or 12 digits, not 4",
        "there is no 1900 wave",
        "there is no risk type",
    ] {
        assert!(alert.contains(part), "{part:?} in {alert:?}");
    }
    assert!(
        !alert
            .chars()
            .any(|c| ('\u{3000}'..='\u{9fff}').contains(&c)
                || ('\u{ff00}'..='\u{ffef}').contains(&c)),
        "no Chinese in the English alert: {alert:?}"
    );
    assert!(english.body.contains("data-error=\"invalid\""));
    // The same failure in Chinese has no English sentence in it.
    let chinese = app.get_as(&admin, path).await;
    let alert = &alerts(&chinese.body)[0];
    for part in ["不是4位", "没有 1900 年的调查轮次", "风险类型"] {
        assert!(alert.contains(part), "{part:?} in {alert:?}");
    }
    assert!(!alert.contains("there is"), "{alert:?}");
}

async fn unknown_pages_are_a_real_404_in_chinese(app: &TestApp) {
    // Anonymous readers learn nothing about which paths exist: they are asked to sign in.
    assert_eq!(app.get("/no/such/page").await.status, StatusCode::SEE_OTHER);
    // The guard also covers what only the fallback renders (a trailing slash).
    assert_eq!(app.get("/admin/users/").await.status, StatusCode::SEE_OTHER);
    let admin = app.admin().await;
    let response = app.get_as(&admin, "/no/such/page").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(response.body.contains("页面不存在"));
}

/// The build id a page names its bundle by (`/pkg/tanhui.<build>.js`).
fn build_of(html: &str) -> String {
    let at = html.find("/pkg/tanhui.").expect("a bundle link") + "/pkg/tanhui.".len();
    html[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

async fn static_assets_are_served_compressed_and_cached_by_content(app: &TestApp) {
    let admin = app.admin().await;
    let build = build_of(&app.get("/login").await.body);
    assert_eq!(build.len(), 16, "{build}");
    let css = format!("/pkg/tanhui.{build}.css");
    for encoding in ["br", "gzip"] {
        let request = Request::get(&css)
            .header(header::ACCEPT_ENCODING, encoding)
            .body(Body::empty())
            .expect("request");
        let response = app.send(request).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.headers[header::CONTENT_ENCODING], encoding);
    }
    // Anonymous readers get the bundle (the sign-in page needs it), cached for a year.
    let plain = app.get(&css).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    assert!(plain.body.starts_with("body { font-family"));
    assert_eq!(
        plain.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        plain.headers[header::CONTENT_TYPE],
        "text/css; charset=utf-8"
    );
    let etag = plain.headers[header::ETAG]
        .to_str()
        .expect("ascii")
        .to_owned();
    let again = Request::get(&css)
        .header(header::IF_NONE_MATCH, &etag)
        .body(Body::empty())
        .expect("request");
    let again = app.send(again).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let wasm = app.get(&format!("/pkg/tanhui.{build}.wasm")).await;
    assert_eq!(wasm.status, StatusCode::OK);
    assert_eq!(wasm.headers[header::CONTENT_TYPE], "application/wasm");
    // Names without the build, or of another build, are not served: a page can only load
    // the files of the build that rendered it.
    for stale in [
        "/pkg/tanhui.css",
        "/pkg/tanhui.0123456789abcdef.js",
        "/pkg/other.js",
    ] {
        let response = app.get(stale).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{stale}");
        assert_eq!(
            response.headers[header::CACHE_CONTROL],
            "no-store",
            "{stale}"
        );
    }
    // A file outside pkg keeps its name and is revalidated, not cached blindly.
    let icon = app.get("/favicon.svg").await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.headers[header::CACHE_CONTROL], "no-cache");
    assert_eq!(icon.headers[header::CONTENT_TYPE], "image/svg+xml");
    // Pages stay private.
    let page = app.get_as(&admin, "/").await;
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
}

async fn serves_over_a_real_port(app: &TestApp) {
    let admin = app.admin().await;
    let addr = app.spawn().await;
    let client = reqwest::Client::new();
    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .expect("GET /healthz");
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    let page = client
        .get(format!("http://{addr}/"))
        .header("cookie", &admin.cookie)
        .send()
        .await
        .expect("GET /");
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    assert!(page.text().await.expect("body").contains("雷波县"));
}

crate::on_both_backends!(
    home_page_is_rendered_on_the_server_with_the_counties,
    the_language_cookie_switches_the_server_render_to_english,
    unknown_pages_are_a_real_404_in_chinese,
    static_assets_are_served_compressed_and_cached_by_content,
    serves_over_a_real_port,
    pages_need_a_signed_in_account_and_admin_pages_an_administrator,
    a_failure_with_three_field_issues_reads_wholly_in_english,
);
