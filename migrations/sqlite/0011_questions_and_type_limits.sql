-- Questions a meeting type asks the visitor (JSON list of
-- questions::Question), and whether the answers go into the Google event's
-- description too.
alter table meeting_types add column questions_json text not null default '[]';
alter table meeting_types add column answers_in_event bigint not null default 0;

-- A booking's answers (JSON list of {question, answer}), as text.
alter table bookings add column answers_json text not null default '[]';

-- A type's own daily limits (0: none); null: the host's (host_settings).
alter table meeting_types add column daily_limit_meetings bigint;
alter table meeting_types add column daily_limit_minutes bigint;
