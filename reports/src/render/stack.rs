//! Stacking of overlapping intervals into lanes, so that bars drawn in one
//! row never hide each other (a fault inside another, pipelined requests).

/// The lane of each `(start, end)` interval: in order of start, the first
/// lane whose last interval ended at or before this one starts. Ends are
/// exclusive, so back-to-back intervals share a lane.
pub(crate) fn stack(intervals: &[(u64, u64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..intervals.len()).collect();
    order.sort_by_key(|&i| (intervals[i].0, i));
    let mut lane_ends: Vec<u64> = Vec::new();
    let mut lanes = vec![0; intervals.len()];
    for i in order {
        let (start, end) = intervals[i];
        let end = end.max(start);
        let lane = match lane_ends.iter().position(|&busy| busy <= start) {
            Some(free) => free,
            None => {
                lane_ends.push(0);
                lane_ends.len() - 1
            }
        };
        lane_ends[lane] = end;
        lanes[i] = lane;
    }
    lanes
}

/// How many lanes [`stack`]'s answer uses.
pub(crate) fn lane_count(lanes: &[usize]) -> usize {
    lanes.iter().map(|lane| lane + 1).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_intervals_take_new_lanes_and_free_lanes_are_reused() {
        let lanes = stack(&[(0, 10), (5, 8), (10, 20), (6, 30), (9, 12)]);
        assert_eq!(lanes, vec![0, 1, 0, 2, 1]);
        assert_eq!(lane_count(&lanes), 3);
    }

    #[test]
    fn order_is_by_start_not_by_position() {
        assert_eq!(stack(&[(5, 9), (0, 5)]), vec![0, 0]);
        assert_eq!(stack(&[(5, 9), (0, 6)]), vec![1, 0]);
        assert_eq!(lane_count(&stack(&[])), 0);
    }
}
