-- Bookings that follow Google Calendar: whether the host turned it on (or
-- waits for Google's consent to the scope it needs), and whether a change
-- found there is applied without asking.
create table calendar_following (
    user_id bigint primary key references users (user_id) on delete cascade,
    enabled bigint not null default 0,
    pending bigint not null default 0,
    apply_without_asking bigint not null default 0,
    updated_at bigint not null
);

-- Each calendar of a host that BookMate reads for changes, with Google's
-- sync token (null: the next read is a full one), when it was read, when it
-- is due again (claimed by moving it ahead, so processes sharing a database
-- never read one together), and the push channel Google notifies, if any.
create table followed_calendars (
    user_id bigint not null references users (user_id) on delete cascade,
    calendar_id text not null,
    sync_token text,
    last_synced_at bigint,
    next_sync_at bigint not null,
    -- Set while one process reads the calendar (a claim), cleared after.
    syncing_until bigint,
    channel_id text,
    channel_token text,
    channel_resource_id text,
    channel_expires_at bigint,
    primary key (user_id, calendar_id)
);

-- A change the host made in Google Calendar to a booking's event, waiting
-- for the host's word: 'cancel' (the event was deleted) or 'move' (to the
-- time given). One open proposal per booking at most.
create table booking_proposals (
    proposal_id bigint generated always as identity primary key,
    booking_id bigint not null references bookings (booking_id) on delete cascade,
    kind text not null,
    starts_at bigint,
    ends_at bigint,
    found_at bigint not null,
    -- null while open; 'applied' or 'dismissed'.
    resolution text,
    resolved_at bigint
);

create unique index booking_proposals_one_open on booking_proposals (booking_id) where resolution is null;

-- The id of the booking's event in the host's own calendar, once following
-- found it (an emailed invitation the host accepted, matched by iCalUID):
-- Google's record of a deleted event may carry its id alone.
alter table bookings add column host_event_id text;
