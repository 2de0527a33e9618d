//! Field-level parsing shared by every input shape (JSON, Merchant columns, XML elements, the
//! dataset mappings): prices with currencies, availability, category paths, booleans, times,
//! and the final check that runs [`Product::validate`] plus the limits it does not cover.

use std::collections::HashSet;
use tailor_model::limits::{MAX_ID_LEN, MAX_LIST_LEN, MAX_TEXT_LEN};
use tailor_model::{AttrValue, Availability, FieldError, Millis, Product, ProductId};

/// Separator of category levels in a path written as one string: `Food > Snacks > Nuts`.
pub(crate) const PATH_SEPARATOR: char = '>';

/// Shows a user's value inside an error message: quoted, escaped, and cut to a readable length.
pub(crate) fn show(s: &str) -> String {
    const MAX_CHARS: usize = 40;
    let mut cut: String = s.chars().take(MAX_CHARS).collect();
    if cut.len() < s.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

/// A price as shops write it: `12.99`, `12.99 USD`, `USD 12.99`, `12.99USD`.
/// Returns the amount and the currency code (upper-cased) when one is written.
pub(crate) fn parse_price(raw: &str) -> Result<(f64, Option<String>), String> {
    let s = raw.trim();
    let bad = |hint: &str| format!("must be a number >= 0, got {}{hint}", show(raw));
    let (num, code) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        None => (s, None),
        Some(0) => {
            let end = s
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(s.len());
            (s[end..].trim(), Some(&s[..end]))
        }
        Some(i) => (s[..i].trim(), Some(s[i..].trim())),
    };
    let amount = parse_amount(num).map_err(bad)?;
    let code = match code {
        None => None,
        Some(c) => Some(parse_currency(c).map_err(|_| {
            format!(
                "must be an amount with an optional 3-letter currency code like \"12.99 USD\", \
                 got {}",
                show(raw)
            )
        })?),
    };
    Ok((amount, code))
}

/// The numeric part of a price: plain decimal digits with at most one `.`.
/// Returns a hint for the error message when it is not one.
fn parse_amount(num: &str) -> Result<f64, &'static str> {
    if num.starts_with('-') {
        return Err("");
    }
    if num.contains(',') {
        return Err(" (use a period as the decimal separator and no thousands separator)");
    }
    let digits = num.bytes().filter(u8::is_ascii_digit).count();
    let dots = num.bytes().filter(|&b| b == b'.').count();
    if digits == 0 || dots > 1 || digits + dots != num.len() {
        return Err("");
    }
    match num.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(""),
    }
}

/// A JSON number used as a price.
pub(crate) fn check_amount(v: f64, shown: &str) -> Result<f64, String> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!("must be a number >= 0, got {shown}"))
    }
}

/// An ISO 4217 code, upper-cased.
pub(crate) fn parse_currency(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.len() == 3 && s.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(s.to_ascii_uppercase())
    } else {
        Err(format!(
            "must be a 3-letter ISO 4217 code, got {}",
            show(raw)
        ))
    }
}

/// Availability in any of the spellings [`Availability::parse`] knows.
pub(crate) fn parse_availability(raw: &str) -> Result<Availability, String> {
    Availability::parse(raw).ok_or_else(|| {
        format!(
            "must be one of in_stock, out_of_stock, preorder, backorder, got {}",
            show(raw)
        )
    })
}

/// `true`/`false` as shops write them.
pub(crate) fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// A whole number of stock units, from text such as `12` or `12.0`.
pub(crate) fn parse_stock(raw: &str) -> Result<i64, String> {
    let s = raw.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err(format!("must be a whole number, got {}", show(raw))),
    }
}

