//! Session-based next-item evaluation (EVALUATION.md section 1): the protocol of Ludewig, Mauro,
//! Latifi & Jannach (UMUAI 2021), Tailor's [`SessionKnn`] against POP, SR and V-SKNN in one run.
//!
//! - [`run`] (`tailor eval sessions --train FILE [--test FILE] [--predictions FILE]`) predicts
//!   the next item at every position of every test session and returns the [`Report`]: one row
//!   per model, then [`NO_REPEAT_ROW`], Tailor's model with the item just clicked excluded, as
//!   bol.com's serenade always does, to compare with its figures like for like.
//! - [`tune`] (`tailor tune sessions --train FILE --valid FILE`) searches [`SessionKnnParams`] on
//!   a train/validation pair, never on test data: the best MRR@20 without the item just clicked
//!   among the parameter sets that stay clearly above V-SKNN on HR@20 and MRR@20.
//!
//! Files are read by [`read_clicks`]: session-rec's `SessionId<TAB>ItemId<TAB>Time` (unix
//! seconds), or any `;`/`,`/tab-separated file with named session, item and time columns, such as
//! Diginetica's raw log (`session_id;user_id;item_id;timeframe;eventdate`), read as it is. `.gz`
//! files are decompressed on the fly.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use flate2::read::MultiGzDecoder;
use tailor_reco::session::{
    Pop, RulesParams, SequentialRules, Session, SessionKnn, SessionKnnParams, SessionRecommender,
    Similarity, VSknn, VSknnParams,
};

use crate::report::{Latency, Report, Row};

/// Length of every recommendation list, and the `@20` of the metrics.
pub const DEFAULT_CUTOFF: usize = 20;
/// A raw log's sessions shorter than this are dropped, as are test sessions after filtering.
pub const MIN_SESSION_CLICKS: usize = 2;
/// A raw log's items clicked fewer times than this are dropped (session-rec's `MIN_ITEM_SUPPORT`).
pub const MIN_ITEM_CLICKS: usize = 5;
/// When one file is given, sessions ending in its last `TEST_DAYS` days are the test set.
pub const TEST_DAYS: f64 = 7.0;
const SECONDS_PER_DAY: f64 = 86_400.0;
/// Parameter sets drawn at random before the coordinate search of [`tune`] refines the best.
const TUNE_RANDOM_DRAWS: usize = 240;
/// Full passes of the coordinate search; it also stops as soon as a pass improves nothing.
const TUNE_PASSES: usize = 4;
/// How far above V-SKNN on validation (HR@20 and MRR@20, and HR@20 without the last item) a
/// parameter set must stay for [`tune`] to rank it by what it maximises: a margin for the shift
/// from validation to test.
const TUNE_MARGIN: f64 = 0.02;
/// Rows a tuning report keeps, the best first.
const TUNE_ROWS: usize = 15;
/// The row of Tailor's model as every baseline is run: any item may be recommended.
pub const TAILOR_ROW: &str = "tailor";
/// The row of the same model with the prefix's last item excluded, as serenade always does.
pub const NO_REPEAT_ROW: &str = "tailor-no-repeat";
/// Fixed, so that a tuning run can be repeated exactly.
const TUNE_SEED: u64 = 0x7a11_0b5e_55e5_10e5;

/// What went wrong, with the file and the line where there is one.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A line of the file is malformed.
    #[error("{}, line {line}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based, the header being line 1.
        line: u64,
        /// What is wrong, naming the column.
        message: String,
    },
    /// The file parses but cannot be evaluated (no clicks left after filtering, ...).
    #[error("{}: {message}", path.display())]
    Data {
        /// The file.
        path: PathBuf,
        /// What is missing.
        message: String,
    },
    /// An argument is out of range.
    #[error("invalid argument: {0}")]
    Argument(String),
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> EvalError + '_ {
    move |source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// How a file's columns are laid out, told from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A `Time` (or `Timestamp`) column of unix seconds, fractions allowed: session-rec's files.
    UnixSeconds,
    /// Diginetica's raw log: `timeframe` (ms into the day) plus `eventdate` (`YYYY-MM-DD`, taken
    /// as midnight UTC). Such a file is filtered like session-rec's `preprocess_diginetica`.
    Diginetica,
}

/// One click as read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Click {
    /// The session id as written.
    pub session: String,
    /// The item id as written.
    pub item: String,
    /// Unix seconds.
    pub time: f64,
}

/// The clicks of one file, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct ClickLog {
    /// The layout found in the header.
    pub layout: Layout,
    /// Every data row.
    pub clicks: Vec<Click>,
}

/// The options of `tailor eval sessions`.
#[derive(Debug, Clone)]
pub struct SessionsArgs {
    /// Training clicks.
    pub train: PathBuf,
    /// Test clicks; `None` splits `train` in time, its last [`TEST_DAYS`] days being the test set.
    pub test: Option<PathBuf>,
    /// Where to write Tailor's predictions, one line each: `rec1,rec2,...;next1,next2,...`, the
    /// ids as written in the files (ids holding `,` or `;` make those lines ambiguous).
    pub predictions: Option<PathBuf>,
    /// Recommendations per prediction ([`DEFAULT_CUTOFF`]).
    pub cutoff: usize,
    /// Tailor's parameters.
    pub tailor: SessionKnnParams,
}

