//! Messages as HTML and plain text, from templates compiled into the binary. The HTML template
//! escapes every value (product titles come from feeds); the text one does not need to.

use minijinja::{AutoEscape, Environment};
use serde::Serialize;

/// One product line of a message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// Product id.
    pub product_id: String,
    /// Display title.
    pub title: String,
    /// Formatted price, if known.
    pub price: Option<String>,
    /// The tracked link.
    pub link: String,
    /// The tracking code the link carries.
    pub tracking: String,
    /// The shopper's cycle in days (due items only).
    pub cycle_days: Option<u32>,
}

/// Everything a reminder shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reminder {
    /// Subject line.
    pub subject: String,
    /// Items due.
    pub due: Vec<Line>,
    /// Personalized recommendations.
    pub recommended: Vec<Line>,
    /// The unsubscribe link.
    pub unsubscribe: String,
}

/// Everything a wishlist alert shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Subject line.
    pub subject: String,
    /// The listed products that got cheaper or came back, with what changed in the title.
    pub items: Vec<Line>,
    /// The unsubscribe link.
    pub unsubscribe: String,
}

fn env() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    // minijinja's HTML escaping also escapes `/`, which garbles every link; this escapes the
    // five characters that matter in text and quoted attributes, and nothing else.
    env.set_formatter(|out, state, value| {
        if !matches!(state.auto_escape(), AutoEscape::Html) || value.is_safe() {
            return minijinja::escape_formatter(out, state, value);
        }
        if value.is_undefined() || value.is_none() {
            return Ok(());
        }
        out.write_str(&escape_html(&value.to_string()))
            .map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write failed"))
    });
    env.add_template("reminder.html", include_str!("templates/reminder.html"))
        .expect("the embedded HTML template parses");
    env.add_template("reminder.txt", include_str!("templates/reminder.txt"))
        .expect("the embedded text template parses");
    env.add_template("alert.html", include_str!("templates/alert.html"))
        .expect("the embedded HTML template parses");
    env.add_template("alert.txt", include_str!("templates/alert.txt"))
        .expect("the embedded text template parses");
    env
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The (HTML, text) bodies of a reminder.
pub fn reminder(r: &Reminder) -> Result<(String, String), minijinja::Error> {
    let env = env();
    let html = env.get_template("reminder.html")?.render(r)?;
    let text = env.get_template("reminder.txt")?.render(r)?;
    Ok((html, text))
}

/// The (HTML, text) bodies of a wishlist alert.
pub fn alert(a: &Alert) -> Result<(String, String), minijinja::Error> {
    let env = env();
    let html = env.get_template("alert.html")?.render(a)?;
    let text = env.get_template("alert.txt")?.render(a)?;
    Ok((html, text))
}

/// A price for display: two decimals and the currency code when known.
pub fn price(amount: Option<f64>, currency: Option<&str>) -> Option<String> {
    let a = amount.filter(|a| a.is_finite())?;
    Some(match currency {
        Some(c) => format!("{a:.2} {c}"),
        None => format!("{a:.2}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(title: &str) -> Line {
        Line {
            product_id: "p1".into(),
            title: title.into(),
            price: price(Some(2.5), Some("EUR")),
            link: "https://shop.example/p1?tailor_code=r:due:0".into(),
            tracking: "r:due:0".into(),
            cycle_days: Some(7),
        }
    }

    #[test]
    fn both_bodies_hold_every_item_and_html_is_escaped() {
        let r = Reminder {
            subject: "Time to stock up".into(),
            due: vec![line("Oat <milk> & \"honey\"")],
            recommended: vec![line("Crème fraîche 🥛")],
            unsubscribe: "http://t/v1/unsubscribe/abc".into(),
        };
        let (html, text) = reminder(&r).unwrap();
        assert!(
            html.contains("Oat &lt;milk&gt; &amp; &quot;honey&quot;"),
            "{html}"
        );
        assert!(!html.contains("<milk>"));
        assert!(
            text.contains("Oat <milk> & \"honey\" (2.50 EUR), usually every 7 days"),
            "{text}"
        );
        for body in [&html, &text] {
            assert!(body.contains("Crème fraîche 🥛"));
            assert!(body.contains("http://t/v1/unsubscribe/abc"));
            assert!(body.contains("2.50 EUR"));
        }
        let empty = Reminder {
            recommended: vec![],
            ..r
        };
        let (html, text) = reminder(&empty).unwrap();
        assert!(!html.contains("You may also like") && !text.contains("You may also like"));
    }
}
