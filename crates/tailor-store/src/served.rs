//! The stored form of served lists (the impression log): every list one group commit carries is
//! written as one binary row, where a JSON row per list used to cost an insert, two B-tree
//! updates and ~700 bytes for a 20-item box.
//!
//! Rows written before this format hold one list as JSON text; a `BLOB` body is a batch in this
//! codec. Layout: a version byte, then `Vec<Row>` in postcard. Each list names its sources once
//! (`sources`) and each item points at one by index, since a box's items mostly share a source.

use crate::codec::CodecError;
use serde::{Deserialize, Serialize};
use tailor_model::{CustomerId, ProductId, Served, VisitorId};

/// The first byte of every binary batch.
const VERSION: u8 = 1;

/// One served list as stored. Field order is on disk: append, never reorder.
#[derive(Serialize, Deserialize)]
struct Row<'a> {
    at: i64,
    request_id: &'a str,
    list: &'a str,
    visitor: Option<&'a str>,
    customer: Option<&'a str>,
    query: Option<&'a str>,
    total: Option<u64>,
    #[serde(borrow)]
    sources: Vec<&'a str>,
    #[serde(borrow)]
    items: Vec<(&'a str, u32)>,
    arm: Option<&'a str>,
}

impl<'a> Row<'a> {
    fn of(s: &'a Served) -> Self {
        let mut sources: Vec<&str> = Vec::new();
        let items = s
            .items
            .iter()
            .map(|(p, source)| {
                let at = match sources.iter().position(|x| *x == source) {
                    Some(i) => i,
                    None => {
                        sources.push(source);
                        sources.len() - 1
                    }
                };
                (p.as_str(), at as u32)
            })
            .collect();
        Row {
            at: s.at,
            request_id: &s.request_id,
            list: &s.list,
            visitor: s.visitor_id.as_ref().map(VisitorId::as_str),
            customer: s.customer_id.as_ref().map(CustomerId::as_str),
            query: s.query.as_deref(),
            total: s.total.map(|t| t as u64),
            sources,
            items,
            arm: s.arm.as_deref(),
        }
    }

    fn into_served(self) -> Result<Served, CodecError> {
        let items = self
            .items
            .into_iter()
            .map(|(p, i)| {
                let source = self.sources.get(i as usize).ok_or(CodecError::Index(i))?;
                Ok((ProductId::new(p)?, source.to_string().into()))
            })
            .collect::<Result<_, CodecError>>()?;
        Ok(Served {
            at: self.at,
            request_id: self.request_id.to_string(),
            list: self.list.to_string(),
            visitor_id: self.visitor.map(VisitorId::new).transpose()?,
            customer_id: self.customer.map(CustomerId::new).transpose()?,
            query: self.query.map(str::to_string),
            total: self.total.map(|t| t as usize),
            items,
            arm: self.arm.map(str::to_string),
        })
    }
}

/// Appends the binary body of a batch of served lists to `out`.
pub fn encode<'a>(rows: impl IntoIterator<Item = &'a Served>, out: &mut Vec<u8>) {
    let rows: Vec<Row<'_>> = rows.into_iter().map(Row::of).collect();
    out.push(VERSION);
    let body = std::mem::take(out);
    *out = postcard::to_extend(&rows, body).expect("a Vec grows for any batch");
}

/// Decodes a body written by [`encode`].
pub fn decode(bytes: &[u8]) -> Result<Vec<Served>, CodecError> {
    match bytes.first() {
        Some(&VERSION) => {}
        v => return Err(CodecError::Version(v.copied())),
    }
    let (rows, rest): (Vec<Row<'_>>, &[u8]) = postcard::take_from_bytes(&bytes[1..])?;
    if !rest.is_empty() {
        return Err(CodecError::Trailing(rest.len()));
    }
    rows.into_iter().map(Row::into_served).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(n: usize) -> Served {
        Served {
            at: 1_700_000_000_000 + n as i64,
            request_id: format!("r{n:016x}"),
            list: if n.is_multiple_of(2) {
                "box0"
            } else {
                "search"
            }
            .into(),
            visitor_id: Some(VisitorId::new(format!("Jürgen-😀-{n}")).unwrap()),
            customer_id: (n.is_multiple_of(3)).then(|| CustomerId::new("c1").unwrap()),
            query: (n % 2 == 1).then(|| "oat milk ✓".to_string()),
            total: (n % 2 == 1).then_some(n * 7),
            items: (0..n)
                .map(|i| {
                    let source = ["session_next", "trending", "rule"][i % 3 % (n % 3 + 1)];
                    (ProductId::new(format!("p-{i}")).unwrap(), source.into())
                })
                .collect(),
            arm: (n == 4).then(|| "exp:treatment".to_string()),
        }
    }

    #[test]
    fn batches_round_trip_and_are_smaller_than_json() {
        let rows: Vec<Served> = (0..6).map(list).collect();
        let mut body = Vec::new();
        encode(&rows, &mut body);
        assert_eq!(decode(&body).unwrap(), rows);
        let json: usize = rows
            .iter()
            .map(|r| serde_json::to_vec(r).unwrap().len())
            .sum();
        assert!(body.len() * 2 < json, "{} vs {json} bytes", body.len());
        let mut empty = Vec::new();
        encode(&[], &mut empty);
        assert_eq!(decode(&empty).unwrap(), vec![]);
    }

    #[test]
    fn damaged_batches_are_errors_not_panics() {
        let rows: Vec<Served> = (0..4).map(list).collect();
        let mut body = Vec::new();
        encode(&rows, &mut body);
        assert!(matches!(decode(&[]), Err(CodecError::Version(None))));
        assert!(matches!(decode(&[9, 0]), Err(CodecError::Version(Some(9)))));
        for cut in 1..body.len() {
            assert!(decode(&body[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = body.clone();
        longer.push(0);
        assert!(matches!(decode(&longer), Err(CodecError::Trailing(1))));
        // An item pointing past the list's sources.
        let mut bad = Vec::new();
        let row = Row {
            at: 0,
            request_id: "r",
            list: "l",
            visitor: None,
            customer: None,
            query: None,
            total: None,
            sources: vec!["s"],
            items: vec![("p", 1)],
            arm: None,
        };
        bad.push(VERSION);
        bad = postcard::to_extend(&vec![row], bad).unwrap();
        assert!(matches!(decode(&bad), Err(CodecError::Index(1))));
        // A bad id inside.
        let mut bad_id = Vec::new();
        let row = Row {
            at: 0,
            request_id: "r",
            list: "l",
            visitor: Some(""),
            customer: None,
            query: None,
            total: None,
            sources: vec![],
            items: vec![],
            arm: None,
        };
        bad_id.push(VERSION);
        bad_id = postcard::to_extend(&vec![row], bad_id).unwrap();
        assert!(matches!(decode(&bad_id), Err(CodecError::Id(_))));
    }
}
