//! Administrators' page for accounts: create, change role and scope, disable, reset the
//! password (a one-time password is shown once), see failed sign-ins and let an account
//! sign in again at once.

use domain::{Localized, Role};
use leptos::prelude::*;

use super::{when, Failure, Issues};
use crate::i18n::{use_lang, Pick, Tr};
use crate::model::UserView;
use crate::server_fns::{
    admin_users, AdminCreateUser, AdminResetPassword, AdminResetSecondFactor, AdminUnlockSignIn,
    AdminUpdateUser,
};

/// The role choices of a `<select>`, with `selected` marked.
#[component]
fn RoleOptions(selected: Role) -> impl IntoView {
    let lang = use_lang();
    Role::ALL
        .iter()
        .map(|role| {
            let role = *role;
            view! {
                <option value=role.code() selected=role == selected>
                    {move || role.in_lang(lang.get())}
                </option>
            }
        })
        .collect_view()
}

/// `/admin/users` (administrators): every account, with forms to create one, change its role,
/// scopes or status, and reset its password.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let lang = use_lang();
    let create = ServerAction::<AdminCreateUser>::new();
    let update = ServerAction::<AdminUpdateUser>::new();
    let reset = ServerAction::<AdminResetPassword>::new();
    let unlock = ServerAction::<AdminUnlockSignIn>::new();
    let reset_factor = ServerAction::<AdminResetSecondFactor>::new();
    let users = Resource::new(
        move || {
            (
                create.version().get(),
                update.version().get(),
                reset.version().get(),
                unlock.version().get(),
                reset_factor.version().get(),
            )
        },
        |_| admin_users(),
    );
    let issued = move |value: Option<
        Result<crate::server_fns::Outcome<crate::model::IssuedPassword>, crate::error::AppError>,
    >| {
        value.map(|outcome| match outcome {
            Ok(Ok(issued)) => view! {
                <div class="notice" role="status" data-testid="issued">
                    <p>
                        <Tr zh="账号已保存：" en="Account saved: " />
                        <strong>{issued.user.username.clone()}</strong>
                    </p>
                    {issued.one_time_password.clone().map(|password| view! {
                        <p>
                            <Tr zh="一次性密码（只显示这一次，首次登录后须更改）：" en="One-time password (shown this once; to be changed at first sign-in): " />
                            <code class="secret" data-testid="one-time-password">{password}</code>
                        </p>
                    })}
                </div>
            }
            .into_any(),
            Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
            Err(err) => view! { <Failure error=err /> }.into_any(),
        })
    };

    view! {
        <section class="admin">
            <h1><Tr zh="用户管理" en="Accounts" /></h1>
            <p class="muted small">
                {move || lang.get().pick(
                    "管辖范围填写行政区划代码，多个用逗号分隔：县乡干部为州、县或乡镇，审核员为乡镇，调查员为村，研究人员任意；系统管理员不设范围。",
                    "Scope: unit codes separated by commas — officials a prefecture, county or township; supervisors townships; enumerators villages; researchers any; administrators none.",
                )}
            </p>
            <h2><Tr zh="新建账号" en="New account" /></h2>
            <ActionForm action=create attr:class="form grid" attr:data-testid="create-user">
                <label>
                    <span><Tr zh="用户名" en="Username" /></span>
                    <input name="input[username]" required autocapitalize="none" />
                </label>
                <label>
                    <span><Tr zh="姓名" en="Name" /></span>
                    <input name="input[display_name]" />
                </label>
                <label>
                    <span><Tr zh="角色" en="Role" /></span>
                    <select name="input[role]"><RoleOptions selected=Role::Enumerator /></select>
                </label>
                <label>
                    <span><Tr zh="管辖范围" en="Scope" /></span>
                    <input name="input[scopes]" placeholder="513434100201" />
                </label>
                <label>
                    <span><Tr zh="密码（留空则生成一次性密码）" en="Password (empty: generate a one-time one)" /></span>
                    <input type="password" name="input[password]" autocomplete="new-password" />
                </label>
                <button type="submit" disabled=move || create.pending().get()>
                    <Tr zh="创建" en="Create" />
                </button>
            </ActionForm>
            {move || issued(create.value().get())}
            {move || issued(reset.value().get())}
            {move || reset_factor.value().get().map(|outcome| match outcome {
                Ok(Ok(user)) => view! {
                    <p class="ok" role="status" data-testid="second-factor-reset">
                        {move || match lang.get() {
                            domain::Lang::Zh => format!("已重置 {} 的两步验证：下次登录只需密码，之后须重新启用。", user.username),
                            domain::Lang::En => format!("Two-step verification of {} reset: the next sign-in needs the password only, then a new enrolment.", user.username),
                        }}
                    </p>
                }
                .into_any(),
                Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
                Err(err) => view! { <Failure error=err /> }.into_any(),
            })}
            {move || update.value().get().map(|outcome| match outcome {
                Ok(Ok(user)) => view! {
                    <p class="ok" role="status" data-testid="updated">
                        <Tr zh="已保存：" en="Saved: " />{user.username.clone()}
                    </p>
                }.into_any(),
                Ok(Err(issues)) => view! { <Issues issues /> }.into_any(),
                Err(err) => view! { <Failure error=err /> }.into_any(),
            })}
            <h2><Tr zh="全部账号" en="All accounts" /></h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(list) => view! {
                            <div class="table-wrap">
                                <table class="data" data-testid="user-table">
                                    <thead><tr>
                                        <th><Tr zh="用户名" en="Username" /></th>
                                        <th><Tr zh="姓名" en="Name" /></th>
                                        <th><Tr zh="角色" en="Role" /></th>
                                        <th><Tr zh="管辖范围" en="Scope" /></th>
                                        <th><Tr zh="状态" en="Status" /></th>
                                        <th><Tr zh="创建时间" en="Created" /></th>
                                        <th></th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|user| view! { <UserRow user update reset unlock reset_factor /> }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(err) => view! { <Failure error=err /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// One account with its edit form (a form per row: it works without JavaScript too).
#[component]
fn UserRow(
    user: UserView,
    update: ServerAction<AdminUpdateUser>,
    reset: ServerAction<AdminResetPassword>,
    unlock: ServerAction<AdminUnlockSignIn>,
    reset_factor: ServerAction<AdminResetSecondFactor>,
) -> impl IntoView {
    let form_id = format!("edit-{}", user.id);
    let testid = format!("user-{}", user.username);
    let disabled = user.disabled;
    let (update_id, reset_id, unlock_id) = (user.id.clone(), user.id.clone(), user.id.clone());
    let factor_id = user.id.clone();
    let failures = user.failed_sign_ins;
    let lang = use_lang();
    view! {
        <tr data-testid=testid>
            <td>{user.username.clone()}</td>
            <td>
                <input form=form_id.clone() name="change[display_name]" value=user.display_name.clone() aria-label="name" />
            </td>
            <td>
                <select form=form_id.clone() name="change[role]" aria-label="role">
                    <RoleOptions selected=user.role />
                </select>
            </td>
            <td>
                <input form=form_id.clone() name="change[scopes]" value=user.scopes.join(",") aria-label="scope" />
            </td>
            <td>
                <select form=form_id.clone() name="change[disabled]" aria-label="status">
                    <option value="false" selected=!disabled><Tr zh="启用" en="active" /></option>
                    <option value="true" selected=disabled><Tr zh="停用" en="disabled" /></option>
                </select>
                {user.must_change_password.then(|| view! {
                    <span class="muted small"><Tr zh="（待改密码）" en=" (must change password)" /></span>
                })}
                {user.second_factor.then(|| view! {
                    <span class="muted small" data-testid="has-second-factor"><Tr zh=" 两步验证" en=" two-step" /></span>
                })}
                {(failures > 0).then(|| view! {
                    <span class="warning small" data-testid="failed-sign-ins">
                        {move || match lang.get() {
                            domain::Lang::Zh => format!(" 近24小时登录失败 {failures} 次"),
                            domain::Lang::En => format!(" {failures} failed sign-in(s) in 24 h"),
                        }}
                    </span>
                })}
            </td>
            <td class="small">{when(user.created_at)}</td>
            <td class="actions">
                <ActionForm action=update attr:id=form_id.clone() attr:class="inline">
                    <input type="hidden" name="id" value=update_id />
                    <button type="submit"><Tr zh="保存" en="Save" /></button>
                </ActionForm>
                <ActionForm action=reset attr:class="inline">
                    <input type="hidden" name="id" value=reset_id />
                    <button type="submit" class="secondary"><Tr zh="重置密码" en="Reset password" /></button>
                </ActionForm>
                {user.second_factor.then(|| view! {
                    <ActionForm action=reset_factor attr:class="inline">
                        <input type="hidden" name="id" value=factor_id />
                        <button type="submit" class="secondary" data-testid="reset-second-factor">
                            <Tr zh="重置两步验证" en="Reset two-step" />
                        </button>
                    </ActionForm>
                })}
                {(failures > 0).then(|| view! {
                    <ActionForm action=unlock attr:class="inline">
                        <input type="hidden" name="id" value=unlock_id />
                        <button type="submit" class="secondary" data-testid="unlock">
                            <Tr zh="解除登录限制" en="Let sign in again" />
                        </button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}
