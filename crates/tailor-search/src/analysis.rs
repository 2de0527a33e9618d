//! Text analysis: the one pipeline that turns product text and shopper queries into terms, so the
//! index, the query and the ranker's features always agree on what a word is.
//!
//! Steps: split on punctuation (keeping `1/2`, `2.5` and `1,000` whole, splitting `60in` into
//! `60 in`), lowercase, name units the same way (`in.`, `"` and `inches` after a number all become
//! `inch`), ASCII-fold accents, drop stop words, stem.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, RemoveLongFilter, Stemmer, StopWordFilter, TextAnalyzer,
    TextAnalyzerBuilder, Token, TokenStream, Tokenizer,
};

/// Longest term kept, in bytes; longer runs are noise (hashes, URLs).
pub const MAX_TERM_LEN: usize = 40;

/// Words dropped on top of the language's stop list: `x` is the dimension separator of `2 x 4`.
const EXTRA_STOP_WORDS: [&str; 1] = ["x"];

/// The configured analysis for one index.
#[derive(Clone)]
pub struct Analyzer {
    inner: TextAnalyzer,
    /// The same steps without the stemmer: typos are measured between words as written, since
    /// a stemmer cuts a misspelt word differently from the right one (`chooclate`, `chocolate`).
    raw: TextAnalyzer,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Analyzer")
    }
}

impl Analyzer {
    /// Analysis for `language`: its stemmer and, where tantivy has one, its stop-word list.
    pub fn new(language: Language) -> Self {
        Self {
            inner: unstemmed(language)
                .filter_dynamic(Stemmer::new(language))
                .build(),
            raw: unstemmed(language).build(),
        }
    }
    /// The tantivy analyzer, to register with an index.
    pub fn text_analyzer(&self) -> TextAnalyzer {
        self.inner.clone()
    }

    /// The analyzer without stemming, for the fields fuzzy and prefix terms are matched in.
    pub fn word_analyzer(&self) -> TextAnalyzer {
        self.raw.clone()
    }

    /// The terms of `text`, in order.
    pub fn terms(&self, text: &str) -> Vec<String> {
        collect(&mut self.inner.clone(), text)
    }

    /// The words of `text` before stemming, in order (lowercased, folded, no stop words).
    pub fn words(&self, text: &str) -> Vec<String> {
        collect(&mut self.raw.clone(), text)
    }

    /// Terms and words of `text`, aligned: `words[i]` is `terms[i]` before stemming.
    pub fn terms_and_words(&self, text: &str) -> (Vec<String>, Vec<String>) {
        let terms = self.terms(text);
        let words = self.words(text);
        // The stemmer maps one token to one token, so both lists line up; should a stemmer
        // ever drop one, the stems stand in for the words.
        if words.len() == terms.len() {
            (terms, words)
        } else {
            (terms.clone(), terms)
        }
    }
}

/// Every step but the stemmer.
fn unstemmed(language: Language) -> TextAnalyzerBuilder {
    let builder = TextAnalyzer::builder(ProductTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TERM_LEN + 1))
        .filter(AsciiFoldingFilter)
        .dynamic();
    match language {
        Language::English => builder.filter_dynamic(StopWordFilter::remove(
            english_stop_words()
                .into_iter()
                .chain(EXTRA_STOP_WORDS.map(String::from)),
        )),
        other => match StopWordFilter::new(other) {
            Some(stop) => builder.filter_dynamic(stop),
            None => builder,
        },
    }
}

fn collect(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new(Language::English)
    }
}

fn english_stop_words() -> Vec<String> {
    // tantivy's English list (Lucene's), spelled out so extra words can join it.
    [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
        "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
        "these", "they", "this", "to", "was", "will", "with",
    ]
    .map(String::from)
    .to_vec()
}

/// Whether a term is a number (`12`, `1/2`, `2.5`).
pub fn is_number(term: &str) -> bool {
    term.starts_with(|c: char| c.is_ascii_digit())
        && term
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '/')
}

/// Whether a term is a canonical unit name produced by the tokenizer.
pub fn is_unit(term: &str) -> bool {
    UNITS.iter().any(|(_, canon, _)| *canon == term)
}

