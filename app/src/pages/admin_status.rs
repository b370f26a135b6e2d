//! The administrators' status page (`/admin/status`): how the running server is doing — its
//! bundle, database, indicator engine and change feed, surveys, connections, sign-ins and
//! scheduled backups (the figures `/metrics` exports) — and a button that asks the server and
//! its database afresh, in one server-function round trip from the hydrated page.

use leptos::prelude::*;

use super::{when, Failure};
use crate::format::grouped;
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{BackupsView, OperationsView};
use crate::server_fns::{check_server, server_operations};

/// `/admin/status`.
#[component]
pub fn AdminStatusPage() -> impl IntoView {
    view! {
        <section class="hero compact">
            <h1><Tr zh="服务器状态" en="Server status" /></h1>
            <p class="muted">
                <Tr
                    zh="这台服务器的运行情况和定时备份；按钮向服务器和数据库重新询问：数据库类型、架构版本、行政区划数和程序版本。"
                    en="How this server is running, and its scheduled backups; the button asks the server and its database afresh: the database, its schema version, the administrative units and the program's version."
                />
            </p>
        </section>
        <ServerCheck />
        <Operations />
    }
}

/// `3 天 4 小时` / `3 d 4 h` for a number of seconds.
fn duration(seconds: u64, lang: domain::Lang) -> String {
    let (d, h, m) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60);
    match (lang, d, h) {
        (domain::Lang::Zh, 0, 0) => format!("{m} 分钟"),
        (domain::Lang::Zh, 0, _) => format!("{h} 小时 {m} 分钟"),
        (domain::Lang::Zh, _, _) => format!("{d} 天 {h} 小时"),
        (_, 0, 0) => format!("{m} min"),
        (_, 0, _) => format!("{h} h {m} min"),
        (_, _, _) => format!("{d} d {h} h"),
    }
}

/// Bytes as KB / MB with one decimal.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1 << 20)),
        b => format!("{:.1} KB", b as f64 / 1024.0),
    }
}

