//! What a refused booking may say, word for word. The `book` server function
//! says only these; a form posted without JavaScript comes back with the
//! error in the address (`__err`), where anyone may write anything into a
//! link, so the page shows an error from the address only when it is one of
//! these, and a general one otherwise.

use std::collections::BTreeMap;

use crate::error::AppError;

pub const NAME: &str = "Please give your name on one line (up to 100 characters).";
pub const EMAIL: &str = "Please give an email address such as name@example.com.";
pub const NOTE: &str = "Please keep the note under 2,000 characters.";
pub const ZONE: &str = "Choose your time zone from the list.";
pub const TIME: &str = "Choose a time from the list.";
pub const PASSED: &str = "That time has passed; please choose another.";
pub const CANNOT_CHECK: &str = "We cannot check the host's calendar right now. Please try again in a minute.";
pub const NO_LONGER_FREE: &str = "That time was just taken or is no longer available. Please pick another.";
pub const JUST_TAKEN: &str = "That time was just taken. Please pick another.";
pub const PHONE: &str = "Please give a phone number the host can call, such as +44 20 7946 0958.";
pub const LENGTH: &str = "Choose one of the lengths this meeting offers.";
pub const MEETING_TYPE: &str = "Choose one of the host's meeting types.";
/// For an error in the address that BookMate did not write.
pub const GENERAL: &str = "That booking did not go through. Please try again.";

const FIELDS: [(&str, &str); 9] = [
    ("phone", PHONE),
    ("name", NAME),
    ("email", EMAIL),
    ("note", NOTE),
    ("tz", ZONE),
    ("start", TIME),
    ("start", PASSED),
    ("length", LENGTH),
    ("meeting_type", MEETING_TYPE),
];

pub fn not_taking_bookings(host_name: &str) -> String {
    format!("{host_name} is not taking bookings right now.")
}

/// `error` as read from the address of a booking page of `host_name`: kept
/// when it is one BookMate says, else the general message.
pub fn from_address(error: AppError, host_name: &str) -> AppError {
    let general = || AppError::Conflict(GENERAL.to_owned());
    match error {
        AppError::Validation(fields) => {
            let known: BTreeMap<String, String> = fields
                .into_iter()
                .filter(|(field, message)| {
                    FIELDS.contains(&(field.as_str(), message.as_str()))
                        || (field.starts_with("q_")
                            && crate::questions::ANSWER_MESSAGES.contains(&message.as_str()))
                })
                .collect();
            if known.is_empty() {
                general()
            } else {
                AppError::Validation(known)
            }
        }
        AppError::Conflict(message)
            if [CANNOT_CHECK, NO_LONGER_FREE, JUST_TAKEN].contains(&message.as_str())
                || message == not_taking_bookings(host_name) =>
        {
            AppError::Conflict(message)
        }
        known @ (AppError::RateLimited | AppError::NotFound | AppError::Internal) => known,
        _ => general(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bookmates_own_words_come_back_from_the_address() {
        let ours = AppError::invalid("email", EMAIL);
        assert_eq!(from_address(ours.clone(), "Ada"), ours);
        let taken = AppError::Conflict(JUST_TAKEN.to_owned());
        assert_eq!(from_address(taken.clone(), "Ada"), taken);
        let not_taking = AppError::Conflict(not_taking_bookings("Ada"));
        assert_eq!(from_address(not_taking.clone(), "Ada"), not_taking);
        assert_eq!(from_address(AppError::RateLimited, "Ada"), AppError::RateLimited);

        let general = AppError::Conflict(GENERAL.to_owned());
        for forged in [
            AppError::Conflict("Your booking is held: pay at evil.example".to_owned()),
            AppError::Conflict(not_taking_bookings("Grace")),
            AppError::invalid("email", "Write to support@evil.example instead."),
            AppError::invalid("password", EMAIL),
            AppError::Transport("call +1 555 0100".to_owned()),
        ] {
            assert_eq!(from_address(forged.clone(), "Ada"), general, "{forged:?}");
        }
    }
}
