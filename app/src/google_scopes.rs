//! The Google scopes BookMate asks for, in Google's long forms, and what each
//! one lets BookMate do, in plain words.
//!
//! Least privilege is the product: sign-in asks for reading only; writing to a
//! calendar is asked for later, and only by hosts who turn on direct booking.

pub const OPENID: &str = "openid";
pub const EMAIL: &str = "https://www.googleapis.com/auth/userinfo.email";
pub const PROFILE: &str = "https://www.googleapis.com/auth/userinfo.profile";
pub const CALENDAR_READONLY: &str = "https://www.googleapis.com/auth/calendar.readonly";
pub const CALENDAR_EVENTS_READONLY: &str = "https://www.googleapis.com/auth/calendar.events.readonly";
pub const CALENDAR_EVENTS: &str = "https://www.googleapis.com/auth/calendar.events";

/// Exactly what the sign-in request asks for, and nothing more.
pub const SIGN_IN: [&str; 5] = ["openid", "email", "profile", CALENDAR_READONLY, CALENDAR_EVENTS_READONLY];

/// Google answers `email` and `profile` in their long forms; comparing scopes
/// is only meaningful after both sides are normalised.
pub fn normalize(scope: &str) -> &str {
    match scope {
        "email" => EMAIL,
        "profile" => PROFILE,
        other => other,
    }
}

/// A set of granted or wanted scopes, normalised to Google's long forms, so
/// that comparisons are set comparisons and never string comparisons.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScopeSet(std::collections::BTreeSet<String>);

impl ScopeSet {
    /// Parses Google's space-separated form (as in a token response's `scope`).
    pub fn parse(space_separated: &str) -> Self {
        Self::from_iter(space_separated.split_whitespace())
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(normalize(scope))
    }

    pub fn contains_all(&self, other: &Self) -> bool {
        other.0.is_subset(&self.0)
    }

    /// What `wanted` holds that this set does not.
    pub fn missing_from(&self, wanted: &Self) -> Self {
        Self(wanted.0.difference(&self.0).cloned().collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// The space-separated form, sorted: stable enough to store and compare.
    pub fn to_space_separated(&self) -> String {
        self.0.iter().map(String::as_str).collect::<Vec<_>>().join(" ")
    }
}

impl<'a> FromIterator<&'a str> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = &'a str>>(scopes: I) -> Self {
        Self(scopes.into_iter().map(|scope| normalize(scope).to_owned()).collect())
    }
}

/// One permission as a host should understand it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    pub scopes: &'static [&'static str],
    pub summary: &'static str,
    pub why: &'static str,
    pub asked_at_sign_in: bool,
}

/// Everything BookMate may ever ask Google for, in the order a host meets it.
pub const PERMISSIONS: [Permission; 4] = [
    Permission {
        scopes: &[OPENID, EMAIL, PROFILE],
        summary: "Your name, email address and picture",
        why: "To know it is you when you come back, and to show your name and picture on your booking page.",
        asked_at_sign_in: true,
    },
    Permission {
        scopes: &[CALENDAR_READONLY],
        summary: "See the list of your calendars",
        why: "So you can tick the calendars whose events count as busy. Nothing is changed.",
        asked_at_sign_in: true,
    },
    Permission {
        scopes: &[CALENDAR_EVENTS_READONLY],
        summary: "See when your calendars are busy",
        why: "To offer visitors only the times you are free. BookMate asks Google for busy times, not for the titles or guests of your events.",
        asked_at_sign_in: true,
    },
    Permission {
        scopes: &[CALENDAR_EVENTS],
        summary: "Add bookings to one calendar you choose",
        why: "Asked only if you turn on direct booking, and Google will ask you first. You can give this access back at any time.",
        asked_at_sign_in: false,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_scope_names_normalise_to_googles_long_forms() {
        assert_eq!(normalize("email"), EMAIL);
        assert_eq!(normalize("profile"), PROFILE);
        assert_eq!(normalize(CALENDAR_READONLY), CALENDAR_READONLY);
    }

    #[test]
    fn scope_sets_compare_in_long_forms_regardless_of_order() {
        let granted = ScopeSet::parse(&format!("{CALENDAR_READONLY} email openid  profile"));
        let asked = ScopeSet::from_iter(["openid", EMAIL, PROFILE]);
        assert!(granted.contains_all(&asked));
        assert!(granted.contains("email") && granted.contains(EMAIL));
        assert!(!granted.contains(CALENDAR_EVENTS));
        let wanted = ScopeSet::from_iter([CALENDAR_EVENTS, "openid"]);
        assert_eq!(granted.missing_from(&wanted), ScopeSet::from_iter([CALENDAR_EVENTS]));
        assert_eq!(ScopeSet::parse(&granted.to_space_separated()), granted);
        assert!(ScopeSet::parse("   ").is_empty());
    }

    #[test]
    fn sign_in_never_asks_to_write_to_a_calendar() {
        assert!(!SIGN_IN.contains(&CALENDAR_EVENTS));
        assert_eq!(SIGN_IN.len(), 5);
    }

    #[test]
    fn every_sign_in_scope_is_explained_to_the_host() {
        for scope in SIGN_IN {
            let long = normalize(scope);
            let explained = PERMISSIONS
                .iter()
                .any(|permission| permission.asked_at_sign_in && permission.scopes.contains(&long));
            assert!(explained, "{scope} has no plain-words explanation");
        }
    }
}
