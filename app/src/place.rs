//! Where a meeting happens, as a meeting type says it: in person, a phone
//! call (the host's number, or the visitor's, asked on the form), a fixed
//! link of any video service, or Google Meet (a link Google creates with
//! the event, so only with direct booking).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Place {
    /// Not said: the parties agree on it themselves.
    #[default]
    Unset,
    InPerson {
        address: String,
    },
    HostPhone {
        number: String,
    },
    VisitorPhone,
    Link {
        url: String,
    },
    GoogleMeet,
}

impl Place {
    /// Its kind as stored and as the settings form's choice.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unset => "none",
            Self::InPerson { .. } => "in_person",
            Self::HostPhone { .. } => "host_phone",
            Self::VisitorPhone => "visitor_phone",
            Self::Link { .. } => "link",
            Self::GoogleMeet => "google_meet",
        }
    }

    /// The address, number or link; empty for the others.
    pub fn detail(&self) -> &str {
        match self {
            Self::InPerson { address } => address,
            Self::HostPhone { number } => number,
            Self::Link { url } => url,
            Self::Unset | Self::VisitorPhone | Self::GoogleMeet => "",
        }
    }

    /// From a kind and a detail; `None` for a kind this version does not know.
    pub fn from_parts(kind: &str, detail: String) -> Option<Self> {
        Some(match kind {
            "none" => Self::Unset,
            "in_person" => Self::InPerson { address: detail },
            "host_phone" => Self::HostPhone { number: detail },
            "visitor_phone" => Self::VisitorPhone,
            "link" => Self::Link { url: detail },
            "google_meet" => Self::GoogleMeet,
            _ => return None,
        })
    }

    /// What a visitor reads before booking.
    pub fn summary(&self) -> String {
        match self {
            Self::Unset => String::new(),
            Self::InPerson { address } => format!("In person: {address}"),
            Self::HostPhone { number } => format!("Phone call: call {number}"),
            Self::VisitorPhone => "Phone call: the host calls you".to_owned(),
            Self::Link { .. } => "Video call: the link comes with the invitation".to_owned(),
            Self::GoogleMeet => "Google Meet: the link comes with the invitation".to_owned(),
        }
    }

    pub fn asks_visitor_phone(&self) -> bool {
        matches!(self, Self::VisitorPhone)
    }
}

/// The kinds, with what the settings form calls them.
pub const PLACE_KINDS: [(&str, &str); 6] = [
    ("none", "Not said (you agree on it)"),
    ("in_person", "In person, at an address"),
    ("host_phone", "Phone call: the visitor calls you"),
    ("visitor_phone", "Phone call: you call the visitor (asked on the form)"),
    ("link", "A video link of any service"),
    ("google_meet", "Google Meet (needs direct booking)"),
];

/// A phone number as people write one (`+44 20 7946 0958`, `(555) 010-0199`),
/// trimmed; `None` when it is not one.
pub fn checked_phone(text: &str) -> Option<String> {
    let text = text.trim();
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = text.chars().enumerate().all(|(index, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.') || (c == '+' && index == 0)
    });
    (allowed && (6..=20).contains(&digits) && text.len() <= 32).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_what_people_write_and_nothing_else() {
        for good in ["+44 20 7946 0958", "(555) 010-0199", "030.1234567"] {
            assert_eq!(checked_phone(good).as_deref(), Some(good), "{good}");
        }
        for bad in ["12345", "call me", "+1 555 0100 ext 2", "555+0100", "1234567890123456789012", ""] {
            assert_eq!(checked_phone(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_place_round_trips_through_its_parts() {
        for place in [
            Place::Unset,
            Place::InPerson { address: "1 Main St".into() },
            Place::HostPhone { number: "+44 20 7946 0958".into() },
            Place::VisitorPhone,
            Place::Link { url: "https://video.example/ada".into() },
            Place::GoogleMeet,
        ] {
            assert_eq!(Place::from_parts(place.kind(), place.detail().to_owned()), Some(place));
        }
        assert_eq!(Place::from_parts("carrier_pigeon", String::new()), None);
    }
}
