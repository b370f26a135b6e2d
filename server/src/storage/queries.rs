// SQL shared by both backends. This file is compiled twice — as `sqlite::queries` and as
// `postgres::queries` — with `super::Db` naming the backend, so each gets monomorphic code
// from one text. Binds go through `QueryBuilder`, which writes each backend's placeholders.

use crate::storage::crypt::{self, Keys};
use domain::{
    AdminUnit, AfforestationPlot, Household, HouseholdSurvey, PovertyLine, RecordId,
    SurvivalInspection, Target, UnitCode, Wave,
};
use sqlx::{Pool, QueryBuilder, Transaction};

use super::Db;
use crate::storage::batch::Batch;
use domain::engine::SurveyMeasures;
use futures_util::TryStreamExt;

use crate::storage::accounts::AuditEntry;
use crate::storage::rows::{FactRow, StoredFactRow};
use crate::storage::rows::{
    HouseholdRow, InspectionRow, PersonRow, PlotRow, PovertyLineRow, TargetRow, UnitFullRow,
    WaveRow,
};
use crate::storage::{FeedTail, StorageError};

// Reads of surveys live beside this file; the backends' `queries` name them too.
pub use super::surveys::*;

/// Bind parameters per statement: below SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_BINDS: usize = 30_000;

fn chunk_rows(columns: usize) -> usize {
    (MAX_BINDS / columns).max(1)
}

/// Writes a whole batch in one transaction: all of it lands, or none of it.
pub async fn write_batch(pool: &Pool<Db>, batch: &Batch, keys: &Keys) -> Result<(), StorageError> {
    let mut tx = pool.begin().await?;
    write_batch_in(&mut tx, batch, keys).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn write_batch_in(
    tx: &mut Transaction<'_, Db>,
    batch: &Batch,
    keys: &Keys,
) -> Result<(), StorageError> {
    // Units are upserted (a re-import corrects names and dates); successors are set once every
    // unit of the batch exists, so a file may name a successor further down.
    for chunk in batch.units.chunks(chunk_rows(9)) {
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO admin_units (code, name_zh, name_pinyin, name_ii, level, parent_code, valid_from, valid_to, synthetic) ",
        );
        q.push_values(chunk, |mut b, u: &AdminUnit| {
            b.push_bind(u.code.as_str())
                .push_bind(u.name_zh.as_str())
                .push_bind(u.name_pinyin.as_str())
                .push_bind(u.name_ii.as_str())
                .push_bind(u.code.level().as_str())
                .push_bind(u.code.parent().map(String::from))
                .push_bind(u.valid_from.map(|d| d.to_string()))
                .push_bind(u.valid_to.map(|d| d.to_string()))
                .push_bind(u.synthetic);
        });
        q.push(
            " ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, \
             name_pinyin = excluded.name_pinyin, name_ii = excluded.name_ii, \
             valid_from = excluded.valid_from, valid_to = excluded.valid_to",
        );
        q.build().execute(&mut **tx).await?;
    }
    for u in batch.units.iter().filter(|u| u.successor.is_some()) {
        let mut q = QueryBuilder::<Db>::new("UPDATE admin_units SET successor_code = ");
        q.push_bind(u.successor.as_ref().map(|s| s.as_str().to_owned()))
            .push(" WHERE code = ")
            .push_bind(u.code.as_str());
        q.build().execute(&mut **tx).await?;
    }
    let without: Vec<&str> = batch
        .units
        .iter()
        .filter(|u| u.successor.is_none())
        .map(|u| u.code.as_str())
        .collect();
    for chunk in without.chunks(chunk_rows(1)) {
        let mut q = QueryBuilder::<Db>::new(
            "UPDATE admin_units SET successor_code = NULL WHERE successor_code IS NOT NULL AND code IN (",
        );
        let mut list = q.separated(", ");
        for code in chunk {
            list.push_bind(*code);
        }
        q.push(")");
        q.build().execute(&mut **tx).await?;
    }
    for chunk in batch.waves.chunks(chunk_rows(5)) {
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO waves (year, baseline, period_start, period_end, closed) ",
        );
        q.push_values(chunk, |mut b, w: &Wave| {
            b.push_bind(w.year)
                .push_bind(w.baseline)
                .push_bind(w.period_start.to_string())
                .push_bind(w.period_end.to_string())
                .push_bind(w.closed);
        });
        q.push(
            " ON CONFLICT (year) DO UPDATE SET period_start = excluded.period_start, \
             period_end = excluded.period_end, closed = excluded.closed",
        );
        q.build().execute(&mut **tx).await?;
    }
    for chunk in batch.poverty_lines.chunks(chunk_rows(3)) {
        let mut q =
            QueryBuilder::<Db>::new("INSERT INTO poverty_lines (year, scheme, amount_fen) ");
        q.push_values(chunk, |mut b, l: &PovertyLine| {
            b.push_bind(l.year)
                .push_bind(l.scheme.code())
                .push_bind(l.amount.fen());
        });
        q.push(" ON CONFLICT (year, scheme) DO UPDATE SET amount_fen = excluded.amount_fen");
        q.build().execute(&mut **tx).await?;
    }
    for chunk in batch.households.chunks(chunk_rows(15)) {
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO households (id, village_code, registry_no, head_name, head_id_card, head_id_card_index, phone, head_sex, \
             head_ethnicity, poverty_registration, poverty_cause, registration_year, exit_year, model, enrolment_date) ",
        );
        q.push_values(chunk, |mut b, h: &Household| {
            let (card, index) = id_card_columns(h, keys);
            b.push_bind(h.id.as_str())
                .push_bind(h.village.as_str())
                .push_bind(h.registry_no.as_str())
                .push_bind(h.head_name.as_str())
                .push_bind(card)
                .push_bind(index)
                .push_bind(
                    h.phone
                        .as_ref()
                        .map(|p| keys.seal(crypt::PHONE, p.as_str())),
                )
                .push_bind(h.head_sex.code())
                .push_bind(h.head_ethnicity.code())
                .push_bind(h.poverty_registration.code())
                .push_bind(h.poverty_cause.map(|c| c.code()))
                .push_bind(h.registration_year)
                .push_bind(h.exit_year)
                .push_bind(h.model.code())
                .push_bind(h.enrolment_date.map(|d| d.to_string()));
        });
        q.build().execute(&mut **tx).await?;
    }
    for h in &batch.household_updates {
        let mut q = QueryBuilder::<Db>::new("UPDATE households SET ");
        push_household_fields(&mut q, h, keys);
        q.push(", version = version + 1 WHERE id = ")
            .push_bind(h.id.as_str());
        q.build().execute(&mut **tx).await?;
    }
    write_persons(tx, &batch.persons, keys).await?;
    write_surveys(tx, &batch.surveys).await?;
    // A corrected household may have moved village or changed model: rebuild too.
    for chunk in batch.programmes.chunks(chunk_rows(3)) {
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO village_programmes (village_code, model, start_year) ",
        );
        q.push_values(chunk, |mut b, p: &domain::VillageProgramme| {
            b.push_bind(p.village.as_str())
                .push_bind(p.model.code())
                .push_bind(p.start_year);
        });
        q.push(
            " ON CONFLICT (village_code) DO UPDATE SET model = excluded.model, \
             start_year = excluded.start_year",
        );
        q.build().execute(&mut **tx).await?;
    }
    let reference_changed = !(batch.units.is_empty()
        && batch.programmes.is_empty()
        && batch.inspections.is_empty()
        && batch.household_updates.is_empty()
        && batch.waves.is_empty()
        && batch.poverty_lines.is_empty()
        && batch.plots.is_empty()
        && batch.targets.is_empty());
    if reference_changed {
        // Not one survey: everything the engine was built from. Readers rebuild.
        let mut q = QueryBuilder::<Db>::new("INSERT INTO survey_changes (survey_id) VALUES (");
        q.push_bind(crate::storage::REBUILD_ALL).push(")");
        q.build().execute(&mut **tx).await?;
    }
    for chunk in batch.plots.chunks(chunk_rows(6)) {
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO plots (id, village_code, area_ha, species, planting_year, managing_party) ",
        );
        q.push_values(chunk, |mut b, p: &AfforestationPlot| {
            b.push_bind(p.id.as_str())
                .push_bind(p.village.as_str())
                .push_bind(p.area.get())
                .push_bind(p.species.code())
                .push_bind(p.planting_year)
                .push_bind(p.managing_party.code());
        });
        q.push(
            " ON CONFLICT (id) DO UPDATE SET village_code = excluded.village_code, \
             area_ha = excluded.area_ha, species = excluded.species, \
             planting_year = excluded.planting_year, managing_party = excluded.managing_party",
        );
        q.build().execute(&mut **tx).await?;
    }
    let inspections: Vec<(&RecordId, &SurvivalInspection)> = batch
        .plots
        .iter()
        .flat_map(|p| p.inspections.iter().map(move |i| (&p.id, i)))
        .chain(batch.inspections.iter().map(|(id, i)| (id, i)))
        .collect();
    for chunk in inspections.chunks(chunk_rows(3)) {
        let mut q =
            QueryBuilder::<Db>::new("INSERT INTO plot_inspections (plot_id, year, survival_pct) ");
        q.push_values(chunk, |mut b, (id, i)| {
            b.push_bind(id.as_str())
                .push_bind(i.year)
                .push_bind(i.survival_pct);
        });
        q.push(" ON CONFLICT (plot_id, year) DO UPDATE SET survival_pct = excluded.survival_pct");
        q.build().execute(&mut **tx).await?;
    }
    for chunk in batch.targets.chunks(chunk_rows(4)) {
        let mut q =
            QueryBuilder::<Db>::new("INSERT INTO targets (indicator, unit_code, year, value) ");
        q.push_values(chunk, |mut b, t: &Target| {
            b.push_bind(t.indicator.as_str())
                .push_bind(t.unit.as_str())
                .push_bind(t.year)
                .push_bind(t.value);
        });
        q.push(" ON CONFLICT (indicator, unit_code, year) DO UPDATE SET value = excluded.value");
        q.build().execute(&mut **tx).await?;
    }
    super::accounts::insert_audit_entries(tx, &batch.audit).await?;
    Ok(())
}

