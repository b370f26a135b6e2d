//! Command-line interface: the public contract of DESIGN.md (`serve`, `migrate`, …).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::settings::Settings;
use crate::storage::Store;

/// Tanhui (碳汇): monitoring and evaluation of the Liangshan forest-carbon poverty-alleviation
/// programme.
#[derive(Debug, Parser)]
#[command(name = "tanhui", version, about, long_about = None)]
pub struct Cli {
    /// Settings file (TOML); `tanhui.toml` in the working directory is read when present.
    #[arg(long, global = true, env = "TANHUI_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create and migrate the database if needed, then serve the web application.
    Serve {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// Address to listen on, HOST:PORT (port 0 picks a free one).
        #[arg(long)]
        addr: Option<SocketAddr>,
    },
    /// Create the database if needed and apply every pending migration.
    Migrate {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
    },
}

/// Runs one command with the loaded settings; flags override settings.
pub async fn run(cli: Cli, mut settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { db, addr } => {
            settings.db = db.unwrap_or(settings.db);
            settings.addr = addr.unwrap_or(settings.addr);
            crate::serve::serve(settings).await
        }
        Command::Migrate { db } => {
            let url = db.unwrap_or(settings.db);
            let store = Store::connect(&url).await?;
            store.migrate().await?;
            let version = store.schema_version().await?;
            println!("{}: schema version {version}", store.redacted_url());
            store.close().await;
            Ok(())
        }
    }
}