impl SessionsArgs {
    /// Defaults for everything but the data.
    pub fn new(train: impl Into<PathBuf>, test: Option<PathBuf>) -> Self {
        Self {
            train: train.into(),
            test,
            predictions: None,
            cutoff: DEFAULT_CUTOFF,
            tailor: SessionKnnParams::default(),
        }
    }
}

/// Column names compare without case and punctuation: `SessionId`, `session_id`, `sessionId`.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

struct Columns {
    session: usize,
    item: usize,
    time: usize,
    date: Option<usize>,
}

impl Columns {
    fn width(&self) -> usize {
        [self.session, self.item, self.time, self.date.unwrap_or(0)]
            .into_iter()
            .max()
            .unwrap_or(0)
            + 1
    }
}

fn find_columns(header: &str, delimiter: char) -> Result<(Layout, Columns), String> {
    let names: Vec<String> = header.split(delimiter).map(normalize).collect();
    let find = |wanted: &[&str]| names.iter().position(|n| wanted.contains(&n.as_str()));
    let session = find(&["sessionid", "session"])
        .ok_or("no session column: expected SessionId or session_id in the header")?;
    let item = find(&["itemid", "item"])
        .ok_or("no item column: expected ItemId or item_id in the header")?;
    if let Some(time) = find(&["time", "timestamp"]) {
        return Ok((
            Layout::UnixSeconds,
            Columns {
                session,
                item,
                time,
                date: None,
            },
        ));
    }
    match (find(&["timeframe"]), find(&["eventdate"])) {
        (Some(time), Some(date)) => Ok((
            Layout::Diginetica,
            Columns {
                session,
                item,
                time,
                date: Some(date),
            },
        )),
        _ => Err("no time column: expected Time (unix seconds) or timeframe and eventdate".into()),
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Unix seconds of midnight UTC of a `YYYY-MM-DD` date.
fn parse_date(text: &str) -> Option<f64> {
    let mut parts = text.trim().splitn(3, '-');
    let mut next = || parts.next().and_then(|p| p.parse::<i64>().ok());
    let (year, month, day) = (next()?, next()?, next()?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days_in_month).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, month, day) as f64 * SECONDS_PER_DAY)
}

fn parse_finite(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

fn open(path: &Path) -> Result<Box<dyn Read>, EvalError> {
    let file = File::open(path).map_err(io_error(path))?;
    Ok(if path.extension().is_some_and(|e| e == "gz") {
        Box::new(MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    })
}

/// Reads every click of `path`, telling its [`Layout`] and delimiter (tab, `;` or `,`) from the
/// header. A header without data rows gives an empty log; a malformed row is an error naming its
/// line and column.
pub fn read_clicks(path: &Path) -> Result<ClickLog, EvalError> {
    let parse_error = |line: u64, message: String| EvalError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut reader = BufReader::new(open(path)?);
    let mut header = String::new();
    reader.read_line(&mut header).map_err(|e| match e.kind() {
        io::ErrorKind::InvalidData => parse_error(1, "the header is not valid UTF-8".into()),
        _ => EvalError::Io {
            path: path.to_path_buf(),
            source: e,
        },
    })?;
    let header = header
        .trim_start_matches('\u{feff}')
        .trim_end_matches(['\r', '\n']);
    if header.trim().is_empty() {
        return Err(parse_error(
            1,
            "empty header: expected SessionId<TAB>ItemId<TAB>Time or named ;/, columns".into(),
        ));
    }
    let delimiter = ['\t', ';', ',']
        .into_iter()
        .find(|&d| header.contains(d))
        .ok_or_else(|| {
            parse_error(
                1,
                format!("no tab, `;` or `,` separates the columns of `{header}`"),
            )
        })?;
    let (layout, cols) = find_columns(header, delimiter).map_err(|m| parse_error(1, m))?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter as u8)
        .from_reader(reader);
    let mut record = csv::StringRecord::new();
    let mut clicks = Vec::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // csv counts lines from where it started reading, after the header.
                let line = e.position().map_or(0, |p| p.line()) + 1;
                let text = e.to_string();
                return Err(match e.into_kind() {
                    csv::ErrorKind::Io(source) => EvalError::Io {
                        path: path.to_path_buf(),
                        source,
                    },
                    csv::ErrorKind::Utf8 { err, .. } => parse_error(
                        line,
                        format!("field {} is not valid UTF-8", err.field() + 1),
                    ),
                    _ => parse_error(line, text),
                });
            }
        }
        let line = record.position().map_or(0, |p| p.line()) + 1;
        if record.len() < cols.width() {
            return Err(parse_error(
                line,
                format!(
                    "{} fields, but the session, item and time columns need {}",
                    record.len(),
                    cols.width()
                ),
            ));
        }
        let field = |i: usize| record.get(i).unwrap_or_default();
        let id = |i: usize, what: &str| {
            let value = field(i).trim();
            if value.is_empty() {
                Err(parse_error(
                    line,
                    format!("column {}: empty {what} id", i + 1),
                ))
            } else {
                Ok(value.to_string())
            }
        };
        let time = match cols.date {
            None => parse_finite(field(cols.time)).ok_or_else(|| {
                let text = field(cols.time);
                format!(
                    "column {}: `{text}` is not a time in unix seconds",
                    cols.time + 1
                )
            }),
            Some(date) => {
                let ms = parse_finite(field(cols.time)).ok_or_else(|| {
                    let text = field(cols.time);
                    format!(
                        "column {} (timeframe): `{text}` is not a number of ms",
                        cols.time + 1
                    )
                });
                let day = parse_date(field(date)).ok_or_else(|| {
                    let text = field(date);
                    format!(
                        "column {} (eventdate): `{text}` is not a YYYY-MM-DD date",
                        date + 1
                    )
                });
                ms.and_then(|ms| Ok(day? + ms / 1000.0))
            }
        }
        .map_err(|m| parse_error(line, m))?;
        clicks.push(Click {
            session: id(cols.session, "session")?,
            item: id(cols.item, "item")?,
            time,
        });
    }
    Ok(ClickLog { layout, clicks })
}

