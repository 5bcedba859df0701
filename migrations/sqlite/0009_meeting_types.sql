-- Meeting types: what a host offers (a 15-minute intro, a 60-minute
-- consultation), each at /{username}/{slug}. A type's rules that are null
-- follow the host's settings (host_settings), which stay every type's
-- defaults.
create table meeting_types (
    type_id integer primary key,
    user_id bigint not null references users (user_id) on delete cascade,
    slug text not null,
    title text not null,
    -- Plain text, shown as text (links made clickable), never as HTML.
    description text not null default '',
    -- JSON list of the lengths a visitor chooses from, in minutes, the first
    -- preselected; []: the host's meeting length.
    lengths_json text not null default '[]',
    slot_interval_minutes bigint,
    buffer_before_minutes bigint,
    buffer_after_minutes bigint,
    minimum_notice_minutes bigint,
    horizon_days bigint,
    -- Weekly hours of its own, as host_settings.availability_json; null: the
    -- host's.
    availability_json text,
    colour text not null default '#2563eb',
    -- 1: listed on /{username}; 0: secret, reachable only by its link.
    listed bigint not null default 1,
    position bigint not null default 0,
    created_at bigint not null,
    updated_at bigint not null,
    unique (user_id, slug)
);

-- Every host so far offered one kind of meeting: it becomes their one type,
-- following their settings as before, so /{username} books as it did.
insert into meeting_types (user_id, slug, title, created_at, updated_at)
    select user_id, 'meeting', 'Meeting', updated_at, updated_at from host_settings;

-- Which type a booking was made for; null for a type since deleted.
alter table bookings add column meeting_type_id bigint references meeting_types (type_id) on delete set null;
update bookings set meeting_type_id =
    (select type_id from meeting_types where meeting_types.user_id = bookings.host_user_id);
