//! Downloads for analysis: indicator tables for anyone signed in (units of their scope), and
//! for researchers and administrators the pseudonymised micro-data with its codebook. Plain
//! links and a GET form to `/api/v1/export/…`, so they work without JavaScript and stream
//! straight into the browser's download manager.

use leptos::prelude::*;

use crate::i18n::{use_lang, Pick, Tr};
use crate::server_fns::whoami;

/// The micro-data files, as `/api/v1/export/microdata/<name>.csv` serves them.
const FILES: [(&str, &str, &str); 8] = [
    ("households_by_wave", "农户-轮次", "households by wave"),
    ("members_by_wave", "家庭成员-轮次", "members by wave"),
    ("employment", "务工", "employment"),
    ("training", "培训", "training"),
    ("understory", "林下经济", "understory"),
    ("livestock", "养殖", "livestock"),
    ("plots", "造林地块", "afforestation plots"),
    (
        "plot_inspections",
        "地块成活率检查",
        "plot survival inspections",
    ),
];

/// `/exports`: the indicator-table export form for everyone, and the micro-data and codebook
/// downloads for researchers and administrators.
#[component]
pub fn ExportsPage() -> impl IntoView {
    let lang = use_lang();
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <section class="exports">
            <h1><Tr zh="数据导出" en="Exports" /></h1>
            <h2><Tr zh="指标表" en="Indicator tables" /></h2>
            <p class="muted small">
                {move || lang.get().pick(
                    "单位、轮次可填多个（逗号分隔），留空为默认（本人管辖范围、全部轮次）。研究人员导出的数据中，覆盖不足 5 户的调查指标不予显示并标注“suppressed”。",
                    "Several units and waves may be given, comma-separated; empty means your scope and every wave. For researchers, survey figures covering fewer than 5 households are withheld and marked \"suppressed\".",
                )}
            </p>
            <form method="get" action="/api/v1/export/indicators" class="form grid" data-testid="export-indicators">
                <label>
                    <span><Tr zh="单位代码" en="Unit codes" /></span>
                    <input name="unit" placeholder="513431,513434,513437" />
                </label>
                <label>
                    <span><Tr zh="轮次" en="Waves" /></span>
                    <input name="wave" placeholder="2018,2021" />
                </label>
                <label>
                    <span><Tr zh="分组" en="Breakdown" /></span>
                    <select name="by">
                        <option value=""><Tr zh="不分组" en="none" /></option>
                        <option value="model"><Tr zh="参与模式" en="model" /></option>
                        <option value="poverty_registration"><Tr zh="建档立卡类别" en="poverty registration" /></option>
                        <option value="head_sex"><Tr zh="户主性别" en="head's sex" /></option>
                        <option value="head_ethnicity"><Tr zh="户主民族" en="head's ethnicity" /></option>
                        <option value="model,poverty_registration"><Tr zh="参与模式 × 建档立卡" en="model × registration" /></option>
                    </select>
                </label>
                <label>
                    <span><Tr zh="格式" en="Format" /></span>
                    <select name="format">
                        <option value="csv">"CSV"</option>
                        <option value="xlsx">"XLSX"</option>
                        <option value="json">"JSON"</option>
                    </select>
                </label>
                <button type="submit"><Tr zh="下载" en="Download" /></button>
            </form>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let role = me.await.ok().flatten().map(|v| v.role);
                    matches!(role, Some(domain::Role::Researcher | domain::Role::Admin)).then(|| view! {
                        <h2><Tr zh="微观数据（化名）" en="Micro-data (pseudonymised)" /></h2>
                        <p class="muted small">
                            {move || lang.get().pick(
                                "大文件会边生成边下载，浏览器的下载栏显示进度；Excel 每个工作表最多约 100 万行，超出部分续在下一个工作表。",
                                "Large files stream while they are produced; the browser's download bar shows progress. An Excel sheet holds about a million rows; longer tables continue on the next sheet.",
                            )}
                        </p>
                        <p class="muted small">
                            {move || lang.get().pick(
                                "长表格式，以 household_pid 关联；编号在各次导出中保持一致，无法反推出农户身份。不含姓名、身份证号、电话和文字备注。默认只含已审核问卷。",
                                "Long files linked by household_pid, stable across exports and not reversible to a household. No names, ID-card numbers, phones or free-text notes. Approved surveys only by default.",
                            )}
                        </p>
                        <ul class="downloads" data-testid="microdata-files">
                            {FILES.iter().map(|(name, zh, en)| {
                                let (zh, en) = (*zh, *en);
                                view! {
                                    <li>
                                        <a href=format!("/api/v1/export/microdata/{name}.csv") download>
                                            {format!("{name}.csv")}
                                        </a>
                                        " · "
                                        <a href=format!("/api/v1/export/microdata/{name}.xlsx") download>"xlsx"</a>
                                        " — " {move || lang.get().pick(zh, en)}
                                    </li>
                                }
                            }).collect_view()}
                            <li>
                                <a href="/api/v1/export/microdata/codebook.csv" download>"codebook.csv"</a>
                                " · "
                                <a href="/api/v1/export/microdata/codebook.json" download>"codebook.json"</a>
                                " — " <Tr zh="变量说明（中英文标签、类型、单位、取值）" en="codebook (zh/en labels, types, units, values)" />
                            </li>
                        </ul>
                        <p class="muted small">
                            {move || lang.get().pick(
                                "脚本下载：在“我的账户”创建 API 令牌，然后 curl -H \"Authorization: Bearer <令牌>\" …/api/v1/export/microdata/households_by_wave.csv",
                                "From scripts: create an API token on My account, then curl -H \"Authorization: Bearer <token>\" …/api/v1/export/microdata/households_by_wave.csv",
                            )}
                        </p>
                    })
                })}
            </Suspense>
        </section>
    }
}
