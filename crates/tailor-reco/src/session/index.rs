//! The recency-sampled inverted index of VMIS-kNN (Kersbergen et al., "Serenade", 2022): for each
//! item, only the most recent sessions that contain it, ordered by session time. A scan from the
//! newest end meets candidate neighbours in recency order and stops once it has enough.
//! Unlike Serenade's, which is rebuilt offline, this one takes live clicks one at a time, and it
//! forgets sessions by a [`Retention`] policy so that a server fed clicks for months holds a
//! bounded number of them.

use std::collections::VecDeque;

use super::Session;
use super::knn::InvalidParam;
use super::rank::{IdMap, id_map, map_bytes};

/// Clicks kept per session. Longer sessions (crawlers, bots) keep their first clicks only; their
/// later clicks still refresh the session's time. This bounds memory and the cost of one click.
pub const MAX_STORED_CLICKS: usize = 256;
/// Default of [`Retention::max_sessions`]. At five clicks a session and a sample size of 1000,
/// a full index holds about 155 bytes a session, lists included: 74 MiB measured.
pub const DEFAULT_MAX_SESSIONS: usize = 500_000;
/// Largest accepted [`Retention::max_sessions`] (slots are `u32`).
pub const MAX_RETAINED_SESSIONS: usize = 1 << 31;
/// Default of [`Retention::idle_secs`]: an hour, twice the 30-minute gap after which shops and
/// analytics usually start a new session, so a visitor who pauses keeps their clicks.
pub const DEFAULT_IDLE_SECS: i64 = 60 * 60;
/// Largest accepted [`Retention::idle_secs`]: 30 days.
pub const MAX_IDLE_SECS: i64 = 30 * 86_400;

const _: () = assert!(MAX_STORED_CLICKS <= u16::MAX as usize);

/// Which sessions the index keeps. Eviction is deterministic: it depends only on the clicks
/// given, in the order given, never on the clock or on hashing.
///
/// Two rules, applied after every click (and after a bulk build), "now" being the newest click
/// time seen so far:
///
/// 1. **Forgotten sessions.** A session that is on no item's list of most recent sessions can
///    never be a neighbour again (it only gets back on a list through a click of its own). Once
///    it has also had no click for `idle_secs`, it is evicted. No prediction for any other session
///    changes: neighbours come from the lists only, and idf counts every session ever seen.
/// 2. **The cap.** While more than `max_sessions` are kept, the least recently clicked session is
///    evicted, idle sessions first, and removed from the lists that held it. Only this rule can
///    change other sessions' predictions, and only through those old sessions.
///
/// An evicted session's slot is reused by the next new session. A key that comes back after its
/// session was evicted starts a new session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Most sessions kept, in `1..=`[`MAX_RETAINED_SESSIONS`].
    pub max_sessions: usize,
    /// Seconds without a click after which a session on no item's list is forgotten, in
    /// `0..=`[`MAX_IDLE_SECS`]. `0` forgets such sessions at once, except the one just clicked.
    pub idle_secs: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            max_sessions: DEFAULT_MAX_SESSIONS,
            idle_secs: DEFAULT_IDLE_SECS,
        }
    }
}

impl Retention {
    /// Checks both fields against their bounds.
    pub fn validate(&self) -> Result<(), InvalidParam> {
        if !(1..=MAX_RETAINED_SESSIONS).contains(&self.max_sessions) {
            return Err(InvalidParam {
                name: "max_sessions",
                value: self.max_sessions as f64,
                expected: format!("1..={MAX_RETAINED_SESSIONS}"),
            });
        }
        if !(0..=MAX_IDLE_SECS).contains(&self.idle_secs) {
            return Err(InvalidParam {
                name: "idle_secs",
                value: self.idle_secs as f64,
                expected: format!("0..={MAX_IDLE_SECS}"),
            });
        }
        Ok(())
    }
}

/// Where a session's clicks sit in the arena, how many distinct items they hold, and on how many
/// item lists the session is.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    start: usize,
    len: u16,
    distinct: u16,
    lists: u16,
}

/// A session's place in recency order: its newest click time, then its creation order. Unique
/// per live session, so every list orders sessions the same way.
pub(crate) type OrderKey = (i64, u64);

/// A session on an item's list, with its order key beside it: the merge of lists in a query and
/// the sorted insert of a click compare keys of many sessions, and reading them here is a
/// sequential read of the list instead of one cache miss per session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Listed {
    /// The session's [`OrderKey`] when it was listed (kept equal to the slot's by every update).
    pub(crate) key: OrderKey,
    /// The session.
    pub(crate) slot: u32,
}

/// The creation number of a free slot.
const FREE: u64 = u64::MAX;

/// A queue entry: a slot as it was when queued. It is current while the slot's version has not
/// moved since, that is while the session has not been clicked to a newer time nor evicted.
#[derive(Debug, Clone, Copy)]
struct Stamp {
    slot: u32,
    version: u32,
}

/// Queues are swept of stale entries once they hold half as many again as there are live
/// sessions, plus this; also the arena's spare room after a repack.
const QUEUE_SLACK: usize = 1024;

