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
        assert!(String::from_utf8_lossy(&output.stdout).contains("schema version 20261124000004"));
    }
    assert!(db.exists());
}

#[test]
fn serve_answers_then_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("tanhui.db").display());
    let mut child = Command::new(TANHUI)
        .args(["serve", "--db", &url, "--addr", "127.0.0.1:0"])
        .env("TANHUI_SITE_ROOT", dir.path())
        .env("TANHUI_DEMO_HOUSEHOLDS", "50")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tanhui serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let started = Instant::now();
    let addr = loop {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        let line = lines
            .next()
            .expect("server printed its address")
            .expect("utf-8 line");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().expect("address").to_owned();
        }
    };

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

    // The empty database was given the demo data set, and everything was written out.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let store = server::storage::Store::connect(&url).await.expect("reopen");
        assert_eq!(store.count_households().await.expect("count"), 50);
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
