//! The real `tanhui` binary: help, migrate, serve, and a clean stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TANHUI: &str = env!("CARGO_BIN_EXE_tanhui");

#[test]
fn help_lists_the_commands() {
    let output = Command::new(TANHUI)
        .arg("--help")
        .output()
        .expect("run tanhui --help");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for command in ["serve", "migrate"] {
        assert!(text.contains(command), "{command} in help: {text}");
    }
}

#[test]
fn an_unknown_database_scheme_is_a_clear_error() {
    let output = Command::new(TANHUI)
        .args(["migrate", "--db", "mysql://localhost/tanhui"])
        .env_remove("TANHUI_CONFIG")
        .output()
        .expect("run tanhui migrate");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("use sqlite://PATH or postgres://"),
        "{stderr}"
    );
}

#[test]
fn migrate_creates_the_sqlite_file_and_its_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("nested/folder/tanhui.db");
    let url = format!("sqlite://{}", db.display());
    for _ in 0..2 {
        let output = Command::new(TANHUI)
            .args(["migrate", "--db", &url])
            .output()
            .expect("run tanhui migrate");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stdout).contains("schema version 20261208000016"));
    }
    assert!(db.exists());
}

#[test]
fn serve_answers_then_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("tanhui.db").display());
    let log_path = dir.path().join("server.log");
    let log_file = std::fs::File::create(&log_path).expect("log file");
    let mut child = Command::new(TANHUI)
        .args(["serve", "--db", &url, "--addr", "127.0.0.1:0"])
        .env("TANHUI_SITE_ROOT", crate::helpers::site_root(&dir))
        .env("TANHUI_DEMO", "true")
        .env("TANHUI_DEMO_HOUSEHOLDS", "50")
        .env("TANHUI_LOG", "debug")
        .env("TANHUI_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log_file))
        .spawn()
        .expect("spawn tanhui serve");
    let (addr, mut lines) = address_of(&mut child);

    let health = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &format!("http://{addr}/healthz"),
        ])
        .output();
    // curl is on every Debian machine this runs on; fall back to a raw request if not.
    let status = match health {
        Ok(output) if output.status.success() => {
            String::from_utf8_lossy(&output.stdout).into_owned()
        }
        _ => raw_get_status(&addr, "/healthz"),
    };
    assert_eq!(status, "200");

    // The demo accounts are announced on standard output.
    let mut announced = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("utf-8 line");
        let done = line.trim_start().starts_with("researcher");
        announced.push(line);
        if done {
            break;
        }
    }
    let announced = announced.join("\n");
    assert!(
        announced.contains("password 密码: tanhui-demo-2026"),
        "{announced}"
    );
    for username in [
        "admin",
        "official.yuexi",
        "supervisor",
        "enumerator",
        "researcher",
    ] {
        assert!(announced.contains(username), "{username}: {announced}");
    }

    // An enumerator signs in and registers a household: names, ID-card numbers, phones and
    // passwords must not reach the log, even at debug level.
    let id_card = "513434198503070014";
    let (head_name, phone) = ("吉克石布", "13900002222");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let village = runtime.block_on(async {
        let store = server::storage::Store::connect(&url).await.expect("open");
        let users = store.users().await.expect("users");
        store.close().await;
        users
            .iter()
            .find(|u| u.username == "enumerator")
            .expect("demo enumerator")
            .scopes[0]
            .to_string()
    });
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let origin = format!("http://{addr}");
        let login = client
            .post(format!("{origin}/api/v1/session"))
            .header("origin", &origin)
            .json(&serde_json::json!({ "username": "enumerator", "password": "tanhui-demo-2026" }))
            .send()
            .await
            .expect("sign in");
        assert_eq!(login.status(), reqwest::StatusCode::OK);
        let cookie = login
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("cookie")
            .to_owned();
        let registered = client
            .post(format!("{origin}/api/v1/households"))
            .header("origin", &origin)
            .header("cookie", &cookie)
            .json(&serde_json::json!({
                "village": village, "registry_no": "9902", "head_name": head_name,
                "head_id_card": id_card, "phone": phone, "head_sex": "male", "head_ethnicity": "yi",
                "poverty_registration": "general", "poverty_cause": "illness", "registration_year": 2014,
                "model": "collective",
            }))
            .send()
            .await
            .expect("register");
        assert_eq!(registered.status(), reqwest::StatusCode::CREATED);
        // Its request id, to find in the log below.
        let request_id = registered.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        std::fs::write(dir.path().join("request-id"), request_id).expect("keep the id");
        // And once more: refused as a duplicate (a logged 4xx path).
        let again = client
            .post(format!("{origin}/api/v1/households"))
            .header("origin", &origin)
            .header("cookie", &cookie)
            .json(&serde_json::json!({ "village": village, "head_id_card": id_card }))
            .send()
            .await
            .expect("register again");
        assert_eq!(again.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
        let session = cookie.trim_start_matches("tanhui_session=").to_owned();
        std::fs::write(dir.path().join("session"), session).expect("keep the token");
    });

    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("send SIGTERM");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "server did not stop within 15 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "clean exit after SIGTERM, got {exit:?}");

    let log = std::fs::read_to_string(&log_path).expect("read log");
    assert!(log.contains("listening"), "the log was captured: {log}");
    // The request's log lines carry the id its response header gave, and its route template.
    let request_id = std::fs::read_to_string(dir.path().join("request-id")).expect("id");
    let lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains(&request_id))
        .collect();
    assert!(!lines.is_empty(), "{request_id} not in the log: {log}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"route\":\"/api/v1/households\"")),
        "{lines:?}"
    );
    let session = std::fs::read_to_string(dir.path().join("session")).expect("token");
    for secret in [
        id_card,
        &id_card[6..14],
        head_name,
        phone,
        "tanhui-demo-2026",
        session.as_str(),
    ] {
        assert!(!log.contains(secret), "{secret} leaked into the log");
    }

    // The empty database was given the demo data set, and everything was written out.
    runtime.block_on(async {
        let store = server::storage::Store::connect(&url).await.expect("reopen");
        assert_eq!(store.count_households().await.expect("count"), 51);
        assert_eq!(store.count_surveys().await.expect("count"), 200);
        store.close().await;
    });
}

