//! `TestApp`: a migrated database of either backend plus the application router built on it.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use server::http::build;
use server::settings::Settings;
use server::state::AppState;
use server::storage::Store;
use tower::ServiceExt;

/// Runs one async scenario on both backends, as `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::TestApp::sqlite().await;
                super::$name(&app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::helpers::TestApp::postgres().await;
                super::$name(&app).await;
            }
        }
    )+};
}

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.body))
    }
}

pub struct TestApp {
    pub store: Store,
    pub router: Router,
    pub db_url: String,
    _dir: tempfile::TempDir,
    pg_cleanup: Option<PgCleanup>,
    admin: tokio::sync::OnceCell<Session>,
}

/// The password of every account the tests create.
pub const TEST_PASSWORD: &str = "test-password-2026";

/// A signed-in browser session: the `Cookie` header value that carries it.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("tanhui.db").display());
        TestApp::start(url, dir, None).await
    }

    pub async fn postgres() -> TestApp {
        let admin_url = pg_admin_url();
        let (base, _) = admin_url
            .rsplit_once('/')
            .unwrap_or_else(|| panic!("TANHUI_TEST_PG_URL must end in /DATABASE: {admin_url}"));
        let name = format!("tanhui_test_{}", uuid::Uuid::new_v4().simple());
        let url = format!("{base}/{name}");
        let dir = tempfile::tempdir().expect("temp dir");
        TestApp::start(url, dir, Some(PgCleanup { admin_url, name })).await
    }

    async fn start(
        db_url: String,
        dir: tempfile::TempDir,
        pg_cleanup: Option<PgCleanup>,
    ) -> TestApp {
        let store = with_test_key(
            Store::connect(&db_url)
                .await
                .expect("connect test database"),
        );
        store.migrate().await.expect("migrate test database");
        let router = router(&store, &db_url, &dir, |_| {}).await;
        TestApp {
            store,
            router,
            db_url,
            _dir: dir,
            pg_cleanup,
            admin: tokio::sync::OnceCell::new(),
        }
    }

    /// Creates an account (password [`TEST_PASSWORD`]); its scope units must exist.
    pub async fn create_account(&self, username: &str, role: &str, scopes: &str) {
        let input = app::model::NewUserInput {
            username: username.into(),
            display_name: format!("测试 {username}"),
            role: role.into(),
            scopes: scopes.into(),
            password: TEST_PASSWORD.into(),
        };
        server::service::accounts::create_user(
            &self.store,
            &app::backend::RequestViewer::default(),
            input,
        )
        .await
        .unwrap_or_else(|err| panic!("create account {username}: {err:?}"));
    }

    /// Signs in through `POST /api/v1/session`, as a browser script would.
    pub async fn sign_in(&self, username: &str, password: &str) -> Response {
        let body = serde_json::json!({ "username": username, "password": password });
        self.send(
            Request::post("/api/v1/session")
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(body.to_string()))
                .expect("request"),
        )
        .await
    }

    /// Creates an account and signs it in.
    pub async fn session(&self, username: &str, role: &str, scopes: &str) -> Session {
        self.create_account(username, role, scopes).await;
        self.session_of(username).await
    }

    /// Signs in an existing account created with [`TEST_PASSWORD`].
    pub async fn session_of(&self, username: &str) -> Session {
        let response = self.sign_in(username, TEST_PASSWORD).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "sign in {username}: {}",
            response.body
        );
        let cookie = session_cookie(&response).expect("a session cookie");
        Session { cookie }
    }

    /// The administrator `admin` (created on first use).
    pub async fn admin(&self) -> Session {
        self.admin
            .get_or_init(|| self.session("admin", "admin", ""))
            .await
            .clone()
    }

    pub async fn get_as(&self, session: &Session, path: &str) -> Response {
        self.get_with_cookie(path, &session.cookie).await
    }

    /// A same-origin JSON request with the session cookie (what the page's script sends).
    pub async fn json_as(
        &self,
        session: &Session,
        method: &str,
        path: &str,
        body: serde_json::Value,
    ) -> Response {
        self.send(
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::COOKIE, &session.cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(body.to_string()))
                .expect("request"),
        )
        .await
    }

    /// Calls a server function as the hydrated page of a signed-in reader does.
    pub async fn server_fn_as(&self, session: &Session, name: &str, form: &str) -> Response {
        let request = Request::post(format!("/sfn/{name}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, &session.cookie)
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(form.to_owned()))
            .expect("request");
        self.send(request).await
    }

    /// Sends one request through the router in-process.
    pub async fn send(&self, request: Request<Body>) -> Response {
        // A request that hangs fails the test with its name, instead of hanging the suite.
        let what = format!("{} {}", request.method(), request.uri());
        let response = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            self.router.clone().oneshot(request),
        )
        .await
        .unwrap_or_else(|_| panic!("{what} did not answer within 60 s"))
        .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("read body")
            .to_bytes();
        Response {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(Request::get(path).body(Body::empty()).expect("request"))
            .await
    }

    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> Response {
        self.send(
            Request::get(path)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    /// Calls a server function the way the hydrated page does (URL-encoded form post).
    pub async fn server_fn(&self, name: &str, form: &str) -> Response {
        let request = Request::post(format!("/sfn/{name}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(form.to_owned()))
            .expect("request");
        self.send(request).await
    }

    /// A second server instance on the same database, with its own engine (as behind a load
    /// balancer): it must see what the first one writes.
    pub async fn second_instance(&self) -> TestApp {
        self.instance_with(|_| {}).await
    }

    /// Another server instance on the same database, with settings changed by `change`
    /// (trusted proxies, the metrics addresses…).
    pub async fn instance_with(&self, change: impl FnOnce(&mut Settings)) -> TestApp {
        let store = with_test_key(
            Store::connect(&self.db_url)
                .await
                .expect("second connection"),
        );
        let router = router(&store, &self.db_url, &self._dir, change).await;
        let dir = tempfile::tempdir().expect("temp dir");
        TestApp {
            store,
            router,
            db_url: self.db_url.clone(),
            _dir: dir,
            pg_cleanup: None,
            admin: tokio::sync::OnceCell::new(),
        }
    }

    /// Serves the same router on a real loopback port; the server lives as long as the test.
    pub async fn spawn(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let router = self.router.clone();
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("serve")
        });
        addr
    }
}

/// A site root with a stylesheet, stand-ins for the JS glue and the wasm, and an icon, so
/// static serving can be tested without a release build.
pub fn site_root(dir: &tempfile::TempDir) -> PathBuf {
    let root = dir.path().join("site");
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).expect("site dir");
    let css = "body { font-family: sans-serif; }\n".repeat(200);
    std::fs::write(pkg.join("tanhui.css"), css).expect("write css");
    std::fs::write(pkg.join("tanhui.js"), "export default function init() {}\n").expect("js");
    std::fs::write(pkg.join("tanhui.wasm"), b"\0asm\x01\0\0\0").expect("wasm");
    std::fs::write(
        root.join("favicon.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .expect("icon");
    root
}

/// The application's router over `store`, with its own engine, settings changed by `change`
/// and the test site in `dir`.
async fn router(
    store: &Store,
    db_url: &str,
    dir: &tempfile::TempDir,
    change: impl FnOnce(&mut Settings),
) -> axum::Router {
    let mut settings = Settings {
        db: db_url.to_owned(),
        site_root: Some(site_root(dir)),
        // Accounts of every role sign in with the password alone unless a test asks for the
        // second factor (`second_factor.rs` does, with the defaults).
        two_factor_roles: server::settings::Roles(Vec::new()),
        ..Settings::default()
    };
    change(&mut settings);
    let engine = server::indicators::LiveEngine::load(store)
        .await
        .expect("build the indicator engine");
    let state = AppState::new(
        &settings,
        store.clone(),
        engine,
        settings.addr,
        assets(&settings),
    );
    build(state)
}

/// The surveys with `status`, each with its version.
pub async fn surveys_with(app: &TestApp, status: domain::SurveyStatus) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    for id in app.store.survey_ids().await.expect("ids") {
        let survey = app
            .store
            .survey(&domain::RecordId::parse(&id).expect("id"))
            .await
            .expect("survey")
            .expect("stored");
        if survey.status == status {
            out.push((id, survey.version));
        }
    }
    out
}

/// The bundle in the settings' site folder.
fn assets(settings: &Settings) -> std::sync::Arc<server::assets::Assets> {
    let root = settings.site_root.as_deref().expect("a site folder");
    std::sync::Arc::new(server::assets::Assets::from_folder(root).expect("site"))
}

/// `tanhui_session=…` from a response's `Set-Cookie`, ready for a `Cookie` header.
pub fn session_cookie(response: &Response) -> Option<String> {
    response
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tanhui_session=") && !v.starts_with("tanhui_session=;"))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

pub fn pg_admin_url() -> String {
    std::env::var("TANHUI_TEST_PG_URL").unwrap_or_else(|_| {
        panic!(
            "TANHUI_TEST_PG_URL is not set: PostgreSQL tests cannot run. Set it to an admin URL \
             such as postgres://postgres@127.0.0.1:5432/postgres, or skip them with `--skip postgres`."
        )
    })
}

struct PgCleanup {
    admin_url: String,
    name: String,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let Some(PgCleanup { admin_url, name }) = self.pg_cleanup.take() else {
            return;
        };
        let store = self.store.clone();
        // Drop runs inside the test's runtime: do the async clean-up on a thread of its own.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                store.close().await;
                use sqlx::{Connection, Executor};
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .expect("admin connection");
                admin
                    .execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str())
                    .await
                    .expect("drop test database");
            });
        });
        if cleanup.join().is_err() && !std::thread::panicking() {
            panic!("could not drop the test database");
        }
    }
}

/// An administrator, for scenarios about records rather than access.
pub fn admin_actor() -> &'static domain::Actor {
    static ADMIN: std::sync::OnceLock<domain::Actor> = std::sync::OnceLock::new();
    ADMIN.get_or_init(|| domain::Actor {
        user_id: "test-admin".into(),
        username: "test-admin".into(),
        display_name: "测试管理员".into(),
        role: domain::Role::Admin,
        scopes: Vec::new(),
    })
}

pub fn author() -> server::records::Author<'static> {
    server::records::Author {
        actor: admin_actor(),
        ip: None,
    }
}

/// The data key of every test database (the key-file handling of production is tested in
/// `encryption.rs`): one key, so that the same data seal alike whichever database holds them;
/// a `tanhui` run against a test database would get it as `TANHUI_DATA_KEY`.
pub const TEST_DATA_KEY: &str = "7465737420646174612b6b657920666f722074616e687569207465737473212e";

fn with_test_key(store: Store) -> Store {
    let mut master = [0u8; 32];
    for (i, byte) in master.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&TEST_DATA_KEY[2 * i..2 * i + 2], 16).expect("hex");
    }
    store.with_keys(server::storage::crypt::Keys::from_master(&master))
}
