-- Meetings visitors booked. The uid is the iCalendar UID every invite of the
-- booking carries (and Google's iCalUID for direct bookings), so calendars
-- recognise updates as the same meeting.
create table bookings (
    booking_id integer primary key,
    host_user_id bigint not null references users (user_id) on delete cascade,
    uid text not null unique,
    starts_at bigint not null,
    ends_at bigint not null,
    visitor_name text not null,
    visitor_email text not null,
    visitor_time_zone text not null,
    note text not null,
    -- 'email' (invites from BookMate) or 'google' (inserted into the host's calendar).
    delivery text not null,
    google_event_id text,
    status text not null default 'confirmed',
    created_at bigint not null
);

-- Two visitors racing for one slot: the database lets one through.
create unique index bookings_one_per_start on bookings (host_user_id, starts_at) where status = 'confirmed';
create index bookings_by_host_time on bookings (host_user_id, starts_at);