/// Sessions by slot, and for each item the newest sessions containing it.
///
/// Invariants: `per_item[j]` holds at most `capacity` live sessions containing item `j`, ordered
/// oldest first by [`OrderKey`]; `spans[s].lists` counts the lists holding slot `s`. Session
/// times only grow, so a session that fell out of a list can only come back through a new click
/// of its own, which re-places it. For clicks given in time order, with no cap eviction and no
/// key coming back after its session was forgotten, the index equals the bulk-built index of the
/// same sessions.
///
/// All clicks live in one arena instead of one allocation per session: no per-session
/// allocation overhead, and historical sessions, written in time order, sit next to the other
/// recent sessions a query visits. Per-session fields are parallel vectors for the same reason.
#[derive(Debug, Clone)]
pub(crate) struct RecencyIndex {
    capacity: usize,
    retention: Retention,
    per_item: Vec<VecDeque<Listed>>,
    /// Every session's clicks back to back, in click order with repeats (positions matter to the
    /// scorer). A session that grows while it is not the last one written moves to the end.
    clicks: Vec<u32>,
    /// Arena entries left behind by sessions that moved or were evicted.
    garbage: usize,
    spans: Vec<Span>,
    /// Each slot's [`OrderKey`]; `(_, FREE)` for free slots.
    order: Vec<OrderKey>,
    /// The caller's key of each slot's session.
    keys: Vec<u64>,
    /// Bumped whenever a slot's session gets a newer time or leaves; see [`Stamp`].
    versions: Vec<u32>,
    /// Slots of evicted sessions, reused last freed first.
    free: Vec<u32>,
    slots: IdMap<u64, u32>,
    /// Sessions in the order their time last changed: the oldest first, for clicks in time order.
    touched: VecDeque<Stamp>,
    /// Idle sessions still on some item's list, in the order they went idle: the cap's first
    /// victims.
    parked: VecDeque<Stamp>,
    /// Sessions that fell off their last list during the current update.
    orphans: Vec<u32>,
    /// The newest click time seen.
    now: i64,
    /// Sessions ever started; with `sessions_with` it makes idf, which eviction leaves unchanged.
    sessions_seen: u64,
    evicted: u64,
    /// For idf: how many sessions ever contained each item, and its natural log (cached: one
    /// `ln` per new (session, item) pair instead of one per scored candidate).
    sessions_with: Vec<u32>,
    ln_sessions_with: Vec<f32>,
}

/// Puts `entry` in its place in `list`, then drops the oldest entry if the list is over
/// capacity, returning its slot.
fn insert_sorted(list: &mut VecDeque<Listed>, entry: Listed, capacity: usize) -> Option<u32> {
    // Live clicks almost always make their session the newest one: append without searching.
    if list.back().is_none_or(|b| b.key < entry.key) {
        list.push_back(entry);
    } else {
        let at = list.partition_point(|e| e.key < entry.key);
        list.insert(at, entry);
    }
    if list.len() > capacity {
        list.pop_front().map(|e| e.slot)
    } else {
        None
    }
}

/// Removes the session whose order key is `key`, if the list holds it; true if it did.
fn remove_sorted(list: &mut VecDeque<Listed>, key: OrderKey) -> bool {
    match list.binary_search_by(|e| e.key.cmp(&key)) {
        Ok(at) => {
            list.remove(at);
            true
        }
        Err(_) => false,
    }
}

/// Notes that `slot` was dropped from one list: a session on no list any more is an orphan.
fn unlist(spans: &mut [Span], orphans: &mut Vec<u32>, slot: u32) {
    let lists = &mut spans[slot as usize].lists;
    *lists -= 1;
    if *lists == 0 {
        orphans.push(slot);
    }
}

/// Each distinct item of `items` once, in first-click order.
fn distinct(items: &[u32]) -> impl Iterator<Item = u32> + '_ {
    items
        .iter()
        .enumerate()
        .filter(|&(i, item)| !items[..i].contains(item))
        .map(|(_, &item)| item)
}

impl RecencyIndex {
    /// An empty index keeping `capacity` sessions per item.
    pub(crate) fn new(capacity: usize, retention: Retention) -> Self {
        Self {
            capacity: capacity.max(1),
            retention,
            per_item: Vec::new(),
            clicks: Vec::new(),
            garbage: 0,
            spans: Vec::new(),
            order: Vec::new(),
            keys: Vec::new(),
            versions: Vec::new(),
            free: Vec::new(),
            slots: id_map(0),
            touched: VecDeque::new(),
            parked: VecDeque::new(),
            orphans: Vec::new(),
            now: i64::MIN,
            sessions_seen: 0,
            evicted: 0,
            sessions_with: Vec::new(),
            ln_sessions_with: Vec::new(),
        }
    }

