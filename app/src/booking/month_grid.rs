//! The month a visitor sees, built from free slots: pure, so that every
//! rule of the grid (which month, where a slot falls, the padding of the
//! first and last week) is tested without a server.

use chrono::{DateTime, Datelike as _, NaiveDate, TimeZone as _, Timelike as _, Utc};
use chrono_tz::Tz;
use scheduling::Interval;

use super::model::{DayView, SlotView};

/// One calendar month in the visitor's zone, among those offered: from
/// this month to the one holding the host's last bookable day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub first: NaiveDate,
    /// The first of the visitor's current month: no month before it is shown.
    pub first_of_this_month: NaiveDate,
    /// The first of the last month offered: none after it is shown.
    pub first_of_last_month: NaiveDate,
}

/// `2026-12` as the first of that month; `None` for anything else.
pub fn parse_month(text: &str) -> Option<NaiveDate> {
    let (year, month) = text.split_once('-')?;
    let plain_digits = |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    if !plain_digits(year, 4) || !plain_digits(month, 2) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)
}

impl Month {
    /// The month asked for (`None`: this one), moved into the months offered:
    /// a past month shows this one, a month past `last_day` the last one.
    pub fn offered(requested: Option<NaiveDate>, today: NaiveDate, last_day: NaiveDate) -> Self {
        let first_of_this_month = today.with_day(1).unwrap_or(today);
        let first_of_last_month = last_day.with_day(1).unwrap_or(last_day).max(first_of_this_month);
        let first = requested
            .and_then(|month| month.with_day(1))
            .unwrap_or(first_of_this_month)
            .clamp(first_of_this_month, first_of_last_month);
        Self { first, first_of_this_month, first_of_last_month }
    }

    pub fn next_first(&self) -> NaiveDate {
        self.first.checked_add_months(chrono::Months::new(1)).unwrap_or(self.first)
    }

    /// The next month, unless this is the last one offered.
    pub fn next_offered(&self) -> Option<NaiveDate> {
        (self.first < self.first_of_last_month).then(|| self.next_first())
    }

    /// The previous month, unless that would be before this one.
    pub fn previous_first(&self) -> Option<NaiveDate> {
        (self.first > self.first_of_this_month)
            .then(|| self.first.checked_sub_months(chrono::Months::new(1)).unwrap_or(self.first))
    }

    /// From the first's midnight to the next first's, in `zone`.
    pub fn span(&self, zone: Tz) -> Interval {
        Interval::new(local_midnight(zone, self.first), local_midnight(zone, self.next_first()))
    }

    /// The month's days in weeks, Monday first, `None` padding the first
    /// and last week; each day holds the slots that start on it in `zone`.
    pub fn weeks(&self, zone: Tz, slots: &[Interval]) -> Vec<Vec<Option<DayView>>> {
        let next_first = self.next_first();
        let mut days: Vec<DayView> = Vec::new();
        let mut date = self.first;
        while date < next_first {
            days.push(DayView {
                date: date.format("%Y-%m-%d").to_string(),
                day_of_month: date.day(),
                long_name: date.format("%A %-d %B").to_string(),
                slots: Vec::new(),
            });
            date = date.succ_opt().unwrap_or(next_first);
        }
        for slot in slots {
            let local = slot.start.with_timezone(&zone);
            let index = (local.date_naive() - self.first).num_days();
            if let Some(day) = usize::try_from(index).ok().and_then(|index| days.get_mut(index)) {
                day.slots.push(SlotView {
                    start: slot.start.timestamp(),
                    // By hand: chrono's format strings are parsed on every call,
                    // and a month can hold over a thousand slots.
                    label: format!("{:02}:{:02}", local.hour(), local.minute()),
                });
            }
        }
        let lead = self.first.weekday().num_days_from_monday() as usize;
        let mut cells: Vec<Option<DayView>> =
            std::iter::repeat_n(None, lead).chain(days.into_iter().map(Some)).collect();
        while !cells.len().is_multiple_of(7) {
            cells.push(None);
        }
        cells.chunks(7).map(<[Option<DayView>]>::to_vec).collect()
    }
}

