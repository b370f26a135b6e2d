//! ID-card numbers and phones at rest: a seeded database file and its backup hold none of them
//! in clear (the issue's `grep` test), rows written in clear before encryption are sealed at
//! start, a database whose key file is missing says which key it needs, and `tanhui keys
//! rotate` re-encrypts everything under a new key.

use std::io::Read;
use std::process::Command;

use server::seed::{seed, SeedOptions};
use server::storage::Store;

use crate::helpers::TestApp;

const TANHUI: &str = env!("CARGO_BIN_EXE_tanhui");

/// Every head's and member's ID-card number and every phone, as the application reads them.
async fn secrets(app: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    let ids: Vec<domain::RecordId> = app
        .store
        .household_ids()
        .await
        .expect("ids")
        .iter()
        .map(|id| domain::RecordId::parse(id).expect("id"))
        .collect();
    for h in app.store.households_by_ids(&ids).await.expect("households") {
        out.push(h.id_card_text().to_owned());
        if let Some(phone) = h.phone {
            out.push(phone.as_str().to_owned());
        }
    }
    for p in app.store.persons_of(&ids).await.expect("persons") {
        if let Some(card) = p.id_card {
            out.push(card.as_str().to_owned());
        }
    }
    out
}

fn find_any(haystack: &[u8], needles: &[String]) -> Option<String> {
    needles
        .iter()
        .find(|n| haystack.windows(n.len()).any(|w| w == n.as_bytes()))
        .cloned()
}

async fn no_id_card_number_or_phone_is_stored_or_backed_up_in_clear(app: &TestApp) {
    seed(
        &app.store,
        SeedOptions {
            households: 150,
            seed: 9,
            progress: false,
        },
    )
    .await
    .expect("seed");
    let secrets = secrets(app).await;
    assert!(secrets.len() > 300, "{} values", secrets.len());
    // The application still reads them, and finds a head by number.
    let first = secrets[0].clone();
    assert_eq!(
        app.store
            .households_with_id_cards(&[first.as_str()])
            .await
            .expect("look-up")
            .len(),
        1
    );

    let dir = tempfile::tempdir().expect("dir");
    let backup = dir.path().join("backup.tanhui");
    server::storage::backup::backup(&app.store, &backup)
        .await
        .expect("backup");
    let mut text = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(&backup).expect("open"))
        .read_to_end(&mut text)
        .expect("read backup");
    assert!(text.len() > 100_000);
    assert_eq!(
        find_any(&text, &secrets),
        None,
        "the backup holds a value in clear"
    );

    if let Some(path) = app.db_url.strip_prefix("sqlite://") {
        // The database file and its write-ahead log, as a copy of the folder would hold them.
        let mut bytes = std::fs::read(path).expect("db file");
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        assert!(bytes.len() > 100_000);
        assert_eq!(
            find_any(&bytes, &secrets),
            None,
            "the database file holds a value in clear"
        );
    } else {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&app.db_url)
            .await
            .expect("connect");
        let stored: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT head_id_card, phone FROM households")
                .fetch_all(&mut conn)
                .await
                .expect("raw");
        assert!(stored.iter().all(|(card, phone)| card.starts_with("v1.")
            && phone.as_deref().is_none_or(|p| p.starts_with("v1."))));
        let joined: String = stored
            .iter()
            .map(|(c, p)| format!("{c}{}", p.clone().unwrap_or_default()))
            .collect();
        assert_eq!(find_any(joined.as_bytes(), &secrets), None);
    }
}

crate::on_both_backends!(no_id_card_number_or_phone_is_stored_or_backed_up_in_clear);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clear_rows_are_sealed_at_start_and_a_missing_key_names_the_key() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("tanhui.db");
    let url = format!("sqlite://{}", db.display());
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    // A household as a Tanhui before encryption stored it: in clear, no blind index.
    sqlx::query(
        "INSERT INTO households (id, village_code, registry_no, head_name, head_id_card, phone, head_sex, \
         head_ethnicity, poverty_registration, model) VALUES \
         ('0190a1b2-0000-4000-8000-000000000001', '513434', '0001', '阿依', '513434198003150018', '13800001234', \
          'female', 'yi', 'non_poor', 'household')",
    )
    .execute(match &store {
        Store::Sqlite { pool, .. } => pool,
        Store::Postgres { .. } => unreachable!(),
    })
    .await
    .expect("insert in clear");
    store.migrate().await.expect("start again");
    let id = domain::RecordId::parse("0190a1b2-0000-4000-8000-000000000001").expect("id");
    let read = store.household(&id).await.expect("read").expect("stored");
    assert_eq!(read.id_card_text(), "513434198003150018");
    assert_eq!(read.phone.expect("phone").as_str(), "13800001234");
    store.close().await;
    let bytes = std::fs::read(&db).expect("file");
    let clear = "513434198003150018".as_bytes();
    assert!(
        !bytes.windows(clear.len()).any(|w| w == clear),
        "sealed and vacuumed"
    );

    // Without its key file the database is refused, naming the key it needs.
    let key = dir.path().join("tanhui.db.key");
    let kept = dir.path().join("kept.key");
    std::fs::rename(&key, &kept).expect("move key away");
    let store = Store::connect(&url).await.expect("connect");
    let err = store.migrate().await.expect_err("no key");
    assert!(err.to_string().contains("sealed with data key"), "{err}");
    assert!(
        !key.exists(),
        "no new key is made for a database that has sealed data"
    );
    store.close().await;
    std::fs::rename(&kept, &key).expect("key back");

    // `tanhui keys rotate`: a new key, everything re-encrypted, the old key file retired.
    let output = Command::new(TANHUI)
        .args(["keys", "rotate", "--db", &url])
        .env_remove("TANHUI_KEY_FILE")
        .env_remove("TANHUI_DATA_KEY")
        .output()
        .expect("run");
    let out = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("re-encrypted 1 stored value(s)"), "{out}");
    let retired = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("tanhui.db.key.retired-")
        });
    assert!(retired, "{out}");
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate with the new key");
    let again = store.household(&id).await.expect("read").expect("stored");
    assert_eq!(again.id_card_text(), "513434198003150018");
    store.close().await;
}
