//! The slot engine on a month: 31 days of 09:00–17:00 in Berlin, 30-minute
//! meetings with buffers, against 1,000 busy intervals; then the same with
//! date overrides, a week off and a daily limit counting every busy minute.

use chrono::{Duration, TimeZone as _, Utc, Weekday};
use criterion::{criterion_group, criterion_main, Criterion};
use scheduling::{
    free_slots, BookingRules, DailyLimit, DateOverride, DateOverrides, Host, Interval, LocalInterval,
    Meeting, WeeklyAvailability,
};

fn month_with_a_thousand_busy_intervals(criterion: &mut Criterion) {
    let availability = WeeklyAvailability::uniform(
        &[Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
        &[LocalInterval::hm(9, 0, 12, 0), LocalInterval::hm(13, 0, 17, 0)],
    )
    .expect("valid hours");
    let no_overrides = DateOverrides::none();
    let host = Host {
        availability: &availability,
        overrides: &no_overrides,
        time_zone: chrono_tz::Europe::Berlin,
        rules: BookingRules {
            meeting_length: Duration::minutes(30),
            slot_interval: Duration::minutes(30),
            daily_limit: DailyLimit::NONE,
            type_limit: None,
            buffer_before: Duration::minutes(5),
            buffer_after: Duration::minutes(10),
            minimum_notice: Duration::hours(4),
            horizon: Duration::days(60),
        },
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
    let month = Interval::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
    );
    // Deterministic pseudo-random busy times spread over the month.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let busy: Vec<Interval> = (0..1_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let start = month.start + Duration::minutes((seed % (31 * 24 * 60)) as i64);
            Interval::new(start, start + Duration::minutes(15 + (seed >> 32) as i64 % 90))
        })
        .collect();
    let free = free_slots(&host, now, month, &busy, &[]);
    assert!(!free.is_empty(), "the benchmark must compute real slots");

    criterion.bench_function("free_slots: 31 days, 30-min slots, 1000 busy intervals", |bencher| {
        bencher.iter(|| free_slots(std::hint::black_box(&host), now, month, std::hint::black_box(&busy), &[]))
    });

    // Every tenth busy interval is a meeting booked through BookMate, three a
    // day; the busy times are dense, so the limit of hours counts all of them
    // (the costlier path) and is set where some days stay open.
    let meetings: Vec<Meeting> = busy.iter().step_by(10).copied().map(Meeting::from).collect();
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
    let other_hours = (1..=10).map(|d| DateOverride {
        first_day: day(d),
        last_day: day(d),
        hours: vec![LocalInterval::hm(7, 0, 11, 0), LocalInterval::hm(15, 0, 20, 0)],
    });
    let week_off = DateOverride { first_day: day(21), last_day: day(27), hours: Vec::new() };
    let overrides = DateOverrides::new(other_hours.chain([week_off])).expect("valid entries");
    let limited = Host {
        overrides: &overrides,
        rules: BookingRules {
            slot_interval: Duration::minutes(15),
            daily_limit: DailyLimit { meetings: Some(4), minutes: Some(20 * 60), counts_all_busy_time: true },
            ..host.rules
        },
        ..host.clone()
    };
    let free = free_slots(&limited, now, month, &busy, &meetings);
    assert!(!free.is_empty(), "the benchmark must compute real slots");
    criterion.bench_function(
        "free_slots: 31 days, 15-min starts, 10 overrides, a week off, daily limit, 1000 busy intervals",
        |bencher| {
            bencher.iter(|| {
                free_slots(std::hint::black_box(&limited), now, month, std::hint::black_box(&busy), &meetings)
            })
        },
    );
}

criterion_group!(benches, month_with_a_thousand_busy_intervals);
criterion_main!(benches);
