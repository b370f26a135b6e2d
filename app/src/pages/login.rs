//! The sign-in page: a plain form posted to `/login`, so it works before (and without) the
//! WebAssembly. The server answers with a redirect; failures come back as `?error=…`.

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
            Some("throttled") => {
                let wait: i64 = param("wait").and_then(|w| w.parse().ok()).unwrap_or(60);
                let (zh, en) = match wait {
                    s if s < 60 => (format!("{s} 秒"), format!("{s} seconds")),
                    s => {
                        let m = (s + 59) / 60;
                        (format!("{m} 分钟"), format!("{m} minute(s)"))
                    }
                };
                match lang.get() {
                    domain::Lang::Zh => format!(
                        "登录失败次数过多，请 {zh}后再从这台设备登录；如忘记密码，请联系管理员。"
                    ),
                    domain::Lang::En => format!(
                        "Too many failed sign-ins: try again from this device in {en}, or ask an administrator."
                    ),
                }
            }
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
