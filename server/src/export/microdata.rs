//! Pseudonymised micro-data: long files linked by `household_pid`, one per survey section,
//! plus plots, each described column by column in a codebook. The tables are data: each
//! column names its SQL expression, type, unit, labels and allowed values, so the query, the
//! CSV header and the codebook cannot disagree.
//!
//! Never exported: names, ID-card numbers, phones, registry numbers, record ids (replaced by
//! pseudonyms), enumerators' usernames, review comments and livestock correction notes (free
//! text may name people).
//!
//! The tables themselves are defined in `storage::microdata`; this module writes them.

pub use crate::storage::microdata::{
    table, Column, Filter, Kind, Labels, Table, HOUSEHOLDS, STATUS, TABLES,
};

use super::csv::{field, yuan};
use super::pseudonym::Pseudonymiser;
use crate::storage::{Cell, RowSink, StorageError};

/// Formats rows as CSV into `out`, pseudonymising ids. Rows arrive grouped by survey, so
/// the last pseudonym computed is remembered: most rows reuse it (constant memory).
pub struct CsvRows<'a> {
    pub kinds: Vec<Kind>,
    pub pseudonyms: &'a Pseudonymiser,
    last: Option<(String, String)>,
}

impl<'a> CsvRows<'a> {
    pub fn new(kinds: Vec<Kind>, pseudonyms: &'a Pseudonymiser) -> CsvRows<'a> {
        CsvRows {
            kinds,
            pseudonyms,
            last: None,
        }
    }

    /// The pseudonym of `id`, computed once per run of equal ids.
    pub fn pseudonym(&mut self, space: &str, id: &str) -> &str {
        let hit = self.last.as_ref().is_some_and(|(known, _)| known == id);
        if !hit {
            self.last = Some((id.to_owned(), self.pseudonyms.of(space, id)));
        }
        self.last.as_ref().map_or("", |(_, pid)| pid.as_str())
    }

    pub fn line(&mut self, cells: &[Cell], out: &mut String) {
        for (i, cell) in cells.iter().enumerate() {
            let kind = self.kinds.get(i).copied().unwrap_or(Kind::Text);
            if i > 0 {
                out.push(',');
            }
            match (cell, kind) {
                (Cell::Null, _) => {}
                (Cell::Text(id), Kind::Pid(space)) => {
                    let pid = self.pseudonym(space, id).to_owned();
                    out.push_str(&pid);
                }
                (Cell::Text(text), _) => out.push_str(&field(text)),
                (Cell::Int(v), Kind::Fen) => out.push_str(&yuan(*v)),
                (Cell::Int(v), _) => out.push_str(&v.to_string()),
                (Cell::Float(v), _) => out.push_str(&format!("{v}")),
                (Cell::Bool(v), _) => out.push(if *v { '1' } else { '0' }),
            }
        }
        out.push('\n');
    }
}

/// Where CSV chunks go: a file, or a streamed HTTP body.
#[async_trait::async_trait]
pub trait ChunkOut: Send {
    async fn write(&mut self, chunk: String) -> Result<(), StorageError>;
}

/// Buffers CSV lines and hands them out in chunks of about 64 KiB.
pub struct CsvSink<'a, O: ChunkOut> {
    rows: CsvRows<'a>,
    buffer: String,
    out: O,
}

const CHUNK: usize = 64 * 1024;

impl<'a, O: ChunkOut> CsvSink<'a, O> {
    pub fn new(table: &Table, filter: &Filter, pseudonyms: &'a Pseudonymiser, out: O) -> Self {
        CsvSink {
            rows: CsvRows {
                kinds: table.columns_for(filter).iter().map(|c| c.kind).collect(),
                pseudonyms,
                last: None,
            },
            buffer: table.header(filter),
            out,
        }
    }

    /// Writes what is buffered and returns the output.
    pub async fn finish(mut self) -> Result<O, StorageError> {
        if !self.buffer.is_empty() {
            self.out.write(std::mem::take(&mut self.buffer)).await?;
        }
        Ok(self.out)
    }
}