    /// The index of a click history in one pass: the same state as replaying every click in time
    /// order through [`add_click`](Self::add_click), without re-placing sessions click by click.
    /// Slots and arena order follow session time, so the recent sessions that queries visit are
    /// packed together. The retention policy is applied once at the end, "now" being the newest
    /// session time.
    pub(crate) fn from_sessions(
        capacity: usize,
        retention: Retention,
        history: &[Session],
    ) -> Self {
        // A key given twice is one session: clicks appended, the later time kept.
        let mut first_of: IdMap<u64, usize> = id_map(history.len());
        let mut merged: Vec<(u64, i64, Vec<&u32>)> = Vec::with_capacity(history.len());
        for s in history {
            let at = *first_of.entry(s.key).or_insert(merged.len());
            if at == merged.len() {
                merged.push((s.key, s.time, Vec::new()));
            }
            let (_, time, items) = &mut merged[at];
            *time = (*time).max(s.time);
            let room = MAX_STORED_CLICKS - items.len();
            items.extend(s.items.iter().take(room));
        }
        drop(first_of);
        // Ties keep first-appearance order, which is the order live clicks would give slots.
        merged.sort_by_key(|&(_, time, _)| time);

        let mut index = Self::new(capacity, retention);
        index.slots.reserve(merged.len());
        index.spans.reserve_exact(merged.len());
        index.order.reserve_exact(merged.len());
        index.keys.reserve_exact(merged.len());
        index.versions.reserve_exact(merged.len());
        index.touched.reserve_exact(merged.len());
        index
            .clicks
            .reserve_exact(merged.iter().map(|m| m.2.len()).sum());
        if let Some(&&max_item) = merged.iter().flat_map(|m| &m.2).max() {
            index.grow_items(max_item);
        }
        for (key, time, items) in merged {
            index.now = index.now.max(time);
            let slot = index.slot_or_insert(key, time);
            let start = index.clicks.len();
            index.clicks.extend(items);
            let mut distinct_items = 0;
            for item in distinct(&index.clicks[start..]) {
                distinct_items += 1;
                index.sessions_with[item as usize] += 1;
                let list = &mut index.per_item[item as usize];
                list.push_back(Listed {
                    key: index.order[slot as usize],
                    slot,
                });
                index.spans[slot as usize].lists += 1;
                if list.len() > index.capacity
                    && let Some(old) = list.pop_front()
                {
                    unlist(&mut index.spans, &mut index.orphans, old.slot);
                }
            }
            let span = &mut index.spans[slot as usize];
            span.len = (index.clicks.len() - start) as u16;
            span.distinct = distinct_items;
        }
        for (ln, &n) in index.ln_sessions_with.iter_mut().zip(&index.sessions_with) {
            *ln = (n.max(1) as f32).ln();
        }
        index.evict(None);
        index.orphans.shrink_to_fit();
        // A full list takes one more entry before it drops its oldest: leave room for it, or
        // the first live click on each popular item would double its list.
        let full = index.capacity + 1;
        for list in &mut index.per_item {
            list.shrink_to(if list.len() >= index.capacity {
                full
            } else {
                0
            });
        }
        index
    }

    /// Records one click so that the very next query sees it: the session's items, its time, and
    /// its place among the most recent sessions of each of its items. Then applies the
    /// retention policy, never to the session just clicked.
    pub(crate) fn add_click(&mut self, key: u64, item: u32, time: i64) {
        self.grow_items(item);
        self.now = self.now.max(time);
        let slot = self.slot_or_insert(key, time);
        let s = slot as usize;
        let span = self.spans[s];
        let old_key = self.order[s];
        let new_time = if span.len == 0 {
            time
        } else {
            old_key.0.max(time)
        };
        // The session got newer: move it to its new place in the list of every item it has
        // (back onto the lists it had fallen off).
        if new_time != old_key.0 {
            let items = &self.clicks[span.start..span.start + usize::from(span.len)];
            for j in distinct(items) {
                if remove_sorted(&mut self.per_item[j as usize], old_key) {
                    self.spans[s].lists -= 1;
                }
            }
            self.order[s].0 = new_time;
            let entry = Listed {
                key: self.order[s],
                slot,
            };
            for j in distinct(items) {
                self.spans[s].lists += 1;
                let list = &mut self.per_item[j as usize];
                if let Some(old) = insert_sorted(list, entry, self.capacity) {
                    unlist(&mut self.spans, &mut self.orphans, old);
                }
            }
            self.touch(slot);
        }
        if usize::from(span.len) < MAX_STORED_CLICKS {
            let items = &self.clicks[span.start..span.start + usize::from(span.len)];
            let is_new_item = !items.contains(&item);
            self.append(s, item);
            if is_new_item {
                self.spans[s].distinct += 1;
                let with = &mut self.sessions_with[item as usize];
                *with = with.saturating_add(1);
                self.ln_sessions_with[item as usize] = (*with as f32).ln();
                self.spans[s].lists += 1;
                let list = &mut self.per_item[item as usize];
                let entry = Listed {
                    key: self.order[s],
                    slot,
                };
                if let Some(old) = insert_sorted(list, entry, self.capacity) {
                    unlist(&mut self.spans, &mut self.orphans, old);
                }
            }
        }
        self.evict(Some(slot));
    }

    /// Queues `slot` as clicked now, which makes its older queue entries stale.
    fn touch(&mut self, slot: u32) {
        let version = &mut self.versions[slot as usize];
        *version = version.wrapping_add(1);
        self.touched.push_back(Stamp {
            slot,
            version: *version,
        });
    }

    fn is_current(&self, stamp: Stamp) -> bool {
        self.versions[stamp.slot as usize] == stamp.version
    }

    fn is_idle(&self, slot: u32) -> bool {
        self.order[slot as usize].0 <= self.now.saturating_sub(self.retention.idle_secs)
    }

