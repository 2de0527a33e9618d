//! `tailor eval ...` and `tailor tune ...`: offline evaluation on real data. The protocols live
//! in `tailor-eval`; this only parses flags and prints the report.

use super::print_report;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args)]
pub struct EvalArgs {
    #[command(subcommand)]
    what: EvalWhat,
    /// Print one JSON object instead of a table.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum EvalWhat {
    /// Session-based next item (EVALUATION.md section 1).
    Sessions {
        /// Training clicks (session-rec TSV, or Diginetica-style ;/, CSV with named columns).
        #[arg(long)]
        train: PathBuf,
        /// Test clicks; omit for Diginetica's single file (its last 7 days become the test set).
        #[arg(long)]
        test: Option<PathBuf>,
        /// Write every prediction of ours as `rec1,rec2,...;next1,next2,...`.
        #[arg(long)]
        predictions: Option<PathBuf>,
    },
    /// Bought together on order data (instacart layout).
    BoughtTogether {
        /// orders.csv
        #[arg(long)]
        orders: PathBuf,
        /// order_products__prior.csv
        #[arg(long)]
        lines: PathBuf,
    },
}

#[derive(Args)]
pub struct TuneArgs {
    #[command(subcommand)]
    what: TuneWhat,
    /// Print one JSON object instead of a table.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum TuneWhat {
    /// Tune the session recommender on a validation split only.
    Sessions {
        /// Training part of the training data (e.g. yoochoose `_train_tr`).
        #[arg(long)]
        train: PathBuf,
        /// Validation part (e.g. yoochoose `_train_valid`).
        #[arg(long)]
        valid: PathBuf,
    },
}

pub fn run(a: EvalArgs) -> anyhow::Result<()> {
    let report =
        match a.what {
            EvalWhat::Sessions {
                train,
                test,
                predictions,
            } => tailor_eval::sessions::run(&tailor_eval::sessions::SessionsArgs {
                predictions,
                ..tailor_eval::sessions::SessionsArgs::new(train, test)
            })?,
            EvalWhat::BoughtTogether { orders, lines } => tailor_eval::basket::run_bought_together(
                &tailor_eval::basket::BoughtTogetherArgs { orders, lines },
            )?,
        };
    print_report(&report, a.json);
    Ok(())
}

pub fn tune(a: TuneArgs) -> anyhow::Result<()> {
    let report = match a.what {
        TuneWhat::Sessions { train, valid } => tailor_eval::sessions::tune(&train, &valid)?,
    };
    print_report(&report, a.json);
    Ok(())
}
