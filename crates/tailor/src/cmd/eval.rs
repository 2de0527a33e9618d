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
    /// Next basket and replenishment timing (EVALUATION.md section 2): instacart layout
    /// (`--orders` and `--lines`) or `--dunnhumby DIR`.
    Replenishment {
        /// orders.csv
        #[arg(long, required_unless_present = "dunnhumby", requires = "lines")]
        orders: Option<PathBuf>,
        /// order_products__prior.csv
        #[arg(long, requires = "orders")]
        lines: Option<PathBuf>,
        /// A dunnhumby Complete Journey directory (transactions*.csv[.gz]) instead.
        #[arg(long, conflicts_with_all = ["orders", "lines"])]
        dunnhumby: Option<PathBuf>,
        /// Write ours next-basket predictions as `rec1,rec2,...;next1,next2,...`.
        #[arg(long)]
        predictions: Option<PathBuf>,
    },
    /// Personalized ranking of a browse page (EVALUATION.md section 3, instacart layout).
    Browse {
        /// orders.csv
        #[arg(long)]
        orders: PathBuf,
        /// order_products__prior.csv
        #[arg(long)]
        lines: PathBuf,
        /// products.csv (product_id, aisle_id, department_id, product_name)
        #[arg(long)]
        products: PathBuf,
        /// Score each user's second-to-last order instead (what the weights are chosen on)
        #[arg(long)]
        validation: bool,
    },
    /// Allergens and diets derived from Open Food Facts ingredient text: tag counts, a sample
    /// for checking by hand, and the catalog as NDJSON.
    Allergens(super::eval_allergens::AllergensArgs),
    /// A simulation: hit rate with no personalization, behaviour only, stated preferences only
    /// and both, on demo shoppers with hidden tastes who state only some of them.
    Preferences(super::eval_preferences::PreferencesEvalArgs),
    /// Search relevance on judged queries (EVALUATION.md section 4, Home Depot layout).
    Search {
        /// CSV with product_uid, product_title, search_term, relevance.
        #[arg(long)]
        data: PathBuf,
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
            EvalWhat::Replenishment {
                orders,
                lines,
                dunnhumby,
                predictions,
            } => {
                use tailor_eval::replenishment::{ReplenishmentArgs, Source, run};
                let source = match (orders, lines, dunnhumby) {
                    (_, _, Some(dir)) => Source::Dunnhumby(dir),
                    (Some(orders), Some(lines), None) => Source::Instacart { orders, lines },
                    _ => anyhow::bail!("give --orders and --lines, or --dunnhumby"),
                };
                run(&ReplenishmentArgs {
                    source,
                    predictions,
                })?
            }
            EvalWhat::Browse {
                orders,
                lines,
                products,
                validation,
            } => tailor_eval::browse::run(&tailor_eval::browse::BrowseArgs {
                orders,
                lines,
                products,
                validation,
            })?,
            EvalWhat::Allergens(x) => super::eval_allergens::run(&x)?,
            EvalWhat::Preferences(x) => super::eval_preferences::run(&x)?,
            EvalWhat::Search { data } => {
                tailor_eval::search::run(&tailor_eval::search::SearchArgs::new(data))?
            }
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
