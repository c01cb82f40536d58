//! What a failure report draws, recorded only when a failing seed is re-run
//! for its report (the recorder is off in ordinary runs and changes nothing
//! the run does): each replica's role and epoch over time, its applied zxids,
//! and the peer messages of the last stretch before the first violation.

use std::collections::{BTreeMap, VecDeque};
use zksim_core::ids::Zxid;
use zksim_core::peer::messages::PeerState;

/// Peer messages kept before the first violation (the space-time diagram).
pub const MESSAGES_KEPT: usize = 400;
/// Applied-zxid points kept per replica (the commit curve), before thinning.
const COMMIT_POINTS_MAX: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    Down,
    Peer(PeerState),
}

#[derive(Clone, Debug)]
pub struct RoleChange {
    pub time_us: u64,
    pub role: Role,
    pub epoch: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct SentMessage {
    pub from: u32,
    pub to: u32,
    pub send_us: u64,
    pub deliver_us: Option<u64>,
    pub kind: String,
}

#[derive(Clone, Debug, Default)]
pub struct Recorder {
    /// Per node, role changes in time order.
    pub roles: Vec<Vec<RoleChange>>,
    /// Per node, `(time_us, applied count, zxid)`.
    pub commits: Vec<Vec<(u64, u64, Zxid)>>,
    pub messages: VecDeque<SentMessage>,
    /// Messages dropped before the window began (not drawn).
    messages_evicted: u64,
    /// In-flight messages by (from, to, arrival): their index counted from
    /// the first message ever recorded.
    in_flight: BTreeMap<(u32, u32, u64), VecDeque<u64>>,
    /// Set at the first violation: the window stops moving.
    pub frozen: bool,
    /// Stop the window here instead (when the violation is found after the
    /// fact, as a history check at the end of the run is).
    pub freeze_at_us: Option<u64>,
}

impl Recorder {
    pub fn new(nodes: u32) -> Recorder {
        Recorder {
            roles: vec![Vec::new(); nodes as usize],
            commits: vec![Vec::new(); nodes as usize],
            ..Recorder::default()
        }
    }

    pub fn role(&mut self, node: u32, time_us: u64, role: Role, epoch: Option<u32>) {
        let changes = &mut self.roles[node as usize];
        assert!(changes.last().is_none_or(|last| last.time_us <= time_us));
        changes.push(RoleChange {
            time_us,
            role,
            epoch,
        });
    }

    pub fn applied(&mut self, node: u32, time_us: u64, zxid: Zxid) {
        let points = &mut self.commits[node as usize];
        if points.len() >= COMMIT_POINTS_MAX {
            return;
        }
        let count = points.last().map_or(0, |p| p.1) + 1;
        points.push((time_us, count, zxid));
    }

    /// A message handed to the network; `deliver_us` None if dropped at once.
    pub fn sent(&mut self, message: SentMessage) {
        if self.freeze_at_us.is_some_and(|at| message.send_us > at) {
            self.frozen = true;
        }
        if self.frozen {
            return;
        }
        let index = self.messages_evicted + self.messages.len() as u64;
        if let Some(at) = message.deliver_us {
            self.in_flight
                .entry((message.from, message.to, at))
                .or_default()
                .push_back(index);
        }
        self.messages.push_back(message);
        if self.messages.len() > MESSAGES_KEPT {
            self.messages.pop_front();
            self.messages_evicted += 1;
        }
        assert!(self.messages.len() <= MESSAGES_KEPT);
    }

    /// A message reached its destination's event: delivered or lost there.
    pub fn arrived(&mut self, from: u32, to: u32, at_us: u64, delivered: bool) {
        let key = (from, to, at_us);
        let Some(queue) = self.in_flight.get_mut(&key) else {
            return;
        };
        let index = queue.pop_front().expect("no empty queues are kept");
        if queue.is_empty() {
            self.in_flight.remove(&key);
        }
        if delivered || self.frozen || index < self.messages_evicted {
            return;
        }
        let position = (index - self.messages_evicted) as usize;
        self.messages[position].deliver_us = None;
    }
}

/// The message's type as ZooKeeper names it: the Debug form's leading word.
pub fn message_kind(debug: &str) -> String {
    let end = debug
        .find(|c: char| !c.is_alphanumeric() && c != '_')
        .unwrap_or(debug.len());
    debug[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(at: u64) -> SentMessage {
        SentMessage {
            from: 0,
            to: 1,
            send_us: at - 5,
            deliver_us: Some(at),
            kind: "Ack".into(),
        }
    }

    #[test]
    fn messages_lost_in_flight_are_marked_and_the_window_slides() {
        let mut recorder = Recorder::new(2);
        recorder.sent(message(10));
        recorder.sent(message(20));
        recorder.arrived(0, 1, 10, true);
        recorder.arrived(0, 1, 20, false);
        assert_eq!(recorder.messages[0].deliver_us, Some(10));
        assert_eq!(recorder.messages[1].deliver_us, None);
        for i in 0..MESSAGES_KEPT as u64 {
            recorder.sent(message(100 + i));
        }
        assert_eq!(recorder.messages.len(), MESSAGES_KEPT);
        assert_eq!(recorder.messages[0].deliver_us, Some(100));
        assert_eq!(message_kind("Proposal { zxid: 1 }"), "Proposal");
    }
}