/// Creates or updates registry people (by id).
async fn write_persons(
    tx: &mut Transaction<'_, Db>,
    persons: &[domain::Person],
    keys: &Keys,
) -> Result<(), StorageError> {
    for chunk in persons.chunks(chunk_rows(10)) {
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO persons (id, household_id, position, name, id_card, sex, birth_year, relation, ethnicity, active) ",
        );
        q.push_values(chunk, |mut b, p: &domain::Person| {
            b.push_bind(p.id.as_str())
                .push_bind(p.household.as_str())
                .push_bind(p.position as i32)
                .push_bind(p.name.as_str())
                .push_bind(
                    p.id_card
                        .as_ref()
                        .map(|c| keys.seal(crypt::PERSON_ID_CARD, c.as_str())),
                )
                .push_bind(p.sex.code())
                .push_bind(p.birth_year)
                .push_bind(p.relation.code())
                .push_bind(p.ethnicity.code())
                .push_bind(p.active);
        });
        q.push(
            " ON CONFLICT (id) DO UPDATE SET position = excluded.position, name = excluded.name, \
             id_card = excluded.id_card, sex = excluded.sex, birth_year = excluded.birth_year, \
             relation = excluded.relation, ethnicity = excluded.ethnicity, active = excluded.active",
        );
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Whether a save of survey `survey` was applied under `client_id` before.
async fn applied_under(
    tx: &mut Transaction<'_, Db>,
    survey: &str,
    client_id: &str,
) -> Result<bool, StorageError> {
    let mut q = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM survey_requests WHERE client_id = ");
    q.push_bind(client_id)
        .push(" AND survey_id = ")
        .push_bind(survey);
    let (n,): (i64,) = q.build_query_as().fetch_one(&mut **tx).await?;
    Ok(n > 0)
}

/// Remembers that the save `client_id` produced `version` of `survey`.
async fn record_request(
    tx: &mut Transaction<'_, Db>,
    client_id: &str,
    survey: &str,
    version: i32,
) -> Result<(), StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "INSERT INTO survey_requests (client_id, survey_id, version) VALUES (",
    );
    q.push_bind(client_id)
        .push(", ")
        .push_bind(survey)
        .push(", ")
        .push_bind(version)
        // An id already used for another survey is that survey's: left as it is.
        .push(") ON CONFLICT (client_id) DO NOTHING");
    q.build().execute(&mut **tx).await?;
    Ok(())
}

