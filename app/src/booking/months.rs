//! A host's month as the booking page shows it, computed once a minute per
//! month and visitor zone and shared by every view in that minute.
//!
//! The month is computed as of the *end* of its minute: a later "now" can
//! only hide slots (minimum notice), never show one that is not free. Only
//! open pages are kept, so a page that could not check Google asks again.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use chrono::{DateTime, TimeZone as _, Utc};

use super::model::BookingPageView;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MonthKey {
    pub host_user_id: i64,
    /// As asked for in the address (`2026-12`, a zone name), or empty.
    pub month: String,
    pub time_zone: String,
    /// The end of the minute the month was computed for, in seconds.
    pub as_of: i64,
}

#[derive(Debug, Default)]
pub struct MonthCache {
    entries: Mutex<HashMap<MonthKey, Arc<BookingPageView>>>,
}

/// The end of `now`'s minute: the "now" a cached month is computed for.
pub fn end_of_minute(now: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = (now.timestamp().div_euclid(60) + 1) * 60;
    Utc.timestamp_opt(seconds, 0).single().unwrap_or(now)
}

impl MonthCache {
    pub fn get(&self, key: &MonthKey) -> Option<Arc<BookingPageView>> {
        self.lock().get(key).cloned()
    }

    /// Keeps `view`, dropping months of minutes gone by.
    pub fn insert(&self, key: MonthKey, view: Arc<BookingPageView>) {
        let mut entries = self.lock();
        entries.retain(|kept, _| kept.as_of >= key.as_of);
        entries.insert(key, view);
    }

    pub fn invalidate(&self, host_user_id: i64) {
        self.lock().retain(|key, _| key.host_user_id != host_user_id);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<MonthKey, Arc<BookingPageView>>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_computed_for_the_end_of_its_minute() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 10, 41, 7).unwrap();
        assert_eq!(end_of_minute(now), Utc.with_ymd_and_hms(2026, 11, 23, 10, 42, 0).unwrap());
        let on_the_minute = Utc.with_ymd_and_hms(2026, 11, 23, 10, 42, 0).unwrap();
        assert_eq!(end_of_minute(on_the_minute), Utc.with_ymd_and_hms(2026, 11, 23, 10, 43, 0).unwrap());
    }
}
