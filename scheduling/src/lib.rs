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
//!
//! A date the host gave other hours (`DateOverrides`) takes those hours, read
//! on the host's clock that day, instead of its weekday's; time off is a date
//! with none. A daily limit counts, per day of the host's calendar, the
//! meetings already booked (and, if the host asks, all busy time); a meeting
//! type's own limit counts only the meetings of that type.

mod availability;
mod overrides;

pub use availability::{AvailabilityError, DayHoursError, LocalInterval, WeeklyAvailability};
use chrono::{DateTime, Datelike as _, Duration, NaiveDate, TimeZone as _, Utc};
use chrono_tz::Tz;
pub use overrides::{DateOverride, DateOverrides, OverrideError, MAX_ENTRY_DAYS};

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
    /// Start times lie this far apart from the start of each span of hours,
    /// whatever the meeting's length.
    pub slot_interval: Duration,
    /// Free time kept before each meeting, against busy time.
    pub buffer_before: Duration,
    /// Free time kept after each meeting, against busy time.
    pub buffer_after: Duration,
    /// No slot starts sooner than this after now.
    pub minimum_notice: Duration,
    /// No slot starts later than this after now.
    pub horizon: Duration,
    /// The host's limit: every meeting of theirs counts.
    pub daily_limit: DailyLimit,
    /// A meeting type's own limit, besides the host's: only its meetings count.
    pub type_limit: Option<TypeLimit>,
}

/// A meeting type's own daily limit: at most so many meetings (or minutes)
/// of that type a day, whatever else the host has booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeLimit {
    pub meeting_type: i64,
    pub meetings: Option<u32>,
    pub minutes: Option<u32>,
}

impl TypeLimit {
    fn as_daily_limit(self) -> DailyLimit {
        DailyLimit { meetings: self.meetings, minutes: self.minutes, counts_all_busy_time: false }
    }
}

/// A booked meeting, as daily limits count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Meeting {
    pub span: Interval,
    /// The meeting type it was booked as; `None` for the host's plain page.
    pub meeting_type: Option<i64>,
}

impl From<Interval> for Meeting {
    fn from(span: Interval) -> Self {
        Self { span, meeting_type: None }
    }
}

/// At most so many meetings, or so many minutes of them, on one day of the
/// host's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DailyLimit {
    pub meetings: Option<u32>,
    pub minutes: Option<u32>,
    /// Count every busy minute of the day toward `minutes` (whatever booked
    /// it), not only the meetings' own.
    pub counts_all_busy_time: bool,
}

impl DailyLimit {
    pub const NONE: Self = Self { meetings: None, minutes: None, counts_all_busy_time: false };

    fn is_none(&self) -> bool {
        self.meetings.is_none() && self.minutes.is_none()
    }
}

/// Everything the engine needs to know about one host.
#[derive(Debug, Clone)]
pub struct Host<'a> {
    pub availability: &'a WeeklyAvailability,
    pub overrides: &'a DateOverrides,
    pub time_zone: Tz,
    pub rules: BookingRules,
}

impl Host<'_> {
    /// The hours of a date on the host's clock: its override's, else its
    /// weekday's.
    pub fn hours_on(&self, day: NaiveDate) -> &[LocalInterval] {
        self.overrides.hours_on(day).unwrap_or_else(|| self.availability.on(day.weekday()))
    }
}

