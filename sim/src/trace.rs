//! The trace of a run: every event is folded into a stable hash (the run's
//! fingerprint: the same seed and scenario give the same hash on any machine)
//! and, when asked, written as JSON lines.

use crate::queue::TimeUs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use zksim_core::hash::StableHasher;

pub struct Trace {
    hasher: StableHasher,
    events: u64,
    sink: Option<Box<dyn Write>>,
    sink_error: Option<std::io::Error>,
}

impl Trace {
    pub fn new(sink: Option<Box<dyn Write>>) -> Trace {
        Trace {
            hasher: StableHasher::new(0x7a6b_7369_6d00_0001),
            events: 0,
            sink,
            sink_error: None,
        }
    }

    /// Records one event: `kind` names it, `detail` is hashed and, when
    /// writing, rendered with its Debug form.
    pub fn record<D: Hash + std::fmt::Debug>(
        &mut self,
        time_us: TimeUs,
        node: Option<u32>,
        kind: &'static str,
        detail: &D,
    ) {
        self.events += 1;
        time_us.hash(&mut self.hasher);
        node.hash(&mut self.hasher);
        kind.hash(&mut self.hasher);
        detail.hash(&mut self.hasher);
        if let Some(sink) = self.sink.as_mut() {
            let line = serde_json::json!({
                "t_us": time_us,
                "node": node,
                "event": kind,
                "detail": format!("{detail:?}"),
            });
            if let Err(error) = writeln!(sink, "{line}") {
                self.sink_error.get_or_insert(error);
            }
        }
    }

    pub fn events(&self) -> u64 {
        self.events
    }

    pub fn hash(&self) -> u64 {
        self.hasher.finish()
    }

    /// Flushes the sink; the first write error, if any.
    pub fn finish(&mut self) -> std::io::Result<()> {
        if let Some(error) = self.sink_error.take() {
            return Err(error);
        }
        if let Some(sink) = self.sink.as_mut() {
            sink.flush()?;
        }
        Ok(())
    }
}

pub fn format_hash(hash: u64) -> String {
    format!("{hash:016x}")
}
