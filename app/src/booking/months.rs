//! A host's month as the booking page shows it, computed once a minute per
//! month and visitor zone and shared by every view in that minute, with what
//! is made of it for every visitor alike: its JSON, written once when the
//! month is kept, and its cards' HTML (the month, or a day's times, with no
//! time chosen), rendered once each when first shown.
//!
//! The month is computed as of the *end* of its minute: a later "now" can
//! only hide slots (minimum notice), never show one that is not free. Only
//! open pages are kept, so a page that could not check Google asks again.
//!
//! Bounded whatever visitors send: keys are a parsed month inside the host's
//! horizon and a known zone, never the strings of the address (a card's
//! day is one of the month's), and the caches hold at most a few megabytes,
//! nothing for more than two minutes.

use std::{fmt, sync::Arc, time::Duration};

use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};
use chrono_tz::Tz;
use serde_json::value::RawValue;

use super::model::BookingPageView;
use crate::error::AppError;

/// Months of every host and zone with their JSON, as weighed below: a few
/// dozen months of a host free all day (1,500 times each), hundreds of
/// ordinary ones. A month not kept is computed again, in about a
/// millisecond.
const MAX_BYTES: u64 = 4 * 1024 * 1024;
/// Rendered cards, by their HTML's length: a few hundred of 10 to 30 KB.
const MAX_CARD_BYTES: u64 = 4 * 1024 * 1024;
/// A month is fresh for its minute; a little longer covers the last visitors
/// of that minute on a slow render.
const TTL: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MonthKey {
    pub host_user_id: i64,
    pub meeting_type_id: i64,
    pub length_minutes: i64,
    /// Shown at `/{username}` rather than at the type's own address: the
    /// page's links differ.
    pub at_front: bool,
    /// The first of the month shown.
    pub month: NaiveDate,
    pub time_zone: Tz,
    /// The end of the minute the month was computed for, in seconds.
    pub as_of: i64,
}

/// A month as every visitor of its minute is shown it.
#[derive(Debug)]
pub struct SharedMonth {
    pub key: MonthKey,
    pub view: Arc<BookingPageView>,
    /// The view as the server function answers it, written once.
    pub json: Box<RawValue>,
}

/// A card of a month: the month alone, or with one of its days chosen.
type CardKey = (MonthKey, Option<String>);

pub struct MonthCache {
    entries: moka::sync::Cache<MonthKey, Arc<SharedMonth>>,
    cards: moka::sync::Cache<CardKey, Arc<str>>,
}

impl Default for MonthCache {
    fn default() -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                .weigher(|_, month: &Arc<SharedMonth>| {
                    weight(&month.view).saturating_add(json_weight(&month.json))
                })
                .max_capacity(MAX_BYTES)
                .time_to_live(TTL)
                .support_invalidation_closures()
                .build(),
            cards: moka::sync::Cache::builder()
                .weigher(|_, html: &Arc<str>| u32::try_from(html.len()).unwrap_or(u32::MAX))
                .max_capacity(MAX_CARD_BYTES)
                .time_to_live(TTL)
                .support_invalidation_closures()
                .build(),
        }
    }
}

impl fmt::Debug for MonthCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MonthCache")
            .field("months", &self.entries.entry_count())
            .field("cards", &self.cards.entry_count())
            .finish()
    }
}

/// The end of `now`'s minute: the "now" a cached month is computed for.
pub fn end_of_minute(now: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = (now.timestamp().div_euclid(60) + 1) * 60;
    Utc.timestamp_opt(seconds, 0).single().unwrap_or(now)
}

/// Roughly the bytes a month takes in memory, for the cache's bound.
fn weight(view: &BookingPageView) -> u32 {
    let days: usize = view
        .weeks
        .iter()
        .flatten()
        .flatten()
        .map(|day| {
            96 + day.long_name.len() + day.slots.iter().map(|slot| 48 + slot.label.len()).sum::<usize>()
        })
        .sum();
    u32::try_from(512 + days).unwrap_or(u32::MAX)
}

fn json_weight(json: &RawValue) -> u32 {
    u32::try_from(json.get().len()).unwrap_or(u32::MAX)
}

impl MonthCache {
    pub fn get(&self, key: &MonthKey) -> Option<Arc<SharedMonth>> {
        self.entries.get(key)
    }

    /// Keeps an open month for the rest of its minute, with its JSON.
    pub fn insert(&self, key: MonthKey, view: Arc<BookingPageView>) -> Result<Arc<SharedMonth>, AppError> {
        let json = serde_json::value::to_raw_value(&*view).map_err(|error| {
            tracing::error!(%error, "a month's view did not serialize");
            AppError::Internal
        })?;
        let month = Arc::new(SharedMonth { key: key.clone(), view, json });
        self.entries.insert(key, Arc::clone(&month));
        Ok(month)
    }

    /// The card of `month` with `day` chosen, rendered by `render` the first
    /// time it is asked for. `day` must be one of the month's days (or none).
    pub fn card(&self, month: &SharedMonth, day: Option<&str>, render: impl FnOnce() -> String) -> Arc<str> {
        self.cards.get_with((month.key.clone(), day.map(str::to_owned)), || render().into())
    }

    pub fn invalidate(&self, host_user_id: i64) {
        let months = self.entries.invalidate_entries_if(move |key, _| key.host_user_id == host_user_id);
        let cards = self.cards.invalidate_entries_if(move |(key, _), _| key.host_user_id == host_user_id);
        if months.is_err() || cards.is_err() {
            self.clear();
        }
    }

    pub fn clear(&self) {
        self.entries.invalidate_all();
        self.cards.invalidate_all();
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
