//! Hours that change by date, start times apart from the meeting's length,
//! and daily limits, by example.

use chrono::{Datelike as _, Duration, NaiveDate, Weekday};
use chrono_tz::{America::New_York, Europe::Berlin};

use super::{day, local_times, nine_to_five, rules, utc, NO_OVERRIDES};
use crate::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn entry(first: NaiveDate, last: NaiveDate, hours: &[LocalInterval]) -> DateOverride {
    DateOverride { first_day: first, last_day: last, hours: hours.to_vec() }
}

#[test]
fn a_day_off_has_no_slot_and_the_days_around_it_keep_theirs() {
    let availability = nine_to_five();
    let overrides = DateOverrides::new([entry(date(2026, 11, 24), date(2026, 11, 24), &[])]).unwrap();
    let host =
        Host { availability: &availability, overrides: &overrides, time_zone: Berlin, rules: rules(60) };
    let week = Interval::new(utc(2026, 11, 23, 0, 0), utc(2026, 11, 26, 0, 0));
    let slots = free_slots(&host, utc(2026, 11, 1, 0, 0), week, &[], &[]);
    let days: Vec<u32> = slots.iter().map(|slot| slot.start.with_timezone(&Berlin).day()).collect();
    assert_eq!(days.iter().filter(|day| **day == 23).count(), 8);
    assert_eq!(days.iter().filter(|day| **day == 24).count(), 0);
    assert_eq!(days.iter().filter(|day| **day == 25).count(), 8);
}

#[test]
fn three_weeks_off_are_one_entry_and_remove_exactly_those_days() {
    let availability = nine_to_five();
    let holiday = entry(date(2026, 12, 19), date(2027, 1, 8), &[]);
    assert_eq!(holiday.days().count(), 21);
    let overrides = DateOverrides::new([holiday]).unwrap();
    let host =
        Host { availability: &availability, overrides: &overrides, time_zone: Berlin, rules: rules(60) };
    let range = Interval::new(utc(2026, 12, 14, 0, 0), utc(2027, 1, 16, 0, 0));
    let slots = free_slots(&host, utc(2026, 12, 1, 0, 0), range, &[], &[]);
    let days: std::collections::BTreeSet<NaiveDate> =
        slots.iter().map(|slot| slot.start.with_timezone(&Berlin).date_naive()).collect();
    assert_eq!(days.range(..date(2026, 12, 19)).last(), Some(&date(2026, 12, 18)));
    assert_eq!(days.range(date(2026, 12, 19)..=date(2027, 1, 8)).count(), 0);
    assert_eq!(days.range(date(2027, 1, 9)..).next(), Some(&date(2027, 1, 11)), "the Monday after");
}

#[test]
fn override_hours_replace_the_weekday_and_open_a_day_normally_off() {
    let availability = nine_to_five();
    let overrides = DateOverrides::new([
        entry(date(2026, 11, 23), date(2026, 11, 23), &[LocalInterval::hm(14, 0, 16, 0)]),
        entry(date(2026, 11, 28), date(2026, 11, 28), &[LocalInterval::hm(10, 0, 12, 0)]),
    ])
    .unwrap();
    let host =
        Host { availability: &availability, overrides: &overrides, time_zone: Berlin, rules: rules(60) };
    let monday = free_slots(&host, utc(2026, 11, 1, 0, 0), day(Berlin, 2026, 11, 23), &[], &[]);
    assert_eq!(local_times(&monday, Berlin), ["Mon 14:00", "Mon 15:00"]);
    let saturday = free_slots(&host, utc(2026, 11, 1, 0, 0), day(Berlin, 2026, 11, 28), &[], &[]);
    assert_eq!(local_times(&saturday, Berlin), ["Sat 10:00", "Sat 11:00"]);
}

