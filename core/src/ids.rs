//! Identifier newtypes: zxid, epoch, node, session, connection, I/O request.

use std::fmt;

/// A ZooKeeper transaction id: `(epoch << 32) | counter`.
///
/// `(e, 0)` is the NEWLEADER zxid of epoch `e` and carries no transaction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Zxid(pub u64);

/// A leader epoch (the high 32 bits of a zxid).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Epoch(pub u32);

/// A replica's server id (ZooKeeper's `sid` / `myid`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

/// A client session id. `SessionId::NONE` (0) means "no owner" in a Stat.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionId(pub u64);

/// A client connection to one server, assigned by whoever drives the core.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub u64);

/// Names one disk request the core issued, so its completion can be matched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IoId(pub u64);

impl Zxid {
    pub const ZERO: Zxid = Zxid(0);

    pub fn new(epoch: Epoch, counter: u32) -> Zxid {
        Zxid((u64::from(epoch.0) << 32) | u64::from(counter))
    }

    pub fn epoch(self) -> Epoch {
        Epoch((self.0 >> 32) as u32)
    }

    pub fn counter(self) -> u32 {
        (self.0 & 0xffff_ffff) as u32
    }

    /// The next zxid in the same epoch, or `None` when the counter is exhausted
    /// (ZooKeeper then forces a new election, ZOOKEEPER-1277).
    pub fn next_in_epoch(self) -> Option<Zxid> {
        let counter = self.counter().checked_add(1)?;
        Some(Zxid::new(self.epoch(), counter))
    }
}

impl SessionId {
    pub const NONE: SessionId = SessionId(0);
}

impl fmt::Display for Zxid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:x}", self.0)
    }
}

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zxid_splits_into_epoch_and_counter() {
        let zxid = Zxid::new(Epoch(7), 4);
        assert_eq!(zxid.0, (7 << 32) | 4);
        assert_eq!(zxid.epoch(), Epoch(7));
        assert_eq!(zxid.counter(), 4);
        assert!(Zxid::new(Epoch(8), 1) > Zxid::new(Epoch(7), u32::MAX));
    }

    #[test]
    fn zxid_counter_exhaustion_is_reported() {
        assert_eq!(Zxid::new(Epoch(1), u32::MAX).next_in_epoch(), None);
        assert_eq!(
            Zxid::new(Epoch(1), 1).next_in_epoch(),
            Some(Zxid::new(Epoch(1), 2))
        );
    }
}