async fn write_surveys(
    tx: &mut Transaction<'_, Db>,
    surveys: &[HouseholdSurvey],
) -> Result<(), StorageError> {
    for chunk in surveys.chunks(chunk_rows(21)) {
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO surveys (id, household_id, wave, status, enumerator, client_id, last_request, version, review_comment, \
             equity_land_mu, equity_shares, dividends_fen, crop_net_fen, transfers_fen, remittances_fen, other_fen, \
             food_clothing_secure, schooling_ok, insured, housing_safe, water_safe) ",
        );
        q.push_values(chunk, |mut b, s: &HouseholdSurvey| {
            let a = &s.answers;
            let g = a.guarantees;
            b.push_bind(s.id.as_str())
                .push_bind(s.household_id.as_str())
                .push_bind(s.wave)
                .push_bind(s.status.code())
                .push_bind(s.enumerator.as_str())
                .push_bind(s.client_id.as_str())
                .push_bind(s.client_id.as_str())
                .push_bind(s.version)
                .push_bind(s.review_comment.as_deref())
                .push_bind(a.equity.land_mu.get())
                .push_bind(a.equity.shares.get())
                .push_bind(a.equity.dividends.fen())
                .push_bind(a.other_income.crop_net.fen())
                .push_bind(a.other_income.transfers.fen())
                .push_bind(a.other_income.remittances.fen())
                .push_bind(a.other_income.other.fen())
                .push_bind(g.food_clothing_secure)
                .push_bind(g.schooling_ok)
                .push_bind(g.insured)
                .push_bind(g.housing_safe)
                .push_bind(g.water_safe);
        });
        q.build().execute(&mut **tx).await?;
    }

    let members: Vec<_> = surveys
        .iter()
        .flat_map(|s| s.answers.members.iter().map(move |m| (&s.id, m)))
        .collect();
    for chunk in members.chunks(chunk_rows(10)) {
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO survey_members (survey_id, member_no, sex, birth_year, relation, ethnicity, education, \
             health, labour, person_id) ",
        );
        q.push_values(chunk, |mut b, (id, m)| {
            b.push_bind(id.as_str())
                .push_bind(i32::from(m.no))
                .push_bind(m.sex.code())
                .push_bind(m.birth_year)
                .push_bind(m.relation.code())
                .push_bind(m.ethnicity.code())
                .push_bind(m.education.code())
                .push_bind(m.health.code())
                .push_bind(m.labour.code())
                .push_bind(m.person.as_ref().map(RecordId::as_str));
        });
        q.build().execute(&mut **tx).await?;
    }

    for chunk in surveys.chunks(chunk_rows(1)) {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO survey_changes (survey_id) ");
        q.push_values(chunk, |mut b, s: &HouseholdSurvey| {
            b.push_bind(s.id.as_str());
        });
        q.build().execute(&mut **tx).await?;
    }

    for chunk in surveys.chunks(chunk_rows(20)) {
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO survey_facts (survey_id, size, net_income_fen, guarantees_met, programme_days, \
             programme_wages_fen, women_programme_days, equity_shares_positive, equity_land_milli_mu, dividends_fen, \
             understory_milli_mu, understory_net_fen, livestock_head_end, livestock_net_fen, trained_persons, \
             wages_fen, understory_sales_fen, understory_costs_fen, livestock_sales_fen, livestock_costs_fen) ",
        );
        q.push_values(chunk, |mut b, s: &HouseholdSurvey| {
            let a = &s.answers;
            let m = SurveyMeasures::of(a);
            let sum = |values: &mut dyn Iterator<Item = i64>| values.sum::<i64>();
            b.push_bind(s.id.as_str())
                .push_bind(m.size)
                .push_bind(m.net_income_fen)
                .push_bind(m.guarantees_met)
                .push_bind(m.programme_days)
                .push_bind(m.programme_wages_fen)
                .push_bind(m.women_programme_days)
                .push_bind(m.equity_shares_positive)
                .push_bind(m.equity_land_milli_mu)
                .push_bind(m.dividends_fen)
                .push_bind(m.understory_milli_mu)
                .push_bind(m.understory_net_fen)
                .push_bind(m.livestock_head_end)
                .push_bind(m.livestock_net_fen)
                .push_bind(m.trained_persons)
                .push_bind(a.wages_fen())
                .push_bind(sum(&mut a.understory.iter().map(|r| r.sales.fen())))
                .push_bind(sum(&mut a.understory.iter().map(|r| r.costs.fen())))
                .push_bind(sum(&mut a.livestock.iter().map(|r| r.sales.fen())))
                .push_bind(sum(&mut a.livestock.iter().map(|r| r.costs.fen())));
        });
        q.build().execute(&mut **tx).await?;
    }

    let employment: Vec<_> = numbered(surveys, |s| &s.answers.employment);
    for chunk in employment.chunks(chunk_rows(6)) {
        let mut q =
            QueryBuilder::<Db>::new("INSERT INTO employment_rows (survey_id, row_no, member_no, activity, days, wages_fen) ");
        q.push_values(chunk, |mut b, (id, n, r)| {
            b.push_bind(id.as_str())
                .push_bind(*n)
                .push_bind(i32::from(r.member_no))
                .push_bind(r.activity.code())
                .push_bind(i32::from(r.days.get()))
                .push_bind(r.wages.fen());
        });
        q.build().execute(&mut **tx).await?;
    }

    let training: Vec<_> = numbered(surveys, |s| &s.answers.training);
    for chunk in training.chunks(chunk_rows(5)) {
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO training_rows (survey_id, row_no, member_no, topic, days) ",
        );
        q.push_values(chunk, |mut b, (id, n, r)| {
            b.push_bind(id.as_str())
                .push_bind(*n)
                .push_bind(i32::from(r.member_no))
                .push_bind(r.topic.code())
                .push_bind(i32::from(r.days.get()));
        });
        q.build().execute(&mut **tx).await?;
    }

    let understory: Vec<_> = numbered(surveys, |s| &s.answers.understory);
    for chunk in understory.chunks(chunk_rows(7)) {
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO understory_rows (survey_id, row_no, product, area_mu, output_kg, sales_fen, costs_fen) ",
        );
        q.push_values(chunk, |mut b, (id, n, r)| {
            b.push_bind(id.as_str())
                .push_bind(*n)
                .push_bind(r.product.code())
                .push_bind(r.area.get())
                .push_bind(r.output_kg.get())
                .push_bind(r.sales.fen())
                .push_bind(r.costs.fen());
        });
        q.build().execute(&mut **tx).await?;
    }

    let livestock: Vec<_> = numbered(surveys, |s| &s.answers.livestock);
    for chunk in livestock.chunks(chunk_rows(11)) {
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO livestock_rows (survey_id, row_no, species, head_start, born, died, sold, head_end, \
             sales_fen, costs_fen, correction_note) ",
        );
        q.push_values(chunk, |mut b, (id, n, r)| {
            let heads = |h: domain::Heads| i64::from(h.get());
            b.push_bind(id.as_str())
                .push_bind(*n)
                .push_bind(r.species.code())
                .push_bind(heads(r.head_start))
                .push_bind(heads(r.born))
                .push_bind(heads(r.died))
                .push_bind(heads(r.sold))
                .push_bind(heads(r.head_end))
                .push_bind(r.sales.fen())
                .push_bind(r.costs.fen())
                .push_bind(r.correction_note.as_deref());
        });
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// (survey id, 1-based row number, row) for one section of every survey.
fn numbered<'a, T>(
    surveys: &'a [HouseholdSurvey],
    section: impl Fn(&'a HouseholdSurvey) -> &'a Vec<T>,
) -> Vec<(&'a RecordId, i32, &'a T)> {
    surveys
        .iter()
        .flat_map(|s| {
            section(s)
                .iter()
                .enumerate()
                .map(move |(i, row)| (&s.id, i as i32 + 1, row))
        })
        .collect()
}

// ---- reads ------------------------------------------------------------------------------------

pub async fn household(
    pool: &Pool<Db>,
    id: &RecordId,
    keys: &Keys,
) -> Result<Option<Household>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT {} FROM households WHERE id = ",
        HouseholdRow::COLUMNS
    ));
    q.push_bind(id.as_str());
    let row: Option<HouseholdRow> = q.build_query_as().fetch_optional(pool).await?;
    row.map(|row| row.into_household(keys)).transpose()
}

/// The households of one village, by registry number.
pub async fn households_in(
    pool: &Pool<Db>,
    village: &UnitCode,
    keys: &Keys,
) -> Result<Vec<Household>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(format!(
        "SELECT {} FROM households WHERE village_code = ",
        HouseholdRow::COLUMNS
    ));
    q.push_bind(village.as_str())
        .push(" ORDER BY registry_no, id");
    let rows: Vec<HouseholdRow> = q.build_query_as().fetch_all(pool).await?;
    rows.into_iter()
        .map(|row| row.into_household(keys))
        .collect()
}

