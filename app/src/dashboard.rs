//! `/dashboard`: the host's upcoming bookings, on the host's own clock.
//! Rendered on the server only: nothing here needs the browser.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{auth::HostPageError, booking::model::Invitation, error::AppError};

pub mod model;
#[cfg(feature = "ssr")]
mod upcoming;

use model::DashboardView;

#[server(endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<DashboardView, AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ReadOnly, |state, user| async move {
        upcoming::dashboard(&state, user, chrono::Utc::now()).await
    })
    .await
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
                        <span class="tag">{match booking.invitation {
                            Invitation::InHostCalendar => "In your Google Calendar",
                            Invitation::ByEmail => "Invited by email",
                            Invitation::OnItsWay => "Being added to your Google Calendar",
                        }}</span>
                        <a href=format!("/booking/{}/invite.ics", booking.uid) rel="external" download="invite.ics">"Invite (.ics)"</a>
                    </div>
                </li>
            }).collect_view()}
        </ol>
    }
    .into_any()
}
