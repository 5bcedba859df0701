//! What the booking page's server function answers.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::model::BookingPageView;
#[cfg(feature = "ssr")]
use super::months::SharedMonth;

/// The booking page's server function's answer: the view, and, on the
/// server, the month it is shared as with every visitor of its minute, whose
/// JSON is written once for all of them (`months::SharedMonth`). On the wire
/// it is the view alone.
#[derive(Debug, Clone)]
pub struct BookingPageAnswer {
    pub view: Arc<BookingPageView>,
    /// `None` for a view made for one visitor (a booking being moved) or for
    /// no month (a host's list of meeting types).
    #[cfg(feature = "ssr")]
    pub shared: Option<Arc<SharedMonth>>,
}

impl BookingPageAnswer {
    /// A view made for this answer alone.
    pub fn one(view: BookingPageView) -> Self {
        Self {
            view: Arc::new(view),
            #[cfg(feature = "ssr")]
            shared: None,
        }
    }

    /// The month every visitor of its minute is shown.
    #[cfg(feature = "ssr")]
    pub fn shared(month: &Arc<SharedMonth>) -> Self {
        Self { view: Arc::clone(&month.view), shared: Some(Arc::clone(month)) }
    }
}

impl Serialize for BookingPageAnswer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[cfg(feature = "ssr")]
        if let Some(shared) = &self.shared {
            return shared.json.serialize(serializer);
        }
        self.view.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for BookingPageAnswer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BookingPageView::deserialize(deserializer).map(Self::one)
    }
}
