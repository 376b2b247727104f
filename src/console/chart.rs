//! Small charts as inline SVG, drawn on the server: the dashboard loads no script and nothing
//! from elsewhere. Each chart is a titled `<svg role="img">` that a screen reader announces by
//! its title; the numbers are in the page's tables too.

use std::fmt::Write;

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 160.0;
/// Room for the labels under the bars and the scale on the left.
const BOTTOM: f64 = 20.0;
const LEFT: f64 = 36.0;

/// One bar: its label under it and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

/// One line of a line chart: a CSS class (its colour) and a value per point, `None` for a gap.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub class: &'static str,
    pub colour: &'static str,
    pub points: Vec<Option<f64>>,
}

/// Text safe inside SVG (store names come from the configuration).
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The top of the scale: the largest value, at least 1, so that an empty chart still draws.
fn top(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(1.0_f64, |top, value| top.max(value))
}

fn open(title: &str, top: f64) -> String {
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>",
        escape(title)
    );
    let base = HEIGHT - BOTTOM;
    let _ = write!(
        svg,
        "<line class=\"axis\" stroke=\"#5c6670\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{WIDTH}\" y2=\"{base}\"/>\
         <text class=\"scale\" font-size=\"10\" x=\"{x}\" y=\"12\" text-anchor=\"end\">{}</text>\
         <text class=\"scale\" font-size=\"10\" x=\"{x}\" y=\"{base}\" text-anchor=\"end\">0</text>",
        round(top),
        x = LEFT - 4.0,
    );
    svg
}

fn round(value: f64) -> String {
    if value >= 10.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// A bar chart; every label is drawn, so keep them few and short.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    let top = top(bars.iter().map(|bar| bar.value));
    let mut svg = open(title, top);
    let slot = (WIDTH - LEFT) / bars.len().max(1) as f64;
    let plot = HEIGHT - BOTTOM - 4.0;
    for (index, bar) in bars.iter().enumerate() {
        let height = (bar.value.max(0.0) / top * plot).max(0.0);
        let x = LEFT + slot * index as f64 + slot * 0.15;
        let y = HEIGHT - BOTTOM - height;
        let _ = write!(
            svg,
            "<rect class=\"bar\" fill=\"#1a7f37\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{height:.1}\">\
             <title>{}: {}</title></rect>\
             <text class=\"label\" font-size=\"10\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            slot * 0.7,
            escape(&bar.label),
            round(bar.value),
            x + slot * 0.35,
            HEIGHT - 5.0,
            escape(&bar.label),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A line chart over points evenly spaced left to right; `labels` go under the points (an
/// empty label draws nothing).
pub fn lines(title: &str, labels: &[String], series: &[Series]) -> String {
    let top = top(series
        .iter()
        .flat_map(|s| s.points.iter().flatten().copied()));
    let mut svg = open(title, top);
    let count = labels
        .len()
        .max(series.iter().map(|s| s.points.len()).max().unwrap_or(0));
    let step = (WIDTH - LEFT - 8.0) / (count.max(2) - 1) as f64;
    let plot = HEIGHT - BOTTOM - 4.0;
    let x_of = |index: usize| LEFT + 4.0 + step * index as f64;
    let y_of = |value: f64| HEIGHT - BOTTOM - value.max(0.0) / top * plot;
    for (index, label) in labels.iter().enumerate() {
        if !label.is_empty() {
            let _ = write!(
                svg,
                "<text class=\"label\" font-size=\"10\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x_of(index),
                HEIGHT - 5.0,
                escape(label)
            );
        }
    }
    for line in series {
        // A gap (no requests in a bucket) breaks the line rather than drawing a false zero.
        let mut path = String::new();
        let mut pen_down = false;
        for (index, point) in line.points.iter().enumerate() {
            match point {
                Some(value) => {
                    let command = if pen_down { 'L' } else { 'M' };
                    let _ = write!(path, "{command}{:.1} {:.1} ", x_of(index), y_of(*value));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !path.is_empty() {
            let _ = write!(
                svg,
                "<path class=\"line {}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" d=\"{}\"/>",
                line.class,
                line.colour,
                path.trim_end()
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_their_labels() {
        let svg = bars(
            "Заказы <сегодня>",
            &[
                Bar {
                    label: "A&B".into(),
                    value: 10.0,
                },
                Bar {
                    label: "C".into(),
                    value: 5.0,
                },
            ],
        );
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert!(
            svg.contains("<title>Заказы &lt;сегодня&gt;</title>"),
            "{svg}"
        );
        assert!(svg.contains("A&amp;B"), "{svg}");
        assert!(!svg.contains("A&B"), "{svg}");
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 2);
        // The tallest bar fills the plot (136 px), the other half of it.
        assert!(svg.contains("height=\"136.0\""), "{svg}");
        assert!(svg.contains("height=\"68.0\""), "{svg}");
        assert!(svg.contains(">10</text>"), "the scale's top: {svg}");
        // Drawn by presentation attributes: the Content-Security-Policy refuses inline styles.
        assert!(!svg.contains("style"), "{svg}");
    }

    #[test]
    fn an_empty_chart_still_draws_its_axis() {
        let svg = bars("Пусто", &[]);
        assert!(svg.contains("class=\"axis\""));
        assert!(!svg.contains("<rect"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        let svg = lines("Пусто", &[], &[]);
        assert!(!svg.contains("<path"), "{svg}");
    }

    #[test]
    fn a_gap_breaks_the_line() {
        let svg = lines(
            "p50",
            &["09:00".into(), String::new(), "09:10".into()],
            &[Series {
                class: "p50",
                colour: "#0b5cad",
                points: vec![Some(1.0), None, Some(2.0)],
            }],
        );
        let path = svg.split("d=\"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(path.matches('M').count(), 2, "{path}");
        assert!(!path.contains('L'), "{path}");
        assert_eq!(svg.matches("class=\"label\"").count(), 2, "{svg}");
        assert!(!svg.contains("NaN"), "{svg}");
        assert!(!svg.contains("style"), "{svg}");
    }
}
