//! Swarm mode: each seed enables a random subset of the random fault kinds,
//! at random rates, so that seeds differ in character and not only in timing
//! (Groce et al., "Swarm Testing", ISSTA 2012).

use rand::Rng;

use super::validate::MAX_DRIFT_PPM;
use super::{kind_name, Scenario};

/// Smallest and largest factor a kept fault kind's rate is scaled by.
const MIN_FACTOR: f64 = 0.25;
const MAX_FACTOR: f64 = 4.0;

/// The rate of one random fault kind, as a scenario stores it.
enum Rate<'a> {
    /// Mean time between faults; 0 = off. Scaling divides it.
    Interval(&'a mut u64),
    /// A probability; 0 = off. Scaling multiplies it, capped at 1.
    Probability(&'a mut f64),
    /// A drift bound in ppm; 0 = off. Scaling multiplies it, capped.
    Drift(&'a mut u32),
}

impl Rate<'_> {
    fn is_on(&self) -> bool {
        match self {
            Rate::Interval(v) => **v > 0,
            Rate::Probability(p) => **p > 0.0,
            Rate::Drift(ppm) => **ppm > 0,
        }
    }

    fn turn_off(&mut self) {
        match self {
            Rate::Interval(v) => **v = 0,
            Rate::Probability(p) => **p = 0.0,
            Rate::Drift(ppm) => **ppm = 0,
        }
    }

    /// Scales the rate by `factor` (> 0), keeping it on and within limits.
    fn scale(&mut self, factor: f64) {
        match self {
            // `as` saturates; an interval stays at least 1 ms.
            Rate::Interval(v) => **v = ((**v as f64 / factor).round() as u64).max(1),
            Rate::Probability(p) => **p = (**p * factor).min(1.0),
            Rate::Drift(ppm) => {
                **ppm = ((f64::from(**ppm) * factor).round() as u32).clamp(1, MAX_DRIFT_PPM)
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Rate::Interval(v) => format!("every ~{v} ms"),
            Rate::Probability(p) => format!("probability {}", significant(**p)),
            Rate::Drift(ppm) => format!("up to ±{ppm} ppm"),
        }
    }
}

/// `x` with 3 significant digits and no trailing zeros (`0.0125`, `0.4`).
fn significant(x: f64) -> String {
    if x <= 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (2 - x.log10().floor() as i32).clamp(0, 17) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

pub(super) fn for_seed(scenario: &Scenario, rng: &mut impl Rng) -> (Scenario, Vec<String>) {
    if !scenario.faults.swarm {
        return (scenario.clone(), Vec::new());
    }
    let mut s = scenario.clone();
    s.faults.swarm = false;
    let mut choices = Vec::new();
    // Borrow each rate field separately; the order is fixed (it decides
    // which draws go to which kind) and is the order of the report.
    let (faults, network, clock, disk) = (&mut s.faults, &mut s.network, &mut s.clock, &mut s.disk);
    let mut kinds = [
        ("crashes", Rate::Interval(&mut faults.crash_interval_ms)),
        (
            "crash-all",
            Rate::Probability(&mut faults.crash_all_probability),
        ),
        (
            "mid-fsync crashes",
            Rate::Probability(&mut faults.crash_mid_fsync_probability),
        ),
        (
            "mid-snapshot crashes",
            Rate::Probability(&mut faults.crash_mid_snapshot_probability),
        ),
        (
            "partitions",
            Rate::Interval(&mut faults.partition_interval_ms),
        ),
        ("pauses", Rate::Interval(&mut faults.pause_interval_ms)),
        (
            "connection resets",
            Rate::Interval(&mut network.reset_interval_ms),
        ),
        (
            "delay spikes",
            Rate::Probability(&mut network.spike_probability),
        ),
        (
            "write EIO",
            Rate::Probability(&mut disk.write_error_probability),
        ),
        (
            "fsync EIO",
            Rate::Probability(&mut disk.fsync_error_probability),
        ),
        ("bit-rot", Rate::Interval(&mut disk.bit_rot_interval_ms)),
        ("clock drift", Rate::Drift(&mut clock.max_drift_ppm)),
        ("clock steps", Rate::Interval(&mut clock.step_interval_ms)),
        (
            "client disconnects",
            Rate::Interval(&mut faults.client_disconnect_interval_ms),
        ),
        (
            "operator purges",
            Rate::Interval(&mut faults.purge_interval_ms),
        ),
        ("backups", Rate::Interval(&mut faults.backup_interval_ms)),
        ("restores", Rate::Interval(&mut faults.restore_interval_ms)),
    ];
    for (name, rate) in &mut kinds {
        if !rate.is_on() {
            continue;
        }
        if !rng.gen_bool(0.5) {
            rate.turn_off();
            choices.push(format!("{name}: off"));
            continue;
        }
        // Log-uniform: halving and doubling are equally likely.
        let factor = rng.gen_range(MIN_FACTOR.log2()..=MAX_FACTOR.log2()).exp2();
        rate.scale(factor);
        let mut choice = format!("{name}: {}", rate.describe());
        if *name == "partitions" {
            let chosen = choose_subset(&faults.partition_kinds, rng);
            let names: Vec<String> = chosen.iter().map(kind_name).collect();
            choice.push_str(&format!(" ({})", names.join(", ")));
            faults.partition_kinds = chosen;
        }
        choices.push(choice);
    }
    if s.faults.crash_interval_ms == 0 && s.faults.crash_all_probability > 0.0 {
        if let Some(choice) = choices.iter_mut().find(|c| c.starts_with("crash-all: ")) {
            choice.push_str(" (no effect: random crashes off)");
        }
    }
    (s, choices)
}

/// Each item kept with probability 1/2, order kept; never empty (if every
/// coin says no, one item picked uniformly).
fn choose_subset<T: Clone>(items: &[T], rng: &mut impl Rng) -> Vec<T> {
    let mut kept: Vec<T> = items
        .iter()
        .filter(|_| rng.gen_bool(0.5))
        .cloned()
        .collect();
    if kept.is_empty() && !items.is_empty() {
        kept.push(items[rng.gen_range(0..items.len())].clone());
    }
    kept
}
