//! The page for an address that leads nowhere.

use leptos::prelude::*;

use crate::i18n::Tr;

/// What every address without a route shows (the router's fallback).
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="not-found">
            <h1><Tr zh="页面不存在" en="Page not found" /></h1>
            <p>
                <a href="/"><Tr zh="返回首页" en="Back to the home page" /></a>
            </p>
        </section>
    }
}
