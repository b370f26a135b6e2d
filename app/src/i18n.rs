//! The reader's language: chosen with the switch on every page, remembered in a cookie, and
//! read from that cookie both when the server renders and when the browser hydrates, so the
//! two always agree.

use domain::Lang;
use leptos::prelude::*;

/// Name of the cookie that remembers the language.
pub const LANG_COOKIE: &str = "lang";

/// Picks the text for a language; used by every view.
pub trait Pick {
    /// `zh` or `en`, whichever is in this language.
    fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str;
}

impl Pick for Lang {
    fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// Finds `lang=…` in a `Cookie` header value.
pub fn lang_from_cookie_header(header: &str) -> Option<Lang> {
    header
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| name.trim() == LANG_COOKIE)
        .map(|(_, value)| Lang::from_tag(value))
}

/// Puts the reader's language into context and returns it.
pub fn provide_lang() -> RwSignal<Lang> {
    let lang = RwSignal::new(initial_lang());
    provide_context(lang);
    lang
}

/// The language signal provided by [`provide_lang`].
pub fn use_lang() -> RwSignal<Lang> {
    use_context::<RwSignal<Lang>>().unwrap_or_else(|| RwSignal::new(Lang::default()))
}

#[cfg(feature = "ssr")]
fn initial_lang() -> Lang {
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .find_map(lang_from_cookie_header)
        })
        .unwrap_or_default()
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn initial_lang() -> Lang {
    browser::cookie()
        .as_deref()
        .and_then(lang_from_cookie_header)
        .unwrap_or_default()
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn initial_lang() -> Lang {
    Lang::default()
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::JsCast;

    fn document() -> Option<web_sys::HtmlDocument> {
        web_sys::window()?
            .document()?
            .dyn_into::<web_sys::HtmlDocument>()
            .ok()
    }

    pub fn cookie() -> Option<String> {
        document()?.cookie().ok()
    }

    pub fn remember(tag: &str) {
        if let Some(doc) = document() {
            let cookie = format!(
                "{}={tag}; path=/; max-age=31536000; SameSite=Lax",
                super::LANG_COOKIE
            );
            // A refused cookie only means the choice is not remembered next time.
            let _ = doc.set_cookie(&cookie);
        }
    }
}

/// A fixed text in the reader's language, following the switch. One component for every
/// label, so the browser bundle carries one copy of the code that renders and hydrates them
/// (a closure per label is a type per label).
#[component]
pub fn Tr(
    /// The text in Chinese.
    zh: &'static str,
    /// The text in English.
    en: &'static str,
) -> impl IntoView {
    let lang = use_lang();
    move || lang.get().pick(zh, en)
}

/// The 中文 / English switch shown in the top bar of every page.
///
/// Before hydration it is a plain link (`?lang=`… is not needed: the server reads the cookie);
/// once hydrated, a click switches every label in place and remembers the choice.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let lang = use_lang();
    let switch = move |_| {
        let next = lang.get_untracked().other();
        lang.set(next);
        #[cfg(feature = "hydrate")]
        browser::remember(next.tag());
    };
    view! {
        <button
            class="lang-switch"
            type="button"
            data-testid="lang-switch"
            aria-label=move || lang.get().pick("切换语言", "Switch language")
            on:click=switch
        >
            {move || lang.get().other().native_name()}
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_header_parsing() {
        assert_eq!(lang_from_cookie_header("lang=en"), Some(Lang::En));
        assert_eq!(
            lang_from_cookie_header("a=1; lang=zh-CN; b=2"),
            Some(Lang::Zh)
        );
        assert_eq!(lang_from_cookie_header("a=1;  lang = en "), Some(Lang::En));
        assert_eq!(lang_from_cookie_header("language=en"), None);
        assert_eq!(lang_from_cookie_header(""), None);
    }

    #[test]
    fn pick_chooses_by_language() {
        assert_eq!(Lang::Zh.pick("县", "county"), "县");
        assert_eq!(Lang::En.pick("县", "county"), "county");
    }
}
