//! Checks of the recipes' own promises.
//!
//! Lock: no two clients believe they hold the lock at once. The one overlap
//! ZooKeeper documents as possible is a holder whose session expired while it
//! could not hear about it: another client takes the lock, and the first
//! learns of the expiry only when it reconnects. That is reported as its own
//! kind, which a scenario may allow; any other overlap is a violation.
//!
//! Configuration: every reader whose session lives ends on the last value.

use crate::violation::ViolationKind;
use zksim_core::ids::SessionId;

/// Why a client stopped believing it holds the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldEnd {
    /// It sent the delete of its node.
    Released,
    /// It learned (on reconnecting) that its session had expired.
    LearnedExpiry,
    /// The run ended while it held the lock.
    RunEnded,
}

/// A span of virtual time during which a client believed it held the lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    pub client: usize,
    pub session: SessionId,
    pub start_us: u64,
    pub end_us: u64,
    pub end: HoldEnd,
}

/// Overlapping holds, each pair once, classified.
pub fn check_mutual_exclusion(holds: &[Hold]) -> Vec<(ViolationKind, String)> {
    let mut sorted: Vec<&Hold> = holds.iter().collect();
    sorted.sort_by_key(|hold| (hold.start_us, hold.client));
    let mut findings = Vec::new();
    for (i, first) in sorted.iter().enumerate() {
        assert!(
            first.start_us <= first.end_us,
            "a hold ends after it starts"
        );
        for second in sorted[i + 1..]
            .iter()
            .take_while(|h| h.start_us < first.end_us)
        {
            if second.client == first.client {
                continue;
            }
            let kind = if first.end == HoldEnd::LearnedExpiry {
                ViolationKind::LockExpiredHolder
            } else {
                ViolationKind::MutualExclusion
            };
            findings.push((
                kind,
                format!(
                    "client {} (session {}) held the lock {:.1}..{:.1} ms ({:?}); client {} (session {}) took it at {:.1} ms",
                    first.client,
                    first.session,
                    first.start_us as f64 / 1000.0,
                    first.end_us as f64 / 1000.0,
                    first.end,
                    second.client,
                    second.session,
                    second.start_us as f64 / 1000.0,
                ),
            ));
        }
    }
    findings
}

/// Readers that did not end on `last` (the final value of the configuration znode).
pub fn check_config(readers: &[(usize, Option<Vec<u8>>)], last: Option<&[u8]>) -> Vec<String> {
    readers
        .iter()
        .filter(|(_, seen)| seen.as_deref() != last)
        .map(|(client, seen)| {
            let show = |value: Option<&[u8]>| {
                value.map_or("(nothing)".to_string(), |v| {
                    String::from_utf8_lossy(v).into_owned()
                })
            };
            format!(
                "config reader client {client} ended on {} but /config is {}",
                show(seen.as_deref()),
                show(last)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hold(client: usize, start_us: u64, end_us: u64, end: HoldEnd) -> Hold {
        Hold {
            client,
            session: SessionId(client as u64 + 1),
            start_us,
            end_us,
            end,
        }
    }

    #[test]
    fn disjoint_holds_pass_and_overlaps_are_classified() {
        let fine = [
            hold(0, 0, 10, HoldEnd::Released),
            hold(1, 10, 20, HoldEnd::Released),
            hold(0, 25, 30, HoldEnd::RunEnded),
        ];
        assert!(check_mutual_exclusion(&fine).is_empty());
        let unsafe_overlap = [
            hold(0, 0, 10, HoldEnd::Released),
            hold(1, 5, 20, HoldEnd::Released),
        ];
        let found = check_mutual_exclusion(&unsafe_overlap);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, ViolationKind::MutualExclusion);
        let caveat = [
            hold(0, 0, 50, HoldEnd::LearnedExpiry),
            hold(1, 30, 40, HoldEnd::Released),
        ];
        assert_eq!(
            check_mutual_exclusion(&caveat)[0].0,
            ViolationKind::LockExpiredHolder
        );
    }

    #[test]
    fn a_reader_left_behind_is_reported() {
        let readers = [
            (3, Some(b"7".to_vec())),
            (4, Some(b"6".to_vec())),
            (5, None),
        ];
        let stale = check_config(&readers, Some(b"7"));
        assert_eq!(stale.len(), 2);
        assert!(stale[0].contains("client 4 ended on 6 but /config is 7"));
    }
}
