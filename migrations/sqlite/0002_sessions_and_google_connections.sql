-- Scopes this host's features need beyond sign-in, space-separated in Google's
-- long forms; empty until the host turns on a feature that needs more.
alter table users add column additional_scopes text not null default '';

-- What Google granted this host, and the tokens that prove it. Tokens are
-- sealed (XChaCha20-Poly1305, key derived from the secret key, bound to the
-- user and the token's kind): a copy of the database alone reveals none.
create table google_connections (
    user_id bigint primary key references users (user_id) on delete cascade,
    granted_scopes text not null,
    refresh_token_sealed text,
    access_token_sealed text,
    access_token_expires_at bigint,
    -- Set when Google refused a refresh (revoked, expired): the host must
    -- reconnect, and visitors are told the host is not taking bookings.
    needs_reconnect_since bigint,
    updated_at bigint not null
);

-- Signed-in browsers. The cookie holds a random token; only its SHA-256 is
-- kept here, so the table cannot be replayed as cookies.
create table sessions (
    session_digest text primary key,
    user_id bigint not null references users (user_id) on delete cascade,
    created_at bigint not null,
    last_seen_at bigint not null
);

create index sessions_user on sessions (user_id);