/// `Food > Snacks > Nuts` into `["Food", "Snacks", "Nuts"]`, dropping empty levels.
pub(crate) fn split_path(s: &str) -> Vec<String> {
    s.split(PATH_SEPARATOR)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Adds a path unless it is empty or already there.
pub(crate) fn push_path(paths: &mut Vec<Vec<String>>, path: Vec<String>) {
    if !path.is_empty() && !paths.contains(&path) {
        paths.push(path);
    }
}

/// A product to fill in. Its placeholder id is replaced once the real one is read; when the real
/// one is missing or invalid an error is recorded, so the placeholder never escapes.
pub(crate) fn blank(index: Option<usize>) -> Result<Product, Vec<FieldError>> {
    ProductId::new("_")
        .map(|id| Product::new(id, ""))
        .map_err(|e| vec![FieldError::new(index, "id", e.to_string())])
}

/// A trimmed, non-empty string, or `None`.
pub(crate) fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Milliseconds since the epoch from an RFC 3339 time (`2024-05-01T12:00:00Z`,
/// `2024-05-01 12:00:00.250+02:00`) or a plain date (`2024-05-01`, taken as UTC midnight).
pub(crate) fn parse_time(raw: &str) -> Option<Millis> {
    let s = raw.trim().as_bytes();
    let num = |a: usize, b: usize| -> Option<i64> {
        let part = s.get(a..b)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    if s.get(4) != Some(&b'-') || s.get(7) != Some(&b'-') {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    if !(1..=12).contains(&mo) || !(1..=days_in_month(y, mo)).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    if s.len() == 10 {
        return Some(days * 86_400_000);
    }
    if !matches!(s.get(10), Some(b'T' | b't' | b' ')) || s.get(13) != Some(&b':') {
        return None;
    }
    let (h, mi) = (num(11, 13)?, num(14, 16)?);
    let (sec, mut i) = if s.get(16) == Some(&b':') {
        (num(17, 19)?, 19)
    } else {
        (0, 16)
    };
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut ms = 0i64;
    if s.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let frac = &s[start..i.min(start + 3)];
        let v: i64 = std::str::from_utf8(frac).ok()?.parse().ok()?;
        ms = v * 10i64.pow(3 - frac.len() as u32);
    }
    let offset_min = match s.get(i..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), ..] if s.len() == i + 6 && s[i + 3] == b':' => {
            let oh = num(i + 1, i + 3)?;
            let om = num(i + 4, i + 6)?;
            let m = oh * 60 + om;
            if *sign == b'-' { -m } else { m }
        }
        _ => return None,
    };
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    Some(secs * 1000 + ms)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Appends one value to a free attribute: the first value is kept as text, a second one
/// turns the attribute into a list (repeated XML elements, duplicate columns).
pub(crate) fn add_attr_text(p: &mut Product, name: &str, value: String) {
    match p.attributes.get_mut(name) {
        None => {
            p.attributes
                .insert(name.to_string(), AttrValue::Text(value));
        }
        Some(AttrValue::List(items)) => items.push(value),
        Some(existing) => {
            let first = match std::mem::replace(existing, AttrValue::List(Vec::new())) {
                AttrValue::Text(t) => t,
                AttrValue::Number(n) => n.to_string(),
                AttrValue::List(_) => String::new(),
            };
            *existing = AttrValue::List(vec![first, value]);
        }
    }
}

/// The limits [`Product::validate`] does not check: list entries and attributes.
fn check_entries(p: &Product, index: Option<usize>, errs: &mut Vec<FieldError>) {
    let mut err = |field: String, reason: String| errs.push(FieldError::new(index, field, reason));
    let long = format!("longer than {MAX_TEXT_LEN} bytes");
    for (i, path) in p.categories.iter().enumerate() {
        if path.is_empty() {
            err(
                format!("categories[{i}]"),
                "must not be an empty path".into(),
            );
        }
        if path.len() > MAX_LIST_LEN {
            err(
                format!("categories[{i}]"),
                format!("more than {MAX_LIST_LEN} levels"),
            );
        }
        if let Some(j) = path.iter().position(|l| l.len() > MAX_TEXT_LEN) {
            err(format!("categories[{i}][{j}]"), long.clone());
        }
    }
    let lists: [(&str, &[String]); 3] = [
        ("tags", &p.tags),
        ("diets", &p.diets),
        ("allergens", p.allergens.as_deref().unwrap_or_default()),
    ];
    for (field, items) in lists {
        if let Some(j) = items.iter().position(|t| t.len() > MAX_TEXT_LEN) {
            err(format!("{field}[{j}]"), long.clone());
        }
    }
    for (name, value) in &p.attributes {
        if name.trim().is_empty() || name.len() > MAX_ID_LEN || name.chars().any(char::is_control) {
            err(
                format!("attributes.{name}"),
                format!(
                    "attribute names must be 1 to {MAX_ID_LEN} bytes without control characters"
                ),
            );
            continue;
        }
        match value {
            AttrValue::Text(t) if t.len() > MAX_TEXT_LEN => {
                err(format!("attributes.{name}"), long.clone());
            }
            AttrValue::List(items) if items.len() > MAX_LIST_LEN => err(
                format!("attributes.{name}"),
                format!("more than {MAX_LIST_LEN} entries"),
            ),
            AttrValue::List(items) => {
                if let Some(j) = items.iter().position(|t| t.len() > MAX_TEXT_LEN) {
                    err(format!("attributes.{name}[{j}]"), long.clone());
                }
            }
            _ => {}
        }
    }
}

/// Ends every parse: adds the errors of [`Product::validate`] and of the entry limits to the
/// errors already found (skipping fields that already have one, so each field is named once),
/// and renames fields through `rename` so that messages use the source's own names
/// (`image_link` in a Merchant feed, `image_url` in JSON).
pub(crate) fn finish(
    p: Product,
    mut errs: Vec<FieldError>,
    index: Option<usize>,
    rename: &dyn Fn(&str) -> Option<&'static str>,
) -> Result<Product, Vec<FieldError>> {
    let mut more = p.validate(index);
    check_entries(&p, index, &mut more);
    for e in &mut more {
        if let Some(name) = rename(&e.field) {
            e.field = name.to_string();
        }
    }
    let seen: HashSet<String> = errs.iter().map(|e| e.field.clone()).collect();
    errs.extend(more.into_iter().filter(|e| !seen.contains(&e.field)));
    if errs.is_empty() { Ok(p) } else { Err(errs) }
}

/// No renaming: Tailor's own field names.
pub(crate) fn same_names(_: &str) -> Option<&'static str> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_in_shop_spellings() {
        assert_eq!(parse_price("12.50"), Ok((12.5, None)));
        assert_eq!(parse_price(" 12.50 eur "), Ok((12.5, Some("EUR".into()))));
        assert_eq!(parse_price("USD 3"), Ok((3.0, Some("USD".into()))));
        assert_eq!(parse_price("3USD"), Ok((3.0, Some("USD".into()))));
        assert_eq!(parse_price(".5"), Ok((0.5, None)));
        for bad in [
            "abc", "", "-1", "1.2.3", "NaN", "inf", "1e5", "$3", "12 EURO", "1 2",
        ] {
            assert!(parse_price(bad).is_err(), "{bad} should fail");
        }
        let e = parse_price("12,50 EUR").unwrap_err();
        assert!(e.contains("period"), "{e}");
        assert_eq!(
            parse_price("abc").unwrap_err(),
            "must be a number >= 0, got \"abc\""
        );
        assert!(parse_price(&"9".repeat(400)).is_err());
    }

    #[test]
    fn times_parse_rfc3339_and_dates() {
        assert_eq!(parse_time("1970-01-01"), Some(0));
        assert_eq!(parse_time("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(parse_time("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_time("2000-03-01 00:00:00.25Z"), Some(951_868_800_250));
        assert_eq!(parse_time("2024-02-29"), Some(1_709_164_800_000));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "yesterday",
            "2024-01-01T25:00Z",
            "2024-01-01T",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn paths_split_and_trim() {
        assert_eq!(
            split_path(" Food >Snacks>  > Nuts "),
            ["Food", "Snacks", "Nuts"]
        );
        assert!(split_path(" > ").is_empty());
    }

    #[test]
    fn stock_and_bools() {
        assert_eq!(parse_stock("12"), Ok(12));
        assert_eq!(parse_stock("-3"), Ok(-3));
        assert_eq!(parse_stock("4.0"), Ok(4));
        assert!(parse_stock("4.5").is_err());
        assert_eq!(parse_bool("Yes"), Some(true));
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn repeated_attributes_become_lists() {
        let mut p = Product::new(tailor_model::ProductId::new("a").unwrap(), "t");
        add_attr_text(&mut p, "img", "1".into());
        assert_eq!(p.attributes["img"], AttrValue::Text("1".into()));
        add_attr_text(&mut p, "img", "2".into());
        add_attr_text(&mut p, "img", "3".into());
        assert_eq!(
            p.attributes["img"],
            AttrValue::List(vec!["1".into(), "2".into(), "3".into()])
        );
    }
}