/// Several households at once (in no particular order); unknown ids are skipped.
pub async fn households_by_ids(
    pool: &Pool<Db>,
    ids: &[RecordId],
    keys: &Keys,
) -> Result<Vec<Household>, StorageError> {
    let mut out = Vec::with_capacity(ids.len());
    // A few hundred at a time stays under both backends' bind limits.
    for chunk in ids.chunks(500) {
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {} FROM households WHERE id IN (",
            HouseholdRow::COLUMNS
        ));
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id.as_str());
        }
        q.push(")");
        let rows: Vec<HouseholdRow> = q.build_query_as().fetch_all(pool).await?;
        for row in rows {
            out.push(row.into_household(keys)?);
        }
    }
    Ok(out)
}

/// The households whose heads hold these ID-card numbers (in no particular order), found by
/// their blind indexes.
pub async fn households_with_id_cards(
    pool: &Pool<Db>,
    cards: &[&str],
    keys: &Keys,
) -> Result<Vec<Household>, StorageError> {
    let mut out = Vec::new();
    for chunk in cards.chunks(500) {
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {} FROM households WHERE head_id_card_index IN (",
            HouseholdRow::COLUMNS
        ));
        let mut list = q.separated(", ");
        for card in chunk {
            list.push_bind(keys.blind(card));
        }
        q.push(")");
        let rows: Vec<HouseholdRow> = q.build_query_as().fetch_all(pool).await?;
        for row in rows {
            out.push(row.into_household(keys)?);
        }
    }
    Ok(out)
}

/// The registry people of these households, active or not, by household and position.
pub async fn persons_of(
    pool: &Pool<Db>,
    households: &[RecordId],
    keys: &Keys,
) -> Result<Vec<domain::Person>, StorageError> {
    let mut out = Vec::new();
    for chunk in households.chunks(500) {
        let mut q = QueryBuilder::<Db>::new(format!(
            "SELECT {} FROM persons WHERE household_id IN (",
            PersonRow::COLUMNS
        ));
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id.as_str());
        }
        q.push(") ORDER BY household_id, position, id");
        let rows: Vec<PersonRow> = q.build_query_as().fetch_all(pool).await?;
        for row in rows {
            out.push(row.into_person(keys)?);
        }
    }
    Ok(out)
}

/// What a household's ID-card columns hold: the sealed number and its blind index or, once
/// its personal data were erased, a placeholder in both that is neither (each column is
/// unique; no blind index starts with `erased.`).
fn id_card_columns(h: &Household, keys: &Keys) -> (String, String) {
    match &h.head_id_card {
        Some(card) => (
            keys.seal(crypt::HEAD_ID_CARD, card.as_str()),
            keys.blind(card.as_str()),
        ),
        None => {
            let placeholder = erased_placeholder(h.id.as_str());
            (placeholder.clone(), placeholder)
        }
    }
}

/// The ID-card placeholder of an erased household.
fn erased_placeholder(id: &str) -> String {
    format!("erased.{id}")
}

/// `column = value, …` for every registration field of a household (an `UPDATE`'s SET list).
fn push_household_fields(q: &mut QueryBuilder<'_, Db>, h: &Household, keys: &Keys) {
    let (card, index) = id_card_columns(h, keys);
    q.push("village_code = ")
        .push_bind(h.village.as_str().to_owned())
        .push(", registry_no = ")
        .push_bind(h.registry_no.clone())
        .push(", head_name = ")
        .push_bind(h.head_name.clone())
        .push(", head_id_card = ")
        .push_bind(card)
        .push(", head_id_card_index = ")
        .push_bind(index)
        .push(", phone = ")
        .push_bind(
            h.phone
                .as_ref()
                .map(|p| keys.seal(crypt::PHONE, p.as_str())),
        )
        .push(", head_sex = ")
        .push_bind(h.head_sex.code())
        .push(", head_ethnicity = ")
        .push_bind(h.head_ethnicity.code())
        .push(", poverty_registration = ")
        .push_bind(h.poverty_registration.code())
        .push(", poverty_cause = ")
        .push_bind(h.poverty_cause.map(|c| c.code()))
        .push(", registration_year = ")
        .push_bind(h.registration_year)
        .push(", exit_year = ")
        .push_bind(h.exit_year)
        .push(", model = ")
        .push_bind(h.model.code())
        .push(", enrolment_date = ")
        .push_bind(h.enrolment_date.map(|d| d.to_string()));
}

/// A household's correction state: (version, status code, merged-into household id, the day
/// it left, when its personal data were erased).
pub type StateRow = (i32, String, Option<String>, Option<String>, Option<i64>);

pub async fn household_state(
    pool: &Pool<Db>,
    id: &RecordId,
) -> Result<Option<StateRow>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT version, status, merged_into, left_on, erased_at FROM households WHERE id = ",
    );
    q.push_bind(id.as_str());
    Ok(q.build_query_as().fetch_optional(pool).await?)
}

/// Replaces a household's registration data if its stored version is `base_version` and its
/// personal data were not erased: the new version, or `None` when the version moved on
/// (nothing written). The audit entry and a rebuild mark for the engine (the household's
/// slices may change) go in the same transaction.
pub async fn correct_household(
    pool: &Pool<Db>,
    h: &Household,
    state: &crate::storage::HouseholdState,
    base_version: i32,
    audit: &AuditEntry,
    keys: &Keys,
) -> Result<Option<i32>, StorageError> {
    let mut tx = pool.begin().await?;
    let mut q = QueryBuilder::<Db>::new("UPDATE households SET ");
    push_household_fields(&mut q, h, keys);
    q.push(", status = ")
        .push_bind(state.status.code())
        .push(", merged_into = ")
        .push_bind(state.merged_into.as_ref().map(|m| m.as_str().to_owned()))
        .push(", left_on = ")
        .push_bind(state.left_on.map(|d| d.to_string()))
        .push(", version = version + 1 WHERE id = ")
        .push_bind(h.id.as_str())
        .push(" AND erased_at IS NULL AND version = ")
        .push_bind(base_version);
    if q.build().execute(&mut *tx).await?.rows_affected() == 0 {
        return Ok(None);
    }
    let mut log = QueryBuilder::<Db>::new("INSERT INTO survey_changes (survey_id) VALUES (");
    log.push_bind(crate::storage::REBUILD_ALL).push(")");
    log.build().execute(&mut *tx).await?;
    super::accounts::insert_audit_entries(&mut tx, std::slice::from_ref(audit)).await?;
    tx.commit().await?;
    Ok(Some(base_version + 1))
}

/// A household due for erasure: (id, village code, registry number, head name, status, the
/// day it left).
pub type DueRow = (String, String, String, String, String, String);

/// Households that left the programme on or before `cutoff` (`YYYY-MM-DD`) and still hold
/// personal data, those that left first first, at most `limit`.
pub async fn erasure_due(
    pool: &Pool<Db>,
    cutoff: &str,
    limit: i64,
) -> Result<Vec<DueRow>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT id, village_code, registry_no, head_name, status, left_on FROM households \
         WHERE erased_at IS NULL AND left_on IS NOT NULL AND status <> 'active' AND left_on <= ",
    );
    q.push_bind(cutoff)
        .push(" ORDER BY left_on, id LIMIT ")
        .push_bind(limit);
    Ok(q.build_query_as().fetch_all(pool).await?)
}

