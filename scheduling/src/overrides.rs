//! Hours that change by date: an entry names a run of dates (one day, or a
//! three-week holiday in one step) and the hours that replace the weekly
//! ones on each of them; no hours is time off.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::availability::{checked_day, DayHoursError, LocalInterval};

/// The longest run one entry may cover; longer time off is several entries.
pub const MAX_ENTRY_DAYS: i64 = 366;

/// One entry as the host made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateOverride {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Wall-clock hours on each of these dates; empty: not available at all.
    pub hours: Vec<LocalInterval>,
}

impl DateOverride {
    pub fn is_time_off(&self) -> bool {
        self.hours.is_empty()
    }

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.first_day.iter_days().take_while(|day| *day <= self.last_day)
    }

    /// The entry with its hours sorted, or what is wrong with it.
    pub fn checked(self) -> Result<Self, OverrideError> {
        if self.last_day < self.first_day {
            return Err(OverrideError::LastBeforeFirst);
        }
        if (self.last_day - self.first_day).num_days() >= MAX_ENTRY_DAYS {
            return Err(OverrideError::TooLong);
        }
        let hours = checked_day(self.hours).map_err(OverrideError::Hours)?;
        Ok(Self { hours, ..self })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    #[error("the last day must not be before the first")]
    LastBeforeFirst,
    #[error("one entry covers at most {MAX_ENTRY_DAYS} days")]
    TooLong,
    #[error("{0}")]
    Hours(DayHoursError),
    #[error("{0} already has other hours; remove that entry first")]
    DatesOverlap(NaiveDate),
}

/// Every entry of a host, checked, by date. Entries never share a date, so
/// what a day's hours are never depends on the order entries were made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DateOverrides {
    hours_by_day: BTreeMap<NaiveDate, Vec<LocalInterval>>,
}

impl DateOverrides {
    pub const fn none() -> Self {
        Self { hours_by_day: BTreeMap::new() }
    }

    pub fn new(entries: impl IntoIterator<Item = DateOverride>) -> Result<Self, OverrideError> {
        let mut hours_by_day = BTreeMap::new();
        for entry in entries {
            let entry = entry.checked()?;
            for day in entry.days() {
                if hours_by_day.insert(day, entry.hours.clone()).is_some() {
                    return Err(OverrideError::DatesOverlap(day));
                }
            }
        }
        Ok(Self { hours_by_day })
    }

    /// The hours that replace the weekly ones on `day`, if an entry covers it.
    pub fn hours_on(&self, day: NaiveDate) -> Option<&[LocalInterval]> {
        self.hours_by_day.get(&day).map(Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.hours_by_day.is_empty()
    }

    /// Some date has hours (not only time off).
    pub fn has_hours(&self) -> bool {
        self.hours_by_day.values().any(|hours| !hours.is_empty())
    }
}
