//! `tanhui keys rotate` and `tanhui keys show`: the data key that seals ID-card numbers and
//! phones ([`crate::storage::crypt`]).

use std::path::{Path, PathBuf};

use crate::storage::crypt::{self, KeySource, Keys};
use crate::storage::Store;

/// `tanhui keys show`: where the data key comes from and its id (never the key itself).
pub async fn show(url: &str) -> anyhow::Result<()> {
    let store = Store::connect(url).await?;
    let result = store.migrate().await;
    let id = store.keys().map(|k| k.id().to_owned());
    store.close().await;
    result?;
    let source = match KeySource::for_database(url) {
        KeySource::Hex(_) => "TANHUI_DATA_KEY".to_owned(),
        KeySource::File { path, .. } => format!("key file {}", path.display()),
        KeySource::None => "none set".to_owned(),
    };
    match id {
        Ok(id) => println!("data key {id} ({source})"),
        Err(_) => println!("no data key ({source}): set TANHUI_KEY_FILE or TANHUI_DATA_KEY"),
    }
    Ok(())
}

/// `tanhui keys rotate [--new-key-file FILE]`: a new random key written to a new file (mode
/// 0600), every sealed value re-encrypted with it in one transaction. Without
/// `--new-key-file`, a key file in use (the SQLite default, or `TANHUI_KEY_FILE`) is replaced
/// in place and the old one kept beside it as `…retired-<old id>`, never deleted: a backup
/// taken before the rotation needs it.
pub async fn rotate(url: &str, new_file: Option<PathBuf>) -> anyhow::Result<()> {
    let in_use = match KeySource::for_database(url) {
        KeySource::File { path, .. } => Some(path),
        _ => None,
    };
    let target = match (&new_file, &in_use) {
        (Some(path), _) => path.clone(),
        (None, Some(path)) => staged(path),
        (None, None) => anyhow::bail!(
            "the data key comes from TANHUI_DATA_KEY: name the new key's file with --new-key-file"
        ),
    };
    anyhow::ensure!(
        !target.exists(),
        "{} exists already: name a new file",
        target.display()
    );
    let store = Store::connect(url).await?;
    let result = rotate_in(&store, &target).await;
    store.close().await;
    let (old, new, rows) = result?;
    match (new_file, in_use) {
        (None, Some(path)) => {
            let retired = PathBuf::from(format!("{}.retired-{old}", path.display()));
            std::fs::rename(&path, &retired)?;
            std::fs::rename(&target, &path)?;
            println!(
                "re-encrypted {rows} stored value(s) with data key {new} (was {old}); {} now holds the new key, the old one is kept as {} for backups taken before",
                path.display(),
                retired.display()
            );
        }
        _ => println!(
            "re-encrypted {rows} stored value(s) with data key {new} (was {old}); the new key is in {}: start Tanhui with TANHUI_KEY_FILE={} (keep the old key for backups taken before)",
            target.display(),
            target.display()
        ),
    }
    Ok(())
}

fn staged(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.new", path.display()))
}

async fn rotate_in(store: &Store, target: &Path) -> anyhow::Result<(String, String, u64)> {
    store.migrate().await?;
    let old = store.keys()?.id().to_owned();
    let master = crypt::new_master();
    crypt::write_key_file(target, &master)?;
    let new = Keys::from_master(&master);
    match store.rotate_keys(&new).await {
        Ok(rows) => Ok((old, new.id().to_owned(), rows)),
        Err(err) => {
            // Nothing was re-encrypted: the new key file would only mislead.
            let _ = std::fs::remove_file(target);
            Err(err.into())
        }
    }
}
