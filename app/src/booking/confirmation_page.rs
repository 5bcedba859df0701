//! `/bookings/{uid}`: where a booking leads, with or without JavaScript;
//! with the manage key, the visitor's page to move or cancel it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    api::get_booking_confirmation,
    model::{BookingConfirmation, Invitation},
};
use crate::{error::AppError, manage::page::ManagedBookingPage};

/// `/bookings/{uid}`: where a booking leads, with or without JavaScript.
/// With the booking's manage key (`?key=`), the visitor's page to move or
/// cancel it.
#[component]
pub fn ConfirmationPage() -> impl IntoView {
    let params = use_params_map();
    let key = use_query_map().with_untracked(|query| query.get("key"));
    if let Some(key) = key {
        let uid = params.read_untracked().get("uid").unwrap_or_default();
        return view! { <main class="page booking"><ManagedBookingPage uid key/></main> }.into_any();
    }
    let confirmation =
        Resource::new(move || params.read().get("uid").unwrap_or_default(), get_booking_confirmation);
    view! {
        <main class="page booking">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match confirmation.await {
                        Ok(confirmation) => view! {
                            <Title text=format!("Booked with {} · BookMate", confirmation.host_name)/>
                            <div class="card booking-card confirmed"><Confirmation confirmation/></div>
                        }.into_any(),
                        Err(AppError::NotFound) => view! { <crate::error::NotFoundPage/> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
    .into_any()
}

#[component]
fn Confirmation(confirmation: BookingConfirmation) -> impl IntoView {
    let next = match confirmation.invitation {
        Invitation::InHostCalendar => {
            "The meeting is in the host's calendar, and Google is sending you an invitation."
        }
        Invitation::ByEmail => "You and the host will each get an email with the invitation.",
        Invitation::OnItsWay => {
            "The meeting is being added to the host's calendar: you will get the invitation from Google, \
             or by email if Google does not take it."
        }
    };
    view! {
        <div class="confirmation" role="status" data-testid="confirmation">
            <h1>"You're booked"</h1>
            <p>{format!("Meeting with {}", confirmation.host_name)}</p>
            <p><strong>{confirmation.visitor_time.clone()}</strong></p>
            <p class="muted">{format!("For the host: {}", confirmation.host_time)}</p>
            {confirmation.place.clone().map(|place| view! { <p data-testid="place">{format!("Where: {place}")}</p> })}
            <p>{next}</p>
            <a class="button secondary" href=format!("/booking/{}/invite.ics", confirmation.uid) rel="external" download="invite.ics">"Add to calendar (.ics)"</a>
        </div>
    }
}
