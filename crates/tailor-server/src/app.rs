//! The shared state behind every handler: the store (system of record), the engine (live state
//! rebuilt from the store at start-up), the key cache and the metrics.

use crate::metrics::Metrics;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tailor_engine::Engine;
use tailor_model::ShopId;
use tailor_store::{CommitObserver, Committed, Erased, KeyInfo, Pending, Store, Subject};

/// How long an authenticated key is trusted before the store is asked again (bounds how long a
/// revoked key keeps working).
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(5);

/// Events per batch handed from the replay reader to the applier.
const REPLAY_BATCH: usize = 1024;
/// Batches in flight during replay (bounds memory).
const REPLAY_QUEUE: usize = 64;

/// Handler state; cheap to clone.
#[derive(Clone)]
pub struct App {
    /// The system of record.
    pub store: Arc<dyn Store>,
    /// Live state.
    pub engine: Arc<Engine>,
    /// Prometheus counters.
    pub metrics: Arc<Metrics>,
    /// Reminder settings every shop starts from (the `tailor serve` flags), under its own.
    pub reminder_defaults: Arc<serde_json::Value>,
    keys: Arc<RwLock<KeyCache>>,
}

#[derive(Default)]
struct KeyCache {
    by_secret: HashMap<String, (Option<KeyInfo>, Instant)>,
    any_keys: Option<(bool, Instant)>,
}

/// Keeps the live state in step with the event log: the store's writer calls it around every
/// group commit, so events are prepared and applied in commit order, under one write lock per
/// shop and group instead of two per request (a request waiting for that lock would stall a
/// whole runtime thread while recommendations hold the read lock).
struct LiveState {
    engine: Arc<Engine>,
    metrics: Arc<Metrics>,
}

/// Longest the writer waits for a moment without readers before it queues for the lock.
const GAP_WAIT: Duration = Duration::from_micros(500);

/// The shop's write lock, taken in a gap between readers. A fair lock makes every new reader
/// wait as soon as a writer asks, and readers here are requests in flight holding the read lock
/// for tens of microseconds: with a step per group commit, thousands a second, runtime threads
/// stood blocked for a fifth of the time. So the writer first tries while readers come and go,
/// and queues fairly only after [`GAP_WAIT`], which bounds how long events wait to be applied.
fn write_in_a_gap<T>(lock: &RwLock<T>) -> parking_lot::RwLockWriteGuard<'_, T> {
    let start = Instant::now();
    loop {
        if let Some(guard) = lock.try_write() {
            return guard;
        }
        if start.elapsed() > GAP_WAIT {
            return lock.write();
        }
        std::thread::yield_now();
    }
}

impl CommitObserver for LiveState {
    fn step(&self, committed: &[Committed<'_>], next: &mut [Pending<'_>]) {
        // Shops in order of first appearance; a group is almost always one shop.
        let mut shops: Vec<&ShopId> = Vec::new();
        for shop in committed
            .iter()
            .map(|c| c.shop)
            .chain(next.iter().map(|p| p.shop))
        {
            if !shops.contains(&shop) {
                shops.push(shop);
            }
        }
        let mut applied: Vec<&'static str> = Vec::new();
        for shop in shops {
            let state = self.engine.shop(shop);
            let mut st = write_in_a_gap(&state);
            for c in committed.iter().filter(|c| c.shop == shop) {
                for (e, seq) in c.events.iter().zip(c.seqs) {
                    // A rebuild (after an erasure) may have read this event from the log already.
                    if let Some(seq) = *seq
                        && seq > st.log_seq
                    {
                        st.apply(e);
                        st.log_seq = seq;
                        applied.push(e.kind.name());
                    }
                }
            }
            for p in next.iter_mut().filter(|p| p.shop == shop) {
                for e in p.events.iter_mut() {
                    st.prepare(e);
                }
            }
        }
        for kind in applied {
            self.metrics.event(kind);
        }
    }
}

/// What start-up replay did.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReplayStats {
    /// Shops loaded.
    pub shops: usize,
    /// Products loaded.
    pub products: u64,
    /// Events replayed.
    pub events: u64,
    /// Wall time of the event replay.
    pub event_secs: f64,
}

impl App {
    /// Wraps a store and rebuilds the live state from it.
    pub fn open(store: Arc<dyn Store>) -> Result<(Self, ReplayStats), tailor_store::StoreError> {
        let engine = Arc::new(Engine::new());
        let stats = replay(store.as_ref(), &engine)?;
        let metrics = Arc::new(Metrics::new());
        // From here on every committed event reaches the live state through the writer.
        store.observe(Arc::new(LiveState {
            engine: engine.clone(),
            metrics: metrics.clone(),
        }))?;
        let app = Self {
            store,
            engine,
            metrics,
            reminder_defaults: Arc::new(serde_json::json!({})),
            keys: Arc::default(),
        };
        Ok((app, stats))
    }

