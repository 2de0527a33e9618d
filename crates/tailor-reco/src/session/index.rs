//! The recency-sampled inverted index of VMIS-kNN (Kersbergen et al., "Serenade", 2022): for each
//! item, only the most recent sessions that contain it, ordered by session time. A scan from the
//! newest end meets candidate neighbours in recency order and stops once it has enough.
//! Unlike Serenade's, which is rebuilt offline, this one takes live clicks one at a time.

use std::collections::VecDeque;

use super::Session;
use super::rank::{IdMap, id_map, map_bytes};

/// Clicks kept per session. Longer sessions (crawlers, bots) keep their first clicks only; their
/// later clicks still refresh the session's time. This bounds memory and the cost of one click.
pub const MAX_STORED_CLICKS: usize = 256;

/// Where a session's clicks sit in the arena, and how many distinct items they hold.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    len: u32,
    distinct: u32,
}

/// Sessions by slot, and for each item the newest sessions containing it.
///
/// Invariant: `per_item[j]` holds the `capacity` most recent sessions that contain item `j`,
/// ordered oldest first by `(time, slot)`. Session times only grow, so a session that fell out of
/// a list can only come back through a new click of its own, which re-places it.
///
/// All clicks live in one arena instead of one allocation per session: no per-session
/// allocation overhead, and historical sessions, written in time order, sit next to the other
/// recent sessions a query visits. Per-session fields are parallel vectors for the same reason.
#[derive(Debug, Clone)]
pub(crate) struct RecencyIndex {
    capacity: usize,
    per_item: Vec<VecDeque<u32>>,
    /// Every session's clicks back to back, in click order with repeats (positions matter to the
    /// scorer). A session that grows while it is not the last one written moves to the end.
    clicks: Vec<u32>,
    /// Arena entries left behind by sessions that moved.
    garbage: usize,
    spans: Vec<Span>,
    /// Unix seconds of each session's most recent click.
    times: Vec<i64>,
    slots: IdMap<u64, u32>,
    /// For idf: how many sessions contain each item, and its natural log (cached: one `ln` per
    /// new (session, item) pair instead of one per scored candidate).
    sessions_with: Vec<u32>,
    ln_sessions_with: Vec<f32>,
}

fn order_key(times: &[i64], slot: u32) -> (i64, u32) {
    (times[slot as usize], slot)
}

/// Puts `slot` in its place in `list`, then drops the oldest entry if the list is over capacity.
fn insert_sorted(list: &mut VecDeque<u32>, times: &[i64], slot: u32, capacity: usize) {
    let key = order_key(times, slot);
    // Live clicks almost always make their session the newest one: append without searching.
    if list.back().is_none_or(|&b| order_key(times, b) < key) {
        list.push_back(slot);
    } else {
        let at = list.partition_point(|&e| order_key(times, e) < key);
        list.insert(at, slot);
    }
    if list.len() > capacity {
        list.pop_front();
    }
}

