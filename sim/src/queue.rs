//! The event queue: events ordered by (virtual time, sequence number), so that
//! events at the same instant run in the order they were scheduled.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Virtual time in microseconds since the start of the run.
pub type TimeUs = u64;

/// The most events a queue may hold at once; more means a runaway schedule.
pub const QUEUE_EVENTS_MAX: usize = 1 << 22;

/// Where an event stands in the order: its time, its sequence number, and
/// (0 for ordinary entries; for one moved behind another entry, which shares
/// its `seq`) a number unique to it, so the order stays total. The event
/// itself waits in a slot of the queue's slab: the heap moves only these 32
/// bytes, not the events (which are over a hundred bytes each).
#[derive(Clone, Copy, Debug)]
struct Key {
    time_us: TimeUs,
    seq: u64,
    behind: u64,
    slot: u32,
}

impl Key {
    fn order(&self) -> (TimeUs, u64, u64) {
        (self.time_us, self.seq, self.behind)
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.order() == other.order()
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    // Reversed: the heap's maximum is the earliest event.
    fn cmp(&self, other: &Self) -> Ordering {
        other.order().cmp(&self.order())
    }
}

pub struct EventQueue<E> {
    heap: BinaryHeap<Key>,
    /// The events, each in the slot its key names; `None` when free.
    slots: Vec<Option<E>>,
    /// Free slots, reused last-freed first.
    free: Vec<u32>,
    next_seq: u64,
    now_us: TimeUs,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
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
        self.next_seq += 1;
        let seq = self.next_seq;
        self.push(time_us, seq, 0, event);
    }

    /// Puts `event` right behind the next event, which must be due now: it
    /// runs after that one and before anything else.
    pub fn schedule_behind_next(&mut self, event: E) {
        let next = self.heap.peek().expect("an event to go behind");
        assert_eq!(next.time_us, self.now_us, "the next event is due now");
        let seq = next.seq;
        self.next_seq += 1;
        let behind = self.next_seq;
        self.push(self.now_us, seq, behind, event);
    }

    pub fn schedule_in(&mut self, delay_us: TimeUs, event: E) {
        self.schedule(self.now_us + delay_us, event);
    }

    fn push(&mut self, time_us: TimeUs, seq: u64, behind: u64, event: E) {
        assert!(self.heap.len() < QUEUE_EVENTS_MAX, "event queue overflow");
        let slot = match self.free.pop() {
            Some(slot) => {
                let free = &mut self.slots[slot as usize];
                assert!(free.is_none(), "a free slot holds no event");
                *free = Some(event);
                slot
            }
            None => {
                self.slots.push(Some(event));
                (self.slots.len() - 1) as u32
            }
        };
        self.heap.push(Key {
            time_us,
            seq,
            behind,
            slot,
        });
        debug_assert_eq!(self.heap.len() + self.free.len(), self.slots.len());
    }

    /// The next event, advancing virtual time to it.
    pub fn pop(&mut self) -> Option<(TimeUs, E)> {
        let key = self.heap.pop()?;
        debug_assert!(key.time_us >= self.now_us);
        self.now_us = key.time_us;
        let event = self.slots[key.slot as usize]
            .take()
            .expect("a queued key's slot holds its event");
        self.free.push(key.slot);
        Some((key.time_us, event))
    }

    /// When the next event is due, if any.
    pub fn peek_time(&self) -> Option<TimeUs> {
        self.heap.peek().map(|key| key.time_us)
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

    /// Slots are reused as events come and go; the order is the keys' alone.
    #[test]
    fn reused_slots_keep_time_then_schedule_order() {
        let mut queue = EventQueue::default();
        let mut expected = Vec::new();
        for round in 0..50u64 {
            for i in 0..3 {
                let time = queue.now_us() + (i * 7 + round * 3) % 5;
                queue.schedule(time, (time, round, i));
            }
            let (time, event) = queue.pop().expect("an event is queued");
            assert_eq!(time, event.0);
            expected.push(event);
        }
        while let Some((_, event)) = queue.pop() {
            expected.push(event);
        }
        assert_eq!(expected.len(), 150);
        assert!(queue.slots.len() <= 101, "slots are reused");
        let times: Vec<u64> = expected.iter().map(|event| event.0).collect();
        assert!(times.windows(2).all(|pair| pair[0] <= pair[1]));
    }
}