    /// Applies the [`Retention`] policy, sparing `protect`.
    fn evict(&mut self, protect: Option<u32>) {
        // Rule 1, for sessions that just fell off their last list while idle...
        let orphans = std::mem::take(&mut self.orphans);
        for &slot in &orphans {
            let s = slot as usize;
            if self.order[s].1 != FREE
                && self.spans[s].lists == 0
                && Some(slot) != protect
                && self.is_idle(slot)
            {
                self.remove(slot);
            }
        }
        self.orphans = orphans;
        self.orphans.clear();
        // ...and for sessions that went idle after they fell off. Idle sessions still on a list
        // are parked, to go when they fall off their last list or the cap needs room.
        while let Some(&stamp) = self.touched.front() {
            if !self.is_current(stamp) {
                self.touched.pop_front();
                continue;
            }
            if Some(stamp.slot) == protect || !self.is_idle(stamp.slot) {
                break;
            }
            self.touched.pop_front();
            if self.spans[stamp.slot as usize].lists == 0 {
                self.remove(stamp.slot);
            } else {
                self.parked.push_back(stamp);
            }
        }
        // Rule 2: the least recently clicked go, idle ones first.
        let mut spared = None;
        while self.slots.len() > self.retention.max_sessions {
            let victim = match self.parked.pop_front() {
                Some(stamp) => stamp,
                None => match self.touched.pop_front() {
                    Some(stamp) => stamp,
                    None => break,
                },
            };
            if !self.is_current(victim) {
                continue;
            }
            if Some(victim.slot) == protect {
                spared = Some(victim);
                continue;
            }
            self.remove(victim.slot);
        }
        if let Some(stamp) = spared {
            self.touched.push_front(stamp);
        }
        // Stale entries cost memory only; sweep them once they are a third of the queue.
        let bound = self.slots.len() + self.slots.len() / 2 + QUEUE_SLACK;
        if self.touched.len() > bound {
            let versions = &self.versions;
            self.touched
                .retain(|s| versions[s.slot as usize] == s.version);
        }
        if self.parked.len() > bound {
            let versions = &self.versions;
            self.parked
                .retain(|s| versions[s.slot as usize] == s.version);
        }
    }

    /// Forgets the session in `slot`: off its lists, out of the key map, its slot free for reuse.
    fn remove(&mut self, slot: u32) {
        let s = slot as usize;
        let span = self.spans[s];
        if span.lists > 0 {
            let key = self.order[s];
            let items = &self.clicks[span.start..span.start + usize::from(span.len)];
            for j in distinct(items) {
                remove_sorted(&mut self.per_item[j as usize], key);
            }
        }
        self.slots.remove(&self.keys[s]);
        let end = span.start + usize::from(span.len);
        if end == self.clicks.len() {
            self.clicks.truncate(span.start);
        } else {
            self.garbage += usize::from(span.len);
        }
        self.spans[s] = Span::default();
        self.order[s] = (i64::MIN, FREE);
        self.versions[s] = self.versions[s].wrapping_add(1);
        self.free.push(slot);
        self.evicted += 1;
        self.repack_if_sparse();
    }

    /// Appends a click to session `s`, moving the session to the end of the arena first if
    /// another session was written after it.
    fn append(&mut self, s: usize, item: u32) {
        let span = &mut self.spans[s];
        let len = usize::from(span.len);
        let end = span.start + len;
        if end != self.clicks.len() {
            self.garbage += len;
            span.start = self.clicks.len();
            self.clicks.extend_from_within(end - len..end);
        }
        self.clicks.push(item);
        span.len += 1;
        self.repack_if_sparse();
    }

    /// Once half the arena is left-behind copies, repacks it: each click is then copied O(1)
    /// times on average. The packed arena gets room for as many clicks again, what it takes to
    /// reach the next repack with as many sessions, so it is not reallocated in between.
    fn repack_if_sparse(&mut self) {
        if self.garbage * 2 <= self.clicks.len() {
            return;
        }
        let live = self.clicks.len() - self.garbage;
        let mut packed = Vec::with_capacity(2 * live + QUEUE_SLACK);
        // Free slots hold nothing; they must not point past the end of the packed arena.
        for span in self.spans.iter_mut().filter(|s| s.len > 0) {
            let from = span.start..span.start + usize::from(span.len);
            span.start = packed.len();
            packed.extend_from_slice(&self.clicks[from]);
        }
        self.clicks = packed;
        self.garbage = 0;
    }

