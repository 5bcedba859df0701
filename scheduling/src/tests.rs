//! The engine's behaviour, by example and by property.

use chrono::{NaiveDate, Timelike as _, Weekday};
use chrono_tz::{America::New_York, Europe::Berlin, Tz};
use proptest::prelude::*;

use super::*;

const WEEKDAYS: [Weekday; 5] = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

static NO_OVERRIDES: DateOverrides = DateOverrides::none();

fn rules(length_minutes: i64) -> BookingRules {
    BookingRules {
        meeting_length: Duration::minutes(length_minutes),
        slot_interval: Duration::minutes(length_minutes),
        daily_limit: DailyLimit::NONE,
        type_limit: None,
        buffer_before: Duration::zero(),
        buffer_after: Duration::zero(),
        minimum_notice: Duration::zero(),
        horizon: Duration::days(365),
    }
}

fn nine_to_five() -> WeeklyAvailability {
    WeeklyAvailability::uniform(&WEEKDAYS, &[LocalInterval::hm(9, 0, 17, 0)]).unwrap()
}

fn local_times(slots: &[Interval], zone: Tz) -> Vec<String> {
    slots.iter().map(|slot| slot.start.with_timezone(&zone).format("%a %H:%M").to_string()).collect()
}

fn day(zone: Tz, y: i32, m: u32, d: u32) -> Interval {
    local_day(zone, NaiveDate::from_ymd_opt(y, m, d).unwrap()).unwrap()
}

#[test]
fn a_working_day_is_cut_into_meetings_in_the_hosts_zone() {
    let availability = nine_to_five();
    let host =
        Host { availability: &availability, overrides: &NO_OVERRIDES, time_zone: Berlin, rules: rules(60) };
    let slots = free_slots(&host, utc(2026, 11, 1, 0, 0), day(Berlin, 2026, 11, 23), &[], &[]);
    assert_eq!(slots.len(), 8);
    assert_eq!(slots[0], Interval::new(utc(2026, 11, 23, 8, 0), utc(2026, 11, 23, 9, 0)));
    assert_eq!(slots[7].end, utc(2026, 11, 23, 16, 0));
}

#[test]
fn busy_time_and_buffers_remove_the_slots_they_touch() {
    let availability = nine_to_five();
    let mut host =
        Host { availability: &availability, overrides: &NO_OVERRIDES, time_zone: Berlin, rules: rules(30) };
    host.rules.buffer_before = Duration::minutes(15);
    host.rules.buffer_after = Duration::minutes(10);
    // 11:00–12:00 Berlin is busy.
    let busy = [Interval::new(utc(2026, 11, 23, 10, 0), utc(2026, 11, 23, 11, 0))];
    let slots = free_slots(&host, utc(2026, 11, 1, 0, 0), day(Berlin, 2026, 11, 23), &busy, &[]);
    let times = local_times(&slots, Berlin);
    // 10:30–11:00 ends within 10 minutes of the meeting; 12:00 starts within 15.
    assert!(times.contains(&"Mon 10:00".to_owned()));
    for gone in ["Mon 10:30", "Mon 11:00", "Mon 11:30", "Mon 12:00"] {
        assert!(!times.contains(&gone.to_owned()), "{gone} should be blocked: {times:?}");
    }
    assert!(times.contains(&"Mon 12:30".to_owned()));
}

#[test]
fn minimum_notice_and_horizon_bound_the_offer() {
    let availability = nine_to_five();
    let mut host =
        Host { availability: &availability, overrides: &NO_OVERRIDES, time_zone: Berlin, rules: rules(60) };
    host.rules.minimum_notice = Duration::hours(4);
    host.rules.horizon = Duration::days(2);
    let now = utc(2026, 11, 23, 8, 30); // 09:30 in Berlin, Monday
    let week = Interval::new(utc(2026, 11, 23, 0, 0), utc(2026, 11, 30, 0, 0));
    let slots = free_slots(&host, now, week, &[], &[]);
    assert_eq!(slots.first().unwrap().start, utc(2026, 11, 23, 13, 0)); // 14:00 local, 4.5 h ahead
    assert!(slots.iter().all(|slot| slot.start <= now + Duration::days(2)));
    assert_eq!(slots.last().unwrap().start, utc(2026, 11, 25, 8, 0)); // Wednesday 09:00, 47.5 h ahead
}

