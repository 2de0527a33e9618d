//! The embedded backend: one SQLite file in WAL mode.
//!
//! Event appends go through a single writer thread that drains every batch waiting for it and
//! commits them in one transaction (group commit): one fsync serves many requests, which is what
//! makes durable ingest fast. Everything else uses a second connection; WAL lets it read while
//! the writer writes.

use crate::codec::{self, CodecError};
use crate::keys::{hash_secret, new_secret};
use crate::outbox::{Contact, Delivery, NewMessage, OutboxMessage, Revision};
use crate::{
    ApiKey, AppendDone, CommitObserver, Committed, Erased, KeyInfo, KeyRole, NewNotification,
    Notification, NotificationQuery, Pending, Result, Seq, ShopperRecords, Store, StoreError,
    Subject, UpsertStats,
};
use parking_lot::Mutex;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, mpsc};
use tailor_model::{
    CustomerId, Event, Millis, Product, ProductId, Served, ShopId, VisitorId, now_millis,
};

mod outbox;
mod shopper;

/// The database file inside the data directory.
pub const DB_FILE: &str = "tailor.sqlite";
/// How often the checkpointer copies the WAL into the database file, beside the writer. SQLite
/// checkpoints inside the commit that takes the WAL past 1,000 pages, and that commit (with every
/// request waiting on it) then waits for the copy and its fsyncs: under load several times a
/// second. A passive checkpoint on its own connection does that copying in between, so the WAL
/// seldom reaches the threshold; the writer's own checkpoint stays as the bound on its size.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(50);
/// Most events one group commit takes before it commits; bounds transaction size and latency.
const MAX_EVENTS_PER_COMMIT: usize = 50_000;
/// Served lists wait in memory for the next group commit; with no events coming, the writer
/// commits them after this long, or as soon as [`SERVED_WAKE`] lists wait.
const SERVED_FLUSH: std::time::Duration = std::time::Duration::from_millis(200);
const SERVED_WAKE: usize = 1024;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS shops(id TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys(
    id TEXT PRIMARY KEY, shop TEXT NOT NULL, role TEXT NOT NULL, label TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE, revoked INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS products(
    shop TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, stored_at INTEGER NOT NULL,
    PRIMARY KEY(shop, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events(
    seq INTEGER PRIMARY KEY, shop TEXT NOT NULL, event_id TEXT, body TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS events_idempotency ON events(shop, event_id) WHERE event_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_shop ON events(shop, seq);
CREATE TABLE IF NOT EXISTS settings(
    shop TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL, updated_at INTEGER NOT NULL,
    PRIMARY KEY(shop, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS served(
    seq INTEGER PRIMARY KEY, shop TEXT NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS served_by_shop ON served(shop, seq);
CREATE TABLE IF NOT EXISTS identity_links(
    shop TEXT NOT NULL, visitor TEXT NOT NULL, customer TEXT NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY(shop, visitor)) WITHOUT ROWID;
";

struct AppendRequest {
    shop: ShopId,
    events: Vec<Event>,
    done: AppendDone,
}

/// Served lists (impressions) waiting for the writer's next commit, by shop. They do not go
/// through the channel: a list per recommendation that woke the writer cost a commit of its
/// own and a sixth of the server's CPU.
type ServedBuffer = Arc<Mutex<Vec<(ShopId, Vec<Served>)>>>;

/// The observer the writer thread calls around each group commit, if any.
type ObserverSlot = Arc<Mutex<Option<Arc<dyn CommitObserver>>>>;

/// The embedded SQLite store. Cheap to share behind an `Arc`.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    // Senders send under the read lock; the write lock only closes the channel on drop.
    writer: parking_lot::RwLock<Option<mpsc::Sender<AppendRequest>>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    // Dropping the sender stops the checkpointer.
    checkpointer: Mutex<Option<(mpsc::Sender<()>, std::thread::JoinHandle<()>)>>,
    observer: ObserverSlot,
    served: ServedBuffer,
}

/// What an acknowledged write survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Every commit is fsynced: an acknowledged event survives power loss (`synchronous=FULL`).
    #[default]
    Full,
    /// Commits reach the OS before the acknowledgement, fsync happens at checkpoints: an
    /// acknowledged event survives a crash or kill of the process, but the last moments may be
    /// lost if the machine itself loses power (`synchronous=NORMAL`).
    Process,
}

fn open_conn(path: &Path, durability: Durability) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let sync = match durability {
        Durability::Full => "FULL",
        Durability::Process => "NORMAL",
    };
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; PRAGMA foreign_keys=ON;"
    ))?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir`, fsyncing every commit.
    pub fn open(data_dir: &Path) -> Result<Self> {
        Self::open_with(data_dir, Durability::Full)
    }

    /// Opens the store with the given durability.
    pub fn open_with(data_dir: &Path, durability: Durability) -> Result<Self> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::NotFound(format!("data directory {data_dir:?} ({e})")))?;
        let path = data_dir.join(DB_FILE);
        let conn = open_conn(&path, durability)?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(outbox::SCHEMA)?;
        conn.execute_batch(crate::notifications::SCHEMA)?;
        let writer_conn = open_conn(&path, durability)?;
        let checkpoint_conn = open_conn(&path, durability)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let checkpointer = std::thread::Builder::new()
            .name("tailor-store-checkpoint".into())
            .spawn(move || checkpoint_loop(&checkpoint_conn, &stopped))
            .map_err(|_| StoreError::Closed)?;
        let (tx, rx) = mpsc::channel::<AppendRequest>();
        let observer = ObserverSlot::default();
        let seen = observer.clone();
        let served = ServedBuffer::default();
        let lists = served.clone();
        let handle = std::thread::Builder::new()
            .name("tailor-store-writer".into())
            .spawn(move || writer_loop(writer_conn, rx, &seen, &lists))
            .map_err(|_| StoreError::Closed)?;
        Ok(Self {
            conn: Mutex::new(conn),
            writer: parking_lot::RwLock::new(Some(tx)),
            writer_thread: Mutex::new(Some(handle)),
            checkpointer: Mutex::new(Some((stop, checkpointer))),
            observer,
            served,
        })
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Closing the channel lets the writer finish its last commit and exit.
        self.writer.write().take();
        if let Some(h) = self.writer_thread.lock().take() {
            let _ = h.join();
        }
        if let Some((stop, h)) = self.checkpointer.lock().take() {
            drop(stop);
            let _ = h.join();
        }
    }
}

/// Copies the WAL into the database file beside the writer until `stop` closes. A checkpoint
/// that cannot finish (a reader in the way) is simply tried again at the next tick.
fn checkpoint_loop(conn: &Connection, stop: &mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
        let _ = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);");
    }
}

/// Takes what waits on the channel, up to a transaction's worth of events, after `first`.
fn drain(rx: &mpsc::Receiver<AppendRequest>, first: Option<AppendRequest>) -> Vec<AppendRequest> {
    let mut group: Vec<AppendRequest> = first.into_iter().collect();
    let mut n: usize = group.iter().map(|r| r.events.len()).sum();
    while n < MAX_EVENTS_PER_COMMIT {
        match rx.try_recv() {
            Ok(req) => {
                n += req.events.len();
                group.push(req);
            }
            Err(_) => break,
        }
    }
    group
}

fn pending(group: &mut [AppendRequest]) -> Vec<Pending<'_>> {
    group
        .iter_mut()
        .filter(|r| !r.events.is_empty())
        .map(|r| Pending {
            shop: &r.shop,
            events: r.events.as_mut_slice(),
        })
        .collect()
}

/// Commits groups one after another. Between two commits the observer gets one call that
/// applies the group just committed and prepares the next, which is drained first for that;
/// a group that starts after an idle wait is prepared on its own. Each commit takes the served
/// lists waiting in `served` after its group was drained, so a click is never committed before
/// the list it points at (the list was buffered before its response went out).
fn writer_loop(
    mut conn: Connection,
    rx: mpsc::Receiver<AppendRequest>,
    observer: &ObserverSlot,
    served: &ServedBuffer,
) {
    let mut registered: Vec<ShopId> = Vec::new();
    let mut group: Vec<AppendRequest> = Vec::new();
    loop {
        if group.is_empty() {
            let first = match rx.recv_timeout(SERVED_FLUSH) {
                Ok(first) => Some(first),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // Closing: the lists still waiting are committed before the thread ends.
                    let lists = std::mem::take(&mut *served.lock());
                    let _ = commit_group(&mut conn, &[], &lists, &mut registered);
                    return;
                }
            };
            if first.is_none() && served.lock().is_empty() {
                continue;
            }
            group = drain(&rx, first);
            if let Some(o) = observer.lock().clone() {
                o.step(&[], &mut pending(&mut group));
            }
        }
        let lists = std::mem::take(&mut *served.lock());
        let result = commit_group(&mut conn, &group, &lists, &mut registered);
        drop(lists);
        let mut next = drain(&rx, None);
        if let Some(o) = observer.lock().clone() {
            let committed: Vec<Committed<'_>> = match &result {
                Ok(results) => group
                    .iter()
                    .zip(results)
                    .filter(|(r, _)| !r.events.is_empty())
                    .map(|(r, seqs)| Committed {
                        shop: &r.shop,
                        events: &r.events,
                        seqs,
                    })
                    .collect(),
                Err(_) => Vec::new(),
            };
            o.step(&committed, &mut pending(&mut next));
        }
        match result {
            Ok(results) => {
                for (req, res) in group.into_iter().zip(results) {
                    (req.done)(req.events, Ok(res));
                }
            }
            Err(e) => {
                let msg = e.to_string();
                for req in group {
                    (req.done)(req.events, Err(StoreError::Write(msg.clone())));
                }
            }
        }
        group = next;
    }
}

fn commit_group(
    conn: &mut Connection,
    group: &[AppendRequest],
    served: &[(ShopId, Vec<Served>)],
    registered: &mut Vec<ShopId>,
) -> Result<Vec<Vec<Option<Seq>>>> {
    // BEGIN and COMMIT as cached statements: a transaction per group commit, thousands a second,
    // and rusqlite's `transaction()` parses both again each time.
    conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
    let known = registered.len();
    let result = write_group(conn, group, served, registered).and_then(|out| {
        conn.prepare_cached("COMMIT")?.execute([])?;
        Ok(out)
    });
    if result.is_err() {
        // Nothing of the group is stored, the shops it registered included.
        let _ = conn.execute_batch("ROLLBACK");
        registered.truncate(known);
    }
    result
}

fn write_group(
    tx: &Connection,
    group: &[AppendRequest],
    served: &[(ShopId, Vec<Served>)],
    registered: &mut Vec<ShopId>,
) -> Result<Vec<Vec<Option<Seq>>>> {
    let mut out = Vec::with_capacity(group.len());
    let mut body = Vec::with_capacity(256);
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO events(shop, event_id, body) VALUES (?1, ?2, ?3)",
        )?;
        let mut shop =
            tx.prepare_cached("INSERT OR IGNORE INTO shops(id, created_at) VALUES (?1, ?2)")?;
        for req in group {
            // A shop exists once anything is stored for it, so start-up replay finds it. Once
            // per shop for this writer (`registered` keeps the shops already written).
            if !registered.contains(&req.shop) {
                shop.execute(params![req.shop.as_str(), now_millis()])?;
                registered.push(req.shop.clone());
            }
            let mut seqs = Vec::with_capacity(req.events.len());
            for e in &req.events {
                body.clear();
                codec::encode(e, &mut body);
                let changed =
                    insert.execute(params![req.shop.as_str(), e.event_id, body.as_slice()])?;
                seqs.push((changed == 1).then(|| tx.last_insert_rowid()));
            }
            out.push(seqs);
        }
        // One row per shop and commit holds every list waiting for it (`served.rs`).
        let mut insert =
            tx.prepare_cached("INSERT INTO served(shop, at, body) VALUES (?1, ?2, ?3)")?;
        let mut shops: Vec<&ShopId> = Vec::new();
        for (shop, _) in served {
            if !shops.contains(&shop) {
                shops.push(shop);
            }
        }
        for shop in shops {
            let lists = served
                .iter()
                .filter(|(s, _)| s == shop)
                .flat_map(|(_, lists)| lists);
            let at = lists.clone().map(|l| l.at).min().unwrap_or_default();
            body.clear();
            crate::served::encode(lists, &mut body);
            insert.execute(params![shop.as_str(), at, body.as_slice()])?;
        }
    }
    Ok(out)
}

/// A stored event body: binary ([`codec`]) since that format exists, JSON text before it.
fn decode_event(body: ValueRef<'_>) -> Result<Event> {
    match body {
        ValueRef::Blob(b) => Ok(codec::decode(b)?),
        ValueRef::Text(t) => Ok(serde_json::from_slice(t)?),
        other => Err(StoreError::Corrupt(CodecError::Type(
            other.data_type().to_string(),
        ))),
    }
}

/// Every visitor-to-customer link of `shop`.
fn stored_links(conn: &Connection, shop: &ShopId) -> Result<Vec<(VisitorId, CustomerId)>> {
    let mut stmt = conn.prepare("SELECT visitor, customer FROM identity_links WHERE shop=?1")?;
    let rows = stmt
        .query_map([shop.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(v, c)| Some((VisitorId::new(v).ok()?, CustomerId::new(c).ok()?)))
        .collect())
}

/// Calls `f` for every event of `shop` after `after`, in log order.
fn for_each_event(
    conn: &Connection,
    shop: &ShopId,
    after: Seq,
    f: &mut dyn FnMut(Seq, Event),
) -> Result<u64> {
    let mut stmt =
        conn.prepare("SELECT seq, body FROM events WHERE shop=?1 AND seq > ?2 ORDER BY seq")?;
    let mut rows = stmt.query(params![shop.as_str(), after])?;
    let mut n = 0;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        f(seq, decode_event(row.get_ref(1)?)?);
        n += 1;
    }
    Ok(n)
}

/// Calls `f` with every stored row of served lists of `shop` (its seq and its lists), in the
/// order they were appended.
fn for_each_served_row(
    conn: &Connection,
    shop: &ShopId,
    f: &mut dyn FnMut(Seq, Vec<Served>),
) -> Result<()> {
    let mut stmt = conn.prepare("SELECT seq, body FROM served WHERE shop=?1 ORDER BY seq")?;
    let mut rows = stmt.query([shop.as_str()])?;
    while let Some(row) = rows.next()? {
        // A batch in the binary codec, or one list as JSON text (rows written before it).
        let lists = match row.get_ref(1)? {
            ValueRef::Blob(b) => crate::served::decode(b)?,
            ValueRef::Text(t) => vec![serde_json::from_slice(t)?],
            other => {
                return Err(StoreError::Corrupt(CodecError::Type(
                    other.data_type().to_string(),
                )));
            }
        };
        f(row.get(0)?, lists);
    }
    Ok(())
}

fn decode_product(body: &str) -> Result<Product> {
    Ok(serde_json::from_str(body)?)
}

fn key_info(row: &rusqlite::Row<'_>) -> rusqlite::Result<KeyInfo> {
    let shop: String = row.get(1)?;
    let role: String = row.get(2)?;
    Ok(KeyInfo {
        id: row.get(0)?,
        shop: ShopId::new(shop).unwrap_or_else(|_| ShopId::default_shop()),
        role: KeyRole::parse(&role).unwrap_or(KeyRole::Public),
        label: row.get(3)?,
        revoked: row.get::<_, i64>(4)? != 0,
    })
}

impl Store for SqliteStore {
    fn create_shop(&self, shop: &ShopId) -> Result<()> {
        self.conn.lock().execute(
            "INSERT OR IGNORE INTO shops(id, created_at) VALUES (?1, ?2)",
            params![shop.as_str(), now_millis()],
        )?;
        Ok(())
    }

    fn shops(&self) -> Result<Vec<ShopId>> {
        let conn = self.conn.lock();
        let mut stmt = conn.prepare("SELECT id FROM shops ORDER BY id")?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids
            .into_iter()
            .filter_map(|s| ShopId::new(s).ok())
            .collect())
    }

    fn create_key(&self, shop: &ShopId, role: KeyRole, label: &str) -> Result<ApiKey> {
        self.create_shop(shop)?;
        let secret = new_secret(role);
        let id = format!("key_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        self.conn.lock().execute(
            "INSERT INTO api_keys(id, shop, role, label, secret_hash, created_at) VALUES (?1,?2,?3,?4,?5,?6)",
            params![id, shop.as_str(), role.as_str(), label, hash_secret(&secret), now_millis()],
        )?;
        Ok(ApiKey {
            info: KeyInfo {
                id,
                shop: shop.clone(),
                role,
                label: label.to_string(),
                revoked: false,
            },
            secret,
        })
    }

    fn revoke_key(&self, key_id: &str) -> Result<bool> {
        let n = self.conn.lock().execute(
            "UPDATE api_keys SET revoked = 1 WHERE id = ?1 AND revoked = 0",
            [key_id],
        )?;
        Ok(n == 1)
    }

    fn list_keys(&self) -> Result<Vec<KeyInfo>> {
        let conn = self.conn.lock();
        let mut stmt = conn.prepare(
            "SELECT id, shop, role, label, revoked FROM api_keys ORDER BY created_at, id",
        )?;
        let keys = stmt
            .query_map([], key_info)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(keys)
    }

    fn authenticate(&self, secret: &str) -> Result<Option<KeyInfo>> {
        let conn = self.conn.lock();
        Ok(conn
            .query_row(
                "SELECT id, shop, role, label, revoked FROM api_keys WHERE secret_hash = ?1 AND revoked = 0",
                [hash_secret(secret)],
                key_info,
            )
            .optional()?)
    }

    fn upsert_products(&self, shop: &ShopId, products: &[Product]) -> Result<UpsertStats> {
        let mut conn = self.conn.lock();
        // IMMEDIATE: this transaction reads before it writes, and a deferred one that must
        // upgrade while the writer thread commits fails at once with SQLITE_BUSY (the busy
        // timeout does not apply to a snapshot that went stale).
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut stats = UpsertStats::default();
        {
            let mut exists = tx.prepare_cached("SELECT 1 FROM products WHERE shop=?1 AND id=?2")?;
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO products(shop, id, body, stored_at) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let now = now_millis();
            for p in products {
                if exists.exists(params![shop.as_str(), p.id.as_str()])? {
                    stats.updated += 1;
                } else {
                    stats.inserted += 1;
                }
                put.execute(params![
                    shop.as_str(),
                    p.id.as_str(),
                    serde_json::to_string(p)?,
                    now
                ])?;
            }
        }
        tx.execute(
            "INSERT OR IGNORE INTO shops(id, created_at) VALUES (?1, ?2)",
            params![shop.as_str(), now_millis()],
        )?;
        tx.commit()?;
        Ok(stats)
    }

    fn get_product(&self, shop: &ShopId, id: &ProductId) -> Result<Option<Product>> {
        let conn = self.conn.lock();
        let body: Option<String> = conn
            .query_row(
                "SELECT body FROM products WHERE shop=?1 AND id=?2",
                params![shop.as_str(), id.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        body.as_deref().map(decode_product).transpose()
    }

    fn delete_product(&self, shop: &ShopId, id: &ProductId) -> Result<bool> {
        let n = self.conn.lock().execute(
            "DELETE FROM products WHERE shop=?1 AND id=?2",
            params![shop.as_str(), id.as_str()],
        )?;
        Ok(n == 1)
    }

    fn list_products(
        &self,
        shop: &ShopId,
        after: Option<&ProductId>,
        limit: usize,
    ) -> Result<Vec<Product>> {
        let conn = self.conn.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT body FROM products WHERE shop=?1 AND id > ?2 ORDER BY id LIMIT ?3",
        )?;
        let bodies = stmt
            .query_map(
                params![
                    shop.as_str(),
                    after.map_or("", |a| a.as_str()),
                    limit as i64
                ],
                |r| r.get::<_, String>(0),
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        bodies.iter().map(|b| decode_product(b)).collect()
    }

    fn for_each_product(&self, shop: &ShopId, f: &mut dyn FnMut(Product)) -> Result<u64> {
        let conn = self.conn.lock();
        let mut stmt = conn.prepare("SELECT body FROM products WHERE shop=?1")?;
        let mut rows = stmt.query([shop.as_str()])?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            let body = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            f(decode_product(body)?);
            n += 1;
        }
        Ok(n)
    }

    fn count_products(&self, shop: &ShopId) -> Result<u64> {
        let conn = self.conn.lock();
        let n: i64 = conn.query_row(
            "SELECT COUNT(*) FROM products WHERE shop=?1",
            [shop.as_str()],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    fn append_events(&self, shop: &ShopId, events: Vec<Event>) -> Result<Vec<Option<Seq>>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, rx) = mpsc::sync_channel(1);
        self.append_events_then(
            shop,
            events,
            Box::new(move |_, result| {
                let _ = reply.send(result);
            }),
        );
        rx.recv().map_err(|_| StoreError::Closed)?
    }

    fn append_events_then(&self, shop: &ShopId, events: Vec<Event>, done: AppendDone) {
        if events.is_empty() {
            return done(events, Ok(Vec::new()));
        }
        let req = AppendRequest {
            shop: shop.clone(),
            events,
            done,
        };
        let writer = self.writer.read();
        let Some(tx) = writer.as_ref() else {
            drop(writer);
            return (req.done)(req.events, Err(StoreError::Closed));
        };
        if let Err(mpsc::SendError(req)) = tx.send(req) {
            drop(writer);
            (req.done)(req.events, Err(StoreError::Closed));
        }
    }

    fn observe(&self, observer: Arc<dyn CommitObserver>) -> Result<()> {
        *self.observer.lock() = Some(observer);
        Ok(())
    }

    fn replay_events(
        &self,
        shop: &ShopId,
        after: Seq,
        f: &mut dyn FnMut(Seq, Event),
    ) -> Result<u64> {
        for_each_event(&self.conn.lock(), shop, after, f)
    }

    fn count_events(&self, shop: &ShopId) -> Result<u64> {
        let conn = self.conn.lock();
        let n: i64 = conn.query_row(
            "SELECT COUNT(*) FROM events WHERE shop=?1",
            [shop.as_str()],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    fn link_identity(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        customer: &CustomerId,
    ) -> Result<()> {
        self.conn.lock().execute(
            "INSERT OR REPLACE INTO identity_links(shop, visitor, customer, created_at) VALUES (?1,?2,?3,?4)",
            params![shop.as_str(), visitor.as_str(), customer.as_str(), now_millis()],
        )?;
        Ok(())
    }

    fn put_setting(&self, shop: &ShopId, name: &str, value: &serde_json::Value) -> Result<()> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // A shop with only settings (rules before any product) is still found at start-up.
        tx.execute(
            "INSERT OR IGNORE INTO shops(id, created_at) VALUES (?1, ?2)",
            params![shop.as_str(), now_millis()],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO settings(shop, name, body, updated_at) VALUES (?1,?2,?3,?4)",
            params![shop.as_str(), name, value.to_string(), now_millis()],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn setting(&self, shop: &ShopId, name: &str) -> Result<Option<serde_json::Value>> {
        let body: Option<String> = self
            .conn
            .lock()
            .query_row(
                "SELECT body FROM settings WHERE shop=?1 AND name=?2",
                params![shop.as_str(), name],
                |r| r.get(0),
            )
            .optional()?;
        Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
    }

    fn outbox_enqueue(&self, shop: &ShopId, m: &NewMessage, now: Millis) -> Result<(i64, bool)> {
        self.outbox_enqueue_impl(shop, m, now)
    }

    fn outbox_claim(
        &self,
        now: Millis,
        lease_ms: Millis,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>> {
        self.outbox_claim_impl(now, lease_ms, limit)
    }

    fn outbox_finish(&self, id: i64, outcome: &Delivery, now: Millis) -> Result<()> {
        self.outbox_finish_impl(id, outcome, now)
    }

    fn outbox_revise(&self, id: i64, revised: &Revision) -> Result<()> {
        self.outbox_revise_impl(id, revised)
    }

    fn outbox_list(
        &self,
        shop: &ShopId,
        shopper: Option<&str>,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>> {
        self.outbox_list_impl(shop, shopper, limit)
    }

    fn put_contact(&self, shop: &ShopId, customer: &str, contact: &Contact) -> Result<()> {
        self.put_contact_impl(shop, customer, contact)
    }

    fn contact(&self, shop: &ShopId, customer: &str) -> Result<Option<Contact>> {
        self.contact_impl(shop, customer)
    }

    fn unsubscribe(&self, token: &str, now: Millis) -> Result<Option<(ShopId, String)>> {
        self.unsubscribe_impl(token, now)
    }

    fn append_served(&self, shop: &ShopId, rows: Vec<Served>) {
        if rows.is_empty() {
            return;
        }
        let waiting = {
            let mut buf = self.served.lock();
            buf.push((shop.clone(), rows));
            buf.len()
        };
        // Events wake the writer anyway; a shop that only asks for recommendations wakes it
        // here once enough lists wait, and otherwise within SERVED_FLUSH.
        if waiting == SERVED_WAKE
            && let Some(tx) = self.writer.read().as_ref()
        {
            let _ = tx.send(AppendRequest {
                shop: shop.clone(),
                events: Vec::new(),
                done: Box::new(|_, _| {}),
            });
        }
    }

    fn replay_served(&self, shop: &ShopId, f: &mut dyn FnMut(Served)) -> Result<u64> {
        let mut n = 0;
        for_each_served_row(&self.conn.lock(), shop, &mut |_, lists| {
            for list in lists {
                f(list);
                n += 1;
            }
        })?;
        Ok(n)
    }

    fn add_notifications(&self, shop: &ShopId, items: &[NewNotification]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        crate::notifications::add(&mut self.conn.lock(), shop, items)
    }

    fn shopper_records(&self, shop: &ShopId, who: &Subject) -> Result<Option<ShopperRecords>> {
        self.shopper_records_impl(shop, who)
    }

    fn erase_shopper(&self, shop: &ShopId, who: &Subject) -> Result<Option<Erased>> {
        self.erase_shopper_impl(shop, who)
    }

    fn notifications(&self, shop: &ShopId, q: NotificationQuery) -> Result<Vec<Notification>> {
        crate::notifications::list(&self.conn.lock(), shop, q)
    }

    fn claim_notifications(&self, shop: &ShopId, limit: usize) -> Result<Vec<Notification>> {
        crate::notifications::claim(&mut self.conn.lock(), shop, limit)
    }

    fn identity_links(&self, shop: &ShopId) -> Result<Vec<(VisitorId, CustomerId)>> {
        stored_links(&self.conn.lock(), shop)
    }
}
