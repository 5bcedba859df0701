//! `/dashboard`: the host's upcoming bookings, on the host's own clock.
//! Rendered on the server only: nothing here needs the browser.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::{auth::HostPageError, error::AppError};

/// How many upcoming bookings the dashboard lists.
pub const SHOWN_BOOKINGS: i64 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpcomingBooking {
    pub uid: String,
    /// `Thu 3 Dec 2026` and `09:30–10:00`, in the host's zone.
    pub day: String,
    pub time: String,
    pub visitor_name: String,
    pub visitor_email: String,
    pub visitor_time_zone: String,
    /// The visitor's own words: shown as text, never as HTML.
    pub note: String,
    /// In the host's Google calendar (direct booking), or invited by email.
    pub in_google_calendar: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardView {
    pub time_zone: String,
    pub username: Option<String>,
    pub bookings: Vec<UpcomingBooking>,
}

#[server(endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<DashboardView, AppError> {
    crate::error::respond(
        async move {
            let (state, user) = crate::auth::server::require_user().await?;
            ssr::dashboard(&state, user, chrono::Utc::now()).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use chrono::{DateTime, Utc};
    use chrono_tz::Tz;

    use super::{DashboardView, UpcomingBooking, SHOWN_BOOKINGS};
    use crate::{
        db::{
            bookings::{self, Delivery},
            users::User,
        },
        error::AppError,
        state::AppState,
    };

    pub async fn dashboard(
        state: &AppState,
        user: User,
        now: DateTime<Utc>,
    ) -> Result<DashboardView, AppError> {
        let zone: Tz = user.time_zone.parse().unwrap_or(Tz::UTC);
        let upcoming = bookings::upcoming(state.database.pool(), user.user_id, now, SHOWN_BOOKINGS).await?;
        let bookings = upcoming
            .into_iter()
            .map(|booking| {
                let (start, end) =
                    (booking.starts_at.with_timezone(&zone), booking.ends_at.with_timezone(&zone));
                UpcomingBooking {
                    uid: booking.uid,
                    day: start.format("%a %-d %b %Y").to_string(),
                    time: format!("{}–{}", start.format("%H:%M"), end.format("%H:%M")),
                    visitor_name: booking.visitor_name,
                    visitor_email: booking.visitor_email,
                    visitor_time_zone: booking.visitor_time_zone,
                    note: booking.note,
                    in_google_calendar: booking.delivery == Delivery::Google,
                }
            })
            .collect();
        Ok(DashboardView { time_zone: zone.name().to_owned(), username: user.username, bookings })
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let dashboard = Resource::new(|| (), |()| get_dashboard());
    view! {
        <Title text="Bookings · BookMate"/>
        <main class="page dashboard">
            <h1>"Upcoming bookings"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match dashboard.await {
                        Ok(view) => view! { <Bookings view/> }.into_any(),
                        Err(error) => view! { <HostPageError error sign_in_to="see your bookings"/> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn Bookings(view: DashboardView) -> impl IntoView {
    let zone = view.time_zone.replace('_', " ");
    if view.bookings.is_empty() {
        let share = match view.username {
            Some(username) => view! {
                <p>"Share your booking page, " <a href=format!("/{username}")>{format!("/{username}")}</a> ", and bookings will appear here."</p>
            }
            .into_any(),
            None => view! {
                <p>"Choose your booking page address in " <a href="/settings">"Settings"</a> " to start taking bookings."</p>
            }
            .into_any(),
        };
        return view! {
            <div class="card empty" data-testid="no-bookings">
                <p><strong>"No upcoming bookings yet."</strong></p>
                {share}
            </div>
        }
        .into_any();
    }
    view! {
        <p class="help">{format!("Times in {zone}, your time zone.")}</p>
        <ol class="booking-list" data-testid="upcoming-bookings">
            {view.bookings.into_iter().map(|booking| view! {
                <li class="card booking-item" data-testid="upcoming-booking">
                    <div class="when">
                        <span class="date">{booking.day}</span>
                        <span class="time">{booking.time}</span>
                    </div>
                    <div class="who">
                        <strong>{booking.visitor_name}</strong>
                        <a href=format!("mailto:{}", booking.visitor_email)>{booking.visitor_email.clone()}</a>
                        <span class="muted">{format!("Visitor's time zone: {}", booking.visitor_time_zone.replace('_', " "))}</span>
                        {(!booking.note.is_empty()).then(|| view! { <p class="note">{booking.note}</p> })}
                    </div>
                    <div class="how">
                        <span class="tag">{if booking.in_google_calendar { "In your Google Calendar" } else { "Invited by email" }}</span>
                        <a href=format!("/booking/{}/invite.ics", booking.uid) rel="external" download="invite.ics">"Invite (.ics)"</a>
                    </div>
                </li>
            }).collect_view()}
        </ol>
    }
    .into_any()
}
