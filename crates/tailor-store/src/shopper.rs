//! One person's data, for the right of access (export) and the right to erasure (delete).
//!
//! A person is everyone their logins join: a visitor, the customers it logged in as, and those
//! customers' other visitors, followed until nothing new turns up ([`Identities`]). Events carry
//! the visitor and customer inside their encoded body, so finding a person's events reads the
//! shop's whole log; both operations are rare admin requests, and the log has no index by shopper.

use crate::Seq;
use crate::notifications::Notification;
use crate::outbox::{Contact, OutboxMessage};
use serde::Serialize;
use std::collections::BTreeSet;
use tailor_model::{CustomerId, Event, Served, VisitorId};

/// The identity a request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// An anonymous visitor (the browser's cookie id).
    Visitor(VisitorId),
    /// A customer (the shop's account id).
    Customer(CustomerId),
}

/// Every identity of one person, as the stored logins join them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Identities {
    /// Their visitor ids.
    pub visitors: BTreeSet<VisitorId>,
    /// Their customer ids.
    pub customers: BTreeSet<CustomerId>,
}

impl Identities {
    /// The identities `who` starts from, before following links.
    pub fn of(who: &Subject) -> Self {
        let mut ids = Self::default();
        match who {
            Subject::Visitor(v) => ids.visitors.insert(v.clone()),
            Subject::Customer(c) => ids.customers.insert(c.clone()),
        };
        ids
    }

    /// Adds every identity reachable from these through `links` (visitor, customer pairs).
    pub fn close_over(&mut self, links: &[(VisitorId, CustomerId)]) {
        loop {
            let before = self.visitors.len() + self.customers.len();
            for (v, c) in links {
                if self.visitors.contains(v) || self.customers.contains(c) {
                    self.visitors.insert(v.clone());
                    self.customers.insert(c.clone());
                }
            }
            if self.visitors.len() + self.customers.len() == before {
                return;
            }
        }
    }

    /// Whether an event is this person's.
    pub fn owns_event(&self, e: &Event) -> bool {
        self.visitors.contains(&e.visitor_id)
            || e.customer_id
                .as_ref()
                .is_some_and(|c| self.customers.contains(c))
    }

    /// Whether a served list was shown to this person.
    pub fn owns_served(&self, s: &Served) -> bool {
        s.visitor_id
            .as_ref()
            .is_some_and(|v| self.visitors.contains(v))
            || s.customer_id
                .as_ref()
                .is_some_and(|c| self.customers.contains(c))
    }
}

/// Everything the store holds about one person.
#[derive(Debug, Clone, Serialize)]
pub struct ShopperRecords {
    /// Who they are.
    pub identities: Identities,
    /// Their events in log order, with their sequence numbers.
    pub events: Vec<(Seq, Event)>,
    /// Their stored logins (visitor, customer).
    pub identity_links: Vec<(VisitorId, CustomerId)>,
    /// The lists (impressions) shown to them.
    pub served: Vec<Served>,
    /// Email address and consent, per customer id.
    pub contacts: Vec<(CustomerId, Contact)>,
    /// Emails queued or sent to them, oldest first.
    pub outbox: Vec<OutboxMessage>,
    /// Wishlist notifications for them, oldest first.
    pub notifications: Vec<Notification>,
}

impl ShopperRecords {
    /// Whether the store knows nothing about them.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.identity_links.is_empty()
            && self.served.is_empty()
            && self.contacts.is_empty()
            && self.outbox.is_empty()
            && self.notifications.is_empty()
    }
}

/// What deleting one person removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Erased {
    /// Who they were.
    pub identities: Identities,
    /// Events removed from the log.
    pub events: u64,
    /// Served lists removed (a stored row holds many lists; the others stay).
    pub served: u64,
    /// Identity links removed.
    pub identity_links: u64,
    /// Contacts removed.
    pub contacts: u64,
    /// Outbox messages removed.
    pub outbox: u64,
    /// Notifications removed.
    pub notifications: u64,
}

impl Erased {
    /// Whether nothing was removed (the store did not know them).
    pub fn is_empty(&self) -> bool {
        self.events
            + self.served
            + self.identity_links
            + self.contacts
            + self.outbox
            + self.notifications
            == 0
    }
}
