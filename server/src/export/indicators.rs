//! Tabular output of indicator results (CSV with a header), for the CLI and exports.

use serde_json::Value;

use domain::engine::{Dim, Engine, IndicatorDef, Measure, NoData};
use domain::UnitCode;

use super::csv::{field, number};

/// What an indicator table export covers: every unit × wave × slice of `by` × indicator.
pub struct TableRequest {
    pub units: Vec<UnitCode>,
    pub waves: Vec<i32>,
    pub by: Vec<Dim>,
    pub indicators: Vec<&'static IndicatorDef>,
    /// Researchers: survey figures over fewer than 5 households are withheld and marked.
    pub suppress: bool,
}

/// One line of an indicator table, with labels in both languages.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableLine {
    pub unit_code: String,
    pub unit_name_zh: String,
    pub unit_name_en: String,
    pub wave: i32,
    /// (dimension, code, zh, en) for each dimension of the breakdown.
    pub slice: Vec<(String, String, String, String)>,
    pub indicator: &'static str,
    pub indicator_zh: &'static str,
    pub indicator_en: &'static str,
    pub measure_unit_zh: &'static str,
    pub measure_unit_en: &'static str,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub households: i64,
    pub no_data: Option<NoData>,
    pub suppressed: bool,
}

/// Every line of the requested table, in unit, wave, slice, indicator order.
pub fn table_lines(engine: &Engine, request: &TableRequest) -> Vec<TableLine> {
    let mut lines = Vec::new();
    for unit in &request.units {
        let known = engine.unit(unit);
        let name_zh = known.map(|u| u.name_zh.clone()).unwrap_or_default();
        let name_en = known
            .map(|u| u.name_pinyin.clone())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| name_zh.clone());
        for &wave in &request.waves {
            for row in engine.query(unit, wave, &request.by) {
                let households = engine
                    .totals(unit, wave, row.slice)
                    .get(Measure::Households);
                let slice: Vec<(String, String, String, String)> = row
                    .slice
                    .describe()
                    .into_iter()
                    .map(|(dim, code, zh, en)| (dim.code().to_owned(), code.to_owned(), zh, en))
                    .collect();
                for def in &request.indicators {
                    let value = row
                        .values
                        .iter()
                        .find(|(id, _)| *id == def.id)
                        .map(|(_, v)| v.for_reader(def, households, request.suppress));
                    lines.push(TableLine {
                        unit_code: unit.as_str().to_owned(),
                        unit_name_zh: name_zh.clone(),
                        unit_name_en: name_en.clone(),
                        wave,
                        slice: slice.clone(),
                        indicator: def.id,
                        indicator_zh: def.name_zh,
                        indicator_en: def.name_en,
                        measure_unit_zh: def.unit_zh,
                        measure_unit_en: def.unit_en,
                        value: value.and_then(|v| v.value),
                        numerator: value.and_then(|v| v.numerator),
                        denominator: value.and_then(|v| v.denominator),
                        households,
                        no_data: value.and_then(|v| v.no_data),
                        suppressed: value.is_some_and(|v| v.suppressed()),
                    });
                }
            }
        }
    }
    lines
}

/// The lines as CSV: a header naming every column, labels in both languages beside codes.
pub fn table_csv(by: &[Dim], lines: &[TableLine]) -> String {
    let mut out = String::from("unit_code,unit_name_zh,unit_name_en,wave");
    for dim in by {
        let d = dim.code();
        out.push_str(&format!(",{d},{d}_zh,{d}_en"));
    }
    out.push_str(",indicator,indicator_zh,indicator_en,unit_zh,unit_en,value,numerator,denominator,households,no_data,suppressed\n");
    let opt = |v: Option<f64>| number(&v.map_or(Value::Null, |v| serde_json::json!(v)));
    for line in lines {
        let mut cells = vec![
            field(&line.unit_code),
            field(&line.unit_name_zh),
            field(&line.unit_name_en),
            line.wave.to_string(),
        ];
        for dim in by {
            let found = line.slice.iter().find(|(d, ..)| d == dim.code());
            for part in 1..4 {
                cells.push(found.map_or_else(String::new, |s| {
                    field(match part {
                        1 => &s.1,
                        2 => &s.2,
                        _ => &s.3,
                    })
                }));
            }
        }
        cells.extend([
            field(line.indicator),
            field(line.indicator_zh),
            field(line.indicator_en),
            field(line.measure_unit_zh),
            field(line.measure_unit_en),
            opt(line.value),
            opt(line.numerator),
            opt(line.denominator),
            line.households.to_string(),
            line.no_data.map_or("", NoData::code).to_owned(),
            u8::from(line.suppressed).to_string(),
        ]);
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// One line per slice × indicator of an `/api/v1/indicators` response.
pub fn indicators_csv(table: &Value) -> String {
    let by: Vec<&str> = table["by"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = String::from("unit_code,wave");
    for dim in &by {
        out.push(',');
        out.push_str(dim);
    }
    out.push_str(",indicator,value,numerator,denominator,no_data,baseline,target,progress_pct\n");
    let unit = table["unit"]["code"].as_str().unwrap_or_default();
    let wave = number(&table["wave"]);
    for row in table["rows"].as_array().into_iter().flatten() {
        for indicator in row["indicators"].as_array().into_iter().flatten() {
            let mut line = vec![field(unit), wave.clone()];
            for dim in &by {
                line.push(field(row["slice"][*dim].as_str().unwrap_or_default()));
            }
            line.push(field(indicator["id"].as_str().unwrap_or_default()));
            for key in ["value", "numerator", "denominator"] {
                line.push(number(&indicator[key]));
            }
            line.push(field(indicator["no_data"].as_str().unwrap_or_default()));
            for key in ["baseline", "target", "progress_pct"] {
                line.push(number(&indicator[key]));
            }
            out.push_str(&line.join(","));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_line_per_slice_and_indicator_with_empty_no_data_cells() {
        let table = json!({
            "unit": {"code": "513434"}, "wave": 2019, "by": ["model"],
            "rows": [{"slice": {"model": "collective"}, "indicators": [
                {"id": "per_capita_net_income", "value": 1671.428571, "numerator": 11700.0, "denominator": 7.0,
                 "no_data": null, "baseline": null, "target": null, "progress_pct": null},
                {"id": "survival_rate", "value": null, "numerator": null, "denominator": null,
                 "no_data": "zero_denominator", "baseline": null, "target": 85.0, "progress_pct": null}
            ]}]
        });
        assert_eq!(
            indicators_csv(&table),
            "unit_code,wave,model,indicator,value,numerator,denominator,no_data,baseline,target,progress_pct\n\
             513434,2019,collective,per_capita_net_income,1671.4286,11700,7,,,,\n\
             513434,2019,collective,survival_rate,,,,zero_denominator,,85,\n"
        );
    }
}
