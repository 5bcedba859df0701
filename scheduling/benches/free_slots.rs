//! The slot engine on a month: 31 days of 09:00–17:00 in Berlin, 30-minute
//! meetings with buffers, against 1,000 busy intervals.

use chrono::{Duration, TimeZone as _, Utc, Weekday};
use criterion::{criterion_group, criterion_main, Criterion};
use scheduling::{free_slots, BookingRules, Host, Interval, LocalInterval, WeeklyAvailability};

fn month_with_a_thousand_busy_intervals(criterion: &mut Criterion) {
    let availability = WeeklyAvailability::uniform(
        &[Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
        &[LocalInterval::hm(9, 0, 12, 0), LocalInterval::hm(13, 0, 17, 0)],
    )
    .expect("valid hours");
    let host = Host {
        availability: &availability,
        time_zone: chrono_tz::Europe::Berlin,
        rules: BookingRules {
            meeting_length: Duration::minutes(30),
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
    let free = free_slots(&host, now, month, &busy);
    assert!(!free.is_empty(), "the benchmark must compute real slots");

    criterion.bench_function("free_slots: 31 days, 30-min slots, 1000 busy intervals", |bencher| {
        bencher.iter(|| free_slots(std::hint::black_box(&host), now, month, std::hint::black_box(&busy)))
    });
}

criterion_group!(benches, month_with_a_thousand_busy_intervals);
criterion_main!(benches);