    fn slot_or_insert(&mut self, key: u64, time: i64) -> u32 {
        if let Some(&slot) = self.slots.get(&key) {
            return slot;
        }
        let seq = self.sessions_seen;
        self.sessions_seen += 1;
        let span = Span {
            start: self.clicks.len(),
            ..Span::default()
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.spans[slot as usize] = span;
                self.order[slot as usize] = (time, seq);
                self.keys[slot as usize] = key;
                slot
            }
            None => {
                self.spans.push(span);
                self.order.push((time, seq));
                self.keys.push(key);
                self.versions.push(0);
                (self.spans.len() - 1) as u32
            }
        };
        self.slots.insert(key, slot);
        self.touch(slot);
        slot
    }

    fn grow_items(&mut self, item: u32) {
        let needed = item as usize + 1;
        if self.per_item.len() < needed {
            self.per_item.resize_with(needed, VecDeque::new);
            self.sessions_with.resize(needed, 0);
            self.ln_sessions_with.resize(needed, 0.0);
        }
    }

    /// Sessions kept per item.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn retention(&self) -> Retention {
        self.retention
    }

    /// Switches to another policy and applies it at once.
    pub(crate) fn set_retention(&mut self, retention: Retention) {
        self.retention = retention;
        self.evict(None);
    }

    /// The most recent sessions containing `item`, oldest first (`None` for unknown items).
    pub(crate) fn sessions_of(&self, item: u32) -> Option<&VecDeque<Listed>> {
        self.per_item.get(item as usize)
    }

    pub(crate) fn slot(&self, key: u64) -> Option<u32> {
        self.slots.get(&key).copied()
    }

    pub(crate) fn items(&self, slot: u32) -> &[u32] {
        let span = self.spans[slot as usize];
        &self.clicks[span.start..span.start + usize::from(span.len)]
    }

    /// Where the session in `slot` stands in recency order (queries read it from the lists).
    #[cfg(test)]
    pub(crate) fn order_key(&self, slot: u32) -> OrderKey {
        self.order[slot as usize]
    }

    #[cfg(test)]
    pub(crate) fn time(&self, slot: u32) -> i64 {
        self.order[slot as usize].0
    }

    pub(crate) fn distinct_items(&self, slot: u32) -> u32 {
        u32::from(self.spans[slot as usize].distinct)
    }

    /// Sessions kept now.
    pub(crate) fn num_sessions(&self) -> usize {
        self.slots.len()
    }

    /// Sessions evicted so far.
    pub(crate) fn evicted(&self) -> u64 {
        self.evicted
    }

    /// `ln(sessions)`, the shared half of every idf of one query; every session ever started
    /// counts, evicted or not.
    pub(crate) fn ln_num_sessions(&self) -> f32 {
        (self.sessions_seen.max(1) as f32).ln()
    }

    /// `ln(sessions / sessions containing item)` given [`ln_num_sessions`](Self::ln_num_sessions):
    /// never negative, zero for unknown items.
    pub(crate) fn idf(&self, item: u32, ln_num_sessions: f32) -> f32 {
        self.ln_sessions_with
            .get(item as usize)
            .map_or(0.0, |ln_with| (ln_num_sessions - ln_with).max(0.0))
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        let lists: usize = self
            .per_item
            .iter()
            .map(|l| l.capacity() * size_of::<Listed>())
            .sum();
        lists
            + self.per_item.capacity() * size_of::<VecDeque<Listed>>()
            + self.clicks.capacity() * 4
            + self.spans.capacity() * size_of::<Span>()
            + self.order.capacity() * size_of::<OrderKey>()
            + self.keys.capacity() * 8
            + self.versions.capacity() * 4
            + self.free.capacity() * 4
            + map_bytes(&self.slots)
            + (self.touched.capacity() + self.parked.capacity()) * size_of::<Stamp>()
            + self.orphans.capacity() * 4
            + self.sessions_with.capacity() * 4
            + self.ln_sessions_with.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys_newest_first(index: &RecencyIndex, item: u32) -> Vec<u64> {
        let by_slot: IdMap<u32, u64> = index.slots.iter().map(|(&k, &s)| (s, k)).collect();
        index
            .sessions_of(item)
            .map(|l| l.iter().rev().map(|e| by_slot[&e.slot]).collect())
            .unwrap_or_default()
    }

    fn live_slots(index: &RecencyIndex) -> Vec<u32> {
        let mut slots: Vec<u32> = index.slots.values().copied().collect();
        slots.sort_unstable();
        slots
    }

    fn keep_all() -> Retention {
        Retention {
            max_sessions: MAX_RETAINED_SESSIONS,
            idle_secs: MAX_IDLE_SECS,
        }
    }

    /// Every structural invariant of the index, checked from scratch.
    fn check_invariants(index: &RecencyIndex) {
        let live = live_slots(index);
        assert!(live.len() <= index.retention.max_sessions);
        assert_eq!(live.len() + index.free.len(), index.spans.len());
        for (&key, &slot) in &index.slots {
            assert_eq!(index.keys[slot as usize], key);
            assert_ne!(index.order[slot as usize].1, FREE);
        }
        for &slot in &index.free {
            assert_eq!(index.order[slot as usize].1, FREE);
            assert_eq!(index.spans[slot as usize].len, 0);
        }
        let mut on_lists = vec![0u16; index.spans.len()];
        for (item, list) in index.per_item.iter().enumerate() {
            assert!(list.len() <= index.capacity);
            let keys: Vec<OrderKey> = list.iter().map(|e| index.order[e.slot as usize]).collect();
            assert!(
                keys.windows(2).all(|w| w[0] < w[1]),
                "item {item}: {keys:?}"
            );
            for &Listed { key, slot } in list {
                assert_eq!(key, index.order[slot as usize], "a listed key went stale");
                assert!(live.binary_search(&slot).is_ok(), "a free slot on a list");
                assert!(index.items(slot).contains(&(item as u32)));
                on_lists[slot as usize] += 1;
            }
        }
        let mut stamps = vec![0usize; index.spans.len()];
        for stamp in index.touched.iter().chain(&index.parked) {
            if index.is_current(*stamp) {
                stamps[stamp.slot as usize] += 1;
            }
        }
        for &slot in &live {
            let s = slot as usize;
            assert_eq!(index.spans[s].lists, on_lists[s], "slot {slot}");
            assert_eq!(stamps[s], 1, "slot {slot} must be queued once");
            let items = index.items(slot);
            assert_eq!(
                usize::from(index.spans[s].distinct),
                distinct(items).count()
            );
        }
        let kept: usize = live.iter().map(|&s| index.items(s).len()).sum();
        assert_eq!(kept + index.garbage, index.clicks.len());
        assert!(index.spans.iter().all(|s| s.start <= index.clicks.len()));
    }

    #[test]
    fn keeps_the_most_recent_sessions_per_item_newest_last() {
        let history = [
            Session {
                key: 1,
                items: vec![0, 1],
                time: 10,
            },
            Session {
                key: 2,
                items: vec![0, 2, 0],
                time: 30,
            },
            Session {
                key: 3,
                items: vec![0],
                time: 20,
            },
        ];
        let index = RecencyIndex::from_sessions(2, Retention::default(), &history);
        assert_eq!(keys_newest_first(&index, 0), vec![2, 3]);
        assert_eq!(keys_newest_first(&index, 1), vec![1]);
        assert_eq!(index.distinct_items(index.slot(2).unwrap()), 2);
        assert_eq!(index.items(index.slot(2).unwrap()), &[0, 2, 0]);
        assert!(index.sessions_of(99).is_none());
        check_invariants(&index);
    }

    #[test]
    fn a_new_click_moves_its_session_to_the_front_of_all_its_items() {
        let history = [
            Session {
                key: 1,
                items: vec![0, 1],
                time: 10,
            },
            Session {
                key: 2,
                items: vec![0, 1],
                time: 20,
            },
        ];
        let mut index = RecencyIndex::from_sessions(2, Retention::default(), &history);
        assert_eq!(keys_newest_first(&index, 1), vec![2, 1]);
        index.add_click(1, 5, 30);
        assert_eq!(keys_newest_first(&index, 0), vec![1, 2]);
        assert_eq!(keys_newest_first(&index, 1), vec![1, 2]);
        assert_eq!(keys_newest_first(&index, 5), vec![1]);
        // A third, newer session pushes the oldest out of item 0's list of two.
        index.add_click(3, 0, 40);
        assert_eq!(keys_newest_first(&index, 0), vec![3, 1]);
        // ...and a new click of the evicted session brings it back.
        index.add_click(2, 7, 50);
        assert_eq!(keys_newest_first(&index, 0), vec![2, 3]);
        check_invariants(&index);
    }

    #[test]
    fn a_late_click_keeps_the_session_time_and_order() {
        let mut index = RecencyIndex::new(10, Retention::default());
        index.add_click(1, 0, 100);
        index.add_click(2, 0, 200);
        index.add_click(1, 1, 50); // out of order: session 1 stays at time 100
        assert_eq!(index.time(index.slot(1).unwrap()), 100);
        assert_eq!(keys_newest_first(&index, 0), vec![2, 1]);
        assert_eq!(keys_newest_first(&index, 1), vec![1]);
        check_invariants(&index);
    }

    #[test]
    fn idf_is_never_negative_and_zero_for_unknown_items() {
        let history = [
            Session {
                key: 1,
                items: vec![0, 0, 0],
                time: 1,
            },
            Session {
                key: 2,
                items: vec![0, 1],
                time: 2,
            },
        ];
        let index = RecencyIndex::from_sessions(5, Retention::default(), &history);
        let ln_n = index.ln_num_sessions();
        assert_eq!(index.idf(0, ln_n), 0.0);
        assert!((index.idf(1, ln_n) - 2f32.ln()).abs() < 1e-6);
        assert_eq!(index.idf(42, ln_n), 0.0);
    }

    #[test]
    fn long_sessions_are_capped() {
        let mut index = RecencyIndex::new(3, Retention::default());
        for t in 0..(MAX_STORED_CLICKS as i64 + 10) {
            index.add_click(9, (t % 300) as u32, t);
        }
        let slot = index.slot(9).unwrap();
        assert_eq!(index.items(slot).len(), MAX_STORED_CLICKS);
        assert_eq!(index.time(slot), MAX_STORED_CLICKS as i64 + 9);
        check_invariants(&index);
    }

    #[test]
    fn interleaved_sessions_keep_their_clicks_and_the_arena_stays_bounded() {
        let mut index = RecencyIndex::new(4, Retention::default());
        for t in 0..200i64 {
            for key in 0..3u64 {
                index.add_click(key, (t as u32 + key as u32) % 7, t);
            }
        }
        for key in 0..3u64 {
            let want: Vec<u32> = (0..200).map(|t| (t + key as u32) % 7).collect();
            assert_eq!(index.items(index.slot(key).unwrap()), &want[..]);
        }
        // Live clicks are 600; left-behind copies never exceed them.
        assert!(index.clicks.len() <= 2 * 600, "{}", index.clicks.len());
        check_invariants(&index);
    }

    #[test]
    fn a_session_is_forgotten_once_idle_and_off_every_list() {
        let retention = Retention {
            max_sessions: 100,
            idle_secs: 10,
        };
        let mut index = RecencyIndex::new(2, retention);
        index.add_click(1, 0, 0);
        index.add_click(1, 1, 1);
        // Two newer sessions push session 1 off item 0's list; it is still on item 1's.
        index.add_click(2, 0, 2);
        index.add_click(3, 0, 3);
        assert_eq!(keys_newest_first(&index, 0), vec![3, 2]);
        // Idle now, but still a candidate through item 1: kept (parked).
        index.add_click(4, 5, 20);
        assert!(index.slot(1).is_some());
        assert_eq!(index.parked.len(), 3);
        // Off item 1's list too: forgotten at once, since it is idle.
        index.add_click(5, 1, 21);
        index.add_click(6, 1, 22);
        assert_eq!(index.slot(1), None);
        assert_eq!(keys_newest_first(&index, 1), vec![6, 5]);
        assert_eq!(index.evicted(), 1);
        check_invariants(&index);
        // Sessions off every list but not idle stay, for their own recommendations.
        index.add_click(7, 5, 23);
        index.add_click(8, 5, 24);
        assert_eq!(keys_newest_first(&index, 5), vec![8, 7]);
        assert!(
            index.slot(4).is_some(),
            "off every list, but clicked 4 s ago"
        );
        // Ten seconds on, it goes, when its entry reaches the front of the queue.
        index.add_click(9, 9, 30);
        assert_eq!(index.slot(4), None);
        // Its slot is reused, and the newcomer is newer than everyone despite the lower slot.
        let reused = index.free.last().copied();
        index.add_click(10, 5, 31);
        assert_eq!(index.slot(10), reused);
        assert_eq!(keys_newest_first(&index, 5), vec![10, 8]);
        // idf still counts every session ever seen.
        assert_eq!(index.sessions_seen, 10);
        check_invariants(&index);
    }

    #[test]
    fn the_cap_evicts_the_least_recently_clicked_idle_first() {
        let retention = Retention {
            max_sessions: 3,
            idle_secs: 100,
        };
        let mut index = RecencyIndex::new(10, retention);
        index.add_click(1, 0, 0);
        index.add_click(2, 1, 50);
        index.add_click(3, 2, 60);
        // Session 1 clicks again: it is now the most recent, session 2 the least.
        index.add_click(1, 3, 70);
        index.add_click(4, 4, 80);
        assert_eq!(live_slots(&index).len(), 3);
        assert_eq!(index.slot(2), None);
        assert_eq!(keys_newest_first(&index, 1), Vec::<u64>::new());
        // At t = 200 sessions 3 (t = 60) and 1 (t = 70) are idle, parked: they go before 4.
        index.add_click(5, 5, 200);
        index.add_click(6, 5, 201);
        assert_eq!(index.slot(3), None);
        assert_eq!(index.slot(1), None);
        assert!(index.slot(4).is_some());
        check_invariants(&index);
    }

    #[test]
    fn memory_stays_bounded_under_a_long_stream_of_short_sessions() {
        let retention = Retention {
            max_sessions: 10_000,
            idle_secs: 60,
        };
        let mut index = RecencyIndex::new(20, retention);
        let mut peak_sessions = 0;
        let mut heap_at_half = 0;
        let sessions = 200_000u64;
        for key in 0..sessions {
            // Four sessions start per second, three clicks each over 50 items.
            let time = (key / 4) as i64;
            for c in 0..3u64 {
                index.add_click(key, ((key * 7 + c * 13) % 50) as u32, time);
            }
            peak_sessions = peak_sessions.max(index.num_sessions());
            if key == sessions / 2 {
                heap_at_half = index.heap_bytes();
            }
        }
        // On a list (at most 50 items x 20) or clicked in the last minute (240 sessions).
        assert!(peak_sessions <= 50 * 20 + 241, "{peak_sessions}");
        assert!(index.heap_bytes() <= heap_at_half + heap_at_half / 10);
        assert!(index.touched.len() <= 2 * index.num_sessions() + QUEUE_SLACK);
        assert!(index.clicks.capacity() <= 4 * 3 * index.num_sessions() + QUEUE_SLACK);
        assert_eq!(index.sessions_seen, sessions);
        check_invariants(&index);
    }

    /// Found by `invariants_hold_under_any_stream_and_policy`: a repack used to give free slots the
    /// arena's end as their start, and a later eviction at the end of the arena shrank it below
    /// that, so the next repack sliced out of bounds.
    #[test]
    fn free_slots_never_point_past_the_arena() {
        let clicks: [(u64, u32, i64); 66] = [
            (0, 0, 0),
            (15, 0, 0),
            (6, 0, 0),
            (7, 1, 0),
            (11, 0, 12),
            (0, 1, 0),
            (2, 1, 0),
            (12, 2, 0),
            (3, 0, 0),
            (1, 0, 0),
            (4, 1, 35),
            (5, 1, 0),
            (6, 1, 0),
            (0, 1, 0),
            (2, 2, 12),
            (4, 0, 0),
            (12, 3, 1),
            (7, 2, 1),
            (4, 0, 0),
            (10, 3, 56),
            (14, 4, 0),
            (0, 0, 0),
            (1, 4, 0),
            (0, 0, 1),
            (12, 1, 18),
            (11, 0, 6),
            (10, 0, 0),
            (2, 0, 0),
            (10, 0, 0),
            (3, 2, 0),
            (0, 0, 2),
            (11, 2, 0),
            (1, 0, 1),
            (6, 0, 2),
            (4, 0, 2),
            (7, 3, 0),
            (7, 1, 0),
            (2, 3, 0),
            (11, 3, 36),
            (0, 0, 3),
            (3, 0, 0),
            (7, 0, 18),
            (0, 0, 0),
            (4, 3, 0),
            (1, 0, 18),
            (10, 2, 0),
            (0, 0, 0),
            (0, 4, 15),
            (10, 0, 0),
            (5, 1, 0),
            (8, 0, 0),
            (2, 3, 0),
            (5, 3, 12),
            (7, 3, 0),
            (5, 0, 0),
            (8, 0, 0),
            (0, 0, 0),
            (2, 0, 40),
            (0, 0, 0),
            (4, 0, 0),
            (4, 0, 18),
            (3, 1, 12),
            (5, 0, 18),
            (7, 0, 0),
            (6, 0, 18),
            (2, 0, 0),
        ];
        let mut index = RecencyIndex::new(
            3,
            Retention {
                max_sessions: 6,
                idle_secs: 0,
            },
        );
        for &(key, item, time) in &clicks {
            index.add_click(key, item, time);
        }
        index.set_retention(Retention {
            max_sessions: 1,
            idle_secs: 0,
        });
        check_invariants(&index);
    }

    proptest! {
        /// Replaying clicks one by one, in time order, builds exactly the bulk-built index.
        #[test]
        fn incremental_equals_bulk(
            clicks in prop::collection::vec((0u64..12, 0u32..15, 0i64..40), 0..120),
            capacity in 1usize..6,
        ) {
            let mut clicks = clicks;
            clicks.sort_by_key(|&(_, _, t)| t);
            let mut live = RecencyIndex::new(capacity, Retention::default());
            let mut history: Vec<Session> = Vec::new();
            for &(key, item, time) in &clicks {
                live.add_click(key, item, time);
                match history.iter_mut().find(|s| s.key == key) {
                    Some(s) => { s.items.push(item); s.time = time; }
                    None => history.push(Session { key, items: vec![item], time }),
                }
            }
            let bulk = RecencyIndex::from_sessions(capacity, Retention::default(), &history);
            for item in 0..15 {
                prop_assert_eq!(keys_newest_first(&live, item), keys_newest_first(&bulk, item));
                let ln_n = live.ln_num_sessions();
                prop_assert!((live.idf(item, ln_n) - bulk.idf(item, bulk.ln_num_sessions())).abs() < 1e-5);
            }
            for s in &history {
                let (a, b) = (live.slot(s.key).unwrap(), bulk.slot(s.key).unwrap());
                prop_assert_eq!(live.items(a), bulk.items(b));
                prop_assert_eq!(live.time(a), bulk.time(b));
                prop_assert_eq!(live.distinct_items(a), bulk.distinct_items(b));
            }
            check_invariants(&live);
            check_invariants(&bulk);
        }

        /// With forgetting on, replay still equals the bulk build, as long as a session's clicks
        /// are closer together than the idle time (so no key comes back after being forgotten).
        #[test]
        fn incremental_equals_bulk_when_forgetting(
            sessions in prop::collection::vec((0i64..200, prop::collection::vec(0u32..15, 1..6)), 0..60),
            capacity in 1usize..5,
            idle_secs in 6i64..40,
        ) {
            let retention = Retention { max_sessions: MAX_RETAINED_SESSIONS, idle_secs };
            let mut clicks: Vec<(u64, u32, i64)> = Vec::new();
            let mut history: Vec<Session> = Vec::new();
            for (key, (start, items)) in sessions.iter().enumerate() {
                for (i, &item) in items.iter().enumerate() {
                    clicks.push((key as u64, item, start + i as i64));
                }
                history.push(Session { key: key as u64, items: items.clone(), time: start + items.len() as i64 - 1 });
            }
            clicks.sort_by_key(|&(_, _, t)| t);
            // Bulk ties keep first-appearance order, as live slots do.
            let mut first: Vec<u64> = Vec::new();
            for &(key, _, _) in &clicks {
                if !first.contains(&key) {
                    first.push(key);
                }
            }
            history.sort_by_key(|s| first.iter().position(|&k| k == s.key));
            let mut live = RecencyIndex::new(capacity, retention);
            for &(key, item, time) in &clicks {
                live.add_click(key, item, time);
            }
            let bulk = RecencyIndex::from_sessions(capacity, retention, &history);
            let kept = |index: &RecencyIndex| {
                let mut keys: Vec<u64> = index.slots.keys().copied().collect();
                keys.sort_unstable();
                keys
            };
            prop_assert_eq!(kept(&live), kept(&bulk));
            prop_assert_eq!(live.evicted(), bulk.evicted());
            for item in 0..15 {
                prop_assert_eq!(keys_newest_first(&live, item), keys_newest_first(&bulk, item));
                prop_assert_eq!(live.idf(item, live.ln_num_sessions()), bulk.idf(item, bulk.ln_num_sessions()));
            }
            for key in kept(&live) {
                let (a, b) = (live.slot(key).unwrap(), bulk.slot(key).unwrap());
                prop_assert_eq!(live.items(a), bulk.items(b));
            }
            check_invariants(&live);
            check_invariants(&bulk);
        }

        /// Whatever the click order and policy, the invariants hold after every click, and each
        /// list is sorted and holds the newest live sessions with the item that are on it.
        #[test]
        fn invariants_hold_under_any_stream_and_policy(
            clicks in prop::collection::vec((0u64..16, 0u32..8, 0i64..60), 0..150),
            capacity in 1usize..5,
            max_sessions in 1usize..10,
            idle_secs in 0i64..20,
        ) {
            let mut index = RecencyIndex::new(capacity, Retention { max_sessions, idle_secs });
            for &(key, item, time) in &clicks {
                index.add_click(key, item, time);
                check_invariants(&index);
                prop_assert!(index.slot(key).is_some(), "the session just clicked is kept");
            }
            index.set_retention(Retention { max_sessions: 1, idle_secs: 0 });
            check_invariants(&index);
        }

        /// Without eviction, whatever the click order, each list holds the newest sessions with
        /// the item.
        #[test]
        fn lists_hold_the_newest_sessions_in_order(
            clicks in prop::collection::vec((0u64..10, 0u32..8, 0i64..30), 0..100),
            capacity in 1usize..5,
        ) {
            let mut index = RecencyIndex::new(capacity, keep_all());
            for &(key, item, time) in &clicks {
                index.add_click(key, item, time);
            }
            for item in 0..8u32 {
                let list: Vec<u32> = index.sessions_of(item).map(|l| l.iter().map(|e| e.slot).collect()).unwrap_or_default();
                prop_assert!(list.len() <= capacity);
                let keys: Vec<OrderKey> = list.iter().map(|&s| index.order_key(s)).collect();
                prop_assert!(keys.windows(2).all(|w| w[0] < w[1]));
                let mut all: Vec<OrderKey> = live_slots(&index)
                    .into_iter()
                    .filter(|&s| index.items(s).contains(&item))
                    .map(|s| index.order_key(s))
                    .collect();
                all.sort_unstable();
                let newest = &all[all.len().saturating_sub(capacity)..];
                prop_assert_eq!(&keys[..], newest);
            }
        }
    }
}