#[test]
fn seed_reports_what_it_wrote_and_refuses_a_database_that_has_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("seeded.db").display());
    let seed = || {
        Command::new(TANHUI)
            .args(["seed", "--db", &url, "--households", "120", "--seed", "3"])
            .output()
    };
    let first = seed().expect("run tanhui seed");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("seeded 120 households, 480 surveys"));
    let second = seed().expect("run tanhui seed again");
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("already holds 120 households"));
}

#[test]
fn export_commands_write_tables_and_micro_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("export.db").display());
    let seeded = Command::new(TANHUI)
        .args(["seed", "--db", &url, "--households", "120", "--seed", "3"])
        .output()
        .expect("seed");
    assert!(seeded.status.success());
    let table = Command::new(TANHUI)
        .args([
            "export",
            "indicators",
            "--db",
            &url,
            "--unit",
            "513434",
            "--wave",
            "2021",
        ])
        .args(["--by", "model", "--indicator", "per_capita_net_income"])
        .output()
        .expect("export indicators");
    assert!(
        table.status.success(),
        "{}",
        String::from_utf8_lossy(&table.stderr)
    );
    let text = String::from_utf8_lossy(&table.stdout);
    // One line per programme group: collective, household, comparison, non-enrolled.
    assert_eq!(text.lines().count(), 1 + 4, "{text}");
    assert!(text
        .lines()
        .nth(1)
        .expect("line")
        .starts_with("513434,越西县,Yuexi,2021,collective,"));
    let bad = Command::new(TANHUI)
        .args(["export", "indicators", "--db", &url, "--by", "colour"])
        .output()
        .expect("export indicators");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--by: 不能按“colour”分组"));

    let out = dir.path().join("micro");
    let micro = Command::new(TANHUI)
        .args(["export", "microdata", "--db", &url, "--out"])
        .arg(&out)
        .output()
        .expect("export microdata");
    assert!(
        micro.status.success(),
        "{}",
        String::from_utf8_lossy(&micro.stderr)
    );
    for file in [
        "households_by_wave.csv",
        "members_by_wave.csv",
        "plots.csv",
        "codebook.csv",
        "codebook.json",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
}