#[test]
fn override_hours_are_read_on_the_hosts_clock_on_a_dst_day() {
    // New York, 8 March 2026 (a Sunday, normally off): 02:00 jumps to 03:00.
    let availability = nine_to_five();
    let overrides =
        DateOverrides::new([entry(date(2026, 3, 8), date(2026, 3, 8), &[LocalInterval::hm(1, 0, 5, 0)])])
            .unwrap();
    let host =
        Host { availability: &availability, overrides: &overrides, time_zone: New_York, rules: rules(60) };
    let slots = free_slots(&host, utc(2026, 1, 1, 0, 0), day(New_York, 2026, 3, 8), &[], &[]);
    // 01:00 would end at 03:00 on the clock: across the change, not offered.
    assert_eq!(local_times(&slots, New_York), ["Sun 03:00", "Sun 04:00"]);
}

#[test]
fn entries_that_share_a_date_are_refused_naming_it() {
    let refused = DateOverrides::new([
        entry(date(2026, 12, 19), date(2027, 1, 8), &[]),
        entry(date(2027, 1, 4), date(2027, 1, 4), &[LocalInterval::hm(9, 0, 10, 0)]),
    ]);
    assert_eq!(refused, Err(OverrideError::DatesOverlap(date(2027, 1, 4))));
    let backwards = entry(date(2026, 12, 2), date(2026, 12, 1), &[]).checked();
    assert_eq!(backwards, Err(OverrideError::LastBeforeFirst));
    let a_whole_year = entry(date(2026, 1, 1), date(2026, 12, 31), &[]).checked();
    assert!(a_whole_year.is_ok());
    let too_long = entry(date(2026, 1, 1), date(2027, 1, 2), &[]).checked();
    assert_eq!(too_long, Err(OverrideError::TooLong));
    let bad_hours = entry(date(2026, 1, 1), date(2026, 1, 1), &[LocalInterval::hm(10, 0, 9, 0)]).checked();
    assert_eq!(bad_hours, Err(OverrideError::Hours(DayHoursError::EndNotAfterStart { index: 0 })));
}

#[test]
fn start_times_follow_the_slot_interval_not_the_length() {
    let availability =
        WeeklyAvailability::uniform(&[Weekday::Mon], &[LocalInterval::hm(9, 0, 11, 0)]).unwrap();
    let mut host =
        Host { availability: &availability, overrides: &NO_OVERRIDES, time_zone: Berlin, rules: rules(60) };
    host.rules.slot_interval = Duration::minutes(30);
    let slots = free_slots(&host, utc(2026, 11, 1, 0, 0), day(Berlin, 2026, 11, 23), &[], &[]);
    assert_eq!(local_times(&slots, Berlin), ["Mon 09:00", "Mon 09:30", "Mon 10:00"]);
    assert!(slots.iter().all(|slot| slot.end - slot.start == Duration::minutes(60)));
}

#[test]
fn a_daily_limit_of_meetings_closes_the_day_once_reached() {
    let availability = nine_to_five();
    let mut host =
        Host { availability: &availability, overrides: &NO_OVERRIDES, time_zone: Berlin, rules: rules(60) };
    host.rules.daily_limit = DailyLimit { meetings: Some(2), ..DailyLimit::NONE };
    let monday_meetings = [
        Interval::new(utc(2026, 11, 23, 8, 0), utc(2026, 11, 23, 9, 0)),
        Interval::new(utc(2026, 11, 23, 12, 0), utc(2026, 11, 23, 13, 0)),
    ];
    let tuesday_meeting = [Interval::new(utc(2026, 11, 24, 8, 0), utc(2026, 11, 24, 9, 0))];
    let all = [monday_meetings.as_slice(), tuesday_meeting.as_slice()].concat();
    let two_days = Interval::new(utc(2026, 11, 23, 0, 0), utc(2026, 11, 25, 0, 0));
    let booked: Vec<Meeting> = all.iter().copied().map(Meeting::from).collect();
    let slots = free_slots(&host, utc(2026, 11, 1, 0, 0), two_days, &all, &booked);
    let days: Vec<u32> = slots.iter().map(|slot| slot.start.with_timezone(&Berlin).day()).collect();
    assert!(!days.contains(&23), "two meetings on Monday already: {days:?}");
    assert_eq!(days.iter().filter(|day| **day == 24).count(), 7, "one of two on Tuesday");
}

