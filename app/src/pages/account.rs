//! The signed-in account's own page: change the password (required after a one-time
//! password) and, for researchers and administrators, API tokens for scripted exports.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{when, Failure, Issues};
use crate::i18n::{use_lang, Pick, Tr};
use crate::server_fns::{my_failed_sign_ins, whoami, ChangePassword, CreateToken, RevokeToken};

/// `/account`: the signed-in user's account. `?must_change` (after signing in with a
/// one-time password) asks for a new password before anything else.
#[component]
pub fn AccountPage() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let must_change = move || query.read().get("must_change").is_some();
    let me = Resource::new(|| (), |_| whoami());

    view! {
        <section class="account">
            <h1><Tr zh="我的账户" en="My account" /></h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let viewer = me.await.ok().flatten();
                    viewer.map(|v| {
                        let scopes = if v.scopes.is_empty() { "—".to_owned() } else { v.scopes.join("、") };
                        let role = v.role;
                        let holds_tokens = matches!(role, domain::Role::Admin | domain::Role::Researcher);
                        view! {
                            <dl class="facts" data-testid="account-facts">
                                <dt><Tr zh="用户名" en="Username" /></dt>
                                <dd>{v.username.clone()}</dd>
                                <dt><Tr zh="角色" en="Role" /></dt>
                                <dd>{move || domain::Localized::in_lang(&role, lang.get())}</dd>
                                <dt><Tr zh="管辖范围" en="Scope" /></dt>
                                <dd>{scopes}</dd>
                            </dl>
                            <FailedSignIns />
                            {holds_tokens.then(|| view! { <Tokens /> })}
                        }
                    })
                })}
            </Suspense>
            {move || {
                must_change()
                    .then(|| {
                        view! {
                            <p class="notice" role="status" data-testid="must-change">
                                {move || {
                                    lang.get()
                                        .pick(
                                            "您正在使用一次性密码，请先设置自己的新密码。",
                                            "You signed in with a one-time password: choose your own password first.",
                                        )
                                }}
                            </p>
                        }
                    })
            }}
            <ChangePasswordForm />
        </section>
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let result = move || {
        action.value().get().map(|outcome| match outcome {
            Ok(Ok(())) => view! {
                <p class="ok" role="status" data-testid="password-changed">
                    <Tr zh="密码已更改。其他设备上的登录已退出。" en="Password changed. Sessions on other devices have been signed out." />
                </p>
            }
            .into_any(),
            Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
            Err(err) => view! { <Failure error=err /> }.into_any(),
        })
    };
    view! {
        <h2><Tr zh="更改密码" en="Change password" /></h2>
        <ActionForm action attr:class="form" attr:data-testid="password-form">
            <label>
                <span><Tr zh="当前密码" en="Current password" /></span>
                <input type="password" name="current" autocomplete="current-password" required />
            </label>
            <label>
                <span><Tr zh="新密码（至少 10 个字符）" en="New password (at least 10 characters)" /></span>
                <input type="password" name="new" autocomplete="new-password" required minlength="10" />
            </label>
            <button type="submit" disabled=move || action.pending().get()>
                <Tr zh="保存新密码" en="Save new password" />
            </button>
        </ActionForm>
        {result}
    }
}

/// API tokens: create (the secret is shown once), list, revoke.
#[component]
fn Tokens() -> impl IntoView {
    let lang = use_lang();
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| crate::server_fns::my_tokens(),
    );
    let created = move || {
        create.value().get().map(|outcome| match outcome {
            Ok(Ok(new)) => view! {
                <div class="notice" role="status">
                    <p><Tr zh="新令牌（只显示这一次，请立即复制保存）：" en="New token (shown this once: copy it now):" /></p>
                    <code class="secret" data-testid="new-token">{new.secret.clone()}</code>
                </div>
            }
            .into_any(),
            Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
            Err(err) => view! { <Failure error=err /> }.into_any(),
        })
    };
    view! {
        <h2><Tr zh="API 令牌" en="API tokens" /></h2>
        <p class="muted small">
            {move || lang.get().pick(
                "脚本导出时在请求头中使用：Authorization: Bearer <令牌>。令牌与您的账号权限相同，不用时请撤销。",
                "For scripted exports send Authorization: Bearer <token>. A token has your account's rights; revoke it when no longer needed.",
            )}
        </p>
        <ActionForm action=create attr:class="form inline">
            <label>
                <span><Tr zh="名称" en="Name" /></span>
                <input name="name" required maxlength="64" placeholder=move || lang.get().pick("例如：Stata 导出", "e.g. Stata export") />
            </label>
            <button type="submit"><Tr zh="创建令牌" en="Create token" /></button>
        </ActionForm>
        {created}
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match tokens.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted"><Tr zh="还没有令牌。" en="No tokens yet." /></p>
                    }.into_any(),
                    Ok(list) => view! {
                        <table class="data" data-testid="token-table">
                            <thead><tr>
                                <th><Tr zh="名称" en="Name" /></th>
                                <th><Tr zh="前缀" en="Prefix" /></th>
                                <th><Tr zh="创建时间" en="Created" /></th>
                                <th><Tr zh="最近使用" en="Last used" /></th>
                                <th><Tr zh="状态" en="Status" /></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|t| {
                                    let id = t.id.clone();
                                    let live = t.revoked_at.is_none();
                                    view! {
                                        <tr>
                                            <td>{t.name.clone()}</td>
                                            <td><code>{t.prefix.clone()}"…"</code></td>
                                            <td>{when(t.created_at)}</td>
                                            <td>{t.last_used_at.map(when).unwrap_or_else(|| "—".into())}</td>
                                            <td>
                                                {if live {
                                                    view! {
                                                        <ActionForm action=revoke attr:class="inline">
                                                            <input type="hidden" name="id" value=id.clone() />
                                                            <button type="submit" class="danger"><Tr zh="撤销" en="Revoke" /></button>
                                                        </ActionForm>
                                                    }.into_any()
                                                } else {
                                                    view! { <span class="muted"><Tr zh="已撤销" en="revoked" /></span> }.into_any()
                                                }}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(err) => view! { <Failure error=err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A notice when someone failed to sign in with the reader's username over the last day:
/// how often, when last and from where, so that the owner notices a guesser (or a colleague
/// typing the wrong name) and can tell an administrator.
#[component]
fn FailedSignIns() -> impl IntoView {
    let lang = use_lang();
    let failures = Resource::new(|| (), |_| my_failed_sign_ins());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let found = failures.await.ok().filter(|f| f.count > 0);
                found.map(|f| {
                    let at = f.latest_at.map(when).unwrap_or_default();
                    let from = f.latest_ip.clone().unwrap_or_else(|| "—".into());
                    let count = f.count;
                    view! {
                        <p class="notice" role="status" data-testid="failed-sign-ins">
                            {move || match lang.get() {
                                domain::Lang::Zh => format!(
                                    "近24小时有 {count} 次用您的用户名登录失败，最近一次在 {at}，来自 {from}。如果不是您本人，请告知管理员并修改密码。"
                                ),
                                domain::Lang::En => format!(
                                    "{count} failed sign-in(s) with your username in the last 24 hours, the latest at {at} from {from}. If that was not you, tell an administrator and change your password."
                                ),
                            }}
                        </p>
                    }
                })
            })}
        </Suspense>
    }
}
