//! The outermost request middleware: who the client is (the socket peer, or behind a trusted
//! reverse proxy the address it forwarded: [`crate::net`]), a request id that appears in
//! every log line of the request and in the `x-request-id` response header, and the request
//! counters and latency histogram of `/metrics`.
//!
//! Logs name the route template (`/api/v1/households/{id}`), not the path and query: those
//! can carry what a user typed.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::state::AppState;

/// The response (and accepted request) header carrying the request id.
pub const REQUEST_ID: &str = "x-request-id";

/// What the middleware established, in the request's extensions for everything inside.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub id: String,
    /// The client's address: `None` only for requests that did not come over a socket
    /// (in-process tests).
    pub client: Option<IpAddr>,
}

/// A request id a trusted proxy sent is kept (so its logs and ours join up) if it is short
/// and plain; any other is replaced.
fn acceptable(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

fn new_id() -> String {
    let bytes: [u8; 12] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let from_proxy = peer.is_some_and(|p| state.network.trusted_proxies.contains(p));
    let client = peer.map(|p| state.network.client_ip(p, req.headers()));
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| from_proxy && acceptable(id))
        .map_or_else(new_id, str::to_owned);
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(unmatched)", |m| m.as_str())
        .to_owned();
    let method = req.method().clone();
    req.extensions_mut().insert(RequestContext {
        id: id.clone(),
        client,
    });
    let client_text = client.map(|c| c.to_string()).unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %method,
        route = %route,
        client = %client_text,
    );
    let mut response = next.run(req).instrument(span.clone()).await;
    let took = started.elapsed();
    let status = response.status();
    span.in_scope(|| {
        tracing::debug!(
            status = status.as_u16(),
            ms = took.as_secs_f64() * 1000.0,
            "answered"
        )
    });
    // HEAD is counted with GET (same handler, same route); methods nobody routes are one
    // label, so a client inventing methods cannot add series.
    let counted = match method {
        Method::GET | Method::HEAD => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    };
    state
        .metrics
        .request(counted, &route, status.as_u16(), took);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_are_kept() {
        assert!(acceptable("3f2a9c0d-41b7-4e2a"));
        assert!(!acceptable("short"));
        assert!(!acceptable("has space in it"));
        assert!(!acceptable(&"x".repeat(65)));
        let id = new_id();
        assert_eq!(id.len(), 24);
        assert!(acceptable(&id));
        assert_ne!(new_id(), id);
    }
}
