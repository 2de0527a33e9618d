//! `tailor serve`: replay the store into memory, then serve HTTP.

use super::DEFAULT_DATA_DIR;
use clap::Args;
use std::path::PathBuf;
use tailor_server::App;

#[derive(Args)]
pub struct ServeArgs {
    /// Where the embedded store lives.
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7070")]
    pub listen: String,
    /// `full`: fsync every commit (acknowledged events survive power loss). `process`: they
    /// survive a crash or kill of the process; a power loss may lose the last moments.
    #[arg(long, default_value = "full")]
    pub sync: String,
}

/// Parses `--sync`.
pub fn durability(s: &str) -> anyhow::Result<tailor_store::Durability> {
    match s {
        "full" => Ok(tailor_store::Durability::Full),
        "process" => Ok(tailor_store::Durability::Process),
        other => anyhow::bail!("--sync must be `full` or `process`, not {other:?}"),
    }
}

pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    let store = std::sync::Arc::new(tailor_store::SqliteStore::open_with(
        &a.data_dir,
        durability(&a.sync)?,
    )?);
    let app = boot(store)?;
    runtime()?.block_on(serve_until_ctrl_c(app, &a.listen, |addr| {
        eprintln!("Tailor is listening on http://{addr}  (API docs: http://{addr}/openapi.json)");
    }))
}

/// Replays the store into a fresh engine and logs how fast that went.
pub fn boot(store: std::sync::Arc<tailor_store::SqliteStore>) -> anyhow::Result<App> {
    let (app, stats) = App::open(store)?;
    let rate = if stats.event_secs > 0.0 {
        stats.events as f64 / stats.event_secs
    } else {
        0.0
    };
    tracing::info!(
        shops = stats.shops,
        products = stats.products,
        events = stats.events,
        replay_events_per_sec = rate as u64,
        "state rebuilt from the store"
    );
    if app.dev_mode() {
        tracing::warn!(
            "NO API KEYS EXIST: running in OPEN DEVELOPMENT MODE, every request is treated as admin. \
             Create keys with `tailor keys create` before exposing this server."
        );
    }
    Ok(app)
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Binds, reports the address, and serves until Ctrl-C.
pub async fn serve_until_ctrl_c(
    app: App,
    listen: &str,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    on_ready(listener.local_addr()?);
    tailor_server::serve(app, listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
