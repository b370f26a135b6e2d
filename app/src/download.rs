//! Browser-side downloads: a chart's SVG, drawn onto a canvas at twice its size, saved as PNG.
//! The SVG is the one the server drew, so the PNG shows exactly what the page shows.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// Finds the `<svg>` of the figure the clicked button belongs to and saves it as PNG.
pub fn svg_to_png(ev: leptos::ev::MouseEvent, name: &str) {
    let Some(svg) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest("figure").ok().flatten())
        .and_then(|fig| fig.query_selector("svg").ok().flatten())
    else {
        return;
    };
    let width = svg
        .get_attribute("width")
        .and_then(|w| w.parse::<u32>().ok())
        .unwrap_or(720);
    let height = svg
        .get_attribute("height")
        .and_then(|h| h.parse::<u32>().ok())
        .unwrap_or(380);
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(image) = web_sys::HtmlImageElement::new() else {
        return;
    };
    let name = name.to_owned();
    let loaded = image.clone();
    let onload = Closure::once_into_js(move || {
        let Some(canvas) = document
            .create_element("canvas")
            .ok()
            .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        else {
            return;
        };
        canvas.set_width(width * 2);
        canvas.set_height(height * 2);
        let Some(context) = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
        else {
            return;
        };
        let _ = context.draw_image_with_html_image_element_and_dw_and_dh(
            &loaded,
            0.0,
            0.0,
            f64::from(width * 2),
            f64::from(height * 2),
        );
        let Ok(url) = canvas.to_data_url_with_type("image/png") else {
            return;
        };
        if let Some(link) = document
            .create_element("a")
            .ok()
            .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        {
            link.set_href(&url);
            link.set_download(&name);
            link.click();
        }
    });
    image.set_onload(Some(onload.unchecked_ref()));
    image.set_src(&format!(
        "data:image/svg+xml;charset=utf-8,{}",
        crate::format::percent_encode(&svg.outer_html(), b"")
    ));
}
