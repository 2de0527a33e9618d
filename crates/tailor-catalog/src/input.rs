//! The byte plumbing under every feed parser: progress counting, transparent gunzip, BOM
//! removal, line counting, and the guard that bounds memory per record.
//!
//! Stack, bottom to top: source -> [`Counting`] (raw bytes, for progress) -> gunzip when the
//! input starts with the gzip magic -> [`SkipBom`] -> [`Guard`] (decoded bytes, per-record
//! limit) -> the parser's own buffer.

use flate2::read::MultiGzDecoder;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Largest record (one JSON element, NDJSON line, CSV row or XML item) a feed may hold.
/// Far above what valid products need (a 64 KiB description plus 1,000 attributes of 4 KiB),
/// and low enough that an unclosed quote in a CSV cannot pull a whole file into memory.
pub const MAX_RECORD_BYTES: u64 = 8 * 1024 * 1024;

/// Buffer size for feed parsers.
pub(crate) const BUF_SIZE: usize = 64 * 1024;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const UTF8_BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Counters shared by the layers of one feed (and by [`Progress`] handles on other threads).
#[derive(Debug, Default)]
pub(crate) struct Meter {
    /// Bytes read from the source, compressed if it is gzip.
    raw: AtomicU64,
    /// Bytes handed to the parser after decompression.
    decoded: AtomicU64,
    /// Decoded offset where the record being parsed starts.
    mark: AtomicU64,
    /// The guard refused to read on: a record exceeded [`MAX_RECORD_BYTES`].
    tripped: AtomicBool,
}

impl Meter {
    /// Tells the guard that everything before decoded offset `pos` belongs to finished records.
    pub(crate) fn set_mark(&self, pos: u64) {
        self.mark.store(pos, Ordering::Relaxed);
    }

    /// Whether a read failed because a record was too large.
    pub(crate) fn tripped(&self) -> bool {
        self.tripped.load(Ordering::Relaxed)
    }

    pub(crate) fn raw(&self) -> u64 {
        self.raw.load(Ordering::Relaxed)
    }
}

/// A cheap, cloneable view of how far a [`FeedReader`](crate::FeedReader) has read; it can be
/// moved to another thread that draws a progress bar.
#[derive(Debug, Clone)]
pub struct Progress(pub(crate) Arc<Meter>);

impl Progress {
    /// Bytes read from the source so far: compressed bytes for a gzip file, so that it compares
    /// with the file size. Parsers read ahead by up to a buffer (64 KiB).
    pub fn bytes_read(&self) -> u64 {
        self.0.raw()
    }
}