/// The free slots starting in `range`, sorted and disjoint.
///
/// `busy` may be in any order, overlap, straddle midnight or the range's
/// edges; each busy interval blocks every slot it touches once widened by the
/// buffers. `meetings` are the host's booked meetings (also in `busy`): each
/// counts once toward a daily limit of meetings, on the host's date of its
/// start (toward a type's own limit only if of that type); only the daily
/// limits read them.
pub fn free_slots(
    host: &Host<'_>,
    now: DateTime<Utc>,
    range: Interval,
    busy: &[Interval],
    meetings: &[Meeting],
) -> Vec<Interval> {
    let rules = host.rules;
    if rules.meeting_length <= Duration::zero() || rules.slot_interval <= Duration::zero() {
        return Vec::new();
    }
    let earliest_start = range.start.max(now + rules.minimum_notice);
    let latest_start = (now + rules.horizon).min(range.end - Duration::nanoseconds(1));
    if earliest_start > latest_start {
        return Vec::new();
    }
    let busy = merged(busy);
    let day_loads = DayLoads::new(&rules, host.time_zone, &busy, meetings);
    let mut busy_cursor = 0;
    let mut slots = Vec::new();

    // One day either side: a local day can begin before its UTC date does.
    let first_day = earliest_start.with_timezone(&host.time_zone).date_naive() - Duration::days(1);
    let last_day = latest_start.with_timezone(&host.time_zone).date_naive() + Duration::days(1);
    let mut day = first_day;
    while day <= last_day {
        let room = day_loads.room_on(day);
        for interval in host.hours_on(day) {
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
                if busy.get(busy_cursor).is_none_or(|next| !next.overlaps(&guarded)) && room.takes(&slot) {
                    slots.push(slot);
                }
            }
        }
        day = day.succ_opt().expect("dates before the year 262143");
    }
    slots
}

/// Whether `slot` still fits the daily limits of `rules` (the host's and
/// the type's own) on the host's clock, against the day's meetings as they
/// stand now (and, for a limit of all busy time, `busy`): the check a
/// booking repeats under the host's lock, where `meetings` are read afresh.
/// Always true without a limit.
pub fn fits_daily_limits(
    rules: &BookingRules,
    time_zone: Tz,
    slot: Interval,
    busy: &[Interval],
    meetings: &[Meeting],
) -> bool {
    let date = slot.start.with_timezone(&time_zone).date_naive();
    DayLoads::new(rules, time_zone, &merged(busy), meetings).room_on(date).takes(&slot)
}

impl BookingRules {
    /// Some daily limit, the host's or the type's, applies.
    pub fn has_daily_limit(&self) -> bool {
        !self.daily_limit.is_none() || self.type_limit.is_some_and(|own| !own.as_daily_limit().is_none())
    }
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
    let step_minutes = host.rules.slot_interval.num_minutes().max(1);
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    let room = i64::from(interval.end_minute) - i64::from(interval.start_minute) - length_minutes;
    let count = if room < 0 { 0 } else { room / step_minutes + 1 };
    (0..count).filter_map(move |index| {
        let local_start =
            midnight + Duration::minutes(i64::from(interval.start_minute) + index * step_minutes);
        let start = host.time_zone.from_local_datetime(&local_start).earliest()?.with_timezone(&Utc);
        let end = start + length;
        let reads_right = end.with_timezone(&host.time_zone).naive_local() == local_start + length;
        reads_right.then_some(Interval::new(start, end))
    })
}

/// What a daily limit leaves of one day: `None` fields mean no limit.
#[derive(Debug, Clone, Copy)]
struct Room {
    meetings: Option<u32>,
    minutes: Option<i64>,
    day: Option<Interval>,
}

impl Room {
    const UNLIMITED: Self = Self { meetings: None, minutes: None, day: None };

    fn takes(&self, slot: &Interval) -> bool {
        let meeting_fits = self.meetings.is_none_or(|left| left > 0);
        let minutes_fit = self.minutes.is_none_or(|left| {
            let day = self.day.unwrap_or(*slot);
            overlap_minutes(slot, &day) <= left
        });
        meeting_fits && minutes_fit
    }
}

/// What the host's limit and a type's own leave of one day: a slot must
/// fit both.
#[derive(Debug, Clone, Copy)]
struct Rooms {
    host: Room,
    of_type: Room,
}

impl Rooms {
    fn takes(&self, slot: &Interval) -> bool {
        self.host.takes(slot) && self.of_type.takes(slot)
    }
}

