//! The page for an address that leads nowhere.

use leptos::prelude::*;

use crate::i18n::{use_lang, Pick};

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let lang = use_lang();
    view! {
        <section class="not-found">
            <h1>{move || lang.get().pick("页面不存在", "Page not found")}</h1>
            <p>
                <a href="/">{move || lang.get().pick("返回首页", "Back to the home page")}</a>
            </p>
        </section>
    }
}