/// How many households are due for erasure at `cutoff`, and how many were erased.
pub async fn erasure_counts(pool: &Pool<Db>, cutoff: &str) -> Result<(i64, i64), StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT COUNT(*) FROM households \
         WHERE erased_at IS NULL AND left_on IS NOT NULL AND status <> 'active' AND left_on <= ",
    );
    q.push_bind(cutoff);
    let due: i64 = q.build_query_scalar().fetch_one(pool).await?;
    let erased: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM households WHERE erased_at IS NOT NULL")
            .fetch_one(pool)
            .await?;
    Ok((due, erased))
}

/// Erases one household's personal data if it is still due at `cutoff`: the head's name,
/// registry number, ID-card number (and its blind index) and phone, and the names and
/// ID-card numbers of its people. Statistics (answers, facts) and the household's id — so
/// its pseudonym — stay. With the audit entry, in one transaction; `false` (nothing
/// written) when it is not due.
pub async fn erase_household(
    pool: &Pool<Db>,
    id: &str,
    cutoff: &str,
    at_ms: i64,
    audit: &AuditEntry,
) -> Result<bool, StorageError> {
    let mut tx = pool.begin().await?;
    let placeholder = erased_placeholder(id);
    let mut q = QueryBuilder::<Db>::new("UPDATE households SET head_name = '', registry_no = ");
    q.push_bind(placeholder.clone())
        .push(", head_id_card = ")
        .push_bind(placeholder.clone())
        .push(", head_id_card_index = ")
        .push_bind(placeholder)
        .push(", phone = NULL, erased_at = ")
        .push_bind(at_ms)
        .push(", version = version + 1 WHERE id = ")
        .push_bind(id)
        .push(
            " AND erased_at IS NULL AND left_on IS NOT NULL AND status <> 'active' AND left_on <= ",
        )
        .push_bind(cutoff);
    if q.build().execute(&mut *tx).await?.rows_affected() == 0 {
        return Ok(false);
    }
    let mut q = QueryBuilder::<Db>::new(
        "UPDATE persons SET name = '', id_card = NULL WHERE household_id = ",
    );
    q.push_bind(id);
    q.build().execute(&mut *tx).await?;
    super::accounts::insert_audit_entries(&mut tx, std::slice::from_ref(audit)).await?;
    tx.commit().await?;
    Ok(true)
}

/// Counts for the data inventory: households, those with a phone, registry people, those
/// with an ID-card number, accounts, live sessions, API tokens, audit entries and
/// (household, wave) surveys.
pub async fn inventory_counts(pool: &Pool<Db>) -> Result<Vec<(String, i64)>, StorageError> {
    const COUNTS: [(&str, &str); 9] = [
        (
            "households",
            "SELECT COUNT(*) FROM households WHERE erased_at IS NULL",
        ),
        (
            "phones",
            "SELECT COUNT(*) FROM households WHERE phone IS NOT NULL",
        ),
        ("persons", "SELECT COUNT(*) FROM persons WHERE name <> ''"),
        (
            "person_id_cards",
            "SELECT COUNT(*) FROM persons WHERE id_card IS NOT NULL",
        ),
        ("surveys", "SELECT COUNT(*) FROM surveys"),
        ("accounts", "SELECT COUNT(*) FROM users"),
        ("sessions", "SELECT COUNT(*) FROM sessions"),
        (
            "tokens",
            "SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL",
        ),
        ("audit", "SELECT COUNT(*) FROM audit_log"),
    ];
    let mut out = Vec::with_capacity(COUNTS.len());
    for (name, sql) in COUNTS {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(pool).await?;
        out.push((name.to_owned(), n));
    }
    Ok(out)
}

/// Households per village: (village code, count).
pub async fn household_counts(pool: &Pool<Db>) -> Result<Vec<(String, i64)>, StorageError> {
    Ok(
        sqlx::query_as("SELECT village_code, COUNT(*) FROM households GROUP BY village_code")
            .fetch_all(pool)
            .await?,
    )
}

/// The household whose head's ID-card number has this blind index: (id, village code).
pub async fn household_by_id_card(
    pool: &Pool<Db>,
    index: &str,
) -> Result<Option<(String, String)>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT id, village_code FROM households WHERE head_id_card_index = ",
    );
    q.push_bind(index);
    Ok(q.build_query_as().fetch_optional(pool).await?)
}

/// Whether `username` wrote this survey at any of its versions — saved, submitted or
/// imported it — as the audit log records (the survey row keeps only its last author).
pub async fn survey_written_by(
    pool: &Pool<Db>,
    survey: &str,
    username: &str,
) -> Result<bool, StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT COUNT(*) FROM audit_log \
         WHERE action IN ('survey.save', 'survey.submit', 'survey.import') AND target = ",
    );
    q.push_bind(survey)
        .push(" AND actor = ")
        .push_bind(username);
    let n: i64 = q.build_query_scalar().fetch_one(pool).await?;
    Ok(n > 0)
}

/// Whether an administrative unit with this code is stored.
pub async fn unit_exists(pool: &Pool<Db>, code: &str) -> Result<bool, StorageError> {
    let mut q = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM admin_units WHERE code = ");
    q.push_bind(code);
    let n: i64 = q.build_query_scalar().fetch_one(pool).await?;
    Ok(n > 0)
}

pub async fn household_by_registry_no(
    pool: &Pool<Db>,
    village: &str,
    registry_no: &str,
) -> Result<Option<String>, StorageError> {
    let mut q = QueryBuilder::<Db>::new("SELECT id FROM households WHERE village_code = ");
    q.push_bind(village)
        .push(" AND registry_no = ")
        .push_bind(registry_no);
    Ok(q.build_query_scalar().fetch_optional(pool).await?)
}

pub async fn household_ids(pool: &Pool<Db>) -> Result<Vec<String>, StorageError> {
    Ok(sqlx::query_scalar("SELECT id FROM households ORDER BY id")
        .fetch_all(pool)
        .await?)
}

pub async fn survey_ids(pool: &Pool<Db>) -> Result<Vec<String>, StorageError> {
    Ok(sqlx::query_scalar("SELECT id FROM surveys ORDER BY id")
        .fetch_all(pool)
        .await?)
}

pub async fn units(pool: &Pool<Db>) -> Result<Vec<AdminUnit>, StorageError> {
    let rows: Vec<UnitFullRow> = sqlx::query_as(&format!(
        "SELECT {} FROM admin_units ORDER BY code",
        UnitFullRow::COLUMNS
    ))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(AdminUnit::try_from).collect()
}

pub async fn waves(pool: &Pool<Db>) -> Result<Vec<Wave>, StorageError> {
    let rows: Vec<WaveRow> = sqlx::query_as(
        "SELECT year, baseline, period_start, period_end, closed FROM waves ORDER BY year",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Wave::try_from).collect()
}

pub async fn poverty_lines(pool: &Pool<Db>) -> Result<Vec<PovertyLine>, StorageError> {
    let rows: Vec<PovertyLineRow> =
        sqlx::query_as("SELECT year, scheme, amount_fen FROM poverty_lines ORDER BY scheme, year")
            .fetch_all(pool)
            .await?;
    rows.into_iter().map(PovertyLine::try_from).collect()
}

pub async fn village_programmes(
    pool: &Pool<Db>,
) -> Result<Vec<domain::VillageProgramme>, StorageError> {
    let rows: Vec<(String, String, Option<i32>)> = sqlx::query_as(
        "SELECT village_code, model, start_year FROM village_programmes ORDER BY village_code",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(village, model, start_year)| {
            Ok(domain::VillageProgramme {
                village: crate::storage::rows::unit("village_programmes", &village)?,
                model: domain::EngagementModel::parse(&model).ok_or_else(|| {
                    StorageError::CorruptRow {
                        table: "village_programmes",
                        detail: format!("model {model:?}"),
                    }
                })?,
                start_year,
            })
        })
        .collect()
}

