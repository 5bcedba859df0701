//! Hours by date, on the server: adding and removing a host's entries (a
//! day with other hours, or time off over a run of dates) and how the page
//! lists them.

use chrono::{NaiveDate, Utc};
use scheduling::{DateOverride, DayHoursError, LocalInterval, OverrideError, MAX_ENTRY_DAYS};

use super::model::{format_minute, parse_minute, DateOverrideView};
use crate::{
    db::{date_overrides, date_overrides::StoredOverride, users::User},
    error::AppError,
    state::AppState,
};

/// More than a host keeps in view; past entries can be removed.
const MOST_ENTRIES: usize = 500;
const FIELD: &str = "date_override";

pub async fn list(state: &AppState, user_id: i64) -> Result<Vec<DateOverrideView>, AppError> {
    let stored = date_overrides::for_host(state.database.pool(), user_id).await?;
    Ok(stored.iter().map(view_of).collect())
}

/// Adds an entry: `last_day` empty means the one day; no hours means time
/// off. Refused with a message for the form when a date is malformed or
/// passed, the hours are wrong, or another entry already covers a date.
pub async fn add(
    state: &AppState,
    user: &User,
    first_day: &str,
    last_day: &str,
    hours: &[(String, String)],
) -> Result<Vec<DateOverrideView>, AppError> {
    let entry = parse_entry(first_day, last_day, hours)?;
    let today = Utc::now().with_timezone(&user.zone()).date_naive();
    if entry.last_day < today {
        return Err(AppError::invalid(FIELD, "Those dates have passed; choose today or later."));
    }
    let db = state.database.pool();
    if date_overrides::for_host(db, user.user_id).await?.len() >= MOST_ENTRIES {
        return Err(AppError::invalid(
            FIELD,
            format!("You have {MOST_ENTRIES} entries already; remove some past ones first."),
        ));
    }
    if date_overrides::add(db, user.user_id, &entry, Utc::now()).await?.is_none() {
        return Err(AppError::invalid(
            FIELD,
            "Some of these dates already have an entry below; remove it first, or choose other dates.",
        ));
    }
    list(state, user.user_id).await
}

pub async fn remove(
    state: &AppState,
    user_id: i64,
    override_id: i64,
) -> Result<Vec<DateOverrideView>, AppError> {
    if !date_overrides::remove(state.database.pool(), user_id, override_id).await? {
        return Err(AppError::NotFound);
    }
    list(state, user_id).await
}

fn parse_entry(
    first_day: &str,
    last_day: &str,
    hours: &[(String, String)],
) -> Result<DateOverride, AppError> {
    let date = |text: &str| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::invalid(FIELD, "Write dates as 2026-12-24, or pick them from the calendar.")
        })
    };
    let first_day = date(first_day)?;
    let last_day = if last_day.trim().is_empty() { first_day } else { date(last_day)? };
    let mut intervals = Vec::with_capacity(hours.len());
    for (start, end) in hours {
        let (Some(start), Some(end)) = (parse_minute(start), parse_minute(end)) else {
            return Err(AppError::invalid(FIELD, "Use times such as 09:00 and 17:30."));
        };
        intervals.push(LocalInterval::new(start, end));
    }
    DateOverride { first_day, last_day, hours: intervals }.checked().map_err(|error| {
        let message = match error {
            OverrideError::LastBeforeFirst => "The last day must not be before the first.".to_owned(),
            OverrideError::TooLong => {
                format!("One entry covers at most {MAX_ENTRY_DAYS} days; add longer time off in two entries.")
            }
            OverrideError::Hours(DayHoursError::EndNotAfterStart { .. }) => {
                "The end must be after the start.".to_owned()
            }
            OverrideError::Hours(DayHoursError::OutsideTheDay { .. }) => {
                "Times must lie between 00:00 and 24:00.".to_owned()
            }
            OverrideError::Hours(DayHoursError::Overlapping { .. }) => {
                "These hours overlap each other.".to_owned()
            }
            OverrideError::DatesOverlap(day) => format!("{day} is in this entry twice."),
        };
        AppError::invalid(FIELD, message)
    })
}

fn view_of(stored: &StoredOverride) -> DateOverrideView {
    let entry = &stored.entry;
    let hours: Vec<(String, String)> = entry
        .hours
        .iter()
        .map(|interval| (format_minute(interval.start_minute), format_minute(interval.end_minute)))
        .collect();
    DateOverrideView {
        override_id: stored.override_id,
        first_day: entry.first_day.to_string(),
        last_day: entry.last_day.to_string(),
        label: describe(entry.first_day, entry.last_day, &hours),
        hours,
    }
}

/// "Mon 21 Dec 2026 – Fri 8 Jan 2027: time off", in words a host reads.
fn describe(first_day: NaiveDate, last_day: NaiveDate, hours: &[(String, String)]) -> String {
    let day = |date: NaiveDate| date.format("%a %-d %b %Y").to_string();
    let dates = if first_day == last_day {
        day(first_day)
    } else {
        format!("{} – {}", day(first_day), day(last_day))
    };
    let hours = if hours.is_empty() {
        "time off".to_owned()
    } else {
        hours.iter().map(|(start, end)| format!("{start}–{end}")).collect::<Vec<_>>().join(", ")
    };
    format!("{dates}: {hours}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn an_entry_reads_as_its_dates_and_hours() {
        assert_eq!(
            describe(date(2026, 12, 21), date(2027, 1, 8), &[]),
            "Mon 21 Dec 2026 – Fri 8 Jan 2027: time off"
        );
        let morning = [("09:00".to_owned(), "12:00".to_owned())];
        assert_eq!(
            describe(date(2026, 12, 24), date(2026, 12, 24), &morning),
            "Thu 24 Dec 2026: 09:00–12:00"
        );
    }

    #[test]
    fn a_form_entry_is_checked_before_anything_is_stored() {
        let hours = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(start, end)| ((*start).to_owned(), (*end).to_owned())).collect()
        };
        let one_day = parse_entry("2026-12-24", "", &hours(&[("09:00", "12:00")])).unwrap();
        assert_eq!((one_day.first_day, one_day.last_day), (date(2026, 12, 24), date(2026, 12, 24)));
        assert!(parse_entry("2026-12-21", "2027-01-08", &[]).unwrap().is_time_off());
        for (first, last, pairs) in [
            ("24.12.2026", "", hours(&[])),
            ("2026-12-24", "2026-12-20", hours(&[])),
            ("2026-12-24", "", hours(&[("12:00", "09:00")])),
            ("2026-12-24", "", hours(&[("09:00", "12:00"), ("11:00", "13:00")])),
            ("2026-12-24", "", hours(&[("9am", "noon")])),
            ("2026-01-01", "2027-06-01", hours(&[])),
        ] {
            let error = parse_entry(first, last, &pairs).unwrap_err();
            assert!(error.field(FIELD).is_some(), "{first} {last} {pairs:?}: {error:?}");
        }
    }
}
