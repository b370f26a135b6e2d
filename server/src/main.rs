//! `tanhui`: one binary for serving, migrating and (later) seeding, importing and exporting.

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = server::cli::Cli::parse();
    let settings = server::settings::Settings::load(cli.config.as_deref())?;
    server::telemetry::init(&settings);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(server::cli::run(cli, settings))
}
