//! What a change to an event in the host's calendar means for a booking:
//! pure, so every case is a unit test.

use chrono::{DateTime, Utc};

use crate::{
    db::{bookings::Booking, proposals::ProposalKind},
    google::event_list::ListedEvent,
};

/// Whether `event` is the host's copy of `booking`: the event BookMate put
/// in Google (direct booking), the one following found before, or an
/// emailed invitation the host accepted (same iCalUID as the invite).
pub fn is_copy_of(event: &ListedEvent, booking: &Booking, known_event_id: Option<&str>) -> bool {
    if booking.google_event_id.as_deref() == Some(event.id.as_str())
        || known_event_id == Some(event.id.as_str())
    {
        return true;
    }
    let invite_uid = booking.google_ical_uid.as_deref().unwrap_or(&booking.uid);
    event.ical_uid.as_deref() == Some(invite_uid)
}

/// What the host did to the booking's event, if anything BookMate should
/// follow: deleted it, or moved it (an all-day or unreadable time is
/// nothing BookMate can book, and is left alone).
pub fn change_to(event: &ListedEvent, booking: &Booking) -> Option<ProposalKind> {
    if event.is_deleted() {
        return Some(ProposalKind::Cancel);
    }
    let (starts_at, ends_at) = event.times()?;
    let moved = (starts_at, ends_at) != (booking.starts_at, booking.ends_at);
    (moved && ends_at > starts_at).then_some(ProposalKind::Move { starts_at, ends_at })
}

/// A proposal still worth asking about at `now`: a move into the past is
/// not one to tell a visitor of.
pub fn still_relevant(kind: ProposalKind, now: DateTime<Utc>) -> bool {
    match kind {
        ProposalKind::Cancel => true,
        ProposalKind::Move { starts_at, .. } => starts_at > now,
    }
}

/// A move back to a time the booking had before is the host's calendar
/// lagging behind a move BookMate made (an emailed update not yet taken
/// in), not the host's doing.
pub fn is_a_time_it_had(kind: ProposalKind, earlier_starts: &[DateTime<Utc>]) -> bool {
    matches!(kind, ProposalKind::Move { starts_at, .. } if earlier_starts.contains(&starts_at))
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone as _};

    use super::*;
    use crate::{db::bookings::Delivery, google::event_list::ListedTime};

    fn booking(google_event_id: Option<&str>, google_ical_uid: Option<&str>) -> Booking {
        let starts_at = Utc.with_ymd_and_hms(2030, 3, 4, 10, 0, 0).unwrap();
        Booking {
            booking_id: 7,
            host_user_id: 1,
            uid: "bm-7@bookmate".to_owned(),
            starts_at,
            ends_at: starts_at + Duration::minutes(30),
            visitor_name: "Vera".to_owned(),
            visitor_email: "vera@example.net".to_owned(),
            visitor_time_zone: "Europe/Berlin".to_owned(),
            note: String::new(),
            delivery: if google_event_id.is_some() { Delivery::Google } else { Delivery::Email },
            google_event_id: google_event_id.map(str::to_owned),
            google_ical_uid: google_ical_uid.map(str::to_owned),
            created_at: starts_at - Duration::days(3),
            sequence: 0,
            cancellation: None,
            meeting_type_id: None,
            location: None,
            conference: None,
            answers: Vec::new(),
        }
    }

    fn event(id: &str, ical_uid: Option<&str>, status: &str, start: Option<DateTime<Utc>>) -> ListedEvent {
        let at = |time: DateTime<Utc>| ListedTime { date_time: Some(time.fixed_offset()), date: None };
        ListedEvent {
            id: id.to_owned(),
            ical_uid: ical_uid.map(str::to_owned),
            status: status.to_owned(),
            start: start.map(at),
            end: start.map(|start| at(start + Duration::minutes(30))),
        }
    }

    #[test]
    fn a_direct_bookings_event_is_known_by_its_id_and_an_accepted_invitation_by_its_uid() {
        let direct = booking(Some("bm7event"), Some("bm7event@google.com"));
        assert!(is_copy_of(&event("bm7event", None, "cancelled", None), &direct, None));
        let emailed = booking(None, None);
        assert!(is_copy_of(&event("abc", Some("bm-7@bookmate"), "confirmed", None), &emailed, None));
        // A deleted event may come back with its id alone: known from before.
        assert!(is_copy_of(&event("abc", None, "cancelled", None), &emailed, Some("abc")));
        assert!(!is_copy_of(&event("abc", None, "cancelled", None), &emailed, None));
        assert!(!is_copy_of(&event("other", Some("other@google.com"), "confirmed", None), &direct, None));
    }

    #[test]
    fn a_deleted_event_proposes_a_cancel_and_a_moved_one_a_move() {
        let booking = booking(Some("e"), None);
        assert_eq!(change_to(&event("e", None, "cancelled", None), &booking), Some(ProposalKind::Cancel));
        assert_eq!(change_to(&event("e", None, "confirmed", Some(booking.starts_at)), &booking), None);
        let later = booking.starts_at + Duration::hours(2);
        assert_eq!(
            change_to(&event("e", None, "confirmed", Some(later)), &booking),
            Some(ProposalKind::Move { starts_at: later, ends_at: later + Duration::minutes(30) })
        );
        // An event made all-day is nothing BookMate can book: left alone.
        let mut all_day = event("e", None, "confirmed", None);
        all_day.start = Some(ListedTime { date_time: None, date: Some(later.date_naive()) });
        assert_eq!(change_to(&all_day, &booking), None);
    }

    #[test]
    fn a_move_into_the_past_is_not_proposed() {
        let now = Utc.with_ymd_and_hms(2030, 3, 1, 0, 0, 0).unwrap();
        let past = ProposalKind::Move { starts_at: now - Duration::hours(1), ends_at: now };
        assert!(!still_relevant(past, now));
        assert!(still_relevant(ProposalKind::Cancel, now));
    }

    #[test]
    fn a_calendar_still_at_an_earlier_time_of_the_booking_is_lagging_not_moved() {
        let before = Utc.with_ymd_and_hms(2030, 3, 4, 9, 0, 0).unwrap();
        let back = ProposalKind::Move { starts_at: before, ends_at: before + Duration::minutes(30) };
        assert!(is_a_time_it_had(back, &[before]));
        assert!(!is_a_time_it_had(back, &[before + Duration::hours(1)]));
        assert!(!is_a_time_it_had(ProposalKind::Cancel, &[before]));
    }
}
