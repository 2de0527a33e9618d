//! Placeholder product pictures for the demo storefront: a small deterministic SVG per product, tinted by its
//! category, with an icon for what it is, its short title and brand, and a sale badge. No external images,
//! so the demo shop looks like a shop offline.

use crate::query::title_words;
use crate::taxonomy::{COLOURS, Icon, Look, find_leaf};
use std::fmt::Write;
use tailor_model::{AttrValue, Product};

/// Canvas size in pixels (square).
const SIZE: u32 = 320;
/// Longest line of the title, in characters, and how many lines fit under the icon.
const LINE_CHARS: usize = 22;
const TITLE_LINES: usize = 2;
/// Saturation and lightness of the background, the icon and the darker details, for the category hue.
const BACKGROUND: (u32, u32) = (55, 92);
const ACCENT: (u32, u32) = (45, 48);
const DETAIL: (u32, u32) = (40, 30);
/// The palette colour too pale to draw without an outline.
const PALE_COLOUR: &str = "White";
/// Hues of the fallback looks for products from outside the demo taxonomy.
const FALLBACK_HUE_STEPS: u32 = 360;

/// A square SVG picture of `p`. The same product always gives the same bytes.
pub fn render_product_svg(p: &Product) -> String {
    let look = p
        .categories
        .first()
        .and_then(|path| find_leaf(path))
        .map(|leaf| leaf.look)
        .unwrap_or_else(|| fallback_look(p));
    let hue = u32::from(look.hue);
    let hsl = |(s, l): (u32, u32)| format!("hsl({hue},{s}%,{l}%)");
    let colour = match p.attributes.get("colour") {
        Some(AttrValue::Text(name)) => COLOURS.iter().find(|(n, _)| n == name),
        _ => None,
    };
    // A white product would vanish into the pale background without an outline.
    let outline = colour.is_some_and(|(name, _)| *name == PALE_COLOUR);
    let colour = colour.map(|(_, hex)| hex.to_string());
    let main = colour.unwrap_or_else(|| hsl(ACCENT));
    let detail = hsl(DETAIL);
    let title = short_title(p);
    let mut svg = String::with_capacity(2048);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}" role="img" aria-label="{}">"#,
        escape(&p.title)
    );
    let _ = write!(
        svg,
        r#"<rect width="{SIZE}" height="{SIZE}" rx="24" fill="{}"/>"#,
        hsl(BACKGROUND)
    );
    svg.push_str(r##"<circle cx="160" cy="128" r="96" fill="#ffffff" opacity="0.6"/>"##);
    let stroke = if outline {
        format!(r#" stroke="{detail}" stroke-width="2""#)
    } else {
        String::new()
    };
    let _ = write!(
        svg,
        r#"<g transform="translate(160 128)"{stroke}>{}</g>"#,
        icon(look.icon, &main, &detail)
    );
    let font = r#"font-family="Helvetica,Arial,sans-serif" text-anchor="middle""#;
    for (i, line) in wrap(&title).iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="160" y="{}" {font} font-size="17" font-weight="600" fill="#2d2d2d">{}</text>"##,
            252 + 21 * i,
            escape(line)
        );
    }
    if let Some(brand) = &p.brand {
        let _ = write!(
            svg,
            r#"<text x="160" y="302" {font} font-size="11" letter-spacing="1.5" fill="{detail}">{}</text>"#,
            escape(&brand.to_uppercase())
        );
    }
    if let (Some(price), Some(sale)) = (p.price, p.sale_price)
        && price > 0.0
        && sale < price
    {
        let off = ((1.0 - sale / price) * 100.0).round();
        let _ = write!(
            svg,
            r##"<rect x="226" y="16" width="78" height="30" rx="15" fill="#d64541"/><text x="265" y="36" {font} font-size="14" font-weight="700" fill="#ffffff">−{off}%</text>"##
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A look for products outside the demo taxonomy: a hue from the root category's name, a box icon.
fn fallback_look(p: &Product) -> Look {
    let key = p
        .categories
        .first()
        .and_then(|c| c.first())
        .map_or(p.title.as_str(), String::as_str);
    let hue = key
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % FALLBACK_HUE_STEPS;
    Look {
        hue: hue as u16,
        icon: Icon::Box,
    }
}

/// The title without pack size or variant suffix: what fits under a picture.
fn short_title(p: &Product) -> String {
    let words = title_words(&p.title);
    if words.is_empty() {
        p.title.clone()
    } else {
        words.join(" ")
    }
}

/// Up to [`TITLE_LINES`] lines of at most [`LINE_CHARS`] characters, the last one ending in "…" if cut.
fn wrap(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut cut = false;
    for word in text.split_whitespace() {
        let fits =
            current.is_empty() || current.chars().count() + 1 + word.chars().count() <= LINE_CHARS;
        if !fits {
            lines.push(std::mem::take(&mut current));
            if lines.len() == TITLE_LINES {
                cut = true;
                break;
            }
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !cut && !current.is_empty() {
        lines.push(current);
    }
    if let Some(last) = lines.last_mut() {
        if last.chars().count() > LINE_CHARS {
            *last = last.chars().take(LINE_CHARS - 1).collect();
            cut = true;
        }
        if cut {
            last.push('…');
        }
    }
    lines
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The icon's shapes, drawn around (0, 0) within about ±75 pixels, in `main` with `detail` accents.
fn icon(icon: Icon, main: &str, detail: &str) -> String {
    let w = "#ffffff";
    match icon {
        Icon::Jar => format!(
            r#"<rect x="-42" y="-40" width="84" height="100" rx="16" fill="{main}"/><rect x="-48" y="-62" width="96" height="26" rx="7" fill="{detail}"/><rect x="-30" y="-8" width="60" height="38" rx="5" fill="{w}" opacity="0.85"/>"#
        ),
        Icon::Bag => format!(
            r#"<path d="M-48 -50 L48 -50 L56 66 L-56 66 Z" fill="{main}"/><path d="M-48 -50 l8 -12 l8 12 l8 -12 l8 12 l8 -12 l8 12 l8 -12 l8 12 l8 -12 l8 12 l8 -12 l8 12 Z" fill="{detail}"/><circle cx="0" cy="12" r="26" fill="{w}" opacity="0.85"/>"#
        ),
        Icon::Bottle => format!(
            r#"<rect x="-13" y="-76" width="26" height="16" rx="3" fill="{detail}"/><path d="M-12 -62 h24 v18 q28 12 28 40 v80 q0 8 -8 8 h-64 q-8 0 -8 -8 v-80 q0 -28 28 -40 z" fill="{main}"/><rect x="-30" y="10" width="60" height="40" rx="5" fill="{w}" opacity="0.85"/>"#
        ),
        Icon::Carton => format!(
            r#"<path d="M-38 -38 L-20 -70 H20 L38 -38 Z" fill="{detail}"/><rect x="-38" y="-38" width="76" height="108" rx="4" fill="{main}"/><path d="M-38 10 q19 -14 38 0 t38 0 v20 h-76 z" fill="{w}" opacity="0.85"/>"#
        ),
        Icon::Cup => format!(
            r#"<path d="M-20 -40 q-8 -12 0 -24 M0 -40 q-8 -12 0 -24 M20 -40 q-8 -12 0 -24" stroke="{detail}" stroke-width="5" fill="none" stroke-linecap="round"/><path d="M-50 -26 h84 v42 q0 42 -42 42 q-42 0 -42 -42 z" fill="{main}"/><path d="M34 -12 q30 0 30 22 q0 22 -30 22" fill="none" stroke="{main}" stroke-width="9"/><rect x="-62" y="58" width="108" height="8" rx="4" fill="{detail}"/>"#
        ),
        Icon::Bar => format!(
            r#"<g transform="rotate(-10)"><rect x="-62" y="-42" width="124" height="84" rx="8" fill="{detail}"/><rect x="-56" y="-36" width="34" height="34" rx="4" fill="{main}"/><rect x="-17" y="-36" width="34" height="34" rx="4" fill="{main}"/><rect x="22" y="-36" width="34" height="34" rx="4" fill="{main}"/><rect x="-56" y="3" width="34" height="34" rx="4" fill="{main}"/><rect x="-17" y="3" width="34" height="34" rx="4" fill="{main}"/><rect x="22" y="3" width="34" height="34" rx="4" fill="{main}"/></g>"#
        ),
        Icon::Box => format!(
            r#"<rect x="-44" y="-66" width="88" height="136" rx="5" fill="{main}"/><rect x="-44" y="-66" width="88" height="20" rx="5" fill="{detail}"/><circle cx="0" cy="10" r="28" fill="{w}" opacity="0.85"/>"#
        ),
        Icon::Loaf => format!(
            r#"<path d="M-66 8 q0 -56 66 -56 q66 0 66 56 v40 q0 10 -10 10 h-112 q-10 0 -10 -10 z" fill="{main}"/><path d="M-30 -30 l14 22 M0 -36 l14 22 M30 -30 l14 22" stroke="{detail}" stroke-width="6" stroke-linecap="round"/>"#
        ),
        Icon::Wedge => format!(
            r#"<path d="M-70 50 L60 -40 L70 50 Z" fill="{main}"/><path d="M-70 50 L60 -40 L60 -52 L-70 38 Z" fill="{detail}"/><circle cx="20" cy="22" r="10" fill="{detail}" opacity="0.5"/><circle cx="48" cy="0" r="7" fill="{detail}" opacity="0.5"/><circle cx="-10" cy="38" r="6" fill="{detail}" opacity="0.5"/>"#
        ),
        Icon::Can => format!(
            r#"<rect x="-42" y="-56" width="84" height="116" rx="8" fill="{main}"/><ellipse cx="0" cy="-56" rx="42" ry="10" fill="{detail}"/><ellipse cx="0" cy="60" rx="42" ry="10" fill="{detail}"/><rect x="-42" y="-20" width="84" height="44" fill="{w}" opacity="0.85"/>"#
        ),
        Icon::Fruit => format!(
            r#"<circle cx="0" cy="12" r="54" fill="{main}"/><path d="M0 -40 q4 -18 14 -26" stroke="{detail}" stroke-width="6" fill="none" stroke-linecap="round"/><path d="M6 -48 q26 -22 46 -6 q-24 20 -46 6 z" fill="{detail}"/><circle cx="-20" cy="-6" r="12" fill="{w}" opacity="0.4"/>"#
        ),
        Icon::Fish => format!(
            r#"<path d="M-66 0 q40 -52 96 0 q-56 52 -96 0 z" fill="{main}"/><path d="M26 0 l44 -32 v64 z" fill="{main}"/><circle cx="-38" cy="-8" r="6" fill="{detail}"/><path d="M-10 -22 q10 22 0 44" stroke="{detail}" stroke-width="4" fill="none"/>"#
        ),
        Icon::Sack => format!(
            r#"<path d="M-28 -50 q-36 30 -36 76 q0 44 64 44 q64 0 64 -44 q0 -46 -36 -76 z" fill="{main}"/><path d="M-30 -62 h60 l-8 14 h-44 z" fill="{detail}"/><circle cx="0" cy="20" r="24" fill="{w}" opacity="0.85"/>"#
        ),
        Icon::Glass => format!(
            r#"<path d="M-38 -68 h76 q4 60 -38 76 q-42 -16 -38 -76 z" fill="{main}"/><rect x="-4" y="6" width="8" height="50" fill="{detail}"/><rect x="-32" y="54" width="64" height="10" rx="5" fill="{detail}"/><path d="M-34 -50 h68" stroke="{w}" stroke-width="3" opacity="0.6"/>"#
        ),
        Icon::Tube => format!(
            r#"<path d="M-40 -62 h80 l-16 112 h-48 z" fill="{main}"/><rect x="-20" y="50" width="40" height="22" rx="4" fill="{detail}"/><rect x="-40" y="-66" width="80" height="10" rx="3" fill="{detail}"/><rect x="-24" y="-30" width="48" height="40" rx="5" fill="{w}" opacity="0.85"/>"#
        ),
        Icon::Pan => format!(
            r#"<circle cx="-16" cy="0" r="54" fill="{detail}"/><circle cx="-16" cy="0" r="44" fill="{main}"/><rect x="34" y="-8" width="44" height="16" rx="8" fill="{detail}"/>"#
        ),
        Icon::Spray => format!(
            r#"<path d="M-12 -74 h34 v14 h-14 v10 h-20 z" fill="{detail}"/><path d="M-22 -50 h40 l10 26 v88 q0 8 -8 8 h-52 q-8 0 -8 -8 v-88 z" fill="{main}"/><rect x="-22" y="2" width="48" height="40" rx="5" fill="{w}" opacity="0.85"/>"#
        ),
        Icon::Candle => format!(
            r##"<path d="M0 -72 q14 18 0 30 q-14 -12 0 -30 z" fill="#f2a93b"/><rect x="-2" y="-44" width="4" height="10" fill="{detail}"/><rect x="-40" y="-34" width="80" height="100" rx="10" fill="{main}"/><rect x="-40" y="10" width="80" height="24" fill="{w}" opacity="0.7"/>"##
        ),
        Icon::Shirt => format!(
            r#"<path d="M-30 -62 L-70 -40 L-54 -6 L-40 -14 V66 H40 V-14 L54 -6 L70 -40 L30 -62 Q0 -38 -30 -62 Z" fill="{main}" stroke="{detail}" stroke-width="3" stroke-linejoin="round"/>"#
        ),
        Icon::Shoe => format!(
            r#"<path d="M-72 22 Q-72 -10 -52 -14 L-22 -20 Q-4 -44 20 -38 L30 -12 Q64 -2 74 22 Z" fill="{main}" stroke="{detail}" stroke-width="3" stroke-linejoin="round"/><rect x="-76" y="22" width="154" height="16" rx="8" fill="{detail}"/><path d="M-14 -22 l14 10 M-2 -30 l14 10" stroke="{w}" stroke-width="4" stroke-linecap="round"/>"#
        ),
        Icon::Sock => format!(
            r#"<path d="M-22 -70 h44 v70 l30 22 q18 16 2 34 q-14 14 -32 2 l-52 -40 q-10 -8 -10 -22 z" fill="{main}" stroke="{detail}" stroke-width="3" stroke-linejoin="round"/><rect x="-22" y="-70" width="44" height="16" fill="{detail}"/>"#
        ),
        Icon::Paw => format!(
            r#"<ellipse cx="0" cy="26" rx="36" ry="30" fill="{main}"/><ellipse cx="-42" cy="-14" rx="13" ry="17" fill="{main}"/><ellipse cx="-16" cy="-40" rx="13" ry="17" fill="{main}"/><ellipse cx="16" cy="-40" rx="13" ry="17" fill="{main}"/><ellipse cx="42" cy="-14" rx="13" ry="17" fill="{main}"/>"#
        ),
        Icon::Gadget => format!(
            r#"<rect x="-34" y="-66" width="68" height="126" rx="12" fill="{detail}"/><rect x="-28" y="-56" width="56" height="98" rx="4" fill="{main}"/><circle cx="0" cy="50" r="5" fill="{w}"/>"#
        ),
        Icon::Snowflake => format!(
            r#"<g stroke="{main}" stroke-width="10" stroke-linecap="round"><path d="M0 -66 V66 M-57 -33 L57 33 M-57 33 L57 -33"/></g><g stroke="{detail}" stroke-width="6" stroke-linecap="round" fill="none"><path d="M-14 -52 L0 -40 L14 -52 M-14 52 L0 40 L14 52"/></g><circle cx="0" cy="0" r="12" fill="{detail}"/>"#
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::generate_catalog;
    use tailor_model::ProductId;

    #[test]
    fn every_product_gets_a_small_well_formed_picture() {
        for p in generate_catalog(8, 600) {
            let svg = render_product_svg(&p);
            assert!(
                svg.starts_with("<svg") && svg.ends_with("</svg>"),
                "{}",
                p.id
            );
            assert!(svg.len() < 4096, "{} is {} bytes", p.id, svg.len());
            assert_eq!(svg.matches('<').count(), svg.matches('>').count());
            assert_eq!(svg, render_product_svg(&p));
        }
    }

    #[test]
    fn titles_are_escaped_and_wrapped() {
        let mut p = Product::new(
            ProductId::new("x").unwrap(),
            "Fish & Chips <deluxe> \"extra\" crispy golden batter edition",
        );
        p.categories = vec![vec!["Elsewhere".into()]];
        let svg = render_product_svg(&p);
        assert!(svg.contains("Fish &amp; Chips &lt;deluxe&gt;"));
        assert!(!svg.contains("<deluxe>"));
        let lines = wrap("a very long product title that goes on and on and on");
        assert_eq!(lines.len(), TITLE_LINES);
        assert!(lines.iter().all(|l| l.chars().count() <= LINE_CHARS + 1));
        assert!(lines[1].ends_with('…'));
        assert_eq!(wrap("Short"), ["Short"]);
    }
}
