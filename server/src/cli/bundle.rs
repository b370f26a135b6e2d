//! `tanhui bundle`: this binary and a built site as one file to deploy, and `--check` to see
//! what a binary carries.

use std::path::Path;

use crate::assets::{embedded, read_folder, Assets, Origin};

/// `tanhui bundle --site DIR --out FILE`.
pub fn bundle(site: &Path, out: &Path) -> anyhow::Result<()> {
    let files = read_folder(site)
        .map_err(|err| anyhow::anyhow!("cannot read the site folder {}: {err}", site.display()))?;
    let assets = Assets::from_files(files.clone(), Origin::Folder(site.to_owned()));
    assets.require_complete()?;
    let exe = std::env::current_exe()?;
    let size = embedded::write(&exe, &files, out)
        .map_err(|err| anyhow::anyhow!("cannot write {}: {err}", out.display()))?;
    // Read back as the server will read it at start.
    let carried = embedded::read(out)?
        .ok_or_else(|| anyhow::anyhow!("{} carries no site after writing", out.display()))?;
    let check = Assets::from_files(carried, Origin::Embedded);
    anyhow::ensure!(
        check.build() == assets.build(),
        "{} reads back as build {}, not {}",
        out.display(),
        check.build(),
        assets.build()
    );
    let (count, bytes) = assets.size();
    println!(
        "{}: tanhui {} with site build {} ({count} files, {bytes} bytes before compression), {size} bytes in all",
        out.display(),
        env!("CARGO_PKG_VERSION"),
        assets.build(),
    );
    Ok(())
}

/// `tanhui bundle --check [FILE]`: what a binary (this one by default) carries.
pub fn check(file: Option<&Path>) -> anyhow::Result<()> {
    let exe = match file {
        Some(file) => file.to_owned(),
        None => std::env::current_exe()?,
    };
    match embedded::read(&exe)? {
        Some(files) => {
            let assets = Assets::from_files(files, Origin::Embedded);
            let (count, bytes) = assets.size();
            println!(
                "{}: site build {} ({count} files, {bytes} bytes)",
                exe.display(),
                assets.build()
            );
            for path in assets.paths() {
                println!("  {path}");
            }
            Ok(())
        }
        None => anyhow::bail!("{} carries no site", exe.display()),
    }
}
