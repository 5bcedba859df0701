//! Edits made as if by a person in Google Calendar's own UI, not through
//! the API: adding, deleting and moving events. Each is a change like an
//! API write: incremental sync reports it and watch channels are told.

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

use chrono::FixedOffset;

use crate::{seed::SeedEvent, state::seeded_event};

impl Emulator {
    /// Adds an event to an account's calendar, as if made in Google Calendar.
    pub fn add_event(&self, calendar_id: &str, event: &SeedEvent) -> Option<String> {
        let now = self.now();
        let event = seeded_event(event, now);
        let id = event.id.clone();
        self.state().push_event(calendar_id, event).then_some(id)
    }

    /// The owner of `calendar_id` accepts an emailed invitation (an `.ics`
    /// from another organiser, as BookMate sends): Google Calendar adds the
    /// event under the invitation's UID as its `iCalUID`. Returns its id.
    pub fn accept_invitation(&self, calendar_id: &str, ical_uid: &str, event: &SeedEvent) -> Option<String> {
        let now = self.now();
        let mut event = seeded_event(event, now);
        event.ical_uid = ical_uid.to_owned();
        let id = event.id.clone();
        self.state().push_event(calendar_id, event).then_some(id)
    }

    /// Deletes an event as if its owner did in Google Calendar: it stays,
    /// `cancelled`, and a client's later delete of it answers 410. False if
    /// there is no such event; an event already cancelled stays as it is.
    pub fn delete_event(&self, calendar_id: &str, event_id: &str) -> bool {
        let now = self.now();
        let deleted = self.state().edit_event(calendar_id, event_id, |event| {
            if event.status == "cancelled" {
                return Err(());
            }
            event.status = "cancelled".to_owned();
            event.updated = now.max(event.updated + Duration::milliseconds(1));
            Ok(())
        });
        deleted.is_some()
    }

    /// Moves an event as if its owner dragged it in Google Calendar: same id
    /// and iCalUID, the new times (keeping each time's `timeZone`), a new
    /// `updated`. False if there is no such event or it is cancelled.
    pub fn move_event(
        &self,
        calendar_id: &str,
        event_id: &str,
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
    ) -> bool {
        let now = self.now();
        let moved = self.state().edit_event(calendar_id, event_id, |event| {
            if event.status == "cancelled" {
                return Err(());
            }
            let at = |time: DateTime<FixedOffset>, zone: Option<String>| EventTime {
                date_time: Some(time),
                date: None,
                time_zone: zone,
            };
            event.start = at(start, event.start.time_zone.take());
            event.end = at(end, event.end.time_zone.take());
            event.updated = now.max(event.updated + Duration::milliseconds(1));
            Ok(())
        });
        matches!(moved, Some(Ok(())))
    }

    /// The calendar a control request names: its id, or `primary` (or any
    /// of the account's calendar ids) with the account's email. `None` if
    /// the account has no such calendar.
    pub(crate) fn host_calendar_id(&self, email: Option<&str>, calendar_id: &str) -> Option<String> {
        let state = self.state();
        let Some(email) = email else {
            return (calendar_id != "primary").then(|| calendar_id.to_owned());
        };
        let sub = &state.account_by_hint(email)?.sub;
        let calendar = state.calendars.get(sub)?.iter().find(|calendar| {
            if calendar_id == "primary" {
                calendar.entry.primary
            } else {
                calendar.entry.id == calendar_id
            }
        })?;
        Some(calendar.entry.id.clone())
    }
}
