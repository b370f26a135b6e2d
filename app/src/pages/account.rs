//! The signed-in account's own page: change the password (required after a one-time
//! password), two-step verification (required for some roles), and, for researchers and
//! administrators, API tokens for scripted exports.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{when, Failure, Issues};
use crate::i18n::{use_lang, Pick, Tr};
use crate::server_fns::{
    my_failed_sign_ins, my_second_factor, whoami, ChangePassword, ConfirmSecondFactor, CreateToken,
    DisableSecondFactor, RenewRecoveryCodes, RevokeToken, StartSecondFactor,
};

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
                        // Tokens wait until the account may use the rest of the application.
                        let holds_tokens = matches!(role, domain::Role::Admin | domain::Role::Researcher)
                            && !v.must_change_password
                            && !v.must_enrol_second_factor;
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
                            <SecondFactor />
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
                "脚本导出时在请求头中使用：Authorization: Bearer <令牌>。令牌最多拥有您账号的权限；只读令牌只能读取。令牌到期后失效，不用时请撤销。",
                "For scripted exports send Authorization: Bearer <token>. A token has at most your account's rights, a read-only one reads only; it stops working when it expires. Revoke it when no longer needed.",
            )}
        </p>
        <ActionForm action=create attr:class="form inline">
            <label>
                <span><Tr zh="名称" en="Name" /></span>
                <input name="name" required maxlength="64" placeholder=move || lang.get().pick("例如：Stata 导出", "e.g. Stata export") />
            </label>
            <label>
                <span><Tr zh="权限" en="Scope" /></span>
                <select name="scope" data-testid="token-scope">
                    <option value="read" selected=true><Tr zh="只读" en="read only" /></option>
                    <option value="write"><Tr zh="读写" en="read and write" /></option>
                </select>
            </label>
            <label>
                <span><Tr zh="有效天数" en="Days valid" /></span>
                <input name="days" type="number" min="1" max="365" value="90" required data-testid="token-days" />
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
                                <th><Tr zh="权限" en="Scope" /></th>
                                <th><Tr zh="创建时间" en="Created" /></th>
                                <th><Tr zh="到期" en="Expires" /></th>
                                <th><Tr zh="最近使用" en="Last used" /></th>
                                <th><Tr zh="状态" en="Status" /></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|t| {
                                    let id = t.id.clone();
                                    let live = t.revoked_at.is_none() && !t.expired;
                                    let revoked = t.revoked_at.is_some();
                                    let read_only = t.read_only;
                                    view! {
                                        <tr>
                                            <td>{t.name.clone()}</td>
                                            <td><code>{t.prefix.clone()}"…"</code></td>
                                            <td>{move || match read_only {
                                                true => lang.get().pick("只读", "read only"),
                                                false => lang.get().pick("读写", "read and write"),
                                            }}</td>
                                            <td>{when(t.created_at)}</td>
                                            <td>{t.expires_at.map(when).unwrap_or_else(|| "—".into())}</td>
                                            <td>{t.last_used_at.map(when).unwrap_or_else(|| "—".into())}</td>
                                            <td>
                                                {if live {
                                                    view! {
                                                        <ActionForm action=revoke attr:class="inline">
                                                            <input type="hidden" name="id" value=id.clone() />
                                                            <button type="submit" class="danger"><Tr zh="撤销" en="Revoke" /></button>
                                                        </ActionForm>
                                                    }.into_any()
                                                } else if revoked {
                                                    view! { <span class="muted"><Tr zh="已撤销" en="revoked" /></span> }.into_any()
                                                } else {
                                                    view! { <span class="muted"><Tr zh="已过期" en="expired" /></span> }.into_any()
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

/// Recovery codes as shown once, after enrolment or renewal.
#[component]
fn RecoveryCodes(codes: Vec<String>) -> impl IntoView {
    view! {
        <div class="notice" role="status" data-testid="recovery-codes">
            <p>
                <Tr
                    zh="恢复码（只显示这一次）：手机丢失时，每个恢复码可代替验证码登录一次。请抄写或打印后妥善保管，不要存在这台手机里。"
                    en="Recovery codes (shown this once): if you lose your phone, each one signs you in once instead of a code. Write them down or print them and keep them safe, not on this phone."
                />
            </p>
            <ul class="codes">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ul>
        </div>
    }
}

/// Two-step verification: enrol an authenticator app (QR code, then a first code), see the
/// recovery codes once, renew them, or turn it off where the role allows.
#[component]
fn SecondFactor() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let start = ServerAction::<StartSecondFactor>::new();
    let confirm = ServerAction::<ConfirmSecondFactor>::new();
    let renew = ServerAction::<RenewRecoveryCodes>::new();
    let disable = ServerAction::<DisableSecondFactor>::new();
    let status = Resource::new(
        move || {
            (
                confirm.version().get(),
                renew.version().get(),
                disable.version().get(),
            )
        },
        |_| my_second_factor(),
    );
    let code_input = move || {
        view! {
            <label>
                <span><Tr zh="验证码（6 位数字）" en="Code (6 digits)" /></span>
                <input name="code" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 ]{6,7}" required data-testid="second-factor-code" />
            </label>
        }
    };
    let enrolment = move || {
        if matches!(confirm.value().get(), Some(Ok(Ok(_)))) {
            return None;
        }
        start.value().get().map(|outcome| match outcome {
            Ok(Ok(new)) => view! {
                <div class="enrol" data-testid="second-factor-enrolment">
                    <p>
                        <Tr
                            zh="1. 用手机上的验证器应用（如微信小程序“腾讯身份验证器”、Google Authenticator、Microsoft Authenticator）扫描二维码，或手动输入密钥："
                            en="1. Scan the QR code with an authenticator app on your phone (Google or Microsoft Authenticator, Tencent's authenticator…), or type the key:"
                        />
                    </p>
                    <div class="qr" inner_html=new.qr_svg.clone()></div>
                    <p><code class="secret" data-testid="second-factor-secret">{new.secret.clone()}</code></p>
                    <p><Tr zh="2. 输入应用显示的 6 位验证码以确认：" en="2. Type the 6-digit code the app shows to confirm:" /></p>
                    <ActionForm action=confirm attr:class="form inline" attr:data-testid="second-factor-confirm">
                        {code_input()}
                        <button type="submit" disabled=move || confirm.pending().get()>
                            <Tr zh="确认启用" en="Confirm" />
                        </button>
                    </ActionForm>
                </div>
            }
            .into_any(),
            Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
            Err(err) => view! { <Failure error=err /> }.into_any(),
        })
    };
    let confirmed = move || {
        confirm.value().get().map(|outcome| match outcome {
            Ok(Ok(codes)) => view! {
                <p class="ok" role="status" data-testid="second-factor-on">
                    <Tr zh="两步验证已启用：今后登录时，输入密码后还需输入验证码。" en="Two-step verification is on: after your password, sign-in asks for a code." />
                </p>
                <RecoveryCodes codes />
            }
            .into_any(),
            Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
            Err(err) => view! { <Failure error=err /> }.into_any(),
        })
    };
    let renewed = move || {
        renew.value().get().map(|outcome| match outcome {
            Ok(Ok(codes)) => view! { <RecoveryCodes codes /> }.into_any(),
            Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
            Err(err) => view! { <Failure error=err /> }.into_any(),
        })
    };
    let disabled = move || {
        disable.value().get().map(|outcome| match outcome {
            Ok(Ok(())) => view! {
                <p class="ok" role="status"><Tr zh="两步验证已停用。" en="Two-step verification is off." /></p>
            }
            .into_any(),
            Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
            Err(err) => view! { <Failure error=err /> }.into_any(),
        })
    };
    view! {
        <h2 id="two-step"><Tr zh="两步验证" en="Two-step verification" /></h2>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(s) if s.enrolled => {
                        let since = s.confirmed_at.map(when).unwrap_or_default();
                        let left = s.recovery_codes_left;
                        view! {
                            <p data-testid="second-factor-status">
                                {move || match lang.get() {
                                    domain::Lang::Zh => format!("已启用（{since} 起）。剩余恢复码 {left} 个。"),
                                    domain::Lang::En => format!("On since {since}. {left} recovery code(s) left."),
                                }}
                            </p>
                            {(left <= 3).then(|| view! {
                                <p class="notice" role="status">
                                    <Tr zh="恢复码快用完了，请生成新的恢复码。" en="Few recovery codes left: make new ones." />
                                </p>
                            })}
                            <ActionForm action=renew attr:class="form inline" attr:data-testid="renew-codes">
                                {code_input()}
                                <button type="submit"><Tr zh="生成新的恢复码" en="New recovery codes" /></button>
                            </ActionForm>
                            {(!s.required).then(|| view! {
                                <ActionForm action=disable attr:class="form inline" attr:data-testid="disable-second-factor">
                                    {code_input()}
                                    <button type="submit" class="danger"><Tr zh="停用两步验证" en="Turn off" /></button>
                                </ActionForm>
                            })}
                        }
                        .into_any()
                    }
                    Ok(s) => view! {
                        {(s.required || query.read().get("enrol").is_some()).then(|| view! {
                            <p class="notice" role="status" data-testid="must-enrol">
                                <Tr
                                    zh="您的角色必须使用两步验证：启用之前，其他页面都不可用。"
                                    en="Your role must use two-step verification: nothing else opens until it is on."
                                />
                            </p>
                        })}
                        <p class="muted small">
                            {move || lang.get().pick(
                                "启用后，登录时除密码外还需输入手机验证器应用生成的 6 位验证码，密码泄露也不会被他人登录。",
                                "Once on, sign-in asks for a 6-digit code from an app on your phone as well as your password, so a leaked password alone signs nobody in.",
                            )}
                        </p>
                        <ActionForm action=start attr:class="form inline" attr:data-testid="start-second-factor">
                            <button type="submit"><Tr zh="启用两步验证" en="Turn on two-step verification" /></button>
                        </ActionForm>
                    }
                    .into_any(),
                    Err(err) => view! { <Failure error=err /> }.into_any(),
                }
            })}
        </Suspense>
        {enrolment}
        {confirmed}
        {renewed}
        {disabled}
    }
}
