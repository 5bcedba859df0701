//! `/dashboard`: the host's upcoming bookings, on the host's own clock.
//! Rendered on the server only: nothing here needs the browser.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;

use crate::{
    auth::HostPageError,
    booking::model::Invitation,
    error::AppError,
    following::{model::ProposalView, ApplyProposal, DismissProposal},
    manage::{
        api::{AskToMoveBooking, CancelBookingAsHost},
        model::MAX_REASON_CHARS,
    },
};

pub mod model;
#[cfg(feature = "ssr")]
mod upcoming;

use model::DashboardView;

/// Where the dashboard's plain forms post.
const CANCEL_PATH: &str = <CancelBookingAsHost as ServerFn>::PATH;
const ASK_PATH: &str = <AskToMoveBooking as ServerFn>::PATH;
const APPLY_PATH: &str = <ApplyProposal as ServerFn>::PATH;
const DISMISS_PATH: &str = <DismissProposal as ServerFn>::PATH;

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
                        Ok(view) => {
                            let changes = view.recent_changes.clone();
                            let proposals = view.proposals.clone();
                            view! { <ChangeNotice/> <Proposals proposals/> <Bookings view/> <RecentChanges changes/> }.into_any()
                        }
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
                        {booking.meeting_title.map(|title| view! { <span class="meeting-title" data-testid="booking-type">{title}</span> })}
                        <strong>{booking.visitor_name}</strong>
                        <a href=format!("mailto:{}", booking.visitor_email)>{booking.visitor_email.clone()}</a>
                        <span class="muted">{format!("Visitor's time zone: {}", booking.visitor_time_zone.replace('_', " "))}</span>
                        {booking.place.map(|place| view! { <span data-testid="booking-place">{format!("Where: {place}")}</span> })}
                        {(!booking.note.is_empty()).then(|| view! { <p class="note">{booking.note}</p> })}
                        {(!booking.answers.is_empty()).then(|| view! {
                            <dl class="answers" data-testid="booking-answers">
                                {booking.answers.into_iter().map(|(question, answer)| view! { <dt>{question}</dt><dd>{answer}</dd> }).collect_view()}
                            </dl>
                        })}
                    </div>
                    <div class="how">
                        <span class="tag">{match booking.invitation {
                            Invitation::InHostCalendar => "In your Google Calendar",
                            Invitation::ByEmail => "Invited by email",
                            Invitation::OnItsWay => "Being added to your Google Calendar",
                        }}</span>
                        <a href=format!("/booking/{}/invite.ics", booking.uid) rel="external" download="invite.ics">"Invite (.ics)"</a>
                    </div>
                    <details class="change">
                        <summary data-testid="change-booking">"Cancel or ask to move"</summary>
                        // Plain forms: the dashboard sends no script.
                        <form method="post" action=CANCEL_PATH class="stack">
                            <input type="hidden" name="uid" value=booking.uid.clone()/>
                            <label>"Why (the visitor reads this)"
                                <textarea name="reason" rows="2" maxlength=MAX_REASON_CHARS.to_string() data-testid="host-cancel-reason"></textarea>
                            </label>
                            <button type="submit" class="button danger small" data-testid="host-cancel">"Cancel the meeting"</button>
                        </form>
                        <form method="post" action=ASK_PATH class="stack">
                            <input type="hidden" name="uid" value=booking.uid.clone()/>
                            <label>"A word to the visitor (optional)"
                                <textarea name="message" rows="2" maxlength=MAX_REASON_CHARS.to_string()></textarea>
                            </label>
                            <button type="submit" class="button secondary small" data-testid="host-ask-to-move">"Ask them to pick another time"</button>
                        </form>
                    </details>
                </li>
            }).collect_view()}
        </ol>
    }
    .into_any()
}

/// What the host's last action on the page did, from the address.
#[component]
fn ChangeNotice() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let (changed, failed) =
        query.with_untracked(|query| (query.get("changed"), query.get_str("__err").is_some()));
    let text = match (changed.as_deref(), failed) {
        (_, true) => Some(("notice banner", "That change did not go through. Please reload and try again.")),
        (Some("cancelled"), _) => {
            Some(("notice success", "Cancelled. The visitor is told, and both calendars follow."))
        }
        (Some("asked"), _) => Some(("notice success", "Sent: the visitor gets a link to pick another time.")),
        (Some("applied"), _) => {
            Some(("notice success", "Done. The visitor is told, and both calendars follow."))
        }
        (Some("kept"), _) => {
            Some(("notice success", "Kept as it is. BookMate will not ask about that change again."))
        }
        _ => None,
    };
    text.map(|(class, text)| view! { <p class=class role="status" data-testid="change-notice">{text}</p> })
}

/// Changes the host made in Google Calendar, each with its question and two
/// plain forms: tell the visitor, or keep the booking as it is.
#[component]
fn Proposals(proposals: Vec<ProposalView>) -> impl IntoView {
    (!proposals.is_empty()).then(|| {
        view! {
            <section aria-labelledby="proposals-heading">
                <h2 id="proposals-heading">"Changed in Google Calendar"</h2>
                <ul class="proposal-list">
                    {proposals.into_iter().map(|proposal| {
                        let id = proposal.proposal_id.to_string();
                        view! {
                            <li class="card notice proposal" data-testid="proposal">
                                <p>{proposal.found}</p>
                                <p><strong>{proposal.question}</strong></p>
                                <div class="actions wrap">
                                    <form method="post" action=APPLY_PATH>
                                        <input type="hidden" name="proposal_id" value=id.clone()/>
                                        <button type="submit" class="button primary small" data-testid="apply-proposal">{proposal.apply_label}</button>
                                    </form>
                                    <form method="post" action=DISMISS_PATH>
                                        <input type="hidden" name="proposal_id" value=id/>
                                        <button type="submit" class="button secondary small" data-testid="dismiss-proposal">"Keep the booking as it is"</button>
                                    </form>
                                </div>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
fn RecentChanges(changes: Vec<String>) -> impl IntoView {
    (!changes.is_empty()).then(|| {
        view! {
            <h2>"Recent changes"</h2>
            <ul class="history" data-testid="recent-changes">
                {changes.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
            </ul>
        }
    })
}