pub async fn targets(pool: &Pool<Db>) -> Result<Vec<Target>, StorageError> {
    let rows: Vec<TargetRow> = sqlx::query_as(
        "SELECT indicator, unit_code, year, value FROM targets ORDER BY indicator, unit_code, year",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Target::try_from).collect()
}

pub async fn plots(pool: &Pool<Db>) -> Result<Vec<AfforestationPlot>, StorageError> {
    let rows: Vec<PlotRow> = sqlx::query_as(
        "SELECT id, village_code, area_ha, species, planting_year, managing_party FROM plots ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    let inspections: Vec<InspectionRow> = sqlx::query_as(
        "SELECT plot_id, year, survival_pct FROM plot_inspections ORDER BY plot_id, year",
    )
    .fetch_all(pool)
    .await?;
    PlotRow::assemble(rows, inspections)
}

pub async fn count_synthetic_units(pool: &Pool<Db>) -> Result<i64, StorageError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM admin_units WHERE synthetic")
            .fetch_one(pool)
            .await?,
    )
}

/// Surveys by stored status, in status order.
pub async fn surveys_by_status(pool: &Pool<Db>) -> Result<Vec<(String, i64)>, StorageError> {
    Ok(
        sqlx::query_as("SELECT status, COUNT(*) FROM surveys GROUP BY status ORDER BY status")
            .fetch_all(pool)
            .await?,
    )
}

pub async fn count(pool: &Pool<Db>, table: &'static str) -> Result<i64, StorageError> {
    Ok(sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(pool)
        .await?)
}

pub async fn child_units(
    pool: &Pool<Db>,
    parent: &UnitCode,
) -> Result<Vec<crate::storage::UnitRow>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT code, name_zh, name_pinyin, level FROM admin_units WHERE parent_code = ",
    );
    q.push_bind(parent.as_str()).push(" ORDER BY code");
    Ok(q.build_query_as().fetch_all(pool).await?)
}

pub async fn ping(pool: &Pool<Db>) -> Result<(), StorageError> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

pub async fn schema_version(pool: &Pool<Db>) -> Result<i64, StorageError> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await?;
    Ok(version.unwrap_or(0))
}

// ---- indicator facts and the change feed -----------------------------------------------------

/// Programme activities, as SQL: everything but other local work and migrant work.
const PROGRAMME: &str = "activity NOT IN ('other_local', 'migrant')";

/// Approved surveys' stored measures with who and where they belong.
const STORED_FACTS: &str = "SELECT s.id AS survey_id, s.household_id, h.village_code, s.wave, h.model, h.poverty_registration, \
           h.head_sex, h.head_ethnicity, f.size, f.net_income_fen, f.guarantees_met, f.programme_days, \
           f.programme_wages_fen, f.women_programme_days, f.equity_shares_positive, f.equity_land_milli_mu, \
           f.dividends_fen, f.understory_milli_mu, f.understory_net_fen, f.livestock_head_end, f.livestock_net_fen, \
           f.trained_persons \
         FROM survey_facts f JOIN surveys s ON s.id = f.survey_id JOIN households h ON h.id = s.household_id \
         WHERE s.status = 'approved'";

/// Facts of approved surveys from the measures stored when each survey was written.
/// `ids`: only these surveys (for catching up with the change feed).
pub async fn stored_facts(
    pool: &Pool<Db>,
    ids: Option<&[String]>,
) -> Result<Vec<domain::engine::SurveyFact>, StorageError> {
    let mut q = QueryBuilder::<Db>::new(STORED_FACTS);
    if let Some(ids) = ids {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        q.push(" AND s.id IN (");
        let mut list = q.separated(", ");
        for id in ids {
            list.push_bind(id.as_str());
        }
        q.push(")");
    }
    // Streamed: rows are decoded while the database is still producing the next ones.
    let mut rows = q.build_query_as::<StoredFactRow>().fetch(pool);
    let mut facts = Vec::new();
    while let Some(row) = rows.try_next().await? {
        facts.push(row.into_fact()?);
    }
    Ok(facts)
}

/// The same facts computed from the survey tables by SQL aggregation alone: the independent
/// check of the stored measures, and the "plain SQL" baseline of the benchmark.
pub async fn computed_facts(
    pool: &Pool<Db>,
) -> Result<Vec<domain::engine::SurveyFact>, StorageError> {
    let sql = format!(
        "SELECT s.id AS survey_id, s.household_id, h.village_code, s.wave, h.model, h.poverty_registration, \
           h.head_sex, h.head_ethnicity, COALESCE(m.size, 0) AS size, s.dividends_fen, s.crop_net_fen, \
           s.transfers_fen, s.remittances_fen, s.other_fen, s.equity_land_mu, s.equity_shares, \
           s.food_clothing_secure, s.schooling_ok, s.insured, s.housing_safe, s.water_safe, \
           COALESCE(e.wages_fen, 0) AS wages_fen, COALESCE(e.programme_days, 0) AS programme_days, \
           COALESCE(e.programme_wages_fen, 0) AS programme_wages_fen, COALESCE(w.women_days, 0) AS women_days, \
           COALESCE(u.area_milli, 0) AS understory_milli_mu, COALESCE(u.net_fen, 0) AS understory_net_fen, \
           COALESCE(l.head_end, 0) AS livestock_head_end, COALESCE(l.net_fen, 0) AS livestock_net_fen, \
           COALESCE(t.trained, 0) AS trained_persons \
         FROM surveys s \
         JOIN households h ON h.id = s.household_id \
         LEFT JOIN (SELECT survey_id, COUNT(*) AS size FROM survey_members GROUP BY survey_id) m ON m.survey_id = s.id \
         LEFT JOIN (SELECT survey_id, CAST(SUM(wages_fen) AS BIGINT) AS wages_fen, \
             CAST(SUM(CASE WHEN {PROGRAMME} THEN days ELSE 0 END) AS BIGINT) AS programme_days, \
             CAST(SUM(CASE WHEN {PROGRAMME} THEN wages_fen ELSE 0 END) AS BIGINT) AS programme_wages_fen \
           FROM employment_rows GROUP BY survey_id) e ON e.survey_id = s.id \
         LEFT JOIN (SELECT er.survey_id, CAST(SUM(er.days) AS BIGINT) AS women_days FROM employment_rows er \
             JOIN survey_members sm ON sm.survey_id = er.survey_id AND sm.member_no = er.member_no \
             WHERE sm.sex = 'female' AND er.{PROGRAMME} GROUP BY er.survey_id) w ON w.survey_id = s.id \
         LEFT JOIN (SELECT survey_id, CAST(SUM(ROUND(area_mu * 1000)) AS BIGINT) AS area_milli, \
             CAST(SUM(sales_fen - costs_fen) AS BIGINT) AS net_fen FROM understory_rows GROUP BY survey_id) u \
           ON u.survey_id = s.id \
         LEFT JOIN (SELECT survey_id, CAST(SUM(head_end) AS BIGINT) AS head_end, \
             CAST(SUM(sales_fen - costs_fen) AS BIGINT) AS net_fen FROM livestock_rows GROUP BY survey_id) l \
           ON l.survey_id = s.id \
         LEFT JOIN (SELECT survey_id, COUNT(DISTINCT member_no) AS trained FROM training_rows WHERE days > 0 \
             GROUP BY survey_id) t ON t.survey_id = s.id \
         WHERE s.status = 'approved'"
    );
    let rows: Vec<FactRow> = sqlx::query_as(&sql).fetch_all(pool).await?;
    rows.into_iter().map(FactRow::into_fact).collect()
}

