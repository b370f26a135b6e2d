//! Every route of the JSON API with what it does, takes and answers: the router and the
//! OpenAPI document (`GET /api/v1/openapi.json`) are built from this one list.

use axum::http::Method;
use axum::routing::{delete, get, patch, post, put};
use serde_json::{json, Value};

use super::doc::{doc, Access, Documented};
use super::{
    accounts, dashboard, exports, households, imports, indicators, offline, privacy, setup,
};

const ADMIN: Access = Access::Some("administrators");
const IN_SCOPE: Access = Access::Some("accounts whose scope holds the unit");
const HOUSEHOLD_READERS: Access =
    Access::Some("accounts whose scope holds the village, researchers excepted");
const FIELD_STAFF: Access =
    Access::Some("enumerators and supervisors of the village, administrators");

fn string() -> Value {
    json!({ "type": "string" })
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties })
}

/// A JSON answer whose fields the description lists.
fn any_object(description: &'static str) -> Value {
    json!({ "type": "object", "description": description })
}

/// A string that is one of a vocabulary's codes (the domain's list, so the document cannot
/// drift from what the server accepts).
fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Value {
    json!({ "type": "string", "enum": all.iter().map(|v| code(*v)).collect::<Vec<_>>() })
}

fn household_fields(required: &[&str]) -> Value {
    use domain::{EngagementModel, Ethnicity, PovertyCause, PovertyRegistration, Sex};
    object(
        required,
        json!({
            "village": { "type": "string", "description": "12-digit village code." },
            "registry_no": { "type": "string", "description": "Number in the 建档立卡 registry." },
            "head_name": string(),
            "head_id_card": { "type": "string", "description": "18-character resident ID, checksum verified." },
            "phone": string(),
            "head_sex": codes(Sex::ALL, Sex::code),
            "head_ethnicity": codes(Ethnicity::ALL, Ethnicity::code),
            "poverty_registration": codes(PovertyRegistration::ALL, PovertyRegistration::code),
            "poverty_cause": codes(PovertyCause::ALL, PovertyCause::code),
            "registration_year": { "type": ["integer", "null"] },
            "exit_year": { "type": ["integer", "null"] },
            "model": codes(EngagementModel::ALL, EngagementModel::code)
        }),
    )
}

fn registration_body() -> Value {
    let mut body = household_fields(&["village", "head_name", "head_id_card"]);
    body["properties"]["id"] = json!({
        "type": "string", "format": "uuid",
        "description": "The household's id, chosen by the client; a new one when absent."
    });
    body
}

fn accounts(api: Documented) -> Documented {
    api.add(
        Method::GET,
        "/me",
        get(accounts::me),
        doc("accounts", "The signed-in account", Access::SignedIn).json(
            200,
            "Username, display name, role, unit scopes, whether a one-time password is to be replaced.",
            any_object("{username, display_name, role, scopes, must_change_password}"),
        ),
    )
    .add(
        Method::GET,
        "/tokens",
        get(accounts::tokens),
        doc("accounts", "Your API tokens", Access::Some("researchers, administrators"))
            .json(200, "Name, prefix, created, last used; never the secret.", json!({ "type": "array" })),
    )
    .add(
        Method::POST,
        "/tokens",
        post(accounts::create_token),
        doc("accounts", "Create an API token", Access::Some("researchers, administrators"))
            .json_body(object(&["name"], json!({ "name": string() })))
            .json(201, "The token and its secret (`thk_…`), shown this once.", any_object("{token, secret}")),
    )
    .add(
        Method::DELETE,
        "/tokens/{id}",
        delete(accounts::revoke_token),
        doc("accounts", "Revoke one of your API tokens", Access::Some("researchers, administrators"))
            .path("id", "The token's id.")
            .status(204, "Revoked.")
            .status(404, "No such token of yours."),
    )
    .add(
        Method::GET,
        "/audit",
        get(accounts::audit),
        doc("accounts", "The audit log", ADMIN)
            .describe("Entries newest first, 200 a page. `action=survey.` matches a prefix; dates `YYYY-MM-DD` in China time.")
            .query("action", "An action or an action prefix ending in `.`.")
            .query("actor", "Username of who acted.")
            .query("target", "What was acted on.")
            .query("from", "First day, `YYYY-MM-DD`.")
            .query("to", "Last day, `YYYY-MM-DD`.")
            .query("before", "Entries older than this sequence number (the next page).")
            .json(200, "Who, when, what, before and after, from which address.", json!({ "type": "array" })),
    )
    .add(
        Method::GET,
        "/users",
        get(accounts::users),
        doc("accounts", "Every account", ADMIN).json(200, "Accounts with role, scopes and status.", json!({ "type": "array" })),
    )
}

