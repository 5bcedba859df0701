//! Settings → Follow Google Calendar: the island that turns following on
//! (asking Google for its scope just in time) and off.

use leptos::prelude::*;

use super::form_parts::Saved;
use crate::following::{
    model::{FollowingSaved, FollowingView},
    SaveFollowing,
};

#[island(lazy)]
pub fn FollowingSection(view: FollowingView, direct_booking: bool) -> impl IntoView {
    let enabled = RwSignal::new(view.enabled || view.pending);
    let without_asking = RwSignal::new(view.apply_without_asking);
    let save = ServerAction::<SaveFollowing>::new();
    let result = save.value();
    let pending = Memo::new(move |_| save.pending().get());
    let done = Signal::derive(move || matches!(result.get(), Some(Ok(FollowingSaved::Saved))));
    Effect::new(move |_| {
        if let Some(Ok(FollowingSaved::NeedsConsent { return_to })) = result.get() {
            crate::browser::ask_google_for_more(&return_to, false);
        }
    });
    let asks = if direct_booking {
        "Direct booking's access already lets BookMate see your events, so Google asks you for nothing more."
    } else {
        "This needs permission to see the events on calendars you own, which Google will ask you for when you save. \
         BookMate reads only when a booked meeting's event changed and its time; never a title, place or guest."
    };
    view! {
        <section class="card settings-section" aria-labelledby="following-heading">
            <h2 id="following-heading">"Follow Google Calendar"</h2>
            <label class="switch">
                <input type="checkbox" prop:checked=move || enabled.get()
                    on:change=move |event| enabled.set(event_target_checked(&event)) data-testid="following-toggle"/>
                <span>"Notice when I delete or move a booked meeting in Google Calendar"</span>
            </label>
            <p class="help">
                "BookMate then asks you on the Bookings page whether to tell your visitor: deleting the event proposes \
                 cancelling the booking, moving it proposes the new time. " {asks}
            </p>
            {view.pending.then(|| view! {
                <p class="notice" data-testid="following-pending">"Waiting for Google: save again to grant the access."</p>
            })}
            <Show when=move || enabled.get()>
                <label class="switch">
                    <input type="checkbox" prop:checked=move || without_asking.get()
                        on:change=move |event| without_asking.set(event_target_checked(&event)) data-testid="following-without-asking"/>
                    <span>"Tell my visitors without asking me first"</span>
                </label>
            </Show>
            {move || match result.get() {
                Some(Err(error)) => Some(view! { <p class="field-error" role="alert">{error.to_string()}</p> }),
                _ => None,
            }}
            <div class="actions">
                <button type="button" class="button primary" data-testid="save-following"
                    on:click=move |_| {
                        save.dispatch(SaveFollowing { enabled: enabled.get(), apply_without_asking: without_asking.get() });
                    }>
                    "Save"
                </button>
                <Saved pending done/>
            </div>
        </section>
    }
}
