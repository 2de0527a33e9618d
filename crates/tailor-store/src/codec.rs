//! The stored form of an event: a compact binary body, written by the writer thread and read
//! back by start-up replay, where decoding JSON used to cost most of the replay's time.
//!
//! Rows written before this format hold the event as JSON text; SQLite keeps the value's type,
//! so a `TEXT` body is decoded as JSON and a `BLOB` body with this codec. A log may mix both and
//! is never rewritten: old rows stay readable as they are.
//!
//! Layout (version 1): a version byte, a presence byte for the optional header fields, the
//! times as zigzag LEB128 varints, the ids as length-prefixed UTF-8, then a kind byte and the
//! kind's fields in declaration order. Optional fields carry a 0/1 presence byte. Stated
//! preferences (rare, and nested) are embedded as their JSON. Every match below is
//! exhaustive, so a new event kind cannot be added without deciding its encoding.

use tailor_model::{
    CustomerId, Event, EventKind, IdError, OrderLine, Preferences, ProductId, SessionId, VisitorId,
};

/// The first byte of every binary body; a later layout gets a new number.
const VERSION: u8 = 1;

const HAS_EVENT_ID: u8 = 1;
const HAS_SESSION: u8 = 2;
const HAS_CUSTOMER: u8 = 4;
const HAS_TIMESTAMP: u8 = 8;

// Kind tags. Stored on disk: never renumber.
const VIEW: u8 = 1;
const SEARCH: u8 = 2;
const CLICK: u8 = 3;
const CART_ADD: u8 = 4;
const CART_REMOVE: u8 = 5;
const PURCHASE: u8 = 6;
const WISHLIST_ADD: u8 = 7;
const WISHLIST_REMOVE: u8 = 8;
const HIDE: u8 = 9;
const PREFERENCES: u8 = 10;

