//! Google Merchant RSS 2.0 / Atom 1.0 feeds, streamed one `<item>` (or `<entry>`) at a time.
//!
//! Elements in the Google namespace (`http://base.google.com/ns/1.0`, usually prefixed `g:`;
//! an undeclared `g:` prefix is accepted too) and plain RSS elements (`<title>`, `<link>`,
//! `<description>`) are handed to the Merchant mapping as `(name, text)` pairs; where both exist
//! the `g:` one wins. Atom's `<link href="..."/>` gives the link. Nested elements (such as
//! `<g:shipping>`) become their text joined with spaces. Rows are the line `<item>` opens on.
//! Malformed XML stops the feed with the line where the parser gave up.

use crate::error::RowError;
use crate::input::{BUF_SIZE, Guard, LineCounter, MAX_RECORD_BYTES, Meter};
use crate::merchant::merchant_product;
use crate::reader::Row;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use std::io::BufReader;
use std::sync::Arc;

/// The Google Merchant namespace.
const GOOGLE_NS: &[u8] = b"http://base.google.com/ns/1.0";

type Source = LineCounter<BufReader<Guard>>;

/// An `<item>` being read.
struct Item {
    line: usize,
    /// Depth of the `<item>` element itself.
    depth: usize,
    pairs: Vec<(String, String)>,
    /// The child element being read: its name and text so far.
    field: Option<(String, String)>,
    /// Whether that child has elements inside (its whitespace is then layout, not content).
    nested: bool,
}

pub(crate) struct XmlRows {
    reader: NsReader<Source>,
    meter: Arc<Meter>,
    buf: Vec<u8>,
    depth: usize,
    root_checked: bool,
    item: Option<Item>,
    done: bool,
}

impl XmlRows {
    pub(crate) fn new(input: Guard, meter: Arc<Meter>) -> Self {
        let mut reader =
            NsReader::from_reader(LineCounter::new(BufReader::with_capacity(BUF_SIZE, input)));
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        Self {
            reader,
            meter,
            buf: Vec::new(),
            depth: 0,
            root_checked: false,
            item: None,
            done: false,
        }
    }

    fn line(&self) -> usize {
        self.reader.get_ref().line()
    }

    fn fatal(&mut self, reason: String) -> Option<Result<Row, RowError>> {
        self.done = true;
        let row = self.item.as_ref().map_or_else(|| self.line(), |i| i.line);
        Some(Err(RowError::fatal(row, reason)))
    }

    /// Appends text to the field being read, if any.
    fn text(&mut self, s: &str) {
        if let Some(item) = &mut self.item
            && let Some((_, value)) = &mut item.field
        {
            value.push_str(s);
        }
    }
}

/// Whether a resolved namespace is Google's (an undeclared `g:` prefix counts).
fn is_google(ns: &ResolveResult<'_>) -> bool {
    match ns {
        ResolveResult::Bound(n) => n.as_ref() == GOOGLE_NS,
        ResolveResult::Unknown(prefix) => prefix.as_slice() == b"g",
        ResolveResult::Unbound => false,
    }
}

/// The name to give the Merchant mapping: `g:local` for the Google namespace, else `local`.
fn field_name(google: bool, local: &[u8]) -> String {
    let local = String::from_utf8_lossy(local);
    if google {
        format!("g:{local}")
    } else {
        local.into_owned()
    }
}