fn figures(api: Documented) -> Documented {
    let unit_wave = |d: super::doc::Doc| {
        d.query(
            "unit",
            "Unit code (default: the prefecture if in scope, else your first unit).",
        )
        .query("wave", "Survey year (default: the latest).")
        .query(
            "scheme",
            "Poverty-line scheme: `national` (default) or `provincial` (Sichuan's exit threshold).",
        )
    };
    api.add(
        Method::GET,
        "/catalogue",
        get(indicators::catalogue),
        doc("indicators", "The indicator catalogue", Access::SignedIn).json(
            200,
            "Every core indicator: id, zh/en names, unit, aggregation, numerator and denominator measures, formula text, disaggregations.",
            json!({ "type": "array" }),
        ),
    )
    .add(
        Method::GET,
        "/indicators",
        get(indicators::indicators),
        unit_wave(doc("indicators", "Indicator values for one unit and wave", IN_SCOPE))
            .describe("Overall or by one or two of `model`, `poverty_registration`, `head_sex`, `head_ethnicity`. Each value with numerator, denominator, `no_data` (`no_approved_surveys`, `zero_denominator`, `not_disaggregated`, `suppressed`), baseline, change, target and progress; the `poverty_line` applied, in yuan.")
            .query("by", "Up to two dimensions, comma-separated.")
            .query("indicator", "Only these indicator ids, comma-separated.")
            .json(200, "The values.", any_object("{unit, wave, scheme, poverty_line, by, indicators: [...]}"))
            .status(404, "No such unit or wave (after the scope check)."),
    )
    .add(
        Method::GET,
        "/indicators/{id}/explain",
        get(indicators::explain),
        unit_wave(doc("indicators", "Explain one value", IN_SCOPE))
            .path("id", "Indicator id from the catalogue.")
            .describe("The definition, numerator and denominator, each child unit's value and (not for researchers) the surveys and households behind it.")
            .json(200, "The explanation.", any_object("{indicator, value, parts, children, surveys}"))
            .status(404, "No such indicator, unit or wave."),
    )
    .add(
        Method::GET,
        "/charts/{file}",
        get(dashboard::chart_svg),
        unit_wave(doc("indicators", "A dashboard chart as SVG", IN_SCOPE))
            .path("file", "`income_trend.svg`, `poverty_trend.svg`, `income_composition.svg`, `model_comparison.svg`, `employment.svg`, `equity.svg`, `understory_livestock.svg` or `afforestation.svg`.")
            .query("model", "Only households of this engagement model.")
            .query("registration", "Only households of this poverty registration.")
            .query("sex", "Only households whose head is of this sex.")
            .query("ethnicity", "Only households whose head is of this ethnicity.")
            .query("lang", "`zh` (default) or `en`: the labels' language.")
            .file(200, "The drawing the dashboard shows.", "image/svg+xml")
            .status(404, "No such chart."),
    )
    .add(
        Method::GET,
        "/at-risk.csv",
        get(dashboard::at_risk_csv),
        unit_wave(doc("indicators", "Households at risk of (re)falling into poverty", HOUSEHOLD_READERS))
            .query("margin", "Near the line: within this share above it (default 0.1).")
            .query("drop", "Income fell by at least this share since the previous wave.")
            .query("reason", "Only households flagged for this reason.")
            .file(200, "Every flagged household: id, village, registry number, head, per-capita income, line and scheme, previous wave, one 0/1 column per reason.", "text/csv"),
    )
    .add(
        Method::GET,
        "/export/indicators",
        get(exports::indicators),
        doc("exports", "An indicator table", IN_SCOPE)
            .describe("Every unit × wave × slice × indicator, with zh/en names and `households` per cell. For researchers, survey figures over fewer than 5 households are withheld.")
            .query("unit", "Unit codes, comma-separated.")
            .query("wave", "Years, comma-separated.")
            .query("by", "Up to two dimensions.")
            .query("indicator", "Indicator ids, comma-separated.")
            .query("scheme", "`national` (default) or `provincial`.")
            .query("format", "`csv` (default), `xlsx` or `json`.")
            .file(200, "The table.", "text/csv"),
    )
    .add(
        Method::GET,
        "/export/microdata/{file}",
        get(exports::microdata),
        doc("exports", "One pseudonymised micro-data file, or the codebook", Access::Some("researchers (their scope), administrators"))
            .path("file", "`households_by_wave`, `members_by_wave`, `persons`, … with `.csv` or `.xlsx`; `codebook.csv` or `codebook.json`.")
            .query("wave", "Years, comma-separated (default: all).")
            .query("statuses", "`all`: include draft, submitted and rejected surveys, with a `status` column.")
            .file(200, "CSV streamed as produced, or an XLSX workbook with a codebook sheet.", "text/csv")
            .status(404, "No such file."),
    )
}

