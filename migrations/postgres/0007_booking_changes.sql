-- A booking's life after it is made: cancelled or moved, by the visitor or
-- the host. Every change raises the booking's iCalendar SEQUENCE, so the
-- invites it sends replace the ones before (RFC 5546).
alter table bookings add column sequence bigint not null default 0;
alter table bookings add column cancelled_at bigint;
-- 'visitor' or 'host'.
alter table bookings add column cancelled_by text;
alter table bookings add column cancel_reason text;

-- What happened to a booking, newest last, for the host's dashboard and the
-- visitor's page.
create table booking_changes (
    change_id bigint generated always as identity primary key,
    booking_id bigint not null references bookings (booking_id) on delete cascade,
    -- 'cancelled' or 'rescheduled'.
    kind text not null,
    -- 'visitor' or 'host'.
    made_by text not null,
    -- The time the booking had before the change.
    from_starts_at bigint not null,
    from_ends_at bigint not null,
    reason text,
    made_at bigint not null
);

create index booking_changes_by_booking on booking_changes (booking_id, made_at);

-- How late before its start a visitor may still cancel or move a booking;
-- 0: until the start.
alter table host_settings add column change_cutoff_minutes bigint not null default 0;
