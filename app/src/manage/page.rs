//! The visitor's page for one booking, opened by the manage link
//! (`/bookings/{uid}?key=…`): the meeting on their clock, and, while the
//! host allows, a link to move it and a form to cancel it. Old links keep
//! working: a moved booking shows its new time, a cancelled one says who
//! called it off and when, and offers the host's page.

use leptos::{
    prelude::*,
    server_fn::{error::ServerFnUrlError, ServerFn},
};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    api::{get_managed_booking, CancelBooking, RescheduleBooking},
    model::{ManagedBooking, Standing, MAX_REASON_CHARS},
};
use crate::{booking::model::Invitation, error::AppError};

/// Said for an error brought back in the address that BookMate did not
/// write, or no longer recognises.
const DID_NOT_GO_THROUGH: &str = "Your change did not go through. Please try again.";

#[component]
pub fn ManagedBookingPage(uid: String, key: String) -> impl IntoView {
    let booking =
        Resource::new(move || (uid.clone(), key.clone()), |(uid, key)| get_managed_booking(uid, key));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match booking.await {
                    Ok(booking) => view! {
                        <Title text=format!("Your booking with {} · BookMate", booking.host_name)/>
                        <div class="card booking-card confirmed"><Managed booking/></div>
                    }.into_any(),
                    Err(AppError::NotFound) => view! { <crate::error::NotFoundPage/> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Managed(booking: ManagedBooking) -> impl IntoView {
    let (booked, moved, failed) = use_query_map().with_untracked(|query| {
        // A cancel posted without JavaScript comes back with its error in
        // the address; only BookMate's own words are shown from there.
        let failed = (query.get_str("__path") == Some(<CancelBooking as ServerFn>::PATH))
            .then(|| query.get_str("__err"))
            .flatten()
            .map(ServerFnUrlError::<AppError>::decode_err)
            .map(|error| match error.field("reason") {
                Some(_) => format!("Please keep the reason under {MAX_REASON_CHARS} characters."),
                None => DID_NOT_GO_THROUGH.to_owned(),
            });
        (query.get_str("booked") == Some("true"), query.get_str("moved") == Some("true"), failed)
    });
    let invite = format!("/booking/{}/invite.ics?key={}", booking.uid, booking.key);
    let heading = match booking.standing {
        Standing::Cancelled { .. } => format!("Your meeting with {} is cancelled", booking.host_name),
        _ if booked => "You're booked".to_owned(),
        _ => format!("Your meeting with {}", booking.host_name),
    };
    let how = match booking.invitation {
        Invitation::InHostCalendar => {
            "The meeting is in the host's calendar, and Google is sending you an invitation (and will send any change)."
        }
        Invitation::ByEmail => {
            "You and the host will each get an email with the invitation, and another with any change."
        }
        Invitation::OnItsWay => {
            "The meeting is being added to the host's calendar: you will get the invitation from Google, \
             or by email if Google does not take it."
        }
    };
    let standing_now = !matches!(booking.standing, Standing::Cancelled { .. });
    let body = match booking.standing.clone() {
        Standing::Changeable => {
            let move_link = booking.move_path.clone().map(|path| {
                format!(
                    "{path}?tz={}&reschedule={}&key={}",
                    booking.visitor_time_zone,
                    // BookMate's UIDs hold base32hex and `@`: safe in a query.
                    booking.uid,
                    booking.key
                )
            });
            view! {
                <div class="actions wrap">
                    {move_link.map(|href| view! { <a class="button primary" href=href data-testid="reschedule">"Pick another time"</a> })}
                    <a class="button secondary" href=invite rel="external" download="invite.ics">"Add to calendar (.ics)"</a>
                </div>
                <CancelForm uid=booking.uid.clone() key=booking.key.clone() failed/>
            }
            .into_any()
        }
        Standing::Closed(why) => view! {
            <p data-testid="changes-closed">{why}</p>
            <a class="button secondary" href=invite rel="external" download="invite.ics">"Add to calendar (.ics)"</a>
        }
        .into_any(),
        Standing::Cancelled { by_and_when, reason } => view! {
            <p data-testid="cancelled">{by_and_when}</p>
            {reason.map(|reason| view! { <p class="note">"Reason: " {reason}</p> })}
            {booking.move_path.clone().map(|path| view! {
                <a class="button primary" href=path>{format!("Book another time with {}", booking.host_name)}</a>
            })}
        }
        .into_any(),
    };
    view! {
        <div class="confirmation" data-testid="managed-booking">
            <div role="status" data-testid=if booked { "confirmation" } else { "booking-summary" }>
                <h1>{heading}</h1>
                {moved.then(|| view! { <p class="notice success" data-testid="moved">"Moved. Both calendars follow."</p> })}
                <p>{format!("Meeting with {}", booking.host_name)}</p>
                <p><strong data-testid="visitor-time">{booking.visitor_time.clone()}</strong></p>
                <p class="muted">{format!("For the host: {}", booking.host_time)}</p>
                {booking.place.clone().map(|place| view! { <p data-testid="place">{format!("Where: {place}")}</p> })}
                {standing_now.then(|| view! { <p>{how}</p> })}
            </div>
            {body}
            {(!booking.history.is_empty()).then(|| view! {
                <h2>"What changed"</h2>
                <ul class="history" data-testid="history">
                    {booking.history.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                </ul>
            })}
        </div>
    }
}

/// An island: a plain form that posts to the `cancel_booking` server
/// function, so it works without JavaScript; with it, errors appear in
/// place.
#[island(lazy)]
fn CancelForm(uid: String, key: String, failed: Option<String>) -> impl IntoView {
    let cancel = ServerAction::<CancelBooking>::new();
    let error = move || match cancel.value().get() {
        Some(Err(error)) => Some(error.field("reason").unwrap_or_else(|| error.to_string())),
        Some(Ok(())) => None,
        None => failed.clone(),
    };
    view! {
        <h2 id="cancel-heading">"Cancel this meeting"</h2>
        <ActionForm action=cancel attr:class="stack" attr:aria-labelledby="cancel-heading">
            <input type="hidden" name="uid" value=uid/>
            <input type="hidden" name="key" value=key/>
            <label for="reason">"A word for the host (optional)"</label>
            <textarea id="reason" name="reason" rows="3" maxlength=MAX_REASON_CHARS.to_string()
                aria-describedby="cancel-error" data-testid="cancel-reason"></textarea>
            <p id="cancel-error" class="field-error" role="alert" data-testid="cancel-error">{error}</p>
            <button type="submit" class="button danger" data-testid="cancel-booking" prop:disabled=move || cancel.pending().get()>
                {move || if cancel.pending().get() { "Cancelling…" } else { "Cancel the meeting" }}
            </button>
        </ActionForm>
    }
}

/// An island: moving a booking to the chosen time, a plain form like the
/// booking form, with errors in place when scripts run.
#[island(lazy)]
pub fn RescheduleForm(
    uid: String,
    key: String,
    start: i64,
    summary: String,
    failed: Option<AppError>,
) -> impl IntoView {
    let reschedule = ServerAction::<RescheduleBooking>::new();
    let error = move || match reschedule.value().get() {
        Some(Err(error)) => Some(error.field("start").unwrap_or_else(|| error.to_string())),
        Some(Ok(())) => None,
        None => failed.clone().map(|error| error.field("start").unwrap_or_else(|| error.to_string())),
    };
    view! {
        <h2 id="move-heading">"Move your booking here"</h2>
        <p class="slot-summary" data-testid="slot-summary">{summary}</p>
        <ActionForm action=reschedule attr:class="stack" attr:aria-labelledby="move-heading">
            <input type="hidden" name="uid" value=uid/>
            <input type="hidden" name="key" value=key/>
            <input type="hidden" name="start" value=start.to_string()/>
            <p class="field-error" role="alert" data-testid="booking-error">{error}</p>
            <button type="submit" class="button primary" data-testid="confirm-reschedule" prop:disabled=move || reschedule.pending().get()>
                {move || if reschedule.pending().get() { "Moving…" } else { "Move my booking to this time" }}
            </button>
        </ActionForm>
    }
}