/// Removes the session whose order key is `key`, if the list holds it.
fn remove_sorted(list: &mut VecDeque<u32>, times: &[i64], key: (i64, u32)) {
    if let Ok(at) = list.binary_search_by(|&e| order_key(times, e).cmp(&key)) {
        list.remove(at);
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
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            per_item: Vec::new(),
            clicks: Vec::new(),
            garbage: 0,
            spans: Vec::new(),
            times: Vec::new(),
            slots: id_map(0),
            sessions_with: Vec::new(),
            ln_sessions_with: Vec::new(),
        }
    }

    /// The index of a click history in one pass: the same state as replaying every click in time
    /// order through [`add_click`](Self::add_click), without re-placing sessions click by click.
    /// Slots and arena order follow session time, so the recent sessions that queries visit are
    /// packed together.
    pub(crate) fn from_sessions(capacity: usize, history: &[Session]) -> Self {
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
        // Ties keep first-appearance order, which is the order live clicks would give slots.
        merged.sort_by_key(|&(_, time, _)| time);

        let mut index = Self::new(capacity);
        index.slots.reserve(merged.len());
        index
            .clicks
            .reserve_exact(merged.iter().map(|m| m.2.len()).sum());
        if let Some(&&max_item) = merged.iter().flat_map(|m| &m.2).max() {
            index.grow_items(max_item);
        }
        for (key, time, items) in merged {
            let slot = index.slot_or_insert(key, time);
            let start = index.clicks.len();
            index.clicks.extend(items);
            let mut distinct_items = 0;
            for item in distinct(&index.clicks[start..]) {
                distinct_items += 1;
                index.sessions_with[item as usize] += 1;
                let list = &mut index.per_item[item as usize];
                list.push_back(slot);
                if list.len() > index.capacity {
                    list.pop_front();
                }
            }
            let span = &mut index.spans[slot as usize];
            span.len = (index.clicks.len() - start) as u32;
            span.distinct = distinct_items;
        }
        for (ln, &n) in index.ln_sessions_with.iter_mut().zip(&index.sessions_with) {
            *ln = (n.max(1) as f32).ln();
        }
        for list in &mut index.per_item {
            list.shrink_to_fit();
        }
        index
    }

    /// Records one click so that the very next query sees it: the session's items, its time, and
    /// its place among the most recent sessions of each of its items.
    pub(crate) fn add_click(&mut self, key: u64, item: u32, time: i64) {
        self.grow_items(item);
        let slot = self.slot_or_insert(key, time);
        let s = slot as usize;
        let span = self.spans[s];
        let old_key = (self.times[s], slot);
        let new_time = if span.len == 0 {
            time
        } else {
            old_key.0.max(time)
        };
        let items = &self.clicks[span.start..span.start + span.len as usize];
        // The session got newer: move it to its new place in the list of every item it has.
        if new_time != old_key.0 {
            for j in distinct(items) {
                remove_sorted(&mut self.per_item[j as usize], &self.times, old_key);
            }
            self.times[s] = new_time;
            for j in distinct(items) {
                insert_sorted(
                    &mut self.per_item[j as usize],
                    &self.times,
                    slot,
                    self.capacity,
                );
            }
        }
        if items.len() >= MAX_STORED_CLICKS {
            return;
        }
        let is_new_item = !items.contains(&item);
        self.append(s, item);
        if is_new_item {
            self.spans[s].distinct += 1;
            let with = &mut self.sessions_with[item as usize];
            *with += 1;
            self.ln_sessions_with[item as usize] = (*with as f32).ln();
            insert_sorted(
                &mut self.per_item[item as usize],
                &self.times,
                slot,
                self.capacity,
            );
        }
    }

    /// Appends a click to session `s`, moving the session to the end of the arena first if
    /// another session was written after it. Once half the arena is left-behind copies, it is
    /// repacked: each click is then copied O(1) times on average.
    fn append(&mut self, s: usize, item: u32) {
        let span = &mut self.spans[s];
        let end = span.start + span.len as usize;
        if end != self.clicks.len() {
            self.garbage += span.len as usize;
            span.start = self.clicks.len();
            self.clicks.extend_from_within(end - span.len as usize..end);
        }
        self.clicks.push(item);
        span.len += 1;
        if self.garbage * 2 > self.clicks.len() {
            let mut packed = Vec::with_capacity(self.clicks.len() - self.garbage);
            for span in &mut self.spans {
                let from = span.start..span.start + span.len as usize;
                span.start = packed.len();
                packed.extend_from_slice(&self.clicks[from]);
            }
            self.clicks = packed;
            self.garbage = 0;
        }
    }

    fn slot_or_insert(&mut self, key: u64, time: i64) -> u32 {
        let next = self.spans.len() as u32;
        let slot = *self.slots.entry(key).or_insert(next);
        if slot == next {
            self.spans.push(Span {
                start: self.clicks.len(),
                len: 0,
                distinct: 0,
            });
            self.times.push(time);
        }
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

    /// The most recent sessions containing `item`, oldest first (`None` for unknown items).
    pub(crate) fn sessions_of(&self, item: u32) -> Option<&VecDeque<u32>> {
        self.per_item.get(item as usize)
    }

    pub(crate) fn slot(&self, key: u64) -> Option<u32> {
        self.slots.get(&key).copied()
    }

    pub(crate) fn items(&self, slot: u32) -> &[u32] {
        let span = self.spans[slot as usize];
        &self.clicks[span.start..span.start + span.len as usize]
    }

    pub(crate) fn time(&self, slot: u32) -> i64 {
        self.times[slot as usize]
    }

    pub(crate) fn distinct_items(&self, slot: u32) -> u32 {
        self.spans[slot as usize].distinct
    }

    pub(crate) fn num_sessions(&self) -> usize {
        self.spans.len()
    }

    /// `ln(sessions)`, the shared half of every idf of one query.
    pub(crate) fn ln_num_sessions(&self) -> f32 {
        (self.spans.len().max(1) as f32).ln()
    }

    /// `ln(sessions / sessions containing item)` given [`ln_num_sessions`](Self::ln_num_sessions):
    /// never negative, zero for unknown items.
    pub(crate) fn idf(&self, item: u32, ln_num_sessions: f32) -> f32 {
        self.ln_sessions_with
            .get(item as usize)
            .map_or(0.0, |ln_with| (ln_num_sessions - ln_with).max(0.0))
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        let lists: usize = self.per_item.iter().map(|l| l.capacity() * 4).sum();
        lists
            + self.per_item.capacity() * size_of::<VecDeque<u32>>()
            + self.clicks.capacity() * 4
            + self.spans.capacity() * size_of::<Span>()
            + self.times.capacity() * 8
            + map_bytes(&self.slots)
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
            .map(|l| l.iter().rev().map(|s| by_slot[s]).collect())
            .unwrap_or_default()
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
        let index = RecencyIndex::from_sessions(2, &history);
        assert_eq!(keys_newest_first(&index, 0), vec![2, 3]);
        assert_eq!(keys_newest_first(&index, 1), vec![1]);
        assert_eq!(index.distinct_items(index.slot(2).unwrap()), 2);
        assert_eq!(index.items(index.slot(2).unwrap()), &[0, 2, 0]);
        assert!(index.sessions_of(99).is_none());
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
        let mut index = RecencyIndex::from_sessions(2, &history);
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
    }

    #[test]
    fn a_late_click_keeps_the_session_time_and_order() {
        let mut index = RecencyIndex::new(10);
        index.add_click(1, 0, 100);
        index.add_click(2, 0, 200);
        index.add_click(1, 1, 50); // out of order: session 1 stays at time 100
        assert_eq!(index.time(index.slot(1).unwrap()), 100);
        assert_eq!(keys_newest_first(&index, 0), vec![2, 1]);
        assert_eq!(keys_newest_first(&index, 1), vec![1]);
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
        let index = RecencyIndex::from_sessions(5, &history);
        let ln_n = index.ln_num_sessions();
        assert_eq!(index.idf(0, ln_n), 0.0);
        assert!((index.idf(1, ln_n) - 2f32.ln()).abs() < 1e-6);
        assert_eq!(index.idf(42, ln_n), 0.0);
    }

    #[test]
    fn long_sessions_are_capped() {
        let mut index = RecencyIndex::new(3);
        for t in 0..(MAX_STORED_CLICKS as i64 + 10) {
            index.add_click(9, (t % 300) as u32, t);
        }
        let slot = index.slot(9).unwrap();
        assert_eq!(index.items(slot).len(), MAX_STORED_CLICKS);
        assert_eq!(index.time(slot), MAX_STORED_CLICKS as i64 + 9);
    }

    #[test]
    fn interleaved_sessions_keep_their_clicks_and_the_arena_stays_bounded() {
        let mut index = RecencyIndex::new(4);
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
            let mut live = RecencyIndex::new(capacity);
            let mut history: Vec<Session> = Vec::new();
            for &(key, item, time) in &clicks {
                live.add_click(key, item, time);
                match history.iter_mut().find(|s| s.key == key) {
                    Some(s) => { s.items.push(item); s.time = time; }
                    None => history.push(Session { key, items: vec![item], time }),
                }
            }
            let bulk = RecencyIndex::from_sessions(capacity, &history);
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
        }

        /// Whatever the click order, each list is sorted and holds the newest sessions with the item.
        #[test]
        fn lists_hold_the_newest_sessions_in_order(
            clicks in prop::collection::vec((0u64..10, 0u32..8, 0i64..30), 0..100),
            capacity in 1usize..5,
        ) {
            let mut index = RecencyIndex::new(capacity);
            for &(key, item, time) in &clicks {
                index.add_click(key, item, time);
            }
            for item in 0..8u32 {
                let list: Vec<u32> = index.sessions_of(item).map(|l| l.iter().copied().collect()).unwrap_or_default();
                prop_assert!(list.len() <= capacity);
                let keys: Vec<(i64, u32)> = list.iter().map(|&s| order_key(&index.times, s)).collect();
                prop_assert!(keys.windows(2).all(|w| w[0] < w[1]));
                let mut all: Vec<(i64, u32)> = (0..index.num_sessions() as u32)
                    .filter(|&s| index.items(s).contains(&item))
                    .map(|s| order_key(&index.times, s))
                    .collect();
                all.sort_unstable();
                let newest = &all[all.len().saturating_sub(capacity)..];
                prop_assert_eq!(&keys[..], newest);
            }
        }
    }
}
