//! JSON and NDJSON feeds, streamed one product at a time.
//!
//! A JSON array is cut into elements by a small scanner that only tracks strings, escapes and
//! bracket nesting; each element's bytes are then parsed by serde_json on their own. This keeps
//! memory at one element (bounded by [`MAX_RECORD_BYTES`]) and, unlike
//! `serde_json::StreamDeserializer`, copes with the commas between array elements and lets
//! the feed continue after an element that is not valid JSON, as long as its brackets balance.
//! A file of JSON objects one after another (no array) is read the same way.

use crate::error::RowError;
use crate::input::{BUF_SIZE, Guard, LineCounter, MAX_RECORD_BYTES, Meter};
use crate::json::parse_product;
use crate::reader::Row;
use serde_json::Value;
use std::io::{self, BufRead, BufReader};
use std::sync::Arc;

type Source = LineCounter<BufReader<Guard>>;

fn source(input: Guard) -> Source {
    LineCounter::new(BufReader::with_capacity(BUF_SIZE, input))
}

/// Where the scanner is in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    /// After `[`, before the first element.
    ArrayFirst,
    /// After an element, expecting `,` or `]`.
    ArrayNext,
    /// After the closing `]`: only whitespace may follow.
    AfterArray,
    /// JSON values one after another, no enclosing array.
    Sequence,
    Done,
}

/// Why one element could not be cut out.
enum ScanError {
    Io(io::Error),
    Eof,
    Mismatch { open: u8, close: u8 },
}

pub(crate) struct JsonRows {
    src: Source,
    meter: Arc<Meter>,
    state: State,
    /// Elements started so far (the 1-based number of the current one).
    element: usize,
    buf: Vec<u8>,
}

impl JsonRows {
    pub(crate) fn new(input: Guard, meter: Arc<Meter>) -> Self {
        Self {
            src: source(input),
            meter,
            state: State::Start,
            element: 0,
            buf: Vec::new(),
        }
    }

    fn fatal(&mut self, reason: String) -> Option<Result<Row, RowError>> {
        self.state = State::Done;
        Some(Err(RowError::fatal(self.element.max(1), reason)))
    }

    fn io_fatal(&mut self, e: &io::Error) -> Option<Result<Row, RowError>> {
        let line = self.src.line();
        if self.meter.tripped() {
            self.fatal(format!(
                "element {} (from line {line}) is larger than {MAX_RECORD_BYTES} bytes",
                self.element.max(1)
            ))
        } else {
            self.fatal(format!("cannot read the feed near line {line}: {e}"))
        }
    }

