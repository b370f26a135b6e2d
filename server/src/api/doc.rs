//! Routes that carry their own documentation: [`Documented::add`] puts a handler on the router
//! and its [`Doc`] into the list that becomes the OpenAPI 3.1 document
//! (`GET /api/v1/openapi.json`). A route cannot be added without its description, and the
//! description cannot name a route that is not there (a test walks every documented
//! operation through the real router, and reads the sources for routes added otherwise).

use axum::http::Method;
use axum::routing::MethodRouter;
use axum::Router;
use serde_json::{json, Map, Value};

use crate::state::AppState;

/// Who may call an operation (the text of the OpenAPI `x-access` field, and whether 401 and
/// 403 are among its answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No account needed.
    Anyone,
    /// Any signed-in account (session cookie or API token).
    SignedIn,
    /// Some accounts only, as described.
    Some(&'static str),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Path,
    Query,
}

/// One parameter.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: &'static str,
    pub place: In,
    pub kind: &'static str,
    pub description: &'static str,
}

/// One answer: status, what it means, and its media type and schema when it has a body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub description: &'static str,
    pub media: Option<&'static str>,
    pub schema: Option<Value>,
}

/// What an operation does, takes and answers.
#[derive(Debug, Clone)]
pub struct Doc {
    pub summary: &'static str,
    pub description: &'static str,
    pub tag: &'static str,
    pub access: Access,
    pub params: Vec<Param>,
    pub body: Option<(&'static str, Value)>,
    pub answers: Vec<Answer>,
}

/// Starts the description of an operation.
pub fn doc(tag: &'static str, summary: &'static str, access: Access) -> Doc {
    Doc {
        summary,
        description: "",
        tag,
        access,
        params: Vec::new(),
        body: None,
        answers: Vec::new(),
    }
}

impl Doc {
    pub fn describe(mut self, text: &'static str) -> Doc {
        self.description = text;
        self
    }

    pub fn path(mut self, name: &'static str, description: &'static str) -> Doc {
        self.params.push(Param {
            name,
            place: In::Path,
            kind: "string",
            description,
        });
        self
    }

    pub fn query(mut self, name: &'static str, description: &'static str) -> Doc {
        self.params.push(Param {
            name,
            place: In::Query,
            kind: "string",
            description,
        });
        self
    }

    /// A query flag (`true` / `false`).
    pub fn flag(mut self, name: &'static str, description: &'static str) -> Doc {
        self.params.push(Param {
            name,
            place: In::Query,
            kind: "boolean",
            description,
        });
        self
    }

    /// A JSON request body with this schema.
    pub fn json_body(mut self, schema: Value) -> Doc {
        self.body = Some(("application/json", schema));
        self
    }

    /// A request body of another media type (an uploaded file).
    pub fn file_body(mut self, media: &'static str) -> Doc {
        self.body = Some((media, json!({ "type": "string", "format": "binary" })));
        self
    }

    /// A JSON answer.
    pub fn json(mut self, status: u16, description: &'static str, schema: Value) -> Doc {
        self.answers.push(Answer {
            status,
            description,
            media: Some("application/json"),
            schema: Some(schema),
        });
        self
    }

    /// An answer in another media type (CSV, XLSX, SVG, text).
    pub fn file(mut self, status: u16, description: &'static str, media: &'static str) -> Doc {
        self.answers.push(Answer {
            status,
            description,
            media: Some(media),
            schema: Some(json!({ "type": "string" })),
        });
        self
    }

    /// An answer without a body, or with the error body.
    pub fn status(mut self, status: u16, description: &'static str) -> Doc {
        let error = status >= 400;
        self.answers.push(Answer {
            status,
            description,
            media: error.then_some("application/json"),
            schema: error.then(|| json!({ "$ref": "#/components/schemas/Error" })),
        });
        self
    }
}

/// One documented operation.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    /// The router's path (`/households/{id}`), relative to where the router is nested.
    pub path: &'static str,
    pub doc: Doc,
}

/// A router being built together with its documentation.
#[derive(Default)]
pub struct Documented {
    pub router: Router<AppState>,
    pub operations: Vec<Operation>,
}

impl Documented {
    /// Routes `method path` to `handler` and records its description.
    pub fn add(
        mut self,
        method: Method,
        path: &'static str,
        handler: MethodRouter<AppState>,
        doc: Doc,
    ) -> Documented {
        self.router = self.router.route(path, handler);
        self.operations.push(Operation { method, path, doc });
        self
    }
}

/// The shape of every error answer.
fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error", "message", "message_en"],
        "properties": {
            "error": {
                "type": "string",
                "enum": ["invalid_parameter", "invalid", "confirm_warnings", "unauthenticated", "forbidden",
                         "password_change_required", "not_found", "conflict", "throttled", "bad_credentials", "internal"],
                "description": "A stable code a client can act on."
            },
            "message": { "type": "string", "description": "In Chinese, for the reader." },
            "message_en": { "type": "string", "description": "In English." },
            "field": { "type": "string", "description": "invalid_parameter: the query parameter at fault." },
            "issues": {
                "type": "array",
                "description": "invalid / confirm_warnings: every problem found, each naming its field.",
                "items": { "$ref": "#/components/schemas/FieldIssue" }
            }
        }
    })
}

