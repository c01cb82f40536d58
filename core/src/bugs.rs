//! Bugs planted on purpose, so that every check can be shown to catch one.
//!
//! The names exist in every build (so the CLI can list them and explain that a
//! build lacks them), but `Bugs::has` is a constant `false` unless the crate is
//! built with the `planted-bugs` feature: default builds carry none.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlantedBug {
    /// Reply to a write once its log write completes, before the fsync.
    AckBeforeFsync,
    /// After a crash, leave a torn log tail in place instead of truncating it.
    SkipTornTailTruncation,
}

impl PlantedBug {
    pub const ALL: [PlantedBug; 2] = [
        PlantedBug::AckBeforeFsync,
        PlantedBug::SkipTornTailTruncation,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PlantedBug::AckBeforeFsync => "ack-before-fsync",
            PlantedBug::SkipTornTailTruncation => "skip-torn-tail-truncation",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            PlantedBug::AckBeforeFsync => {
                "acknowledges a write when its log write completes, before fsync makes it durable"
            }
            PlantedBug::SkipTornTailTruncation => {
                "recovery leaves a torn log tail in place instead of truncating it durably"
            }
        }
    }

    pub fn from_name(name: &str) -> Option<PlantedBug> {
        PlantedBug::ALL.into_iter().find(|bug| bug.name() == name)
    }
}

impl fmt::Display for PlantedBug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The planted bug a core instance runs with, if any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bugs {
    #[cfg(feature = "planted-bugs")]
    enabled: Option<PlantedBug>,
}

impl Bugs {
    pub fn none() -> Bugs {
        Bugs::default()
    }

    /// Whether this build can plant bugs at all.
    pub const AVAILABLE: bool = cfg!(feature = "planted-bugs");

    #[cfg(feature = "planted-bugs")]
    pub fn with(bug: PlantedBug) -> Bugs {
        Bugs { enabled: Some(bug) }
    }

    #[inline]
    pub fn has(self, bug: PlantedBug) -> bool {
        #[cfg(feature = "planted-bugs")]
        {
            self.enabled == Some(bug)
        }
        #[cfg(not(feature = "planted-bugs"))]
        {
            let _ = bug;
            false
        }
    }
}
