//! Tailor's system of record.
//!
//! [`Store`] is the narrow trait every backend implements: shops and keys, the catalog, the
//! append-only event log, and identity links. [`SqliteStore`] is the embedded default (WAL mode,
//! one writer thread that group-commits event batches). An event is acknowledged only after the
//! transaction that holds it commits; the in-memory state is a cache rebuilt by replaying the log.
//!
//! ```
//! use tailor_model::{Event, EventKind, ProductId, ShopId, VisitorId};
//! use tailor_store::{SqliteStore, Store};
//! let dir = tempfile::tempdir().unwrap();
//! let store = SqliteStore::open(dir.path()).unwrap();
//! let shop = ShopId::default_shop();
//! let event = Event {
//!     event_id: Some("e1".into()),
//!     visitor_id: VisitorId::new("v1").unwrap(),
//!     session_id: None,
//!     customer_id: None,
//!     timestamp: None,
//!     received_at: 1,
//!     kind: EventKind::View { product_id: ProductId::new("p1").unwrap() },
//! };
//! let first = store.append_events(&shop, vec![event.clone()]).unwrap();
//! let retry = store.append_events(&shop, vec![event]).unwrap();
//! assert!(first[0].is_some() && retry[0].is_none()); // the retry is a duplicate
//! let mut seen = 0;
//! store.replay_events(&shop, 0, &mut |_, _| seen += 1).unwrap();
//! assert_eq!(seen, 1);
//! ```
#![warn(missing_docs)]

mod codec;
mod keys;
mod notifications;
pub mod outbox;
mod served;
pub mod shopper;
mod sqlite;

pub use codec::CodecError;
pub use keys::{ApiKey, KeyInfo, KeyRole};
pub use notifications::{
    NewNotification, Notification, NotificationKind, NotificationQuery, Recipient,
};
pub use outbox::{Contact, Delivery, MessageStatus, NewMessage, OutboxMessage, Revision};
pub use shopper::{Erased, Identities, ShopperRecords, Subject};
pub use sqlite::{Durability, SqliteStore};

use tailor_model::{CustomerId, Event, Millis, Product, ProductId, Served, ShopId, VisitorId};

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// A stored row could not be decoded (corruption or a format change).
    #[error("stored data is unreadable: {0}")]
    Decode(#[from] serde_json::Error),
    /// A stored event body could not be decoded (corruption or a newer format).
    #[error("stored event is unreadable: {0}")]
    Corrupt(#[from] CodecError),
    /// The writer thread is gone (the store is shutting down).
    #[error("the store is closed")]
    Closed,
    /// The group commit that held this batch failed; nothing of it was stored.
    #[error("event commit failed: {0}")]
    Write(String),
    /// The caller asked for something that does not exist.
    #[error("{0} not found")]
    NotFound(String),
}

/// Result alias for store calls.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Position of an event in a shop's log; strictly increasing in commit order.
pub type Seq = i64;

/// Receives the outcome of [`Store::append_events_then`], with the events handed back so the
/// caller can apply them without having cloned them.
pub type AppendDone = Box<dyn FnOnce(Vec<Event>, Result<Vec<Option<Seq>>>) + Send>;

/// Events of one request in a group that has just been committed, as a [`CommitObserver`]
/// sees them.
pub struct Committed<'a> {
    /// The shop.
    pub shop: &'a ShopId,
    /// The events, as stored.
    pub events: &'a [Event],
    /// Per event, its sequence number, or `None` for a duplicate (not stored again).
    pub seqs: &'a [Option<Seq>],
}

/// Events of one request in the group about to be written, as a [`CommitObserver`] sees them.
pub struct Pending<'a> {
    /// The shop.
    pub shop: &'a ShopId,
    /// The events; fields derived from live state (a session id) may be filled in.
    pub events: &'a mut [Event],
}