/// Unit spellings: (spelling, canonical, only right after a number). Words such as `in` or `v`
/// mean a unit only after a number; the rest are unambiguous anywhere.
const UNITS: &[(&str, &str, bool)] = &[
    ("in", "inch", true),
    ("inch", "inch", false),
    ("inches", "inch", false),
    ("inchs", "inch", false),
    ("ft", "foot", false),
    ("feet", "foot", false),
    ("foot", "foot", false),
    ("lb", "lb", false),
    ("lbs", "lb", false),
    ("pound", "lb", false),
    ("pounds", "lb", false),
    ("oz", "oz", false),
    ("ounce", "oz", false),
    ("ounces", "oz", false),
    ("gal", "gal", false),
    ("gallon", "gal", false),
    ("gallons", "gal", false),
    ("v", "volt", true),
    ("volt", "volt", false),
    ("volts", "volt", false),
    ("w", "watt", true),
    ("watt", "watt", false),
    ("watts", "watt", false),
    ("amp", "amp", false),
    ("amps", "amp", false),
    ("ampere", "amp", false),
    ("qt", "qt", false),
    ("quart", "qt", false),
    ("quarts", "qt", false),
    ("cubic", "cu", false),
    ("cu", "cu", false),
    ("sq", "sq", false),
    ("hp", "hp", false),
    ("horsepower", "hp", false),
    ("btu", "btu", false),
    ("btus", "btu", false),
    ("ga", "gauge", true),
    ("gauge", "gauge", false),
    ("pk", "pack", true),
    ("pack", "pack", false),
    ("ct", "count", true),
    ("pc", "piece", true),
    ("pcs", "piece", true),
    ("yd", "yard", true),
    ("yard", "yard", false),
    ("yards", "yard", false),
    ("mm", "mm", false),
    ("cm", "cm", false),
    ("deg", "degree", true),
    ("degree", "degree", false),
    ("degrees", "degree", false),
];

fn canonical_unit(word: &str, after_number: bool) -> Option<&'static str> {
    UNITS
        .iter()
        .find(|(spelling, _, needs_number)| *spelling == word && (after_number || !needs_number))
        .map(|(_, canon, _)| *canon)
}

/// Splits text into lowercased raw terms with byte offsets; see the module doc.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProductTokenizer;

/// The terms of one text, computed up front.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for ProductTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream {
            tokens: raw_tokens(text),
            next: 0,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Word,
    Number,
}

/// One scanned piece before unit naming.
struct Piece {
    text: String,
    kind: Kind,
    from: usize,
    to: usize,
}

fn raw_tokens(text: &str) -> Vec<Token> {
    let pieces = scan(text);
    let mut tokens: Vec<Token> = Vec::with_capacity(pieces.len());
    let mut prev_number = false;
    for p in pieces {
        let text = match p.kind {
            Kind::Number => normalise_number(&p.text),
            Kind::Word => canonical_unit(&p.text, prev_number)
                .map(String::from)
                .unwrap_or(p.text),
        };
        prev_number = p.kind == Kind::Number;
        tokens.push(Token {
            offset_from: p.from,
            offset_to: p.to,
            position: tokens.len(),
            text,
            position_length: 1,
        });
    }
    tokens
}

/// `0.50` → `0.5`, `2.0` → `2`, `1,000` → `1000` (commas already dropped by the scanner).
fn normalise_number(n: &str) -> String {
    if n.contains('.') && !n.contains('/') {
        let t = n.trim_end_matches('0').trim_end_matches('.');
        if t.is_empty() {
            "0".into()
        } else {
            t.to_string()
        }
    } else {
        n.to_string()
    }
}

fn scan(text: &str) -> Vec<Piece> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(o, _)| o);
    let mut out: Vec<Piece> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (off, c) = chars[i];
        if c == '&' {
            // HTML entities such as `&amp;` and `&#39;` are markup, not words.
            let mut j = i + 1;
            while j < chars.len()
                && j - i <= 8
                && (chars[j].1.is_alphanumeric() || chars[j].1 == '#')
            {
                j += 1;
            }
            if j < chars.len() && chars[j].1 == ';' && j > i + 1 {
                i = j + 1;
                continue;
            }
            i += 1;
            continue;
        }
        if matches!(c, '"' | '”' | '″')
            || (c == '\'' && chars.get(i + 1).is_some_and(|n| n.1 == '\''))
        {
            if out
                .last()
                .is_some_and(|p| p.kind == Kind::Number && p.to == off)
            {
                out.push(Piece {
                    text: "inch".into(),
                    kind: Kind::Word,
                    from: off,
                    to: end_of(i + 1),
                });
            }
            i += if c == '\'' { 2 } else { 1 };
            continue;
        }
        if matches!(c, '\'' | '’' | '′') {
            if out
                .last()
                .is_some_and(|p| p.kind == Kind::Number && p.to == off)
            {
                out.push(Piece {
                    text: "foot".into(),
                    kind: Kind::Word,
                    from: off,
                    to: end_of(i + 1),
                });
            }
            i += 1;
            continue;
        }
        if !c.is_alphanumeric() {
            i += 1;
            continue;
        }
        // One run of letters, or of digits with their inner `.`, `/` and `,`.
        let start = i;
        let mut buf = String::new();
        let kind = if c.is_ascii_digit() {
            Kind::Number
        } else {
            Kind::Word
        };
        while i < chars.len() {
            let c = chars[i].1;
            let next_digit = chars.get(i + 1).is_some_and(|n| n.1.is_ascii_digit());
            match kind {
                Kind::Number if c.is_ascii_digit() => buf.push(c),
                Kind::Number
                    if matches!(c, '.' | '/') && next_digit && !buf.ends_with(['.', '/']) =>
                {
                    buf.push(c)
                }
                Kind::Number if c == ',' && next_digit && thousands_follow(&chars, i + 1) => {}
                Kind::Word if c.is_alphanumeric() && !c.is_ascii_digit() => {
                    buf.extend(c.to_lowercase())
                }
                // An apostrophe inside a word (`men's`) joins it.
                Kind::Word
                    if matches!(c, '\'' | '’')
                        && chars.get(i + 1).is_some_and(|n| n.1.is_alphabetic()) =>
                {
                    if !chars.get(i + 2).is_some_and(|n| n.1.is_alphanumeric()) {
                        // A possessive `'s` is dropped whole.
                        i += 2;
                        break;
                    }
                }
                _ => break,
            }
            i += 1;
        }
        out.push(Piece {
            text: buf,
            kind,
            from: chars[start].0,
            to: end_of(i),
        });
    }
    out.retain(|p| !p.text.is_empty());
    out
}

