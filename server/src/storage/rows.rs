//! Database rows (server-only) and their conversion to domain and view types. A value that
//! does not parse back is a corrupt row: reported, never silently defaulted.

use crate::storage::crypt::{self, Keys};
use app::model::UnitView;
use domain::{
    AdminUnit, AfforestationPlot, Date, Days, EmploymentRow, Equity, Guarantees, Heads, Hectares,
    Household, HouseholdSurvey, IdCardNumber, LivestockRow, Member, Mu, OtherIncome, Phone,
    PovertyLine, RecordId, Rmb, SurveyAnswers, SurvivalInspection, Target, TrainingRow,
    UnderstoryRow, UnitCode, UnitLevel, Wave,
};

use super::StorageError;

pub(super) fn corrupt(table: &'static str, detail: impl std::fmt::Display) -> StorageError {
    StorageError::CorruptRow {
        table,
        detail: detail.to_string(),
    }
}

/// Parses a stored code with the vocabulary's `parse`.
pub(super) fn code<T>(
    table: &'static str,
    column: &str,
    value: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, StorageError> {
    parse(value).ok_or_else(|| corrupt(table, format!("{column} = {value:?}")))
}

/// A stored record id's 128 bits ([`RecordId::to_u128`]); a malformed one is a corrupt row.
pub(super) fn bits(table: &'static str, value: &str) -> Result<u128, StorageError> {
    RecordId::bits_of(value).ok_or_else(|| corrupt(table, format!("id = {value:?}")))
}

/// A stored record id; a malformed one is a corrupt row.
pub(crate) fn id(table: &'static str, value: &str) -> Result<RecordId, StorageError> {
    RecordId::parse(value).map_err(|err| corrupt(table, err))
}

pub(super) fn unit(table: &'static str, value: &str) -> Result<UnitCode, StorageError> {
    UnitCode::parse(value).map_err(|err| corrupt(table, err))
}

/// What the engine needs of a household beyond its village, parsed from its stored codes.
#[derive(Debug, Clone, Copy)]
pub(super) struct HouseholdProfile {
    pub profile: domain::engine::Profile,
    pub participates: bool,
    pub poor: bool,
}

/// Parses a household's four stored profile codes (model, poverty registration, head's sex
/// and ethnicity); an unknown one is a corrupt row of `table`.
pub(super) fn household_profile(
    table: &'static str,
    model: &str,
    registration: &str,
    sex: &str,
    ethnicity: &str,
) -> Result<HouseholdProfile, StorageError> {
    let model = code(table, "model", model, domain::EngagementModel::parse)?;
    let registration = code(
        table,
        "poverty_registration",
        registration,
        domain::PovertyRegistration::parse,
    )?;
    Ok(HouseholdProfile {
        profile: domain::engine::Profile::new(
            model,
            registration,
            code(table, "head_sex", sex, domain::Sex::parse)?,
            code(table, "head_ethnicity", ethnicity, domain::Ethnicity::parse)?,
        ),
        participates: model.participates(),
        poor: registration.is_poor(),
    })
}

fn date(table: &'static str, value: Option<&str>) -> Result<Option<Date>, StorageError> {
    value
        .map(|text| Date::parse(text).map_err(|err| corrupt(table, err)))
        .transpose()
}

fn money(table: &'static str, fen: i64) -> Result<Rmb, StorageError> {
    Rmb::from_fen(fen).map_err(|err| corrupt(table, err))
}

fn mu(table: &'static str, value: f64) -> Result<Mu, StorageError> {
    Mu::new(value).map_err(|err| corrupt(table, err))
}

fn heads(table: &'static str, value: i64) -> Result<Heads, StorageError> {
    Heads::new(value).map_err(|err| corrupt(table, err))
}

fn days(table: &'static str, value: i32) -> Result<Days, StorageError> {
    Days::new(value.into()).map_err(|err| corrupt(table, err))
}

fn member_no(table: &'static str, value: i32) -> Result<u8, StorageError> {
    u8::try_from(value).map_err(|err| corrupt(table, err))
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitRow {
    pub code: String,
    pub name_zh: String,
    pub name_pinyin: String,
    pub level: String,
}

impl TryFrom<UnitRow> for UnitView {
    type Error = StorageError;

    fn try_from(row: UnitRow) -> Result<Self, Self::Error> {
        let level = UnitLevel::parse(&row.level).ok_or_else(|| {
            corrupt(
                "admin_units",
                format!("unknown level {:?} for {}", row.level, row.code),
            )
        })?;
        Ok(UnitView {
            code: row.code,
            name_zh: row.name_zh,
            name_pinyin: row.name_pinyin,
            level,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct UnitFullRow {
    pub code: String,
    pub name_zh: String,
    pub name_pinyin: String,
    pub name_ii: String,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub successor_code: Option<String>,
    pub synthetic: bool,
}

impl UnitFullRow {
    pub const COLUMNS: &'static str =
        "code, name_zh, name_pinyin, name_ii, valid_from, valid_to, successor_code, synthetic";
}

impl TryFrom<UnitFullRow> for AdminUnit {
    type Error = StorageError;
    fn try_from(row: UnitFullRow) -> Result<Self, Self::Error> {
        Ok(AdminUnit {
            code: unit("admin_units", &row.code)?,
            name_zh: row.name_zh,
            name_pinyin: row.name_pinyin,
            name_ii: row.name_ii,
            valid_from: date("admin_units", row.valid_from.as_deref())?,
            valid_to: date("admin_units", row.valid_to.as_deref())?,
            successor: row
                .successor_code
                .as_deref()
                .map(|c| unit("admin_units", c))
                .transpose()?,
            synthetic: row.synthetic,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct WaveRow {
    pub year: i32,
    pub baseline: bool,
    pub period_start: String,
    pub period_end: String,
    pub closed: bool,
}

impl TryFrom<WaveRow> for Wave {
    type Error = StorageError;
    fn try_from(row: WaveRow) -> Result<Self, Self::Error> {
        let parse = |text: &str| Date::parse(text).map_err(|err| corrupt("waves", err));
        Ok(Wave {
            year: row.year,
            baseline: row.baseline,
            period_start: parse(&row.period_start)?,
            period_end: parse(&row.period_end)?,
            closed: row.closed,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct PovertyLineRow {
    pub year: i32,
    pub scheme: String,
    pub amount_fen: i64,
}

impl TryFrom<PovertyLineRow> for PovertyLine {
    type Error = StorageError;
    fn try_from(row: PovertyLineRow) -> Result<Self, Self::Error> {
        Ok(PovertyLine {
            year: row.year,
            scheme: code(
                "poverty_lines",
                "scheme",
                &row.scheme,
                domain::PovertyScheme::parse,
            )?,
            amount: money("poverty_lines", row.amount_fen)?,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct TargetRow {
    pub indicator: String,
    pub unit_code: String,
    pub year: i32,
    pub value: f64,
}

impl TryFrom<TargetRow> for Target {
    type Error = StorageError;
    fn try_from(row: TargetRow) -> Result<Self, Self::Error> {
        Ok(Target {
            indicator: row.indicator,
            unit: unit("targets", &row.unit_code)?,
            year: row.year,
            value: row.value,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct HouseholdRow {
    pub id: String,
    pub village_code: String,
    pub registry_no: String,
    pub head_name: String,
    pub head_id_card: String,
    pub phone: Option<String>,
    pub head_sex: String,
    pub head_ethnicity: String,
    pub poverty_registration: String,
    pub poverty_cause: Option<String>,
    pub registration_year: Option<i32>,
    pub exit_year: Option<i32>,
    pub model: String,
    pub enrolment_date: Option<String>,
    /// When the household's personal data were erased (Unix ms); its ID-card column then
    /// holds a placeholder.
    pub erased_at: Option<i64>,
}

impl HouseholdRow {
    pub const COLUMNS: &'static str = "id, village_code, registry_no, head_name, head_id_card, phone, head_sex, \
        head_ethnicity, poverty_registration, poverty_cause, registration_year, exit_year, model, enrolment_date, \
        erased_at";
}

impl HouseholdRow {
    /// The household, its ID-card number and phone decrypted with `keys`.
    pub fn into_household(self, keys: &Keys) -> Result<Household, StorageError> {
        const T: &str = "households";
        let row = self;
        let head_id_card = match row.erased_at {
            Some(_) => None,
            None => {
                let card = keys.open(crypt::HEAD_ID_CARD, &row.head_id_card)?;
                Some(IdCardNumber::parse(&card).map_err(|err| corrupt(T, err))?)
            }
        };
        let phone = row
            .phone
            .as_deref()
            .map(|p| keys.open(crypt::PHONE, p))
            .transpose()?;
        Ok(Household {
            id: id(T, &row.id)?,
            village: unit(T, &row.village_code)?,
            // An erased household's column holds a placeholder (the column is unique).
            registry_no: match row.erased_at {
                Some(_) => String::new(),
                None => row.registry_no,
            },
            head_name: row.head_name,
            head_id_card,
            phone: phone
                .as_deref()
                .map(Phone::parse)
                .transpose()
                .map_err(|err| corrupt(T, err))?,
            head_sex: code(T, "head_sex", &row.head_sex, domain::Sex::parse)?,
            head_ethnicity: code(
                T,
                "head_ethnicity",
                &row.head_ethnicity,
                domain::Ethnicity::parse,
            )?,
            poverty_registration: code(
                T,
                "poverty_registration",
                &row.poverty_registration,
                domain::PovertyRegistration::parse,
            )?,
            poverty_cause: row
                .poverty_cause
                .as_deref()
                .map(|c| code(T, "poverty_cause", c, domain::PovertyCause::parse))
                .transpose()?,
            registration_year: row.registration_year,
            exit_year: row.exit_year,
            model: code(T, "model", &row.model, domain::EngagementModel::parse)?,
            enrolment_date: date(T, row.enrolment_date.as_deref())?,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct PersonRow {
    pub id: String,
    pub household_id: String,
    pub position: i32,
    pub name: String,
    pub id_card: Option<String>,
    pub sex: String,
    pub birth_year: i32,
    pub relation: String,
    pub ethnicity: String,
    pub active: bool,
}

impl PersonRow {
    pub const COLUMNS: &'static str =
        "id, household_id, position, name, id_card, sex, birth_year, relation, ethnicity, active";
}

impl PersonRow {
    /// The person, its ID-card number decrypted with `keys`.
    pub fn into_person(self, keys: &Keys) -> Result<domain::Person, StorageError> {
        const T: &str = "persons";
        let row = self;
        let id_card = row
            .id_card
            .as_deref()
            .map(|c| keys.open(crypt::PERSON_ID_CARD, c))
            .transpose()?;
        Ok(domain::Person {
            id: id(T, &row.id)?,
            household: id(T, &row.household_id)?,
            position: u32::try_from(row.position).map_err(|err| corrupt(T, err))?,
            name: row.name,
            id_card: id_card
                .as_deref()
                .map(IdCardNumber::parse)
                .transpose()
                .map_err(|err| corrupt(T, err))?,
            sex: code(T, "sex", &row.sex, domain::Sex::parse)?,
            birth_year: row.birth_year,
            relation: code(T, "relation", &row.relation, domain::Relation::parse)?,
            ethnicity: code(T, "ethnicity", &row.ethnicity, domain::Ethnicity::parse)?,
            active: row.active,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct SurveyRow {
    pub id: String,
    pub household_id: String,
    pub wave: i32,
    pub status: String,
    pub enumerator: String,
    pub client_id: String,
    pub version: i32,
    pub review_comment: Option<String>,
    pub equity_land_mu: f64,
    pub equity_shares: f64,
    pub dividends_fen: i64,
    pub crop_net_fen: i64,
    pub transfers_fen: i64,
    pub remittances_fen: i64,
    pub other_fen: i64,
    pub food_clothing_secure: bool,
    pub schooling_ok: bool,
    pub insured: bool,
    pub housing_safe: bool,
    pub water_safe: bool,
}

impl SurveyRow {
    pub const COLUMNS: &'static str = "id, household_id, wave, status, enumerator, client_id, version, \
        review_comment, equity_land_mu, equity_shares, dividends_fen, crop_net_fen, transfers_fen, remittances_fen, \
        other_fen, food_clothing_secure, schooling_ok, insured, housing_safe, water_safe";

    pub fn into_survey(
        self,
        members: Vec<MemberRow>,
        employment: Vec<EmploymentRowDb>,
        training: Vec<TrainingRowDb>,
        understory: Vec<UnderstoryRowDb>,
        livestock: Vec<LivestockRowDb>,
    ) -> Result<HouseholdSurvey, StorageError> {
        const T: &str = "surveys";
        let answers = SurveyAnswers {
            members: members
                .into_iter()
                .map(Member::try_from)
                .collect::<Result<_, _>>()?,
            employment: employment
                .into_iter()
                .map(EmploymentRow::try_from)
                .collect::<Result<_, _>>()?,
            equity: Equity {
                land_mu: mu(T, self.equity_land_mu)?,
                shares: mu(T, self.equity_shares)?,
                dividends: money(T, self.dividends_fen)?,
            },
            training: training
                .into_iter()
                .map(TrainingRow::try_from)
                .collect::<Result<_, _>>()?,
            understory: understory
                .into_iter()
                .map(UnderstoryRow::try_from)
                .collect::<Result<_, _>>()?,
            livestock: livestock
                .into_iter()
                .map(LivestockRow::try_from)
                .collect::<Result<_, _>>()?,
            other_income: OtherIncome {
                crop_net: money(T, self.crop_net_fen)?,
                transfers: money(T, self.transfers_fen)?,
                remittances: money(T, self.remittances_fen)?,
                other: money(T, self.other_fen)?,
            },
            guarantees: Guarantees {
                food_clothing_secure: self.food_clothing_secure,
                schooling_ok: self.schooling_ok,
                insured: self.insured,
                housing_safe: self.housing_safe,
                water_safe: self.water_safe,
            },
        };
        Ok(HouseholdSurvey {
            id: id(T, &self.id)?,
            household_id: id(T, &self.household_id)?,
            wave: self.wave,
            status: code(T, "status", &self.status, domain::SurveyStatus::parse)?,
            enumerator: self.enumerator,
            client_id: id(T, &self.client_id)?,
            version: self.version,
            review_comment: self.review_comment,
            answers,
        })
    }
}

/// One survey's bookkeeping, without its answers: what lists, the review queue and a
/// household's history show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyLine {
    pub id: RecordId,
    pub household: RecordId,
    pub wave: i32,
    pub status: domain::SurveyStatus,
    pub version: i32,
    pub enumerator: String,
    pub review_comment: Option<String>,
}

/// A [`SurveyLine`] as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct SurveyLineRow {
    id: String,
    household_id: String,
    wave: i32,
    status: String,
    version: i32,
    enumerator: String,
    review_comment: Option<String>,
}

impl SurveyLineRow {
    /// The columns, for a query on `surveys s`.
    pub const COLUMNS: &'static str =
        "s.id, s.household_id, s.wave, s.status, s.version, s.enumerator, s.review_comment";

    pub fn into_line(self) -> Result<SurveyLine, StorageError> {
        const T: &str = "surveys";
        Ok(SurveyLine {
            id: id(T, &self.id)?,
            household: id(T, &self.household_id)?,
            wave: self.wave,
            status: code(T, "status", &self.status, domain::SurveyStatus::parse)?,
            version: self.version,
            enumerator: self.enumerator,
            review_comment: self.review_comment,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct MemberRow {
    pub member_no: i32,
    pub sex: String,
    pub birth_year: i32,
    pub relation: String,
    pub ethnicity: String,
    pub education: String,
    pub health: String,
    pub labour: String,
    pub person_id: Option<String>,
}

impl MemberRow {
    pub const COLUMNS: &'static str =
        "member_no, sex, birth_year, relation, ethnicity, education, health, labour, person_id";
}

impl TryFrom<MemberRow> for Member {
    type Error = StorageError;
    fn try_from(row: MemberRow) -> Result<Self, Self::Error> {
        const T: &str = "survey_members";
        Ok(Member {
            no: member_no(T, row.member_no)?,
            sex: code(T, "sex", &row.sex, domain::Sex::parse)?,
            birth_year: row.birth_year,
            relation: code(T, "relation", &row.relation, domain::Relation::parse)?,
            ethnicity: code(T, "ethnicity", &row.ethnicity, domain::Ethnicity::parse)?,
            education: code(T, "education", &row.education, domain::Education::parse)?,
            health: code(T, "health", &row.health, domain::Health::parse)?,
            labour: code(T, "labour", &row.labour, domain::LabourAbility::parse)?,
            person: row.person_id.as_deref().map(|p| id(T, p)).transpose()?,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct EmploymentRowDb {
    pub member_no: i32,
    pub activity: String,
    pub days: i32,
    pub wages_fen: i64,
}

impl EmploymentRowDb {
    pub const COLUMNS: &'static str = "member_no, activity, days, wages_fen";
}

impl TryFrom<EmploymentRowDb> for EmploymentRow {
    type Error = StorageError;
    fn try_from(row: EmploymentRowDb) -> Result<Self, Self::Error> {
        const T: &str = "employment_rows";
        Ok(EmploymentRow {
            member_no: member_no(T, row.member_no)?,
            activity: code(T, "activity", &row.activity, domain::Activity::parse)?,
            days: days(T, row.days)?,
            wages: money(T, row.wages_fen)?,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct TrainingRowDb {
    pub member_no: i32,
    pub topic: String,
    pub days: i32,
}

impl TrainingRowDb {
    pub const COLUMNS: &'static str = "member_no, topic, days";
}

impl TryFrom<TrainingRowDb> for TrainingRow {
    type Error = StorageError;
    fn try_from(row: TrainingRowDb) -> Result<Self, Self::Error> {
        const T: &str = "training_rows";
        Ok(TrainingRow {
            member_no: member_no(T, row.member_no)?,
            topic: code(T, "topic", &row.topic, domain::TrainingTopic::parse)?,
            days: days(T, row.days)?,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct UnderstoryRowDb {
    pub product: String,
    pub area_mu: f64,
    pub output_kg: f64,
    pub sales_fen: i64,
    pub costs_fen: i64,
}

impl UnderstoryRowDb {
    pub const COLUMNS: &'static str = "product, area_mu, output_kg, sales_fen, costs_fen";
}

impl TryFrom<UnderstoryRowDb> for UnderstoryRow {
    type Error = StorageError;
    fn try_from(row: UnderstoryRowDb) -> Result<Self, Self::Error> {
        const T: &str = "understory_rows";
        Ok(UnderstoryRow {
            product: code(T, "product", &row.product, domain::UnderstoryProduct::parse)?,
            area: mu(T, row.area_mu)?,
            output_kg: mu(T, row.output_kg)?,
            sales: money(T, row.sales_fen)?,
            costs: money(T, row.costs_fen)?,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct LivestockRowDb {
    pub species: String,
    pub head_start: i32,
    pub born: i32,
    pub died: i32,
    pub sold: i32,
    pub head_end: i32,
    pub sales_fen: i64,
    pub costs_fen: i64,
    pub correction_note: Option<String>,
}

impl LivestockRowDb {
    pub const COLUMNS: &'static str =
        "species, head_start, born, died, sold, head_end, sales_fen, costs_fen, correction_note";
}

impl TryFrom<LivestockRowDb> for LivestockRow {
    type Error = StorageError;
    fn try_from(row: LivestockRowDb) -> Result<Self, Self::Error> {
        const T: &str = "livestock_rows";
        Ok(LivestockRow {
            species: code(T, "species", &row.species, domain::LivestockSpecies::parse)?,
            head_start: heads(T, row.head_start.into())?,
            born: heads(T, row.born.into())?,
            died: heads(T, row.died.into())?,
            sold: heads(T, row.sold.into())?,
            head_end: heads(T, row.head_end.into())?,
            sales: money(T, row.sales_fen)?,
            costs: money(T, row.costs_fen)?,
            correction_note: row.correction_note,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct PlotRow {
    pub id: String,
    pub village_code: String,
    pub area_ha: f64,
    pub species: String,
    pub planting_year: i32,
    pub managing_party: String,
}

#[derive(Debug, sqlx::FromRow)]
pub struct InspectionRow {
    pub plot_id: String,
    pub year: i32,
    pub survival_pct: f64,
}

impl PlotRow {
    /// Joins plots (ordered by id) with their inspections (ordered by plot id, year).
    pub fn assemble(
        rows: Vec<PlotRow>,
        inspections: Vec<InspectionRow>,
    ) -> Result<Vec<AfforestationPlot>, StorageError> {
        const T: &str = "plots";
        let mut by_plot = std::collections::HashMap::<String, Vec<SurvivalInspection>>::new();
        for i in inspections {
            by_plot
                .entry(i.plot_id)
                .or_default()
                .push(SurvivalInspection {
                    year: i.year,
                    survival_pct: i.survival_pct,
                });
        }
        rows.into_iter()
            .map(|row| {
                Ok(AfforestationPlot {
                    inspections: by_plot.remove(&row.id).unwrap_or_default(),
                    id: id(T, &row.id)?,
                    village: unit(T, &row.village_code)?,
                    area: Hectares::new(row.area_ha).map_err(|err| corrupt(T, err))?,
                    species: code(T, "species", &row.species, domain::TreeSpecies::parse)?,
                    planting_year: row.planting_year,
                    managing_party: code(
                        T,
                        "managing_party",
                        &row.managing_party,
                        domain::ManagingParty::parse,
                    )?,
                })
            })
            .collect()
    }
}

/// One approved survey's indicator quantities, as `queries::survey_facts` computes them.
#[derive(Debug, sqlx::FromRow)]
pub struct FactRow {
    #[sqlx(flatten)]
    pub place: FactPlace,
    pub size: i64,
    pub dividends_fen: i64,
    pub crop_net_fen: i64,
    pub transfers_fen: i64,
    pub remittances_fen: i64,
    pub other_fen: i64,
    pub equity_land_mu: f64,
    pub equity_shares: f64,
    pub food_clothing_secure: bool,
    pub schooling_ok: bool,
    pub insured: bool,
    pub housing_safe: bool,
    pub water_safe: bool,
    pub wages_fen: i64,
    pub programme_days: i64,
    pub programme_wages_fen: i64,
    pub women_days: i64,
    pub understory_milli_mu: i64,
    pub understory_net_fen: i64,
    pub livestock_head_end: i64,
    pub livestock_net_fen: i64,
    pub trained_persons: i64,
}

impl FactRow {
    pub fn into_fact(self) -> Result<domain::engine::SurveyFact, StorageError> {
        let net_income_fen = self.wages_fen
            + self.dividends_fen
            + self.understory_net_fen
            + self.livestock_net_fen
            + self.crop_net_fen
            + self.transfers_fen
            + self.remittances_fen
            + self.other_fen;
        let measures = domain::engine::SurveyMeasures {
            size: self.size,
            net_income_fen,
            guarantees_met: self.food_clothing_secure
                && self.schooling_ok
                && self.insured
                && self.housing_safe
                && self.water_safe,
            programme_days: self.programme_days,
            programme_wages_fen: self.programme_wages_fen,
            women_programme_days: self.women_days,
            equity_shares_positive: self.equity_shares > 0.0,
            equity_land_milli_mu: domain::engine::fact::milli(self.equity_land_mu),
            dividends_fen: self.dividends_fen,
            understory_milli_mu: self.understory_milli_mu,
            understory_net_fen: self.understory_net_fen,
            livestock_head_end: self.livestock_head_end,
            livestock_net_fen: self.livestock_net_fen,
            trained_persons: self.trained_persons,
        };
        self.place.into_fact("surveys", measures)
    }
}

/// Which survey a fact is, and where and in which slices it counts.
#[derive(Debug, sqlx::FromRow)]
pub struct FactPlace {
    pub survey_id: String,
    pub household_id: String,
    pub village_code: String,
    pub wave: i32,
    pub model: String,
    pub poverty_registration: String,
    pub head_sex: String,
    pub head_ethnicity: String,
}

impl FactPlace {
    pub fn into_fact(
        self,
        table: &'static str,
        measures: domain::engine::SurveyMeasures,
    ) -> Result<domain::engine::SurveyFact, StorageError> {
        let household = household_profile(
            table,
            &self.model,
            &self.poverty_registration,
            &self.head_sex,
            &self.head_ethnicity,
        )?;
        Ok(domain::engine::SurveyFact {
            survey: id(table, &self.survey_id)?,
            household: id(table, &self.household_id)?,
            village: unit(table, &self.village_code)?,
            wave: self.wave,
            profile: household.profile,
            participates: household.participates,
            poor: household.poor,
            measures,
        })
    }
}

/// A fact's place read beside its stored measures. Decoded by column position (see the
/// `FromRow` impl below): the engine reads hundreds of thousands of these at start-up.
#[derive(Debug)]
pub struct StoredFactRow {
    pub place: FactPlace,
    pub measures: domain::engine::SurveyMeasures,
}

impl StoredFactRow {
    pub fn into_fact(self) -> Result<domain::engine::SurveyFact, StorageError> {
        self.place.into_fact("survey_facts", self.measures)
    }
}

impl<'r, R> sqlx::FromRow<'r, R> for StoredFactRow
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(StoredFactRow {
            place: FactPlace {
                survey_id: row.try_get(0)?,
                household_id: row.try_get(1)?,
                village_code: row.try_get(2)?,
                wave: row.try_get(3)?,
                model: row.try_get(4)?,
                poverty_registration: row.try_get(5)?,
                head_sex: row.try_get(6)?,
                head_ethnicity: row.try_get(7)?,
            },
            measures: domain::engine::SurveyMeasures {
                size: row.try_get(8)?,
                net_income_fen: row.try_get(9)?,
                guarantees_met: row.try_get(10)?,
                programme_days: row.try_get(11)?,
                programme_wages_fen: row.try_get(12)?,
                women_programme_days: row.try_get(13)?,
                equity_shares_positive: row.try_get(14)?,
                equity_land_milli_mu: row.try_get(15)?,
                dividends_fen: row.try_get(16)?,
                understory_milli_mu: row.try_get(17)?,
                understory_net_fen: row.try_get(18)?,
                livestock_head_end: row.try_get(19)?,
                livestock_net_fen: row.try_get(20)?,
                trained_persons: row.try_get(21)?,
            },
        })
    }
}
