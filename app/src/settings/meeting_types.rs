//! A host's meeting types, on the server: each form checked field by field,
//! and saved, moved, duplicated, hidden or deleted.

use chrono::Utc;

use super::{
    hours::parse_availability,
    model::{format_minute, MeetingTypeForm, MeetingTypeView, TypeChange, MOST_LENGTHS, SLOT_INTERVALS},
};
use crate::{
    db::{
        google_connections, host_settings,
        meeting_types::{self, Deleted, MeetingType, MeetingTypeFields, Saved},
        users::User,
    },
    error::AppError,
    google_scopes::CALENDAR_EVENTS,
    place::{checked_phone, Place},
    questions::checked_questions,
    state::AppState,
};

/// The longest description a type may have.
pub const MOST_DESCRIPTION_CHARS: usize = 2_000;

pub async fn list(state: &AppState, user: &User) -> Result<Vec<MeetingTypeView>, AppError> {
    let types = meeting_types::for_host(state.database.pool(), user.user_id).await?;
    let username = user.username.clone().unwrap_or_default();
    Ok(types.iter().map(|meeting_type| view_of(meeting_type, &username)).collect())
}

pub async fn save(
    state: &AppState,
    user: &User,
    form: MeetingTypeForm,
) -> Result<Vec<MeetingTypeView>, AppError> {
    let fields = checked(&form)?;
    let db = state.database.pool();
    if fields.place == Place::GoogleMeet {
        // Google creates the Meet link with the event it inserts: only a
        // host whose bookings go into Google Calendar can offer it.
        let settings = host_settings::find(db, user.user_id).await?;
        let granted = google_connections::find(db, user.user_id)
            .await?
            .is_some_and(|connection| connection.granted_scopes.contains(CALENDAR_EVENTS));
        if !granted || settings.and_then(|settings| settings.direct_booking_calendar_id).is_none() {
            return Err(AppError::invalid(
                "place",
                "Google Meet needs direct booking: Google creates the link with the event in your calendar. Turn \
                 on direct booking below first.",
            ));
        }
    }
    let saved = match form.type_id {
        Some(type_id) => meeting_types::update(db, user.user_id, type_id, &fields, Utc::now()).await?,
        None => meeting_types::create(db, user.user_id, &fields, Utc::now()).await?,
    };
    match saved {
        Saved::Saved(_) => list(state, user).await,
        Saved::SlugTaken => Err(AppError::invalid("slug", "Another of your meeting types has that address.")),
        Saved::NotFound => Err(AppError::NotFound),
    }
}

pub async fn change(
    state: &AppState,
    user: &User,
    type_id: i64,
    change: TypeChange,
) -> Result<Vec<MeetingTypeView>, AppError> {
    let db = state.database.pool();
    let types = meeting_types::for_host(db, user.user_id).await?;
    let index =
        types.iter().position(|meeting_type| meeting_type.type_id == type_id).ok_or(AppError::NotFound)?;
    let now = Utc::now();
    match change {
        TypeChange::MoveUp | TypeChange::MoveDown => {
            let mut order: Vec<i64> = types.iter().map(|meeting_type| meeting_type.type_id).collect();
            let other = if change == TypeChange::MoveUp { index.checked_sub(1) } else { Some(index + 1) };
            if let Some(other) = other.filter(|other| *other < order.len()) {
                order.swap(index, other);
                meeting_types::reorder(db, user.user_id, &order, now).await?;
            }
        }
        TypeChange::Duplicate => {
            let original = &types[index].fields;
            let mut copy =
                MeetingTypeFields { title: format!("{} (copy)", original.title), ..original.clone() };
            copy.title = copy.title.chars().take(100).collect();
            // The first free address of `slug-copy`, `slug-copy-2`, …
            let taken = |slug: &str| types.iter().any(|meeting_type| meeting_type.fields.slug == slug);
            let base: String = format!("{}-copy", original.slug).chars().take(36).collect();
            copy.slug = (1..)
                .map(|n| if n == 1 { base.clone() } else { format!("{base}-{n}") })
                .find(|slug| !taken(slug))
                .unwrap_or(base);
            if meeting_types::create(db, user.user_id, &copy, now).await? == Saved::SlugTaken {
                return Err(AppError::Conflict("That type changed meanwhile; please try again.".to_owned()));
            }
        }
        TypeChange::Hide | TypeChange::List => {
            let fields =
                MeetingTypeFields { listed: change == TypeChange::List, ..types[index].fields.clone() };
            meeting_types::update(db, user.user_id, type_id, &fields, now).await?;
        }
        TypeChange::Delete => match meeting_types::delete(db, user.user_id, type_id, now).await? {
            Deleted::Deleted => {}
            Deleted::HasUpcomingBookings => {
                return Err(AppError::invalid(
                    "meeting_types",
                    "This meeting type has bookings to come, so it cannot be deleted. Hide it instead: its \
                     bookings stand, and visitors no longer see it.",
                ));
            }
            Deleted::LastOne => {
                return Err(AppError::invalid(
                    "meeting_types",
                    "Your page offers at least one meeting type; change this one instead.",
                ));
            }
            Deleted::NotFound => return Err(AppError::NotFound),
        },
    }
    list(state, user).await
}

