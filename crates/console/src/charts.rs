//! Charts drawn on the server as SVG: no script, no external service, and
//! they print. Bars for money over days (stacked by series) and horizontal
//! share bars. Heights are computed with integers from minor units.

use maud::{Markup, html};

/// A colour per series, readable on white and distinct for colour-blind
/// readers (Okabe–Ito).
const PALETTE: &[&str] = &[
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999",
];

pub fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// One bar: a label under it and the value of each series in it.
pub struct Bar {
    pub label: String,
    pub values: Vec<i64>,
}

/// The smallest "nice" ceiling ≥ `max` (1, 2, 2.5 or 5 × 10^n), so the
/// axis reads in round numbers.
pub fn nice_ceiling(max: i64) -> i64 {
    if max <= 0 {
        return 1;
    }
    let mut base: i64 = 1;
    while base.saturating_mul(10) <= max {
        base = base.saturating_mul(10);
    }
    for step in [1, 2, 5, 10] {
        let c = base.saturating_mul(step);
        if c >= max {
            return c;
        }
    }
    base.saturating_mul(10)
}

/// Stacked bars. `axis` formats a value for the y axis (e.g. money).
pub fn stacked_bars(title: &str, series: &[String], bars: &[Bar], axis: &dyn Fn(i64) -> String) -> Markup {
    let (w, h) = (640i64, 240i64);
    let (left, right, top, bottom) = (72i64, 12i64, 12i64, 28i64);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let max = bars
        .iter()
        .map(|b| b.values.iter().copied().filter(|v| *v > 0).sum::<i64>())
        .max()
        .unwrap_or(0);
    let ceiling = nice_ceiling(max);
    let n = bars.len().max(1) as i64;
    let slot = plot_w / n;
    let bar_w = (slot * 6 / 10).max(4);
    let y = |v: i64| top + plot_h - (i128::from(v) * i128::from(plot_h) / i128::from(ceiling)) as i64;
    html! {
        figure.chart {
            svg viewBox={"0 0 " (w) " " (h)} role="img" aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
                title { (title) }
                @for i in 0..=4i64 {
                    @let v = ceiling * i / 4;
                    line x1=(left) x2=(w - right) y1=(y(v)) y2=(y(v)) stroke="#e3e8ef" stroke-width="1" {}
                    text x=(left - 6) y=(y(v) + 4) text-anchor="end" font-size="11" fill="#5b6677" { (axis(v)) }
                }
                @for (i, bar) in bars.iter().enumerate() {
                    @let x = left + slot * i as i64 + (slot - bar_w) / 2;
                    @for (s, v, y1, height) in segments(&bar.values, &y) {
                        rect x=(x) y=(y1) width=(bar_w) height=(height) fill=(colour(s)) {
                            title { (series.get(s).map(String::as_str).unwrap_or("")) ": " (axis(v)) }
                        }
                    }
                    text x=(x + bar_w / 2) y=(h - 10) text-anchor="middle" font-size="11" fill="#5b6677" { (bar.label) }
                }
                line x1=(left) x2=(w - right) y1=(top + plot_h) y2=(top + plot_h) stroke="#9aa5b4" stroke-width="1" {}
            }
            @if !series.is_empty() {
                figcaption.legend {
                    @for (i, s) in series.iter().enumerate() {
                        span.key { svg.swatch viewBox="0 0 10 10" width="10" height="10" { rect width="10" height="10" fill=(colour(i)) {} } (s) }
                    }
                }
            }
        }
    }
}

/// The stacked pieces of one bar: (series, value, top y, height), positive values only.
fn segments(values: &[i64], y: &dyn Fn(i64) -> i64) -> Vec<(usize, i64, i64, i64)> {
    let mut acc = 0i64;
    let mut out = Vec::new();
    for (s, v) in values.iter().copied().enumerate() {
        if v > 0 {
            let (y0, y1) = (y(acc), y(acc + v));
            out.push((s, v, y1, (y0 - y1).max(1)));
            acc += v;
        }
    }
    out
}

/// Horizontal bars of shares: label, value, share of the total.
pub fn share_bars(title: &str, items: &[(String, i64)], value: &dyn Fn(i64) -> String) -> Markup {
    let total: i64 = items.iter().map(|(_, v)| (*v).max(0)).sum();
    let w = 100i64;
    html! {
        figure.shares aria-label=(title) {
            @for (i, (label, v)) in items.iter().enumerate() {
                @let permille = if total > 0 { (i128::from((*v).max(0)) * 1000 / i128::from(total)) as i64 } else { 0 };
                div.share {
                    span.label { (label) }
                    svg.track viewBox={"0 0 " (w) " 8"} preserveAspectRatio="none" width="100%" height="8" role="presentation" {
                        rect width=(w) height="8" rx="2" fill="#eef1f5" {}
                        rect width=((permille * w / 1000).max(if *v > 0 { 1 } else { 0 })) height="8" rx="2" fill=(colour(i)) {}
                    }
                    span.value { (value(*v)) " · " (permille / 10) "." (permille % 10) "%" }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_are_round_and_never_below_the_maximum() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(10), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(123_456), 200_000);
        assert_eq!(nice_ceiling(450_000), 500_000);
        for v in [1, 3, 99, 101, 999_999, i64::MAX / 100] {
            assert!(nice_ceiling(v) >= v);
        }
    }

    #[test]
    fn a_chart_names_its_series_and_bars() {
        let svg = stacked_bars(
            "Last 7 days",
            &["WeChat Pay".into(), "Wallet".into()],
            &[
                Bar {
                    label: "12-01".into(),
                    values: vec![500, 250],
                },
                Bar {
                    label: "12-02".into(),
                    values: vec![0, 0],
                },
            ],
            &|v| v.to_string(),
        )
        .into_string();
        assert!(svg.contains("<svg") && svg.contains("12-01") && svg.contains("WeChat Pay"));
        assert_eq!(
            svg.matches("<rect").count(),
            2 + 2,
            "two stacked pieces and two legend swatches"
        );
        let shares = share_bars("By way", &[("QR".into(), 3), ("Wallet".into(), 1)], &|v| v.to_string()).into_string();
        assert!(shares.contains("75.0%") && shares.contains("25.0%"));
    }
}