    /// Deletes everything stored about the person `who` names, in one transaction, then makes
    /// the live state forget them: the shop's state is a cache of the log, so it is rebuilt from
    /// what the store still holds (the start-up path) and swapped in. Every structure derived
    /// from their events (sessions, the session index, profiles, co-occurrence, popularity,
    /// replenishment, lists, analytics) is then as if they had never come, without a removal
    /// written for each. The shop's write lock is held from before the deletion to the swap, so
    /// nothing of theirs is served meanwhile; requests to this shop and the applying of new
    /// events wait for one replay of the shop. `None` when the store knew nothing of them.
    pub fn erase_shopper(
        &self,
        shop: &ShopId,
        who: &Subject,
    ) -> Result<Option<Erased>, tailor_store::StoreError> {
        let state = self.engine.shop(shop);
        let mut st = state.write();
        let Some(erased) = self.store.erase_shopper(shop, who)? else {
            return Ok(None);
        };
        let mut fresh = st.emptied();
        // Events committed since the deletion are read here too; the writer, waiting for this
        // lock to apply them, skips them by their position (`ShopState::log_seq`).
        load_shop(self.store.as_ref(), shop, &mut fresh)?;
        *st = fresh;
        Ok(Some(erased))
    }

    /// What the caches already know, without touching the store: (dev mode, the key). `None`
    /// where the store must be asked.
    pub fn cached_auth(&self, secret: Option<&str>) -> Option<(bool, Option<Option<KeyInfo>>)> {
        let now = Instant::now();
        let cache = self.keys.read();
        let (any, at) = cache.any_keys?;
        if now.duration_since(at) >= KEY_CACHE_TTL {
            return None;
        }
        let key = match secret {
            None => None,
            Some(s) => {
                let (info, at) = cache.by_secret.get(s)?;
                if now.duration_since(*at) >= KEY_CACHE_TTL {
                    return None;
                }
                Some(info.clone())
            }
        };
        Some((!any, key))
    }

    /// Whether the server runs without keys (open development mode).
    pub fn dev_mode(&self) -> bool {
        let now = Instant::now();
        if let Some((any, at)) = self.keys.read().any_keys
            && now.duration_since(at) < KEY_CACHE_TTL
        {
            return !any;
        }
        let any = self
            .store
            .list_keys()
            .map(|k| k.iter().any(|k| !k.revoked))
            .unwrap_or(true);
        self.keys.write().any_keys = Some((any, now));
        !any
    }

    /// The live key with this secret, cached for [`KEY_CACHE_TTL`].
    pub fn authenticate(&self, secret: &str) -> Result<Option<KeyInfo>, tailor_store::StoreError> {
        let now = Instant::now();
        if let Some((info, at)) = self.keys.read().by_secret.get(secret)
            && now.duration_since(*at) < KEY_CACHE_TTL
        {
            return Ok(info.clone());
        }
        let info = self.store.authenticate(secret)?;
        let mut cache = self.keys.write();
        // Unknown secrets are cached too, but the cache may not grow without bound.
        if cache.by_secret.len() > 10_000 {
            cache.by_secret.clear();
        }
        cache
            .by_secret
            .insert(secret.to_string(), (info.clone(), now));
        Ok(info)
    }
}

/// Rebuilds every shop's live state: products, then identity links, then the event log.
pub fn replay(store: &dyn Store, engine: &Engine) -> Result<ReplayStats, tailor_store::StoreError> {
    let mut stats = ReplayStats::default();
    for shop in store.shops()? {
        let one = load_shop(store, &shop, &mut engine.shop(&shop).write())?;
        stats.products += one.products;
        stats.events += one.events;
        stats.event_secs += one.event_secs;
        stats.shops += 1;
    }
    Ok(stats)
}

