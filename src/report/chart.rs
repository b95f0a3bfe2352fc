//! One SVG chart per statement, on log-log axes: the measured seconds against rows, the
//! fitted curve with its interval band, and the predicted point at production size.
//! Plain SVG text, no fonts or network needed, so the HTML report stays self-contained.

use super::{human_seconds, short_rows, StatementReport};
use std::fmt::Write;

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 40.0;
/// The predicted point's colour; the browser test looks for it in a screenshot.
pub const PREDICTION_COLOUR: &str = "#d62728";
const FIT_COLOUR: &str = "#1f77b4";
const BAND_COLOUR: &str = "#aec7e8";

/// Log-scaled axes fitted to everything the chart shows.
struct Axes {
    x_min: f64,
    x_max: f64,
    y_min: f64,
    y_max: f64,
}

impl Axes {
    fn for_statement(s: &StatementReport) -> Axes {
        let mut xs: Vec<f64> = s.measurements.iter().map(|m| m.rows as f64).collect();
        xs.push(s.estimate.rows as f64);
        xs.extend(s.curve.iter().map(|c| c.rows as f64));
        let mut ys: Vec<f64> = s.measurements.iter().map(|m| m.seconds).collect();
        ys.extend([s.estimate.seconds_high, s.estimate.seconds_p50]);
        ys.extend(s.curve.iter().map(|c| c.seconds_high));
        ys.extend(s.curve.iter().map(|c| c.seconds_p50));
        let positive = |v: &f64| v.is_finite() && *v > 0.0;
        let x_min = xs
            .iter()
            .copied()
            .filter(positive)
            .fold(f64::INFINITY, f64::min);
        let x_max = xs.iter().copied().filter(positive).fold(0.0, f64::max);
        let y_min = ys
            .iter()
            .copied()
            .filter(positive)
            .fold(f64::INFINITY, f64::min);
        let y_max = ys.iter().copied().filter(positive).fold(0.0, f64::max);
        Axes {
            x_min: decade_below(if x_min.is_finite() { x_min } else { 1.0 }),
            x_max: decade_above(x_max.max(10.0)),
            y_min: decade_below(if y_min.is_finite() {
                y_min.max(1e-4)
            } else {
                1e-3
            }),
            y_max: decade_above(y_max.max(1e-3)),
        }
    }

    fn x(&self, rows: f64) -> f64 {
        let t = (rows.max(self.x_min).ln() - self.x_min.ln()) / (self.x_max.ln() - self.x_min.ln());
        LEFT + t * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, seconds: f64) -> f64 {
        let t =
            (seconds.max(self.y_min).ln() - self.y_min.ln()) / (self.y_max.ln() - self.y_min.ln());
        HEIGHT - BOTTOM - t * (HEIGHT - TOP - BOTTOM)
    }
}

fn decade_below(v: f64) -> f64 {
    10f64.powf(v.log10().floor())
}

fn decade_above(v: f64) -> f64 {
    10f64.powf(v.log10().ceil())
}

pub fn svg(s: &StatementReport) -> String {
    let axes = Axes::for_statement(s);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="seconds against rows for statement {}">"#,
        s.index + 1
    );
    write_grid(&mut out, &axes);
    write_band_and_fit(&mut out, &axes, s);
    for m in &s.measurements {
        let _ = write!(
            out,
            r##"<circle class="measured" cx="{:.1}" cy="{:.1}" r="3.5" fill="#333"><title>{} rows: {}</title></circle>"##,
            axes.x(m.rows as f64),
            axes.y(m.seconds),
            m.rows,
            human_seconds(m.seconds)
        );
    }
    write_prediction(&mut out, &axes, s);
    out.push_str("</svg>");
    out
}

fn write_grid(out: &mut String, axes: &Axes) {
    let _ = write!(
        out,
        r##"<rect x="{LEFT}" y="{TOP}" width="{}" height="{}" fill="#fff" stroke="#999"/>"##,
        WIDTH - LEFT - RIGHT,
        HEIGHT - TOP - BOTTOM
    );
    let mut decade = axes.x_min;
    while decade <= axes.x_max * 1.0001 {
        let x = axes.x(decade);
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{}" stroke="#eee"/><text x="{x:.1}" y="{}" font-size="11" text-anchor="middle" fill="#444">{}</text>"##,
            HEIGHT - BOTTOM,
            HEIGHT - BOTTOM + 14.0,
            short_rows(decade.round() as u64)
        );
        decade *= 10.0;
    }
    let mut decade = axes.y_min;
    while decade <= axes.y_max * 1.0001 {
        let y = axes.y(decade);
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#eee"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#444">{}</text>"##,
            WIDTH - RIGHT,
            LEFT - 4.0,
            y + 4.0,
            tick_seconds(decade)
        );
        decade *= 10.0;
    }
    let _ = write!(
        out,
        r##"<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#444">rows (log)</text>"##,
        (LEFT + WIDTH - RIGHT) / 2.0,
        HEIGHT - 6.0
    );
}

fn write_band_and_fit(out: &mut String, axes: &Axes, s: &StatementReport) {
    if s.curve.len() < 2 {
        return;
    }
    let upper: Vec<String> = s
        .curve
        .iter()
        .map(|c| format!("{:.1},{:.1}", axes.x(c.rows as f64), axes.y(c.seconds_high)))
        .collect();
    let lower: Vec<String> = s
        .curve
        .iter()
        .rev()
        .map(|c| format!("{:.1},{:.1}", axes.x(c.rows as f64), axes.y(c.seconds_low)))
        .collect();
    let _ = write!(
        out,
        r#"<polygon class="band" points="{} {}" fill="{BAND_COLOUR}" fill-opacity="0.5" stroke="none"/>"#,
        upper.join(" "),
        lower.join(" ")
    );
    let line: Vec<String> = s
        .curve
        .iter()
        .map(|c| format!("{:.1},{:.1}", axes.x(c.rows as f64), axes.y(c.seconds_p50)))
        .collect();
    let _ = write!(
        out,
        r#"<polyline class="fit" points="{}" fill="none" stroke="{FIT_COLOUR}" stroke-width="2"/>"#,
        line.join(" ")
    );
}

fn write_prediction(out: &mut String, axes: &Axes, s: &StatementReport) {
    let x = axes.x(s.estimate.rows as f64);
    let _ = write!(
        out,
        r#"<line class="prediction-interval" x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="{PREDICTION_COLOUR}" stroke-width="2"/>"#,
        axes.y(s.estimate.seconds_low),
        axes.y(s.estimate.seconds_high)
    );
    let _ = write!(
        out,
        r#"<circle class="prediction" cx="{x:.1}" cy="{:.1}" r="7" fill="{PREDICTION_COLOUR}"><title>{} rows: {} ({} .. {})</title></circle>"#,
        axes.y(s.estimate.seconds_p50),
        s.estimate.rows,
        human_seconds(s.estimate.seconds_p50),
        human_seconds(s.estimate.seconds_low),
        human_seconds(s.estimate.seconds_high)
    );
}

/// Decade tick labels: "0.01 s", "1 s", "1000 s".
fn tick_seconds(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.0} s")
    } else {
        let decimals = (-seconds.log10()).ceil().max(0.0) as usize;
        format!("{seconds:.decimals$} s")
    }
}
