//! The `tailor` binary: thin wiring of the crates into subcommands.

mod cmd;

/// mimalloc instead of the system allocator: the server and start-up replay allocate and free
/// small strings per event and per request, often on another thread than the one that
/// allocated them, which glibc's malloc handles slowly.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "tailor",
    version,
    about = "Self-hosted ecommerce personalization and customization"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API on an embedded store.
    Serve(cmd::serve::ServeArgs),
    /// Load a product feed into the store.
    Import(cmd::import::ImportArgs),
    /// Generate a demo shop, serve it, and print its keys and URL.
    Demo(cmd::demo::DemoArgs),
    /// Create, list and revoke API keys.
    Keys(cmd::keys::KeysArgs),
    /// Offline evaluation on real data (tables, or JSON with --json).
    Eval(cmd::eval::EvalArgs),
    /// Hyper-parameter search on a validation split.
    Tune(cmd::eval::TuneArgs),
    /// Whole-system speed measurements.
    Bench(cmd::bench::BenchArgs),
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One readable line (with its causes), not a backtrace: these are users' mistakes.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve(a) => cmd::serve::run(a),
        Command::Import(a) => cmd::import::run(a),
        Command::Demo(a) => cmd::demo::run(a),
        Command::Keys(a) => cmd::keys::run(a),
        Command::Eval(a) => cmd::eval::run(a),
        Command::Tune(a) => cmd::eval::tune(a),
        Command::Bench(a) => cmd::bench::run(a),
    }
}
