//! Writing records that arrive as raw input (a form, a file, an API body): parse and check
//! them with the domain's rules, then store them — or refuse with field-level issues and
//! write nothing.

use domain::validate::{check_household, check_survey, HouseholdInput, SurveyInput};
use domain::{Date, Household, HouseholdSurvey, Issue, RecordId, SurveyStatus};

use crate::storage::{StorageError, Store};

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The input breaks rules; each issue names its field. Nothing was written.
    #[error("the record has {} problem(s)", .0.len())]
    Invalid(Vec<Issue>),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Registers a household from raw input. `id` and `enrolment_date` are the caller's (the
/// server generates ids); `current_year` bounds registration years.
pub async fn register_household(
    store: &Store,
    id: RecordId,
    input: &HouseholdInput,
    current_year: i32,
    enrolment_date: Option<Date>,
) -> Result<(Household, Vec<Issue>), RecordError> {
    let (fields, warnings) = check_household(input, current_year).map_err(RecordError::Invalid)?;
    let household = Household {
        id,
        village: fields.village,
        registry_no: fields.registry_no,
        head_name: fields.head_name,
        head_id_card: fields.head_id_card,
        phone: fields.phone,
        head_sex: fields.head_sex,
        head_ethnicity: fields.head_ethnicity,
        poverty_registration: fields.poverty_registration,
        poverty_cause: fields.poverty_cause,
        registration_year: fields.registration_year,
        exit_year: fields.exit_year,
        model: fields.model,
        enrolment_date,
    };
    match store.insert_household(&household).await {
        Ok(()) => Ok((household, warnings)),
        Err(StorageError::DuplicateIdCard { household, village }) => Err(RecordError::Invalid(vec![Issue {
            path: "head_id_card".into(),
            rule: "duplicate_household",
            severity: domain::Severity::Error,
            zh: format!("该身份证号已登记为另一户（户 {household}，村 {village}），一户只能在一个村登记"),
            en: format!("head_id_card: already registered as household {household} in village {village}"),
        }])),
        Err(err) => Err(err.into()),
    }
}

/// What a new survey carries besides its answers.
pub struct NewSurvey {
    pub id: RecordId,
    pub household_id: RecordId,
    pub wave: i32,
    pub enumerator: String,
    pub client_id: RecordId,
}

/// Records a draft survey from raw input, in one transaction.
pub async fn record_survey(
    store: &Store,
    new: NewSurvey,
    input: &SurveyInput,
) -> Result<(HouseholdSurvey, Vec<Issue>), RecordError> {
    let (answers, warnings) = check_survey(input, new.wave).map_err(RecordError::Invalid)?;
    let survey = HouseholdSurvey {
        id: new.id,
        household_id: new.household_id,
        wave: new.wave,
        status: SurveyStatus::Draft,
        enumerator: new.enumerator,
        client_id: new.client_id,
        version: 1,
        review_comment: None,
        answers,
    };
    store.insert_survey(&survey).await?;
    Ok((survey, warnings))
}
