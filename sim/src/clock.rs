//! `NodeClock`: one node's local clock inside a simulation, with the clock
//! faults of DESIGN.md §3 (drift and forward steps).
//!
//! The clock runs at `1 + drift_ppm / 1e6` times the rate of virtual (global)
//! time, from a base point that each forward step moves:
//! `local = base_local + floor((global - base_global) * (1e6 + drift_ppm) / 1e6)`.
//! All arithmetic is integer (u128 intermediates), so every machine computes
//! the same local times.
//!
//! The clock is monotonic: it never steps backwards, and it is only ever read
//! at or after its latest step (the world's time only moves forward).
//!
//! Architecture invariant: nothing here reads a wall clock; randomness comes
//! only from the RNG the caller passes in.

use rand::Rng;

/// Largest drift a clock may have: ±20 % (a real quartz is within ±100 ppm;
/// larger values make drift visible in short simulations).
pub const DRIFT_PPM_MAX: i64 = 200_000;

/// Largest single forward step (one hour).
pub const STEP_US_MAX: u64 = 3_600_000_000;

const PPM: u128 = 1_000_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeClock {
    drift_ppm: i64,
    /// Global time of the latest step (0 if none).
    base_global_us: u64,
    /// Local time at `base_global_us`.
    base_local_us: u64,
}

impl NodeClock {
    /// A clock that reads 0 at global time 0 and runs at `1 + drift_ppm/1e6`.
    pub fn new(drift_ppm: i64) -> NodeClock {
        assert!(
            drift_ppm.abs() <= DRIFT_PPM_MAX,
            "drift {drift_ppm} ppm beyond ±{DRIFT_PPM_MAX}"
        );
        NodeClock {
            drift_ppm,
            base_global_us: 0,
            base_local_us: 0,
        }
    }

    /// A clock with drift uniform in `[-max_drift_ppm, +max_drift_ppm]`.
    pub fn random(max_drift_ppm: u32, rng: &mut impl Rng) -> NodeClock {
        let max = i64::from(max_drift_ppm);
        assert!(
            max <= DRIFT_PPM_MAX,
            "max drift {max} ppm beyond {DRIFT_PPM_MAX}"
        );
        NodeClock::new(rng.gen_range(-max..=max))
    }

    pub fn drift_ppm(&self) -> i64 {
        self.drift_ppm
    }

    /// Local microseconds at `global_us`; monotonic non-decreasing in
    /// `global_us`. Must not be asked about a time before the latest step.
    pub fn local_us(&self, global_us: u64) -> u64 {
        assert!(
            global_us >= self.base_global_us,
            "global {global_us} µs before the clock's latest step at {} µs",
            self.base_global_us
        );
        let elapsed_us = u128::from(global_us - self.base_global_us);
        let local_elapsed_us = elapsed_us * self.rate_ppm() / PPM;
        let local_us = u128::from(self.base_local_us) + local_elapsed_us;
        u64::try_from(local_us).expect("local time overflows u64")
    }

    pub fn local_ms(&self, global_us: u64) -> u64 {
        self.local_us(global_us) / 1_000
    }

    /// Global microseconds until `local_delay_us` of this clock have passed
    /// (>= 1): the least `g` with `g * rate >= local_delay_us`. Because local
    /// time is rounded down, a timer set this way is never early in local
    /// time, and late by less than `rate + 1` µs (< 2.2 µs). A step during
    /// the wait is not foreseen (the timer then fires late in local time).
    pub fn global_delay_us(&self, local_delay_us: u64) -> u64 {
        let rate_ppm = self.rate_ppm();
        let global_us = (u128::from(local_delay_us) * PPM).div_ceil(rate_ppm);
        let global_us = u64::try_from(global_us.max(1)).expect("delay overflows u64");
        assert!(u128::from(global_us) * rate_ppm >= u128::from(local_delay_us) * PPM);
        global_us
    }

    /// A forward jump of the local clock by `step_us` at `global_us` (an NTP
    /// step). Steps come in global-time order.
    pub fn step_forward(&mut self, global_us: u64, step_us: u64) {
        assert!(
            step_us <= STEP_US_MAX,
            "step {step_us} µs beyond {STEP_US_MAX}"
        );
        let before_us = self.local_us(global_us);
        self.base_local_us = before_us
            .checked_add(step_us)
            .expect("local time overflows u64");
        self.base_global_us = global_us;
        assert_eq!(self.local_us(global_us), before_us + step_us);
    }

