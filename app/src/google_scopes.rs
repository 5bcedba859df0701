//! The Google scopes BookMate asks for, in Google's long forms, and what each
//! one lets BookMate do, in plain words.
//!
//! Least privilege is the product: sign-in asks for the narrowest scopes
//! Google offers for what BookMate reads (the list of calendars, and busy
//! times, never events); writing to a calendar is asked for later, and only
//! by hosts who turn on direct booking.

pub const OPENID: &str = "openid";
pub const EMAIL: &str = "https://www.googleapis.com/auth/userinfo.email";
pub const PROFILE: &str = "https://www.googleapis.com/auth/userinfo.profile";
/// `calendarList.list` only.
pub const CALENDAR_LIST_READONLY: &str = "https://www.googleapis.com/auth/calendar.calendarlist.readonly";
/// `freebusy.query` on every calendar the host can see (shared ones too,
/// which `calendar.freebusy`, "your calendars", would leave out).
pub const CALENDAR_EVENTS_FREEBUSY: &str = "https://www.googleapis.com/auth/calendar.events.freebusy";
pub const CALENDAR_EVENTS: &str = "https://www.googleapis.com/auth/calendar.events";
/// `events.list` on calendars the host owns, read only: what following
/// Google Calendar needs. `calendar.events.freebusy` also opens
/// `events.list`, but Google does not document what an event carries under
/// it (no promise of its `iCalUID`), so BookMate does not rely on it.
pub const CALENDAR_EVENTS_OWNED_READONLY: &str =
    "https://www.googleapis.com/auth/calendar.events.owned.readonly";
/// Sign-in asked for these before BookMate asked for the narrow ones; a host
/// who granted them keeps working, and may narrow the grant.
pub const CALENDAR_READONLY: &str = "https://www.googleapis.com/auth/calendar.readonly";
pub const CALENDAR_EVENTS_READONLY: &str = "https://www.googleapis.com/auth/calendar.events.readonly";

/// Exactly what the sign-in request asks for, and nothing more.
pub const SIGN_IN: [&str; 5] =
    ["openid", "email", "profile", CALENDAR_LIST_READONLY, CALENDAR_EVENTS_FREEBUSY];

/// Any of these lets BookMate list the host's calendars (Google's discovery
/// document names them for `calendarList.list`).
pub const LIST_CALENDARS: [&str; 2] = [CALENDAR_LIST_READONLY, CALENDAR_READONLY];
/// Any of these lets BookMate ask for busy times (`freebusy.query`).
pub const READ_FREE_BUSY: [&str; 2] = [CALENDAR_EVENTS_FREEBUSY, CALENDAR_READONLY];
/// Any of these lets BookMate read the events of the host's own calendars
/// (`events.list`), narrowest first; the write scope a direct-booking host
/// holds already is enough, so such a host is asked for nothing more.
pub const FOLLOW_BOOKINGS: [&str; 4] =
    [CALENDAR_EVENTS_OWNED_READONLY, CALENDAR_EVENTS, CALENDAR_EVENTS_READONLY, CALENDAR_READONLY];
/// Granted at an older sign-in, broader than anything BookMate does.
pub const BROADER_THAN_NEEDED: [&str; 2] = [CALENDAR_READONLY, CALENDAR_EVENTS_READONLY];

/// What a host's features need beyond sign-in: direct booking needs
/// `calendar.events`, which also reads events, so following Google Calendar
/// needs `calendar.events.owned.readonly` only without it.
pub fn needed_beyond_sign_in(direct_booking: bool, following: bool) -> ScopeSet {
    match (direct_booking, following) {
        (true, _) => ScopeSet::from_iter([CALENDAR_EVENTS]),
        (false, true) => ScopeSet::from_iter([CALENDAR_EVENTS_OWNED_READONLY]),
        (false, false) => ScopeSet::default(),
    }
}

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
    /// What Google's consent screen says for each scope, word for word, so
    /// that the host recognises there what BookMate told them here.
    pub google_says: &'static [&'static str],
    pub why: &'static str,
    pub asked_at_sign_in: bool,
}

