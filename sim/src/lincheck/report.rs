//! What a check reports: a verdict per partition and the overall verdict.

/// Deterministic limits of one check. Each partition's search may take `max_steps` steps (a model
/// step or a backtrack) and keep about `max_cache_bytes` in its cache; explaining a violation may
/// take another `max_steps` steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub max_steps: u64,
    pub max_cache_bytes: u64,
}

impl Budget {
    /// Generous defaults for the command line: 200 million steps, 1 GiB of cache.
    pub const DEFAULT: Budget = Budget {
        max_steps: 200_000_000,
        max_cache_bytes: 1 << 30,
    };
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartitionVerdict {
    Linearizable,
    NotLinearizable {
        explanation: Explanation,
    },
    /// The budget (or the command line's deadline) ran out first.
    Unknown {
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionReport {
    pub name: String,
    pub ops: usize,
    pub verdict: PartitionVerdict,
    /// Steps of the search (not counting the explanation's).
    pub steps: u64,
    pub peak_cache_bytes: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub partitions: Vec<PartitionReport>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overall {
    Linearizable,
    NotLinearizable,
    Unknown,
}

impl Report {
    /// Not linearizable if any partition is not (its projection already has no linearization);
    /// else unknown if any partition is unknown; else linearizable.
    pub fn verdict(&self) -> Overall {
        let verdicts = || self.partitions.iter().map(|p| &p.verdict);
        if verdicts().any(|v| matches!(v, PartitionVerdict::NotLinearizable { .. })) {
            Overall::NotLinearizable
        } else if verdicts().any(|v| matches!(v, PartitionVerdict::Unknown { .. })) {
            Overall::Unknown
        } else {
            Overall::Linearizable
        }
    }
}

/// Why a partition is not linearizable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// Indices into the checked operation slice: a subset that is still not linearizable and,
    /// unless `text` says the minimization budget ran out, 1-minimal (removing any one of them
    /// makes it linearizable or unknown).
    pub ops: Vec<usize>,
    /// A header, one line per operation (client, shown_call..ret, input, output), and the
    /// longest order in which some of them could be linearized.
    pub text: String,
}
