//! The browser entry point: hydrates the server-rendered page with the same `app` components,
//! or, on the offline shell the service worker answers with when the server cannot be
//! reached, draws the app from the device's data.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    match app::offline::is_shell() {
        true => app::offline::mount_shell(),
        false => leptos::mount::hydrate_body(app::App),
    }
}
