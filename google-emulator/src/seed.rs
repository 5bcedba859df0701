//! What the emulator starts with: OAuth clients, Google accounts, their
//! calendars and events. Loaded from JSON, or the development seed.

use chrono::{DateTime, Datelike as _, Duration, FixedOffset, NaiveDate, TimeZone as _, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Seed {
    pub clients: Vec<SeedClient>,
    pub accounts: Vec<SeedAccount>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedClient {
    pub client_id: String,
    pub client_secret: String,
    /// Matched exactly, as Google does: scheme, case and trailing slash.
    pub redirect_uris: Vec<String>,
    /// A project in Google's "Testing" status: refresh tokens for scopes
    /// beyond name, email and profile expire after 7 days.
    #[serde(default)]
    pub testing: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedAccount {
    /// 21 digits, as Google's are.
    pub sub: String,
    pub email: String,
    pub name: String,
    #[serde(default)]
    pub picture: Option<String>,
    pub time_zone: String,
    #[serde(default)]
    pub calendars: Vec<SeedCalendar>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedCalendar {
    pub id: String,
    pub summary: String,
    /// owner, writer, reader or freeBusyReader.
    pub access_role: String,
    #[serde(default)]
    pub primary: bool,
    #[serde(default)]
    pub background_color: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub events: Vec<SeedEvent>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedEvent {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub summary: String,
    pub start: EventTime,
    pub end: EventTime,
    /// `transparent` means the host marked it "Free".
    #[serde(default)]
    pub transparency: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// RRULE lines (`RRULE:FREQ=WEEKLY;COUNT=8`); FREQ DAILY or WEEKLY with
    /// COUNT or UNTIL is understood.
    #[serde(default)]
    pub recurrence: Vec<String>,
}

/// Google's EventDateTime: a `dateTime` with offset, or an all-day `date`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventTime {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_time: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl EventTime {
    pub fn at(time: DateTime<FixedOffset>, time_zone: &str) -> Self {
        Self { date_time: Some(time), date: None, time_zone: Some(time_zone.to_owned()) }
    }

    pub fn all_day(date: NaiveDate) -> Self {
        Self { date_time: None, date: Some(date), time_zone: None }
    }
}

pub const DEVELOPMENT_CLIENT_ID: &str = "bookmate-dev.apps.googleusercontent.com";

pub const DEVELOPMENT_CLIENT_SECRET: &str = "bookmate-dev-secret";

impl Seed {
    /// Reads a seed from a JSON file (the format [`Seed`] serializes to).
    pub fn from_file(path: &str) -> Result<Self, crate::SeedError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| crate::SeedError::Read { path: path.to_owned(), source })?;
        serde_json::from_str(&text)
            .map_err(|source| crate::SeedError::Parse { path: path.to_owned(), source })
    }

    /// One development client with the given redirect URIs, and three
    /// accounts whose calendars hold the events schedulers get wrong: all-day
    /// events, a weekly recurring meeting, an event in another time zone, one
    /// marked "Free" and one cancelled. Each account has its primary calendar
    /// (owner), a shared read-only one and a writable one. Events sit on the
    /// weekdays after now, so the dev UI always shows something.
    pub fn development(redirect_uris: Vec<String>) -> Self {
        Self::development_at(redirect_uris, Utc::now())
    }

    /// [`Seed::development`] as of `now`, for tests that fix the day.
    pub fn development_at(redirect_uris: Vec<String>, now: DateTime<Utc>) -> Self {
        let client = SeedClient {
            client_id: DEVELOPMENT_CLIENT_ID.to_owned(),
            client_secret: DEVELOPMENT_CLIENT_SECRET.to_owned(),
            redirect_uris,
            testing: false,
        };
        Self {
            clients: vec![client],
            accounts: vec![
                account("108734928374650192837", "ada@example.com", "Ada Lovelace", "Europe/London", now),
                account(
                    "104958372615039485721",
                    "grace@example.com",
                    "Grace Hopper",
                    "America/New_York",
                    now,
                ),
                account(
                    "117362049581736204958",
                    "katherine@example.com",
                    "Katherine Johnson",
                    "America/Los_Angeles",
                    now,
                ),
            ],
        }
    }
}

/// A picture URL that needs no network: an SVG with the person's initials,
/// so the dev UI shows something where Google would serve a photo.
fn avatar(name: &str) -> String {
    let initials: String = name.split_whitespace().filter_map(|word| word.chars().next()).take(2).collect();
    let svg = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='96' height='96'><rect width='96' height='96' fill='#0b57d0'/>\
         <text x='48' y='60' font-family='sans-serif' font-size='36' fill='#fff' text-anchor='middle'>{initials}</text></svg>"
    );
    let encoded: String =
        url::form_urlencoded::byte_serialize(svg.as_bytes()).collect::<String>().replace('+', "%20");
    format!("data:image/svg+xml,{encoded}")
}

fn account(sub: &str, email: &str, name: &str, zone: &str, now: DateTime<Utc>) -> SeedAccount {
    let tz: chrono_tz::Tz = zone.parse().expect("seeded zones are valid");
    let next_monday = {
        let today = now.with_timezone(&tz).date_naive();
        let days_ahead = (7 - today.weekday().num_days_from_monday()) % 7;
        today + Duration::days(i64::from(if days_ahead == 0 { 7 } else { days_ahead }))
    };
    let at = |day: NaiveDate, hour: u32, minute: u32| {
        tz.from_local_datetime(&day.and_hms_opt(hour, minute, 0).expect("valid time"))
            .earliest()
            .expect("seeded times exist")
            .fixed_offset()
    };
    let tuesday = next_monday + Duration::days(1);
    let wednesday = next_monday + Duration::days(2);
    let thursday = next_monday + Duration::days(3);
    let tokyo: chrono_tz::Tz = chrono_tz::Asia::Tokyo;
    let tokyo_call = tokyo
        .from_local_datetime(&(thursday + Duration::days(1)).and_hms_opt(0, 30, 0).expect("valid time"))
        .earliest()
        .expect("Tokyo has no DST")
        .fixed_offset();
    let local = |summary: &str, start: DateTime<FixedOffset>, minutes: i64| SeedEvent {
        id: None,
        summary: summary.to_owned(),
        start: EventTime::at(start, zone),
        end: EventTime::at(start + Duration::minutes(minutes), zone),
        transparency: None,
        status: None,
        recurrence: Vec::new(),
    };
    let primary_events = vec![
        SeedEvent {
            recurrence: vec!["RRULE:FREQ=WEEKLY;COUNT=12".to_owned()],
            ..local("Weekly planning", at(next_monday, 10, 0), 60)
        },
        local("Dentist", at(tuesday, 14, 0), 90),
        // Cancelled events stay in the calendar (events.get returns them) but
        // are never busy, and events.list hides them without showDeleted.
        SeedEvent {
            status: Some("cancelled".to_owned()),
            ..local("Coffee (cancelled)", at(tuesday, 16, 0), 45)
        },
        SeedEvent {
            transparency: Some("transparent".to_owned()),
            ..local("Focus time (free)", at(wednesday, 9, 0), 180)
        },
        SeedEvent {
            summary: "Call with the Tokyo office".to_owned(),
            start: EventTime::at(tokyo_call, "Asia/Tokyo"),
            end: EventTime::at(tokyo_call + Duration::minutes(60), "Asia/Tokyo"),
            ..local("", at(thursday, 0, 0), 0)
        },
        SeedEvent {
            summary: "Conference".to_owned(),
            start: EventTime::all_day(thursday + Duration::days(7)),
            end: EventTime::all_day(thursday + Duration::days(9)),
            ..local("", at(thursday, 0, 0), 0)
        },
    ];
    let holidays = vec![SeedEvent {
        summary: "Team offsite".to_owned(),
        start: EventTime::all_day(wednesday),
        end: EventTime::all_day(thursday),
        ..local("", at(wednesday, 0, 0), 0)
    }];
    let team_calendar_id = format!("team-{}@group.calendar.google.com", &sub[..6]);
    SeedAccount {
        sub: sub.to_owned(),
        email: email.to_owned(),
        name: name.to_owned(),
        picture: Some(avatar(name)),
        time_zone: zone.to_owned(),
        calendars: vec![
            SeedCalendar {
                id: email.to_owned(),
                summary: email.to_owned(),
                access_role: "owner".to_owned(),
                primary: true,
                background_color: Some("#9fe1e7".to_owned()),
                time_zone: Some(zone.to_owned()),
                events: primary_events,
            },
            SeedCalendar {
                id: team_calendar_id,
                summary: "Team holidays".to_owned(),
                access_role: "reader".to_owned(),
                primary: false,
                background_color: Some("#f691b2".to_owned()),
                time_zone: Some(zone.to_owned()),
                events: holidays,
            },
            SeedCalendar {
                id: format!("bookings-{}@group.calendar.google.com", &sub[..6]),
                summary: "Bookings".to_owned(),
                access_role: "writer".to_owned(),
                primary: false,
                background_color: Some("#7bd148".to_owned()),
                time_zone: Some(zone.to_owned()),
                events: Vec::new(),
            },
        ],
    }
}
