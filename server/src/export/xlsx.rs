//! XLSX output (rust_xlsxwriter in constant-memory mode: rows go to a temporary file, never
//! all into memory). A sheet holds at most 1,048,575 data rows, so long tables continue on
//! `name_2`, `name_3`…; every micro-data workbook carries its part of the codebook.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::indicators::TableLine;
use super::microdata::{Column, CsvRows, Filter, Kind, Table};
use super::pseudonym::Pseudonymiser;
use crate::storage::{Cell, RowSink, StorageError};

/// Excel's row limit, less the header row.
const MAX_DATA_ROWS: u32 = 1_048_575;

fn failed(err: XlsxError) -> StorageError {
    StorageError::Sink(format!("xlsx: {err}"))
}

/// Rows of one micro-data table into a workbook.
pub struct XlsxSink<'a> {
    workbook: Workbook,
    sheet: Worksheet,
    sheets: u32,
    row: u32,
    table: &'a Table,
    columns: Vec<&'a Column>,
    ids: CsvRows<'a>,
    bold: Format,
}

impl<'a> XlsxSink<'a> {
    pub fn new(
        table: &'a Table,
        filter: &Filter,
        pseudonyms: &'a Pseudonymiser,
    ) -> Result<Self, StorageError> {
        let mut workbook = Workbook::new();
        let bold = Format::new().set_bold();
        let columns = table.columns_for(filter);
        let sheet = Self::sheet(&mut workbook, table.name, &columns, &bold)?;
        Ok(XlsxSink {
            workbook,
            sheet,
            sheets: 1,
            row: 0,
            table,
            ids: CsvRows::new(columns.iter().map(|c| c.kind).collect(), pseudonyms),
            columns,
            bold,
        })
    }

    fn sheet(
        workbook: &mut Workbook,
        name: &str,
        columns: &[&Column],
        bold: &Format,
    ) -> Result<Worksheet, StorageError> {
        let mut sheet = workbook.new_worksheet_with_constant_memory();
        sheet.set_name(name).map_err(failed)?;
        for (i, column) in columns.iter().enumerate() {
            sheet
                .write_string_with_format(0, i as u16, column.name, bold)
                .map_err(failed)?;
        }
        Ok(sheet)
    }

    /// Finishes the workbook (data sheets, then the codebook sheet) into `path`.
    pub fn save(mut self, path: &std::path::Path) -> Result<(), StorageError> {
        let last = std::mem::replace(&mut self.sheet, Worksheet::new());
        self.workbook.push_worksheet(last);
        let book = self.workbook.add_worksheet();
        book.set_name("codebook").map_err(failed)?;
        for (i, head) in ["variable", "label_zh", "label_en", "type", "unit", "values"]
            .iter()
            .enumerate()
        {
            book.write_string_with_format(0, i as u16, *head, &self.bold)
                .map_err(failed)?;
        }
        for (r, column) in self.columns.iter().enumerate() {
            for (c, text) in column.codebook_entry().iter().enumerate() {
                book.write_string(r as u32 + 1, c as u16, text)
                    .map_err(failed)?;
            }
        }
        self.workbook.save(path).map_err(failed)
    }
}

#[async_trait::async_trait]
impl RowSink for XlsxSink<'_> {
    async fn row(&mut self, cells: Vec<Cell>) -> Result<(), StorageError> {
        if self.row == MAX_DATA_ROWS {
            self.sheets += 1;
            let name = format!("{}_{}", self.table.name, self.sheets);
            let next = Self::sheet(&mut self.workbook, &name, &self.columns, &self.bold)?;
            let full = std::mem::replace(&mut self.sheet, next);
            self.workbook.push_worksheet(full);
            self.row = 0;
        }
        self.row += 1;
        let row = self.row;
        // Writing cells is CPU work between database reads: let other requests in now and
        // then (four XLSX exports once held `/healthz` for seconds).
        if row.is_multiple_of(2_000) {
            tokio::task::yield_now().await;
        }
        for (i, cell) in cells.iter().enumerate() {
            let col = i as u16;
            let kind = self.columns.get(i).map_or(Kind::Text, |c| c.kind);
            let written = match (cell, kind) {
                (Cell::Null, _) => continue,
                (Cell::Text(id), Kind::Pid(space)) => {
                    let pid = self.ids.pseudonym(space, id).to_owned();
                    self.sheet.write_string(row, col, pid)
                }
                (Cell::Text(text), _) => self.sheet.write_string(row, col, text),
                (Cell::Int(fen), Kind::Fen) => {
                    self.sheet.write_number(row, col, *fen as f64 / 100.0)
                }
                (Cell::Int(v), _) => self.sheet.write_number(row, col, *v as f64),
                (Cell::Float(v), _) => self.sheet.write_number(row, col, *v),
                (Cell::Bool(v), _) => self.sheet.write_number(row, col, f64::from(u8::from(*v))),
            };
            written.map_err(failed)?;
        }
        Ok(())
    }
}

/// An indicator table as a workbook: the table, then a sheet describing its columns.
pub fn indicator_table(
    by: &[domain::engine::Dim],
    lines: &[TableLine],
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name("indicators")?;
    let mut header: Vec<String> = ["unit_code", "unit_name_zh", "unit_name_en", "wave"]
        .map(String::from)
        .to_vec();
    for dim in by {
        let d = dim.code();
        header.extend([d.to_owned(), format!("{d}_zh"), format!("{d}_en")]);
    }
    header.extend(
        [
            "indicator",
            "indicator_zh",
            "indicator_en",
            "unit_zh",
            "unit_en",
            "value",
            "numerator",
            "denominator",
            "households",
            "no_data",
            "suppressed",
            "scheme",
        ]
        .map(String::from),
    );
    for (c, name) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, name, &bold)?;
    }
    for (r, line) in lines.iter().enumerate() {
        let r = r as u32 + 1;
        let mut c = 0u16;
        let text = |sheet: &mut Worksheet, c: &mut u16, value: &str| -> Result<(), XlsxError> {
            sheet.write_string(r, *c, value)?;
            *c += 1;
            Ok(())
        };
        text(sheet, &mut c, &line.unit_code)?;
        text(sheet, &mut c, &line.unit_name_zh)?;
        text(sheet, &mut c, &line.unit_name_en)?;
        sheet.write_number(r, c, f64::from(line.wave))?;
        c += 1;
        for dim in by {
            let found = line.slice.iter().find(|(d, ..)| d == dim.code());
            for part in [1, 2, 3] {
                let value = found.map_or("", |s| match part {
                    1 => s.1.as_str(),
                    2 => s.2.as_str(),
                    _ => s.3.as_str(),
                });
                text(sheet, &mut c, value)?;
            }
        }
        for value in [
            line.indicator,
            line.indicator_zh,
            line.indicator_en,
            line.measure_unit_zh,
            line.measure_unit_en,
        ] {
            text(sheet, &mut c, value)?;
        }
        for number in [line.value, line.numerator, line.denominator] {
            if let Some(v) = number {
                sheet.write_number(r, c, v)?;
            }
            c += 1;
        }
        sheet.write_number(r, c, line.households as f64)?;
        c += 1;
        text(sheet, &mut c, line.no_data.map_or("", |n| n.code()))?;
        sheet.write_number(r, c, f64::from(u8::from(line.suppressed)))?;
        c += 1;
        text(sheet, &mut c, line.scheme.map_or("", |s| s.code()))?;
    }
    workbook.save_to_buffer()
}