/// A session of interned items, its clicks sorted by time (ties keep file order).
#[derive(Debug, Clone)]
struct Visit {
    items: Vec<u32>,
    /// Last click, unix seconds.
    time: f64,
}

/// Item names to ids shared by the train and test files, so the same name is the same item.
#[derive(Debug, Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, name: String) -> u32 {
        let next = self.names.len() as u32;
        *self.ids.entry(name).or_insert_with_key(|name| {
            self.names.push(name.clone());
            next
        })
    }
}

fn group(log: ClickLog, items: &mut Interner) -> Vec<Visit> {
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut clicks: Vec<Vec<(f64, u32)>> = Vec::new();
    for c in log.clicks {
        let next = clicks.len();
        let s = *by_key.entry(c.session).or_insert(next);
        if s == next {
            clicks.push(Vec::new());
        }
        clicks[s].push((c.time, items.id(c.item)));
    }
    clicks
        .into_iter()
        .map(|mut c| {
            c.sort_by(|a, b| a.0.total_cmp(&b.0));
            let time = c.last().map_or(0.0, |l| l.0);
            Visit {
                items: c.into_iter().map(|(_, item)| item).collect(),
                time,
            }
        })
        .collect()
}

fn drop_short(visits: &mut Vec<Visit>) {
    visits.retain(|v| v.items.len() >= MIN_SESSION_CLICKS);
}

/// session-rec's filters for a raw log, one pass each as `preprocess_diginetica` does (not
/// iterated to a fixed point): short sessions, then rare items, then sessions left short.
fn filter_raw(mut visits: Vec<Visit>, items: usize) -> Vec<Visit> {
    drop_short(&mut visits);
    let mut clicks = vec![0usize; items];
    for &item in visits.iter().flat_map(|v| &v.items) {
        clicks[item as usize] += 1;
    }
    for v in &mut visits {
        v.items
            .retain(|&item| clicks[item as usize] >= MIN_ITEM_CLICKS);
    }
    drop_short(&mut visits);
    visits
}

/// Sessions ending in the last [`TEST_DAYS`] days are the test set (session-rec's `split_data`).
fn split_last_days(visits: Vec<Visit>) -> (Vec<Visit>, Vec<Visit>) {
    let end = visits
        .iter()
        .map(|v| v.time)
        .fold(f64::NEG_INFINITY, f64::max);
    let test_from = end - TEST_DAYS * SECONDS_PER_DAY;
    visits.into_iter().partition(|v| v.time <= test_from)
}

/// The sessions of one file; a raw log is filtered first, which `notes` records.
fn visits(
    path: &Path,
    items: &mut Interner,
    notes: &mut Vec<String>,
) -> Result<Vec<Visit>, EvalError> {
    let log = read_clicks(path)?;
    let raw = log.layout == Layout::Diginetica;
    let visits = group(log, items);
    if !raw {
        return Ok(visits);
    }
    notes.push(format!(
        "{}: raw log filtered once, as session-rec does: sessions >= {MIN_SESSION_CLICKS} clicks, \
         items >= {MIN_ITEM_CLICKS} clicks, sessions >= {MIN_SESSION_CLICKS} again",
        path.display()
    ));
    Ok(filter_raw(visits, items.names.len()))
}

/// The split as the recommenders see it: dense item ids over the training items only.
#[derive(Debug)]
struct Dataset {
    name: String,
    train: Vec<Session>,
    /// Test sessions after the protocol's filters.
    test: Vec<Vec<u32>>,
    /// Dense id to the name in the files.
    names: Vec<String>,
    /// Training clicks per dense item, for popularity.
    clicks: Vec<u32>,
    notes: Vec<String>,
}

fn dataset_name(path: &Path) -> String {
    let named = |p: Option<&std::ffi::OsStr>| p.map(|s| s.to_string_lossy().into_owned());
    named(path.parent().and_then(Path::file_name))
        .or_else(|| named(path.file_stem()))
        .unwrap_or_else(|| "sessions".into())
}

