-- Every call BookMate made to Google on a host's behalf, in words the host
-- reads on Settings → Google access. Never a token, never more of an event
-- than the host's own pages show. Bounded per host (db/google_access_log.rs).
create table google_access_log (
    entry_id bigint generated always as identity primary key,
    user_id bigint not null references users (user_id) on delete cascade,
    at bigint not null,
    -- 'calendar' (the Calendar API) or 'oauth' (Google's token and revocation endpoints).
    api text not null,
    -- Google's name for what was called: 'freebusy.query', 'events.insert', 'token refresh'.
    method text not null,
    -- The granted scope the call relied on, long form; '' for the OAuth endpoints.
    scope text not null,
    -- Why, in the host's words: "Checked your busy times for your booking page".
    purpose text not null,
    -- 'ok', 'refused' (Google said no), 'failed' (no usable answer).
    outcome text not null
);

create index google_access_log_by_user on google_access_log (user_id, entry_id);

-- Google's word that this host's refresh token ends (a project in "Testing"
-- status: seven days for calendar scopes), from refresh_token_expires_in.
alter table google_connections add column refresh_token_expires_at bigint;
-- Set when Google refused a call for a scope the stored grant listed.
alter table google_connections add column scopes_withdrawn_at bigint;
-- When the host was emailed that the connection broke; a reconnect clears it.
alter table google_connections add column breakage_alerted_at bigint;

-- A job whose host must reconnect Google waits (for a while) instead of
-- going by email at once; a reconnect wakes it.
alter table google_jobs add column waiting_for_reconnect_since bigint;
