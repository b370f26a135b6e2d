//! Tanhui's user interface: Leptos pages and components, rendered on the server and hydrated
//! in the browser, plus the thin `#[server]` functions they call.
//!
//! This crate is compiled twice: with `ssr` into the `tanhui` server, and with `hydrate` into
//! the WebAssembly bundle. Anything server-only (the `backend` port) is behind `ssr`, so no
//! database code can reach the browser.

#![warn(missing_docs)]
// Deeply nested views make deep types; the hydrate build needs more than the default 128.
#![recursion_limit = "256"]

#[cfg(feature = "ssr")]
pub mod backend;
pub mod charts;
#[cfg(feature = "hydrate")]
mod download;
pub mod error;
pub mod format;
pub mod i18n;
pub mod model;
pub mod offline;
pub mod pages;
pub mod server_fns;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Html, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    ParamSegment, SsrMode, StaticSegment,
};

use crate::i18n::{provide_lang, use_lang, LangSwitch, Pick, Tr};
use crate::pages::{
    account::AccountPage,
    admin_audit::AdminAuditPage,
    admin_import::AdminImportPage,
    admin_privacy::AdminPrivacyPage,
    admin_programme::AdminProgrammePage,
    admin_status::AdminStatusPage,
    admin_units::AdminUnitsPage,
    admin_users::AdminUsersPage,
    at_risk::AtRiskPage,
    dashboard::UnitPage,
    exports::ExportsPage,
    field::{FieldHomePage, RegisterPage},
    home::OverviewPage,
    household::HouseholdPage,
    login::{LoginPage, SecondFactorPage},
    not_found::NotFound,
    review::ReviewPage,
    survey::SurveyPage,
    sync::{provide_outbox_count, OutboxBadge, OutboxCount, SyncPage},
};
use crate::server_fns::whoami;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    // The bundle's files are named by its build (`tanhui.<build>.css`, `.js`, `.wasm`): a page
    // always asks for the assets of the build that rendered it.
    let stylesheet = format!("/pkg/{}.css", options.output_name);
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <meta name="theme-color" content="#1f6f43" />
                <link rel="stylesheet" href=stylesheet />
                // The device's side of offline work (IndexedDB, the outbox, the service worker).
                <script src="/offline.js" defer></script>
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The whole application: top bar (brand, account menu, language switch) and the router
/// with every page's route. Rendered inside [`shell`] on the server and hydrated in the browser.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let lang = provide_lang();
    provide_outbox_count();
    mark_hydrated();
    let pick_title = |lang: domain::Lang| {
        lang.pick(
            "碳汇 · 森林碳汇扶贫监测评价",
            "Tanhui · forest-carbon poverty M&E",
        )
    };
    // On the server the title is fixed for the response: leptos_meta renders it after the
    // body, possibly on another worker thread outside the reactive arena, where reading a
    // signal panics. In the browser it follows the language switch.
    #[cfg(feature = "ssr")]
    let title = pick_title(lang.get_untracked()).to_owned();
    #[cfg(not(feature = "ssr"))]
    let title = move || pick_title(lang.get());

    view! {
        <Html attr:lang=move || lang.get().tag() />
        <Title text=title />
        <Router>
            <header class="topbar">
                <a class="brand" href="/">
                    <span class="brand-mark">"碳汇"</span>
                    <span class="brand-name">"Tanhui"</span>
                </a>
                <UserMenu />
                <OutboxBadge />
                <LangSwitch />
            </header>
            <main class="page">
                <Routes fallback=NotFound>
                    // Async: the server waits for the page's data and sends complete HTML, so every
                    // page is readable (and printable) before, or without, JavaScript.
                    <Route path=StaticSegment("") view=OverviewPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("unit"), ParamSegment("code"))
                        view=UnitPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("household"), ParamSegment("id"))
                        view=HouseholdPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("at-risk") view=AtRiskPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("review") view=ReviewPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("field") view=FieldHomePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("register") view=RegisterPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("sync") view=SyncPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("survey"), ParamSegment("household"))
                        view=SurveyPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("login") view=LoginPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("login"), StaticSegment("second-factor"))
                        view=SecondFactorPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("account") view=AccountPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("exports") view=ExportsPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("admin"), StaticSegment("users"))
                        view=AdminUsersPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("admin"), StaticSegment("import"))
                        view=AdminImportPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("admin"), StaticSegment("units"))
                        view=AdminUnitsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("admin"), StaticSegment("programme"))
                        view=AdminProgrammePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("admin"), StaticSegment("audit"))
                        view=AdminAuditPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("admin"), StaticSegment("status"))
                        view=AdminStatusPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("admin"), StaticSegment("privacy"))
                        view=AdminPrivacyPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
        </Router>
    }
}

