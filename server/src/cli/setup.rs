//! The set-up commands: `units import`, `waves open|close|list`, `lines set|list`,
//! `targets import`, `assignments import`, `plots import`, `inspections import` and
//! `households import`. They act with the database's own authority
//! (audited as `system`) and share their checks with the admin pages and the API.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use crate::import::{ImportReport, ReadError};
use crate::settings::Settings;
use crate::storage::Store;

#[derive(Debug, Subcommand)]
pub enum UnitsCommand {
    /// Load administrative units from a CSV (UTF-8) or XLSX file: columns code, level,
    /// parent_code, name_zh, name_pinyin, name_ii, valid_from, valid_to, successor_code.
    /// Nothing is written unless every row passes; a re-import updates and adds.
    Import {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// The file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum WavesCommand {
    /// Open a wave (the first one is the baseline), reopen a closed one, or change its
    /// reference period.
    Open {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// The wave's year.
        year: String,
        /// First day of the reference period, YYYY-MM-DD (default 1 January).
        #[arg(long, default_value = "")]
        reference_start: String,
        /// Last day of the reference period, YYYY-MM-DD (default 31 December).
        #[arg(long, default_value = "")]
        reference_end: String,
    },
    /// Close a wave: no more saves or reviews in it.
    Close {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// The wave's year.
        year: i32,
    },
    /// List the waves.
    List {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LinesCommand {
    /// Set the poverty line of a scheme and year, in yuan per person per year.
    Set {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// national or provincial.
        #[arg(long)]
        scheme: String,
        /// The income year.
        #[arg(long)]
        year: String,
        /// Yuan per person per year (at most two decimals).
        #[arg(long)]
        yuan: String,
    },
    /// List the poverty lines.
    List {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TargetsCommand {
    /// Load targets from a file: columns indicator_id, unit_code, year, value.
    Import {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// The file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AssignmentsCommand {
    /// Load villages' programme assignments: columns village_code, model (collective,
    /// household or comparison), start_year (empty for comparison villages).
    Import {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// The file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum PlotsCommand {
    /// Load afforestation plots: columns plot_code, village_code, area_ha, species,
    /// planting_year, managing_party (a re-imported code updates its plot).
    Import {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// The file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum InspectionsCommand {
    /// Load survival inspections: columns plot_code, year, survival_rate (%).
    Import {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// The file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum HouseholdsCommand {
    /// Load the household registry (建档立卡) from a file: one household per row, up to 10
    /// members in numbered columns (the template is at /api/v1/import/households/template.xlsx).
    Import {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        db: Option<String>,
        /// The file.
        file: PathBuf,
        /// Import even though some rows have warnings (unusual values).
        #[arg(long)]
        confirm_warnings: bool,
        /// Rows for households already registered (same village and registry number)
        /// correct them; without it they are refused.
        #[arg(long)]
        update: bool,
    },
}

async fn open(db: Option<String>, settings: &Settings) -> anyhow::Result<Store> {
    let store = Store::connect(&db.unwrap_or_else(|| settings.db.clone())).await?;
    store.migrate().await?;
    Ok(store)
}

/// Reads a file into records, or says why it cannot be read.
fn read(path: &Path) -> anyhow::Result<Result<Vec<crate::import::Record>, ImportReport>> {
    let bytes = std::fs::read(path)
        .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", path.display()))?;
    match crate::import::read_table(&bytes) {
        Ok(records) => Ok(Ok(records)),
        Err(ReadError::NotUtf8) => anyhow::bail!(
            "{}: 文件不是 UTF-8 编码：请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”，或使用 XLSX / the file is not UTF-8: save it as \"CSV UTF-8 (comma delimited)\", or use the XLSX",
            path.display()
        ),
        Err(ReadError::Malformed(line, message)) => {
            Ok(Err(crate::import::unreadable(line, &message)))
        }
    }
}

/// How many problems a report prints.
const SHOWN: usize = 200;

/// Prints a report: every error, warning and change by line and column, then a summary.
/// An import that wrote nothing is an error (exit status 1).
fn print_report(
    path: &Path,
    report: &ImportReport,
    elapsed: std::time::Duration,
) -> anyhow::Result<()> {
    let place = |line: usize, column: &str| match column {
        "" => format!("line {line}"),
        column => format!("line {line}, {column}"),
    };
    // The first problems, in line order; a file wrong throughout is summed up after them.
    let problems = report
        .errors
        .iter()
        .map(|i| ("error  ", i))
        .chain(report.warnings.iter().map(|i| ("warning", i)));
    for (kind, issue) in problems.clone().take(SHOWN) {
        let at = place(issue.line, &issue.column);
        eprintln!("{kind} {at}: {} / {}", issue.zh, issue.en);
    }
    let more = (report.error_count() + report.warning_count()).saturating_sub(SHOWN);
    if more > 0 {
        eprintln!("… {more} more / 另有 {more} 处");
        for count in &report.counts {
            eprintln!("  {:>8} × {}", count.count, count.rule);
        }
    }
    for change in &report.changes {
        println!(
            "changed {}: {} / {}",
            place(change.line, &change.column),
            change.zh,
            change.en
        );
    }
    let seconds = elapsed.as_secs_f64();
    if report.imported > 0 || (report.rows == 0 && report.errors.is_empty()) {
        println!(
            "{}: imported {} rows, {} change(s) to stored records, in {seconds:.2} s",
            path.display(),
            report.imported,
            report.change_count()
        );
        return Ok(());
    }
    match (report.error_count(), report.warning_count()) {
        (0, warnings) => anyhow::bail!(
            "{}: {warnings} warning(s) to confirm (--confirm-warnings); nothing written / 有 {warnings} 处提示需确认，未写入任何数据",
            path.display()
        ),
        (errors, _) => anyhow::bail!(
            "{}: {} rows, {errors} error(s); nothing written / 共 {} 行，{errors} 处错误，未写入任何数据",
            path.display(),
            report.rows,
            report.rows
        ),
    }
}

/// Reads `file`, runs one importer on its records against the database, prints the report.
async fn import_file<Fut>(
    db: Option<String>,
    settings: &Settings,
    file: &Path,
    run: impl FnOnce(Store, Vec<crate::import::Record>) -> Fut,
) -> anyhow::Result<()>
where
    Fut: std::future::Future<Output = Result<ImportReport, crate::import::ImportError>>,
{
    let store = open(db, settings).await?;
    let started = std::time::Instant::now();
    let report = match read(file)? {
        Ok(records) => run(store.clone(), records).await,
        Err(report) => Ok(report),
    };
    store.close().await;
    print_report(file, &report?, started.elapsed())
}

/// Turns field issues from a set-up function into one message per issue.
fn refused(err: app::backend::BackendError) -> anyhow::Error {
    match err {
        app::backend::BackendError::Invalid(issues) => anyhow::anyhow!(issues
            .iter()
            .map(|i| format!("{}: {} / {}", i.path, i.zh, i.en))
            .collect::<Vec<_>>()
            .join("\n")),
        other => other.into(),
    }
}

pub async fn units(command: UnitsCommand, settings: Settings) -> anyhow::Result<()> {
    let UnitsCommand::Import { db, file } = command;
    import_file(db, &settings, &file, |store, records| async move {
        crate::import::units::import_units(&store, None, records).await
    })
    .await
}

pub async fn targets(command: TargetsCommand, settings: Settings) -> anyhow::Result<()> {
    let TargetsCommand::Import { db, file } = command;
    import_file(db, &settings, &file, |store, records| async move {
        crate::import::targets::import_targets(&store, None, records).await
    })
    .await
}

pub async fn assignments(command: AssignmentsCommand, settings: Settings) -> anyhow::Result<()> {
    let AssignmentsCommand::Import { db, file } = command;
    import_file(db, &settings, &file, |store, records| async move {
        crate::import::assignments::import_assignments(&store, None, records).await
    })
    .await
}

pub async fn plots(command: PlotsCommand, settings: Settings) -> anyhow::Result<()> {
    let PlotsCommand::Import { db, file } = command;
    import_file(db, &settings, &file, |store, records| async move {
        let year = crate::service::field_work::this_year();
        crate::import::plots::import_plots(&store, None, records, year).await
    })
    .await
}

pub async fn inspections(command: InspectionsCommand, settings: Settings) -> anyhow::Result<()> {
    let InspectionsCommand::Import { db, file } = command;
    import_file(db, &settings, &file, |store, records| async move {
        let year = crate::service::field_work::this_year();
        crate::import::plots::import_inspections(&store, None, records, year).await
    })
    .await
}

pub async fn households(command: HouseholdsCommand, settings: Settings) -> anyhow::Result<()> {
    let HouseholdsCommand::Import {
        db,
        file,
        confirm_warnings,
        update,
    } = command;
    import_file(db, &settings, &file, |store, records| async move {
        let year = crate::service::field_work::this_year();
        crate::import::households::import_households(
            &store,
            None,
            records,
            confirm_warnings,
            update,
            year,
        )
        .await
    })
    .await
}

pub async fn waves(command: WavesCommand, settings: Settings) -> anyhow::Result<()> {
    use crate::service::setup;
    match command {
        WavesCommand::Open {
            db,
            year,
            reference_start,
            reference_end,
        } => {
            let store = open(db, &settings).await?;
            let input = app::model::WaveInput {
                year,
                start: reference_start,
                end: reference_end,
            };
            let done = setup::open_wave(&store, None, &input).await;
            store.close().await;
            let done = done.map_err(refused)?;
            println!("{} / {}", done.zh, done.en);
            Ok(())
        }
        WavesCommand::Close { db, year } => {
            let store = open(db, &settings).await?;
            let done = setup::close_wave(&store, None, year).await;
            store.close().await;
            let done = done.map_err(refused)?;
            println!("{} / {}", done.zh, done.en);
            Ok(())
        }
        WavesCommand::List { db } => {
            let store = open(db, &settings).await?;
            let waves = store.waves().await?;
            store.close().await;
            println!("year\tperiod_start\tperiod_end\tstate\tbaseline");
            for w in waves {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    w.year,
                    w.period_start,
                    w.period_end,
                    if w.closed { "closed" } else { "open" },
                    if w.baseline { "baseline" } else { "" }
                );
            }
            Ok(())
        }
    }
}

pub async fn lines(command: LinesCommand, settings: Settings) -> anyhow::Result<()> {
    match command {
        LinesCommand::Set {
            db,
            scheme,
            year,
            yuan,
        } => {
            let store = open(db, &settings).await?;
            let input = app::model::LineInput { scheme, year, yuan };
            let done = crate::service::setup::set_line(&store, None, &input).await;
            store.close().await;
            let done = done.map_err(refused)?;
            println!("{} / {}", done.zh, done.en);
            Ok(())
        }
        LinesCommand::List { db } => {
            let store = open(db, &settings).await?;
            let lines = store.poverty_lines().await?;
            store.close().await;
            println!("scheme\tyear\tyuan");
            for l in lines {
                println!("{}\t{}\t{}", l.scheme.code(), l.year, l.amount);
            }
            Ok(())
        }
    }
}
