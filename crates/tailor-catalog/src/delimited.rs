//! Header-first delimited feeds (Merchant TSV/CSV, Instacart, dunnhumby), one record at a time.
//!
//! Quoting follows RFC 4180 in both TSV and CSV, so quoted tabs, commas and newlines work;
//! CRLF and LF both end records. Rows are numbered by the line they start on (the header is
//! line 1). Blank lines, and lines of only delimiters and spaces, are skipped.
//!
//! Line numbers come from our own [`LineIndex`], not from `csv::Position::line`, which does not
//! count newlines inside quoted fields.

use crate::datasets::{DunnhumbyColumns, InstacartColumns, InstacartLookup};
use crate::error::RowError;
use crate::input::{BUF_SIZE, Guard, MAX_RECORD_BYTES, Meter};
use crate::merchant::{self, merchant_product};
use crate::reader::Row;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::Arc;
use tailor_model::{FieldError, Product};

/// How a record becomes a product.
pub(crate) enum Mapping {
    Merchant,
    Instacart(InstacartLookup),
    Dunnhumby,
}

/// The mapping after the header was read.
enum Ready {
    Merchant,
    Instacart(InstacartLookup, InstacartColumns),
    Dunnhumby(DunnhumbyColumns),
}

/// Counts newlines as the csv reader pulls bytes, so that the line of any byte offset at or
/// after the last one asked about can be told, despite the reader's read-ahead.
pub(crate) struct LineIndex {
    inner: Guard,
    read: u64,
    /// Newlines at offsets before the last offset asked about.
    before: u64,
    /// Offsets of `\r` and `\n` (true for `\n`) read but not yet passed by a query: one record
    /// plus the read-ahead.
    pending: VecDeque<(u64, bool)>,
}

impl LineIndex {
    fn new(inner: Guard) -> Self {
        Self {
            inner,
            read: 0,
            before: 0,
            pending: VecDeque::new(),
        }
    }

    /// The 1-based line of the first byte at or after `offset` that is not a line break: csv
    /// records "start" at the `\n` of a CRLF or at the blank lines it skips. Offsets must not
    /// go backwards between calls.
    fn line_at(&mut self, offset: u64) -> usize {
        let mut cursor = offset;
        while let Some(&(at, newline)) = self.pending.front() {
            if at > cursor {
                break;
            }
            if at == cursor {
                cursor += 1;
            }
            self.pending.pop_front();
            self.before += u64::from(newline);
        }
        usize::try_from(self.before)
            .unwrap_or(usize::MAX)
            .saturating_add(1)
    }
}

impl Read for LineIndex {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let start = self.read;
        self.pending.extend(
            buf[..n]
                .iter()
                .enumerate()
                .filter(|(_, b)| matches!(b, b'\n' | b'\r'))
                .map(|(i, b)| (start + i as u64, *b == b'\n')),
        );
        self.read += n as u64;
        Ok(n)
    }
}

pub(crate) struct DelimitedRows {
    rdr: csv::Reader<LineIndex>,
    meter: Arc<Meter>,
    mapping: Option<Mapping>,
    ready: Option<Ready>,
    header: Vec<String>,
    record: csv::ByteRecord,
    done: bool,
}

impl DelimitedRows {
    pub(crate) fn new(input: Guard, meter: Arc<Meter>, delimiter: u8, mapping: Mapping) -> Self {
        let rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(BUF_SIZE)
            .from_reader(LineIndex::new(input));
        Self {
            rdr,
            meter,
            mapping: Some(mapping),
            ready: None,
            header: Vec::new(),
            record: csv::ByteRecord::new(),
            done: false,
        }
    }

    fn fatal(&mut self, line: usize, reason: String) -> Option<Result<Row, RowError>> {
        self.done = true;
        Some(Err(RowError::fatal(line, reason)))
    }