fn field_issue_schema() -> Value {
    json!({
        "type": "object",
        "required": ["path", "rule", "zh", "en"],
        "properties": {
            "path": { "type": "string", "description": "The field (`members[2].birth_year`, `head_id_card`…)." },
            "rule": { "type": "string", "description": "The stable rule id (`id_card`, `livestock_balance`…)." },
            "zh": { "type": "string" },
            "en": { "type": "string" },
            "warning": { "type": "boolean", "description": "A warning asks for confirmation; anything else blocks." }
        }
    })
}

/// The OpenAPI 3.1 document of `operations`, each path under `prefix` (`/api/v1`, or `` for
/// the operations at the root).
pub fn openapi(groups: &[(&str, &[Operation])]) -> Value {
    let mut paths = Map::new();
    let mut tags: Vec<&str> = Vec::new();
    for (prefix, operations) in groups {
        for op in operations.iter() {
            let full = format!("{prefix}{}", op.path);
            let entry = paths
                .entry(full)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(methods) = entry {
                methods.insert(op.method.as_str().to_lowercase(), operation(op));
            }
            if !tags.contains(&op.doc.tag) {
                tags.push(op.doc.tag);
            }
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Tanhui 碳汇 API",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Monitoring and evaluation of the Liangshan forest-carbon poverty-alleviation programme.",
            "description": "JSON under /api/v1. Sign in with a session cookie (POST /api/v1/session) or an API token (Authorization: Bearer thk_…, created on the account page). Anonymous requests get 401, requests outside the account's role or unit scope 403, both without data. Messages come in Chinese (`message`) and English (`message_en`). Units are official statistical codes (Liangshan 513400, Zhaojue 513431, Yuexi 513434, Leibo 513437; townships 9 digits, villages 12). Money is in yuan with two decimals (exact in fen).",
            "license": { "name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0" }
        },
        "servers": [{ "url": "/" }],
        "tags": tags.iter().map(|t| json!({ "name": t })).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "schemas": {
                "Error": error_schema(),
                "FieldIssue": field_issue_schema(),
            },
            "securitySchemes": {
                "token": { "type": "http", "scheme": "bearer", "description": "An API token (`thk_…`) from the account page or POST /api/v1/tokens." },
                "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE }
            }
        }
    })
}

fn operation(op: &Operation) -> Value {
    let doc = &op.doc;
    let id = format!(
        "{}_{}",
        op.method.as_str().to_lowercase(),
        op.path
            .trim_matches('/')
            .replace(['/', '-', '.'], "_")
            .replace(['{', '}'], "")
    );
    let mut out = Map::new();
    out.insert("operationId".into(), json!(id));
    out.insert("summary".into(), json!(doc.summary));
    if !doc.description.is_empty() {
        out.insert("description".into(), json!(doc.description));
    }
    out.insert("tags".into(), json!([doc.tag]));
    let access = match doc.access {
        Access::Anyone => "anyone",
        Access::SignedIn => "any signed-in account",
        Access::Some(who) => who,
    };
    out.insert("x-access".into(), json!(access));
    if doc.access != Access::Anyone {
        out.insert(
            "security".into(),
            json!([{ "token": [] }, { "session": [] }]),
        );
    }
    let params: Vec<Value> = doc
        .params
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "in": match p.place { In::Path => "path", In::Query => "query" },
                "required": p.place == In::Path,
                "description": p.description,
                "schema": { "type": p.kind },
            })
        })
        .collect();
    if !params.is_empty() {
        out.insert("parameters".into(), Value::Array(params));
    }
    if let Some((media, schema)) = &doc.body {
        out.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { *media: { "schema": schema } } }),
        );
    }
    let mut answers = doc.answers.clone();
    let mut add = |status: u16, description: &'static str| {
        if !answers.iter().any(|a| a.status == status) {
            answers.push(Answer {
                status,
                description,
                media: Some("application/json"),
                schema: Some(json!({ "$ref": "#/components/schemas/Error" })),
            });
        }
    };
    if doc.access != Access::Anyone {
        add(401, "Not signed in (no data in the body).");
    }
    if matches!(doc.access, Access::Some(_)) {
        add(
            403,
            "Outside the account's role or unit scope, or a one-time password not yet replaced.",
        );
    }
    if doc.params.iter().any(|p| p.place == In::Query) {
        add(400, "A malformed query parameter, named in `field`.");
    }
    if doc.body.is_some() {
        add(
            422,
            "The body breaks a rule: every field issue in `issues`.",
        );
    }
    answers.sort_by_key(|a| a.status);
    let mut responses = Map::new();
    for answer in answers {
        let mut response = Map::new();
        response.insert("description".into(), json!(answer.description));
        if let (Some(media), Some(schema)) = (answer.media, answer.schema) {
            response.insert("content".into(), json!({ media: { "schema": schema } }));
        }
        responses.insert(answer.status.to_string(), Value::Object(response));
    }
    out.insert("responses".into(), Value::Object(responses));
    Value::Object(out)
}