fn thousands_follow(chars: &[(usize, char)], at: usize) -> bool {
    (at..at + 3).all(|k| chars.get(k).is_some_and(|c| c.1.is_ascii_digit()))
        && !chars.get(at + 3).is_some_and(|c| c.1.is_ascii_digit())
}

/// The edits a term of this many characters may take and still match: 1 from 5, 2 from 9.
pub fn allowed_edits(chars: usize) -> u8 {
    match chars {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Whether `a` and `b` are within `k` edits (insert, delete, substitute, swap neighbours).
pub fn within_edits(a: &str, b: &str, k: u8) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let k = usize::from(k);
    if a.len().abs_diff(b.len()) > k {
        return false;
    }
    if k == 0 {
        return a == b;
    }
    // Optimal string alignment distance over a full table; terms are short (≤ MAX_TERM_LEN).
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, row) in d.chunks_mut(w).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(w).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let mut row_min = usize::MAX;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > k {
            return false;
        }
    }
    d[a.len() * w + b.len()] <= k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(s: &str) -> Vec<String> {
        Analyzer::default().terms(s)
    }

    #[test]
    fn units_are_named_the_same_however_written() {
        assert_eq!(terms("1/2 in. pipe"), terms("1/2\" pipes"));
        assert_eq!(terms("1/2 in. pipe"), ["1/2", "inch", "pipe"]);
        assert_eq!(terms("60in Table"), ["60", "inch", "tabl"]);
        assert_eq!(terms("8 ft. ladder"), terms("8' ladders"));
        assert_eq!(terms("5 lbs"), ["5", "lb"]);
        assert_eq!(terms("20V MAX"), ["20", "volt", "max"]);
    }

    #[test]
    fn numbers_keep_decimals_fractions_and_thousands() {
        assert_eq!(terms("1.28 GPF"), ["1.28", "gpf"]);
        assert_eq!(terms("0.50 cu. ft."), ["0.5", "cu", "foot"]);
        assert_eq!(terms("11,000-Watt"), ["11000", "watt"]);
        assert_eq!(terms("1-1/2 in."), ["1", "1/2", "inch"]);
        assert_eq!(terms("2 in. x 4 in."), ["2", "inch", "4", "inch"]);
    }

    #[test]
    fn stop_words_entities_possessives_and_accents() {
        assert!(terms("the and of in").is_empty());
        assert_eq!(terms("Steves &amp; Sons"), ["steve", "son"]);
        assert_eq!(terms("Men's Boots"), ["men", "boot"]);
        assert_eq!(terms("Crème Brûlée"), terms("creme brulee"));
        assert_eq!(terms("ÉTAGÈRE"), terms("etagere"));
        assert_eq!(terms("in stock"), ["stock"]);
    }

    #[test]
    fn edits_follow_the_length_rule() {
        assert_eq!(allowed_edits(4), 0);
        assert_eq!(allowed_edits(5), 1);
        assert_eq!(allowed_edits(9), 2);
        assert!(within_edits("toilet", "tiolet", 1));
        assert!(within_edits("toilet", "toilt", 1));
        assert!(!within_edits("toilet", "tablet", 1));
        assert!(within_edits("refrigerator", "refridgerater", 2));
        assert!(!within_edits("abc", "abd", 0));
    }
}
