//! Model selection for the learned text ranker on the Home Depot tuning half only: a 2-fold
//! split of the tuning queries (by the parity of their sha1's first byte), fit on one fold,
//! PairAcc on the other, both ways. The evaluation half is never read.
//!
//! `cargo run --release -p tailor-eval --example search_cv -- ../shared/datasets/homedepot-search-relevance/train.utf8.csv`

use tailor_eval::search::{PAIR_GAP, SearchArgs, prepare};
use tailor_search::forest::{ForestOptions, fit_lambdamart};
use tailor_search::rank::{FitOptions, Judged, NUM_FEATURES, fit_pairwise};

/// Fits a model on one fold and returns its scorer.
type Fit = dyn Fn(&[Vec<Judged>]) -> Box<dyn Fn(&Judged) -> f32>;

fn pair_acc(qs: &[Vec<Judged>], score: impl Fn(&Judged) -> f32) -> (f64, f64) {
    let (mut hit, mut all) = (0.0, 0.0);
    for q in qs {
        let s: Vec<f32> = q.iter().map(&score).collect();
        for (a, ja) in q.iter().enumerate() {
            for (b, jb) in q.iter().enumerate() {
                if ja.label - jb.label >= PAIR_GAP - 1e-4 {
                    all += 1.0;
                    hit += match s[a].total_cmp(&s[b]) {
                        std::cmp::Ordering::Greater => 1.0,
                        std::cmp::Ordering::Equal => 0.5,
                        std::cmp::Ordering::Less => 0.0,
                    };
                }
            }
        }
    }
    (hit, all)
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("give the train.utf8.csv path");
    let configs: Vec<String> = std::env::args().skip(2).collect();
    let cache = std::env::var("CV_CACHE").ok();
    let mut folds: [Vec<Vec<Judged>>; 2] = [Vec::new(), Vec::new()];
    if let Some(text) = cache.as_ref().and_then(|c| std::fs::read_to_string(c).ok()) {
        // Cached features: `fold label f0 .. f19` per product, a blank line between queries.
        let mut q: Vec<Judged> = Vec::new();
        let mut fold = 0;
        for line in text.lines() {
            if line.is_empty() {
                folds[fold].push(std::mem::take(&mut q));
                continue;
            }
            let v: Vec<f32> = line.split(' ').map(|x| x.parse().unwrap()).collect();
            fold = v[0] as usize;
            let mut features = [0.0; NUM_FEATURES];
            features.copy_from_slice(&v[2..2 + NUM_FEATURES]);
            q.push(Judged {
                features,
                label: v[1],
            });
        }
    } else {
        let mut args = SearchArgs::new(path);
        args.sample_below = 256;
        let t = std::time::Instant::now();
        let p = prepare(&args).expect("data prepares");
        eprintln!("prepared in {:.1} s", t.elapsed().as_secs_f64());
        let mut out = String::new();
        for (&q, feats) in p.queries.iter().zip(&p.pools) {
            let jq = &p.data.queries[q];
            if !jq.tuning {
                continue;
            }
            let fold =
                usize::from(sha1_smol::Sha1::from(jq.text.as_bytes()).digest().bytes()[0] % 2);
            for (&(_, label), f) in jq.judged.iter().zip(feats) {
                out.push_str(&format!("{fold} {label}"));
                for x in f {
                    out.push_str(&format!(" {x}"));
                }
                out.push('\n');
            }
            out.push('\n');
            folds[fold].push(
                jq.judged
                    .iter()
                    .zip(feats)
                    .map(|(&(_, label), f)| Judged {
                        features: *f,
                        label,
                    })
                    .collect(),
            );
        }
        if let Ok(dump) = std::env::var("CV_ERRORS") {
            let all: Vec<Vec<Judged>> = folds.iter().flatten().cloned().collect();
            let r = fit_pairwise(&all, FitOptions::default());
            let mut lines = String::new();
            for (&q, feats) in p.queries.iter().zip(&p.pools) {
                let jq = &p.data.queries[q];
                if !jq.tuning {
                    continue;
                }
                let s: Vec<f32> = feats.iter().map(|f| r.score(f)).collect();
                let mut order: Vec<usize> = (0..s.len()).collect();
                order.sort_by(|&a, &b| s[b].total_cmp(&s[a]));
                lines.push_str(&format!("== {}\n", jq.text));
                for i in order {
                    let (prod, label) = jq.judged[i];
                    let f: Vec<String> = feats[i].iter().map(|x| format!("{x:.2}")).collect();
                    lines.push_str(&format!(
                        "  {label:.2} {:7.3} {} | {}\n",
                        s[i],
                        p.data.products[prod as usize].1,
                        f.join(" ")
                    ));
                }
            }
            std::fs::write(dump, lines).expect("dump writes");
        }
        if let Some(c) = &cache {
            std::fs::write(c, out).expect("cache writes");
        }
    }
    if std::env::var("CV_SYNTHETIC").is_ok() {
        // A check of the tree learner on these features' real distributions: labels replaced by
        // the linear ranker's own score (fitted on the whole tuning half), which a good learner
        // should reproduce on the other fold.
        let all: Vec<Vec<Judged>> = folds.iter().flatten().cloned().collect();
        let r = fit_pairwise(&all, FitOptions::default());
        for q in folds.iter_mut().flatten() {
            for j in q.iter_mut() {
                j.label = 1.0 + r.score(&j.features);
            }
        }
    }
    let run = |name: &str, fit: &Fit| {
        let t = std::time::Instant::now();
        let (mut hit, mut all) = (0.0, 0.0);
        for k in 0..2 {
            let model = fit(&folds[k]);
            let (h, a) = pair_acc(&folds[1 - k], &model);
            let (th, ta) = pair_acc(&folds[k], &model);
            eprintln!("  {name} fold {k}: train {:.4} test {:.4}", th / ta, h / a);
            hit += h;
            all += a;
        }
        println!(
            "{name:60} cv PairAcc {:.4}  ({:.1} s)",
            hit / all,
            t.elapsed().as_secs_f64()
        );
    };
    run("linear", &|train| {
        let r = fit_pairwise(train, FitOptions::default());
        Box::new(move |j| r.score(&j.features))
    });
    for c in &configs {
        if let Some(l) = c.strip_prefix("lin:") {
            // min_gap,l2,steps,learning_rate
            let v: Vec<f32> = l.split(',').map(|x| x.parse().expect("number")).collect();
            let opts = FitOptions {
                min_gap: v[0],
                l2: v[1],
                steps: v[2] as usize,
                learning_rate: v[3],
            };
            run(&format!("linear {l}"), &move |train| {
                let r = fit_pairwise(train, opts);
                Box::new(move |j| r.score(&j.features))
            });
            continue;
        }
        // trees,depth,lr,min_child,l2,base(0/1)
        let v: Vec<f32> = c.split(',').map(|x| x.parse().expect("number")).collect();
        let opts = ForestOptions {
            trees: v[0] as usize,
            depth: v[1] as usize,
            learning_rate: v[2],
            min_child_hessian: v[3],
            l2: v[4],
            min_gap: v.get(6).copied().unwrap_or(0.5),
            bins: v.get(7).map_or(64, |&b| b as usize),
        };
        let with_linear = v.get(5).is_some_and(|&b| b > 0.0);
        run(&format!("forest {c}"), &move |train| {
            let lin = if with_linear {
                Some(fit_pairwise(train, FitOptions::default()))
            } else {
                None
            };
            let base: Vec<Vec<f32>> = train
                .iter()
                .map(|q| {
                    q.iter()
                        .map(|j| lin.as_ref().map_or(0.0, |r| r.score(&j.features)))
                        .collect()
                })
                .collect();
            let f = fit_lambdamart(train, &base, opts);
            Box::new(move |j| {
                lin.as_ref().map_or(0.0, |r| r.score(&j.features)) + f.score(&j.features)
            })
        });
    }
}
