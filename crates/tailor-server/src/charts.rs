//! Server-rendered SVG charts for the admin dashboard: a line chart over days and a bar chart
//! with optional 95% interval whiskers. Our own ~150 lines rather than plotters: the dashboard
//! needs two chart kinds as text, and plotters (even with only its SVG backend) brings a font
//! and layout stack we would not use.

use std::fmt::Write;

const W: f64 = 640.0;
const H: f64 = 240.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 40.0;

/// Escapes text for SVG.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A short number for an axis label.
fn short(x: f64) -> String {
    let a = x.abs();
    if a >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else if a >= 100.0 || x == x.round() {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

fn frame(out: &mut String, title: &str, max: f64) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" aria-label="{t}" class="chart"><title>{t}</title><text x="{LEFT}" y="18" font-size="13" font-weight="bold">{t}</text>"#,
        t = escape(title)
    );
    for i in 0..=4 {
        let y = TOP + (H - TOP - BOTTOM) * f64::from(i) / 4.0;
        let v = max * f64::from(4 - i) / 4.0;
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{tx}" y="{ty:.1}" font-size="10" text-anchor="end">{v}</text>"##,
            x2 = W - RIGHT,
            tx = LEFT - 4.0,
            ty = y + 3.0,
            v = short(v)
        );
    }
}

fn nice_max(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|m| *m >= max)
        .unwrap_or(10.0 * mag)
}

/// A line over labelled points (days, say); every `label_every`-th label is printed.
pub fn line(title: &str, points: &[(String, f64)]) -> String {
    let mut out = String::with_capacity(4096);
    let max = nice_max(points.iter().map(|p| p.1).fold(0.0, f64::max));
    frame(&mut out, title, max);
    let n = points.len().max(1);
    let step = (W - LEFT - RIGHT) / (n.max(2) - 1) as f64;
    let y = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - v / max);
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| format!("{:.1},{:.1}", LEFT + step * i as f64, y(*v)))
        .collect();
    let _ = write!(
        out,
        r##"<polyline fill="none" stroke="#2563eb" stroke-width="2" points="{}"/>"##,
        path.join(" ")
    );
    let every = n.div_ceil(6).max(1);
    for (i, (label, v)) in points.iter().enumerate() {
        let x = LEFT + step * i as f64;
        let _ = write!(
            out,
            r##"<circle cx="{x:.1}" cy="{:.1}" r="2.5" fill="#2563eb"><title>{}: {}</title></circle>"##,
            y(*v),
            escape(label),
            short(*v)
        );
        if i % every == 0 || i + 1 == n {
            let _ = write!(
                out,
                r#"<text x="{x:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"#,
                H - BOTTOM + 14.0,
                escape(label)
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// One bar: its label, value and optional 95% interval.
pub struct Bar {
    /// Under the bar.
    pub label: String,
    /// Its height.
    pub value: f64,
    /// Whiskers, when there is an interval.
    pub interval: Option<(f64, f64)>,
}

/// Bars with optional interval whiskers.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    let mut out = String::with_capacity(4096);
    let top = bars
        .iter()
        .map(|b| b.interval.map_or(b.value, |i| i.1.max(b.value)))
        .fold(0.0, f64::max);
    let max = nice_max(top);
    frame(&mut out, title, max);
    let n = bars.len().max(1) as f64;
    let slot = (W - LEFT - RIGHT) / n;
    let bw = (slot * 0.6).min(80.0);
    let y = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - (v / max).clamp(0.0, 1.0));
    for (i, b) in bars.iter().enumerate() {
        let cx = LEFT + slot * (i as f64 + 0.5);
        let _ = write!(
            out,
            r##"<rect x="{:.1}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="#60a5fa"><title>{}: {}</title></rect><text x="{cx:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text><text x="{cx:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"##,
            cx - bw / 2.0,
            y(b.value),
            (H - BOTTOM) - y(b.value),
            escape(&b.label),
            short(b.value),
            H - BOTTOM + 14.0,
            escape(&b.label),
            y(b.value) - 4.0,
            short(b.value)
        );
        if let Some((lo, hi)) = b.interval {
            let _ = write!(
                out,
                r##"<g stroke="#111" stroke-width="1.5" class="interval"><line x1="{cx:.1}" x2="{cx:.1}" y1="{:.1}" y2="{:.1}"/><line x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/><line x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/></g>"##,
                y(lo),
                y(hi),
                cx - 6.0,
                cx + 6.0,
                y(lo),
                y(lo),
                cx - 6.0,
                cx + 6.0,
                y(hi),
                y(hi)
            );
        }
    }
    if bars.is_empty() {
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="12" text-anchor="middle">no data yet</text>"#,
            W / 2.0,
            H / 2.0
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_well_formed_and_escaped() {
        let l = line(
            "Events <per day>",
            &[("2026-12-01".into(), 3.0), ("2026-12-02".into(), 10.0)],
        );
        assert!(l.starts_with("<svg") && l.ends_with("</svg>"));
        assert!(l.contains("Events &lt;per day&gt;"));
        assert!(l.contains("<polyline"));
        let b = bars(
            "Conversion",
            &[Bar {
                label: "a&b".into(),
                value: 0.2,
                interval: Some((0.1, 0.3)),
            }],
        );
        assert!(b.contains("a&amp;b") && b.contains("class=\"interval\""));
        assert!(bars("x", &[]).contains("no data yet"));
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(0.26), 0.5);
        // One point and NaN-free output.
        assert!(!line("one", &[("d".into(), 0.0)]).contains("NaN"));
    }
}
