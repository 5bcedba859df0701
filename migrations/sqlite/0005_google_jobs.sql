-- Work BookMate owes Google for a booking: today, putting a direct booking's
-- event into the host's calendar. Written in the booking's own transaction,
-- so a committed booking always has either its job or its emails; done by
-- the worker beside the outbox, claimed (next_attempt_at moved ahead) so
-- that a process that dies mid-call leaves it to be taken up again.
create table google_jobs (
    job_id integer primary key,
    booking_id bigint not null references bookings (booking_id) on delete cascade,
    -- 'insert_event'.
    kind text not null,
    calendar_id text not null,
    -- Ours, chosen before the first attempt: a repeated insert is a duplicate, not a second event.
    event_id text not null,
    attempts bigint not null default 0,
    next_attempt_at bigint not null,
    done_at bigint,
    last_error text,
    created_at bigint not null
);

create index google_jobs_due on google_jobs (done_at, next_attempt_at);
