//! A follower driven message by message by a test standing in for its leaders.

use super::messages::{PeerMessage, PeerState, SyncMode, Vote};
use super::store::StoreConfig;
use super::{Peer, PeerConfig};
use crate::bugs::Bugs;
use crate::ids::{Epoch, IoId, NodeId, Zxid};
use crate::io::DiskOp;
use crate::persist::{recover, DataDirImage};
use crate::server::{Input, Output};
use std::collections::VecDeque;

const DBID: u64 = 0xf0_11;
/// Steps a test may take to reach a state before it is called stuck.
const STEPS_MAX: usize = 1_000;

/// Replica 0 of three; the test speaks for replicas 1 and 2.
struct Follower {
    peer: Peer,
    now_ms: u64,
    disk: VecDeque<(IoId, DiskOp)>,
    sent: Vec<(NodeId, PeerMessage)>,
}

fn config() -> PeerConfig {
    PeerConfig {
        id: NodeId(0),
        members: vec![NodeId(0), NodeId(1), NodeId(2)],
        store: StoreConfig {
            dbid: DBID,
            snapshot_every_txns: 0,
            snapshot_chunk_nodes: 4,
            log_roll_bytes: 64 * 1024,
            snapshot_retain: 2,
            entropy: 3,
            ack_before_fsync: false,
            bugs: Bugs::none(),
        },
        init_limit_ticks: 10,
        sync_limit_ticks: 5,
        finalize_wait_ticks: 2,
        committed_log_txns: 100,
        tick_ms: 100,
        bugs: Bugs::none(),
    }
}

impl Follower {
    fn start() -> Follower {
        let recovered = recover(&DataDirImage::new(), DBID).expect("an empty directory recovers");
        let mut follower = Follower {
            peer: Peer::start(config(), recovered, 0),
            now_ms: 0,
            disk: VecDeque::new(),
            sent: Vec::new(),
        };
        follower.collect();
        follower.complete_disk();
        follower
    }

    fn collect(&mut self) {
        let mut outputs = Vec::new();
        self.peer.take_outputs(&mut outputs);
        for output in outputs {
            match output {
                Output::Disk { io, op } => self.disk.push_back((io, op)),
                Output::Send { to, msg } => self.sent.push((to, msg)),
                Output::Halted { reason } => panic!("halted: {reason}"),
                _ => {}
            }
        }
    }

    fn step(&mut self, input: Input) {
        self.now_ms += 1;
        self.peer.step(self.now_ms, input);
        self.collect();
    }

    fn from(&mut self, from: u32, msg: PeerMessage) {
        self.step(Input::Message {
            from: NodeId(from),
            msg,
        });
    }

    /// Completes every outstanding disk request (and those they lead to), in order.
    fn complete_disk(&mut self) {
        for _ in 0..STEPS_MAX {
            let Some((io, _)) = self.disk.pop_front() else {
                return;
            };
            self.step(Input::DiskDone { io });
        }
        panic!("the disk did not settle");
    }

    /// Replicas 1 and 2 both vote for `leader`, whose currentEpoch is `peer_epoch`.
    fn elect(&mut self, leader: u32, peer_epoch: u32, election_epoch: u64) {
        let vote = Vote {
            leader: NodeId(leader),
            zxid: Zxid::ZERO,
            peer_epoch: Epoch(peer_epoch),
        };
        for from in [1, 2] {
            let state = PeerState::Looking;
            self.from(
                from,
                PeerMessage::Notification {
                    vote,
                    election_epoch,
                    state,
                },
            );
        }
        for _ in 0..STEPS_MAX {
            if self.peer.state() == PeerState::Following {
                return;
            }
            self.step(Input::Tick);
        }
        panic!("never followed n{leader}");
    }

    fn sent_ack_newleader(&self) -> bool {
        let acked = |msg: &PeerMessage| matches!(msg, PeerMessage::AckNewLeader { .. });
        self.sent.iter().any(|(_, msg)| acked(msg))
    }

    /// Discovery and an empty DIFF up to NEWLEADER of `epoch`; the epoch writes left pending.
    fn sync_to_newleader(&mut self, leader: u32, epoch: u32) {
        self.from(
            leader,
            PeerMessage::LeaderInfo {
                epoch: Epoch(epoch),
            },
        );
        self.complete_disk(); // acceptedEpoch
        let records = Vec::new();
        self.from(
            leader,
            PeerMessage::Sync {
                mode: SyncMode::Diff,
                records,
            },
        );
        let zxid = Zxid::new(Epoch(epoch), 0);
        self.from(leader, PeerMessage::NewLeader { zxid });
    }
}

/// A currentEpoch write begun for one leader can complete after the replica
/// moved on to the next: it must not count as the next leader's write
/// (clock-drift-sessions seed 7305: the replica logged epoch-16 txns under
/// currentEpoch 13, then lost an election it should have won).
#[test]
fn an_earlier_rounds_current_epoch_write_does_not_complete_this_rounds() {
    let mut follower = Follower::start();
    follower.elect(1, 12, 1);
    follower.sync_to_newleader(1, 13);
    assert!(
        !follower.disk.is_empty(),
        "currentEpoch 13 is being written"
    );
    assert!(
        !follower.sent_ack_newleader(),
        "no ACK before currentEpoch is durable"
    );

    follower.step(Input::PeerConnectionLost { peer: NodeId(1) });
    assert_eq!(follower.peer.state(), PeerState::Looking);
    follower.elect(2, 15, 2);
    follower.complete_disk(); // epoch 13's write completes under leader 2
    assert_eq!(follower.peer.current_epoch(), Epoch(13));

    follower.sync_to_newleader(2, 16);
    assert!(
        !follower.sent_ack_newleader(),
        "NEWLEADER of 16 acknowledged with currentEpoch {}",
        follower.peer.current_epoch()
    );
    follower.complete_disk();
    assert!(follower.sent_ack_newleader());
    assert_eq!(follower.peer.current_epoch(), Epoch(16));
}
