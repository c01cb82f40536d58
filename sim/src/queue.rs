//! The event queue: events ordered by (virtual time, sequence number), so that
//! events at the same instant run in the order they were scheduled.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Virtual time in microseconds since the start of the run.
pub type TimeUs = u64;

/// The most events a queue may hold at once; more means a runaway schedule.
pub const QUEUE_EVENTS_MAX: usize = 1 << 22;

struct Entry<E> {
    time_us: TimeUs,
    seq: u64,
    /// 0 for ordinary entries; for one moved behind another entry (same
    /// `seq`), a number unique to it, so the order stays total.
    behind: u64,
    event: E,
}

impl<E> Entry<E> {
    fn key(&self) -> (TimeUs, u64, u64) {
        (self.time_us, self.seq, self.behind)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    // Reversed: the heap's maximum is the earliest event.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    now_us: TimeUs,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
            now_us: 0,
        }
    }
}

impl<E> EventQueue<E> {
    pub fn now_us(&self) -> TimeUs {
        self.now_us
    }

    pub fn schedule(&mut self, time_us: TimeUs, event: E) {
        assert!(time_us >= self.now_us, "cannot schedule into the past");
        assert!(self.heap.len() < QUEUE_EVENTS_MAX, "event queue overflow");
        self.next_seq += 1;
        self.heap.push(Entry {
            time_us,
            seq: self.next_seq,
            behind: 0,
            event,
        });
    }

    /// Puts `event` right behind the next event, which must be due now: it
    /// runs after that one and before anything else.
    pub fn schedule_behind_next(&mut self, event: E) {
        let next = self.heap.peek().expect("an event to go behind");
        assert_eq!(next.time_us, self.now_us, "the next event is due now");
        let seq = next.seq;
        self.next_seq += 1;
        self.heap.push(Entry {
            time_us: self.now_us,
            seq,
            behind: self.next_seq,
            event,
        });
    }

    pub fn schedule_in(&mut self, delay_us: TimeUs, event: E) {
        self.schedule(self.now_us + delay_us, event);
    }

    /// The next event, advancing virtual time to it.
    pub fn pop(&mut self) -> Option<(TimeUs, E)> {
        let entry = self.heap.pop()?;
        debug_assert!(entry.time_us >= self.now_us);
        self.now_us = entry.time_us;
        Some((entry.time_us, entry.event))
    }

    /// When the next event is due, if any.
    pub fn peek_time(&self) -> Option<TimeUs> {
        self.heap.peek().map(|entry| entry.time_us)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_pop_in_time_then_schedule_order() {
        let mut queue = EventQueue::default();
        queue.schedule(5, "b");
        queue.schedule(3, "a");
        queue.schedule(5, "c");
        assert_eq!(queue.pop(), Some((3, "a")));
        assert_eq!(queue.pop(), Some((5, "b")));
        assert_eq!(queue.pop(), Some((5, "c")));
        assert_eq!(queue.now_us(), 5);
        assert_eq!(queue.pop(), None);
    }

    #[test]
    fn an_event_moved_behind_the_next_runs_right_after_it() {
        let mut queue = EventQueue::default();
        queue.schedule(5, "moved");
        queue.schedule(5, "first");
        queue.schedule(5, "second");
        assert_eq!(queue.pop(), Some((5, "moved")));
        queue.schedule_behind_next("moved");
        queue.schedule_behind_next("moved too");
        assert_eq!(queue.pop(), Some((5, "first")));
        assert_eq!(queue.pop(), Some((5, "moved")));
        assert_eq!(queue.pop(), Some((5, "moved too")));
        assert_eq!(queue.pop(), Some((5, "second")));
    }
}
