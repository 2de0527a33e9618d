//! The stored form of an event: a compact binary body, written by the writer thread and read
//! back by start-up replay, where decoding JSON used to cost most of the replay's time.
//!
//! Rows written before this format hold the event as JSON text; SQLite keeps the value's type,
//! so a `TEXT` body is decoded as JSON and a `BLOB` body with this codec. A log may mix both and
//! is never rewritten: old rows stay readable as they are.
//!
//! Layout: a version byte, then [`Stored`] in postcard (varints, length-prefixed strings).
//! `Event` itself cannot go through postcard (it is an internally tagged, flattened serde type
//! for the JSON API), so `Stored` mirrors it with borrowed strings and positional variants;
//! both conversions are exhaustive matches, so a new event kind cannot be added without
//! deciding its encoding. Stated preferences (rare, and nested) are embedded as their JSON.
//!
//! A search with filters is its own variant, appended after the others: an unfiltered search
//! keeps the layout of the builds before filters, and their rows decode unchanged, so the
//! version byte did not have to change.

use serde::{Deserialize, Serialize};
use tailor_model::{
    AppliedFilters, CustomerId, Event, EventKind, IdError, OrderLine, Preferences, PriceFilter,
    ProductId, SessionId, VisitorId,
};

/// The first byte of every binary body; a later layout gets a new number. (1 was a hand-made
/// layout of development builds that never shipped.)
const VERSION: u8 = 2;

/// Why a binary body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The version byte is not one this build reads (or the body is empty).
    #[error("unknown format version {0:?}")]
    Version(Option<u8>),
    /// The bytes are not a stored event (truncated, a bad number or tag, not UTF-8).
    #[error("not a stored event: {0}")]
    Format(#[from] postcard::Error),
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
    /// A reference inside the body points past what it refers to.
    #[error("index {0} out of range")]
    Index(u32),
}

/// An event as stored. Variant order is on disk: append, never reorder.
#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    received_at: i64,
    timestamp: Option<i64>,
    visitor: &'a str,
    event_id: Option<&'a str>,
    session: Option<&'a str>,
    customer: Option<&'a str>,
    #[serde(borrow)]
    kind: Kind<'a>,
}