/// The day loads the rules' limits count: all the host's meetings for
/// theirs, the type's meetings for its own.
struct DayLoads {
    host: DayLoad,
    of_type: Option<DayLoad>,
}

impl DayLoads {
    fn new(rules: &BookingRules, time_zone: Tz, merged_busy: &[Interval], meetings: &[Meeting]) -> Self {
        let spans = |of_type: Option<i64>| {
            meetings
                .iter()
                .filter(move |meeting| of_type.is_none() || meeting.meeting_type == of_type)
                .map(|meeting| meeting.span)
        };
        let host = DayLoad::new(rules.daily_limit, time_zone, merged_busy, spans(None));
        let of_type = rules
            .type_limit
            .filter(|own| !own.as_daily_limit().is_none())
            .map(|own| DayLoad::new(own.as_daily_limit(), time_zone, &[], spans(Some(own.meeting_type))));
        Self { host, of_type }
    }

    fn room_on(&self, date: NaiveDate) -> Rooms {
        Rooms {
            host: self.host.room_on(date),
            of_type: self.of_type.as_ref().map_or(Room::UNLIMITED, |load| load.room_on(date)),
        }
    }
}

/// The load of each day of the host's calendar, for a daily limit.
struct DayLoad {
    limit: DailyLimit,
    time_zone: Tz,
    /// Merged: what counts toward minutes.
    counted: Vec<Interval>,
    /// Sorted by start.
    meetings: Vec<Interval>,
}

impl DayLoad {
    fn new(
        limit: DailyLimit,
        time_zone: Tz,
        merged_busy: &[Interval],
        meetings: impl Iterator<Item = Interval>,
    ) -> Self {
        if limit.is_none() {
            return Self { limit, time_zone, counted: Vec::new(), meetings: Vec::new() };
        }
        let mut meetings: Vec<Interval> = meetings.filter(|m| m.start < m.end).collect();
        meetings.sort_unstable();
        let counted = if limit.counts_all_busy_time {
            union_of_sorted(merged_busy, &meetings)
        } else {
            merged(&meetings)
        };
        Self { limit, time_zone, counted, meetings }
    }

    fn room_on(&self, date: NaiveDate) -> Room {
        let limit = self.limit;
        let Some(day) = (!limit.is_none()).then(|| local_day(self.time_zone, date)).flatten() else {
            return Room::UNLIMITED;
        };
        let meetings = limit.meetings.map(|most| {
            let first = self.meetings.partition_point(|meeting| meeting.start < day.start);
            let on_day = self.meetings[first..].iter().take_while(|meeting| meeting.start < day.end).count();
            most.saturating_sub(u32::try_from(on_day).unwrap_or(u32::MAX))
        });
        let minutes = limit.minutes.map(|most| {
            let first = self.counted.partition_point(|span| span.end <= day.start);
            let used: i64 = self.counted[first..]
                .iter()
                .take_while(|span| span.start < day.end)
                .map(|span| overlap_minutes(span, &day))
                .sum();
            i64::from(most) - used
        });
        Room { meetings, minutes, day: Some(day) }
    }
}

/// Whole minutes two intervals share, rounded up so that a limit is never
/// passed by seconds.
fn overlap_minutes(a: &Interval, b: &Interval) -> i64 {
    let shared = a.end.min(b.end) - a.start.max(b.start);
    if shared <= Duration::zero() {
        return 0;
    }
    (shared.num_seconds() + 59) / 60
}

/// The union of two lists sorted by start, merged like `merged`, in one
/// pass: the busy times are long and already merged.
fn union_of_sorted(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let mut union: Vec<Interval> = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = if j == b.len() || (i < a.len() && a[i].start <= b[j].start) {
            i += 1;
            a[i - 1]
        } else {
            j += 1;
            b[j - 1]
        };
        match union.last_mut() {
            Some(last) if next.start <= last.end => last.end = last.end.max(next.end),
            _ => union.push(next),
        }
    }
    union
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
