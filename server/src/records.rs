//! Writing records that arrive as raw input (a form, a file, an API body): parse and check
//! them with the domain's rules, then store them — or refuse with field-level issues and
//! write nothing.

use domain::validate::{check_household, HouseholdInput};
use domain::{Actor, Date, Household, Issue, RecordId};

use crate::storage::{AuditEntry, StorageError, Store};

/// Who writes a record, for the access check and the audit entry.
pub struct Author<'a> {
    pub actor: &'a Actor,
    pub ip: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The input breaks rules; each issue names its field. Nothing was written.
    #[error("the record has {} problem(s)", .0.len())]
    Invalid(Vec<Issue>),
    /// The author may not write records in this village. Nothing was written.
    #[error("outside the author's role or scope")]
    Forbidden,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Registers a household from raw input. `id` and `enrolment_date` are the caller's (the
/// server generates ids); `current_year` bounds registration years. A head already
/// registered elsewhere is refused with a pointer to that household — its id and village when
/// the author's scope covers it, only the masked ID-card number otherwise.
pub async fn register_household(
    store: &Store,
    author: &Author<'_>,
    id: RecordId,
    input: &HouseholdInput,
    current_year: i32,
    enrolment_date: Option<Date>,
) -> Result<(Household, Vec<Issue>), RecordError> {
    if let Ok(village) = domain::UnitCode::parse(input.village.trim()) {
        if !author.actor.may_enter(&village) {
            return Err(RecordError::Forbidden);
        }
    }
    let (fields, warnings) = check_household(input, current_year).map_err(RecordError::Invalid)?;
    if !author.actor.may_enter(&fields.village) {
        return Err(RecordError::Forbidden);
    }
    let household = fields.into_household(id, enrolment_date);
    let audit = AuditEntry::by(Some(author.actor), "household.create")
        .target("household", household.id.as_str())
        .unit(Some(&household.village))
        .ip(author.ip.clone())
        .change(None, Some(household_snapshot(&household)));
    match store.insert_household(&household, audit).await {
        Ok(()) => Ok((household, warnings)),
        Err(StorageError::DuplicateIdCard {
            household: existing,
            village,
        }) => {
            let in_scope =
                domain::UnitCode::parse(&village).is_ok_and(|v| author.actor.may_see_personal(&v));
            let masked = household.head_id_card.masked();
            let (zh, en) = match in_scope {
                true => (
                    format!("该身份证号已登记为另一户（户 {existing}，村 {village}），一户只能在一个村登记"),
                    format!("head_id_card: already registered as household {existing} in village {village}"),
                ),
                false => (
                    format!("该身份证号（{masked}）已在您管辖范围以外的村登记，请联系上级核实"),
                    format!("head_id_card: {masked} is already registered in a village outside your scope; ask your supervisor"),
                ),
            };
            Err(RecordError::Invalid(vec![Issue {
                path: "head_id_card".into(),
                rule: "duplicate_household",
                severity: domain::Severity::Error,
                zh,
                en,
            }]))
        }
        Err(err) => Err(err.into()),
    }
}

/// What the audit log keeps of a new household: the record with the head's name, ID-card
/// number and phone masked (the log outlives corrections and is read for oversight, not for contact).
pub(crate) fn household_snapshot(household: &Household) -> serde_json::Value {
    let mut value = serde_json::to_value(household).unwrap_or_default();
    value["head_name"] = serde_json::json!(domain::access::mask_name(&household.head_name));
    value["head_id_card"] = serde_json::json!(household.head_id_card.masked());
    value["phone"] = serde_json::json!(household.phone.as_ref().map(|p| p.masked()));
    value
}
