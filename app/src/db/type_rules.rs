//! A meeting type's rules as they apply: its own where it sets them, the
//! host's settings otherwise.

use chrono::Duration;
use chrono_tz::Tz;
use scheduling::{BookingRules, TypeLimit};

use super::{host_settings::HostSettings, meeting_types::MeetingType};

impl MeetingType {
    /// The lengths a visitor chooses from, the first preselected.
    pub fn lengths(&self, settings: &HostSettings) -> Vec<i64> {
        if self.fields.lengths.is_empty() {
            vec![settings.meeting_minutes]
        } else {
            self.fields.lengths.clone()
        }
    }

    pub fn default_length(&self, settings: &HostSettings) -> i64 {
        self.lengths(settings)[0]
    }

    /// The rules of a meeting of `length_minutes` of this type: its own, else
    /// the host's. Start times lie one meeting apart unless the type or the
    /// host set a step.
    pub fn rules(&self, settings: &HostSettings, length_minutes: i64) -> BookingRules {
        let host = settings.rules();
        let fields = &self.fields;
        let minutes = Duration::minutes;
        let step = fields.slot_interval_minutes.or(settings.slot_interval_minutes).unwrap_or(length_minutes);
        BookingRules {
            meeting_length: minutes(length_minutes),
            slot_interval: minutes(step),
            buffer_before: fields.buffer_before_minutes.map_or(host.buffer_before, minutes),
            buffer_after: fields.buffer_after_minutes.map_or(host.buffer_after, minutes),
            minimum_notice: fields.minimum_notice_minutes.map_or(host.minimum_notice, minutes),
            horizon: Duration::days(self.horizon_days(settings)),
            // The host's limit counts all their meetings; the type's own (0 or
            // empty: none) counts only meetings of this type.
            daily_limit: host.daily_limit,
            type_limit: {
                let own = |value: Option<i64>| {
                    value.and_then(|most| u32::try_from(most).ok()).filter(|most| *most > 0)
                };
                let (meetings, minutes) = (own(fields.daily_limit_meetings), own(fields.daily_limit_minutes));
                (meetings.is_some() || minutes.is_some()).then_some(TypeLimit {
                    meeting_type: self.type_id,
                    meetings,
                    minutes,
                })
            },
        }
    }

    pub fn horizon_days(&self, settings: &HostSettings) -> i64 {
        self.fields.horizon_days.unwrap_or(settings.horizon_days)
    }

    /// The slot engine's view of the host for this type: its hours (or the
    /// host's), the host's dates, on the host's clock.
    pub fn engine<'a>(
        &'a self,
        settings: &'a HostSettings,
        time_zone: Tz,
        length_minutes: i64,
    ) -> scheduling::Host<'a> {
        scheduling::Host {
            availability: self.fields.availability.as_ref().unwrap_or(&settings.availability),
            overrides: &settings.overrides,
            time_zone,
            rules: self.rules(settings, length_minutes),
        }
    }

    /// Some hours to book: weekly ones, or on some date.
    pub fn takes_bookings(&self, settings: &HostSettings) -> bool {
        let weekly = self.fields.availability.as_ref().unwrap_or(&settings.availability);
        !weekly.is_empty() || settings.overrides.has_hours()
    }
}
