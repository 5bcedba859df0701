//! The slot engine: from a host's weekly availability (wall-clock hours in
//! their IANA time zone), their booking rules and their busy times, the free
//! slots a visitor may book, in UTC.
//!
//! Pure: no clock, no I/O. "Now" is an argument, so every answer can be
//! reproduced, property-tested and benchmarked.
//!
//! Daylight saving time is handled deliberately. Availability is wall-clock
//! time, so 09:00–17:00 stays 09:00–17:00 on the day clocks change. A slot is
//! offered only if its start exists on the local clock and its end, one
//! meeting later in real time, reads start + length on the local clock: slots
//! that fall into the spring-forward gap, or that straddle a change, are not
//! offered; in the repeated hour of autumn each wall-clock slot is offered
//! once, at its first occurrence.

mod availability;

pub use availability::{AvailabilityError, LocalInterval, WeeklyAvailability};
use chrono::{DateTime, Datelike as _, Duration, NaiveDate, TimeZone as _, Utc};
use chrono_tz::Tz;

/// A half-open span of time, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Interval {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self { start, end }
    }

    pub fn overlaps(&self, other: &Self) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// `busy` with `hole` cut out of every span: what stays busy once a meeting
/// that is being moved no longer counts against itself.
pub fn busy_without(busy: &[Interval], hole: Interval) -> Vec<Interval> {
    let mut kept = Vec::with_capacity(busy.len() + 1);
    for span in busy {
        if !span.overlaps(&hole) {
            kept.push(*span);
            continue;
        }
        if span.start < hole.start {
            kept.push(Interval::new(span.start, hole.start));
        }
        if hole.end < span.end {
            kept.push(Interval::new(hole.end, span.end));
        }
    }
    kept
}

/// How a host takes bookings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingRules {
    pub meeting_length: Duration,
    /// Free time kept before each meeting, against busy time.
    pub buffer_before: Duration,
    /// Free time kept after each meeting, against busy time.
    pub buffer_after: Duration,
    /// No slot starts sooner than this after now.
    pub minimum_notice: Duration,
    /// No slot starts later than this after now.
    pub horizon: Duration,
}

/// Everything the engine needs to know about one host.
#[derive(Debug, Clone)]
pub struct Host<'a> {
    pub availability: &'a WeeklyAvailability,
    pub time_zone: Tz,
    pub rules: BookingRules,
}

/// The free slots starting in `range`, sorted and disjoint.
///
/// `busy` may be in any order, overlap, straddle midnight or the range's
/// edges; each busy interval blocks every slot it touches once widened by the
/// buffers.
pub fn free_slots(host: &Host<'_>, now: DateTime<Utc>, range: Interval, busy: &[Interval]) -> Vec<Interval> {
    let rules = host.rules;
    if rules.meeting_length <= Duration::zero() {
        return Vec::new();
    }
    let earliest_start = range.start.max(now + rules.minimum_notice);
    let latest_start = (now + rules.horizon).min(range.end - Duration::nanoseconds(1));
    if earliest_start > latest_start {
        return Vec::new();
    }
    let busy = merged(busy);
    let mut busy_cursor = 0;
    let mut slots = Vec::new();

    // One day either side: a local day can begin before its UTC date does.
    let first_day = earliest_start.with_timezone(&host.time_zone).date_naive() - Duration::days(1);
    let last_day = latest_start.with_timezone(&host.time_zone).date_naive() + Duration::days(1);
    let mut day = first_day;
    while day <= last_day {
        for interval in host.availability.on(day.weekday()) {
            for slot in slots_in(host, day, interval) {
                if slot.start < earliest_start || slot.start > latest_start {
                    continue;
                }
                let guarded = Interval::new(slot.start - rules.buffer_before, slot.end + rules.buffer_after);
                // Slots come in time order, so busy intervals that end before
                // this slot's guard never matter again.
                while busy_cursor < busy.len() && busy[busy_cursor].end <= guarded.start {
                    busy_cursor += 1;
                }
                if busy.get(busy_cursor).is_none_or(|next| !next.overlaps(&guarded)) {
                    slots.push(slot);
                }
            }
        }
        day = day.succ_opt().expect("dates before the year 262143");
    }
    slots
}

/// The slots of one availability interval on one local day, in UTC, with
/// the DST rule described at the top of this module.
fn slots_in<'a>(
    host: &'a Host<'_>,
    day: NaiveDate,
    interval: &'a LocalInterval,
) -> impl Iterator<Item = Interval> + 'a {
    let length = host.rules.meeting_length;
    let length_minutes = length.num_minutes().max(1);
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    let count = (i64::from(interval.end_minute) - i64::from(interval.start_minute)) / length_minutes;
    (0..count.max(0)).filter_map(move |index| {
        let local_start =
            midnight + Duration::minutes(i64::from(interval.start_minute) + index * length_minutes);
        let start = host.time_zone.from_local_datetime(&local_start).earliest()?.with_timezone(&Utc);
        let end = start + length;
        let reads_right = end.with_timezone(&host.time_zone).naive_local() == local_start + length;
        reads_right.then_some(Interval::new(start, end))
    })
}

/// Sorted, with overlapping and touching intervals joined.
fn merged(busy: &[Interval]) -> Vec<Interval> {
    let mut sorted: Vec<Interval> =
        busy.iter().copied().filter(|interval| interval.start < interval.end).collect();
    sorted.sort_unstable();
    let mut merged: Vec<Interval> = Vec::with_capacity(sorted.len());
    for interval in sorted {
        match merged.last_mut() {
            Some(last) if interval.start <= last.end => last.end = last.end.max(interval.end),
            _ => merged.push(interval),
        }
    }
    merged
}

/// Midnight-to-midnight of a local date, in UTC: how an all-day event in the
/// host's zone becomes busy time.
pub fn local_day(time_zone: Tz, day: NaiveDate) -> Option<Interval> {
    let start_of = |date: NaiveDate| {
        let midnight = date.and_hms_opt(0, 0, 0)?;
        // Some zones skip midnight itself on their DST day; the day then
        // starts at the first instant that exists.
        time_zone
            .from_local_datetime(&midnight)
            .earliest()
            .or_else(|| time_zone.from_local_datetime(&(midnight + Duration::hours(1))).earliest())
            .map(|time| time.with_timezone(&Utc))
    };
    Some(Interval::new(start_of(day)?, start_of(day.succ_opt()?)?))
}

#[cfg(test)]
mod tests;