/// Why a binary body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The body ended inside a field.
    #[error("truncated at byte {0}")]
    Truncated(usize),
    /// The version byte is not one this build reads.
    #[error("unknown format version {0}")]
    Version(u8),
    /// The kind byte names no event kind.
    #[error("unknown event kind {0}")]
    Kind(u8),
    /// A varint is longer than 64 bits or a number does not fit its field.
    #[error("bad number at byte {0}")]
    Number(usize),
    /// A string is not UTF-8.
    #[error("text at byte {0} is not UTF-8")]
    Utf8(usize),
    /// A stored id breaks the id rules.
    #[error("bad id: {0}")]
    Id(#[from] IdError),
    /// Embedded preferences are unreadable.
    #[error("bad preferences: {0}")]
    Preferences(#[from] serde_json::Error),
    /// The stored value is neither a binary nor a JSON body.
    #[error("body is of type {0}")]
    Type(String),
    /// Bytes were left after the event.
    #[error("{0} trailing bytes")]
    Trailing(usize),
}

/// Appends the binary body of `e` to `out`.
pub fn encode(e: &Event, out: &mut Vec<u8>) {
    out.push(VERSION);
    let flags = if e.event_id.is_some() {
        HAS_EVENT_ID
    } else {
        0
    } | if e.session_id.is_some() {
        HAS_SESSION
    } else {
        0
    } | if e.customer_id.is_some() {
        HAS_CUSTOMER
    } else {
        0
    } | if e.timestamp.is_some() {
        HAS_TIMESTAMP
    } else {
        0
    };
    out.push(flags);
    put_i64(out, e.received_at);
    if let Some(t) = e.timestamp {
        put_i64(out, t);
    }
    put_str(out, e.visitor_id.as_str());
    if let Some(id) = &e.event_id {
        put_str(out, id);
    }
    if let Some(s) = &e.session_id {
        put_str(out, s.as_str());
    }
    if let Some(c) = &e.customer_id {
        put_str(out, c.as_str());
    }
    match &e.kind {
        EventKind::View { product_id } => {
            out.push(VIEW);
            put_str(out, product_id.as_str());
        }
        EventKind::Search { query, shown } => {
            out.push(SEARCH);
            put_str(out, query);
            put_u64(out, shown.len() as u64);
            for p in shown {
                put_str(out, p.as_str());
            }
        }
        EventKind::Click {
            product_id,
            request_id,
            position,
        } => {
            out.push(CLICK);
            put_str(out, product_id.as_str());
            put_opt(out, request_id.as_deref(), put_str);
            put_opt(out, *position, |o, p| put_u64(o, p.into()));
        }
        EventKind::CartAdd {
            product_id,
            quantity,
        }
        | EventKind::CartRemove {
            product_id,
            quantity,
        } => {
            let add = matches!(e.kind, EventKind::CartAdd { .. });
            out.push(if add { CART_ADD } else { CART_REMOVE });
            put_str(out, product_id.as_str());
            put_u64(out, (*quantity).into());
        }
        EventKind::Purchase { order_id, lines } => {
            out.push(PURCHASE);
            put_str(out, order_id);
            put_u64(out, lines.len() as u64);
            for l in lines {
                put_str(out, l.product_id.as_str());
                put_u64(out, l.quantity.into());
                put_opt(out, l.unit_price, |o, p| {
                    o.extend_from_slice(&p.to_le_bytes())
                });
            }
        }
        EventKind::WishlistAdd { product_id, list }
        | EventKind::WishlistRemove { product_id, list } => {
            let add = matches!(e.kind, EventKind::WishlistAdd { .. });
            out.push(if add { WISHLIST_ADD } else { WISHLIST_REMOVE });
            put_str(out, product_id.as_str());
            put_opt(out, list.as_deref(), put_str);
        }
        EventKind::Hide { product_id } => {
            out.push(HIDE);
            put_str(out, product_id.as_str());
        }
        EventKind::Preferences { preferences } => {
            out.push(PREFERENCES);
            let json = serde_json::to_vec(preferences).expect("preferences serialize to JSON");
            put_bytes(out, &json);
        }
    }
}

/// Decodes a body written by [`encode`].
pub fn decode(bytes: &[u8]) -> Result<Event, CodecError> {
    let mut r = Reader { bytes, pos: 0 };
    let version = r.u8()?;
    if version != VERSION {
        return Err(CodecError::Version(version));
    }
    let flags = r.u8()?;
    let received_at = r.i64()?;
    let timestamp = (flags & HAS_TIMESTAMP != 0).then(|| r.i64()).transpose()?;
    let visitor_id = VisitorId::new(r.string()?)?;
    let event_id = (flags & HAS_EVENT_ID != 0)
        .then(|| r.string())
        .transpose()?;
    let session_id = (flags & HAS_SESSION != 0)
        .then(|| r.string().map(SessionId::new))
        .transpose()?
        .transpose()?;
    let customer_id = (flags & HAS_CUSTOMER != 0)
        .then(|| r.string().map(CustomerId::new))
        .transpose()?
        .transpose()?;
    let kind = match r.u8()? {
        VIEW => EventKind::View {
            product_id: r.product()?,
        },
        SEARCH => {
            let query = r.string()?;
            let n = r.len()?;
            let shown = (0..n).map(|_| r.product()).collect::<Result<_, _>>()?;
            EventKind::Search { query, shown }
        }
        CLICK => EventKind::Click {
            product_id: r.product()?,
            request_id: r.opt(Reader::string)?,
            position: r.opt(Reader::u32)?,
        },
        CART_ADD => EventKind::CartAdd {
            product_id: r.product()?,
            quantity: r.u32()?,
        },
        CART_REMOVE => EventKind::CartRemove {
            product_id: r.product()?,
            quantity: r.u32()?,
        },
        PURCHASE => {
            let order_id = r.string()?;
            let n = r.len()?;
            let lines = (0..n)
                .map(|_| {
                    Ok(OrderLine {
                        product_id: r.product()?,
                        quantity: r.u32()?,
                        unit_price: r.opt(Reader::f64)?,
                    })
                })
                .collect::<Result<_, CodecError>>()?;
            EventKind::Purchase { order_id, lines }
        }
        WISHLIST_ADD => EventKind::WishlistAdd {
            product_id: r.product()?,
            list: r.opt(Reader::string)?,
        },
        WISHLIST_REMOVE => EventKind::WishlistRemove {
            product_id: r.product()?,
            list: r.opt(Reader::string)?,
        },
        HIDE => EventKind::Hide {
            product_id: r.product()?,
        },
        PREFERENCES => {
            let json = r.bytes()?;
            let preferences: Preferences = serde_json::from_slice(json)?;
            EventKind::Preferences { preferences }
        }
        other => return Err(CodecError::Kind(other)),
    };
    if r.pos != bytes.len() {
        return Err(CodecError::Trailing(bytes.len() - r.pos));
    }
    Ok(Event {
        event_id,
        visitor_id,
        session_id,
        customer_id,
        timestamp,
        received_at,
        kind,
    })
}

fn put_u64(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_i64(out: &mut Vec<u8>, v: i64) {
    put_u64(out, ((v << 1) ^ (v >> 63)) as u64);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_u64(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_bytes(out, s.as_bytes());
}

fn put_opt<T>(out: &mut Vec<u8>, v: Option<T>, put: impl FnOnce(&mut Vec<u8>, T)) {
    match v {
        None => out.push(0),
        Some(v) => {
            out.push(1);
            put(out, v);
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn u8(&mut self) -> Result<u8, CodecError> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or(CodecError::Truncated(self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn u64(&mut self) -> Result<u64, CodecError> {
        let start = self.pos;
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(CodecError::Number(start))
    }

    fn i64(&mut self) -> Result<i64, CodecError> {
        let v = self.u64()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    fn u32(&mut self) -> Result<u32, CodecError> {
        let start = self.pos;
        u32::try_from(self.u64()?).map_err(|_| CodecError::Number(start))
    }

    /// A count of following entries; bounded by the bytes left, so a corrupt count cannot
    /// make the decoder allocate or loop without end.
    fn len(&mut self) -> Result<usize, CodecError> {
        let start = self.pos;
        let n = self.u64()?;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.bytes.len() - self.pos)
            .ok_or(CodecError::Number(start))
    }

    fn f64(&mut self) -> Result<f64, CodecError> {
        let b = self
            .bytes
            .get(self.pos..self.pos + 8)
            .ok_or(CodecError::Truncated(self.pos))?;
        self.pos += 8;
        Ok(f64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    fn bytes(&mut self) -> Result<&'a [u8], CodecError> {
        let n = self.len()?;
        let b = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(b)
    }

    fn string(&mut self) -> Result<String, CodecError> {
        let at = self.pos;
        let b = self.bytes()?;
        std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|_| CodecError::Utf8(at))
    }

    fn product(&mut self) -> Result<ProductId, CodecError> {
        Ok(ProductId::new(self.string()?)?)
    }

    fn opt<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, CodecError>,
    ) -> Result<Option<T>, CodecError> {
        match self.u8()? {
            0 => Ok(None),
            1 => read(self).map(Some),
            _ => Err(CodecError::Number(self.pos - 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn every_kind() -> Vec<Event> {
        let raw = [
            json!({"type":"view","visitor_id":"v","product_id":"p"}),
            json!({"type":"view","visitor_id":"Jürgen-😀","product_id":"p-ü","event_id":"e1",
                   "session_id":"s","customer_id":"c","timestamp":-5}),
            json!({"type":"search","visitor_id":"v","query":"","shown":[]}),
            json!({"type":"search","visitor_id":"v","query":"oat milk ✓","shown":["a","b","c"]}),
            json!({"type":"click","visitor_id":"v","product_id":"p"}),
            json!({"type":"click","visitor_id":"v","product_id":"p","request_id":"r:1:2",
                   "position":4294967295u32}),
            json!({"type":"cart_add","visitor_id":"v","product_id":"p","quantity":3}),
            json!({"type":"cart_remove","visitor_id":"v","product_id":"p"}),
            json!({"type":"purchase","visitor_id":"v","order_id":"o","lines":[
                {"product_id":"a","quantity":2,"unit_price":1.25},
                {"product_id":"b","quantity":1}]}),
            json!({"type":"wishlist_add","visitor_id":"v","product_id":"p"}),
            json!({"type":"wishlist_add","visitor_id":"v","product_id":"p","list":"gifts"}),
            json!({"type":"wishlist_remove","visitor_id":"v","product_id":"p","list":""}),
            json!({"type":"hide","visitor_id":"v","product_id":"p"}),
            json!({"type":"preferences","visitor_id":"v","preferences":{
                "exclude_allergens":["peanuts"],"max_price":20.5,"colors":["red"]}}),
            json!({"type":"preferences","visitor_id":"v","preferences":{}}),
        ];
        raw.iter()
            .enumerate()
            .map(|(i, v)| {
                let mut e = Event::from_json(v, i).unwrap_or_else(|e| panic!("{v}: {e:?}"));
                e.received_at = i as i64 * 1_000_000_007;
                e
            })
            .collect()
    }

    #[test]
    fn every_kind_round_trips() {
        for e in every_kind() {
            let mut buf = Vec::new();
            encode(&e, &mut buf);
            assert_eq!(decode(&buf).unwrap(), e);
        }
    }

    #[test]
    fn extreme_times_round_trip() {
        let mut e = every_kind().remove(1);
        for t in [i64::MIN, -1, 0, 1, i64::MAX] {
            e.timestamp = Some(t);
            e.received_at = t;
            let mut buf = Vec::new();
            encode(&e, &mut buf);
            assert_eq!(decode(&buf).unwrap(), e);
        }
    }

    #[test]
    fn damaged_bodies_are_errors_not_panics() {
        for e in every_kind() {
            let mut buf = Vec::new();
            encode(&e, &mut buf);
            // Every prefix is truncated; none may panic or decode.
            for n in 0..buf.len() {
                assert!(decode(&buf[..n]).is_err(), "prefix {n} of {e:?}");
            }
            let mut long = buf.clone();
            long.push(0);
            assert!(matches!(decode(&long), Err(CodecError::Trailing(1))));
        }
        assert!(matches!(decode(&[9]), Err(CodecError::Version(9))));
        assert!(matches!(
            decode(&[VERSION, 0, 0, 1, b'v', 200]),
            Err(CodecError::Kind(200))
        ));
        // A huge list count is refused before anything is allocated for it.
        let mut huge = vec![VERSION, 0, 0, 1, b'v', SEARCH, 0];
        put_u64(&mut huge, u64::MAX);
        assert!(matches!(decode(&huge), Err(CodecError::Number(_))));
        // Invalid UTF-8 and an id with a control character.
        assert!(matches!(
            decode(&[VERSION, 0, 0, 1, 0xff, VIEW, 1, b'p']),
            Err(CodecError::Utf8(_))
        ));
        assert!(matches!(
            decode(&[VERSION, 0, 0, 1, b'\n', VIEW, 1, b'p']),
            Err(CodecError::Id(IdError::Control))
        ));
    }

    #[test]
    fn binary_is_smaller_than_json() {
        let e = every_kind().remove(1);
        let mut buf = Vec::new();
        encode(&e, &mut buf);
        assert!(buf.len() * 2 < serde_json::to_vec(&e).unwrap().len());
    }
}