/// The newest change sequence number, 0 before any.
pub async fn latest_change(pool: &Pool<Db>) -> Result<i64, StorageError> {
    let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM survey_changes")
        .fetch_one(pool)
        .await?;
    Ok(seq.unwrap_or(0))
}

/// The change feed after `seq`, oldest first: (seq, survey id or `*`).
pub async fn changes_after(pool: &Pool<Db>, seq: i64) -> Result<Vec<(i64, String)>, StorageError> {
    let mut q = QueryBuilder::<Db>::new("SELECT seq, survey_id FROM survey_changes WHERE seq > ");
    q.push_bind(seq).push(" ORDER BY seq");
    Ok(q.build_query_as().fetch_all(pool).await?)
}

/// The feed's watched end in one statement: how many changes there are after `window`, and
/// those after `newest` (oldest first). One statement reads one snapshot, so the count
/// includes exactly the entries listed.
pub async fn feed_tail(
    pool: &Pool<Db>,
    window: i64,
    newest: i64,
) -> Result<FeedTail, StorageError> {
    let mut q = QueryBuilder::<Db>::new(
        "SELECT w.n, c.seq, c.survey_id FROM \
         (SELECT CAST(COUNT(*) AS BIGINT) AS n FROM survey_changes WHERE seq > ",
    );
    q.push_bind(window)
        .push(") AS w LEFT JOIN survey_changes AS c ON c.seq > ")
        .push_bind(newest)
        .push(" ORDER BY c.seq");
    let rows: Vec<(i64, Option<i64>, Option<String>)> = q.build_query_as().fetch_all(pool).await?;
    let in_window = rows.first().map_or(0, |(n, _, _)| *n);
    let newer = rows
        .into_iter()
        .filter_map(|(_, seq, id)| Some((seq?, id?)))
        .collect();
    Ok(FeedTail { in_window, newer })
}