#[derive(Serialize, Deserialize)]
enum Kind<'a> {
    View(&'a str),
    Search(&'a str, #[serde(borrow)] Vec<&'a str>),
    Click(&'a str, Option<&'a str>, Option<u32>),
    CartAdd(&'a str, u32),
    CartRemove(&'a str, u32),
    Purchase(&'a str, #[serde(borrow)] Vec<(&'a str, u32, Option<f64>)>),
    WishlistAdd(&'a str, Option<&'a str>),
    WishlistRemove(&'a str, Option<&'a str>),
    Hide(&'a str),
    Preferences(String),
    // List edits are rare and nested, so they are embedded as JSON like preferences.
    List(String),
    Customize(&'a str, #[serde(borrow)] Vec<(&'a str, Vec<&'a str>)>),
    /// A search with filters (an unfiltered one stays a `Search`).
    SearchFiltered(
        &'a str,
        #[serde(borrow)] Vec<&'a str>,
        #[serde(borrow)] Filters<'a>,
    ),
}

/// [`AppliedFilters`] as stored: brands, categories, colours, sizes, price min and max.
#[derive(Serialize, Deserialize)]
struct Filters<'a>(
    #[serde(borrow)] Vec<&'a str>,
    #[serde(borrow)] Vec<&'a str>,
    #[serde(borrow)] Vec<&'a str>,
    #[serde(borrow)] Vec<&'a str>,
    Option<f64>,
    Option<f64>,
);

impl<'a> Filters<'a> {
    fn of(f: &'a AppliedFilters) -> Self {
        let strs = |v: &'a [String]| v.iter().map(String::as_str).collect();
        Self(
            strs(&f.brands),
            strs(&f.categories),
            strs(&f.colors),
            strs(&f.sizes),
            f.price.and_then(|p| p.min),
            f.price.and_then(|p| p.max),
        )
    }

    fn into_applied(self) -> AppliedFilters {
        let owned = |v: Vec<&str>| v.into_iter().map(str::to_string).collect();
        let price = PriceFilter {
            min: self.4,
            max: self.5,
        };
        AppliedFilters {
            brands: owned(self.0),
            categories: owned(self.1),
            colors: owned(self.2),
            sizes: owned(self.3),
            price: (price != PriceFilter::default()).then_some(price),
        }
    }
}

/// Appends the binary body of `e` to `out`.
pub fn encode(e: &Event, out: &mut Vec<u8>) {
    let kind = match &e.kind {
        EventKind::View { product_id } => Kind::View(product_id.as_str()),
        EventKind::Search {
            query,
            shown,
            filters,
        } => {
            let shown = shown.iter().map(ProductId::as_str).collect();
            if filters.is_empty() {
                Kind::Search(query, shown)
            } else {
                Kind::SearchFiltered(query, shown, Filters::of(filters))
            }
        }
        EventKind::Click {
            product_id,
            request_id,
            position,
        } => Kind::Click(product_id.as_str(), request_id.as_deref(), *position),
        EventKind::CartAdd {
            product_id,
            quantity,
        } => Kind::CartAdd(product_id.as_str(), *quantity),
        EventKind::CartRemove {
            product_id,
            quantity,
        } => Kind::CartRemove(product_id.as_str(), *quantity),
        EventKind::Purchase { order_id, lines } => Kind::Purchase(
            order_id,
            lines
                .iter()
                .map(|l| (l.product_id.as_str(), l.quantity, l.unit_price))
                .collect(),
        ),
        EventKind::WishlistAdd { product_id, list } => {
            Kind::WishlistAdd(product_id.as_str(), list.as_deref())
        }
        EventKind::WishlistRemove { product_id, list } => {
            Kind::WishlistRemove(product_id.as_str(), list.as_deref())
        }
        EventKind::Hide { product_id } => Kind::Hide(product_id.as_str()),
        EventKind::Preferences { preferences } => Kind::Preferences(
            serde_json::to_string(preferences).expect("preferences serialize to JSON"),
        ),
        EventKind::List { edit } => {
            Kind::List(serde_json::to_string(edit).expect("list edits serialize to JSON"))
        }
        EventKind::Customize {
            product_id,
            choices,
        } => Kind::Customize(
            product_id.as_str(),
            choices
                .iter()
                .map(|(g, v)| (g.as_str(), v.iter().map(String::as_str).collect()))
                .collect(),
        ),
    };
    let stored = Stored {
        received_at: e.received_at,
        timestamp: e.timestamp,
        visitor: e.visitor_id.as_str(),
        event_id: e.event_id.as_deref(),
        session: e.session_id.as_ref().map(SessionId::as_str),
        customer: e.customer_id.as_ref().map(CustomerId::as_str),
        kind,
    };
    out.push(VERSION);
    let body = std::mem::take(out);
    *out = postcard::to_extend(&stored, body).expect("a Vec grows for any event");
}

/// Decodes a body written by [`encode`].
pub fn decode(bytes: &[u8]) -> Result<Event, CodecError> {
    match bytes.first() {
        Some(&VERSION) => {}
        v => return Err(CodecError::Version(v.copied())),
    }
    let (s, rest): (Stored<'_>, &[u8]) = postcard::take_from_bytes(&bytes[1..])?;
    if !rest.is_empty() {
        return Err(CodecError::Trailing(rest.len()));
    }
    let id = |p: &str| ProductId::new(p);
    let kind = match s.kind {
        Kind::View(p) => EventKind::View { product_id: id(p)? },
        Kind::Search(query, shown) => EventKind::Search {
            query: query.to_string(),
            shown: shown.into_iter().map(id).collect::<Result<_, _>>()?,
            filters: AppliedFilters::default(),
        },
        Kind::SearchFiltered(query, shown, filters) => EventKind::Search {
            query: query.to_string(),
            shown: shown.into_iter().map(id).collect::<Result<_, _>>()?,
            filters: filters.into_applied(),
        },
        Kind::Click(p, request_id, position) => EventKind::Click {
            product_id: id(p)?,
            request_id: request_id.map(str::to_string),
            position,
        },
        Kind::CartAdd(p, quantity) => EventKind::CartAdd {
            product_id: id(p)?,
            quantity,
        },
        Kind::CartRemove(p, quantity) => EventKind::CartRemove {
            product_id: id(p)?,
            quantity,
        },
        Kind::Purchase(order_id, lines) => EventKind::Purchase {
            order_id: order_id.to_string(),
            lines: lines
                .into_iter()
                .map(|(p, quantity, unit_price)| {
                    Ok(OrderLine {
                        product_id: id(p)?,
                        quantity,
                        unit_price,
                    })
                })
                .collect::<Result<_, IdError>>()?,
        },
        Kind::WishlistAdd(p, list) => EventKind::WishlistAdd {
            product_id: id(p)?,
            list: list.map(str::to_string),
        },
        Kind::WishlistRemove(p, list) => EventKind::WishlistRemove {
            product_id: id(p)?,
            list: list.map(str::to_string),
        },
        Kind::Hide(p) => EventKind::Hide { product_id: id(p)? },
        Kind::Preferences(json) => EventKind::Preferences {
            preferences: serde_json::from_str::<Preferences>(&json)?,
        },
        Kind::List(json) => EventKind::List {
            edit: serde_json::from_str(&json)?,
        },
        Kind::Customize(p, choices) => EventKind::Customize {
            product_id: id(p)?,
            choices: choices
                .into_iter()
                .map(|(g, v)| (g.to_string(), v.into_iter().map(str::to_string).collect()))
                .collect(),
        },
    };
    Ok(Event {
        event_id: s.event_id.map(str::to_string),
        visitor_id: VisitorId::new(s.visitor)?,
        session_id: s.session.map(SessionId::new).transpose()?,
        customer_id: s.customer.map(CustomerId::new).transpose()?,
        timestamp: s.timestamp,
        received_at: s.received_at,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tailor_model::ListEdit;

    fn every_kind() -> Vec<Event> {
        let raw = [
            json!({"type":"view","visitor_id":"v","product_id":"p"}),
            json!({"type":"view","visitor_id":"Jürgen-😀","product_id":"p-ü","event_id":"e1",
                   "session_id":"s","customer_id":"c","timestamp":-5}),
            json!({"type":"search","visitor_id":"v","query":"","shown":[]}),
            json!({"type":"search","visitor_id":"v","query":"oat milk ✓","shown":["a","b","c"]}),
            json!({"type":"search","visitor_id":"v","query":"","shown":["a"],"filters":{
                "brand":["Acme","Zoë 🍫"],"category":"Food > Nuts","color":"rot","size":["M","L"],
                "price":{"min":0.5,"max":20}}}),
            json!({"type":"search","visitor_id":"v","query":"q","filters":{"price":{"max":3}}}),
            json!({"type":"search","visitor_id":"v","query":"q","filters":{"size":"XL"}}),
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
            json!({"type":"customize","visitor_id":"v","product_id":"p",
                   "choices":{"colour":"Rot","extras":["card","wrap"],"none":[]}}),
        ];
        let mut out: Vec<Event> = raw
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let mut e = Event::from_json(v, i).unwrap_or_else(|e| panic!("{v}: {e:?}"));
                e.received_at = i as i64 * 1_000_000_007;
                e
            })
            .collect();
        // List edits are written by the lists endpoints, not parsed from /v1/events.
        let p = ProductId::new("p").unwrap();
        for edit in [
            ListEdit::Create { list: "".into() },
            ListEdit::Rename {
                list: "a".into(),
                to: "Geschenke 🎁".into(),
            },
            ListEdit::Delete { list: "a".into() },
            ListEdit::Move {
                product_id: p,
                list: "".into(),
                to: "b".into(),
            },
            ListEdit::Share {
                list: "b".into(),
                token_hash: "ab".repeat(20),
            },
            ListEdit::Unshare { list: "b".into() },
        ] {
            let mut e = out[0].clone();
            e.kind = EventKind::List { edit };
            out.push(e);
        }
        out
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
        assert!(matches!(decode(&[9]), Err(CodecError::Version(Some(9)))));
        assert!(matches!(decode(&[]), Err(CodecError::Version(None))));
        // An unknown kind tag, a huge list count, invalid UTF-8, an id with a control character.
        let head = |tail: &[u8]| [&[VERSION, 0, 0, 1, b'v', 0, 0, 0][..], tail].concat();
        assert!(matches!(decode(&head(&[200])), Err(CodecError::Format(_))));
        let huge = head(&[1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(matches!(decode(&huge), Err(CodecError::Format(_))));
        assert!(matches!(
            decode(&[VERSION, 0, 0, 1, 0xff, 0, 0, 0, 0, 1, b'p']),
            Err(CodecError::Format(_))
        ));
        assert!(matches!(
            decode(&[VERSION, 0, 0, 1, b'\n', 0, 0, 0, 0, 1, b'p']),
            Err(CodecError::Id(IdError::Control))
        ));
        // The layout is what the module says: a view by "v" of "p".
        assert_eq!(
            decode(&head(&[0, 1, b'p'])).unwrap().kind,
            EventKind::View {
                product_id: ProductId::new("p").unwrap()
            }
        );
    }

    /// A search as the build before filters wrote it: variant 1, a query and the ids shown.
    /// Logs hold such rows forever, so they must keep decoding to the same event.
    #[test]
    fn search_rows_of_the_previous_build_still_decode() {
        let mut old = vec![VERSION, 0x0e, 0, 1, b'v', 0, 1, 1, b's', 0, 1, 8];
        old.extend_from_slice(b"oat milk");
        old.extend_from_slice(&[2, 1, b'a', 1, b'b']);
        let e = decode(&old).unwrap();
        assert_eq!(e.received_at, 7);
        assert_eq!(e.session_id.as_ref().map(SessionId::as_str), Some("s"));
        let want = Event::from_json(
            &json!({"type":"search","visitor_id":"v","session_id":"s","query":"oat milk",
                    "shown":["a","b"]}),
            0,
        )
        .unwrap();
        assert_eq!(e.kind, want.kind);
        // An unfiltered search is still written in exactly that layout.
        let mut buf = Vec::new();
        encode(&e, &mut buf);
        assert_eq!(buf, old);
    }

    #[test]
    fn binary_is_smaller_than_json() {
        let e = every_kind().remove(1);
        let mut buf = Vec::new();
        encode(&e, &mut buf);
        assert!(buf.len() * 2 < serde_json::to_vec(&e).unwrap().len());
    }
}
