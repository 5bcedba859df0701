//! Who may see and change a booking, and what the visitor's page shows:
//! the manage link opens it (a wrong link finds nothing), the host's
//! cut-off closes it to the visitor, and a booking page in "move my
//! booking" mode learns its current time here.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use scheduling::Interval;

use super::model::{ManagedBooking, Standing};
use crate::{
    booking::{free_times::Rescheduling, invitations, model::ReschedulingLink},
    db::{
        booking_changes::{self, ChangeKind},
        bookings::{self, Booking, Party},
        host_settings::{self, HostSettings},
        meeting_types::{self, MeetingType, MeetingTypeFields},
        users::{self, User},
    },
    error::AppError,
    state::AppState,
};

/// The booking a manage link opens. Any link that is not exactly right is
/// "not found", like a booking that does not exist.
pub async fn open(state: &AppState, uid: &str, key: &str) -> Result<Booking, AppError> {
    if !state.manage_links.verify(uid, key) {
        return Err(AppError::NotFound);
    }
    bookings::find_by_uid(state.database.pool(), uid).await?.ok_or(AppError::NotFound)
}

/// Why the visitor may no longer change the booking, if so.
pub(super) fn closed_to_visitor(
    booking: &Booking,
    host: &User,
    settings: &HostSettings,
    now: DateTime<Utc>,
) -> Option<String> {
    let write = format!("To change it now, write to {} at {}.", host.display_name, host.email);
    if booking.starts_at <= now {
        return Some(format!("This meeting has started, so it can no longer be changed here. {write}"));
    }
    let cutoff = Duration::minutes(settings.change_cutoff_minutes.max(0));
    (now > booking.starts_at - cutoff).then(|| {
        format!(
            "Changes close {} before the meeting, so it can no longer be changed here. {write}",
            in_words(cutoff)
        )
    })
}

fn in_words(span: Duration) -> String {
    let hours = span.num_hours();
    match (hours, span.num_minutes() % 60) {
        (0, minutes) => format!("{minutes} minutes"),
        (1, 0) => "an hour".to_owned(),
        (hours, 0) if hours % 24 == 0 && hours >= 48 => format!("{} days", hours / 24),
        (24, 0) => "a day".to_owned(),
        (hours, 0) => format!("{hours} hours"),
        (hours, minutes) => format!("{hours} h {minutes} min"),
    }
}

/// The type a booking was made as, or (its type since deleted, or a booking
/// from before types) one that follows the host's settings.
pub(super) async fn booking_type(state: &AppState, booking: &Booking) -> Result<MeetingType, AppError> {
    let found = match booking.meeting_type_id {
        Some(type_id) => meeting_types::find(state.database.pool(), type_id).await?,
        None => None,
    };
    Ok(found.filter(|meeting_type| meeting_type.user_id == booking.host_user_id).unwrap_or_else(|| {
        MeetingType {
            type_id: 0,
            user_id: booking.host_user_id,
            position: 0,
            fields: MeetingTypeFields::first(),
        }
    }))
}

pub(super) async fn host_and_settings(
    state: &AppState,
    booking: &Booking,
) -> Result<(User, HostSettings), AppError> {
    let db = state.database.pool();
    let host = users::find_by_id(db, booking.host_user_id).await?.ok_or(AppError::NotFound)?;
    let settings = host_settings::find(db, host.user_id).await?.unwrap_or_else(HostSettings::defaults);
    Ok((host, settings))
}