fn field_work(api: Documented) -> Documented {
    api.add(
        Method::GET,
        "/households",
        get(households::list),
        doc("field work", "A village's households", HOUSEHOLD_READERS)
            .query("village", "12-digit village code.")
            .json(200, "The households, personal data in clear.", json!({ "type": "array" })),
    )
    .add(
        Method::POST,
        "/households",
        post(households::register),
        doc("field work", "Register a household", FIELD_STAFF)
            .describe("`id` (a UUID the client generates, as a device registering offline does) makes a retry idempotent: the same id and head answer 200 with `replayed: true`.")
            .json_body(registration_body())
            .json(201, "Registered.", any_object("{id, warnings, replayed}"))
            .json(200, "This `id` was registered before with the same head: nothing new written.", any_object("{id, warnings, replayed}"))
            .status(409, "The wave or village does not accept it."),
    )
    .add(
        Method::GET,
        "/households/{id}",
        get(households::detail),
        doc("field work", "One household and its surveys", HOUSEHOLD_READERS)
            .path("id", "Household UUID.")
            .json(200, "The household; each survey's wave, status, version, enumerator, review comment.", any_object("{household, surveys}"))
            .status(404, "No such household."),
    )
    .add(
        Method::PATCH,
        "/households/{id}",
        patch(households::correct),
        doc("field work", "Correct a household's registration", FIELD_STAFF)
            .path("id", "Household UUID.")
            .describe("Versioned, with a reason, audited before/after; `status` `moved_out`, `deceased` or `merged` (with `merged_into`), and `left_on` the day it left (default today). A household whose personal data were erased cannot be corrected (422, rule `erased`).")
            .json_body(object(
                &["version", "reason"],
                json!({
                    "version": { "type": "integer", "description": "The version the correction starts from." },
                    "reason": string(),
                    "head_name": string(), "head_id_card": string(), "phone": string(),
                    "head_sex": string(), "head_ethnicity": string(), "poverty_registration": string(),
                    "poverty_cause": string(), "registration_year": string(), "exit_year": string(),
                    "model": string(), "enrolment_date": string(), "status": string(), "merged_into": string(),
                    "left_on": { "type": "string", "description": "`YYYY-MM-DD`, not after today; for any status but `active`." }
                }),
            ))
            .json(200, "Corrected.", any_object("{household, version, warnings}"))
            .status(409, "Someone changed it since `version`."),
    )
    .add(
        Method::GET,
        "/households/{id}/surveys/{wave}",
        get(households::survey),
        doc("field work", "What the survey form starts from", HOUSEHOLD_READERS)
            .path("id", "Household UUID.")
            .path("wave", "Survey year.")
            .json(200, "`survey` (id, status, version…), `answers`, `previous` ([wave, answers]), `editable`, `locked`, `line`.", any_object("{survey, answers, previous, editable, locked, line}")),
    )
    .add(
        Method::PUT,
        "/households/{id}/surveys/{wave}",
        put(households::save_survey),
        doc("field work", "Save or submit a survey", FIELD_STAFF)
            .path("id", "Household UUID.")
            .path("wave", "Survey year.")
            .describe("`client_id` makes a retry idempotent; `base_version` refuses a stale edit. `answers` is the form's SurveyInput: members, employment, equity, training, understory, livestock, other_income, guarantees (codes, yuan, days).")
            .json_body(object(
                &["client_id", "answers"],
                json!({
                    "client_id": { "type": "string", "format": "uuid", "description": "Generated by the client for this save; a retry sends the same one." },
                    "base_version": { "type": "integer", "description": "The version the client started from; 0 for a new survey." },
                    "submit": { "type": "boolean", "description": "Submit for review; otherwise a draft." },
                    "confirm_warnings": { "type": "boolean" },
                    "answers": { "type": "object" }
                }),
            ))
            .json(200, "Replaced, or a replay of the same `client_id`.", any_object("{survey, status, version, replayed, warnings}"))
            .json(201, "Created.", any_object("{survey, status, version, replayed, warnings}"))
            .status(409, "A stale version, an existing survey, or a locked (submitted, approved, closed-wave) one."),
    )
    .add(
        Method::POST,
        "/surveys/{id}/review",
        post(households::review),
        doc("field work", "Approve or reject a survey", Access::Some("supervisors of the township, administrators"))
            .path("id", "Survey UUID.")
            .json_body(object(
                &["decision", "version"],
                json!({
                    "decision": codes(domain::ReviewDecision::ALL, domain::ReviewDecision::code),
                    "version": { "type": "integer" },
                    "comment": { "type": "string", "description": "Required to reject." }
                }),
            ))
            .json(200, "Decided; the next figures include it.", any_object("{survey, status, version}"))
            .status(409, "A stale version or a closed wave."),
    )
}