/// Reads and splits the data, then applies the protocol's test filters: test items unseen in
/// training are dropped, then test sessions left with fewer than two clicks.
fn load(train_path: &Path, test_path: Option<&Path>) -> Result<Dataset, EvalError> {
    let mut items = Interner::default();
    let mut notes = Vec::new();
    let (mut train, test) = match test_path {
        Some(test_path) => {
            let train = visits(train_path, &mut items, &mut notes)?;
            (train, visits(test_path, &mut items, &mut notes)?)
        }
        None => {
            notes.push(format!(
                "test = sessions ending in the last {TEST_DAYS} days of the file"
            ));
            split_last_days(visits(train_path, &mut items, &mut notes)?)
        }
    };
    drop_short(&mut train);
    let no_data = |path: &Path, message: &str| EvalError::Data {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    if train.is_empty() {
        return Err(no_data(
            train_path,
            "no training session of 2 or more clicks",
        ));
    }

    let mut dense: Vec<Option<u32>> = vec![None; items.names.len()];
    let mut names = Vec::new();
    let mut clicks: Vec<u32> = Vec::new();
    let sessions: Vec<Session> = train
        .iter()
        .enumerate()
        .map(|(key, v)| Session {
            key: key as u64,
            items: v
                .items
                .iter()
                .map(|&raw| {
                    let id = *dense[raw as usize].get_or_insert_with(|| {
                        names.push(items.names[raw as usize].clone());
                        clicks.push(0);
                        names.len() as u32 - 1
                    });
                    clicks[id as usize] += 1;
                    id
                })
                .collect(),
            time: v.time.floor() as i64,
        })
        .collect();

    let test_clicks: usize = test.iter().map(|v| v.items.len()).sum();
    let mut unseen = 0;
    let mut tests: Vec<Vec<u32>> = Vec::with_capacity(test.len());
    for v in &test {
        let known: Vec<u32> = v
            .items
            .iter()
            .filter_map(|&raw| dense[raw as usize])
            .collect();
        unseen += v.items.len() - known.len();
        if known.len() >= MIN_SESSION_CLICKS {
            tests.push(known);
        }
    }
    let test_name = test_path.unwrap_or(train_path);
    if tests.is_empty() {
        return Err(no_data(
            test_name,
            "no test session of 2 or more clicks of training items",
        ));
    }
    notes.push(format!(
        "train: {} clicks, {} sessions, {} items",
        sessions.iter().map(|s| s.items.len()).sum::<usize>(),
        sessions.len(),
        names.len()
    ));
    notes.push(format!(
        "test: {} of {} clicks kept ({} of unseen items dropped), {} of {} sessions of 2+ clicks, \
         {} predictions",
        tests.iter().map(Vec::len).sum::<usize>(),
        test_clicks,
        unseen,
        tests.len(),
        test.len(),
        tests.iter().map(|t| t.len() - 1).sum::<usize>()
    ));
    Ok(Dataset {
        name: dataset_name(train_path),
        train: sessions,
        test: tests,
        names,
        clicks,
        notes,
    })
}

/// The protocol's accuracy and beyond-accuracy metrics, accumulated one prediction at a time.
///
/// Definitions follow session-rec: HR and MRR count the single target item within the first
/// `cutoff` recommendations; NDCG is `1 / log2(rank + 1)` for that one target; coverage is the
/// share of training items recommended at least once; popularity is the mean, over predictions,
/// of the mean training click count of the recommended items divided by the largest click count.
#[derive(Debug, Clone)]
pub struct Metrics {
    cutoff: usize,
    predictions: usize,
    hits: usize,
    reciprocal_ranks: f64,
    gains: f64,
    recommended: Vec<bool>,
    covered: usize,
    train_items: usize,
    popularity: Vec<f64>,
    popularity_sum: f64,
    popularity_lists: usize,
}

impl Metrics {
    /// Empty metrics for lists cut at `cutoff`, given the training click count of each dense item.
    pub fn new(cutoff: usize, train_clicks: &[u32]) -> Self {
        let most = f64::from(train_clicks.iter().copied().max().unwrap_or(0).max(1));
        Self {
            cutoff,
            predictions: 0,
            hits: 0,
            reciprocal_ranks: 0.0,
            gains: 0.0,
            recommended: vec![false; train_clicks.len()],
            covered: 0,
            train_items: train_clicks.iter().filter(|&&c| c > 0).count(),
            popularity: train_clicks.iter().map(|&c| f64::from(c) / most).collect(),
            popularity_sum: 0.0,
            popularity_lists: 0,
        }
    }

    /// Scores one prediction: `recommended` best first, `target` the item that came next.
    pub fn add(&mut self, recommended: &[u32], target: u32) {
        let top = &recommended[..recommended.len().min(self.cutoff)];
        self.predictions += 1;
        if let Some(rank) = top.iter().position(|&i| i == target) {
            self.hits += 1;
            self.reciprocal_ranks += 1.0 / (rank + 1) as f64;
            self.gains += 1.0 / ((rank + 2) as f64).log2();
        }
        let mut seen: Vec<u32> = Vec::with_capacity(top.len());
        for &item in top {
            if seen.contains(&item) {
                continue;
            }
            seen.push(item);
            if let Some(flag) = self.recommended.get_mut(item as usize)
                && !*flag
            {
                *flag = true;
                self.covered += 1;
            }
        }
        // An empty list has no mean popularity; it counts for accuracy only.
        if !seen.is_empty() {
            let sum: f64 = seen
                .iter()
                .map(|&i| self.popularity.get(i as usize).copied().unwrap_or(0.0))
                .sum();
            self.popularity_sum += sum / seen.len() as f64;
            self.popularity_lists += 1;
        }
    }

    /// Predictions scored so far.
    pub fn predictions(&self) -> usize {
        self.predictions
    }

    /// HR@cutoff: share of predictions whose target is in the list.
    pub fn hit_rate(&self) -> f64 {
        ratio(self.hits as f64, self.predictions)
    }

    /// MRR@cutoff: mean of `1 / rank` of the target, 0 when it is not in the list.
    pub fn mrr(&self) -> f64 {
        ratio(self.reciprocal_ranks, self.predictions)
    }

    /// NDCG@cutoff with the single target item as the one relevant item.
    pub fn ndcg(&self) -> f64 {
        ratio(self.gains, self.predictions)
    }

    /// Coverage@cutoff: distinct recommended items over distinct training items.
    pub fn coverage(&self) -> f64 {
        ratio(self.covered as f64, self.train_items)
    }

    /// Popularity@cutoff: mean normalized training popularity of recommended items.
    pub fn popularity(&self) -> f64 {
        ratio(self.popularity_sum, self.popularity_lists)
    }
}

fn ratio(sum: f64, count: usize) -> f64 {
    if count == 0 { 0.0 } else { sum / count as f64 }
}

/// Where a model's predictions go, if anywhere: the file and the names to write.
struct PredictionSink<'a> {
    out: BufWriter<File>,
    path: &'a Path,
    names: &'a [String],
}

