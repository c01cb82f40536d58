//! The trace of a run: every event is folded into a stable hash (the run's
//! fingerprint: the same seed and scenario give the same hash on any machine)
//! and, when asked, written as JSON lines.
//!
//! Three optional modes help explain a run without writing the whole trace
//! (all off by default, and then `record` costs one extra branch):
//!
//! - *fingerprint*: the running hash after every event, so two runs of one
//!   seed can be compared event by event to find where they first differ;
//! - *capture*: the rendered events whose index lies in a small window, to
//!   show one event (found by a fingerprint comparison) without rendering all;
//! - *excerpt*: the last N rendered events, frozen at the first violation, so
//!   a failure report can show what led to it.

use crate::queue::TimeUs;
use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::ops::Range;
use zksim_core::hash::StableHasher;

/// The most events a fingerprint records (8 bytes each: 128 MiB). Runs are far
/// shorter in practice; a longer one is compared on this prefix only, and
/// `TraceObservations::fingerprint_complete` says so.
pub const FINGERPRINT_EVENTS_MAX: u64 = 1 << 24;
/// The widest capture window: capture is for looking at a few chosen events;
/// the JSON-lines sink is the tool for a whole trace.
pub const CAPTURE_EVENTS_MAX: u64 = 100_000;
/// The longest excerpt: it is rendered for every event until frozen, so it
/// stays small enough to print in a report.
pub const EXCERPT_EVENTS_MAX: usize = 100_000;

/// Which optional modes a trace runs with. `Default` turns all of them off,
/// which is what `Trace::new` uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceOptions {
    /// Record the running hash after every event (up to `FINGERPRINT_EVENTS_MAX`).
    pub fingerprint: bool,
    /// Render the events whose index (0-based, in recording order) lies in
    /// this window; empty (the default) captures nothing.
    pub capture: Range<u64>,
    /// Keep the last this many rendered events until `freeze_excerpt`; 0 is off.
    pub excerpt: usize,
}

impl TraceOptions {
    /// Whether any mode is on (if not, the trace keeps no extra state at all).
    pub fn any(&self) -> bool {
        self.fingerprint || !self.capture.is_empty() || self.excerpt > 0
    }
}

/// One event as the trace rendered it: the fields of a JSON-lines record plus
/// its index, with `detail` in the same Debug form the sink writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    pub index: u64,
    pub t_us: u64,
    pub node: Option<u32>,
    pub kind: &'static str,
    pub detail: String,
}

impl std::fmt::Display for TraceEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let node = match self.node {
            Some(node) => format!("node {node}"),
            None => "no node".to_string(),
        };
        write!(
            f,
            "#{} t={}us {node} {}: {}",
            self.index, self.t_us, self.kind, self.detail
        )
    }
}

/// What the optional modes gathered, taken out of a trace after its run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceObservations {
    /// The running hash after each event (entry `i` covers events `0..=i`).
    pub fingerprint: Vec<u64>,
    /// False if the run had more events than `FINGERPRINT_EVENTS_MAX` and
    /// the fingerprint holds only the first ones.
    pub fingerprint_complete: bool,
    /// The captured events, in index order.
    pub captured: Vec<TraceEvent>,
    /// The excerpt, oldest first.
    pub excerpt: Vec<TraceEvent>,
}

/// The state of the optional modes; boxed behind one `Option` so a trace
/// without them stays as small and as fast as before.
#[derive(Debug)]
struct Modes {
    options: TraceOptions,
    fingerprint: Vec<u64>,
    fingerprint_truncated: bool,
    captured: Vec<TraceEvent>,
    excerpt: VecDeque<TraceEvent>,
    excerpt_frozen: bool,
}

impl Modes {
    fn new(options: TraceOptions) -> Modes {
        assert!(
            options.capture.end.saturating_sub(options.capture.start) <= CAPTURE_EVENTS_MAX,
            "capture window {:?} is wider than {CAPTURE_EVENTS_MAX} events",
            options.capture
        );
        assert!(
            options.excerpt <= EXCERPT_EVENTS_MAX,
            "excerpt of {} events exceeds {EXCERPT_EVENTS_MAX}",
            options.excerpt
        );
        Modes {
            excerpt: VecDeque::with_capacity(options.excerpt),
            options,
            fingerprint: Vec::new(),
            fingerprint_truncated: false,
            captured: Vec::new(),
            excerpt_frozen: false,
        }
    }

