//! Backups that restore: taken while surveys are being reviewed, restored into either backend,
//! checked by the content digest, the figures and the micro-data's pseudonyms; refused into a
//! database that holds data, and refused whole when the file is cut short or damaged.

use std::io::{Read, Write};

use sha2::Digest as _;
use std::path::Path;
use std::process::Command;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use domain::SurveyStatus;
use server::seed::{seed, SeedOptions};
use server::storage::backup::{self, BackupError};
use tower::ServiceExt;

use crate::helpers::{surveys_with, TestApp};

const SMALL: SeedOptions = SeedOptions {
    households: 240,
    seed: 11,
    progress: false,
};

/// A fresh, migrated database of the same backend as `app`.
async fn fresh_like(app: &TestApp) -> TestApp {
    match app.store.backend_name() {
        "sqlite" => TestApp::sqlite().await,
        _ => TestApp::postgres().await,
    }
}

/// Submitted surveys with their versions: the writer approves them while a backup runs.
async fn submitted(app: &TestApp) -> Vec<(String, i32)> {
    surveys_with(app, SurveyStatus::Submitted).await
}

async fn approved(app: &TestApp) -> usize {
    surveys_with(app, SurveyStatus::Approved).await.len()
}

async fn rows(app: &TestApp, table: &'static str) -> usize {
    usize::try_from(app.store.count_rows(table).await.expect("count")).expect("count")
}

