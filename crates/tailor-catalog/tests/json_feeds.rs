//! JSON arrays and NDJSON, streamed.

use tailor_catalog::{FeedFormat, FeedReader, RowError};
use tailor_model::Product;

fn read(format: FeedFormat, data: &str) -> Vec<Result<Product, RowError>> {
    FeedReader::new(format, std::io::Cursor::new(data.as_bytes().to_vec()))
        .expect("reader")
        .collect()
}

fn ids(rows: &[Result<Product, RowError>]) -> Vec<String> {
    rows.iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|p| p.id.to_string())
        .collect()
}

fn bad(rows: &[Result<Product, RowError>]) -> Vec<(usize, bool)> {
    rows.iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| (e.row, e.fatal))
        .collect()
}

#[test]
fn pretty_and_compact_arrays() {
    let pretty = r#"
[
  {
    "id": "a",
    "title": "Braces } and ] and \" inside strings {[",
    "categories": [["Food", "Snacks"]],
    "attributes": {"nested": ["x", "y"]}
  },
  {"id": "b", "title": "Second"}
]
"#;
    let rows = read(FeedFormat::Json, pretty);
    assert_eq!(ids(&rows), ["a", "b"]);
    let first = rows[0].as_ref().unwrap();
    assert_eq!(first.title, "Braces } and ] and \" inside strings {[");
    let compact = r#"[{"id":"a","title":"A"},{"id":"b","title":"B"},{"id":"c","title":"C \\"}]"#;
    assert_eq!(ids(&read(FeedFormat::Json, compact)), ["a", "b", "c"]);
}

#[test]
fn empty_inputs() {
    for data in ["", "  \n", "[]", " [ \n ] \n", "\u{feff}[]"] {
        assert!(read(FeedFormat::Json, data).is_empty(), "{data:?}");
    }
    for data in ["", "\n\n", "\u{feff}\r\n"] {
        assert!(read(FeedFormat::Ndjson, data).is_empty(), "{data:?}");
    }
}

#[test]
fn bad_elements_cost_one_row_and_rows_are_element_numbers() {
    let data = r#"[
  {"id": "1", "title": "ok"},
  {"id": "2", "title": "bad" "json"},
  {"id": "3", "price": "abc"},
  42,
  {"id": "5", "title": "ok too"},
]"#;
    let rows = read(FeedFormat::Json, data);
    assert_eq!(ids(&rows), ["1", "5"]);
    assert_eq!(bad(&rows), [(2, false), (3, false), (4, false)]);
    let e3 = rows[2].as_ref().unwrap_err();
    let fields: Vec<_> = e3.errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["title", "price"]);
    assert!(rows[1].as_ref().unwrap_err().to_string().contains("line 3"));
}

#[test]
fn broken_arrays_stop_with_a_fatal_error() {
    let cases = [
        (
            "truncated element",
            r#"[{"id":"1","title":"a"},{"id":"2","#,
            1,
        ),
        ("missing bracket", r#"[{"id":"1","title":"a"}"#, 1),
        (
            "missing comma",
            r#"[{"id":"1","title":"a"} {"id":"2","title":"b"}]"#,
            1,
        ),
        (
            "mismatched",
            r#"[{"id":"1","title":"a"},{"id":"2","title":"b"]]"#,
            1,
        ),
        ("trailing data", r#"[{"id":"1","title":"a"}] {"#, 1),
        ("not json", "id,title\n1,a\n", 0),
        ("unterminated string", r#"[{"id":"1","title":"a}]"#, 0),
    ];
    for (name, data, good) in cases {
        let rows = read(FeedFormat::Json, data);
        assert_eq!(ids(&rows).len(), good, "{name}: {rows:?}");
        let last = rows.last().and_then(|r| r.as_ref().err());
        assert!(last.is_some_and(|e| e.fatal), "{name}: {rows:?}");
    }
}

#[test]
fn objects_one_after_another_without_an_array() {
    let data = "{\"id\":\"a\",\"title\":\"A\"}\n{\n  \"id\": \"b\",\n  \"title\": \"B\"\n}\n";
    assert_eq!(ids(&read(FeedFormat::Json, data)), ["a", "b"]);
}

#[test]
fn ndjson_rows_are_line_numbers() {
    let data = "\u{feff}{\"id\":\"a\",\"title\":\"A\"}\r\n\r\n{not json}\n{\"id\":\"b\",\"title\":\"日本語 🍣\"}\n{\"id\":\"a\",\"title\":\"dup\"}\n[]\n{\"id\":\"c\",\"title\":\"C\"}";
    let rows = read(FeedFormat::Ndjson, data);
    assert_eq!(ids(&rows), ["a", "b", "c"]);
    assert_eq!(bad(&rows), [(3, false), (5, false), (6, false)]);
    let dup = rows[3].as_ref().unwrap_err();
    assert_eq!(dup.errors[0].field, "id");
    assert!(dup.errors[0].reason.contains("line 1"));
    assert_eq!(rows[2].as_ref().unwrap().title, "日本語 🍣");
}

#[test]
fn huge_ndjson_line_is_refused_without_loading_it() {
    let big = format!(
        "{{\"id\":\"a\",\"title\":\"A\"}}\n{{\"id\":\"b\",\"title\":\"{}\"}}\n",
        "x".repeat(tailor_catalog::MAX_RECORD_BYTES as usize + 300_000)
    );
    let rows = read(FeedFormat::Ndjson, &big);
    assert_eq!(ids(&rows), ["a"]);
    assert_eq!(bad(&rows), [(2, true)]);
}

#[test]
fn field_over_the_limit_in_json() {
    let long = "x".repeat(tailor_model::limits::MAX_TEXT_LEN + 1);
    let data = format!("[{{\"id\":\"a\",\"title\":\"{long}\"}},{{\"id\":\"b\",\"title\":\"ok\"}}]");
    let rows = read(FeedFormat::Json, &data);
    assert_eq!(ids(&rows), ["b"]);
    let e = rows[0].as_ref().unwrap_err();
    assert_eq!(e.errors[0].field, "title");
    assert_eq!(e.errors[0].reason, "longer than 4096 bytes");
}
