//! Opening feed files: format detection, gzip, progress, Instacart's companion files.

use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::Path;
use tailor_catalog::{CatalogError, FeedFormat, FeedReader, InstacartLookup};

fn write(dir: &Path, name: &str, data: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[test]
fn open_detects_each_format_and_reads_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = b"id\ttitle\n1\tA\n2\tB\n";
    let cases: Vec<(&str, Vec<u8>, FeedFormat)> = vec![
        ("feed.tsv", tsv.to_vec(), FeedFormat::MerchantTsv),
        ("feed.txt.gz", gzip(tsv), FeedFormat::MerchantTsv),
        ("feed.csv", b"id,title\n1,A\n2,B\n".to_vec(), FeedFormat::MerchantCsv),
        (
            "feed.xml",
            b"<rss><channel><item><g:id>1</g:id><g:title>A</g:title></item><item><g:id>2</g:id><g:title>B</g:title></item></channel></rss>".to_vec(),
            FeedFormat::MerchantXml,
        ),
        ("feed.json", br#"[{"id":"1","title":"A"},{"id":"2","title":"B"}]"#.to_vec(), FeedFormat::Json),
        ("feed.jsonl.gz", gzip(b"{\"id\":\"1\",\"title\":\"A\"}\n{\"id\":\"2\",\"title\":\"B\"}\n"), FeedFormat::Ndjson),
        ("no-extension", gzip(br#"[{"id":"1","title":"A"},{"id":"2","title":"B"}]"#), FeedFormat::Json),
    ];
    for (name, data, format) in cases {
        let path = write(dir.path(), name, &data);
        let mut reader = FeedReader::open(&path).unwrap();
        assert_eq!(reader.format(), format, "{name}");
        assert_eq!(reader.total_bytes(), Some(data.len() as u64));
        let n = reader.by_ref().filter(Result::is_ok).count();
        assert_eq!(n, 2, "{name}");
        assert_eq!(reader.bytes_read(), data.len() as u64, "{name}");
    }
}

#[test]
fn open_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let missing = FeedReader::open(dir.path().join("nope.tsv")).unwrap_err();
    assert!(matches!(missing, CatalogError::Open { .. }));
    let unknown = write(dir.path(), "notes", b"just some words");
    assert!(matches!(
        FeedReader::open(&unknown),
        Err(CatalogError::UnknownFormat { .. })
    ));
    // An explicit format overrides detection.
    let rows: Vec<_> = FeedReader::open_as(&unknown, FeedFormat::MerchantTsv)
        .unwrap()
        .collect();
    assert!(rows[0].as_ref().is_err_and(|e| e.fatal));
    assert!(matches!(
        FeedReader::new(FeedFormat::Instacart, &b""[..]),
        Err(CatalogError::NeedsLookup)
    ));
}

#[test]
fn instacart_files_are_found_beside_products() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "aisles.csv",
        b"aisle_id,aisle\n1,fresh fruits\n",
    );
    write(
        dir.path(),
        "departments.csv",
        b"department_id,department\n4,produce\n",
    );
    let products = write(
        dir.path(),
        "products.csv",
        b"product_id,product_name,aisle_id,department_id\n1,Banana,1,4\n2,\"Apples, Gala\",1,4\n3,Ghost,9,4\n",
    );
    let rows: Vec<_> = FeedReader::open(&products).unwrap().collect();
    let p = rows[1].as_ref().unwrap();
    assert_eq!(p.title, "Apples, Gala");
    assert_eq!(p.categories, [["produce", "fresh fruits"]]);
    let e = rows[2].as_ref().unwrap_err();
    assert_eq!((e.row, e.errors[0].field.as_str()), (4, "aisle_id"));

    let lonely = tempfile::tempdir().unwrap();
    let alone = write(
        lonely.path(),
        "products.csv",
        b"product_id,product_name,aisle_id,department_id\n1,Banana,1,4\n",
    );
    let err = FeedReader::open(&alone).unwrap_err();
    assert!(err.to_string().contains("aisles.csv"), "{err}");

    let lookup = InstacartLookup::from_dir(dir.path()).unwrap();
    let data = "product_id,product_name,aisle_id,department_id\n7,Kiwi,1,4\n";
    let rows: Vec<_> = FeedReader::instacart(data.as_bytes(), lookup)
        .unwrap()
        .collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].is_ok());
}

#[test]
fn progress_can_be_watched_from_another_thread() {
    let mut data = String::from("id\ttitle\n");
    for i in 0..20_000 {
        data.push_str(&format!("{i}\tProduct {i}\n"));
    }
    let len = data.len() as u64;
    let reader = FeedReader::new(FeedFormat::MerchantTsv, std::io::Cursor::new(data)).unwrap();
    let progress = reader.progress();
    let watcher = std::thread::spawn(move || {
        let mut last = 0;
        while last < len {
            let now = progress.bytes_read();
            assert!(now >= last);
            last = now;
            std::thread::yield_now();
        }
        last
    });
    assert_eq!(reader.filter(Result::is_ok).count(), 20_000);
    assert_eq!(watcher.join().unwrap(), len);
}
