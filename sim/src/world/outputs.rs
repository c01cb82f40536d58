//! Stepping a replica and acting on what it asks for and tells.

use super::{CrashCause, ServerMessage, World};
use zksim_core::server::{Input, Output};

impl World {
    /// Feeds one input to a node's replica (at the node's local time) and handles every output.
    pub(super) fn step_server(&mut self, node: u32, input: Input) {
        let local_ms = self.nodes[node as usize]
            .clock
            .local_ms(self.queue.now_us());
        let host = &mut self.nodes[node as usize];
        let server = host
            .server
            .as_mut()
            .expect("stepping needs a running replica");
        server.step(local_ms, input);
        server.check_invariants();
        self.drain_outputs(node);
    }

    pub(super) fn drain_outputs(&mut self, node: u32) {
        let mut outputs = std::mem::take(&mut self.outputs);
        self.nodes[node as usize]
            .server
            .as_mut()
            .expect("running")
            .take_outputs(&mut outputs);
        let mut halted = false;
        for output in outputs.drain(..) {
            self.trace
                .record(self.queue.now_us(), Some(node), "output", &output);
            match output {
                Output::Disk { io, op } => {
                    self.nodes[node as usize].disk_requests.push_back((io, op))
                }
                Output::Reply { conn, reply } => self.deliver(conn, ServerMessage::Reply(reply)),
                Output::Watch { conn, event } => self.deliver(conn, ServerMessage::Watch(event)),
                Output::Send { to, msg } => self.send_peer(node, to.0, msg),
                Output::CloseConnection { conn } => self.server_closed_connection(conn),
                Output::Halted { .. } => halted = true,
                Output::Note(note) => self.on_note(node, note),
            }
        }
        self.outputs = outputs;
        if halted {
            self.probe("halts");
            self.crash(node, CrashCause::Halted);
        } else {
            self.start_disk(node);
        }
    }
}
