//! The engine's behaviour, by example and by property.

use chrono::{NaiveDate, Timelike as _, Weekday};
use chrono_tz::{America::New_York, Europe::Berlin, Tz};
use proptest::prelude::*;

use super::*;

const WEEKDAYS: [Weekday; 5] = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn rules(length_minutes: i64) -> BookingRules {
    BookingRules {
        meeting_length: Duration::minutes(length_minutes),
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
    let host = Host { availability: &availability, time_zone: Berlin, rules: rules(60) };
    let slots = free_slots(&host, utc(2026, 11, 1, 0, 0), day(Berlin, 2026, 11, 23), &[]);
    assert_eq!(slots.len(), 8);
    assert_eq!(slots[0], Interval::new(utc(2026, 11, 23, 8, 0), utc(2026, 11, 23, 9, 0)));
    assert_eq!(slots[7].end, utc(2026, 11, 23, 16, 0));
}

#[test]
fn busy_time_and_buffers_remove_the_slots_they_touch() {
    let availability = nine_to_five();
    let mut host = Host { availability: &availability, time_zone: Berlin, rules: rules(30) };
    host.rules.buffer_before = Duration::minutes(15);
    host.rules.buffer_after = Duration::minutes(10);
    // 11:00–12:00 Berlin is busy.
    let busy = [Interval::new(utc(2026, 11, 23, 10, 0), utc(2026, 11, 23, 11, 0))];
    let slots = free_slots(&host, utc(2026, 11, 1, 0, 0), day(Berlin, 2026, 11, 23), &busy);
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
    let mut host = Host { availability: &availability, time_zone: Berlin, rules: rules(60) };
    host.rules.minimum_notice = Duration::hours(4);
    host.rules.horizon = Duration::days(2);
    let now = utc(2026, 11, 23, 8, 30); // 09:30 in Berlin, Monday
    let week = Interval::new(utc(2026, 11, 23, 0, 0), utc(2026, 11, 30, 0, 0));
    let slots = free_slots(&host, now, week, &[]);
    assert_eq!(slots.first().unwrap().start, utc(2026, 11, 23, 13, 0)); // 14:00 local, 4.5 h ahead
    assert!(slots.iter().all(|slot| slot.start <= now + Duration::days(2)));
    assert_eq!(slots.last().unwrap().start, utc(2026, 11, 25, 8, 0)); // Wednesday 09:00, 47.5 h ahead
}

#[test]
fn an_all_day_event_blocks_the_whole_local_day_only() {
    let availability = nine_to_five();
    let host = Host { availability: &availability, time_zone: New_York, rules: rules(60) };
    let all_day = day(New_York, 2026, 11, 24);
    let week = Interval::new(utc(2026, 11, 23, 0, 0), utc(2026, 11, 26, 0, 0));
    let slots = free_slots(&host, utc(2026, 11, 1, 0, 0), week, &[all_day]);
    let days: std::collections::BTreeSet<_> =
        slots.iter().map(|slot| slot.start.with_timezone(&New_York).date_naive().day()).collect();
    assert_eq!(days.into_iter().collect::<Vec<_>>(), vec![23, 25]);
}

#[test]
fn busy_time_across_midnight_and_the_range_edges_still_blocks() {
    let availability = WeeklyAvailability::uniform(&WEEKDAYS, &[LocalInterval::hm(0, 0, 24, 0)]).unwrap();
    let host = Host { availability: &availability, time_zone: Tz::UTC, rules: rules(60) };
    // 22:00 Monday to 02:00 Tuesday, asked about Tuesday only.
    let busy = [Interval::new(utc(2026, 11, 23, 22, 0), utc(2026, 11, 24, 2, 0))];
    let slots = free_slots(&host, utc(2026, 11, 1, 0, 0), day(Tz::UTC, 2026, 11, 24), &busy);
    assert_eq!(slots.first().unwrap().start, utc(2026, 11, 24, 2, 0));
    assert_eq!(slots.len(), 22);
}

#[test]
fn nine_to_five_stays_nine_to_five_on_both_dst_days() {
    let availability =
        WeeklyAvailability::uniform(&[Weekday::Sun, Weekday::Mon], &[LocalInterval::hm(9, 0, 17, 0)])
            .unwrap();
    let host = Host { availability: &availability, time_zone: New_York, rules: rules(60) };
    for (y, m, d) in [(2026, 3, 8), (2026, 11, 1)] {
        let slots = free_slots(&host, utc(2026, 1, 1, 0, 0), day(New_York, y, m, d), &[]);
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
    let host = Host { availability: &availability, time_zone: New_York, rules: rules(30) };
    let slots = free_slots(&host, utc(2026, 1, 1, 0, 0), day(New_York, 2026, 3, 8), &[]);
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
    let host = Host { availability: &availability, time_zone: New_York, rules: rules(30) };
    let slots = free_slots(&host, utc(2026, 1, 1, 0, 0), day(New_York, 2026, 11, 1), &[]);
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
            buffer_before: Duration::minutes(buffer_before),
            buffer_after: Duration::minutes(buffer_after),
            minimum_notice: Duration::hours(notice_hours),
            horizon: Duration::days(horizon_days),
        };
        let host = Host { availability: &availability, time_zone: zone, rules };
        let range = Interval::new(now - Duration::days(2), now + Duration::days(35));
        let slots = free_slots(&host, now, range, &busy);

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
        let host = Host { availability: &availability, time_zone: zone, rules: rules(60) };
        let now = utc(2026, 1, 1, 0, 0) + Duration::minutes(now_offset);
        let range = Interval::new(now, now + Duration::days(3));
        let slots = free_slots(&host, now, range, &[]);
        prop_assert!(slots.len() >= 3 * 24 - 4 && slots.len() <= 3 * 24 + 1, "{}", slots.len());
    }
}
