//! Weekly hours as a form sends them (`"09:00"`–`"17:00"` pairs, Monday
//! first), checked into the slot engine's `WeeklyAvailability`.

use scheduling::{LocalInterval, WeeklyAvailability};

use super::model::{parse_minute, WEEKDAY_NAMES};
use crate::error::AppError;

/// Field names are `day-<weekday>-<index>`, so errors land beside the
/// interval they are about.
pub fn parse_availability(days_given: &[Vec<(String, String)>]) -> Result<WeeklyAvailability, AppError> {
    if days_given.len() != 7 {
        return Err(AppError::invalid("availability", "Give hours for each of the seven days."));
    }
    let mut days: [Vec<LocalInterval>; 7] = Default::default();
    for (day_index, intervals) in days_given.iter().enumerate() {
        for (index, (start, end)) in intervals.iter().enumerate() {
            let field = format!("day-{day_index}-{index}");
            let (Some(start), Some(end)) = (parse_minute(start), parse_minute(end)) else {
                return Err(AppError::invalid(&field, "Use times such as 09:00 and 17:30."));
            };
            days[day_index].push(LocalInterval::new(start, end));
        }
    }
    WeeklyAvailability::new(days).map_err(|error| {
        let (weekday, index, message) = match error {
            scheduling::AvailabilityError::EndNotAfterStart { weekday, index } => {
                (weekday, index, "The end must be after the start.")
            }
            scheduling::AvailabilityError::OutsideTheDay { weekday, index } => {
                (weekday, index, "Times must lie between 00:00 and 24:00.")
            }
            scheduling::AvailabilityError::Overlapping { weekday, index } => {
                (weekday, index, "These hours overlap other hours of the same day.")
            }
        };
        let day = weekday.num_days_from_monday() as usize;
        AppError::invalid(&format!("day-{day}-{index}"), format!("{}: {message}", WEEKDAY_NAMES[day]))
    })
}