#[test]
fn a_daily_limit_of_hours_counts_other_busy_time_only_when_asked() {
    let availability = nine_to_five();
    let mut host =
        Host { availability: &availability, overrides: &NO_OVERRIDES, time_zone: Berlin, rules: rules(60) };
    // Three hours of other appointments on Monday, 09:00–12:00 Berlin.
    let busy = [Interval::new(utc(2026, 11, 23, 8, 0), utc(2026, 11, 23, 11, 0))];
    let monday = day(Berlin, 2026, 11, 23);
    host.rules.daily_limit = DailyLimit { minutes: Some(3 * 60 + 59), ..DailyLimit::NONE };
    let offered = |host: &Host<'_>| free_slots(host, utc(2026, 11, 1, 0, 0), monday, &busy, &[]).len();
    assert_eq!(offered(&host), 5, "12:00 to 17:00, none booked through BookMate");
    host.rules.daily_limit.counts_all_busy_time = true;
    assert_eq!(offered(&host), 0, "59 minutes left once the three busy hours count");
    host.rules.daily_limit.minutes = Some(4 * 60);
    assert_eq!(offered(&host), 5, "an hour left: each slot fits alone");
}

#[test]
fn a_types_own_limit_counts_its_meetings_and_the_hosts_counts_all() {
    const INTRO: i64 = 7;
    const CONSULTATION: i64 = 8;
    let availability = nine_to_five();
    let mut host =
        Host { availability: &availability, overrides: &NO_OVERRIDES, time_zone: Berlin, rules: rules(60) };
    host.rules.type_limit = Some(TypeLimit { meeting_type: INTRO, meetings: Some(1), minutes: None });
    let at = |hour| Interval::new(utc(2026, 11, 23, hour, 0), utc(2026, 11, 23, hour + 1, 0));
    let monday = day(Berlin, 2026, 11, 23);
    let offered = |host: &Host<'_>, booked: &[Meeting]| {
        let busy: Vec<Interval> = booked.iter().map(|meeting| meeting.span).collect();
        free_slots(host, utc(2026, 11, 1, 0, 0), monday, &busy, booked).len()
    };
    let consultations = [
        Meeting { span: at(8), meeting_type: Some(CONSULTATION) },
        Meeting { span: at(10), meeting_type: None },
    ];
    assert_eq!(
        offered(&host, &consultations),
        6,
        "other meetings take their hours, not the intro's one a day"
    );
    let intro = [Meeting { span: at(12), meeting_type: Some(INTRO) }];
    assert_eq!(offered(&host, &intro), 0, "the day's one intro is booked");

    // The host's own limit still counts every meeting, the type's too.
    host.rules.type_limit = Some(TypeLimit { meeting_type: INTRO, meetings: Some(5), minutes: None });
    host.rules.daily_limit = DailyLimit { meetings: Some(2), ..DailyLimit::NONE };
    assert_eq!(offered(&host, &consultations), 0, "two meetings of other kinds fill the host's day");
    assert_eq!(offered(&host, &intro), 7, "one of the host's two");

    // The check a booking repeats under the lock agrees.
    let slot = at(14);
    assert!(!fits_daily_limits(&host.rules, Berlin, slot, &[], &consultations));
    assert!(fits_daily_limits(&host.rules, Berlin, slot, &[], &intro));
    host.rules.daily_limit = DailyLimit::NONE;
    host.rules.type_limit = Some(TypeLimit { meeting_type: INTRO, meetings: None, minutes: Some(60) });
    assert!(!fits_daily_limits(&host.rules, Berlin, slot, &[], &intro), "its hour is used");
    assert!(fits_daily_limits(&host.rules, Berlin, slot, &[], &consultations));
}
