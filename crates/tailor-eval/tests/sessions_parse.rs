//! Reading click files: layouts, delimiters and the errors people will actually hit.

use std::io::Write;
use std::path::Path;

use tailor_eval::sessions::{EvalError, Layout, SessionsArgs, read_clicks, run};
use tempfile::TempDir;

fn file(dir: &TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn parse_error(path: &Path) -> (u64, String) {
    match read_clicks(path) {
        Err(EvalError::Parse { line, message, .. }) => (line, message),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn session_rec_layout_with_fractional_times() {
    let dir = TempDir::new().unwrap();
    let path = file(
        &dir,
        "a.txt",
        b"SessionId\tItemId\tTime\n1\t214536502\t1396860669.277\n",
    );
    let log = read_clicks(&path).unwrap();
    assert_eq!(log.layout, Layout::UnixSeconds);
    assert_eq!(log.clicks.len(), 1);
    assert_eq!(log.clicks[0].session, "1");
    assert_eq!(log.clicks[0].item, "214536502");
    assert_eq!(log.clicks[0].time, 1396860669.277);
}

#[test]
fn empty_file_is_an_error_on_line_one() {
    let dir = TempDir::new().unwrap();
    let (line, message) = parse_error(&file(&dir, "empty.txt", b""));
    assert_eq!(line, 1);
    assert!(message.contains("empty header"), "{message}");
}

#[test]
fn header_only_reads_as_no_clicks_and_run_names_the_file() {
    let dir = TempDir::new().unwrap();
    let path = file(&dir, "header.txt", b"SessionId\tItemId\tTime\n");
    assert!(read_clicks(&path).unwrap().clicks.is_empty());
    let err = run(&SessionsArgs::new(&path, Some(path.clone()))).unwrap_err();
    assert!(matches!(err, EvalError::Data { .. }), "{err:?}");
    assert!(err.to_string().contains("header.txt"), "{err}");
}

#[test]
fn bad_time_names_line_and_column() {
    let dir = TempDir::new().unwrap();
    let path = file(
        &dir,
        "bad.txt",
        b"SessionId\tItemId\tTime\n1\t2\t3\n1\t2\tabc\n",
    );
    let (line, message) = parse_error(&path);
    assert_eq!(line, 3);
    assert!(
        message.contains("column 3") && message.contains("`abc`"),
        "{message}"
    );
    let err = read_clicks(&path).unwrap_err().to_string();
    assert!(err.contains("bad.txt, line 3"), "{err}");
    let nan = file(&dir, "nan.txt", b"SessionId\tItemId\tTime\n1\t2\tNaN\n");
    assert_eq!(parse_error(&nan).0, 2);
}

#[test]
fn unicode_ids_are_kept_as_written() {
    let dir = TempDir::new().unwrap();
    let path = file(
        &dir,
        "u.txt",
        "SessionId\tItemId\tTime\nSitzung-ä\tartículo-✓\t1.5\n".as_bytes(),
    );
    let log = read_clicks(&path).unwrap();
    assert_eq!(log.clicks[0].session, "Sitzung-ä");
    assert_eq!(log.clicks[0].item, "artículo-✓");
}

#[test]
fn crlf_and_a_byte_order_mark_are_accepted() {
    let dir = TempDir::new().unwrap();
    let path = file(
        &dir,
        "crlf.txt",
        b"\xef\xbb\xbfSessionId\tItemId\tTime\r\n1\t2\t3.0\r\n1\t4\t5\r\n",
    );
    let log = read_clicks(&path).unwrap();
    assert_eq!(log.clicks.len(), 2);
    assert_eq!(log.clicks[0].item, "2");
    assert_eq!(log.clicks[1].time, 5.0);
}

#[test]
fn diginetica_layout_adds_timeframe_ms_to_the_utc_date() {
    let dir = TempDir::new().unwrap();
    let path = file(
        &dir,
        "digi.csv",
        b"session_id;user_id;item_id;timeframe;eventdate\n1;NA;81766;526309;2016-05-09\n",
    );
    let log = read_clicks(&path).unwrap();
    assert_eq!(log.layout, Layout::Diginetica);
    assert_eq!(log.clicks[0].item, "81766");
    // 2016-05-09T00:00:00Z is 1462752000.
    assert!((log.clicks[0].time - 1_462_752_526.309).abs() < 1e-6);

    let bad = file(
        &dir,
        "digi-bad.csv",
        b"session_id;user_id;item_id;timeframe;eventdate\n1;NA;5;10;2016-02-30\n",
    );
    let (line, message) = parse_error(&bad);
    assert_eq!(line, 2);
    assert!(
        message.contains("eventdate") && message.contains("2016-02-30"),
        "{message}"
    );
}

#[test]
fn comma_separated_named_columns_in_any_order() {
    let dir = TempDir::new().unwrap();
    let path = file(&dir, "c.csv", b"timestamp,item,session\n10,a,s1\n");
    let log = read_clicks(&path).unwrap();
    assert_eq!(
        (log.clicks[0].session.as_str(), log.clicks[0].item.as_str()),
        ("s1", "a")
    );
    assert_eq!(log.clicks[0].time, 10.0);
}

#[test]
fn short_rows_missing_columns_and_bad_bytes_are_errors() {
    let dir = TempDir::new().unwrap();
    let short = file(
        &dir,
        "short.txt",
        b"SessionId\tItemId\tTime\n1\t2\t3\n1\t2\n",
    );
    let (line, message) = parse_error(&short);
    assert_eq!(line, 3);
    assert!(message.contains("2 fields"), "{message}");

    let no_item = file(&dir, "noitem.txt", b"SessionId\tProduct\tTime\n1\t2\t3\n");
    assert!(parse_error(&no_item).1.contains("no item column"));

    let no_delimiter = file(&dir, "one.txt", b"SessionId\n1\n");
    assert!(parse_error(&no_delimiter).1.contains("separates"));

    let empty_id = file(&dir, "emptyid.txt", b"SessionId\tItemId\tTime\n\t2\t3\n");
    assert!(parse_error(&empty_id).1.contains("empty session id"));

    let latin1 = file(
        &dir,
        "latin1.txt",
        b"SessionId\tItemId\tTime\n1\t2\t3\n1\t\xe9t\xe9\t4\n",
    );
    let (line, message) = parse_error(&latin1);
    assert_eq!(line, 3);
    assert!(message.contains("UTF-8"), "{message}");
}

#[test]
fn missing_files_are_io_errors_naming_the_path() {
    let err = read_clicks(Path::new("/nonexistent/clicks.txt")).unwrap_err();
    assert!(matches!(err, EvalError::Io { .. }));
    assert!(err.to_string().contains("/nonexistent/clicks.txt"), "{err}");
}

#[test]
fn gzip_files_are_read_transparently() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("clicks.txt.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"SessionId\tItemId\tTime\n1\t2\t3\n").unwrap();
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    assert_eq!(read_clicks(&path).unwrap().clicks.len(), 1);
}
