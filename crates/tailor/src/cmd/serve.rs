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
    /// Send queued emails (reminders) through this SMTP server: `smtp://host:port` (plain, or
    /// STARTTLS with `?tls=required`), `smtps://host:port` (TLS), `user:pass@` for auth.
    /// Without it, reminders are still queued and listed, but not sent.
    #[arg(long)]
    pub smtp: Option<String>,
    /// Create replenishment reminders for every shop that does not switch them off itself.
    #[arg(long)]
    pub reminders: bool,
    /// Default local time of the daily reminder run (HH:MM); a shop's own setting wins.
    #[arg(long)]
    pub reminders_at: Option<String>,
    /// Default time zone of the reminder run (IANA name, e.g. Europe/Berlin).
    #[arg(long)]
    pub reminders_tz: Option<String>,
    /// Default sender of reminder emails (`Name <address>`).
    #[arg(long)]
    pub mail_from: Option<String>,
    /// This server's public URL, for unsubscribe links.
    #[arg(long)]
    pub public_url: Option<String>,
    /// How often the scheduler and the deliverer look for work, in seconds.
    #[arg(long, default_value_t = 60)]
    pub scheduler_every: u64,
}

/// The reminder defaults the flags give, checked so that a typo fails at start-up.
pub fn reminder_defaults(a: &ServeArgs) -> anyhow::Result<serde_json::Value> {
    let mut d = serde_json::Map::new();
    if a.reminders {
        d.insert("enabled".into(), true.into());
    }
    for (k, v) in [
        ("send_at", &a.reminders_at),
        ("timezone", &a.reminders_tz),
        ("from", &a.mail_from),
        ("public_url", &a.public_url),
    ] {
        if let Some(v) = v {
            d.insert(k.into(), v.clone().into());
        }
    }
    let d = serde_json::Value::Object(d);
    tailor_notify::ReminderSettings::default()
        .merged(&d)
        .map_err(|e| {
            let flag = match e.field.as_str() {
                "send_at" => "reminders-at",
                "timezone" => "reminders-tz",
                "from" => "mail-from",
                _ => "public-url",
            };
            anyhow::anyhow!("--{flag}: {}", e.reason)
        })?;
    Ok(d)
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
    // Flags are checked before the store is touched, so a typo changes nothing on disk.
    let defaults = reminder_defaults(&a)?;
    if let Some(url) = &a.smtp {
        tailor_notify::smtp_from_url(url)?;
    }
    let store = std::sync::Arc::new(tailor_store::SqliteStore::open_with(
        &a.data_dir,
        durability(&a.sync)?,
    )?);
    let mut app = boot(store)?;
    app.reminder_defaults = std::sync::Arc::new(defaults.clone());
    let rt = runtime()?;
    rt.block_on(async {
        let clock = std::sync::Arc::new(tailor_notify::SystemClock);
        let scheduler = std::sync::Arc::new(tailor_notify::Scheduler::new(
            app.store.clone(),
            app.engine.clone(),
            clock.clone(),
            defaults.clone(),
        ));
        let deliverer = match &a.smtp {
            Some(url) => Some(tailor_notify::Deliverer::new(
                app.store.clone(),
                app.engine.clone(),
                clock,
                tailor_notify::smtp_from_url(url)?,
                defaults,
            )),
            None => None,
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let every = std::time::Duration::from_secs(a.scheduler_every.max(1));
        let jobs = tokio::spawn(tailor_notify::run(scheduler, deliverer, every, async {
            let _ = stopped.await;
        }));
        let served = serve_until_ctrl_c(app, &a.listen, |addr| {
            eprintln!(
                "Tailor is listening on http://{addr}  (API docs: http://{addr}/openapi.json)"
            );
        })
        .await;
        let _ = stop.send(());
        let _ = jobs.await;
        served
    })
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