#[async_trait::async_trait]
impl<O: ChunkOut> RowSink for CsvSink<'_, O> {
    async fn row(&mut self, cells: Vec<Cell>) -> Result<(), StorageError> {
        self.rows.line(&cells, &mut self.buffer);
        if self.buffer.len() >= CHUNK {
            let chunk = std::mem::replace(&mut self.buffer, String::with_capacity(CHUNK + 1024));
            self.out.write(chunk).await?;
        }
        Ok(())
    }
}

/// The codebook: one line per file × variable.
pub fn codebook_csv(filter: &Filter) -> String {
    let mut out = String::from("file,variable,label_zh,label_en,type,unit,values\n");
    for table in TABLES {
        for column in table.columns_for(filter) {
            let mut line = field(table.name);
            for cell in column.codebook_entry() {
                line.push(',');
                line.push_str(&field(&cell));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// The codebook as JSON: files, their labels and their variables.
pub fn codebook_json(filter: &Filter) -> serde_json::Value {
    let files: Vec<serde_json::Value> = TABLES
        .iter()
        .map(|table| {
            let variables: Vec<serde_json::Value> = table
                .columns_for(filter)
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "name": c.name, "label_zh": c.zh, "label_en": c.en, "type": c.kind.type_name(),
                        "unit": c.unit,
                        "values": c.values.map(|labels| labels().into_iter().map(|(code, zh, en)| {
                            serde_json::json!({ "code": code, "label_zh": zh, "label_en": en })
                        }).collect::<Vec<_>>()),
                    })
                })
                .collect();
            serde_json::json!({ "file": format!("{}.csv", table.name), "label_zh": table.zh, "label_en": table.en, "variables": variables })
        })
        .collect();
    serde_json::json!({ "files": files })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::microdata::*;
    use domain::*;

    #[test]
    fn the_household_file_has_the_agreed_columns_and_no_personal_ones() {
        let filter = Filter::default();
        let header = HOUSEHOLDS.header(&filter);
        assert!(header.starts_with(
            "household_pid,wave,county_code,township_code,village_code,model,village_model,\
             programme_start_year,enrolled,poverty_registration,head_sex,head_ethnicity,household_size,wages,"
        ));
        for name in [
            "dividends",
            "understory_sales",
            "understory_costs",
            "livestock_sales",
            "livestock_costs",
            "crop_net",
            "transfers",
            "remittances",
            "other_income",
            "net_income",
            "food_clothing_secure",
            "schooling_ok",
            "insured",
            "housing_safe",
            "water_safe",
        ] {
            assert!(header.contains(&format!(",{name}")), "{name}");
        }
        let with_status = HOUSEHOLDS.header(&Filter {
            all_statuses: true,
            ..Filter::default()
        });
        assert!(with_status.trim_end().ends_with(",status"));
        for table in TABLES {
            for column in table.columns {
                for personal in [
                    "name",
                    "id_card",
                    "phone",
                    "registry",
                    "comment",
                    "note",
                    "enumerator",
                ] {
                    assert!(
                        !column.name.contains(personal),
                        "{}.{}",
                        table.name,
                        column.name
                    );
                    assert!(
                        !column.sql.contains(personal),
                        "{}.{}",
                        table.name,
                        column.sql
                    );
                }
            }
        }
    }

    #[test]
    fn the_programme_flag_matches_the_domain() {
        for activity in Activity::ALL {
            let listed = EMPLOYMENT.columns[5]
                .sql
                .contains(&format!("'{}'", activity.code()));
            assert_eq!(listed, activity.is_programme(), "{activity:?}");
        }
    }

    #[test]
    fn the_codebook_describes_every_column_with_labels() {
        let book = codebook_csv(&Filter::default());
        assert!(book.contains("households_by_wave,head_sex,户主性别,head's sex,string,,male=男/male; female=女/female\n"));
        assert!(book.contains("households_by_wave,wages,工资性收入（项目及其他务工）,wage income (programme and other work),decimal,RMB/yr,\n"));
        let lines = book.lines().count() - 1;
        let columns: usize = TABLES.iter().map(|t| t.columns.len()).sum();
        assert_eq!(lines, columns);
    }
}