impl PredictionSink<'_> {
    fn write(&mut self, recs: &[u32], next: &[u32]) -> Result<(), EvalError> {
        let join = |ids: &[u32]| {
            ids.iter()
                .map(|&i| self.names[i as usize].as_str())
                .collect::<Vec<_>>()
                .join(",")
        };
        writeln!(self.out, "{};{}", join(recs), join(next)).map_err(io_error(self.path))
    }
}

struct Outcome {
    metrics: Metrics,
    latencies_us: Vec<f64>,
}

/// Which items a prediction must not return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    None,
    /// The prefix's last item, as serenade does.
    LastItem,
}

/// Predicts every position of every test session from its prefix. Test sessions are never added
/// to any model: session-rec's protocol (`extend=False`) keeps the index as trained.
fn evaluate(
    model: &dyn SessionRecommender,
    data: &Dataset,
    cutoff: usize,
    filter: Filter,
    mut sink: Option<&mut PredictionSink<'_>>,
) -> Result<Outcome, EvalError> {
    let mut metrics = Metrics::new(cutoff, &data.clicks);
    let mut latencies_us = Vec::new();
    for session in &data.test {
        for i in 1..session.len() {
            let prefix = &session[..i];
            let last = prefix[i - 1];
            let exclude = move |item: u32| filter == Filter::LastItem && item == last;
            let started = Instant::now();
            let recs = model.recommend(prefix, cutoff, &exclude);
            latencies_us.push(started.elapsed().as_secs_f64() * 1e6);
            let ids: Vec<u32> = recs.iter().map(|r| r.0).collect();
            metrics.add(&ids, session[i]);
            if let Some(sink) = sink.as_deref_mut() {
                sink.write(&ids, &session[i..])?;
            }
        }
    }
    Ok(Outcome {
        metrics,
        latencies_us,
    })
}

/// Both rules at once, for tuning: the list cut at `cutoff + 1` without exclusions holds the
/// list cut at `cutoff` without the prefix's last item, as excluding before the cut gives it.
/// Returns the unfiltered outcome and the no-repeat metrics.
fn evaluate_both(
    model: &dyn SessionRecommender,
    data: &Dataset,
    cutoff: usize,
) -> (Outcome, Metrics) {
    let mut metrics = Metrics::new(cutoff, &data.clicks);
    let mut no_repeat = Metrics::new(cutoff, &data.clicks);
    let mut latencies_us = Vec::new();
    let mut ids: Vec<u32> = Vec::with_capacity(cutoff + 1);
    for session in &data.test {
        for i in 1..session.len() {
            let prefix = &session[..i];
            let last = prefix[i - 1];
            let started = Instant::now();
            let recs = model.recommend(prefix, cutoff + 1, &|_| false);
            latencies_us.push(started.elapsed().as_secs_f64() * 1e6);
            ids.clear();
            ids.extend(recs.iter().map(|r| r.0));
            metrics.add(&ids[..ids.len().min(cutoff)], session[i]);
            ids.retain(|&item| item != last);
            ids.truncate(cutoff);
            no_repeat.add(&ids, session[i]);
        }
    }
    (
        Outcome {
            metrics,
            latencies_us,
        },
        no_repeat,
    )
}

fn accuracy_row(name: &str, cutoff: usize, outcome: &mut Outcome) -> Row {
    let m = &outcome.metrics;
    let mut row = Row::new(name)
        .metric(format!("HR@{cutoff}"), m.hit_rate())
        .metric(format!("MRR@{cutoff}"), m.mrr())
        .metric(format!("NDCG@{cutoff}"), m.ndcg());
    row.latency_us = Some(Latency::from_samples(&mut outcome.latencies_us));
    row
}

fn full_row(name: &str, cutoff: usize, mut outcome: Outcome, build_ms: f64, bytes: usize) -> Row {
    let m = outcome.metrics.clone();
    accuracy_row(name, cutoff, &mut outcome)
        .metric(format!("Coverage@{cutoff}"), m.coverage())
        .metric(format!("Popularity@{cutoff}"), m.popularity())
        .metric("build_ms", build_ms)
        .metric("index_mb", bytes as f64 / (1024.0 * 1024.0))
}

fn timed<T>(build: impl FnOnce() -> T) -> (T, f64) {
    let started = Instant::now();
    let built = build();
    (built, started.elapsed().as_secs_f64() * 1e3)
}

