//! Sub-histories: the operations of a partition, or a candidate subset while minimizing.
//!
//! Indices are remapped, and session order stays transitive: an operation that had to follow
//! a dropped one now has to follow what the dropped one had to follow (A after B after C, B
//! dropped: A after C). What this cannot keep is an order that only exists through operations of
//! *other* partitions in both directions; checking partitions alone is that much weaker.

use super::model::Operation;

pub(super) struct Restricted<I, O> {
    pub ops: Vec<Operation<I, O>>,
    /// For each kept operation, its index in the original slice.
    pub origin: Vec<usize>,
}

/// The operations `members` (indices into `ops`, in any order) as a history of their own,
/// ordered as in `ops`.
pub(super) fn restrict<I: Clone, O: Clone>(
    ops: &[Operation<I, O>],
    members: &[usize],
) -> Restricted<I, O> {
    let mut origin = members.to_vec();
    origin.sort_unstable();
    origin.dedup();
    let mut new_index = vec![None; ops.len()];
    for (new, &old) in origin.iter().enumerate() {
        new_index[old] = Some(new);
    }
    let mut through = Through::new(ops.len());
    let kept = origin
        .iter()
        .map(|&old| {
            let op = &ops[old];
            let after = through.kept_predecessors(ops, &new_index, &op.after);
            Operation {
                client: op.client,
                call: op.call,
                ret: op.ret,
                input: op.input.clone(),
                output: op.output.clone(),
                after,
                shown_call: op.shown_call,
            }
        })
        .collect();
    Restricted { ops: kept, origin }
}

/// Walks `after` links through dropped operations. No memo: each walk stops at kept operations,
/// so along session chains the walks cover disjoint stretches.
struct Through {
    /// The walk that last visited each operation (0 = none), so no visited set is allocated.
    visited_by: Vec<u32>,
    walk: u32,
}

impl Through {
    fn new(len: usize) -> Through {
        Through {
            visited_by: vec![0; len],
            walk: 0,
        }
    }

    /// The new indices of the kept operations among `after` and, through dropped ones, their
    /// predecessors; sorted, without duplicates.
    fn kept_predecessors<I, O>(
        &mut self,
        ops: &[Operation<I, O>],
        new_index: &[Option<usize>],
        after: &[usize],
    ) -> Vec<usize> {
        self.walk = self.walk.checked_add(1).expect("fewer than 2^32 walks");
        let mut out = Vec::new();
        let mut pending: Vec<usize> = after.to_vec();
        while let Some(before) = pending.pop() {
            if self.visited_by[before] == self.walk {
                continue;
            }
            self.visited_by[before] = self.walk;
            match new_index[before] {
                Some(new) => out.push(new),
                None => pending.extend_from_slice(&ops[before].after),
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(after: Vec<usize>) -> Operation<(), ()> {
        Operation {
            client: 0,
            call: 0,
            ret: Some(1),
            input: (),
            output: None,
            after,
            shown_call: 0,
        }
    }

    #[test]
    fn after_stays_transitive_through_dropped_operations() {
        // 3 after 2 after 1 after 0; 4 after 2 and 0.
        let ops = vec![
            op(vec![]),
            op(vec![0]),
            op(vec![1]),
            op(vec![2]),
            op(vec![2, 0]),
        ];
        let kept = restrict(&ops, &[4, 0, 3]);
        assert_eq!(kept.origin, vec![0, 3, 4]);
        assert_eq!(kept.ops[0].after, Vec::<usize>::new());
        assert_eq!(kept.ops[1].after, vec![0]);
        assert_eq!(kept.ops[2].after, vec![0]);
    }

    #[test]
    fn long_chains_and_cycles_of_dropped_operations_terminate() {
        let mut ops: Vec<_> = (0..10_000)
            .map(|i| op(if i == 0 { vec![] } else { vec![i - 1] }))
            .collect();
        ops[0].after = vec![5];
        let kept = restrict(&ops, &[9_999]);
        assert_eq!(kept.ops[0].after, Vec::<usize>::new());
        let kept = restrict(&ops, &[3, 9_999]);
        assert_eq!(kept.ops[1].after, vec![0]);
    }
}