/// The running server's figures, read when the page renders.
#[component]
fn Operations() -> impl IntoView {
    let figures = Resource::new(|| (), |_| server_operations());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match figures.await {
                    Ok(view) => view! { <OperationsTable view /> }.into_any(),
                    Err(err) => view! { <Failure error=err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OperationsTable(view: OperationsView) -> impl IntoView {
    let lang = use_lang();
    let backend = match view.backend.as_str() {
        "postgres" => "PostgreSQL",
        _ => "SQLite",
    };
    let surveys = view
        .surveys
        .iter()
        .map(|(status, n)| (*status, *n))
        .collect::<Vec<_>>();
    let requests = view
        .requests
        .iter()
        .map(|(class, n)| format!("{class} {}", grouped(*n as f64, 0)))
        .collect::<Vec<_>>()
        .join(" · ");
    let (open, idle, max) = view.pool;
    let (ok, failed, throttled) = view.sign_ins;
    let proxies = match view.trusted_proxies.is_empty() {
        true => None,
        false => Some(view.trusted_proxies.join(", ")),
    };
    let lag = view.feed_lag;
    let uptime = view.uptime_s;
    let backups = view.backups.clone();
    view! {
        <section class="operations" data-testid="operations">
            <h2><Tr zh="运行情况" en="Running" /></h2>
            <p class="muted small">
                <Tr
                    zh="与 /metrics 导出给监控系统的数字相同，打开本页时读取。"
                    en="The figures /metrics exports to a monitoring system, read when this page opened."
                />
            </p>
            <table class="data compact">
                <tbody>
                    <tr>
                        <th><Tr zh="程序" en="Program" /></th>
                        <td>"tanhui " {view.version.clone()} " · "
                            <Tr zh="前端版本 " en="bundle " /><code>{view.build.clone()}</code>
                            " (" {view.assets.clone()} ")"</td>
                    </tr>
                    <tr>
                        <th><Tr zh="已运行" en="Up for" /></th>
                        <td>{move || duration(uptime, lang.get())}</td>
                    </tr>
                    <tr>
                        <th><Tr zh="数据库" en="Database" /></th>
                        <td>{backend} " · " <Tr zh="架构版本 " en="schema " />{view.schema_version}
                            " · " <Tr zh="连接 " en="connections " />
                            {format!("{} / {}", open.saturating_sub(idle), max)}
                            <Tr zh=" 使用中" en=" in use" /></td>
                    </tr>
                    <tr>
                        <th><Tr zh="指标引擎" en="Indicator engine" /></th>
                        <td data-testid="engine">
                            {grouped(view.engine_facts as f64, 0)}<Tr zh=" 份已审核问卷 · " en=" approved surveys · " />
                            {grouped(view.engine_cells as f64, 0)}<Tr zh=" 个汇总格 · " en=" cells · " />
                            {move || match lag {
                                0 => lang.get().pick("变更已全部应用", "every change applied").to_owned(),
                                n => lang.get().pick(
                                    &format!("落后 {n} 条变更（下一次读取时补上）"),
                                    &format!("{n} changes behind (applied at the next read)"),
                                ).to_owned(),
                            }}
                        </td>
                    </tr>
                    <tr>
                        <th><Tr zh="问卷" en="Surveys" /></th>
                        <td>
                            {surveys.into_iter().map(|(status, n)| view! {
                                <span class=format!("status {}", status.code())>
                                    {move || domain::Localized::in_lang(&status, lang.get())}
                                    " " {grouped(n as f64, 0)}
                                </span>
                                " "
                            }).collect_view()}
                        </td>
                    </tr>
                    <tr>
                        <th><Tr zh="登录" en="Sign-ins" /></th>
                        <td>
                            {grouped(ok as f64, 0)}<Tr zh=" 成功 · " en=" succeeded · " />
                            {grouped(failed as f64, 0)}<Tr zh=" 失败 · " en=" failed · " />
                            {grouped(throttled as f64, 0)}<Tr zh=" 被限制" en=" throttled" />
                        </td>
                    </tr>
                    <tr>
                        <th><Tr zh="请求" en="Requests" /></th>
                        <td>{requests}</td>
                    </tr>
                    <tr>
                        <th><Tr zh="反向代理" en="Reverse proxies" /></th>
                        <td>{match proxies {
                            Some(list) => view! { <code>{list}</code> }.into_any(),
                            None => view! {
                                <Tr zh="未设置（客户端地址即连接地址）" en="none set (the client is the connecting address)" />
                            }.into_any(),
                        }}</td>
                    </tr>
                </tbody>
            </table>
            <Backups backups />
        </section>
    }
}

#[component]
fn Backups(backups: Option<BackupsView>) -> impl IntoView {
    let lang = use_lang();
    let Some(b) = backups else {
        return view! {
            <h3><Tr zh="定时备份" en="Scheduled backups" /></h3>
            <p class="notice" data-testid="backups-off">
                <Tr
                    zh="未开启。设置 TANHUI_BACKUP_DIR（以及 TANHUI_BACKUP_EVERY、TANHUI_BACKUP_KEEP）后，服务器会按时备份并逐一读回检查；也可随时运行 tanhui backup。"
                    en="Off. Set TANHUI_BACKUP_DIR (and TANHUI_BACKUP_EVERY, TANHUI_BACKUP_KEEP) and the server takes backups on schedule, reading each back to check it; tanhui backup works any time."
                />
            </p>
        }
        .into_any();
    };
    let summary = {
        let b = b.clone();
        move || {
            let lang = lang.get();
            let last = b.last_ms.map_or_else(
                || {
                    lang.pick("本次运行尚未备份", "none yet in this run")
                        .to_owned()
                },
                |ms| format!("{} ({:.1} s)", when(ms), b.last_seconds.unwrap_or_default()),
            );
            let next = b.next_ms.map(when).unwrap_or_else(|| "—".to_owned());
            match lang {
                domain::Lang::Zh => format!(
                    "每 {} 一次，保留最近 {} 份，存于 {}。最近一次：{}；下一次：{}；失败 {} 次。",
                    b.every, b.keep, b.dir, last, next, b.failures
                ),
                _ => format!(
                    "Every {}, keeping the newest {}, in {}. Last: {}; next: {}; {} failed.",
                    b.every, b.keep, b.dir, last, next, b.failures
                ),
            }
        }
    };
    let failing = b.failures > 0;
    view! {
        <h3><Tr zh="定时备份" en="Scheduled backups" /></h3>
        <p class=move || if failing { "error" } else { "muted small" } data-testid="backups-summary">{summary}</p>
        <div class="table-wrap">
            <table class="data" data-testid="backup-files">
                <thead><tr>
                    <th><Tr zh="文件" en="File" /></th>
                    <th><Tr zh="大小" en="Size" /></th>
                    <th><Tr zh="写入时间" en="Written" /></th>
                </tr></thead>
                <tbody>
                    {b.files.iter().map(|f| view! {
                        <tr>
                            <td><code>{f.name.clone()}</code></td>
                            <td class="num">{size(f.bytes)}</td>
                            <td>{when(f.modified_ms)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="muted small">
            <Tr
                zh="恢复：停止服务器，在新的空数据库上运行 tanhui restore --db URL 文件，再用 tanhui digest 核对。"
                en="To restore: stop the server, run tanhui restore --db URL FILE into a new, empty database, and check it with tanhui digest."
            />
        </p>
    }
    .into_any()
}

/// A button that asks the server (and so the database) how it is: a full server-function
/// round trip from the hydrated page.
#[component]
fn ServerCheck() -> impl IntoView {
    let lang = use_lang();
    let check = Action::new(|_: &()| check_server());
    let result = move || {
        check.value().get().map(|outcome| match outcome {
            Ok(status) => {
                let backend = match status.backend.as_str() {
                    "postgres" => "PostgreSQL",
                    _ => "SQLite",
                };
                let text = match lang.get() {
                    domain::Lang::Zh => format!(
                        "服务器正常：{backend} 数据库，架构版本 {}，{} 个行政区划，tanhui {}",
                        status.schema_version, status.units, status.version
                    ),
                    domain::Lang::En => format!(
                        "Server OK: {backend} database, schema version {}, {} administrative units, tanhui {}",
                        status.schema_version, status.units, status.version
                    ),
                };
                view! { <p class="ok" data-testid="server-status">{text}</p> }.into_any()
            }
            Err(err) => view! { <p class="error" role="alert" data-testid="server-status">{err.to_string()}</p> }.into_any(),
        })
    };

    view! {
        <section class="server-check">
            <button
                type="button"
                data-testid="check-server"
                disabled=move || check.pending().get()
                on:click=move |_| {
                    check.dispatch(());
                }
            >
                <Tr zh="检查服务器与数据库" en="Check server and database" />
            </button>
            {result}
        </section>
    }
}