/// What the visitor's page shows.
pub async fn view(
    state: &AppState,
    uid: &str,
    key: &str,
    now: DateTime<Utc>,
) -> Result<ManagedBooking, AppError> {
    let booking = open(state, uid, key).await?;
    let (host, settings) = host_and_settings(state, &booking).await?;
    let visitor_zone: Tz = booking.visitor_time_zone.parse().unwrap_or(Tz::UTC);
    let slot = Interval::new(booking.starts_at, booking.ends_at);
    let on_visitor_clock =
        |time: DateTime<Utc>| time.with_timezone(&visitor_zone).format("%a %-d %b %Y, %H:%M");
    let party = |by: Party| match by {
        Party::Visitor => "you".to_owned(),
        Party::Host => host.display_name.clone(),
    };
    let standing = match &booking.cancellation {
        Some(cancellation) => Standing::Cancelled {
            by_and_when: format!(
                "Cancelled by {} on {}.",
                party(cancellation.by),
                on_visitor_clock(cancellation.at)
            ),
            reason: cancellation.reason.clone(),
        },
        None => match closed_to_visitor(&booking, &host, &settings, now) {
            Some(why) => Standing::Closed(why),
            None => Standing::Changeable,
        },
    };
    let history = booking_changes::history(state.database.pool(), booking.booking_id)
        .await?
        .into_iter()
        .map(|entry| {
            let from =
                invitations::when(Interval::new(entry.from_starts_at, entry.from_ends_at), visitor_zone);
            match entry.kind {
                ChangeKind::Rescheduled => {
                    format!(
                        "{}: moved by {} from {from}.",
                        on_visitor_clock(entry.made_at),
                        party(entry.made_by)
                    )
                }
                ChangeKind::Cancelled => {
                    format!("{}: cancelled by {}.", on_visitor_clock(entry.made_at), party(entry.made_by))
                }
            }
        })
        .collect();
    let meeting_type = booking_type(state, &booking).await?;
    let move_path = host.username.as_ref().map(|username| {
        if meeting_type.type_id == 0 {
            format!("/{username}")
        } else {
            format!("/{username}/{}", meeting_type.fields.slug)
        }
    });
    Ok(ManagedBooking {
        uid: booking.uid.clone(),
        key: key.to_owned(),
        host_name: host.display_name.clone(),
        host_email: host.email.clone(),
        move_path,
        visitor_time: invitations::when(slot, visitor_zone),
        host_time: invitations::when(slot, host.zone()),
        visitor_time_zone: visitor_zone.name().to_owned(),
        invitation: invitations::status(&booking),
        place: invitations::place_in_words(&booking),
        standing,
        history,
    })
}

/// For the booking page in "move my booking" mode: the booking a link
/// opens, if it may still move and belongs to the page's host.
pub async fn rescheduling(
    state: &AppState,
    uid: &str,
    key: &str,
    username: &str,
    now: DateTime<Utc>,
) -> Result<Rescheduling, AppError> {
    let booking = open(state, uid, key).await?;
    let (host, settings) = host_and_settings(state, &booking).await?;
    if host.username.as_deref() != Some(&username.to_ascii_lowercase()) {
        return Err(AppError::NotFound);
    }
    if booking.is_cancelled() {
        return Err(AppError::Conflict("This booking was cancelled, so it cannot be moved.".to_owned()));
    }
    if let Some(why) = closed_to_visitor(&booking, &host, &settings, now) {
        return Err(AppError::Conflict(why));
    }
    let current = Interval::new(booking.starts_at, booking.ends_at);
    let visitor_zone: Tz = booking.visitor_time_zone.parse().unwrap_or(Tz::UTC);
    Ok(Rescheduling {
        current,
        length_minutes: (booking.ends_at - booking.starts_at).num_minutes(),
        link: ReschedulingLink {
            uid: booking.uid,
            key: key.to_owned(),
            current_time: invitations::when(current, visitor_zone),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_read_as_people_say_them() {
        assert_eq!(in_words(Duration::minutes(30)), "30 minutes");
        assert_eq!(in_words(Duration::hours(1)), "an hour");
        assert_eq!(in_words(Duration::hours(24)), "a day");
        assert_eq!(in_words(Duration::hours(48)), "2 days");
        assert_eq!(in_words(Duration::minutes(90)), "1 h 30 min");
    }
}