/// Fills an empty shop state from the store: products, identity links, settings, served lists,
/// then the event log (start-up, and the rebuild after an erasure).
fn load_shop(
    store: &dyn Store,
    shop: &ShopId,
    st: &mut tailor_engine::ShopState,
) -> Result<ReplayStats, tailor_store::StoreError> {
    let mut stats = ReplayStats::default();
    stats.products += store.for_each_product(shop, &mut |p| {
        st.upsert_product(p);
    })?;
    for (v, c) in store.identity_links(shop)? {
        st.link(&v, &c);
    }
    if let Some(v) = store.setting(shop, crate::routes::search::SETTINGS_KEY)? {
        match crate::routes::search::parse_settings(&v) {
            Ok(s) => st.search.configure(s),
            Err(e) => tracing::warn!(
                shop = shop.as_str(),
                "stored search settings ignored: {e:?}"
            ),
        }
    }
    if let Some(v) = store.setting(shop, crate::routes::rules::SETTINGS_KEY)? {
        match crate::routes::rules::parse_stored(&v) {
            Ok(r) => st.rules = r,
            Err(e) => tracing::error!(
                shop = shop.as_str(),
                "stored merchandising rules ignored: {e:?}"
            ),
        }
    }
    if let Some(v) = store.setting(shop, crate::routes::experiments::SETTINGS_KEY)? {
        match crate::routes::experiments::parse_stored(&v) {
            Ok(x) => st.experiments = x,
            Err(e) => {
                tracing::error!(shop = shop.as_str(), "stored experiments ignored: {e:?}")
            }
        }
    }
    if let Some(v) = store.setting(shop, crate::routes::analytics::SETTINGS_KEY)? {
        match crate::routes::analytics::parse_settings(&v) {
            Ok(w) => st.analytics.lock().set_window(w),
            Err(e) => tracing::error!(
                shop = shop.as_str(),
                "stored analytics settings ignored: {}",
                e.message
            ),
        }
    }
    // Served lists before events: a replayed click finds the list it points at.
    {
        let st = &*st;
        let mut a = st.analytics.lock();
        store.replay_served(shop, &mut |mut row| {
            // The unit of an experiment is the customer once linked, as while serving.
            if row.customer_id.is_none()
                && let Some(v) = &row.visitor_id
                && let tailor_engine::ShopperKey::Customer(c) = st.key_of(v)
            {
                row.customer_id = Some(c);
            }
            a.on_served(&row, false)
        })?;
    }
    // The search index is built beside the event replay, from the products as loaded.
    let products: Vec<(u32, Arc<tailor_model::Product>)> =
        st.catalog.items().map(|(i, p)| (i, p.clone())).collect();
    let settings = st.search.settings().clone();
    let t = Instant::now();
    // Reading and decoding the log runs on its own thread; `ShopState::replay` splits the
    // applying over two more (shoppers, models), so a cold start uses every core.
    let (events, index) = std::thread::scope(|s| {
        let indexer = s.spawn(|| {
            tailor_engine::search::build_index(
                &settings,
                products.iter().map(|(i, p)| (*i, p.as_ref())),
            )
        });
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<tailor_model::Event>>(REPLAY_QUEUE);
        let reader = s.spawn(|| {
            let tx = tx;
            let mut buf = Vec::with_capacity(REPLAY_BATCH);
            let mut last = 0;
            let n = store.replay_events(shop, 0, &mut |seq, e| {
                last = seq;
                buf.push(e);
                if buf.len() == REPLAY_BATCH {
                    let _ = tx.send(std::mem::replace(
                        &mut buf,
                        Vec::with_capacity(REPLAY_BATCH),
                    ));
                }
            })?;
            let _ = tx.send(buf);
            Ok::<_, tailor_store::StoreError>((n, last))
        });
        st.replay(rx.into_iter());
        let events = reader.join().expect("replay reader thread");
        // The event replay's own time; the indexer may still be running.
        stats.event_secs += t.elapsed().as_secs_f64();
        (events, indexer.join().expect("search indexer thread"))
    });
    let (events, last) = events?;
    stats.events += events;
    st.log_seq = last;
    st.analytics
        .lock()
        .forget_before(tailor_model::now_millis());
    match index {
        Ok(index) => st.search.install(index),
        // Search then builds its index on first use; everything else works meanwhile.
        Err(e) => tracing::error!(
            shop = shop.as_str(),
            "search index not built at start-up: {e}"
        ),
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tailor_model::{Event, EventKind, ProductId, VisitorId};

    /// The writer hands the observer a commit that a rebuild has already read from the log:
    /// it must not count twice.
    #[test]
    fn the_observer_skips_events_the_state_already_holds() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(tailor_store::SqliteStore::open(dir.path()).unwrap());
        let (app, _) = App::open(store.clone()).unwrap();
        let shop = ShopId::default_shop();
        let v = VisitorId::new("v").unwrap();
        let e = Event {
            event_id: None,
            visitor_id: v.clone(),
            session_id: None,
            customer_id: None,
            timestamp: Some(1),
            received_at: 1,
            kind: EventKind::View {
                product_id: ProductId::new("p").unwrap(),
            },
        };
        let events = || {
            app.engine
                .shop(&shop)
                .read()
                .shopper(Some(&v), None)
                .map(|s| s.events)
        };
        // The observer applies a commit before the append returns.
        let seqs = store.append_events(&shop, vec![e.clone()]).unwrap();
        assert_eq!(events(), Some(1));
        let live = LiveState {
            engine: app.engine.clone(),
            metrics: app.metrics.clone(),
        };
        let again = [e.clone()];
        live.step(
            &[Committed {
                shop: &shop,
                events: &again,
                seqs: &seqs,
            }],
            &mut [],
        );
        assert_eq!(events(), Some(1));
        // A later position is applied.
        let later = [Some(seqs[0].unwrap() + 1)];
        live.step(
            &[Committed {
                shop: &shop,
                events: &again,
                seqs: &later,
            }],
            &mut [],
        );
        assert_eq!(events(), Some(2));
    }
}