/// Counts raw bytes for progress.
struct Counting<R> {
    inner: R,
    meter: Arc<Meter>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.meter.raw.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Drops a leading UTF-8 byte order mark, whatever the read sizes underneath.
struct SkipBom<R> {
    inner: R,
    head: [u8; 3],
    head_len: usize,
    head_pos: usize,
    checked: bool,
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            while self.head_len < 3 {
                match self.inner.read(&mut self.head[self.head_len..]) {
                    Ok(0) => break,
                    Ok(n) => self.head_len += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            self.checked = true;
            if self.head_len == 3 && self.head == UTF8_BOM {
                self.head_pos = 3;
            }
        }
        if self.head_pos < self.head_len {
            let n = (self.head_len - self.head_pos).min(buf.len());
            buf[..n].copy_from_slice(&self.head[self.head_pos..self.head_pos + n]);
            self.head_pos += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// Counts decoded bytes and refuses to read further into a record than [`MAX_RECORD_BYTES`].
pub(crate) struct Guard {
    inner: Box<dyn Read + Send>,
    meter: Arc<Meter>,
}

impl Read for Guard {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let m = &self.meter;
        let ahead = m
            .decoded
            .load(Ordering::Relaxed)
            .saturating_sub(m.mark.load(Ordering::Relaxed));
        if ahead > MAX_RECORD_BYTES + BUF_SIZE as u64 {
            m.tripped.store(true, Ordering::Relaxed);
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a record is larger than {MAX_RECORD_BYTES} bytes"),
            ));
        }
        let n = self.inner.read(buf)?;
        m.decoded.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Builds the stack for `source`, gunzipping when the data starts with the gzip magic
/// (whatever the file is called).
pub(crate) fn layered(source: Box<dyn Read + Send>, meter: &Arc<Meter>) -> io::Result<Guard> {
    let mut counting = Counting {
        inner: source,
        meter: meter.clone(),
    };
    let head = read_up_to(&mut counting, GZIP_MAGIC.len())?;
    let gz = head == GZIP_MAGIC;
    let buffered = BufReader::with_capacity(BUF_SIZE, io::Cursor::new(head).chain(counting));
    let decoded: Box<dyn Read + Send> = if gz {
        Box::new(MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    Ok(Guard {
        inner: Box::new(SkipBom {
            inner: decoded,
            head: [0; 3],
            head_len: 0,
            head_pos: 0,
            checked: false,
        }),
        meter: meter.clone(),
    })
}

/// Reads until `n` bytes or the end of the input, whatever the read sizes underneath.
fn read_up_to<R: Read>(r: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut head = vec![0; n];
    let mut filled = 0;
    while filled < n {
        match r.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(k) => filled += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(filled);
    Ok(head)
}

/// Whether `bytes` start with the gzip magic.
pub(crate) fn looks_gzipped(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// As much of a gzip prefix as decompresses (for format sniffing), capped at `max` bytes.
pub(crate) fn gunzip_prefix(bytes: &[u8], max: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut dec = MultiGzDecoder::new(bytes);
    let mut chunk = [0u8; 4096];
    while out.len() < max {
        match dec.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
        }
    }
    out.truncate(max);
    out
}

/// A `BufRead` that counts the lines and bytes its reader has consumed, so a parser can say
/// on which line a record starts.
pub(crate) struct LineCounter<R> {
    inner: R,
    newlines: u64,
    consumed: u64,
}

impl<R: BufRead> LineCounter<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            newlines: 0,
            consumed: 0,
        }
    }

    /// The 1-based line of the next unconsumed byte.
    pub(crate) fn line(&self) -> usize {
        usize::try_from(self.newlines)
            .unwrap_or(usize::MAX)
            .saturating_add(1)
    }

    /// Bytes consumed so far.
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let avail = self.fill_buf()?;
            let n = avail.len().min(buf.len());
            buf[..n].copy_from_slice(&avail[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // The data being consumed is still in the inner buffer: fill_buf returns it again
        // without reading.
        if let Ok(buf) = self.inner.fill_buf() {
            let amt = amt.min(buf.len());
            self.newlines += buf[..amt].iter().filter(|&&b| b == b'\n').count() as u64;
        }
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Hands out one byte per read, the worst case for the layers above.
    struct Trickle(Vec<u8>, usize);
    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.1 >= self.0.len() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[self.1];
            self.1 += 1;
            Ok(1)
        }
    }

    fn read_all(data: Vec<u8>) -> (Vec<u8>, u64) {
        let meter = Arc::new(Meter::default());
        let mut g = layered(Box::new(Trickle(data, 0)), &meter).unwrap();
        let mut out = Vec::new();
        g.read_to_end(&mut out).unwrap();
        (out, meter.raw())
    }

    #[test]
    fn bom_is_dropped_even_byte_by_byte() {
        assert_eq!(read_all(b"\xEF\xBB\xBFid".to_vec()).0, b"id");
        assert_eq!(read_all(b"\xEF\xBB".to_vec()).0, b"\xEF\xBB");
        assert_eq!(read_all(b"ab".to_vec()).0, b"ab");
        assert_eq!(read_all(Vec::new()).0, b"");
    }

    #[test]
    fn gzip_is_detected_by_content_and_progress_counts_compressed_bytes() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"\xEF\xBB\xBFhello\n").unwrap();
        let gz = enc.finish().unwrap();
        let len = gz.len() as u64;
        let (out, raw) = read_all(gz);
        assert_eq!(out, b"hello\n");
        assert_eq!(raw, len);
        assert_eq!(gunzip_prefix(&read_all_gz(b"abc")[..], 2), b"ab");
    }

    fn read_all_gz(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn guard_trips_on_a_runaway_record() {
        let meter = Arc::new(Meter::default());
        let big = vec![b'x'; (MAX_RECORD_BYTES as usize) + 3 * BUF_SIZE];
        let mut g = layered(Box::new(io::Cursor::new(big)), &meter).unwrap();
        let mut sink = Vec::new();
        assert!(g.read_to_end(&mut sink).is_err());
        assert!(meter.tripped());
    }

    #[test]
    fn line_counter_counts_consumed_lines() {
        let mut lc = LineCounter::new(BufReader::new(&b"a\nb\r\nc"[..]));
        let mut line = String::new();
        lc.read_line(&mut line).unwrap();
        assert_eq!((lc.line(), lc.consumed()), (2, 2));
        line.clear();
        lc.read_line(&mut line).unwrap();
        assert_eq!(lc.line(), 3);
    }
}
