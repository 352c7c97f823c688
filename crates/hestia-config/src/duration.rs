//! [`Duration`]: Prometheus' duration syntax (`1m30s`, `1d`, `0`), as
//! `prometheus/common`'s `model.ParseDuration` reads and prints it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

use crate::Error;

const MS: u64 = 1;
const SECOND: u64 = 1000 * MS;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;
const YEAR: u64 = 365 * DAY;

/// Units from largest to smallest; a duration must use them in this order,
/// each at most once.
const UNITS: [(&str, u64); 7] = [
    ("y", YEAR),
    ("w", WEEK),
    ("d", DAY),
    ("h", HOUR),
    ("m", MINUTE),
    ("s", SECOND),
    ("ms", MS),
];

/// The largest duration Prometheus accepts: Go's `time.Duration` counts
/// nanoseconds in an `i64` (about 292 years).
const MAX_NANOS: u128 = i64::MAX as u128;

/// A non-negative span of time with millisecond precision, written as in
/// Prometheus: a sequence of `<integer><unit>` terms with units `y` (365
/// days), `w`, `d`, `h`, `m`, `s`, `ms` from largest to smallest, each at
/// most once (`1h30m`, `90s`, `1d`), or a bare `0`.
///
/// `Display` prints the canonical form (`1m30s`, `0s`).
///
/// ```
/// use hestia_config::Duration;
///
/// let d: Duration = "1m30s".parse().unwrap();
/// assert_eq!(d.as_millis(), 90_000);
/// assert_eq!(Duration::from_millis(86_400_000).to_string(), "1d");
/// assert_eq!(Duration::from_millis(15 * 86_400_000).to_string(), "15d");
/// assert_eq!(Duration::from_millis(14 * 86_400_000).to_string(), "2w");
/// assert!("1.5h".parse::<Duration>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(u64);

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration(0);

    /// `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Duration {
        Duration(ms)
    }

    /// `s` seconds.
    pub const fn from_secs(s: u64) -> Duration {
        Duration(s * SECOND)
    }

    /// The length in milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// The length as a [`std::time::Duration`].
    pub const fn as_std(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.0)
    }

    /// Whether this is the zero duration.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Parses Prometheus' syntax. Errors carry Prometheus' messages:
    /// `empty duration string`, `not a valid duration string: "…"`,
    /// `unknown unit "…" in duration "…"`, `duration out of range`.
    pub fn parse(s: &str) -> Result<Duration, Error> {
        match s {
            "0" => return Ok(Duration::ZERO),
            "" => return Err(Error::Duration("empty duration string".into())),
            _ => {}
        }
        let invalid = || Error::Duration(format!("not a valid duration string: {s:?}"));
        let mut rest = s;
        let mut nanos: u128 = 0;
        let mut last_unit = None;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(invalid());
            }
            let value: u64 = rest[..digits].parse().map_err(|_| invalid())?;
            rest = &rest[digits..];
            let unit_len = rest
                .char_indices()
                .find(|(_, c)| c.is_ascii_digit())
                .map_or(rest.len(), |(i, _)| i);
            if unit_len == 0 {
                return Err(invalid());
            }
            let unit = &rest[..unit_len];
            rest = &rest[unit_len..];
            let Some(index) = UNITS.iter().position(|(name, _)| *name == unit) else {
                return Err(Error::Duration(format!(
                    "unknown unit {unit:?} in duration {s:?}"
                )));
            };
            if last_unit.is_some_and(|last| index <= last) {
                return Err(invalid());
            }
            last_unit = Some(index);
            nanos += u128::from(value) * u128::from(UNITS[index].1) * 1_000_000;
            if nanos > MAX_NANOS {
                return Err(Error::Duration("duration out of range".into()));
            }
        }
        // At most i64::MAX nanoseconds, so the milliseconds fit a u64.
        Ok(Duration((nanos / 1_000_000) as u64))
    }
}

impl FromStr for Duration {
    type Err = Error;

    fn from_str(s: &str) -> Result<Duration, Error> {
        Duration::parse(s)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut left = self.0;
        for (name, size) in UNITS {
            // Years and weeks only when they divide exactly, as Prometheus
            // writes them: `15d` and `90d`, not `2w1d` and `12w6d`.
            if matches!(name, "y" | "w") && left % size != 0 {
                continue;
            }
            let n = left / size;
            if n > 0 {
                write!(f, "{n}{name}")?;
                left -= n * size;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = String::deserialize(d)?;
        Duration::parse(&s).map_err(serde::de::Error::custom)
    }
}