#[test]
fn user_add_creates_accounts_for_scripts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("users.db").display());
    let migrate = Command::new(TANHUI)
        .args(["migrate", "--db", &url])
        .output()
        .expect("migrate");
    assert!(migrate.status.success());
    let add = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = Command::new(TANHUI)
            .args(["user", "add", "--db", &url])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write");
        child.wait_with_output().expect("wait")
    };
    let ok = add(
        &[
            "--username",
            "yuexi.office",
            "--role",
            "official",
            "--scope",
            "513434",
            "--password-stdin",
        ],
        "越西办公室-2026-pass\n",
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout)
        .contains("created yuexi.office (official, scope 513434)"));

    let generated = add(&["--username", "root", "--role", "admin"], "");
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let stdout = String::from_utf8_lossy(&generated.stdout);
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("one-time password 一次性密码: "))
        .expect("a one-time password");
    assert_eq!(password.len(), 16);

    // Mistakes are named, in Chinese and English, and nothing is created.
    let bad = add(
        &[
            "--username",
            "x",
            "--role",
            "supervisor",
            "--scope",
            "513434",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    for expected in [
        "username:",
        "scopes:",
        "审核员的管辖单位只能是乡镇",
        "password:",
    ] {
        assert!(stderr.contains(expected), "{expected} in {stderr}");
    }
    let duplicate = add(&["--username", "root", "--role", "admin"], "");
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("该用户名已被使用"));

    let list = Command::new(TANHUI)
        .args(["user", "list", "--db", &url])
        .output()
        .expect("list");
    let listed = String::from_utf8_lossy(&list.stdout);
    assert_eq!(
        listed.lines().collect::<Vec<_>>(),
        [
            "root\tadmin\t\tactive",
            "yuexi.office\tofficial\t513434\tactive"
        ]
    );
}

#[test]
fn a_fresh_install_without_demo_data_prints_a_one_time_admin_password() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("fresh.db").display());
    let mut child = Command::new(TANHUI)
        .args(["serve", "--db", &url, "--addr", "127.0.0.1:0"])
        .env("TANHUI_SITE_ROOT", crate::helpers::site_root(&dir))
        .env_remove("TANHUI_DEMO")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tanhui serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut password = None;
    for _ in 0..5 {
        let line = lines.next().expect("a line").expect("utf-8");
        if let Some(rest) = line.split("one-time password ").nth(1) {
            password = rest.split_whitespace().next().map(str::to_owned);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let password = password.expect("a one-time password on standard output");
    assert_eq!(password.len(), 16);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let store = server::storage::Store::connect(&url).await.expect("open");
        let admin = store
            .user_by_username("admin")
            .await
            .expect("read")
            .expect("created");
        assert!(admin.must_change_password);
        assert!(server::auth::password::verify(
            &admin.password_hash,
            &password
        ));
        assert_eq!(
            store.count_households().await.expect("count"),
            0,
            "no demo data"
        );
        store.close().await;
    });
}

