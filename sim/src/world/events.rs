//! Everything that can happen in a run, as queue entries.

use zksim_core::ids::{ConnId, IoId};
use zksim_core::peer::messages::PeerMessage;
use zksim_core::server::{Reply, Request};
use zksim_core::watch::WatchEvent;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CrashCause {
    /// The nemesis's random crashes.
    Random,
    /// Deliberately while an fsync is in flight.
    MidFsync,
    /// Deliberately while a snapshot is being written.
    MidSnapshot,
    /// The scenario's schedule.
    Scheduled,
    /// Every node at once (power loss).
    PowerLoss,
    /// The server halted itself (a disk error); the process is restarted.
    Halted,
    /// The end-of-run power loss before the final recovery check.
    FinalCheck,
    /// An operator stopped the process (to restore its data directory).
    Operator,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// A client's think time is over (or it retries connecting).
    ClientWake {
        client: usize,
    },
    /// A request reaches a server.
    ToServer {
        node: u32,
        incarnation: u64,
        conn: ConnId,
        request: Request,
    },
    /// A reply or a watch event reaches a client.
    ToClient {
        client: usize,
        conn: ConnId,
        message: ServerMessage,
    },
    /// A message between replicas arrives (if its connection still lives).
    PeerMessage {
        from: u32,
        to: u32,
        generation: u64,
        msg: PeerMessage,
    },
    /// A node's clock ticks.
    Tick {
        node: u32,
        incarnation: u64,
    },
    /// A node's oldest disk request finishes.
    DiskComplete {
        node: u32,
        incarnation: u64,
        io: IoId,
    },
    Crash {
        node: u32,
        incarnation: u64,
        cause: CrashCause,
    },
    Restart {
        node: u32,
    },
    BitRot {
        node: u32,
    },
    /// A paused node runs again.
    Unpause {
        node: u32,
    },
    /// The scenario's explicit fault number `index` (in time order).
    ScheduledFault {
        index: usize,
    },
    /// The nemesis's random faults.
    RandomCrash,
    RandomBitRot,
    RandomPartition,
    HealPartition {
        generation: u64,
    },
    RandomPause,
    RandomReset,
    RandomClockStep,
    RandomClientDisconnect,
    /// An operator purges a random node's old snapshots and logs.
    RandomPurge,
    /// An operator starts a live backup of a random node.
    RandomBackup,
    /// A live backup copies its next file.
    BackupStep {
        backup: u64,
    },
    /// An operator restores a random node from its newest usable backup.
    RandomRestore,
    /// The fault phase ends; the healing phase begins.
    HealStart,
    /// The healing phase ends: clients stop issuing; outstanding requests drain.
    HealEnd,
    /// The final checks.
    Finish,
}

/// What a server sends a client, in order on the connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ServerMessage {
    Reply(Reply),
    Watch(WatchEvent),
}
