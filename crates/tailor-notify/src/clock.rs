//! Time as the scheduler and the deliverer see it: the system clock in production, a clock the
//! test moves by hand, so a daily job is tested without waiting a day.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tailor_model::Millis;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// Now, in Unix ms.
    fn now(&self) -> Millis;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        tailor_model::now_millis()
    }
}

/// A clock that stands still until told otherwise; clones share the time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock at `t`.
    pub fn at(t: Millis) -> Self {
        Self(Arc::new(AtomicI64::new(t)))
    }

    /// Moves the clock to `t`.
    pub fn set(&self, t: Millis) {
        self.0.store(t, Ordering::SeqCst);
    }

    /// Moves the clock forward by `ms`.
    pub fn advance(&self, ms: Millis) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}