#[test]
fn a_real_database_never_gets_the_demo_accounts() {
    // Real units and a household, no accounts yet, default settings (demo data on): the data is
    // not the demo's, so no account with the published demo password may appear.
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("real.db").display());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let store = server::storage::Store::connect(&url).await.expect("open");
        store.migrate().await.expect("migrate");
        let unit = |code: &str, name: &str| domain::AdminUnit {
            code: domain::UnitCode::parse(code).expect("code"),
            name_zh: name.into(),
            name_pinyin: String::new(),
            valid_from: None,
            name_ii: String::new(),
            valid_to: None,
            successor: None,
            synthetic: false,
        };
        let batch = server::storage::Batch {
            units: vec![unit("513434210", "大屯乡"), unit("513434210201", "阿普村")],
            households: vec![crate::records::household()],
            ..server::storage::Batch::default()
        };
        store.write(&batch).await.expect("real data");
        store.close().await;
    });
    let mut child = Command::new(TANHUI)
        .args(["serve", "--db", &url, "--addr", "127.0.0.1:0", "--demo"])
        .env("TANHUI_SITE_ROOT", crate::helpers::site_root(&dir))
        .env("TANHUI_DEMO", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tanhui serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed = String::new();
    for _ in 0..3 {
        let line = lines.next().expect("a line").expect("utf-8");
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("one-time password") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(printed.contains("one-time password"), "{printed}");
    assert!(printed.contains("--demo ignored"), "{printed}");
    assert!(!printed.contains("tanhui-demo-2026"), "{printed}");
    runtime.block_on(async {
        let store = server::storage::Store::connect(&url).await.expect("open");
        let users = store.users().await.expect("users");
        assert_eq!(users.len(), 1, "only the first administrator");
        assert!(users[0].must_change_password);
        assert!(!server::auth::password::verify(
            &users[0].password_hash,
            "tanhui-demo-2026"
        ));
        assert_eq!(
            store.count_households().await.expect("count"),
            1,
            "no demo data added"
        );
        store.close().await;
    });
}

type Printed = std::io::Lines<BufReader<std::process::ChildStdout>>;

/// Waits for `tanhui serve` to print its address; returns it and the lines it prints next.
fn address_of(child: &mut std::process::Child) -> (String, Printed) {
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        let line = lines
            .next()
            .expect("server printed its address")
            .expect("utf-8 line");
        if let Some(rest) = line.split("http://").nth(1) {
            return (rest.split('/').next().expect("address").to_owned(), lines);
        }
    }
}

fn stop(child: &mut std::process::Child) {
    let pid = child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("send SIGTERM");
    let status = child.wait().expect("wait");
    assert!(status.success(), "clean exit after SIGTERM, got {status:?}");
}

#[test]
fn serve_without_a_site_says_how_to_get_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let output = Command::new(TANHUI)
        .args(["serve", "--db", &url, "--addr", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("TANHUI_SITE_ROOT")
        .env_remove("TANHUI_CONFIG")
        .output()
        .expect("run tanhui serve");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("carries no site"), "{stderr}");
    assert!(stderr.contains("TANHUI_SITE_ROOT"), "{stderr}");
    // A site folder without the wasm bundle is refused too, naming what is missing.
    let half = dir.path().join("half");
    std::fs::create_dir_all(half.join("pkg")).expect("dir");
    std::fs::write(half.join("pkg/tanhui.css"), "body{}").expect("css");
    let output = Command::new(TANHUI)
        .args(["serve", "--db", &url, "--addr", "127.0.0.1:0"])
        .env("TANHUI_SITE_ROOT", &half)
        .output()
        .expect("run tanhui serve");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("pkg/tanhui.js, pkg/tanhui.wasm"),
        "{stderr}"
    );
    assert!(!dir.path().join("t.db").exists(), "nothing was created");
}

#[test]
fn a_bundled_binary_serves_its_own_site_from_anywhere() {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = crate::helpers::site_root(&dir);
    let srv = dir.path().join("srv");
    std::fs::create_dir_all(&srv).expect("dir");
    let bundled = srv.join("tanhui");
    let output = Command::new(TANHUI)
        .args(["bundle", "--site"])
        .arg(&site)
        .arg("--out")
        .arg(&bundled)
        .output()
        .expect("run tanhui bundle");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    let build = printed
        .split("site build ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a build id")
        .to_owned();
    let check = Command::new(&bundled)
        .args(["bundle", "--check"])
        .output()
        .expect("check");
    let listed = String::from_utf8_lossy(&check.stdout);
    assert!(
        listed.contains(&format!("/pkg/tanhui.{build}.wasm")),
        "{listed}"
    );
    // A bundle of an incomplete site is refused.
    std::fs::remove_file(site.join("pkg/tanhui.wasm")).expect("rm");
    let refused = Command::new(TANHUI)
        .args(["bundle", "--site"])
        .arg(&site)
        .arg("--out")
        .arg(dir.path().join("other"))
        .output()
        .expect("run tanhui bundle");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("pkg/tanhui.wasm"));
    std::fs::remove_dir_all(&site).expect("the site folder is gone");

    let url = format!("sqlite://{}", srv.join("tanhui.db").display());
    let mut child = Command::new(&bundled)
        .args(["serve", "--db", &url, "--addr", "127.0.0.1:0"])
        .current_dir(&srv)
        .env_remove("TANHUI_SITE_ROOT")
        .env_remove("TANHUI_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let (addr, _printed) = address_of(&mut child);
    assert_eq!(
        raw_get_status(&addr, &format!("/pkg/tanhui.{build}.wasm")),
        "200"
    );
    assert_eq!(raw_get_status(&addr, "/pkg/tanhui.wasm"), "404");
    assert_eq!(raw_get_status(&addr, "/favicon.svg"), "200");
    stop(&mut child);
}

