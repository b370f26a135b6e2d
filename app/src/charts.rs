//! Charts: plotters draws each one as SVG on the server; the page inlines it, and the same
//! SVG is what "download" gives. Text is left to the browser's fonts (so Chinese renders), and
//! because plotters over-estimates the width of Chinese text, this module lays out titles and
//! legends itself and only lets plotters place numbers.
//!
//! The data ([`ChartData`]) is plain and shared with the browser; drawing is server-only.

use domain::Lang;
use serde::{Deserialize, Serialize};

use crate::format;
use crate::i18n::Pick;

pub use domain::Both;

/// One line or bar series: a value per wave (aligned with [`ChartData::waves`]), `None` where
/// there is no data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The legend label: a unit's name, an engagement model, an income source…
    pub name: Both,
    /// One value per wave, in the chart's unit; `None` breaks a line or leaves a bar out.
    pub values: Vec<Option<f64>>,
}

/// How a panel draws its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mark {
    /// Lines across the waves, one per series; the only mark that draws a reference series.
    Lines,
    /// Bars side by side, one group per wave.
    Bars,
    /// Bars stacked, one column per wave (parts of a whole).
    Stacked,
}

/// One plotting area: its axis unit, its marks and (for lines) a dashed reference series such
/// as the poverty line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Panel {
    /// The unit of the y axis (元/人/年, %…), also used in the text alternative.
    pub unit: Both,
    /// Lines, bars or stacked bars.
    pub mark: Mark,
    /// The series drawn, each in its own colour.
    pub series: Vec<Series>,
    /// A dashed line for comparison (e.g. the poverty line); drawn for `Lines` only.
    pub reference: Option<Series>,
}

/// A chart as data: built by the server, drawn as SVG by `svg` (ssr builds only);
/// [`ChartData::alt`] gives its text alternative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartData {
    /// Stable id, used in file names and the download URL (`income_trend`, …).
    pub id: String,
    /// The chart's title, drawn above the panels.
    pub title: Both,
    /// The wave years along the x axis, in order; every series has one value per wave.
    pub waves: Vec<i32>,
    /// One panel, or two side by side (two measures with different units).
    pub panels: Vec<Panel>,
}

#[cfg(feature = "ssr")]
/// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (213, 94, 0),
    (240, 228, 66),
    (0, 0, 0),
];

impl ChartData {
    /// The text alternative: the title, then each series' values wave by wave.
    pub fn alt(&self, lang: Lang) -> String {
        let mut out = format!("{}。", self.title.get(lang));
        if lang == Lang::En {
            out = format!("{}. ", self.title.get(lang));
        }
        for panel in &self.panels {
            for series in panel.series.iter().chain(panel.reference.iter()) {
                let points: Vec<String> = self
                    .waves
                    .iter()
                    .zip(&series.values)
                    .map(|(wave, value)| {
                        let shown = match value {
                            Some(v) => {
                                format!("{} {}", format::figure(*v, 1, lang), panel.unit.get(lang))
                            }
                            None => lang.pick("无数据", "no data").to_owned(),
                        };
                        match lang {
                            Lang::Zh => format!("{wave}年 {shown}"),
                            Lang::En => format!("{wave} {shown}"),
                        }
                    })
                    .collect();
                match lang {
                    Lang::Zh => {
                        out.push_str(&format!("{}：{}；", series.name.zh, points.join("，")))
                    }
                    Lang::En => {
                        out.push_str(&format!("{}: {}; ", series.name.en, points.join(", ")))
                    }
                }
            }
        }
        out.trim_end_matches(['；', ' ', ';']).to_owned()
    }
}

/// Width of a text in pixels at `size`, by character class (what plotters cannot do).
#[cfg(feature = "ssr")]
fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.58 } else { 1.0 })
        .sum::<f64>()
        * size
}

#[cfg(feature = "ssr")]
pub use draw::svg;