async fn a_backup_taken_while_surveys_are_reviewed_restores_one_moment(app: &TestApp) {
    seed(&app.store, SMALL).await.expect("seed");
    let admin = app.admin().await;
    let queue = submitted(app).await;
    assert!(queue.len() >= 20, "{} submitted surveys", queue.len());
    let (approved_before, audit_before, feed_before) = (
        approved(app).await,
        rows(app, "audit_log").await,
        rows(app, "survey_changes").await,
    );

    // One task approves the queue survey by survey (each decision: status, change feed and
    // audit entry in one transaction) while the backup reads.
    let router = app.router.clone();
    let cookie = admin.cookie.clone();
    let writer = tokio::spawn(async move {
        for (id, version) in queue {
            let body = serde_json::json!({ "decision": "approve", "version": version });
            let response = router
                .clone()
                .oneshot(
                    Request::post(format!("/api/v1/surveys/{id}/review"))
                        .header(header::COOKIE, &cookie)
                        .header(header::CONTENT_TYPE, "application/json")
                        .header("sec-fetch-site", "same-origin")
                        .body(Body::from(body.to_string()))
                        .expect("request"),
                )
                .await
                .expect("respond");
            assert_eq!(response.status(), StatusCode::OK, "approve {id}");
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("during.tanhui-backup");
    let report = backup::backup(&app.store, &file).await.expect("backup");
    writer.await.expect("writer");
    assert_eq!(report.trailer.tables, 27);
    assert_eq!(
        report.header.schema,
        app.store.schema_version().await.expect("v")
    );
    assert!(!dir.path().join("during.tanhui-backup.partial").exists());
    // Personal data and the pseudonym secret: for the owner's eyes only.
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&file).expect("metadata").permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");

    let target = fresh_like(app).await;
    let restored = backup::restore(&target.store, &file)
        .await
        .expect("restore");
    assert_eq!(restored.digest, report.trailer.digest);
    assert_eq!(
        backup::digest(&target.store).await.expect("digest"),
        report.trailer.digest
    );
    // One moment: every decision the backup holds came with its audit entry and its change.
    let decided = approved(&target).await - approved_before;
    assert_eq!(rows(&target, "audit_log").await - audit_before, decided);
    assert_eq!(rows(&target, "survey_changes").await - feed_before, decided);
    eprintln!("the backup caught {decided} of the decisions");

    // Quiet now: a second backup restores to the source's digest and the source's figures.
    let file = dir.path().join("after.tanhui-backup");
    let report = backup::backup(&app.store, &file).await.expect("backup");
    assert_eq!(
        report.trailer.digest,
        backup::digest(&app.store).await.expect("digest")
    );
    let target = fresh_like(app).await;
    backup::restore(&target.store, &file)
        .await
        .expect("restore");
    let target = target.second_instance().await;
    let theirs = target.session_of("admin").await;
    for path in [
        "/api/v1/indicators?unit=513400&wave=2021",
        "/api/v1/indicators?unit=513434&wave=2021&by=model",
        "/api/v1/indicators?unit=513431&wave=2019&scheme=provincial",
    ] {
        let mine = app.get_as(&admin, path).await;
        let restored = target.get_as(&theirs, path).await;
        assert_eq!(mine.status, StatusCode::OK, "{path}");
        assert_eq!(restored.json(), mine.json(), "{path}");
    }
}

async fn restore_refuses_a_database_that_holds_data_and_writes_nothing(app: &TestApp) {
    seed(&app.store, SMALL).await.expect("seed");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("b.tanhui-backup");
    backup::backup(&app.store, &file).await.expect("backup");

    let target = fresh_like(app).await;
    seed(&target.store, SeedOptions { seed: 12, ..SMALL })
        .await
        .expect("seed");
    let before = backup::digest(&target.store).await.expect("digest");
    let err = backup::restore(&target.store, &file)
        .await
        .expect_err("refused");
    assert!(matches!(err, BackupError::NotEmpty { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("restore only into a new, empty database"),
        "{err}"
    );
    assert_eq!(backup::digest(&target.store).await.expect("digest"), before);

    // The first account of a fresh install is data too.
    let target = fresh_like(app).await;
    target.create_account("admin", "admin", "").await;
    let err = backup::restore(&target.store, &file)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("users holds 1 rows"), "{err}");
}

/// The refusals a damaged file can get, whatever the damage breaks first.
fn is_damage(err: &BackupError) -> bool {
    matches!(
        err,
        BackupError::Damaged { .. }
            | BackupError::Truncated
            | BackupError::Checksum
            | BackupError::Inconsistent(_)
    )
}

fn gunzip(path: &Path) -> Vec<u8> {
    let mut text = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).expect("open"))
        .read_to_end(&mut text)
        .expect("gunzip");
    text
}

fn gzip(path: &Path, text: &[u8]) {
    let mut out = flate2::write::GzEncoder::new(
        std::fs::File::create(path).expect("create"),
        flate2::Compression::fast(),
    );
    out.write_all(text).expect("write");
    out.finish().expect("finish");
}

async fn a_damaged_or_incomplete_backup_is_refused_whole(app: &TestApp) {
    seed(&app.store, SMALL).await.expect("seed");
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("good.tanhui-backup");
    backup::backup(&app.store, &good).await.expect("backup");
    let bytes = std::fs::read(&good).expect("read");
    let text = gunzip(&good);

    let cut = dir.path().join("cut.tanhui-backup");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).expect("write");
    // Whole lines only, so that only the missing end gives it away.
    let lines = dir.path().join("lines.tanhui-backup");
    let last_line = text[..text.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .expect("lines");
    gzip(&lines, &text[..=last_line]);
    // One value changed in a row: the checksum at the end catches it.
    let changed = dir.path().join("changed.tanhui-backup");
    let altered =
        String::from_utf8(text.clone())
            .expect("utf-8")
            .replacen("\"approved\"", "\"rejected\"", 1);
    gzip(&changed, altered.as_bytes());
    // A byte flipped in the compressed stream.
    let flipped = dir.path().join("flipped.tanhui-backup");
    let mut broken = bytes.clone();
    let middle = broken.len() / 2;
    broken[middle] ^= 0x55;
    std::fs::write(&flipped, &broken).expect("write");
    let csv = dir.path().join("households.csv");
    std::fs::write(&csv, "village_code,registry_no\n").expect("write");

    // A byte flipped in the compressed stream shows as whatever it breaks first: the gzip
    // checksum or the deflate data (damaged), the stream ending early (incomplete), a row of
    // the wrong width (inconsistent), or lines that decode but changed (the file's own
    // checksum). Each says it was not restored.
    let damage = "not restored";
    for (file, expected) in [
        (&cut, "incomplete"),
        (&lines, "incomplete"),
        (&changed, "checksum does not match"),
        (&flipped, damage),
        (&csv, "not a Tanhui backup"),
    ] {
        let err = backup::verify(file).expect_err("verify refuses");
        assert!(err.to_string().contains(expected), "verify {file:?}: {err}");
        if file == &flipped {
            assert!(is_damage(&err), "{err:?}");
        }
        let target = fresh_like(app).await;
        let empty = backup::digest(&target.store).await.expect("digest");
        let err = backup::restore(&target.store, file)
            .await
            .expect_err("restore refuses");
        assert!(
            err.to_string().contains(expected),
            "restore {file:?}: {err}"
        );
        assert_eq!(
            backup::digest(&target.store).await.expect("digest"),
            empty,
            "{file:?} wrote something"
        );
        assert_eq!(target.store.count_units().await.expect("units"), 4);
    }
    // Wherever the byte is flipped (past the gzip header), the file is refused, by a check
    // and by a restore alike, and the restore writes nothing.
    let target = fresh_like(app).await;
    let empty = backup::digest(&target.store).await.expect("digest");
    for n in 1..=20 {
        let mut broken = bytes.clone();
        let at = 20 + (broken.len() - 40) * n / 21;
        broken[at] ^= 0x55;
        std::fs::write(&flipped, &broken).expect("write");
        let err = backup::restore(&target.store, &flipped)
            .await
            .expect_err("a flipped byte is refused");
        assert_eq!(
            backup::digest(&target.store).await.expect("digest"),
            empty,
            "byte {at}: something was written"
        );
        assert!(
            is_damage(&err) || matches!(err, BackupError::NotABackup),
            "byte {at}: {err:?}"
        );
    }
    // The good file still restores.
    let target = fresh_like(app).await;
    backup::restore(&target.store, &good)
        .await
        .expect("restore");
}

/// A backup whose rows refer to a row it does not hold (a well-formed file, checksum and all,
/// written by something else) is refused when the references are checked, and writes nothing.
async fn a_backup_with_a_dangling_reference_is_refused(app: &TestApp) {
    seed(&app.store, SMALL).await.expect("seed");
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("good.tanhui-backup");
    backup::backup(&app.store, &good).await.expect("backup");
    let text = String::from_utf8(gunzip(&good)).expect("utf-8");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // The first survey now belongs to a household nobody registered.
    let header = lines
        .iter()
        .position(|l| l.starts_with("{\"table\":{\"name\":\"surveys\""))
        .expect("the surveys table");
    let columns: serde_json::Value = serde_json::from_str(&lines[header]).expect("json");
    let at = columns["table"]["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .position(|c| c["name"] == "household_id")
        .expect("household_id");
    let mut row: Vec<serde_json::Value> = serde_json::from_str(&lines[header + 1]).expect("a row");
    row[at] = serde_json::json!("00000000-0000-4000-8000-00000000dead");
    lines[header + 1] = serde_json::to_string(&row).expect("json");
    // Sign it as the writer would: SHA-256 of every line before the trailer.
    let body: String = lines[..lines.len() - 1]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    let mut trailer: serde_json::Value =
        serde_json::from_str(lines.last().expect("trailer")).expect("json");
    trailer["end"]["sha256"] =
        serde_json::json!(format!("{:x}", sha2::Sha256::digest(body.as_bytes())));
    let forged = dir.path().join("forged.tanhui-backup");
    gzip(&forged, format!("{body}{trailer}\n").as_bytes());
    backup::verify(&forged).expect("well-formed");

    let target = fresh_like(app).await;
    let empty = backup::digest(&target.store).await.expect("digest");
    let err = backup::restore(&target.store, &forged)
        .await
        .expect_err("refused");
    assert!(
        err.to_string()
            .contains("a row of surveys refers to one that is not in the backup"),
        "{err}"
    );
    assert_eq!(backup::digest(&target.store).await.expect("digest"), empty);
    // And the untouched file restores into the same database.
    backup::restore(&target.store, &good)
        .await
        .expect("restore");
}

/// A table added by a migration and forgotten in `TABLES` would silently be left out of every
/// backup: the list must be the schema, less what is left out on purpose.
async fn every_table_of_the_schema_is_backed_up_or_left_out_on_purpose(app: &TestApp) {
    let mut tables: Vec<String> = match &app.store {
        server::storage::Store::Sqlite { pool, .. } => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(pool)
        .await
        .expect("tables"),
        server::storage::Store::Postgres { pool, .. } => sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
        .fetch_all(pool)
        .await
        .expect("tables"),
    };
    tables.sort();
    let mut listed: Vec<String> = backup::TABLES
        .iter()
        .map(|t| t.name)
        .chain(backup::LEFT_OUT)
        .map(str::to_owned)
        .collect();
    listed.sort();
    assert_eq!(tables, listed);
}

crate::on_both_backends!(
    every_table_of_the_schema_is_backed_up_or_left_out_on_purpose,
    a_backup_taken_while_surveys_are_reviewed_restores_one_moment,
    restore_refuses_a_database_that_holds_data_and_writes_nothing,
    a_damaged_or_incomplete_backup_is_refused_whole,
    a_backup_with_a_dangling_reference_is_refused,
);

/// What a download of one micro-data file holds, as a sorted set of lines.
async fn microdata(app: &TestApp, file: &str) -> Vec<String> {
    let admin = app.session_of("admin").await;
    let response = app
        .get_as(&admin, &format!("/api/v1/export/microdata/{file}.csv"))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{file}");
    let mut lines: Vec<String> = response.body.lines().map(str::to_owned).collect();
    assert!(lines.len() > 100, "{file}: {} lines", lines.len());
    lines.sort();
    lines
}

/// A county moves from its SQLite file to the prefecture's PostgreSQL: the same digest, and
/// the same pseudonyms in every micro-data file (the server secret moves with the data).
mod a_sqlite_backup_restores_into_postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let county = TestApp::sqlite().await;
        seed(&county.store, SMALL).await.expect("seed");
        county.create_account("admin", "admin", "").await;
        let county = county.second_instance().await;
        let before = [
            microdata(&county, "households_by_wave").await,
            microdata(&county, "persons").await,
            microdata(&county, "members_by_wave").await,
        ];
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("county.tanhui-backup");
        let report = backup::backup(&county.store, &file).await.expect("backup");
        assert_eq!(report.header.backend, "sqlite");

        let prefecture = TestApp::postgres().await;
        let restored = backup::restore(&prefecture.store, &file)
            .await
            .expect("restore");
        assert_eq!(restored.digest, report.trailer.digest);
        let prefecture = prefecture.second_instance().await;
        let after = [
            microdata(&prefecture, "households_by_wave").await,
            microdata(&prefecture, "persons").await,
            microdata(&prefecture, "members_by_wave").await,
        ];
        assert_eq!(after, before);

        // And back: PostgreSQL to a new SQLite file gives the same digest again. (Not the
        // digest of the first restore: signing in to download wrote to the audit log since.)
        let now = backup::digest(&prefecture.store).await.expect("digest");
        assert_ne!(now, restored.digest, "the sign-ins are in the audit log");
        let back = dir.path().join("prefecture.tanhui-backup");
        let report = backup::backup(&prefecture.store, &back)
            .await
            .expect("backup");
        assert_eq!(report.trailer.digest, now);
        let again = TestApp::sqlite().await;
        let restored = backup::restore(&again.store, &back).await.expect("restore");
        assert_eq!(restored.digest, report.trailer.digest);
    }
}

