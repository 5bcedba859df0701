-- The iCalUID Google gave a direct booking's event. Google does not derive
-- it from the event id in any documented way, so it is stored as Google
-- answered it; an invite BookMate builds for that booking carries it, so
-- calendars see one meeting. Null until Google has answered, and for
-- bookings that go by email, whose invites carry bookings.uid.
alter table bookings add column google_ical_uid text;
