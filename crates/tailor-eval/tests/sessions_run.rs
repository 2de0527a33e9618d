//! The whole protocol on toy files: rows, metric keys, the test filters and the predictions file.

use std::path::PathBuf;

use tailor_eval::sessions::{EvalError, SessionsArgs, run, tune};
use tempfile::TempDir;

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Six training sessions over items a..e, and a test file with an unseen item `z` and a
/// session that is too short once `z` is gone.
fn toy(dir: &TempDir) -> (PathBuf, PathBuf) {
    let mut train = String::from("SessionId\tItemId\tTime\n");
    let sessions = [
        ["a", "b", "c"],
        ["a", "b", "d"],
        ["b", "c", "e"],
        ["a", "c", "b"],
        ["d", "e", "a"],
        ["a", "b", "c"],
    ];
    for (s, items) in sessions.iter().enumerate() {
        for (i, item) in items.iter().enumerate() {
            train.push_str(&format!("{s}\t{item}\t{}\n", 1000 * s + i));
        }
    }
    let test = "SessionId\tItemId\tTime\n\
                t1\ta\t9000\nt1\tz\t9001\nt1\tb\t9002\nt1\tc\t9003\n\
                t2\tz\t9100\nt2\td\t9101\n";
    (
        write(dir, "train.txt", &train),
        write(dir, "test.txt", test),
    )
}

#[test]
fn five_rows_with_the_protocol_metrics() {
    let dir = TempDir::new().unwrap();
    let (train, test) = toy(&dir);
    let report = run(&SessionsArgs::new(train, Some(test))).unwrap();
    let names: Vec<&str> = report.rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["pop", "sr", "v-sknn", "tailor", "tailor-no-repeat"]);
    for row in &report.rows {
        for key in [
            "HR@20",
            "MRR@20",
            "NDCG@20",
            "Coverage@20",
            "Popularity@20",
            "build_ms",
            "index_mb",
        ] {
            let v = row
                .get(key)
                .unwrap_or_else(|| panic!("{} lacks {key}", row.name));
            assert!(v.is_finite() && v >= 0.0, "{} {key} = {v}", row.name);
        }
        assert!(row.latency_us.is_some());
    }
    // Only t1 survives as [a, b, c]: two predictions. a -> b and b -> c are in every kNN's list.
    assert!(
        report.notes.iter().any(|n| n.contains("2 predictions")),
        "{:?}",
        report.notes
    );
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("2 of unseen items dropped")),
        "{:?}",
        report.notes
    );
    assert_eq!(report.row("tailor").unwrap().get("HR@20"), Some(1.0));
    // Neither target repeats the item just clicked, so excluding it loses no hit.
    assert_eq!(
        report.row("tailor-no-repeat").unwrap().get("HR@20"),
        Some(1.0)
    );
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["task"], "sessions");
    assert_eq!(json["rows"][3]["name"], "tailor");
    assert_eq!(json["rows"][4]["name"], "tailor-no-repeat");
}

#[test]
fn predictions_file_has_one_line_per_prediction() {
    let dir = TempDir::new().unwrap();
    let (train, test) = toy(&dir);
    let out = dir.path().join("preds.txt");
    let mut args = SessionsArgs::new(train, Some(test));
    args.predictions = Some(out.clone());
    args.cutoff = 3;
    run(&args).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    let (recs, next) = lines[0].split_once(';').unwrap();
    assert_eq!(recs.split(',').count(), 3);
    assert_eq!(next, "b,c");
    assert_eq!(lines[1].split_once(';').unwrap().1, "c");
}

#[test]
fn one_file_is_split_by_its_last_week() {
    let dir = TempDir::new().unwrap();
    let mut log = String::from("session_id;user_id;item_id;timeframe;eventdate\n");
    // Items 1..=3 clicked often enough to survive the >= 5 clicks filter; 9 only once.
    for s in 0..6 {
        let date = if s < 4 { "2016-01-01" } else { "2016-01-20" };
        for (i, item) in [1, 2, 3].iter().enumerate() {
            log.push_str(&format!("{s};NA;{item};{};{date}\n", i * 1000));
        }
    }
    log.push_str("5;NA;9;5000;2016-01-20\n");
    let path = write(&dir, "views.csv", &log);
    let report = run(&SessionsArgs::new(path, None)).unwrap();
    assert!(report.notes.iter().any(|n| n.contains("last 7 days")));
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("train: 12 clicks, 4 sessions, 3 items")),
        "{:?}",
        report.notes
    );
    assert!(
        report.notes.iter().any(|n| n.contains("4 predictions")),
        "{:?}",
        report.notes
    );
}

#[test]
fn bad_arguments_are_errors() {
    let dir = TempDir::new().unwrap();
    let (train, test) = toy(&dir);
    let mut args = SessionsArgs::new(train, Some(test));
    args.cutoff = 0;
    assert!(matches!(run(&args), Err(EvalError::Argument(_))));
    args.cutoff = 20;
    args.tailor.neighbors = 0;
    assert!(matches!(run(&args), Err(EvalError::Argument(_))));
}

#[test]
fn tuning_ranks_parameter_sets_on_the_validation_split() {
    let dir = TempDir::new().unwrap();
    let (train, valid) = toy(&dir);
    let report = tune(&train, &valid).unwrap();
    assert!(report.rows.len() > 2);
    assert_eq!(report.rows.last().unwrap().name, "v-sknn");
    let objective: Vec<f64> = report.rows[..report.rows.len() - 1]
        .iter()
        .map(|r| r.get("objective").unwrap())
        .collect();
    assert!(objective.windows(2).all(|w| w[0] >= w[1]), "{objective:?}");
    assert!(report.notes.iter().any(|n| n.starts_with("best: m=")));
    for row in &report.rows {
        for key in ["HR@20 no-repeat", "MRR@20 no-repeat"] {
            let v = row.get(key).unwrap();
            assert!((0.0..=1.0).contains(&v), "{} {key} = {v}", row.name);
        }
    }
}
