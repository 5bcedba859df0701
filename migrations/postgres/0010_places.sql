-- Where a meeting type's meetings happen: place_kind is 'none', 'in_person'
-- (place_detail: the address), 'host_phone' (the host's number),
-- 'visitor_phone' (asked on the form), 'link' (any video link) or
-- 'google_meet' (created by Google with the event).
alter table meeting_types add column place_kind text not null default 'none';
alter table meeting_types add column place_detail text not null default '';

-- Where a booking's meeting happens, in words a calendar shows (an address,
-- a number, a link); for Google Meet, the link once Google has made it.
alter table bookings add column location text;
-- For Google Meet only: 'requested' until Google answers, then 'pending'
-- (Google is still creating it), 'ready' or 'failed'.
alter table bookings add column conference text;