    /// Reads the header row; a header the mapping cannot use stops the feed.
    fn take_header(&mut self, line: usize) -> Result<(), String> {
        let names: Vec<String> = self
            .record
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect();
        let ready = match self.mapping.take() {
            Some(Mapping::Merchant) => {
                for required in ["id", "title"] {
                    if !names.iter().any(|n| merchant::names(n, required)) {
                        return Err(format!(
                            "the header (line {line}) has no {required:?} column; found: {}",
                            names.join(", ")
                        ));
                    }
                }
                Ready::Merchant
            }
            Some(Mapping::Instacart(lookup)) => {
                Ready::Instacart(lookup, InstacartColumns::from_header(&names)?)
            }
            Some(Mapping::Dunnhumby) => Ready::Dunnhumby(DunnhumbyColumns::from_header(&names)?),
            None => return Err("internal: header read twice".into()),
        };
        self.header = names;
        self.ready = Some(ready);
        Ok(())
    }

    /// One data record to a product.
    fn record_to_product(&self, line: usize, end_line: usize) -> Result<Product, RowError> {
        let rec = &self.record;
        if rec.len() != self.header.len() {
            let hint = if end_line > line {
                format!(" (it runs to line {end_line}: is a quote left open on line {line}?)")
            } else {
                String::new()
            };
            return Err(RowError::field(
                line,
                "",
                format!(
                    "has {} fields but the header has {}{hint}",
                    rec.len(),
                    self.header.len()
                ),
            ));
        }
        let mut fields: Vec<&str> = Vec::with_capacity(rec.len());
        let mut errs = Vec::new();
        for (i, raw) in rec.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(s) => fields.push(s),
                Err(e) => {
                    fields.push("");
                    errs.push(FieldError::new(
                        Some(line),
                        self.header[i].clone(),
                        format!(
                            "is not valid UTF-8 (byte {} of the value); save the feed as UTF-8",
                            e.valid_up_to() + 1
                        ),
                    ));
                }
            }
        }
        if !errs.is_empty() {
            return Err(RowError::new(line, errs));
        }
        let result = match &self.ready {
            Some(Ready::Merchant) => {
                let pairs: Vec<(String, String)> = self
                    .header
                    .iter()
                    .zip(&fields)
                    .map(|(h, v)| (h.clone(), (*v).to_string()))
                    .collect();
                merchant_product(&pairs, line)
            }
            Some(Ready::Instacart(lookup, cols)) => cols.product(lookup, &fields, line),
            Some(Ready::Dunnhumby(cols)) => cols.product(&fields, line),
            None => Err(vec![FieldError::new(Some(line), "", "no header row")]),
        };
        result.map_err(|errs| RowError::new(line, errs))
    }
}

fn blank(rec: &csv::ByteRecord) -> bool {
    rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

impl Iterator for DelimitedRows {
    type Item = Result<Row, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let read = self.rdr.read_byte_record(&mut self.record);
            let next_pos = self.rdr.position().clone();
            self.meter.set_mark(next_pos.byte());
            let line = match read {
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Ok(true) => {
                    let start = self.record.position().map_or(0, csv::Position::byte);
                    self.rdr.get_mut().line_at(start)
                }
                Err(e) => {
                    let line = self.rdr.get_mut().line_at(next_pos.byte());
                    let reason = if self.meter.tripped() {
                        format!(
                            "a record starting at or after line {line} is larger than \
                             {MAX_RECORD_BYTES} bytes; is a quote left open?"
                        )
                    } else {
                        format!("cannot read the feed: {e}")
                    };
                    return self.fatal(line, reason);
                }
            };
            if blank(&self.record) {
                continue;
            }
            if self.ready.is_none() {
                if let Err(reason) = self.take_header(line) {
                    return self.fatal(line, reason);
                }
                continue;
            }
            // The line the next record starts on, minus one, is where this one ended, give or
            // take blank lines.
            let end_line = self
                .rdr
                .get_mut()
                .line_at(next_pos.byte())
                .saturating_sub(1);
            return Some(self.record_to_product(line, end_line).map(|p| (line, p)));
        }
        None
    }
}