    /// Event `index` was just folded in, leaving the running hash at `running`.
    fn observe<D: std::fmt::Debug>(
        &mut self,
        index: u64,
        running: u64,
        event: (TimeUs, Option<u32>, &'static str, &D),
    ) {
        if self.options.fingerprint {
            self.push_fingerprint(index, running);
        }
        let capture = self.options.capture.contains(&index);
        let excerpt = self.options.excerpt > 0 && !self.excerpt_frozen;
        if !capture && !excerpt {
            return;
        }
        let (t_us, node, kind, detail) = event;
        let rendered = TraceEvent {
            index,
            t_us,
            node,
            kind,
            detail: format!("{detail:?}"),
        };
        if excerpt {
            self.push_excerpt(rendered.clone());
        }
        if capture {
            self.captured.push(rendered);
        }
    }

    fn push_fingerprint(&mut self, index: u64, running: u64) {
        if index >= FINGERPRINT_EVENTS_MAX {
            self.fingerprint_truncated = true;
            return;
        }
        assert_eq!(
            self.fingerprint.len() as u64,
            index,
            "one fingerprint entry per event"
        );
        self.fingerprint.push(running);
    }

    fn push_excerpt(&mut self, rendered: TraceEvent) {
        if self.excerpt.len() == self.options.excerpt {
            self.excerpt.pop_front();
        }
        self.excerpt.push_back(rendered);
        assert!(self.excerpt.len() <= self.options.excerpt);
    }

    fn take(&mut self) -> TraceObservations {
        TraceObservations {
            fingerprint: std::mem::take(&mut self.fingerprint),
            fingerprint_complete: !self.fingerprint_truncated,
            captured: std::mem::take(&mut self.captured),
            excerpt: std::mem::take(&mut self.excerpt).into(),
        }
    }
}

pub struct Trace {
    hasher: StableHasher,
    events: u64,
    sink: Option<Box<dyn Write>>,
    sink_error: Option<std::io::Error>,
    modes: Option<Box<Modes>>,
}

impl Trace {
    pub fn new(sink: Option<Box<dyn Write>>) -> Trace {
        Trace {
            hasher: StableHasher::new(0x7a6b_7369_6d00_0001),
            events: 0,
            sink,
            sink_error: None,
            modes: None,
        }
    }

