//! Tabular output of indicator results (CSV with a header), for the CLI and exports.

use serde_json::Value;

use super::csv::{field, number};

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
