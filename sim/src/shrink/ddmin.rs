//! Zeller's delta debugging (ddmin): a 1-minimal subset of a list that still
//! passes a test, in O(n²) tests at worst and O(log n) when one item matters.

/// The smallest subset of `items` (order kept) for which `fails` still holds,
/// removing any single item of it making `fails` false — unless `fails`
/// answers `None` (the budget ran out), which stops the search with the
/// smallest failing list found so far. `fails(items)` is assumed true.
pub fn ddmin<T: Clone>(items: &[T], fails: &mut dyn FnMut(&[T]) -> Option<bool>) -> Vec<T> {
    let mut current: Vec<T> = items.to_vec();
    let mut granularity = 2usize;
    while current.len() >= 2 {
        let chunks = split(current.len(), granularity);
        let mut reduced = false;
        // Try each complement (remove one chunk): the common winning move.
        for (start, end) in &chunks {
            let complement: Vec<T> = current[..*start]
                .iter()
                .chain(&current[*end..])
                .cloned()
                .collect();
            match fails(&complement) {
                Some(true) => {
                    current = complement;
                    granularity = (granularity - 1).max(2);
                    reduced = true;
                    break;
                }
                Some(false) => {}
                None => return current,
            }
        }
        if reduced {
            continue;
        }
        if granularity >= current.len() {
            break;
        }
        granularity = (granularity * 2).min(current.len());
    }
    if current.len() == 1 && fails(&[]) == Some(true) {
        current.clear();
    }
    current
}

/// `[start, end)` bounds of `parts` near-equal consecutive chunks of `len`.
fn split(len: usize, parts: usize) -> Vec<(usize, usize)> {
    assert!(parts >= 1 && parts <= len.max(1));
    let mut bounds = Vec::with_capacity(parts);
    let mut start = 0;
    for i in 0..parts {
        let size = len / parts + usize::from(i < len % parts);
        bounds.push((start, start + size));
        start += size;
    }
    assert_eq!(start, len);
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_the_two_items_that_matter() {
        let items: Vec<u32> = (0..40).collect();
        let mut tests = 0;
        let found = ddmin(&items, &mut |subset| {
            tests += 1;
            Some(subset.contains(&7) && subset.contains(&31))
        });
        assert_eq!(found, vec![7, 31]);
        assert!(tests < 60, "{tests} tests");
    }

    #[test]
    fn an_empty_answer_when_nothing_matters_and_the_budget_stops_it() {
        let items: Vec<u32> = (0..8).collect();
        assert!(ddmin(&items, &mut |_| Some(true)).is_empty());
        let stopped = ddmin(&items, &mut |_| None);
        assert_eq!(stopped, items);
    }

    proptest! {
        #[test]
        fn the_result_fails_and_is_one_minimal(needed in proptest::collection::btree_set(0u32..30, 0..5)) {
            let items: Vec<u32> = (0..30).collect();
            let fails = |subset: &[u32]| needed.iter().all(|n| subset.contains(n));
            let found = ddmin(&items, &mut |subset| Some(fails(subset)));
            prop_assert!(fails(&found));
            for i in 0..found.len() {
                let mut smaller = found.clone();
                smaller.remove(i);
                prop_assert!(!fails(&smaller));
            }
        }
    }
}
