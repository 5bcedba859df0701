-- How each host takes bookings. A host without a row has not set up their
-- page yet; the settings page then offers defaults.
create table host_settings (
    user_id bigint primary key references users (user_id) on delete cascade,
    -- scheduling::WeeklyAvailability as JSON: seven lists (Monday first) of
    -- {start_minute, end_minute} wall-clock intervals in the host's zone.
    availability_json text not null,
    meeting_minutes bigint not null,
    buffer_before_minutes bigint not null,
    buffer_after_minutes bigint not null,
    minimum_notice_minutes bigint not null,
    horizon_days bigint not null,
    -- JSON array of Google calendar ids whose events count as busy.
    busy_calendar_ids_json text not null,
    -- Where direct bookings go; null when direct booking is off.
    direct_booking_calendar_id text,
    -- Chosen on Save while Google's consent is still outstanding; applied only
    -- once Google grants the write scope, so nothing is half-saved.
    pending_direct_booking_calendar_id text,
    updated_at bigint not null
);
