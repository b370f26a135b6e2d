//! Administrators' view of the audit log: filterable by action, account, target and dates.
//! Filters live in the URL (a GET form), so a filtered view can be shared and works without
//! JavaScript.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{when, Failure, Issues};
use crate::i18n::Tr;
use crate::model::AuditQuery;
use crate::server_fns::audit_log;

/// `/admin/audit` (administrators): the audit log, newest first, filtered by the URL's
/// `action`, `actor`, `target`, `from` and `to`, with `before` paging to older entries.
#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        let text = |name: &str| q.get(name).filter(|v| !v.trim().is_empty());
        AuditQuery {
            action: text("action"),
            actor: text("actor"),
            target: text("target"),
            from: text("from"),
            to: text("to"),
            before: text("before").and_then(|b| b.parse().ok()),
        }
    };
    let entries = Resource::new(filter, |q: AuditQuery| {
        audit_log(q.action, q.actor, q.target, q.from, q.to, q.before)
    });
    let value = move |name: &'static str| move || query.read().get(name).unwrap_or_default();
    // The next page keeps the filters.
    let older_href = move |seq: i64| {
        let q = query.read_untracked();
        let mut href = format!("/admin/audit?before={seq}");
        for name in ["action", "actor", "target", "from", "to"] {
            if let Some(v) = q.get(name).filter(|v| !v.is_empty()) {
                href.push_str(&format!(
                    "&{name}={}",
                    crate::format::percent_encode(&v, b"")
                ));
            }
        }
        href
    };

    view! {
        <section class="admin">
            <h1><Tr zh="审计日志" en="Audit log" /></h1>
            <form method="get" action="/admin/audit" class="form grid" data-testid="audit-filter">
                <label>
                    <span><Tr zh="操作" en="Action" /></span>
                    <input name="action" value=value("action") placeholder="login.failed / survey." list="audit-actions" />
                    <datalist id="audit-actions">
                        {["login.ok", "login.failed", "login.throttled", "logout", "user.", "user.create", "user.update",
                          "user.password_reset", "user.password_change", "token.", "household.create", "survey.",
                          "survey.create", "survey.approve", "survey.reject"]
                            .into_iter().map(|a| view! { <option value=a /> }).collect_view()}
                    </datalist>
                </label>
                <label>
                    <span><Tr zh="操作人" en="Account" /></span>
                    <input name="actor" value=value("actor") />
                </label>
                <label>
                    <span><Tr zh="对象" en="Target" /></span>
                    <input name="target" value=value("target") />
                </label>
                <label>
                    <span><Tr zh="起始日期" en="From" /></span>
                    <input type="date" name="from" value=value("from") />
                </label>
                <label>
                    <span><Tr zh="截止日期" en="To" /></span>
                    <input type="date" name="to" value=value("to") />
                </label>
                <button type="submit"><Tr zh="筛选" en="Filter" /></button>
            </form>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(Ok(list)) if list.is_empty() => view! {
                            <p class="muted" data-testid="audit-empty"><Tr zh="没有符合条件的记录。" en="No matching entries." /></p>
                        }.into_any(),
                        Ok(Ok(list)) => {
                            let oldest = list.last().map(|e| e.seq);
                            let more = (list.len() >= 200).then_some(oldest).flatten();
                            view! {
                                <div class="table-wrap">
                                    <table class="data" data-testid="audit-table">
                                        <thead><tr>
                                            <th><Tr zh="时间（北京时间）" en="Time (China)" /></th>
                                            <th><Tr zh="操作人" en="Account" /></th>
                                            <th><Tr zh="操作" en="Action" /></th>
                                            <th><Tr zh="对象" en="Target" /></th>
                                            <th><Tr zh="单位" en="Unit" /></th>
                                            <th>"IP"</th>
                                            <th><Tr zh="变更前" en="Before" /></th>
                                            <th><Tr zh="变更后" en="After" /></th>
                                        </tr></thead>
                                        <tbody>
                                            {list.into_iter().map(|e| view! {
                                                <tr data-action=e.action.clone()>
                                                    <td class="small">{when(e.at)}</td>
                                                    <td>{e.actor.clone()}</td>
                                                    <td><code>{e.action.clone()}</code></td>
                                                    <td>{e.target.clone().unwrap_or_default()}</td>
                                                    <td>{e.unit_code.clone().unwrap_or_default()}</td>
                                                    <td class="small">{e.ip.clone().unwrap_or_default()}</td>
                                                    <td class="json">{e.before.clone().unwrap_or_default()}</td>
                                                    <td class="json">{e.after.clone().unwrap_or_default()}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                {more.map(|seq| view! {
                                    <p><a href=older_href(seq) data-testid="audit-older"><Tr zh="更早的记录 →" en="Older entries →" /></a></p>
                                })}
                            }.into_any()
                        }
                        Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
                        Err(err) => view! { <Failure error=err /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