#[test]
fn a_database_from_a_newer_tanhui_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let migrate = Command::new(TANHUI)
        .args(["migrate", "--db", &url])
        .output()
        .expect("migrate");
    assert!(migrate.status.success());
    // What a later release's migration would have left.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let store = server::storage::Store::connect(&url).await.expect("open");
        if let server::storage::Store::Sqlite { pool, .. } = &store {
            sqlx::query(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                 VALUES (29991231000000, 'from the future', 1, X'00', 1)",
            )
            .execute(pool)
            .await
            .expect("insert");
        }
        store.close().await;
    });
    let before = std::fs::read(dir.path().join("t.db")).expect("read");
    for args in [
        vec!["migrate", "--db", &url],
        vec!["serve", "--db", &url, "--addr", "127.0.0.1:0"],
    ] {
        let output = Command::new(TANHUI)
            .args(&args)
            .env("TANHUI_SITE_ROOT", crate::helpers::site_root(&dir))
            .output()
            .expect("run");
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("last used by a newer Tanhui (schema 29991231000000"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(
        std::fs::read(dir.path().join("t.db")).expect("read"),
        before
    );
}

#[test]
fn serve_takes_scheduled_backups_that_restore_and_keeps_the_schedule_across_restarts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("county.db").display());
    let backups = dir.path().join("backups");
    let start = || {
        Command::new(TANHUI)
            .args(["serve", "--db", &url, "--addr", "127.0.0.1:0"])
            .env("TANHUI_SITE_ROOT", crate::helpers::site_root(&dir))
            .env("TANHUI_DEMO", "true")
            .env("TANHUI_DEMO_HOUSEHOLDS", "40")
            .env("TANHUI_BACKUP_DIR", &backups)
            .env("TANHUI_BACKUP_EVERY", "1h")
            .env("TANHUI_BACKUP_KEEP", "3")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn tanhui serve")
    };
    let files = || server::service::backups::list(&backups).expect("list");
    let mut child = start();
    let _printed = address_of(&mut child);
    let started = Instant::now();
    while files().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no backup within a minute"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    stop(&mut child);
    let taken = files();
    assert_eq!(taken.len(), 1, "{taken:?}");
    let file = backups.join(&taken[0].name);
    let digest = |args: &[&str]| {
        let output = Command::new(TANHUI).args(args).output().expect("digest");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    let of_file = digest(&["digest", file.to_str().expect("path")]);
    assert_eq!(
        of_file,
        digest(&["digest", "--db", &url]),
        "nothing was written since"
    );
    let target = format!("sqlite://{}", dir.path().join("restored.db").display());
    let restore = Command::new(TANHUI)
        .args(["restore", "--db", &target])
        .arg(&file)
        .output()
        .expect("restore");
    assert!(
        restore.status.success(),
        "{}",
        String::from_utf8_lossy(&restore.stderr)
    );
    assert_eq!(digest(&["digest", "--db", &target]), of_file);

    // A restart within the hour takes no second backup: the next is due an hour after the
    // newest in the folder.
    let mut child = start();
    let _printed = address_of(&mut child);
    std::thread::sleep(Duration::from_secs(3));
    stop(&mut child);
    assert_eq!(files().len(), 1);
}

fn raw_get_status(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}
