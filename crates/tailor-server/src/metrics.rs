//! Prometheus metrics, served at `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

/// Every metric the server exports.
pub struct Metrics {
    registry: Registry,
    requests: Family<RouteLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    events: Family<KindLabels, Counter>,
    duplicates: Counter,
    products: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("tailor");
        let requests = Family::<RouteLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
        });
        let events = Family::<KindLabels, Counter>::default();
        let duplicates = Counter::default();
        let products = Counter::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_seconds",
            "HTTP request latency by route and status",
            latency.clone(),
        );
        registry.register(
            "events_ingested",
            "Events committed, by type",
            events.clone(),
        );
        registry.register(
            "events_duplicate",
            "Events ignored as retries of an event id already stored",
            duplicates.clone(),
        );
        registry.register(
            "products_upserted",
            "Products inserted or replaced",
            products.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            events,
            duplicates,
            products,
        }
    }

    /// Counts one request.
    pub fn request(&self, route: &str, status: u16, secs: f64) {
        let l = RouteLabels {
            route: route.to_string(),
            status,
        };
        self.requests.get_or_create(&l).inc();
        self.latency.get_or_create(&l).observe(secs);
    }

    /// Counts one committed event.
    pub fn event(&self, kind: &str) {
        self.events
            .get_or_create(&KindLabels {
                kind: kind.to_string(),
            })
            .inc();
    }

    /// Counts ignored duplicates.
    pub fn duplicates(&self, n: u64) {
        self.duplicates.inc_by(n);
    }

    /// Counts upserted products.
    pub fn products(&self, n: u64) {
        self.products.inc_by(n);
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
