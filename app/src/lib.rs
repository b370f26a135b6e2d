//! Tanhui's user interface: Leptos pages and components, rendered on the server and hydrated
//! in the browser, plus the thin `#[server]` functions they call.
//!
//! This crate is compiled twice: with `ssr` into the `tanhui` server, and with `hydrate` into
//! the WebAssembly bundle. Anything server-only (the [`backend`] port) is behind `ssr`, so no
//! database code can reach the browser.

#[cfg(feature = "ssr")]
pub mod backend;
pub mod i18n;
pub mod model;
pub mod pages;
pub mod server_fns;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Html, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    SsrMode, StaticSegment,
};

use crate::i18n::{provide_lang, LangSwitch, Pick};
use crate::pages::{home::HomePage, not_found::NotFound};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
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

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let lang = provide_lang();
    mark_hydrated();
    let title = move || {
        lang.get().pick(
            "碳汇 · 森林碳汇扶贫监测评价",
            "Tanhui · forest-carbon poverty M&E",
        )
    };

    view! {
        <Html attr:lang=move || lang.get().tag() />
        <Stylesheet id="leptos" href="/pkg/tanhui.css" />
        <Title text=title />
        <Router>
            <header class="topbar">
                <a class="brand" href="/">
                    <span class="brand-mark">"碳汇"</span>
                    <span class="brand-name">"Tanhui"</span>
                </a>
                <LangSwitch />
            </header>
            <main class="page">
                <Routes fallback=NotFound>
                    // Async: the server waits for the page's data and sends complete HTML, so every
                    // page is readable (and printable) before, or without, JavaScript.
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
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
