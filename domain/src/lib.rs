//! Tanhui's domain: the programme's vocabulary as types, with no IO and no web framework.
//!
//! Everything here also compiles for `wasm32-unknown-unknown`, so the browser form and the
//! server run the very same rules. Values that have rules are newtypes with one fallible
//! constructor; once built, they are valid. Raw input becomes domain types in [`validate`],
//! which reports every problem with its field path, in Chinese and English.

#![warn(missing_docs)]

pub mod access;
pub mod date;
pub mod engine;
pub mod household;
pub mod id_card;
pub mod lang;
pub mod programme;
pub mod quantity;
pub mod record_id;
pub mod risk;
pub mod roster;
pub mod survey;
pub mod unit_code;
pub mod validate;
pub mod vocab;

pub use access::{Actor, Scope};
pub use date::Date;
pub use household::{AdminUnit, Household, Member, Person, Phone};
pub use id_card::{IdCardError, IdCardNumber};
pub use lang::{Both, Lang, Localized};
pub use programme::{
    national_line, AfforestationPlot, PovertyLine, SurvivalInspection, Target, VillageProgramme,
};
pub use quantity::{Days, Heads, Hectares, Mu, QuantityError, Rmb};
pub use record_id::RecordId;
pub use survey::{
    EmploymentRow, Equity, Guarantees, HouseholdSurvey, LivestockRow, OtherIncome, SurveyAnswers,
    TrainingRow, UnderstoryRow, Wave,
};
pub use unit_code::{UnitCode, UnitCodeError, UnitLevel, PREFECTURE_CODE};
pub use validate::{Issue, Severity};
pub use vocab::{
    Activity, Education, EngagementModel, Ethnicity, Health, HouseholdStatus, LabourAbility,
    LivestockSpecies, ManagingParty, PovertyCause, PovertyRegistration, PovertyScheme,
    ProgrammeGroup, Relation, ReviewDecision, Role, Sex, SurveyStatus, TrainingTopic, TreeSpecies,
    UnderstoryProduct,
};
