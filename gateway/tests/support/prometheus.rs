//! Reading a `/metrics` exposition with a Prometheus text-format parser (a grammar-based
//! one, so anything Prometheus would refuse fails the test).
#![allow(dead_code)]

use openmetrics_parser::prometheus::parse_prometheus;
use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue};

/// A parsed exposition.
pub struct Scrape(pub MetricsExposition<PrometheusType, PrometheusValue>);

impl Scrape {
    /// Parses `text`, failing the test when it is not valid.
    pub fn parse(text: &str) -> Self {
        Self(parse_prometheus(text).unwrap_or_else(|error| panic!("invalid exposition ({error:?}):\n{text}")))
    }

    /// The value of family `name`'s sample with `labels` (a subset of its labels).
    pub fn find(&self, name: &str, labels: &[(&str, &str)]) -> Option<&PrometheusValue> {
        let family = self.0.families.get(name)?;
        let names = std::sync::Arc::new(family.get_label_names().to_vec());
        family.iter_samples().find_map(|sample| {
            let set = openmetrics_parser::LabelSet::new(names.clone(), sample).ok()?;
            labels.iter().all(|(k, v)| set.get_label_value(k) == Some(*v)).then_some(&sample.value)
        })
    }

    /// A counter's, gauge's or untyped sample's number.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        match self.find(name, labels)? {
            PrometheusValue::Counter(c) => Some(c.value.as_f64()),
            PrometheusValue::Gauge(n) | PrometheusValue::Unknown(n) => Some(n.as_f64()),
            _ => None,
        }
    }

    /// A histogram's (count, cumulative buckets as (upper bound, count)).
    pub fn histogram(&self, name: &str, labels: &[(&str, &str)]) -> Option<(u64, Vec<(f64, f64)>)> {
        match self.find(name, labels)? {
            PrometheusValue::Histogram(h) => {
                Some((h.count?, h.buckets.iter().map(|b| (b.upper_bound, b.count.as_f64())).collect()))
            }
            _ => None,
        }
    }

    /// The HELP text of family `name`.
    pub fn help(&self, name: &str) -> Option<&str> {
        self.0.families.get(name).map(|f| f.help.as_str())
    }
}