fn view_of(meeting_type: &MeetingType, username: &str) -> MeetingTypeView {
    let fields = &meeting_type.fields;
    let own_hours = fields.availability.clone().map(|availability| {
        let days: [Vec<scheduling::LocalInterval>; 7] = availability.into();
        days.iter()
            .map(|intervals| {
                intervals
                    .iter()
                    .map(|interval| {
                        (format_minute(interval.start_minute), format_minute(interval.end_minute))
                    })
                    .collect()
            })
            .collect()
    });
    MeetingTypeView {
        type_id: meeting_type.type_id,
        path: format!("/{username}/{}", fields.slug),
        form: MeetingTypeForm {
            type_id: Some(meeting_type.type_id),
            title: fields.title.clone(),
            slug: fields.slug.clone(),
            description: fields.description.clone(),
            lengths: fields.lengths.clone(),
            slot_interval_minutes: fields.slot_interval_minutes,
            buffer_before_minutes: fields.buffer_before_minutes,
            buffer_after_minutes: fields.buffer_after_minutes,
            minimum_notice_minutes: fields.minimum_notice_minutes,
            horizon_days: fields.horizon_days,
            own_hours,
            colour: fields.colour.clone(),
            listed: fields.listed,
            place: fields.place.clone(),
            questions: fields.questions.clone(),
            answers_in_event: fields.answers_in_event,
            daily_limit_meetings: fields.daily_limit_meetings,
            daily_limit_minutes: fields.daily_limit_minutes,
        },
    }
}

/// The form's fields as stored, or the first field at fault.
fn checked(form: &MeetingTypeForm) -> Result<MeetingTypeFields, AppError> {
    let title = form.title.trim();
    if title.is_empty() || title.chars().count() > 100 || title.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "title",
            "Give the meeting a name of 1 to 100 characters, on one line.",
        ));
    }
    let slug = form.slug.trim().to_ascii_lowercase();
    let slug_is_fine = (1..=40).contains(&slug.len())
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if !slug_is_fine {
        return Err(AppError::invalid(
            "slug",
            "Use 1 to 40 lowercase letters, digits or hyphens, as in intro-call.",
        ));
    }
    let description: String = form
        .description
        .trim()
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect();
    if description.chars().count() > MOST_DESCRIPTION_CHARS {
        return Err(AppError::invalid(
            "description",
            format!("Keep the description under {MOST_DESCRIPTION_CHARS} characters."),
        ));
    }
    let mut lengths = Vec::new();
    for length in &form.lengths {
        if !(5..=480).contains(length) || length % 5 != 0 {
            return Err(AppError::invalid(
                "lengths",
                "Lengths are whole 5 minutes, from 5 minutes to 8 hours.",
            ));
        }
        if !lengths.contains(length) {
            lengths.push(*length);
        }
    }
    if lengths.is_empty() || lengths.len() > MOST_LENGTHS {
        return Err(AppError::invalid("lengths", format!("Offer 1 to {MOST_LENGTHS} lengths.")));
    }
    let optional = |field: &str, value: Option<i64>, low: i64, high: i64, message: &str| match value {
        Some(value) if !(low..=high).contains(&value) => Err(AppError::invalid(field, message)),
        value => Ok(value),
    };
    let slot_interval_minutes = match form.slot_interval_minutes {
        Some(0) | None => None,
        Some(step) if SLOT_INTERVALS.contains(&step) => Some(step),
        Some(_) => return Err(AppError::invalid("slot_interval_minutes", "Choose one of the listed steps.")),
    };
    let availability = match &form.own_hours {
        None => None,
        Some(days) => Some(parse_availability(days)?),
    };
    let colour_is_fine = form.colour.len() == 7
        && form.colour.starts_with('#')
        && form.colour[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !colour_is_fine {
        return Err(AppError::invalid("colour", "Colours are written like #2563eb."));
    }
    let place = checked_place(&form.place)?;
    let questions =
        checked_questions(&form.questions).map_err(|message| AppError::invalid("questions", message))?;
    Ok(MeetingTypeFields {
        place,
        questions,
        answers_in_event: form.answers_in_event,
        daily_limit_meetings: optional(
            "daily_limit_meetings",
            form.daily_limit_meetings,
            0,
            50,
            "Use 0 (no limit) to 50 meetings, or leave it empty.",
        )?,
        daily_limit_minutes: optional(
            "daily_limit_minutes",
            form.daily_limit_minutes,
            0,
            24 * 60,
            "Use 0 (no limit) to 1,440 minutes, or leave it empty.",
        )?,
        slug,
        title: title.to_owned(),
        description,
        lengths,
        slot_interval_minutes,
        buffer_before_minutes: optional(
            "buffer_before_minutes",
            form.buffer_before_minutes,
            0,
            240,
            "Use 0 to 240 minutes.",
        )?,
        buffer_after_minutes: optional(
            "buffer_after_minutes",
            form.buffer_after_minutes,
            0,
            240,
            "Use 0 to 240 minutes.",
        )?,
        minimum_notice_minutes: optional(
            "minimum_notice_minutes",
            form.minimum_notice_minutes,
            0,
            60 * 24 * 30,
            "Use up to 30 days of notice.",
        )?,
        horizon_days: optional("horizon_days", form.horizon_days, 1, 365, "Use 1 to 365 days.")?,
        availability,
        colour: form.colour.to_ascii_lowercase(),
        listed: form.listed,
    })
}

