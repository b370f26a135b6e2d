//! Command-line interface: the public contract of DESIGN.md (`serve`, `migrate`, …).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use std::io::IsTerminal;

mod audit;
mod backup;
mod bundle;
mod keys;
mod setup;
use setup::{
    AssignmentsCommand, HouseholdsCommand, InspectionsCommand, LinesCommand, PlotsCommand,
    TargetsCommand, UnitsCommand, WavesCommand,
};

use crate::seed::SeedOptions;
use crate::settings::Settings;
use crate::storage::{redact, Store};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Csv,
    Json,
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
        /// Load the demo data set and demo accounts into an empty database (never into one
        /// that holds real data).
        #[arg(long)]
        demo: bool,
    },
    /// Create the database if needed and apply every pending migration.
    Migrate {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
    },
    /// Compute indicators for one unit and wave, overall or by one or two dimensions.
    Indicators {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// Unit code (default 513400, Liangshan).
        #[arg(long)]
        unit: Option<String>,
        /// Survey wave (year; default the latest).
        #[arg(long)]
        wave: Option<String>,
        /// Break down by: model, poverty_registration, head_sex, head_ethnicity (comma-separated, at most two).
        #[arg(long)]
        by: Option<String>,
        /// Only these indicators (comma-separated ids; default all).
        #[arg(long)]
        indicator: Option<String>,
        /// Poverty-line scheme of the line-dependent indicators: national (default) or provincial.
        #[arg(long)]
        scheme: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
        format: OutputFormat,
    },
    /// Export indicator tables or pseudonymised micro-data.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Administrative units (import from a file).
    Units {
        #[command(subcommand)]
        command: UnitsCommand,
    },
    /// Survey waves (open, close, list).
    Waves {
        #[command(subcommand)]
        command: WavesCommand,
    },
    /// Poverty lines (set, list).
    Lines {
        #[command(subcommand)]
        command: LinesCommand,
    },
    /// Targets (import from a file).
    Targets {
        #[command(subcommand)]
        command: TargetsCommand,
    },
    /// Villages' programme assignments (import from a file).
    Assignments {
        #[command(subcommand)]
        command: AssignmentsCommand,
    },
    /// Afforestation plots (import from a file).
    Plots {
        #[command(subcommand)]
        command: PlotsCommand,
    },
    /// Survival inspections of the plots (import from a file).
    Inspections {
        #[command(subcommand)]
        command: InspectionsCommand,
    },
    /// The household registry (import from a file, with corrections).
    Households {
        #[command(subcommand)]
        command: HouseholdsCommand,
    },
    /// Make the one file to deploy: this binary with a built site (wasm, JS, CSS, icons)
    /// inside it, so `tanhui serve` needs nothing beside it. `--check` shows what a binary
    /// carries.
    Bundle {
        /// The site folder built by scripts/site.sh.
        #[arg(long, required_unless_present = "check")]
        site: Option<PathBuf>,
        /// The file to write (this binary is left as it is).
        #[arg(long, required_unless_present = "check")]
        out: Option<PathBuf>,
        /// Show the site FILE (or this binary) carries, and write nothing.
        #[arg(long, conflicts_with_all = ["site", "out"])]
        check: bool,
        /// With --check: the binary to look at (default: this one).
        file: Option<PathBuf>,
    },
    /// Write a consistent backup of the whole database (while the server keeps serving) to one
    /// portable file that restores into SQLite or PostgreSQL; it is read back to check it.
    /// The data key that seals ID-card numbers and phones: show its id, or rotate it.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Check the audit log's hash chain, or archive and prune entries past the retention period.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    Backup {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// The backup file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into an empty database (refuses one that holds data); a damaged or
    /// incomplete file writes nothing.
    Restore {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// The backup file.
        file: PathBuf,
    },
    /// Print the SHA-256 content digest of a database, or (given a FILE) check a backup file
    /// whole and print the digest it records: equal digests, equal content.
    Digest {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// A backup file instead of a database.
        file: Option<PathBuf>,
    },
    /// Load a deterministic demo data set into an empty database (same N and S ⇒ same data).
    Seed {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// Number of households.
        #[arg(long, default_value_t = 6_000)]
        households: usize,
        /// Random seed.
        #[arg(long, default_value_t = 2018)]
        seed: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    Csv,
    Xlsx,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Every micro-data file (CSV, pseudonymous ids) and the codebook into a folder.
    Microdata {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// Folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Only these waves, comma-separated (default all).
        #[arg(long)]
        wave: Option<String>,
        /// Include draft, submitted and rejected surveys (adds a `status` column).
        #[arg(long)]
        all_statuses: bool,
        /// File format of the tables (the codebook is always CSV and JSON).
        #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
        format: TableFormat,
    },
    /// An indicator table: units × waves × an optional breakdown × indicators.
    Indicators {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// Unit codes, comma-separated (default 513400).
        #[arg(long)]
        unit: Option<String>,
        /// Waves, comma-separated (default all).
        #[arg(long)]
        wave: Option<String>,
        /// Break down by one or two of model, poverty_registration, head_sex, head_ethnicity.
        #[arg(long)]
        by: Option<String>,
        /// Indicator ids, comma-separated (default all).
        #[arg(long)]
        indicator: Option<String>,
        /// Poverty-line scheme of the line-dependent indicators: national (default) or provincial.
        #[arg(long)]
        scheme: Option<String>,
        /// Withhold survey figures over fewer than 5 households, as researchers receive them.
        #[arg(long)]
        suppress_small_cells: bool,
        #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
        format: OutputFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Where the data key comes from and its id (never the key).
    Show {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
    },
    /// A new data key; every ID-card number and phone re-encrypted with it in one
    /// transaction. The old key file is kept (backups taken before need it).
    Rotate {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// Write the new key here (default: replace the key file in use, keeping the old one
        /// as `<file>.retired-<id>`).
        #[arg(long)]
        new_key_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the audit log's hash chain and name every entry changed, removed or added
    /// outside Tanhui (exit status 1 if any); with --archive, check an archive file instead.
    Verify {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// An archive file written by `tanhui audit archive`.
        #[arg(long)]
        archive: Option<PathBuf>,
    },
    /// Write the entries older than the retention period (TANHUI_AUDIT_RETENTION_DAYS, at
    /// least 180) to a new archive file, read it back, then delete them from the database.
    Archive {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// The archive file to create.
        #[arg(long)]
        out: PathBuf,
        /// Archive entries from before this date (YYYY-MM-DD, China time) instead; it may not
        /// be later than the retention period allows.
        #[arg(long)]
        before: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin a one-time password is printed, to be
    /// changed at first sign-in.
    Add {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        #[arg(long)]
        username: String,
        /// admin, official, supervisor, enumerator or researcher.
        #[arg(long)]
        role: String,
        /// Unit codes the account is confined to, comma-separated (none for admin).
        #[arg(long, default_value = "")]
        scope: String,
        /// Name shown in the application (default: the username).
        #[arg(long, default_value = "")]
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts with their roles and scopes.
    List {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
    },
}

/// Runs one command with the loaded settings; flags override settings.
pub async fn run(cli: Cli, mut settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { db, addr, demo } => {
            settings.db = db.unwrap_or(settings.db);
            settings.addr = addr.unwrap_or(settings.addr);
            settings.demo |= demo;
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
        Command::Indicators {
            db,
            unit,
            wave,
            by,
            indicator,
            scheme,
            format,
        } => {
            let store = Store::connect(&db.unwrap_or(settings.db)).await?;
            store.migrate().await?;
            let engine = crate::indicators::build(&store).await?;
            store.close().await;
            let params = crate::api::IndicatorParams {
                unit,
                wave,
                by,
                indicator,
                scheme,
            };
            // The CLI runs with the database's own authority: every unit is allowed.
            let selection = crate::api::parse_selection(
                &params,
                &engine,
                domain::UnitCode::prefecture(),
                &|_| true,
            )
            .map_err(|err| anyhow::anyhow!(describe(err)))?;
            let lines = crate::api::selection_lines(&engine, &selection, false);
            match format {
                OutputFormat::Json => {
                    let table = crate::api::indicator_table(&engine, &selection, &lines);
                    println!("{}", serde_json::to_string_pretty(&table)?)
                }
                OutputFormat::Csv => print!(
                    "{}",
                    crate::export::indicators::progress_csv(&selection.by, &lines)
                ),
            }
            Ok(())
        }
        Command::User { command } => user(command, settings).await,
        Command::Bundle {
            site,
            out,
            check,
            file,
        } => match (check, site, out) {
            (true, _, _) => bundle::check(file.as_deref()),
            (false, Some(site), Some(out)) => bundle::bundle(&site, &out),
            _ => anyhow::bail!("tanhui bundle needs --site DIR and --out FILE (or --check)"),
        },
        Command::Keys { command } => match command {
            KeysCommand::Show { db } => keys::show(&db.unwrap_or(settings.db)).await,
            KeysCommand::Rotate { db, new_key_file } => {
                keys::rotate(&db.unwrap_or(settings.db), new_key_file).await
            }
        },
        Command::Audit { command } => match command {
            AuditCommand::Verify {
                archive: Some(file),
                ..
            } => audit::verify_archive_file(&file),
            AuditCommand::Verify { db, archive: None } => {
                audit::verify(&db.unwrap_or(settings.db)).await
            }
            AuditCommand::Archive { db, out, before } => {
                audit::archive(
                    &db.unwrap_or(settings.db),
                    &out,
                    before.as_deref(),
                    settings.audit_retention_days.0,
                )
                .await
            }
        },
        Command::Backup { db, out } => backup::backup(&db.unwrap_or(settings.db), &out).await,
        Command::Restore { db, file } => backup::restore(&db.unwrap_or(settings.db), &file).await,
        Command::Digest { db, file } => backup::digest(db.unwrap_or(settings.db), file).await,
        Command::Units { command } => setup::units(command, settings).await,
        Command::Waves { command } => setup::waves(command, settings).await,
        Command::Lines { command } => setup::lines(command, settings).await,
        Command::Targets { command } => setup::targets(command, settings).await,
        Command::Assignments { command } => setup::assignments(command, settings).await,
        Command::Plots { command } => setup::plots(command, settings).await,
        Command::Inspections { command } => setup::inspections(command, settings).await,
        Command::Households { command } => setup::households(command, settings).await,
        Command::Export { command } => export(command, settings).await,
        Command::Seed {
            db,
            households,
            seed,
        } => {
            let url = db.unwrap_or(settings.db);
            let store = Store::connect(&url).await?;
            store.migrate().await?;
            let options = SeedOptions {
                households,
                seed,
                progress: std::io::stderr().is_terminal(),
            };
            let report = crate::seed::seed(&store, options).await?;
            store.close().await;
            println!(
                "{}: seeded {} households, {} surveys, {} rows in {:.1} s ({:.0} rows/s)",
                redact(&url),
                report.households,
                report.surveys,
                report.rows,
                report.elapsed.as_secs_f64(),
                report.rows as f64 / report.elapsed.as_secs_f64().max(1e-9)
            );
            Ok(())
        }
    }
}

fn describe(err: crate::api::ApiError) -> String {
    use crate::api::ApiError;
    match err {
        ApiError::BadParameter { field, zh, en } => format!("--{field}: {zh} ({en})"),
        ApiError::NotFound { zh, en }
        | ApiError::Conflict { zh, en }
        | ApiError::BadBody { zh, en, .. }
        | ApiError::Busy { zh, en, .. } => format!("{zh} ({en})"),
        ApiError::Invalid(issues) | ApiError::Unconfirmed(issues) => issues
            .iter()
            .map(|i| format!("{}: {} ({})", i.path, i.zh, i.en))
            .collect::<Vec<_>>()
            .join("\n"),
        ApiError::Unauthenticated
        | ApiError::Forbidden
        | ApiError::PasswordChangeRequired
        | ApiError::SecondFactorRequired
        | ApiError::ReadOnlyToken
        | ApiError::TokenExpired => "not allowed".to_owned(),
        ApiError::Internal => "internal error".to_owned(),
    }
}

async fn export(command: ExportCommand, settings: Settings) -> anyhow::Result<()> {
    match command {
        ExportCommand::Microdata {
            db,
            out,
            wave,
            all_statuses,
            format,
        } => {
            let store = Store::connect(&db.unwrap_or(settings.db)).await?;
            store.migrate().await?;
            let waves = crate::api::params::list(wave.as_deref())
                .iter()
                .map(|w| {
                    w.parse::<i32>()
                        .map_err(|_| anyhow::anyhow!("--wave: a year such as 2021, not {w:?}"))
                })
                .collect::<anyhow::Result<_>>()?;
            let filter = crate::export::microdata::Filter {
                waves,
                all_statuses,
                village_prefixes: Vec::new(),
            };
            let started = std::time::Instant::now();
            let pseudonyms = crate::export::run::pseudonymiser(&store).await?;
            let format = match format {
                TableFormat::Csv => crate::export::run::Format::Csv,
                TableFormat::Xlsx => crate::export::run::Format::Xlsx,
            };
            let written =
                crate::export::run::write_folder(&store, &out, &filter, &pseudonyms, format)
                    .await?;
            store.close().await;
            for (path, rows, seconds) in &written.files {
                println!("{}\t{rows} rows\t{seconds:.2} s", path.display());
            }
            println!("exported in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        ExportCommand::Indicators {
            db,
            unit,
            wave,
            by,
            indicator,
            scheme,
            suppress_small_cells,
            format,
        } => {
            let store = Store::connect(&db.unwrap_or(settings.db)).await?;
            store.migrate().await?;
            let engine = crate::indicators::build(&store).await?;
            store.close().await;
            let params = crate::api::exports::TableParams {
                unit,
                wave,
                by,
                indicator,
                scheme,
                format: None,
            };
            // The CLI runs with the database's own authority: every unit is allowed.
            let request = crate::api::exports::table_request(
                &params,
                &engine,
                domain::UnitCode::prefecture(),
                &|_| true,
                suppress_small_cells,
            )
            .map_err(|err| anyhow::anyhow!(describe(err)))?;
            let lines = crate::export::indicators::table_lines(&engine, &request);
            match format {
                OutputFormat::Csv => print!(
                    "{}",
                    crate::export::indicators::table_csv(&request.by, &lines)
                ),
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&lines)?),
            }
            Ok(())
        }
    }
}

async fn user(command: UserCommand, settings: Settings) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            db,
            username,
            role,
            scope,
            name,
            password_stdin,
        } => {
            let store = Store::connect(&db.unwrap_or(settings.db)).await?;
            store.migrate().await?;
            let password = match password_stdin {
                false => String::new(),
                true => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    let line = line.trim_end_matches(['\r', '\n']).to_owned();
                    anyhow::ensure!(
                        !line.is_empty(),
                        "--password-stdin: standard input is empty"
                    );
                    line
                }
            };
            let input = app::model::NewUserInput {
                username,
                display_name: name,
                role,
                scopes: scope,
                password,
            };
            // The CLI acts as the system (audited as such).
            let result = crate::service::accounts::create_user(
                &store,
                &app::backend::RequestViewer::default(),
                input,
            )
            .await;
            store.close().await;
            match result {
                Ok(issued) => {
                    println!(
                        "created {} ({}{})",
                        issued.user.username,
                        issued.user.role.code(),
                        match issued.user.scopes.is_empty() {
                            true => String::new(),
                            false => format!(", scope {}", issued.user.scopes.join(",")),
                        }
                    );
                    if let Some(password) = issued.one_time_password {
                        println!("one-time password 一次性密码: {password}");
                    }
                    Ok(())
                }
                Err(app::backend::BackendError::Invalid(issues)) => Err(anyhow::anyhow!(describe(
                    crate::api::ApiError::Invalid(issues)
                ))),
                Err(err) => Err(err.into()),
            }
        }
        UserCommand::List { db } => {
            let store = Store::connect(&db.unwrap_or(settings.db)).await?;
            store.migrate().await?;
            let users = store.users().await?;
            store.close().await;
            for user in users {
                println!(
                    "{}\t{}\t{}\t{}",
                    user.username,
                    user.role.code(),
                    user.scopes
                        .iter()
                        .map(|u| u.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    if user.disabled { "disabled" } else { "active" }
                );
            }
            Ok(())
        }
    }
}