#[test]
fn an_all_day_event_blocks_the_whole_local_day_only() {
    let availability = nine_to_five();
    let host =
        Host { availability: &availability, overrides: &NO_OVERRIDES, time_zone: New_York, rules: rules(60) };
    let all_day = day(New_York, 2026, 11, 24);
    let week = Interval::new(utc(2026, 11, 23, 0, 0), utc(2026, 11, 26, 0, 0));
    let slots = free_slots(&host, utc(2026, 11, 1, 0, 0), week, &[all_day], &[]);
    let days: std::collections::BTreeSet<_> =
        slots.iter().map(|slot| slot.start.with_timezone(&New_York).date_naive().day()).collect();
    assert_eq!(days.into_iter().collect::<Vec<_>>(), vec![23, 25]);
}

#[test]
fn busy_time_across_midnight_and_the_range_edges_still_blocks() {
    let availability = WeeklyAvailability::uniform(&WEEKDAYS, &[LocalInterval::hm(0, 0, 24, 0)]).unwrap();
    let host =
        Host { availability: &availability, overrides: &NO_OVERRIDES, time_zone: Tz::UTC, rules: rules(60) };
    // 22:00 Monday to 02:00 Tuesday, asked about Tuesday only.
    let busy = [Interval::new(utc(2026, 11, 23, 22, 0), utc(2026, 11, 24, 2, 0))];
    let slots = free_slots(&host, utc(2026, 11, 1, 0, 0), day(Tz::UTC, 2026, 11, 24), &busy, &[]);
    assert_eq!(slots.first().unwrap().start, utc(2026, 11, 24, 2, 0));
    assert_eq!(slots.len(), 22);
}

#[test]
fn nine_to_five_stays_nine_to_five_on_both_dst_days() {
    let availability =
        WeeklyAvailability::uniform(&[Weekday::Sun, Weekday::Mon], &[LocalInterval::hm(9, 0, 17, 0)])
            .unwrap();
    let host =
        Host { availability: &availability, overrides: &NO_OVERRIDES, time_zone: New_York, rules: rules(60) };
    for (y, m, d) in [(2026, 3, 8), (2026, 11, 1)] {
        let slots = free_slots(&host, utc(2026, 1, 1, 0, 0), day(New_York, y, m, d), &[], &[]);
        let times = local_times(&slots, New_York);
        assert_eq!(times.first().map(String::as_str), Some("Sun 09:00"), "{y}-{m}-{d}");
        assert_eq!(times.last().map(String::as_str), Some("Sun 16:00"), "{y}-{m}-{d}");
        assert_eq!(slots.len(), 8);
    }
}

#[test]
fn slots_in_the_spring_gap_or_across_the_change_are_not_offered() {
    // New York, 8 March 2026: 02:00 jumps to 03:00.
    let availability =
        WeeklyAvailability::uniform(&[Weekday::Sun], &[LocalInterval::hm(0, 0, 5, 0)]).unwrap();
    let host =
        Host { availability: &availability, overrides: &NO_OVERRIDES, time_zone: New_York, rules: rules(30) };
    let slots = free_slots(&host, utc(2026, 1, 1, 0, 0), day(New_York, 2026, 3, 8), &[], &[]);
    let times = local_times(&slots, New_York);
    assert_eq!(
        times,
        ["Sun 00:00", "Sun 00:30", "Sun 01:00", "Sun 03:00", "Sun 03:30", "Sun 04:00", "Sun 04:30"]
    );
    assert!(slots.iter().all(|slot| slot.end - slot.start == Duration::minutes(30)));
}

#[test]
fn the_repeated_autumn_hour_is_offered_once() {
    // New York, 1 November 2026: 02:00 falls back to 01:00.
    let availability =
        WeeklyAvailability::uniform(&[Weekday::Sun], &[LocalInterval::hm(0, 0, 3, 0)]).unwrap();
    let host =
        Host { availability: &availability, overrides: &NO_OVERRIDES, time_zone: New_York, rules: rules(30) };
    let slots = free_slots(&host, utc(2026, 1, 1, 0, 0), day(New_York, 2026, 11, 1), &[], &[]);
    let times = local_times(&slots, New_York);
    assert_eq!(times, ["Sun 00:00", "Sun 00:30", "Sun 01:00", "Sun 02:00", "Sun 02:30"]);
}