    /// The next non-whitespace byte, left unconsumed; `None` at the end of the input.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        loop {
            let (skip, found) = {
                let buf = match self.src.fill_buf() {
                    Ok(b) => b,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if buf.is_empty() {
                    return Ok(None);
                }
                match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                    Some(i) => (i, Some(buf[i])),
                    None => (buf.len(), None),
                }
            };
            self.src.consume(skip);
            if found.is_some() {
                return Ok(found);
            }
        }
    }

    /// Copies one JSON value (object, array, string or bare scalar) into `self.buf`.
    fn scan_value(&mut self) -> Result<(), ScanError> {
        self.buf.clear();
        let mut stack: Vec<u8> = Vec::new();
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let (take, finished) = {
                let chunk = match self.src.fill_buf() {
                    Ok(c) => c,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(ScanError::Io(e)),
                };
                if chunk.is_empty() {
                    // A bare scalar may end at the end of the input; anything open may not.
                    return if !self.buf.is_empty() && stack.is_empty() && !in_string {
                        Ok(())
                    } else {
                        Err(ScanError::Eof)
                    };
                }
                let mut end = None;
                for (i, &c) in chunk.iter().enumerate() {
                    // A stray `,` `]` `}` where a value should start is taken as a (bad) value
                    // of its own, so the scanner always moves forward.
                    let cut = if self.buf.is_empty() && i == 0 { 1 } else { i };
                    if in_string {
                        if escaped {
                            escaped = false;
                        } else if c == b'\\' {
                            escaped = true;
                        } else if c == b'"' {
                            in_string = false;
                            if stack.is_empty() {
                                end = Some(i + 1);
                                break;
                            }
                        }
                        continue;
                    }
                    match c {
                        b'"' => in_string = true,
                        b'{' | b'[' => stack.push(c),
                        b'}' | b']' => match stack.pop() {
                            // A bare scalar ends where its container closes.
                            None => {
                                end = Some(cut);
                                break;
                            }
                            Some(open) if (open == b'{') != (c == b'}') => {
                                return Err(ScanError::Mismatch { open, close: c });
                            }
                            Some(_) if stack.is_empty() => {
                                end = Some(i + 1);
                                break;
                            }
                            Some(_) => {}
                        },
                        b',' if stack.is_empty() => {
                            end = Some(cut);
                            break;
                        }
                        c if c.is_ascii_whitespace() && stack.is_empty() => {
                            end = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                match end {
                    Some(n) => {
                        self.buf.extend_from_slice(&chunk[..n]);
                        (n, true)
                    }
                    None => {
                        self.buf.extend_from_slice(chunk);
                        (chunk.len(), false)
                    }
                }
            };
            self.src.consume(take);
            if finished {
                return Ok(());
            }
        }
    }

    /// Cuts out and parses the next element.
    fn element(&mut self) -> Option<Result<Row, RowError>> {
        self.element += 1;
        let n = self.element;
        let line = self.src.line();
        match self.scan_value() {
            Ok(()) => {}
            Err(ScanError::Io(e)) => return self.io_fatal(&e),
            Err(ScanError::Eof) => {
                return self.fatal(format!(
                    "the file ends inside element {n} (which starts on line {line}); is it truncated?"
                ));
            }
            Err(ScanError::Mismatch { open, close }) => {
                return self.fatal(format!(
                    "element {n} (from line {line}): `{}` on line {} does not close `{}`",
                    close as char,
                    self.src.line(),
                    open as char
                ));
            }
        }
        self.meter.set_mark(self.src.consumed());
        let parsed = match serde_json::from_slice::<Value>(&self.buf) {
            Ok(v) => parse_product(&v, Some(n)),
            Err(e) => {
                return Some(Err(RowError::field(
                    n,
                    "",
                    format!("invalid JSON in the element starting on line {line}: {e}"),
                )));
            }
        };
        Some(
            parsed
                .map(|p| (n, p))
                .map_err(|errs| RowError::new(n, errs)),
        )
    }
}

impl Iterator for JsonRows {
    type Item = Result<Row, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let peeked = match self.state {
                State::Done => return None,
                _ => match self.peek() {
                    Ok(b) => b,
                    Err(e) => return self.io_fatal(&e),
                },
            };
            match (self.state, peeked) {
                (State::Start, None) => {
                    self.state = State::Done;
                    return None;
                }
                (State::Start, Some(b'[')) => {
                    self.src.consume(1);
                    self.state = State::ArrayFirst;
                }
                (State::Start, Some(b'{')) => self.state = State::Sequence,
                (State::Start, Some(b)) => {
                    return self.fatal(format!(
                        "a JSON feed must start with `[` (an array of products) or `{{` (products \
                         one after another), found `{}`",
                        b as char
                    ));
                }
                (State::ArrayFirst | State::ArrayNext, Some(b']')) => {
                    self.src.consume(1);
                    self.state = State::AfterArray;
                }
                (State::ArrayFirst | State::ArrayNext, None) => {
                    let line = self.src.line();
                    return self.fatal(format!(
                        "the file ends on line {line} before the array's closing `]`; is it truncated?"
                    ));
                }
                (State::ArrayFirst, Some(_)) => {
                    self.state = State::ArrayNext;
                    return self.element();
                }
                (State::ArrayNext, Some(b',')) => {
                    self.src.consume(1);
                    match self.peek() {
                        // A trailing comma before `]` is forgiven.
                        Ok(Some(b']')) => {}
                        Ok(Some(_)) => return self.element(),
                        Ok(None) => {}
                        Err(e) => return self.io_fatal(&e),
                    }
                }
                (State::ArrayNext, Some(b)) => {
                    let line = self.src.line();
                    return self.fatal(format!(
                        "expected `,` or `]` after element {} on line {line}, found `{}`",
                        self.element, b as char
                    ));
                }
                (State::AfterArray, None) | (State::Sequence, None) => {
                    self.state = State::Done;
                    return None;
                }
                (State::AfterArray, Some(_)) => {
                    let line = self.src.line();
                    return self.fatal(format!(
                        "unexpected data on line {line} after the array's closing `]`"
                    ));
                }
                (State::Sequence, Some(_)) => return self.element(),
                (State::Done, _) => return None,
            }
        }
    }
}

/// One JSON product per line; blank lines are skipped, rows are line numbers.
pub(crate) struct NdjsonRows {
    src: Source,
    meter: Arc<Meter>,
    line: usize,
    buf: Vec<u8>,
    done: bool,
}

impl NdjsonRows {
    pub(crate) fn new(input: Guard, meter: Arc<Meter>) -> Self {
        Self {
            src: source(input),
            meter,
            line: 0,
            buf: Vec::new(),
            done: false,
        }
    }
}

impl Iterator for NdjsonRows {
    type Item = Result<Row, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.buf.clear();
            self.line += 1;
            match self.src.read_until(b'\n', &mut self.buf) {
                Ok(0) => {
                    self.done = true;
                    return None;
                }
                Ok(_) => {}
                Err(e) => {
                    self.done = true;
                    let reason = if self.meter.tripped() {
                        format!("line {} is longer than {MAX_RECORD_BYTES} bytes", self.line)
                    } else {
                        format!("cannot read the feed: {e}")
                    };
                    return Some(Err(RowError::fatal(self.line, reason)));
                }
            }
            self.meter.set_mark(self.src.consumed());
            let text = self.buf.trim_ascii();
            if text.is_empty() {
                continue;
            }
            let row = self.line;
            return Some(match serde_json::from_slice::<Value>(text) {
                Ok(v) => parse_product(&v, Some(row))
                    .map(|p| (row, p))
                    .map_err(|errs| RowError::new(row, errs)),
                Err(e) => Err(RowError::field(row, "", format!("invalid JSON: {e}"))),
            });
        }
        None
    }
}