/// Everything BookMate may ever ask Google for, in the order a host meets it.
pub const PERMISSIONS: [Permission; 5] = [
    Permission {
        scopes: &[OPENID, EMAIL, PROFILE],
        summary: "Your name, email address and picture",
        google_says: &[
            "Associate you with your personal info on Google",
            "See your primary Google Account email address",
            "See your personal info, including any personal info you've made publicly available",
        ],
        why: "To know it is you when you come back, and to show your name and picture on your booking page.",
        asked_at_sign_in: true,
    },
    Permission {
        scopes: &[CALENDAR_LIST_READONLY],
        summary: "The list of your calendars",
        google_says: &["See the list of Google calendars you\u{2019}re subscribed to"],
        why: "So you can tick the calendars whose events count as busy. Their events are not read.",
        asked_at_sign_in: true,
    },
    Permission {
        scopes: &[CALENDAR_EVENTS_FREEBUSY],
        summary: "When your calendars are busy",
        google_says: &["See the availability on Google calendars you have access to"],
        why: "To offer visitors only the times you are free. Google tells BookMate when you are busy, never the titles, places or guests of your events.",
        asked_at_sign_in: true,
    },
    Permission {
        scopes: &[CALENDAR_EVENTS],
        summary: "Add bookings to one calendar you choose",
        google_says: &["View and edit events on all your calendars"],
        why: "Asked only if you turn on direct booking, and Google will ask you first. Google's words are broader than what BookMate does: it only adds the meetings booked with you, to the calendar you choose. You can give this access back at any time.",
        asked_at_sign_in: false,
    },
    Permission {
        scopes: &[CALENDAR_EVENTS_OWNED_READONLY],
        summary: "Notice when you delete or move a booked meeting in Google Calendar",
        google_says: &["See the events on Google calendars you own"],
        why: "Asked only if you turn on following Google Calendar and do not use direct booking (whose access is enough). BookMate reads only when an event changed and when it starts; it asks Google for no title, place or guest of any event.",
        asked_at_sign_in: false,
    },
];

/// What Google's consent screen says for a scope BookMate asks for, or
/// asked for at older sign-ins.
pub fn google_words(scope: &str) -> Option<&'static str> {
    let scope = normalize(scope);
    let asked_now = PERMISSIONS.iter().find_map(|permission| {
        let index = permission.scopes.iter().position(|known| *known == scope)?;
        permission.google_says.get(index).copied()
    });
    asked_now.or(match scope {
        CALENDAR_READONLY => Some("See and download any calendar you can access using your Google Calendar"),
        CALENDAR_EVENTS_READONLY => Some("View events on all your calendars"),
        _ => None,
    })
}

/// What a grant lets BookMate do, in Google's words, in the order a host
/// meets them.
pub fn in_googles_words(granted: &ScopeSet) -> Vec<&'static str> {
    PERMISSIONS
        .iter()
        .flat_map(|permission| permission.scopes.iter().copied())
        .chain(BROADER_THAN_NEEDED)
        .filter(|scope| granted.contains(scope))
        .filter_map(google_words)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn following_asks_for_a_read_scope_only_without_direct_booking() {
        assert_eq!(needed_beyond_sign_in(false, false), ScopeSet::default());
        assert_eq!(needed_beyond_sign_in(true, false), ScopeSet::from_iter([CALENDAR_EVENTS]));
        assert_eq!(needed_beyond_sign_in(true, true), ScopeSet::from_iter([CALENDAR_EVENTS]));
        assert_eq!(needed_beyond_sign_in(false, true), ScopeSet::from_iter([CALENDAR_EVENTS_OWNED_READONLY]));
        assert!(FOLLOW_BOOKINGS.contains(&CALENDAR_EVENTS), "direct booking's scope reads events too");
    }

    #[test]
    fn short_scope_names_normalise_to_googles_long_forms() {
        assert_eq!(normalize("email"), EMAIL);
        assert_eq!(normalize("profile"), PROFILE);
        assert_eq!(normalize(CALENDAR_LIST_READONLY), CALENDAR_LIST_READONLY);
    }

    #[test]
    fn scope_sets_compare_in_long_forms_regardless_of_order() {
        let granted = ScopeSet::parse(&format!("{CALENDAR_LIST_READONLY} email openid  profile"));
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
    fn sign_in_asks_for_nothing_that_reads_or_writes_events() {
        for broad in [CALENDAR_EVENTS, CALENDAR_READONLY, CALENDAR_EVENTS_READONLY] {
            assert!(!SIGN_IN.contains(&broad), "{broad}");
        }
        assert_eq!(SIGN_IN.len(), 5);
        let signed_in: ScopeSet = SIGN_IN.into_iter().collect();
        assert!(LIST_CALENDARS.iter().any(|scope| signed_in.contains(scope)));
        assert!(READ_FREE_BUSY.iter().any(|scope| signed_in.contains(scope)));
    }

    #[test]
    fn a_grant_reads_in_googles_words_broad_scopes_included() {
        let older = ScopeSet::from_iter(["openid", EMAIL, CALENDAR_READONLY]);
        assert_eq!(
            in_googles_words(&older),
            [
                "Associate you with your personal info on Google",
                "See your primary Google Account email address",
                "See and download any calendar you can access using your Google Calendar",
            ]
        );
        for permission in PERMISSIONS {
            assert_eq!(permission.scopes.len(), permission.google_says.len(), "{}", permission.summary);
        }
    }

    #[test]
    fn an_older_broad_grant_still_lists_calendars_and_reads_busy_times() {
        let older =
            ScopeSet::from_iter(["openid", EMAIL, PROFILE, CALENDAR_READONLY, CALENDAR_EVENTS_READONLY]);
        assert!(LIST_CALENDARS.iter().any(|scope| older.contains(scope)));
        assert!(READ_FREE_BUSY.iter().any(|scope| older.contains(scope)));
        assert!(BROADER_THAN_NEEDED.iter().any(|scope| older.contains(scope)));
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