#[cfg(feature = "ssr")]
mod draw {
    use plotters::coord::ranged1d::SegmentValue;
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};

    use super::{text_width, ChartData, Mark, Panel, PALETTE};
    use crate::format;
    use domain::Lang;

    pub const WIDTH: u32 = 720;
    pub const HEIGHT: u32 = 380;
    const FONT: &str = "sans-serif";
    const TITLE_H: u32 = 38;
    /// Legend text size as given to plotters (it draws text at size ÷ 1.24).
    const LEGEND: f64 = 16.0;

    fn shown(size: f64) -> f64 {
        size / 1.24
    }

    fn colour(i: usize) -> RGBColor {
        let (r, g, b) = PALETTE[i % PALETTE.len()];
        RGBColor(r, g, b)
    }

    /// Draws the chart as a standalone SVG document (with a white background, so a download
    /// pastes cleanly into a report).
    pub fn svg(chart: &ChartData, lang: Lang) -> String {
        let mut out = String::new();
        // Drawing into a String cannot fail for IO reasons; a plotting error leaves a chart
        // with its title and legend, which is still honest, so errors are logged and ignored.
        if let Err(err) = draw(chart, lang, &mut out) {
            leptos::logging::error!("chart {} failed: {err}", chart.id);
        }
        // Scales with its container (the viewBox is kept; the fixed size goes).
        out.replacen(
            &format!("width=\"{WIDTH}\" height=\"{HEIGHT}\""),
            &format!(
                "width=\"{WIDTH}\" height=\"{HEIGHT}\" preserveAspectRatio=\"xMidYMid meet\" font-family=\"{FONT}\""
            ),
            1,
        )
    }

    fn draw(
        chart: &ChartData,
        lang: Lang,
        out: &mut String,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::with_string(out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        root.draw(&Text::new(
            chart.title.get(lang).to_owned(),
            (WIDTH as i32 / 2, 10),
            (FONT, 22)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        let names: Vec<(String, bool)> = chart
            .panels
            .iter()
            .flat_map(|p| {
                p.series
                    .iter()
                    .map(|s| (s.name.get(lang).to_owned(), false))
                    .chain(
                        p.reference
                            .iter()
                            .map(|r| (r.name.get(lang).to_owned(), true)),
                    )
            })
            .collect();
        let legend_rows = legend_rows(&names);
        let legend_h = 8 + 22 * legend_rows.len() as u32;
        let body = root.margin(TITLE_H, legend_h, 0, 0);
        let areas = body.split_evenly((1, chart.panels.len().max(1)));
        let mut series_index = 0;
        for (panel, area) in chart.panels.iter().zip(areas.iter()) {
            draw_panel(chart, panel, area, lang, series_index)?;
            series_index += panel.series.len();
        }
        // The legend, laid out here: colour key, then the name, rows wrapped at the width.
        let mut index = 0;
        for (row_no, row) in legend_rows.iter().enumerate() {
            let y = (HEIGHT - legend_h + 6 + 22 * row_no as u32) as i32;
            let mut x = (WIDTH as f64 - row.1) / 2.0;
            for (name, is_reference) in &row.0 {
                let key = if *is_reference {
                    ShapeStyle::from(&RED).stroke_width(2)
                } else {
                    index += 1;
                    colour(index - 1).filled()
                };
                let x0 = x as i32;
                if *is_reference {
                    root.draw(&PathElement::new(vec![(x0, y + 7), (x0 + 16, y + 7)], key))?;
                } else {
                    root.draw(&Rectangle::new([(x0, y + 1), (x0 + 14, y + 13)], key))?;
                }
                root.draw(&Text::new(
                    name.clone(),
                    (x0 + 20, y),
                    (FONT, LEGEND).into_font().color(&BLACK),
                ))?;
                x += 20.0 + text_width(name, shown(LEGEND)) + 18.0;
            }
        }
        root.present()?;
        Ok(())
    }

    /// Splits legend entries into rows that fit the width; each row with its total width.
    fn legend_rows(names: &[(String, bool)]) -> Vec<(Vec<(String, bool)>, f64)> {
        let mut rows: Vec<(Vec<(String, bool)>, f64)> = Vec::new();
        for entry in names {
            let w = 20.0 + text_width(&entry.0, shown(LEGEND)) + 18.0;
            match rows.last_mut() {
                Some(row) if row.1 + w <= f64::from(WIDTH) - 20.0 => {
                    row.0.push(entry.clone());
                    row.1 += w;
                }
                _ => rows.push((vec![entry.clone()], w)),
            }
        }
        rows
    }

    fn draw_panel<DB: DrawingBackend>(
        chart: &ChartData,
        panel: &Panel,
        area: &DrawingArea<DB, plotters::coord::Shift>,
        lang: Lang,
        first_colour: usize,
    ) -> Result<(), Box<dyn std::error::Error>>
    where
        DB::ErrorType: 'static,
    {
        let waves = &chart.waves;
        let (Some(&first), Some(&last)) = (waves.first(), waves.last()) else {
            return Ok(());
        };
        let value_at = |s: &super::Series, i: usize| s.values.get(i).copied().flatten();
        // The y range: from zero (or the lowest value, if negative) to the highest, padded.
        let mut lo: f64 = 0.0;
        let mut hi: f64 = 0.0;
        for (i, _) in waves.iter().enumerate() {
            if panel.mark == Mark::Stacked {
                let (neg, pos) = panel.series.iter().filter_map(|s| value_at(s, i)).fold(
                    (0.0, 0.0),
                    |(n, p), v| if v < 0.0 { (n + v, p) } else { (n, p + v) },
                );
                lo = lo.min(neg);
                hi = hi.max(pos);
            } else {
                for s in panel.series.iter().chain(panel.reference.iter()) {
                    if let Some(v) = value_at(s, i) {
                        lo = lo.min(v);
                        hi = hi.max(v);
                    }
                }
            }
        }
        if hi <= lo {
            hi = lo + 1.0;
        }
        let span = hi - lo;
        let (lo, hi) = (
            if lo < 0.0 { lo - span * 0.08 } else { 0.0 },
            hi + span * 0.1,
        );
        let unit = panel.unit.get(lang).to_owned();
        let mut ctx = ChartBuilder::on(area)
            .margin_left(6)
            .margin_right(14)
            .margin_top(22)
            .x_label_area_size(28)
            .y_label_area_size(58)
            .build_cartesian_2d((first..last + 1).into_segmented(), lo..hi)?;
        ctx.configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(215, 215, 215))
            .y_labels(6)
            .x_labels(waves.len() + 1)
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(y) | SegmentValue::Exact(y) if *y <= last => y.to_string(),
                _ => String::new(),
            })
            .y_label_formatter(&|y| format::compact(*y, lang))
            .label_style((FONT, 15))
            .draw()?;
        // The unit above the y axis, left-aligned (the browser measures it).
        area.draw(&Text::new(
            unit,
            (8, 4),
            (FONT, 15).into_font().color(&RGBColor(80, 80, 80)),
        ))?;
        let (plot_w, _) = ctx.plotting_area().dim_in_pixel();
        let slot = f64::from(plot_w) / waves.len() as f64;
        match panel.mark {
            Mark::Lines => {
                for (k, s) in panel.series.iter().enumerate() {
                    let c = colour(first_colour + k);
                    // Lines break where a wave has no data.
                    let mut run: Vec<(SegmentValue<i32>, f64)> = Vec::new();
                    for (i, &wave) in waves.iter().enumerate() {
                        match value_at(s, i) {
                            Some(v) => run.push((SegmentValue::CenterOf(wave), v)),
                            None => {
                                ctx.draw_series(LineSeries::new(
                                    std::mem::take(&mut run),
                                    c.stroke_width(3),
                                ))?;
                            }
                        }
                    }
                    ctx.draw_series(LineSeries::new(run, c.stroke_width(3)))?;
                    ctx.draw_series(waves.iter().enumerate().filter_map(|(i, &w)| {
                        value_at(s, i)
                            .map(|v| Circle::new((SegmentValue::CenterOf(w), v), 4, c.filled()))
                    }))?;
                }
                if let Some(r) = &panel.reference {
                    let points: Vec<_> = waves
                        .iter()
                        .enumerate()
                        .filter_map(|(i, &w)| {
                            value_at(r, i).map(|v| (SegmentValue::CenterOf(w), v))
                        })
                        .collect();
                    ctx.draw_series(DashedLineSeries::new(points, 8, 5, RED.stroke_width(2)))?;
                }
            }
            Mark::Bars => {
                let n = panel.series.len().max(1) as f64;
                let inner = slot * 0.76;
                for (k, s) in panel.series.iter().enumerate() {
                    let c = colour(first_colour + k);
                    let left = (slot - inner) / 2.0 + inner / n * k as f64;
                    let right = slot - left - inner / n;
                    ctx.draw_series(waves.iter().enumerate().filter_map(|(i, &w)| {
                        value_at(s, i).map(|v| {
                            let mut bar = Rectangle::new(
                                [
                                    (SegmentValue::Exact(w), 0.0),
                                    (SegmentValue::Exact(w + 1), v),
                                ],
                                c.filled(),
                            );
                            bar.set_margin(
                                0,
                                0,
                                left.round() as u32,
                                right.max(0.0).round() as u32,
                            );
                            bar
                        })
                    }))?;
                }
            }
            Mark::Stacked => {
                let pad = (slot * 0.2).round() as u32;
                let mut up = vec![0.0; waves.len()];
                let mut down = vec![0.0; waves.len()];
                for (k, s) in panel.series.iter().enumerate() {
                    let c = colour(first_colour + k);
                    let mut bars = Vec::new();
                    for (i, &w) in waves.iter().enumerate() {
                        let Some(v) = value_at(s, i) else { continue };
                        let base = if v < 0.0 { &mut down[i] } else { &mut up[i] };
                        let (from, to) = (*base, *base + v);
                        *base = to;
                        let mut bar = Rectangle::new(
                            [
                                (SegmentValue::Exact(w), from),
                                (SegmentValue::Exact(w + 1), to),
                            ],
                            c.filled(),
                        );
                        bar.set_margin(0, 0, pad, pad);
                        bars.push(bar);
                    }
                    ctx.draw_series(bars)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn sample() -> ChartData {
        ChartData {
            id: "income_trend".into(),
            title: Both::new("人均纯收入趋势", "Per-capita net income"),
            waves: vec![2018, 2019, 2020, 2021],
            panels: vec![Panel {
                unit: Both::new("元/人/年", "RMB/person/yr"),
                mark: Mark::Lines,
                series: vec![
                    Series {
                        name: Both::new("越西县", "Yuexi"),
                        values: vec![Some(4_930.0), Some(5_400.0), None, Some(6_146.0)],
                    },
                    Series {
                        name: Both::new("昭觉县", "Zhaojue"),
                        values: vec![Some(4_000.0), Some(4_500.0), Some(5_000.0), Some(5_800.0)],
                    },
                ],
                reference: Some(Series {
                    name: Both::new("贫困线", "Poverty line"),
                    values: vec![Some(2_995.0), Some(3_218.0), Some(4_000.0), Some(4_000.0)],
                }),
            }],
        }
    }

    #[test]
    fn the_svg_carries_chinese_text_and_scales() {
        let svg = svg(&sample(), Lang::Zh);
        if let Ok(dir) = std::env::var("TANHUI_CHART_DIR") {
            std::fs::write(format!("{dir}/sample.svg"), &svg).expect("write");
        }
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        assert!(svg.contains("viewBox=\"0 0 720 380\""));
        assert!(svg.contains("人均纯收入趋势"));
        assert!(svg.contains("越西县") && svg.contains("贫困线"));
        // Axis labels are the waves and compact numbers.
        assert!(svg.contains("\n2018\n</text>") && svg.contains("\n2021\n</text>"));
        assert!(svg.contains("stroke-dasharray") || svg.matches("<line").count() > 0);
        let en = super::svg(&sample(), Lang::En);
        assert!(en.contains("Per-capita net income") && en.contains("Poverty line"));
    }

    #[test]
    fn the_text_alternative_lists_every_value() {
        let alt = sample().alt(Lang::Zh);
        assert!(
            alt.starts_with("人均纯收入趋势。越西县：2018年 4,930.0 元/人/年"),
            "{alt}"
        );
        assert!(alt.contains("2020年 无数据"));
        assert!(alt.contains("贫困线：2018年 2,995.0 元/人/年"));
        let en = sample().alt(Lang::En);
        assert!(en.contains("Zhaojue: 2018 4,000.0 RMB/person/yr"), "{en}");
    }

    #[test]
    fn bars_and_stacks_draw_a_rectangle_per_value() {
        let mut chart = sample();
        chart.panels[0].reference = None;
        chart.panels[0].mark = Mark::Stacked;
        let stacked = svg(&chart, Lang::Zh);
        chart.panels[0].mark = Mark::Bars;
        let bars = svg(&chart, Lang::Zh);
        // 7 values (one is missing) + the background + 2 legend keys.
        assert_eq!(
            stacked.matches("<rect").count(),
            bars.matches("<rect").count()
        );
        assert!(bars.matches("<rect").count() >= 7 + 2);
    }
}