/// The process's peak resident memory in MiB, where the OS reports it (Linux `VmHWM`).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Runs the protocol: POP, SR, V-SKNN and Tailor on the same split, one row each, then Tailor's
/// model again with the prefix's last item excluded ([`NO_REPEAT_ROW`], serenade's rule).
pub fn run(args: &SessionsArgs) -> Result<Report, EvalError> {
    if args.cutoff == 0 {
        return Err(EvalError::Argument("cutoff must be at least 1".into()));
    }
    args.tailor
        .validate()
        .map_err(|e| EvalError::Argument(e.to_string()))?;
    let data = load(&args.train, args.test.as_deref())?;
    let cutoff = args.cutoff;
    let mut report = Report::new("sessions", data.name.clone());

    let (pop, ms) = timed(|| Pop::build(&data.train));
    let outcome = evaluate(&pop, &data, cutoff, Filter::None, None)?;
    report
        .rows
        .push(full_row("pop", cutoff, outcome, ms, pop.heap_bytes()));

    let sr_params = RulesParams::default();
    let (sr, ms) = timed(|| SequentialRules::build(sr_params, &data.train));
    let outcome = evaluate(&sr, &data, cutoff, Filter::None, None)?;
    report
        .rows
        .push(full_row("sr", cutoff, outcome, ms, sr.heap_bytes()));

    let vsknn_params = VSknnParams::default();
    let (vsknn, ms) = timed(|| VSknn::build(vsknn_params, &data.train));
    let outcome = evaluate(&vsknn, &data, cutoff, Filter::None, None)?;
    report
        .rows
        .push(full_row("v-sknn", cutoff, outcome, ms, vsknn.heap_bytes()));

    let (tailor, ms) = timed(|| SessionKnn::build(args.tailor, &data.train));
    let tailor = tailor.map_err(|e| EvalError::Argument(e.to_string()))?;
    let mut sink = match &args.predictions {
        Some(path) => Some(PredictionSink {
            out: BufWriter::new(File::create(path).map_err(io_error(path))?),
            path,
            names: &data.names,
        }),
        None => None,
    };
    let outcome = evaluate(&tailor, &data, cutoff, Filter::None, sink.as_mut())?;
    if let Some(mut sink) = sink {
        sink.out.flush().map_err(io_error(sink.path))?;
    }
    report.rows.push(full_row(
        TAILOR_ROW,
        cutoff,
        outcome,
        ms,
        tailor.heap_bytes(),
    ));
    // Serenade's rule: the item just clicked is never recommended. Same model, same index.
    let outcome = evaluate(&tailor, &data, cutoff, Filter::LastItem, None)?;
    report.rows.push(full_row(
        NO_REPEAT_ROW,
        cutoff,
        outcome,
        ms,
        tailor.heap_bytes(),
    ));
    let vsknn_no_repeat = evaluate(&vsknn, &data, cutoff, Filter::LastItem, None)?.metrics;

    report.notes = data.notes;
    report.notes.extend([
        "protocol: Ludewig, Mauro, Latifi & Jannach (UMUAI 2021): every position i of a test \
         session is predicted from clicks [0..i) and scored on click i; test sessions are never \
         added to a model's index (session-rec's extend=False)"
            .to_string(),
        format!("NDCG@{cutoff} counts the single target item: 1 / log2(rank + 1)"),
        format!(
            "{NO_REPEAT_ROW}: the tailor model with the prefix's last item excluded from every \
             list, as serenade does (it can never hit a repeated click); v-sknn so filtered: \
             HR@{cutoff} {:.4}, MRR@{cutoff} {:.4}",
            vsknn_no_repeat.hit_rate(),
            vsknn_no_repeat.mrr()
        ),
        format!(
            "sr: steps={} keep={} weighting=div (session-rec defaults)",
            sr_params.steps, sr_params.keep
        ),
        format!(
            "v-sknn: k={} m={} weighting={:?} weighting_score={:?} idf_weight={} similarity=dot \
             sampling=recent remind=on (session-rec defaults, paper's linear decay)",
            vsknn_params.neighbors,
            vsknn_params.sample_size,
            vsknn_params.weighting,
            vsknn_params.weighting_score,
            vsknn_params.idf_weight
        ),
        format!("tailor: {}", args.tailor),
        "latency: wall clock of one recommend() call, single thread; build_ms: wall clock of \
         building the model from parsed sessions; index_mb: heap bytes held by the model's own \
         structures, counted from capacities (not process memory)"
            .to_string(),
    ]);
    if let Some(mb) = peak_rss_mb() {
        report.notes.push(format!(
            "process peak RSS after the run: {mb:.0} MiB (data, all four models and the evaluation)"
        ));
    }
    Ok(report)
}

/// The values [`tune`] tries for each parameter.
struct Grid {
    sample_size: &'static [usize],
    neighbors: &'static [usize],
    window: &'static [usize],
    reminder_window: &'static [usize],
    position_decay: &'static [Option<f64>],
    recency_decay_days: &'static [Option<f64>],
    item_distance_decay: &'static [Option<f64>],
    match_recency_decay: &'static [Option<f64>],
    idf_weight: &'static [f64],
    reminder_weight: &'static [f64],
    reminder_decay: &'static [Option<f64>],
    similarity: &'static [Similarity],
}

