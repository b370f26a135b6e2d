//! Bulk import of surveys (批量导入) for administrators: the template to download, a CSV file
//! read in the browser, the whole file checked on the server first (every problem by line and
//! column) and written all-or-nothing, with warnings to confirm.

use leptos::prelude::*;

use super::{failure_text, Failure};
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::{ImportIssue, ImportReport};
use crate::server_fns::import_surveys;

/// How many problems the page lists (the rest are counted).
const SHOWN: usize = 200;

#[component]
pub fn AdminImportPage() -> impl IntoView {
    // The chosen file: (name, text, data rows).
    let file = RwSignal::new(None::<(String, String, usize)>);
    let reading = RwSignal::new(None::<String>);
    let confirm = RwSignal::new(false);
    let run =
        Action::new(|(text, confirm): &(String, bool)| import_surveys(text.clone(), *confirm));

    let on_file = move |ev: leptos::ev::Event| {
        file.set(None);
        reading.set(None);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let picked = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0));
            if let Some(picked) = picked {
                let name = picked.name();
                leptos::task::spawn_local(async move {
                    let text = wasm_bindgen_futures::JsFuture::from(picked.text())
                        .await
                        .ok()
                        .and_then(|v| v.as_string());
                    match text {
                        // Excel's default CSV in China is GBK: it decodes to replacement marks.
                        Some(text) if !text.contains('\u{fffd}') => {
                            let rows = text
                                .lines()
                                .filter(|l| !l.trim().is_empty())
                                .count()
                                .saturating_sub(1);
                            file.set(Some((name, text, rows)));
                        }
                        _ => reading.set(Some(name)),
                    }
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let start = move |_| {
        if let Some((_, text, _)) = file.get_untracked() {
            run.dispatch((text, confirm.get_untracked()));
        }
    };
    view! {
        <h1><Tr zh="批量导入问卷" en="Import surveys" /></h1>
        <p class="lede">
            <Tr zh="每行一户一轮问卷；家庭成员、务工等分组按编号列填写（member1_sex、employment2_days…），选项填代码（如 male、yi、afforestation），是/否填 1/0。整个文件先全部校验，全部无误才一次写入；有一行出错则一行都不写入。导入只新建问卷，已有问卷的户请在问卷页面修改。" en="One household survey per row; repeat groups in numbered columns (member1_sex, employment2_days…), choices as codes (male, yi, afforestation), yes/no as 1/0. The whole file is checked first and written only if every row passes: one bad row writes nothing. Imports only create surveys." />
        </p>
        <p><a class="button" href="/api/v1/import/surveys/template.csv" download data-testid="template-link"><Tr zh="下载模板（CSV）" en="Download the template (CSV)" /></a></p>
        <div class="filters" data-testid="import-form">
            <label>
                <span><Tr zh="CSV 文件（UTF-8 编码）" en="CSV file (UTF-8)" /></span>
                <input type="file" name="file" accept=".csv,text/csv" on:change=on_file />
            </label>
            <label class="check">
                <input type="checkbox" name="confirm_warnings" on:change=move |ev| confirm.set(event_target_checked(&ev)) />
                <span><Tr zh="有提示（不常见的数值）时仍导入" en="Import despite warnings (unusual values)" /></span>
            </label>
            <button type="button" data-testid="import-start" on:click=start disabled=move || file.with(Option::is_none) || run.pending().get()>
                <Tr zh="校验并导入" en="Check and import" />
            </button>
        </div>
        {move || reading.get().map(|name| view! {
            <p class="error" role="alert">{name}" — "<Tr zh="不是 UTF-8 编码。请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”后再选择。" en="is not UTF-8. In Excel, Save As → CSV UTF-8 (comma delimited), then choose it again." /></p>
        })}
        {move || file.get().map(|(name, _, rows)| view! {
            <p class="muted" data-testid="import-file">{name}" · "{rows}<Tr zh=" 行数据" en=" data rows" /></p>
        })}
        {move || run.pending().get().then(|| view! {
            <p role="status" data-testid="import-progress">
                <progress></progress>" "
                <Tr zh="正在校验并导入，请勿关闭页面…" en="Checking and importing; keep this page open…" />
            </p>
        })}
        {move || run.value().get().map(|result| match result {
            Ok(report) => view! { <Report report /> }.into_any(),
            Err(err) => view! { <Failure message=failure_text(&err) /> }.into_any(),
        })}
    }
}

#[component]
fn Report(report: ImportReport) -> impl IntoView {
    let lang = use_lang();
    let (rows, imported) = (report.rows, report.imported);
    let (errors, warnings) = (report.errors.len(), report.warnings.len());
    let summary = move || match (imported > 0, lang.get()) {
        (true, l) => l
            .pick(
                &format!("已导入 {imported} 份问卷。"),
                &format!("Imported {imported} surveys."),
            )
            .to_owned(),
        (false, domain::Lang::Zh) => {
            format!("共 {rows} 行，{errors} 处错误，{warnings} 处提示：没有写入任何数据。")
        }
        (false, domain::Lang::En) => {
            format!("{rows} rows, {errors} error(s), {warnings} warning(s): nothing was written.")
        }
    };
    let class = if imported > 0 { "ok" } else { "error" };
    let mut listed: Vec<ImportIssue> = report.errors.clone();
    listed.extend(report.warnings.clone());
    let more = listed.len().saturating_sub(SHOWN);
    listed.truncate(SHOWN);
    view! {
        <section data-testid="import-report">
            <p class=class role="alert" data-testid="import-summary">{summary}</p>
            {(!listed.is_empty()).then(|| view! {
                <div class="table-wrap">
                    <table class="data" data-testid="import-issues">
                        <thead><tr>
                            <th><Tr zh="行" en="Line" /></th>
                            <th><Tr zh="列" en="Column" /></th>
                            <th><Tr zh="问题" en="Problem" /></th>
                        </tr></thead>
                        <tbody>
                            {listed.into_iter().map(|i| {
                                let class = if i.warning { "warning" } else { "error" };
                                view! {
                                    <tr class=class>
                                        <td>{i.line}</td>
                                        <td><code>{i.column.clone()}</code></td>
                                        <td>{move || lang.get().pick(&i.zh, &i.en).to_owned()}</td>
                                    </tr>
                                }.into_any()
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                {(more > 0).then(|| view! { <p class="muted">"… +"{more}</p> })}
            })}
        </section>
    }
}
