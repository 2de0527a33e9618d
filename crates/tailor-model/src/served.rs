//! A served list: what one response showed in one widget (a recommendation box, a search or a
//! category page). Impressions for analytics come from these, and a click's tracking code
//! (`request:list:position`) points back at one.

use crate::{CustomerId, Millis, ProductId, VisitorId};
use serde::{Deserialize, Serialize};

/// One list one response showed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Served {
    /// When it was served (server time).
    pub at: Millis,
    /// The response's request id.
    pub request_id: String,
    /// The box name, or `search` for a search and a category page.
    pub list: String,
    /// Who it was shown to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_id: Option<VisitorId>,
    /// The customer, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<CustomerId>,
    /// The query typed (empty for a category page); absent for boxes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Matching products in all (search), so zero-result searches can be counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<usize>,
    /// The products shown, in order, each with the source that contributed most to it (a
    /// source's name is static text when served: no allocation per item).
    pub items: Vec<(ProductId, std::borrow::Cow<'static, str>)>,
    /// The experiment arm the shopper was in (`experiment:arm`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arm: Option<String>,
}