    /// A trace with the optional modes `options` turns on. The hash and the
    /// sink's output are the same as `Trace::new` gives: the modes only watch.
    pub fn with_options(sink: Option<Box<dyn Write>>, options: TraceOptions) -> Trace {
        let mut trace = Trace::new(sink);
        if options.any() {
            trace.modes = Some(Box::new(Modes::new(options)));
        }
        trace
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
        if let Some(modes) = self.modes.as_deref_mut() {
            let running = self.hasher.finish();
            modes.observe(self.events - 1, running, (time_us, node, kind, detail));
        }
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

    /// Stops updating the excerpt, so it keeps the events up to now (the world
    /// calls this at the first violation). Later calls change nothing.
    pub fn freeze_excerpt(&mut self) {
        if let Some(modes) = self.modes.as_deref_mut() {
            modes.excerpt_frozen = true;
        }
    }

    /// The excerpt so far, oldest first (empty if the mode is off).
    pub fn excerpt(&self) -> Vec<TraceEvent> {
        self.modes
            .as_deref()
            .map(|modes| modes.excerpt.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The events captured so far, in index order (empty if the mode is off).
    pub fn captured(&self) -> &[TraceEvent] {
        self.modes
            .as_deref()
            .map_or(&[], |modes| modes.captured.as_slice())
    }

    /// The running hashes so far, one per event (empty if the mode is off).
    pub fn fingerprint(&self) -> &[u64] {
        self.modes
            .as_deref()
            .map_or(&[], |modes| modes.fingerprint.as_slice())
    }

    /// Takes what the optional modes gathered, leaving them empty (all empty,
    /// and the fingerprint marked complete, if no mode was on).
    pub fn take_observations(&mut self) -> TraceObservations {
        match self.modes.as_deref_mut() {
            Some(modes) => modes.take(),
            None => TraceObservations {
                fingerprint_complete: true,
                ..TraceObservations::default()
            },
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Records `count` events: event `i` at `10 * i` µs, on node `i % 3`, with detail `i`.
    fn record_numbers(trace: &mut Trace, count: u64) {
        for i in 0..count {
            trace.record(10 * i, Some((i % 3) as u32), "number", &i);
        }
    }

    #[test]
    fn the_modes_do_not_change_the_hash() {
        let mut plain = Trace::new(None);
        let mut observed = Trace::with_options(
            None,
            TraceOptions {
                fingerprint: true,
                capture: 3..5,
                excerpt: 4,
            },
        );
        record_numbers(&mut plain, 50);
        record_numbers(&mut observed, 50);
        assert_eq!(plain.hash(), observed.hash());
        assert_eq!(plain.events(), observed.events());
        assert!(plain.take_observations().fingerprint.is_empty());
    }

    #[test]
    fn the_fingerprint_holds_the_running_hash_after_each_event() {
        let options = TraceOptions {
            fingerprint: true,
            ..TraceOptions::default()
        };
        let mut trace = Trace::with_options(None, options);
        let mut expected = Vec::new();
        for i in 0..20u64 {
            trace.record(i, None, "number", &i);
            expected.push(trace.hash());
        }
        assert_eq!(trace.fingerprint(), expected.as_slice());
        let observations = trace.take_observations();
        assert_eq!(observations.fingerprint, expected);
        assert!(observations.fingerprint_complete);
    }

    #[test]
    fn capture_renders_only_the_window() {
        let options = TraceOptions {
            capture: 5..7,
            ..TraceOptions::default()
        };
        let mut trace = Trace::with_options(None, options);
        record_numbers(&mut trace, 10);
        let captured = trace.take_observations().captured;
        let expected: Vec<TraceEvent> = (5..7)
            .map(|i| TraceEvent {
                index: i,
                t_us: 10 * i,
                node: Some((i % 3) as u32),
                kind: "number",
                detail: format!("{i:?}"),
            })
            .collect();
        assert_eq!(captured, expected);
    }

    #[test]
    fn the_excerpt_keeps_the_last_events_until_frozen() {
        let options = TraceOptions {
            excerpt: 3,
            ..TraceOptions::default()
        };
        let mut trace = Trace::with_options(None, options);
        record_numbers(&mut trace, 10);
        let indices = |trace: &Trace| -> Vec<u64> {
            trace.excerpt().iter().map(|event| event.index).collect()
        };
        assert_eq!(indices(&trace), vec![7, 8, 9]);
        trace.freeze_excerpt();
        trace.record(1_000, None, "after", &"frozen");
        trace.freeze_excerpt();
        assert_eq!(indices(&trace), vec![7, 8, 9]);
        assert_eq!(trace.excerpt()[2].detail, "9");
        assert_eq!(trace.events(), 11);
    }

    #[test]
    fn a_short_run_keeps_a_short_excerpt() {
        let options = TraceOptions {
            excerpt: 8,
            ..TraceOptions::default()
        };
        let mut trace = Trace::with_options(None, options);
        record_numbers(&mut trace, 2);
        let excerpt = trace.take_observations().excerpt;
        assert_eq!(excerpt.len(), 2);
        assert_eq!(excerpt[0].to_string(), "#0 t=0us node 0 number: 0");
    }

    #[test]
    fn the_fingerprint_stops_at_its_limit_and_says_so() {
        let options = TraceOptions {
            fingerprint: true,
            ..TraceOptions::default()
        };
        let mut modes = Modes::new(options);
        modes.push_fingerprint(0, 7);
        // Far beyond the limit: recording stops (no entry, no assertion), flagged.
        modes.push_fingerprint(FINGERPRINT_EVENTS_MAX, 8);
        let observations = modes.take();
        assert_eq!(observations.fingerprint, vec![7]);
        assert!(!observations.fingerprint_complete);
    }

    /// In a real run, the excerpt ends at the first failing violation: the world freezes it.
    #[cfg(feature = "planted-bugs")]
    #[test]
    fn a_world_freezes_the_excerpt_at_its_first_violation() {
        use zksim_core::bugs::{Bugs, PlantedBug};
        let scenario = crate::builtin::resolve("single-node-crash").expect("built-in");
        let bugs = Bugs::with(PlantedBug::AckBeforeFsync);
        let options = TraceOptions {
            excerpt: 5,
            ..TraceOptions::default()
        };
        let failing = (0..3).find_map(|seed| {
            let (outcome, _, observed) =
                crate::world::run_seed_traced(&scenario, seed, bugs, options.clone());
            (!outcome.passed()).then_some((outcome, observed))
        });
        let (outcome, observed) = failing.expect("the planted bug fails a seed in 0..3");
        assert_eq!(observed.excerpt.len(), 5);
        let last = observed.excerpt.last().expect("five events");
        assert_eq!(last.kind, "violation");
        assert_eq!(last.detail, format!("{:?}", outcome.violations[0]));
        assert!(last.index + 1 < outcome.events, "the run went on after it");
    }

    #[test]
    #[should_panic(expected = "capture window")]
    fn a_wide_capture_window_is_refused() {
        let options = TraceOptions {
            capture: 0..CAPTURE_EVENTS_MAX + 1,
            ..TraceOptions::default()
        };
        let _ = Trace::with_options(None, options);
    }
}