#[test]
fn invalid_availability_names_the_day_and_the_interval() {
    let mut days: [Vec<LocalInterval>; 7] = Default::default();
    days[1] = vec![LocalInterval::hm(9, 0, 12, 0), LocalInterval::hm(11, 0, 13, 0)];
    assert_eq!(
        WeeklyAvailability::new(days.clone()),
        Err(AvailabilityError::Overlapping { weekday: Weekday::Tue, index: 1 })
    );
    days[1] = vec![LocalInterval::hm(12, 0, 9, 0)];
    assert_eq!(
        WeeklyAvailability::new(days.clone()),
        Err(AvailabilityError::EndNotAfterStart { weekday: Weekday::Tue, index: 0 })
    );
    days[1] = vec![LocalInterval::new(0, 1441)];
    assert_eq!(
        WeeklyAvailability::new(days),
        Err(AvailabilityError::OutsideTheDay { weekday: Weekday::Tue, index: 0 })
    );
}

#[test]
fn availability_round_trips_through_json_and_is_validated_on_the_way_in() {
    let availability = nine_to_five();
    let json = serde_json::to_string(&availability).unwrap();
    assert!(json.starts_with(r#"[[{"start_minute":540,"end_minute":1020}]"#), "{json}");
    assert_eq!(serde_json::from_str::<WeeklyAvailability>(&json).unwrap(), availability);
    let overlapping = json.replacen(
        r#"[{"start_minute":540,"end_minute":1020}]"#,
        r#"[{"start_minute":540,"end_minute":1020},{"start_minute":600,"end_minute":660}]"#,
        1,
    );
    let error = serde_json::from_str::<WeeklyAvailability>(&overlapping).unwrap_err();
    assert!(error.to_string().contains("overlap"), "{error}");
}

// Properties, over random weeks, zones, rules and busy times.

fn zones() -> impl Strategy<Value = Tz> {
    prop::sample::select(vec![
        Tz::UTC,
        Berlin,
        New_York,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Asia::Kolkata,
        chrono_tz::America::Santiago,
        chrono_tz::Pacific::Chatham,
    ])
}

fn day_intervals() -> impl Strategy<Value = Vec<LocalInterval>> {
    prop::collection::vec((0u16..48, 1u16..16), 0..3).prop_map(|pieces| {
        let mut intervals = Vec::new();
        let mut cursor = 0u16;
        for (gap, length) in pieces {
            let start = cursor + gap * 15;
            let end = (start + length * 15).min(1440);
            if start >= 1440 || end <= start {
                break;
            }
            intervals.push(LocalInterval::new(start, end));
            cursor = end;
        }
        intervals
    })
}

fn weeks() -> impl Strategy<Value = WeeklyAvailability> {
    prop::array::uniform7(day_intervals()).prop_map(|days| WeeklyAvailability::new(days).unwrap())
}

fn busy_times(origin: DateTime<Utc>) -> impl Strategy<Value = Vec<Interval>> {
    prop::collection::vec((0i64..(40 * 24 * 60), 1i64..(26 * 60)), 0..40).prop_map(move |spans| {
        spans
            .into_iter()
            .map(|(offset, length)| {
                let start = origin + Duration::minutes(offset);
                Interval::new(start, start + Duration::minutes(length))
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_offered_slot_is_truly_free_and_bookable(
        availability in weeks(),
        zone in zones(),
        length in prop::sample::select(vec![15i64, 30, 45, 60, 90]),
        buffer_before in 0i64..30,
        buffer_after in 0i64..30,
        notice_hours in 0i64..72,
        horizon_days in 1i64..40,
        now_offset in 0i64..(365 * 24 * 60),
        busy in busy_times(utc(2026, 1, 1, 0, 0)),
    ) {
        let now = utc(2026, 1, 1, 0, 0) + Duration::minutes(now_offset);
        let busy: Vec<Interval> = busy.into_iter().map(|interval| Interval::new(
            interval.start + Duration::minutes(now_offset), interval.end + Duration::minutes(now_offset))).collect();
        let rules = BookingRules {
            meeting_length: Duration::minutes(length),
            slot_interval: Duration::minutes(length),
            daily_limit: DailyLimit::NONE,
            type_limit: None,
            buffer_before: Duration::minutes(buffer_before),
            buffer_after: Duration::minutes(buffer_after),
            minimum_notice: Duration::hours(notice_hours),
            horizon: Duration::days(horizon_days),
        };
        let host = Host { availability: &availability, overrides: &NO_OVERRIDES, time_zone: zone, rules };
        let range = Interval::new(now - Duration::days(2), now + Duration::days(35));
        let slots = free_slots(&host, now, range, &busy, &[]);

        for pair in slots.windows(2) {
            prop_assert!(pair[0].end <= pair[1].start, "sorted and disjoint: {pair:?}");
        }
        for slot in &slots {
            prop_assert_eq!(slot.end - slot.start, rules.meeting_length);
            prop_assert!(slot.start >= now + rules.minimum_notice, "notice: {slot:?}");
            prop_assert!(slot.start <= now + rules.horizon, "horizon: {slot:?}");
            prop_assert!(slot.start >= range.start && slot.start < range.end);
            let guarded = Interval::new(slot.start - rules.buffer_before, slot.end + rules.buffer_after);
            prop_assert!(busy.iter().all(|busy| !busy.overlaps(&guarded)), "busy: {slot:?}");
            // Inside the host's hours, read on the host's clock.
            let local_start = slot.start.with_timezone(&zone);
            let local_end = slot.end.with_timezone(&zone);
            let start_minute = (local_start.hour() * 60 + local_start.minute()) as u16;
            let end_minute = start_minute + length as u16;
            prop_assert_eq!(local_end.naive_local(), local_start.naive_local() + rules.meeting_length);
            prop_assert!(
                availability.on(local_start.weekday()).iter().any(|interval|
                    interval.start_minute <= start_minute && end_minute <= interval.end_minute),
                "outside availability: {:?} on {:?}", local_start, availability.on(local_start.weekday())
            );
        }
    }

    #[test]
    fn without_busy_time_every_grid_slot_inside_the_window_is_offered(
        zone in zones(),
        now_offset in 0i64..(365 * 24 * 60),
    ) {
        // A host available around the clock, every day, in whole hours: the
        // only slots missing are the ones a DST change removes.
        let availability = WeeklyAvailability::new(std::array::from_fn(|_| vec![LocalInterval::hm(0, 0, 24, 0)])).unwrap();
        let host = Host { availability: &availability, overrides: &NO_OVERRIDES, time_zone: zone, rules: rules(60) };
        let now = utc(2026, 1, 1, 0, 0) + Duration::minutes(now_offset);
        let range = Interval::new(now, now + Duration::days(3));
        let slots = free_slots(&host, now, range, &[], &[]);
        prop_assert!(slots.len() >= 3 * 24 - 4 && slots.len() <= 3 * 24 + 1, "{}", slots.len());
    }
}

// Completeness, by brute force: the engine offers exactly the slots the
// rules allow, not merely nothing wrong.

/// Every slot the rules allow, found without the engine's method: walk
/// every UTC minute of the range and keep a start when
/// - it respects notice and horizon and lies in the range;
/// - read on the host's clock, it is the first time that reading occurs (the
///   repeated autumn hour is offered once), it lies on the grid of one of the
///   day's intervals (the interval's start plus whole meetings) and the
///   meeting ends within that interval;
/// - one meeting later in real time, the clock reads start + length (no slot
///   into or across a DST change);
/// - the meeting with its buffers shares no instant with busy time.
fn expected_slots(
    host: &Host<'_>,
    now: DateTime<Utc>,
    range: Interval,
    busy: &[Interval],
    meetings: &[Interval],
) -> Vec<Interval> {
    let rules = host.rules;
    let length = rules.meeting_length.num_minutes();
    let step = rules.slot_interval.num_minutes();
    let mut load_by_day = std::collections::HashMap::new();
    let mut expected = Vec::new();
    let mut start = range.start;
    while start < range.end {
        let candidate = start;
        start += Duration::minutes(1);
        if candidate < now + rules.minimum_notice || candidate > now + rules.horizon {
            continue;
        }
        let reading = candidate.with_timezone(&host.time_zone).naive_local();
        let first_reading =
            host.time_zone.from_local_datetime(&reading).earliest().map(|first| first.with_timezone(&Utc));
        if first_reading != Some(candidate) {
            continue;
        }
        let minute = i64::from(reading.hour() * 60 + reading.minute());
        let on_grid = host.hours_on(reading.date()).iter().any(|interval| {
            let (from, to) = (i64::from(interval.start_minute), i64::from(interval.end_minute));
            minute >= from && (minute - from) % step == 0 && minute + length <= to
        });
        if !on_grid {
            continue;
        }
        let end = candidate + rules.meeting_length;
        if end.with_timezone(&host.time_zone).naive_local() != reading + rules.meeting_length {
            continue;
        }
        let (guard_start, guard_end) = (candidate - rules.buffer_before, end + rules.buffer_after);
        // A busy time is a set of instants: an empty one blocks nothing.
        if busy.iter().any(|busy| busy.start < busy.end && busy.start < guard_end && guard_start < busy.end) {
            continue;
        }
        let limit = rules.daily_limit;
        let (meetings_that_day, minutes_that_day) = *load_by_day
            .entry(reading.date())
            .or_insert_with(|| load_of_day(host, reading.date(), busy, meetings));
        if limit.meetings.is_some_and(|most| meetings_that_day >= most) {
            continue;
        }
        if limit.minutes.is_some_and(|most| minutes_that_day + length > i64::from(most)) {
            continue;
        }
        expected.push(Interval::new(candidate, end));
    }
    expected
}

/// The meetings starting on a date of the host's calendar, and the minutes of
/// it that count toward a daily limit, counted minute by minute.
fn load_of_day(host: &Host<'_>, date: NaiveDate, busy: &[Interval], meetings: &[Interval]) -> (u32, i64) {
    let zone = host.time_zone;
    let on_date = |instant: DateTime<Utc>| instant.with_timezone(&zone).date_naive() == date;
    let count =
        meetings.iter().filter(|meeting| meeting.start < meeting.end && on_date(meeting.start)).count();
    let counted: Vec<&Interval> = if host.rules.daily_limit.counts_all_busy_time {
        busy.iter().chain(meetings).collect()
    } else {
        meetings.iter().collect()
    };
    let day = local_day(zone, date).expect("a real day");
    let mut minutes = 0;
    let mut minute = day.start;
    while minute < day.end {
        if counted.iter().any(|span| span.start <= minute && minute < span.end) {
            minutes += 1;
        }
        minute += Duration::minutes(1);
    }
    (u32::try_from(count).unwrap(), minutes)
}

/// Start times every few minutes, or (as often) one meeting apart.
fn slot_intervals() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![Just(None), prop::sample::select(vec![5i64, 10, 15, 30, 60]).prop_map(Some)]
}

/// Up to three entries within the next fortnight: days off, or other hours.
fn overrides_around() -> impl Strategy<Value = Vec<(i64, i64, Vec<LocalInterval>)>> {
    prop::collection::vec((-2i64..14, 0i64..5, day_intervals()), 0..3)
}

fn daily_limits() -> impl Strategy<Value = DailyLimit> {
    prop_oneof![
        Just(DailyLimit::NONE),
        (prop::option::of(1u32..4), prop::option::of(30u32..400), any::<bool>()).prop_map(
            |(meetings, minutes, counts_all_busy_time)| DailyLimit {
                meetings,
                minutes,
                counts_all_busy_time
            }
        ),
    ]
}

/// Minutes in `low..high`: any minute, or (as often) a whole quarter hour,
/// so that edges often meet slot boundaries exactly, where off-by-one
/// mistakes live.
fn minutes_between(low: i64, high: i64) -> impl Strategy<Value = i64> {
    prop_oneof![low..high, (low.div_euclid(15)..high.div_euclid(15)).prop_map(|quarters| quarters * 15)]
}

/// "Now": anywhere in 2026, or in the week before one of 2026's clock
/// changes in the zones above (Berlin, New York, Lord Howe, Santiago,
/// Chatham), so that the window often spans one.
fn nows() -> impl Strategy<Value = DateTime<Utc>> {
    let changes = vec![
        utc(2026, 3, 8, 7, 0),   // New York, spring
        utc(2026, 3, 29, 1, 0),  // Berlin, spring
        utc(2026, 4, 4, 13, 0),  // Lord Howe, Chatham and Santiago, autumn (their April)
        utc(2026, 9, 6, 4, 0),   // Santiago, spring
        utc(2026, 9, 26, 14, 0), // Chatham, spring
        utc(2026, 10, 3, 15, 0), // Lord Howe, spring
        utc(2026, 10, 25, 1, 0), // Berlin, autumn
        utc(2026, 11, 1, 6, 0),  // New York, autumn
    ];
    prop_oneof![
        minutes_between(0, 365 * 24 * 60)
            .prop_map(|minutes| utc(2026, 1, 1, 0, 0) + Duration::minutes(minutes)),
        (prop::sample::select(changes), minutes_between(0, 8 * 24 * 60))
            .prop_map(|(change, before)| change - Duration::minutes(before)),
    ]
}

#[test]
fn exactly_the_free_grid_slots_inside_the_rules_are_offered() {
    use proptest::test_runner::{Config, TestRunner};
    let config = Config { cases: 1000, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let (cases, with_slots) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
    let inputs = (
        weeks(),
        zones(),
        prop::sample::select(vec![15i64, 20, 25, 30, 45, 60, 90]),
        (minutes_between(0, 31), minutes_between(0, 31)),
        minutes_between(0, 72 * 60),
        1i64..10,
        nows(),
        (minutes_between(-24 * 60, 24 * 60), 1i64..12),
        prop::collection::vec((minutes_between(-24 * 60, 13 * 24 * 60), minutes_between(1, 240)), 0..8),
        (slot_intervals(), overrides_around(), daily_limits(), 0usize..8),
    );
    let outcome = runner.run(
        &inputs,
        |(
            availability,
            zone,
            length,
            (before, after),
            notice,
            horizon,
            now,
            (range_from, range_days),
            spans,
            (step, override_entries, daily_limit, meeting_count),
        )| {
            let rules = BookingRules {
                meeting_length: Duration::minutes(length),
                slot_interval: Duration::minutes(step.unwrap_or(length)),
                daily_limit,
                type_limit: None,
                buffer_before: Duration::minutes(before),
                buffer_after: Duration::minutes(after),
                minimum_notice: Duration::minutes(notice),
                horizon: Duration::days(horizon),
            };
            // Entries are placed relative to now's date, in the host's zone.
            let today = now.with_timezone(&zone).date_naive();
            let overrides = DateOverrides::new(override_entries.into_iter().map(|(from, days, hours)| {
                let first_day = today + Duration::days(from);
                DateOverride { first_day, last_day: first_day + Duration::days(days), hours }
            }))
            .unwrap_or_default();
            let host = Host { availability: &availability, overrides: &overrides, time_zone: zone, rules };
            let range_start = now + Duration::minutes(range_from);
            let range = Interval::new(range_start, range_start + Duration::days(range_days));
            // Busy times from the quarter hour at or before now, so that whole
            // quarters meet the grid.
            let quarter = now - Duration::minutes(now.minute().into())
                + Duration::minutes((now.minute() / 15 * 15).into());
            let busy: Vec<Interval> = spans
                .into_iter()
                .map(|(offset, minutes)| {
                    let start = quarter + Duration::minutes(offset);
                    Interval::new(start, start + Duration::minutes(minutes))
                })
                .collect();

            // Some busy spans are the host's meetings, counted by a daily limit.
            let meetings = &busy[..meeting_count.min(busy.len())];
            let booked: Vec<Meeting> = meetings.iter().copied().map(Meeting::from).collect();
            let offered = free_slots(&host, now, range, &busy, &booked);
            let expected = expected_slots(&host, now, range, &busy, meetings);
            let show = |slots: Vec<&Interval>| -> Vec<String> {
                slots
                    .into_iter()
                    .take(5)
                    .map(|slot| {
                        format!("{} ({})", slot.start, slot.start.with_timezone(&zone).format("%a %F %T %Z"))
                    })
                    .collect()
            };
            let missing = show(expected.iter().filter(|slot| !offered.contains(slot)).collect());
            let extra = show(offered.iter().filter(|slot| !expected.contains(slot)).collect());
            prop_assert!(
                missing.is_empty() && extra.is_empty(),
                "in {zone}, now {now}, range {range:?}: not offered {missing:?}; offered wrongly {extra:?}"
            );
            cases.set(cases.get() + 1);
            with_slots.set(with_slots.get() + u32::from(!expected.is_empty()));
            prop_assert_eq!(offered, expected, "and in the same order");
            Ok(())
        },
    );
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    // The property means something only if most cases expect slots.
    assert!(
        with_slots.get() * 2 > cases.get(),
        "only {} of {} cases expected any slot",
        with_slots.get(),
        cases.get()
    );
}

#[test]
fn a_hole_cut_from_busy_spans_leaves_what_lies_around_it() {
    use chrono::TimeZone as _;
    let at = |hour| chrono::Utc.with_ymd_and_hms(2026, 12, 3, hour, 0, 0).unwrap();
    let span = |from, to| crate::Interval::new(at(from), at(to));
    let busy = [span(8, 9), span(9, 12), span(13, 14)];
    assert_eq!(
        crate::busy_without(&busy, span(10, 11)),
        [span(8, 9), span(9, 10), span(11, 12), span(13, 14)]
    );
    assert_eq!(crate::busy_without(&[span(10, 11)], span(10, 11)), []);
}

mod by_date;
