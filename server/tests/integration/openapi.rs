//! The API's OpenAPI 3.1 document: served at `/api/v1/openapi.json`, naming every route of
//! the router, and naming none that is not there.

use std::collections::BTreeSet;
use std::path::Path;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

use crate::helpers::TestApp;

/// Every `(method, path)` the document describes.
fn operations(document: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, methods) in document["paths"].as_object().expect("paths") {
        for method in methods.as_object().expect("methods").keys() {
            out.insert((method.to_uppercase(), path.clone()));
        }
    }
    out
}

/// String literals that follow `marker` in the Rust sources under `dir`: the paths given to
/// `.route(` and `.add(Method::…, ` calls.
fn literals_after(dir: &Path, marker: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let squeezed: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
        for (at, _) in squeezed.match_indices(marker) {
            let rest = &squeezed[at + marker.len()..];
            let Some(start) = rest.find('"') else {
                continue;
            };
            // Only a literal right after the marker (and a method, for `.add`).
            if rest[..start].contains(')') || rest[..start].contains('(') {
                continue;
            }
            let literal: String = rest[start + 1..]
                .chars()
                .take_while(|c| *c != '"')
                .collect();
            let method = rest[..start]
                .trim()
                .trim_start_matches("Method::")
                .trim_end_matches(',')
                .trim()
                .to_owned();
            found.push((method, literal));
        }
    }
    found
}

fn src(folder: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(folder)
}

async fn the_document_is_served_and_describes_every_route(app: &TestApp) {
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK, "public, like the sign-in");
    let document = response.json();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document, server::http::openapi(), "served as built");
    let described = operations(&document);
    assert!(described.len() >= 33, "{} operations", described.len());

    // Every route added in the sources is described, under the path it is served at…
    let mut added = BTreeSet::new();
    for (method, path) in literals_after(&src("api"), ".add(") {
        added.insert((method, format!("/api/v1{path}")));
    }
    for (method, path) in literals_after(&src("http"), ".add(") {
        added.insert((method, path));
    }
    assert_eq!(added, described, "the sources' routes and the document's");
    // …and nothing is routed past the description but the sign-in form's posts and the
    // bundle's files (pages, not API).
    let mut plain: Vec<String> = literals_after(&src("api"), ".route(")
        .into_iter()
        .chain(literals_after(&src("http"), ".route("))
        .map(|(_, path)| path)
        .collect();
    plain.sort();
    assert_eq!(plain, ["/login", "/logout", "/pkg/{file}"]);
    for file in ["api/mod.rs", "http/mod.rs"] {
        let text = std::fs::read_to_string(src("").join(file)).expect("source");
        let nests: Vec<&str> = text.matches(".nest(").collect();
        assert!(nests.len() <= 1, "{file}: one nest at most");
    }

    // Every described operation exists: asked without signing in, none falls through to the
    // API's "no such endpoint", a page, or 405.
    for (method, path) in &described {
        let concrete = path
            .replace("{id}", "00000000-0000-4000-8000-000000000000")
            .replace("{wave}", "2021")
            .replace("{year}", "2021")
            .replace("{code}", "513434")
            .replace("{kind}", "households")
            .replace("{file}", "template.csv");
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let response = app
            .send(
                Request::builder()
                    .method(method.clone())
                    .uri(&concrete)
                    .header("content-type", "application/json")
                    .header("sec-fetch-site", "same-origin")
                    .body(Body::from("{}"))
                    .expect("request"),
            )
            .await;
        assert_ne!(
            response.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert!(
            !response.body.contains("no such endpoint"),
            "{method} {path} is not routed"
        );
        assert!(
            response.status != StatusCode::SEE_OTHER && response.status != StatusCode::NOT_FOUND,
            "{method} {path}: {} {}",
            response.status,
            response.body
        );
    }

    // Operations say who may call them, and which answers carry the error body.
    let indicators = &document["paths"]["/api/v1/indicators"]["get"];
    assert_eq!(
        indicators["x-access"],
        "accounts whose scope holds the unit"
    );
    assert!(indicators["responses"]["401"].is_object());
    assert!(indicators["responses"]["403"].is_object());
    assert!(indicators["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .any(|p| p["name"] == "scheme"));
    let register = &document["paths"]["/api/v1/households"]["post"];
    assert_eq!(
        register["requestBody"]["content"]["application/json"]["schema"]["properties"]["head_sex"]
            ["enum"],
        serde_json::json!(["male", "female"])
    );
    assert!(register["responses"]["422"].is_object());
    assert!(document["paths"]["/healthz"]["get"]["security"].is_null());
    // Every answer's reference resolves.
    let text = document.to_string();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let name = reference
            .split('"')
            .next()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .expect("a schema reference");
        assert!(
            document["components"]["schemas"][name].is_object(),
            "{name}"
        );
    }
}

crate::on_both_backends!(the_document_is_served_and_describes_every_route,);
