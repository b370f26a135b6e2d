//! The home page: the overview dashboard of the viewer's home unit.

use leptos::prelude::*;

use super::dashboard::Dashboard;
use crate::i18n::{use_lang, Pick};

/// The overview at `/`: what Tanhui is in one line, the dashboard of the viewer's home unit
/// (the prefecture for most: the three counties side by side).
#[component]
pub fn OverviewPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <section class="hero compact">
            <p class="eyebrow" data-testid="home-title">
                {move || {
                    lang.get().pick("森林碳汇扶贫监测评价平台", "Forest-carbon poverty-alleviation monitoring")
                }}
            </p>
        </section>
        <Dashboard unit=Signal::derive(|| None) />
    }
}