fn offline_routes(api: Documented) -> Documented {
    api.add(
        Method::GET,
        "/field/offline",
        get(offline::package),
        doc("offline field work", "Prepare for offline", FIELD_STAFF)
            .describe("The signed-in account's villages' households for the wave, each one's survey form (stored answers, the previous wave's, the poverty line, whether editable) and the registration form: what the device keeps in IndexedDB to survey without a network.")
            .query("wave", "Survey year (default: the latest).")
            .json(200, "The package.", any_object("{format, account, display_name, role, prepared_at, home, forms, register}")),
    )
    .add(
        Method::POST,
        "/outbox/import",
        post(offline::import),
        doc("offline field work", "Upload a device's outbox file", Access::Some("supervisors, administrators"))
            .describe("The file a device exported (`kind: tanhui-outbox`). Items are applied in order through the same checks as the form, each saved, replayed (already on the server: same client id) or refused with its reasons; uploading the same file again changes nothing.")
            .json_body(object(&["kind", "format", "account", "items"], json!({
                "kind": { "type": "string", "enum": [app::model::OUTBOX_FILE_KIND] },
                "format": { "type": "integer" },
                "account": string(),
                "exported_at": string(),
                "items": { "type": "array" }
            })))
            .json(200, "Each item's outcome.", any_object("{account, items: [{id, kind, label, outcome, version, issues}]}"))
            .status(413, "Larger than 16 MB."),
    )
}