/// The page's Content-Security-Policy: scripts only from this site or carrying this
/// response's nonce (the hydration script), WebAssembly allowed, nothing framed.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The signed-in account in the header: name and role, the administrators' pages, the
/// account page, and sign-out (a form POST, so it works without JavaScript).
#[component]
fn UserMenu() -> impl IntoView {
    let lang = use_lang();
    let me = Resource::new(|| (), |_| whoami());
    let waiting = use_context::<OutboxCount>();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                me.await.ok().flatten().map(|viewer| {
                    // The device's offline data and outbox are this account's.
                    offline::signed_in(viewer.username.clone());
                    let role = viewer.role;
                    let admin = role == domain::Role::Admin;
                    view! {
                        <nav class="user-menu" aria-label="account">
                            <a href="/account" class="who" data-testid="who">
                                {viewer.display_name.clone()}
                                <span class="role">{move || domain::Localized::in_lang(&role, lang.get())}</span>
                            </a>
                            {matches!(role, domain::Role::Admin | domain::Role::Supervisor | domain::Role::Enumerator).then(|| view! {
                                <a href="/field" data-testid="field-link"><Tr zh="调查" en="Survey" /></a>
                                <a href="/review" data-testid="review-link"><Tr zh="审核" en="Review" /></a>
                            })}
                            <a href="/exports"><Tr zh="导出" en="Exports" /></a>
                            {admin.then(|| view! {
                                <a href="/admin/users"><Tr zh="用户" en="Users" /></a>
                                <a href="/admin/units" data-testid="units-link"><Tr zh="区划" en="Units" /></a>
                                <a href="/admin/programme" data-testid="programme-link"><Tr zh="轮次" en="Waves" /></a>
                                <a href="/admin/import" data-testid="import-link"><Tr zh="导入" en="Import" /></a>
                                <a href="/admin/audit"><Tr zh="审计" en="Audit" /></a>
                                <a href="/admin/status" data-testid="status-link"><Tr zh="状态" en="Status" /></a>
                                <a href="/admin/privacy" data-testid="privacy-link"><Tr zh="个人信息" en="Privacy" /></a>
                            })}
                            <form method="post" action="/logout" class="inline" on:submit=move |ev| warn_before_sign_out(ev, waiting, lang)>
                                <button type="submit" class="link" data-testid="logout">
                                    <Tr zh="退出" en="Sign out" />
                                </button>
                            </form>
                        </nav>
                    }
                })
            })}
        </Suspense>
    }
}

/// Signing out with saves still on the device asks first; the outbox stays on the device
/// either way, hidden until the same account signs in again.
fn warn_before_sign_out(
    ev: leptos::ev::SubmitEvent,
    count: Option<OutboxCount>,
    lang: RwSignal<domain::Lang>,
) {
    let waiting = count.map_or(0, |c| c.0.get_untracked());
    if waiting > 0 {
        let text = match lang.get_untracked() {
            domain::Lang::Zh => format!("这台设备上还有 {waiting} 项没有上传。退出后它们仍保留在本机，用同一账号登录后会继续上传。确定退出？"),
            domain::Lang::En => format!("{waiting} item(s) on this device are not uploaded yet. They stay on the device and are uploaded when this account signs in again. Sign out?"),
        };
        #[cfg(feature = "hydrate")]
        let sure = web_sys::window()
            .and_then(|w| w.confirm_with_message(&text).ok())
            .unwrap_or(true);
        #[cfg(not(feature = "hydrate"))]
        let sure = !text.is_empty();
        if !sure {
            ev.prevent_default();
            return;
        }
    }
    offline::signed_out();
}

/// Sets `data-hydrated="true"` on `<body>` once the WebAssembly has taken over the page, so
/// people (and browser tests) can tell a live page from server-rendered HTML.
fn mark_hydrated() {
    // Effects only run in the browser, after hydration.
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            // Failing to set a marker attribute changes nothing for the user.
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
