//! Which of a host's meeting types an address asks for, and at what length:
//! `/{username}/{slug}` names one (listed or secret); `/{username}` stands
//! for the one listed type, or lists them when there are several, so the
//! links hosts shared before meeting types keep booking as they did.

use super::refusals;
use crate::{
    db::{host_settings::HostSettings, meeting_types::MeetingType},
    error::AppError,
};

pub enum Choice<'a> {
    /// One type; `at_front` when `/{username}` stands for it.
    One { meeting_type: &'a MeetingType, at_front: bool },
    /// `/{username}` of a host who lists several: the visitor chooses.
    Several(Vec<&'a MeetingType>),
    /// `/{username}` of a host who lists none (or has no settings yet).
    NoneListed,
}

pub fn choose<'a>(types: &'a [MeetingType], slug: Option<&str>) -> Result<Choice<'a>, AppError> {
    if let Some(slug) = slug.filter(|slug| !slug.is_empty()) {
        let slug = slug.to_ascii_lowercase();
        return types
            .iter()
            .find(|meeting_type| meeting_type.fields.slug == slug)
            .map(|meeting_type| Choice::One { meeting_type, at_front: false })
            .ok_or(AppError::NotFound);
    }
    let listed: Vec<&MeetingType> = types.iter().filter(|meeting_type| meeting_type.fields.listed).collect();
    Ok(match listed.as_slice() {
        [] => Choice::NoneListed,
        [only] => Choice::One { meeting_type: only, at_front: true },
        _ => Choice::Several(listed),
    })
}

/// The type a booking names (by slug, or the one `/{username}` stands for).
pub fn for_booking<'a>(types: &'a [MeetingType], slug: Option<&str>) -> Result<&'a MeetingType, AppError> {
    match choose(types, slug)? {
        Choice::One { meeting_type, .. } => Ok(meeting_type),
        Choice::Several(_) => Err(AppError::invalid("meeting_type", refusals::MEETING_TYPE)),
        Choice::NoneListed => Err(AppError::NotFound),
    }
}

/// The length asked for, if the type offers it, else its first.
pub fn length(
    meeting_type: &MeetingType,
    settings: &HostSettings,
    asked: Option<i64>,
) -> Result<i64, AppError> {
    let offered = meeting_type.lengths(settings);
    match asked {
        None => Ok(offered[0]),
        Some(length) if offered.contains(&length) => Ok(length),
        Some(_) => Err(AppError::invalid("length", refusals::LENGTH)),
    }
}

/// Where a type is booked: `/{username}` when that address stands for it.
pub fn path(username: &str, meeting_type: &MeetingType, at_front: bool) -> String {
    if at_front {
        format!("/{username}")
    } else {
        format!("/{username}/{}", meeting_type.fields.slug)
    }
}