/// Sees every group commit of events from the writer's side, so that live state follows the
/// log in commit order and no request has to take that state's write lock itself.
///
/// The writer calls [`step`](Self::step) once between two commits, with the group it has just
/// committed and the group it will write next: one call (for an engine, one lock) per group,
/// however many requests the groups hold. It runs on the writer thread, so it must be quick.
pub trait CommitObserver: Send + Sync {
    /// Applies `committed` (the group just committed; empty after a failed commit or at the
    /// start), then prepares `next` (the group about to be written; empty when nothing waits):
    /// it may fill in fields derived from live state, so the stored event carries them and a
    /// replay reproduces them.
    fn step(&self, committed: &[Committed<'_>], next: &mut [Pending<'_>]);
}

/// What an upsert did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UpsertStats {
    /// Products that were new.
    pub inserted: usize,
    /// Products that replaced an existing one.
    pub updated: usize,
}

/// The storage interface. Every method is scoped to one shop.
pub trait Store: Send + Sync + 'static {
    /// Registers a shop; a no-op if it exists.
    fn create_shop(&self, shop: &ShopId) -> Result<()>;
    /// Every shop, sorted.
    fn shops(&self) -> Result<Vec<ShopId>>;

    /// Makes a key for `shop`; the secret is in the returned value and nowhere else.
    fn create_key(&self, shop: &ShopId, role: KeyRole, label: &str) -> Result<ApiKey>;
    /// Revokes a key by its public id; false if there was no such live key.
    fn revoke_key(&self, key_id: &str) -> Result<bool>;
    /// Every key (without secrets), revoked ones included.
    fn list_keys(&self) -> Result<Vec<KeyInfo>>;
    /// The live key with this secret, if any.
    fn authenticate(&self, secret: &str) -> Result<Option<KeyInfo>>;

    /// Inserts or replaces products in one transaction: all of them or none.
    fn upsert_products(&self, shop: &ShopId, products: &[Product]) -> Result<UpsertStats>;
    /// One product.
    fn get_product(&self, shop: &ShopId, id: &ProductId) -> Result<Option<Product>>;
    /// Deletes one product; false if it did not exist.
    fn delete_product(&self, shop: &ShopId, id: &ProductId) -> Result<bool>;
    /// A page of products ordered by id, starting after `after`.
    fn list_products(
        &self,
        shop: &ShopId,
        after: Option<&ProductId>,
        limit: usize,
    ) -> Result<Vec<Product>>;
    /// Calls `f` for every product of the shop (start-up replay).
    fn for_each_product(&self, shop: &ShopId, f: &mut dyn FnMut(Product)) -> Result<u64>;
    /// How many products the shop has.
    fn count_products(&self, shop: &ShopId) -> Result<u64>;

    /// Durably appends events, group-committed with other callers' batches. Returns, per event,
    /// its sequence number, or `None` when its `event_id` was already stored (an idempotent retry).
    /// Returns only after the commit.
    fn append_events(&self, shop: &ShopId, events: Vec<Event>) -> Result<Vec<Option<Seq>>>;
    /// [`append_events`](Self::append_events) without blocking the caller: `done` receives the
    /// events back with the outcome once the commit returned. [`SqliteStore`] runs `done` on its
    /// writer thread, so `done` must be quick (an async server sends it on a oneshot channel and
    /// keeps its threads free, with no blocking-pool hop per request). The default implementation
    /// appends on the caller's thread.
    fn append_events_then(&self, shop: &ShopId, events: Vec<Event>, done: AppendDone) {
        let result = self.append_events(shop, events.clone());
        done(events, result);
    }
    /// Installs the observer every later group commit of events goes through (replacing any
    /// earlier one). A backend that cannot call one must refuse here rather than ignore it.
    fn observe(&self, observer: std::sync::Arc<dyn CommitObserver>) -> Result<()>;
    /// Calls `f` for every event with a sequence number above `after`, in log order.
    fn replay_events(
        &self,
        shop: &ShopId,
        after: Seq,
        f: &mut dyn FnMut(Seq, Event),
    ) -> Result<u64>;
    /// How many events the shop has.
    fn count_events(&self, shop: &ShopId) -> Result<u64>;

    /// Records that a visitor is a customer (login). Idempotent.
    fn link_identity(
        &self,
        shop: &ShopId,
        visitor: &VisitorId,
        customer: &CustomerId,
    ) -> Result<()>;
    /// Every visitor-to-customer link of the shop.
    fn identity_links(&self, shop: &ShopId) -> Result<Vec<(VisitorId, CustomerId)>>;

    /// Stores a named setting of the shop (search settings, say), replacing the previous one.
    fn put_setting(&self, shop: &ShopId, name: &str, value: &serde_json::Value) -> Result<()>;
    /// A named setting of the shop, if it was ever stored.
    fn setting(&self, shop: &ShopId, name: &str) -> Result<Option<serde_json::Value>>;

    /// Queues an outbox message unless one with the same (shop, shopper, kind, date) exists:
    /// returns the message's id and whether it was new. `now` is its creation time.
    fn outbox_enqueue(&self, shop: &ShopId, m: &NewMessage, now: Millis) -> Result<(i64, bool)>;
    /// Claims up to `limit` messages of any shop due at `now` (pending, or sending whose lease
    /// ran out), oldest first: each becomes `sending` until `now + lease_ms` and counts an attempt.
    fn outbox_claim(
        &self,
        now: Millis,
        lease_ms: Millis,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>>;
    /// Records how a claimed message's attempt ended.
    fn outbox_finish(&self, id: i64, outcome: &Delivery, now: Millis) -> Result<()>;
    /// Replaces the subject, bodies and payload of a claimed (`sending`) message before it goes
    /// out, so the stored message is the one delivered (a reminder without the items bought
    /// since it was queued). Errors if the message is not claimed.
    fn outbox_revise(&self, id: i64, revised: &Revision) -> Result<()>;
    /// A shop's messages, newest first, optionally only one shopper's.
    fn outbox_list(
        &self,
        shop: &ShopId,
        shopper: Option<&str>,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>>;
    /// Sets a customer's email address and consent.
    fn put_contact(&self, shop: &ShopId, customer: &str, contact: &Contact) -> Result<()>;
    /// A customer's email address and consent, if the shop gave them.
    fn contact(&self, shop: &ShopId, customer: &str) -> Result<Option<Contact>>;
    /// Withdraws the consent of the shopper whose message carries `token` and suppresses
    /// their pending messages: (shop, shopper), or `None` for an unknown token.
    fn unsubscribe(&self, token: &str, now: Millis) -> Result<Option<(ShopId, String)>>;
    /// Appends served lists (impressions) without waiting: the writer commits them with its next
    /// group commit (within 200 ms when no events come), so a click sent after its response
    /// never commits before the list it points at. Lost only if the process dies before that
    /// commit; a store that closes commits them first.
    fn append_served(&self, shop: &ShopId, rows: Vec<Served>);
    /// Calls `f` for every served list of the shop, in the order they were appended.
    fn replay_served(&self, shop: &ShopId, f: &mut dyn FnMut(Served)) -> Result<u64>;
    /// Records wishlist notifications in one transaction. One still pending for the same
    /// recipient, product and kind is updated to the newest values instead of repeated.
    fn add_notifications(&self, shop: &ShopId, items: &[NewNotification]) -> Result<()>;
    /// Everything stored about the person `who` names (their events, logins, served lists,
    /// contacts, outbox messages and notifications, over every identity their logins join),
    /// or `None` when nothing is.
    fn shopper_records(&self, shop: &ShopId, who: &Subject) -> Result<Option<ShopperRecords>>;
    /// Deletes everything [`shopper_records`](Self::shopper_records) would return, in one
    /// transaction: what was removed, or `None` when nothing was stored. Live state built from
    /// the log still holds them until it is rebuilt.
    fn erase_shopper(&self, shop: &ShopId, who: &Subject) -> Result<Option<Erased>>;
    /// Notifications in id order (all, or only pending ones).
    fn notifications(&self, shop: &ShopId, q: NotificationQuery) -> Result<Vec<Notification>>;
    /// Marks up to `limit` pending notifications as claimed and returns them, oldest first;
    /// each is handed out once, however many senders ask at the same time.
    fn claim_notifications(&self, shop: &ShopId, limit: usize) -> Result<Vec<Notification>>;
}
