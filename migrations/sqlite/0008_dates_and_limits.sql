-- Hours that change by date: each row is one entry a host made, a run of
-- dates on the host's calendar (a day, or a holiday in one step) with the
-- hours that replace the weekly ones on each; no hours is time off.
create table date_overrides (
    override_id integer primary key,
    user_id bigint not null references users (user_id) on delete cascade,
    -- ISO dates, YYYY-MM-DD, inclusive.
    first_day text not null,
    last_day text not null,
    -- JSON list of {start_minute, end_minute}; [] for time off.
    hours_json text not null,
    created_at bigint not null
);

create index date_overrides_by_user on date_overrides (user_id, first_day);

-- Start times this many minutes apart; null: one meeting's length apart.
alter table host_settings add column slot_interval_minutes bigint;
-- At most so many meetings, or minutes of meetings, a day; null: no limit.
alter table host_settings add column daily_limit_meetings bigint;
alter table host_settings add column daily_limit_minutes bigint;
-- 1: every busy minute in the host's calendars counts toward the minutes.
alter table host_settings add column daily_limit_counts_all_busy bigint not null default 0;
-- 0 until the host saves which calendars count as busy; until then the
-- primary calendar does. Hosts who saved a non-empty choice made one.
alter table host_settings add column busy_calendars_chosen bigint not null default 0;
update host_settings set busy_calendars_chosen = 1 where busy_calendar_ids_json <> '[]';