fn checked_place(place: &Place) -> Result<Place, AppError> {
    let text = |value: &str| value.trim().to_owned();
    Ok(match place {
        Place::InPerson { address } => {
            let address = text(address);
            if address.is_empty() || address.chars().count() > 300 || address.chars().any(char::is_control) {
                return Err(AppError::invalid(
                    "place",
                    "Give the address on one line, up to 300 characters.",
                ));
            }
            Place::InPerson { address }
        }
        Place::HostPhone { number } => Place::HostPhone {
            number: checked_phone(number)
                .ok_or_else(|| AppError::invalid("place", "Give a phone number such as +44 20 7946 0958."))?,
        },
        Place::Link { url } => {
            let url = text(url);
            let fine = (url.starts_with("https://") || url.starts_with("http://"))
                && url.len() <= 500
                && url.len() > "https://".len()
                && !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'));
            if !fine {
                return Err(AppError::invalid(
                    "place",
                    "Give the meeting's web address, starting with https://.",
                ));
            }
            Place::Link { url }
        }
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> MeetingTypeForm {
        MeetingTypeForm {
            title: "Intro call".to_owned(),
            slug: "intro".to_owned(),
            ..MeetingTypeForm::blank(15)
        }
    }

    #[test]
    fn a_good_form_is_kept_as_given_and_trimmed() {
        let fields = checked(&MeetingTypeForm {
            title: "  Intro call ".to_owned(),
            slug: "Intro-Call".to_owned(),
            description: "Line one\r\nhttps://example.com\u{7}".to_owned(),
            lengths: vec![15, 30, 15],
            ..form()
        })
        .unwrap();
        assert_eq!((fields.title.as_str(), fields.slug.as_str()), ("Intro call", "intro-call"));
        assert_eq!(fields.description, "Line one\nhttps://example.com");
        assert_eq!(fields.lengths, [15, 30]);
        assert_eq!(fields.availability, None, "the host's hours");
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(&str, MeetingTypeForm)> = vec![
            ("title", MeetingTypeForm { title: " ".to_owned(), ..form() }),
            ("title", MeetingTypeForm { title: "a\nb".to_owned(), ..form() }),
            ("slug", MeetingTypeForm { slug: "intro call".to_owned(), ..form() }),
            ("slug", MeetingTypeForm { slug: "-intro".to_owned(), ..form() }),
            ("slug", MeetingTypeForm { slug: "x".repeat(41), ..form() }),
            ("description", MeetingTypeForm { description: "x".repeat(2001), ..form() }),
            ("lengths", MeetingTypeForm { lengths: vec![], ..form() }),
            ("lengths", MeetingTypeForm { lengths: vec![7], ..form() }),
            ("lengths", MeetingTypeForm { lengths: vec![10, 15, 20, 30, 45, 60, 90], ..form() }),
            ("slot_interval_minutes", MeetingTypeForm { slot_interval_minutes: Some(7), ..form() }),
            ("buffer_before_minutes", MeetingTypeForm { buffer_before_minutes: Some(-5), ..form() }),
            ("horizon_days", MeetingTypeForm { horizon_days: Some(0), ..form() }),
            ("colour", MeetingTypeForm { colour: "red".to_owned(), ..form() }),
            ("place", MeetingTypeForm { place: Place::InPerson { address: " ".into() }, ..form() }),
            ("place", MeetingTypeForm { place: Place::HostPhone { number: "call me".into() }, ..form() }),
            ("place", MeetingTypeForm { place: Place::Link { url: "javascript:alert(1)".into() }, ..form() }),
            (
                "day-0-0",
                MeetingTypeForm {
                    own_hours: Some(vec![vec![("12:00".into(), "09:00".into())]; 7]),
                    ..form()
                },
            ),
        ];
        for (field, bad) in cases {
            let error = checked(&bad).unwrap_err();
            assert!(error.field(field).is_some(), "{field}: {error:?}");
        }
    }
}
