//! Nothing panics on any input: valid feeds are mutated at random (deterministically) and fed
//! to every reader, and every JSON value shape is fed to the product parser and the patcher.

use serde_json::{Value, json};
use tailor_catalog::{FeedFormat, FeedReader, apply_patch, parse_product};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SEEDS: &[(FeedFormat, &str)] = &[
    (
        FeedFormat::MerchantTsv,
        "id\ttitle\tprice\tavailability\tproduct_type\n1\tA\t1.00 EUR\tin stock\tA > B\n2\t\"q\nq\"\t2\tno\t\n",
    ),
    (
        FeedFormat::MerchantCsv,
        "g:id,g:title,g:sale_price\n1,\"a,b\",3 USD\n2,日本,\n",
    ),
    (
        FeedFormat::MerchantXml,
        "<?xml version=\"1.0\"?><rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel><item><g:id>1</g:id><g:title>A &amp; B</g:title><g:shipping><g:price>1 USD</g:price></g:shipping></item><item><g:id>2</g:id><title><![CDATA[x]]></title></item></channel></rss>",
    ),
    (
        FeedFormat::Json,
        r#"[{"id":"1","title":"A","categories":[["x","y"]],"price":"1 EUR"},{"id":2,"title":"\u00e9\"]}"}]"#,
    ),
    (
        FeedFormat::Ndjson,
        "{\"id\":\"1\",\"title\":\"A\"}\n{\"id\":\"2\",\"attributes\":{\"a\":[1,2]}}\n",
    ),
    (
        FeedFormat::Dunnhumby,
        "product_id,manufacturer_id,department,brand,product_category,product_type,package_size\n1,2,G,National,C,T,1 LB\n",
    ),
];

const SPICE: &[u8] = b"\"\t,\n\r<>&;[]{}:\\/ \x00\xff\xef\xbb\xbf#!-";

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..=rng.below(6) {
        let at = rng.below(data.len() + 1);
        match rng.below(4) {
            0 if at < data.len() => {
                data.remove(at);
            }
            1 => data.insert(at, SPICE[rng.below(SPICE.len())]),
            2 => data.truncate(at),
            _ => {
                let from = rng.below(data.len() + 1);
                let to = (from + rng.below(16)).min(data.len());
                let chunk = data[from..to].to_vec();
                data.splice(at..at, chunk);
            }
        }
    }
    data
}

#[test]
fn mutated_feeds_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..3000 {
        let (format, seed) = SEEDS[round % SEEDS.len()];
        let data = mutate(&mut rng, seed.as_bytes());
        let reader = FeedReader::new(format, std::io::Cursor::new(data)).expect("reader");
        let mut fatal_seen = false;
        for row in reader.take(1000) {
            assert!(!fatal_seen, "a row after a fatal error");
            if let Err(e) = row {
                fatal_seen = e.fatal;
            }
        }
    }
}

#[test]
fn any_json_shape_is_an_error_not_a_panic() {
    let shapes = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1.5e300),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(""),
        json!("   "),
        json!("\u{0}"),
        json!([]),
        json!([[]]),
        json!([[1, null, {}]]),
        json!({}),
        json!({"": ""}),
        json!({"value": "x"}),
        json!({"value": -1, "currency": 3}),
        json!("9999999999999999999999999999999999999999"),
        json!("2024-02-30T25:61:61+99:99"),
    ];
    let fields = [
        "id",
        "group_id",
        "title",
        "description",
        "brand",
        "categories",
        "price",
        "sale_price",
        "currency",
        "availability",
        "stock",
        "image_url",
        "url",
        "tags",
        "allergens",
        "diets",
        "attributes",
        "hidden",
        "created_at",
        "updated_at",
        "link",
        "unknown",
    ];
    let base = parse_product(&json!({"id": "p", "title": "P"}), None).unwrap();
    for field in fields {
        for shape in &shapes {
            let mut obj = serde_json::Map::new();
            obj.insert("id".into(), json!("p"));
            obj.insert("title".into(), json!("P"));
            obj.insert(field.into(), shape.clone());
            let v = Value::Object(obj);
            let _ = parse_product(&v, Some(1));
            let mut p = base.clone();
            if apply_patch(&mut p, &v).is_err() {
                assert_eq!(p, base, "a failed patch must not change the product");
            }
        }
    }
    for shape in &shapes {
        let _ = parse_product(shape, None);
    }
}
