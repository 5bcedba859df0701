//! Weekly availability: for each weekday, the wall-clock hours a host takes
//! meetings, validated so the engine can trust it.

use chrono::Weekday;
use serde::{Deserialize, Serialize};

const MINUTES_PER_DAY: u16 = 24 * 60;

/// A span of one day's wall clock, in minutes after midnight; `end_minute`
/// may be 1440 (midnight at the end of the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LocalInterval {
    pub start_minute: u16,
    pub end_minute: u16,
}

impl LocalInterval {
    pub fn new(start_minute: u16, end_minute: u16) -> Self {
        Self { start_minute, end_minute }
    }

    /// From hours and minutes, as in `LocalInterval::hm(9, 0, 17, 0)`.
    pub fn hm(start_hour: u16, start_minute: u16, end_hour: u16, end_minute: u16) -> Self {
        Self::new(start_hour * 60 + start_minute, end_hour * 60 + end_minute)
    }
}

/// Validated availability: per weekday, intervals sorted, each non-empty,
/// within the day, none overlapping another.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "[Vec<LocalInterval>; 7]", into = "[Vec<LocalInterval>; 7]")]
pub struct WeeklyAvailability {
    /// Monday first.
    days: [Vec<LocalInterval>; 7],
}

/// What is wrong with an availability, naming the weekday and the interval
/// (its position as given) so a form can show the error beside the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvailabilityError {
    #[error("{weekday}: the end must be after the start")]
    EndNotAfterStart { weekday: Weekday, index: usize },
    #[error("{weekday}: times must lie within the day (00:00 to 24:00)")]
    OutsideTheDay { weekday: Weekday, index: usize },
    #[error("{weekday}: these hours overlap other hours of the same day")]
    Overlapping { weekday: Weekday, index: usize },
}

impl WeeklyAvailability {
    /// Validates and sorts; `days[0]` is Monday.
    pub fn new(days: [Vec<LocalInterval>; 7]) -> Result<Self, AvailabilityError> {
        let mut checked: [Vec<LocalInterval>; 7] = Default::default();
        for (day_index, intervals) in days.into_iter().enumerate() {
            let weekday = weekday_from_monday(day_index);
            checked[day_index] = checked_day(intervals).map_err(|error| match error {
                DayHoursError::EndNotAfterStart { index } => {
                    AvailabilityError::EndNotAfterStart { weekday, index }
                }
                DayHoursError::OutsideTheDay { index } => AvailabilityError::OutsideTheDay { weekday, index },
                DayHoursError::Overlapping { index } => AvailabilityError::Overlapping { weekday, index },
            })?;
        }
        Ok(Self { days: checked })
    }

    /// The same hours on the given weekdays, none on the others.
    pub fn uniform(weekdays: &[Weekday], intervals: &[LocalInterval]) -> Result<Self, AvailabilityError> {
        let mut days: [Vec<LocalInterval>; 7] = Default::default();
        for weekday in weekdays {
            days[weekday.num_days_from_monday() as usize] = intervals.to_vec();
        }
        Self::new(days)
    }

    pub fn on(&self, weekday: Weekday) -> &[LocalInterval] {
        &self.days[weekday.num_days_from_monday() as usize]
    }

    pub fn is_empty(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }
}

impl TryFrom<[Vec<LocalInterval>; 7]> for WeeklyAvailability {
    type Error = AvailabilityError;

    fn try_from(days: [Vec<LocalInterval>; 7]) -> Result<Self, Self::Error> {
        Self::new(days)
    }
}

impl From<WeeklyAvailability> for [Vec<LocalInterval>; 7] {
    fn from(availability: WeeklyAvailability) -> Self {
        availability.days
    }
}

/// What is wrong with one day's hours, naming the interval by its position
/// as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DayHoursError {
    #[error("the end must be after the start")]
    EndNotAfterStart { index: usize },
    #[error("times must lie within the day (00:00 to 24:00)")]
    OutsideTheDay { index: usize },
    #[error("these hours overlap other hours of the same day")]
    Overlapping { index: usize },
}

/// One day's hours, each within the day and non-empty, sorted, none
/// overlapping another.
pub(crate) fn checked_day(intervals: Vec<LocalInterval>) -> Result<Vec<LocalInterval>, DayHoursError> {
    for (index, interval) in intervals.iter().enumerate() {
        if interval.end_minute > MINUTES_PER_DAY {
            return Err(DayHoursError::OutsideTheDay { index });
        }
        if interval.end_minute <= interval.start_minute {
            return Err(DayHoursError::EndNotAfterStart { index });
        }
    }
    let mut sorted: Vec<(usize, LocalInterval)> = intervals.into_iter().enumerate().collect();
    sorted.sort_by_key(|(_, interval)| *interval);
    for pair in sorted.windows(2) {
        if pair[1].1.start_minute < pair[0].1.end_minute {
            return Err(DayHoursError::Overlapping { index: pair[0].0.max(pair[1].0) });
        }
    }
    Ok(sorted.into_iter().map(|(_, interval)| interval).collect())
}

fn weekday_from_monday(index: usize) -> Weekday {
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun]
        [index % 7]
}