const TANHUI: &str = env!("CARGO_BIN_EXE_tanhui");

fn tanhui(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(TANHUI)
        .args(args)
        .env_remove("TANHUI_CONFIG")
        .output()
        .expect("run tanhui");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The commands an operator types: backup, digest of the file and of both databases, restore,
/// and a second restore into the now full database refused.
#[test]
fn the_backup_restore_and_digest_commands() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = format!("sqlite://{}", dir.path().join("source.db").display());
    let target = format!("sqlite://{}", dir.path().join("target.db").display());
    let file = dir.path().join("b.tanhui-backup");
    let file = file.to_str().expect("path");
    let (ok, _, err) = tanhui(&["seed", "--db", &source, "--households", "60", "--seed", "3"]);
    assert!(ok, "{err}");
    let (ok, out, err) = tanhui(&["backup", "--db", &source, "--out", file]);
    assert!(ok, "{err}");
    assert!(out.contains("27 tables"), "{out}");
    assert!(out.contains("checked by reading it back"), "{out}");
    let digest = |args: &[&str]| {
        let (ok, out, err) = tanhui(args);
        assert!(ok, "{args:?}: {err}");
        out.trim().to_owned()
    };
    let of_source = digest(&["digest", "--db", &source]);
    assert_eq!(of_source.len(), 64, "{of_source}");
    assert_eq!(digest(&["digest", file]), of_source);
    let (ok, out, err) = tanhui(&["restore", "--db", &target, file]);
    assert!(ok, "{err}");
    assert!(out.contains(&format!("digest {of_source}")), "{out}");
    assert_eq!(digest(&["digest", "--db", &target]), of_source);
    let (ok, _, err) = tanhui(&["restore", "--db", &target, file]);
    assert!(!ok);
    assert!(
        err.contains("restore only into a new, empty database"),
        "{err}"
    );
}