    /// Local microseconds per million global microseconds (800_000..=1_200_000).
    fn rate_ppm(&self) -> u128 {
        let rate_ppm = 1_000_000 + self.drift_ppm;
        assert!(rate_ppm > 0);
        rate_ppm as u128
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn zero_drift_is_the_identity() {
        let clock = NodeClock::new(0);
        for global_us in [0, 1, 999, 1_000, 123_456_789, u64::MAX / 2] {
            assert_eq!(clock.local_us(global_us), global_us);
            assert_eq!(clock.local_ms(global_us), global_us / 1_000);
        }
        for delay_us in [1, 2, 1_000, 2_000_000] {
            assert_eq!(clock.global_delay_us(delay_us), delay_us);
        }
        assert_eq!(clock.global_delay_us(0), 1);
    }

    #[test]
    fn drift_changes_the_rate() {
        let fast = NodeClock::new(100_000);
        let slow = NodeClock::new(-100_000);
        assert_eq!(fast.local_us(1_000_000), 1_100_000);
        assert_eq!(slow.local_us(1_000_000), 900_000);
        assert_eq!(fast.local_ms(10_000), 11);
        // A 100 ms local tick takes less global time on a fast clock.
        assert_eq!(fast.global_delay_us(100_000), 90_910);
        assert_eq!(slow.global_delay_us(100_000), 111_112);
    }

    #[test]
    fn step_jumps_forward_and_keeps_the_rate() {
        let mut clock = NodeClock::new(50_000);
        assert_eq!(clock.local_us(1_000), 1_050);
        clock.step_forward(1_000, 500_000);
        assert_eq!(clock.local_us(1_000), 501_050);
        assert_eq!(clock.local_us(2_000), 502_100);
        assert_eq!(clock.drift_ppm(), 50_000);
    }

    #[test]
    fn random_is_seeded_and_bounded() {
        let draw = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (0..100)
                .map(|_| NodeClock::random(500, &mut rng).drift_ppm())
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
        assert!(draw(1).iter().all(|drift| (-500..=500).contains(drift)));
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        assert_eq!(NodeClock::random(0, &mut rng).drift_ppm(), 0);
    }

    proptest! {
        #[test]
        fn local_time_is_monotonic_under_drift_and_steps(
            drift_ppm in -DRIFT_PPM_MAX..=DRIFT_PPM_MAX,
            moves in prop::collection::vec((0..10_000_000u64, prop::option::of(0..1_000_000u64)), 1..100),
        ) {
            let mut clock = NodeClock::new(drift_ppm);
            let mut global_us = 0;
            let mut local_us = clock.local_us(0);
            for (advance_us, step_us) in moves {
                global_us += advance_us;
                let now_us = clock.local_us(global_us);
                prop_assert!(now_us >= local_us);
                if let Some(step_us) = step_us {
                    clock.step_forward(global_us, step_us);
                    prop_assert_eq!(clock.local_us(global_us), now_us + step_us);
                }
                local_us = clock.local_us(global_us);
            }
        }

        #[test]
        fn global_delay_inverts_local_time(
            drift_ppm in -DRIFT_PPM_MAX..=DRIFT_PPM_MAX,
            step_at_us in 0..1_000_000u64,
            step_us in 0..1_000_000u64,
            now_after_step_us in 0..100_000_000u64,
            local_delay_us in 0..100_000_000u64,
        ) {
            let mut clock = NodeClock::new(drift_ppm);
            clock.step_forward(step_at_us, step_us);
            let now_us = step_at_us + now_after_step_us;
            let global_delay_us = clock.global_delay_us(local_delay_us);
            let passed_us = clock.local_us(now_us + global_delay_us) - clock.local_us(now_us);
            // Never early; late only by rounding (1 µs, 2 on a fast clock).
            prop_assert!(passed_us >= local_delay_us);
            let slack_us = if drift_ppm > 0 { 2 } else { 1 };
            prop_assert!(passed_us <= local_delay_us.max(1) + slack_us, "{} vs {}", passed_us, local_delay_us);
            // And it is the least such delay in exact arithmetic.
            prop_assert!(u128::from(global_delay_us - 1) * clock.rate_ppm() < u128::from(local_delay_us.max(1)) * PPM);
        }
    }
}