/// Moves a survey to `status` if it is still at `expected_version`; records the change in
/// the change feed and the audit log (`audit` names who and from where; the status, version
/// and comment before and after are filled in here), all in one transaction.
/// Returns the new version, or `None` when the survey is missing or was changed meanwhile.
pub async fn set_survey_status(
    pool: &Pool<Db>,
    id: &RecordId,
    status: domain::SurveyStatus,
    expected_version: i32,
    comment: Option<&str>,
    audit: &AuditEntry,
) -> Result<Option<i32>, StorageError> {
    let mut tx = pool.begin_with(super::BEGIN_WRITE).await?;
    let mut q = QueryBuilder::<Db>::new(
        "SELECT s.status, s.version, s.review_comment, h.village_code FROM surveys s \
         JOIN households h ON h.id = s.household_id WHERE s.id = ",
    );
    q.push_bind(id.as_str());
    let before: Option<(String, i32, Option<String>, String)> =
        q.build_query_as().fetch_optional(&mut *tx).await?;
    let Some((old_status, old_version, old_comment, village)) = before else {
        return Ok(None);
    };
    let mut q = QueryBuilder::<Db>::new("UPDATE surveys SET status = ");
    q.push_bind(status.code())
        .push(", review_comment = ")
        .push_bind(comment)
        .push(", version = version + 1 WHERE id = ")
        .push_bind(id.as_str())
        .push(" AND version = ")
        .push_bind(expected_version);
    if q.build().execute(&mut *tx).await?.rows_affected() != 1 {
        return Ok(None);
    }
    let mut log = QueryBuilder::<Db>::new("INSERT INTO survey_changes (survey_id) VALUES (");
    log.push_bind(id.as_str()).push(")");
    log.build().execute(&mut *tx).await?;
    let mut entry = audit.clone().target("survey", id.as_str()).change(
        Some(serde_json::json!({ "status": old_status, "version": old_version, "comment": old_comment })),
        Some(serde_json::json!({ "status": status.code(), "version": expected_version + 1, "comment": comment })),
    );
    entry.unit_code = Some(village);
    super::accounts::insert_audit(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(Some(expected_version + 1))
}

/// Saves one household's survey for one wave as its enumerator typed it (see
/// [`crate::storage::SaveRequest`]): creates it, or replaces its answers when the stored
/// version is the one the client started from and the status still allows editing. The
/// sections are replaced whole (delete and insert, in one transaction with the change-feed
/// row and the audit entry). A request whose id was the last write's is answered from what
/// is stored, so a retry never writes twice.
pub async fn save_survey(
    pool: &Pool<Db>,
    request: &crate::storage::SaveRequest<'_>,
    audit: &AuditEntry,
    keys: &Keys,
) -> Result<crate::storage::SaveOutcome, StorageError> {
    use crate::storage::{SaveOutcome, StoredState};
    let survey = request.survey;
    // The audit log's "before": read ahead of the transaction, and used only when the
    // version-checked delete below proves it is still what is stored.
    let before = match survey_id_for(pool, &survey.household_id, survey.wave).await? {
        Some(id) => {
            crate::storage::rows::id("surveys", &id)
                .map(|id| async move { self::survey(pool, &id).await })?
                .await?
        }
        None => None,
    };
    let mut tx = pool.begin_with(super::BEGIN_WRITE).await?;
    let mut q = QueryBuilder::<Db>::new(
        "SELECT id, status, version, enumerator, last_request FROM surveys WHERE household_id = ",
    );
    q.push_bind(survey.household_id.as_str())
        .push(" AND wave = ")
        .push_bind(survey.wave);
    let current: Option<(String, String, i32, String, Option<String>)> =
        q.build_query_as().fetch_optional(&mut *tx).await?;
    let Some((id, status, version, enumerator, last_request)) = current else {
        if request.base_version != 0 {
            return Ok(SaveOutcome::Conflict(None));
        }
        write_persons(&mut tx, request.people, keys).await?;
        write_surveys(&mut tx, std::slice::from_ref(survey)).await?;
        record_request(
            &mut tx,
            survey.client_id.as_str(),
            survey.id.as_str(),
            survey.version,
        )
        .await?;
        let entry = audit
            .clone()
            .target("survey", survey.id.as_str())
            .change(None, serde_json::to_value(survey).ok());
        super::accounts::insert_audit(&mut tx, &entry).await?;
        tx.commit().await?;
        return Ok(SaveOutcome::Saved {
            id: survey.id.as_str().to_owned(),
            version: survey.version,
        });
    };
    let stored = StoredState {
        id,
        status: domain::SurveyStatus::parse(&status).ok_or_else(|| StorageError::CorruptRow {
            table: "surveys",
            detail: format!("status {status:?}"),
        })?,
        version,
        enumerator,
    };
    if last_request.as_deref() == Some(survey.client_id.as_str())
        || applied_under(&mut tx, &stored.id, survey.client_id.as_str()).await?
    {
        return Ok(SaveOutcome::Replayed(stored));
    }
    if request.base_version != stored.version {
        return Ok(SaveOutcome::Conflict(Some(stored)));
    }
    if !stored.status.editable() {
        return Ok(SaveOutcome::Locked(stored));
    }
    let Some(before) = before.filter(|b| b.version == stored.version) else {
        return Ok(SaveOutcome::Conflict(Some(stored)));
    };
    let mut delete = QueryBuilder::<Db>::new("DELETE FROM surveys WHERE id = ");
    delete
        .push_bind(stored.id.as_str())
        .push(" AND version = ")
        .push_bind(stored.version);
    if delete.build().execute(&mut *tx).await?.rows_affected() != 1 {
        return Ok(SaveOutcome::Conflict(Some(stored)));
    }
    // The survey keeps its id and first client id; the request id goes to `last_request`.
    let mut replacement = survey.clone();
    replacement.id = crate::storage::rows::id("surveys", &stored.id)?;
    replacement.version = stored.version + 1;
    replacement.client_id = before.client_id.clone();
    // A draft keeps the reviewer's comment in sight until the survey is submitted again.
    if replacement.status == domain::SurveyStatus::Draft {
        replacement.review_comment = before.review_comment.clone();
    }
    write_persons(&mut tx, request.people, keys).await?;
    write_surveys(&mut tx, std::slice::from_ref(&replacement)).await?;
    let mut mark = QueryBuilder::<Db>::new("UPDATE surveys SET last_request = ");
    mark.push_bind(survey.client_id.as_str())
        .push(" WHERE id = ")
        .push_bind(stored.id.as_str());
    mark.build().execute(&mut *tx).await?;
    record_request(
        &mut tx,
        survey.client_id.as_str(),
        &stored.id,
        replacement.version,
    )
    .await?;
    let entry = audit.clone().target("survey", stored.id.as_str()).change(
        serde_json::to_value(&before).ok(),
        serde_json::to_value(&replacement).ok(),
    );
    super::accounts::insert_audit(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(SaveOutcome::Saved {
        id: stored.id,
        version: replacement.version,
    })
}

/// Encrypts what was stored in clear before encryption existed (and fills the blind index),
/// 1,000 rows per transaction; returns the rows sealed. Idempotent: sealed rows are skipped.
pub async fn seal_clear_rows(pool: &Pool<Db>, keys: &Keys) -> Result<u64, StorageError> {
    // Every start asks this much (the unique index answers it); the scans below run only
    // after an upgrade or the restore of an older backup. Members are sealed first: a
    // household without its index is the mark that its era's rows are not all sealed yet.
    let pending: Option<String> =
        sqlx::query_scalar("SELECT id FROM households WHERE head_id_card_index IS NULL LIMIT 1")
            .fetch_optional(pool)
            .await?;
    if pending.is_none() {
        return Ok(0);
    }
    let mut sealed = 0;
    loop {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, id_card FROM persons WHERE id_card IS NOT NULL AND id_card NOT LIKE 'v1.%' LIMIT 1000",
        )
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        let mut tx = pool.begin().await?;
        for (id, card) in &rows {
            let mut q = QueryBuilder::<Db>::new("UPDATE persons SET id_card = ");
            q.push_bind(keys.seal(crypt::PERSON_ID_CARD, card))
                .push(" WHERE id = ")
                .push_bind(id.as_str());
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        sealed += rows.len() as u64;
    }
    loop {
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT id, head_id_card, phone FROM households WHERE head_id_card_index IS NULL LIMIT 1000",
        )
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        let mut tx = pool.begin().await?;
        for (id, card, phone) in &rows {
            let card = keys.open(crypt::HEAD_ID_CARD, card)?;
            let phone = phone
                .as_deref()
                .map(|p| keys.open(crypt::PHONE, p))
                .transpose()?;
            let mut q = QueryBuilder::<Db>::new("UPDATE households SET head_id_card = ");
            q.push_bind(keys.seal(crypt::HEAD_ID_CARD, &card))
                .push(", head_id_card_index = ")
                .push_bind(keys.blind(&card))
                .push(", phone = ")
                .push_bind(phone.map(|p| keys.seal(crypt::PHONE, &p)))
                .push(" WHERE id = ")
                .push_bind(id.as_str());
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        sealed += rows.len() as u64;
    }
    Ok(sealed)
}

/// Re-encrypts every sealed value from `old` to `new` (and recomputes the blind indexes) in
/// one transaction: all or nothing. Returns the rows rewritten.
pub async fn rotate_keys(pool: &Pool<Db>, old: &Keys, new: &Keys) -> Result<u64, StorageError> {
    let mut tx = pool.begin_with(super::BEGIN_WRITE).await?;
    let households: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT id, head_id_card, phone FROM households WHERE erased_at IS NULL")
            .fetch_all(&mut *tx)
            .await?;
    for (id, card, phone) in &households {
        let card = old.open(crypt::HEAD_ID_CARD, card)?;
        let phone = phone
            .as_deref()
            .map(|p| old.open(crypt::PHONE, p))
            .transpose()?;
        let mut q = QueryBuilder::<Db>::new("UPDATE households SET head_id_card = ");
        q.push_bind(new.seal(crypt::HEAD_ID_CARD, &card))
            .push(", head_id_card_index = ")
            .push_bind(new.blind(&card))
            .push(", phone = ")
            .push_bind(phone.map(|p| new.seal(crypt::PHONE, &p)))
            .push(" WHERE id = ")
            .push_bind(id.as_str());
        q.build().execute(&mut *tx).await?;
    }
    let persons: Vec<(String, String)> =
        sqlx::query_as("SELECT id, id_card FROM persons WHERE id_card IS NOT NULL")
            .fetch_all(&mut *tx)
            .await?;
    for (id, card) in &persons {
        let card = old.open(crypt::PERSON_ID_CARD, card)?;
        let mut q = QueryBuilder::<Db>::new("UPDATE persons SET id_card = ");
        q.push_bind(new.seal(crypt::PERSON_ID_CARD, &card))
            .push(" WHERE id = ")
            .push_bind(id.as_str());
        q.build().execute(&mut *tx).await?;
    }
    let secrets: Vec<(String, String)> =
        sqlx::query_as("SELECT user_id, secret FROM second_factors")
            .fetch_all(&mut *tx)
            .await?;
    for (user, secret) in &secrets {
        let secret = old.open(crypt::TOTP_SECRET, secret)?;
        let mut q = QueryBuilder::<Db>::new("UPDATE second_factors SET secret = ");
        q.push_bind(new.seal(crypt::TOTP_SECRET, &secret))
            .push(" WHERE user_id = ")
            .push_bind(user.as_str());
        q.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok((households.len() + persons.len() + secrets.len()) as u64)
}

/// The key id of one sealed value, if the database holds any.
pub async fn sealed_key_id(pool: &Pool<Db>) -> Result<Option<String>, StorageError> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT head_id_card FROM households WHERE head_id_card LIKE 'v1.%' \
         UNION ALL SELECT id_card FROM persons WHERE id_card LIKE 'v1.%' \
         UNION ALL SELECT secret FROM second_factors WHERE secret LIKE 'v1.%' LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    Ok(found.and_then(|v| v.split('.').nth(1).map(str::to_owned)))
}