/// The search space. `m` and `k` stop at 1000 and 200: larger ones gained at most 0.002 HR@20 on
/// yoochoose validation and pushed single-thread p99 past the 100 µs budget on our 2-core box.
const GRID: Grid = Grid {
    sample_size: &[100, 250, 500, 1000],
    neighbors: &[25, 50, 100, 200],
    window: &[1, 2, 3, 5, 10, 20],
    reminder_window: &[1, 2, 3, 5, 10, 20],
    position_decay: &[
        None,
        Some(0.25),
        Some(0.5),
        Some(1.0),
        Some(2.0),
        Some(4.0),
        Some(8.0),
    ],
    recency_decay_days: &[
        None,
        Some(0.5),
        Some(1.0),
        Some(2.0),
        Some(5.0),
        Some(10.0),
        Some(40.0),
    ],
    item_distance_decay: &[
        None,
        Some(0.5),
        Some(1.0),
        Some(2.0),
        Some(4.0),
        Some(8.0),
        Some(16.0),
    ],
    match_recency_decay: &[None, Some(0.25), Some(0.5), Some(1.0), Some(2.0), Some(4.0)],
    idf_weight: &[0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0],
    reminder_weight: &[0.0, 0.05, 0.1, 0.2, 0.5],
    reminder_decay: &[None, Some(1.0), Some(2.0), Some(4.0), Some(8.0)],
    similarity: &[Similarity::Cosine, Similarity::Dot],
};

/// A point of [`GRID`]: one index per parameter, in the field order of [`Grid`].
type Point = [usize; 12];

impl Grid {
    fn sizes(&self) -> Point {
        [
            self.sample_size.len(),
            self.neighbors.len(),
            self.window.len(),
            self.reminder_window.len(),
            self.position_decay.len(),
            self.recency_decay_days.len(),
            self.item_distance_decay.len(),
            self.match_recency_decay.len(),
            self.idf_weight.len(),
            self.reminder_weight.len(),
            self.reminder_decay.len(),
            self.similarity.len(),
        ]
    }

    /// The grid point of `params`, if every value is on the grid.
    fn point_of(&self, params: &SessionKnnParams) -> Option<Point> {
        fn at<T: PartialEq>(values: &[T], value: &T) -> Option<usize> {
            values.iter().position(|v| v == value)
        }
        Some([
            at(self.sample_size, &params.sample_size)?,
            at(self.neighbors, &params.neighbors)?,
            at(self.window, &params.window)?,
            at(self.reminder_window, &params.reminder_window)?,
            at(self.position_decay, &params.position_decay)?,
            at(self.recency_decay_days, &params.recency_decay_days)?,
            at(self.item_distance_decay, &params.item_distance_decay)?,
            at(self.match_recency_decay, &params.match_recency_decay)?,
            at(self.idf_weight, &params.idf_weight)?,
            at(self.reminder_weight, &params.reminder_weight)?,
            at(self.reminder_decay, &params.reminder_decay)?,
            at(self.similarity, &params.similarity)?,
        ])
    }

    fn params(&self, p: Point) -> SessionKnnParams {
        let sample_size = self.sample_size[p[0]];
        SessionKnnParams {
            sample_size,
            neighbors: self.neighbors[p[1]].min(sample_size),
            window: self.window[p[2]],
            reminder_window: self.reminder_window[p[3]],
            position_decay: self.position_decay[p[4]],
            recency_decay_days: self.recency_decay_days[p[5]],
            item_distance_decay: self.item_distance_decay[p[6]],
            match_recency_decay: self.match_recency_decay[p[7]],
            idf_weight: self.idf_weight[p[8]],
            reminder_weight: self.reminder_weight[p[9]],
            reminder_decay: self.reminder_decay[p[10]],
            similarity: self.similarity[p[11]],
        }
    }
}

