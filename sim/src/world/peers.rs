//! Replicas talking: messages cross the virtual network (FIFO per direction,
//! lost with their connection), clocks tick at each node's own rate, and a
//! connection reset is reported to both ends.

use super::recorder::{message_kind, SentMessage};
use super::{Event, World};
use zksim_core::ids::NodeId;
use zksim_core::peer::messages::PeerMessage;
use zksim_core::server::Input;

impl World {
    pub(super) fn send_peer(&mut self, from: u32, to: u32, msg: PeerMessage) {
        let now = self.queue.now_us();
        let delivery =
            self.network
                .send(now, from, to, &self.network_config, &mut self.rng_network);
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.sent(SentMessage {
                from,
                to,
                send_us: now,
                deliver_us: delivery.as_ref().map(|d| d.at_us),
                kind: message_kind(&format!("{msg:?}")),
            });
        }
        match delivery {
            Some(delivery) => {
                let event = Event::PeerMessage {
                    from,
                    to,
                    generation: delivery.generation,
                    msg,
                };
                self.queue.schedule(delivery.at_us, event);
            }
            None => self.probe("messages-dropped"),
        }
    }

    pub(super) fn peer_message_arrives(
        &mut self,
        from: u32,
        to: u32,
        generation: u64,
        msg: PeerMessage,
    ) {
        let delivered =
            self.network.deliverable(from, to, generation) && self.nodes[to as usize].is_up();
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.arrived(from, to, self.queue.now_us(), delivered);
        }
        if !self.network.deliverable(from, to, generation) {
            self.probe("messages-lost-in-flight");
            return;
        }
        if !self.nodes[to as usize].is_up() {
            return;
        }
        self.step_server(
            to,
            Input::Message {
                from: NodeId(from),
                msg,
            },
        );
    }

    pub(super) fn schedule_tick(&mut self, node: u32) {
        let host = &self.nodes[node as usize];
        let delay = host
            .clock
            .global_delay_us(self.scenario.cluster.tick_ms * 1000);
        let incarnation = host.incarnation;
        self.queue
            .schedule_in(delay, Event::Tick { node, incarnation });
    }

    pub(super) fn tick(&mut self, node: u32, incarnation: u64) {
        let host = &self.nodes[node as usize];
        if host.incarnation != incarnation || !host.is_up() {
            return;
        }
        self.step_server(node, Input::Tick);
        if self.nodes[node as usize].incarnation == incarnation {
            self.schedule_tick(node);
        }
    }

    /// Tells both ends of each reset connection that it is gone.
    pub(super) fn connections_reset(&mut self, pairs: &[(u32, u32)]) {
        for &(a, b) in pairs {
            self.probe("connections-reset");
            for (end, peer) in [(a, b), (b, a)] {
                if self.nodes[end as usize].is_up() {
                    self.step_server(end, Input::PeerConnectionLost { peer: NodeId(peer) });
                }
            }
        }
    }

    /// The current established leader, if any.
    pub(super) fn current_leader(&self) -> Option<u32> {
        self.nodes.iter().enumerate().find_map(|(index, host)| {
            let peer = host.server.as_ref()?;
            (host.is_up() && peer.leader() == Some(peer.id())).then_some(index as u32)
        })
    }
}
