//! Virtual milliseconds with microsecond precision, for the times of explicit
//! fault events. Written as a JSON number: whole milliseconds as an integer
//! (`1200`), otherwise with up to three decimals (`1200.375`). Hand-written
//! schedules use whole milliseconds; the shrinker writes the exact microsecond
//! a recorded fault landed on, so that replaying it changes nothing else.

use serde::de::{Deserializer, Error as _};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A span or instant of virtual time, stored in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis {
    us: u64,
}

/// The largest value a scenario may hold: 100 days, far beyond any run.
const MILLIS_MAX_US: u64 = 100 * 86_400 * 1_000_000;

impl Millis {
    pub const fn from_ms(ms: u64) -> Millis {
        Millis { us: ms * 1000 }
    }

    pub const fn from_us(us: u64) -> Millis {
        Millis { us }
    }

    pub const fn as_us(self) -> u64 {
        self.us
    }

    /// Whole milliseconds, rounded down.
    pub const fn whole_ms(self) -> u64 {
        self.us / 1000
    }
}

impl From<u64> for Millis {
    fn from(ms: u64) -> Millis {
        Millis::from_ms(ms)
    }
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fraction = self.us % 1000;
        if fraction == 0 {
            write!(f, "{}", self.us / 1000)
        } else {
            let text = format!("{}.{fraction:03}", self.us / 1000);
            write!(f, "{}", text.trim_end_matches('0'))
        }
    }
}

impl Serialize for Millis {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.us.is_multiple_of(1000) {
            serializer.serialize_u64(self.us / 1000)
        } else {
            // Display gives the shortest exact decimal; it parses back to the same µs.
            let value: f64 = self.to_string().parse().expect("a decimal number");
            serializer.serialize_f64(value)
        }
    }
}

impl<'de> Deserialize<'de> for Millis {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Millis, D::Error> {
        let value = serde_json::Number::deserialize(deserializer)?;
        if let Some(ms) = value.as_u64() {
            return ms
                .checked_mul(1000)
                .filter(|us| *us <= MILLIS_MAX_US)
                .map(Millis::from_us)
                .ok_or_else(|| D::Error::custom(format!("{ms} ms is too large")));
        }
        let ms = value
            .as_f64()
            .ok_or_else(|| D::Error::custom("expected a number of milliseconds"))?;
        if ms.is_nan() || ms < 0.0 || ms * 1000.0 > MILLIS_MAX_US as f64 {
            return Err(D::Error::custom(format!(
                "{value} is not a time: expected milliseconds from 0, at most to the microsecond"
            )));
        }
        let us = (ms * 1000.0).round();
        if (us - ms * 1000.0).abs() > 1e-3 {
            return Err(D::Error::custom(format!(
                "{value} has more than three decimals: times go to the microsecond"
            )));
        }
        Ok(Millis::from_us(us as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn whole_and_fractional_milliseconds_read_and_write() {
        let whole: Millis = serde_json::from_str("1200").unwrap();
        assert_eq!(whole.as_us(), 1_200_000);
        assert_eq!(serde_json::to_string(&whole).unwrap(), "1200");
        let exact: Millis = serde_json::from_str("1200.375").unwrap();
        assert_eq!(exact.as_us(), 1_200_375);
        assert_eq!(serde_json::to_string(&exact).unwrap(), "1200.375");
        assert_eq!(Millis::from_us(1_200_500).to_string(), "1200.5");
    }

    #[test]
    fn bad_times_are_refused_with_a_reason() {
        for (text, reason) in [
            ("-1", "not a time"),
            ("1.0001", "three decimals"),
            ("\"5\"", "expected"),
            ("1e30", "not a time"),
        ] {
            let error = serde_json::from_str::<Millis>(text)
                .unwrap_err()
                .to_string();
            assert!(error.contains(reason), "{text}: {error}");
        }
    }

    proptest! {
        #[test]
        fn every_microsecond_round_trips(us in 0u64..MILLIS_MAX_US) {
            let millis = Millis::from_us(us);
            let text = serde_json::to_string(&millis).unwrap();
            prop_assert_eq!(serde_json::from_str::<Millis>(&text).unwrap(), millis);
        }
    }
}