/// The start of `date` in `zone`; a day that starts in a gap starts when
/// the gap ends.
fn local_midnight(zone: Tz, date: NaiveDate) -> DateTime<Utc> {
    scheduling::local_day(zone, date).map_or_else(
        || Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default()),
        |day| day.start,
    )
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn slot(zone: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> Interval {
        let start = zone.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap().with_timezone(&Utc);
        Interval::new(start, start + Duration::minutes(30))
    }

    /// Sixty days from 2 December 2026, the default horizon.
    const LAST_DAY: (i32, u32, u32) = (2027, 1, 31);

    fn offered(requested: Option<&str>, today: NaiveDate) -> Month {
        let (y, m, d) = LAST_DAY;
        Month::offered(requested.and_then(parse_month), today, date(y, m, d))
    }

    #[test]
    fn only_plain_year_and_month_are_months() {
        assert_eq!(parse_month("2027-02"), Some(date(2027, 2, 1)));
        for nonsense in
            ["2026-13", "2026-00", "next", "", "2026-1", "+2026-01", "02026-01", "2026-01-01", "９９９９-01"]
        {
            assert_eq!(parse_month(nonsense), None, "{nonsense}");
        }
    }

    #[test]
    fn the_months_offered_run_from_this_one_to_the_horizons() {
        let today = date(2026, 12, 2);
        assert_eq!(offered(Some("2027-01"), today).first, date(2027, 1, 1));
        for past in [Some("2026-11"), Some("1999-01"), None] {
            assert_eq!(offered(past, today).first, date(2026, 12, 1), "{past:?}");
        }
        for beyond in ["2027-02", "9999-12"] {
            assert_eq!(offered(Some(beyond), today).first, date(2027, 1, 1), "{beyond}");
        }
        assert_eq!(offered(None, today).previous_first(), None);
        assert_eq!(offered(None, today).next_offered(), Some(date(2027, 1, 1)));
        assert_eq!(offered(Some("2027-01"), today).previous_first(), Some(date(2026, 12, 1)));
        assert_eq!(offered(Some("2027-01"), today).next_offered(), None);
        assert_eq!(offered(Some("2026-12"), today).next_first(), date(2027, 1, 1));
    }

    #[test]
    fn weeks_start_on_monday_and_are_padded_to_whole_weeks() {
        // February 2027 starts on a Monday and has exactly four weeks.
        let february = Month::offered(parse_month("2027-02"), date(2027, 2, 1), date(2027, 2, 28));
        let weeks = february.weeks(Tz::UTC, &[]);
        assert_eq!(weeks.len(), 4);
        assert!(weeks.iter().flatten().all(Option::is_some));
        // December 2026 starts on a Tuesday and ends on a Thursday.
        let december = offered(None, date(2026, 12, 2));
        let weeks = december.weeks(Tz::UTC, &[]);
        assert_eq!(weeks.len(), 5);
        assert!(weeks[0][0].is_none());
        assert_eq!(weeks[0][1].as_ref().map(|day| day.day_of_month), Some(1));
        assert_eq!(weeks[4][3].as_ref().map(|day| day.long_name.as_str()), Some("Thursday 31 December"));
        assert!(weeks[4][4..].iter().all(Option::is_none));
        assert_eq!(weeks.iter().flatten().flatten().count(), 31);
    }

    #[test]
    fn a_slot_falls_on_the_visitors_day_with_the_visitors_clock_and_outside_slots_are_dropped() {
        let tokyo: Tz = "Asia/Tokyo".parse().unwrap();
        let december = offered(None, date(2026, 12, 2));
        // 23:30 in New York on 14 December is 13:30 on the 15th in Tokyo.
        let new_york: Tz = "America/New_York".parse().unwrap();
        let late = slot(new_york, 2026, 12, 14, 23, 30);
        let next_year = slot(tokyo, 2027, 1, 1, 9, 0);
        let weeks = december.weeks(tokyo, &[late, next_year]);
        let days: Vec<&DayView> = weeks.iter().flatten().flatten().collect();
        let with_slots: Vec<(&str, &str)> = days
            .iter()
            .flat_map(|day| day.slots.iter().map(move |slot| (day.date.as_str(), slot.label.as_str())))
            .collect();
        assert_eq!(with_slots, [("2026-12-15", "13:30")]);
        assert_eq!(days[14].slots[0].start, late.start.timestamp());
    }

    #[test]
    fn a_month_spans_local_midnights_across_a_dst_change() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // March 2027: Berlin moves from UTC+1 to UTC+2 on the 28th.
        let march = Month::offered(None, date(2027, 3, 1), date(2027, 3, 31));
        let span = march.span(berlin);
        assert_eq!(span.start, Utc.with_ymd_and_hms(2027, 2, 28, 23, 0, 0).unwrap());
        assert_eq!(span.end, Utc.with_ymd_and_hms(2027, 3, 31, 22, 0, 0).unwrap());
        let after_the_change = slot(berlin, 2027, 3, 29, 9, 0);
        let weeks = march.weeks(berlin, &[after_the_change]);
        let day = weeks.iter().flatten().flatten().find(|day| day.day_of_month == 29).unwrap();
        assert_eq!(day.slots[0].label, "09:00");
    }
}
