-- Hosts who signed in with Google. A host is identified by Google's `sub`, never
-- by email: an address can change hands, a `sub` never does.
-- Times are whole seconds since the Unix epoch (UTC) in both dialects, so the
-- data layer binds the same values to SQLite and PostgreSQL.
create table users (
    user_id integer primary key,
    google_sub text not null unique,
    email text not null,
    display_name text not null,
    picture_url text,
    -- Chosen in settings; null until then, which keeps the public page unpublished.
    username text unique,
    time_zone text not null default 'UTC',
    created_at bigint not null,
    updated_at bigint not null
);

-- Outgoing mail. Written in the same transaction as whatever caused it, and sent
-- later by a worker, so an SMTP outage delays mail and loses none. Without SMTP
-- (the embedded default) the rows are the mailbox a developer reads.
create table outbox_messages (
    message_id integer primary key,
    recipient text not null,
    subject text not null,
    body_text text not null,
    -- An iCalendar invite (method REQUEST) sent alongside the text, if any.
    calendar_ics text,
    attempts bigint not null default 0,
    next_attempt_at bigint not null,
    sent_at bigint,
    last_error text,
    created_at bigint not null
);

create index outbox_messages_due on outbox_messages (sent_at, next_attempt_at);
