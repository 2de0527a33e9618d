//! Reminders and email. The scheduler ([`Scheduler`]) turns each shop's due replenishment
//! cycles into messages in the store's durable outbox once a day, and wishlist price drops and
//! restocks into alerts as they come ([`alerts`]); the deliverer ([`Deliverer`])
//! sends them over SMTP with retries. Messages are rendered from templates compiled into the
//! binary ([`render`]), and their recommendations come from the engine's shared pipeline.
//!
//! Both take a [`Clock`], so tests drive a day by hand ([`ManualClock`]). [`run`] is the loop
//! `tailor serve` starts.
#![warn(missing_docs)]

pub mod alerts;
pub mod clock;
pub mod deliver;
pub mod reminders;
pub mod render;
pub mod settings;

pub use alerts::{AlertStats, queue_alerts};
pub use clock::{Clock, ManualClock, SystemClock};
pub use deliver::{Backoff, Deliverer, DeliveryStats, smtp_from_url};
pub use reminders::{RunStats, Scheduler, run_date, settings_of};
pub use settings::ReminderSettings;

use std::time::Duration;

/// What can go wrong while scheduling or delivering.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] tailor_store::StoreError),
    /// A template failed to render.
    #[error("rendering: {0}")]
    Render(#[from] minijinja::Error),
    /// The message's recommendation request was refused.
    #[error("composing: {0}")]
    Compose(String),
    /// The settings are invalid.
    #[error("reminder settings: {0}")]
    Settings(String),
    /// The SMTP configuration is invalid.
    #[error("{0}")]
    Smtp(String),
}

/// Runs the scheduler and (when given) the deliverer every `every` until `stop` resolves.
/// Errors are logged and the loop goes on: a store hiccup must not end reminders for good.
pub async fn run(
    scheduler: std::sync::Arc<Scheduler>,
    deliverer: Option<Deliverer>,
    every: Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = tick.tick() => {}
        }
        let s = scheduler.clone();
        match tokio::task::spawn_blocking(move || s.tick()).await {
            Ok(Err(e)) => tracing::error!("reminder scheduler: {e}"),
            Err(e) => tracing::error!("reminder scheduler panicked: {e}"),
            Ok(Ok(_)) => {}
        }
        if let Some(d) = &deliverer
            && let Err(e) = d.deliver_due().await
        {
            tracing::error!("email delivery: {e}");
        }
    }
}
