//! The visitor's time zone on the booking page: a short list of common
//! zones and the current one, submitted as `?tz=` (any IANA zone works in
//! the address).

use std::sync::Arc;

use leptos::prelude::*;

use super::model::BookingPageView;

#[component]
pub fn ZonePicker(view: Arc<BookingPageView>) -> impl IntoView {
    // A short list of common zones plus the current one; any IANA zone works
    // in the address.
    let mut zones: Vec<String> = [
        "America/Los_Angeles",
        "America/Denver",
        "America/Chicago",
        "America/New_York",
        "America/Sao_Paulo",
        "Europe/London",
        "Europe/Paris",
        "Europe/Berlin",
        "Europe/Helsinki",
        "Africa/Johannesburg",
        "Asia/Dubai",
        "Asia/Kolkata",
        "Asia/Singapore",
        "Asia/Tokyo",
        "Australia/Sydney",
        "Pacific/Auckland",
        "UTC",
    ]
    .map(str::to_owned)
    .to_vec();
    if !zones.contains(&view.visitor_time_zone) {
        zones.insert(0, view.visitor_time_zone.clone());
    }
    let action = format!("/{}", view.username);
    view! {
        <form method="get" action=action class="zone-picker">
            <label for="tz">"Time zone"</label>
            <select id="tz" name="tz" onchange=ZONE_PICKER_ONCHANGE>
                {zones.into_iter().map(|zone| {
                    let selected = zone == view.visitor_time_zone;
                    view! { <option value=zone.clone() selected=selected>{zone.replace('_', " ")}</option> }
                }).collect_view()}
            </select>
            <input type="hidden" name="month" value=view.month.clone()/>
            {view.rescheduling.clone().map(|moving| view! {
                <input type="hidden" name="reschedule" value=moving.uid/>
                <input type="hidden" name="key" value=moving.key/>
            })}
            <noscript><button type="submit" class="button secondary small">"Show"</button></noscript>
        </form>
    }
}

/// The zone picker's one line of script, allowed by its hash in the pages'
/// Content-Security-Policy (`content_policy.rs`).
pub const ZONE_PICKER_ONCHANGE: &str = "this.form.submit()";