/// xorshift64*: enough randomness to spread draws over a grid, no dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// Searches Tailor's parameters on `train` -> `valid` only: `TUNE_RANDOM_DRAWS` random points of
/// a fixed grid, then coordinate passes from the best (each parameter in turn over all its grid
/// values) until a pass improves nothing.
///
/// The objective follows the acceptance tests. Tailor's main row must stay above V-SKNN on
/// HR@20 and MRR@20, and its no-repeat row must beat serenade, whose weak side against us is
/// MRR@20. So parameter sets whose HR@20, MRR@20 and HR@20 without the last item are all at least
/// `TUNE_MARGIN` (2%) above V-SKNN's on the same split are ranked by MRR@20 without the last item,
/// as a ratio to V-SKNN's so filtered; the others rank behind them all, by the smallest of those
/// three ratios, minus one. Reported as the metric `objective`. Both lists come from one call
/// per prediction. Rows are the best parameter sets, best first, then
/// V-SKNN itself.
pub fn tune(train: &Path, valid: &Path) -> Result<Report, EvalError> {
    let data = load(train, Some(valid))?;
    let cutoff = DEFAULT_CUTOFF;
    let vsknn = VSknn::build(VSknnParams::default(), &data.train);
    let (mut baseline, baseline_no_repeat) = evaluate_both(&vsknn, &data, cutoff);
    let base = [
        baseline.metrics.hit_rate(),
        baseline.metrics.mrr(),
        baseline_no_repeat.hit_rate(),
        baseline_no_repeat.mrr(),
    ];
    let objective_of = |m: &Metrics, no_repeat: &Metrics| {
        let ratios = [m.hit_rate(), m.mrr(), no_repeat.hit_rate(), no_repeat.mrr()]
            .iter()
            .zip(&base)
            .map(|(ours, theirs)| ours / theirs)
            .collect::<Vec<f64>>();
        let guarded = ratios[..3].iter().copied().fold(f64::INFINITY, f64::min);
        if guarded >= 1.0 + TUNE_MARGIN {
            ratios[3]
        } else {
            // Below the guard: ranked among themselves, always behind every point above it.
            guarded - 1.0
        }
    };
    let hr_no_repeat = format!("HR@{cutoff} no-repeat");
    let mrr_no_repeat = format!("MRR@{cutoff} no-repeat");

    let sizes = GRID.sizes();
    let largest = GRID.params(sizes.map(|n| n - 1));
    let mut knn =
        SessionKnn::build(largest, &data.train).map_err(|e| EvalError::Argument(e.to_string()))?;
    let mut results: HashMap<Point, (f64, Row)> = HashMap::new();
    let mut score = |p: Point, knn: &mut SessionKnn| -> Result<f64, EvalError> {
        if let Some((objective, _)) = results.get(&p) {
            return Ok(*objective);
        }
        let params = GRID.params(p);
        knn.set_params(params)
            .map_err(|e| EvalError::Argument(e.to_string()))?;
        let (mut outcome, no_repeat) = evaluate_both(knn, &data, cutoff);
        let objective = objective_of(&outcome.metrics, &no_repeat);
        let row = accuracy_row(&params.to_string(), cutoff, &mut outcome)
            .metric(hr_no_repeat.as_str(), no_repeat.hit_rate())
            .metric(mrr_no_repeat.as_str(), no_repeat.mrr())
            .metric("objective", objective);
        results.insert(p, (objective, row));
        Ok(objective)
    };

    // The current defaults start the race when they lie on the grid, so re-tuning never loses them.
    let mut best: (f64, Point) = (f64::NEG_INFINITY, [0; 12]);
    if let Some(p) = GRID.point_of(&SessionKnnParams::default()) {
        best = (score(p, &mut knn)?, p);
    }
    let mut rng = Rng(TUNE_SEED);
    for _ in 0..TUNE_RANDOM_DRAWS {
        let p = sizes.map(|n| rng.below(n));
        let objective = score(p, &mut knn)?;
        if objective > best.0 {
            best = (objective, p);
        }
    }
    for _ in 0..TUNE_PASSES {
        let before = best.0;
        for dim in 0..sizes.len() {
            for value in 0..sizes[dim] {
                let mut p = best.1;
                p[dim] = value;
                let objective = score(p, &mut knn)?;
                if objective > best.0 {
                    best = (objective, p);
                }
            }
        }
        if best.0 <= before {
            break;
        }
    }

    let evaluated = results.len();
    let mut ranked: Vec<(f64, Row)> = results.into_values().collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    let mut report = Report::new("tune-sessions", dataset_name(valid));
    report.rows = ranked
        .into_iter()
        .take(TUNE_ROWS)
        .map(|(_, row)| row)
        .collect();
    report.rows.push(
        accuracy_row("v-sknn", cutoff, &mut baseline)
            .metric(hr_no_repeat.as_str(), baseline_no_repeat.hit_rate())
            .metric(mrr_no_repeat.as_str(), baseline_no_repeat.mrr())
            .metric("objective", 1.0),
    );
    report.notes = data.notes;
    report.notes.extend([
        format!("best: {}", GRID.params(best.1)),
        format!(
            "objective = MRR@{cutoff} no-repeat / that of v-sknn no-repeat, for parameter sets \
             whose HR@{cutoff}, MRR@{cutoff} and HR@{cutoff} no-repeat are all at least {:.0}% \
             above v-sknn's on this split; below that, the smallest of those three ratios - 1; \
             {evaluated} parameter sets evaluated: the current defaults, \
             {TUNE_RANDOM_DRAWS} random grid points (seeded), then coordinate passes from the best",
            TUNE_MARGIN * 100.0
        ),
    ]);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_midnights() {
        assert_eq!(parse_date("1970-01-01"), Some(0.0));
        assert_eq!(parse_date("2016-05-09"), Some(1_462_752_000.0));
        assert_eq!(parse_date("2000-02-29"), Some(951_782_400.0));
        for bad in [
            "1900-02-29",
            "2016-13-01",
            "2016-04-31",
            "2016-05",
            "yesterday",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn raw_filters_run_once_in_session_rec_order() {
        let visit = |items: &[u32]| Visit {
            items: items.to_vec(),
            time: 0.0,
        };
        let kept = filter_raw(
            vec![visit(&[0, 0, 0, 0, 1]), visit(&[0, 2]), visit(&[3])],
            4,
        );
        // Item 0 has 5 clicks when items are counted; dropping session [0, 2] afterwards leaves
        // it with 4, but the filters are not iterated, as in session-rec.
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].items, vec![0, 0, 0, 0]);
    }

    #[test]
    fn the_last_week_is_the_test_set() {
        let day = SECONDS_PER_DAY;
        let visit = |time: f64| Visit {
            items: vec![0, 1],
            time,
        };
        let (train, test) = split_last_days(vec![visit(0.0), visit(3.0 * day), visit(10.0 * day)]);
        assert_eq!(
            train.iter().map(|v| v.time).collect::<Vec<_>>(),
            [0.0, 3.0 * day]
        );
        assert_eq!(test.len(), 1);
    }

    #[test]
    fn the_defaults_lie_on_the_tuning_grid() {
        let point = GRID.point_of(&SessionKnnParams::default());
        assert!(
            point.is_some(),
            "re-tuning must start from the current defaults"
        );
        assert_eq!(
            point.map(|p| GRID.params(p)),
            Some(SessionKnnParams::default())
        );
    }
}
