//! Stepping a server and acting on what it asks for and tells.

use super::{CrashCause, World};
use crate::checker::recovery::check_snapshot;
use crate::violation::ViolationKind;
use rand::Rng;
use zksim_core::server::{Input, Note, Output};

impl World<'_> {
    /// Feeds one input to a node's server and handles every output.
    pub(super) fn step_server(&mut self, node: u32, input: Input) {
        let now_ms = self.now_ms();
        let host = &mut self.nodes[node as usize];
        let server = host
            .server
            .as_mut()
            .expect("stepping needs a running server");
        server.step(now_ms, input);
        server.check_invariants();
        let mut outputs = std::mem::take(&mut self.outputs);
        server.take_outputs(&mut outputs);
        let mut halted = false;
        for output in outputs.drain(..) {
            self.trace
                .record(self.queue.now_us(), Some(node), "output", &output);
            match output {
                Output::Disk { io, op } => {
                    self.nodes[node as usize].disk_requests.push_back((io, op))
                }
                Output::Reply { conn, reply } => self.deliver_reply(conn, reply),
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

    fn on_note(&mut self, node: u32, note: Note) {
        match note {
            Note::Logged { record } => {
                if let Err(message) = self.nodes[node as usize].ghost.on_logged(&record) {
                    self.violation(ViolationKind::InvariantBroken, Some(node), message);
                }
            }
            Note::SnapshotStarted { .. } => {
                self.probe("snapshots-started");
                let probability = self.scenario.faults.crash_mid_snapshot_probability;
                if self.phase == super::RunPhase::Faults
                    && probability > 0.0
                    && self.rng_nemesis.gen_bool(probability)
                {
                    self.nodes[node as usize].crash_during_snapshot = true;
                }
            }
            Note::SnapshotDone { file, .. } => {
                self.probe("snapshots-completed");
                let host = &self.nodes[node as usize];
                let live = host.server.as_ref().expect("running").tree();
                let findings = check_snapshot(&host.ghost, &file, host.disk.read(&file), live);
                for (kind, message) in findings {
                    self.violation(kind, Some(node), message);
                }
            }
            Note::TornTailTruncated { .. } => self.probe("torn-tails-truncated"),
            Note::Purged { .. } => self.probe("files-purged"),
            Note::LogRolled { .. } => self.probe("log-rolls"),
            Note::Ready { .. } => self.probe("servers-ready"),
            Note::Durable { .. } | Note::Applied { .. } => {}
        }
    }
}
