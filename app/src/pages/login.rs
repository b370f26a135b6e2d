//! The sign-in pages: plain forms posted to `/login` and, for an account with an
//! authenticator, `/login/second-factor`, so they work before (and without) the WebAssembly.
//! The server answers with a redirect; failures come back as `?error=…`.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::i18n::{use_lang, Pick, Tr};

/// `/login`: the sign-in form, with the reason of a failed attempt (`?error=…`) above it.
#[component]
pub fn LoginPage() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name);
    let message = move || {
        let text = match param("error").as_deref() {
            Some("throttled") => throttled(lang.get(), param("wait")),
            Some("expired") => lang
                .get()
                .pick(
                    "登录已超时（输入验证码的时间为 5 分钟），请重新输入用户名和密码。",
                    "The sign-in timed out (the code is asked for 5 minutes): sign in with your password again.",
                )
                .to_owned(),
            Some(_) => lang
                .get()
                .pick(
                    "用户名或密码不正确，请重试。",
                    "Wrong username or password. Please try again.",
                )
                .to_owned(),
            None => return None,
        };
        Some(view! { <p class="error" role="alert" data-testid="login-error">{text}</p> })
    };
    let signed_out = move || {
        param("signed_out").map(|_| {
            view! {
                <p class="ok" role="status" data-testid="signed-out">
                    <Tr zh="您已安全退出。" en="You have signed out." />
                </p>
            }
        })
    };

    view! {
        <section class="auth-card">
            <h1><Tr zh="登录" en="Sign in" /></h1>
            {signed_out}
            {message}
            <form method="post" action="/login" class="form" data-testid="login-form">
                <input type="hidden" name="next" value=move || param("next").unwrap_or_default() />
                <label>
                    <span><Tr zh="用户名" en="Username" /></span>
                    <input name="username" autocomplete="username" autocapitalize="none" required />
                </label>
                <label>
                    <span><Tr zh="密码" en="Password" /></span>
                    <input type="password" name="password" autocomplete="current-password" required />
                </label>
                <button type="submit" data-testid="login-submit">
                    <Tr zh="登录" en="Sign in" />
                </button>
            </form>
            <p class="muted small">
                {move || {
                    lang.get()
                        .pick(
                            "账号由系统管理员开设。忘记密码请联系管理员重置。",
                            "Accounts are opened by an administrator, who can also reset a forgotten password.",
                        )
                }}
            </p>
        </section>
    }
}

/// The wait after too many failed sign-ins, in the reader's language.
fn throttled(lang: domain::Lang, wait: Option<String>) -> String {
    let wait: i64 = wait.and_then(|w| w.parse().ok()).unwrap_or(60);
    let (zh, en) = match wait {
        s if s < 60 => (format!("{s} 秒"), format!("{s} seconds")),
        s => {
            let m = (s + 59) / 60;
            (format!("{m} 分钟"), format!("{m} minute(s)"))
        }
    };
    match lang {
        domain::Lang::Zh => {
            format!("登录失败次数过多，请 {zh}后再从这台设备登录；如忘记密码，请联系管理员。")
        }
        domain::Lang::En => format!(
            "Too many failed sign-ins: try again from this device in {en}, or ask an administrator."
        ),
    }
}

/// `/login/second-factor`: after the password, the authenticator's six-digit code or a
/// recovery code (good once), posted to `/login/second-factor`.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name);
    let message = move || {
        let text = match param("error").as_deref() {
            Some("throttled") => throttled(lang.get(), param("wait")),
            Some(_) => lang
                .get()
                .pick(
                    "验证码不正确或已用过，请输入验证器应用当前显示的验证码。",
                    "Wrong or already used code: type the code your authenticator app shows now.",
                )
                .to_owned(),
            None => return None,
        };
        Some(view! { <p class="error" role="alert" data-testid="login-error">{text}</p> })
    };
    view! {
        <section class="auth-card">
            <h1><Tr zh="两步验证" en="Two-step verification" /></h1>
            {message}
            <form method="post" action="/login/second-factor" class="form" data-testid="second-factor-form">
                <input type="hidden" name="next" value=move || param("next").unwrap_or_default() />
                <label>
                    <span><Tr zh="验证码" en="Code" /></span>
                    <input name="code" autocomplete="one-time-code" autocapitalize="none" required autofocus data-testid="second-factor-code" />
                </label>
                <button type="submit" data-testid="second-factor-submit">
                    <Tr zh="登录" en="Sign in" />
                </button>
            </form>
            <p class="muted small">
                {move || {
                    lang.get()
                        .pick(
                            "请输入手机验证器应用显示的 6 位数字。手机不在身边时，可输入一个恢复码（每个只能用一次）；都没有时请联系管理员重置。",
                            "Type the 6 digits your authenticator app shows. Without your phone, type one of your recovery codes (each works once); without those, ask an administrator to reset it.",
                        )
                }}
            </p>
        </section>
    }
}
