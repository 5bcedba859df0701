//! Pieces of the booking page that show a host's meeting types: the list on
//! `/{username}`, and a description as text with its links.

use leptos::{either::Either, prelude::*};

use super::model::{lengths_in_words, BookingPageView};

/// Plain text with its web addresses as links: a description is never HTML.
pub fn linked_text(text: &str) -> impl IntoView + use<> {
    let mut parts = Vec::new();
    for (index, word) in text.split(' ').enumerate() {
        if index > 0 {
            parts.push(Either::Left(" ".to_owned()));
        }
        let is_address = (word.starts_with("https://") || word.starts_with("http://")) && word.len() > 8;
        if is_address {
            let address = word.trim_end_matches(['.', ',', ')', ';']).to_owned();
            let rest = word[address.len()..].to_owned();
            let href = address.clone();
            parts
                .push(Either::Right(view! { <a href=href rel="nofollow noopener noreferrer">{address}</a> }));
            parts.push(Either::Left(rest));
        } else {
            parts.push(Either::Left(word.to_owned()));
        }
    }
    parts
}

/// `/{username}` of a host who offers several kinds of meeting: choose one.
pub fn meeting_type_list(view: &BookingPageView) -> impl IntoView + use<> {
    view! {
        <section class="meeting-types" aria-labelledby="types-heading">
            <h2 id="types-heading">"Choose a meeting"</h2>
            <ul class="type-list">
                {view.choices.iter().map(|choice| view! {
                    <li class="type-card" style=format!("border-left-color:{}", choice.colour) data-testid="meeting-type">
                        <a href=format!("{}?tz={}", choice.path, view.visitor_time_zone)><strong>{choice.title.clone()}</strong></a>
                        <span class="muted">{lengths_in_words(&choice.lengths)}</span>
                        {(!choice.description.is_empty()).then(|| view! { <p class="description">{linked_text(&choice.description)}</p> })}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}
