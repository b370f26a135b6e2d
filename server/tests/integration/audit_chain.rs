//! The audit log's hash chain: `tanhui audit verify` names an entry changed or removed
//! directly in the database (past the append-only triggers), and `tanhui audit archive`
//! writes entries past the retention period to a file that checks, then prunes them — on
//! both backends, through the real binary.

use std::process::Command;

use server::storage::{AuditEntry, AuditFilter};
use sqlx::Connection;

use crate::helpers::TestApp;

const TANHUI: &str = env!("CARGO_BIN_EXE_tanhui");

fn tanhui(args: &[&str]) -> (bool, String) {
    let output = Command::new(TANHUI)
        .args(args)
        .env_remove("TANHUI_CONFIG")
        .output()
        .expect("run tanhui");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Runs `statements` on the test database with a connection of its own, as someone with the
/// database file or a superuser's password would.
async fn tamper(app: &TestApp, statements: &[&str]) {
    if app.db_url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&app.db_url)
            .await
            .expect("connect");
        for statement in statements {
            sqlx::query(statement)
                .execute(&mut conn)
                .await
                .expect(statement);
        }
    } else {
        let mut conn = sqlx::PgConnection::connect(&app.db_url)
            .await
            .expect("connect");
        for statement in statements {
            sqlx::query(statement)
                .execute(&mut conn)
                .await
                .expect(statement);
        }
    }
}

/// Lifts the append-only guard the way an intruder would.
fn unguard(app: &TestApp) -> &'static [&'static str] {
    match app.db_url.starts_with("sqlite:") {
        true => &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ],
        false => &["ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"],
    }
}

async fn newest_seqs(app: &TestApp, n: i64) -> Vec<i64> {
    app.store
        .audit(&AuditFilter {
            limit: n,
            ..AuditFilter::default()
        })
        .await
        .expect("audit")
        .iter()
        .map(|e| e.seq)
        .collect()
}

async fn verify_names_an_entry_changed_or_removed_in_the_database(app: &TestApp) {
    for name in ["chen.one", "chen.two", "chen.three"] {
        app.create_account(name, "researcher", "513400").await;
    }
    app.admin().await;
    let (ok, out) = tanhui(&["audit", "verify", "--db", &app.db_url]);
    assert!(ok, "{out}");
    assert!(out.contains("intact"), "{out}");
    let seqs = newest_seqs(app, 10).await;
    let (newest, middle) = (seqs[0], seqs[2]);

    let mut statements = unguard(app).to_vec();
    let edit = format!("UPDATE audit_log SET actor = 'someone.else' WHERE seq = {middle}");
    statements.push(&edit);
    tamper(app, &statements).await;
    let (ok, out) = tanhui(&["audit", "verify", "--db", &app.db_url]);
    assert!(!ok, "a changed entry must fail verification: {out}");
    assert!(out.contains(&format!("BROKEN: entry {middle} ")), "{out}");
    assert!(out.contains("broken in 1 place"), "{out}");

    // Removing the newest entry is seen too: the head remembers it.
    let delete = format!("DELETE FROM audit_log WHERE seq = {newest}");
    tamper(app, &[&delete]).await;
    let report = app.store.verify_audit().await.expect("verify");
    assert_eq!(report.problem_count, 2, "{:?}", report.problems);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains(&format!("the newest entries {newest}–{newest} are missing"))),
        "{:?}",
        report.problems
    );
}

async fn archive_writes_old_entries_to_a_file_that_checks_then_prunes_them(app: &TestApp) {
    // A year-old history, then today's.
    let year_ago = server::storage::now_ms() - 365 * 86_400_000;
    for i in 0..25 {
        let entry = AuditEntry {
            at: year_ago + i * 60_000,
            ..AuditEntry::by(None, "test.old").target("user", format!("old.{i}"))
        };
        app.store.append_audit(&entry).await.expect("old entry");
    }
    app.admin().await;
    let before = newest_seqs(app, 1000).await.len();
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("audit-2025.jsonl");
    let file_arg = file.to_str().expect("path");

    // Not past the retention period: refused, nothing written.
    let (ok, out) = tanhui(&[
        "audit",
        "archive",
        "--db",
        &app.db_url,
        "--out",
        file_arg,
        "--before",
        "2099-01-01",
    ]);
    assert!(!ok, "{out}");
    assert!(out.contains("must be kept (the retention period)"), "{out}");
    assert!(!file.exists());

    let (ok, out) = tanhui(&["audit", "archive", "--db", &app.db_url, "--out", file_arg]);
    assert!(ok, "{out}");
    assert!(out.contains("25 audit entries"), "{out}");
    let after = newest_seqs(app, 1000).await;
    // 25 archived entries gone; the archiving itself is a new entry.
    assert_eq!(after.len(), before - 25 + 1, "{out}");
    let (ok, out_file) = tanhui(&["audit", "verify", "--archive", file_arg]);
    assert!(ok, "{out_file}");
    assert!(out_file.contains("25 audit entries"), "{out_file}");
    // The file's end is the database's anchor: the two check each other.
    let anchor = out
        .lines()
        .find_map(|l| l.strip_prefix("anchor "))
        .expect("anchor");
    assert!(out_file.contains(&format!("anchor {anchor}")), "{out_file}");
    let (ok, out) = tanhui(&["audit", "verify", "--db", &app.db_url]);
    assert!(ok, "{out}");
    assert!(out.contains("anchor 25"), "{out}");

    // A line of the file changed is found.
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, text.replacen("old.7", "old.8", 1)).expect("write");
    let (ok, out) = tanhui(&["audit", "verify", "--archive", file_arg]);
    assert!(!ok, "{out}");
    assert!(out.contains("was changed"), "{out}");

    // The database still refuses changes once the guard is back.
    let guarded = app.db_url.clone();
    let err = if guarded.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&guarded)
            .await
            .expect("connect");
        sqlx::query("DELETE FROM audit_log")
            .execute(&mut conn)
            .await
            .err()
    } else {
        let mut conn = sqlx::PgConnection::connect(&guarded)
            .await
            .expect("connect");
        sqlx::query("DELETE FROM audit_log")
            .execute(&mut conn)
            .await
            .err()
    };
    assert!(
        err.is_some_and(|e| e.to_string().contains("append-only")),
        "the append-only guard is back after pruning"
    );
}

crate::on_both_backends!(
    verify_names_an_entry_changed_or_removed_in_the_database,
    archive_writes_old_entries_to_a_file_that_checks_then_prunes_them,
);