fn setup_routes(api: Documented) -> Documented {
    api.add(
        Method::GET,
        "/import/{kind}/{file}",
        get(imports::template),
        doc("programme set-up", "An import template", Access::SignedIn)
            .path("kind", "`households`, `surveys`, `units`, `assignments`, `targets`, `plots` or `inspections`.")
            .path("file", "`template.csv` (UTF-8 with BOM) or `template.xlsx` (with a codes sheet).")
            .file(200, "Header and example rows.", "text/csv")
            .status(404, "No such kind or file."),
    )
    .add(
        Method::POST,
        "/import/{kind}",
        post(imports::import),
        doc("programme set-up", "Import a file, all or nothing", ADMIN)
            .path("kind", "`households`, `surveys`, `units`, `assignments`, `targets`, `plots` or `inspections`.")
            .flag("confirm_warnings", "Write although rows have warnings.")
            .flag("update", "Households: rows of registered households correct them.")
            .file_body("text/csv")
            .describe("At most 64 MB; an XLSX may inflate to 256 MB (100 to 1 at most). The report lists the first 1,000 errors, warnings and changes by line, and counts every rule in `counts`.")
            .json(200, "Every row written.", any_object("{rows, imported, errors, warnings, changes, counts}"))
            .json(422, "Nothing written: the errors by line and column.", any_object("{rows, imported, errors: [{line, column, rule, zh, en}], warnings, counts: [{rule, warning, count}]}"))
            .status(400, "Not UTF-8, or not a CSV or XLSX file.")
            .status(413, "Larger than 64 MB."),
    )
    .add(
        Method::GET,
        "/units",
        get(setup::units),
        doc("programme set-up", "A level of the unit tree, or a search", ADMIN)
            .query("parent", "The unit whose children are listed (default the prefecture).")
            .query("q", "A code prefix or part of a Chinese, pinyin or Yi name.")
            .json(200, "Units with names, dates, successor, children and households.", any_object("{parent, units}")),
    )
    .add(
        Method::PATCH,
        "/units/{code}",
        patch(setup::update_unit),
        doc("programme set-up", "Correct one unit", ADMIN)
            .path("code", "The unit's code.")
            .json_body(object(
                &["name_zh"],
                json!({
                    "name_zh": string(), "name_pinyin": string(), "name_ii": string(),
                    "valid_from": { "type": "string", "description": "`YYYY-MM-DD` or empty." },
                    "valid_to": { "type": "string", "description": "`YYYY-MM-DD` or empty." },
                    "successor_code": string()
                }),
            ))
            .json(200, "The unit as stored (audited `unit.update`).", any_object("UnitRecordView"))
            .status(404, "No such unit."),
    )
    .add(
        Method::GET,
        "/programme",
        get(setup::programme),
        doc("programme set-up", "Waves, poverty lines, targets", ADMIN)
            .json(200, "The programme's waves, lines and number of targets.", any_object("ProgrammeView")),
    )
    .add(
        Method::POST,
        "/waves",
        post(setup::open_wave),
        doc("programme set-up", "Open or reopen a wave, or change its period", ADMIN)
            .json_body(object(
                &["year"],
                json!({ "year": string(), "start": { "type": "string", "description": "`YYYY-MM-DD`; empty: 1 January." }, "end": { "type": "string", "description": "`YYYY-MM-DD`; empty: 31 December." } }),
            ))
            .json(200, "The programme after the change.", any_object("ProgrammeView")),
    )
    .add(
        Method::POST,
        "/waves/{year}/close",
        post(setup::close_wave),
        doc("programme set-up", "Close a wave", ADMIN)
            .path("year", "Survey year.")
            .describe("Saves, reviews and imports in a closed wave answer 409 until it is reopened.")
            .json(200, "The programme after the change.", any_object("ProgrammeView"))
            .status(404, "No such wave."),
    )
    .add(
        Method::PUT,
        "/lines",
        put(setup::set_line),
        doc("programme set-up", "Set a poverty line", ADMIN)
            .json_body(object(
                &["scheme", "year", "yuan"],
                json!({ "scheme": codes(domain::PovertyScheme::ALL, domain::PovertyScheme::code), "year": string(), "yuan": { "type": "string", "description": "Yuan per person per year, exact to the fen: `4000.00`." } }),
            ))
            .json(200, "The programme after the change (audited `line.set`).", any_object("ProgrammeView")),
    )
}

fn privacy_routes(api: Documented) -> Documented {
    api.add(
        Method::GET,
        "/privacy",
        get(privacy::inventory),
        doc("privacy", "The personal data held, and the households due for erasure", ADMIN)
            .describe("Each kind of personal data: where it is stored, how it is protected, why it is held, who reads it, how long it is kept and how many records hold it; then the households that left the programme more than `TANHUI_ERASE_AFTER_YEARS` ago (the first 200).")
            .json(200, "The inventory and the erasure queue.", any_object("{inventory, erase_after_years, today, cutoff, due_count, erased_count, due}")),
    )
    .add(
        Method::POST,
        "/privacy/erasures",
        post(privacy::erase),
        doc("privacy", "Erase households' personal data past the retention period", ADMIN)
            .describe("Names, ID-card numbers, phones and registry numbers of the households and their people are erased; answers, statistics and pseudonyms stay. Each household is audited as `household.erase`. Either `households` (each must be due, or nothing is erased) or `all_due` with `expected`, the number due as read (refused if it changed).")
            .json_body(object(
                &[],
                json!({
                    "households": { "type": "array", "items": string(), "description": "Household ids." },
                    "all_due": { "type": "boolean" },
                    "expected": { "type": "string", "description": "With `all_due`: the number of households due, as read (`\"12\"`)." }
                }),
            ))
            .json(200, "How many were erased.", any_object("{erased}")),
    )
}

/// Every route of `/api/v1` but the session (which belongs to the HTTP layer).
pub fn all(api: Documented) -> Documented {
    privacy_routes(offline_routes(setup_routes(field_work(figures(accounts(
        api,
    ))))))
}
