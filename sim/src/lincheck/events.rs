//! The call and return events of one partition, in time order, as a doubly linked list from
//! which an operation's events are lifted when it is linearized and put back on backtracking
//! (in the reverse order, dancing-links style).
//!
//! Entry ids are positions in time order (1-based; 0 is the head sentinel), so comparing ids
//! compares times. At equal times calls come first: operations that touch are concurrent.

use super::model::Operation;

pub(super) const NIL: u32 = u32::MAX;

pub(super) struct Events {
    next: Vec<u32>,
    prev: Vec<u32>,
    /// Per entry: its operation, and whether it is the return.
    op_of: Vec<u32>,
    is_return: Vec<bool>,
    /// Per operation: its call entry, and its return entry or NIL.
    call_entry: Vec<u32>,
    return_entry: Vec<u32>,
}

impl Events {
    pub(super) fn new<I, O>(ops: &[Operation<I, O>]) -> Events {
        let mut order: Vec<(u64, bool, u32)> = Vec::with_capacity(ops.len() * 2);
        for (index, op) in ops.iter().enumerate() {
            let index = u32::try_from(index).expect("fewer than 2^32 operations");
            order.push((op.call, false, index));
            if let Some(ret) = op.ret {
                assert!(ret >= op.call, "operation {index} returns before its call");
                order.push((ret, true, index));
            }
        }
        order.sort_unstable();
        let entries = order.len() + 1;
        let mut events = Events {
            next: (1..=entries as u32).collect(),
            prev: (0..entries as u32).map(|e| e.wrapping_sub(1)).collect(),
            op_of: vec![NIL; entries],
            is_return: vec![false; entries],
            call_entry: vec![NIL; ops.len()],
            return_entry: vec![NIL; ops.len()],
        };
        events.next[entries - 1] = NIL;
        for (position, &(_, is_return, op)) in order.iter().enumerate() {
            let entry = position as u32 + 1;
            events.op_of[entry as usize] = op;
            events.is_return[entry as usize] = is_return;
            let slot = if is_return {
                &mut events.return_entry
            } else {
                &mut events.call_entry
            };
            slot[op as usize] = entry;
        }
        events
    }

    pub(super) fn first(&self) -> u32 {
        self.next[0]
    }

    pub(super) fn next(&self, entry: u32) -> u32 {
        self.next[entry as usize]
    }

    pub(super) fn op(&self, entry: u32) -> usize {
        self.op_of[entry as usize] as usize
    }

    pub(super) fn is_return(&self, entry: u32) -> bool {
        self.is_return[entry as usize]
    }

    pub(super) fn call_entry(&self, op: usize) -> u32 {
        self.call_entry[op]
    }

    /// Takes the operation's events out of the list.
    pub(super) fn lift(&mut self, op: usize) {
        self.unlink(self.call_entry[op]);
        let ret = self.return_entry[op];
        if ret != NIL {
            self.unlink(ret);
        }
    }

    /// Puts back the events of the operation lifted last.
    pub(super) fn unlift(&mut self, op: usize) {
        let ret = self.return_entry[op];
        if ret != NIL {
            self.relink(ret);
        }
        self.relink(self.call_entry[op]);
    }

    fn unlink(&mut self, entry: u32) {
        let (prev, next) = (self.prev[entry as usize], self.next[entry as usize]);
        debug_assert_eq!(
            self.next[prev as usize], entry,
            "entry {entry} is not linked"
        );
        self.next[prev as usize] = next;
        if next != NIL {
            self.prev[next as usize] = prev;
        }
    }

    fn relink(&mut self, entry: u32) {
        let (prev, next) = (self.prev[entry as usize], self.next[entry as usize]);
        debug_assert_eq!(
            self.next[prev as usize], next,
            "entry {entry} relinked out of order"
        );
        self.next[prev as usize] = entry;
        if next != NIL {
            self.prev[next as usize] = entry;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(call: u64, ret: Option<u64>) -> Operation<(), ()> {
        Operation {
            client: 0,
            call,
            ret,
            input: (),
            output: None,
            after: vec![],
            shown_call: call,
        }
    }

    fn walk(events: &Events) -> Vec<(usize, bool)> {
        let mut out = vec![];
        let mut entry = events.first();
        while entry != NIL {
            out.push((events.op(entry), events.is_return(entry)));
            entry = events.next(entry);
        }
        out
    }

    #[test]
    fn calls_precede_returns_at_equal_times_and_lifts_undo() {
        let ops = [op(0, Some(5)), op(5, Some(6)), op(1, None)];
        let mut events = Events::new(&ops);
        let all = vec![(0, false), (2, false), (1, false), (0, true), (1, true)];
        assert_eq!(walk(&events), all);
        events.lift(0);
        events.lift(2);
        assert_eq!(walk(&events), vec![(1, false), (1, true)]);
        events.unlift(2);
        events.unlift(0);
        assert_eq!(walk(&events), all);
    }
}