impl Iterator for XmlRows {
    type Item = Result<Row, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.buf.clear();
            // Owned, so that the buffer is free while the item is updated.
            let (google, ev) = match self.reader.read_resolved_event_into(&mut self.buf) {
                Ok((ns, ev)) => (is_google(&ns), ev.into_owned()),
                Err(e) => {
                    let line = self.line();
                    let reason = if self.meter.tripped() {
                        format!("an item near line {line} is larger than {MAX_RECORD_BYTES} bytes")
                    } else {
                        format!("malformed XML near line {line}: {e}")
                    };
                    return self.fatal(reason);
                }
            };
            match ev {
                Event::Start(ref start) | Event::Empty(ref start) if !self.root_checked => {
                    self.root_checked = true;
                    let local = start.local_name();
                    let root = String::from_utf8_lossy(local.as_ref()).into_owned();
                    if root != "rss" && root != "feed" {
                        return self.fatal(format!(
                            "the root element is <{root}>; a Merchant XML feed is RSS 2.0 (<rss>) \
                             or Atom 1.0 (<feed>)"
                        ));
                    }
                    if matches!(ev, Event::Start(_)) {
                        self.depth += 1;
                    }
                }
                Event::Start(start) => {
                    self.depth += 1;
                    let local = start.local_name();
                    let local = local.as_ref();
                    let line = self.line();
                    match &mut self.item {
                        None if local == b"item" || local == b"entry" => {
                            self.item = Some(Item {
                                line,
                                depth: self.depth,
                                pairs: Vec::new(),
                                field: None,
                                nested: false,
                            });
                        }
                        Some(item) if item.field.is_none() && self.depth == item.depth + 1 => {
                            let name = field_name(google, local);
                            item.field = Some((name, String::new()));
                        }
                        Some(item) => {
                            item.nested = true;
                            self.text(" ");
                        }
                        None => {}
                    }
                }
                Event::Empty(start) => {
                    if let Some(item) = &mut self.item
                        && item.field.is_none()
                    {
                        let local = start.local_name();
                        let name = field_name(google, local.as_ref());
                        // Atom: <link rel="alternate" href="..."/>.
                        let href = start
                            .try_get_attribute("href")
                            .ok()
                            .flatten()
                            .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()));
                        if let Some(href) = href.filter(|_| name == "link") {
                            item.pairs.push((name, href));
                        }
                    }
                }
                Event::End(_) => {
                    let depth = self.depth;
                    self.depth = self.depth.saturating_sub(1);
                    let Some(item) = &mut self.item else {
                        continue;
                    };
                    if depth == item.depth + 1 {
                        if let Some((name, mut value)) = item.field.take() {
                            if std::mem::take(&mut item.nested) {
                                value = value.split_whitespace().collect::<Vec<_>>().join(" ");
                            }
                            item.pairs.push((name, value));
                        }
                    } else if depth == item.depth {
                        let line = item.line;
                        let pairs = std::mem::take(&mut item.pairs);
                        self.item = None;
                        self.meter.set_mark(self.reader.get_ref().consumed());
                        return Some(
                            merchant_product(&pairs, line)
                                .map(|p| (line, p))
                                .map_err(|e| RowError::new(line, e)),
                        );
                    } else {
                        self.text(" ");
                    }
                }
                Event::Text(t) => match t.xml10_content() {
                    Ok(s) => self.text(&s),
                    Err(e) => {
                        let reason =
                            format!("text near line {} is not valid UTF-8: {e}", self.line());
                        return self.fatal(reason);
                    }
                },
                Event::CData(c) => match c.xml10_content() {
                    Ok(s) => self.text(&s),
                    Err(e) => {
                        let reason =
                            format!("CDATA near line {} is not valid UTF-8: {e}", self.line());
                        return self.fatal(reason);
                    }
                },
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        _ => r
                            .decode()
                            .ok()
                            .and_then(|name| resolve_predefined_entity(&name).map(str::to_string)),
                    };
                    // Unknown entities (HTML's &nbsp; and friends) are kept as written.
                    let text = resolved
                        .unwrap_or_else(|| format!("&{};", String::from_utf8_lossy(r.as_ref())));
                    self.text(&text);
                }
                Event::Eof => {
                    self.done = true;
                    if let Some(item) = &self.item {
                        let line = item.line;
                        return self.fatal(format!(
                            "the file ends inside the <item> opened on line {line}; is it truncated?"
                        ));
                    }
                    // Also the end of an empty (whitespace-only) input: an empty feed.
                    return None;
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            }
        }
        None
    }
}
